package pcapfile

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites this package's checked-in seed corpus
// (testdata/fuzz/FuzzFileReader/seed-*) from the real-kernel lab traces
// (testdata/lab/out): each trace cut after whole blocks (at most 6 KiB).
// Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	traces := fuzzseed.Glob("../../testdata/lab/out/*/*.pcapng")
	if len(traces) == 0 {
		t.Fatal("no lab traces")
	}
	w := fuzzseed.NewWriter(".", "FuzzFileReader", 30)
	for _, p := range traces {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		label := filepath.Base(filepath.Dir(p)) + "-" + strings.TrimSuffix(filepath.Base(p), ".pcapng")
		w.Add(label, ngPrefix(raw, 6<<10))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// ngPrefix returns the whole pcapng blocks of b that fit in limit bytes
// (blocks larger than limit, e.g. big counter snapshots, are left out).
func ngPrefix(b []byte, limit int) []byte {
	var out []byte
	for len(b) >= 12 {
		n := int(binary.LittleEndian.Uint32(b[4:]))
		if n < 12 || n > len(b) {
			break
		}
		if len(out)+n <= limit {
			out = append(out, b[:n]...)
		} else if len(out) > 0 && n <= limit {
			break
		}
		b = b[n:]
	}
	return out
}
