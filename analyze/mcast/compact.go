package mcast

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"time"

	"github.com/smcdump/smcdump/internal/selectk"
)

// Bounded offline analysis (Config.FinishWhenFull, Config.KeepStreams):
// streams finished to make room keep their final report, the KeepStreams
// with the most problems then the most traffic in detail and the others
// only as sums, so that memory does not grow with the number of streams.

// StreamLimits says which stream bounds an analysis reached and what the
// report leaves out because of them. Report.Limits is nil when none was
// reached.
type StreamLimits struct {
	// MaxStreams is Config.MaxStreams (streams tracked at once), 0 = none.
	MaxStreams int `json:"max_streams"`
	// FinishedEarly counts the streams finished because MaxStreams
	// streams were tracked when a new one started (the least recently
	// active first). A finished stream that sent again was analyzed as a
	// new stream from there: no loss is counted across the break.
	FinishedEarly uint64 `json:"finished_early"`
	// KeepStreams is Config.KeepStreams (streams listed), 0 = none.
	KeepStreams int `json:"keep_streams"`
	// Seen counts every stream analyzed (listed or omitted).
	Seen uint64 `json:"streams_seen"`
	// Distinct, when streams were finished early (so that one seen
	// again was analyzed again, and counted again in Seen), estimates how
	// many distinct streams there were, in fixed memory (HyperLogLog:
	// about 1.6 % standard error).
	Distinct uint64 `json:"streams_distinct_estimate,omitempty"`
	// Omitted sums the streams not listed in Report.Streams.
	Omitted *OmittedStreams `json:"omitted,omitempty"`
}

// OmittedStreams sums the streams beyond Config.KeepStreams: those with
// the fewest problems and the least traffic.
type OmittedStreams struct {
	Streams     uint64 `json:"streams"`     // streams not listed
	Multicast   uint64 `json:"multicast"`   // of them, to a multicast destination
	Sequenced   uint64 `json:"sequenced"`   // of them, with a sequence format (format not "none")
	Packets     uint64 `json:"packets"`     // their datagrams
	Bytes       uint64 `json:"bytes"`       // their UDP payload bytes
	Lost        uint64 `json:"lost"`        // units they lost (counted in Report.TotalLost)
	Gaps        uint64 `json:"gaps"`        // their gaps
	Undecodable uint64 `json:"undecodable"` // their undecodable datagrams
	SnaplenCut  uint64 `json:"snaplen_cut"` // of them, not analyzable: datagrams cut by the snaplen
	// ICMPDiscards: ICMP errors about their datagrams saying they were
	// discarded (Stream.ICMPDiscards)
	ICMPDiscards uint64    `json:"icmp_discards"`
	Pairs        uint64    `json:"pairs"` // A/B pairs and retransmission flows with an omitted stream (not listed)
	First        time.Time `json:"first"` // first datagram of an omitted stream
	Last         time.Time `json:"last"`  // last datagram of an omitted stream
}

func (o *OmittedStreams) add(s *Stream) {
	o.addSums(s.Multicast, s.Format != "none" && s.Format != "auto", s.Packets, s.Bytes, s.First, s.Last)
	o.Lost += s.Lost
	o.Gaps += gapCount(s)
	o.Undecodable += s.Undecodable
	o.ICMPDiscards += s.ICMPDiscards
	if c := s.SnaplenCut; c != nil && c.SequenceAnalysis == "impossible" {
		o.SnaplenCut++
	}
}

// addSums is add for a stream with no loss, gap, undecodable datagram,
// ICMP discard or snaplen cut (omitPlain: without building its report).
func (o *OmittedStreams) addSums(multicast, sequenced bool, packets, bytes uint64, first, last time.Time) {
	o.Streams++
	if multicast {
		o.Multicast++
	}
	if sequenced {
		o.Sequenced++
	}
	o.Packets += packets
	o.Bytes += bytes
	if o.First.IsZero() || first.Before(o.First) {
		o.First = first
	}
	if last.After(o.Last) {
		o.Last = last
	}
}

