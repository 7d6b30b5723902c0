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
