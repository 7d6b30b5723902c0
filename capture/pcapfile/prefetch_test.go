package pcapfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/smcdump/smcdump/internal/prefetch"
)

// TestPrefetchBounds: prefetch over every length up to the end of a slice
// and of a mapping (the hint never faults and changes nothing).
func TestPrefetchBounds(t *testing.T) {
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(i)
	}
	want := bytes.Clone(b)
	for n := 1; n <= 300; n++ {
		prefetch.Addr(&b[len(b)-n], n)
		prefetch.Addr(&b[0], n)
	}
	if !bytes.Equal(b, want) {
		t.Fatal("prefetch changed memory")
	}
	if !canMap {
		return
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, want[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := mapFile(f, 0, 2*os.Getpagesize())
	if err != nil {
		t.Skip("cannot map:", err)
	}
	defer unmapFile(m)
	// The second page is past the end of the file (reading it faults
	// with SIGBUS, as when a file is cut short while mapped): prefetching
	// it is harmless.
	prefetch.Addr(&m[0], len(m))
	if !bytes.Equal(m[:100], want[:100]) {
		t.Fatal("mapped bytes differ")
	}
}
