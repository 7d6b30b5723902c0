package analyze

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

type timeT = time.Time

// FrameFilter decides whether a frame takes part in the analysis (a compiled
// pcap-filter expression run on the BPF VM, see capture/bpffilter).
// The filter compiles its program per link type (bpffilter.Expr); an error
// is the one compiling the program for the packet's link type.
type FrameFilter interface {
	Match(p *pcapfile.Packet) (bool, error)
}

// Config controls an analysis run.
type Config struct {
	// Filter, when set, selects the frames that take part in the analysis.
	Filter FrameFilter
	// Stdin is read for the path "-" (nil: "-" is an error).
	Stdin io.Reader
	// All keeps plain TCP connections (no SMC option on the SYN) in the
	// per-connection results; by default they are only counted.
	All bool
	// MaxConnections bounds the connections kept in detail (memory); the
	// counts, fallback groups and rollups still cover every connection.
	// 0 means DefaultMaxConnections; negative means no limit.
	MaxConnections int
	// Multicast configures the UDP stream gap analysis (analyze/mcast).
	Multicast mcast.Config
	// NoUDP turns the UDP stream analysis off.
	NoUDP bool
	// Snapshots are kernel counter snapshots (capture/kstat) taken around
	// the capture; the first and last by time are correlated with the
	// capture. When empty, snapshots embedded in pcapng files are used.
	Snapshots []*kstat.Snapshot
	// CaptureStats, when set, receives every pcapng Interface Statistics
	// Block as it is read.
	CaptureStats func(file int, st pcapfile.InterfaceStats)
	// Custom, when set, receives every pcapng custom block (kernel counter
	// snapshots).
	Custom func(file int, cb pcapfile.CustomBlock)
	// OnConnection, when set, is called with every connection as the
	// analysis finishes it (its verdict is then final: the same one the
	// report lists): plain TCP connections too. It must not keep c.
	OnConnection func(c *smcflow.Conn)
	// OnHandshake, when set, is called with a connection's verdict as soon
	// as its SMC handshake has resolved (Confirm or Decline seen both ways,
	// or a SYN-ACK without the SMC option), as if the capture ended then:
	// normally the final verdict, reached before the connection ends. It
	// must not keep c. Connections that end unresolved only reach
	// OnConnection.
	OnHandshake func(c *smcflow.Conn)
	// OnListed, when set, is called with every connection of the list
	// (SMC-related, and plain TCP with All) as the analysis judges it,
	// all of them: MaxConnections bounds only Report.Connections. Without
	// OnConnection and OnHandshake a finished connection may wait for up
	// to 31 more before it is judged (smcflow.Tracker.JudgeBatch, 32),
	// in the same order, and always before the CaptureStats or Custom
	// call of a block read after it finished. They are
	// numbered 1, 2, … in that order (deterministic), the order of
	// Report.Connections too; the first smcflow.DefaultDetail keep their
	// full detail, the others a compact record (DetailOmitted). It must not
	// keep a compact record beyond ListedLag more connections (by default
	// not at all: its storage is reused); a record with its detail is its
	// own. The JSON report streams its connection list with it
	// (report.JSONWriter).
	OnListed func(c *smcflow.Conn)
	// ListedLag, when positive, lets OnListed keep each compact record
	// it gets until ListedLag more connections have been listed (for a
	// writer that encodes them in another goroutine: report.JSONWriter.Go).
	ListedLag int
	// KeepNone: Report.Connections stays empty (with OnListed, which sees
	// them all); the counts, groups and rollups still cover every
	// connection.
	KeepNone bool
	// Threads is the number of goroutines analyzing a capture file: 1
	// reads, decodes and analyzes the frames in the calling goroutine; 2
	// or more (more are not used) reads and filters them in a second
	// goroutine, which uses a second CPU, while the calling one decodes
	// and analyzes them (analyze/pipeline.go). 0 means 2 when GOMAXPROCS
	// is above 1. The results, and the order of the callbacks (all from
	// the calling goroutine), are the same; Filter is then called from the
	// second goroutine. Frames fed with Feed are always analyzed in the
	// calling goroutine. A bzip2 file is decoded on every processor,
	// except with Threads 1 (pcapfile.OpenOptions). (`smcdump analyze
	// --json` also encodes the connection list in a goroutine of its own
	// when Parallel: ListedLag, report.JSONWriter.Go.)
	Threads int
	// GivenOrder analyzes the files of Run in the order given (as mergecap
	// -a joins them). By default Run orders them by the time of each
	// file's first packet (pcapfile.TimeOrder): a shell glob lists
	// tcpdump -C's files name, name1, name10, name2, ….
	GivenOrder bool
	// Merge analyzes the files of Run merged packet by packet by time
	// stamp (as mergecap merges them): captures of several interfaces or
	// hosts made at the same time. The analysis sees one capture, as in
	// the merged file (frame numbers are its); each input is listed on its
	// entry (report.FileInfo.Inputs) with its own problems and notes, as
	// on its own entry, and its damage counts in the merged entry's.
	Merge bool
}

// Stream bounds of the offline analysis (mcast.Config.MaxStreams with
// FinishWhenFull, mcast.Config.KeepStreams; docs/architecture.md "Memory
// bounds").
const (
	// DefaultMaxStreams is the number of UDP streams tracked at once;
	// beyond it the least recently active are finished early.
	DefaultMaxStreams = 5000
	// DefaultKeepStreams is the number of UDP streams listed in detail.
	DefaultKeepStreams = 1000
)

// streamBounds applies the offline stream bounds to c: MaxStreams 0 means
// DefaultMaxStreams (finishing the least recently active streams when
// reached), KeepStreams 0 DefaultKeepStreams; negative values mean no
// limit. A MaxStreams set by the caller keeps its FinishWhenFull; without
// it (the live monitor, which refuses new streams and finishes idle ones
// itself) KeepStreams stays as given.
func streamBounds(c mcast.Config) mcast.Config {
	refuse := c.MaxStreams > 0 && !c.FinishWhenFull // the live monitor
	switch {
	case c.MaxStreams == 0:
		c.MaxStreams, c.FinishWhenFull = DefaultMaxStreams, true
	case c.MaxStreams < 0:
		c.MaxStreams = 0
	}
	switch {
	case c.KeepStreams == 0 && !refuse:
		c.KeepStreams = DefaultKeepStreams
	case c.KeepStreams < 0:
		c.KeepStreams = 0
	}
	return c
}

