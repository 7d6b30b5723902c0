package monitor

import (
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

// outageGap reports gap g of a stream on interface ifc when it spans an
// outage (an outage-gap event, counted as unobserved) and says whether it
// did.
func (e *Engine) outageGap(ifc int, ls *mcast.LiveStream, g *mcast.Gap) bool {
	name, ok := e.outageOf(ifc, g.Start, g.End)
	if !ok {
		return false
	}
	e.m.unobserved += g.Count
	ge := gapEvent(ls.Src, ls.Dst, g)
	ge.Interface = name
	e.emit(&Event{Time: g.End, Type: EventOutageGap, Gap: ge})
	return true
}

// outageFinal marks the gaps of a stopped stream's final analysis that span
// an outage of its interface (verdict "outage") and takes them out of its
// loss counts; it returns the units and gaps taken out.
func (e *Engine) outageFinal(s *mcast.Stream) (units, gaps uint64) {
	for i := range s.Sequences {
		q := &s.Sequences[i]
		for j := range q.Gaps {
			g := &q.Gaps[j]
			if _, ok := e.outageOf(s.Interface, g.Start, g.End); !ok {
				continue
			}
			g.Verdict = "outage"
			q.Lost = sat(q.Lost, g.Count)
			q.GapCount = sat(q.GapCount, 1)
			units += g.Count
			gaps++
		}
	}
	s.Lost = sat(s.Lost, units)
	return units, gaps
}
