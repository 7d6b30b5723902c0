package pcapfile

import (
	"bufio"
	"errors"
	"io"
	"os"
	"runtime/debug"

	"github.com/smcdump/smcdump/internal/prefetch"
)

// readBuf is the FileReader's read buffer: bufio.Reader's Peek, Discard,
// Buffered and Size, with the same results for the same input, plus two
// things bufio cannot do: growing in place (a block larger than the
// buffer), and handing the buffer off instead of sliding its unread bytes
// to the front (SetBufferSwap), so that frames already returned, which
// point into the buffer, stay valid after the next read.
type readBuf struct {
	buf    []byte
	r, w   int // read and write positions within buf
	src    io.Reader
	srcOff int64 // bytes read from src
	err    error
	// failure is the first error of src other than io.EOF, at srcOff
	// failOff: the input ends there (FileReader.readFailed reports it).
	failure error
	failOff int64
	// swap, when set, replaces the buffer (see FileReader.SetBufferSwap).
	swap func(old []byte, release func(), min int) []byte

	// With swap set, a regular file (file) is mapped instead of read, a
	// window of mapWindow bytes at a time: no copy, and the windows are
	// handed off as buffers are. The reader then sees the same bytes and
	// the same Peek results as when reading with a buffer of size bytes.
	file   *os.File
	mapped bool
	noMap  bool   // mapping failed: read
	size   int    // Size while mapped
	win    []byte // the mapped window
	winOff int64  // file offset of win[0]
	pos    int64  // file offset of the next unread byte
	fsize  int64  // file size, as last seen
	ahead  int    // offset in win up to which it is prefetched (prefetchAhead)
}

// prefetchAhead is how far ahead of the next unread byte a mapped window is
// prefetched into the processor's caches. Reading the records one after
// the other is a chain of dependent loads (each header gives the next
// one's offset): without it, a memory stall for every record of a file
// that is not in the caches (the page cache is not: it is far larger).
// Measured walking the records of a 440 MB capture: 34 ms instead of 71.
const prefetchAhead = 4096

// prefetchMin is the least a prefetch call issues (fewer calls).
const prefetchMin = 512

// mapFiles says whether a reader with a buffer swap maps a regular file
// instead of reading it (SetMapping): MapAuto (the default) maps when the
// file is at least autoMapMin bytes and mapping measured cheaper than
// reading on this machine (mapCheaper). Which costs less depends on the
// machine. Mapping a window edits the page tables, and where the
// hypervisor shadows them each edit traps, and with a second thread
// running every unmap flushes the other processor's TLB by an interrupt; a
// read copies, but into buffers that stay mapped. On the development VM of
// early December 2026 (AMD EPYC host, 2 vCPUs) reading cost less: corpus A,
// one goroutine 0.285 s -> 0.217 s of CPU, two 0.40 s -> 0.32 s. On the VM
// of 2026-12-08 (Intel Xeon host) mapping cost less: two goroutines, A
// 0.189 -> 0.148 s, B 0.776 -> 0.581 s, C 0.341 -> 0.276 s (BENCHMARKS.md).
var mapFiles = MapAuto

// autoMapMin is the least size of a file MapAuto maps: below it the
// probe (mapCheaper, 2-3 ms on a cached file) would cost more than
// mapping can save.
const autoMapMin = 128 << 20

// mapWindow is the size of the windows of a mapped file (a variable for
// tests: SetMapWindow). Mapped pages count in the resident set
// (MAP_POPULATE maps them at once): with one window handed off, 8 MiB are
// mapped at most (analyze/pipeline.go).
var mapWindow int64 = 4 << 20

const maxConsecutiveEmptyReads = 100 // as in bufio

var errNegativeRead = errors.New("pcapfile: reader returned negative count from Read")

func newReadBuf(src io.Reader, size int) *readBuf {
	return &readBuf{buf: make([]byte, size), src: src}
}

// Size returns the size of the buffer.
func (b *readBuf) Size() int {
	if b.mapped {
		return b.size
	}
	return len(b.buf)
}

// Buffered returns the number of bytes that can be read from the buffer.
func (b *readBuf) Buffered() int {
	if b.mapped {
		return int(min(int64(b.size), b.winOff+int64(len(b.win))-b.pos))
	}
	return b.w - b.r
}

func (b *readBuf) readErr() error {
	err := b.err
	b.err = nil
	return err
}

