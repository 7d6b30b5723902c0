// Package monitor is the live engine of `smcdump monitor`: it feeds frames
// of a live capture to the same analyzer as `smcdump analyze`
// (analyze.Analyzer.Feed), turns what the analysis concludes into events (a
// connection's SMC verdict, a multicast gap, a stream starting or stopping,
// capture drops, and per stats interval a kernel-counter verdict computed by
// analyze/correlate), and keeps the Prometheus metrics (metrics.go).
//
// Memory is bounded by the limits of Config, never by the traffic: finished
// connections and idle streams leave memory, open connections and streams
// are capped.
//
// An Engine is driven by one goroutine (Packet, Tick, CaptureStats,
// Counters, Close); its metrics may be collected concurrently.
package monitor

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Defaults of the state limits (flags of smcdump monitor).
const (
	DefaultMaxConnections     = 100000
	DefaultMaxStreams         = 1000
	DefaultStreamIdle         = 60 * time.Second
	DefaultMaxExportedStreams = 100
	DefaultMaxExportedServers = 100
	// DefaultMaxGaps bounds the gaps the multicast tracker lists per
	// sequence space between two looks (counted beyond it).
	DefaultMaxGaps = 1000
)

// Config configures an Engine.
type Config struct {
	// Analyze configures the analysis (multicast formats, pairs, filter);
	// the engine sets its own connection callback and limits.
	Analyze analyze.Config
	// NoCapture: nothing is captured (kernel counters only). The series
	// that come from the capture are not exported (a 0 there would read
	// as "no loss", "no fallback"), and an interval with nothing to
	// correlate has no counters event.
	NoCapture bool
	// MaxConnections bounds the TCP connections followed at once; beyond
	// it the least recently active are finished early (as if the capture
	// ended for them). 0 = DefaultMaxConnections.
	MaxConnections int
	// MaxStreams bounds the UDP streams tracked at once; datagrams of
	// further streams are only counted. 0 = DefaultMaxStreams.
	MaxStreams int
	// StreamIdle: a stream without a datagram for this long stops (its
	// final verdict is reported and it leaves memory). 0 = DefaultStreamIdle.
	StreamIdle time.Duration
	// MaxExportedStreams bounds the streams with their own metric series;
	// 0 = DefaultMaxExportedStreams.
	MaxExportedStreams int
	// InterfaceName names the interface of a stream captured on "any"
	// (the cooked v2 header's interface index) for the interface label and
	// events; nil looks it up on this host (net.InterfaceByIndex), "ifN"
	// when unknown.
	InterfaceName func(index int) string
	// MaxExportedServers bounds the distinct server label values of the
	// handshake metrics (further servers are labelled "other");
	// 0 = DefaultMaxExportedServers.
	MaxExportedServers int
	// Emit receives every event, in order. May be nil.
	Emit func(*Event)
}

// Engine is the live analysis.
type Engine struct {
	cfg   Config
	a     *analyze.Analyzer
	mc    *mcast.Tracker
	frame int
	now   time.Time // latest time seen (packet or tick)
	swept time.Time

	// per-interval observations for the kernel-counter verdicts
	prevSnap    *kstat.Snapshot
	ivSMC       correlate.SMCObserved
	ivSMCSeen   bool
	ivWindow    [2]time.Time
	ivCapDrops  uint64
	ivCapDrops0 uint64

	capRecv, capDrop []uint64 // cumulative per interface (last reading)
	capNames         []string
	lifNames         map[uint32]string // streamIface's names of "any" interface indexes
	ifs              []ifState         // capture interfaces: up or down, outages (outage.go)

	streams map[streamID]*streamState
	groups  []mcast.LiveGroup // the collector's buffer for the membership counts
	export  map[exportKey]*exportEntry
	pending map[connID]*ConnEvent // verdicts reported at handshake resolution, connection still open
	m       *metrics
	mu      sync.Mutex // guards what the metrics collector reads
	closed  bool
}

