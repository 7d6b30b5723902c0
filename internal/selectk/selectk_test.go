package selectk

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFirstSameAsSort: xs[:k] after First holds the k first elements of a
// full sort (as a multiset), for random lengths, k, value ranges (many
// duplicates or none) and already sorted or reversed inputs.
func TestFirstSameAsSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 3000; iter++ {
		n := r.IntN(300)
		xs := make([]int, n)
		span := 1 + r.IntN(1000)
		for i := range xs {
			xs[i] = r.IntN(span)
		}
		switch iter % 5 {
		case 1:
			slices.Sort(xs)
		case 2:
			slices.Sort(xs)
			slices.Reverse(xs)
		}
		k := 0
		if n > 0 {
			k = r.IntN(n + 2)
		}
		want := slices.Clone(xs)
		slices.Sort(want)
		got := slices.Clone(xs)
		First(got, k, cmp.Compare[int])
		m := min(max(k, 0), n)
		head := slices.Clone(got[:m])
		slices.Sort(head)
		if !slices.Equal(head, want[:m]) {
			t.Fatalf("n %d k %d: first %v, want %v", n, k, head, want[:m])
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("n %d k %d: elements changed", n, k)
		}
	}
}
