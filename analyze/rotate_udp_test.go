package analyze

import (
	stdcmp "cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Real-kernel multicast traces (testdata/mcast/lab/record.sh): an msend
// stream through an nftables rule that drops every 100th datagram (seq 0,
// 100, 200, 300, 400 lost), captured whole and, at the same time, rotated by
// smcdump -C.
const mcastLab = "../testdata/mcast/lab/"

// pcapngBlocks yields the type and bytes of each block of b, a
// little-endian pcapng file read from path.
func pcapngBlocks(t *testing.T, path string, b []byte) iter.Seq2[uint32, []byte] {
	return func(yield func(uint32, []byte) bool) {
		for off := 0; off+12 <= len(b); {
			typ := binary.LittleEndian.Uint32(b[off:])
			l := int(binary.LittleEndian.Uint32(b[off+4:]))
			if l < 12 || off+l > len(b) {
				t.Fatalf("%s: bad block at %d", path, off)
			}
			if !yield(typ, b[off:off+l]) {
				return
			}
			off += l
		}
	}
}

// splitPcapng splits a little-endian pcapng file into parts of n packets
// (as editcap -c does): the section header and interface description blocks
// go into every part; every other block goes into the part being written.
func splitPcapng(t *testing.T, path string, n int, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var head []byte
	var parts [][]byte
	cur, pkts := -1, 0
	for typ, blk := range pcapngBlocks(t, path, b) {
		switch typ {
		case 0x0a0d0d0a, 1: // SHB, IDB
			head = append(head, blk...)
			if cur >= 0 {
				parts[cur] = append(parts[cur], blk...)
			}
			continue
		case 6, 3, 2: // EPB, SPB, PB
			if cur < 0 || pkts == n {
				parts = append(parts, slices.Clone(head))
				cur, pkts = cur+1, 0
			}
			pkts++
		default:
			if cur < 0 {
				parts = append(parts, slices.Clone(head))
				cur = 0
			}
		}
		parts[cur] = append(parts[cur], blk...)
	}
	var names []string
	for i, p := range parts {
		name := filepath.Join(dir, fmt.Sprintf("part%03d.pcapng", i))
		if err := os.WriteFile(name, p, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// udpView is the part of the multicast report that must not depend on how
// the capture was cut into files: frame numbers are per file and left out.
// With noDrops the capture's drop counters are left out too (editcap does
// not copy interface statistics blocks into its parts).
func udpView(t *testing.T, r *report.Report, noDrops ...bool) string {
	t.Helper()
	if r.Multicast == nil {
		return "no multicast report"
	}
	m := *r.Multicast
	nd := len(noDrops) > 0 && noDrops[0]
	if nd {
		m.CaptureDrops = nil
	}
	m.Streams = slices.Clone(m.Streams)
	for i := range m.Streams {
		s := &m.Streams[i]
		s.FirstFrame, s.LastFrame = 0, 0
		s.Sequences = slices.Clone(s.Sequences)
		for j := range s.Sequences {
			q := &s.Sequences[j]
			q.Gaps = slices.Clone(q.Gaps)
			for k := range q.Gaps {
				q.Gaps[k].Frame, q.Gaps[k].PrevFrame = 0, 0
				if nd {
					q.Gaps[k].CaptureDrops, q.Gaps[k].Verdict = nil, ""
				}
			}
			q.Resets = nil
		}
		if s.Mtools != nil {
			mt := *s.Mtools
			mt.Sessions = slices.Clone(mt.Sessions)
			for k := range mt.Sessions {
				mt.Sessions[k].Frame = 0
			}
			s.Mtools = &mt
		}
	}
	b, err := json.MarshalIndent(&m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func gapFrames(r *report.Report) [][2]int {
	var out [][2]int
	for _, g := range r.Multicast.Gaps() {
		out = append(out, [2]int{g.PrevFrame, g.Frame})
	}
	for _, s := range r.Multicast.Streams {
		out = append(out, [2]int{s.FirstFrame, s.LastFrame})
	}
	return out
}

func runFiles(t *testing.T, paths ...string) *report.Report {
	t.Helper()
	r, err := Run(context.Background(), Config{}, paths)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkWhole checks the whole trace's own report: one stream, the five
// datagrams the nftables rule dropped.
func checkWhole(t *testing.T, r *report.Report) {
	t.Helper()
	m := r.Multicast
	if m == nil || len(m.Streams) != 1 || m.Lost() != 5 {
		t.Fatalf("whole capture: %s", udpView(t, r))
	}
	var got []uint64
	for _, g := range m.Gaps() {
		got = append(got, g.FirstMissing)
	}
	if d := cmp.Diff([]uint64{0, 100, 200, 300, 400}, got); d != "" {
		t.Fatalf("gaps (-want +got):\n%s", d)
	}
}

// Issue 9 item 2: the parts of one capture analyzed together give the same
// UDP streams, gaps and pairs as the whole file, for every cut (a cut inside
// a gap included: the gap at seq 100 lies between the 101st and 102nd
// packets, so cuts of 1..150 packets put some gap across a boundary).
func TestRotatedUDPStreamsGoSplit(t *testing.T) {
	whole := mcastLab + "nft-loss.pcapng"
	want := runFiles(t, whole)
	checkWhole(t, want)
	splitMatches(t, whole, want, []int{1, 7, 50, 100, 101, 150})
}

// Fragmented datagrams (testdata/mcast/lab/record-frag.sh: msend -m 2000,
// two IPv4 fragments each, every 20th datagram's first fragment dropped by
// nftables): cut between the fragments of a datagram, the parts still
// reassemble it.
func TestRotatedUDPFragmentsGoSplit(t *testing.T) {
	whole := mcastLab + "frag.pcapng"
	want := runFiles(t, whole)
	if m := want.Multicast; m == nil || len(m.Streams) != 1 || m.Lost() != 3 || m.Streams[0].Packets != 59 {
		t.Fatalf("whole capture: %s", udpView(t, want))
	}
	splitMatches(t, whole, want, []int{1, 3, 40})
}

func splitMatches(t *testing.T, whole string, want *report.Report, sizes []int) {
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			parts := splitPcapng(t, whole, n, t.TempDir())
			if len(parts) < 3 {
				t.Fatalf("only %d parts", len(parts))
			}
			got := runFiles(t, parts...)
			if d := cmp.Diff(udpView(t, want), udpView(t, got)); d != "" {
				t.Errorf("%d parts of %d packets differ from the whole file (-whole +parts):\n%s", len(parts), n, d)
			}
			// frame numbers continue across the files: the same as in the
			// whole file (the parts keep its custom blocks, which take
			// numbers too)
			if d := cmp.Diff(gapFrames(want), gapFrames(got)); d != "" {
				t.Errorf("gap frames (-whole +parts):\n%s", d)
			}
			if w, g := []int{want.Summary.UDPDatagrams, want.Summary.UDPIncomplete}, []int{got.Summary.UDPDatagrams, got.Summary.UDPIncomplete}; !slices.Equal(w, g) {
				t.Errorf("UDP datagrams, incomplete: whole %v, parts %v", w, g)
			}
		})
	}
}

// The same with editcap -c (Wireshark's tool, Debian package
// wireshark-common), when installed. editcap does not copy the interface
// statistics blocks, so the parts have no capture drop counters (gap
// verdicts "unverified"); everything else must match.
func TestRotatedUDPStreamsEditcap(t *testing.T) {
	editcap, err := exec.LookPath("editcap")
	if err != nil {
		t.Skip("skipping: editcap not installed (Debian package wireshark-common); TestRotatedUDPStreamsGoSplit covers the same split in Go")
	}
	whole := mcastLab + "nft-loss.pcapng"
	want := runFiles(t, whole)
	checkWhole(t, want)
	for _, n := range []int{100, 101} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := t.TempDir()
			if out, err := exec.Command(editcap, "-c", fmt.Sprint(n), whole, filepath.Join(dir, "part.pcapng")).CombinedOutput(); err != nil {
				t.Fatalf("editcap: %v\n%s", err, out)
			}
			parts, _ := filepath.Glob(filepath.Join(dir, "part_*.pcapng"))
			slices.Sort(parts)
			if len(parts) < 3 {
				t.Fatalf("editcap made %d parts", len(parts))
			}
			got := runFiles(t, parts...)
			if d := cmp.Diff(udpView(t, want, true), udpView(t, got, true)); d != "" {
				t.Errorf("editcap -c %d parts differ from the whole file (-whole +parts):\n%s", n, d)
			}
		})
	}
}

// smcdump -C rotation: the rotated files, captured at the same time as the
// whole file by a second smcdump on the same interface, give one stream with
// the same gaps (timestamps differ by the capture sockets' microseconds, so
// the comparison is on sequence numbers and counts).
func TestRotatedUDPStreamsSmcdumpC(t *testing.T) {
	parts, _ := filepath.Glob(mcastLab + "nft-loss-rot.pcapng*")
	slices.SortFunc(parts, func(a, b string) int { // pcapng, pcapng1, ..., pcapng10
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return stdcmp.Compare(a, b)
	})
	if len(parts) < 3 {
		t.Fatalf("rotated files: %v", parts)
	}
	whole := runFiles(t, mcastLab+"nft-loss.pcapng")
	checkWhole(t, whole)
	got := runFiles(t, parts...)
	checkWhole(t, got)
	type gs struct{ First, Count uint64 }
	view := func(m *mcast.Report) (s []any) {
		for _, st := range m.Streams {
			s = append(s, st.Src, st.Dst, st.Interface, st.Packets, st.Bytes, st.Format, st.Lost)
			for _, q := range st.Sequences {
				s = append(s, q.First, q.Last, q.Expected, q.Received, q.Lost, q.GapCount, q.Duplicates, q.Reordered, q.ResetCount)
			}
		}
		for _, g := range m.Gaps() {
			s = append(s, gs{g.FirstMissing, g.Count}, g.Verdict)
		}
		return append(s, len(m.Pairs))
	}
	if d := cmp.Diff(view(whole.Multicast), view(got.Multicast)); d != "" {
		t.Errorf("smcdump -C files differ from the whole capture (-whole +rotated):\n%s", d)
	}
}

// splitPcap splits a little-endian pcap file into parts of n packets.
func splitPcap(t *testing.T, path string, n int, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head := b[:24]
	var parts [][]byte
	for off, i := 24, 0; off+16 <= len(b); i++ {
		l := 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
		if i%n == 0 {
			parts = append(parts, slices.Clone(head))
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], b[off:off+l]...)
		off += l
	}
	var names []string
	for i, p := range parts {
		name := filepath.Join(dir, fmt.Sprintf("part%03d.pcap", i))
		if err := os.WriteFile(name, p, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// A/B legs (synthetic, testdata/mcast/synthetic-ab-legs.pcap) cut into
// rotated files stay one pair with the same losses on each leg and on both.
func TestRotatedABPairsGoSplit(t *testing.T) {
	whole := "../testdata/mcast/synthetic-ab-legs.pcap"
	want := runFiles(t, whole)
	if m := want.Multicast; m == nil || len(m.Streams) != 2 || len(m.Pairs) != 1 || m.Pairs[0].LostBoth != 1 {
		t.Fatalf("whole capture: %s", udpView(t, want))
	}
	for _, n := range []int{1, 101, 250} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			parts := splitPcap(t, whole, n, t.TempDir())
			got := runFiles(t, parts...)
			if d := cmp.Diff(udpView(t, want), udpView(t, got)); d != "" {
				t.Errorf("%d parts of %d packets differ from the whole file (-whole +parts):\n%s", len(parts), n, d)
			}
			if d := cmp.Diff(gapFrames(want), gapFrames(got)); d != "" {
				t.Errorf("gap frames (-whole +parts):\n%s", d)
			}
		})
	}
}

