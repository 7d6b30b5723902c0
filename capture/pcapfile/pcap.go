package pcapfile

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// PcapWriter writes the legacy pcap format for readers without pcapng
// support (--format pcap). It has one link type and no statistics. The
// magic is a1b23c4d (nanosecond timestamps) unless micro is set (a1b2c3d4),
// docs/capture.md §3.2.
type PcapWriter struct {
	bw    *blockWriter
	micro bool
}

// NewPcapWriter writes the pcap file header to w.
func NewPcapWriter(w io.Writer, linkType LinkType, snaplen uint32, micro bool, bufSize int) (*PcapWriter, error) {
	if snaplen == 0 {
		snaplen = DefaultSnaplen
	}
	pw := &PcapWriter{bw: newBlockWriter(w, bufSize), micro: micro}
	pw.bw.boundary = pcapBoundary
	magic := uint32(0xa1b23c4d)
	if micro {
		magic = 0xa1b2c3d4
	}
	b := pw.bw.buf
	b = appendU32(b, magic)
	b = appendU16(b, 2)
	b = appendU16(b, 4)
	b = appendU32(b, 0)
	b = appendU32(b, 0)
	b = appendU32(b, uint32(snaplen))
	b = appendU32(b, uint32(linkType))
	pw.bw.buf = b
	return pw, nil
}

// pcapBoundary walks pcap records (caplen at offset 8 of the 16-byte record
// header), after the 24-byte file header when buf starts the file.
func pcapBoundary(buf []byte, n int, first bool) (int, int) {
	off, pkts := 0, 0
	if first {
		if n < 24 {
			return 0, 0
		}
		off = 24
	}
	for off+16 <= n {
		l := 16 + int(binary.LittleEndian.Uint32(buf[off+8:]))
		if off+l > n {
			break
		}
		off += l
		pkts++
	}
	return off, pkts
}

// WritePacket writes one record for p.
func (w *PcapWriter) WritePacket(p *Packet) error {
	return w.WritePacketData(p.Info.Timestamp, p.Data, p.Info.Length)
}

// WritePacketData writes one record. It does not allocate.
func (w *PcapWriter) WritePacketData(ts time.Time, data []byte, wireLen int) error {
	if w.bw.err != nil {
		return w.bw.err
	}
	if wireLen < len(data) {
		wireLen = len(data)
	}
	if len(data) > 1<<30 {
		return fmt.Errorf("capture: pcap: packet of %d bytes too large", len(data))
	}
	if err := w.bw.reserve(16 + len(data)); err != nil {
		return err
	}
	b := w.bw.buf
	sub := uint32(ts.Nanosecond())
	if w.micro {
		sub /= 1000
	}
	b = appendU32(b, uint32(ts.Unix()))
	b = appendU32(b, sub)
	b = appendU32(b, uint32(len(data)))
	b = appendU32(b, uint32(wireLen))
	w.bw.buf = append(b, data...)
	w.bw.bufPkts++
	return nil
}

// Flush writes buffered records to the underlying writer.
func (w *PcapWriter) Flush() error { return w.bw.flush() }

// Size returns the number of bytes written so far, including buffered ones.
func (w *PcapWriter) Size() int64 { return w.bw.size64() }

// Packets is NgWriter.Packets for pcap.
func (w *PcapWriter) Packets() (written, lost uint64) { return w.bw.filePkts, w.bw.lostPkts }

// Pending reports whether records are buffered and not yet written.
func (w *PcapWriter) Pending() bool { return w.bw.pending() }