// maxEmbeddedErrs bounds the undecodable kernel counter blocks listed in
// the report's notes (further ones are counted).
const maxEmbeddedErrs = 100

// judgeBatch is how many finished connections wait to be judged together
// (smcflow.Tracker.JudgeBatch; a variable for tests). Simulated with
// callgrind's cache model on 30,000 closed handshakes, the instruction
// cache misses per handshake were 705 judging each at once, 313 with 8,
// 284 with 16, 276 with 32 and 263 with 64 (the data cache misses 15 %
// more from 8 on); the instructions are the same. Beyond 32 the gain is
// within what a change of code layout moves.
var judgeBatch = 32

// DefaultMaxConnections is the default number of connections kept in
// detail (about 2.5 KiB each).
const DefaultMaxConnections = 20000

// Analyzer runs the analysis over a stream of frames.
type Analyzer struct {
	cfg     Config
	mc      *mcast.Tracker
	dg      mcast.Datagram
	tracker *smcflow.Tracker
	f       decode.Frame
	pkt     pcapfile.Packet // the frame being analyzed (readParallel)
	report  report.Report
	udpN    int
	memberN int // IGMP and MLD messages handed to the stream tracker

	// Capture interfaces of successive files (a -C/-G rotation, editcap
	// parts) map to one stream-key interface when their name and link type
	// match (index and link type when unnamed), so UDP streams, their
	// sequence state, A/B pairing and capture-drop attribution continue
	// across files. ifGlobal maps the key to that interface number; ifFile
	// maps the current file's interface indexes to it.
	ifGlobal map[ifKey]int
	ifFile   []int
	ifTaken  map[int]bool         // interface numbers given out
	ifUsed   map[int]bool         // numbers the current file's interfaces use
	ifNext   int                  // lowest number that may be free
	fr       *pcapfile.FileReader // file being read (nil when frames are fed directly)
	// frameBase numbers the UDP analysis' frames across files: with several
	// files, frame numbers continue from the previous file's last frame (as
	// in the files concatenated with mergecap -a), so a stream or gap that
	// spans files names unambiguous frames.
	frameBase, lastFrame int

	agg          *report.Aggregate
	frags        *decode.Reassembler
	multi        bool         // several files: evidence names the file
	embedded     SnapshotSpan // snapshots embedded in the files: the earliest and latest only
	embeddedErrs []string     // the first maxEmbeddedErrs decoding errors
	embeddedBad  int          // further decoding errors

	pipe *pipeline // the file being read in a second goroutine (pipeline.go)

	keep      int // Config.MaxConnections (0: the default)
	kept      int // connections in report.Connections and report.Rows
	notListed int // connections beyond keep, counted, not listed

	liveIdx       int // report.Files entry of the frames fed with Feed (live.go)
	liveUndecoded map[string]int
	// liveFirst, liveLast: the times the live entry's First and Last point
	// to (Feed).
	liveFirst, liveLast time.Time
	// tunnels counts the current file's frames by the tunnel they were
	// in (at most report.MaxTunnels tunnels; moreTunnelFrames the rest).
	tunnels          map[decode.TunnelRef]int
	moreTunnelFrames int
	// zones names the tunnels of the zones seen (noteZone; maxZoneLabels).
	zones map[uint64]string
	// tunnelKinds counts the frames analyzed inside tunnels over the
	// whole analysis, by the outermost tunnel's kind (TunnelFrames).
	tunnelKinds [decode.NumTunnelKinds]uint64
	zoneScratch decode.Frame // noteZone's
	// reasm, reasmPkt and reasmFrame hold a datagram that arrived in IP
	// fragments, rebuilt to be filtered and opened (rebuildDatagram);
	// reasmFilter is the analysis' filter for it.
	reasm       [2][]byte // [1]: a datagram inside one in [0] (rebuildDatagram)
	reasmPkt    [2]pcapfile.Packet
	reasmFrame  decode.Frame
	reasmFilter FrameFilter
}

// NewAnalyzer returns an analyzer.
func NewAnalyzer(cfg Config) *Analyzer {
	t := smcflow.NewTracker()
	t.All = cfg.All
	a := &Analyzer{cfg: cfg, tracker: t, report: report.Report{Schema: report.SchemaVersion}, agg: report.NewAggregate(), frags: decode.NewReassembler()}
	t.Keep = cfg.MaxConnections
	if t.Keep == 0 {
		t.Keep = DefaultMaxConnections
	}
	t.OnDone = a.agg.Add
	t.OnResolved = cfg.OnHandshake
	t.FullDetail = cfg.OnConnection != nil
	// The analyzer keeps the list (listed): the tracker numbers every
	// listed connection and keeps none.
	t.OnListed, t.ListAll, t.NoKeep, t.ListedLag = a.listed, true, true, cfg.ListedLag
	a.keep = t.Keep
	a.report.Rows = &report.RowTable{}
	if cfg.OnConnection != nil {
		t.OnDone = func(c *smcflow.Conn) { a.agg.Add(c); cfg.OnConnection(c) }
	}
	if cfg.OnConnection == nil && cfg.OnHandshake == nil {
		// Nobody waits for each verdict as its connection ends.
		t.JudgeBatch = judgeBatch
	}
	t.ZoneLabel = a.zoneLabel
	if !cfg.NoUDP {
		mc := streamBounds(cfg.Multicast)
		mc.ZoneLabel = a.zoneLabel
		a.mc = mcast.NewTracker(mc)
	}
	return a
}

// maxZoneLabels bounds the tunnel names kept for the connections and
// streams seen inside tunnels (Analyzer.zones); those of further tunnels
// are named by their zone number.
const maxZoneLabels = 4096

// noteZone keeps the name of a tunnelled frame's zone, the first time: the
// tunnel's, or with nested tunnels each layer's from the innermost out
// ("VXLAN vni 42 10.0.0.1 <> 10.0.0.2 in ERSPAN type II session 7 …").
func (a *Analyzer) noteZone(p *pcapfile.Packet, f *decode.Frame) {
	z := f.Zone
	if _, ok := a.zones[z]; ok || len(a.zones) >= maxZoneLabels {
		return
	}
	if a.zones == nil {
		a.zones = map[uint64]string{}
	}
	if f.Tunnel.Depth <= 1 {
		a.zones[z] = report.TunnelLabel(tunnelEntry(f.Tunnel, 0))
		return
	}
	var layers []string
	decode.Layers(p.LinkType, p.Data, &a.zoneScratch, func(in *decode.Inner) {
		t := &in.Tunnel
		r := decode.TunnelRef{Kind: t.Kind, Depth: 1, HasID: t.HasID, Port: t.Port, ID: t.ID, Src: t.OuterSrc, Dst: t.OuterDst}
		layers = append([]string{report.TunnelLabel(tunnelEntry(r, 0))}, layers...)
	})
	a.zones[z] = strings.Join(layers, " in ")
}

