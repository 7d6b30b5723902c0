package mcast

// Gap detection on one sequence space (docs/multicast-udp.md section 1.9
// step 4, section 2.1 "Sequence tracking from A.1", section 2.3 for resets).

import "time"

const maxHoles = 64 // open holes per sequence space (bounded memory)

// restartRun is how many datagrams in a row, each one after the other and
// all at or below the highest number seen without filling a hole, are a
// sender restart rather than duplicates.
const restartRun = 8

// hole is a range of sequence numbers skipped by a forward jump that has not
// been filled (yet).
type hole struct {
	first, last  uint64
	tPrev, tNext int64 // unix ns: last datagram before the jump, datagram that revealed it
	frame        int   // frame that revealed the gap
	prevFrame    int
}

type gapRec struct {
	first, count uint64
	tPrev, tNext int64
	frame        int
	prevFrame    int
	// memb: the membership message that explains the gap, looked up when
	// the gap was booked (gapWhy), while the group's logs still hold what
	// came around it
	memb *GapMembership
}

type resetRec struct {
	frame    int
	t        int64
	from, to uint64
	reason   string
}

// observation results
type obsKind uint8

const (
	obsFirst obsKind = iota
	obsInOrder
	obsGap
	obsDup
	obsLate
	obsStale
	obsPending
	obsHeartbeat
)

type seqParams struct {
	plot   bool   // keep plot points
	window uint64 // reorder window
	// reorderNs: a hole revealed longer ago than this (at the time of
	// the datagram being added) is lost even while it is within the
	// window: a slow stream's holes would otherwise wait for window
	// more datagrams (1024 at 1 per second: 17 minutes). 0 = 1 s,
	// negative = no time limit.
	reorderNs int64
	maxJump   uint64 // forward jump above this is a reset candidate
	bits      uint   // raw width for wraparound (64 = none)
	maxGaps   int
}

type pendingReset struct {
	valid bool
	a, n  uint64
	t     int64
	frame int
}

// seqSpace tracks one sequence space. All sequence numbers are extended to
// 64 bits by the extractor (or by ext).
type seqSpace struct {
	p            seqParams
	started      bool
	first        uint64 // first sequence of the current epoch
	hi           uint64 // highest sequence seen (or announced by a heartbeat)
	hiTime       int64
	hiFrame      int
	received     uint64 // distinct sequence units received
	datagram     uint64 // datagrams observed (incl. dups)
	dups         uint64 // duplicate datagrams
	late         uint64 // reordered (late) datagrams that filled a hole
	stale        uint64 // datagrams too far behind to classify (or unconfirmed jumps)
	wraps        uint64
	expected     uint64 // expected units of finished epochs
	lost         uint64 // units in finalized gaps
	holes        []hole
	gaps         []gapRec
	gapsOmit     uint64
	nGaps        uint64
	maxGap       uint64
	burst        [8]uint64 // gap sizes: 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64-127, >=128
	lastGapFirst uint64
	gapInterval  uint64
	periodic     bool
	resets       []resetRec
	nResets      uint64
	pend         pendingReset
	// A run of duplicates, each one after the other, none moving the
	// highest number on: a sender that restarted below where it was
	// without a session marker (restartRun of them make a reset).
	dupRun            int
	dupFirst, dupNext uint64
	dupT              int64
	dupFrame          int
	heartbeats        uint64
	pts               []plotPt // decimated (time, seq) samples when p.plot
	dupPts            []plotPt // the first maxEventPts duplicates when p.plot
	latePts           []plotPt // the first maxEventPts late (reordered) arrivals when p.plot
	ptStride          uint64
	ptCount           uint64
	// live cursor (Tracker.Live): gaps already handed out
	liveListed int
	liveGaps   uint64
	liveResets int // resets listed by Tracker.Live
	// why: the stream's group, to explain its gaps by membership (nil:
	// not a multicast stream)
	why *gapWhy
}

type plotPt struct {
	t   int64
	seq uint64
}

