package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The README promises that a corrupt block or record is reported with its
// byte offset and that the rest of the file is still analyzed. These tests
// hold the readers to it on real captures: every lab trace (recorded by real
// kernels, testdata/lab/out), as pcapng and converted at run time to pcap,
// with every field of its first blocks/records damaged in turn (and random
// byte flips). Nothing damaged is checked in: the damage is made here, from
// the lab traces, by the documented corruptions below.

// labCaptures returns the lab traces (pcap and pcapng).
func labCaptures(t testing.TB) []string {
	t.Helper()
	var paths []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "lab", "out", "*", pat))
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Skip("no lab traces in testdata/lab/out (run testdata/lab/run.sh)")
	}
	return paths
}

// span is one block (pcapng) or record (pcap) of a clean file.
type span struct {
	off, n int
	typ    uint32 // pcapng block type; 0 for pcap records
}

// spans walks a clean little-endian capture file (the lab traces and the
// pcap files made from them are little endian).
func spans(t testing.TB, b []byte) (hdr int, out []span) {
	t.Helper()
	le := binary.LittleEndian
	if le.Uint32(b) == blockSHB {
		for off := 0; off < len(b); {
			n := int(le.Uint32(b[off+4:]))
			out = append(out, span{off, n, le.Uint32(b[off:])})
			off += n
		}
		return 0, out
	}
	for off := 24; off < len(b); {
		n := 16 + int(le.Uint32(b[off+8:]))
		out = append(out, span{off, n, 0})
		off += n
	}
	return 24, out
}

// toPcap converts a single-link-type capture to a little-endian
// nanosecond pcap (snaplen 262144), as tcpdump would have written it.
func toPcap(t testing.TB, ng []byte) []byte {
	t.Helper()
	fr, err := NewFileReader(bytes.NewReader(ng))
	if err != nil {
		t.Fatal(err)
	}
	var recs []byte
	lt := LinkType(0)
	for n := 0; ; n++ {
		p, err := fr.Next()
		if err != nil {
			break
		}
		if n == 0 {
			lt = p.LinkType
		} else if p.LinkType != lt {
			t.Skip("several link types: no pcap equivalent")
		}
		ts := p.Info.Timestamp
		recs = binary.LittleEndian.AppendUint32(recs, uint32(ts.Unix()))
		recs = binary.LittleEndian.AppendUint32(recs, uint32(ts.Nanosecond()))
		recs = binary.LittleEndian.AppendUint32(recs, uint32(len(p.Data)))
		recs = binary.LittleEndian.AppendUint32(recs, uint32(p.Info.Length))
		recs = append(recs, p.Data...)
	}
	h := binary.LittleEndian.AppendUint32(nil, 0xa1b23c4d)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 4)
	h = append(h, make([]byte, 8)...)
	h = binary.LittleEndian.AppendUint32(h, 262144)
	h = binary.LittleEndian.AppendUint32(h, uint32(lt))
	return append(h, recs...)
}

// sample cuts a test file out of a clean capture: the header, the first
// first+8 blocks and the last block (the interface statistics of a pcapng
// file), so that one read is fast. The result is a valid capture of the
// same kind.
func sample(t testing.TB, b []byte, first int) []byte {
	t.Helper()
	_, sp := spans(t, b)
	if len(sp) <= first+10 {
		return b
	}
	end := sp[first+8].off
	out := append([]byte(nil), b[:end]...)
	return append(out, b[sp[len(sp)-1].off:]...)
}

// pkt is what the test compares of a packet.
type pkt struct {
	ts   int64
	data uint64 // FNV-1a hash of the data
	n    int    // data length
	end  int64  // offset after the packet's block, in the clean file
}

func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

func readPkts(t testing.TB, b []byte) ([]pkt, *FileReader, error) {
	t.Helper()
	fr, err := NewFileReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	var out []pkt
	for i := 0; ; i++ {
		if i > len(b) {
			t.Fatalf("more packets (%d) than bytes", i)
		}
		p, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if len(p.Data) != p.Info.CaptureLength || p.Info.CaptureLength < 0 {
			t.Fatalf("caplen %d but %d bytes", p.Info.CaptureLength, len(p.Data))
		}
		out = append(out, pkt{p.Info.Timestamp.UnixNano(), fnv(p.Data), len(p.Data), fr.Offset()})
	}
	return out, fr, nil
}

