// Package textio holds the sticky-error writer the text renderers share:
// write a whole report with plain calls, check one error at the end.
package textio

import (
	"fmt"
	"io"
)

// Writer writes to W until a write fails; from then on it writes nothing and
// Err holds the first error.
type Writer struct {
	W   io.Writer
	Err error
}

// New returns a Writer writing to w.
func New(w io.Writer) *Writer { return &Writer{W: w} }

// Write implements io.Writer: it writes p unless an earlier write failed.
func (e *Writer) Write(p []byte) (int, error) {
	if e.Err != nil {
		return 0, e.Err
	}
	n, err := e.W.Write(p)
	e.Err = err
	return n, err
}

// Printf formats to the writer (fmt.Fprintf) unless an earlier write failed.
func (e *Writer) Printf(format string, a ...any) {
	if e.Err == nil {
		_, e.Err = fmt.Fprintf(e.W, format, a...)
	}
}

// Do calls fn with the underlying writer unless an earlier write failed,
// and keeps fn's error.
func (e *Writer) Do(fn func(w io.Writer) error) {
	if e.Err == nil {
		e.Err = fn(e.W)
	}
}
