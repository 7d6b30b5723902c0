package mcast

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/smcdump/smcdump/internal/textio"
)

const (
	plotW, plotH   = 960, 240 // one panel
	plotL, plotR   = 80, 20   // margins
	plotT, plotB   = 36, 40
	maxPlotPanels  = 32
	maxPlotMarkers = 2000
)

// WritePlot writes an SVG with one panel per sequence space (at most 32):
// sequence number against time, the received sequence as a blue line, every
// gap as a red bar from its first to its last missing number at the time it
// was detected, resets as grey dashed lines and capture drop readings with
// drops as orange ticks on the time axis. It needs a Report built with
// Config.Plot for the blue line; gaps are drawn in any case.
func (r *Report) WritePlot(w io.Writer) error {
	type panel struct {
		s *Stream
		q *Sequence
	}
	var ps []panel
	for i := range r.Streams {
		for j := range r.Streams[i].Sequences {
			if len(ps) < maxPlotPanels {
				ps = append(ps, panel{&r.Streams[i], &r.Streams[i].Sequences[j]})
			}
		}
	}
	ew := textio.New(w)
	h := plotH * max(1, len(ps))
	fmt.Fprintf(ew, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", plotW, h, plotW, h)
	fmt.Fprintf(ew, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, h)
	if len(ps) == 0 {
		fmt.Fprintf(ew, `<text x="%d" y="%d">no sequenced UDP streams</text>`+"\n", plotL, plotT)
	}
	for i, p := range ps {
		r.plotPanel(ew, p.s, p.q, i*plotH)
	}
	fmt.Fprintln(ew, "</svg>")
	return ew.Err
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (r *Report) plotPanel(w io.Writer, s *Stream, q *Sequence, y0 int) {
	t0, t1 := s.First, s.Last
	if !t1.After(t0) {
		t1 = t0.Add(time.Millisecond)
	}
	lo, hi := q.First, q.Last
	for _, g := range q.Gaps {
		lo = min(lo, g.FirstMissing)
		hi = max(hi, g.FirstMissing+g.Count-1)
	}
	for _, p := range q.Points {
		lo, hi = min(lo, p.Seq), max(hi, p.Seq)
	}
	for _, rs := range q.Resets {
		hi = max(hi, rs.From)
	}
	if hi <= lo {
		hi = lo + 1
	}
	pw, ph := float64(plotW-plotL-plotR), float64(plotH-plotT-plotB)
	x := func(t time.Time) float64 {
		f := float64(t.Sub(t0)) / float64(t1.Sub(t0))
		return float64(plotL) + min(max(f, 0), 1)*pw
	}
	y := func(v uint64) float64 {
		f := float64(v-lo) / float64(hi-lo)
		if v < lo {
			f = 0
		}
		return float64(y0+plotT) + (1-min(f, 1))*ph
	}
	key := q.Key
	if key != "" {
		key = " " + key
	}
	title := fmt.Sprintf("stream %d: %s -> %s%s (%s): %d lost in %d gaps, %d duplicates, %d reordered, %d resets",
		s.ID, s.Src, s.Dst, key, s.Format, q.Lost, q.GapCount, q.Duplicates, q.Reordered, q.ResetCount)
	fmt.Fprintf(w, `<g><text x="%d" y="%d" font-size="13">%s</text>`+"\n", plotL, y0+20, esc(title))
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", plotL, y0+plotT, pw, ph)
	fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`+"\n", plotL-4, y(hi)+4, hi)
	fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end">%d</text>`+"\n", plotL-4, y(lo)+4, lo)
	fmt.Fprintf(w, `<text x="%d" y="%d">%s</text>`+"\n", plotL, y0+plotH-plotB+16, esc(ft(t0)))
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s (+%s)</text>`+"\n", plotW-plotR, y0+plotH-plotB+16, esc(ft(t1)), t1.Sub(t0))
	fmt.Fprintf(w, `<text x="%d" y="%d" fill="#555">time (UTC) / sequence; red: gaps, grey dashed: resets, orange: capture drops</text>`+"\n", plotL, y0+plotH-plotB+30)
	// one polyline per epoch: a sequence going backwards is a reset
	for i := 0; i < len(q.Points); {
		j := i + 1
		for j < len(q.Points) && q.Points[j].Seq > q.Points[j-1].Seq {
			j++
		}
		fmt.Fprint(w, `<polyline fill="none" stroke="#1f5fbf" stroke-width="1.2" points="`)
		for k, p := range q.Points[i:j] {
			if k > 0 {
				fmt.Fprint(w, " ")
			}
			fmt.Fprintf(w, "%.1f,%.1f", x(p.Time), y(p.Seq))
		}
		fmt.Fprintln(w, `"/>`)
		i = j
	}
	label := len(q.Gaps) <= 30
	for i, g := range q.Gaps {
		if i >= maxPlotMarkers {
			break
		}
		gx := x(g.End)
		ya, yb := y(g.FirstMissing+g.Count-1), y(g.FirstMissing)
		if yb-ya < 8 { // keep single losses visible
			m := (ya + yb) / 2
			ya, yb = m-4, m+4
		}
		tip := esc(fmt.Sprintf("gap: first missing %d, count %d, %s, %s", g.FirstMissing, g.Count, ft(g.Start), g.Verdict))
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" stroke="#d62728" stroke-opacity="0.3"/>`+"\n", gx, y0+plotT, gx, float64(y0+plotT)+ph)
		fmt.Fprintf(w, `<rect x="%.1f" y="%.1f" width="4" height="%.1f" fill="#d62728"><title>%s</title></rect>`+"\n", gx-2, ya, yb-ya, tip)
		if label {
			fmt.Fprintf(w, `<text x="%.1f" y="%.1f" fill="#d62728" font-size="10">-%d @%d</text>`+"\n", gx+4, ya+8, g.Count, g.FirstMissing)
		}
	}
	for _, rs := range q.Resets {
		rx := x(rs.Time)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" stroke="#777" stroke-dasharray="4,3"><title>%s</title></line>`+"\n",
			rx, y0+plotT, rx, float64(y0+plotT)+ph, esc(fmt.Sprintf("reset %d -> %d: %s", rs.From, rs.To, rs.Reason)))
	}
	var prev uint64
	for _, d := range r.CaptureDrops {
		if d.Interface != s.Interface {
			continue
		}
		n := max(d.IfDrop, d.OSDrop)
		if n > prev && !d.Time.Before(t0) && !d.Time.After(t1) {
			dx := x(d.Time)
			fmt.Fprintf(w, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#ff7f0e" stroke-width="3"><title>%s</title></line>`+"\n",
				dx, float64(y0+plotT)+ph-8, dx, float64(y0+plotT)+ph, esc(fmt.Sprintf("capture dropped %d packets on if%d by %s", n-prev, d.Interface, ft(d.Time))))
		}
		prev = n
	}
	fmt.Fprintln(w, "</g>")
}
