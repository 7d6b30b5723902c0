package textio

import (
	"bytes"
	"strings"
	"testing"
	"text/tabwriter"
)

// aligner is what Table and tabwriter.Writer share.
type aligner interface {
	Write([]byte) (int, error)
	Flush() error
}

// feed writes chunks to w ("\x00flush" flushes), flushes, and returns what
// reached b.
func feed(b *bytes.Buffer, w aligner, chunks []string) string {
	for _, c := range chunks {
		if c == "\x00flush" {
			w.Flush()
			continue
		}
		w.Write([]byte(c))
	}
	w.Flush()
	return b.String()
}

// viaTabwriter is what tabwriter writes for the same input and flushes.
func viaTabwriter(chunks []string, minwidth, padding int) string {
	var b bytes.Buffer
	return feed(&b, tabwriter.NewWriter(&b, minwidth, 0, padding, ' ', 0), chunks)
}

func viaTable(chunks []string, minwidth, padding int) string {
	var b bytes.Buffer
	return feed(&b, NewTable(&b, minwidth, padding), chunks)
}

// TestTableSameAsTabwriter: the aligned text is tabwriter's, for uniform
// tables (the fast path) and for everything that falls back to it.
func TestTableSameAsTabwriter(t *testing.T) {
	cases := [][]string{
		{"  #\tCLIENT\tSERVER\tOUTCOME\n", "  1\t10.0.0.1:4\t[2001:db8::2]:445\tsmc\n", "  2\t10.0.0.10:40000\t10.0.0.2:5\tfallback → x\n"},
		{"a\tb\n", "\x00flush", "ccc\tdddd\n"},
		{"a\n", "b\n"},
		{"\t\t\n", "\t\t\n"},
		{"é\tx\n", "ab\ty\n"},
		{"a\tb\n", "a\n", "a\tb\tc\n"},    // not uniform
		{"a\tb\n", "a\tb"},                // no final newline
		{"a\vb\tc\n", "dd\tee\n"},         // '\v'
		{"a\fb\tc\n", "dd\tee\n"},         // '\f'
		{"\xffa\tb\xff\tc\n", "dd\tee\n"}, // escape
		{"\xc3\tb\n", "\x80\x80\tc\n"},    // invalid UTF-8
		{},
		{""},
		{"\n", "\n"},
	}
	for _, mw := range []int{0, 2, 9} {
		for _, pad := range []int{0, 2} {
			for i, c := range cases {
				if got, want := viaTable(c, mw, pad), viaTabwriter(c, mw, pad); got != want {
					t.Errorf("case %d (minwidth %d, padding %d):\n got %q\nwant %q", i, mw, pad, got, want)
				}
			}
		}
	}
}

// FuzzTable: any text, written in two parts with a flush between them
// or not, aligns as tabwriter aligns it.
func FuzzTable(f *testing.F) {
	f.Add("  #\tCLIENT\tSERVER\n  1\t10.0.0.1:4\t10.0.0.2:5\n", "  2\tx\ty\n", true, uint8(2), uint8(2))
	f.Add("a\tb\n", "a\n", false, uint8(0), uint8(1))
	f.Add("é\t\xff\tx\n", "\v\f\n", false, uint8(3), uint8(0))
	f.Fuzz(func(t *testing.T, a, b string, flush bool, mw, pad uint8) {
		chunks := []string{a, b}
		if flush {
			chunks = []string{a, "\x00flush", b}
		}
		if strings.Contains(a+b, "\x00flush") {
			return
		}
		if got, want := viaTable(chunks, int(mw%16), int(pad%8)), viaTabwriter(chunks, int(mw%16), int(pad%8)); got != want {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
}

// countWriter counts the writes it gets.
type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n++; return len(p), nil }

// TestTableSpecialBytesOnlyInTheirChunk: a chunk with a byte tabwriter
// gives a meaning goes through tabwriter; the next chunks do not (one
// write each, not tabwriter's write per cell).
func TestTableSpecialBytesOnlyInTheirChunk(t *testing.T) {
	var w countWriter
	tb := NewTable(&w, 2, 2)
	tb.Write([]byte("a\vb\tc\n"))
	tb.Flush()
	w.n = 0
	tb.Write([]byte("a\tb\n"))
	tb.Write([]byte("cc\tdd\n"))
	tb.Flush()
	if w.n != 1 {
		t.Errorf("%d writes after a chunk with '\\v', want 1 (aligned by Table, not tabwriter)", w.n)
	}
}
