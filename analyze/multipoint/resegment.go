package multipoint

import "sort"

// resegment marks the TCP data segments left unmatched at either point of
// the hop whose bytes the other point's unmatched segments of the same
// connection carry, cut at other places. TCP segmentation offload and
// generic segmentation/receive offload make this the common case: a
// sender's capture holds 64 KB super-segments, a router cuts them to the
// MTU, the receiver's GRO merges them again at its own boundaries, and no
// segment has the same sequence number and length at both points. Matching
// by packet would call every one of them lost between the points; by byte
// range they are all there.
//
// Only leftovers are compared with leftovers (a retransmission that both
// points show matches strictly, by its own IPv4 identification), and
// copies are counted (copiesMissing): where one point holds a byte more
// often than the other, its earliest extra copies are missing, so an
// original lost on the way is not covered by the copy that got through,
// cut differently or not. A segment counts as resegmented when the other
// point holds a copy of every one of its bytes; one that is partly missing stays unmatched (and
// is reported lost, with the number of bytes missing: partA/partB). A
// leftover that begins with the same byte at both points gives a delay
// sample (first byte to first byte: a super-segment's time stamp is its
// first piece's); a piece from the middle of a super-segment does not.
//
// Sequence numbers are unwrapped per connection from one point's first
// leftover, by the signed 32-bit difference to the previous one (RFC 9293
// §3.4: comparisons modulo 2^32), so a transfer longer than 4 GiB is fine.
// Time O(n log n) in the leftovers; the temporary slices are freed when the
// hop is done.
func (h *hopData) resegment() {
	a, b := h.a, h.b
	type sides struct{ a, b []int32 }
	byFlow := map[int32]*sides{} // a's flow index → leftovers at a and b
	var order []int32
	for i := range a.recs {
		if r := &a.recs[i]; h.matchAB[i] < 0 && tcpData(a, r) {
			s := byFlow[r.flow]
			if s == nil {
				s = &sides{}
				byFlow[r.flow] = s
				order = append(order, r.flow)
			}
			s.a = append(s.a, int32(i))
		}
	}
	if len(byFlow) == 0 {
		return
	}
	for j := range b.recs {
		if r := &b.recs[j]; h.matchBA[j] < 0 && tcpData(b, r) {
			if fi, ok := a.flowIdx[b.flows[r.flow]]; ok {
				if s := byFlow[fi]; s != nil {
					s.b = append(s.b, int32(j))
				}
			}
		}
	}
	for _, fi := range order {
		s := byFlow[fi]
		if len(s.b) == 0 {
			continue
		}
		base := a.recs[s.a[0]].seq
		ra, rb := byteRanges(a, s.a, base), byteRanges(b, s.b, base)
		missA, missB, depthA, ok := copiesMissing(ra, rb)
		if !ok {
			continue // overlaps too deep to judge: left unmatched
		}
		for k, x := range ra {
			switch m := missA[k]; {
			case m == 0:
				if h.resegA == nil {
					h.resegA = make([]bool, len(a.recs))
				}
				h.resegA[s.a[k]] = true
			case m < x.hi-x.lo:
				if h.partA == nil {
					h.partA = map[int32]int64{}
				}
				h.partA[s.a[k]] = m
			}
		}
		h.pairResegmented(s.a, s.b, ra, rb, depthA)
		for k, x := range rb {
			switch m := missB[k]; {
			case m == 0:
				if h.resegB == nil {
					h.resegB = make([]bool, len(b.recs))
				}
				h.resegB[s.b[k]] = true
			case m < x.hi-x.lo:
				if h.partB == nil {
					h.partB = map[int32]int64{}
				}
				h.partB[s.b[k]] = m
			}
		}
	}
}

// maxCopies bounds how many leftovers of one point may hold the same byte
// (an original and its retransmissions) for the byte-range matching; a
// connection with deeper overlaps is left to packet matching.
const maxCopies = 256

