package mcast

import (
	"fmt"
	"net/netip"
	"slices"
)

// RTP retransmission flows (issue 9 item 6). A retransmission flow carries
// again the packets a receiver asked for; its own sequence numbers are not
// a stream whose gaps are losses.
//
//   - RFC 4588 (RTP Retransmission Payload Format): the retransmission
//     packet has its own SSRC (SSRC multiplexing, same session) or its own
//     session (session multiplexing, another destination port or group,
//     same SSRC), its own payload type and its own sequence numbers; the
//     first two payload bytes are the original sequence number (OSN).
//   - RIST (VSF TR-06-1, Simple Profile, section 5.3.2): the packet is
//     resent verbatim, same sequence number, with the SSRC's least
//     significant bit set to 1 (original flows use an even SSRC).
//
// SMPTE 2022-7 duplicates (the same packets on two legs) are A/B pairs
// (pairs.go), not retransmissions.
//
// The tracker records (original sequence, time) of the RTP sources that
// may be retransmission flows (a second SSRC in a stream, or a stream whose
// SSRC, or SSRC^1, another stream from the same source already uses), up to
// maxRtxRecords per source and rtxBudget over all. At report time a
// candidate is a retransmission flow of a primary when most of the
// sequence numbers it carries lie in the primary's range and some fill the
// primary's gaps.

const (
	maxRtxRecords = 1 << 16 // recorded retransmissions per candidate source
	rtxBudget     = 1 << 20 // recorded retransmissions over all sources (16 bytes each)
	maxRtxUnits   = 1 << 20 // missing sequence numbers checked per primary
	maxRtxDelayNS = int64(30e9)
)

type rtxRec struct {
	seq, osn uint16 // RTP sequence number, first two payload bytes
	hasOSN   bool
	t        int64
}

// rtxLog is kept by a candidate source.
type rtxLog struct {
	recs    []rtxRec
	omitted uint64
}

// Retransmission reports a retransmission flow and what it recovered of the
// primary flow it protects.
type Retransmission struct {
	Stream        int     `json:"stream"`          // Stream.ID of the primary (protected) flow
	Key           string  `json:"key"`             // its Sequence.Key
	RtxStream     int     `json:"rtx_stream"`      // Stream.ID of the retransmission flow
	RtxKey        string  `json:"rtx_key"`         // its Sequence.Key
	Kind          string  `json:"kind"`            // "rist" (TR-06-1 SSRC|1), "rfc4588-ssrc" (own SSRC, OSN), "rfc4588-session" (own session, OSN)
	Retransmitted uint64  `json:"retransmitted"`   // retransmission packets seen
	Lost          uint64  `json:"lost"`            // units missing on the primary flow (its Sequence.Lost)
	Recovered     uint64  `json:"recovered"`       // of those, carried by the retransmission flow
	Unrecoverable uint64  `json:"unrecoverable"`   // Lost - Recovered: missing for the application
	Useless       uint64  `json:"useless"`         // retransmissions of packets the primary had, or repeats
	DelayMinUS    float64 `json:"delay_min_us"`    // from the datagram that revealed the gap to the first retransmission of the unit
	DelayMedianUS float64 `json:"delay_median_us"` // median of those delays
	DelayMaxUS    float64 `json:"delay_max_us"`    // largest delay
	Approx        bool    `json:"approximate"`     // gap list or retransmission records truncated by their limits
}

// ssrcKey names an RTP source across streams.
type ssrcKey struct {
	src  netip.Addr
	ssrc uint32
}

// rtxCandidate decides whether a new RTP source of st may be a
// retransmission flow worth recording, and registers it.
func (t *Tracker) rtxCandidate(st *stream, ssrc uint32) bool {
	if t.ssrcs == nil {
		t.ssrcs = map[ssrcKey]*stream{}
	}
	a := st.key.src.Addr()
	cand := len(st.rtp) > 0
	for _, k := range []ssrcKey{{a, ssrc}, {a, ssrc ^ 1}} {
		if o, ok := t.ssrcs[k]; ok && o != st && (k.ssrc == ssrc || ssrc&1 == 1) {
			cand = true
		}
	}
	if _, ok := t.ssrcs[ssrcKey{a, ssrc}]; !ok {
		t.ssrcs[ssrcKey{a, ssrc}] = st
	}
	return cand
}