func gapCount(s *Stream) uint64 {
	var n uint64
	for i := range s.Sequences {
		n += s.Sequences[i].GapCount
	}
	if s.TS != nil {
		n += uint64(len(s.TS.Errors)) + s.TS.ErrorsOmitted
	}
	return n
}

// ranked is a stream report with its key, for ranking and sorting.
type ranked struct {
	key streamKey
	s   Stream
	pos int // index in the live report (-1: finished earlier)
}

// rankBelow orders streams by how much they matter: problems (loss, gaps,
// undecodable datagrams), then traffic; the key breaks ties.
func rankBelow(a, b *ranked) bool { return rankLess(a.fields(), &a.key, b.fields(), &b.key) }

// rankFields are what rankBelow compares of a stream report, in order.
type rankFields struct {
	lost, gaps, undecodable, icmpDiscards, packets, bytes uint64
}

func (r *ranked) fields() rankFields {
	return rankFields{r.s.Lost, gapCount(&r.s), r.s.Undecodable, r.s.ICMPDiscards, r.s.Packets, r.s.Bytes}
}

// rankLess is rankBelow for the fields and keys of two streams.
func rankLess(a rankFields, ak *streamKey, b rankFields, bk *streamKey) bool {
	switch {
	case a.lost != b.lost:
		return a.lost < b.lost
	case a.gaps != b.gaps:
		return a.gaps < b.gaps
	case a.undecodable != b.undecodable:
		return a.undecodable < b.undecodable
	case a.icmpDiscards != b.icmpDiscards:
		return a.icmpDiscards < b.icmpDiscards // ICMP errors say the datagrams were discarded
	case a.packets != b.packets:
		return a.packets < b.packets
	case a.bytes != b.bytes:
		return a.bytes < b.bytes
	}
	return keyLess(*ak, *bk) > 0 // a later key ranks below
}

// keyLess compares stream keys in report order.
func keyLess(a, b streamKey) int {
	if c := a.dst.Addr().Compare(b.dst.Addr()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.dst.Port(), b.dst.Port()); c != 0 {
		return c
	}
	if c := a.src.Addr().Compare(b.src.Addr()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.src.Port(), b.src.Port()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.vlan, b.vlan); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ifc, b.ifc); c != 0 {
		return c
	}
	if c := cmp.Compare(a.lif, b.lif); c != 0 {
		return c
	}
	return cmp.Compare(a.zone, b.zone)
}

// rankHeap holds the kept finished streams, the one ranking lowest on top.
type rankHeap []*ranked

func (h rankHeap) Len() int           { return len(h) }
func (h rankHeap) Less(i, j int) bool { return rankBelow(h[i], h[j]) }
func (h rankHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rankHeap) Push(x any)        { *h = append(*h, x.(*ranked)) }
func (h *rankHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}

// maxFinishedList bounds the gaps, resets and TS errors a finished stream
// keeps listed (the counts stay exact), so that the kept finished streams
// cost at most KeepStreams times a few tens of KiB.
const maxFinishedList = 100

// finished holds the streams finished by Config.FinishWhenFull.
type finished struct {
	kept    rankHeap       // at most Config.KeepStreams (all when 0)
	omitted OmittedStreams // the others
	early   uint64         // streams finished to make room
}

// makeRoom finishes the least recently active eighth of the tracked
// streams (at least one) and keeps their reports.
func (t *Tracker) makeRoom() {
	n := max(1, len(t.order)/8)
	// By age: last datagram's time and frame, then the position in
	// t.order (what a stable sort by age gave), from a flat copy. The n
	// oldest are selected, not sorted: finishing does not depend on their
	// order (finish sorts them by key for the callback).
	ages := t.ages[:0]
	for i, st := range t.order {
		ages = append(ages, selectk.Key{K: [3]uint64{uint64(st.lastT) ^ 1<<63, uint64(st.lastFrame) ^ 1<<63, uint64(i)}, I: i})
	}
	selectk.FirstKeys(ages, n, nil)
	t.ages = ages
	gone := t.gone[:0]
	for _, a := range ages[:n] {
		gone = append(gone, t.order[a.I])
		t.order[a.I] = nil
	}
	keep := t.order[:0]
	for _, st := range t.order {
		if st != nil {
			keep = append(keep, st)
		}
	}
	clear(t.order[len(keep):])
	t.order = keep
	t.fin.early += uint64(len(gone))
	if t.cfg.OnFinishedEarly != nil {
		t.finish(gone, t.cfg.OnFinishedEarly)
	} else {
		// in any order: the streams kept and the sums of the others do
		// not depend on it (rankBelow is a total order)
		t.finishWith(gone, false, func(st *stream, drops []CaptureDropReading) {
			if !t.omitPlain(st) {
				t.keepFinished(st.key, t.streamReport(st, 0, drops))
			}
		})
	}
	clear(gone)
	t.gone = gone[:0]
}