// copiesMissing counts, for each range of ra (one point's leftovers, in
// capture order) and of rb (the other's), the bytes the other point does
// not hold a copy of. A byte is sent as often as the ranges holding it
// say, at each point: where a holds it n times and b m < n times, the n-m
// earliest copies at a are missing at b (a retransmission goes out because
// the original was lost: the later copies are the ones that got through);
// where b holds it more often, its latest copies are the extra ones. So a
// lost original is not covered by its retransmission, whether or not the
// retransmission is cut differently too. A sweep over the ranges' ends,
// O(n log n + n·depth); ok is false when more than maxCopies ranges of
// one point overlap. depthA counts, for each range of rb, the ranges of ra
// holding its first byte.
func copiesMissing(ra, rb []span) (missA, missB []int64, depthA []int, ok bool) {
	type edge struct {
		pos  int64
		side int // 0: a, 1: b
		k    int32
		end  bool
	}
	ev := make([]edge, 0, 2*(len(ra)+len(rb)))
	for k, x := range ra {
		ev = append(ev, edge{x.lo, 0, int32(k), false}, edge{x.hi, 0, int32(k), true})
	}
	for k, x := range rb {
		ev = append(ev, edge{x.lo, 1, int32(k), false}, edge{x.hi, 1, int32(k), true})
	}
	sort.Slice(ev, func(i, j int) bool { return ev[i].pos < ev[j].pos })
	missA, missB, depthA = make([]int64, len(ra)), make([]int64, len(rb)), make([]int, len(rb))
	var act [2][]int32  // per point: the ranges holding the current byte, in capture order
	var started []int32 // b's ranges starting at pos
	for i := 0; i < len(ev); {
		pos := ev[i].pos
		started = started[:0]
		for ; i < len(ev) && ev[i].pos == pos; i++ {
			e := ev[i]
			l := act[e.side]
			n := sort.Search(len(l), func(j int) bool { return l[j] >= e.k })
			if e.end {
				if n < len(l) && l[n] == e.k {
					act[e.side] = append(l[:n], l[n+1:]...)
				}
				continue
			}
			if len(l) >= maxCopies {
				return nil, nil, nil, false
			}
			l = append(l, 0)
			copy(l[n+1:], l[n:])
			l[n] = e.k
			act[e.side] = l
			if e.side == 1 {
				started = append(started, e.k)
			}
		}
		for _, k := range started {
			depthA[k] = len(act[0])
		}
		if i == len(ev) {
			break
		}
		width := ev[i].pos - pos
		na, nb := len(act[0]), len(act[1])
		for _, k := range act[0][:max(na-nb, 0)] { // the earliest copies at a
			missA[k] += width
		}
		for _, k := range act[1][min(na, nb):] { // the latest copies at b
			missB[k] += width
		}
	}
	return missA, missB, depthA, true
}

// tcpData: a TCP segment carrying payload (not a SYN).
func tcpData(d *pointData, r *rec) bool {
	return r.payLen > 0 && r.flags&tcpSYN == 0 && d.flows[r.flow].proto == 6
}

// span is a byte range [lo, hi) of a connection's unwrapped sequence space.
type span struct{ lo, hi int64 }

// byteRanges returns the unwrapped byte range of each record in idx.
func byteRanges(d *pointData, idx []int32, base uint32) []span {
	out := make([]span, len(idx))
	prev, cur := base, int64(0)
	for k, i := range idx {
		r := &d.recs[i]
		cur += int64(int32(r.seq - prev))
		prev = r.seq
		out[k] = span{cur, cur + int64(r.payLen)}
	}
	return out
}

// pairResegmented pairs the leftovers of the two points that begin with the
// same byte and are the same copy (h.resegPairs): delay samples, and with
// the matched packets they tell the direction a flow travels when nothing
// else does (directionVotes). The same copy: with IPv4, the same
// identification (segmentation gives the first piece the super-segment's,
// GRO keeps the first piece's); without one (IPv6), when a holds that
// first byte once (depthA: not an original and its retransmission). A
// piece from the middle of a segment gives no sample.
func (h *hopData) pairResegmented(ia, ib []int32, ra, rb []span, depthA []int) {
	ord := make([]int, len(ra))
	for k := range ord {
		ord[k] = k
	}
	sort.Slice(ord, func(i, j int) bool { return ra[ord[i]].lo < ra[ord[j]].lo })
	for k, x := range rb {
		rb := &h.b.recs[ib[k]]
		found := -1
		for m := sort.Search(len(ord), func(i int) bool { return ra[ord[i]].lo >= x.lo }); m < len(ord) && ra[ord[m]].lo == x.lo; m++ {
			id := h.a.recs[ia[ord[m]]].ipID
			if rb.ipID != 0 && id == rb.ipID || rb.ipID == 0 && id == 0 && depthA[k] == 1 {
				found = ord[m]
				break
			}
		}
		if found < 0 {
			continue
		}
		h.resegPairs = append(h.resegPairs, [2]int32{ia[found], ib[k]})
	}
}
