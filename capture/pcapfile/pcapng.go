package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// pcapng option codes the writer uses (block types are declared with the
// reader; draft-ietf-opsawg-pcapng; docs/capture.md §3.1 and §3.3). pcapgo.NgWriter
// cannot write isb_osdrop, isb_filteraccept or EPB options, so the project
// writes the blocks itself.
const (
	optEnd     = 0
	optComment = 1

	shbHardware = 2
	shbOS       = 3
	shbUserAppl = 4

	ifName        = 2
	ifDescription = 3
	ifTsresol     = 9
	ifFilter      = 11
	ifOS          = 12

	epbFlags = 2

	isbStartTime    = 2
	isbEndTime      = 3
	isbIfRecv       = 4
	isbIfDrop       = 5
	isbFilterAccept = 6
	isbOSDrop       = 7
	isbUsrDeliv     = 8
)

// KstatPEN is the Private Enterprise Number in smcdump's custom blocks: 32473,
// the IANA example/documentation PEN (RFC 5612). smcdump has no registered
// PEN; readers must also check the tag at the start of the data. See
// capture/PCAPNG.md.
const KstatPEN = 32473

// KstatTag starts the custom data of a kernel-counter snapshot block; the
// snapshot JSON follows it.
const KstatTag = "smcdump.kstat/v1\n"

// KstatJSON returns the snapshot JSON of a kernel-counter custom block
// (WriteKstat: PEN KstatPEN, data KstatTag then the JSON, padded with
// zeros); ok is false for any other custom block. The JSON aliases cb.Data.
func KstatJSON(cb CustomBlock) (js []byte, ok bool) {
	if cb.PEN != KstatPEN || !bytes.HasPrefix(cb.Data, []byte(KstatTag)) {
		return nil, false
	}
	return bytes.TrimRight(cb.Data[len(KstatTag):], "\x00"), true
}

// DefaultWriteBuffer is the output buffer size (docs/capture.md §3.1: 1–4 MiB).
// 1 MiB keeps each write() short, so the ring is drained without long
// pauses on a small ring.
const DefaultWriteBuffer = 1 << 20

// blockWriter buffers whole blocks and writes them to w. If a write fails on
// a file (disk full), the file is truncated back to the last block boundary
// that was written completely, so the file stays readable. It counts the
// packets that reached w and the ones a write error lost.
type blockWriter struct {
	w       io.Writer
	f       *os.File // non-nil when w is a regular file that can be truncated
	buf     []byte
	size    int
	written int64
	err     error
	// boundary returns the length of the longest prefix of buf, at most n
	// bytes, that consists of whole blocks (records), and how many packets
	// those blocks hold. first tells whether buf starts at the beginning of
	// the file.
	boundary func(buf []byte, n int, first bool) (keep, pkts int)
	// bufPkts is the number of packets in buf; filePkts the number written
	// to w completely; lostPkts the number a write error lost (buffered
	// packets that never reached w).
	bufPkts  int
	filePkts uint64
	lostPkts uint64
}

// ngBoundary walks pcapng blocks (total length at offset 4) and counts the
// Enhanced Packet Blocks among them.
func ngBoundary(buf []byte, n int, _ bool) (int, int) {
	off, pkts := 0, 0
	for off+8 <= len(buf) {
		l := int(binary.LittleEndian.Uint32(buf[off+4:]))
		if l < 12 || off+l > n {
			break
		}
		if binary.LittleEndian.Uint32(buf[off:]) == blockEPB {
			pkts++
		}
		off += l
	}
	return off, pkts
}

func newBlockWriter(w io.Writer, size int) *blockWriter {
	if size <= 0 {
		size = DefaultWriteBuffer
	}
	b := &blockWriter{w: w, buf: make([]byte, 0, size), size: size}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			b.f = f
		}
	}
	return b
}

// reserve makes room for a block of n bytes. It returns the write error
// that makes the writer unusable, so that the caller does not buffer a
// packet that can never reach the file.
func (b *blockWriter) reserve(n int) error {
	if len(b.buf)+n > b.size && len(b.buf) > 0 {
		_ = b.flush()
	}
	return b.err
}

