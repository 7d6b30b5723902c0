package analyze

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/internal/textio"
)

// Kernel counter snapshots and correlation (issue: "where the loss
// happened"). Snapshots come from --stats files or from pcapng custom blocks
// written by smcdump's capture (capture/PCAPNG.md: block 0x00000BAD, PEN
// 32473, tag "smcdump.kstat/v1\n", then the snapshot JSON).

// kstatPEN and kstatTag identify smcdump's kernel-counter custom blocks.
const (
	kstatPEN = 32473
	kstatTag = "smcdump.kstat/v1\n"
)

// Counters is the correlation section of the report.
type Counters struct {
	// Source says where the snapshots came from ("files", "capture").
	Source   string              `json:"source"`
	Before   *SnapshotInfo       `json:"before,omitempty"`
	After    *SnapshotInfo       `json:"after,omitempty"`
	Verdicts []correlate.Verdict `json:"verdicts"`
	Notes    []string            `json:"notes,omitempty"`
}

// SnapshotInfo identifies one snapshot.
type SnapshotInfo struct {
	Time     string `json:"time"`
	Hostname string `json:"hostname,omitempty"`
	NetNS    string `json:"netns,omitempty"`
}

// decodeEmbeddedSnapshot parses a custom block written by smcdump capture;
// ok is false for other custom blocks.
func decodeEmbeddedSnapshot(cb CustomBlock) (*kstat.Snapshot, bool, error) {
	if cb.PEN != kstatPEN || !bytes.HasPrefix(cb.Data, []byte(kstatTag)) {
		return nil, false, nil
	}
	js := bytes.TrimRight(cb.Data[len(kstatTag):], "\x00")
	s, err := kstat.ReadSnapshot(bytes.NewReader(js))
	return s, true, err
}

func snapInfo(s *kstat.Snapshot) *SnapshotInfo {
	if s == nil {
		return nil
	}
	return &SnapshotInfo{Time: s.TakenAt.UTC().Format(tsLayout), Hostname: s.Hostname, NetNS: s.NetNS}
}

// correlateCounters joins the capture's findings with the kernel snapshots.
func (a *Analyzer) correlateCounters(r *Report) {
	snaps := a.cfg.Snapshots
	source := "files"
	if len(snaps) == 0 {
		snaps = a.embedded
		source = "capture"
	}
	if len(snaps) == 0 {
		if len(a.embeddedErrs) > 0 {
			r.Counters = &Counters{Source: "capture", Notes: a.embeddedErrs}
		}
		return
	}
	c := &Counters{Source: source, Notes: a.embeddedErrs}
	r.Counters = c
	// The same snapshot can come twice (copied into several rotated files,
	// or given with --stats twice): a window of zero length counts nothing.
	snaps = distinctSnapshots(snaps)
	if len(snaps) < 2 {
		c.Notes = append(c.Notes, "only one kernel counter snapshot: correlation needs one before and one after the capture (--stats BEFORE --stats AFTER)")
		c.Before = snapInfo(snaps[0])
		return
	}
	sorted := append([]*kstat.Snapshot(nil), snaps...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].TakenAt.Before(sorted[j].TakenAt) })
	before, after := sorted[0], sorted[len(sorted)-1]
	c.Before, c.After = snapInfo(before), snapInfo(after)
	var window [2]timeT
	for _, f := range r.Files {
		if f.First != nil && (window[0].IsZero() || f.First.Before(window[0])) {
			window[0] = *f.First
		}
		if f.Last != nil && f.Last.After(window[1]) {
			window[1] = *f.Last
		}
	}
	// SMC: what each side's kernel would have counted for the fallbacks
	// seen (accumulated over every connection, kept in detail or not).
	obs := a.agg.obs
	// The snapshots must bracket what they are compared with: the SMC
	// handshakes, and the UDP streams' datagrams (not unrelated packets
	// captured just before the first snapshot was taken).
	obs.Window = window
	if !a.agg.smcWindow[0].IsZero() {
		obs.Window = a.agg.smcWindow
	}
	smcSeen := a.agg.smcAttempts > 0
	if smcSeen || before.SMC.Available {
		c.Verdicts = append(c.Verdicts, correlate.SMC(before, after, obs)...)
	}
	if r.Multicast != nil && len(r.Multicast.Streams) > 0 {
		u := correlate.UDPObserved{}
		for _, st := range r.Multicast.Streams {
			if !st.First.IsZero() && (u.Window[0].IsZero() || st.First.Before(u.Window[0])) {
				u.Window[0] = st.First
			}
			if st.Last.After(u.Window[1]) {
				u.Window[1] = st.Last
			}
			src, err1 := netip.ParseAddrPort(st.Src)
			dst, err2 := netip.ParseAddrPort(st.Dst)
			if err1 != nil || err2 != nil {
				continue
			}
			us := correlate.UDPStream{Src: src, Dst: dst, Gap: st.Lost, Packets: st.Packets}
			if st.SnaplenCut != nil && st.SnaplenCut.SequenceAnalysis == "impossible" {
				us.Unanalyzed = true
			}
			if c, n, ok := gapVerdicts(&st); ok {
				us.GapCapture, us.GapNetwork = c, n
			}
			u.Streams = append(u.Streams, us)
		}
		u.CaptureDrops = captureDrops(r.Files)
		c.Verdicts = append(c.Verdicts, correlate.UDP(before, after, u)...)
	}
}