const maxPlotPts = 1024

// maxEventPts bounds the duplicates and late arrivals kept for the plot.
const maxEventPts = 256

// plotAdd keeps every ptStride-th advancing datagram; when the buffer is
// full it drops every other point and doubles the stride (bounded memory).
func (s *seqSpace) plotAdd(t int64, seq uint64) {
	if s.ptStride == 0 {
		s.ptStride = 1
	}
	s.ptCount++
	if s.ptCount%s.ptStride != 0 {
		return
	}
	if len(s.pts) == maxPlotPts {
		n := 0
		for i := 0; i < len(s.pts); i += 2 {
			s.pts[n] = s.pts[i]
			n++
		}
		s.pts = s.pts[:n]
		s.ptStride *= 2
	}
	s.pts = append(s.pts, plotPt{t, seq})
}

func newSeqSpace(p seqParams) *seqSpace {
	s := &seqSpace{}
	s.init(p)
	return s
}

func (s *seqSpace) init(p seqParams) {
	if p.window == 0 {
		p.window = 1024
	}
	if p.maxJump == 0 {
		p.maxJump = 1 << 24
	}
	if p.bits == 0 {
		p.bits = 64
	}
	if p.maxGaps == 0 {
		p.maxGaps = 10000
	}
	if p.reorderNs == 0 {
		p.reorderNs = int64(time.Second)
	}
	s.p = p
	// s.holes is allocated at the first gap (holeAppend), whole: most
	// streams of a capture of many short flows (DNS, the udp stress
	// input) never have one, and 3 KiB each was most of what they cost.
}

// holeAppend appends h, allocating the holes' whole capacity the first
// time (they never grow past maxHoles+2).
func (s *seqSpace) holeAppend(h hole) {
	if s.holes == nil {
		s.holes = make([]hole, 0, maxHoles+2)
	}
	s.holes = append(s.holes, h)
}

// ext extends a raw counter of p.bits width to 64 bits, choosing the value
// closest to the highest sequence seen, and counts wraparounds.
func (s *seqSpace) ext(raw uint64) uint64 {
	if s.p.bits >= 64 || !s.started {
		return raw
	}
	mod := uint64(1) << s.p.bits
	ref := s.hi
	d := (raw - ref) & (mod - 1)
	var v uint64
	if d < mod/2 {
		v = ref + d
	} else {
		v = ref - (mod - d)
		if v > ref { // would go below zero: stay in the first cycle
			v = raw
		}
	}
	if v>>s.p.bits > ref>>s.p.bits {
		s.wraps += v>>s.p.bits - ref>>s.p.bits
	}
	return v
}

func (s *seqSpace) mask() uint64 {
	if s.p.bits >= 64 {
		return ^uint64(0)
	}
	return 1<<s.p.bits - 1
}

func (s *seqSpace) start(a, n uint64, t int64, frame int) {
	if n == 0 {
		s.anchor(a, t, frame)
		return
	}
	s.started = true
	s.first = a
	s.hi = a + n - 1
	s.received += n
	s.hiTime, s.hiFrame = t, frame
}

// anchor starts an epoch in which next is expected and nothing has been
// received yet (hi = next-1, wrapping for next == 0): used for msend's echo
// ("reset the expected sequence to 0") and a leading MoldUDP64 heartbeat.
func (s *seqSpace) anchor(next uint64, t int64, frame int) {
	s.started = true
	s.first = next
	s.hi = next - 1
	s.hiTime, s.hiFrame = t, frame
}