// checkRest: every packet of the clean read whose block lies after the
// damaged bytes (offset >= after) is read from the damaged file too, in
// order, at its end (data, and the timestamp when withTS).
func checkRest(t *testing.T, what string, clean, got []pkt, after int64, withTS bool) bool {
	t.Helper()
	var rest []pkt
	for _, p := range clean {
		if p.end > after {
			rest = append(rest, p)
		}
	}
	if len(got) < len(rest) {
		t.Errorf("%s: %d packets read, but %d follow the damaged block", what, len(got), len(rest))
		return false
	}
	tail := got[len(got)-len(rest):]
	for i := range rest {
		if tail[i].data != rest[i].data || tail[i].n != rest[i].n || withTS && tail[i].ts != rest[i].ts {
			t.Errorf("%s: packet %d of the %d after the damaged block differs (ts %d/%d, %d/%d bytes)", what, i, len(rest),
				tail[i].ts, rest[i].ts, tail[i].n, rest[i].n)
			return false
		}
	}
	return true
}

// field is one 32-bit little-endian field of a block or record.
type field struct {
	name string
	at   int // offset in the block; negative: from the block's end
	// frames: changing the field changes the file's framing, so the
	// damage must be reported at the block's offset (see detect).
	frames bool
}

var (
	ngCommon = []field{{"block type", 0, true}, {"block length", 4, true}, {"trailing length", -4, true}}
	ngFields = map[uint32][]field{
		blockSHB:    {{"byte-order magic", 8, true}, {"version", 12, false}},
		blockIDB:    {{"link type", 8, false}, {"snaplen", 12, false}},
		blockEPB:    {{"interface id", 8, false}, {"timestamp high", 12, false}, {"timestamp low", 16, false}, {"captured length", 20, true}, {"original length", 24, false}},
		blockISB:    {{"interface id", 8, false}, {"timestamp high", 12, false}},
		blockCustom: {{"PEN", 8, false}},
	}
	pcapFields = []field{{"ts seconds", 0, false}, {"ts fraction", 4, false}, {"caplen", 8, true}, {"len", 12, false}}
)

