package report

import (
	"testing"
	"time"
)

// TestFmtTime: fmtTime gives what time.Format gives with TimeLayout, at
// the ends of its fast range and beyond, in UTC and from another zone.
func TestFmtTime(t *testing.T) {
	zone := time.FixedZone("west", -7*3600-30*60)
	times := []time.Time{
		time.Unix(0, 0), time.Unix(-1, 999_999_999), time.Unix(1_700_000_000, 123_456_789),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(2024, 2, 29, 12, 3, 4, 5_000, zone), time.Unix(1<<40, 7), time.Unix(-1<<40, 7),
	}
	for i := range 2000 {
		times = append(times, time.Unix(int64(i)*7_777_777_777%253_402_300_800, int64(i)*123_457%1_000_000_000))
	}
	for _, tm := range times {
		if got, want := fmtTime(tm), tm.UTC().Format(TimeLayout); got != want {
			t.Errorf("fmtTime(%v) = %q, want %q", tm, got, want)
		}
	}
}
