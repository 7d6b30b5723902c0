//go:build linux

package capture

import (
	"encoding/binary"
	"io"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// emptyMargin is how far behind the clock a packet must be before the merge
// trusts an empty ring: a packet the kernel has not yet put in the ring is
// time-stamped after it was reserved there, so not earlier than the clock
// read before the ring was seen empty — unless the stack time-stamped it on
// receive; this margin covers the softirq latency in between.
const emptyMargin = time.Millisecond

// nextMerged is NextBatch for a handle with several rings (fanout, or
// several interfaces): a k-way merge of the rings' packets by time stamp,
// zero copy (packets alias the ring blocks, which are returned to the
// kernel on the next call).
//
// Each ring is in time order (nearly: packets reserved concurrently from two
// CPUs may be stamped out of order), so the packet with the smallest time
// stamp among the rings' next packets may be handed out when every other
// ring either has a next packet (not older, or it would have been chosen),
// or already delivered a packet at least as new, or has nothing pending (its
// open block is empty, and the packet is older than the clock read before
// looking); otherwise the merge waits for that ring's block to be retired,
// at most MergeWindow from the packet's time stamp (and at most MergeWindow
// of waiting, whatever the clock does). Only the block being read is held
// per ring: the merge never copies packets and needs no memory beyond the
// rings. A packet older than one already handed out (its ring was later
// than the window) is handed out at once and counted in Counters.Late.
func (h *Handle) nextMerged(pkts []pcapfile.Packet) (int, error) {
	for _, r := range h.rings {
		r.releaseHeld()
	}
	for {
		if h.closed.Load() {
			return 0, ErrClosed
		}
		n := 0
		hold := time.Duration(-1)
		for n < len(pkts) {
			// One pass: the ring with the oldest next packet, the oldest
			// next packet of the others (limit: best's packets up to it go
			// out without looking at the other rings again), and whether
			// every ring has a next packet (then best's may go out now).
			var best *ring
			limit := int64(1<<63 - 1)
			all := true
			for _, r := range h.rings {
				if !h.head(r) {
					all = false
					continue
				}
				switch {
				case best == nil:
					best = r
				case r.headNS < best.headNS:
					limit = min(limit, best.headNS)
					best = r
				default:
					limit = min(limit, r.headNS)
				}
			}
			if best == nil {
				break
			}
			if !all && !h.flushing {
				if ok, d := h.mayEmit(best); !ok {
					hold = d
					break
				}
				// Rings without a next packet bound the run by what they
				// delivered last (mayEmit checks beyond that).
				for _, r := range h.rings {
					if r != best && !r.reading && r.lastNS < limit {
						limit = max(r.lastNS, best.headNS)
					}
				}
			} else {
				h.holdSince = time.Time{}
			}
			for {
				t := best.headNS
				if h.parse(best, &pkts[n]) {
					switch {
					case t < best.lastNS:
						best.nUnordered++ // as its own ring delivered it
					case t < h.lastNS:
						best.nLate++
					default:
						h.lastNS = t
					}
					n++
				}
				best.lastNS = max(best.lastNS, t)
				if n == len(pkts) || best.remaining == 0 || !h.head(best) || best.headNS > limit {
					break
				}
			}
		}
		if n > 0 {
			return n, nil
		}
		// Nothing in the caller's batch refers to the rings now.
		for _, r := range h.rings {
			r.releaseHeld()
		}
		if h.flushing {
			return 0, io.EOF
		}
		timeout := h.cfg.PollTimeout
		if hold >= 0 {
			timeout = min(timeout, max(hold, 100*time.Microsecond))
		}
		if h.stopping.Load() {
			left, over := h.drainLeft()
			if over {
				// Hand out what the rings' current blocks hold, in order
				// (no more waiting), then EOF.
				h.flushing = true
				continue
			}
			timeout = min(left, timeout)
		}
		if err := h.wait(timeout); err != nil {
			return 0, err
		}
	}
}

// head makes sure r.headNS is the time stamp of r's next packet, starting
// on the ring's next block when it is ready; it reports whether r has a next
// packet. A block read to its end is kept for release on the next call.
func (h *Handle) head(r *ring) bool {
	for {
		if r.reading {
			if r.remaining > 0 {
				o := r.off
				if o < 0 || o+phSLL+sllAddr+8 > (r.block+1)*r.blockSize || o+phSLL > len(r.mem) {
					r.remaining = 0 // malformed: parse would refuse it too
					continue
				}
				ne := binary.NativeEndian
				r.headNS = int64(ne.Uint32(r.mem[o+phSec:]))*1e9 + int64(ne.Uint32(r.mem[o+phNsec:]))
				return true
			}
			r.reading = false
			r.relCount++
			r.block++
			if r.block == r.blockNr {
				r.block = 0
			}
			continue
		}
		if h.flushing || r.relCount >= r.blockNr || !r.ready() {
			return false
		}
		h.gotBlock = true
		r.beginBlock()
	}
}

// releaseHeld returns the blocks read to their end to the kernel.
func (r *ring) releaseHeld() {
	for ; r.relCount > 0; r.relCount-- {
		b := r.block - r.relCount
		if b < 0 {
			b += r.blockNr
		}
		atomic.StoreUint32(r.statusPtr(b), 0) // TP_STATUS_KERNEL
	}
	r.publish()
}

// activeEmpty reports whether the block the kernel fills next for r holds no
// packet yet. Only meaningful when r has no ready block: then r.block is the
// kernel's open block (a block retired earlier and not yet reopened still
// shows its old, nonzero count, which only makes the merge wait).
func (r *ring) activeEmpty() bool {
	if r.reading || r.relCount > 0 {
		return false
	}
	b := r.block * r.blockSize
	n := atomic.LoadUint32((*uint32)(unsafe.Pointer(&r.mem[b+bdNumPkts])))
	return n == 0 && !r.ready()
}

// mayEmit reports whether best's next packet may be handed out now, and if
// not, how long to wait at most before asking again.
func (h *Handle) mayEmit(best *ring) (bool, time.Duration) {
	t := best.headNS
	var now time.Time
	var nowNS int64
	wait := time.Duration(-1)
	for _, r := range h.rings {
		if r == best || r.reading || r.lastNS >= t {
			continue
		}
		if nowNS == 0 {
			// Read the clock before looking at the ring (see emptyMargin).
			now = time.Now()
			nowNS = now.UnixNano()
		}
		if r.activeEmpty() && t <= nowNS-int64(emptyMargin) {
			continue
		}
		if h.holdSince.IsZero() {
			h.holdSince = now
		}
		left := min(time.Duration(t+int64(h.window)-nowNS), h.window-now.Sub(h.holdSince))
		if left <= 0 {
			continue // waited long enough: the lagging ring is late
		}
		if r.activeEmpty() {
			left = min(left, time.Duration(t+int64(emptyMargin)-nowNS))
		}
		if wait < 0 || left < wait {
			wait = left
		}
	}
	if wait >= 0 {
		return false, wait
	}
	h.holdSince = time.Time{}
	return true, 0
}
