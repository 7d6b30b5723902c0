// Package parbz2 decompresses a bzip2 file on several processors, with
// exactly the output of the standard library's sequential decoder
// (compress/bzip2): read by read, the same bytes, then the same error (or
// io.EOF), for every input and any read sizes. (After an error, reads
// return it again; compress/bzip2 may decode on.)
//
// A bzip2 stream is a header ("BZh" and the block size, '1'–'9'), blocks
// that each begin with the 48-bit magic 0x314159265359 and carry the CRC of
// their own output, and an end-of-stream marker (the 48-bit magic
// 0x177245385090 and the stream's combined CRC), padded to a byte; streams
// may follow one another in one file (docs/capture.md §3.5). Blocks are
// coded independently and are not byte-aligned, and their length is
// nowhere written, so this reader scans the file for the two magics at
// every bit offset (candidates). Each block, from its candidate on, is
// decoded by internal/bzip2 (compress/bzip2's decoder made faster, with
// its output, errors and reading of its input), from the file's own bits
// behind a header: as the sequential decoder decodes it. The block is taken only
// when its end is shown to be the next candidate (decoder.decode): the
// input the decoder had read at its first output ends in the byte that
// holds the block's last bit, and the decoder then read a magic there.
//
// A magic can also occur by chance inside a block (about once in 2^48
// bits): the block before it then fails and is decoded again up to the
// candidate after (merged), as pbzip2-style readers do. Anything else the
// blocks cannot settle — damage, a block larger than the scanner looks
// ahead, the last block of a file cut short when it does not start on a
// byte — makes the reader go back to the start of the stream it is in and
// decode from there sequentially (internal/bzip2), skipping the bytes
// already returned: damaged input costs at most one more decode of its
// stream, and never yields other bytes or another error than the
// sequential decoder. The checks the sequential decoder makes between
// blocks and streams (the stream CRC, the next header) are made here in the
// same order with the same errors.
//
// Memory is bounded by the worker count (at most MaxWorkers): each worker
// holds one block's compressed bits (at most maxBlockBytes plus a scan
// chunk) and one decoder's tables (9 bytes per byte of block size: 900 kB
// to 8.1 MB, kept from block to block). At most 2×workers+1 decoded blocks
// are held (being decoded, waiting in order, being read), each with at
// most maxOut bytes of output (2 MiB). A block that decodes to more (runs
// of one byte expand up to 51-fold: 45 MB from a 900 kB block) is decoded
// twice: by its worker, to check it, keeping none of the output, then as
// it is read, by a decoder of its own (another 8.1 MB at most). With 2
// workers that is about 5 MB for capture data compressed by bzip2 -1,
// 25 MB by bzip2 -9, and 45 MB at the worst.
package parbz2

import (
	"encoding/binary"
	"io"
	"runtime"
	"sync"

	"github.com/smcdump/smcdump/internal/bzip2"
)

const (
	blockMagic = 0x314159265359
	finalMagic = 0x177245385090
	mask48     = 1<<48 - 1
)

// MaxWorkers bounds the decoding goroutines, and with them the memory held
// (package comment).
const MaxWorkers = 4

// Variables for tests.
var (
	// maxBlockBytes is how far past a block's start the scanner looks for
	// the next candidate. A bzip2 block of 900 kB compresses to less than
	// that even at the worst (Huffman codes are at most 20 bits for a
	// byte of input after the run-length steps); a file without a magic in
	// that span is decoded sequentially.
	maxBlockBytes int64 = 4 << 20
	// maxOut is the output a decoded block holds while it waits: a
	// 900 kB block of capture data decodes to 1–2 MB.
	maxOut = 2 << 20
	// scanChunk is the size of the scanner's reads.
	scanChunk = 1 << 20
)

// Workers returns the number of decoding goroutines NewReader starts for
// the machine: GOMAXPROCS, at most MaxWorkers, 0 when there is one
// processor (a sequential decoder is then as fast).
func Workers() int {
	n := min(runtime.GOMAXPROCS(0), MaxWorkers)
	if n < 2 {
		return 0
	}
	return n
}