// zoneLabel names a zone (decode.Frame.Zone).
func (a *Analyzer) zoneLabel(z uint64) string {
	if s, ok := a.zones[z]; ok {
		return s
	}
	return fmt.Sprintf("tunnel zone %016x", z)
}

// AnalyzeFile reads one capture file completely. Errors that stop reading
// the file (not a capture, unreadable) are returned; defects inside the file
// are recorded in the report and reading continues.
func (a *Analyzer) AnalyzeFile(ctx context.Context, path string) error {
	// With one thread, a bzip2 file is decoded in that thread too.
	fr, err := pcapfile.OpenFileWith(path, a.cfg.Stdin, pcapfile.OpenOptions{OneCPU: !a.parallel()})
	if err != nil {
		return err
	}
	defer fr.Close()
	return a.AnalyzeReader(ctx, path, fr)
}

// AnalyzeReader reads all frames of fr. With Config.Threads other than 1
// and more than one CPU (GOMAXPROCS), fr is read and its frames decoded
// (and filtered) in a second goroutine while this one analyzes them (see
// pipeline.go); the results, and the order and goroutine of the callbacks,
// are the same as when everything runs in this goroutine.
func (a *Analyzer) AnalyzeReader(ctx context.Context, name string, fr *pcapfile.FileReader) error {
	fileIdx := len(a.report.Files)
	a.report.Files = append(a.report.Files, report.FileInfo{Path: name, Format: fr.Format(), Variant: fr.Variant(), Compression: fr.Compression()})
	fi := &a.report.Files[fileIdx]
	a.ifFile = a.ifFile[:0]
	clear(a.ifUsed)
	a.fr = fr
	defer func() { a.fr = nil }()
	// Spans, rates and timeouts need times in order: a packet whose time
	// stamp is implausible (before 1970, after 2200) is taken at the
	// previous packet's time (the file's note says so).
	fr.HoldImplausibleTimes = true
	if len(a.report.Files) > 1 || a.multi {
		a.tracker.File = name
	}
	undecoded := map[string]int{}
	clear(a.tunnels)
	a.moreTunnelFrames = 0
	var rs readState
	var err error
	var abort bool
	if a.parallel() {
		abort, err = a.readParallel(ctx, name, fileIdx, fi, fr, undecoded, &rs)
	} else {
		fr.OnStats = func(st pcapfile.InterfaceStats) { a.onStats(fileIdx, fr.Interfaces(), st) }
		fr.OnCustom = func(cb pcapfile.CustomBlock) { a.onCustom(name, fileIdx, cb) }
		// each frame is analyzed before the next is read: the buffer
		// is reused at once, and a mapped file's window unmapped at once
		fr.SetBufferSwap(pcapfile.ReuseSwap)
		abort, err = a.readSequential(ctx, name, fileIdx, fi, fr, undecoded, &rs)
		fr.SetBufferSwap(nil)
	}
	rs.store(a, fi)
	if abort {
		return err
	}
	fi.Interfaces = fr.Interfaces()
	a.frameBase += a.lastFrame
	a.lastFrame = 0
	fi.Problems = fr.Problems()
	fi.ProblemCount = fr.ProblemCount()
	fi.Notes, fi.NoteCount = fr.Notes(), fr.NoteCount()
	fi.DamagedRegions, fi.SkippedBytes = fr.Damage()
	fi.CaptureStats = fr.Stats()
	fi.CaptureStatsOmitted, fi.InterfacesShared = fr.StatsOmitted(), fr.InterfacesShared()
	for k, v := range undecoded {
		fi.Undecoded = append(fi.Undecoded, report.Count{Name: k, Count: v})
	}
	report.SortCounts(fi.Undecoded)
	fi.Tunnels, fi.MoreTunnelFrames = a.tunnelReport(), a.moreTunnelFrames
	return err
}

// countTunnel counts a frame that was inside a tunnel.
func (a *Analyzer) countTunnel(t decode.TunnelRef) {
	if n, ok := a.tunnels[t]; ok {
		a.tunnels[t] = n + 1
		return
	}
	if len(a.tunnels) >= report.MaxTunnels {
		a.moreTunnelFrames++
		return
	}
	if a.tunnels == nil {
		a.tunnels = map[decode.TunnelRef]int{}
	}
	a.tunnels[t] = 1
}

// tunnelEntry is the report's entry for tunnel t, with n frames.
func tunnelEntry(t decode.TunnelRef, n int) report.Tunnel {
	r := report.Tunnel{Kind: decode.TunnelName(t.Kind), Port: t.Port, Depth: int(t.Depth), Src: t.Src.String(), Dst: t.Dst.String(), Frames: n}
	if t.HasID {
		id := t.ID
		r.ID = &id
	}
	return r
}

// tunnelReport lists the tunnels counted, the most frames first.
func (a *Analyzer) tunnelReport() []report.Tunnel {
	var ts []report.Tunnel
	for t, n := range a.tunnels {
		ts = append(ts, tunnelEntry(t, n))
	}
	report.SortTunnels(ts)
	return ts
}

// readState is what the reading side counts of a file: the packets read,
// the filtered ones (in the FileInfo), the first and last time stamps and
// the last frame number, stored into the FileInfo and the analyzer once
// the file has been read.
type readState struct {
	seen        bool
	first, last time.Time
	lastFrame   int
}

// read counts frame p.
func (rs *readState) read(fi *report.FileInfo, p *pcapfile.Packet) {
	fi.Packets++
	rs.lastFrame = p.Frame
	if !rs.seen {
		rs.seen, rs.first = true, p.Info.Timestamp
	}
	rs.last = p.Info.Timestamp
}

func (rs *readState) store(a *Analyzer, fi *report.FileInfo) {
	if rs.seen {
		fi.First, fi.Last = timep(rs.first), timep(rs.last)
		a.lastFrame = rs.lastFrame
	}
}

