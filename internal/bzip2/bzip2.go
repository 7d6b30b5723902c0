// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Changed for smcdump: see the package comment (doc.go).

package bzip2

import (
	"compress/bzip2"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math/bits"
)

// There's no RFC for bzip2. I used the Wikipedia page for reference and a lot
// of guessing: https://en.wikipedia.org/wiki/Bzip2
// The source code to pyflate was useful for debugging:
// http://www.paul.sladen.org/projects/pyflate

// A StructuralError is returned when the bzip2 data is found to be
// syntactically invalid: the standard library's type, so that errors
// compare equal to its decoder's.
type StructuralError = bzip2.StructuralError

// A Reader decompresses bzip2 compressed data.
type Reader struct {
	br           bitReader
	fileCRC      uint32
	blockCRC     uint32
	wantBlockCRC uint32
	setupDone    bool // true if we have parsed the bzip2 header.
	eof          bool
	blockSize    int       // blockSize in bytes, i.e. 900 * 1000.
	c            [256]uint // the ``C'' array for the inverse BWT.
	tt           []uint32  // mirrors the ``tt'' array in the bzip2 source and contains the P array in the upper 24 bits.
	fwd          []uint32  // the forward vector (walk)
	text         []byte    // the block's bytes before the run-length step (walk)

	preRLE      []byte // contains the RLE data still to be processed.
	preRLEUsed  int    // number of entries of preRLE used.
	lastByte    int    // the last byte value seen.
	byteRepeats uint   // the number of repeats of lastByte seen.
	repeats     uint   // the number of copies of lastByte to output.

	tables blockTables // readBlock's storage, kept for the next block
	walker walker      // walk's storage
}

// NewReader returns a reader which decompresses bzip2 data from r, as
// compress/bzip2.NewReader's does. If r does not also implement
// [io.ByteReader], the decompressor may read more data than necessary from
// r (in reads of 4096 bytes, as compress/bzip2's).
func NewReader(r io.Reader) *Reader {
	bz2 := new(Reader)
	bz2.br = newBitReader(r)
	return bz2
}

// NewSliceReader returns a reader of the bzip2 data in, which decodes as
// compress/bzip2's reader of an io.ByteReader over in (Consumed).
func NewSliceReader(in []byte) *Reader {
	bz2 := new(Reader)
	bz2.br.resetSlice(in)
	return bz2
}

// ResetSlice makes bz2 a reader of in as NewSliceReader(in) returns it,
// keeping its storage.
func (bz2 *Reader) ResetSlice(in []byte) {
	tt, fwd, text, tables, walker := bz2.tt, bz2.fwd, bz2.text, bz2.tables, bz2.walker
	*bz2 = Reader{tt: tt, fwd: fwd, text: text, tables: tables, walker: walker}
	bz2.br.resetSlice(in)
}

// Consumed returns the count of bytes compress/bzip2's reader of an
// io.ByteReader over the slice (NewSliceReader) would have read from it
// by now: it reads a byte when it needs one of its bits.
func (bz2 *Reader) Consumed() int { return bz2.br.consumed() }

const bzip2FileMagic = 0x425a // "BZ"
const bzip2BlockMagic = 0x314159265359
const bzip2FinalMagic = 0x177245385090

// setup parses the bzip2 header.
func (bz2 *Reader) setup(needMagic bool) error {
	br := &bz2.br

	if needMagic {
		magic := br.ReadBits(16)
		if magic != bzip2FileMagic {
			return StructuralError("bad magic value")
		}
	}

	t := br.ReadBits(8)
	if t != 'h' {
		return StructuralError("non-Huffman entropy encoding")
	}

	level := br.ReadBits(8)
	if level < '1' || level > '9' {
		return StructuralError("invalid compression level")
	}

	bz2.fileCRC = 0
	bz2.blockSize = 100 * 1000 * (level - '0')
	if bz2.blockSize > len(bz2.tt) {
		bz2.tt = make([]uint32, bz2.blockSize)
	}
	return nil
}

func (bz2 *Reader) Read(buf []byte) (n int, err error) {
	if bz2.eof {
		return 0, io.EOF
	}

	if !bz2.setupDone {
		err = bz2.setup(true)
		brErr := bz2.br.Err()
		if brErr != nil {
			err = brErr
		}
		if err != nil {
			return 0, err
		}
		bz2.setupDone = true
	}

	n, err = bz2.read(buf)
	brErr := bz2.br.Err()
	if brErr != nil {
		err = brErr
	}
	return
}