// NewReader returns a reader of the bzip2 data in ra from offset 0 to size,
// decoded by workers goroutines ahead of the reads (workers < 1: one). It
// reads ra concurrently (ReadAt). Close stops the goroutines.
func NewReader(ra io.ReaderAt, size int64, workers int) *Reader {
	workers = max(1, min(workers, MaxWorkers))
	r := &Reader{
		ra:    ra,
		size:  size,
		quit:  make(chan struct{}),
		order: make(chan *item, workers),
		work:  make(chan *item, workers),
		// Room for every output buffer there can be (at most
		// 2×workers+1 blocks hold one, and a buffer is only made when
		// none is free), so that none is dropped and made again.
		free: make(chan []byte, 2*workers+1),
	}
	r.wg.Add(workers + 1)
	for range workers {
		go r.worker()
	}
	go r.scan()
	return r
}

// Reader is a bzip2 reader decoding on several goroutines (NewReader).
type Reader struct {
	ra   io.ReaderAt
	size int64

	quit   chan struct{}
	closed bool
	wg     sync.WaitGroup
	order  chan *item  // every item, in file order (bounded: the blocks waiting)
	work   chan *item  // the blocks to decode
	free   chan []byte // output buffers returned

	// The caller's side (Read).
	cur       []byte    // output of the current block not yet returned
	rest      io.Reader // the current block's decoder, past maxOut
	curItem   *item
	pending   *item  // an item taken from order and not yet handled
	crc       uint32 // the current stream's combined CRC, so far
	streamOff int64  // byte offset of the current stream
	done      int64  // bytes returned from the current stream
	seq       io.Reader
	err       error // the result once everything is returned
	// headerRead: a read has checked the file's header (emptyRead; every
	// other read comes after the scanner's check of it).
	headerRead bool

	stats Stats
}

// Stats counts how a reader's input was decoded.
type Stats struct {
	Blocks     int  // blocks decoded by the workers and returned
	Merged     int  // of them, decoded again with the next (a magic inside)
	Sequential bool // the rest was decoded sequentially from a stream's start
}

// Stats returns the counts so far.
func (r *Reader) Stats() Stats { return r.stats }

type itemKind uint8

const (
	kBlock     itemKind = iota // a block from bit start to bit end
	kTail                      // a block from bit start to the end of the file
	kStreamEnd                 // the end-of-stream marker: its CRC is crc
	kErr                       // the sequential decoder stops here with err
	kSeq                       // decode sequentially from the current stream's start
)

type item struct {
	kind       itemKind
	level      byte  // the stream's block size, '1'–'9'
	start, end int64 // bits
	crc        uint32
	err        error

	done chan struct{} // closed when decoded (kBlock)
	out  []byte
	// rest decodes the block (its output larger than maxOut) for the
	// caller, out then nil.
	rest   io.Reader
	outLen int64 // the block's output, in bytes
	big    bool  // the output is larger than maxOut
	bad    bool  // not shown to be the sequential decoder's: decoded otherwise
}

// Close stops the goroutines; the reader must not be used afterwards.
func (r *Reader) Close() error {
	r.stop()
	return nil
}

func (r *Reader) stop() {
	if !r.closed {
		r.closed = true
		close(r.quit)
		r.wg.Wait()
	}
}

// Read implements io.Reader. Like compress/bzip2's, a read returns bytes
// of one block only, as many as fit: the sizes of the reads, and so where
// an error cuts a damaged block's output, are the same.
func (r *Reader) Read(p []byte) (int, error) {
	for {
		if r.seq != nil {
			return r.seq.Read(p)
		}
		if len(p) == 0 {
			return r.emptyRead()
		}
		if len(r.cur) > 0 || r.rest != nil {
			n := copy(p, r.cur)
			r.cur = r.cur[n:]
			var err error
			if r.rest != nil && n < len(p) {
				var m int
				m, err = r.rest.Read(p[n:])
				n += m
				switch {
				case err == io.EOF:
					r.rest, err = nil, nil
					r.blockDone(r.curItem)
				case err != nil:
					// The end of the file in the last block (kTail),
					// as the sequential decoder meets it.
					r.rest = nil
					r.finish(err)
				}
			}
			r.done += int64(n)
			if n > 0 || err != nil {
				return n, err
			}
			continue
		}
		if r.err != nil {
			return 0, r.err
		}
		r.next()
	}
}

