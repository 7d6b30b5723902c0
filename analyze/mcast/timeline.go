package mcast

import (
	"encoding/xml"
	"fmt"
	"github.com/smcdump/smcdump/internal/textio"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// One drawing model for stream timelines: a Timeline is built from the
// Report as a list of shapes in pixel coordinates, then written as SVG
// (--plot x.svg, the HTML report) or rasterised to PNG (--plot x.png).

const (
	plotW, plotH   = 960, 240 // one panel
	plotL, plotR   = 80, 20   // margins
	plotT, plotB   = 36, 40
	maxPlotPanels  = 32
	maxPlotMarkers = 2000
)

// TimeMark is a labelled instant drawn across every panel of a timeline
// (e.g. a kernel counter snapshot).
type TimeMark struct {
	Time  time.Time
	Label string
}

// TimelineOptions selects what a timeline draws.
type TimelineOptions struct {
	// Streams are the Stream.IDs drawn, one panel per sequence space, one
	// above the other on one time axis; nil draws every stream.
	Streams []int
	// Pair, when set, adds the gaps missing on both legs (Pair.Gaps) to
	// the panels of its legs.
	Pair *Pair
	// Marks are drawn as labelled vertical lines when inside the axis.
	Marks []TimeMark
	// ExtendAxis widens the time axis to the marks and the capture drop
	// readings of the drawn interfaces (counter snapshots are usually taken
	// just before and after the capture).
	ExtendAxis bool
	// MaxPanels and MaxMarkers bound the drawing (0: 32 panels, 2000 gap
	// markers per panel).
	MaxPanels, MaxMarkers int
}

// shape kinds
const (
	shLine = iota
	shRect
	shFrame
	shPolyline
	shText
)

// shape is one drawing primitive; colours are names from palette.
type shape struct {
	kind           int
	x0, y0, x1, y1 float64
	pts            [][2]float64
	col            string
	dash           int
	width          float64
	opacity        float64
	text           string
	end            bool // text anchored at its end
	size           int
	title          string
	class          string // SVG class (the HTML report styles and tests use it)
}

// Timeline is a stream timeline as drawing primitives.
type Timeline struct {
	W, H   int
	shapes []shape
}

func (tl *Timeline) add(s shape) { tl.shapes = append(tl.shapes, s) }

// Timeline lays out the timeline of the selected streams: sequence number
// against time, the received sequence as a blue line, every gap as a red bar
// from its first to its last missing number at the time it was detected
// (labelled "-N @first"), resets as grey dashed lines, capture drops (pcapng
// ISB readings that grew) as orange ticks labelled with the count, and the
// marks as purple dashed lines. Needs a Report built with Config.Plot for
// the blue line; gaps are drawn in any case.
func (r *Report) Timeline(o TimelineOptions) *Timeline {
	type panel struct {
		s *Stream
		q *Sequence
	}
	if o.MaxPanels <= 0 {
		o.MaxPanels = maxPlotPanels
	}
	if o.MaxMarkers <= 0 {
		o.MaxMarkers = maxPlotMarkers
	}
	want := map[int]bool{}
	for _, id := range o.Streams {
		want[id] = true
	}
	var ps []panel
	var t0, t1 time.Time
	for i := range r.Streams {
		s := &r.Streams[i]
		if o.Streams != nil && !want[s.ID] {
			continue
		}
		for j := range s.Sequences {
			if len(ps) < o.MaxPanels {
				ps = append(ps, panel{s, &s.Sequences[j]})
				if t0.IsZero() || s.First.Before(t0) {
					t0 = s.First
				}
				if s.Last.After(t1) {
					t1 = s.Last
				}
			}
		}
	}
	if o.ExtendAxis && len(ps) > 0 {
		ifs := map[int]bool{}
		for _, p := range ps {
			ifs[p.s.Interface] = true
		}
		widen := func(t time.Time) {
			if t.IsZero() || t.Sub(t0) < -24*time.Hour || t.Sub(t1) > 24*time.Hour {
				return // a clock far off would squash the streams
			}
			if t.Before(t0) {
				t0 = t
			}
			if t.After(t1) {
				t1 = t
			}
		}
		for _, m := range o.Marks {
			widen(m.Time)
		}
		for _, d := range r.CaptureDrops {
			if ifs[d.Interface] {
				widen(d.Time)
			}
		}
	}
	if !t1.After(t0) {
		t1 = t0.Add(time.Millisecond)
	}
	tl := &Timeline{W: plotW, H: plotH * max(1, len(ps))}
	if len(ps) == 0 {
		tl.add(shape{kind: shText, x0: plotL, y0: plotT, text: "no sequenced UDP streams", col: "text", size: 11})
	}
	for i, p := range ps {
		r.panel(tl, p.s, p.q, o, t0, t1, i*plotH)
	}
	return tl
}

func (r *Report) panel(tl *Timeline, s *Stream, q *Sequence, o TimelineOptions, t0, t1 time.Time, y0i int) {
	y0 := float64(y0i)
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
	top, bottom := y0+plotT, y0+plotT+ph
	x := func(t time.Time) float64 {
		f := float64(t.Sub(t0)) / float64(t1.Sub(t0))
		return float64(plotL) + min(max(f, 0), 1)*pw
	}
	y := func(v uint64) float64 {
		f := float64(v-lo) / float64(hi-lo)
		if v < lo {
			f = 0
		}
		return top + (1-min(f, 1))*ph
	}
	key := q.Key
	if key != "" {
		key = " " + key
	}
	tl.add(shape{kind: shText, x0: plotL, y0: y0 + 20, size: 13, col: "text", class: "panel-title",
		text: fmt.Sprintf("stream %d: %s -> %s%s (%s): %d lost in %d gaps, %d duplicates, %d reordered, %d resets",
			s.ID, s.Src, s.Dst, key, s.Format, q.Lost, q.GapCount, q.Duplicates, q.Reordered, q.ResetCount)})
	tl.add(shape{kind: shFrame, x0: plotL, y0: top, x1: plotL + pw, y1: bottom, col: "frame"})
	tl.add(shape{kind: shText, x0: plotL - 4, y0: y(hi) + 4, end: true, text: fmt.Sprint(hi), col: "text", size: 11})
	tl.add(shape{kind: shText, x0: plotL - 4, y0: y(lo) + 4, end: true, text: fmt.Sprint(lo), col: "text", size: 11})
	tl.add(shape{kind: shText, x0: plotL, y0: y0 + plotH - plotB + 16, text: ft(t0), col: "text", size: 11})
	tl.add(shape{kind: shText, x0: plotW - plotR, y0: y0 + plotH - plotB + 16, end: true, text: fmt.Sprintf("%s (+%s)", ft(t1), t1.Sub(t0)), col: "text", size: 11})
	tl.add(shape{kind: shText, x0: plotL, y0: y0 + plotH - plotB + 30, col: "note", size: 11,
		text: "red -N @first: gap; d: duplicate; r: reordered; grey dashed: reset; orange: capture drop; purple: counters"})
	for i, g := range q.Gaps {
		if i >= o.MaxMarkers {
			break
		}
		tl.add(shape{kind: shLine, x0: x(g.End), y0: top, x1: x(g.End), y1: bottom, col: "red", opacity: 0.3})
	}
	// one polyline per epoch: a sequence going backwards is a reset
	for i := 0; i < len(q.Points); {
		j := i + 1
		for j < len(q.Points) && q.Points[j].Seq > q.Points[j-1].Seq {
			j++
		}
		pl := shape{kind: shPolyline, col: "blue", width: 1.2, class: "received"}
		for _, p := range q.Points[i:j] {
			pl.pts = append(pl.pts, [2]float64{x(p.Time), y(p.Seq)})
		}
		tl.add(pl)
		i = j
	}
	gaps := q.Gaps
	label := len(gaps) <= 30
	gapMark := func(g Gap, col, class, what string) {
		gx := x(g.End)
		ya, yb := y(g.FirstMissing+g.Count-1), y(g.FirstMissing)
		if yb-ya < 8 { // keep single losses visible
			m := (ya + yb) / 2
			ya, yb = m-4, m+4
		}
		tl.add(shape{kind: shRect, x0: gx - 2, y0: ya, x1: gx + 2, y1: yb, col: col, class: class,
			title: fmt.Sprintf("%s: first missing %d, count %d, %s, %s", what, g.FirstMissing, g.Count, ft(g.Start), g.Verdict)})
		if label {
			tl.add(shape{kind: shText, x0: gx + 4, y0: ya + 8, col: col, size: 10, text: fmt.Sprintf("-%d @%d", g.Count, g.FirstMissing)})
		}
	}
	for i, g := range gaps {
		if i >= o.MaxMarkers {
			break
		}
		gapMark(g, "red", "gap", "gap")
	}
	if o.Pair != nil && (o.Pair.StreamA == s.ID || o.Pair.StreamB == s.ID) {
		for i, g := range o.Pair.Gaps {
			if i >= o.MaxMarkers {
				break
			}
			gapMark(g, "darkred", "gap-both", "missing on both legs")
		}
	}
	for _, ev := range []struct {
		pts        []PlotPoint
		mark, what string
		col, class string
	}{{q.DuplicatePoints, "d", "duplicate", "brown", "duplicate"}, {q.LatePoints, "r", "reordered (late, filled a gap)", "teal", "reordered"}} {
		for i, p := range ev.pts {
			if i >= o.MaxMarkers {
				break
			}
			tl.add(shape{kind: shText, x0: x(p.Time) - 3, y0: y(p.Seq) - 3, col: ev.col, size: 10, text: ev.mark, class: ev.class,
				title: fmt.Sprintf("%s: %d at %s", ev.what, p.Seq, ft(p.Time))})
		}
	}
	for i, rs := range q.Resets {
		if i >= o.MaxMarkers {
			break
		}
		rx := x(rs.Time)
		tl.add(shape{kind: shLine, x0: rx, y0: top, x1: rx, y1: bottom, col: "grey", dash: 4, class: "reset",
			title: fmt.Sprintf("reset %d -> %d: %s", rs.From, rs.To, rs.Reason)})
	}
	var prev uint64
	drawn := 0
	for _, d := range r.CaptureDrops {
		if d.Interface != s.Interface {
			continue
		}
		n := max(d.IfDrop, d.OSDrop)
		if n > prev && !d.Time.Before(t0) && !d.Time.After(t1) && drawn < o.MaxMarkers {
			drawn++
			dx := x(d.Time)
			tl.add(shape{kind: shLine, x0: dx, y0: bottom - 8, x1: dx, y1: bottom, col: "orange", width: 3, class: "capture-drop",
				title: fmt.Sprintf("capture dropped %d packets on if%d by %s", n-prev, d.Interface, ft(d.Time))})
			if o.Marks != nil { // HTML: a readable label besides the colour
				tl.add(shape{kind: shText, x0: dx + 3, y0: bottom - 10, col: "orange", size: 10, text: fmt.Sprintf("drop +%d", n-prev)})
			}
		}
		prev = n
	}
	for i, m := range o.Marks {
		if i >= o.MaxMarkers {
			break
		}
		if m.Time.Before(t0) || m.Time.After(t1) {
			continue
		}
		mx := x(m.Time)
		tl.add(shape{kind: shLine, x0: mx, y0: top, x1: mx, y1: bottom, col: "purple", dash: 2, class: "snapshot", title: m.Label + " " + ft(m.Time)})
		tl.add(shape{kind: shText, x0: mx + 3, y0: top + 10, col: "purple", size: 10, text: m.Label})
	}
}

// svgColours are the palette's SVG colours.
var svgColours = map[string]string{
	"blue": "#1f5fbf", "red": "#d62728", "darkred": "#7a0000", "grey": "#777", "frame": "#888",
	"orange": "#ff7f0e", "text": "#222", "note": "#555", "purple": "#7b3fa0", "brown": "#8c4a00", "teal": "#00727a",
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// WriteSVG writes the timeline as one <svg> element.
func (tl *Timeline) WriteSVG(w io.Writer) error {
	ew := textio.New(w)
	fmt.Fprintf(ew, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", tl.W, tl.H, tl.W, tl.H)
	fmt.Fprintf(ew, `<rect width="%d" height="%d" fill="white"/>`+"\n", tl.W, tl.H)
	for _, s := range tl.shapes {
		col := svgColours[s.col]
		var extra strings.Builder
		if s.class != "" {
			fmt.Fprintf(&extra, ` class="%s"`, s.class)
		}
		if s.dash > 0 {
			fmt.Fprintf(&extra, ` stroke-dasharray="%d,%d"`, s.dash, s.dash-1)
		}
		if s.opacity > 0 {
			fmt.Fprintf(&extra, ` stroke-opacity="%g"`, s.opacity)
		}
		if s.width > 0 {
			fmt.Fprintf(&extra, ` stroke-width="%g"`, s.width)
		}
		body, close := "/>", ""
		if s.title != "" {
			t := s.title
			if len(t) > 160 {
				t = t[:157] + "..."
				for !utf8.ValidString(t) {
					t = t[:len(t)-4] + "..."
				}
			}
			body, close = "><title>"+esc(t)+"</title>", ""
		}
		switch s.kind {
		case shLine:
			if s.title != "" {
				close = "</line>"
			}
			fmt.Fprintf(ew, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"%s%s%s`+"\n", s.x0, s.y0, s.x1, s.y1, col, extra.String(), body, close)
		case shRect:
			if s.title != "" {
				close = "</rect>"
			}
			fmt.Fprintf(ew, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"%s%s%s`+"\n", s.x0, s.y0, s.x1-s.x0, s.y1-s.y0, col, extra.String(), body, close)
		case shFrame:
			fmt.Fprintf(ew, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="%s"/>`+"\n", s.x0, s.y0, s.x1-s.x0, s.y1-s.y0, col)
		case shPolyline:
			fmt.Fprintf(ew, `<polyline fill="none" stroke="%s"%s points="`, col, extra.String())
			for k, p := range s.pts {
				if k > 0 {
					fmt.Fprint(ew, " ")
				}
				fmt.Fprintf(ew, "%.1f,%.1f", p[0], p[1])
			}
			fmt.Fprintln(ew, `"/>`)
		case shText:
			anchor := ""
			if s.end {
				anchor = ` text-anchor="end"`
			}
			size := ""
			if s.size != 0 && s.size != 11 {
				size = fmt.Sprintf(` font-size="%d"`, s.size)
			}
			fill := ""
			if s.col != "text" {
				fill = fmt.Sprintf(` fill="%s"`, col)
			}
			tip := ""
			if s.title != "" {
				tip = "<title>" + esc(s.title) + "</title>"
			}
			fmt.Fprintf(ew, `<text x="%.1f" y="%.1f"%s%s%s%s>%s%s</text>`+"\n", s.x0, s.y0, anchor, size, fill, extra.String(), tip, esc(s.text))
		}
	}
	fmt.Fprintln(ew, "</svg>")
	return ew.Err
}

// WritePlot writes an SVG with one panel per sequence space (at most 32) of
// every stream on one time axis (see Timeline).
func (r *Report) WritePlot(w io.Writer) error {
	return r.Timeline(TimelineOptions{}).WriteSVG(w)
}
