package prefetch

import (
	"bytes"
	"testing"
)

// TestSliceBounds: Slice over any length, larger than the slice or zero,
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
	}
	if !bytes.Equal(b, want) {
		t.Fatal("prefetch changed memory")
	}
}