type streamID struct {
	src, dst netip.AddrPort
	vlan     uint16
	ifc      int
	lif      uint32 // cooked v2 interface index (mcast.Datagram.LinkIf)
	zone     uint64 // streams inside different tunnels differ
}

type streamState struct {
	live   mcast.LiveStream // counters as of the last look (NewGaps unused)
	ivPkts uint64           // at the start of the interval
	ivLost uint64
	// ivLeave: units of the gaps booked in this interval that the
	// group's IGMP/MLD explains by a leave (correlate GapLeave)
	ivLeave uint64
	export  *exportEntry // its metric series, nil when not exported
	seen    bool         // seen at the last look
	// resetsSeen: the frames of the resets reported as stream-reset
	// events (the first maxResetsSeen), so that the stream's final report
	// adds only the others
	resetsSeen []int
	// outLost, outGaps: units and gaps of its gaps that spanned an outage
	// of its interface (outage.go), taken out of live's Lost and Gaps
	outLost, outGaps uint64
	// outKeys: which of its gaps were judged outage gaps, for its final
	// analysis (outage.go; bounded there)
	outKeys map[outageGapKey]struct{}
	// outagePending: its interface went down and no datagram since it
	// came back has shown that no hole of the outage is pending: the
	// pending units are not counted as missing in an interval
	outagePending bool
}

// pending is the units in st's holes counted as missing in an interval.
func (st *streamState) pending() uint64 {
	if st.outagePending {
		return 0
	}
	return st.live.Pending
}

// New returns an engine.
func New(cfg Config) *Engine {
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = DefaultMaxStreams
	}
	if cfg.StreamIdle <= 0 {
		cfg.StreamIdle = DefaultStreamIdle
	}
	if cfg.MaxExportedStreams <= 0 {
		cfg.MaxExportedStreams = DefaultMaxExportedStreams
	}
	if cfg.MaxExportedServers <= 0 {
		cfg.MaxExportedServers = DefaultMaxExportedServers
	}
	e := &Engine{cfg: cfg, streams: map[streamID]*streamState{}, pending: map[connID]*ConnEvent{}, export: map[exportKey]*exportEntry{}}
	e.m = newMetrics(e)
	ac := cfg.Analyze
	ac.MaxConnections = 1 // the engine reports connections as they finish
	ac.OnConnection = e.onConnection
	ac.OnHandshake = e.onHandshake
	ac.Multicast.MaxStreams = cfg.MaxStreams
	// When full, the least recently active eighth of the streams stop
	// (reported as idle ones are), so that a burst of short flows (a
	// port scan, 100,000 source ports) does not keep a new feed
	// untracked until the burst's streams go idle.
	ac.Multicast.FinishWhenFull = true
	ac.Multicast.OnFinishedEarly = e.streamStopped
	if ac.Multicast.MaxGaps == 0 {
		ac.Multicast.MaxGaps = DefaultMaxGaps
	}
	e.a = analyze.NewAnalyzer(ac)
	e.mc = e.a.Multicast()
	e.resetInterval()
	return e
}

func (e *Engine) resetInterval() {
	e.ivSMC = correlate.SMCObserved{FallbacksByCode: map[correlate.Code]correlate.SideCounts{}, Declines: map[correlate.Code]correlate.SideCounts{}}
	e.ivSMCSeen = false
	e.ivWindow = [2]time.Time{}
	for _, st := range e.streams {
		st.ivPkts, st.ivLost, st.ivLeave = st.live.Packets, st.live.Lost+st.pending(), 0
	}
	e.ivCapDrops0 = e.ivCapDrops
}

func (e *Engine) emit(ev *Event) {
	e.m.events.WithLabelValues(ev.Type).Inc()
	if e.cfg.Emit != nil {
		e.cfg.Emit(ev)
	}
}

