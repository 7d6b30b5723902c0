package analyze

import (
	"slices"
	"sort"
	"time"

	"github.com/smcdump/smcdump/analyze/mcast"
)

// Live analysis (smcdump monitor, analyze/monitor): frames are fed one by
// one from a live capture instead of read from a file, the connection
// tracker is swept by time (not only every 16384 TCP packets), and the
// per-connection totals can be dropped so that an analyzer fed for days
// stays bounded. Verdicts come from the same code as for files.

// Feed analyzes one frame of a live capture. p.Data is not kept after the
// call. Frames are numbered by the caller (p.Frame); the interface index in
// p.Info.InterfaceIndex is used as is.
func (a *Analyzer) Feed(p *Packet) {
	if a.liveUndecoded == nil {
		a.report.Files = append(a.report.Files, FileInfo{Path: "live", Format: "live"})
		a.liveIdx = len(a.report.Files) - 1
		a.liveUndecoded = map[string]int{}
	}
	fi := &a.report.Files[a.liveIdx]
	fi.Packets++
	ts := p.Info.Timestamp
	if fi.First == nil {
		fi.First = timep(ts)
	}
	if fi.Last == nil || ts.After(*fi.Last) {
		fi.Last = timep(ts)
	}
	if a.cfg.NewFilter != nil {
		flt, ok := a.filters[p.LinkType]
		if !ok {
			var err error
			if flt, err = a.cfg.NewFilter(p.LinkType); err != nil {
				flt = nil // filter unusable for this link type: keep the frame
			}
			a.filters[p.LinkType] = flt
		}
		if flt != nil && !flt.Match(p.Data, p.Info.Length) {
			fi.Filtered++
			return
		}
	}
	a.frame(fi, a.liveUndecoded, p, 0)
}

// Sweep finishes, as of now (capture time), the connections that are over:
// closed and quiet for a few seconds, idle for minutes, or unanswered SYNs
// (Config.OnConnection sees each one). A live capture calls it every
// second or so; files are swept as they are read.
func (a *Analyzer) Sweep(now time.Time) {
	if now.After(a.tracker.lastTime) {
		a.tracker.lastTime = now
	}
	a.tracker.sweep(a.tracker.lastTime)
}

// OpenConnections returns the number of connections being followed.
func (a *Analyzer) OpenConnections() int { return len(a.tracker.conns) }

// Multicast returns the UDP stream tracker (nil with Config.NoUDP), for
// live counters, stream expiry and capture-drop readings.
func (a *Analyzer) Multicast() *mcast.Tracker { return a.mc }

// DropTotals forgets the finished connections and the report totals kept
// so far (connection list, outcome counts, fallback groups, rollups): a
// live monitor that consumes Config.OnConnection calls it periodically so
// that memory does not grow with the connections seen.
func (a *Analyzer) DropTotals() {
	a.agg = newAggregate()
	clear(a.tracker.done)
	a.tracker.done = a.tracker.done[:0]
	a.tracker.dropped = 0
	if a.cfg.OnConnection != nil {
		a.tracker.onDone = func(c *Conn) { a.agg.add(c); a.cfg.OnConnection(c) }
	} else {
		a.tracker.onDone = a.agg.add
	}
	clear(a.liveUndecoded)
	// RoCE frames only add link details to the listed connections, which a
	// live analysis does not list: forget the queue pairs seen so far.
	a.tracker.roce = newRoCETracker()
}

// Shed finishes the least recently active connections until at most keep
// are followed (a live monitor's connection limit), each with the verdict
// it would get if the capture ended now. It returns how many it finished.
// Cost O(n log n) in the open connections; call it when over a limit with
// keep well below the limit, so it runs rarely.
func (a *Analyzer) Shed(keep int) int {
	t := a.tracker
	if len(t.conns) <= keep {
		return 0
	}
	open := make([]*tcpConn, 0, len(t.conns))
	for _, c := range t.conns {
		open = append(open, c)
	}
	sort.Slice(open, func(i, j int) bool { return open[i].res.Times.Last.Before(open[j].res.Times.Last) })
	n := len(open) - max(keep, 0)
	for _, c := range open[:n] {
		t.finish(c)
	}
	return n
}

// provisional returns the verdict c would get if the capture ended now,
// without changing c (the final verdict is reached when c finishes).
func provisional(c *tcpConn, now time.Time) *Conn {
	cc := *c
	cc.res.Evidence = slices.Clip(c.res.Evidence)
	cc.events = slices.Clone(c.events)
	verdict(&cc, now)
	return &cc.res
}
