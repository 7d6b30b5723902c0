package decode

import "sync"

// HalfStream reassembles the first bytes of one direction of a TCP
// connection: just enough to decode the CLC handshake (docs/smc-protocol.md
// section 0: "reassemble the TCP payload of both directions from the first
// data byte"). It handles retransmissions, overlaps, out-of-order segments
// and sequence wraparound, and keeps at most maxStreamBytes bytes.
type HalfStream struct {
	BaseSet bool
	// overflow is set when data beyond maxStreamBytes or too many
	// out-of-order segments had to be dropped.
	overflow bool
	// start is the stream offset of Buf[0] (at most MaxStreamBytes: it
	// fits the padding before base, and a connection holds two streams).
	start uint16
	base  uint32 // sequence number of stream byte 0
	// Buf holds the contiguous bytes from stream offset Start() on: the
	// bytes before it were read where they lay (Consumed) and never
	// copied. Len is the stream offset of the first byte not held.
	Buf     []byte
	pending []pendingSeg
	// snapGap is the offset of the first byte that was on the wire but cut
	// by the snaplen, -1 if none is known. It only blocks progress while no
	// retransmission has filled it.
	snapGap int32
	// pendBytes: this stream's part of Pending
	pendBytes int32
	// bufp is the pool holder of Buf's storage when it came from
	// streamBufs (Release returns it).
	bufp *[]byte
	// Pending, when set, is the budget the out-of-order copies of all
	// the streams of one tracker share (MaxPendingTotal), and the
	// buffers it recycles for them (instead of streamBufs).
	Pending *PendingBudget
}

// PendingBudget bounds the bytes of out-of-order segments held for all
// the streams of one connection tracker: MaxPendingTotal. Refused counts
// the segments not kept because it was spent (their streams are then
// Overflowed). It also recycles the buffers of the tracker's released
// streams, at most maxFreeBufs of them: one goroutine uses a tracker, so
// a plain list does what streamBufs does for streams without a budget,
// at a fifth of the cost per handshake (sync.Pool's Get and Put pin the
// processor and go through its per-processor queues).
type PendingBudget struct {
	Bytes, Refused int
	free           [][]byte
}

// maxFreeBufs bounds the buffers a PendingBudget keeps for reuse (each at
// most MaxStreamBytes: 1 MiB in all at worst; the streams of a handshake
// hold a few hundred bytes each).
const maxFreeBufs = 64

// streamBufs recycles the buffers of released streams: a busy capture
// resolves handshakes all the time, and each would otherwise allocate and
// grow fresh buffers (garbage the collector must then find). A buffer goes
// back only through Release, after which the stream no longer refers to it,
// so a HalfStream must not be copied once it holds bytes. When the pool is
// empty a stream allocates as it always did (no pool New: an empty
// preallocated buffer would cost more than it saves for streams that are
// never released).
var streamBufs sync.Pool // of *[]byte

type pendingSeg struct {
	off  int
	data []byte
}

const (
	MaxStreamBytes = 16 << 10
	// MaxPendingSegments bounds the out-of-order segments one stream
	// holds.
	MaxPendingSegments = 64
	// MaxPendingTotal bounds the out-of-order bytes a PendingBudget
	// lets its streams hold together (docs/architecture.md "Memory
	// bounds"); one stream holds at most MaxStreamBytes of them.
	MaxPendingTotal = 8 << 20
)

// HalfStream.start holds stream offsets up to MaxStreamBytes.
const _ = uint16(MaxStreamBytes)

func NewHalfStream() HalfStream { return HalfStream{snapGap: -1} }

// SetBase fixes stream offset 0 at sequence number seq.
func (h *HalfStream) SetBase(seq uint32) {
	h.base = seq
	h.BaseSet = true
}

// Len returns the number of contiguous stream bytes known from offset 0:
// Start plus the bytes held in Buf.
func (h *HalfStream) Len() int { return int(h.start) + len(h.Buf) }

// Start returns the stream offset of Buf[0].
func (h *HalfStream) Start() int { return int(h.start) }

// InOrder reports whether a segment of n captured bytes whose first byte
// has sequence number seq, wireLen bytes on the wire, is the next one of
// the stream and complete, with nothing else waiting: its bytes follow
// the contiguous ones (Len) exactly, none was cut by the snaplen, no
// out-of-order copy or snaplen hole is pending, and it fits in
// MaxStreamBytes. Such a segment can be read where it lies; Consumed then
// records what was read, and Add keeps the rest.
func (h *HalfStream) InOrder(seq uint32, n, wireLen int) bool {
	return h.BaseSet && n > 0 && n == wireLen && len(h.pending) == 0 && h.snapGap < 0 &&
		int64(int32(seq-h.base)) == int64(h.Len()) && h.Len()+n <= MaxStreamBytes
}

// Consumed drops the bytes before stream offset to, which the caller has
// read: every byte held (to >= Len) and, beyond them, the first to-Len
// bytes of an InOrder segment read where it lay. A later Add of those
// bytes counts as a retransmission; Add of the segment itself keeps only
// its bytes from to on.
func (h *HalfStream) Consumed(to int) {
	if to >= h.Len() && to <= MaxStreamBytes {
		h.start, h.Buf = uint16(to), h.Buf[:0]
	}
}