// Packet analyzes one captured frame. p.Data is not kept. Frames are
// numbered by the engine.
func (e *Engine) Packet(p *pcapfile.Packet) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.frame++
	p.Frame = e.frame
	ts := p.Info.Timestamp
	if ts.After(e.now) {
		e.now = ts
	}
	e.a.Feed(p)
	if i := p.Info.InterfaceIndex; i >= 0 && i < len(e.ifs) && ts.After(e.ifs[i].lastPkt) {
		e.ifs[i].lastPkt = ts
	}
	if e.ivWindow[0].IsZero() || ts.Before(e.ivWindow[0]) {
		e.ivWindow[0] = ts
	}
	if ts.After(e.ivWindow[1]) {
		e.ivWindow[1] = ts
	}
	if e.frame&0xff == 0 && e.a.OpenConnections() > e.cfg.MaxConnections {
		e.m.shed.Add(float64(e.a.Shed(e.cfg.MaxConnections * 9 / 10)))
	}
	if e.now.Sub(e.swept) >= time.Second {
		e.tick()
	}
}

// Tick tells the engine that time passed (a live capture calls it about
// every second, also when no packet arrives): connections that are over
// are finished, idle streams stop, new gaps are reported.
func (e *Engine) Tick(now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now.After(e.now) {
		e.now = now
	}
	e.tick()
}

func (e *Engine) tick() {
	e.swept = e.now
	e.a.Sweep(e.now)
	e.look()
	if e.mc != nil {
		e.mc.Expire(e.now.Add(-e.cfg.StreamIdle), e.streamStopped)
	}
	e.a.DropTotals()
}

// look reads the multicast tracker's running counters: new streams, new
// gaps, metric values.
func (e *Engine) look() {
	if e.mc == nil {
		return
	}
	for _, st := range e.streams {
		st.seen = false
	}
	e.mc.Live(func(ls *mcast.LiveStream) {
		id := streamID{ls.Src, ls.Dst, ls.VLAN, ls.Interface, ls.IfIndex, ls.Zone}
		st := e.streams[id]
		if st == nil {
			ifName := e.streamIface(ls.Interface, ls.IfIndex)
			st = &streamState{export: e.exportSlot(ls.Src.Addr(), ls.Dst, ifName, ls.Last)}
			e.streams[id] = st
			se := streamEvent(ls, nil)
			se.Interface = e.eventIface(ifName, ls.IfIndex)
			e.emit(&Event{Time: ls.First, Type: EventStreamStart, Stream: se})
		}
		for i := range ls.NewGaps {
			g := &ls.NewGaps[i]
			if name, ok := e.outageOf(id.ifc, g.Start, g.End); ok {
				e.outageGap(name, ls.Src, ls.Dst, g)
				st.judgedOutage(g, e.maxGaps())
				continue
			}
			if m := g.Membership; m != nil && (m.Cause == "leave" || m.Cause == "source-leave") {
				st.ivLeave += g.Count
			}
			e.emit(&Event{Time: g.End, Type: EventGap, Gap: gapEvent(ls.Src, ls.Dst, g)})
		}
		if ls.NewGapsUnlisted > 0 {
			e.emit(&Event{Time: ls.Last, Type: EventGap, Gap: &GapEvent{Src: ls.Src.String(), Dst: ls.Dst.String(), Unlisted: ls.NewGapsUnlisted}})
		}
		for i := range ls.NewResets {
			e.emitReset(ls.Src, ls.Dst, e.eventIface(e.streamIface(ls.Interface, ls.IfIndex), ls.IfIndex), &ls.NewResets[i])
			if len(st.resetsSeen) < maxResetsSeen {
				st.resetsSeen = append(st.resetsSeen, ls.NewResets[i].Frame)
			}
		}
		cur := *ls
		cur.NewGaps, cur.NewResets = nil, nil
		cur.Lost = sat(cur.Lost, st.outLost)
		cur.Gaps = sat(cur.Gaps, st.outGaps)
		e.addStreamTotals(&st.live, &cur)
		st.live = cur
		st.seen = true
		if st.outagePending && ls.Pending == 0 {
			// A datagram after the outage ended has revealed its hole,
			// and no hole is pending any more.
			if o, ok := e.lastOutage(id.ifc); ok && !o.to.IsZero() && ls.Last.After(o.to) {
				st.outagePending = false
			}
		}
	})

}

