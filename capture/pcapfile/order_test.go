package pcapfile

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestNaturalCompare(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"cap", "cap", 0},
		{"cap", "cap1", -1},
		{"cap1", "cap2", -1},
		{"cap2", "cap10", -1},
		{"cap10", "cap2", 1},
		{"cap9.pcap", "cap10.pcap", -1},
		{"cap02", "cap2", -1}, // numerically equal: plain order, fixed
		{"cap2", "cap02", 1},
		{"a1b2", "a1b10", -1},
		{"a10b", "a9c", 1},
		{"x-20261205-0900.pcap", "x-20261205-1000.pcap", -1},
		{"99999999999999999999999", "100000000000000000000000", -1}, // beyond uint64
		{"abc", "abd", -1},
		{"", "a", -1},
		{"1", "", 1},
		{"a", "A", 1},
	} {
		if got := NaturalCompare(c.a, c.b); got != c.want {
			t.Errorf("NaturalCompare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// writeTimed writes a pcap file (gzip-compressed when gz) with one packet
// per time given, in that order.
func writeTimed(t *testing.T, path string, gz bool, times ...time.Time) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewPcapWriter(&buf, LinkTypeEthernet, 0, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 60)
	for _, ts := range times {
		if err := w.WritePacketData(ts, frame, len(frame)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		b = z.Bytes()
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Synthetic files (names and times chosen for each case): TimeOrder puts
// them in time order whatever the names, keeps natural name order for ties
// and places files without packets after their natural predecessor.
func TestTimeOrder(t *testing.T) {
	dir := t.TempDir()
	at := func(s int) time.Time { return time.Date(2026, 12, 5, 9, 0, s, 0, time.UTC) }
	p := func(n string) string { return filepath.Join(dir, n) }
	// tcpdump -C names, compressed afterwards except the newest, like
	// tcpdump -z gzip leaves them (the last one still being written).
	for i, n := range []string{"cap", "cap1", "cap2", "cap3", "cap4", "cap5", "cap6", "cap7", "cap8", "cap9", "cap10", "cap11"} {
		writeTimed(t, p(n), i < 11, at(2*i), at(2*i+1))
	}
	glob := []string{p("cap"), p("cap1"), p("cap10"), p("cap11"), p("cap2"), p("cap3"), p("cap4"), p("cap5"), p("cap6"), p("cap7"), p("cap8"), p("cap9")}
	want := []string{p("cap"), p("cap1"), p("cap2"), p("cap3"), p("cap4"), p("cap5"), p("cap6"), p("cap7"), p("cap8"), p("cap9"), p("cap10"), p("cap11")}
	got, moved := TimeOrder(glob)
	if !moved || !slices.Equal(got, want) {
		t.Errorf("glob order: got %v (moved %v), want %v", got, moved, want)
	}
	if got, moved := TimeOrder(want); moved || !slices.Equal(got, want) {
		t.Errorf("time order given: got %v (moved %v)", got, moved)
	}
	if !slices.Equal(glob, []string{p("cap"), p("cap1"), p("cap10"), p("cap11"), p("cap2"), p("cap3"), p("cap4"), p("cap5"), p("cap6"), p("cap7"), p("cap8"), p("cap9")}) {
		t.Errorf("TimeOrder changed its argument: %v", glob)
	}

	// Names that say nothing: time decides. Ties: natural name order.
	writeTimed(t, p("b"), false, at(10))
	writeTimed(t, p("a"), false, at(20))
	writeTimed(t, p("c10"), false, at(5))
	writeTimed(t, p("c9"), false, at(5))
	got, _ = TimeOrder([]string{p("a"), p("b"), p("c10"), p("c9")})
	if want := []string{p("c9"), p("c10"), p("b"), p("a")}; !slices.Equal(got, want) {
		t.Errorf("by time, ties by name: got %v, want %v", got, want)
	}

	// A file with no packets, one that is not a capture and one that does
	// not exist stay after their natural predecessors (rot2 after rot1,
	// rot4 and rot5 after rot3), whatever the times of the others.
	writeTimed(t, p("rot1"), false, at(30))
	writeTimed(t, p("rot2"), false) // header only
	writeTimed(t, p("rot3"), false, at(10))
	if err := os.WriteFile(p("rot4"), []byte("not a capture"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ = TimeOrder([]string{p("rot5"), p("rot4"), p("rot3"), p("rot2"), p("rot1")})
	if want := []string{p("rot3"), p("rot4"), p("rot5"), p("rot1"), p("rot2")}; !slices.Equal(got, want) {
		t.Errorf("files without packets: got %v, want %v", got, want)
	}

	// Standard input cannot be peeked: the order stays as given.
	in := []string{p("cap2"), "-", p("cap1")}
	if got, moved := TimeOrder(in); moved || !slices.Equal(got, in) {
		t.Errorf("with -: got %v (moved %v)", got, moved)
	}
	if got, moved := TimeOrder([]string{p("cap2")}); moved || len(got) != 1 {
		t.Errorf("one file: %v %v", got, moved)
	}
	if ts, ok := FirstPacketTime(p("cap3")); !ok || !ts.Equal(at(6)) {
		t.Errorf("FirstPacketTime(cap3, gzip) = %v %v, want %v", ts, ok, at(6))
	}
}

// NaturalCompare is a total order (sorting relies on it): antisymmetric,
// 0 only for equal names, and transitive, over names built from a few
// letters and digit runs (leading zeros included).
func TestNaturalCompareOrder(t *testing.T) {
	parts := []string{"", "a", "b", "0", "00", "1", "01", "2", "9", "10", "010", "99", "100", ".", "-", "A"}
	var names []string
	for _, x := range parts {
		for _, y := range parts {
			for _, z := range parts[:6] {
				names = append(names, "cap"+x+y+z)
			}
		}
	}
	sorted := slices.Clone(names)
	slices.SortFunc(sorted, NaturalCompare)
	for i := 1; i < len(sorted); i++ {
		if NaturalCompare(sorted[i-1], sorted[i]) > 0 {
			t.Fatalf("not sorted at %d: %q > %q", i, sorted[i-1], sorted[i])
		}
	}
	for i, a := range names {
		for _, b := range names[i:] {
			ab, ba := NaturalCompare(a, b), NaturalCompare(b, a)
			if ab != -ba || (ab == 0) != (a == b) {
				t.Fatalf("NaturalCompare(%q, %q) = %d, reversed %d", a, b, ab, ba)
			}
		}
	}
	// Transitive: every name sorts at or before every later one, not only
	// its neighbour.
	for i, a := range sorted {
		for _, b := range sorted[i+1:] {
			if NaturalCompare(a, b) > 0 {
				t.Fatalf("sorted %q before %q, but NaturalCompare says after", a, b)
			}
		}
	}
}