// fileGuard returns the FileGuard of filter f for the frames of fr: nil
// without a filter or for a filter that is not a compiled expression.
func fileGuard(f FrameFilter, fr *pcapfile.FileReader) *bpffilter.FileGuard {
	if g, ok := f.(interface {
		Guard(func() []pcapfile.Interface) *bpffilter.FileGuard
	}); ok {
		fg := g.Guard(fr.Interfaces)
		if fr.Format() == "pcap" {
			fg.Complete() // one link type: refused at its first packet
		}
		return fg
	}
	return nil
}

// matchFrame runs the filter on p, after the guard (when not nil) decided
// that it judges p's interface: the packets of an interface whose link
// type the expression has no program for (while it has for another of the
// file's) do not match, and the report says so once
// (FileInfo.FilterSkipped). An error ends reading the file.
func matchFrame(guard *bpffilter.FileGuard, flt FrameFilter, p *pcapfile.Packet, fi *report.FileInfo) (bool, error) {
	if guard != nil {
		ok, skips, err := guard.Judge(p)
		addFilterSkips(fi, skips)
		if err != nil || !ok {
			return false, err
		}
	}
	return flt.Match(p)
}

// addFilterSkips adds the interfaces the filter leaves out to the report.
func addFilterSkips(fi *report.FileInfo, skips []*bpffilter.InterfaceError) {
	for _, s := range skips {
		fi.FilterSkipped = append(fi.FilterSkipped, report.FilterSkip{
			Interface: s.Interface, Name: s.Name, LinkType: s.LinkType.String(),
			Error: s.Err.Error(), Text: s.Error(),
		})
	}
}

// endFilter is called at the end of the file: the error (as filterErr's)
// when the filter judges none of its interfaces, which refuses the file
// (whose interfaces may be described after packets of others, so that the
// guard decides only now).
func endFilter(guard *bpffilter.FileGuard, fi *report.FileInfo) error {
	if guard == nil {
		return nil
	}
	skips, lt, err := guard.End()
	if err != nil {
		return fmt.Errorf("filter for link type %s: %w", lt, err)
	}
	addFilterSkips(fi, skips)
	return nil
}

// filterErr is the error of a frame filter that cannot judge a frame: the
// file is not read further.
func filterErr(p *pcapfile.Packet, err error) error {
	return fmt.Errorf("filter for link type %s: %w", p.LinkType, err)
}

// readSequential reads, decodes and analyzes the frames of fr in this
// goroutine. abort reports an error that leaves the file's summary out
// (the filter failed).
func (a *Analyzer) readSequential(ctx context.Context, name string, fileIdx int, fi *report.FileInfo, fr *pcapfile.FileReader, undecoded map[string]int, rs *readState) (abort bool, err error) {
	// A mapped file cut short while read faults: an error (see faultErr).
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if e := faultErr(name, v); e != nil {
				abort, err = false, e
				return
			}
			panic(v)
		}
	}()
	flt := withInner(a.cfg.Filter)
	guard := fileGuard(a.cfg.Filter, fr)
	for n := 0; ; n++ {
		if n&0xfff == 0 {
			if err = ctx.Err(); err != nil {
				return false, err
			}
		}
		var p *pcapfile.Packet
		p, err = fr.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if err = endFilter(guard, fi); err != nil {
					return true, err
				}
			}
			return false, err
		}
		rs.read(fi, p)
		if flt != nil {
			ok, err := matchFrame(guard, flt, p, fi)
			if err != nil {
				return true, filterErr(p, err)
			}
			if !ok {
				fi.Filtered++
				continue
			}
		}
		a.frame(fi, undecoded, p, fileIdx)
	}
}

// onStats handles a pcapng Interface Statistics Block of file fileIdx,
// whose interfaces read so far are ifs.
func (a *Analyzer) onStats(fileIdx int, ifs []pcapfile.Interface, st pcapfile.InterfaceStats) {
	if a.mc != nil {
		// pcapng counters are cumulative from the start of the capture;
		// File lets the tracker continue them across rotated files
		// (writers that restart them per file are detected there).
		cd := mcast.CaptureDrop{Time: st.Time, Interface: a.globalIf(ifs, st.Interface), Cumulative: true, File: fileIdx}
		if st.Start != nil {
			cd.Start = *st.Start
		}
		cd.IfDrop, cd.OSDrop = ringDrops(st)
		a.mc.AddCaptureDrop(cd)
	}
	if a.cfg.CaptureStats != nil {
		a.tracker.JudgeWaiting() // the connections finished before the block are listed before it
		a.cfg.CaptureStats(fileIdx, st)
	}
}

// onCustom handles a pcapng custom block of file fileIdx (name).
func (a *Analyzer) onCustom(name string, fileIdx int, cb pcapfile.CustomBlock) {
	if ok, err := a.embedded.AddBlock(name, cb); ok && err != nil {
		a.embeddedError(BlockError{File: name, Offset: cb.Offset, Err: err})
	}
	if a.cfg.Custom != nil {
		a.tracker.JudgeWaiting()
		a.cfg.Custom(fileIdx, cb)
	}
}

// ifKey identifies a capture interface across files.
type ifKey struct {
	name  string
	index int // -1 when named
	lt    pcapfile.LinkType
}

// globalIf returns the stream-key interface number of the current file's
// interface idx: the number of the interface with the same name and link
// type in an earlier file (same index and link type when unnamed), else a
// new number (idx itself when free, so a single file keeps its indexes). Two
// interfaces of one file never share a number. Amortised O(1) per call.
func (a *Analyzer) globalIf(ifs []pcapfile.Interface, idx int) int {
	if idx >= 0 && idx < len(a.ifFile) && a.ifFile[idx] >= 0 {
		return a.ifFile[idx]
	}
	if idx < 0 || idx >= len(ifs) {
		return idx // frames fed directly, or not an interface of the file
	}
	if a.ifGlobal == nil {
		a.ifGlobal, a.ifTaken, a.ifUsed = map[ifKey]int{}, map[int]bool{}, map[int]bool{}
	}
	ifc := ifs[idx]
	k := ifKey{index: idx, lt: ifc.LinkType}
	if ifc.Name != "" {
		k.name, k.index = ifc.Name, -1
	}
	g, ok := a.ifGlobal[k]
	if !ok || a.ifUsed[g] {
		g = idx
		if a.ifTaken[g] {
			for a.ifTaken[a.ifNext] {
				a.ifNext++
			}
			g = a.ifNext
		}
		a.ifTaken[g] = true
		if !ok {
			a.ifGlobal[k] = g
		}
	}
	a.ifUsed[g] = true
	for len(a.ifFile) <= idx {
		a.ifFile = append(a.ifFile, -1)
	}
	a.ifFile[idx] = g
	return g
}

