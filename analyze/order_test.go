package analyze

import (
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
