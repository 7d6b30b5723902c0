package pcapfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/smcdump/smcdump/internal/parbz2"
)

// ErrNotCapture is returned (wrapped) when the input is not a pcap or pcapng
// file.
var ErrNotCapture = errors.New("not a pcap or pcapng file")

const (
	maxBlockLen   = 16 << 20 // sanity bound for one block/record
	maxSnap       = 1 << 20
	readerBufSize = 1 << 20
	maxProblems   = 1000
)

// FileReader streams frames from a pcap or pcapng file with bounded memory.
// Corrupt records/blocks are reported as Problems (with their byte offset)
// and skipped: the reader resynchronises on the next plausible record.
type FileReader struct {
	r      *readBuf
	src    io.Reader // the underlying reader
	closer io.Closer
	// recycle: r's buffer came from GetReadBuffer and goes back at Close.
	recycle bool
	off     int64 // offset of the next unread byte
	ng      bool
	be      bool // the file's (section's) byte order is big-endian (setOrder)

	// pcap
	pcapNano bool
	recLen   int    // record header bytes: 16, or 20/24/28 in the variants (pcapvariant.go)
	lenSwap  uint8  // lengthsSwapped*: caplen and len in the pre-2.3 order
	variant  string // the pcap variant's name, "" for the standard format
	pcapLink LinkType
	pcapSnap uint32
	lastTS   int64 // last pcap timestamp, unix seconds, for resync plausibility
	cutLen   int   // caplen of the last pcap record cut short (incl < len)
	// noFastPath makes nextPcap take its general path for every record
	// (tests: both paths give the same frames, notes and damage).
	noFastPath bool
	frame      int
	pkt        Packet
	ifaces     []Interface
	ifTab      ifaceTable // the current section's interfaces, and reuse (ifaces.go)
	problems   []Problem
	nProblems  int
	// notes: what is odd but not damage (an unknown block type skipped,
	// implausible time stamps): reported, without exit status 4
	notes  []Problem
	nNotes int
	// unsynced: the reader stands where no valid block or record was
	// found (after a zero run or a resync that gave up), not at a block
	// boundary
	unsynced bool
	skipped  int64 // bytes skipped because of damage
	end      int64 // offset of the end of the input, once known
	endKnown bool
	refills  int // look-aheads that refilled the buffer (TestResyncWorkIsLinear)
	stats    []InterfaceStats
	// statsPos: per interface, the positions in stats of its first and
	// last statistics block kept (keepStats); statsOmitted the others
	statsPos     map[int][2]int
	statsOmitted int
	custom       []CustomBlock
	lastPkt      time.Time      // time of the last packet read with a plausible time
	badTS        map[int]string // interfaces with implausible time stamps (checkTS)
	// HoldImplausibleTimes makes the reader stamp a packet whose time
	// stamp is implausible (checkTS) with the previous packet's time
	// instead of its own, so that an analysis's spans and rates stay
	// sane; the packet is noted either way. It also holds a frame whose
	// time jumps more than JumpThreshold away from the frames before it
	// until the frames after it confirm the jump, and stamps it with the
	// previous frame's time (noted) when they do not (timeline.go), so
	// that one frame out of line does not expire an analysis' state.
	// Reading and printing show what the file says (the default).
	HoldImplausibleTimes bool
	// tl is the clock of HoldImplausibleTimes (timeline.go); pktOff the
	// offset of the block or record of the packet read last.
	tl     timeline
	pktOff int64
	// implFrame: the last frame whose implausible time stamp was held
	// (checkTS), for TimeHeld.
	implFrame int
	// OnCustom, when set, receives each custom block as it is read instead of
	// it being stored.
	OnCustom func(CustomBlock)
	// OnStats, when set, is called for each ISB as it is read (it is stored
	// too).
	OnStats func(InterfaceStats)

	// compressed input (compressed.go)
	compression  string    // "" for a plain file
	decompCloser io.Closer // the decompressor's, or nil
	// ra (raSize bytes) is the file read from its start, when it can be
	// read anywhere: a bzip2 file is then decoded with bz2Workers
	// goroutines (internal/parbz2), when above 0.
	ra           io.ReaderAt
	raSize       int64
	bz2Workers   int
	failReported bool // readFailed reported the input's end
}

// OpenFile opens a pcap or pcapng file; "-" reads stdin (the standard
// input the caller was given, never os.Stdin behind its back; nil makes "-"
// an error). A bzip2-compressed file is decoded on every processor
// (OpenOptions).
func OpenFile(path string, stdin io.Reader) (*FileReader, error) {
	return OpenFileWith(path, stdin, OpenOptions{})
}

// OpenOptions are OpenFileWith's.
type OpenOptions struct {
	// OneCPU decompresses in the reading goroutine only. Otherwise a
	// bzip2 file (not standard input) is decoded block by block on up to
	// parbz2.MaxWorkers goroutines when there is more than one processor,
	// with the same bytes and errors (docs/capture.md §3.5).
	OneCPU bool
}

