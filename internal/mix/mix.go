// Package mix holds the 64-bit mixing function that the tracker's and the
// report's hash tables use to spread their keys' bits (tuple hashes for the
// open connections and tombstones, rollup keys).
package mix

// Mix64 is the splitmix64 finaliser (Steele, Lea and Flood, "Fast
// splittable pseudorandom number generators", OOPSLA 2014): a bijection on
// 64-bit words in which every input bit affects every output bit.
func Mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
