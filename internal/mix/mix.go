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

// Hash5 hashes five words (two IPv6-sized addresses and a fifth word, as
// the tables' keys are): each word is multiplied by its own odd constant,
// the products combined and mixed once (Mix64). Cheaper than a Mix64
// round per word (which cost the connection tracker a tenth of its time on
// interleaved bulk TCP, hashing every segment's tuple), and for table keys
// as good: every input bit reaches every output bit.
func Hash5(w0, w1, w2, w3, w4 uint64) uint64 {
	return Mix64(w0*0x9e3779b97f4a7c15 ^ w1*0xc2b2ae3d27d4eb4f ^ w2*0x165667b19e3779f9 ^
		w3*0xd6e8feb86659fd93 ^ w4*0xff51afd7ed558ccd)
}