func (bz2 *Reader) readFromBlock(buf []byte) int {
	// bzip2 is a block based compressor, except that it has a run-length
	// preprocessing step. The block based nature means that we can
	// preallocate fixed-size buffers and reuse them. However, the RLE
	// preprocessing would require allocating huge buffers to store the
	// maximum expansion. Thus we process blocks all at once, except for
	// the RLE which we decompress as required.
	//
	// (smcdump: the state is kept in local variables during the loop, and
	// runs are written at once; same output.)
	n := 0
	repeats, lastByte, byteRepeats := bz2.repeats, bz2.lastByte, bz2.byteRepeats
	used, pre := bz2.preRLEUsed, bz2.preRLE
	for (repeats > 0 || used < len(pre)) && n < len(buf) {
		// We have RLE data pending.

		// The run-length encoding works like this:
		// Any sequence of four equal bytes is followed by a length
		// byte which contains the number of repeats of that byte to
		// include. (The number of repeats can be zero.) Because we are
		// decompressing on-demand our state is kept in the reader
		// object.

		if repeats > 0 {
			k := min(repeats, uint(len(buf)-n))
			run := buf[n : n+int(k)]
			for i := range run {
				run[i] = byte(lastByte)
			}
			n += int(k)
			repeats -= k
			if repeats == 0 {
				lastByte = -1
			}
			continue
		}

		if byteRepeats < 3 && len(buf)-n >= 8 && len(pre)-used >= 8 {
			// (smcdump: eight bytes at once when each differs from the
			// one before it: no run of four begins among them.)
			x := binary.LittleEndian.Uint64(pre[used:])
			prev := uint64(byte(lastByte))
			if lastByte < 0 {
				prev = uint64(^byte(x))
			}
			y := x ^ (x<<8 | prev)
			if (y-0x0101010101010101)&^y&0x8080808080808080 == 0 {
				binary.LittleEndian.PutUint64(buf[n:], x)
				n += 8
				used += 8
				byteRepeats = 0
				lastByte = int(x >> 56)
				continue
			}
		}
		b := pre[used]
		used++

		if byteRepeats == 3 {
			repeats = uint(b)
			byteRepeats = 0
			continue
		}

		if lastByte == int(b) {
			byteRepeats++
		} else {
			byteRepeats = 0
		}
		lastByte = int(b)

		buf[n] = b
		n++
	}
	bz2.repeats, bz2.lastByte, bz2.byteRepeats = repeats, lastByte, byteRepeats
	bz2.preRLEUsed = used

	return n
}

func (bz2 *Reader) read(buf []byte) (int, error) {
	for {
		n := bz2.readFromBlock(buf)
		if n > 0 || len(buf) == 0 {
			bz2.blockCRC = updateCRC(bz2.blockCRC, buf[:n], &bz2.tables.crc)
			return n, nil
		}

		// End of block. Check CRC.
		if bz2.blockCRC != bz2.wantBlockCRC {
			bz2.br.err = StructuralError("block checksum mismatch")
			return 0, bz2.br.err
		}

		// Find next block.
		br := &bz2.br
		switch br.ReadBits64(48) {
		default:
			return 0, StructuralError("bad magic value found")

		case bzip2BlockMagic:
			// Start of block.
			err := bz2.readBlock()
			if err != nil {
				return 0, err
			}

		case bzip2FinalMagic:
			// Check end-of-file CRC.
			wantFileCRC := uint32(br.ReadBits64(32))
			if br.err != nil {
				return 0, br.err
			}
			if bz2.fileCRC != wantFileCRC {
				br.err = StructuralError("file checksum mismatch")
				return 0, br.err
			}

			// Skip ahead to byte boundary.
			// Is there a file concatenated to this one?
			// It would start with BZ.
			b, err := br.alignedByte()
			if err == io.EOF {
				br.err = io.EOF
				bz2.eof = true
				return 0, io.EOF
			}
			if err != nil {
				br.err = err
				return 0, err
			}
			z, err := br.alignedByte()
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				br.err = err
				return 0, err
			}
			if b != 'B' || z != 'Z' {
				return 0, StructuralError("bad magic value in continuation file")
			}
			if err := bz2.setup(false); err != nil {
				return 0, err
			}
		}
	}
}

