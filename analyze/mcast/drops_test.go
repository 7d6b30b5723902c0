package mcast

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Capture drop readings of one interface from successive files of a
// rotation (synthetic readings): writers that keep counting across files
// (smcdump, dumpcap) and writers that restart the counters with every file
// both normalise to counters cumulative over the whole capture.
func TestCaptureDropsAcrossFiles(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, tc := range []struct {
		name  string
		drops []CaptureDrop
		want  []uint64 // normalised if_drop per reading
	}{
		{"continuing counters", []CaptureDrop{
			{Time: at(1), IfDrop: 3, Cumulative: true, File: 0, Start: t0},
			{Time: at(2), IfDrop: 5, Cumulative: true, File: 1, Start: t0},
			{Time: at(3), IfDrop: 5, Cumulative: true, File: 2, Start: t0},
		}, []uint64{3, 5, 5}},
		{"restarted: counter goes down", []CaptureDrop{
			{Time: at(1), IfDrop: 3, Cumulative: true, File: 0},
			{Time: at(2), IfDrop: 2, Cumulative: true, File: 1},
			{Time: at(3), IfDrop: 4, Cumulative: true, File: 1},
		}, []uint64{3, 5, 7}},
		{"restarted: start time changes", []CaptureDrop{
			{Time: at(1), IfDrop: 3, Cumulative: true, File: 0, Start: t0},
			{Time: at(2), IfDrop: 4, Cumulative: true, File: 1, Start: at(1)},
		}, []uint64{3, 7}},
		{"per-reading deltas", []CaptureDrop{
			{Time: at(1), IfDrop: 3, File: 0},
			{Time: at(2), IfDrop: 1, File: 1},
		}, []uint64{3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(Config{})
			for _, d := range tc.drops {
				tr.AddCaptureDrop(d)
			}
			var got []uint64
			for _, r := range tr.normDrops() {
				got = append(got, r.IfDrop)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}