// exportKey names a stream's metric series (labels src, group, port,
// interface): a stream's copies on several interfaces (several -i, or
// "any" with a bond and its slaves) are series of their own, not added up.
type exportKey struct {
	src netip.Addr
	dst netip.AddrPort
	ifc string
}

// streamIface names the interface a stream was captured on: the -i
// interface, or for a stream captured on "any" the interface of its
// packets (cooked v2 interface index).
func (e *Engine) streamIface(ifc int, lif uint32) string {
	if lif != 0 {
		if n, ok := e.lifNames[lif]; ok {
			return n
		}
		n := ""
		if e.cfg.InterfaceName != nil {
			n = e.cfg.InterfaceName(int(lif))
		} else if i, err := net.InterfaceByIndex(int(lif)); err == nil {
			n = i.Name
		}
		if n == "" || n == "?" {
			n = "if" + strconv.Itoa(int(lif))
		}
		if len(e.lifNames) < maxLifNames {
			if e.lifNames == nil {
				e.lifNames = map[uint32]string{}
			}
			e.lifNames[lif] = n
		}
		return n
	}
	if ifc >= 0 && ifc < len(e.ifs) {
		return e.ifs[ifc].name
	}
	return ""
}

// maxLifNames bounds the interface names kept for streams captured on
// "any" (a host has far fewer interfaces).
const maxLifNames = 4096

// eventIface is the interface a stream event names: only when it tells
// streams apart (several capture interfaces, or "any").
func (e *Engine) eventIface(name string, lif uint32) string {
	if lif != 0 || len(e.ifs) > 1 {
		return name
	}
	return ""
}

// exportEntry is one stream's metric series: the counts of its stopped
// lifetimes (base) plus those of its live streams, so the counters never go
// back when a stream stops and comes back.
type exportEntry struct {
	base     [7]uint64 // received, lost, duplicated, reordered, gaps, ICMP errors, resets
	live     int       // live streams counted into it
	lastSeen time.Time
}

// exportSlot returns the series of a new stream: its existing one, a free
// one, or the one of the longest-stopped stream when all
// MaxExportedStreams are taken (that stream's series ends); nil when every
// series belongs to a live stream.
func (e *Engine) exportSlot(src netip.Addr, dst netip.AddrPort, ifc string, now time.Time) *exportEntry {
	k := exportKey{src, dst, ifc}
	x := e.export[k]
	if x == nil {
		if len(e.export) >= e.cfg.MaxExportedStreams {
			var old exportKey
			var oldX *exportEntry
			for k2, x2 := range e.export {
				if x2.live == 0 && (oldX == nil || x2.lastSeen.Before(oldX.lastSeen)) {
					old, oldX = k2, x2
				}
			}
			if oldX == nil {
				return nil
			}
			delete(e.export, old)
		}
		x = &exportEntry{}
		e.export[k] = x
	}
	x.live++
	x.lastSeen = now
	return x
}

func liveCounts(l *mcast.LiveStream) [7]uint64 {
	return [7]uint64{l.Packets, l.Lost, l.Dups, l.Reordered, l.Gaps, l.ICMPErrors, l.Resets}
}

// maxResetsSeen bounds the stream-reset events of one stream that are
// remembered (and so the ones its final report can add): a feed that
// restarts more often is reported by its counters.
const maxResetsSeen = 256

// emitReset reports a sender restart or new session of a stream.
func (e *Engine) emitReset(src, dst netip.AddrPort, ifc string, r *mcast.Reset) {
	e.emit(&Event{Time: r.Time, Type: EventStreamReset, Reset: &ResetEvent{Src: src.String(), Dst: dst.String(), Interface: ifc,
		From: r.From, To: r.To, Reason: r.Reason, Frame: r.Frame}})
}