// blockTables is readBlock's storage, kept from block to block.
type blockTables struct {
	symbolPresent [256]bool
	treeIndexes   []uint8
	mtfTrees      [6]byte
	symbols       [256]byte
	lengths       [maxSymbols]uint8
	trees         [6]huffmanTree
	scratch       treeScratch
	crc           [crcChunk]byte // updateCRC's
}

// readBlock reads a bzip2 block. The magic number should already have been consumed.
func (bz2 *Reader) readBlock() (err error) {
	br := &bz2.br
	bz2.wantBlockCRC = uint32(br.ReadBits64(32)) // skip checksum. TODO: check it if we can figure out what it is.
	bz2.blockCRC = 0
	bz2.fileCRC = (bz2.fileCRC<<1 | bz2.fileCRC>>31) ^ bz2.wantBlockCRC
	randomized := br.ReadBits(1)
	if randomized != 0 {
		return StructuralError("deprecated randomized files")
	}
	origPtr := uint(br.ReadBits(24))

	// If not every byte value is used in the block (i.e., it's text) then
	// the symbol set is reduced. The symbols used are stored as a
	// two-level, 16x16 bitmap.
	symbolRangeUsedBitmap := br.ReadBits(16)
	t := &bz2.tables
	symbolPresent := &t.symbolPresent
	clear(symbolPresent[:])
	numSymbols := 0
	for symRange := uint(0); symRange < 16; symRange++ {
		if symbolRangeUsedBitmap&(1<<(15-symRange)) != 0 {
			bits := br.ReadBits(16)
			for symbol := uint(0); symbol < 16; symbol++ {
				if bits&(1<<(15-symbol)) != 0 {
					symbolPresent[16*symRange+symbol] = true
					numSymbols++
				}
			}
		}
	}

	if numSymbols == 0 {
		// There must be an EOF symbol.
		return StructuralError("no symbols in input")
	}

	// A block uses between two and six different Huffman trees.
	numHuffmanTrees := br.ReadBits(3)
	if numHuffmanTrees < 2 || numHuffmanTrees > 6 {
		return StructuralError("invalid number of Huffman trees")
	}

	// The Huffman tree can switch every 50 symbols so there's a list of
	// tree indexes telling us which tree to use for each 50 symbol block.
	numSelectors := br.ReadBits(15)
	if cap(t.treeIndexes) < numSelectors {
		t.treeIndexes = make([]uint8, numSelectors)
	}
	treeIndexes := t.treeIndexes[:numSelectors]

	// The tree indexes are move-to-front transformed and stored as unary
	// numbers.
	mtfTreeDecoder := moveToFrontDecoder(t.mtfTrees[:numHuffmanTrees])
	for i := range mtfTreeDecoder {
		mtfTreeDecoder[i] = byte(i)
	}
	for i := range treeIndexes {
		c := 0
		for {
			inc := br.ReadBits(1)
			if inc == 0 {
				break
			}
			c++
		}
		if c >= numHuffmanTrees {
			return StructuralError("tree index too large")
		}
		treeIndexes[i] = mtfTreeDecoder.Decode(c)
	}

	// The list of symbols for the move-to-front transform is taken from
	// the previously decoded symbol bitmap.
	symbols := t.symbols[:numSymbols]
	nextSymbol := 0
	for i := 0; i < 256; i++ {
		if symbolPresent[i] {
			symbols[nextSymbol] = byte(i)
			nextSymbol++
		}
	}
	mtf := newMTFDecoder(symbols)

	numSymbols += 2 // to account for RUNA and RUNB symbols
	huffmanTrees := t.trees[:numHuffmanTrees]

	// Now we decode the arrays of code-lengths for each tree.
	lengths := t.lengths[:numSymbols]
	for i := range huffmanTrees {
		// The code lengths are delta encoded from a 5-bit base value.
		length := br.ReadBits(5)
		for j := range lengths {
			for {
				if length < 1 || length > 20 {
					return StructuralError("Huffman length out of range")
				}
				if !br.ReadBit() {
					break
				}
				if br.ReadBit() {
					length--
				} else {
					length++
				}
			}
			lengths[j] = uint8(length)
		}
		if err = huffmanTrees[i].build(lengths, &t.scratch); err != nil {
			return err
		}
	}

	selectorIndex := 1 // the next tree index to use
	if len(treeIndexes) == 0 {
		return StructuralError("no tree selectors given")
	}
	if int(treeIndexes[0]) >= len(huffmanTrees) {
		return StructuralError("tree selector out of range")
	}
	currentHuffmanTree := &huffmanTrees[treeIndexes[0]]
	bufIndex := 0 // indexes bz2.buf, the output buffer.
	// The output of the move-to-front transform is run-length encoded and
	// we merge the decoding into the Huffman parsing loop. These two
	// variables accumulate the repeat count. See the Wikipedia page for
	// details.
	repeat := 0
	repeatPower := 0

	// The `C' array (used by the inverse BWT) needs to be zero initialized.
	clear(bz2.c[:])

	decoded := 0 // counts the number of symbols decoded by the current tree.
	for {
		if decoded == 50 {
			if selectorIndex >= numSelectors {
				return StructuralError("insufficient selector indices for number of symbols")
			}
			if int(treeIndexes[selectorIndex]) >= len(huffmanTrees) {
				return StructuralError("tree selector out of range")
			}
			currentHuffmanTree = &huffmanTrees[treeIndexes[selectorIndex]]
			selectorIndex++
			decoded = 0
		}

		v := currentHuffmanTree.decode(br)
		decoded++

		if v < 2 {
			// This is either the RUNA or RUNB symbol.
			if repeat == 0 {
				repeatPower = 1
			}
			repeat += repeatPower << v
			repeatPower <<= 1

			// This limit of 2 million comes from the bzip2 source
			// code. It prevents repeat from overflowing.
			if repeat > 2*1024*1024 {
				return StructuralError("repeat count too large")
			}
			continue
		}

		if repeat > 0 {
			// We have decoded a complete run-length so we need to
			// replicate the last output symbol.
			if repeat > bz2.blockSize-bufIndex {
				return StructuralError("repeats past end of block")
			}
			// (smcdump: the run written at once.)
			b := mtf.First()
			run := bz2.tt[bufIndex : bufIndex+repeat]
			for i := range run {
				run[i] = uint32(b)
			}
			bz2.c[b] += uint(repeat)
			bufIndex += repeat
			repeat = 0
		}

		if int(v) == numSymbols-1 {
			// This is the EOF symbol. Because it's always at the
			// end of the move-to-front list, and never gets moved
			// to the front, it has this unique value.
			break
		}

		// Since two metasymbols (RUNA and RUNB) have values 0 and 1,
		// one would expect |v-2| to be passed to the MTF decoder.
		// However, the front of the MTF list is never referenced as 0,
		// it's always referenced with a run-length of 1. Thus 0
		// doesn't need to be encoded and we have |v-1| in the next
		// line.
		b := mtf.Decode(int(v - 1))
		if bufIndex >= bz2.blockSize {
			return StructuralError("data exceeds block size")
		}
		bz2.tt[bufIndex] = uint32(b)
		bz2.c[b]++
		bufIndex++
	}

	if origPtr >= uint(bufIndex) {
		return StructuralError("origPtr out of bounds")
	}

	// We have completed the entropy decoding. Now we can perform the
	// inverse BWT and setup the RLE buffer.
	bz2.preRLE = bz2.walk(bufIndex, origPtr)
	bz2.preRLEUsed = 0
	bz2.lastByte = -1
	bz2.byteRepeats = 0
	bz2.repeats = 0

	return nil
}

