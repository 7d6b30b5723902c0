package smcflow

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestPktSub: pktSub gives time.Time.Sub's result for times without a
// monotonic clock reading, near and far apart, up to the saturation of
// Durations at either end.
func TestPktSub(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	secs := []int64{0, 1, -1, 1e9, 9e9 - 1, 9e9, 9e9 + 1, 9223372036, 9223372037, 1 << 40, math.MaxInt64 / 2, -(1 << 40), math.MinInt64 / 2}
	for i := 0; i < 20000; i++ {
		var sa, sb int64
		switch i % 3 {
		case 0: // a capture's timestamps: close together
			sa = 1_700_000_000 + r.Int64N(1e6)
			sb = sa + r.Int64N(2000) - 1000
		case 1: // chosen distances, either way
			sa = r.Int64N(1<<33) - 1<<32
			sb = sa + secs[r.IntN(len(secs))]*int64(1-2*r.IntN(2))
		default: // anywhere a pcapng timestamp can put them
			sa, sb = r.Int64N(1<<44)-1<<43, r.Int64N(1<<44)-1<<43
		}
		a := time.Unix(sa, r.Int64N(1e9)).UTC()
		b := time.Unix(sb, r.Int64N(1e9)).UTC()
		if got, want := pktSub(b, a), b.Sub(a); got != want {
			t.Fatalf("pktSub(%v, %v) = %v, Sub %v", b, a, got, want)
		}
	}
}