// values are the damaged values tried for a field holding v in a file of
// size size at offset off: zero, huge, in range but wrong (a length that
// runs past the end of the file, the issue's 200,000), off by a few.
func values(v uint32, off, size int) []uint32 {
	past := uint32((size - off + 8 + 3) &^ 3) // runs 8 bytes past the end of the file
	cand := []uint32{0, 0xffffffff, 200000, past, v + 1, v - 1, v + 4, v - 4, v + 64}
	var out []uint32
	seen := map[uint32]bool{v: true}
	for _, c := range cand {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// detect tells whether the damage must be reported: framing fields, except
// changes the format cannot tell from a valid file (a block type changed to
// another registered type, a captured length changed within the padding,
// an interface id changed to another existing interface).
func detect(f field, blk span, old, v uint32, nIfaces int) bool {
	switch {
	case f.name == "block type":
		// A well-framed block of a type not registered is skipped with
		// a note (the pcapng draft has readers skip the blocks they do
		// not know): it is damage only when its body shows what it was,
		// an interface description, packet or statistics block
		// (FileReader.bodyKind), or its type is the reserved 0.
		recognised := blk.typ == blockIDB || blk.typ == blockEPB || blk.typ == blockISB || v == 0
		return recognised && !registeredBlock(v) && v != blockSHB && v&0xffff0000 != 0x0a0d0000
	case f.name == "captured length":
		return (v+3)&^3 != (old+3)&^3
	case f.name == "interface id" && blk.typ == blockEPB:
		return int(v) >= nIfaces
	}
	return f.frames
}

// exposesEndOfOptions reports whether a captured length made shorter than
// the truth leaves only zero bytes between the new end of the padded data
// and the old one: the format reads them as opt_endofopt, a valid block, so
// the damage cannot show (seen on zero-filled payloads).
func exposesEndOfOptions(clean []byte, f field, blk span, old, v uint32) bool {
	if f.name != "captured length" || blk.typ != blockEPB || v >= old {
		return false
	}
	from, to := blk.off+28+int((v+3)&^3), blk.off+28+int((old+3)&^3)
	if to > len(clean) {
		return false
	}
	for _, b := range clean[from:to] {
		if b != 0 {
			return false
		}
	}
	return true
}

// TestDamagedFieldsLab damages every field of the first blocks (pcapng) and
// records (pcap) of every lab trace, one at a time, with several values,
// and requires that (1) every packet after the damaged block is still read,
// (2) the damage is reported at the damaged block's offset when the field
// frames the file, and no problem is ever reported before it.
//
// The synthetic traces (testdata/synthetic: snaplen-cut records, cooked
// and raw link types, several interfaces) are damaged the same way.
func TestDamagedFieldsLab(t *testing.T) {
	const first = 7
	deadline := time.Now().Add(5 * time.Minute) // against hangs only
	paths := labCaptures(t)
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "synthetic", pat))
		paths = append(paths, m...)
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if m := binary.LittleEndian.Uint32(raw); m != blockSHB && m != 0xa1b2c3d4 && m != 0xa1b23c4d ||
			m == blockSHB && binary.LittleEndian.Uint32(raw[8:]) != 0x1A2B3C4D {
			continue // the walker reads little-endian files
		}
		name := filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
		files := map[string][]byte{name: sample(t, raw, first)}
		if binary.LittleEndian.Uint32(raw) == blockSHB && strings.Contains(path, "lab") {
			files[name+" as pcap"] = sample(t, toPcap(t, raw), first)
		}
		for fname, clean := range files {
			t.Run(fname, func(t *testing.T) {
				want, fr, err := readPkts(t, clean)
				if err != nil || fr.ProblemCount() != 0 {
					t.Fatalf("clean sample: %v %v", err, fr.Problems())
				}
				nIfaces := len(fr.Interfaces())
				_, sp := spans(t, clean)
				var blocks []span
				blocks = append(blocks, sp[:min(first, len(sp))]...)
				if len(sp) > first+1 {
					blocks = append(blocks, sp[len(sp)-1])
				}
				tried := 0
				for _, blk := range blocks {
					fields := pcapFields
					if blk.typ != 0 {
						fields = append(append([]field(nil), ngCommon...), ngFields[blk.typ]...)
					}
					for _, f := range fields {
						at := blk.off + f.at
						if f.at < 0 {
							at = blk.off + blk.n + f.at
						}
						old := binary.LittleEndian.Uint32(clean[at:])
						for _, v := range values(old, blk.off, len(clean)) {
							if time.Now().After(deadline) {
								t.Fatal("deadline exceeded: a read does not terminate in time")
							}
							tried++
							what := fmt.Sprintf("block at %d (type 0x%x) %s %d -> %d", blk.off, blk.typ, f.name, old, v)
							bad := clean // damaged in place, restored below
							binary.LittleEndian.PutUint32(bad[at:], v)
							got, fr, err := readPkts(t, bad)
							binary.LittleEndian.PutUint32(bad[at:], old)
							if err != nil {
								t.Errorf("%s: file no longer read: %v", what, err)
								continue
							}
							checkRest(t, what, want, got, int64(blk.off+blk.n), true)
							probs := fr.Problems()
							if len(probs) > 0 && probs[0].Offset < int64(blk.off) {
								t.Errorf("%s: first problem %v, before the damaged block at %d", what, probs[0], blk.off)
							}
							if detect(f, blk, old, v, nIfaces) && !exposesEndOfOptions(clean, f, blk, old, v) && (len(probs) == 0 || probs[0].Offset != int64(blk.off)) {
								t.Errorf("%s: problems %v, want one at offset %d", what, probs, blk.off)
							}
							if regions, _ := fr.Damage(); regions != fr.ProblemCount() {
								t.Errorf("%s: %d damaged regions, %d problems", what, regions, fr.ProblemCount())
							}
						}
					}
				}
				if tried == 0 {
					t.Fatal("no field damaged")
				}
			})
		}
	}
}

// TestRandomByteFlipsLab is the property behind the field test, for bytes
// anywhere: one random byte of a lab trace set to a random value (bounded:
// 40 flips per file, fixed seed) loses no packet of a later block, and no
// problem is reported before the damaged byte's block. (The pcap file
// header is left alone: a damaged magic is "not a capture".)
func TestRandomByteFlipsLab(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, path := range labCaptures(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)
		files := map[string][]byte{name: sample(t, raw, 4)}
		if binary.LittleEndian.Uint32(raw) == blockSHB {
			files[name+" as pcap"] = sample(t, toPcap(t, raw), 4)
		}
		for fname, clean := range files {
			want, _, err := readPkts(t, clean)
			if err != nil {
				t.Fatal(err)
			}
			hdr, sp := spans(t, clean)
			for i := 0; i < 40; i++ {
				at := hdr + rng.Intn(len(clean)-hdr)
				v := byte(rng.Intn(256))
				if clean[at] == v {
					continue
				}
				blk := sp[0]
				for _, s := range sp {
					if s.off <= at {
						blk = s
					}
				}
				what := fmt.Sprintf("%s: byte %d (block at %d type 0x%x) %#x -> %#x", fname, at, blk.off, blk.typ, clean[at], v)
				bad := append([]byte(nil), clean...)
				bad[at] = v
				got, fr, err := readPkts(t, bad)
				if err != nil {
					t.Errorf("%s: file no longer read: %v", what, err)
					continue
				}
				checkRest(t, what, want, got, int64(blk.off+blk.n), false)
				if p := fr.Problems(); len(p) > 0 && p[0].Offset < int64(blk.off) {
					t.Errorf("%s: first problem %v before the damaged block", what, p[0])
				}
			}
		}
	}
}