// observe records a datagram carrying sequence units [a, a+n). n == 0 is a
// heartbeat announcing that a is the next expected sequence number.
func (s *seqSpace) observe(a, n uint64, t int64, frame int) obsKind {
	if n > 0 {
		s.datagram++
	} else {
		s.heartbeats++
	}
	if s.pend.valid {
		pa, pn := s.pend.a, s.pend.n
		pend := s.pend
		s.pend.valid = false
		if n > 0 && (a-(pa+pn))&s.mask() == 0 {
			s.reset(pend.frame, pend.t, pa, "sequence jump")
			s.datagram++ // the confirmed datagram starts the new epoch
			s.start(pa, pn, pend.t, pend.frame)
			a = pa + pn
		} else {
			s.stale++
		}
	}
	if !s.started {
		s.start(a, n, t, frame)
		return obsFirst
	}
	if n == 0 { // heartbeat / end of session: a is the next expected number
		if a > s.hi+1 && a-s.hi <= s.p.maxJump {
			s.addHole(s.hi+1, a-1, t, frame)
			s.hi, s.hiTime, s.hiFrame = a-1, t, frame
			s.expire(t)
			return obsGap
		}
		return obsHeartbeat
	}
	b := a + n - 1
	if a > s.hi {
		s.dupRun = 0
	}
	switch {
	case a == s.hi+1:
		if s.p.plot {
			s.plotAdd(t, b)
		}
		s.hi, s.hiTime, s.hiFrame = b, t, frame
		s.received += n
		if len(s.holes) > 0 {
			s.expire(t)
		}
		return obsInOrder
	case a > s.hi+1:
		if a-s.hi > s.p.maxJump {
			s.pend = pendingReset{valid: true, a: a, n: n, t: t, frame: frame}
			s.datagram--
			return obsPending
		}
		s.addHole(s.hi+1, a-1, t, frame)
		if s.p.plot {
			s.plotAdd(t, b)
		}
		s.hi, s.hiTime, s.hiFrame = b, t, frame
		s.received += n
		s.expire(t)
		return obsGap
	default: // a <= hi
		if s.hi-a >= s.p.window {
			s.pend = pendingReset{valid: true, a: a, n: n, t: t, frame: frame}
			s.datagram--
			return obsPending
		}
		top := min(b, s.hi)
		filled := s.fill(a, top)
		s.received += filled
		if b > s.hi {
			s.received += b - s.hi
			s.hi, s.hiTime, s.hiFrame = b, t, frame
		}
		if filled > 0 {
			s.dupRun = 0
			s.late++
			if s.p.plot && len(s.latePts) < maxEventPts {
				s.latePts = append(s.latePts, plotPt{t, a})
			}
			return obsLate
		}
		if b > top {
			return obsInOrder
		}
		if s.inRecentGap(a) {
			// late for a hole already reported lost (too many open holes):
			// not a duplicate; the loss stays reported
			s.stale++
			return obsStale
		}
		s.dups++
		if s.dupRun > 0 && a == s.dupNext {
			s.dupRun++
		} else {
			s.dupRun, s.dupFirst, s.dupT, s.dupFrame = 1, a, t, frame
		}
		s.dupNext = b + 1
		if s.dupRun >= restartRun && s.dupFirst <= b {
			// Not duplicates: a new run from dupFirst (network
			// duplicates alternate with the stream going on).
			s.dups -= uint64(s.dupRun)
			first, rt, rf := s.dupFirst, s.dupT, s.dupFrame
			s.dupRun = 0
			s.reset(rf, rt, first, "sequence restart")
			s.start(first, b-first+1, t, frame)
			return obsInOrder
		}
		if s.p.plot && len(s.dupPts) < maxEventPts {
			s.dupPts = append(s.dupPts, plotPt{t, a})
		}
		return obsDup
	}
}

func (s *seqSpace) addHole(first, last uint64, t int64, frame int) {
	if len(s.holes) >= maxHoles {
		s.finalize(0)
	}
	s.holeAppend(hole{first: first, last: last, tPrev: s.hiTime, tNext: t, frame: frame, prevFrame: s.hiFrame})
}