// Add records a segment whose first payload byte has sequence number seq.
// data are the captured payload bytes; wireLen is the payload length on the
// wire (wireLen > len(data) when the snaplen cut the segment). It returns
// true if new contiguous bytes became available.
func (h *HalfStream) Add(seq uint32, data []byte, wireLen int) bool {
	if !h.BaseSet {
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
	if off >= MaxStreamBytes {
		h.overflow = true
		return false
	}
	if len(data) < wireLen {
		gap := off + len(data)
		if h.snapGap < 0 || gap < int(h.snapGap) {
			if gap >= h.Len() {
				h.snapGap = int32(gap)
			}
		}
	}
	grew := h.place(off, data)
	if grew {
		grew = true
		h.drain()
	}
	if h.snapGap >= 0 && int(h.snapGap) < h.Len() {
		h.snapGap = -1 // filled by another copy
	}
	return grew
}

// place copies data at stream offset off. Returns true if buf grew.
func (h *HalfStream) place(off int, data []byte) bool {
	end := off + len(data)
	if end > MaxStreamBytes {
		data = data[:MaxStreamBytes-off]
		end = MaxStreamBytes
		h.overflow = true
	}
	if end <= h.Len() {
		return false // retransmission of bytes we have (or had)
	}
	if off > h.Len() {
		// Out of order: keep a copy until the hole is filled, unless a
		// copy kept already holds these bytes (a retransmission).
		for _, p := range h.pending {
			if p.off <= off && end <= p.off+len(p.data) {
				return false
			}
		}
		if len(h.pending) >= MaxPendingSegments || int(h.pendBytes)+len(data) > MaxStreamBytes {
			h.overflow = true
			return false
		}
		if h.Pending != nil {
			if h.Pending.Bytes+len(data) > MaxPendingTotal {
				h.Pending.Refused++
				h.overflow = true
				return false
			}
			h.Pending.Bytes += len(data)
		}
		h.pendBytes += int32(len(data))
		h.pending = append(h.pending, pendingSeg{off: off, data: append([]byte(nil), data...)})
		return false
	}
	if cap(h.Buf) == 0 && h.bufp == nil {
		if b := h.Pending; b != nil {
			if n := len(b.free); n > 0 {
				h.Buf = b.free[n-1]
				b.free[n-1] = nil
				b.free = b.free[:n-1]
			}
		} else if p, _ := streamBufs.Get().(*[]byte); p != nil {
			h.bufp, h.Buf = p, (*p)[:0]
		}
	}
	h.Buf = append(h.Buf, data[h.Len()-off:]...)
	return true
}

func (h *HalfStream) drain() {
	for progressed := true; progressed && len(h.pending) > 0; {
		progressed = false
		for i := 0; i < len(h.pending); i++ {
			p := h.pending[i]
			if p.off > h.Len() {
				continue
			}
			if p.off+len(p.data) > h.Len() {
				h.Buf = append(h.Buf, p.data[h.Len()-p.off:]...)
			}
			h.unpend(len(p.data))
			h.pending = append(h.pending[:i], h.pending[i+1:]...)
			i--
			progressed = true
		}
	}
}

// TruncatedAt reports whether the contiguous data stops at a byte that the
// snaplen cut off.
func (h *HalfStream) TruncatedAt(n int) bool {
	return h.snapGap >= 0 && int(h.snapGap) <= n
}

// Release frees the buffers once the handshake no longer needs them; Buf
// must not be used any more (its storage is reused by other streams).
func (h *HalfStream) Release() {
	if c := cap(h.Buf); c > 0 && c <= MaxStreamBytes {
		if b := h.Pending; b != nil && h.bufp == nil {
			if len(b.free) < maxFreeBufs {
				b.free = append(b.free, h.Buf[:0])
			}
		} else {
			p := h.bufp
			if p == nil {
				p = new([]byte) // once per buffer: holders are recycled with it
			}
			*p = h.Buf[:0]
			streamBufs.Put(p)
		}
	}
	h.bufp = nil
	h.Buf = nil
	h.pending = nil
	h.unpend(int(h.pendBytes))
}

// ReturnBudget gives the bytes of the out-of-order copies the stream holds
// back to its budget (PendingBudget), as Release will: for a stream that is
// done with but still read before it is released. The copies stay
// readable (Waiting); the stream must not be added to any more.
func (h *HalfStream) ReturnBudget() { h.unpend(int(h.pendBytes)) }

// unpend gives n bytes of out-of-order copies back to the budget.
func (h *HalfStream) unpend(n int) {
	h.pendBytes -= int32(n)
	if h.Pending != nil {
		h.Pending.Bytes -= n
	}
}

// Overflowed reports whether bytes had to be dropped: beyond MaxStreamBytes,
// or out-of-order segments beyond what is kept (64 per stream, at most
// MaxStreamBytes of them, and the tracker's MaxPendingTotal).
func (h *HalfStream) Overflowed() bool { return h.overflow }

// Base returns the sequence number of stream byte 0 (valid once BaseSet).
func (h *HalfStream) Base() uint32 { return h.base }

// Waiting reports whether out-of-order segments wait for a hole before them
// to be filled.
func (h *HalfStream) Waiting() bool { return len(h.pending) > 0 }
