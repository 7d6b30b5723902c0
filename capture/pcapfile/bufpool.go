package pcapfile

import "sync"

// Read buffers of OpenFile's size are recycled across files: a reader
// returns its buffer when it is closed, and the analysis pipeline takes and
// returns its read buffers here too (GetReadBuffer, PutReadBuffer). A fresh
// buffer costs its zeroing and a page fault per page at the first read into
// it: about 0.6 ms per 1 MiB buffer on the 2-vCPU VM, which a rotation of
// small files paid for every file (BENCHMARKS.md "Rotations").
var readBufs sync.Pool // *[]byte, cap readerBufSize

// ReadBufferSize is the size of the read buffers OpenFile's readers use.
const ReadBufferSize = readerBufSize

// GetReadBuffer returns a buffer of at least n bytes: a recycled one of
// ReadBufferSize when n fits, a new one otherwise.
func GetReadBuffer(n int) []byte {
	if n > readerBufSize {
		return make([]byte, n)
	}
	if p, ok := readBufs.Get().(*[]byte); ok {
		return (*p)[:readerBufSize]
	}
	return make([]byte, readerBufSize)
}

// PutReadBuffer recycles b, which no frame or reader may use any more.
// Buffers of another size are left to the garbage collector.
func PutReadBuffer(b []byte) {
	if cap(b) != readerBufSize {
		return
	}
	b = b[:cap(b)]
	readBufs.Put(&b)
}
