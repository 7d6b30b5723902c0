package analyze

import (
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
)

// TestSnapshotSpan: the span keeps the earliest and latest snapshot as a
// stable sort by time over the distinct snapshots would (copies of one
// snapshot, as rotated files carry them, count once), in any order given.
func TestSnapshotSpan(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	mk := func(sec int, host string) *kstat.Snapshot {
		return &kstat.Snapshot{TakenAt: t0.Add(time.Duration(sec) * time.Second), Hostname: host}
	}
	a, b, c := mk(0, "a"), mk(10, "a"), mk(20, "a")
	cCopy := mk(20, "a")
	c2 := mk(20, "b")
	a2 := mk(0, "b")
	tests := []struct {
		name             string
		in               []*kstat.Snapshot
		earliest, latest *kstat.Snapshot
		several          bool
	}{
		{"none", nil, nil, nil, false},
		{"one", []*kstat.Snapshot{b}, b, b, false},
		{"copies of one (rotated files)", []*kstat.Snapshot{b, mk(10, "a"), mk(10, "a")}, b, b, false},
		{"in order", []*kstat.Snapshot{a, b, c}, a, c, true},
		{"out of order", []*kstat.Snapshot{c, a, b}, a, c, true},
		{"rotation copies at the boundaries", []*kstat.Snapshot{a, b, mk(10, "a"), c, cCopy}, a, c, true},
		{"tie at the end: last distinct wins", []*kstat.Snapshot{a, c, c2, cCopy}, a, c2, true},
		{"tie at the start: first wins", []*kstat.Snapshot{a, a2, c}, a, c, true},
		{"nil ignored", []*kstat.Snapshot{nil, a, nil, c}, a, c, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sp SnapshotSpan
			for _, s := range tt.in {
				sp.Add(s)
			}
			if sp.Earliest() != tt.earliest || sp.Latest() != tt.latest || sp.Several() != tt.several || sp.Empty() != (tt.earliest == nil) {
				t.Errorf("earliest %v latest %v several %v, want %v %v %v", sp.Earliest(), sp.Latest(), sp.Several(), tt.earliest, tt.latest, tt.several)
			}
		})
	}
}
