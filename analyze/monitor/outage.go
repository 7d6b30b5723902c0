package monitor

import (
	"net/netip"
	"time"

	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/capture"
)

// Outages of the capture point: an interface of the capture that went down
// or was deleted (capture.Config.OnLink) sees nothing until it is back.
// The datagrams its streams missed meanwhile were not seen, not lost: a
// gap that spans an outage of its interface is reported as an outage-gap
// event and counted as unobserved, never as loss, just as `analyze`
// attributes a gap to the capture when the capture's drop counters cover
// it (mcast gap verdict "capture").
//
// An outage runs from the last packet the capture had from the interface
// when the interface was noticed down to the moment it was noticed up
// again (it is looked up every second): a gap spans it when its revealing
// datagram came after the outage started and its last datagram before the
// gap came before the outage ended.

// maxOutages bounds the outages kept per interface (a gap is judged within
// seconds of the interface coming back, or when its stream stops).
const maxOutages = 16

type ifState struct {
	name     string
	down     bool
	gone     bool
	since    time.Time // noticed down at
	downSecs float64   // time down, outages over
	outages  uint64
	lastPkt  time.Time
	recent   []outage // the latest maxOutages
}

type outage struct{ from, to time.Time } // to zero: still down

// Interfaces declares the capture's interfaces, in capture order (up).
func (e *Engine) Interfaces(names []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, n := range names {
		e.ifState(i).name = n
	}
}

// ifState returns interface i's state, growing the table.
func (e *Engine) ifState(i int) *ifState {
	for len(e.ifs) <= i {
		e.ifs = append(e.ifs, ifState{})
	}
	return &e.ifs[i]
}

// Link records an interface of the capture going down or away, or the
// capture resuming on it (capture.Config.OnLink), with an interface event.
// Events that change nothing (LinkEvent.Retry) are ignored.
func (e *Engine) Link(ev capture.LinkEvent) {
	if ev.Retry || ev.Interface < 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.ifState(ev.Interface)
	s.name = ev.Name
	at := ev.Time
	if at.After(e.now) {
		e.now = at
	}
	if !ev.Up {
		if s.down {
			s.gone = s.gone || ev.Gone
			return
		}
		s.down, s.gone, s.since = true, ev.Gone, at
		s.outages++
		from := at
		if !s.lastPkt.IsZero() && s.lastPkt.Before(at) {
			from = s.lastPkt
		}
		if len(s.recent) == maxOutages {
			copy(s.recent, s.recent[1:])
			s.recent = s.recent[:maxOutages-1]
		}
		s.recent = append(s.recent, outage{from: from})
		for id, st := range e.streams {
			if id.ifc == ev.Interface {
				st.outagePending = true
			}
		}
		ie := &InterfaceEvent{Name: ev.Name, State: "down", Gone: ev.Gone, Ifindex: ev.Ifindex}
		if ev.Err != nil {
			ie.Reason = ev.Err.Error()
		}
		e.emit(&Event{Time: at, Type: EventInterface, Interface: ie})
		return
	}
	if !s.down {
		return
	}
	d := at.Sub(s.since).Seconds()
	s.down, s.gone = false, false
	s.downSecs += d
	s.recent[len(s.recent)-1].to = at
	e.emit(&Event{Time: at, Type: EventInterface, Interface: &InterfaceEvent{Name: ev.Name, State: "up", Ifindex: ev.Ifindex, DownSeconds: &d}})
}

// lastOutage returns the latest outage of capture interface i.
func (e *Engine) lastOutage(i int) (outage, bool) {
	if i < 0 || i >= len(e.ifs) || len(e.ifs[i].recent) == 0 {
		return outage{}, false
	}
	r := e.ifs[i].recent
	return r[len(r)-1], true
}

// outageOf returns the name of capture interface i when the time from
// start to end overlaps one of its outages.
func (e *Engine) outageOf(i int, start, end time.Time) (string, bool) {
	if i < 0 || i >= len(e.ifs) {
		return "", false
	}
	s := &e.ifs[i]
	for _, o := range s.recent {
		if end.After(o.from) && (o.to.IsZero() || !start.After(o.to)) {
			return s.name, true
		}
	}
	return "", false
}

// outageGap reports gap g of stream src > dst, judged to span an outage of
// interface name (outageOf), as an outage-gap event, counted as unobserved.
func (e *Engine) outageGap(name string, src, dst netip.AddrPort, g *mcast.Gap) {
	e.m.unobserved += g.Count
	ge := gapEvent(src, dst, g)
	ge.Interface = name
	e.emit(&Event{Time: g.End, Type: EventOutageGap, Gap: ge})
}

// A gap is judged once: look() judges the gaps it hands out while the
// stream is live, streamStopped the ones found at the end (newGaps). The
// interface keeps its last maxOutages outages only, so a stream that
// stops after its interface flapped many more times could not judge its
// early gaps again: the stream remembers which of its gaps were outage
// gaps (outageGapKey) for its final analysis, and their totals (outLost,
// outGaps) for its counters.

// outageGapKey names a listed gap of a stream: its sequence space and
// first missing unit, and the frame that revealed it.
type outageGapKey struct {
	key   string
	first uint64
	frame int
}

// maxSeqSpaces is the most sequence spaces of a stream the multicast
// tracker lists (the main one and 16 RTP sources).
const maxSeqSpaces = 17

// judgedOutage records that gap g of the stream was judged an outage gap.
// Bound: only listed gaps are judged, and the tracker lists at most
// maxGaps (Config.Analyze.Multicast.MaxGaps) per sequence space, so a
// stream remembers at most maxSeqSpaces*maxGaps keys (fewer entries than
// the tracker's own gap lists hold for it), freed when it stops; past
// that bound (which the tracker's lists do not reach) a gap still counts
// in the totals, its final verdict is left as it is.
func (st *streamState) judgedOutage(g *mcast.Gap, maxGaps int) {
	st.outLost += g.Count
	st.outGaps++
	if len(st.outKeys) >= maxSeqSpaces*max(maxGaps, 1) {
		return
	}
	if st.outKeys == nil {
		st.outKeys = map[outageGapKey]struct{}{}
	}
	st.outKeys[outageGapKey{g.Key, g.FirstMissing, g.Frame}] = struct{}{}
}

// outageFinal marks the gaps of a stopped stream's final analysis that were
// judged outage gaps (verdict "outage"; judgedOutage, by look() or for the
// gaps found at the end) and takes all of the stream's outage gaps out of
// its loss counts, once: the gaps look() judged as loss stay loss, even if
// an outage noticed later covers them, as the counters booked them. It
// returns the outage units, and the outage gaps not found in the final
// gap lists (to take out of the stream's gap count).
func (e *Engine) outageFinal(s *mcast.Stream, st *streamState) (units, unmarked uint64) {
	marked := uint64(0)
	if len(st.outKeys) > 0 {
		for i := range s.Sequences {
			q := &s.Sequences[i]
			for j := range q.Gaps {
				g := &q.Gaps[j]
				if _, ok := st.outKeys[outageGapKey{g.Key, g.FirstMissing, g.Frame}]; !ok {
					continue
				}
				g.Verdict = "outage"
				q.Lost = sat(q.Lost, g.Count)
				q.GapCount = sat(q.GapCount, 1)
				marked++
			}
		}
	}
	s.Lost = sat(s.Lost, st.outLost)
	return st.outLost, sat(st.outGaps, marked)
}
