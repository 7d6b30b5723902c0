package toolfmt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites FuzzParseTools's checked-in seed corpus
// (testdata/fuzz/FuzzParseTools/seed-*): the saved tool outputs of
// testdata/kstat/tools (real Linux 6.18 nstat, netstat -s, ss, ethtool;
// smc-tools output labelled synthetic there) cut at a line, and the lab's
// /proc/net/snmp and netstat files, which nstat-style parsers meet when
// given the wrong file. Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	w := fuzzseed.NewWriter(".", "FuzzParseTools", 30)
	files := fuzzseed.Glob(tools+"*.txt", "../../../testdata/lab/out/6.12/snap/c-*/client-after/proc-net-snmp",
		"../../../testdata/lab/out/6.1/snap/c-*/client-after/proc-net-netstat")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 2048 {
			b = b[:2048]
			if i := strings.LastIndexByte(string(b), '\n'); i > 0 {
				b = b[:i+1]
			}
		}
		w.Add(filepath.Base(p), b)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