// TestIssueDamageLab replays the damage of issue 9 on the full lab trace:
// one EPB length that runs past the end of the file (1,000 of 8,022
// packets were read), and a pcap caplen of 200,000 (1,745 packets were
// swallowed, and the problem was reported 200 KB later).
func TestIssueDamageLab(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "lab", "out", "6.12", "g-many.pcapng")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skip("lab trace not present")
	}
	for _, f := range []struct {
		name  string
		clean []byte
	}{{"pcapng", raw}, {"pcap", toPcap(t, raw)}} {
		want, _, _ := readPkts(t, f.clean)
		_, sp := spans(t, f.clean)
		k := 1000
		for sp[k].typ != 0 && sp[k].typ != blockEPB {
			k++
		}
		blk := sp[k]
		for _, c := range []struct {
			what string
			at   int
			v    uint32
		}{
			{"length past the end of the file", 4, uint32((len(f.clean) - blk.off + 64) &^ 3)},
			{"in-range wrong length", 4, 200000},
			{"caplen 200000", 8, 200000},
		} {
			if f.name == "pcap" && c.at == 4 {
				continue
			}
			if f.name == "pcapng" && c.at == 8 {
				continue
			}
			bad := append([]byte(nil), f.clean...)
			binary.LittleEndian.PutUint32(bad[blk.off+c.at:], c.v)
			got, fr, err := readPkts(t, bad)
			if err != nil {
				t.Fatal(err)
			}
			what := f.name + " " + c.what
			if len(got) != len(want)-1 {
				t.Errorf("%s: %d of %d packets read, want all but the damaged one", what, len(got), len(want))
			}
			checkRest(t, what, want, got, int64(blk.off+blk.n), true)
			p := fr.Problems()
			if len(p) != 1 || p[0].Offset != int64(blk.off) || p[0].Skipped != int64(blk.n) {
				t.Errorf("%s: problems %v, want one at offset %d skipping %d bytes", what, p, blk.off, blk.n)
			}
		}
	}
}

// TestZeroFilledTail: a file preallocated with zeros, or whose end was
// zeroed by a crash, ends in zero bytes: they are one damaged region (its
// offset and length), not empty packets.
func TestZeroFilledTail(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "lab", "out", "6.12", "g-many.pcapng")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skip("lab trace not present")
	}
	for _, f := range []struct {
		name  string
		clean []byte
	}{{"pcapng", raw}, {"pcap", toPcap(t, raw)}} {
		want, _, _ := readPkts(t, f.clean)
		_, sp := spans(t, f.clean)
		cut := sp[len(sp)/2].off
		before := 0 // packets before the cut
		for _, p := range want {
			if p.end <= int64(cut) {
				before++
			}
		}
		for _, c := range []struct {
			what    string
			file    []byte
			packets int   // at least
			off     int64 // of the one problem
			skipped int64
		}{
			{"preallocated", append(append([]byte(nil), f.clean...), make([]byte, 3<<20+5)...), len(want), int64(len(f.clean)), 3<<20 + 5},
			{"zeroed from a block boundary", append(append([]byte(nil), f.clean[:cut]...), make([]byte, len(f.clean)-cut)...), before, int64(cut), int64(len(f.clean) - cut)},
		} {
			got, fr, err := readPkts(t, c.file)
			if err != nil {
				t.Fatal(err)
			}
			what := f.name + " " + c.what
			p := fr.Problems()
			if len(p) != 1 || p[0].Offset != c.off || p[0].Skipped != c.skipped || !strings.Contains(p[0].Msg, "zero bytes") {
				t.Errorf("%s: problems %v, want one at %d of %d zero bytes", what, p, c.off, c.skipped)
			}
			if len(got) < c.packets || len(got) > len(want) {
				t.Errorf("%s: %d packets, want %d..%d", what, len(got), c.packets, len(want))
			}
			for i, q := range got {
				if q.data != want[i].data || q.ts != want[i].ts {
					t.Fatalf("%s: packet %d differs from the clean read", what, i)
				}
			}
		}
		// Zeroed from inside a block: that block is damaged, nothing else.
		mid := sp[len(sp)/2].off + sp[len(sp)/2].n/2
		z := append(append([]byte(nil), f.clean[:mid]...), make([]byte, len(f.clean)-mid)...)
		got, fr, _ := readPkts(t, z)
		if p := fr.Problems(); len(p) != 1 || !strings.Contains(p[0].Msg, "zero bytes") {
			t.Errorf("%s zeroed mid-block: problems %v, want one naming the zero bytes", f.name, p)
		}
		if len(got) > len(want) || len(got) < before {
			t.Errorf("%s zeroed mid-block: %d packets", f.name, len(got))
		}
	}
}