// walk inverts the Burrows-Wheeler transform of the block's n bytes in
// tt, and returns its bytes before the run-length step.
//
// (smcdump: the standard library's reader follows the transform's vector
// from origPtr as it returns output, one dependent load per byte, each
// waiting on the memory that holds the vector: most of its time on large
// blocks. Here the vector is cut into segments at sampled rows (origPtr
// and about one row in n/walkSamples), and the segments are followed on
// walkLanes lanes at once, so that that many loads are in flight: once to
// find each segment's length and the sample it leads to, then, with the
// segments put in order from origPtr, again to write each segment's bytes
// where they belong. Following the vector n times from origPtr comes back
// to it for a block an encoder wrote; where it comes back sooner (damage:
// the vector has several cycles) the standard library's reader repeats
// that cycle's bytes up to n, and so does this.)
func (bz2 *Reader) walk(n int, origPtr uint) []byte {
	tt := bz2.tt[:n]
	if cap(bz2.fwd) < n {
		bz2.fwd = make([]uint32, n)
		bz2.text = make([]byte, n)
	}
	fwd, text := bz2.fwd[:n], bz2.text[:n]
	stride := (n + walkSamples - 1) / walkSamples
	inverseBWT(tt, fwd, bz2.c[:], stride, origPtr)

	// The samples: rows 0, stride, 2×stride, … and origPtr (the last one,
	// unless it is one of those).
	w := &bz2.walker
	ns := (n + stride - 1) / stride
	first := int(origPtr) / stride
	if int(origPtr)%stride != 0 {
		first = ns
		ns++
	}
	w.reset(ns)
	for i := range ns - 1 {
		w.row[i] = uint32(i * stride)
	}
	w.row[ns-1] = uint32((ns - 1) * stride)
	if first == ns-1 {
		w.row[ns-1] = uint32(origPtr)
	}
	sampleOf := func(row uint32) int {
		if int(row)%stride == 0 {
			return int(row) / stride
		}
		return ns - 1 // origPtr
	}

	// Each segment's length and the sample it leads to.
	w.measure(fwd)
	// The segments in order from origPtr: their output offsets.
	total := 0
	for s := first; ; {
		w.off[s] = total
		w.order = append(w.order, int32(s))
		total += w.length[s]
		s = sampleOf(w.end[s])
		if s == first || total >= n {
			break
		}
	}
	w.write(fwd, text)
	// A cycle shorter than n (damage): its bytes again, up to n.
	for k := total; k < n; k += total {
		copy(text[k:], text[:total])
	}
	return text
}

