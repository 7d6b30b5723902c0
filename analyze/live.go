package analyze

import (
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Live analysis (smcdump monitor, analyze/monitor): frames are fed one by
// one from a live capture instead of read from a file, the connection
// tracker is swept by time (not only every 16384 TCP packets), and the
// per-connection totals can be dropped so that an analyzer fed for days
// stays bounded. Verdicts come from the same code as for files.

// Feed analyzes one frame of a live capture (the same pcapfile.Packet a
// capture.Handle delivers). p.Data is not kept after the call. Frames are
// numbered by the caller (p.Frame); the interface index in
// p.Info.InterfaceIndex is used as is. A frame the filter cannot judge
// (no program for its link type) takes part in the analysis.
func (a *Analyzer) Feed(p *pcapfile.Packet) {
	if a.liveUndecoded == nil {
		a.report.Files = append(a.report.Files, report.FileInfo{Path: "live", Format: "live"})
		a.liveIdx = len(a.report.Files) - 1
		a.liveUndecoded = map[string]int{}
	}
	fi := &a.report.Files[a.liveIdx]
	fi.Packets++
	ts := p.Info.Timestamp
	// The live entry's times point into the analyzer (liveFirst,
	// liveLast): a time allocated for every later frame made every
	// frame fed cost an allocation.
	if fi.First == nil {
		a.liveFirst = ts
		fi.First = &a.liveFirst
	}
	if fi.Last == nil || ts.After(*fi.Last) {
		a.liveLast = ts
		fi.Last = &a.liveLast
	}
	if a.cfg.Filter != nil {
		if ok, err := a.cfg.Filter.Match(p); err == nil && !ok {
			fi.Filtered++
			return
		}
	}
	a.frame(fi, a.liveUndecoded, p, a.liveIdx)
}

// Sweep finishes, as of now (capture time), the connections that are over:
// closed and quiet for a few seconds, idle for minutes, or unanswered SYNs
// (Config.OnConnection sees each one). A live capture calls it every
// second or so; files are swept as they are read.
func (a *Analyzer) Sweep(now time.Time) { a.tracker.Sweep(now) }

// TunnelFrames calls fn with the number of frames analyzed inside
// tunnels so far, per kind of the outermost tunnel (decode.TunnelName),
// for every kind seen.
func (a *Analyzer) TunnelFrames(fn func(kind string, frames uint64)) {
	for k, n := range a.tunnelKinds {
		if n > 0 {
			fn(decode.TunnelName(uint8(k)), n)
		}
	}
}

// OpenConnections returns the number of connections being followed.
func (a *Analyzer) OpenConnections() int { return a.tracker.Open() }

// Multicast returns the UDP stream tracker (nil with Config.NoUDP), for
// live counters, stream expiry and capture-drop readings.
func (a *Analyzer) Multicast() *mcast.Tracker { return a.mc }

// DropTotals forgets the finished connections and the report totals kept
// so far (connection list, outcome counts, fallback groups, rollups): a
// live monitor that consumes Config.OnConnection calls it periodically so
// that memory does not grow with the connections seen.
func (a *Analyzer) DropTotals() {
	a.tracker.DropFinished() // first: it judges the connections waiting for it into the old totals
	a.agg = report.NewAggregate()
	clear(a.report.Connections)
	a.report.Connections = a.report.Connections[:0]
	a.report.Rows = &report.RowTable{}
	a.kept, a.notListed = 0, 0
	a.tracker.SkipUnlisted = false
	if a.cfg.OnConnection != nil {
		a.tracker.OnDone = func(c *smcflow.Conn) { a.agg.Add(c); a.cfg.OnConnection(c) }
	} else {
		a.tracker.OnDone = a.agg.Add
	}
	clear(a.liveUndecoded)
}

// Shed finishes the least recently active connections until at most keep
// are followed (a live monitor's connection limit), each with the verdict
// it would get if the capture ended now. It returns how many it finished.
// Cost O(n log n) in the open connections; call it when over a limit with
// keep well below the limit, so it runs rarely.
func (a *Analyzer) Shed(keep int) int { return a.tracker.Shed(keep) }
