package decode

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"time"
)

// IP reassembly (docs/multicast-udp.md 1.9: "Run IP reassembly first"), for
// UDP, and for TCP, GRE and IP in IP (docs/tunnels.md: tunnels that arrive
// in fragments; see Reassembled). A datagram larger than the MTU (msend -m
// 8192, for example) arrives in fragments; only the complete datagram
// reaches the socket. The reassembler
// delivers a datagram once all its fragments are captured; one with a
// fragment missing never reaches the application and is therefore not
// delivered to the gap analysis either (the gap then shows, and the capture's
// own drops or ReasmFails say where it went).
//
// It follows the Linux receiver's rules (net/ipv4/ip_fragment.c,
// net/ipv6/reassembly.c, net/ipv4/inet_fragment.c), because what the kernel
// discards never reached the application:
//   - a last fragment that ends before bytes already seen, or a second last
//     fragment with a different end, or a fragment reaching past a known end,
//     discards the whole datagram (the fragment too);
//   - a fragment lying entirely inside one already held is a duplicate and is
//     ignored; any other overlap discards the datagram (RFC 5722, and IPv4
//     since Linux 4.19);
//   - a datagram reaching past 64 KiB never completes (it waits, holding
//     no bytes, until it times out, as in the kernel);
//   - IPv4 only: when more than ipfrag_max_dist (64) fragments from the same
//     source arrived since the datagram's previous fragment, the datagram is
//     stale (its IP ID was reused) and starts afresh with this fragment;
//   - a datagram not complete within ipfrag_time (30 s of capture time) from
//     its first fragment is given up.
// Every datagram given up counts as incomplete (the kernel's ReasmFails).
//
// Termination and cost: fragments are kept sorted by offset and never
// overlap, so an insertion is one binary search and one copy, and a
// completed datagram is assembled in one pass over its fragments. Memory is
// bounded: at most maxFragDatagrams datagrams wait, each holding at most
// 64 KiB of non-overlapping data in at most maxFragParts fragments, all of
// them together at most maxFragBytes (the oldest are given up beyond it),
// and the bookkeeping is compacted so it stays proportional to what waits.

const (
	maxFragDatagrams = 1024
	fragTimeout      = 30 * time.Second
	fragMaxDist      = 64    // net.ipv4.ipfrag_max_dist default
	fragMaxLen       = 65535 // an IP datagram's largest possible length
	maxFragSources   = 4096  // sources tracked for ipfrag_max_dist before pruning
	// maxFragParts bounds the fragments of one datagram: even on a link
	// with IPv4's minimum MTU (68, RFC 791) a 64 KiB datagram needs at
	// most 1366 fragments of 48 bytes. It keeps an insertion's copy small.
	maxFragParts = 1400
	// maxFragBytes bounds the captured bytes and bookkeeping held by all
	// waiting datagrams together (maxFragDatagrams of 64 KiB in
	// maxFragParts fragments would be over 100 MiB): beyond it the oldest
	// waiting datagrams are given up (incomplete), as the kernel does
	// beyond net.ipv4.ipfrag_high_thresh.
	maxFragBytes = 16 << 20
	fragPartCost = 48 // bookkeeping charged per held fragment
)

type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
	zone     uint64 // the fragments' tunnel zone (Frame.Zone), 0 outside tunnels
}

// fragPart is one held fragment: it covers [off, end) of the datagram on the
// wire; data holds its captured bytes (shorter than end-off when the snaplen
// cut it).
type fragPart struct {
	off, end int
	data     []byte
}

type fragDatagram struct {
	first     time.Time
	parts     []fragPart // sorted by off, never overlapping
	meat      int        // bytes covered by parts (wire lengths)
	maxEnd    int        // furthest end seen
	total     int        // datagram (L4) length once the last fragment is seen, else -1
	hdrLen    int        // IPv4 header length, for the 64 KiB limit
	truncated bool
	oversize  bool   // a fragment reached past 64 KiB: never completes
	held      int    // bytes charged to maxFragBytes
	srcSeq    uint64 // the source's fragment count at this datagram's latest fragment (IPv4)
}

type fragOrder struct {
	k fragKey
	d *fragDatagram
}

type Reassembler struct {
	pending    map[fragKey]*fragDatagram
	order      []fragOrder // creation order, for expiry and eviction
	srcSeq     map[netip.Addr]uint64
	incomplete int // UDP datagrams given up with fragments missing or inconsistent
	otherLost  int // the same for the other protocols (TCP, tunnels)
	held       int // bytes held by waiting datagrams (maxFragBytes)
	buf        []byte
}