func (b *blockWriter) flush() error {
	if b.err != nil {
		b.lostPkts += uint64(b.bufPkts)
		b.buf, b.bufPkts = b.buf[:0], 0
		return b.err
	}
	if len(b.buf) == 0 {
		return nil
	}
	n, err := b.w.Write(b.buf)
	if err == nil && n < len(b.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		// Only the complete blocks of a partial write count; on a regular
		// file the rest is cut off, so the file stays readable (disk full).
		keep, kept := 0, 0
		if b.boundary != nil && n > 0 {
			keep, kept = b.boundary(b.buf, n, b.written == 0)
		}
		if b.f != nil && n > 0 {
			if terr := b.f.Truncate(b.written + int64(keep)); terr == nil {
				_, _ = b.f.Seek(b.written+int64(keep), io.SeekStart)
				b.written += int64(keep)
			} else {
				kept = 0 // cannot tell which packets are whole
			}
		} else {
			b.written += int64(n)
		}
		b.filePkts += uint64(kept)
		b.lostPkts += uint64(b.bufPkts - kept)
		b.err = err
		b.buf, b.bufPkts = b.buf[:0], 0
		return err
	}
	b.written += int64(n)
	b.filePkts += uint64(b.bufPkts)
	b.buf, b.bufPkts = b.buf[:0], 0
	if cap(b.buf) > 2*b.size {
		b.buf = make([]byte, 0, b.size)
	}
	return nil
}

// pending reports whether data is buffered.
func (b *blockWriter) pending() bool { return len(b.buf) > 0 }

func (b *blockWriter) size64() int64 { return b.written + int64(len(b.buf)) }

func pad4(n int) int { return (n + 3) &^ 3 }

var zeros [8]byte

func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// appendOpt appends one option (code, length, value padded to 4 bytes).
func appendOpt(b []byte, code uint16, val []byte) []byte {
	b = appendU16(b, code)
	b = appendU16(b, uint16(len(val)))
	b = append(b, val...)
	return append(b, zeros[:pad4(len(val))-len(val)]...)
}

func appendOptU64(b []byte, code uint16, v uint64) []byte {
	b = appendU16(b, code)
	b = appendU16(b, 8)
	return appendU64(b, v)
}

// appendOptTS appends a timestamp option (high and low 32-bit halves, ns).
func appendOptTS(b []byte, code uint16, t time.Time) []byte {
	ns := uint64(t.UnixNano())
	b = appendU16(b, code)
	b = appendU16(b, 8)
	b = appendU32(b, uint32(ns>>32))
	return appendU32(b, uint32(ns))
}

// finishBlock patches the total length into the block that starts at start
// and appends the trailing length.
func finishBlock(b []byte, start int) []byte {
	n := len(b) - start + 4
	binary.LittleEndian.PutUint32(b[start+4:], uint32(n))
	return appendU32(b, uint32(n))
}

// SectionInfo describes the pcapng section header.
type SectionInfo struct {
	Application string // shb_userappl, e.g. "smcdump 0.1.0"
	OS          string // shb_os; "" = detect
	Hardware    string // shb_hardware; "" = detect
}

// NgWriter writes pcapng: a section header, one IDB per interface, EPBs,
// interface statistics and custom blocks. Timestamps are in nanoseconds
// (if_tsresol 9). Blocks are little-endian.
type NgWriter struct {
	bw     *blockWriter
	ifaces []Interface
}

// NewNgWriter writes the section header and interface descriptions to w and
// returns the writer. bufSize ≤ 0 means DefaultWriteBuffer.
func NewNgWriter(w io.Writer, sec SectionInfo, ifaces []Interface, bufSize int) (*NgWriter, error) {
	if len(ifaces) == 0 {
		return nil, errors.New("pcapfile: pcapng writer needs at least one interface")
	}
	nw := &NgWriter{bw: newBlockWriter(w, bufSize), ifaces: ifaces}
	nw.bw.boundary = ngBoundary
	if sec.OS == "" {
		sec.OS = hostOS()
	}
	if sec.Hardware == "" {
		sec.Hardware = hostHardware()
	}
	b := nw.bw.buf
	start := len(b)
	b = appendU32(b, blockSHB)
	b = appendU32(b, 0)
	b = appendU32(b, 0x1A2B3C4D)
	b = appendU16(b, 1)
	b = appendU16(b, 0)
	b = appendU64(b, ^uint64(0)) // section length unknown
	if sec.Hardware != "" {
		b = appendOpt(b, shbHardware, []byte(sec.Hardware))
	}
	if sec.OS != "" {
		b = appendOpt(b, shbOS, []byte(sec.OS))
	}
	if sec.Application != "" {
		b = appendOpt(b, shbUserAppl, []byte(sec.Application))
	}
	b = appendOpt(b, optEnd, nil)
	b = finishBlock(b, start)
	for _, ifc := range ifaces {
		b = appendIDB(b, ifc)
	}
	nw.bw.buf = b
	return nw, nil
}