// walkSamples and walkLanes set walk's segments: about walkSamples of them
// per block, followed walkLanes at a time.
const (
	walkSamples = 256
	walkLanes   = 16
)

// sampleBit marks the entries of walk's vector that lead to a sample.
const sampleBit = 1 << 31

// walker is walk's storage.
type walker struct {
	row    []uint32 // each sample's row
	length []int    // each segment's length, from its sample on
	end    []uint32 // the row (a sample) each segment leads to
	off    []int    // each segment's output offset (those in order)
	order  []int32  // the segments in output order
}

func (w *walker) reset(ns int) {
	if cap(w.row) < ns {
		w.row = make([]uint32, ns)
		w.length = make([]int, ns)
		w.end = make([]uint32, ns)
		w.off = make([]int, ns)
		w.order = make([]int32, 0, ns)
	}
	w.row, w.length, w.end, w.off = w.row[:ns], w.length[:ns], w.end[:ns], w.off[:ns]
	w.order = w.order[:0]
}

// lane is a segment being followed.
type lane struct {
	pos uint32 // the row to read next
	seg int32  // the segment
	cnt int    // steps taken (measure) or left (write)
	out int    // the next output offset (write)
}

// measure follows every segment from its sample to the next sample.
func (w *walker) measure(fwd []uint32) {
	var lanes [walkLanes]lane
	next, active := 0, 0
	for active < walkLanes && next < len(w.row) {
		lanes[active] = lane{pos: w.row[next], seg: int32(next)}
		active++
		next++
	}
	for active > 0 {
		for i := 0; i < active; i++ {
			l := &lanes[i]
			x := fwd[l.pos]
			l.pos = x >> 8 & 0x7fffff
			l.cnt++
			if x&sampleBit == 0 {
				continue
			}
			w.length[l.seg], w.end[l.seg] = l.cnt, l.pos
			if next < len(w.row) {
				*l = lane{pos: w.row[next], seg: int32(next)}
				next++
				continue
			}
			active--
			lanes[i] = lanes[active]
			i--
		}
	}
}

