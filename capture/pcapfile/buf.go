package pcapfile

import (
	"bufio"
	"errors"
	"io"
)

// readBuf is the FileReader's read buffer: bufio.Reader's Peek, Discard,
// Buffered and Size, with the same results for the same input, plus two
// things bufio cannot do: growing in place (a block larger than the
// buffer), and handing the buffer off instead of sliding its unread bytes
// to the front (SetBufferSwap), so that frames already returned, which
// point into the buffer, stay valid after the next read.
type readBuf struct {
	buf  []byte
	r, w int // read and write positions within buf
	src  io.Reader
	err  error
	// swap, when set, replaces the buffer (see FileReader.SetBufferSwap).
	swap func(old []byte, min int) []byte
}

const maxConsecutiveEmptyReads = 100 // as in bufio

var errNegativeRead = errors.New("pcapfile: reader returned negative count from Read")

func newReadBuf(src io.Reader, size int) *readBuf {
	return &readBuf{buf: make([]byte, size), src: src}
}

// Size returns the size of the buffer.
func (b *readBuf) Size() int { return len(b.buf) }

// Buffered returns the number of bytes that can be read from the buffer.
func (b *readBuf) Buffered() int { return b.w - b.r }

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
		nb = b.swap(b.buf, size)
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
		if err != nil {
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
	if n < 0 {
		return nil, bufio.ErrNegativeCount
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
func (b *readBuf) grow(size int) { b.replace(size) }