// emptyRead is a read into no bytes, as compress/bzip2 answers it: the
// file header's error on the first read, io.EOF at the end, the error
// after one, else nothing.
func (r *Reader) emptyRead() (int, error) {
	if !r.headerRead {
		r.headerRead = true
		var h [4]byte
		n, _ := r.ra.ReadAt(h[:], 0)
		if err := headerErr(h[:n], true); err != nil {
			r.finish(err)
			return 0, err
		}
	}
	if len(r.cur) == 0 && r.rest == nil && r.err != nil {
		return 0, r.err
	}
	return 0, nil
}

// finish ends the reading with err (io.EOF at the end).
func (r *Reader) finish(err error) {
	r.err = err
	r.stop()
}

// take returns the next item in file order.
func (r *Reader) take() *item {
	if it := r.pending; it != nil {
		r.pending = nil
		return it
	}
	return <-r.order // the scanner ends with kErr, kSeq or io.EOF
}

// next handles the next item.
func (r *Reader) next() {
	if it := r.curItem; it != nil && it.out != nil {
		// Its output is all returned: the buffer serves again.
		select {
		case r.free <- it.out[:0]:
		default:
		}
		it.out = nil
	}
	it := r.take()
	switch it.kind {
	case kStreamEnd:
		if r.crc != it.crc {
			r.finish(bzip2.StructuralError("file checksum mismatch"))
			return
		}
		r.crc, r.done, r.streamOff = 0, 0, it.end/8
	case kErr:
		r.finish(it.err)
	case kSeq:
		r.sequential()
	case kTail:
		// The last block, cut short by the end of the file: decoded here,
		// as it is read, for the sequential decoder's read sizes (it may
		// return some output of a block whose bits ran out, with the
		// error).
		d := decoder{ra: r.ra, size: r.size}
		in, err := d.stream(it)
		if err != nil {
			r.finish(err)
			return
		}
		r.curItem, r.cur, r.rest = it, nil, bzip2.NewSliceReader(in)
	case kBlock:
		<-it.done
		if it.bad {
			// Not clean: a magic inside it, or damage.
			it = r.merge(it)
			if it == nil {
				r.sequential()
				return
			}
		}
		r.curItem, r.cur, r.rest = it, it.out, it.rest
		if it.rest == nil {
			r.blockDone(it)
		}
	}
}

// blockDone accounts a block whose output is all handed out.
func (r *Reader) blockDone(it *item) {
	r.stats.Blocks++
	r.crc = (r.crc<<1 | r.crc>>31) ^ it.crc
	if it.kind == kTail {
		// The decoder read to the end of the file and returned io.EOF:
		// impossible without an end-of-stream marker, which would have
		// been a candidate. Decode sequentially to be sure.
		r.sequential()
	}
}

// merge decodes the failed block it together with the next (a block magic
// inside it was taken for a block's start), returning the merged block, or
// nil when that fails too or there is no next block.
func (r *Reader) merge(it *item) *item {
	nx := r.take()
	if nx.kind != kBlock {
		r.pending = nx
		return nil
	}
	<-nx.done
	m := &item{kind: kBlock, level: it.level, start: it.start, end: nx.end, crc: it.crc}
	d := decoder{ra: r.ra, size: r.size, free: r.free}
	d.decode(m)
	if m.bad {
		return nil
	}
	r.stats.Merged++
	return m
}

// sequential decodes the rest of the file with internal/bzip2 from the
// start of the current stream, skipping what was returned of it.
func (r *Reader) sequential() {
	r.stats.Sequential = true
	r.stop()
	r.cur, r.rest = nil, nil
	s := bzip2.NewReader(io.NewSectionReader(r.ra, r.streamOff, r.size-r.streamOff))
	if _, err := io.CopyN(io.Discard, s, r.done); err != nil {
		r.err = err
		return
	}
	r.seq = s
}

// worker decodes the blocks sent to it.
func (r *Reader) worker() {
	defer r.wg.Done()
	d := decoder{free: r.free, ra: r.ra, size: r.size}
	for {
		select {
		case it := <-r.work:
			d.decode(it)
			close(it.done)
		case <-r.quit:
			return
		}
	}
}

// decoder is a worker's storage.
type decoder struct {
	ra      io.ReaderAt
	size    int64
	raw     []byte
	scratch []byte
	free    chan []byte
	z       *bzip2.Reader // kept from block to block
}

// after is how far past a block's end candidate its stream goes: the
// magic there (48 bits, at most 7 bits further when the block ends
// elsewhere in that byte) and the CRC after it, with room to spare.
const after = 128