func NewReassembler() *Reassembler {
	return &Reassembler{pending: make(map[fragKey]*fragDatagram), srcSeq: make(map[netip.Addr]uint64)}
}

// Add records one fragment (f.L4 holds its captured bytes at offset
// f.fragOff of the datagram). When the datagram is complete it returns its
// transport bytes (the captured contiguous prefix), its length on the wire,
// whether any of it was cut by the snaplen, and true. The returned slice is
// valid until the next call.
func (r *Reassembler) Add(f *Frame, ts time.Time) ([]byte, int, bool, bool) {
	r.expire(ts)
	k := fragKey{f.Src, f.Dst, f.IPID, f.Proto, 0}
	k.zone = f.Zone // 0 outside tunnels
	d := r.pending[k]

	var seq uint64
	if f.IPVer == 4 {
		seq = r.nextSrcSeq(f.Src)
		if d != nil && seq-d.srcSeq > fragMaxDist {
			r.drop(k) // stale: the IP ID was reused (ip_frag_too_far)
			d = nil
		}
	}
	if d == nil {
		if len(r.pending) >= maxFragDatagrams {
			r.evictOldest()
		}
		d = &fragDatagram{first: ts, total: -1}
		r.pending[k] = d
		r.order = append(r.order, fragOrder{k, d})
		r.compact()
	}
	d.srcSeq = seq

	off := f.FragOff
	end := off + f.L4WireLen
	data := f.L4
	if f.MoreFrag && end&7 != 0 {
		// A fragment that is not the last must carry a multiple of 8
		// bytes: IPv4 receivers trim it, IPv6 ones discard it.
		if f.IPVer == 6 {
			r.drop(k)
			return nil, 0, false, false
		}
		end &^= 7
	}
	if len(data) > end-off {
		data = data[:max(end-off, 0)]
	}
	if !f.MoreFrag {
		if end < d.maxEnd || (d.total >= 0 && end != d.total) {
			r.drop(k) // inconsistent end
			return nil, 0, false, false
		}
		d.total = end
	} else if d.total >= 0 && end > d.total {
		r.drop(k) // bytes beyond the end
		return nil, 0, false, false
	}
	if end <= off {
		r.drop(k) // empty fragment
		return nil, 0, false, false
	}
	if end > fragMaxLen || d.oversize {
		// Past 64 KiB: the kernel keeps such a datagram until it times
		// out (it fails at reassembly); so does the analyzer, without
		// its bytes.
		d.oversize = true
		d.parts, d.meat = nil, 0
		r.held -= d.held
		d.held = 0
		return nil, 0, false, false
	}
	d.maxEnd = max(d.maxEnd, end)
	if f.IPVer == 4 && off == 0 {
		d.hdrLen = f.IPHdrLen
	}

	// Insert, keeping parts sorted and disjoint.
	i, _ := slices.BinarySearchFunc(d.parts, off, func(p fragPart, o int) int { return p.off - o })
	// parts[i-1] starts before off, parts[i] at or after it.
	if i > 0 && d.parts[i-1].end > off {
		if p := d.parts[i-1]; end <= p.end {
			return nil, 0, false, false // duplicate: inside a held fragment
		}
		r.drop(k) // overlap
		return nil, 0, false, false
	}
	if i < len(d.parts) && d.parts[i].off < end {
		if p := d.parts[i]; p.off == off && end <= p.end {
			return nil, 0, false, false // duplicate
		}
		r.drop(k)
		return nil, 0, false, false
	}
	if len(d.parts) >= maxFragParts {
		r.drop(k)
		return nil, 0, false, false
	}
	if len(data) < end-off {
		d.truncated = true
	}
	cost := len(data) + fragPartCost
	for r.held+cost > maxFragBytes && r.evictOldestOther(d) {
	}
	d.parts = slices.Insert(d.parts, i, fragPart{off: off, end: end, data: append([]byte(nil), data...)})
	d.held += cost
	r.held += cost
	d.meat += end - off

	if d.total < 0 || d.meat != d.total || d.parts[0].off != 0 {
		return nil, 0, false, false
	}
	// Complete: the parts tile [0, total) exactly.
	r.forget(k)
	if d.hdrLen+d.total > fragMaxLen {
		r.giveUp(k) // oversized: the kernel discards it
		return nil, 0, false, false
	}
	if cap(r.buf) < d.total {
		r.buf = make([]byte, d.total)
	}
	b := r.buf[:d.total]
	have := 0 // contiguous captured bytes from 0
	for _, p := range d.parts {
		if p.off != have {
			break // a part before was cut by the snaplen
		}
		have += copy(b[p.off:p.end], p.data)
	}
	return b[:have], d.total, d.truncated || have < d.total, true
}

