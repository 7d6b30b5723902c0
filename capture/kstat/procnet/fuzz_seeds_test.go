package procnet

import (
	"os"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites FuzzParse's checked-in seed corpus
// (testdata/fuzz/FuzzParse/seed-*): the /proc/net files recorded by the
// real-kernel lab (Linux 6.1 and 6.12) and the real fixtures, cut at a line
// so executions stay fast. Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	w := fuzzseed.NewWriter(".", "FuzzParse", 30)
	files := fuzzseed.Glob("../../../testdata/lab/out/*/snap/c-*/client-after/proc-net-*",
		fixtures+"linux-6.18-real*/net/*")
	if len(files) == 0 {
		t.Fatal("no lab /proc/net files")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := p[strings.LastIndexByte(p, '/')+1:]
		name = strings.TrimPrefix(name, "proc-net-")
		label := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(p, "../../../testdata/"), "lab/out/"), "/", "-")
		if len(b) > 2048 {
			b = b[:2048]
			if i := strings.LastIndexByte(string(b), '\n'); i > 0 {
				b = b[:i+1]
			}
		}
		w.Add(label, name, b)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
