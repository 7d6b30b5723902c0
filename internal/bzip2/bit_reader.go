// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Changed for smcdump: the bit reader buffers its input itself, as
// bufio.Reader would, so that the Huffman decoder can take the bits of
// whole buffered bytes at once (see the package comment, doc.go).

package bzip2

import (
	"errors"
	"io"
)

// bitReader wraps an io.Reader and provides the ability to read values,
// bit-by-bit, from it. Its Read* methods don't return the usual error
// because the error handling was verbose. Instead, any error is kept and can
// be checked afterwards.
//
// The low bits bits of n are the next bits of the stream, most significant
// first. Where the standard library's reader takes a byte from its
// io.ByteReader only when it needs one of its bits (so it holds at most 7
// bits between calls), this one, reading from a buffer of its own (buf[r:w],
// filled from rd as bufio.Reader fills its buffer, or the caller's slice),
// may move buffered bytes into n before their bits are needed (refill):
// that reads nothing from rd, so the input is read at the same moments,
// and a read error is met at the same point of the stream. With a caller's
// io.ByteReader (byter), nothing is taken ahead.
type bitReader struct {
	n    uint64
	bits uint
	err  error

	byter io.ByteReader // the caller's, when it is one: bytes taken as needed

	rd   io.Reader // nil for a slice
	buf  []byte
	r, w int
	rerr error // rd's error, returned once as bufio.Reader returns it
	// srcErr is set once taking a byte failed: every byte of the input
	// read so far is then in n (Consumed).
	srcErr bool
}

// bufSize is bufio.Reader's default size, which the standard library's
// decoder reads with when its input is not an io.ByteReader.
const bufSize = 4096

// newBitReader returns a new bitReader reading from r. If r is not
// already an io.ByteReader, it is read as through a bufio.Reader.
func newBitReader(r io.Reader) bitReader {
	if byter, ok := r.(io.ByteReader); ok {
		return bitReader{byter: byter}
	}
	return bitReader{rd: r, buf: make([]byte, bufSize)}
}

// resetSlice makes br read in, as the standard library's reader reads an
// io.ByteReader over in, keeping nothing of before.
func (br *bitReader) resetSlice(in []byte) {
	*br = bitReader{buf: in, w: len(in)}
}

var errNegativeRead = errors.New("bufio: reader returned negative count from Read")

// readByte returns the next byte of the input, as the io.ByteReader the
// standard library's reader reads would return it.
func (br *bitReader) readByte() (byte, error) {
	if br.byter != nil {
		return br.byter.ReadByte()
	}
	for br.r == br.w {
		if br.rd == nil {
			return 0, io.EOF
		}
		if br.rerr != nil {
			err := br.rerr
			br.rerr = nil
			return 0, err
		}
		br.fill()
	}
	c := br.buf[br.r]
	br.r++
	return c, nil
}

// fill reads into the empty buffer as bufio.Reader.fill does.
func (br *bitReader) fill() {
	br.r, br.w = 0, 0
	for i := 100; i > 0; i-- {
		n, err := br.rd.Read(br.buf)
		if n < 0 {
			panic(errNegativeRead)
		}
		br.w += n
		if err != nil {
			br.rerr = err
			return
		}
		if n > 0 {
			return
		}
	}
	br.rerr = io.ErrNoProgress
}

// refill moves buffered bytes into n while there is room, reading nothing
// from rd.
func (br *bitReader) refill() {
	// Within the buffer: a Read that claims more bytes than it was given
	// (breaking io.Reader's contract) makes readByte panic at the byte
	// past the buffer when it is needed, as bufio.Reader's ReadByte does,
	// not before.
	end := min(br.w, len(br.buf))
	for br.bits <= 56 && br.r < end {
		br.n = br.n<<8 | uint64(br.buf[br.r])
		br.r++
		br.bits += 8
	}
}

// consumed is the count of input bytes the standard library's reader
// would have read from an io.ByteReader over the slice (resetSlice): it
// holds at most 7 bits between calls until taking a byte fails, and every
// byte read is in n from then on.
func (br *bitReader) consumed() int {
	if br.srcErr {
		return br.r
	}
	return br.r - int(br.bits/8)
}

// ReadBits64 reads the given number of bits and returns them in the
// least-significant part of a uint64. In the event of an error, it returns 0
// and the error can be obtained by calling bitReader.Err().
func (br *bitReader) ReadBits64(bits uint) (n uint64) {
	for bits > br.bits {
		b, err := br.readByte()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			br.err = err
			br.srcErr = true
			return 0
		}
		br.n <<= 8
		br.n |= uint64(b)
		br.bits += 8
	}

	// br.n looks like this (assuming that br.bits = 14 and bits = 6):
	// Bit: 111111
	//      5432109876543210
	//
	//         (6 bits, the desired output)
	//        |-----|
	//        V     V
	//      0101101101001110
	//        ^            ^
	//        |------------|
	//           br.bits (num valid bits)
	//
	// The next line right shifts the desired bits into the
	// least-significant places and masks off anything above.
	n = (br.n >> (br.bits - bits)) & ((1 << bits) - 1)
	br.bits -= bits
	return
}

func (br *bitReader) ReadBits(bits uint) (n int) {
	n64 := br.ReadBits64(bits)
	return int(n64)
}

func (br *bitReader) ReadBit() bool {
	n := br.ReadBits(1)
	return n != 0
}

// alignedByte skips to a byte boundary and returns the next byte, as the
// standard library's reader does after an end-of-stream marker: it holds
// fewer than 8 bits there, skips them and reads a byte of its input.
func (br *bitReader) alignedByte() (byte, error) {
	br.bits -= br.bits % 8
	if br.bits >= 8 {
		br.bits -= 8
		return byte(br.n >> br.bits), nil
	}
	b, err := br.readByte()
	if err != nil {
		br.srcErr = true
	}
	return b, err
}

func (br *bitReader) Err() error {
	return br.err
}
