package mix

import "testing"

// TestMix64: known values of the splitmix64 finaliser (the first outputs of
// splitmix64 seeded with 0, whose states are multiples of the golden gamma)
// and avalanche on single-bit inputs.
func TestMix64(t *testing.T) {
	const gamma = 0x9e3779b97f4a7c15
	for i, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		if got := Mix64(uint64(i+1) * gamma); got != want {
			t.Errorf("Mix64(%d·gamma) = %#x, want %#x", i+1, got, want)
		}
	}
	for b := range 64 {
		if d := Mix64(1<<b) ^ Mix64(0); d == 0 || d&(d-1) == 0 {
			t.Errorf("flipping input bit %d changes %#x", b, d)
		}
	}
}

// TestHash5: flipping any bit of any word changes the hash in many bits,
// and a value hashes differently in each position (the words are not
// interchangeable: a tuple and its reverse, an address and its port).
func TestHash5(t *testing.T) {
	base := [5]uint64{0xffff0a000001, 0, 0xffff0a000002, 0, 40000<<16 | 5000}
	h0 := Hash5(base[0], base[1], base[2], base[3], base[4])
	for w := range 5 {
		for b := range 64 {
			x := base
			x[w] ^= 1 << b
			d := Hash5(x[0], x[1], x[2], x[3], x[4]) ^ h0
			if n := popcount(d); n < 8 {
				t.Errorf("word %d bit %d: %d output bits change", w, b, n)
			}
		}
	}
	seen := map[uint64]int{}
	for w := range 5 {
		var x [5]uint64
		x[w] = 0x123456789
		h := Hash5(x[0], x[1], x[2], x[3], x[4])
		if p, ok := seen[h]; ok {
			t.Errorf("the same value in words %d and %d hashes alike", p, w)
		}
		seen[h] = w
	}
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}