// ringDrops returns the drops of one ISB that the capture itself caused
// (packets that reached the host but not the file), as the (ifdrop, osdrop)
// pair the multicast gap attribution reads, with only one of them set:
//   - isb_osdrop when present: smcdump writes the ring drops (tp_drops)
//     there. Files from older smcdump versions carry the same number in
//     isb_ifdrop too; it is not counted again.
//   - otherwise isb_ifdrop: dumpcap writes the kernel ring drops there and
//     has no osdrop.
//
// When both are present, smcdump's isb_ifdrop is what the interface or its
// driver dropped (rx_missed + rx_fifo): those packets never reached the host,
// so the receiving applications lost them too; they are not capture drops.
func ringDrops(st InterfaceStats) (ifdrop, osdrop uint64) {
	switch {
	case st.OSDrop != nil:
		return 0, *st.OSDrop
	case st.IfDrop != nil:
		return *st.IfDrop, 0
	}
	return 0, 0
}

// captureDrops sums the capture drops of the files. ISB counters are
// cumulative since the capture started, also in every file of a rotated
// capture: per capture (interface and isb_starttime) the largest value
// counts, not the sum over its files.
func captureDrops(files []FileInfo) uint64 {
	type key struct {
		iface int
		file  int
		start int64
	}
	last := map[key]uint64{}
	for fi, f := range files {
		for _, s := range f.CaptureStats {
			k := key{iface: s.Interface, file: fi}
			if s.Start != nil {
				// Same capture, whichever file: the start time and the
				// interface's place in the file identify it.
				k.file, k.start = -1, s.Start.UnixNano()
			}
			i, o := ringDrops(s)
			last[k] = max(last[k], i+o)
		}
	}
	var sum uint64
	for _, v := range last {
		sum += v
	}
	return sum
}

// WriteText renders the correlation section.
func (c *Counters) WriteText(w io.Writer) error {
	ew := textio.New(w)
	ew.Printf("Kernel counters (snapshots from %s)\n", c.Source)
	if c.Before != nil {
		ew.Printf("  before: %s UTC %s\n", c.Before.Time, hostNS(c.Before))
	}
	if c.After != nil {
		ew.Printf("  after:  %s UTC %s\n", c.After.Time, hostNS(c.After))
	}
	for _, v := range c.Verdicts {
		subj := ""
		if v.Subject != "" {
			subj = " [" + v.Subject + "]"
		}
		ew.Printf("  %s%s (confidence %s): %s\n", v.Kind, subj, v.Confidence, v.Text)
		if len(v.Numbers) > 0 {
			var nums []string
			for _, n := range v.Numbers {
				nums = append(nums, fmt.Sprintf("%s=%d", n.Name, n.Value))
			}
			ew.Printf("      numbers: %s\n", strings.Join(nums, ", "))
		}
	}
	if len(c.Verdicts) == 0 && len(c.Notes) == 0 {
		ew.Printf("  nothing to correlate: the capture shows no SMC attempt and no UDP stream\n")
	}
	for _, n := range c.Notes {
		ew.Printf("  note: %s\n", n)
	}
	ew.Printf("\n")
	return ew.Err
}