// omitPlain files the finished stream st among the omitted ones without
// building its report, when that report is certain to have nothing to
// count but datagrams and bytes (no loss, gap, undecodable datagram, ICMP
// discard or snaplen cut) and to rank below every stream kept; it says
// whether it did. A capture of many short flows (a port scan, DNS, the
// udp stress input) finishes most of its streams here: building and
// ranking each one's report cost four times what tracking it did.
// TestOmitPlainSameReport compares with the full path.
func (t *Tracker) omitPlain(st *stream) bool {
	f := &t.fin
	if k := t.cfg.KeepStreams; noOmitPlain || k <= 0 || len(f.kept) < k || !plainStream(st) {
		return false
	}
	// its report's ranking fields and sums, without building a Stream
	if !rankLess(rankFields{packets: st.packets, bytes: st.bytes}, &st.key, f.kept[0].fields(), &f.kept[0].key) {
		return false
	}
	// what the report would add: its format's kind tells whether it is
	// sequenced as well as the format's text does (all but "none" and
	// "auto")
	f.omitted.addSums(st.key.dst.Addr().IsMulticast(), st.format.Kind != FormatNone && st.format.Kind != FormatAuto,
		st.packets, st.bytes, nsTime(st.firstT), nsTime(st.lastT))
	return true
}

// noOmitPlain turns omitPlain off (tests compare the two paths).
var noOmitPlain bool

// plainStream says whether the report of the finished stream st (format
// decided) has no loss, gap, undecodable datagram, ICMP discard or
// snaplen cut: the sums streamReport and OmittedStreams.add take from it
// are then its datagrams and bytes only.
func plainStream(st *stream) bool {
	if st.undecodable != 0 || st.icmpDiscards != 0 || st.truncated != 0 || len(st.cuts) != 0 || st.ts != nil {
		return false
	}
	if st.mt != nil && st.mt.countOnly != 0 {
		return false // msend -P runs: the sender's stat may tell a loss
	}
	plain := func(sp *seqSpace) bool { return sp.lost == 0 && sp.nGaps == 0 && len(sp.holes) == 0 }
	if st.main != nil && !plain(st.main) {
		return false
	}
	for _, src := range st.rtp {
		if !plain(&src.sp) {
			return false
		}
	}
	return true
}

// keepFinished files the report of a finished stream.
func (t *Tracker) keepFinished(key streamKey, s Stream) {
	r := &ranked{key: key, s: s, pos: -1}
	for i := range r.s.Sequences {
		q := &r.s.Sequences[i]
		q.Points, q.DuplicatePoints, q.LatePoints = nil, nil, nil // not plotted: the stream is not listed as it was
		if len(q.Gaps) > maxFinishedList {
			q.GapsOmitted += uint64(len(q.Gaps) - maxFinishedList)
			q.Gaps = slices.Clone(q.Gaps[:maxFinishedList])
		}
		if len(q.Resets) > maxFinishedList {
			q.Resets = slices.Clone(q.Resets[:maxFinishedList])
		}
	}
	if ts := r.s.TS; ts != nil && len(ts.Errors) > maxFinishedList {
		ts.ErrorsOmitted += uint64(len(ts.Errors) - maxFinishedList)
		ts.Errors = slices.Clone(ts.Errors[:maxFinishedList])
	}
	f := &t.fin
	k := t.cfg.KeepStreams
	if k <= 0 || len(f.kept) < k {
		heap.Push(&f.kept, r)
		return
	}
	if rankBelow(r, f.kept[0]) {
		f.omitted.add(&r.s)
		return
	}
	f.omitted.add(&f.kept[0].s)
	f.kept[0] = r
	heap.Fix(&f.kept, 0)
}

