package pcapfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/smcdump/smcdump/internal/bzip2"
	"github.com/smcdump/smcdump/internal/parbz2"
)

// Compressed captures (docs/capture.md §3.5). Rotated captures are often
// compressed after the fact (tcpdump -z gzip, logrotate), and Wireshark
// writes gzip, zstd and lz4: the reader recognises the container by its
// magic number, whatever the file is called, and reads the capture inside
// as a stream. Offsets in Problems are then offsets in the decompressed
// data, as a capture tool reading the decompressed file would give them.

// MaxZstdWindow bounds the window a zstd stream may declare (the decoder
// holds that much history): the zstd command's levels up to 19 use at most
// 8 MiB, --ultra -20 32 MiB. Larger windows (--ultra -21 and -22, --long)
// are refused with an error saying so: zstd -dc FILE | smcdump analyze -
// reads them, the window then held by zstd.
const MaxZstdWindow = 32 << 20

// compression is a compressed container the reader opens.
type compression struct {
	name  string
	magic []byte
	open  func(io.Reader) (io.Reader, io.Closer, error)
}

var compressions = []compression{
	{"gzip", []byte{0x1f, 0x8b}, func(r io.Reader) (io.Reader, io.Closer, error) {
		src := bufio.NewReader(r)
		z, err := gzip.NewReader(src)
		if err != nil {
			return nil, nil, err
		}
		z.Multistream(false)
		return &gzipMembers{z: z, src: src}, z, nil
	}},
	{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}, func(r io.Reader) (io.Reader, io.Closer, error) {
		// One goroutine (the reader's), low memory, bounded window.
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(MaxZstdWindow))
		if err != nil {
			return nil, nil, err
		}
		return &zstdTail{z: z}, closerFunc(func() error { z.Close(); return nil }), nil
	}},
	{"lz4", []byte{0x04, 0x22, 0x4d, 0x18}, openLz4},
	{"lz4", []byte{0x02, 0x21, 0x4c, 0x18}, openLz4}, // the legacy format (lz4 -l)
	{"bzip2", []byte("BZh"), func(r io.Reader) (io.Reader, io.Closer, error) {
		return bzip2.NewReader(r), nil, nil
	}},
}

// zstdTail hands out the last block of a zstd frame that failed: when
// the frame's checksum is missing (a file cut in its last 4 bytes) or does
// not match, the decoder returns the error before the block it decoded,
// and keeps that block for the next call. Without this the block's
// packets would be lost although zstd -dc writes them (it too reports the
// error afterwards). The error comes after the block.
type zstdTail struct {
	z   *zstd.Decoder
	err error
}

func (r *zstdTail) Read(p []byte) (int, error) {
	n, err := r.z.Read(p)
	if err == nil || err == io.EOF || len(p) == 0 {
		return n, err
	}
	if r.err == nil {
		r.err = err
	}
	if n == 0 {
		n, _ = r.z.Read(p)
	}
	if n > 0 {
		return n, nil
	}
	return 0, r.err
}

func openLz4(r io.Reader) (io.Reader, io.Closer, error) { return lz4.NewReader(r), nil, nil }

// gzipMembers reads the members of a gzip file one after the other, as
// one stream (concatenated files, logrotate's appends); bytes after a
// member that do not start another end it with errGzipTrailing, where
// gzip itself says "trailing garbage ignored", not as a member cut short.
type gzipMembers struct {
	z    *gzip.Reader
	src  *bufio.Reader
	done bool
}

// errGzipTrailing: what follows the gzip data is not gzip.
var errGzipTrailing = errors.New("bytes that are not gzip follow the gzip data")

func (g *gzipMembers) Read(p []byte) (int, error) {
	for {
		if g.done {
			return 0, io.EOF
		}
		n, err := g.z.Read(p)
		if err != io.EOF {
			return n, err
		}
		head, _ := g.src.Peek(2)
		switch {
		case len(head) == 0:
			g.done = true
			return n, io.EOF
		case len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b:
			if err := g.z.Reset(g.src); err != nil {
				return n, err
			}
			g.z.Multistream(false)
		default:
			g.done = true
			return n, errGzipTrailing
		}
		if n > 0 {
			return n, nil
		}
	}
}

// refusedCompressions are recognised but not read, with the reason.
var refusedCompressions = []struct {
	name, why string
	magic     []byte
}{
	{"xz", "its dictionary size is set by the file (up to 4 GiB) and is not bounded: decompress it first (xz -dc FILE | smcdump analyze -)", []byte{0xfd, '7', 'z', 'X', 'Z', 0}},
}