func (a *Analyzer) frame(fi *report.FileInfo, undecoded map[string]int, p *pcapfile.Packet, fileIdx int) {
	decode.DecodeInner(p.LinkType, p.Data, &a.f)
	a.track(fi, undecoded, p, &a.f)
}

// track analyzes frame p, decoded into f (which it may change).
func (a *Analyzer) track(fi *report.FileInfo, undecoded map[string]int, p *pcapfile.Packet, f *decode.Frame) {
	ts := p.Info.Timestamp
	if f.Status != decode.StatusOK || f.Proto != decode.ProtoTCP || f.Fragment {
		// The capture's end, for CLC timeouts: HandleTCP moves it itself
		// (below) for the segments it gets.
		a.tracker.Advance(ts)
	}
	if f.Tunnel.Kind != decode.TunnelNone {
		a.countTunnel(f.Tunnel)
		a.noteZone(p, f)
		a.tunnelKinds[f.Tunnel.Kind%decode.NumTunnelKinds]++
	}
	if p.Info.CaptureLength < p.Info.Length {
		fi.Truncated++
	}
	if f.Status == decode.StatusMalformed && f.Fragment && f.MoreFrag && f.FragOff == 0 && f.L4 != nil &&
		(f.Proto == decode.ProtoTCP || f.Proto == decode.ProtoUDP) {
		// A first fragment too short for its transport header (tiny
		// fragments, long IP options): the header goes on in the next
		// fragment, and the reassembled datagram is decoded whole.
		f.Status = decode.StatusOK
	}
	switch f.Status {
	case decode.StatusOK:
	case decode.StatusTruncated:
		if f.Reason != "TCP options" || f.Fragment {
			undecoded[f.Reason]++
			return
		}
		// a segment whose options the snaplen cut: its flags and
		// sequence numbers still count (smcflow: the SMC option may be
		// unknown)
	case decode.StatusUnsupported:
		data := p.Data
		if f.Tunnel.Depth > 0 {
			data = f.Data // the frame inside the tunnels
		}
		if f.EtherType == 0x8915 && f.L2Len > 0 && f.L2Len <= len(data) {
			// RoCEv1: GRH + BTH after the Ethernet header.
			if b, ok := smcflow.RoCEV1Payload(data[f.L2Len:]); ok {
				a.tracker.HandleRoCE(netip.Addr{}, b, len(b), p.Frame, ts)
				return
			}
		}
		undecoded[f.Reason]++
		return
	default:
		undecoded[f.Reason]++
		return
	}
	if f.Fragment && f.Proto != decode.ProtoUDP {
		if f.FragOff == 0 && (f.Proto == decode.ProtoICMP || f.Proto == decode.ProtoICMPv6) {
			a.icmpError(p, f, ts) // its first fragment holds the quoted header
		}
		a.reassembledIP(fi, undecoded, p, f, ts)
		return
	}
	switch f.Proto {
	case decode.ProtoTCP:
		a.tracker.HandleTCP(f, p.Frame, ts)
	case decode.ProtoICMP:
		a.icmpError(p, f, ts)
	case decode.ProtoICMPv6:
		if len(f.L4) > 0 && (f.L4[0] >= 130 && f.L4[0] <= 132 || f.L4[0] == 143) {
			a.membership(p, f, ts)
			return
		}
		a.icmpError(p, f, ts)
	case decode.ProtoIGMP:
		a.membership(p, f, ts)
	case decode.ProtoUDP:
		fragTrunc := false
		if f.Fragment {
			b, total, trunc, ok := a.frags.Add(f, ts)
			if !ok {
				return // waiting for more fragments
			}
			if f.SrcPort, f.DstPort, f.Payload, f.PayloadLen, ok = decode.UDPFromReassembled(b, total); !ok {
				return
			}
			if a.cfg.Filter != nil || decode.TunnelPort(f.DstPort) {
				q := a.rebuildDatagram(p, f, decode.ProtoUDP, b, total)
				if a.cfg.Filter != nil && !a.datagramMatches(p, q) {
					fi.Filtered++ // the datagram, once: its fragments passed (innerFilter)
					return
				}
				if a.reassembledTunnel(fi, undecoded, f, q) {
					return
				}
			}
			fragTrunc = trunc
		}
		a.udpN++
		if f.DstPort == smcflow.RoCEV2Port {
			a.tracker.HandleRoCE(f.Dst, f.Payload, f.PayloadLen, p.Frame, ts)
			return
		}
		if a.mc != nil {
			d := &a.dg
			*d = mcast.Datagram{
				Frame: a.frameBase + p.Frame, Time: ts,
				Src: f.SrcAddrPort(), Dst: f.DstAddrPort(),
				Interface: a.globalIf(a.interfaces(), p.Info.InterfaceIndex),
				Payload:   f.Payload, Length: f.PayloadLen,
				Truncated: f.TruncatedPayload() || fragTrunc,
			}
			if f.NVLAN > 0 {
				d.VLAN = f.VLANs[0]
			}
			d.LinkIf = sll2IfIndex(p)
			d.Zone = f.Zone // 0 outside tunnels
			a.mc.Add(d)
		}
	}
}

// sll2IfIndex is the interface index of a Linux cooked v2 frame (what a
// capture on "any" writes), 0 for other link types.
func sll2IfIndex(p *pcapfile.Packet) uint32 {
	if p.LinkType != pcapfile.LinkTypeLinuxSLL2 || len(p.Data) < 8 {
		return 0
	}
	return binary.BigEndian.Uint32(p.Data[4:8])
}

