package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/report"
)

// membershipTrace and membershipSourceTrace are TestMembershipLab's
// captures (real kernels: a receiver leaves its group for 2 s behind a
// snooping bridge; with IGMPv3, it blocks the feed's source for 2 s behind
// a bridge that filters by source), recorded with -update.
const (
	membershipTrace       = "../../testdata/membership/leave-rejoin.pcapng"
	membershipSourceTrace = "../../testdata/membership/block-source.pcapng"
)

// TestMembershipTrace analyzes the recorded membership lab traces (no root
// needed): goldens of the text and JSON reports, the gap named after the
// leave or the block, and the gap-after-leave verdict.
func TestMembershipTrace(t *testing.T) {
	for _, c := range []struct{ trace, golden, cause string }{
		{membershipTrace, "membership-leave-rejoin", "leave"},
		{membershipSourceTrace, "membership-block-source", "source-leave"},
	} {
		t.Run(c.golden, func(t *testing.T) {
			if _, err := os.Stat(c.trace); err != nil {
				t.Skipf("no recorded membership trace (go test ./cmd/smcdump -run TestMembershipLab -update, as root): %v", err)
			}
			out, stderr, code := run(t, "analyze", c.trace)
			if code != 0 {
				t.Fatalf("analyze exit %d: %s", code, stderr)
			}
			golden(t, c.golden+".analyze.txt", out)
			js, _, _ := run(t, "analyze", "--json", c.trace)
			golden(t, c.golden+".analyze.json", js)
			var rep report.Report
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				t.Fatal(err)
			}
			if c := rep.Contradictions(); len(c) > 0 {
				t.Errorf("contradictions: %v", c)
			}
			gaps := rep.Multicast.Gaps()
			if len(gaps) != 1 || gaps[0].Membership == nil || gaps[0].Membership.Cause != c.cause {
				t.Errorf("gaps %+v: want one, named %s", gaps, c.cause)
			}
			found := false
			for _, v := range rep.Counters.Verdicts {
				found = found || v.Kind == correlate.KindLeftGroup
			}
			if !found {
				t.Errorf("no %s verdict: %+v", correlate.KindLeftGroup, rep.Counters.Verdicts)
			}
		})
	}
}