// write follows the segments in w.order again, writing their bytes.
func (w *walker) write(fwd []uint32, text []byte) {
	var lanes [walkLanes]lane
	next, active := 0, 0
	start := func(l *lane) bool {
		for next < len(w.order) {
			s := w.order[next]
			next++
			// The last segment may be cut short at n (damage).
			cnt := min(w.length[s], len(text)-w.off[s])
			if cnt > 0 {
				*l = lane{pos: w.row[s], seg: s, cnt: cnt, out: w.off[s]}
				return true
			}
		}
		return false
	}
	for active < walkLanes && start(&lanes[active]) {
		active++
	}
	for active > 0 {
		for i := 0; i < active; i++ {
			l := &lanes[i]
			x := fwd[l.pos]
			text[l.out] = byte(x)
			l.out++
			l.pos = x >> 8 & 0x7fffff
			l.cnt--
			if l.cnt > 0 {
				continue
			}
			if start(l) {
				continue
			}
			active--
			lanes[i] = lanes[active]
			i--
		}
	}
}

// inverseBWT implements the inverse Burrows-Wheeler transform as described in
// http://www.hpl.hp.com/techreports/Compaq-DEC/SRC-RR-124.pdf, section 4.2.
// In that document, origPtr is called “I” and c is the “C” array after the
// first pass over the data. It's an argument here because we merge the first
// pass with the Huffman decoding.
//
// (smcdump: where the standard library's leaves, in tt, the byte of each
// row (the last column) with the index of the next row above it, this
// sets fwd[j] to the next row of row j with the first column's byte of
// row j (the byte row j's successor ends with): fwd walked from the
// original row gives the block's bytes in order. An entry whose next row
// is a multiple of stride or origPtr also has sampleBit (walk).)
func inverseBWT(tt, fwd []uint32, c []uint, stride int, origPtr uint) {
	sum := uint(0)
	for i := 0; i < 256; i++ {
		sum += c[i]
		c[i] = sum - c[i]
	}

	// The count of the byte before is kept in a register: a run of one
	// byte (common in the last column) does not wait on c in memory.
	fwd = fwd[:len(tt)]
	prev, next := uint32(0), c[0]
	sample := 0 // rows until the next multiple of stride
	for i := range tt {
		b := tt[i] & 0xff
		if b != prev {
			c[prev] = next
			prev, next = b, c[b]
		}
		j := next
		next++
		e := uint32(i)<<8 | b
		if sample == 0 || i == int(origPtr) {
			e |= sampleBit
			if sample == 0 {
				sample = stride
			}
		}
		sample--
		fwd[j] = e
	}
	c[prev] = next
}

// This is a standard CRC32 like in hash/crc32 except that all the shifts are reversed,
// causing the bits in the input to be processed in the reverse of the usual order.

var crctab [256]uint32

func init() {
	const poly = 0x04C11DB7
	for i := range crctab {
		crc := uint32(i) << 24
		for j := 0; j < 8; j++ {
			if crc&0x80000000 != 0 {
				crc = (crc << 1) ^ poly
			} else {
				crc <<= 1
			}
		}
		crctab[i] = crc
	}
}

// updateCRC updates the crc value to incorporate the data in b.
// The initial value is 0.
//
// (smcdump: bzip2's CRC takes the bits of each byte from the most
// significant, hash/crc32's IEEE CRC, with the same polynomial reversed,
// from the least: the one is the other's, bits reversed, over the bytes
// with their bits reversed. hash/crc32 uses the processor's carry-less
// multiplication where there is one.)
func updateCRC(val uint32, b []byte, rev *[crcChunk]byte) uint32 {
	if len(b) < 64 {
		return updateCRCBytes(val, b)
	}
	crc := bits.Reverse32(val)
	for len(b) >= 8 {
		k := min(len(b)&^7, len(rev))
		for i := 0; i < k; i += 8 {
			x := binary.LittleEndian.Uint64(b[i:])
			x = x>>1&0x5555555555555555 | x&0x5555555555555555<<1
			x = x>>2&0x3333333333333333 | x&0x3333333333333333<<2
			x = x>>4&0x0f0f0f0f0f0f0f0f | x&0x0f0f0f0f0f0f0f0f<<4
			binary.LittleEndian.PutUint64(rev[i:], x)
		}
		crc = crc32.Update(crc, crc32.IEEETable, rev[:k])
		b = b[k:]
	}
	return updateCRCBytes(bits.Reverse32(crc), b)
}

// crcChunk is the size of updateCRC's storage.
const crcChunk = 2048

// updateCRCBytes is updateCRC a byte at a time.
func updateCRCBytes(val uint32, b []byte) uint32 {
	crc := ^val
	for _, v := range b {
		crc = crctab[byte(crc>>24)^v] ^ (crc << 8)
	}
	return ^crc
}
