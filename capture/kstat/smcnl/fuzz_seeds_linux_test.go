//go:build linux

package smcnl

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites FuzzDecodeReply's checked-in seed corpus
// (testdata/fuzz/FuzzDecodeReply/seed-*): the raw generic-netlink and
// sock_diag replies recorded by the real-kernel lab (Linux 6.1 and 6.12),
// one of each distinct reply per command. Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	w := fuzzseed.NewWriter(".", "FuzzDecodeReply", 40)
	perCmd := map[uint8]int{}
	seen := map[[32]byte]bool{}
	for _, p := range fuzzseed.Glob("../../../testdata/lab/out/*/snap/*/*/*.bin") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || len(b) > 8<<10 || seen[sha256.Sum256(b)] {
			continue
		}
		seen[sha256.Sum256(b)] = true
		base := filepath.Base(p)
		var cmd uint8
		if base != "smc_diag.bin" {
			c, ok := CommandByName("GET_" + strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(base, "genl-"), ".bin")))
			if !ok {
				continue
			}
			cmd = c
		}
		if perCmd[cmd] >= 3 {
			continue
		}
		perCmd[cmd]++
		w.Add(strings.TrimSuffix(base, ".bin"), cmd, b)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
