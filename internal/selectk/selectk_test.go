package selectk

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFirstKeysSameAsSort: FirstKeys leaves in xs[:k] the k first keys of a
// full sort by K and then the tie order (with nil: by I), and Compare
// orders keys as that sort does, for random
// lengths and k, keys with many equal K (so the tie order decides) or none,
// already sorted or reversed inputs.
func TestFirstKeysSameAsSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 3000; iter++ {
		n := r.IntN(300)
		span := uint64(1 + r.IntN(4))
		if iter%7 == 0 {
			span = 1 << 40
		}
		xs := make([]Key, n)
		rank := r.Perm(n) // the tie order: by rank of I
		for i := range xs {
			xs[i] = Key{K: [3]uint64{r.Uint64N(span), r.Uint64N(span), r.Uint64N(span)}, I: i}
		}
		var tie func(i, j int) int
		if iter%2 == 0 {
			tie = func(i, j int) int { return cmp.Compare(rank[i], rank[j]) }
		}
		order := func(a, b Key) int {
			for f := range a.K {
				if c := cmp.Compare(a.K[f], b.K[f]); c != 0 {
					return c
				}
			}
			if tie != nil {
				return tie(a.I, b.I)
			}
			return cmp.Compare(a.I, b.I)
		}
		switch iter % 5 {
		case 1:
			slices.SortFunc(xs, order)
		case 2:
			slices.SortFunc(xs, order)
			slices.Reverse(xs)
		}
		k := 0
		if n > 0 {
			k = r.IntN(n + 2)
		}
		for i := 1; i < len(xs); i++ {
			if c, w := Compare(&xs[i-1], &xs[i], tie), order(xs[i-1], xs[i]); c != w {
				t.Fatalf("Compare(%v, %v) = %d, want %d", xs[i-1], xs[i], c, w)
			}
		}
		want := slices.Clone(xs)
		slices.SortFunc(want, order)
		got := slices.Clone(xs)
		FirstKeys(got, k, tie)
		m := min(max(k, 0), n)
		head := slices.Clone(got[:m])
		slices.SortFunc(head, order)
		if !slices.Equal(head, want[:m]) {
			t.Fatalf("n %d k %d: first %v, want %v", n, k, head, want[:m])
		}
		slices.SortFunc(got, order)
		if !slices.Equal(got, want) {
			t.Fatalf("n %d k %d: elements changed", n, k)
		}
	}
}

// BenchmarkFirstKeysRollup selects as the report's peer-pair table compacts
// on a capture where every connection brings a new pair (synthetic keys):
// 2,000 rows of one connection each, the 500 with the smallest hash.
func BenchmarkFirstKeysRollup(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	base := make([]Key, 2000)
	for i := range base {
		base[i] = Key{K: [3]uint64{^uint64(1), r.Uint64()}, I: i}
	}
	xs := make([]Key, len(base))
	b.ReportAllocs()
	for b.Loop() {
		copy(xs, base)
		FirstKeys(xs, 500, nil)
	}
}
