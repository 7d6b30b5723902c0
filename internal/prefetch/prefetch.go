// Package prefetch asks the processor to load memory into its caches ahead
// of use: for chains of dependent loads the hardware cannot predict (the
// records of a capture file, each header giving the next one's offset) and
// for memory another processor wrote last (frames read into a buffer by
// the reading goroutine, decoded by the analyzing one).
package prefetch

// Slice prefetches the first n bytes of b (at most len(b)).
func Slice(b []byte, n int) {
	if n > len(b) {
		n = len(b)
	}
	if Available && n > 0 {
		Addr(&b[0], n)
	}
}
