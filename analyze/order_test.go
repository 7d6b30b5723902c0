package analyze

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/smcdump/smcdump/analyze/report"
)

// tcpdumpNames renames parts (in time order) as tcpdump -C names its files:
// name, name1, name2, …, name10, … (no padding without -W), and returns them
// as a shell glob lists them: byte order, so name10 comes before name2.
func tcpdumpNames(t *testing.T, parts []string, dir string) []string {
	t.Helper()
	var names []string
	for i, p := range parts {
		n := filepath.Join(dir, "cap.pcapng")
		if i > 0 {
			n += strconv.Itoa(i)
		}
		if err := os.Rename(p, n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// A rotation given as a shell glob lists it (cap.pcapng, cap.pcapng1,
// cap.pcapng10, cap.pcapng11, cap.pcapng2, …) is analyzed in time order: the
// same streams and gaps as the whole file, and the report says the files
// were reordered. Given in that order (--order given), time goes back at
// the boundaries, the report lists them, and the stream no longer matches
// (what the default order prevents).
func TestRunOrdersRotationByTime(t *testing.T) {
	whole := mcastLab + "nft-loss.pcapng" // real-kernel trace, split in Go
	want := runFiles(t, whole)
	checkWhole(t, want)
	dir := t.TempDir()
	parts := splitPcapng(t, whole, 40, dir)
	if len(parts) < 12 {
		t.Fatalf("only %d parts: want more than 10 for name10 to sort before name2", len(parts))
	}
	globbed := tcpdumpNames(t, parts, dir)
	if strings.HasSuffix(globbed[2], "cap.pcapng2") {
		t.Fatalf("glob order %v is already the time order", globbed)
	}

	got := runFiles(t, globbed...)
	if d := cmp.Diff(udpView(t, want), udpView(t, got)); d != "" {
		t.Errorf("glob-ordered parts differ from the whole file (-whole +parts):\n%s", d)
	}
	if d := cmp.Diff(gapFrames(want), gapFrames(got)); d != "" {
		t.Errorf("gap frames (-whole +parts):\n%s", d)
	}
	fo := got.FileOrder
	if fo == nil || fo.By != "first-packet-time" || !fo.Reordered || len(fo.Overlaps) != 0 {
		t.Errorf("file order: %+v", fo)
	}
	for i, f := range got.Files {
		want := filepath.Join(dir, "cap.pcapng")
		if i > 0 {
			want += strconv.Itoa(i)
		}
		if f.Path != want {
			t.Fatalf("file %d analyzed: %s, want %s", i, f.Path, want)
		}
	}

	given, err := Run(context.Background(), Config{GivenOrder: true}, globbed)
	if err != nil {
		t.Fatal(err)
	}
	fo = given.FileOrder
	if fo == nil || fo.By != "given" || fo.Reordered || len(fo.Overlaps) == 0 {
		t.Fatalf("given order: file order %+v", fo)
	}
	o := fo.Overlaps[0]
	// Before cap.pcapng2 the glob lists cap.pcapng, cap.pcapng1 and
	// cap.pcapng10…: the newest of them is the highest number below 20.
	newest := filepath.Join(dir, "cap.pcapng"+strconv.Itoa(min(len(parts)-1, 19)))
	if o.File != filepath.Join(dir, "cap.pcapng2") || o.Previous != newest || o.BackSeconds <= 0 || !o.Start.Before(o.PreviousEnd) {
		t.Errorf("first overlap: %+v", o)
	}
	if udpView(t, given) == udpView(t, want) {
		t.Errorf("given out of order, the stream still matches the whole file: the test shows nothing")
	}
	var text strings.Builder
	if err := given.WriteText(&text, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Time goes back at ") || !strings.Contains(text.String(), "cap.pcapng2 starts at ") {
		t.Errorf("text report does not show where time goes back:\n%s", head(text.String(), 30))
	}
}

// One file, or standard input among the files: nothing to order, no
// file_order in the report.
func TestRunOneFileNoOrder(t *testing.T) {
	r := runFiles(t, mcastLab+"nft-loss.pcapng")
	if r.FileOrder != nil {
		t.Errorf("one file: file order %+v", r.FileOrder)
	}
}

func head(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "")
}

// splitAlternate writes the packets of a little-endian pcapng file into two
// files, alternately (as two capture points on one link would see them,
// or a capture split by a load balancer), each with the section header and
// interface blocks; other blocks go to the first.
func splitAlternate(t *testing.T, path, dir string) (string, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var parts [2][]byte
	n := 0
	for typ, blk := range pcapngBlocks(t, path, b) {
		switch typ {
		case 0x0a0d0d0a, 1:
			parts[0] = append(parts[0], blk...)
			parts[1] = append(parts[1], blk...)
		case 6:
			parts[n%2] = append(parts[n%2], blk...)
			n++
		default:
			parts[0] = append(parts[0], blk...)
		}
	}
	a, c := filepath.Join(dir, "even.pcapng"), filepath.Join(dir, "odd.pcapng")
	if err := os.WriteFile(a, parts[0], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c, parts[1], 0o644); err != nil {
		t.Fatal(err)
	}
	return a, c
}

// Two files that overlap in time (a real-kernel multicast trace's packets
// dealt alternately into two files): read one after the other, time goes
// back and the stream looks reordered; merged (--merge), it is the whole
// capture's again: the same stream, losses and gaps.
func TestRunMerge(t *testing.T) {
	whole := mcastLab + "nft-loss.pcapng"
	want := runFiles(t, whole)
	checkWhole(t, want)
	even, odd := splitAlternate(t, whole, t.TempDir())

	concat := runFiles(t, even, odd)
	if fo := concat.FileOrder; fo == nil || len(fo.Overlaps) != 1 {
		t.Fatalf("alternate files read one after the other: file order %+v", fo)
	}
	if udpView(t, concat) == udpView(t, want) {
		t.Fatalf("alternate files read one after the other match the whole capture: the test shows nothing")
	}

	got, err := Run(context.Background(), Config{Merge: true}, []string{odd, even})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(udpView(t, want), udpView(t, got)); d != "" {
		t.Errorf("merged files differ from the whole capture (-whole +merged):\n%s", d)
	}
	if fo := got.FileOrder; fo == nil || fo.By != "merged" || len(fo.Overlaps) != 0 {
		t.Errorf("merged: file order %+v", fo)
	}
	if len(got.Files) != 1 || got.Files[0].Packets != want.Files[0].Packets || !strings.Contains(got.Files[0].Path, "2 files merged by time") {
		t.Errorf("merged: files %+v", got.Files)
	}

	// Damage in an input is reported on its own entry under the merged
	// one (Inputs), counted in the merged entry's damage; a file that
	// cannot be opened is listed with its error, the others are still
	// merged and analyzed.
	dir := t.TempDir()
	b, err := os.ReadFile(odd)
	if err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(dir, "damaged.pcapng")
	if err := os.WriteFile(damaged, append(b, bytes.Repeat([]byte{0xee}, 200)...), 0o644); err != nil {
		t.Fatal(err)
	}
	missing, missing2 := filepath.Join(dir, "missing.pcapng"), filepath.Join(dir, "missing2.pcapng")
	got, err = Run(context.Background(), Config{Merge: true}, []string{even, damaged, missing, missing2})
	if err == nil {
		t.Errorf("merging with a missing file: no error")
	}
	if len(got.Files) != 3 || got.Files[0].DamagedRegions == 0 || len(got.Files[0].Inputs) != 2 ||
		got.Files[0].Inputs[1].Path != damaged || len(got.Files[0].Inputs[1].Problems) == 0 ||
		got.Files[0].Inputs[1].DamagedRegions != got.Files[0].DamagedRegions || got.Files[1].Path != missing || got.Files[1].Error == "" ||
		got.Files[2].Path != missing2 || got.Files[2].Error == "" {
		t.Errorf("merged with damage and two missing files: files %+v", got.Files)
	}
	if d := cmp.Diff(udpView(t, want), udpView(t, got)); d != "" {
		t.Errorf("merged with damage after the packets: stream differs (-whole +merged):\n%s", d)
	}
}