func TestGuessLinkType(t *testing.T) {
	eth := append(make([]byte, 12), 0x08, 0x00)
	eth = append(eth, 0x45, 0, 0, 20)
	sll2 := append([]byte{0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6}, make([]byte, 8)...)
	sll := append([]byte{0, 4, 0, 1, 0, 6}, make([]byte, 8)...)
	sll = append(sll, 0x08, 0x00)
	raw4 := append([]byte{0x45, 0, 0, 20}, make([]byte, 16)...)
	raw6 := append([]byte{0x60}, make([]byte, 39)...)
	for _, c := range []struct {
		name string
		b    []byte
		want LinkType
	}{
		{"ethernet", eth, LinkTypeEthernet},
		{"sll2", sll2, LinkTypeLinuxSLL2},
		{"sll", sll, LinkTypeLinuxSLL},
		{"raw ipv4", raw4, LinkTypeRaw},
		{"raw ipv6", raw6, LinkTypeRaw},
		{"unknown", []byte{1, 2, 3}, LinkTypeEthernet},
	} {
		if got := guessLinkType(c.b); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	ns := uint64(1_795_000_000) * 1e9
	us := uint64(1_795_000_000) * 1e6
	if d := guessTSDiv(uint32(ns>>32), uint32(ns), time.Time{}); d != 1e9 {
		t.Errorf("ns timestamp: 1/%d", d)
	}
	if d := guessTSDiv(uint32(us>>32), uint32(us), time.Time{}); d != 1e6 {
		t.Errorf("µs timestamp: 1/%d", d)
	}
}

// TestPcapngMissingIDB: packets whose interface description block is
// missing are read (placeholder interface, one problem), not dropped.
func TestPcapngMissingIDB(t *testing.T) {
	eth := append(make([]byte, 12), 0x08, 0x00)
	eth = append(eth, make([]byte, 46)...)
	var f []byte
	f = append(f, shb()...)
	f = append(f, epb(0, 1_700_000_000_000_000, eth)...)
	f = append(f, epb(0, 1_700_000_001_000_000, eth)...)
	pkts, fr := readAll(t, f)
	if len(pkts) != 2 || pkts[0].LinkType != LinkTypeEthernet || !pkts[1].Info.Timestamp.Equal(time.Unix(1_700_000_001, 0)) {
		t.Fatalf("packets %+v", pkts)
	}
	if p := fr.Problems(); len(p) != 1 || p[0].Offset != int64(len(shb())) {
		t.Fatalf("problems %v", p)
	}
}

// TestPcapngUnknownBlockType: a well-framed block of a type outside the
// pcapng registry, followed by a valid block or the end of the file, is
// skipped with a note, as the pcapng draft has readers do (tshark and
// tcpdump skip it silently); local-use types are skipped silently. The
// reserved type 0, an unknown block the file does not go on sensibly
// after, and one whose body is an interface description, packet or
// statistics block (its type damaged) are damage (synthetic files).
func TestPcapngUnknownBlockType(t *testing.T) {
	var f []byte
	f = append(f, shb()...)
	f = append(f, idb(1, 0, "eth0")...)
	f = append(f, pcapngBlock(0x80000001, []byte{1, 2, 3, 4})...)
	unk := len(f)
	f = append(f, pcapngBlock(0x00123456, []byte{1, 2, 3, 4})...)
	f = append(f, pcapngBlock(0x0000abcd, []byte("unknownblockbody"))...) // two in a row
	f = append(f, epb(0, 1_700_000_000_000_000, frame60)...)
	pkts, fr := readAll(t, f)
	if len(pkts) != 1 || fr.ProblemCount() != 0 {
		t.Fatalf("%d packets, problems %v", len(pkts), fr.Problems())
	}
	if n := fr.Notes(); len(n) != 2 || n[0].Offset != int64(unk) || n[1].Offset != int64(unk+16) {
		t.Fatalf("notes %v", n)
	}
	if r, s := fr.Damage(); r != 0 || s != 0 {
		t.Fatalf("damage %d regions %d bytes", r, s)
	}
	// At the end of the file.
	end := append(append([]byte(nil), f...), pcapngBlock(0x00123456, []byte{1, 2, 3, 4})...)
	if pkts, fr := readAll(t, end); len(pkts) != 1 || fr.ProblemCount() != 0 || fr.NoteCount() != 3 {
		t.Fatalf("at the end: %d packets, problems %v notes %v", len(pkts), fr.Problems(), fr.Notes())
	}

	cases := []struct {
		name string
		blk  []byte
	}{
		{"reserved type 0", pcapngBlock(0, []byte{1, 2, 3, 4})},
		{"EPB with its type damaged", retype(epb(0, 1_700_000_000_000_000, frame60), 0x00030d40)},
		{"ISB with its type damaged", retype(isb(0, 1_700_000_000_000_000, 3, 0), 70)},
	}
	for _, c := range cases {
		var g []byte
		g = append(g, shb()...)
		g = append(g, idb(1, 0, "eth0")...)
		bad := len(g)
		g = append(g, c.blk...)
		g = append(g, epb(0, 1_700_000_000_000_000, frame60)...)
		pkts, fr := readAll(t, g)
		p := fr.Problems()
		if len(pkts) != 1 || len(p) != 1 || p[0].Offset != int64(bad) || p[0].Skipped != int64(len(c.blk)) || fr.NoteCount() != 0 {
			t.Errorf("%s: %d packets, problems %v, notes %v", c.name, len(pkts), p, fr.Notes())
		}
	}
	// Garbage that happens to have equal lengths, followed by more
	// garbage: damage, and the reader resynchronises on the packet.
	var g []byte
	g = append(g, shb()...)
	g = append(g, idb(1, 0, "eth0")...)
	bad := len(g)
	g = append(g, pcapngBlock(0x00123456, []byte{1, 2, 3, 4})...)
	g = append(g, 0xde, 0xad, 0xbe, 0xef, 0x55, 0x66, 0x77)
	g = append(g, epb(0, 1_700_000_000_000_000, frame60)...)
	pkts, fr = readAll(t, g)
	if p := fr.Problems(); len(pkts) != 1 || len(p) != 2 || p[0].Offset != int64(bad) || fr.NoteCount() != 0 {
		t.Errorf("garbage: %d packets, problems %v, notes %v", len(pkts), p, fr.Notes())
	}
}

// retype returns block b with its type set to typ.
func retype(b []byte, typ uint32) []byte {
	b = append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(b, typ)
	return b
}

// TestPcapEmptyAndZeroRecords: a well-framed record of caplen 0 and len 0
// between valid records, or last, is a frame (tshark and tcpdump number
// it), not damage; a zero run is one damaged region, never packets
// (synthetic files).
func TestPcapEmptyAndZeroRecords(t *testing.T) {
	for _, recs := range [][][3]uint32{
		{{1_700_000_000, 60, 60}, {1_700_000_001, 0, 0}, {1_700_000_002, 60, 60}},
		{{1_700_000_000, 60, 60}, {1_700_000_001, 0, 0}, {1_700_000_002, 0, 0}, {1_700_000_003, 60, 60}},
		{{1_700_000_000, 60, 60}, {1_700_000_001, 0, 0}},
		{{1_700_000_001, 0, 0}, {1_700_000_002, 0, 60}, {1_700_000_003, 60, 60}},
	} {
		pkts, fr := readAll(t, pcapFile(65535, 1, recs))
		if len(pkts) != len(recs) || fr.ProblemCount() != 0 {
			t.Fatalf("%v: packets %d problems %v", recs, len(pkts), fr.Problems())
		}
		for i, p := range pkts {
			if p.Frame != i+1 || p.Info.CaptureLength != int(recs[i][1]) || len(p.Data) != int(recs[i][1]) {
				t.Errorf("%v: packet %d: frame %d caplen %d", recs, i, p.Frame, p.Info.CaptureLength)
			}
		}
	}
	// A zero-length record followed by zeros: the zeros are the damage.
	zt := append(pcapFile(65535, 1, [][3]uint32{{1_700_000_000, 60, 60}, {1_700_000_001, 0, 0}}), make([]byte, 64)...)
	if pkts, fr := readAll(t, zt); len(pkts) != 1 || fr.ProblemCount() != 1 || fr.Problems()[0].Offset != 24+76 {
		t.Fatalf("zero-length record then zeros: packets %d problems %v", len(pkts), fr.Problems())
	}
	z := append(pcapFile(65535, 1, [][3]uint32{{1_700_000_000, 60, 60}}), make([]byte, 1000)...)
	pkts, fr := readAll(t, z)
	if p := fr.Problems(); len(pkts) != 1 || len(p) != 1 || p[0].Offset != 24+76 || p[0].Skipped != 1000 {
		t.Fatalf("packets %d problems %v", len(pkts), p)
	}
}

// TestPacketOptions: the strict EPB option walk.
func TestPacketOptions(t *testing.T) {
	fr := &FileReader{} // little-endian
	opt := func(code, l uint16, v ...byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, code)
		b = binary.LittleEndian.AppendUint16(b, l)
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	for _, c := range []struct {
		name string
		b    []byte
		ok   bool
		dir  Direction
	}{
		{"flags and end", cat(opt(2, 4, 2, 0, 0, 0), opt(0, 0)), true, 2},
		{"no end", opt(2, 4, 1, 0, 0, 0), true, 1},
		{"comment", cat(opt(1, 5, 'h', 'e', 'l', 'l', 'o'), opt(0, 0)), true, 0},
		{"flags wrong size", cat(opt(2, 0), opt(0, 0)), false, 0},
		{"unknown code", cat(opt(99, 4, 1, 2, 3, 4), opt(0, 0)), false, 0},
		{"end not last", cat(opt(0, 0), opt(2, 4, 1, 0, 0, 0)), false, 1},
		{"runs past", opt(1, 200, 'x'), false, 0},
	} {
		dir := DirectionUnknown
		if ok := fr.packetOptions(c.b, &dir); ok != c.ok || ok && dir != c.dir {
			t.Errorf("%s: ok %v dir %d, want %v %d", c.name, ok, dir, c.ok, c.dir)
		}
	}
}

// TestResyncWorkIsLinear: a resync over crafted input (a plausible block or
// record header at every position, each with a length close to the read
// buffer's size and a wrong trailer) does work linear in the input: the
// look-ahead refills (each slides the whole buffer) are bounded per buffer
// of input, also near the end of the input.
func TestResyncWorkIsLinear(t *testing.T) {
	type input struct {
		name string
		b    []byte
		buf  int
	}
	var in []input
	for _, c := range []struct {
		n         uint32 // ≡ 4 mod 8: the trailer is never right
		buf, size int
	}{{0xFFFF4, 1 << 20, 3 << 20}, {0xFFF4, 64 << 10, 512 << 10}, {0x1004, 64 << 10, 256 << 10}} {
		var f []byte
		f = append(f, shb()...)
		f = append(f, idb(1, 0, "eth0")...)
		for len(f) < c.size {
			f = binary.LittleEndian.AppendUint32(f, blockEPB)
			f = binary.LittleEndian.AppendUint32(f, c.n)
		}
		in = append(in, input{fmt.Sprintf("pcapng length %#x", c.n), f, c.buf})
	}
	for _, c := range []struct {
		n         uint32 // ≡ 8 mod 16: the next header is never right
		buf, size int
	}{{0xFFFC8, 1 << 20, 3 << 20}, {0xFFC8, 64 << 10, 512 << 10}, {0x1008, 64 << 10, 256 << 10}} {
		f := pcapFile(1<<20, 1, [][3]uint32{{1_700_000_000, 60, 60}})
		binary.LittleEndian.PutUint32(f[24+8:], 0xffffff) // damage the first record
		for len(f) < c.size {
			f = binary.LittleEndian.AppendUint32(f, 1_700_000_000)
			f = binary.LittleEndian.AppendUint32(f, 0)
			f = binary.LittleEndian.AppendUint32(f, c.n)
			f = binary.LittleEndian.AppendUint32(f, c.n)
		}
		in = append(in, input{fmt.Sprintf("pcap caplen %#x", c.n), f, c.buf})
	}
	for _, c := range in {
		fr, err := newFileReader(bytes.NewReader(c.b), c.buf)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := fr.Next(); err != nil {
				break
			}
		}
		if regions, skipped := fr.Damage(); regions == 0 || skipped < int64(len(c.b))/2 {
			t.Errorf("%s: %d regions %d bytes skipped", c.name, regions, skipped)
		}
		if limit := 16 + 4*len(c.b)/c.buf; fr.refills > limit {
			t.Errorf("%s, buffer %d: %d look-ahead refills, want at most %d", c.name, c.buf, fr.refills, limit)
		}
	}
}