// OpenFileWith is OpenFile with options.
func OpenFileWith(path string, stdin io.Reader, o OpenOptions) (*FileReader, error) {
	if path == "-" {
		if stdin == nil {
			return nil, errors.New("-: no standard input")
		}
		return NewFileReader(stdin)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a capture file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	workers := 0
	if !o.OneCPU {
		workers = parbz2.Workers()
	}
	fr, err := newFileReaderAt(f, GetReadBuffer(readerBufSize), f, fi.Size(), workers)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fr.closer = f
	fr.recycle = true
	if fr.compression == "" {
		fr.r.file = f
	}
	return fr, nil
}

// NewFileReader reads the file header from r and returns a reader.
func NewFileReader(r io.Reader) (*FileReader, error) {
	return newFileReader(r, 64<<10)
}

// NewFileReaderSize is NewFileReader with a read buffer of size bytes
// (grown when a block is larger).
func NewFileReaderSize(r io.Reader, size int) (*FileReader, error) {
	return newFileReader(r, max(size, 16))
}

func newFileReader(r io.Reader, bufSize int) (*FileReader, error) {
	return newFileReaderBuf(r, make([]byte, bufSize))
}

// newFileReaderBuf is newFileReader reading into buf.
func newFileReaderBuf(r io.Reader, buf []byte) (*FileReader, error) {
	return newFileReaderAt(r, buf, nil, 0, 0)
}

// newFileReaderAt is newFileReaderBuf for r, which is also ra, of size
// bytes when ra is not nil: a bzip2 file is then decoded with bz2Workers
// goroutines (0: in the reading goroutine).
func newFileReaderAt(r io.Reader, buf []byte, ra io.ReaderAt, size int64, bz2Workers int) (*FileReader, error) {
	bufSize := len(buf)
	fr := &FileReader{r: &readBuf{buf: buf, src: r}, src: r, ra: ra, raSize: size, bz2Workers: bz2Workers}
	if err := fr.decompressing(bufSize); err != nil {
		return nil, err
	}
	if err := fr.readFileHeader(); err != nil {
		if fr.decompCloser != nil {
			fr.decompCloser.Close()
		}
		if fr.compression != "" {
			if f := fr.r.failure; f != nil {
				return nil, fmt.Errorf("%s-compressed, and no capture header could be read: %s", fr.compression, fr.failureText(f))
			}
			if fr.r.srcOff == 0 {
				return nil, fmt.Errorf("%s-compressed empty file", fr.compression)
			}
			return nil, fmt.Errorf("%s-compressed, but what it holds is %w", fr.compression, err)
		}
		return nil, err
	}
	return fr, nil
}

// readFileHeader reads the pcap file header or the first pcapng section
// header.
func (fr *FileReader) readFileHeader() error {
	hdr, err := fr.r.Peek(4)
	if err != nil {
		if len(hdr) == 0 {
			return errors.New("empty file")
		}
		return fmt.Errorf("%w: only %d bytes", ErrNotCapture, len(hdr))
	}
	switch {
	case binary.BigEndian.Uint32(hdr) == 0x0A0D0D0A:
		fr.ng = true
		if err := fr.readSHB(); err != nil {
			if !fr.salvageSHB(err.Error()) {
				return err
			}
		}
	default:
		// A pcapng file whose first block type is damaged still has its
		// byte-order magic.
		if h, _ := fr.r.Peek(12); len(h) == 12 && !pcapMagic(binary.LittleEndian.Uint32(h)) && (binary.LittleEndian.Uint32(h[8:]) == 0x1A2B3C4D || binary.BigEndian.Uint32(h[8:]) == 0x1A2B3C4D) {
			fr.ng = true
			if fr.salvageSHB(fmt.Sprintf("section header block type 0x%08x is not 0x0a0d0d0a", binary.BigEndian.Uint32(h))) {
				return nil
			}
			fr.ng = false
			return fmt.Errorf("%w (magic %02x%02x%02x%02x)", ErrNotCapture, h[0], h[1], h[2], h[3])
		}
		if err := fr.readPcapHeader(); err != nil {
			return err
		}
	}
	return nil
}

func pcapMagic(m uint32) bool {
	switch m {
	case 0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1, magicModified, magicModifiedSwapped:
		return true
	}
	return false
}

// salvageSHB handles a damaged first section header: when a valid block
// follows it, the damage is reported and reading goes on from there (the
// byte order comes from the header's magic, or is guessed from its length
// field); otherwise the input is not a pcapng file.
func (fr *FileReader) salvageSHB(why string) bool {
	h, err := fr.r.Peek(12)
	if err != nil {
		return false
	}
	switch {
	case binary.LittleEndian.Uint32(h[8:]) == 0x1A2B3C4D:
		fr.setOrder(false)
	case binary.BigEndian.Uint32(h[8:]) == 0x1A2B3C4D:
		fr.setOrder(true)
	default:
		fr.setOrder(false)
		if n := binary.BigEndian.Uint32(h[4:]); n >= 28 && n%4 == 0 && n <= maxBlockLen {
			fr.setOrder(true)
		}
	}
	start := fr.off
	fr.resyncNg(start, why, "")
	if _, err := fr.r.Peek(12); err != nil {
		return false
	}
	fr.ifTab.newSection()
	return true
}

// Close closes the underlying file when the reader opened it.
func (fr *FileReader) Close() error {
	if fr.r.mapped {
		unmapFile(fr.r.win)
		fr.r.mapped, fr.r.win = false, nil
	}
	if fr.recycle {
		// Frames returned are valid until Close: the buffer is free.
		fr.recycle = false
		PutReadBuffer(fr.r.buf)
		fr.r.buf, fr.r.r, fr.r.w = nil, 0, 0
		fr.r.err = os.ErrClosed
	}
	if fr.decompCloser != nil {
		fr.decompCloser.Close()
		fr.decompCloser = nil
	}
	if fr.closer != nil {
		return fr.closer.Close()
	}
	return nil
}

// Variant names the pcap variant a file is in (pcapvariant.go), or "" for
// the standard pcap format and for pcapng.
func (fr *FileReader) Variant() string { return fr.variant }

// Format returns "pcap" or "pcapng".
func (fr *FileReader) Format() string {
	if fr.ng {
		return "pcapng"
	}
	return "pcap"
}

// Interfaces returns the interfaces seen so far.
func (fr *FileReader) Interfaces() []Interface { return fr.ifaces }

// Stats returns the interface statistics blocks read so far: per
// interface the first and the last (of at most maxStatsKept blocks in
// all); StatsOmitted counts the others. OnStats sees every one.
func (fr *FileReader) Stats() []InterfaceStats { return fr.stats }

// StatsOmitted counts the statistics blocks Stats does not return.
func (fr *FileReader) StatsOmitted() int { return fr.statsOmitted }

// maxStatsKept bounds the statistics blocks a FileReader keeps.
const maxStatsKept = 256

// keepStats keeps st when it is its interface's first or, replacing the
// one kept before, its last.
func (fr *FileReader) keepStats(st InterfaceStats) {
	pos, ok := fr.statsPos[st.Interface]
	switch {
	case !ok && len(fr.stats) >= maxStatsKept:
		fr.statsOmitted++
	case !ok:
		if fr.statsPos == nil {
			fr.statsPos = map[int][2]int{}
		}
		fr.statsPos[st.Interface] = [2]int{len(fr.stats), -1}
		fr.stats = append(fr.stats, st)
	case pos[1] < 0 && len(fr.stats) < maxStatsKept:
		fr.statsPos[st.Interface] = [2]int{pos[0], len(fr.stats)}
		fr.stats = append(fr.stats, st)
	case pos[1] < 0:
		fr.statsOmitted++
	default:
		fr.stats[pos[1]] = st
		fr.statsOmitted++
	}
}

// CustomBlocks returns the custom blocks read so far (when OnCustom is nil).
func (fr *FileReader) CustomBlocks() []CustomBlock { return fr.custom }

// Problems returns the defects found so far (at most 1000 are kept; see
// ProblemCount).
func (fr *FileReader) Problems() []Problem { return fr.problems }

// ProblemCount returns the number of defects found, including ones not kept.
func (fr *FileReader) ProblemCount() int { return fr.nProblems }

// Damage returns the number of damaged regions found so far (one per
// problem) and the number of bytes skipped because of them.
func (fr *FileReader) Damage() (regions int, skipped int64) { return fr.nProblems, fr.skipped }

// Notes returns what was odd in the file but is not damage (at most 1000
// are kept; see NoteCount): an unknown block type skipped, as the pcapng
// draft has readers do; implausible time stamps; with
// HoldImplausibleTimes, frames whose time stamps are out of line with the
// frames around them (timeline.go). They do not count in Damage.
func (fr *FileReader) Notes() []Problem {
	fr.jumpNotes()
	for i, msg := range fr.badTS {
		if ifc := &fr.ifaces[i]; ifc.badTS > 1 && ifc.badTSNote >= 0 {
			fr.notes[ifc.badTSNote].Msg = fmt.Sprintf("%s, and %d more of its time stamps", msg, ifc.badTS-1)
		}
	}
	return fr.notes
}

// NoteCount returns the number of notes, including ones not kept.
func (fr *FileReader) NoteCount() int { return fr.nNotes }

// note records something odd at off that is not damage.
func (fr *FileReader) note(off int64, format string, args ...any) {
	fr.nNotes++
	if len(fr.notes) < maxProblems {
		fr.notes = append(fr.notes, Problem{Offset: off, Msg: fmt.Sprintf(format, args...)})
	}
}

func (fr *FileReader) problem(off int64, format string, args ...any) {
	fr.damage(off, 0, format, args...)
}

// damage records a problem at off that made the reader skip n bytes.
func (fr *FileReader) damage(off, n int64, format string, args ...any) {
	fr.nProblems++
	fr.skipped += n
	if len(fr.problems) < maxProblems {
		fr.problems = append(fr.problems, Problem{Offset: off, Msg: fmt.Sprintf(format, args...), Skipped: n})
	}
}

// peek returns the next n bytes without consuming them, growing the buffer
// when a block is larger than it.
func (fr *FileReader) peek(n int) ([]byte, error) {
	if n > fr.r.Size() {
		// Grow only when the buffer is full of data: a block longer than
		// the rest of the file needs no bigger buffer to be found
		// truncated.
		if b, err := fr.r.Peek(fr.r.Size()); err != nil {
			return b, err
		}
		fr.r.grow(n + 64<<10)
	}
	return fr.r.Peek(n)
}

func (fr *FileReader) discard(n int) {
	m, _ := fr.r.Discard(n)
	fr.off += int64(m)
}

// ---- pcap ----------------------------------------------------------------

func (fr *FileReader) readPcapHeader() error {
	h, err := fr.r.Peek(24)
	if len(h) >= 4 {
		switch binary.LittleEndian.Uint32(h) {
		case 0xa1b2c3d4:
			fr.setOrder(false)
		case 0xa1b23c4d:
			fr.setOrder(false)
			fr.pcapNano = true
		case 0xd4c3b2a1:
			fr.setOrder(true)
		case 0x4d3cb2a1:
			fr.setOrder(true)
			fr.pcapNano = true
		case magicModified:
			fr.setOrder(false)
		case magicModifiedSwapped:
			fr.setOrder(true)
		default:
			return fmt.Errorf("%w (magic %02x%02x%02x%02x)", ErrNotCapture, h[0], h[1], h[2], h[3])
		}
	}
	if err != nil {
		return fmt.Errorf("pcap file header truncated (%d of 24 bytes)", len(h))
	}
	fr.pcapSnap = fr.u32(h[16:])
	lt := fr.u32(h[20:])
	// Upper bits carry FCS information (pcap-linktype(7)); keep the type.
	fr.pcapLink = LinkType(lt & 0x03ffffff) // LT_LINKTYPE: the upper bits are FCS flags
	modified := binary.LittleEndian.Uint32(h) == magicModified || binary.LittleEndian.Uint32(h) == magicModifiedSwapped
	aix := fr.pcapVersion(fr.u16(h[4:]), fr.u16(h[6:]))
	fr.ifaces = []Interface{{Index: 0, LinkType: fr.pcapLink, SnapLen: fr.pcapSnap}}
	if fr.pcapNano {
		fr.ifaces[0].tsDiv = 1e9
	} else {
		fr.ifaces[0].tsDiv = 1e6
	}
	fr.discard(24)
	if !aix {
		fr.detectRecordHeader(modified)
	}
	return nil
}

// pcapFracLimit is one second in the file's timestamp unit.
func (fr *FileReader) pcapFracLimit() uint32 {
	if fr.pcapNano {
		return 1e9
	}
	return 1e6
}

// pcapSnapLimit is the file's snaplen, bounded.
func (fr *FileReader) pcapSnapLimit() uint32 {
	snap := fr.pcapSnap
	if snap == 0 || snap > maxSnap {
		snap = maxSnap
	}
	return snap
}

// lengthsPlausible checks a record header's lengths against the file's
// snaplen.
func (fr *FileReader) lengthsPlausible(h []byte) bool {
	incl, orig := fr.recLens(h)
	return incl <= orig && incl <= fr.pcapSnapLimit() && orig != 0
}

// Where the record after the current one stands.
const (
	nextValid   = iota // a plausible record header
	nextEnd            // the file ends exactly there
	nextInvalid        // something that is not a record header
	nextPastEOF        // the current record runs past the end of the file
)

// pcapNext looks at the record header off bytes ahead (the end of the
// current record, whose header says sec). When it returns nextValid or
// nextEnd, b holds the off bytes before that header (the current record).
func (fr *FileReader) pcapNext(off int, sec int64) (next int, b []byte) {
	b, err := fr.peek(off + 16)
	if err != nil {
		switch {
		case len(b) < off:
			return nextPastEOF, nil
		case len(b) == off:
			return nextEnd, b
		}
		return nextInvalid, nil // a partial header: the end is damaged or cut
	}
	h := b[off:]
	if allZero(h) {
		return nextInvalid, nil // zeros: a damaged or preallocated region
	}
	ts := int64(fr.u32(h))
	if incl, _ := fr.recLens(h); fr.u32(h[4:]) < fr.pcapFracLimit() && incl <= maxBlockLen &&
		ts >= sec-86400 && ts <= sec+86400 {
		return nextValid, b[:off]
	}
	return nextInvalid, nil
}

// pcapNextNext reports whether the record header off bytes ahead, which
// does not look valid, is a real header that is damaged itself (rather
// than bytes inside a record whose own length is wrong): its timestamp is
// right and only a length is wrong, or one timestamp word is wrong and its
// lengths lead to a valid record.
func (fr *FileReader) pcapNextNext(off int, sec int64) bool {
	b, err := fr.peek(off + 16)
	if err != nil {
		return false
	}
	h := b[off : off+16]
	ts := int64(fr.u32(h))
	tsOK := ts >= sec-86400 && ts <= sec+86400
	fracOK := fr.u32(h[4:]) < fr.pcapFracLimit()
	if tsOK && fracOK {
		return true
	}
	if !tsOK && !fracOK {
		return false
	}
	incl, orig := fr.recLens(h)
	if incl > orig || incl > maxBlockLen || orig == 0 || orig > maxSnap*4 {
		return false
	}
	next, _ := fr.pcapNext(off+fr.recLen+int(incl), sec)
	return next == nextValid || next == nextEnd
}

// plausiblePcapRecord checks a 16-byte record header for resynchronisation
// (strict: lengths and a timestamp within a day of the previous record).
func (fr *FileReader) plausiblePcapRecord(h []byte) bool {
	ts := int64(fr.u32(h[0:]))
	frac := fr.u32(h[4:])
	incl, orig := fr.recLens(h)
	if frac >= fr.pcapFracLimit() || incl > orig || orig > maxSnap*4 || orig == 0 {
		return false
	}
	if incl > fr.pcapSnapLimit() {
		return false
	}
	if fr.lastTS != 0 && (ts < fr.lastTS-86400 || ts > fr.lastTS+86400) {
		return false
	}
	return true
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// peekHeader returns the next n header bytes of a record or block. At the
// end of the file (fewer than n bytes left) it returns false, after
// reporting the leftover bytes: a zero run, or a header cut at the end.
func (fr *FileReader) peekHeader(n int, what string) ([]byte, bool) {
	start := fr.off
	h, err := fr.r.Peek(n)
	if err == nil {
		return h, true
	}
	switch {
	case len(h) == 0:
	case allZero(h):
		fr.zeroRun(start, 1, nil)
	default:
		fr.damage(start, int64(len(h)), "truncated %s header at end of file (%d of %d bytes)", what, len(h), n)
		fr.discard(len(h))
	}
	return nil, false
}

func (fr *FileReader) nextPcap() (*Packet, error) {
	if !fr.noFastPath {
		if p := fr.nextPcapFast(); p != nil {
			return p, nil
		}
	}
	for {
		start := fr.off
		h, ok := fr.peekHeader(fr.recLen, "record")
		if !ok {
			return nil, io.EOF
		}
		if allZero(h) {
			fr.zeroRun(start, 1, fr.pcapSyncAtOff)
			continue
		}
		sec := fr.u32(h[0:])
		frac := fr.u32(h[4:])
		incl32, orig32 := fr.recLens(h)
		incl, orig := int(incl32), int(orig32)
		if incl > maxBlockLen {
			fr.resyncPcap(start, uint32(incl), uint32(orig), "")
			continue
		}
		// A length is only believed when a record header (or the end of
		// the file) follows the record. Accept what libpcap and Wireshark
		// accept: a record larger than the snaplen, caplen > len or len 0
		// are oddities, not corruption, as long as the next record header
		// looks valid. A record with consistent lengths is believed even
		// when the next header is damaged (the damage is then reported
		// there), unless it claims to be cut short below the snaplen: a
		// smaller caplen that misses the next header is the damage.
		// The look-ahead may refill the buffer, moving the bytes h points
		// to: what is needed of h is taken before it.
		consistent := fr.lengthsPlausible(h)
		hl := fr.recLen
		next, rec := fr.pcapNext(hl+incl, int64(sec))
		// Cut short below the snaplen, and not at the length earlier
		// records were cut at: suspicious when the next header is
		// damaged, unless a valid record follows that next header (then
		// the next header is the damaged one).
		cut := incl < orig && uint32(incl) < fr.pcapSnapLimit() && (incl == 0 || incl != fr.cutLen) &&
			next == nextInvalid && !fr.pcapNextNext(hl+incl, int64(sec))
		switch {
		case next == nextPastEOF:
			fr.resyncPcap(start, uint32(incl), uint32(orig), fmt.Sprintf("truncated record at end of file: header says %d bytes, %d present", incl, fr.r.Buffered()-hl))
			continue
		case next == nextInvalid && (!consistent || cut):
			fr.resyncPcap(start, uint32(incl), uint32(orig), "")
			continue
		}
		// A record of caplen 0 and len 0 that gets here is well framed
		// (a valid record header, or the end of the file, follows it;
		// a run of zero bytes is one damaged region, never empty
		// records): it is a frame, as tshark and tcpdump number it.
		if incl < orig {
			fr.cutLen = incl
		}
		if incl > orig {
			orig = incl
		}
		if orig > maxSnap*4 {
			fr.problem(start, "record: implausible original length %d: the captured length %d is used", orig, incl)
			orig = incl
		}
		if frac >= fr.pcapFracLimit() {
			// What the file says (tcpdump prints the fraction as it
			// is, tshark adds it): odd, not damage.
			fr.note(start, "record: timestamp fraction %d out of range", frac)
		}
		// Zero copy: the frame stays in the bufio buffer until the next
		// read, which only happens in the next call to Next. rec is what
		// pcapNext peeked, unless it found no valid header after the
		// record (then pcapNextNext may have peeked further since, moving
		// the buffer's bytes).
		if rec == nil {
			rec, _ = fr.peek(hl + incl)
		}
		data := rec[hl:]
		fr.discard(hl + incl)
		fr.lastTS = int64(sec)
		var ns int64
		if fr.pcapNano {
			ns = int64(frac)
		} else {
			ns = int64(frac) * 1000
		}
		fr.frame++
		fr.pkt.Set(fr.frame, time.Unix(int64(sec), ns).UTC(), incl, orig, 0, fr.pcapLink, "", DirectionUnknown, 0, data)
		fr.pkt.Info.PcapTS = PcapTimestamp{Sec: int32(sec), Frac: int32(frac), Nano: fr.pcapNano, Valid: true}
		fr.pktOff = start
		return &fr.pkt, nil
	}
}

// nextPcapFast returns the next record when it is whole in the read
// buffer, its header passes every check nextPcap makes without a note, and
// the next record's header is in the buffer and looks valid to pcapNext:
// the same frame, with the same state changes, as nextPcap's loop would
// give, in a fraction of its work (one bounds check and six loads, not
// three buffer peeks and the byte order looked up per field). Anything
// else (the end of the buffer or of the file, a length or time stamp that
// needs a note or a resynchronisation, a mapped file, swapped length
// fields) returns nil, and nextPcap's loop decides.
func (fr *FileReader) nextPcapFast() *Packet {
	b := fr.r
	if fr.lenSwap != lengthsInOrder {
		return nil
	}
	avail := b.contiguous()
	hl := fr.recLen
	if len(avail) < hl || hl < 16 {
		return nil
	}
	be := fr.be
	sec, frac := get32(avail[0:], be), get32(avail[4:], be)
	incl, orig := get32(avail[8:], be), get32(avail[12:], be)
	fracLimit := fr.pcapFracLimit()
	if orig == 0 || incl > orig || incl > fr.pcapSnapLimit() || orig > maxSnap*4 || frac >= fracLimit {
		return nil
	}
	end := hl + int(incl)
	if len(avail) < end+16 {
		return nil
	}
	n := avail[end : end+16]
	nsec := int64(get32(n[0:], be))
	if allZero(n) || get32(n[4:], be) >= fracLimit || get32(n[8:], be) > maxBlockLen ||
		nsec < int64(sec)-86400 || nsec > int64(sec)+86400 {
		return nil
	}
	data := avail[hl:end:end]
	b.skip(end)
	fr.pktOff = fr.off
	fr.off += int64(end)
	if incl < orig {
		fr.cutLen = int(incl)
	}
	fr.lastTS = int64(sec)
	ns := int64(frac)
	if !fr.pcapNano {
		ns *= 1000
	}
	fr.frame++
	fr.pkt.Set(fr.frame, time.Unix(int64(sec), ns).UTC(), int(incl), int(orig), 0, fr.pcapLink, "", DirectionUnknown, 0, data)
	fr.pkt.Info.PcapTS = PcapTimestamp{Sec: int32(sec), Frac: int32(frac), Nano: fr.pcapNano, Valid: true}
	return &fr.pkt
}

// get32 reads a 32-bit field in the file's byte order (be: big-endian).
func get32(b []byte, be bool) uint32 {
	if be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// zeroRun skips a run of zero bytes (a preallocated file, or one cut by a
// crash) starting at start, and reports it as one damaged region. The
// header after the run may itself start with zero bytes (a pcap time stamp
// whose low byte is 0, a big-endian pcapng block type): of the last three
// zeros, it keeps those that make the position one where syncAt finds a
// valid record or block (nil: none is looked for); failing that, the
// position a multiple of align after start.
func (fr *FileReader) zeroRun(start int64, align int, syncAt func(at int) bool) {
	var n int64
	for {
		b, err := fr.r.Peek(fr.r.Size())
		i := 0
		for i < len(b) && b[i] == 0 {
			i++
		}
		if i < len(b) {
			back := min(3, i) // the zeros kept in the buffer (below)
			fr.discard(i - back)
			n += int64(i - back)
			at := back - int((n+int64(back))%int64(align))
			if at < 0 {
				at = back
			}
			for o := 0; o <= back && syncAt != nil; o++ {
				if syncAt(o) {
					at = o
					break
				}
			}
			fr.discard(at)
			n += int64(at)
			break
		}
		if err != nil || len(b) <= 3 {
			fr.discard(len(b))
			n += int64(len(b))
			break
		}
		// all zeros: keep the last three, which may start the next header
		fr.discard(len(b) - 3)
		n += int64(len(b) - 3)
	}
	what := "zero bytes"
	if _, err := fr.r.Peek(1); err != nil {
		what = "zero bytes up to the end of the file (preallocated, or cut by a crash)"
	}
	fr.damage(start, n, "%d %s: not records, skipped", n, what)
}

// pcapSyncAt reports whether a record that passes the strict checks starts
// at the current position and is followed by another one, or by the end of
// the file.
func (fr *FileReader) pcapSyncAt() bool { return fr.pcapSyncAtOff(0) }

// pcapSyncAtOff is pcapSyncAt at at bytes ahead.
func (fr *FileReader) pcapSyncAtOff(at int) bool {
	hl := fr.recLen
	p, err := fr.r.Peek(at + hl)
	if err != nil || !fr.plausiblePcapRecord(p[at:]) {
		return false
	}
	incl, _ := fr.recLens(p[at:])
	n := int(incl)
	q, err := fr.lookAhead(at + hl + n + hl)
	if err != nil {
		// End of file: accept if the record itself is complete.
		return len(q) >= at+hl+n
	}
	return fr.plausiblePcapRecord(q[at+hl+n:])
}

// resyncPcap skips a corrupt record: it scans forward for a header that is
// plausible and followed by another plausible header (or the end of file).
// When none is found before the end of the file and atEOF is not empty, the
// damage is reported with that message (a record cut at the end).
func (fr *FileReader) resyncPcap(start int64, incl, orig uint32, atEOF string) {
	skipped, found, z := fr.scanForSync(4<<20, fr.recLen, fr.pcapSyncAt)
	if !found && atEOF != "" {
		fr.damage(start, int64(skipped), "%s%s", atEOF, z.note(fr.off))
		return
	}
	fr.damage(start, int64(skipped), "corrupt record header (caplen %d, len %d, snaplen %d): skipped %d bytes to the next valid record%s", incl, orig, fr.pcapSnap, skipped, z.note(fr.off))
}

// zeroTail follows the zero bytes a resync skips, to say so when the file
// ends in zeros (preallocated, or cut by a crash).
type zeroTail struct {
	from int64 // offset of the first byte of the current zero run, -1 none
	seen bool
}

func (z *zeroTail) see(off int64, b []byte) {
	if !z.seen {
		z.seen, z.from = true, -1
	}
	for i, c := range b {
		switch {
		case c != 0:
			z.from = -1
		case z.from < 0:
			z.from = off + int64(i)
		}
	}
}

// note describes the zero run that ends the file at end, if any.
func (z *zeroTail) note(end int64) string {
	if !z.seen || z.from < 0 || end-z.from < 16 {
		return ""
	}
	return fmt.Sprintf(" (the file ends in %d zero bytes from offset %d: preallocated, or cut by a crash)", end-z.from, z.from)
}

// ---- pcapng --------------------------------------------------------------

const (
	blockSHB     = 0x0A0D0D0A
	blockIDB     = 0x00000001
	blockPB      = 0x00000002 // obsolete Packet Block
	blockSPB     = 0x00000003
	blockNRB     = 0x00000004
	blockISB     = 0x00000005
	blockEPB     = 0x00000006
	blockDSB     = 0x0000000A
	blockCustom  = 0x00000BAD
	blockCustomN = 0x40000BAD
)

func (fr *FileReader) readSHB() error {
	start := fr.off
	h, err := fr.r.Peek(12)
	if err != nil {
		return fmt.Errorf("pcapng section header truncated at offset %d", start)
	}
	switch binary.LittleEndian.Uint32(h[8:]) {
	case 0x1A2B3C4D:
		fr.setOrder(false)
	case 0x4D3C2B1A:
		fr.setOrder(true)
	default:
		return fmt.Errorf("%w: pcapng section header at offset %d has a bad byte-order magic", ErrNotCapture, start)
	}
	n := fr.u32(h[4:])
	if n < 28 || n%4 != 0 || n > maxBlockLen {
		return fmt.Errorf("pcapng section header at offset %d has an invalid length %d", start, n)
	}
	// Nothing is consumed until the block is known to be whole: a damaged
	// header is resynchronised from its next byte.
	b, err := fr.peek(int(n))
	if err != nil {
		return fmt.Errorf("pcapng section header at offset %d truncated (length %d, %d bytes left)", start, n, len(b))
	}
	if t := fr.u32(b[n-4:]); t != n {
		return fmt.Errorf("section header block: trailing length %d does not match leading length %d", t, n)
	}
	fr.discard(int(n))
	if major := fr.u16(b[12:]); major != 1 {
		fr.problem(start, "section header block: unsupported version %d.%d", major, fr.u16(b[14:]))
	}
	fr.ifTab.newSection()
	return nil
}

// knownBlock reports whether t is a block type the pcapng registry lists
// (or one for local use). Any other type, and the reserved type 0, is
// damage.
func knownBlock(t uint32) bool {
	switch t {
	case blockSHB, blockIDB, blockPB, blockSPB, blockNRB, blockISB, blockEPB, blockDSB, blockCustom, blockCustomN,
		0x00000007, 0x00000008, 0x00000009, 0x00000BAD | 0x80000000:
		return true
	}
	return false
}

// registeredBlock is knownBlock plus the rarer registered types (Hone
// project 0x0B/0x0C, Sysdig 0x101-0x108 and 0x201-0x21F) and the types
// reserved for local use (high bit set): blocks a reader skips silently.
func registeredBlock(t uint32) bool {
	return knownBlock(t) || t == 0x0B || t == 0x0C || t >= 0x101 && t <= 0x108 || t >= 0x201 && t <= 0x21F || t&0x80000000 != 0
}

func (fr *FileReader) nextNg() (*Packet, error) {
	for {
		if p, ok := fr.nextEPBFast(); ok {
			if p != nil {
				return p, nil
			}
			continue
		}
		start := fr.off
		h, ok := fr.peekHeader(12, "block")
		if !ok {
			return nil, io.EOF
		}
		if allZero(h[:8]) {
			fr.zeroRun(start, 4, fr.ngSyncAtOff)
			fr.unsynced = !fr.ngSyncAt()
			continue
		}
		boundary := !fr.unsynced
		fr.unsynced = false
		if binary.BigEndian.Uint32(h) == blockSHB {
			if err := fr.readSHB(); err != nil {
				fr.resyncNg(start, err.Error(), "")
			}
			continue
		}
		typ := fr.u32(h)
		n := fr.u32(h[4:])
		if n < 12 || n%4 != 0 || n > maxBlockLen {
			idb := fr.damagedIDB(typ, boundary)
			fr.resyncNg(start, fmt.Sprintf("invalid block length %d (type 0x%08x)%s", n, typ, idb), "")
			continue
		}
		b, err := fr.peek(int(n))
		if err != nil {
			// A length that reaches past the end of the file is only a
			// block cut at the end when no valid block follows.
			idb := fr.damagedIDB(typ, boundary)
			fr.resyncNg(start, fmt.Sprintf("block type 0x%08x: length %d runs past the end of the file (%d bytes left)%s", typ, n, len(b), idb),
				fmt.Sprintf("truncated block at end of file: type 0x%08x says %d bytes, %d present%s", typ, n, len(b), idb))
			continue
		}
		if t := fr.u32(b[n-4:]); t != n {
			idb := fr.damagedIDB(typ, boundary)
			fr.resyncNg(start, fmt.Sprintf("block type 0x%08x: trailing length %d does not match leading length %d%s", typ, t, n, idb), "")
			continue
		}
		if !registeredBlock(typ) {
			// The pcapng draft has readers skip the blocks they do not
			// know, as tshark and tcpdump do: a well-framed block of a
			// type not registered (yet) followed by a valid block, or by
			// the end of the file, is no damage. The reserved type 0, and
			// a block after which the file does not go on sensibly, is.
			// A block whose body is that of an interface description,
			// a packet or a statistics block of this section is one whose
			// type is damaged.
			if typ != 0 && fr.blockFollows(int(n)) {
				b, _ = fr.peek(int(n)) // blockFollows may have moved the bytes
				switch kind := fr.bodyKind(b[8 : n-4]); kind {
				case blockIDB:
					id := len(fr.ifTab.local)
					fr.addIface(Interface{LinkType: LinkTypeUnknown, tsDiv: 1e6, guessTS: true})
					fr.damage(start, int64(n), "block type 0x%08x (%d bytes) is not a registered type, but the block is an interface description (type damaged?): skipped; it describes interface %d, whose packets are read with an unknown link type", typ, n, id)
				case blockEPB, blockISB:
					fr.damage(start, int64(n), "block type 0x%08x (%d bytes) is not a registered type, but the block is an %s (type damaged?): skipped", typ, n, map[uint32]string{blockEPB: "enhanced packet block", blockISB: "interface statistics block"}[kind])
				default:
					fr.note(start, "block type 0x%08x (%d bytes) is not one smcdump knows: skipped", typ, n)
				}
			} else {
				fr.damage(start, int64(n), "unknown block type 0x%08x (%d bytes): skipped", typ, n)
			}
			fr.discard(int(n))
			continue
		}
		fr.discard(int(n)) // b stays valid until the next read (next call to Next)
		body := b[8 : n-4]
		switch typ {
		case blockIDB:
			fr.parseIDB(start, body)
		case blockEPB:
			if p := fr.parseEPB(start, body); p != nil {
				return p, nil
			}
		case blockSPB:
			if p := fr.parseSPB(start, body); p != nil {
				return p, nil
			}
		case blockPB:
			if p := fr.parsePB(start, body); p != nil {
				return p, nil
			}
		case blockISB:
			fr.parseISB(start, body)
		case blockCustom, blockCustomN:
			// Wireshark lists custom blocks as records with a frame
			// number of their own; count them too so that "frame N" in
			// smcdump's evidence is frame N in Wireshark.
			fr.frame++
			if len(body) >= 4 {
				cb := CustomBlock{Offset: start, PEN: fr.u32(body), Data: append([]byte(nil), body[4:]...)}
				if fr.OnCustom != nil {
					fr.OnCustom(cb)
				} else if len(fr.custom) < 10000 {
					fr.custom = append(fr.custom, cb)
				}
			}
		}
	}
}

// nextEPBFast takes the next block when it is an enhanced packet block
// whole in the read buffer, with valid leading and trailing lengths, read
// in sync: what nextNg's loop would do with it (parseEPB), without its
// peeks through the buffer. It reports false, having done nothing, for
// anything else (another block type, the end of the buffer or mapped
// window, a length nextNg must judge), which nextNg's loop then reads.
// p is nil when parseEPB rejected the block (reported there).
func (fr *FileReader) nextEPBFast() (p *Packet, ok bool) {
	b := fr.r
	if fr.noFastPath || fr.unsynced {
		return nil, false
	}
	avail := b.contiguous()
	if len(avail) < 12 {
		return nil, false
	}
	be := fr.be
	n := get32(avail[4:], be)
	if get32(avail, be) != blockEPB || n < 12 || n%4 != 0 || n > maxBlockLen || uint64(n) > uint64(len(avail)) ||
		get32(avail[n-4:], be) != n {
		return nil, false
	}
	start := fr.off
	b.skip(int(n))
	fr.off += int64(n)
	return fr.parseEPB(start, avail[8:n-4:n-4]), true
}

// blockFollows reports whether the file ends exactly at bytes ahead or a
// section header, or a block of a type other than the reserved 0 whose
// leading and trailing lengths agree, starts there. It looks at that one
// block only (which is read next anyway), so that reading stays linear.
func (fr *FileReader) blockFollows(at int) bool {
	h, err := fr.peek(at + 12)
	if err != nil {
		return len(h) == at
	}
	h = h[at:]
	if binary.BigEndian.Uint32(h) == blockSHB {
		return true
	}
	typ, n := fr.u32(h), fr.u32(h[4:])
	if typ == 0 || n < 12 || n%4 != 0 || n > maxBlockLen {
		return false
	}
	b, err := fr.peek(at + int(n))
	return err == nil && fr.u32(b[at+int(n)-4:]) == n
}

// bodyKind tells whether the body of a block of an unknown type is that of
// an interface description block (reserved bytes zero, a link type below
// 1024, well-formed options), an enhanced packet block (an interface of the
// section, a plausible time stamp, the captured length within the block,
// zero padding and well-formed options) or an interface statistics block
// (an interface of the section, a plausible time stamp, well-formed
// options): then it returns that type, otherwise 0.
func (fr *FileReader) bodyKind(b []byte) uint32 {
	if len(b) >= 8 && fr.u16(b[2:]) == 0 && fr.u16(b) < 1024 && !allZero(b) && fr.strictOptions(b[8:]) {
		return blockIDB
	}
	if len(b) < 12 || int(fr.u32(b)) >= len(fr.ifTab.local) {
		return 0
	}
	ifc := &fr.ifaces[fr.ifTab.local[fr.u32(b)]]
	if y := ifc.timestamp(fr.u32(b[4:]), fr.u32(b[8:])).Year(); y < 1970 || y > 2200 {
		return 0
	}
	if len(b) >= 20 {
		capLen := int(fr.u32(b[12:]))
		o := 20 + ((capLen + 3) &^ 3)
		var dir Direction
		if capLen <= len(b)-20 && o <= len(b) && allZero(b[20+capLen:o]) && fr.packetOptions(b[o:], &dir) {
			return blockEPB
		}
	}
	if fr.strictOptions(b[12:]) {
		return blockISB
	}
	return 0
}

// strictOptions reports whether b is a well-formed option list: each
// option within b, opt_endofopt (empty) only last.
func (fr *FileReader) strictOptions(b []byte) bool {
	for len(b) >= 4 {
		code, l := fr.u16(b), int(fr.u16(b[2:]))
		if 4+((l+3)&^3) > len(b) {
			return false
		}
		if code == 0 {
			return l == 0 && len(b) == 4
		}
		b = b[4+((l+3)&^3):]
	}
	return len(b) == 0
}

// ngSyncAt reports whether a block whose leading and trailing lengths agree
// (or a section header) starts at the current position.
func (fr *FileReader) ngSyncAt() bool { return fr.ngSyncAtOff(0) }

// ngSyncAtOff is ngSyncAt at at bytes ahead.
func (fr *FileReader) ngSyncAtOff(at int) bool {
	h, err := fr.r.Peek(at + 12)
	if err != nil {
		return false
	}
	h = h[at:]
	if binary.BigEndian.Uint32(h) == blockSHB {
		return true
	}
	typ := fr.u32(h)
	n := fr.u32(h[4:])
	if !knownBlock(typ) || n < 12 || n%4 != 0 || n > maxBlockLen {
		return false
	}
	b, err := fr.lookAhead(at + int(n))
	return err == nil && fr.u32(b[at+int(n)-4:]) == n
}

// lookAhead peeks n bytes while scanning byte by byte: the buffer is kept
// at least twice as large as n, so that the look-ahead of the next
// positions does not slide the whole buffer at each byte (which would make
// a resync over crafted input quadratic in the buffer size).
//
// Near the end of the input, a look-ahead past it returns what is left
// without asking the bufio.Reader again, which would slide the buffer each
// time.
func (fr *FileReader) lookAhead(n int) ([]byte, error) {
	if fr.endKnown && fr.off+int64(n) > fr.end {
		b, _ := fr.r.Peek(int(fr.end - fr.off)) // all buffered
		return b, io.EOF
	}
	if 2*n > fr.r.Size() {
		fr.peek(2 * n) // grows the buffer when the input has that much left
	}
	if n > fr.r.Buffered() {
		fr.refills++
	}
	b, err := fr.r.Peek(n)
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		fr.endKnown, fr.end = true, fr.off+int64(len(b))
	}
	return b, err
}

// scanForSync skips damaged bytes one at a time (corruption may have
// shifted the alignment) until syncAt finds a valid header, the file ends
// (fewer than need bytes left: they are skipped too) or window bytes were
// skipped. It returns the bytes skipped, whether a header was found, and
// the zero-run tracker for the report.
func (fr *FileReader) scanForSync(window, need int, syncAt func() bool) (skipped int, found bool, z zeroTail) {
	for skipped < window {
		fr.discard(1)
		skipped++
		if h, err := fr.r.Peek(need); err != nil {
			z.see(fr.off, h)
			fr.discard(len(h))
			skipped += len(h)
			return skipped, false, z
		} else {
			z.see(fr.off, h[:1])
		}
		if syncAt() {
			return skipped, true, z
		}
	}
	return skipped, false, z
}

// resyncNg reports a corrupt block and scans forward (byte by byte) for a
// block whose leading and trailing lengths agree. When none is found before
// the end of the file and atEOF is not empty, the damage is reported with
// that message (a block cut at the end).
func (fr *FileReader) resyncNg(start int64, why, atEOF string) {
	skipped, found, z := fr.scanForSync(16<<20, 12, fr.ngSyncAt)
	fr.unsynced = !found
	if !found && atEOF != "" {
		fr.damage(start, int64(skipped), "%s%s", atEOF, z.note(fr.off))
		return
	}
	fr.damage(start, int64(skipped), "corrupt block (%s): skipped %d bytes to the next valid block%s", why, skipped, z.note(fr.off))
}

// options iterates pcapng options; fn gets code and value. Returns false if
// the option list is malformed.
func (fr *FileReader) options(b []byte, fn func(code uint16, v []byte)) bool {
	for len(b) >= 4 {
		code := fr.u16(b)
		l := int(fr.u16(b[2:]))
		if code == 0 {
			return true
		}
		pl := (l + 3) &^ 3
		if 4+pl > len(b) {
			if 4+l <= len(b) {
				fn(code, b[4:4+l])
			}
			return false
		}
		fn(code, b[4:4+l])
		b = b[4+pl:]
	}
	return true
}

// damagedIDB gives a damaged block that is recognisably an interface
// description block (type 1 where a block starts: the type is right, a
// length is not) the next interface id, as if it had been read: the
// interface ids of the section follow its interface description blocks as
// written, so that the later ones keep theirs. The interface's link type is
// unknown (its packets are not decoded) and its timestamp resolution is
// guessed from its first packet. It returns the text that says so in the
// report of the damage, "" for other blocks.
func (fr *FileReader) damagedIDB(typ uint32, boundary bool) string {
	if typ != blockIDB || !boundary {
		return ""
	}
	id := len(fr.ifTab.local)
	fr.addIface(Interface{LinkType: LinkTypeUnknown, tsDiv: 1e6, guessTS: true})
	return fmt.Sprintf("; it describes interface %d, whose packets are read with an unknown link type", id)
}

func (fr *FileReader) parseIDB(start int64, b []byte) {
	if len(b) < 8 {
		id := len(fr.ifTab.local)
		fr.problem(start, "interface description block too short (%d bytes); it describes interface %d, whose packets are read with an unknown link type", len(b), id)
		// keep interface numbering consistent
		fr.addIface(Interface{LinkType: LinkTypeUnknown, tsDiv: 1e6, guessTS: true})
		return
	}
	ifc := Interface{
		LinkType: LinkType(fr.u16(b)),
		SnapLen:  fr.u32(b[4:]),
		tsDiv:    1e6,
	}
	ok := fr.options(b[8:], func(code uint16, v []byte) {
		switch code {
		case 2:
			ifc.Name = trimNul(v)
		case 3:
			ifc.Description = trimNul(v)
		case 9: // if_tsresol
			if len(v) >= 1 {
				r := v[0]
				if r&0x80 != 0 {
					e := r & 0x7f
					if e < 64 {
						ifc.tsDiv = 1 << e
					}
				} else if r <= 19 {
					ifc.tsDiv = uint64(math.Pow10(int(r)))
				}
			}
		case 11: // if_filter
			if len(v) >= 1 && v[0] == 0 {
				ifc.Filter = trimNul(v[1:])
			}
		case 14: // if_tsoffset
			if len(v) == 8 {
				ifc.tsOffset = int64(fr.u64(v))
			}
		}
	})
	if !ok {
		fr.problem(start, "interface description block %d: malformed options", len(fr.ifTab.local))
	}
	fr.addIface(ifc)
}

func trimNul(v []byte) string {
	for i, c := range v {
		if c == 0 {
			return string(v[:i])
		}
	}
	return string(v)
}

func (fr *FileReader) iface(start int64, id uint32, what string) (*Interface, bool) {
	if int(id) >= len(fr.ifTab.local) {
		if i, ok := fr.ifTab.placeholders[id]; ok { // packets made it up
			return &fr.ifaces[i], true
		}
		fr.problem(start, "%s refers to interface %d, which has no interface description block", what, id)
		return nil, false
	}
	return &fr.ifaces[fr.ifTab.local[id]], true
}

// maxPlaceholders bounds the interfaces made up for packets whose interface
// description block is missing.
const maxPlaceholders = 64

// packetIface returns the interface of a packet block. When its interface
// description block is missing (not written, or written after the packet:
// tshark and tcpdump stop reading there), the packets are not lost: a
// placeholder interface is made up, once per section and id, with the link
// type and timestamp resolution guessed from this packet, and the problem
// is reported. The placeholder takes no interface id: an interface
// description block that comes later still describes the interface with
// its id, and the packets after it are read with it.
func (fr *FileReader) packetIface(start int64, id uint32, data []byte, tsHi, tsLo uint32, what string) (*Interface, bool) {
	t := &fr.ifTab
	if int(id) < len(t.local) {
		ifc := &fr.ifaces[t.local[id]]
		if ifc.guessTS {
			// a damaged description's: its first packet's time decides
			ifc.guessTS = false
			ifc.tsDiv = guessTSDiv(tsHi, tsLo, fr.lastPkt)
		}
		return ifc, true
	}
	if i, ok := t.placeholders[id]; ok {
		return &fr.ifaces[i], true
	}
	if id >= maxPlaceholders {
		fr.damage(start, 0, "%s refers to interface %d, which has no interface description block: packet skipped", what, id)
		return nil, false
	}
	if len(fr.ifaces) >= maxInterfaces+maxShared+maxPlaceholders {
		fr.damage(start, 0, "%s refers to interface %d, which has no interface description block, and no more interfaces are kept: packet skipped", what, id)
		return nil, false
	}
	lt, div := guessLinkType(data), guessTSDiv(tsHi, tsLo, fr.lastPkt)
	i := fr.appendIface(Interface{LinkType: lt, tsDiv: div, placeholder: true})
	if t.placeholders == nil {
		t.placeholders = map[uint32]int{}
	}
	t.placeholders[id] = i
	fr.problem(start, "%s refers to interface %d, which has no interface description block (damaged?): its packets are read as link type %s, timestamps in units of 1/%d s (guessed)", what, id, lt, div)
	return &fr.ifaces[i], true
}

// guessLinkType guesses the link type of a frame whose interface
// description is missing (Ethernet, Linux cooked v2 and v1, raw IP).
func guessLinkType(b []byte) LinkType {
	l3 := func(t uint16) bool {
		switch t {
		case 0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100, 0x8915:
			return true
		}
		return false
	}
	switch {
	case len(b) >= 14 && l3(binary.BigEndian.Uint16(b[12:])):
		return LinkTypeEthernet
	case len(b) >= 20 && l3(binary.BigEndian.Uint16(b)) && b[2] == 0 && b[3] == 0 && b[11] <= 8:
		return LinkTypeLinuxSLL2
	case len(b) >= 16 && binary.BigEndian.Uint16(b) <= 4 && l3(binary.BigEndian.Uint16(b[14:])):
		return LinkTypeLinuxSLL
	case len(b) >= 20 && (b[0]>>4 == 4 && b[0]&0x0f >= 5 || b[0]>>4 == 6):
		return LinkTypeRaw
	}
	return LinkTypeEthernet
}

// guessTSDiv guesses the timestamp resolution of an interface whose
// description is missing: microseconds (the pcapng default) unless that
// gives an implausible date and nanoseconds do not; the one closer to the
// previous packet's time when both are plausible.
func guessTSDiv(hi, lo uint32, prev time.Time) uint64 {
	t := uint64(hi)<<32 | uint64(lo)
	us := time.Unix(int64(t/1e6), 0)
	ns := time.Unix(int64(t/1e9), 0)
	okUS := us.Year() >= 1970 && us.Year() <= 2200
	okNS := ns.Year() >= 1971 && ns.Year() <= 2200
	switch {
	case okUS && okNS && !prev.IsZero():
		if absDur(ns.Sub(prev)) < absDur(us.Sub(prev)) {
			return 1e9
		}
	case !okUS && okNS:
		return 1e9
	}
	return 1e6
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func (ifc *Interface) timestamp(hi, lo uint32) time.Time {
	t := uint64(hi)<<32 | uint64(lo)
	div := ifc.tsDiv
	if div == 0 {
		div = 1e6
	}
	sec := t / div
	rem := t % div
	var ns uint64
	if div == 1e9 {
		ns = rem
	} else if div < 1e9 && 1e9%div == 0 {
		ns = rem * (1e9 / div)
	} else {
		ns = uint64(float64(rem) * 1e9 / float64(div))
	}
	return time.Unix(int64(sec)+ifc.tsOffset, int64(ns)).UTC()
}

// plausibleTime reports whether t is in the years 1970 to 2200: for a
// time in UTC (as the readers make them) by its Unix seconds, two
// comparisons instead of the calendar arithmetic of Year.
func plausibleTime(t time.Time) bool {
	const end = 7289654400 // 2201-01-01 00:00:00 UTC
	if t.Location() == time.UTC {
		u := t.Unix()
		return u >= 0 && u < end
	}
	y := t.Year()
	return y >= 1970 && y <= 2200
}

// checkTS flags time stamps that cannot be right (before 1970 or after
// 2200: a wrong if_tsresol or if_tsoffset, or garbage). Such a time stamp
// is still what the file says, and is returned as it is, as tshark and
// tcpdump show it; it is noted (not damage), once per interface with a
// count of them (Notes). With HoldImplausibleTimes the previous packet's
// time is returned instead, for analyses that need times in order.
func (fr *FileReader) checkTS(start int64, ifc *Interface, t time.Time) time.Time {
	if plausibleTime(t) {
		fr.lastPkt = t
		return t
	}
	ifc.badTS++
	if ifc.badTS == 1 {
		ifc.badTSNote = -1
		if len(fr.notes) < maxProblems {
			ifc.badTSNote = len(fr.notes)
		}
		msg := fmt.Sprintf("interface %d (%s): implausible timestamp %s (if_tsresol or if_tsoffset wrong?)", ifc.Index, ifc.Name, t.Format("2006-01-02 15:04:05"))
		fr.note(start, "%s", msg)
		if fr.badTS == nil {
			fr.badTS = map[int]string{}
		}
		fr.badTS[ifc.Index] = msg
	}
	if fr.HoldImplausibleTimes {
		fr.implFrame = fr.frame // TimeHeld
		return fr.prevTime()
	}
	return t
}

// prevTime is the last packet's time, for a packet without one of its
// own (a Simple Packet Block, an implausible time stamp): the Unix epoch
// before any, as tcpdump and Wireshark show a time stamp of 0. With
// HoldImplausibleTimes it is the time the last packet was returned at
// (not a time out of line, see timeline.go).
func (fr *FileReader) prevTime() time.Time {
	if fr.HoldImplausibleTimes && fr.tl.set {
		return time.Unix(0, fr.tl.clock).UTC()
	}
	if fr.lastPkt.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return fr.lastPkt
}

func (fr *FileReader) parseEPB(start int64, b []byte) *Packet {
	if len(b) < 20 {
		fr.problem(start, "enhanced packet block too short (%d bytes)", len(b))
		return nil
	}
	return fr.packetBlock(start, b, fr.u32(b), "enhanced packet block")
}

// packetBlock decodes the layout shared by the Enhanced Packet Block and
// the obsolete Packet Block: interface id (EPB u32; PB u16 + drops u16),
// timestamp high/low, captured and original length, data, options
// (epb_flags / pack_flags, code 2, carry the direction in bits 0-1).
func (fr *FileReader) packetBlock(start int64, b []byte, id uint32, what string) *Packet {
	capLen := int(fr.u32(b[12:]))
	orig := int(fr.u32(b[16:]))
	if capLen > len(b)-20 {
		fr.damage(start, int64(len(b)+12), "%s: captured length %d exceeds the block (%d bytes): packet skipped", what, capLen, len(b)-20)
		return nil
	}
	ifc, ok := fr.packetIface(start, id, b[20:20+capLen], fr.u32(b[4:]), fr.u32(b[8:]), what)
	if !ok {
		return nil
	}
	// The packet data is padded with zeros to 32 bits, and options
	// follow: other bytes in the padding, or options that are not
	// well-formed, mean the captured length is wrong.
	dir := DirectionUnknown
	o := 20 + ((capLen + 3) &^ 3)
	if !allZero(b[20+capLen : o]) {
		fr.problem(start, "%s: padding after the %d captured bytes is not zero (captured length damaged?)", what, capLen)
	} else if o < len(b) && !fr.packetOptions(b[o:], &dir) {
		fr.problem(start, "%s: malformed options after the %d captured bytes (captured length damaged?)", what, capLen)
	}
	if orig < capLen {
		// An original length below the captured one (0, say) cannot be
		// right: the packet is at least what was captured of it, as
		// for a pcap record (nextPcap) and as the writers write it.
		orig = capLen
	}
	fr.frame++
	fr.pktOff = start
	ts := fr.checkTS(start, ifc, ifc.timestamp(fr.u32(b[4:]), fr.u32(b[8:])))
	fr.pkt.Set(fr.frame, ts, capLen, orig, ifc.Index, ifc.LinkType, ifc.Name, dir, 0, b[20:20+capLen])
	return &fr.pkt
}

// packetOptions walks the options of an EPB/PB strictly: registered codes
// with their sizes, the end-of-options marker (length 0) only last. It
// sets the direction from the flags option and reports whether the
// options are well-formed.
func (fr *FileReader) packetOptions(b []byte, dir *Direction) bool {
	for len(b) >= 4 {
		code := fr.u16(b)
		l := int(fr.u16(b[2:]))
		pl := (l + 3) &^ 3
		if 4+pl > len(b) {
			return false
		}
		v := b[4 : 4+l]
		switch code {
		case 0: // opt_endofopt: last, empty
			return l == 0 && len(b) == 4
		case 1, 3, 7, 2988, 2989, 19372, 19373: // comment, hash, verdict, custom
		case 2, 6: // flags, queue
			if l != 4 {
				return false
			}
			if code == 2 {
				*dir = DirectionFromEPBFlags(fr.u32(v))
			}
		case 4, 5: // dropcount, packetid
			if l != 8 {
				return false
			}
		default:
			return false
		}
		b = b[4+pl:]
	}
	return len(b) == 0
}

func (fr *FileReader) parseSPB(start int64, b []byte) *Packet {
	if len(b) < 4 {
		fr.problem(start, "simple packet block too short")
		return nil
	}
	ifc, ok := fr.packetIface(start, 0, b[4:], 0, 0, "simple packet block")
	if !ok {
		return nil
	}
	orig := int(fr.u32(b))
	capLen := len(b) - 4
	if orig < capLen {
		capLen = orig
	}
	if ifc.SnapLen != 0 && capLen > int(ifc.SnapLen) {
		capLen = int(ifc.SnapLen)
	}
	fr.frame++
	fr.pktOff = start
	// SPBs carry no time: the last packet's.
	fr.pkt.Set(fr.frame, fr.prevTime(), capLen, orig, ifc.Index, ifc.LinkType, ifc.Name, DirectionUnknown, 0, b[4:4+capLen])
	return &fr.pkt
}

func (fr *FileReader) parsePB(start int64, b []byte) *Packet {
	if len(b) < 20 {
		fr.problem(start, "packet block too short")
		return nil
	}
	return fr.packetBlock(start, b, uint32(fr.u16(b)), "packet block")
}

// isbTime reads a time of an Interface Statistics Block (the block's own,
// isb_starttime, isb_endtime) at the interface's resolution, except where
// the writer evidently used microseconds whatever if_tsresol says, as
// dumpcap does (its ISB writer takes gettimeofday in microseconds, while
// its interface descriptions may declare nanoseconds; docs/capture.md
// §3.2): read at a finer resolution such a value lands before 1980. When it
// does, a packet has been read and the value read in microseconds is
// within a year of that packet, the microsecond reading is returned and us
// is true.
func (fr *FileReader) isbTime(ifc *Interface, hi, lo uint32) (t time.Time, us bool) {
	t = ifc.timestamp(hi, lo)
	if ifc.tsDiv <= 1e6 || fr.lastPkt.IsZero() || t.Year() >= 1980 {
		return t, false
	}
	micro := Interface{tsDiv: 1e6, tsOffset: ifc.tsOffset}
	if alt := micro.timestamp(hi, lo); absDur(alt.Sub(fr.lastPkt)) <= 366*24*time.Hour {
		return alt, true
	}
	return t, false
}

func (fr *FileReader) parseISB(start int64, b []byte) {
	if len(b) < 12 {
		fr.problem(start, "interface statistics block too short")
		return
	}
	ifc, ok := fr.iface(start, fr.u32(b), "interface statistics block")
	if !ok {
		return
	}
	t, us := fr.isbTime(ifc, fr.u32(b[4:]), fr.u32(b[8:]))
	st := InterfaceStats{Interface: ifc.Index, Time: fr.checkTS(start, ifc, t), Offset: start, Microseconds: us}
	u64 := func(v []byte) *uint64 {
		if len(v) != 8 {
			return nil
		}
		x := fr.u64(v)
		if x == math.MaxUint64 { // "unknown" as dumpcap writes it
			return nil
		}
		return &x
	}
	ts := func(v []byte) *time.Time {
		if len(v) != 8 {
			return nil
		}
		t, us := fr.isbTime(ifc, fr.u32(v), fr.u32(v[4:]))
		st.Microseconds = st.Microseconds || us
		return &t
	}
	fr.options(b[12:], func(code uint16, v []byte) {
		switch code {
		case 2:
			st.Start = ts(v)
		case 3:
			st.End = ts(v)
		case 4:
			st.IfRecv = u64(v)
		case 5:
			st.IfDrop = u64(v)
		case 6:
			st.FilterAccept = u64(v)
		case 7:
			st.OSDrop = u64(v)
		case 8:
			st.UsrDeliv = u64(v)
		}
	})
	fr.keepStats(st)
	if fr.OnStats != nil {
		fr.OnStats(st)
	}
}

// Next returns the next frame, or io.EOF at the end of the file. Defects in
// the file do not stop reading; they are collected in Problems. With
// HoldImplausibleTimes a frame may be returned after the blocks that follow
// it were read (timeline.go).
func (fr *FileReader) Next() (p *Packet, err error) {
	tl := &fr.tl
	hold := fr.HoldImplausibleTimes
	if hold && !tl.steady {
		return fr.nextInTime(nil)
	}
	// next's body: this is the path of every frame.
	if fr.ng {
		p, err = fr.nextNg()
	} else {
		p, err = fr.nextPcap()
	}
	if err != nil {
		if fr.r.failure != nil {
			fr.readFailed()
		}
		return p, err // nothing is held (steady)
	}
	if hold {
		// Nothing held: a frame in line with the clock is returned at
		// once (timeline.go).
		ns := p.Info.Timestamp.UnixNano()
		if !inJump(ns - tl.clock) {
			return fr.nextInTime(p)
		}
		tl.clock = ns
	}
	return p, nil
}

// next is Next with every time stamp as the file says.
func (fr *FileReader) next() (p *Packet, err error) {
	if fr.ng {
		p, err = fr.nextNg()
	} else {
		p, err = fr.nextPcap()
	}
	if err != nil && fr.r.failure != nil {
		fr.readFailed()
	}
	return p, err
}

// SetBufferSwap makes the reader hand off its read buffer instead of
// reusing it, so that the frames it returns stay valid after the next call
// to Next, until the caller is done with them. When the reader must read
// past the end of its buffer, it calls swap(old, nil, min) for a new buffer
// of at least min bytes, moves the unread bytes there and goes on in it;
// the frames returned so far (Packet.Data) point into old and stay valid
// until the caller reuses old, for instance by returning it from a later
// call to swap. A regular file opened with OpenFile may be mapped into
// memory instead of read (no copy; see Mapping), a window at a time: when
// the reader moves to the next
// window it calls swap(old, release, 0) and the caller must call release,
// which unmaps old, once it is done with the frames in old (the return
// value is ignored). A frame is never split across buffers or windows.
// swap runs in the goroutine calling Next, within Next. nil restores the
// default (one buffer, reused: a frame is only valid until the next call
// to Next; a mapped file is read again from the next unread byte).
func (fr *FileReader) SetBufferSwap(swap func(old []byte, release func(), min int) []byte) {
	fr.r.setSwap(swap)
}

// ReuseSwap is the buffer swap (SetBufferSwap) of a caller that is done
// with each frame before its next call to Next: the buffer is reused at
// once, as without a swap, and a window of a mapped file is unmapped at
// once. Set, it lets the reader map the file (see Mapping).
func ReuseSwap(old []byte, release func(), min int) []byte {
	if release != nil {
		release()
		return nil
	}
	if cap(old) >= min {
		return old[:cap(old)]
	}
	return make([]byte, min)
}

// setOrder sets the file's (section's) byte order: big-endian or little.
func (fr *FileReader) setOrder(big bool) { fr.be = big }

// u16, u32 and u64 read a field in the file's byte order (fr.be), without
// an interface call.
func (fr *FileReader) u16(b []byte) uint16 {
	if fr.be {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (fr *FileReader) u32(b []byte) uint32 {
	if fr.be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (fr *FileReader) u64(b []byte) uint64 {
	if fr.be {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}

// Offset returns the byte offset of the next unread byte.
func (fr *FileReader) Offset() int64 { return fr.off }