// addStreamTotals adds what a stream gained since the previous look to the
// all-streams counters.
func (e *Engine) addStreamTotals(prev *mcast.LiveStream, cur *mcast.LiveStream) {
	e.m.udpAll[0] += sat(cur.Packets, prev.Packets)
	e.m.udpAll[1] += sat(cur.Lost, prev.Lost)
	e.m.udpAll[2] += sat(cur.Dups, prev.Dups)
	e.m.udpAll[3] += sat(cur.Reordered, prev.Reordered)
	e.m.udpAll[4] += sat(cur.Gaps, prev.Gaps)
	e.m.udpAll[5] += sat(cur.ICMPErrors, prev.ICMPErrors)
	e.m.udpAll[6] += sat(cur.Resets, prev.Resets)
}

// maxGaps is the gaps the multicast tracker lists per sequence space.
func (e *Engine) maxGaps() int {
	if n := e.cfg.Analyze.Multicast.MaxGaps; n != 0 {
		return n
	}
	return DefaultMaxGaps
}

func sat(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// streamStopped reports a stream that left the tracker (idle, or the end)
// with its final analysis.
func (e *Engine) streamStopped(s mcast.Stream, newGaps []mcast.Gap) {
	src, _ := netip.ParseAddrPort(s.Src)
	dst, _ := netip.ParseAddrPort(s.Dst)
	id := streamID{src, dst, s.VLAN, s.Interface, s.IfIndex, s.Zone()}
	st := e.streams[id]
	announced := st != nil
	if st == nil {
		st = &streamState{}
	}
	// Holes still open became gaps now: the ones look() has not seen are
	// judged here, the others were judged when it saw them.
	type outageOfGap struct {
		name string // its outage's interface
		ok   bool   // an outage gap
	}
	var outNew []outageOfGap // per new gap
	for i := range newGaps {
		g := &newGaps[i]
		if name, ok := e.outageOf(s.Interface, g.Start, g.End); ok {
			if outNew == nil {
				outNew = make([]outageOfGap, len(newGaps))
			}
			outNew[i] = outageOfGap{name, true}
			st.judgedOutage(g, e.maxGaps())
		}
	}
	outUnits, outUnmarked := e.outageFinal(&s, st)
	fin := mcast.LiveStream{Src: src, Dst: dst, VLAN: s.VLAN, Interface: s.Interface, IfIndex: s.IfIndex, Zone: s.Zone(), Packets: s.Packets, Format: s.Format,
		First: s.First, Last: s.Last}
	for _, q := range s.Sequences {
		fin.Received += q.Received
		fin.Dups += q.Duplicates
		fin.Reordered += q.Reordered
		fin.Gaps += q.GapCount
		fin.Resets += q.ResetCount
		// resets since the last look (listed ones not yet reported)
		for i := range q.Resets {
			if !slices.Contains(st.resetsSeen, q.Resets[i].Frame) && len(st.resetsSeen) < maxResetsSeen {
				e.emitReset(src, dst, e.eventIface(e.streamIface(s.Interface, s.IfIndex), s.IfIndex), &q.Resets[i])
			}
		}
	}
	fin.Gaps = sat(fin.Gaps, outUnmarked)
	fin.Lost = s.Lost
	fin.ICMPErrors = s.ICMPDiscards
	for i := range newGaps {
		if i < len(outNew) && outNew[i].ok {
			e.outageGap(outNew[i].name, src, dst, &newGaps[i])
			continue
		}
		e.emit(&Event{Time: newGaps[i].End, Type: EventGap, Gap: gapEvent(src, dst, &newGaps[i])})
	}
	e.addStreamTotals(&st.live, &fin)
	if x := st.export; x != nil {
		c := liveCounts(&fin)
		for i := range c {
			x.base[i] += c[i]
		}
		x.live--
		x.lastSeen = fin.Last
	}
	// A stream that started and stopped between two looks (finished
	// early to make room, a burst of short flows) stops silently unless
	// it lost something: its totals are counted all the same.
	if announced || len(newGaps) > 0 || fin.Lost > 0 || fin.ICMPErrors > 0 || outUnits > 0 {
		se := streamEvent(&fin, &s)
		se.Interface = e.eventIface(e.streamIface(s.Interface, s.IfIndex), s.IfIndex)
		se.Unobserved = outUnits
		e.emit(&Event{Time: s.Last, Type: EventStreamStop, Stream: se})
	}
	delete(e.streams, id)
}

// onHandshake is called by the analyzer when a connection's SMC handshake
// has resolved: the verdict is reported now, while the connection goes on.
func (e *Engine) onHandshake(c *smcflow.Conn) {
	ce := connEvent(c)
	if len(e.pending) >= 2*e.cfg.MaxConnections {
		// cannot happen while every resolved connection is finished
		// through onConnection under the same roles; a bound regardless
		clear(e.pending)
	}
	e.pending[connID{c.Client, c.Server, c.Tunnel}] = ce
	e.handshakeSeen(c, ce)
}

func (e *Engine) handshakeSeen(c *smcflow.Conn, ce *ConnEvent) {
	report.ObserveSMC(&e.ivSMC, c)
	e.ivSMCSeen = true
	e.m.handshake(ce, e.cfg.MaxExportedServers)
	t := c.Times.Last
	for _, x := range []*time.Time{c.Times.Confirm, c.Times.Decline, c.Times.SYNACK} {
		if x != nil {
			t = *x
			break
		}
	}
	e.emit(&Event{Time: t, Type: EventConnection, Connection: ce})
}

// onConnection is called by the analyzer with every finished connection:
// its final verdict, the one `analyze` reports.
func (e *Engine) onConnection(c *smcflow.Conn) {
	if c.Outcome == smcflow.OutcomeNotSMC {
		e.m.plainTCP.Inc()
		return
	}
	id := connID{c.Client, c.Server, c.Tunnel}
	ce := connEvent(c)
	early, ok := e.pending[id]
	if !ok { // roles guessed differently at the end
		id = connID{c.Server, c.Client, c.Tunnel}
		early, ok = e.pending[id]
	}
	if ok {
		delete(e.pending, id)
		if early.Outcome != ce.Outcome || early.Reason != ce.Reason || early.Code != ce.Code || early.By != ce.By {
			ce.Revised = true
			e.m.revised.Inc()
			e.emit(&Event{Time: c.Times.Last, Type: EventConnection, Connection: ce})
		}
		return
	}
	e.handshakeSeen(c, ce)
}

type connID struct {
	client, server netip.AddrPort
	tunnel         string // connections inside different tunnels differ
}

// CaptureStats records the capture's own counters for interface iface
// (cumulative since the capture started), at time at.
func (e *Engine) CaptureStats(iface int, name string, received, dropped uint64, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.capRecv) <= iface {
		e.capRecv = append(e.capRecv, 0)
		e.capDrop = append(e.capDrop, 0)
		e.capNames = append(e.capNames, "")
	}
	e.capNames[iface] = name
	e.capRecv[iface] = received
	if dropped > e.capDrop[iface] {
		d := dropped - e.capDrop[iface]
		e.ivCapDrops += d
		e.emit(&Event{Time: at, Type: EventCaptureDrops, Drops: &DropsEvent{Interface: name, Dropped: d, Total: dropped}})
		if e.mc != nil {
			e.mc.AddCaptureDrop(mcast.CaptureDrop{Time: at, Interface: iface, OSDrop: dropped, Cumulative: true})
		}
	}
	e.capDrop[iface] = dropped
}