// replace moves the unread bytes into a buffer of size bytes: a fresh one
// (swap), or, without swap, a new allocation when size differs from the
// current size, the current buffer slid to the front otherwise.
func (b *readBuf) replace(size int) {
	var nb []byte
	switch {
	case b.swap != nil:
		nb = b.swap(b.buf, nil, size)
		if len(nb) < size {
			panic("pcapfile: buffer swap returned a short buffer")
		}
		nb = nb[:size]
	case size != len(b.buf):
		nb = make([]byte, size)
	default:
		nb = b.buf
	}
	n := copy(nb, b.buf[b.r:b.w])
	b.buf, b.r, b.w = nb, 0, n
}

// fill reads a new chunk into the buffer; need is the number of unread
// bytes the caller wants. Without swap, the unread bytes are first slid to
// the front (as bufio does). With swap, the buffer is handed off only when
// the wanted bytes cannot follow the unread ones in it, so a slow source
// (a pipe) does not hand off a buffer for every read.
func (b *readBuf) fill(need int) {
	if b.err != nil {
		return // the input ended (or the reader was closed): nothing more
	}
	if b.r > 0 && (b.swap == nil || b.w == len(b.buf) || b.r+need > len(b.buf)) {
		b.replace(len(b.buf))
	}
	if b.w >= len(b.buf) {
		panic("pcapfile: tried to fill full buffer")
	}
	for i := maxConsecutiveEmptyReads; i > 0; i-- {
		n, err := b.src.Read(b.buf[b.w:])
		if n < 0 {
			panic(errNegativeRead)
		}
		b.w += n
		b.srcOff += int64(n)
		if err != nil {
			if err != io.EOF && b.failure == nil {
				b.failure, b.failOff = err, b.srcOff
			}
			b.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	b.err = io.ErrNoProgress
}

// Peek returns the next n bytes without advancing the reader, with
// bufio.Reader.Peek's results (bufio.ErrBufferFull when n is larger than
// the buffer, the bytes available and the read error at the end).
func (b *readBuf) Peek(n int) ([]byte, error) {
	if b.mapped && n >= 0 && n <= b.size {
		// Within the mapped window (which ends within the file): what
		// mpeek returns, without its checks.
		if off := int(b.pos - b.winOff); off+n <= len(b.win) {
			if prefetch.Available && b.ahead < off+prefetchAhead-prefetchMin {
				b.prefetch(off)
			}
			return b.win[off : off+n], nil
		}
	}
	return b.peek(n)
}

// contiguous returns the unread bytes that records can be taken from in
// place without reading or mapping more (the fast record walks:
// FileReader.nextPcapFast, nextEPBFast): the buffered bytes, or of a mapped
// file those of the current window, at most b.size (what a Peek with a
// buffer of b.size bytes could return), prefetched as Peek prefetches
// them. skip consumes what was taken.
func (b *readBuf) contiguous() []byte {
	if !b.mapped {
		return b.buf[b.r:b.w]
	}
	off := b.pos - b.winOff
	if off < 0 || off >= int64(len(b.win)) {
		return nil
	}
	o := int(off)
	if prefetch.Available && b.ahead < o+prefetchAhead-prefetchMin {
		b.prefetch(o)
	}
	return b.win[o:min(len(b.win), o+b.size)]
}

// skip consumes n bytes of what contiguous returned.
func (b *readBuf) skip(n int) {
	if b.mapped {
		b.pos += int64(n)
	} else {
		b.r += n
	}
}

func (b *readBuf) peek(n int) ([]byte, error) {
	if n < 0 {
		return nil, bufio.ErrNegativeCount
	}
	if b.mapped {
		if s, err, ok := b.mpeek(n); ok {
			return s, err
		}
	}
	for b.w-b.r < n && b.w-b.r < len(b.buf) && b.err == nil {
		b.fill(n)
	}
	if n > len(b.buf) {
		return b.buf[b.r:b.w], bufio.ErrBufferFull
	}
	var err error
	if avail := b.w - b.r; avail < n {
		n = avail
		err = b.readErr()
		if err == nil {
			err = bufio.ErrBufferFull
		}
	}
	return b.buf[b.r : b.r+n], err
}

// Discard skips the next n bytes, returning the number of bytes discarded
// (as bufio.Reader.Discard).
func (b *readBuf) Discard(n int) (int, error) {
	if n < 0 {
		return 0, bufio.ErrNegativeCount
	}
	if n == 0 {
		return 0, nil
	}
	if b.mapped {
		d := int(min(int64(n), b.avail(n)))
		b.pos += int64(d)
		if d < n {
			return d, io.EOF
		}
		return n, nil
	}
	remain := n
	for {
		skip := b.Buffered()
		if skip == 0 {
			b.fill(1)
			skip = b.Buffered()
		}
		if skip > remain {
			skip = remain
		}
		b.r += skip
		remain -= skip
		if remain == 0 {
			return n, nil
		}
		if b.err != nil {
			return n - remain, b.readErr()
		}
	}
}

// grow makes the buffer size bytes large, keeping the unread bytes.
func (b *readBuf) grow(size int) {
	if b.mapped {
		b.size = size
		return
	}
	b.replace(size)
}

// setSwap sets the buffer swap, and maps the file (from the next unread
// byte on) when it can, or goes back to reading it.
func (b *readBuf) setSwap(swap func(old []byte, release func(), min int) []byte) {
	b.swap = swap
	switch {
	case swap != nil && !b.mapped && !b.noMap && canMap && mapFiles != MapOff && b.file != nil:
		fi, err := b.file.Stat()
		if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
			return // (a file that says 0 bytes may not be: /proc)
		}
		if mapFiles == MapAuto && (fi.Size() < autoMapMin || !mapCheaper(b.file)) {
			return
		}
		b.mapped, b.size, b.fsize = true, len(b.buf), fi.Size()
		b.pos = b.srcOff - int64(b.w-b.r)
		b.win, b.winOff = nil, b.pos
	case swap == nil && b.mapped:
		b.unmap(false)
	}
}

// unmap goes back to reading the file with a buffer, from the next unread
// byte. The current window is unmapped, or handed off (handOff: frames
// returned from it may still be in use).
func (b *readBuf) unmap(handOff bool) {
	if len(b.buf) != b.size {
		b.buf = make([]byte, b.size)
	}
	n := 0
	if b.pos < b.winOff+int64(len(b.win)) {
		func() {
			// The file may have been cut short: the window faults,
			// and what is left is read again.
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer func() {
				if recover() != nil {
					n = 0
				}
			}()
			n = copy(b.buf, b.win[b.pos-b.winOff:])
		}()
	}
	b.r, b.w, b.err = 0, n, nil
	b.srcOff = b.pos + int64(n)
	if old := b.win; old != nil {
		if handOff && b.swap != nil {
			b.swap(old, func() { unmapFile(old) }, 0)
		} else {
			unmapFile(old)
		}
	}
	b.mapped, b.win = false, nil
	if _, err := b.file.Seek(b.srcOff, io.SeekStart); err != nil {
		b.err = err
	}
}

// avail returns the number of bytes from the current position to the end
// of the file, asking the file's size again when fewer than n are known
// (a file being written).
func (b *readBuf) avail(n int) int64 {
	if b.pos+int64(n) > b.fsize {
		if fi, err := b.file.Stat(); err == nil {
			b.fsize = fi.Size()
		}
	}
	return max(0, b.fsize-b.pos)
}

// prefetch prefetches the window up to prefetchAhead bytes after off.
func (b *readBuf) prefetch(off int) {
	from := max(b.ahead, off)
	to := min(off+prefetchAhead, len(b.win))
	if from < to {
		prefetch.Addr(&b.win[from], to-from)
	}
	b.ahead = to
}

// mpeek is Peek on a mapped file: the results of Peek with a buffer of
// b.size bytes over a regular file. ok is false when the file could not
// be mapped: it is read from then on.
func (b *readBuf) mpeek(n int) (s []byte, err error, ok bool) {
	want := min(n, b.size)
	got := int(min(int64(want), b.avail(want)))
	if end := b.pos + int64(got); end > b.winOff+int64(len(b.win)) {
		start := b.pos &^ int64(os.Getpagesize()-1)
		length := min(max(end-start, mapWindow), b.fsize-start)
		// The window is handed off (or unmapped) before the next one is
		// mapped: the frames returned so far are all in it, the unread
		// bytes are mapped again from their page, so at most the windows
		// handed off and this one are mapped at once (with swap waiting
		// for a handed-off window to be unmapped first).
		if old := b.win; old != nil {
			b.win, b.ahead = nil, 0
			if b.swap != nil {
				b.swap(old, func() { unmapFile(old) }, 0)
			} else {
				unmapFile(old)
			}
		}
		nw, merr := mapFileHook(b.file, start, int(length))
		if merr != nil {
			// unmap reads the unread bytes from the file again (b.win is
			// nil).
			b.noMap = true
			b.unmap(true)
			return nil, nil, false
		}
		b.win, b.winOff, b.ahead = nw, start, 0
	}
	off := b.pos - b.winOff
	s = b.win[off : off+int64(got)]
	if prefetch.Available && b.ahead < int(off)+prefetchAhead-prefetchMin {
		b.prefetch(int(off))
	}
	switch {
	case n > b.size:
		return s, bufio.ErrBufferFull, true
	case got < n:
		return s, io.EOF, true
	}
	return s, nil, true
}
