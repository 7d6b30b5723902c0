package textio

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

type failAfter struct {
	n   int
	buf bytes.Buffer
}

var errFull = errors.New("full")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errFull
	}
	f.n--
	return f.buf.Write(p)
}

func TestWriterSticky(t *testing.T) {
	f := &failAfter{n: 2}
	w := New(f)
	w.Printf("a%d", 1)
	w.Write([]byte("b"))
	w.Printf("c")
	called := false
	w.Do(func(io.Writer) error { called = true; return nil })
	w.Printf("d")
	if got := f.buf.String(); got != "a1b" || !errors.Is(w.Err, errFull) || called {
		t.Errorf("wrote %q, err %v, Do called %v", got, w.Err, called)
	}
	ok := New(&bytes.Buffer{})
	ok.Do(func(w io.Writer) error { return errFull })
	if ok.Err != errFull {
		t.Errorf("Do error not kept: %v", ok.Err)
	}
}
