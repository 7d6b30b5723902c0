package multipoint

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteJSON writes the report as indented JSON (schema smcdump.multipoint/v1).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Has reports whether a verdict of the kind is present.
func (r *Report) Has(kind string) bool {
	for _, v := range r.Verdicts {
		if v.Kind == kind {
			return true
		}
	}
	return false
}

// Damaged reports whether a point's input had damaged regions.
func (r *Report) Damaged() bool {
	for _, p := range r.Points {
		if len(p.Problems) > 0 {
			return true
		}
	}
	return false
}

func dur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d.Round(time.Microsecond) == 0:
		return "0"
	case d%time.Millisecond == 0 || d >= 10*time.Second || d <= -10*time.Second:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	var names []string
	for _, pt := range r.Points {
		names = append(names, pt.Name)
	}
	p("Capture points (path order): %s\n", strings.Join(names, " — "))
	for _, pt := range r.Points {
		p("  %-10s %d packets, %d TCP/UDP kept for matching", pt.Name, pt.Packets, pt.Kept)
		if pt.NotKept > 0 {
			p(", %d beyond the limit", pt.NotKept)
		}
		if pt.First != nil {
			p(", %s .. %s", pt.First.Format("2006-01-02 15:04:05.000000"), pt.Last.Format("15:04:05.000000"))
		}
		p("  (%s)\n", strings.Join(pt.Files, ", "))
		if s := pt.Single; s != nil {
			var oc []string
			for _, c := range s.ByOutcome {
				oc = append(oc, fmt.Sprintf("%s %d", c.Name, c.Count))
			}
			p("  %-10s single-point: %d SMC attempt(s)", "", s.SMCAttempts)
			if len(oc) > 0 {
				p(" (%s)", strings.Join(oc, ", "))
			}
			p(", %d UDP datagrams in %d stream(s), %d missing by sequence number\n", s.UDPDatagrams, s.UDPStreams, s.UDPSeqLost)
			for _, hc := range s.HostCounters {
				p("  %-10s host counters: %s\n", "", hc)
			}
		}
		for _, pr := range pt.Problems {
			p("  %-10s damaged: %s\n", "", pr)
		}
		for _, n := range pt.Notes {
			p("  %-10s note: %s\n", "", n)
		}
	}
	if r.Limits.Reached {
		p("LIMIT: %s\n", r.Limits.Note)
	}
	p("\nVerdicts:\n")
	if len(r.Verdicts) == 0 {
		p("  none: every packet seen upstream was seen downstream, unchanged\n")
	}
	for _, v := range r.Verdicts {
		p("  %s\n", v.Message)
		if len(v.Evidence) > 0 {
			var ev []string
			for _, e := range v.Evidence {
				s := fmt.Sprintf("%s #%d", e.Point, e.Frame)
				if e.File != "" {
					s = fmt.Sprintf("%s %s #%d", e.Point, e.File, e.Frame)
				}
				if e.Note != "" {
					s += " (" + e.Note + ")"
				}
				ev = append(ev, s)
			}
			p("    evidence: %s\n", strings.Join(ev, ", "))
		}
		if v.Remedy != "" {
			p("    remedy: %s\n", v.Remedy)
		}
	}
	p("\nHops:\n")
	for _, h := range r.Hops {
		p("  %s — %s: %d matched (%d by payload only), unmatched %d at %s, %d at %s\n",
			h.From, h.To, h.Matched, h.MatchedByPayload, h.UnmatchedFrom, h.From, h.UnmatchedTo, h.To)
		if h.ResegmentedFrom > 0 || h.ResegmentedTo > 0 {
			p("    resegmented: %d TCP segments at %s, %d at %s carry the same bytes cut at other places (TSO/GSO, GRO, a hop segmenting): delivered, not matched one to one\n",
				h.ResegmentedFrom, h.From, h.ResegmentedTo, h.To)
		}
		if h.Clock.Known {
			p("    clock: %s is %s ahead of %s", h.To, dur(h.Clock.OffsetNs), h.From)
			if h.Clock.DriftPPM != nil {
				p(", drift %+.1f ppm", *h.Clock.DriftPPM)
			}
			p("\n")
		}
		if h.Clock.Note != "" {
			p("    clock: %s\n", h.Clock.Note)
		}
		for _, d := range []struct {
			from, to string
			x        Direction
		}{{h.From, h.To, h.Forward}, {h.To, h.From, h.Reverse}} {
			if d.x.Packets == 0 && d.x.Lost == 0 && d.x.Appeared == 0 && d.x.Resegmented == 0 {
				continue
			}
			p("    %s → %s: %d packets", d.from, d.to, d.x.Packets)
			if dl := d.x.Delay; dl != nil {
				word := "delay"
				if !dl.OffsetRemoved {
					word = "delay+offset"
				}
				p(", %s min %s median %s p99 %s, jitter %s", word, dur(dl.MinNs), dur(dl.MedianNs), dur(dl.P99Ns), dur(dl.JitterNs))
			}
			p("; lost %d, duplicated %d, reordered %d", d.x.Lost, d.x.Duplicated, d.x.Reordered)
			if d.x.Appeared > 0 {
				p(", not seen at %s %d", d.from, d.x.Appeared)
			}
			if d.x.Resegmented > 0 {
				p(", resegmented %d", d.x.Resegmented)
			}
			if d.x.MissedAtDown > 0 {
				p(", missed by %s's capture %d", d.to, d.x.MissedAtDown)
			}
			if d.x.ConnNotThere > 0 {
				p(", of connections %s does not show %d", d.to, d.x.ConnNotThere)
			}
			if d.x.OutsideWin > 0 {
				p(", outside %s's capture %d", d.to, d.x.OutsideWin)
			}
			p("\n")
		}
	}
	if len(r.UDPFlows) > 0 {
		p("\nUDP flows (datagrams per point: %s):\n", strings.Join(names, "/"))
		for _, f := range r.UDPFlows {
			var pp []string
			for _, n := range f.PerPoint {
				pp = append(pp, fmt.Sprint(n))
			}
			p("  %s: %s\n", f.Flow, strings.Join(pp, "/"))
			if len(f.PerHop) == 0 && allSame(f.PerPoint) {
				p("    every datagram seen at the first point reached the last one: datagrams the application misses were lost on the receiving host (kernel counters: smcdump analyze --stats)\n")
			}
			for _, h := range f.PerHop {
				p("    %s → %s: lost %d in %d gap(s), duplicated %d, reordered %d\n", h.From, h.To, h.Lost, h.GapCount, h.Dup, h.Reordered)
				if len(h.Gaps) > 0 {
					var gs []string
					for _, g := range h.Gaps {
						gs = append(gs, fmt.Sprintf("%d×%d", g.FirstFrame, g.Count))
					}
					more := ""
					if h.GapCount > len(h.Gaps) {
						more = fmt.Sprintf(" (+%d more)", h.GapCount-len(h.Gaps))
					}
					p("      gaps (first frame at %s × datagrams): %s%s\n", h.From, strings.Join(gs, " "), more)
				}
			}
		}
	}
	return bw.Flush()
}

func allSame(x []int) bool {
	for _, v := range x {
		if v == 0 || v != x[0] {
			return false
		}
	}
	return len(x) > 0
}
