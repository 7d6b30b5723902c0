package pcapfile

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rawUDP is a raw IPv4 UDP datagram (link type RAW), ethUDP the same in an
// Ethernet frame (synthetic).
var (
	rawUDP = func() []byte {
		b := []byte{0x45, 0, 0, 38, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
			0x04, 0xd2, 0x13, 0x88, 0, 18, 0, 0}
		return append(b, []byte("payload001")...)
	}()
	ethUDP = append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00}, rawUDP...)
)

// epbLens is epb with the original length given.
func epbLens(iface uint32, ts uint64, data []byte, orig uint32) []byte {
	b := epb(iface, ts, data)
	binary.LittleEndian.PutUint32(b[8+16:], orig)
	return b
}

const t0 = 1_700_000_000_000_000 // µs

// TestInterfaceIDsFollowIDBs: the interface ids of a section are those of
// its interface description blocks as written. A damaged block that is
// recognisably an interface description block (type 1 where a block
// starts) takes its id, with an unknown link type, reported once naming
// that interface; a packet before its interface's description block is
// read with a placeholder that takes no id, so later descriptions keep
// theirs (synthetic files).
func TestInterfaceIDsFollowIDBs(t *testing.T) {
	trailing := func(b []byte) []byte { // trailing length damaged
		b = append([]byte(nil), b...)
		b[len(b)-4] ^= 0xff
		return b
	}
	leading := func(b []byte) []byte { // leading length not a multiple of 4
		b = append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(b[4:], 13)
		return b
	}
	short := pcapngBlock(blockIDB, []byte{1, 0, 0, 0}) // body too short
	type want struct {
		lt   LinkType
		name string
	}
	cases := []struct {
		name     string
		blocks   [][]byte
		want     []want
		problems int    // problems reported
		badAt    int    // index of the block the first problem is at (-1: none)
		mention  string // in the first problem
	}{
		{"trailing length of IDB 0", [][]byte{trailing(idb(1, 0, "eth0")), idb(101, 0, "raw1"), epb(1, t0, rawUDP), epb(0, t0+1, ethUDP), epb(1, t0+2, rawUDP)},
			[]want{{LinkTypeRaw, "raw1"}, {LinkTypeUnknown, ""}, {LinkTypeRaw, "raw1"}}, 1, 0, "interface 0"},
		{"leading length of IDB 0", [][]byte{leading(idb(1, 0, "eth0")), idb(101, 0, "raw1"), epb(1, t0, rawUDP), epb(0, t0+1, ethUDP)},
			[]want{{LinkTypeRaw, "raw1"}, {LinkTypeUnknown, ""}}, 1, 0, "interface 0"},
		{"IDB 1 damaged", [][]byte{idb(1, 0, "eth0"), trailing(idb(113, 0, "any")), idb(101, 0, "raw2"), epb(2, t0, rawUDP), epb(1, t0, ethUDP), epb(0, t0, ethUDP)},
			[]want{{LinkTypeRaw, "raw2"}, {LinkTypeUnknown, ""}, {LinkTypeEthernet, "eth0"}}, 1, 1, "interface 1"},
		{"IDB 0 too short", [][]byte{short, idb(101, 0, "raw1"), epb(1, t0, rawUDP), epb(0, t0, ethUDP)},
			[]want{{LinkTypeRaw, "raw1"}, {LinkTypeUnknown, ""}}, 1, 0, "interface 0"},
		{"IDB 0 with its type damaged", [][]byte{retype(idb(1, 0, "eth0"), 0x00030d40), idb(101, 0, "raw1"), epb(1, t0, rawUDP), epb(0, t0, ethUDP)},
			[]want{{LinkTypeRaw, "raw1"}, {LinkTypeUnknown, ""}}, 1, 0, "interface 0"},
		{"packets before their IDBs", [][]byte{epb(0, t0, ethUDP), idb(1, 0, "eth0"), epb(0, t0+1, ethUDP), epb(1, t0+2, rawUDP), idb(101, 0, "raw1"), epb(1, t0+3, rawUDP), epb(0, t0+4, ethUDP)},
			[]want{{LinkTypeEthernet, ""}, {LinkTypeEthernet, "eth0"}, {LinkTypeRaw, ""}, {LinkTypeRaw, "raw1"}, {LinkTypeEthernet, "eth0"}}, 2, 0, "interface 0"},
		{"clean", [][]byte{idb(1, 0, "eth0"), idb(101, 0, "raw1"), epb(1, t0, rawUDP), epb(0, t0, ethUDP)},
			[]want{{LinkTypeRaw, "raw1"}, {LinkTypeEthernet, "eth0"}}, 0, -1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := shb()
			var offs []int
			for _, b := range c.blocks {
				offs = append(offs, len(f))
				f = append(f, b...)
			}
			pkts, fr := readAll(t, f)
			if len(pkts) != len(c.want) {
				t.Fatalf("%d packets, want %d; problems %v", len(pkts), len(c.want), fr.Problems())
			}
			for i, p := range pkts {
				if p.LinkType != c.want[i].lt || p.Interface != c.want[i].name {
					t.Errorf("packet %d: link type %v interface %q, want %v %q", i+1, p.LinkType, p.Interface, c.want[i].lt, c.want[i].name)
				}
				if p.Frame != i+1 {
					t.Errorf("packet %d: frame %d", i+1, p.Frame)
				}
			}
			p := fr.Problems()
			if len(p) != c.problems {
				t.Fatalf("problems %v, want %d", p, c.problems)
			}
			if c.badAt >= 0 && (p[0].Offset != int64(offs[c.badAt]) || !strings.Contains(p[0].Msg, c.mention)) {
				t.Errorf("first problem %v, want one at %d naming %q", p[0], offs[c.badAt], c.mention)
			}
			for _, q := range p {
				if c.mention != "" && c.badAt >= 0 && c.problems == 1 && strings.Contains(q.Msg, "has no interface description") {
					t.Errorf("problem %v: the damaged description took the interface's id", q)
				}
			}
		})
	}
}