// Interfaces of successive files map by name and link type (index and
// link type when unnamed); two interfaces of one file never share a number.
func TestGlobalInterfaces(t *testing.T) {
	a := NewAnalyzer(Config{})
	file := func(ifs ...pcapfile.Interface) []pcapfile.Interface {
		a.ifFile = a.ifFile[:0]
		clear(a.ifUsed)
		for i := range ifs {
			ifs[i].Index = i
		}
		return ifs
	}
	eth := pcapfile.LinkTypeEthernet
	got := func(ifs []pcapfile.Interface) (out []int) {
		for i := range ifs {
			out = append(out, a.globalIf(ifs, i))
		}
		return out
	}
	f1 := file(pcapfile.Interface{Name: "eth0", LinkType: eth}, pcapfile.Interface{Name: "eth1", LinkType: eth}, pcapfile.Interface{LinkType: eth})
	if d := cmp.Diff([]int{0, 1, 2}, got(f1)); d != "" {
		t.Errorf("first file keeps its indexes (-want +got)\n%s", d)
	}
	// eth1 first now, a new interface, eth0, and the unnamed one at index 3
	f2 := file(pcapfile.Interface{Name: "eth1", LinkType: eth}, pcapfile.Interface{Name: "eth9", LinkType: eth}, pcapfile.Interface{Name: "eth0", LinkType: eth}, pcapfile.Interface{LinkType: eth})
	if d := cmp.Diff([]int{1, 3, 0, 4}, got(f2)); d != "" {
		t.Errorf("second file (-want +got)\n%s", d)
	}
	// two interfaces of one file with the same name and link type
	f3 := file(pcapfile.Interface{Name: "eth0", LinkType: eth}, pcapfile.Interface{Name: "eth0", LinkType: eth}, pcapfile.Interface{LinkType: eth, Name: ""})
	if d := cmp.Diff([]int{0, 5, 2}, got(f3)); d != "" {
		t.Errorf("third file (-want +got)\n%s", d)
	}
}