// Counters takes a kernel counter snapshot (capture/kstat): its values
// become metrics, and with the previous snapshot it brackets an interval
// whose capture observations are correlated with the counters' growth by
// the same code as `smcdump analyze` (analyze/correlate). The verdicts are
// emitted as one counters event.
func (e *Engine) Counters(s *kstat.Snapshot) {
	if s == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.TakenAt.After(e.now) && e.now.IsZero() {
		e.now = s.TakenAt
	}
	e.tick() // bring the streams and connections up to the snapshot
	e.m.setKernel(s)
	prev := e.prevSnap
	e.prevSnap = s
	if prev == nil {
		e.resetInterval()
		return
	}
	var vs []correlate.Verdict
	win := e.ivWindow
	if win[0].IsZero() {
		win = [2]time.Time{prev.TakenAt, s.TakenAt}
	}
	if e.ivSMCSeen || prev.SMC.Available {
		obs := e.ivSMC
		obs.Window = win
		vs = append(vs, correlate.SMC(prev, s, obs)...)
	}
	u := correlate.UDPObserved{Window: win, CaptureDrops: e.ivCapDrops - e.ivCapDrops0}
	ids := make([]streamID, 0, len(e.streams))
	for id := range e.streams {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return streamIDLess(ids[i], ids[j]) })
	for _, id := range ids {
		st := e.streams[id]
		pk := sat(st.live.Packets, st.ivPkts)
		if pk == 0 {
			continue
		}
		us := correlate.UDPStream{Src: id.src, Dst: id.dst, Packets: pk, Gap: sat(st.live.Lost+st.pending(), st.ivLost)}
		us.GapLeave = min(st.ivLeave, us.Gap)
		switch st.live.Format {
		case "none":
			us.Unanalyzed, us.UnanalyzedWhy = true, "no sequence format"
		case "":
			us.Unanalyzed, us.UnanalyzedWhy = true, "format still being detected"
		}
		if name, ok := e.outageOf(id.ifc, prev.TakenAt, s.TakenAt); ok {
			// The capture was blind to the stream for part of the
			// interval: what it missed then is no loss, and no no-loss.
			us.Unanalyzed, us.UnanalyzedWhy = true, "capture interface "+name+" was down"
		}
		u.Streams = append(u.Streams, us)
	}
	if len(u.Streams) > 0 {
		vs = append(vs, correlate.UDP(prev, s, u)...)
	}
	if vs == nil {
		if e.cfg.NoCapture {
			e.resetInterval() // nothing captured: nothing to say every interval
			return
		}
		vs = []correlate.Verdict{} // JSON [] (jq .counters.verdicts[] works), not null
	}
	e.emit(&Event{Time: s.TakenAt, Type: EventCounters, Counters: &CountersEvent{From: prev.TakenAt, To: s.TakenAt, Verdicts: vs}})
	e.resetInterval()
}

func streamIDLess(a, b streamID) bool {
	if c := a.dst.Compare(b.dst); c != 0 {
		return c < 0
	}
	if c := a.src.Compare(b.src); c != 0 {
		return c < 0
	}
	if a.vlan != b.vlan {
		return a.vlan < b.vlan
	}
	if a.ifc != b.ifc {
		return a.ifc < b.ifc
	}
	if a.lif != b.lif {
		return a.lif < b.lif
	}
	return a.zone < b.zone
}

// Close finishes the analysis: every open connection gets its verdict
// (as at the end of a capture file) and every stream stops.
func (e *Engine) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	e.a.Sweep(e.now)
	e.look()
	e.a.Finish() // remaining connections: verdict as at the end of a file
	if e.mc != nil {
		e.mc.Expire(time.Time{}, e.streamStopped)
	}
}

// Stats returns the engine's state sizes (for tests and the soak benchmark).
func (e *Engine) Stats() (openConns, streams int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	if e.mc != nil {
		n = e.mc.Streams()
	}
	return e.a.OpenConnections(), n
}

func (id streamID) String() string { return fmt.Sprintf("%s -> %s", id.src, id.dst) }