// icmpError hands an ICMP or ICMPv6 error about a UDP datagram (destination
// unreachable, time exceeded, packet too big) to the stream tracker, which
// counts it for the datagram's stream (mcast.Tracker.ICMPError): the
// capture's own evidence that a stream's datagrams were discarded after
// the capture point, when no kernel counters say so.
func (a *Analyzer) icmpError(p *pcapfile.Packet, f *decode.Frame, ts time.Time) {
	b := f.L4
	if a.mc == nil || len(b) < 8 {
		return
	}
	q := b[8:]
	var kind string
	var src, dst netip.AddrPort
	if f.Proto == decode.ProtoICMP {
		if kind = icmpKind(b[0], b[1]); kind == "" || len(q) < 20 || q[0]>>4 != 4 {
			return
		}
		hl := int(q[0]&0x0f) * 4
		if q[9] != decode.ProtoUDP || hl < 20 || len(q) < hl+4 || binary.BigEndian.Uint16(q[6:])&0x1fff != 0 {
			return // not UDP, or a later fragment: no ports quoted
		}
		src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(q[12:16])), binary.BigEndian.Uint16(q[hl:]))
		dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(q[16:20])), binary.BigEndian.Uint16(q[hl+2:]))
	} else {
		if kind = icmp6Kind(b[0], b[1]); kind == "" {
			return
		}
		proto, l4, ok := quotedUpper(q)
		if !ok || proto != decode.ProtoUDP {
			return
		}
		src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(q[8:24])), binary.BigEndian.Uint16(l4))
		dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(q[24:40])), binary.BigEndian.Uint16(l4[2:]))
	}
	var vlan uint16
	if f.NVLAN > 0 {
		vlan = f.VLANs[0]
	}
	a.mc.ICMPError(src, dst, vlan, a.globalIf(a.interfaces(), p.Info.InterfaceIndex), sll2IfIndex(p), f.Zone, f.Src, kind, ts, a.frameBase+p.Frame)
}

// icmpKind names an ICMP error that means a datagram was discarded
// (RFC 792, RFC 1812 §5.2.7.1), "" for other messages.
func icmpKind(typ, code uint8) string {
	switch typ {
	case 3:
		switch code {
		case 0, 6:
			return "net unreachable"
		case 1, 7:
			return "host unreachable"
		case 2:
			return "protocol unreachable"
		case 3:
			return "port unreachable"
		case 4:
			return "need to frag"
		case 9, 10:
			return "admin prohibited"
		case 13:
			return "filter prohibited"
		}
		return "unreachable"
	case 11:
		if code == 1 {
			return "reassembly time exceeded"
		}
		return "time exceeded"
	}
	return ""
}

// icmp6Kind is icmpKind for ICMPv6 (RFC 4443 §3).
func icmp6Kind(typ, code uint8) string {
	switch typ {
	case 1:
		switch code {
		case 0, 6:
			return "no route"
		case 1, 5:
			return "admin prohibited"
		case 3:
			return "address unreachable"
		case 4:
			return "port unreachable"
		}
		return "unreachable"
	case 2:
		return "packet too big"
	case 3:
		if code == 1 {
			return "reassembly time exceeded"
		}
		return "time exceeded"
	}
	return ""
}

// rebuildDatagram returns a datagram of protocol proto that arrived in IP
// fragments as one packet in place of its last fragment p: f is that
// fragment, b the datagram's transport bytes (UDP or TCP header and
// payload, or the GRE or inner IP packet) as captured, total its length on
// the wire. The datagram is put behind a minimal IP header (raw IP, one
// reused buffer, valid until the next call); it counts as completely
// captured (a cut fragment was counted when it was read), the IP length
// says how long it was on the wire.
func (a *Analyzer) rebuildDatagram(p *pcapfile.Packet, f *decode.Frame, proto uint8, b []byte, total int) *pcapfile.Packet {
	i := 0
	if p == &a.reasmPkt[0] {
		i = 1 // fragments inside a reassembled datagram: p stays as it is
	}
	buf := a.reasm[i][:0]
	if f.IPVer == 4 {
		buf = append(buf, 0x45, 0, 0, 0, 0, 0, 0, 0, f.TTL, proto, 0, 0)
		binary.BigEndian.PutUint16(buf[2:], uint16(min(20+total, 0xffff)))
		s, d := f.Src.As4(), f.Dst.As4()
		buf = append(append(buf, s[:]...), d[:]...)
	} else {
		buf = append(buf, 0x60, 0, 0, 0, 0, 0, proto, f.TTL)
		binary.BigEndian.PutUint16(buf[4:], uint16(min(total, 0xffff)))
		s, d := f.Src.As16(), f.Dst.As16()
		buf = append(append(buf, s[:]...), d[:]...)
	}
	buf = append(buf, b...)
	a.reasm[i] = buf
	q := &a.reasmPkt[i]
	*q = *p
	q.LinkType, q.Data = pcapfile.LinkTypeRaw, buf
	q.Info.CaptureLength, q.Info.Length = len(buf), len(buf)
	return q
}

// datagramMatches applies the analysis' filter to a datagram that arrived
// in IP fragments: p is its last fragment as captured (or the reassembled
// datagram around it), q the datagram rebuilt behind a bare IP header
// (rebuildDatagram). The filter lets every fragment of a reassembled
// protocol through (innerFilter.Match), since a fragment cannot show its
// datagram's ports or the frame inside a tunnel; the datagram decides:
// rebuilt (its ports, or the frame inside when it is a tunnel packet) or
// with the headers around it that the rebuilt one lacks (link-level
// addresses, VLANs, an outer tunnel): either may match a filter that
// selects, and both must match one that only excludes; an expression that
// means nothing for a bare IP datagram is decided by the fragment.
func (a *Analyzer) datagramMatches(p, q *pcapfile.Packet) bool {
	if a.reasmFilter == nil {
		a.reasmFilter = withInner(a.cfg.Filter)
	}
	okP, err := a.cfg.Filter.Match(p)
	okP = okP && err == nil
	okQ, err := a.reasmFilter.Match(q)
	if err != nil {
		// The expression has no meaning for the bare IP datagram
		// ("ether multicast", "vlan"): the fragment as captured decides.
		return okP
	}
	if a.reasmFilter.(*innerFilter).excludes {
		return okP && okQ
	}
	return okP || okQ
}

// reassembledTunnel analyzes the frame inside a tunnel datagram (VXLAN,
// Geneve, VXLAN-GPE) that arrived in IP fragments, as when an overlay's
// frames exceed the underlay's MTU: q is the reassembled datagram
// (rebuildDatagram), opened as DecodeInner opens one that arrived whole, so
// its frame is analyzed with the same tunnel and zone. It reports false
// when the datagram is not a tunnel packet (or the fragments were
// themselves inside a tunnel: their zone would not compose), which is then
// analyzed as a UDP datagram.
func (a *Analyzer) reassembledTunnel(fi *report.FileInfo, undecoded map[string]int, f *decode.Frame, q *pcapfile.Packet) bool {
	if f.Tunnel.Depth > 0 || !decode.TunnelPort(f.DstPort) {
		return false
	}
	g := &a.reasmFrame
	decode.DecodeInner(q.LinkType, q.Data, g)
	if g.Tunnel.Depth == 0 {
		return false
	}
	a.track(fi, undecoded, q, g)
	return true
}

