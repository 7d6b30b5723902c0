package analyze

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Kernel counter snapshots and correlation (issue: "where the loss
// happened"). Snapshots come from --stats files or from pcapng custom blocks
// written by smcdump's capture (capture/PCAPNG.md: block 0x00000BAD, PEN
// 32473, tag "smcdump.kstat/v1\n", then the snapshot JSON).

// decodeEmbeddedSnapshot parses a custom block written by smcdump capture;
// ok is false for other custom blocks.
func decodeEmbeddedSnapshot(cb pcapfile.CustomBlock) (*kstat.Snapshot, bool, error) {
	js, ok := pcapfile.KstatJSON(cb)
	if !ok {
		return nil, false, nil
	}
	s, err := kstat.ReadSnapshot(bytes.NewReader(js))
	return s, true, err
}

func snapInfo(s *kstat.Snapshot) *report.SnapshotInfo {
	if s == nil {
		return nil
	}
	si := &report.SnapshotInfo{Hostname: s.Hostname, NetNS: s.NetNS}
	if !s.TakenAt.IsZero() { // a snapshot that does not say when it was taken: no time
		si.Time = s.TakenAt.UTC().Format(report.TimeLayout)
	}
	return si
}

// embeddedError records a kernel counter block that could not be decoded.
func (a *Analyzer) embeddedError(e BlockError) {
	if len(a.embeddedErrs) < maxEmbeddedErrs {
		a.embeddedErrs = append(a.embeddedErrs, e.Error())
	} else {
		a.embeddedBad++
	}
}

// correlateCounters joins the capture's findings with the kernel snapshots.
func (a *Analyzer) correlateCounters(r *report.Report) {
	// The embedded blocks kept as the earliest and latest are decoded
	// now (SnapshotSpan.AddBlock); report those that fail with the others.
	for _, e := range a.embedded.BlockErrors() {
		a.embeddedError(e)
	}
	span := &a.embedded
	source := "capture"
	if len(a.cfg.Snapshots) > 0 {
		span = &SnapshotSpan{}
		for _, s := range a.cfg.Snapshots {
			span.Add(s)
		}
		source = "files"
	}
	notes := a.embeddedErrs
	if a.embeddedBad > 0 {
		notes = append(notes[:len(notes):len(notes)], fmt.Sprintf("%d further kernel counter blocks could not be decoded", a.embeddedBad))
	}
	if span.Empty() {
		if len(notes) > 0 {
			r.Counters = &report.Counters{Source: "capture", Notes: notes}
		}
		return
	}
	c := &report.Counters{Source: source, Notes: notes}
	r.Counters = c
	// The same snapshot can come twice (copied into several rotated files,
	// or given with --stats twice): a window of zero length counts nothing.
	if !span.Several() {
		c.Notes = append(c.Notes, "only one kernel counter snapshot: correlation needs one before and one after the capture (--stats BEFORE --stats AFTER)")
		c.Before = snapInfo(span.Earliest())
		return
	}
	before, after := span.Earliest(), span.Latest()
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
	obs := a.agg.Observed()
	// The snapshots must bracket what they are compared with: the SMC
	// handshakes, and the UDP streams' datagrams (not unrelated packets
	// captured just before the first snapshot was taken).
	if obs.Window[0].IsZero() {
		obs.Window = window
	}
	smcSeen := a.agg.SMCAttempts() > 0
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
			if c, n, ok := report.GapVerdicts(&st); ok {
				us.GapCapture, us.GapNetwork = c, n
			}
			us.ICMPErrors = st.ICMPDiscards // traceroute's probes not counted
			for _, q := range st.Sequences {
				for _, g := range q.Gaps {
					if g.Membership != nil && (g.Membership.Cause == "leave" || g.Membership.Cause == "source-leave") {
						us.GapLeave += g.Count - min(g.SnaplenCut, g.Count) // as the stream's Lost counts them
					}
				}
			}
			u.Streams = append(u.Streams, us)
		}
		if l := r.Multicast.Limits; l != nil && l.Omitted != nil {
			// streams not listed (--keep-streams): their datagrams are
			// inside the window, their own verdicts are not given
			o := l.Omitted
			if !o.First.IsZero() && o.First.Before(u.Window[0]) {
				u.Window[0] = o.First
			}
			if o.Last.After(u.Window[1]) {
				u.Window[1] = o.Last
			}
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
func ringDrops(st pcapfile.InterfaceStats) (ifdrop, osdrop uint64) {
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
func captureDrops(files []report.FileInfo) uint64 {
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