// TestPcapngOrigBelowCaplen: an EPB whose original length is below its
// captured length (0) is read as a pcap record with those lengths is: the
// original length is the captured one (synthetic files).
func TestPcapngOrigBelowCaplen(t *testing.T) {
	f := append(shb(), idb(1, 0, "eth0")...)
	f = append(f, epbLens(0, t0, ethUDP, 0)...)
	f = append(f, epbLens(0, t0+1, ethUDP, 10)...)
	f = append(f, epbLens(0, t0+2, ethUDP, 1000)...)
	ng, fr := readAll(t, f)
	n := uint32(len(ethUDP))
	pc, fr2 := readAll(t, pcapFile(65535, 1, [][3]uint32{{1_700_000_000, n, 0}, {1_700_000_001, n, 10}, {1_700_000_002, n, 1000}}))
	if len(ng) != 3 || len(pc) != 3 || fr.ProblemCount()+fr2.ProblemCount() != 0 {
		t.Fatalf("packets %d %d, problems %v %v", len(ng), len(pc), fr.Problems(), fr2.Problems())
	}
	for i, want := range []int{len(ethUDP), len(ethUDP), 1000} {
		if ng[i].Info.Length != want || pc[i].Info.Length != want || ng[i].Info.CaptureLength != len(ethUDP) {
			t.Errorf("packet %d: length pcapng %d pcap %d, want %d", i+1, ng[i].Info.Length, pc[i].Info.Length, want)
		}
	}
}

// TestFrameNumbersMatchTshark: smcdump's frame numbers are tshark's, for
// the cases a new user found (synthetic files, differential; skipped
// without tshark): a zero-length pcap record, unknown pcapng block types
// among custom blocks, and a damaged interface description block (tshark
// stops there: its numbering of the undamaged file is the reference).
func TestFrameNumbersMatchTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	custom := pcapngBlock(blockCustom, append(binary.LittleEndian.AppendUint32(nil, 32473), []byte("kstat...")...))
	ng := func(blocks ...[]byte) []byte {
		f := shb()
		for _, b := range blocks {
			f = append(f, b...)
		}
		return f
	}
	n := uint32(len(ethUDP))
	clean := ng(idb(1, 0, "eth0"), idb(101, 0, "raw1"), epb(0, t0, ethUDP), custom, epb(1, t0+1, rawUDP), epb(0, t0+2, ethUDP))
	damaged := append([]byte(nil), clean...)
	damaged[28+len(idb(1, 0, "eth0"))-4] ^= 0xff // IDB 0's trailing length
	cases := []struct {
		name     string
		file, ts []byte // read by smcdump, by tshark
		ext      string
	}{
		{"zero-length record", nil, nil, ".pcap"},
		{"unknown blocks", ng(idb(1, 0, "eth0"), epb(0, t0, ethUDP), custom, pcapngBlock(0xabcd, []byte("unknownblockbody")), epb(0, t0+1, ethUDP), pcapngBlock(0x123456, []byte{1, 2, 3, 4}), custom, epb(0, t0+2, ethUDP)), nil, ".pcapng"},
		{"damaged IDB", damaged, clean, ".pcapng"},
	}
	cases[0].file = pcapFile(65535, 1, [][3]uint32{{1_700_000_000, n, n}, {1_700_000_001, 0, 0}, {1_700_000_002, 0, 60}, {1_700_000_003, n, n}, {1_700_000_004, 0, 0}})
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref := c.ts
			if ref == nil {
				ref = c.file
			}
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+c.ext)
			if err := os.WriteFile(path, ref, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tshark, "-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.encap_type", "-e", "frame.interface_id").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			var want []string
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				fs := append(strings.Split(l, "\t"), "", "")
				if fs[1] != "" { // packets (custom blocks have no encapsulation)
					want = append(want, fs[0]+" "+fs[2])
				}
			}
			pkts, fr := readAll(t, c.file)
			var got []string
			for _, p := range pkts {
				id := ""
				if c.ext == ".pcapng" {
					id = strconv.Itoa(p.Info.InterfaceIndex)
				}
				got = append(got, strconv.Itoa(p.Frame)+" "+id)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("frames (number, interface) %v, tshark %v; problems %v", got, want, fr.Problems())
			}
			if c.ts == nil && fr.ProblemCount() != 0 {
				t.Errorf("problems %v, want none", fr.Problems())
			}
		})
	}
}