// decompressLimit, when positive, ends every decompressed stream after that
// many bytes (fuzz tests: a few bytes of zstd can stand for gigabytes).
var decompressLimit int64

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// sniffCompression returns the compression whose magic head starts with.
func sniffCompression(head []byte) *compression {
	for i := range compressions {
		c := &compressions[i]
		if bytes.HasPrefix(head, c.magic) {
			if c.name == "bzip2" && (len(head) < 4 || head[3] < '1' || head[3] > '9') {
				continue
			}
			return c
		}
	}
	return nil
}

// CompressionOf returns the name of the compression head (the first bytes
// of a file) starts with: gzip, zstd, lz4, bzip2 or xz (recognised, not
// read); "" when none.
func CompressionOf(head []byte) string {
	if c := sniffCompression(head); c != nil {
		return c.name
	}
	for _, c := range refusedCompressions {
		if bytes.HasPrefix(head, c.magic) {
			return c.name
		}
	}
	return ""
}

// decompressing, when the input starts with a compression's magic, replaces
// the reader's source with its decompressed stream (fr.compression names
// it). An error means the input is compressed in a way it does not read,
// or its compression header is damaged.
func (fr *FileReader) decompressing(bufSize int) error {
	head, _ := fr.r.Peek(12)
	if len(head) == 12 && (binary.LittleEndian.Uint32(head[8:]) == 0x1A2B3C4D || binary.BigEndian.Uint32(head[8:]) == 0x1A2B3C4D) {
		// A pcapng file whose first block type is damaged (salvageSHB),
		// not a compressed one.
		return nil
	}
	c := sniffCompression(head)
	if c == nil {
		for _, rc := range refusedCompressions {
			if bytes.HasPrefix(head, rc.magic) {
				return fmt.Errorf("%s-compressed: not read: %s", rc.name, rc.why)
			}
		}
		return nil
	}
	var dr io.Reader
	var closer io.Closer
	var err error
	if fr.ra != nil && c.name == "bzip2" && fr.bz2Workers > 0 {
		// A file is decoded on every processor (at most
		// parbz2.MaxWorkers), block by block, with compress/bzip2's
		// output and errors.
		z := parbz2.NewReader(fr.ra, fr.raSize, fr.bz2Workers)
		dr, closer = z, z
	} else {
		// The bytes peeked are still in the buffer: read them first.
		dr, closer, err = c.open(io.MultiReader(bytes.NewReader(fr.r.buf[fr.r.r:fr.r.w]), fr.r.src))
	}
	if err != nil {
		return fmt.Errorf("%s-compressed, but its header is damaged: %v", c.name, err)
	}
	fr.compression, fr.decompCloser = c.name, closer
	if decompressLimit > 0 {
		dr = io.LimitReader(dr, decompressLimit)
	}
	fr.r = newReadBuf(dr, bufSize)
	return nil
}

// readFailed records, once, why the input ended before its end: a read
// error of the file, or a compressed stream that is damaged or cut short.
// Nothing after that point can be read (a compressed stream cannot be
// resynchronised), so it is reported as damage at the offset where the
// data stops.
func (fr *FileReader) readFailed() {
	err := fr.r.failure
	if err == nil || fr.failReported {
		return
	}
	fr.failReported = true
	if fr.compression != "" {
		fr.problem(fr.r.failOff, "%s: the decompressed data stops here", fr.failureText(err))
		return
	}
	fr.problem(fr.r.failOff, "%s: nothing after this offset was read", fr.failureText(err))
}

// failureText says why the input ends at the point of err.
func (fr *FileReader) failureText(err error) string {
	switch {
	case errors.Is(err, zstd.ErrWindowSizeExceeded):
		return fmt.Sprintf("the zstd data needs a window larger than the %d MiB smcdump holds (compressed with zstd --long or --ultra): decompress it first (zstd -dc FILE | smcdump analyze -)", MaxZstdWindow>>20)
	case errors.Is(err, zstd.ErrCRCMismatch):
		return "the zstd frame's checksum does not match its data (the frame was read: some bytes before this offset are wrong)"
	case errors.Is(err, errGzipTrailing):
		return "the gzip data ends, and the bytes after it are not gzip (trailing garbage: gzip ignores it too)"
	case fr.compression != "" && errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("the %s data ends early (a file cut short, or still being written)", fr.compression)
	case fr.compression != "":
		return fmt.Sprintf("the %s data is damaged (%v)", fr.compression, err)
	default:
		return fmt.Sprintf("read error (%v)", err)
	}
}

// Compression returns the compression the file was read through (gzip,
// zstd, lz4 or bzip2), "" for a plain file. Problem offsets are then
// offsets in the decompressed data.
func (fr *FileReader) Compression() string { return fr.compression }

// ProblemText is p.String() for this reader's input: the offset is called
// a decompressed offset when the file is compressed.
func (fr *FileReader) ProblemText(p Problem) string {
	if fr.compression != "" {
		return "decompressed " + p.String()
	}
	return p.String()
}
