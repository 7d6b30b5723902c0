// Package selectk selects the k first elements of a slice in a total order
// in linear time on average (bounded tables that keep their top rows, and
// evictions that finish the k oldest of many).
package selectk

import (
	"math/bits"
	"slices"
)

// First reorders xs so that xs[:k] holds the k first elements in the
// total order cmp (in no particular order): quickselect with a median of
// three pivot, falling back to a sort past 2·log2(len) rounds, so it takes
// linear time on average and O(n log n) at worst.
func First[T any](xs []T, k int, cmp func(a, b T) int) {
	if k <= 0 || k >= len(xs) {
		return
	}
	depth := 2 * bits.Len(uint(len(xs)))
	lo, hi := 0, len(xs) // the k-th boundary lies in [lo, hi)
	for hi-lo > 12 {
		if depth == 0 {
			slices.SortFunc(xs[lo:hi], cmp)
			return
		}
		depth--
		// Median of three to xs[lo], then partition xs[lo+1:hi] by it.
		m := lo + (hi-lo)/2
		a, b, c := lo, m, hi-1
		if cmp(xs[b], xs[a]) < 0 {
			a, b = b, a
		}
		if cmp(xs[c], xs[b]) < 0 {
			b = c
			if cmp(xs[b], xs[a]) < 0 {
				b = a
			}
		}
		xs[lo], xs[b] = xs[b], xs[lo]
		p := xs[lo]
		i := lo + 1
		for j := lo + 1; j < hi; j++ {
			if cmp(xs[j], p) < 0 {
				xs[i], xs[j] = xs[j], xs[i]
				i++
			}
		}
		// xs[lo+1:i] < p ≤ xs[i:hi]; put p at i-1.
		xs[lo], xs[i-1] = xs[i-1], xs[lo]
		switch {
		case i-1 == k || i == k:
			return
		case k < i-1:
			hi = i - 1
		default:
			lo = i
		}
	}
	slices.SortFunc(xs[lo:hi], cmp)
}