// nextSrcSeq counts one more fragment from src. The map is pruned to the
// sources with waiting datagrams when it grows past maxFragSources.
func (r *Reassembler) nextSrcSeq(src netip.Addr) uint64 {
	n, ok := r.srcSeq[src]
	if !ok && len(r.srcSeq) >= maxFragSources {
		keep := make(map[netip.Addr]uint64, len(r.pending))
		for k := range r.pending {
			if v, ok := r.srcSeq[k.src]; ok {
				keep[k.src] = v
			}
		}
		r.srcSeq = keep
		if len(keep) >= maxFragSources {
			// Only possible with more waiting datagrams than sources
			// allowed; never in practice (maxFragDatagrams is smaller).
			clear(r.srcSeq)
		}
	}
	n++
	r.srcSeq[src] = n
	return n
}

// forget removes a datagram that completed.
func (r *Reassembler) forget(k fragKey) { r.remove(k) }

// remove takes a datagram out of the waiting ones.
func (r *Reassembler) remove(k fragKey) bool {
	d, ok := r.pending[k]
	if ok {
		r.held -= d.held
		delete(r.pending, k)
	}
	return ok
}

// drop gives up a waiting datagram.
func (r *Reassembler) drop(k fragKey) {
	if r.remove(k) {
		r.giveUp(k)
	}
}

// live reports whether an order entry still refers to a waiting datagram.
func (r *Reassembler) live(o fragOrder) bool { return r.pending[o.k] == o.d }

// compact drops order entries of datagrams no longer waiting once they
// outnumber the waiting ones, so the order stays proportional to what waits.
func (r *Reassembler) compact() {
	if len(r.order) <= 2*len(r.pending)+64 {
		return
	}
	r.order = slices.DeleteFunc(r.order, func(o fragOrder) bool { return !r.live(o) })
}

func (r *Reassembler) expire(now time.Time) {
	for len(r.order) > 0 {
		o := r.order[0]
		if r.live(o) {
			if now.Sub(o.d.first) < fragTimeout {
				return
			}
			r.remove(o.k)
			r.giveUp(o.k)
		}
		r.order = r.order[1:]
	}
}

func (r *Reassembler) evictOldest() {
	for len(r.order) > 0 {
		o := r.order[0]
		r.order = r.order[1:]
		if r.live(o) {
			r.remove(o.k)
			r.giveUp(o.k)
			return
		}
	}
}

// evictOldestOther gives up the oldest waiting datagram other than keep
// (maxFragBytes); false when there is none.
func (r *Reassembler) evictOldestOther(keep *fragDatagram) bool {
	for i := 0; i < len(r.order); i++ {
		o := r.order[i]
		if !r.live(o) {
			continue
		}
		if o.d == keep {
			continue
		}
		r.remove(o.k)
		r.giveUp(o.k)
		r.order = slices.Delete(r.order, i, i+1)
		return true
	}
	return false
}

// giveUp counts a datagram given up.
func (r *Reassembler) giveUp(k fragKey) {
	if k.proto == ProtoUDP {
		r.incomplete++
	} else {
		r.otherLost++
	}
}

// Finish counts the datagrams still waiting at the end of the capture and
// returns the number of UDP datagrams given up (see IncompleteOther).
func (r *Reassembler) Finish() int {
	for k := range r.pending {
		r.giveUp(k)
	}
	r.pending = map[fragKey]*fragDatagram{}
	r.order = nil
	r.held = 0
	clear(r.srcSeq)
	return r.incomplete
}

// Reassembled reports whether the analysis reassembles fragmented datagrams
// of IP protocol proto: UDP, TCP, GRE and IP in IP (IPv4 or IPv6 inside),
// and IPv6 datagrams whose fragmentable part starts with destination
// options (the header after them decides once reassembled).
func Reassembled(proto uint8) bool {
	switch proto {
	case ProtoUDP, ProtoTCP, 47, 4, 41:
		return true
	case 60: // IPv6 destination options in the fragmentable part, then one of those
		return true
	}
	return false
}

// IncompleteOther is the number of datagrams of other protocols than UDP
// (TCP, GRE, IP-in-IP) given up, as Finish counts UDP's.
func (r *Reassembler) IncompleteOther() int { return r.otherLost }

// UDPFromReassembled decodes the UDP header of a reassembled datagram.
func UDPFromReassembled(b []byte, total int) (sport, dport uint16, payload []byte, wire int, ok bool) {
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