// reassembledIP analyzes a TCP segment, a tunnel packet (GRE, IP in IP) or
// an IPv6 datagram whose fragmentable part starts with destination options
// that arrived in IP fragments: a router fragmented it (an underlay MTU
// below the tunnel's, a segment larger than a link's MTU without DF). The
// fragments are reassembled as UDP datagrams are (same bounds, same
// reasons to give up, counted apart: Summary.IPIncomplete), and the
// datagram is decoded and analyzed as if it had arrived whole: a tunnel
// inside is opened, a TCP segment's payload is whole. Fragments inside a
// tunnel are analyzed in its zone; a tunnel packet fragmented inside
// another tunnel is not opened (its zone would not compose) and counts as
// undecoded.
func (a *Analyzer) reassembledIP(fi *report.FileInfo, undecoded map[string]int, p *pcapfile.Packet, f *decode.Frame, ts time.Time) {
	if !decode.Reassembled(f.Proto) {
		return // nothing in it is analyzed
	}
	b, total, _, ok := a.frags.Add(f, ts)
	if !ok {
		return // waiting for more fragments
	}
	// f may be a.reasmFrame itself (fragments inside a tunnel datagram
	// that was reassembled): keep what is needed of it first.
	tun, zone, proto := f.Tunnel, f.Zone, f.Proto
	q := a.rebuildDatagram(p, f, proto, b, total)
	if a.cfg.Filter != nil && !a.datagramMatches(p, q) {
		fi.Filtered++ // the datagram, once: its fragments passed (innerFilter)
		return
	}
	g := &a.reasmFrame
	if tun.Depth == 0 {
		decode.DecodeInner(q.LinkType, q.Data, g)
	} else {
		decode.Decode(q.LinkType, q.Data, g)
	}
	if g.Status == decode.StatusOK && g.Fragment && g.Tunnel.Depth == 0 {
		// A fragment inside the reassembled datagram (IPv6 destination
		// options, then another fragment header): nothing real does
		// that, and following it would recurse once per layer.
		undecoded["fragment inside a reassembled datagram"]++
		return
	}
	if tun.Depth == 0 {
		a.track(fi, undecoded, q, g)
		return
	}
	// In fragments inside a tunnel: the fragments were counted with the
	// tunnel already; a TCP segment or UDP datagram is analyzed in the
	// tunnel's zone, a tunnel packet is not opened (its zone would not
	// compose).
	if g.Status != decode.StatusOK {
		undecoded[g.Reason]++
		return
	}
	switch g.Proto {
	case decode.ProtoTCP:
		g.Tunnel, g.Zone, g.Data = tun, zone, q.Data
		a.tracker.HandleTCP(g, p.Frame, ts)
	case decode.ProtoUDP: // behind IPv6 destination options
		g.Zone, g.Data = zone, q.Data
		a.track(fi, undecoded, q, g)
	default:
		undecoded["tunnel fragmented inside a tunnel"]++
	}
}

// Finish completes the analysis and returns the report.
func (a *Analyzer) Finish() *report.Report {
	r := &a.report
	a.tracker.Finish() // the list is kept by listed
	if r.Connections == nil {
		r.Connections = []*smcflow.Conn{}
	}
	for _, fi := range r.Files {
		r.Summary.Packets += fi.Packets
		r.Summary.DamagedRegions += fi.DamagedRegions
		r.Summary.SkippedBytes += fi.SkippedBytes
	}
	r.Summary.UDPDatagrams = a.udpN
	r.Summary.UDPIncomplete = a.frags.Finish()
	r.Summary.IPIncomplete = a.frags.IncompleteOther()
	tc := a.tracker.Counts()
	r.Summary.TCPConnections = tc.TCPConnections
	r.Summary.NotListed = a.notListed + tc.Skipped
	r.LinkUnverified = tc.LinkUnverified
	r.Summary.NoHandshake = tc.NoHandshake
	r.Limits = append(r.Limits, report.TrackerLimits(tc)...)
	a.agg.Fill(r)
	if a.mc != nil && (a.udpN > 0 || a.memberN > 0) {
		if m := a.mc.Report(); len(m.Streams) > 0 || m.Membership != nil {
			m.MarkFileBoundaries(fileBoundaries(r.Files))
			r.Multicast = m
		}
	}
	a.correlateCounters(r)
	r.RoCE.Frames = tc.RoCEFrames
	if !tc.RoCEFirst.IsZero() {
		r.RoCE.First = timep(tc.RoCEFirst)
	}
	return r
}

// fileBoundaries returns, for files read one after the other, each end of
// a file and the start of the next in time when no packet of either lies
// between them (files that overlap in time, as --merge reads them, have
// none).
func fileBoundaries(files []report.FileInfo) []mcast.FileBoundary {
	var fs []report.FileInfo
	for _, f := range files {
		if f.First != nil && f.Last != nil && f.Error == "" {
			fs = append(fs, f)
		}
	}
	slices.SortStableFunc(fs, func(x, y report.FileInfo) int { return x.First.Compare(*y.First) })
	if len(fs) < 2 {
		return nil
	}
	// Only a time without packets a hundred times the capture's mean
	// spacing (and 100 ms or more) between files of 16 packets or more
	// stands out: in a sparse capture split into small files every gap
	// spans a boundary.
	packets := 0
	for _, f := range fs {
		packets += f.Packets
	}
	span := fs[len(fs)-1].Last.Sub(*fs[0].First)
	minHole := max(100*time.Millisecond, 100*span/time.Duration(max(packets, 1)))
	var out []mcast.FileBoundary
	for i := 1; i < len(fs); i++ {
		if p, n := fs[i-1], fs[i]; n.First.Sub(*p.Last) >= minHole && p.Packets >= 16 && n.Packets >= 16 {
			out = append(out, mcast.FileBoundary{Before: filepath.Base(p.Path), After: filepath.Base(n.Path), Last: *p.Last, First: *n.First})
		}
	}
	return out
}

