package correlate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseText: reading verdicts back from any text terminates, never
// panics, and what it returns can be checked. Seeds: the "Kernel counters"
// sections of the real-kernel goldens (loss lab, SMC lab) in testdata.
func FuzzParseText(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "*.txt"))
	for _, p := range files {
		if !strings.HasPrefix(filepath.Base(p), "losslab-") && !strings.HasPrefix(filepath.Base(p), "lab-") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if i := strings.Index(string(b), "Kernel counters"); i >= 0 {
			f.Add(string(b[i:]))
		}
	}
	f.Add("Kernel counters (x)\n  k [a -> b] (confidence high): t\n      numbers: a=1, b=x, =, c=-9223372036854775808\n")
	f.Fuzz(func(t *testing.T, s string) {
		vs := ParseText(s)
		_ = Contradictions(vs)
		for _, v := range vs {
			if v.Kind == "" && v.Subject == "" && v.Text == "" && v.Confidence == "" {
				t.Errorf("empty verdict from %q", s)
			}
		}
	})
}
