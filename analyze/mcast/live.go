package mcast

import (
	"net/netip"
	"slices"
	"time"
)

// Live monitoring (smcdump monitor, analyze/monitor): the tracker's running
// counters per stream, the gaps found since the previous look, and the
// expiry of idle streams so that a tracker fed for days stays bounded.

// LiveStream is the running state of one stream (Tracker.Live). The
// counters only grow while the stream is tracked: Lost and Gaps count
// finalized gaps (a hole becomes a gap once the reorder window has passed
// it, or when the stream ends), so they never go back.
type LiveStream struct {
	Src, Dst  netip.AddrPort
	VLAN      uint16
	Interface int
	IfIndex   uint32 // Datagram.LinkIf: copies seen on several interfaces of a cooked v2 capture differ
	Zone      uint64 // Datagram.Zone: streams inside different tunnels differ
	Format    string // "" while the format is being detected
	Packets   uint64 // datagrams, including control and duplicates
	Bytes     uint64
	Received  uint64 // distinct sequence units received
	Lost      uint64 // units in finalized gaps
	Dups      uint64 // duplicate datagrams
	Reordered uint64 // late datagrams that filled a hole
	Gaps      uint64 // finalized gaps
	// Pending counts the units in holes not finalized yet (still within
	// the reorder window): missing now, may still arrive.
	Pending uint64
	// ICMPErrors counts the ICMP errors captured about the stream's
	// datagrams that say they were discarded (Tracker.ICMPError;
	// Stream.ICMPDiscards: traceroute's probes not counted).
	ICMPErrors uint64
	First      time.Time
	Last       time.Time
	// NewGaps are the gaps finalized since the previous Live call, in the
	// order found (Stream is 0: a live stream has no report position).
	NewGaps []Gap
	// NewGapsUnlisted counts gaps finalized since the previous call that
	// are beyond Config.MaxGaps (counted in Gaps and Lost, not listed).
	NewGapsUnlisted uint64
	// Resets counts the sender restarts / new sessions (the sequence
	// started again: no loss counted across it); NewResets lists those
	// since the previous Live call (the first 1,000 of each sequence).
	Resets    uint64
	NewResets []Reset
}

// Untracked returns the datagrams of streams refused by Config.MaxStreams.
func (t *Tracker) Untracked() uint64 { return t.untracked }

// FinishedEarly returns the streams finished to make room for new ones
// (Config.FinishWhenFull).
func (t *Tracker) FinishedEarly() uint64 { return t.fin.early }

// Streams returns the number of streams tracked.
func (t *Tracker) Streams() int { return t.streams.n }

// Live calls fn for every tracked stream in first-seen order. fn must not
// keep ls (it is reused). Cost: linear in the streams and the new gaps.
func (t *Tracker) Live(fn func(ls *LiveStream)) {
	var ls LiveStream
	for _, st := range t.order {
		gaps, resets := ls.NewGaps[:0], ls.NewResets[:0]
		ls = LiveStream{
			Src: st.key.src, Dst: st.key.dst, VLAN: st.key.vlan, Interface: st.key.ifc, IfIndex: st.key.lif, Zone: st.key.zone,
			Packets: st.packets, Bytes: st.bytes, First: nsTime(st.firstT), Last: nsTime(st.lastT),
			NewGaps: gaps, NewResets: resets,
		}
		ls.ICMPErrors = st.icmpDiscards // as the final report's Stream.ICMPDiscards
		if st.decided {
			ls.Format = st.format.String()
		}
		each := func(key string, sp *seqSpace) {
			if sp == nil {
				return
			}
			ls.Received += sp.received
			ls.Lost += sp.lost
			ls.Dups += sp.dups
			ls.Reordered += sp.late
			ls.Gaps += sp.nGaps
			for _, h := range sp.holes {
				ls.Pending += h.last - h.first + 1
			}
			for _, g := range sp.gaps[sp.liveListed:] {
				ls.NewGaps = append(ls.NewGaps, Gap{Key: key, FirstMissing: g.first, Count: g.count,
					Start: nsTime(g.tPrev), End: nsTime(g.tNext), DurationUS: us(uint64(max(0, g.tNext-g.tPrev))),
					PrevFrame: g.prevFrame, Frame: g.frame, Membership: g.memb})
			}
			listed := uint64(len(sp.gaps) - sp.liveListed)
			if d := sp.nGaps - sp.liveGaps; d > listed {
				ls.NewGapsUnlisted += d - listed
			}
			sp.liveListed, sp.liveGaps = len(sp.gaps), sp.nGaps
			ls.Resets += sp.nResets
			for _, r := range sp.resets[sp.liveResets:] {
				ls.NewResets = append(ls.NewResets, Reset{Frame: r.frame, Time: nsTime(r.t), From: r.from, To: r.to, Reason: r.reason})
			}
			sp.liveResets = len(sp.resets)
		}
		each("", st.main)
		for _, src := range st.rtp {
			each(ssrcLabel(src.ssrc), &src.sp)
		}
		fn(&ls)
	}
}