// listed gets every connection of the list as the tracker finishes it,
// numbered in that order: Config.OnListed sees them all; the report keeps
// the first Config.MaxConnections, the first smcflow.DefaultDetail of them
// in detail (Connections), the others as compact rows (Rows).
func (a *Analyzer) listed(c *smcflow.Conn) {
	keep := !a.cfg.KeepNone && (a.keep < 0 || a.kept < a.keep)
	if keep || a.cfg.OnListed != nil {
		a.agg.Listed(c)
	}
	if a.cfg.OnListed != nil {
		a.cfg.OnListed(c)
	}
	if !keep {
		// Beyond --keep: not in Report.Connections, so counted as not
		// listed there, also when OnListed sees them (the JSON report
		// lists them all; --html shows the report's list). With
		// KeepNone and OnListed, the report lists none by design.
		if a.cfg.OnListed == nil || !a.cfg.KeepNone {
			a.notListed++
		}
		if a.cfg.OnListed == nil {
			// Nobody sees the records of the connections listed from
			// now on: the tracker only numbers and counts them
			// (Counts.Skipped, added to NotListed).
			a.tracker.SkipUnlisted = true
		}
		return
	}
	a.kept++
	if c.DetailOmitted {
		a.report.Rows.Add(c)
		return
	}
	a.report.Connections = append(a.report.Connections, c)
}

// interfaces returns the interfaces of the file being read as far as the
// frame being analyzed (nil for frames fed directly).
func (a *Analyzer) interfaces() []pcapfile.Interface {
	switch {
	case a.pipe != nil:
		return a.pipe.ifs // the reading goroutine's copy
	case a.fr == nil:
		return nil
	}
	return a.fr.Interfaces()
}

// timep returns a pointer to a copy of t.
func timep(t time.Time) *time.Time { return &t }

// Run analyzes the files in order, as one continuous capture (rotated files
// continue each other's connections), and returns the report. A file that
// cannot be read at all is recorded with its error and the others are still
// analyzed; the returned error is the first such failure.
func Run(ctx context.Context, cfg Config, paths []string) (*report.Report, error) {
	a := NewAnalyzer(cfg)
	a.multi = len(paths) > 1
	if cfg.Merge && len(paths) > 1 {
		err := a.analyzeMerged(ctx, paths)
		rep := a.Finish()
		rep.FileOrder = &report.FileOrder{By: "merged"}
		return rep, err
	}
	reordered := false
	if !cfg.GivenOrder {
		paths, reordered = pcapfile.TimeOrder(paths)
	}
	var first error
	for _, p := range paths {
		n := len(a.report.Files)
		if err := a.AnalyzeFile(ctx, p); err != nil {
			if first == nil {
				first = err
			}
			if len(a.report.Files) > n {
				// Opened and read in part: its entry says why it ended.
				a.report.Files[n].Error = err.Error()
			} else {
				a.report.Files = append(a.report.Files, report.FileInfo{Path: p, Error: err.Error()})
			}
		}
	}
	rep := a.Finish()
	by := "first-packet-time"
	if cfg.GivenOrder {
		by = "given"
	}
	rep.FileOrder = report.NewFileOrder(rep.Files, by, reordered)
	return rep, first
}

// innerFilter applies a file analysis' filter to a tunnel packet both as
// captured and as the frame inside its tunnels (docs/tunnels.md §2), the
// way a Wireshark display filter looks at every layer, where tcpdump's
// filter sees only the outer headers: "host 10.1.1.1" selects that host's
// connections in a capture of an overlay's underlay (either frame may
// match), and "not port 22" leaves out the SSH sessions inside the tunnels
// too (a filter whose every primitive is negated must accept both frames).
// IP behind MPLS labels or a PPPoE header is filtered the same way, as the
// IP packet on its own. Other frames are filtered as captured. Each
// reading goroutine has its own (the scratch frame).
type innerFilter struct {
	f        FrameFilter
	excludes bool // every primitive negated: both frames must match
	scratch  decode.Frame
	inner    pcapfile.Packet
}

// withInner wraps f (nil stays nil).
func withInner(f FrameFilter) FrameFilter {
	if f == nil {
		return nil
	}
	t := &innerFilter{f: f}
	if x, ok := f.(interface{ OnlyExcludes() bool }); ok {
		t.excludes = x.OnlyExcludes()
	}
	return t
}

func (t *innerFilter) Match(p *pcapfile.Packet) (bool, error) {
	ok, err := t.f.Match(p)
	if err != nil {
		return ok, err
	}
	if ok && !t.excludes {
		return true, nil // accepted as captured
	}
	in, tunnelled := decode.Innermost(p.LinkType, p.Data, &t.scratch)
	if !ok && t.scratch.Fragment && decode.Reassembled(t.scratch.Proto) {
		// A fragment cannot show its datagram's ports, nor the frame
		// inside when the datagram is a tunnel packet (UDP, GRE, IP in
		// IP): it passes, and the reassembled datagram is filtered
		// (Analyzer.datagramMatches).
		return true, nil
	}
	if !ok && t.excludes {
		return false, nil // an excluding filter rejected it as captured
	}
	if f := &t.scratch; f.Status == decode.StatusOK && (f.NMPLS > 0 || f.HasPPPoE) {
		// IP behind MPLS labels or PPPoE (docs/tunnels.md §4), in the
		// innermost frame or as captured: the filter's "ip", "host" and
		// ports read the link-level type, so the IP packet is filtered
		// on its own.
		data := p.Data
		wire := p.Info.Length
		if tunnelled {
			data, wire = in.Data, in.WireLen
		}
		if f.NetOff < len(data) {
			in = decode.Inner{LinkType: pcapfile.LinkTypeRaw, Data: data[f.NetOff:], WireLen: wire - f.NetOff}
			tunnelled = true
		}
	}
	if !tunnelled {
		return ok, nil
	}
	lt := in.LinkType
	if lt == pcapfile.LinkTypeIPv4 || lt == pcapfile.LinkTypeIPv6 {
		lt = pcapfile.LinkTypeRaw // the filter compiler's raw IP
	}
	t.inner.Set(p.Frame, p.Info.Timestamp, len(in.Data), max(in.WireLen, len(in.Data)), p.Info.InterfaceIndex, lt, p.Interface, p.Direction, p.KernelIfindex, in.Data)
	inner, err := t.f.Match(&t.inner)
	if err != nil {
		// The expression has no meaning for the frame inside ("vlan",
		// "ether host" on the raw IP inside GRE or IP-in-IP): the packet
		// as captured decides.
		return ok, nil
	}
	return inner, nil
}