// rtxRecord records one datagram of a candidate source.
func (t *Tracker) rtxRecord(src *rtpSrc, h *RTPHeader, p []byte, ts int64) {
	l := src.rtx
	if len(l.recs) >= maxRtxRecords || t.rtxN >= rtxBudget {
		l.omitted++
		return
	}
	r := rtxRec{seq: h.Seq, t: ts}
	if b := p[h.HeaderLen:]; len(b) >= 2 {
		r.osn, r.hasOSN = uint16(b[0])<<8|uint16(b[1]), true
	}
	l.recs = append(l.recs, r)
	t.rtxN++
}

// skipTS reports whether a source's payload stays out of the stream's
// MPEG-TS continuity check: an RTX flow's payload starts with the OSN, a
// RIST retransmission repeats packets already checked.
func (st *stream) skipTS(src *rtpSrc, pt uint8) bool {
	if src == nil || len(st.rtp) < 2 || src == st.rtp[0] {
		return false
	}
	if src.ssrc&1 == 1 {
		for _, s := range st.rtp {
			if s.ssrc == src.ssrc^1 {
				return true
			}
		}
	}
	return src.rtx != nil && pt != st.rtp[0].pt
}

type rtxRef struct {
	si, qi int // stream and sequence index in the report
	st     *stream
	src    *rtpSrc
}

// retransmissions finds the retransmission flows among the recorded
// candidates, reports what they recovered, and takes their own "gaps" out of
// the loss: a retransmission flow's sequence keeps only its packet counts.
func (t *Tracker) retransmissions(sts []*stream, r *Report) {
	var cand []rtxRef
	prim := map[ssrcKey][]rtxRef{}
	for i, st := range sts {
		if st.format.Kind != FormatRTP && st.format.Kind != FormatRTPTS {
			continue
		}
		for j, src := range st.rtp {
			ref := rtxRef{i, j, st, src}
			if src.rtx != nil {
				cand = append(cand, ref)
			}
			k := ssrcKey{st.key.src.Addr(), src.ssrc}
			prim[k] = append(prim[k], ref)
		}
	}
	for _, c := range cand {
		best, kind, bestHits := rtxRef{si: -1}, "", -1
		var ps []rtxRef
		for j, src := range c.st.rtp {
			ps = append(ps, rtxRef{c.si, j, c.st, src})
		}
		a := c.st.key.src.Addr()
		ps = append(ps, prim[ssrcKey{a, c.src.ssrc}]...)
		if c.src.ssrc&1 == 1 {
			ps = append(ps, prim[ssrcKey{a, c.src.ssrc ^ 1}]...)
		}
		for _, p := range ps {
			if p.src == c.src || r.Streams[p.si].Sequences[p.qi].Role == "retransmission" {
				continue
			}
			var k string
			osn := false
			switch {
			case c.src.ssrc&1 == 1 && p.src.ssrc == c.src.ssrc^1:
				k = "rist"
			case p.si == c.si && p.qi == 0 && c.src.pt != p.src.pt:
				k, osn = "rfc4588-ssrc", true
			case p.si != c.si && p.src.ssrc == c.src.ssrc:
				k, osn = "rfc4588-session", true
			default:
				continue
			}
			q := &r.Streams[p.si].Sequences[p.qi]
			in, hits := rtxFit(q, c.src.rtx.recs, osn)
			// RIST's SSRC|1 names its primary: its retransmissions may all
			// be needless (the primary got the packets late); an RFC 4588
			// flow must fill at least one gap
			if len(c.src.rtx.recs) > 0 && in*10 >= 8*len(c.src.rtx.recs) && (hits > 0 || k == "rist") && hits > bestHits {
				best, kind, bestHits = p, k, hits
			}
		}
		if best.si < 0 {
			continue
		}
		rq := &r.Streams[c.si].Sequences[c.qi]
		if rq.Role != "" { // already the primary of another flow: keep it
			continue
		}
		pq := &r.Streams[best.si].Sequences[best.qi]
		rt := rtxRecover(pq, c.src.rtx, kind != "rist")
		rt.Stream, rt.Key, rt.RtxStream, rt.RtxKey, rt.Kind = r.Streams[best.si].ID, pq.Key, r.Streams[c.si].ID, rq.Key, kind
		rt.Retransmitted = c.src.sp.datagram
		rt.Approx = rt.Approx || c.src.rtx.omitted > 0 || pq.GapsOmitted > 0
		r.Retransmissions = append(r.Retransmissions, rt)
		pq.Role = "primary"
		// the retransmission flow's own numbering is not a stream: no gaps
		s := &r.Streams[c.si]
		s.Lost -= min(s.Lost, rq.Lost)
		rq.Role = "retransmission"
		rq.Expected, rq.Lost, rq.GapCount, rq.GapsOmitted, rq.MaxGap, rq.GapSizes, rq.Gaps = rq.Received, 0, 0, 0, 0, [8]uint64{}, []Gap{}
		rq.Pattern = fmt.Sprintf("retransmission flow of stream %d %s", rt.Stream, dash(pq.Key))
	}
}