// fill removes [a, b] from the open holes and returns how many units it filled.
func (s *seqSpace) fill(a, b uint64) uint64 {
	var filled uint64
	for i := 0; i < len(s.holes); i++ {
		h := &s.holes[i]
		if h.last < a {
			continue
		}
		if h.first > b {
			break
		}
		lo, hi := max(a, h.first), min(b, h.last)
		filled += hi - lo + 1
		switch {
		case lo == h.first && hi == h.last:
			copy(s.holes[i:], s.holes[i+1:])
			s.holes = s.holes[:len(s.holes)-1]
			i--
		case lo == h.first:
			h.first = hi + 1
		case hi == h.last:
			h.last = lo - 1
		default: // split
			right := *h
			right.first = hi + 1
			h.last = lo - 1
			s.holeAppend(hole{})
			copy(s.holes[i+2:], s.holes[i+1:])
			s.holes[i+1] = right
			i++
			if len(s.holes) > maxHoles {
				s.finalize(0)
				i--
			}
		}
	}
	return filled
}

// expire finalizes holes that fell out of the reorder window, or were
// revealed more than reorderNs before t.
func (s *seqSpace) expire(t int64) {
	for len(s.holes) > 0 && (s.hi-s.holes[0].last > s.p.window || s.p.reorderNs > 0 && t-s.holes[0].tNext > s.p.reorderNs) {
		s.finalize(0)
	}
}

func (s *seqSpace) finalize(i int) {
	h := s.holes[i]
	copy(s.holes[i:], s.holes[i+1:])
	s.holes = s.holes[:len(s.holes)-1]
	s.recordGap(gapRec{first: h.first, count: h.last - h.first + 1, tPrev: h.tPrev, tNext: h.tNext, frame: h.frame, prevFrame: h.prevFrame}, true)
}

// recordGap books a lost range; commit=false is used by the report for
// holes still open at the end (the space itself is not changed).
func (s *seqSpace) recordGap(g gapRec, commit bool) {
	if !commit {
		return
	}
	s.lost += g.count
	s.nGaps++
	s.maxGap = max(s.maxGap, g.count)
	s.burst[burstBucket(g.count)]++
	if s.nGaps == 2 {
		s.gapInterval = g.first - s.lastGapFirst
		s.periodic = true
	} else if s.nGaps > 2 && g.first-s.lastGapFirst != s.gapInterval {
		s.periodic = false
	}
	s.lastGapFirst = g.first
	if len(s.gaps) < s.p.maxGaps {
		g.memb = s.why.explain(g.tPrev, g.tNext)
		s.gaps = append(s.gaps, g)
	} else {
		s.gapsOmit++
	}
}

func burstBucket(n uint64) int {
	b := 0
	for n > 1 && b < 7 {
		n >>= 1
		b++
	}
	return b
}

// inRecentGap reports whether seq lies in one of the last maxHoles reported gaps.
func (s *seqSpace) inRecentGap(seq uint64) bool {
	for i := len(s.gaps) - 1; i >= 0 && i >= len(s.gaps)-maxHoles; i-- {
		if g := s.gaps[i]; seq >= g.first && seq-g.first < g.count {
			return true
		}
	}
	return false
}

// flush finalizes all open holes (end of epoch or explicit flush).
func (s *seqSpace) flush() {
	for len(s.holes) > 0 {
		s.finalize(0)
	}
}

// reset ends the current epoch (sender restart, new session) and starts a
// new one at the next observed datagram.
func (s *seqSpace) reset(frame int, t int64, to uint64, reason string) {
	if !s.started {
		return
	}
	s.flush()
	s.expected += s.hi - s.first + 1
	s.nResets++
	if len(s.resets) < 1000 {
		s.resets = append(s.resets, resetRec{frame: frame, t: t, from: s.hi, to: to, reason: reason})
	}
	s.started = false
}

// totals returns expected and lost units including open holes.
func (s *seqSpace) totals() (expected, lost uint64) {
	expected = s.expected
	if s.started {
		expected += s.hi - s.first + 1
	}
	lost = s.lost
	for _, h := range s.holes {
		lost += h.last - h.first + 1
	}
	return expected, lost
}