// stream returns it's bits as a bzip2 stream of their own: the header
// ("BZh" and the level), then the file's bits from it.start, up to the end
// of the file (kTail) or, for a kBlock, to a byte (of the stream) at least
// `after` bits past it.end, or the end of the file before that. The
// decoder reads the file's own bits, as the sequential decoder does from
// the block's start: it decodes the block as that decoder does, and goes
// on past the block's end as it does (decode).
func (d *decoder) stream(it *item) ([]byte, error) {
	end := d.size * 8
	if it.kind == kBlock {
		end = min(end, it.start+(it.end-it.start+after+7)/8*8)
	}
	nbits := end - it.start
	from := it.start / 8
	nraw := int((end+7)/8 - from + 1)
	if cap(d.raw) < nraw {
		d.raw = make([]byte, nraw)
	}
	raw := d.raw[:nraw]
	n, err := d.ra.ReadAt(raw[:len(raw)-1], from)
	if n < len(raw)-1 {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	in := make([]byte, 4+int(nbits+7)/8)
	in[0], in[1], in[2], in[3] = 'B', 'Z', 'h', it.level
	shiftBits(in[4:], raw, uint(it.start%8), nbits)
	return in, nil
}

// outBuf returns an output buffer for it, a returned one when there is
// one: a new one holds the block's size (its level) and a tenth more, what
// capture data usually decodes to; it grows when the block decodes to more.
func (d *decoder) outBuf(it *item) []byte {
	select {
	case b := <-d.free:
		return b
	default:
		return make([]byte, 0, int(it.level-'0')*110_000)
	}
}

// decode decodes the block it with a decoder of its own, from the file's
// bits (stream), and decides whether its output is the sequential
// decoder's: the block must end exactly at it.end.
//
// The decoder reads its input a byte at a time, when it needs bits (as
// compress/bzip2 reads an io.ByteReader; internal/bzip2 takes bytes ahead
// from the slice, and Consumed counts what compress/bzip2 would have
// read), and decodes a whole block before its first output, so the input
// it has read by then ends with the byte that holds the block's last bit: the block
// ends within those 8 bits. The output is kept (up to maxOut) while the
// decoder reads no more input; the read that takes more input has left
// the block, reading the 48 bits after it. The block is taken when
// it.end lies within those 8 bits and the decoder then read a magic
// there: any outcome but "bad magic value found" and a block CRC that
// does not match (the end of the stream's input past the magic, the
// stream CRC, which covers only this block here, or what follows the
// end-of-stream marker). A magic that starts within 7 bits of another is
// impossible (the two magics overlap themselves and each other only at
// shifts of 45 bits or more), so the magic read is the candidate at
// it.end. Anything else, an empty block included, makes the block bad:
// decoded otherwise (merge, sequential).
func (d *decoder) decode(it *item) {
	in, err := d.stream(it)
	if err != nil || it.end+56 > d.size*8 {
		it.bad = true
		return
	}
	if d.scratch == nil {
		d.scratch = make([]byte, 64<<10)
	}
	it.out = d.outBuf(it)
	if d.z == nil {
		d.z = bzip2.NewSliceReader(in)
	} else {
		d.z.ResetSlice(in)
	}
	z := d.z
	first := -1 // bytes of input read at the first output
	for {
		n, err := z.Read(d.scratch)
		if first >= 0 && z.Consumed() > first {
			// Past the block: the 48 bits after it decide.
			if err == nil || err == bzip2.StructuralError("bad magic value found") || err == bzip2.StructuralError("block checksum mismatch") {
				it.bad = true
			}
			break
		}
		if n > 0 {
			if first < 0 {
				first = z.Consumed()
				// The block's last bit is in stream byte first-1:
				// file bits from lo to lo+7, so the block ends at
				// one of lo+1 ... lo+8.
				lo := it.start + int64(first-1)*8 - 32
				if it.end < lo+1 || it.end > lo+8 {
					it.bad = true
					break
				}
			}
			it.outLen += int64(n)
			if !it.big {
				if len(it.out)+n > maxOut {
					it.big, it.out = true, it.out[:0]
				} else {
					it.out = append(it.out, d.scratch[:n]...)
				}
			}
		}
		if err != nil {
			// An error (or the end of the input) before the decoder
			// left the block: no output, or the block read up to the
			// end of its input.
			it.bad = true
			break
		}
	}
	if it.bad || !it.big {
		return
	}
	// Past maxOut: the caller reads the output from a decoder of its own,
	// as it needs it, and no further than the block.
	it.out = nil
	it.rest = io.LimitReader(bzip2.NewSliceReader(in), it.outLen)
}

// shiftBits writes nbits bits of src, from bit shift of src[0], to dst
// from its first bit. src has a byte to spare after the last bit's byte.
func shiftBits(dst, src []byte, shift uint, nbits int64) {
	nb := int((nbits + 7) / 8)
	if shift == 0 {
		copy(dst[:nb], src)
	} else {
		for i := range nb {
			dst[i] = src[i]<<shift | src[i+1]>>(8-shift)
		}
	}
	if r := nbits % 8; r != 0 {
		dst[nb-1] &= byte(0xff << (8 - r))
	}
}

// send hands an item to the caller (and a block to a worker), false when
// the reader was stopped.
func (r *Reader) send(it *item) bool {
	if it.kind == kBlock {
		it.done = make(chan struct{})
		select {
		case r.work <- it:
		case <-r.quit:
			return false
		}
	}
	select {
	case r.order <- it:
		return true
	case <-r.quit:
		return false
	}
}

// scan walks the file's streams and blocks and sends them in order, ending
// with an item that ends the reading (kErr with io.EOF at a clean end).
func (r *Reader) scan() {
	defer r.wg.Done()
	s := scanner{ra: r.ra, size: r.size}
	end := func(it *item) { r.send(it) }
	off := int64(0) // the stream's byte offset
	first := true
	for {
		// The header: "BZ" (checked as the sequential decoder does: the
		// first stream's as a file magic, later ones as a continuation),
		// 'h', the level.
		var h [4]byte
		n, _ := r.ra.ReadAt(h[:], off)
		if first && n < 2 {
			end(&item{kind: kErr, err: io.ErrUnexpectedEOF})
			return
		}
		if !first && n == 0 {
			end(&item{kind: kErr, err: io.EOF})
			return
		}
		if err := headerErr(h[:n], first); err != nil {
			end(&item{kind: kErr, err: err})
			return
		}
		first = false
		level := h[3]
		p := (off + 4) * 8
		c, ok, err := s.next(p, p+1)
		if err != nil {
			end(&item{kind: kErr, err: err})
			return
		}
		if !ok || c.bit != p {
			// What the sequential decoder reads there is no magic.
			e := error(bzip2.StructuralError("bad magic value found"))
			if r.size*8-p < 48 {
				e = io.ErrUnexpectedEOF
			}
			end(&item{kind: kErr, err: e})
			return
		}
		for !c.final {
			var crc uint32
			if v, ok := readBits(r.ra, r.size, p+48, 32); ok {
				crc = uint32(v)
			}
			nx, ok, err := s.next(p+1, p+maxBlockBytes*8)
			if err != nil {
				end(&item{kind: kErr, err: err})
				return
			}
			if !ok {
				if s.eof && len(s.found) == 0 && p%8 == 0 {
					// The last block runs to the end of the file (cut
					// short) from a byte boundary: decoded as it is, its
					// bits are those the sequential decoder reads (from
					// elsewhere in a byte, the stream would add bits
					// before the end of the file).
					end(&item{kind: kTail, level: level, start: p, crc: crc})
				} else {
					end(&item{kind: kSeq})
				}
				return
			}
			if !r.send(&item{kind: kBlock, level: level, start: p, end: nx.bit, crc: crc}) {
				return
			}
			p, c = nx.bit, nx
		}
		// The end-of-stream marker at p: its CRC, then the padding.
		v, ok := readBits(r.ra, r.size, p+48, 32)
		if !ok {
			end(&item{kind: kErr, err: io.ErrUnexpectedEOF})
			return
		}
		next := (p + 80 + 7) / 8
		if !r.send(&item{kind: kStreamEnd, crc: uint32(v), end: next * 8}) {
			return
		}
		off = next
	}
}

// headerErr returns the sequential decoder's error for a stream header
// starting with h (at most 4 bytes; fewer at the end of the file), nil when
// it is one.
func headerErr(h []byte, first bool) error {
	if len(h) < 2 {
		return io.ErrUnexpectedEOF
	}
	if h[0] != 'B' || h[1] != 'Z' {
		if first {
			return bzip2.StructuralError("bad magic value")
		}
		return bzip2.StructuralError("bad magic value in continuation file")
	}
	if len(h) < 3 {
		return io.ErrUnexpectedEOF
	}
	if h[2] != 'h' {
		return bzip2.StructuralError("non-Huffman entropy encoding")
	}
	if len(h) < 4 {
		return io.ErrUnexpectedEOF
	}
	if h[3] < '1' || h[3] > '9' {
		return bzip2.StructuralError("invalid compression level")
	}
	return nil
}

// readBits reads n ≤ 32 bits at bit off, false when the file ends first.
func readBits(ra io.ReaderAt, size int64, off int64, n int) (uint64, bool) {
	if off+int64(n) > size*8 {
		return 0, false
	}
	var b [8]byte
	k, _ := ra.ReadAt(b[:], off/8)
	if int64(k)*8 < off%8+int64(n) {
		return 0, false
	}
	v := binary.BigEndian.Uint64(b[:])
	return v >> (64 - uint(off%8) - uint(n)) & (1<<uint(n) - 1), true
}

// cand is a magic found at bit offset bit.
type cand struct {
	bit   int64
	final bool // the end-of-stream magic (else a block's)
}

// prefilter[v] says at which shifts k (bit k of byte i, most significant
// first) a magic can start when byte i+2 is v: bit k for the block magic,
// bit 8+k for the end-of-stream magic. Byte i+2 holds magic bits 16-k to
// 23-k, whatever the shift.
var prefilter = func() (t [256]uint16) {
	for k := range 8 {
		t[byte(uint64(blockMagic)>>(24+k))] |= 1 << k
		t[byte(uint64(finalMagic)>>(24+k))] |= 1 << (8 + k)
	}
	return t
}()

// scanner finds the candidates of a file in order.
type scanner struct {
	ra      io.ReaderAt
	size    int64
	buf     []byte
	scanned int64 // bytes i < scanned have been examined as a magic's first byte
	eof     bool
	found   []cand // candidates found, not yet passed
}

// next returns the first candidate at bit from or after and before bit
// limit, scanning no further than needed; ok false when there is none
// (the candidates at limit and after stay found).
func (s *scanner) next(from, limit int64) (cand, bool, error) {
	for {
		for len(s.found) > 0 && s.found[0].bit < from {
			s.found = s.found[1:]
		}
		if len(s.found) > 0 {
			c := s.found[0]
			if c.bit >= limit {
				return cand{}, false, nil
			}
			return c, true, nil
		}
		if s.eof || s.scanned*8 >= limit {
			return cand{}, false, nil
		}
		if err := s.more(); err != nil {
			return cand{}, false, err
		}
	}
}

// more examines the next chunk of the file.
func (s *scanner) more() error {
	if s.buf == nil {
		s.buf = make([]byte, scanChunk+8)
	}
	n, err := s.ra.ReadAt(s.buf, s.scanned)
	if err != nil && err != io.EOF {
		return err
	}
	b := s.buf[:n]
	// Bytes i with i+8 <= n can be examined with 8 bytes ahead; the
	// last ones only at the end of the file.
	m := n - 8
	last := s.scanned+int64(n) >= s.size
	if last {
		m = n
		s.eof = true
	}
	if m <= 0 && !last {
		return io.ErrUnexpectedEOF // the file shrank
	}
	s.found = s.found[:0]
	for i := 0; i < m; i++ {
		if i+2 >= n {
			break
		}
		f := prefilter[b[i+2]]
		if f == 0 {
			continue
		}
		var w [8]byte
		copy(w[:], b[i:])
		u := binary.BigEndian.Uint64(w[:])
		for k := range 8 {
			if f&(0x101<<k) == 0 {
				continue
			}
			bit := (s.scanned+int64(i))*8 + int64(k)
			if bit+48 > s.size*8 {
				continue
			}
			switch (u >> (16 - k)) & mask48 {
			case blockMagic:
				s.found = append(s.found, cand{bit: bit})
			case finalMagic:
				s.found = append(s.found, cand{bit: bit, final: true})
			}
		}
	}
	hi := s.scanned + int64(m)
	if last {
		hi = s.size
	}
	if testCands != nil {
		s.found = testCands(s.found, s.scanned*8, hi*8)
	}
	s.scanned = hi
	return nil
}

// testCands, set by tests, adds candidates in bits [lo, hi) to found (in
// order): magics that are none, as a magic inside a block would be.
var testCands func(found []cand, lo, hi int64) []cand
