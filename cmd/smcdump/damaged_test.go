package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Damaged captures (issue 9, items 10-12). Nothing damaged is checked in:
// each file is made at run time from a real-kernel lab trace by the
// documented corruption below (synthetic damage on real bytes), and the
// output of analyze is compared with testdata/golden/damaged-*.

// labBlocks returns the offsets and lengths of the blocks (pcapng) or
// records (pcap) of a clean little-endian capture.
func labBlocks(b []byte) (offs, lens []int) {
	le := binary.LittleEndian
	if le.Uint32(b) == 0x0A0D0D0A {
		for off := 0; off < len(b); off += int(le.Uint32(b[off+4:])) {
			offs, lens = append(offs, off), append(lens, int(le.Uint32(b[off+4:])))
		}
		return
	}
	for off := 24; off < len(b); off += 16 + int(le.Uint32(b[off+8:])) {
		offs, lens = append(offs, off), append(lens, 16+int(le.Uint32(b[off+8:])))
	}
	return
}

// labToPcap converts a single-link-type pcapng trace to a little-endian
// nanosecond pcap, as tcpdump would have written it.
func labToPcap(t *testing.T, ng []byte) []byte {
	t.Helper()
	fr, err := pcapfile.NewFileReader(bytes.NewReader(ng))
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	h := le.AppendUint32(nil, 0xa1b23c4d)
	h = le.AppendUint16(h, 2)
	h = le.AppendUint16(h, 4)
	h = append(h, make([]byte, 8)...)
	h = le.AppendUint32(h, 262144)
	h = le.AppendUint32(h, uint32(pcapfile.LinkTypeEthernet))
	for {
		p, err := fr.Next()
		if err != nil {
			break
		}
		if p.LinkType != pcapfile.LinkTypeEthernet {
			t.Fatalf("link type %v", p.LinkType)
		}
		ts := p.Info.Timestamp
		h = le.AppendUint32(h, uint32(ts.Unix()))
		h = le.AppendUint32(h, uint32(ts.Nanosecond()))
		h = le.AppendUint32(h, uint32(len(p.Data)))
		h = le.AppendUint32(h, uint32(p.Info.Length))
		h = append(h, p.Data...)
	}
	return h
}

// nthPacketBlock returns the index of the first EPB (pcapng) or record
// (pcap) at or after block i.
func nthPacketBlock(b []byte, offs []int, i int) int {
	if binary.LittleEndian.Uint32(b) != 0x0A0D0D0A {
		return i
	}
	for binary.LittleEndian.Uint32(b[offs[i]:]) != 6 {
		i++
	}
	return i
}

type damageCase struct {
	name string
	// what the corruption is (documented in the golden test's output name)
	damage func(t *testing.T, clean []byte) []byte
	lost   int // packets the damage may cost at most
}

func put32(b []byte, off int, v uint32) []byte {
	out := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(out[off:], v)
	return out
}

var damageCases = []damageCase{
	{"epb-length-past-eof", func(t *testing.T, b []byte) []byte {
		// EPB 1000's block length set to reach past the end of the file.
		offs, _ := labBlocks(b)
		k := nthPacketBlock(b, offs, 1000)
		return put32(b, offs[k]+4, uint32((len(b)-offs[k]+64)&^3))
	}, 1},
	{"pcap-caplen-200000", func(t *testing.T, b []byte) []byte {
		// The trace as pcap; record 1000's caplen set to 200,000.
		p := labToPcap(t, b)
		offs, _ := labBlocks(p)
		return put32(p, offs[1000]+8, 200000)
	}, 1},
	{"byte-flip", func(t *testing.T, b []byte) []byte {
		// One byte flipped: the third byte of block 3000's length.
		offs, _ := labBlocks(b)
		out := append([]byte(nil), b...)
		out[offs[3000]+6] ^= 0x5a
		return out
	}, 1},
	{"idb-type-zero", func(t *testing.T, b []byte) []byte {
		// The interface description block's type set to 0 (reserved).
		offs, _ := labBlocks(b)
		return put32(b, offs[1], 0)
	}, 0},
	{"zero-tail", func(t *testing.T, b []byte) []byte {
		// Preallocated: 1 MiB of zeros after the last block.
		return append(append([]byte(nil), b...), make([]byte, 1<<20)...)
	}, 0},
	{"crash-zeroed", func(t *testing.T, b []byte) []byte {
		// Cut by a crash: everything from the middle of block 4000 on
		// is zero.
		offs, lens := labBlocks(b)
		mid := offs[4000] + lens[4000]/2
		out := append([]byte(nil), b[:mid]...)
		return append(out, make([]byte, len(b)-mid)...)
	}, -1},
}