func hostNS(s *SnapshotInfo) string {
	out := ""
	if s.Hostname != "" {
		out += "host " + s.Hostname
	}
	if s.NetNS != "" {
		out += " netns " + s.NetNS
	}
	return out
}

// Contradictions returns the statements of r that cannot all hold: the
// rules of correlate.Contradictions over the kernel-counter verdicts, and
// their agreement with the multicast section (a stream with messages lost
// in the capture has no no-loss verdict, a verdict's "capture gap" is the
// stream's loss, no-loss counts no more streams than the report has).
// Tests run it over every golden output and lab trace; empty means
// consistent.
func (r *Report) Contradictions() []string {
	if r == nil || r.Counters == nil {
		return nil
	}
	out := correlate.Contradictions(r.Counters.Verdicts)
	if r.Multicast == nil {
		return out
	}
	lost := map[string]uint64{}
	dup := map[string]bool{}
	for _, st := range r.Multicast.Streams {
		subj := st.Src + " -> " + st.Dst
		if _, ok := lost[subj]; ok {
			dup[subj] = true // same addresses on two VLANs or interfaces
		}
		lost[subj] += st.Lost
	}
	streams := map[string]*mcast.Stream{}
	for i := range r.Multicast.Streams {
		st := &r.Multicast.Streams[i]
		streams[st.Src+" -> "+st.Dst] = st
	}
	for _, v := range r.Counters.Verdicts {
		if st := streams[v.Subject]; st != nil && !dup[v.Subject] && st.Lost > 0 {
			// The counters' verdict about where the gap happened agrees
			// with the gap verdicts of the multicast section.
			if c, n, ok := gapVerdicts(st); ok {
				switch v.Kind {
				case correlate.KindCaptureArtefact:
					if n == st.Lost {
						out = append(out, fmt.Sprintf("%s [%s] while every gap of the stream has gap verdict network", v.Kind, v.Subject))
					}
				case correlate.KindBeforeHost, correlate.KindNICRing, correlate.KindBacklog, correlate.KindSenderDrop:
					if c == st.Lost {
						out = append(out, fmt.Sprintf("%s [%s] while every gap of the stream has gap verdict capture", v.Kind, v.Subject))
					}
				}
			}
		}
		if v.Kind == correlate.KindNoLoss {
			for subj, n := range lost {
				if n > 0 {
					out = append(out, fmt.Sprintf("no-loss while %s lost %d messages in the capture", subj, n))
				}
			}
			if n, ok := v.Num("streams"); ok && n > int64(len(r.Multicast.Streams)) {
				out = append(out, fmt.Sprintf("no-loss counts %d streams, the report has %d", n, len(r.Multicast.Streams)))
			}
			continue
		}
		if v.Subject == "" || dup[v.Subject] {
			continue
		}
		n, known := lost[v.Subject]
		if g, ok := v.Num("capture gap"); ok && known && uint64(g) != n {
			out = append(out, fmt.Sprintf("%s [%s] says capture gap %d, the stream lost %d", v.Kind, v.Subject, g, n))
		}
	}
	sort.Strings(out)
	return out
}

// distinctSnapshots drops snapshots taken at the same time on the same host
// and namespace as an earlier one.
func distinctSnapshots(snaps []*kstat.Snapshot) []*kstat.Snapshot {
	type key struct {
		at         int64
		host, netn string
	}
	seen := map[key]bool{}
	var out []*kstat.Snapshot
	for _, s := range snaps {
		k := key{s.TakenAt.UnixNano(), s.Hostname, s.NetNS}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

// gapVerdicts sums the missing units of a stream's gaps by gap verdict
// ("capture", "network"); ok is false when some gaps are not listed
// (beyond the gap limit, or loss not counted in sequence gaps).
func gapVerdicts(st *mcast.Stream) (capture, network uint64, ok bool) {
	var listed uint64
	for _, q := range st.Sequences {
		if q.GapsOmitted > 0 {
			return 0, 0, false
		}
		for _, g := range q.Gaps {
			listed += g.Count
			switch g.Verdict {
			case "capture":
				capture += g.Count
			case "network":
				network += g.Count
			}
		}
	}
	if listed != st.Lost {
		return 0, 0, false
	}
	return capture, network, true
}