// ext16 extends a 16-bit sequence number to the 64-bit value nearest ref.
func ext16(raw uint16, ref uint64) uint64 {
	d := uint16(raw - uint16(ref))
	if d < 0x8000 {
		return ref + uint64(d)
	}
	back := uint64(0x10000 - uint32(d))
	if back > ref {
		return ref + uint64(d)
	}
	return ref - back
}

func recSeq(x rtxRec, osn bool) (uint16, bool) {
	if osn {
		return x.osn, x.hasOSN
	}
	return x.seq, true
}

// rtxFit counts the records whose original sequence lies in q's range, and
// those that fill one of q's gaps.
func rtxFit(q *Sequence, recs []rtxRec, osn bool) (in, hits int) {
	gaps := slices.Clone(q.Gaps)
	slices.SortFunc(gaps, func(a, b Gap) int { return cmpU64(a.FirstMissing, b.FirstMissing) })
	for _, x := range recs {
		s16, ok := recSeq(x, osn)
		if !ok {
			continue
		}
		v := ext16(s16, q.Last)
		if v < q.First || v > q.Last {
			continue
		}
		in++
		i, _ := slices.BinarySearchFunc(gaps, v, func(g Gap, v uint64) int {
			if g.FirstMissing+g.Count <= v {
				return -1
			}
			if g.FirstMissing > v {
				return 1
			}
			return 0
		})
		if i < len(gaps) && gaps[i].FirstMissing <= v && v < gaps[i].FirstMissing+gaps[i].Count {
			hits++
		}
	}
	return in, hits
}

// rtxRecover matches the primary's missing units with the retransmissions.
func rtxRecover(q *Sequence, l *rtxLog, osn bool) Retransmission {
	rt := Retransmission{Lost: q.Lost}
	at := map[uint16][]int64{} // original sequence -> retransmission times
	for _, x := range l.recs {
		if s16, ok := recSeq(x, osn); ok {
			at[s16] = append(at[s16], x.t)
		}
	}
	for _, ts := range at {
		slices.Sort(ts)
	}
	var delays []int64
	units := 0
	for _, g := range q.Gaps {
		start, end := g.Start.UnixNano(), g.End.UnixNano()
		for u := g.FirstMissing; u < g.FirstMissing+g.Count; u++ {
			if units++; units > maxRtxUnits {
				rt.Approx = true
				break
			}
			// the first retransmission of u after the gap began
			ts := at[uint16(u)]
			if i, _ := slices.BinarySearch(ts, start); i < len(ts) && ts[i]-end <= maxRtxDelayNS {
				rt.Recovered++
				delays = append(delays, max(0, ts[i]-end))
			}
		}
	}
	rt.Recovered = min(rt.Recovered, rt.Lost)
	rt.Unrecoverable = rt.Lost - rt.Recovered
	rt.Useless = uint64(len(l.recs)) - min(uint64(len(l.recs)), rt.Recovered)
	if len(delays) > 0 {
		slices.Sort(delays)
		rt.DelayMinUS, rt.DelayMedianUS, rt.DelayMaxUS = us(uint64(delays[0])), us(uint64(delays[len(delays)/2])), us(uint64(delays[len(delays)-1]))
	}
	return rt
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
