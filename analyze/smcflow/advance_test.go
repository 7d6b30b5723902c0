package smcflow

import (
	"testing"
	"time"
)

// TestAdvance: the tracker's clock moves as with time.Time.After on
// timestamps without a monotonic clock reading, across seconds,
// nanoseconds, the zero time, before 1970 and year 1, and far ahead; it
// starts at the zero time.
func TestAdvance(t *testing.T) {
	if zeroUnix != (time.Time{}).Unix() {
		t.Fatalf("zeroUnix %d, the zero time's Unix seconds %d", zeroUnix, (time.Time{}).Unix())
	}
	ts := []time.Time{
		{},
		time.Unix(0, 0).UTC(),
		time.Unix(-1, 999_999_999).UTC(),
		time.Unix(1, 0).UTC(),
		time.Unix(1, 1).UTC(),
		time.Unix(1_700_000_000, 5).UTC(),
		time.Unix(1_700_000_000, 6).UTC(),
		time.Unix(1_700_000_001, 0).UTC(),
		time.Unix(1<<40, 999_999_999).UTC(),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(0, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Unix(1_700_000_000, 5).In(time.FixedZone("x", 3600)),
	}
	for _, a := range ts {
		for _, b := range ts {
			var tr Tracker
			if !tr.lastTime.IsZero() {
				t.Fatal("a new tracker's clock is not the zero time")
			}
			tr.Advance(a)
			want := a
			if !a.After(time.Time{}) {
				want = time.Time{}
			}
			tr.Advance(b)
			if b.After(want) {
				want = b
			}
			if tr.lastTime != want {
				t.Errorf("Advance(%v), Advance(%v): clock %v, want %v", a, b, tr.lastTime, want)
			}
		}
	}
}
