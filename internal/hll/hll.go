// Package hll estimates how many distinct items a stream holds in fixed
// memory (HyperLogLog, Flajolet et al. 2007, with the small-range
// correction by linear counting; 64-bit hashes need no large-range one).
// The bounded tables of a report (rollups that keep their top rows) use it
// to say how many items there were in all, which they cannot count
// exactly without keeping every one.
package hll

import (
	"math"
	"math/bits"
)

// P is the number of index bits: 2^P one-byte registers (4 KiB), a
// standard error of 1.04/sqrt(2^P), about 1.6 %.
const P = 12

const m = 1 << P

// Sketch is a HyperLogLog sketch; the zero Sketch is empty and ready.
type Sketch struct {
	reg *[m]uint8 // allocated on the first Add
}

// Add counts the item whose 64-bit hash is h. The hash must spread its
// items over all 64 bits (a mixer, not an identity).
func (s *Sketch) Add(h uint64) {
	if s.reg == nil {
		s.reg = new([m]uint8)
	}
	i := h >> (64 - P)
	// the remaining bits, with a guard bit so that rho is at most 64-P+1
	rho := uint8(bits.LeadingZeros64(h<<P|1<<(P-1))) + 1
	if rho > s.reg[i] {
		s.reg[i] = rho
	}
}

// Estimate returns the estimated number of distinct hashes added.
func (s *Sketch) Estimate() int {
	if s.reg == nil {
		return 0
	}
	sum, zeros := 0.0, 0
	for _, r := range s.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	const alpha = 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(float64(m)/float64(zeros)) // linear counting
	}
	return int(math.Round(e))
}

// Round rounds an estimate to three significant digits (32768: 32800), so
// that a report does not give it more precision than it has.
func Round(n int) int {
	p := 1
	for n/p >= 1000 {
		p *= 10
	}
	return (n + p/2) / p * p
}
