package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/report"
)

// membershipTrace is TestMembershipLab's capture (real kernels: a receiver
// leaves its group for 2 s behind a snooping bridge), recorded with
// -update.
const membershipTrace = "../../testdata/membership/leave-rejoin.pcapng"

// TestMembershipTrace analyzes the recorded membership lab trace (no root
// needed): goldens of the text and JSON reports, the gap named after the
// leave and the gap-after-leave verdict.
func TestMembershipTrace(t *testing.T) {
	if _, err := os.Stat(membershipTrace); err != nil {
		t.Skipf("no recorded membership trace (go test ./cmd/smcdump -run TestMembershipLab -update, as root): %v", err)
	}
	out, stderr, code := run(t, "analyze", membershipTrace)
	if code != 0 {
		t.Fatalf("analyze exit %d: %s", code, stderr)
	}
	golden(t, "membership-leave-rejoin.analyze.txt", out)
	js, _, _ := run(t, "analyze", "--json", membershipTrace)
	golden(t, "membership-leave-rejoin.analyze.json", js)
	var rep report.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if c := rep.Contradictions(); len(c) > 0 {
		t.Errorf("contradictions: %v", c)
	}
	gaps := rep.Multicast.Gaps()
	if len(gaps) != 1 || gaps[0].Membership == nil || gaps[0].Membership.Cause != "leave" {
		t.Errorf("gaps %+v: want one, after the receiver's leave", gaps)
	}
	found := false
	for _, v := range rep.Counters.Verdicts {
		found = found || v.Kind == correlate.KindLeftGroup
	}
	if !found {
		t.Errorf("no %s verdict: %+v", correlate.KindLeftGroup, rep.Counters.Verdicts)
	}
}