// TestDamagedTraces: analyze reports each damage (offset, damaged regions,
// skipped bytes) in its first lines and in JSON, analyzes the rest and
// exits 4; read -r exits 4 too.
func TestDamagedTraces(t *testing.T) {
	src := filepath.Join(labDir, "6.12", "g-many.pcapng")
	clean, err := os.ReadFile(src)
	if err != nil {
		t.Skip("lab trace 6.12/g-many.pcapng not present")
	}
	cleanPkts := 0
	if fr, err := pcapfile.NewFileReader(bytes.NewReader(clean)); err == nil {
		for _, err := fr.Next(); err == nil; _, err = fr.Next() {
			cleanPkts++
		}
	}
	dir := t.TempDir()
	for _, c := range damageCases {
		t.Run(c.name, func(t *testing.T) {
			bad := c.damage(t, clean)
			ext := ".pcapng"
			if binary.LittleEndian.Uint32(bad) != 0x0A0D0D0A {
				ext = ".pcap"
			}
			path := filepath.Join(dir, "g-many-"+c.name+ext)
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			out, stderr, code := run(t, "analyze", "--evidence=no", "--keep", "3", path)
			if code != codeDamaged {
				t.Fatalf("exit %d, want %d (damaged): %s", code, codeDamaged, stderr)
			}
			if !strings.Contains(stderr, "damaged input") {
				t.Errorf("stderr does not say the input was damaged: %q", stderr)
			}
			golden(t, "damaged-"+c.name+".analyze.txt", strings.ReplaceAll(out, dir, "damaged"))
			lines := strings.SplitN(out, "\n", 3)
			if len(lines) < 2 || !strings.Contains(lines[1], "damaged region") {
				t.Errorf("the damage is not in the report's first lines:\n%s", out)
			}
			js, _, code := run(t, "analyze", "--json", path)
			if code != codeDamaged {
				t.Fatalf("--json exit %d", code)
			}
			var rep report.Report
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				t.Fatal(err)
			}
			s, f := rep.Summary, rep.Files[0]
			if s.DamagedRegions == 0 || s.DamagedRegions != f.DamagedRegions || s.SkippedBytes != f.SkippedBytes || f.DamagedRegions != f.ProblemCount {
				t.Errorf("JSON damage: summary %d regions %d bytes, file %d regions %d bytes %d problems", s.DamagedRegions, s.SkippedBytes, f.DamagedRegions, f.SkippedBytes, f.ProblemCount)
			}
			if c.lost >= 0 && f.Packets < cleanPkts-c.lost {
				t.Errorf("%d of %d packets analyzed, want at least %d", f.Packets, cleanPkts, cleanPkts-c.lost)
			}
			if _, stderr, code := run(t, "read", "-r", path); code != codeDamaged {
				t.Errorf("read -r: exit %d, want %d: %s", code, codeDamaged, stderr)
			}
		})
	}
}

// TestDamagedExitPrecedence: exit 4 only when nothing else applies: a
// --fail-on condition met still exits 3, an unreadable input 1, and a
// clean file 0.
func TestDamagedExitPrecedence(t *testing.T) {
	src := filepath.Join(labDir, "6.12", "a-peer-no-smc.pcapng")
	clean, err := os.ReadFile(src)
	if err != nil {
		t.Skip("lab trace 6.12/a-peer-no-smc.pcapng not present")
	}
	offs, _ := labBlocks(clean)
	k := nthPacketBlock(clean, offs, len(offs)/2)
	bad := put32(clean, offs[k]+4, uint32((len(clean)-offs[k]+64)&^3))
	dir := t.TempDir()
	path := filepath.Join(dir, "a-peer-no-smc-damaged.pcapng")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"analyze", src}, codeOK},
		{[]string{"analyze", path}, codeDamaged},
		{[]string{"analyze", "--fail-on", "fallback", path}, codeGate},
		{[]string{"analyze", "--fail-on", "decline", path}, codeDamaged},
		{[]string{"analyze", path, filepath.Join(dir, "missing.pcapng")}, codeError},
		{[]string{"read", "-r", src}, codeOK},
		{[]string{"read", "-r", path}, codeDamaged},
	} {
		if _, stderr, code := run(t, c.args...); code != c.want {
			t.Errorf("%v: exit %d, want %d (%s)", c.args[:len(c.args)-1], code, c.want, stderr)
		}
	}
	js, _, _ := run(t, "analyze", "--json", path)
	golden(t, "damaged-a-peer-no-smc.analyze.json", strings.ReplaceAll(js, dir, "damaged"))
}
