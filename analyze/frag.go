package analyze

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// IP reassembly for UDP (multicast-udp.md 1.9: "Run IP reassembly first").
// A datagram larger than the MTU (msend -m 8192, for example) arrives in
// fragments; only the complete datagram reaches the socket. The reassembler
// delivers a datagram once all its fragments are captured; one with a
// fragment missing never reaches the application and is therefore not
// delivered to the gap analysis either (the gap then shows, and the capture's
// own drops or ReasmFails say where it went). Memory is bounded: at most
// maxFragDatagrams datagrams of at most 64 KiB wait, for at most fragTimeout
// of capture time (the kernel's ipfrag_time is 30 s).

const (
	maxFragDatagrams = 1024
	fragTimeout      = 30 * time.Second
)

type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

type fragPart struct {
	off  int
	wire int // length on the wire (the captured data may be shorter)
	data []byte
}

type fragDatagram struct {
	first     time.Time
	parts     []fragPart
	total     int // datagram (L4) length once the last fragment is seen, else -1
	truncated bool
}

type reassembler struct {
	pending    map[fragKey]*fragDatagram
	order      []fragKey // arrival order, for eviction
	incomplete int       // datagrams given up with fragments missing
	buf        []byte
}

func newReassembler() *reassembler {
	return &reassembler{pending: make(map[fragKey]*fragDatagram)}
}

// add records one fragment (f.l4 holds its captured bytes at offset
// f.fragOff of the datagram). When the datagram is complete it returns its
// transport bytes, whether any fragment was cut by the snaplen, and true.
// The returned slice is valid until the next call.
func (r *reassembler) add(f *frame, ts time.Time) ([]byte, int, bool, bool) {
	r.expire(ts)
	k := fragKey{f.src, f.dst, f.ipID, f.proto}
	d := r.pending[k]
	if d == nil {
		if len(r.pending) >= maxFragDatagrams {
			r.evictOldest()
		}
		d = &fragDatagram{first: ts, total: -1}
		r.pending[k] = d
		r.order = append(r.order, k)
	}
	end := f.fragOff + f.l4WireLen
	if end > 65535 || len(d.parts) >= 64 {
		return nil, 0, false, false // impossible datagram: let it expire
	}
	if len(f.l4) < f.l4WireLen {
		d.truncated = true
	}
	d.parts = append(d.parts, fragPart{off: f.fragOff, wire: f.l4WireLen, data: append([]byte(nil), f.l4...)})
	if !f.moreFrag {
		d.total = end
	}
	if d.total < 0 {
		return nil, 0, false, false
	}
	// Complete when the parts cover [0, total) by their wire lengths; the
	// captured bytes may be shorter (snaplen).
	covered := 0
	for progress := true; progress && covered < d.total; {
		progress = false
		for _, p := range d.parts {
			if p.off <= covered && p.off+p.wire > covered {
				covered = p.off + p.wire
				progress = true
			}
		}
	}
	if covered < d.total {
		return nil, 0, false, false
	}
	if cap(r.buf) < d.total {
		r.buf = make([]byte, d.total)
	}
	b := r.buf[:d.total]
	have := 0 // contiguous captured bytes from 0
	for progress := true; progress; {
		progress = false
		for _, p := range d.parts {
			if p.off <= have && p.off+len(p.data) > have {
				n := copy(b[have:], p.data[have-p.off:])
				have += n
				progress = true
			}
		}
	}
	delete(r.pending, k)
	return b[:have], d.total, d.truncated || have < d.total, true
}

func (r *reassembler) expire(now time.Time) {
	for len(r.order) > 0 {
		k := r.order[0]
		d, ok := r.pending[k]
		if ok && now.Sub(d.first) < fragTimeout {
			return
		}
		r.order = r.order[1:]
		if ok {
			delete(r.pending, k)
			r.incomplete++
		}
	}
}

func (r *reassembler) evictOldest() {
	for len(r.order) > 0 {
		k := r.order[0]
		r.order = r.order[1:]
		if _, ok := r.pending[k]; ok {
			delete(r.pending, k)
			r.incomplete++
			return
		}
	}
}

// finish counts the datagrams still waiting at the end of the capture.
func (r *reassembler) finish() int {
	r.incomplete += len(r.pending)
	r.pending = map[fragKey]*fragDatagram{}
	r.order = nil
	return r.incomplete
}

// udpFromReassembled decodes the UDP header of a reassembled datagram.
func udpFromReassembled(b []byte, total int) (sport, dport uint16, payload []byte, wire int, ok bool) {
	if len(b) < 8 {
		return 0, 0, nil, 0, false
	}
	sport = binary.BigEndian.Uint16(b)
	dport = binary.BigEndian.Uint16(b[2:])
	ulen := int(binary.BigEndian.Uint16(b[4:]))
	wire = total - 8
	if ulen >= 8 && ulen-8 <= wire {
		wire = ulen - 8
	}
	payload = b[8:]
	if len(payload) > wire {
		payload = payload[:wire]
	}
	return sport, dport, payload, wire, true
}
