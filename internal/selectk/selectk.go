// Package selectk selects the k first elements of a slice in a total order
// in linear time on average (bounded tables that keep their top rows, and
// evictions that finish the k oldest of many): quickselect with a median of
// three pivot, falling back to a sort past 2·log2(len) rounds, so it takes
// linear time on average and O(n log n) at worst.
package selectk

import (
	"cmp"
	"math/bits"
	"slices"
)

// Key is an element for FirstKeys: ordered by K[0], then K[1], then K[2]
// (ascending, as unsigned numbers), then by the caller's tie order on I.
type Key struct {
	K [3]uint64
	I int // the caller's index of the element
}

// FirstKeys reorders xs so that xs[:k] holds the k first keys (in no
// particular order). The keys are compared inline: with a comparison
// function called for each pair, a bounded table that compacts often (the
// report's rollups, on captures where every connection brings a new peer
// pair) spent most of its compaction in those calls. tie orders two keys
// whose K are equal by their I (it is called only then; nil: ascending I).
func FirstKeys(xs []Key, k int, tie func(i, j int) int) {
	if k <= 0 || k >= len(xs) {
		return
	}
	less := func(a, b *Key) bool {
		switch {
		case a.K[0] != b.K[0]:
			return a.K[0] < b.K[0]
		case a.K[1] != b.K[1]:
			return a.K[1] < b.K[1]
		case a.K[2] != b.K[2]:
			return a.K[2] < b.K[2]
		}
		return tieOrder(a.I, b.I, tie) < 0
	}
	depth := 2 * bits.Len(uint(len(xs)))
	lo, hi := 0, len(xs)
	for hi-lo > 12 && depth > 0 {
		depth--
		m := lo + (hi-lo)/2
		a, b, c := lo, m, hi-1
		if less(&xs[b], &xs[a]) {
			a, b = b, a
		}
		if less(&xs[c], &xs[b]) {
			b = c
			if less(&xs[b], &xs[a]) {
				b = a
			}
		}
		xs[lo], xs[b] = xs[b], xs[lo]
		// Partition around the pivot p = xs[lo] from both ends (Hoare):
		// a key is moved only when it is on the wrong side, about a
		// third of the swaps of a one-ended partition. The order is
		// strict (tie orders distinct elements), so both scans stop at
		// a key of the other side, or at the pivot itself.
		p := xs[lo]
		i, j := lo, hi
		for {
			for i++; i < hi && less(&xs[i], &p); i++ {
			}
			for j--; less(&p, &xs[j]); j-- {
			}
			if i >= j {
				break
			}
			xs[i], xs[j] = xs[j], xs[i]
		}
		xs[lo], xs[j] = xs[j], xs[lo]
		// xs[lo:j] < p = xs[j] < xs[j+1:hi]
		switch {
		case j == k || j+1 == k:
			return
		case k < j:
			hi = j
		default:
			lo = j + 1
		}
	}
	slices.SortFunc(xs[lo:hi], func(a, b Key) int { return Compare(&a, &b, tie) })
}

// Compare orders two Keys as FirstKeys does (-1, 0, +1), for sorting the
// ones it selected.
func Compare(a, b *Key, tie func(i, j int) int) int {
	for f := range a.K {
		if a.K[f] != b.K[f] {
			if a.K[f] < b.K[f] {
				return -1
			}
			return 1
		}
	}
	return tieOrder(a.I, b.I, tie)
}

func tieOrder(i, j int, tie func(i, j int) int) int {
	if tie != nil {
		return tie(i, j)
	}
	return cmp.Compare(i, j)
}
