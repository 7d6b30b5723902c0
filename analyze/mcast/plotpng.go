package mcast

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

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

// WritePlotPNG writes the plot of WritePlot as a PNG image: the same
// timeline drawing (Timeline), with the labels in a fixed 7x13 bitmap font
// and no tooltips.
func (r *Report) WritePlotPNG(w io.Writer) error {
	return r.Timeline(TimelineOptions{}).WritePNG(w)
}

var pngColours = map[string]color.RGBA{
	"blue": pngBlue, "red": pngRed, "darkred": {0x7a, 0, 0, 0xff}, "grey": pngGrey, "frame": pngFrame,
	"orange": pngOrange, "text": pngText, "note": pngNote, "purple": {0x7b, 0x3f, 0xa0, 0xff},
	"brown": {0x8c, 0x4a, 0x00, 0xff}, "teal": {0x00, 0x72, 0x7a, 0xff},
}

// WritePNG rasterises the timeline.
func (tl *Timeline) WritePNG(w io.Writer) error {
	img := image.NewRGBA(image.Rect(0, 0, tl.W, tl.H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	c := &canvas{img: img}
	ri := func(f float64) int { return int(f + 0.5) }
	for _, s := range tl.shapes {
		col := pngColours[s.col]
		if s.col == "red" && s.opacity > 0 {
			col = pngPink // the red gap line at 30% on white
		}
		switch s.kind {
		case shLine:
			if s.width >= 2 {
				c.rect(ri(s.x0)-1, ri(s.y0), ri(s.x0)+2, ri(s.y1), col)
			} else {
				c.line(ri(s.x0), ri(s.y0), ri(s.x1), ri(s.y1), col, s.dash)
			}
		case shRect:
			c.rect(ri(s.x0), ri(s.y0), ri(s.x1), ri(s.y1), col)
		case shFrame:
			c.frame(ri(s.x0), ri(s.y0), ri(s.x1), ri(s.y1), col)
		case shPolyline:
			for i := 1; i < len(s.pts); i++ {
				c.line(ri(s.pts[i-1][0]), ri(s.pts[i-1][1]), ri(s.pts[i][0]), ri(s.pts[i][1]), col, 0)
			}
			if len(s.pts) == 1 {
				c.set(ri(s.pts[0][0]), ri(s.pts[0][1]), col)
			}
		case shText:
			c.text(ri(s.x0), ri(s.y0), s.text, col, s.end)
		}
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