func ssrcLabel(ssrc uint32) string {
	const hex = "0123456789abcdef"
	b := []byte("ssrc=0x00000000")
	for i := 0; i < 8; i++ {
		b[len(b)-1-i] = hex[(ssrc>>(4*i))&0xf]
	}
	return string(b)
}

// Expire removes the streams whose last datagram is older than before
// (every stream when before is zero) and calls fn with each one's final
// report, as Report would give it (holes still open count as gaps; ID 0,
// no pairing), and the gaps of that report Live has not handed out yet.
// The tracker keeps working for the other streams.
func (t *Tracker) Expire(before time.Time, fn func(s Stream, newGaps []Gap)) {
	keep := t.order[:0]
	var gone []*stream
	for _, st := range t.order {
		if !before.IsZero() && st.lastT >= before.UnixNano() {
			keep = append(keep, st)
			continue
		}
		gone = append(gone, st)
	}
	for i := len(keep); i < len(t.order); i++ {
		t.order[i] = nil
	}
	t.order = keep
	t.finish(gone, fn)
}

// finish removes the streams gone (already taken out of t.order) from the
// tracker and calls fn with each one's final report, in report order.
func (t *Tracker) finish(gone []*stream, fn func(s Stream, newGaps []Gap)) {
	t.finishWith(gone, true, func(st *stream, drops []CaptureDropReading) {
		if fn == nil {
			return
		}
		s := t.streamReport(st, 0, drops)
		var fresh []Gap
		for i, sp := range reportSpaces(st) {
			if i < len(s.Sequences) && sp.liveListed < len(s.Sequences[i].Gaps) {
				fresh = append(fresh, s.Sequences[i].Gaps[sp.liveListed:]...)
			}
		}
		fn(s, fresh)
	})
}

// finishWith removes the streams gone (already taken out of t.order) from
// the tracker, calling fn with each one, its format decided, before it is
// removed (in report order when sorted, else in the order of gone);
// drops are the capture-drop readings its report is built with. The
// streams are recycled (Tracker.recycle): fn must not keep them.
func (t *Tracker) finishWith(gone []*stream, sorted bool, fn func(st *stream, drops []CaptureDropReading)) {
	if len(gone) == 0 {
		return
	}
	var drops []CaptureDropReading
	dropsDone := false
	if sorted {
		slices.SortStableFunc(gone, streamLess)
	}
	for _, st := range gone {
		if !st.decided {
			t.decide(st)
		}
		if !dropsDone {
			drops, dropsDone = t.normDrops(), true
		}
		fn(st, drops)
		t.streams.del(st)
		if k0 := st.key; k0.lif != 0 {
			k0.lif = 0
			// the next copy (another interface) takes the ICMP errors
			l := slices.DeleteFunc(t.anyLif[k0], func(x *stream) bool { return x == st })
			if len(l) == 0 {
				delete(t.anyLif, k0)
			} else {
				t.anyLif[k0] = l
			}
		}
		if t.last == st {
			t.last = nil
		}
		for _, src := range st.rtp {
			if src.rtx != nil {
				t.rtxN -= len(src.rtx.recs)
			}
		}
	}
	for k, st := range t.ssrcs {
		if t.streams.get(&st.key, st.h) != st {
			delete(t.ssrcs, k)
		}
	}
	for _, st := range gone {
		t.recycle(st)
	}
}

// reportSpaces returns the sequence spaces of st in the order of
// Stream.Sequences (streamReport).
func reportSpaces(st *stream) []*seqSpace {
	switch st.format.Kind {
	case FormatMtools, FormatMtoolsDec, FormatMold, FormatMDP3, FormatOffset:
		return []*seqSpace{st.main}
	case FormatRTP, FormatRTPTS:
		out := make([]*seqSpace, 0, len(st.rtp))
		for _, src := range st.rtp {
			out = append(out, &src.sp)
		}
		return out
	}
	return nil
}
