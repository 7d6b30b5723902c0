package mcast

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

var (
	pngBlue   = color.RGBA{0x1f, 0x5f, 0xbf, 0xff}
	pngRed    = color.RGBA{0xd6, 0x27, 0x28, 0xff}
	pngPink   = color.RGBA{0xf3, 0xbe, 0xbe, 0xff} // the red gap line at 30% on white
	pngGrey   = color.RGBA{0x77, 0x77, 0x77, 0xff}
	pngFrame  = color.RGBA{0x88, 0x88, 0x88, 0xff}
	pngOrange = color.RGBA{0xff, 0x7f, 0x0e, 0xff}
	pngText   = color.RGBA{0x22, 0x22, 0x22, 0xff}
	pngNote   = color.RGBA{0x55, 0x55, 0x55, 0xff}
)

// WritePlotPNG writes the plot of WritePlot as a PNG image: the same panels,
// colours and scales, with the labels in a fixed 7x13 bitmap font and no
// tooltips.
func (r *Report) WritePlotPNG(w io.Writer) error {
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
	img := image.NewRGBA(image.Rect(0, 0, plotW, plotH*max(1, len(ps))))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	c := &canvas{img: img}
	if len(ps) == 0 {
		c.text(plotL, plotT, "no sequenced UDP streams", pngText, false)
	}
	for i, p := range ps {
		r.plotPanelPNG(c, p.s, p.q, i*plotH)
	}
	return png.Encode(w, img)
}

type canvas struct{ img *image.RGBA }

func (c *canvas) set(x, y int, col color.RGBA) {
	if image.Pt(x, y).In(c.img.Rect) {
		c.img.SetRGBA(x, y, col)
	}
}

// line draws a line of width 1 (Bresenham); dash > 0 draws dash pixels on,
// dash pixels off.
func (c *canvas) line(x0, y0, x1, y1 int, col color.RGBA, dash int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for n := 0; ; n++ {
		if dash == 0 || (n/dash)%2 == 0 {
			c.set(x0, y0, col)
		}
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func (c *canvas) rect(x0, y0, x1, y1 int, col color.RGBA) {
	draw.Draw(c.img, image.Rect(x0, y0, x1, y1), image.NewUniform(col), image.Point{}, draw.Over)
}

func (c *canvas) frame(x0, y0, x1, y1 int, col color.RGBA) {
	c.line(x0, y0, x1, y0, col, 0)
	c.line(x1, y0, x1, y1, col, 0)
	c.line(x1, y1, x0, y1, col, 0)
	c.line(x0, y1, x0, y0, col, 0)
}

// text draws s with its baseline at y, starting at x (ending at x when
// right is set).
func (c *canvas) text(x, y int, s string, col color.RGBA, right bool) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: basicfont.Face7x13}
	if right {
		x -= d.MeasureString(s).Ceil()
	}
	d.Dot = fixed.P(x, y)
	d.DrawString(s)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

func (r *Report) plotPanelPNG(c *canvas, s *Stream, q *Sequence, y0 int) {
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
	top, bottom := y0+plotT, y0+plotT+int(ph)
	x := func(t time.Time) int {
		f := float64(t.Sub(t0)) / float64(t1.Sub(t0))
		return plotL + int(min(max(f, 0), 1)*pw+0.5)
	}
	y := func(v uint64) int {
		f := float64(v-lo) / float64(hi-lo)
		if v < lo {
			f = 0
		}
		return top + int((1-min(f, 1))*ph+0.5)
	}
	key := q.Key
	if key != "" {
		key = " " + key
	}
	c.text(plotL, y0+20, fmt.Sprintf("stream %d: %s -> %s%s (%s): %d lost in %d gaps, %d duplicates, %d reordered, %d resets",
		s.ID, s.Src, s.Dst, key, s.Format, q.Lost, q.GapCount, q.Duplicates, q.Reordered, q.ResetCount), pngText, false)
	c.frame(plotL, top, plotL+int(pw), bottom, pngFrame)
	c.text(plotL-4, y(hi)+4, fmt.Sprint(hi), pngText, true)
	c.text(plotL-4, y(lo)+4, fmt.Sprint(lo), pngText, true)
	c.text(plotL, y0+plotH-plotB+16, ft(t0), pngText, false)
	c.text(plotW-plotR, y0+plotH-plotB+16, fmt.Sprintf("%s (+%s)", ft(t1), t1.Sub(t0)), pngText, true)
	c.text(plotL, y0+plotH-plotB+30, "time (UTC) / sequence; red: gaps, grey dashed: resets, orange: capture drops", pngNote, false)
	for i, g := range q.Gaps {
		if i >= maxPlotMarkers {
			break
		}
		c.line(x(g.End), top, x(g.End), bottom, pngPink, 0)
	}
	// one polyline per epoch: a sequence going backwards is a reset
	for i := 1; i < len(q.Points); i++ {
		a, b := q.Points[i-1], q.Points[i]
		if b.Seq > a.Seq {
			c.line(x(a.Time), y(a.Seq), x(b.Time), y(b.Seq), pngBlue, 0)
		}
	}
	if len(q.Points) == 1 {
		c.set(x(q.Points[0].Time), y(q.Points[0].Seq), pngBlue)
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
		c.rect(gx-2, ya, gx+2, yb, pngRed)
		if label {
			c.text(gx+4, ya+8, fmt.Sprintf("-%d @%d", g.Count, g.FirstMissing), pngRed, false)
		}
	}
	for _, rs := range q.Resets {
		rx := x(rs.Time)
		c.line(rx, top, rx, bottom, pngGrey, 4)
	}
	var prev uint64
	for _, d := range r.CaptureDrops {
		if d.Interface != s.Interface {
			continue
		}
		n := max(d.IfDrop, d.OSDrop)
		if n > prev && !d.Time.Before(t0) && !d.Time.After(t1) {
			dx := x(d.Time)
			c.rect(dx-1, bottom-8, dx+2, bottom, pngOrange)
		}
		prev = n
	}
}
