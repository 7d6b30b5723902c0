package hll

import (
	"testing"

	"github.com/smcdump/smcdump/internal/mix"
)

// TestEstimate: within a few standard errors (1.6 %) of the true count,
// from one item to millions, on sequential keys put through the mixer the
// reports use; repeated items do not count again.
func TestEstimate(t *testing.T) {
	var empty Sketch
	if n := empty.Estimate(); n != 0 {
		t.Errorf("empty: %d", n)
	}
	for _, n := range []int{1, 10, 100, 1000, 5000, 20000, 100000, 1000000} {
		var s Sketch
		for i := range n {
			h := mix.Hash5(uint64(i), 0, 0, 0, 5000)
			s.Add(h)
			s.Add(h) // again: no change
		}
		got := s.Estimate()
		if d := float64(got-n) / float64(n); d > 0.05 || d < -0.05 {
			t.Errorf("%d distinct: estimate %d (%+.1f %%)", n, got, 100*d)
		}
	}
}

// TestAddNoAllocs: after the first item, adding allocates nothing.
func TestAddNoAllocs(t *testing.T) {
	var s Sketch
	s.Add(1)
	if n := testing.AllocsPerRun(100, func() { s.Add(mix.Hash5(7, 1, 2, 3, 4)) }); n != 0 {
		t.Errorf("%v allocations per Add", n)
	}
}

func BenchmarkAdd(b *testing.B) {
	b.ReportAllocs()
	var s Sketch
	for i := range b.N {
		s.Add(mix.Hash5(uint64(i), 0, 0, 0, 0))
	}
}
