package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/internal/publicdata"
)

// checkTextReport fails on contradicting verdicts in a text report.
func checkTextReport(t *testing.T, what, text string) {
	t.Helper()
	if c := correlate.Contradictions(correlate.ParseText(text)); len(c) > 0 {
		t.Errorf("%s: contradicting verdicts: %v", what, c)
	}
}

// checkJSONReport fails on contradicting verdicts in a JSON report.
func checkJSONReport(t *testing.T, what string, js []byte) {
	t.Helper()
	var rep report.Report
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if c := rep.Contradictions(); len(c) > 0 {
		t.Errorf("%s: contradicting verdicts: %v", what, c)
	}
}

// TestNoContradictingVerdicts (issue 9 item 3): no report states two
// verdicts that cannot both hold (report.Report.Contradictions,
// correlate.Contradictions). It checks every golden output as stored, and
// analyzes every trace — synthetic, real-kernel lab, loss lab, public
// samples — in text and JSON, with the snapshots they embed, and the lab
// trace with its snapshot files; and one report whose snapshots do not
// bracket the capture at all.
func TestNoContradictingVerdicts(t *testing.T) {
	t.Run("goldens", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(goldenDir, "*"))
		mc, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "mcast", "*"))
		files = append(files, mc...)
		n := 0
		for _, f := range files {
			if st, err := os.Stat(f); err == nil && st.IsDir() {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.HasSuffix(f, ".analyze.json"):
				checkJSONReport(t, f, b)
			case strings.HasSuffix(f, ".json") && strings.Contains(f, filepath.Join("testdata", "mcast")):
				// a multicast section on its own
				var m mcast.Report
				if err := json.Unmarshal(b, &m); err != nil {
					t.Errorf("%s: %v", f, err)
					continue
				}
				if c := (&report.Report{Multicast: &m}).Contradictions(); len(c) > 0 {
					t.Errorf("%s: %v", f, c)
				}
			case strings.HasSuffix(f, ".txt"):
				checkTextReport(t, f, string(b))
			default:
				continue
			}
			n++
		}
		if n < 50 {
			t.Errorf("checked only %d golden files", n)
		}
	})
	var traces []string
	for _, pat := range []string{
		filepath.Join(synthDir, "*.pcap*"),
		filepath.Join(labDir, "*", "*.pcap*"),
		filepath.Join(lossLabTraces, "*.pcapng"),
	} {
		m, _ := filepath.Glob(pat)
		traces = append(traces, m...)
	}
	traces = append(traces, publicdata.Glob(t, "*.pcap*")...)
	if len(traces) == 0 {
		t.Fatal("no traces")
	}
	for _, tr := range traces {
		t.Run(filepath.Base(filepath.Dir(tr))+"/"+filepath.Base(tr), func(t *testing.T) {
			out, stderr, code := run(t, "analyze", tr)
			if code != 0 {
				t.Fatalf("analyze exit %d: %s", code, stderr)
			}
			checkTextReport(t, "text", out)
			js, _, _ := run(t, "analyze", "--json", tr)
			checkJSONReport(t, "json", []byte(js))
		})
	}
	snap := filepath.Join(labDir, "6.12", "snap", "d-roce-blocked")
	if _, err := os.Stat(filepath.Join(snap, "server-after")); err != nil {
		t.Log("lab snapshots not present")
		return
	}
	stats := []string{"--stats", filepath.Join(snap, "server-before"), "--stats", filepath.Join(snap, "server-after")}
	cases := map[string]string{"lab trace with its snapshot files": "", "snapshots that do not bracket the capture": ""}
	if m, _ := filepath.Glob(filepath.Join(labDir, "6.12", "d-roce-blocked.pcap*")); len(m) > 0 {
		cases["lab trace with its snapshot files"] = m[0]
	}
	// the lab snapshots (November) against a loss-lab capture (December):
	// the window verdict, and nothing high next to it
	cases["snapshots that do not bracket the capture"] = filepath.Join(lossLabTraces, "discard-no-socket-multicast.pcapng")
	for name, tr := range cases {
		t.Run(name, func(t *testing.T) {
			if tr == "" {
				t.Skip("trace not present")
			}
			if _, err := os.Stat(tr); err != nil {
				t.Skip(err)
			}
			out, stderr, code := run(t, append([]string{"analyze", tr}, stats...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkTextReport(t, "text", out)
			js, _, _ := run(t, append([]string{"analyze", "--json", tr}, stats...)...)
			checkJSONReport(t, "json", []byte(js))
			if strings.HasPrefix(name, "snapshots that do not") {
				if !strings.Contains(out, correlate.KindWindow) || strings.Contains(out, "(confidence high)") {
					t.Errorf("want the window verdict and no high confidence:\n%s", out)
				}
			}
		})
	}
}
