package smcproto

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestTrimBytesSameAsByteLoop: trimBytes (eight bytes at a time) removes
// exactly the trailing blanks and NULs a byte-by-byte loop removes, for
// fields of every length up to 40 mixing padding with bytes that differ
// from a blank or a NUL in one bit ('@', '`', 0x01, 0x21, 0xa0).
func TestTrimBytesSameAsByteLoop(t *testing.T) {
	ref := func(b []byte) []byte {
		end := len(b)
		for end > 0 && (b[end-1] == ' ' || b[end-1] == 0) {
			end--
		}
		return b[:end]
	}
	alphabet := []byte{' ', 0, ' ', 0, 'A', '@', '`', 0x01, 0x21, 0xa0}
	r := rand.New(rand.NewPCG(7, 8))
	for iter := 0; iter < 20000; iter++ {
		b := make([]byte, r.IntN(41))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		// Mostly padding at the end, as in a real EID.
		for i := len(b) - r.IntN(len(b)+1); i < len(b); i++ {
			b[i] = alphabet[r.IntN(4)]
		}
		if got, want := trimBytes(b), ref(b); !bytes.Equal(got, want) {
			t.Fatalf("trimBytes(%q) = %q, want %q", b, got, want)
		}
		if got, want := trimText(b), string(ref(b)); got != want {
			t.Fatalf("trimText(%q) = %q, want %q", b, got, want)
		}
	}
}
