package mcast

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smcdump/smcdump/internal/hll"
	"github.com/smcdump/smcdump/internal/textio"
)

const tfmt = "2006-01-02T15:04:05.000000Z"

func ft(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(tfmt)
}

func rate(bps float64) string {
	switch {
	case bps >= 1e9:
		return fmt.Sprintf("%.2fG", bps/1e9)
	case bps >= 1e6:
		return fmt.Sprintf("%.2fM", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.2fk", bps/1e3)
	}
	return fmt.Sprintf("%.0f", bps)
}

// ifText is the stream's capture interface: its index in the capture,
// and after a slash the interface index of a Linux cooked v2 capture
// ("0/208": a capture on "any" sees a datagram once per interface it
// crosses, each a stream of its own).
func (s *Stream) ifText() string {
	if s.IfIndex != 0 {
		return fmt.Sprintf("%d/%d", s.Interface, s.IfIndex)
	}
	return fmt.Sprint(s.Interface)
}

// WriteText writes the per-stream table, per-stream details (sequence
// spaces, TS, mtools sessions), the A/B pairs and the gap list. All times
// are UTC.
func (r *Report) WriteText(w io.Writer) error {
	ew := textio.New(w)
	if len(r.Streams) == 0 && r.Limits == nil {
		// membership messages only
		if r.Membership != nil {
			writeMembership(ew, r.Membership)
		}
		return ew.Err
	}
	n := uint64(len(r.Streams))
	if r.Limits != nil {
		n = max(n, r.Limits.Seen)
	}
	if l := r.Limits; l != nil && l.FinishedEarly > 0 {
		// a stream finished early to make room and seen again is
		// analyzed anew: counted again, its loss across the break not
		fmt.Fprintf(ew, "UDP streams: %d stream analyses of about %d streams (estimated; more than %d streams active at once: a stream finished early and seen again counts again), lost: %d (a loss across a break is not counted)", n, hll.Round(int(l.Distinct)), l.MaxStreams, r.Lost())
	} else {
		fmt.Fprintf(ew, "UDP streams: %d, lost: %d", n, r.Lost())
	}
	if len(r.Retransmissions) > 0 {
		var rec, unrec uint64
		for _, x := range r.Retransmissions {
			rec += x.Recovered
			unrec += x.Unrecoverable
		}
		fmt.Fprintf(ew, " (of the retransmission-protected flows: %d recovered by retransmission, %d unrecoverable)", rec, unrec)
	}
	if n := r.SnaplenCutStreams; n > 0 {
		fmt.Fprintf(ew, "; %d not analyzed: datagrams cut by the snaplen (capture with -s 0)", n)
	}
	if n := r.UnsequencedStreams; n > 0 {
		fmt.Fprintf(ew, "; loss not measured in %d with no sequence number found (name the field: --seq)", n)
	}
	fmt.Fprintln(ew)
	r.Limits.writeText(ew, len(r.Streams))
	if len(r.Streams) > 0 {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		// A last column names the tunnel of streams seen inside tunnels
		// (streams with the same addresses in different tunnels differ).
		tunnels := slices.ContainsFunc(r.Streams, func(s Stream) bool { return s.Tunnel != "" })
		head := "#\tsource\tdestination\tvlan\tif\tpackets\tbytes\tpps\tbit/s\tIAT min/mean/p99/max us\tformat\tconf\texpected\tlost\tdup\treord\tresets"
		if tunnels {
			head += "\ttunnel"
		}
		fmt.Fprintln(tw, head)
		for _, s := range r.Streams {
			var exp, dup, reord, resets uint64
			for _, q := range s.Sequences {
				if q.Role == "retransmission" {
					continue
				}
				exp += q.Expected
				dup += q.Duplicates
				reord += q.Reordered
				resets += q.ResetCount
			}
			f := s.Format
			if s.Forced {
				f += "*"
			}
			if c := s.SnaplenCut; c != nil && c.SequenceAnalysis == "impossible" {
				f += "(cut)"
			}
			ia := s.InterArrival
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%d\t%d\t%.1f\t%s\t%.1f/%.1f/%.1f/%.1f\t%s\t%.2f\t%d\t%d\t%d\t%d\t%d",
				s.ID, s.Src, s.Dst, s.VLAN, s.ifText(), s.Packets, s.Bytes, s.PacketsPerSec, rate(s.BitsPerSec),
				ia.MinUS, ia.MeanUS, ia.P99US, ia.MaxUS, f, s.Confidence, exp, s.Lost, dup, reord, resets)
			if tunnels {
				fmt.Fprintf(tw, "\t%s", s.Tunnel)
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	for _, s := range r.Streams {
		in := ""
		if s.Tunnel != "" {
			in = " inside " + s.Tunnel
		}
		fmt.Fprintf(ew, "\nstream %d: %s -> %s vlan %d if %s%s, %s .. %s (frames %d..%d), format %s (confidence %.2f%s)\n",
			s.ID, s.Src, s.Dst, s.VLAN, s.ifText(), in, ft(s.First), ft(s.Last), s.FirstFrame, s.LastFrame, s.Format, s.Confidence, forced(s.Forced))
		if s.Undecodable > 0 {
			fmt.Fprintf(ew, "  undecodable datagrams: %d (first: %s)\n", s.Undecodable, s.FirstError)
		}
		if c := s.SnaplenCut; c != nil {
			switch c.SequenceAnalysis {
			case "impossible":
				fmt.Fprintf(ew, "  snaplen: %d of %d datagrams cut by the snaplen (at most %d payload bytes captured, no sequence number in them): sequence analysis impossible, no loss counted; %s\n",
					c.Datagrams, s.Packets, c.CapturedMax, c.Advice)
			case "partial":
				fmt.Fprintf(ew, "  snaplen: %d of %d datagrams cut by the snaplen (at most %d payload bytes captured), %d of them without their sequence number (they arrived: not counted as lost in the gaps they fill); %s\n",
					c.Datagrams, s.Packets, c.CapturedMax, c.Undecodable, c.Advice)
			}
		}
		for _, q := range s.Sequences {
			key := q.Key
			if key == "" {
				key = "sequence"
			}
			epoch := ""
			if q.ResetCount > 0 {
				epoch = " since the last reset" // expected and the counts cover every run
			}
			fmt.Fprintf(ew, "  %s: %d..%d%s, expected %d %ss, received %d, lost %d in %d gaps (max %d; %s), duplicates %d, reordered %d, stale %d, wraps %d, resets %d\n",
				key, wireValue(q.First, q.Bits), wireValue(q.Last, q.Bits), epoch, q.Expected, q.Unit, q.Received, q.Lost, q.GapCount, q.MaxGap, q.Pattern, q.Duplicates, q.Reordered, q.Stale, q.Wraps, q.ResetCount)
			if q.SnaplenCut > 0 {
				fmt.Fprintf(ew, "    %d datagrams in the gaps arrived cut by the snaplen before their sequence number: not counted as lost\n", q.SnaplenCut)
			}
			for _, rs := range q.Resets {
				fmt.Fprintf(ew, "    reset at frame %d %s: %d -> %d (%s)\n", rs.Frame, ft(rs.Time), rs.From, rs.To, rs.Reason)
			}
			if q.GapsOmitted > 0 {
				fmt.Fprintf(ew, "    %d further gaps not listed\n", q.GapsOmitted)
			}
		}
		if m := s.Mtools; m != nil {
			radix := "hex"
			if m.Radix == 10 {
				radix = "decimal"
			}
			if m.RadixInferred {
				radix += " (inferred)"
			}
			fmt.Fprintf(ew, "  mtools: counter %s, echo %d, stat %d, count-only datagrams %d\n", radix, m.Echoes, m.Stats, m.CountOnly)
			for _, ss := range m.Sessions {
				line := fmt.Sprintf("    session at frame %d %s: received %d", ss.Frame, ft(ss.Time), ss.Received)
				if ss.StatSent >= 0 {
					line += fmt.Sprintf(", sender's stat %d, missing %d", ss.StatSent, ss.Missing)
				}
				if ss.Echo != "" {
					line += fmt.Sprintf(" [%s]", ss.Echo)
				}
				fmt.Fprintln(ew, line)
			}
		}
		if m := s.Mold; m != nil {
			fmt.Fprintf(ew, "  moldudp64: session %q (%d sessions), %d messages, %d end-of-session\n", m.Session, m.Sessions, m.Messages, m.EndOfSession)
		}
		if ts := s.TS; ts != nil {
			fmt.Fprintf(ew, "  mpeg-ts: %d packets, %d missing by CC, %d duplicate datagrams removed, %d sync errors\n", ts.Packets, ts.Missing, ts.DuplicateDatagrams, ts.SyncErrors)
			for _, p := range ts.PIDs {
				fmt.Fprintf(ew, "    pid 0x%04x: %d packets, %d cc errors, %d missing, %d duplicates, %d discontinuities\n", p.PID, p.Packets, p.CCErrors, p.Missing, p.Duplicates, p.Discontinuities)
			}
			for _, e := range ts.Errors {
				fmt.Fprintf(ew, "    frame %d %s pid 0x%04x: %s (expected cc %d, got %d, missing %d)\n", e.Frame, ft(e.Time), e.PID, e.Kind, e.Expected, e.Got, e.Missing)
			}
		}
		for _, e := range s.ICMPErrors {
			fmt.Fprintf(ew, "  ICMP %s from %s: %d (first at frame %d %s): %s", e.Kind, e.Sender, e.Count, e.FirstFrame, ft(e.First), e.Meaning)
			if !e.Expected {
				fmt.Fprintf(ew, "; %s", RateLimitNote)
			}
			fmt.Fprintln(ew)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(ew, "  note: %s\n", n)
		}
	}
	for _, p := range r.Pairs {
		how := "--pair"
		if p.Auto {
			how = "auto"
		}
		fmt.Fprintf(ew, "\nA/B pair (%s): streams %d and %d: lost on A %d, on B %d, on both legs %d (unrecoverable)%s\n",
			how, p.StreamA, p.StreamB, p.LostA, p.LostB, p.LostBoth, approx(p.Approx))
		for _, g := range p.Gaps {
			fmt.Fprintf(ew, "  both legs: first missing %d, count %d, at %s\n", g.FirstMissing, g.Count, ft(g.Start))
		}
	}
	for _, x := range r.Retransmissions {
		fmt.Fprintf(ew, "\nretransmission (%s): stream %d %s protected by stream %d %s: lost on the primary %d, recovered by retransmission %d, unrecoverable %d%s\n",
			x.Kind, x.Stream, dash(x.Key), x.RtxStream, dash(x.RtxKey), x.Lost, x.Recovered, x.Unrecoverable, approx(x.Approx))
		fmt.Fprintf(ew, "  %d retransmissions, %d needless (packets the primary had, or repeats)", x.Retransmitted, x.Useless)
		if x.Recovered > 0 {
			fmt.Fprintf(ew, "; delay from the gap to the retransmission min/median/max %.1f/%.1f/%.1f ms", x.DelayMinUS/1e3, x.DelayMedianUS/1e3, x.DelayMaxUS/1e3)
		}
		fmt.Fprintln(ew)
	}
	gaps := r.Gaps()
	fmt.Fprintf(ew, "\ngaps: %d\n", len(gaps))
	if len(gaps) > 0 {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "stream\tkey\tfirst missing\tcount\tstart (UTC)\tduration us\tframes\tverdict\tcapture drops")
		for _, g := range gaps {
			cd := "no drop counters"
			if d := g.CaptureDrops; d != nil {
				cd = fmt.Sprintf("capture dropped %d packets on if%d between %s and %s", d.Dropped, d.Interface, ft(d.From), ft(d.To))
				if d.From.IsZero() {
					cd = fmt.Sprintf("capture dropped %d packets on if%d from capture start to %s", d.Dropped, d.Interface, ft(d.To))
				}
			}
			first := g.FirstMissing
			if g.FirstMissingWire != nil {
				first = *g.FirstMissingWire // as on the wire
			}
			fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%.1f\t%d-%d\t%s\t%s\n", g.Stream, dash(g.Key), first, g.Count, ft(g.Start), g.DurationUS, g.PrevFrame, g.Frame, g.Verdict, cd)
		}
		tw.Flush()
		for _, g := range gaps {
			if g.Membership != nil {
				fmt.Fprintf(ew, "  gap of stream %d at frames %d-%d: %s\n", g.Stream, g.PrevFrame, g.Frame, g.Membership.Text)
			}
			if f := g.Files; f != nil {
				fmt.Fprintf(ew, "  gap of stream %d at frames %d-%d: spans the boundary between %s and %s, %.3f s without any packet between them: a file missing from the set, or the capture paused (the datagrams may not be lost)\n",
					g.Stream, g.PrevFrame, g.Frame, f.Before, f.After, f.HoleUS/1e6)
			}
		}
	}
	if m := r.Membership; m != nil {
		fmt.Fprintln(ew)
		writeMembership(ew, m)
	}
	return ew.Err
}

// writeMembership writes the membership section: queries and queriers,
// then each group's reports, leaves and hosts, then the notes.
func writeMembership(ew *textio.Writer, m *MembershipReport) {
	fmt.Fprintln(ew, "group membership (IGMP/MLD):")
	for _, q := range m.Queries {
		fmt.Fprintf(ew, "  %s: %d general queries", q.Protocol, q.General)
		if q.MaxGapS > 0 {
			fmt.Fprintf(ew, " at most %.1f s apart", q.MaxGapS)
		}
		if len(q.Queriers) > 0 {
			fmt.Fprintf(ew, ", queriers %s", strings.Join(q.Queriers, ", "))
		}
		fmt.Fprintf(ew, "; %d reports\n", q.Reports)
	}
	for _, g := range m.Groups {
		fmt.Fprintf(ew, "  group %s", g.Group)
		if g.VLAN != 0 {
			fmt.Fprintf(ew, " vlan %d", g.VLAN)
		}
		if g.Interface != 0 {
			fmt.Fprintf(ew, " if %d", g.Interface)
		}
		fmt.Fprintf(ew, ": %d reports, %d leaves, %d group queries", g.Reports, g.Leaves, g.Queries)
		if g.FirstReport != nil {
			fmt.Fprintf(ew, "; reports %s .. %s", ft(*g.FirstReport), ft(*g.LastReport))
		}
		if g.LastLeave != nil {
			fmt.Fprintf(ew, "; last leave %s by %s", ft(*g.LastLeave), g.LastLeaveBy)
		}
		if len(g.Hosts) > 0 {
			more := ""
			if g.HostsMore {
				more = ", ..."
			}
			fmt.Fprintf(ew, "; hosts %s%s", strings.Join(g.Hosts, ", "), more)
		}
		fmt.Fprintln(ew)
	}
	if m.LinkLocal > 0 {
		fmt.Fprintf(ew, "  %d messages about link-local groups (224.0.0.0/24, ff02::/16) not listed\n", m.LinkLocal)
	}
	if m.GroupsOmitted > 0 {
		fmt.Fprintf(ew, "  %d messages about further groups not followed (at most 1,024 groups)\n", m.GroupsOmitted)
	}
	for _, n := range m.Notes {
		fmt.Fprintf(ew, "  note: %s\n", n)
	}
}

func forced(b bool) string {
	if b {
		return ", forced"
	}
	return ""
}

func approx(b bool) string {
	if b {
		return " (approximate)"
	}
	return ""
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// writeText says which stream bounds were reached (nothing when l is nil).
func (l *StreamLimits) writeText(w io.Writer, listed int) {
	if l == nil {
		return
	}
	if l.FinishedEarly > 0 {
		fmt.Fprintf(w, "  stream limit reached: more than %d streams active at once (--max-streams); %d streams were finished early, the least recently active first (a stream that sent again was analyzed anew from there: no loss counted across the break)\n",
			l.MaxStreams, l.FinishedEarly)
	}
	if o := l.Omitted; o != nil {
		fmt.Fprintf(w, "  listed: %d streams with the most loss, gaps and undecodable datagrams, then the most traffic (--keep-streams %d); not listed: %d streams (%d multicast, %d with a sequence format, %d not analyzable: cut by the snaplen), %d datagrams, %d bytes, %d lost in %d gaps, %d undecodable, %s .. %s",
			listed, l.KeepStreams, o.Streams, o.Multicast, o.Sequenced, o.SnaplenCut, o.Packets, o.Bytes, o.Lost, o.Gaps, o.Undecodable, ft(o.First), ft(o.Last))
		if o.ICMPDiscards > 0 {
			fmt.Fprintf(w, "; %d ICMP errors say their datagrams were discarded", o.ICMPDiscards)
		}
		if o.Pairs > 0 {
			fmt.Fprintf(w, "; %d A/B pairs or retransmission flows with a stream not listed", o.Pairs)
		}
		fmt.Fprintln(w)
	}
}