// limitReport merges the finished streams into r (whose streams are the
// tracked ones, in report order, IDs their positions), keeps the
// KeepStreams ranking highest, renumbers them in report order and sets
// r.Limits. It does not change the tracker.
func (t *Tracker) limitReport(r *Report, keys []streamKey) {
	f := &t.fin
	k := t.cfg.KeepStreams
	total := len(r.Streams) + len(f.kept)
	if len(f.kept) == 0 && f.omitted.Streams == 0 && f.early == 0 && (k <= 0 || total <= k) {
		return
	}
	all := make([]*ranked, 0, total)
	for i := range r.Streams {
		all = append(all, &ranked{key: keys[i], s: r.Streams[i], pos: i})
	}
	for _, x := range f.kept {
		c := *x
		all = append(all, &c)
	}
	om := f.omitted
	if k > 0 && len(all) > k {
		slices.SortFunc(all, func(a, b *ranked) int {
			if rankBelow(a, b) {
				return 1
			}
			if rankBelow(b, a) {
				return -1
			}
			return 0
		})
		for _, x := range all[k:] {
			om.add(&x.s)
		}
		all = all[:k]
	}
	slices.SortFunc(all, func(a, b *ranked) int { return keyLess(a.key, b.key) })
	newID := make([]int, len(r.Streams)) // old position -> new ID, 0 = omitted
	streams := make([]Stream, len(all))
	for i, x := range all {
		id := i + 1
		if x.pos >= 0 {
			newID[x.pos] = id
		}
		s := x.s
		s.ID = id
		if x.pos < 0 {
			// a finished stream's report is shared with the tracker: copy
			// what is renumbered
			s.Sequences = slices.Clone(s.Sequences)
			for j := range s.Sequences {
				s.Sequences[j].Gaps = slices.Clone(s.Sequences[j].Gaps)
			}
		}
		for j := range s.Sequences {
			for g := range s.Sequences[j].Gaps {
				s.Sequences[j].Gaps[g].Stream = id
			}
		}
		streams[i] = s
	}
	idOf := func(old int) int {
		if old < 1 || old > len(newID) {
			return 0
		}
		return newID[old-1]
	}
	pairs := r.Pairs[:0]
	for _, p := range r.Pairs {
		a, b := idOf(p.StreamA), idOf(p.StreamB)
		if a == 0 || b == 0 {
			om.Pairs++
			continue
		}
		p.StreamA, p.StreamB = a, b
		for g := range p.Gaps {
			p.Gaps[g].Stream, p.Gaps[g].Key = a, fmt.Sprintf("pair %d+%d", a, b)
		}
		pairs = append(pairs, p)
	}
	r.Pairs = pairs
	rtx := r.Retransmissions[:0]
	for _, x := range r.Retransmissions {
		a, b := idOf(x.Stream), idOf(x.RtxStream)
		if a == 0 || b == 0 {
			om.Pairs++
			continue
		}
		x.Stream, x.RtxStream = a, b
		rtx = append(rtx, x)
	}
	r.Retransmissions = rtx
	r.Streams = streams
	lim := &StreamLimits{MaxStreams: t.cfg.MaxStreams, FinishedEarly: f.early, KeepStreams: k, Seen: uint64(len(all)) + om.Streams}
	if f.early > 0 {
		// at least one more than the streams tracked at once, at most
		// one per analysis
		lim.Distinct = min(max(uint64(t.distinct.Estimate()), uint64(t.cfg.MaxStreams)+1), lim.Seen)
	}
	if om.Streams > 0 {
		lim.Omitted = &om
	}
	r.Limits = lim
}