// TestZeroRunThenZeroLedHeader: the header after a zero run may start with
// zero bytes itself (a little-endian pcap time stamp whose low bytes are 0,
// a big-endian pcapng block type): those bytes are the next record's, not
// the run's, whatever the run's length (synthetic files).
func TestZeroRunThenZeroLedHeader(t *testing.T) {
	frame := bytes.Repeat([]byte{0xab}, 60)
	pcapFile := func(order binary.AppendByteOrder, zeros int, secs ...uint32) []byte {
		b := order.AppendUint32(nil, 0xa1b2c3d4)
		b = order.AppendUint16(b, 2)
		b = order.AppendUint16(b, 4)
		b = append(b, make([]byte, 8)...)
		b = order.AppendUint32(b, 65535)
		b = order.AppendUint32(b, 1)
		for i, s := range secs {
			if i == 1 {
				b = append(b, make([]byte, zeros)...)
			}
			b = order.AppendUint32(b, s)
			b = order.AppendUint32(b, 500000)
			b = order.AppendUint32(b, uint32(len(frame)))
			b = order.AppendUint32(b, uint32(len(frame)))
			b = append(b, frame...)
		}
		return b
	}
	ngFile := func(order binary.AppendByteOrder, zeros int) []byte {
		w := ngBuilder{order: order}
		w.shb()
		w.idb(LinkTypeEthernet, "")
		w.epb(0, 1700000000000000, frame)
		w.b = append(w.b, make([]byte, zeros)...)
		w.epb(0, 1700000000100000, frame)
		w.epb(0, 1700000000200000, frame)
		return w.b
	}
	for _, c := range []struct {
		name string
		file []byte
		off  int64 // of the run
	}{
		{"pcap, one zero byte led", pcapFile(binary.LittleEndian, 4096, 1700000000, 0x6553f100, 0x6553f101), 24 + 76},
		{"pcap, two zero bytes led", pcapFile(binary.LittleEndian, 4096, 0x65530000-1, 0x65530000, 0x65530001), 24 + 76},
		{"pcap, odd run, two zero bytes led", pcapFile(binary.LittleEndian, 4093, 0x65530000-1, 0x65530000, 0x65530001), 24 + 76},
		{"pcapng big-endian, run of 4096", ngFile(binary.BigEndian, 4096), 28 + 20 + 92},
		{"pcapng big-endian, run of 4097", ngFile(binary.BigEndian, 4097), 28 + 20 + 92},
		{"pcapng big-endian, run of 4099", ngFile(binary.BigEndian, 4099), 28 + 20 + 92},
		{"pcapng little-endian, run of 4098", ngFile(binary.LittleEndian, 4098), 28 + 20 + 92},
	} {
		got, fr, err := readPkts(t, c.file)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) != 3 {
			t.Errorf("%s: %d packets, want 3", c.name, len(got))
		}
		p := fr.Problems()
		if len(p) != 1 || p[0].Offset != c.off || !strings.Contains(p[0].Msg, "zero bytes") {
			t.Errorf("%s: problems %v, want one zero run at %d", c.name, p, c.off)
		}
	}
	// runs ending at and around the read buffer's size, read as from a
	// pipe: the zeros that start the next header are kept across refills
	const edge = 64 << 10 // NewFileReader's buffer (the run starts it)
	for z := edge - 8; z <= edge+8; z++ {
		file := pcapFile(binary.LittleEndian, z, 0x65530000-1, 0x65530000, 0x65530001)
		fr, err := NewFileReader(io.MultiReader(bytes.NewReader(file))) // not an io.ReaderAt: no mapping
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			if _, err := fr.Next(); err != nil {
				break
			}
			n++
		}
		if p := fr.Problems(); n != 3 || len(p) != 1 || p[0].Skipped != int64(z) {
			t.Errorf("run of %d: %d packets, problems %v", z, n, p)
		}
	}
}

// TestNoTimeIsEpoch: a packet without a time of its own before any packet
// with one (a Simple Packet Block; an implausible time stamp) is stamped
// with the Unix epoch, as tcpdump shows it, not Go's zero time (synthetic
// file).
func TestNoTimeIsEpoch(t *testing.T) {
	var w ngBuilder
	w.shb()
	w.idb(LinkTypeEthernet, "")
	frame := bytes.Repeat([]byte{0xab}, 60)
	w.blk(3, append(binary.LittleEndian.AppendUint32(nil, uint32(len(frame))), frame...))
	file := w.b
	got, _, err := readPkts(t, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ts != 0 {
		t.Fatalf("packets %+v, want one at the Unix epoch", got)
	}
}
