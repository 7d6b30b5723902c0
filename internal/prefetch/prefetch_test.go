package prefetch

import (
	"bytes"
	"testing"
)

// TestSliceBounds: Slice (and AddrW) over any length, larger than the slice or zero,
// on empty and nil slices, neither faults nor changes memory.
func TestSliceBounds(t *testing.T) {
	b := make([]byte, 300)
	for i := range b {
		b[i] = byte(i)
	}
	want := bytes.Clone(b)
	for n := -1; n <= 400; n++ {
		Slice(b, n)
		Slice(b[len(b)-1:], n)
		Slice(b[:0], n)
		Slice(nil, n)
		if n > 0 {
			AddrW(&b[len(b)-1], n)
			AddrW(&b[0], n)
		}
	}
	if !bytes.Equal(b, want) {
		t.Fatal("prefetch changed memory")
	}
}
