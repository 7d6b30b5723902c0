package analyze

// halfStream reassembles the first bytes of one direction of a TCP
// connection: just enough to decode the CLC handshake (smc-protocol.md
// section 0: "reassemble the TCP payload of both directions from the first
// data byte"). It handles retransmissions, overlaps, out-of-order segments
// and sequence wraparound, and keeps at most maxStreamBytes bytes.
type halfStream struct {
	baseSet bool
	base    uint32 // sequence number of stream byte 0
	buf     []byte // contiguous bytes from offset 0
	pending []pendingSeg
	// snapGap is the offset of the first byte that was on the wire but cut
	// by the snaplen, -1 if none is known. It only blocks progress while no
	// retransmission has filled it.
	snapGap int
	// overflow is set when data beyond maxStreamBytes or too many
	// out-of-order segments had to be dropped.
	overflow bool
}

type pendingSeg struct {
	off  int
	data []byte
}

const (
	maxStreamBytes = 16 << 10
	maxPending     = 64
)

func newHalfStream() halfStream { return halfStream{snapGap: -1} }

// setBase fixes stream offset 0 at sequence number seq.
func (h *halfStream) setBase(seq uint32) {
	h.base = seq
	h.baseSet = true
}

// add records a segment whose first payload byte has sequence number seq.
// data are the captured payload bytes; wireLen is the payload length on the
// wire (wireLen > len(data) when the snaplen cut the segment). It returns
// true if new contiguous bytes became available.
func (h *halfStream) add(seq uint32, data []byte, wireLen int) bool {
	if !h.baseSet {
		return false
	}
	rel := int64(int32(seq - h.base)) // wrap-safe signed distance
	if rel < 0 {
		// Starts before byte 0 (e.g. a SYN retransmission with data, or a
		// keep-alive): trim the head.
		cut := -rel
		if cut >= int64(len(data)) {
			return false
		}
		data = data[cut:]
		wireLen -= int(cut)
		rel = 0
	}
	off := int(rel)
	if off >= maxStreamBytes {
		h.overflow = true
		return false
	}
	if len(data) < wireLen {
		gap := off + len(data)
		if h.snapGap < 0 || gap < h.snapGap {
			if gap >= len(h.buf) {
				h.snapGap = gap
			}
		}
	}
	grew := h.place(off, data)
	if grew {
		grew = true
		h.drain()
	}
	if h.snapGap >= 0 && h.snapGap < len(h.buf) {
		h.snapGap = -1 // filled by another copy
	}
	return grew
}

// place copies data at stream offset off. Returns true if buf grew.
func (h *halfStream) place(off int, data []byte) bool {
	end := off + len(data)
	if end > maxStreamBytes {
		data = data[:maxStreamBytes-off]
		end = maxStreamBytes
		h.overflow = true
	}
	if end <= len(h.buf) {
		return false // retransmission of bytes we have
	}
	if off > len(h.buf) {
		// Out of order: keep a copy until the hole is filled.
		if len(h.pending) >= maxPending {
			h.overflow = true
			return false
		}
		h.pending = append(h.pending, pendingSeg{off: off, data: append([]byte(nil), data...)})
		return false
	}
	h.buf = append(h.buf, data[len(h.buf)-off:]...)
	return true
}

func (h *halfStream) drain() {
	for progressed := true; progressed && len(h.pending) > 0; {
		progressed = false
		for i := 0; i < len(h.pending); i++ {
			p := h.pending[i]
			if p.off > len(h.buf) {
				continue
			}
			if p.off+len(p.data) > len(h.buf) {
				h.buf = append(h.buf, p.data[len(h.buf)-p.off:]...)
			}
			h.pending = append(h.pending[:i], h.pending[i+1:]...)
			i--
			progressed = true
		}
	}
}

// truncatedAt reports whether the contiguous data stops at a byte that the
// snaplen cut off.
func (h *halfStream) truncatedAt(n int) bool {
	return h.snapGap >= 0 && h.snapGap <= n
}

// release frees the buffers once the handshake no longer needs them.
func (h *halfStream) release() {
	h.buf = nil
	h.pending = nil
}
