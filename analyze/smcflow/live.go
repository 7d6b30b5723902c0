package smcflow

import (
	"slices"
	"sort"
	"time"
)

// Live analysis (smcdump monitor, analyze/monitor, through analyze.Analyzer's
// Feed, Sweep, Shed and DropTotals): the tracker is swept by time (not only
// every 16384 TCP packets), the least recently active connections can be
// finished early, and the finished connections' results can be dropped so
// that a tracker fed for days stays bounded. Verdicts come from the same
// code as for files.

// Sweep finishes, as of now (capture time, or the newest packet's time if
// later), the connections that are over: closed and quiet for a few
// seconds, idle for minutes, or unanswered SYNs (OnDone sees each one).
func (t *Tracker) Sweep(now time.Time) {
	t.Advance(now)
	t.sweep(t.lastTime)
	t.JudgeWaiting()
}

// Open returns the number of connections being followed.
func (t *Tracker) Open() int { return t.conns.len() }

// DropFinished forgets the finished connections kept so far, the count of
// those not kept, and the RoCE queue pairs seen (RoCE frames only add link
// details to kept connections). The open connections are untouched.
func (t *Tracker) DropFinished() {
	t.JudgeWaiting()
	clear(t.done)
	t.done = t.done[:0]
	t.dropped = 0
	t.linkUnverified = 0
	t.detailed = 0
	t.skipped = 0
	onLLC := t.roce.OnLLC
	t.roce = newRoCETracker()
	t.roce.OnLLC = onLLC
}

// Shed finishes the least recently active connections until at most keep
// are followed (a live monitor's connection limit), each with the verdict
// it would get if the capture ended now. It returns how many it finished.
// Cost O(n log n) in the open connections; call it when over a limit with
// keep well below the limit, so it runs rarely.
func (t *Tracker) Shed(keep int) int {
	if t.conns.len() <= keep {
		return 0
	}
	open := t.conns.appendTo(make([]*tcpConn, 0, t.conns.len()))
	sort.Slice(open, func(i, j int) bool { return open[i].res.Times.Last.Before(open[j].res.Times.Last) })
	n := len(open) - max(keep, 0)
	for _, c := range open[:n] {
		t.finish(c)
	}
	t.JudgeWaiting()
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