// appendIDB appends an Interface Description Block for ifc to b.
func appendIDB(b []byte, ifc Interface) []byte {
	start := len(b)
	snap := ifc.SnapLen
	if snap == 0 {
		snap = DefaultSnaplen
	}
	b = appendU32(b, blockIDB)
	b = appendU32(b, 0)
	b = appendU16(b, uint16(ifc.LinkType))
	b = appendU16(b, 0)
	b = appendU32(b, uint32(snap))
	if ifc.Name != "" {
		b = appendOpt(b, ifName, []byte(ifc.Name))
	}
	if ifc.Description != "" {
		b = appendOpt(b, ifDescription, []byte(ifc.Description))
	}
	b = appendOpt(b, ifTsresol, []byte{9})
	if ifc.Filter != "" {
		b = appendOpt(b, ifFilter, append([]byte{0}, ifc.Filter...))
	}
	if ifc.OS != "" {
		b = appendOpt(b, ifOS, []byte(ifc.OS))
	}
	b = appendOpt(b, optEnd, nil)
	return finishBlock(b, start)
}

// AddInterface describes one more interface (an IDB, which pcapng allows
// anywhere in a section before the interface's first packet); its id is
// the number of interfaces before it.
func (w *NgWriter) AddInterface(ifc Interface) error {
	if w.bw.err != nil {
		return w.bw.err
	}
	if err := w.bw.reserve(64 + len(ifc.Name) + len(ifc.Description) + len(ifc.Filter) + len(ifc.OS)); err != nil {
		return err
	}
	w.bw.buf = appendIDB(w.bw.buf, ifc)
	w.ifaces = append(w.ifaces[:len(w.ifaces):len(w.ifaces)], ifc)
	return nil
}

// WritePacket writes one Enhanced Packet Block for p, with epb_flags set
// from the packet direction when it is known.
func (w *NgWriter) WritePacket(p *Packet) error {
	return w.WritePacketData(p.Info.InterfaceIndex, p.Info.Timestamp, p.Data, p.Info.Length, p.Direction.EPBFlags())
}

// WritePacketData writes one Enhanced Packet Block. flags (epb_flags) is
// omitted when zero. It does not allocate.
func (w *NgWriter) WritePacketData(iface int, ts time.Time, data []byte, wireLen int, flags uint32) error {
	if w.bw.err != nil {
		return w.bw.err
	}
	if iface < 0 || iface >= len(w.ifaces) {
		return fmt.Errorf("capture: pcapng: interface id %d out of range (have %d)", iface, len(w.ifaces))
	}
	if wireLen < len(data) {
		wireLen = len(data)
	}
	n := 28 + pad4(len(data)) + 4
	if flags != 0 {
		n += 12
	}
	if err := w.bw.reserve(n); err != nil {
		return err
	}
	start := len(w.bw.buf)
	b := slices.Grow(w.bw.buf, n)[:start+n]
	e := b[start:]
	le := binary.LittleEndian
	ns := uint64(ts.UnixNano())
	le.PutUint32(e[0:], blockEPB)
	le.PutUint32(e[4:], uint32(n))
	le.PutUint32(e[8:], uint32(iface))
	le.PutUint32(e[12:], uint32(ns>>32))
	le.PutUint32(e[16:], uint32(ns))
	le.PutUint32(e[20:], uint32(len(data)))
	le.PutUint32(e[24:], uint32(wireLen))
	o := 28 + copy(e[28:], data)
	for ; o&3 != 0; o++ {
		e[o] = 0
	}
	if flags != 0 {
		le.PutUint32(e[o:], epbFlags|4<<16) // code 2, length 4
		le.PutUint32(e[o+4:], flags)
		le.PutUint32(e[o+8:], optEnd)
		o += 12
	}
	le.PutUint32(e[o:], uint32(n))
	w.bw.buf = b
	w.bw.bufPkts++
	return nil
}

