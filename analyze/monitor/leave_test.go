package monitor

import "testing"

// TestLiveGapAfterLeave: the counters event of an interval whose gaps a
// leave explains says so (gap-after-leave), as analyze does on the same
// capture, not loss-before-receiver (a real leave and rejoin recorded in
// a namespace: testdata/membership).
func TestLiveGapAfterLeave(t *testing.T) {
	kinds := map[string]bool{}
	for _, ev := range runEngine(t, "../../testdata/membership/leave-rejoin.pcapng") {
		if ev.Type == EventCounters {
			for _, v := range ev.Counters.Verdicts {
				kinds[v.Kind] = true
			}
		}
	}
	if !kinds["gap-after-leave"] || kinds["loss-before-receiver"] {
		t.Errorf("verdict kinds %v: want gap-after-leave, not loss-before-receiver", kinds)
	}
}
