package kstat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites FuzzReadSnapshot's checked-in seed corpus
// (testdata/fuzz/FuzzReadSnapshot/seed-*): saved snapshots
// (smcdump stats --json) of the real-kernel lab, whole and cut, and the
// saved tool outputs ReadSnapshot also accepts, cut at a line. Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	w := fuzzseed.NewWriter(".", "FuzzReadSnapshot", 30)
	snaps := fuzzseed.Glob("../../testdata/lab/out/*/snap/c-*/*.json", "../../testdata/lab/out/*/snap/a-*/client-after.json")
	if len(snaps) == 0 {
		t.Fatal("no lab snapshots")
	}
	for i, p := range snaps {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		label := strings.ReplaceAll(strings.TrimPrefix(p, "../../testdata/lab/out/"), "/", "-")
		if i%8 == 0 {
			w.Add(label, b)
		}
		w.Add(label+"-cut", b[:min(len(b)/(2+i%3), 4096)])
	}
	for _, p := range fuzzseed.Glob(filepath.Join(testdata, "tools", "*.txt")) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w.Add(filepath.Base(p), cutLines(b, 2048))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// cutLines returns at most n bytes of b, ending at a line end when there is one.
func cutLines(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	b = b[:n]
	if i := strings.LastIndexByte(string(b), '\n'); i > 0 {
		b = b[:i+1]
	}
	return b
}
