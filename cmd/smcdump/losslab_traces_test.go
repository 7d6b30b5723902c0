package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/report"
)

// lossLabTraces holds captures recorded by TestLossLab (-update) in network
// namespaces on a real kernel, with the kernel counter snapshots smcdump's
// capture embedded: regression traces for the kernel-discard verdicts.
const lossLabTraces = "../../testdata/losslab"

// lossLabKinds is the verdict each recorded trace must get.
var lossLabKinds = map[string]string{
	"discard-no-socket-multicast": correlate.KindNoSocket,
	"discard-no-socket-unicast":   correlate.KindNoSocket,
	"discard-rp-filter":           correlate.KindRPFilter,
	"discard-bad-checksum":        correlate.KindInErrors,
	"discard-not-joined":          correlate.KindNotJoined,
}

// TestLossLabTraces analyzes the recorded loss-lab traces (no root
// needed): golden text and JSON, the verdict, no contradiction, and
// --fail-on drops.
func TestLossLabTraces(t *testing.T) {
	traces, _ := filepath.Glob(filepath.Join(lossLabTraces, "*.pcapng"))
	if len(traces) == 0 {
		t.Skip("no recorded loss-lab traces in testdata/losslab (go test ./cmd/smcdump -run TestLossLab -update, as root)")
	}
	seen := map[string]bool{}
	for _, tr := range traces {
		name := strings.TrimSuffix(filepath.Base(tr), ".pcapng")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			out, stderr, code := run(t, "analyze", tr)
			if code != 0 {
				t.Fatalf("analyze exit %d: %s", code, stderr)
			}
			golden(t, "losslab-"+name+".analyze.txt", out)
			js, _, _ := run(t, "analyze", "--json", tr)
			golden(t, "losslab-"+name+".analyze.json", js)
			var rep report.Report
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				t.Fatal(err)
			}
			if c := rep.Contradictions(); len(c) > 0 {
				t.Errorf("contradictions: %v", c)
			}
			want, ok := lossLabKinds[name]
			if !ok {
				t.Fatalf("no expected verdict for %s", name)
			}
			if rep.Counters == nil {
				t.Fatal("no kernel counter correlation")
			}
			found := false
			for _, v := range rep.Counters.Verdicts {
				if v.Kind == correlate.KindNoLoss {
					t.Errorf("no-loss in a trace where the kernel discarded every datagram: %s", v.Text)
				}
				if v.Kind == want {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s verdict: %+v", want, rep.Counters.Verdicts)
			}
			if _, _, code := run(t, "analyze", "--fail-on", "drops", tr); code != codeGate {
				t.Errorf("--fail-on drops: exit %d, want %d", code, codeGate)
			}
			// Only the unicast trace holds ICMP errors (port unreachable):
			// multicast to a port without a socket gets none.
			wantICMP := 0
			if name == "discard-no-socket-unicast" {
				wantICMP = codeGate
			}
			if _, stderr, code := run(t, "analyze", "--fail-on", "icmp", tr); code != wantICMP {
				t.Errorf("--fail-on icmp: exit %d, want %d: %s", code, wantICMP, stderr)
			}
		})
	}
	for name := range lossLabKinds {
		if !seen[name] {
			t.Errorf("testdata/losslab/%s.pcapng is missing", name)
		}
	}
	if _, err := os.Stat(filepath.Join(lossLabTraces, "README.md")); err != nil {
		t.Error(err)
	}
}