// WriteStats writes s as an Interface Statistics Block for interface
// s.Interface, with the counters that are set (non-nil), in the options the
// pcapng draft defines for them. Time (the block's timestamp) zero means
// now. A live capture's counters map to them as capture.Counters.ISB says.
func (w *NgWriter) WriteStats(s InterfaceStats) error {
	if w.bw.err != nil {
		return w.bw.err
	}
	iface := s.Interface
	if iface < 0 || iface >= len(w.ifaces) {
		return fmt.Errorf("pcapfile: pcapng: interface id %d out of range (have %d)", iface, len(w.ifaces))
	}
	if err := w.bw.reserve(256); err != nil {
		return err
	}
	b := w.bw.buf
	start := len(b)
	end := s.Time
	if end.IsZero() {
		end = time.Now()
	}
	ns := uint64(end.UnixNano())
	b = appendU32(b, blockISB)
	b = appendU32(b, 0)
	b = appendU32(b, uint32(iface))
	b = appendU32(b, uint32(ns>>32))
	b = appendU32(b, uint32(ns))
	b = appendOpt(b, optComment, []byte("Counters provided by smcdump"))
	if s.Start != nil {
		b = appendOptTS(b, isbStartTime, *s.Start)
	}
	if s.End != nil {
		b = appendOptTS(b, isbEndTime, *s.End)
	}
	for _, c := range []struct {
		code uint16
		v    *uint64
	}{
		{isbIfRecv, s.IfRecv}, {isbIfDrop, s.IfDrop}, {isbFilterAccept, s.FilterAccept},
		{isbOSDrop, s.OSDrop}, {isbUsrDeliv, s.UsrDeliv},
	} {
		if c.v != nil {
			b = appendOptU64(b, c.code, *c.v)
		}
	}
	b = appendOpt(b, optEnd, nil)
	w.bw.buf = finishBlock(b, start)
	return nil
}

// WriteCustom writes a copiable Custom Block (type 0x00000BAD) with the
// given Private Enterprise Number and data. The data is padded with NUL bytes
// to a multiple of 4; no options follow it.
func (w *NgWriter) WriteCustom(pen uint32, data []byte) error {
	if w.bw.err != nil {
		return w.bw.err
	}
	if err := w.bw.reserve(16 + pad4(len(data))); err != nil {
		return err
	}
	b := w.bw.buf
	start := len(b)
	b = appendU32(b, blockCustom)
	b = appendU32(b, 0)
	b = appendU32(b, pen)
	b = append(b, data...)
	b = append(b, zeros[:pad4(len(data))-len(data)]...)
	w.bw.buf = finishBlock(b, start)
	return nil
}

// WriteKstat stores a kernel-counter snapshot (JSON) in a custom block: PEN
// KstatPEN, data = KstatTag followed by the JSON (capture/PCAPNG.md).
func (w *NgWriter) WriteKstat(snapshotJSON []byte) error {
	if len(snapshotJSON) > 16<<20 {
		return errors.New("capture: kstat snapshot too large for a pcapng block")
	}
	data := make([]byte, 0, len(KstatTag)+len(snapshotJSON))
	data = append(append(data, KstatTag...), snapshotJSON...)
	return w.WriteCustom(KstatPEN, data)
}

// Flush writes buffered blocks to the underlying writer.
func (w *NgWriter) Flush() error { return w.bw.flush() }

// Size returns the number of bytes written so far, including buffered ones.
func (w *NgWriter) Size() int64 { return w.bw.size64() }

// Err returns the first write error, if any.
func (w *NgWriter) Err() error { return w.bw.err }

// Packets returns how many packets reached the underlying writer completely
// (written) and how many a write error lost (buffered, never written).
// Packets still buffered count in neither.
func (w *NgWriter) Packets() (written, lost uint64) { return w.bw.filePkts, w.bw.lostPkts }

// Pending reports whether blocks are buffered and not yet written.
func (w *NgWriter) Pending() bool { return w.bw.pending() }

func hostOS() string { return HostOS() }

// HostOS returns the operating system name and release written to pcapng
// shb_os and if_os ("Linux 6.12.0"; runtime.GOOS where the release is not
// known).
func HostOS() string {
	t, err1 := os.ReadFile("/proc/sys/kernel/ostype")
	r, err2 := os.ReadFile("/proc/sys/kernel/osrelease")
	if err1 != nil || err2 != nil {
		return runtime.GOOS
	}
	return strings.TrimSpace(string(t)) + " " + strings.TrimSpace(string(r))
}

func hostHardware() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}
