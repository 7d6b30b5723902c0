package mcast

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWritePlot(t *testing.T) {
	// synthetic msend run with gaps, a burst and a restart (project-made)
	var ps [][]byte
	ps = append(ps, msendRun(span(0, 2000, 100, 500, 501, 502, 503, 1500), false, 20, "msend -m20 239.1.2.3 14400", 2001)...)
	ps = append(ps, msendRun(span(0, 700, 300), false, 20, "msend -m20 239.1.2.3 14400", 701)...)
	ds := synth(ps...)
	tr := NewTracker(Config{Plot: true})
	for i := range ds {
		tr.Add(&ds[i])
	}
	tr.AddCaptureDrop(CaptureDrop{Time: ds[1200].Time, IfDrop: 3, Cumulative: true})
	r := tr.Report()
	q := r.Streams[0].Sequences[0]
	if len(q.Points) == 0 || len(q.Points) > maxPlotPts {
		t.Fatalf("%d plot points", len(q.Points))
	}
	var buf bytes.Buffer
	if err := r.WritePlot(&buf); err != nil {
		t.Fatal(err)
	}
	// well-formed XML
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		if _, err := dec.Token(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("SVG is not well-formed: %v", err)
		}
	}
	p := filepath.Join(goldenDir, "mtools-synthetic-plot.svg")
	if *update {
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if d := cmp.Diff(string(want), buf.String()); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", p, d)
	}
}

func TestPlotDecimation(t *testing.T) {
	sp := newSeqSpace(seqParams{plot: true})
	for i := range uint64(100000) {
		sp.observe(i, 1, int64(i), int(i))
	}
	if len(sp.pts) > maxPlotPts || len(sp.pts) < maxPlotPts/2 || sp.pts[0].seq != 1 && sp.pts[0].seq != 0 {
		t.Fatalf("%d points, first %+v", len(sp.pts), sp.pts[0])
	}
	for i := 1; i < len(sp.pts); i++ {
		if sp.pts[i].seq <= sp.pts[i-1].seq {
			t.Fatalf("points not increasing at %d", i)
		}
	}
}

// --plot x.png (issue 9 item 9): the same plot as a PNG image.
func TestWritePlotPNG(t *testing.T) {
	var ps [][]byte
	ps = append(ps, msendRun(span(0, 2000, 100, 500, 501, 502, 503, 1500), false, 20, "msend -m20 239.1.2.3 14400", 2001)...)
	ps = append(ps, msendRun(span(0, 700, 300), false, 20, "msend -m20 239.1.2.3 14400", 701)...)
	ds := synth(ps...)
	tr := NewTracker(Config{Plot: true})
	for i := range ds {
		tr.Add(&ds[i])
	}
	tr.AddCaptureDrop(CaptureDrop{Time: ds[1200].Time, IfDrop: 3, Cumulative: true})
	r := tr.Report()
	var buf bytes.Buffer
	if err := r.WritePlotPNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != plotW || b.Dy() != plotH {
		t.Fatalf("image %v, want %dx%d", b, plotW, plotH)
	}
	count := map[color.RGBA]int{}
	for y := 0; y < plotH; y++ {
		for x := 0; x < plotW; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			count[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0xff}]++
		}
	}
	for name, c := range map[string]color.RGBA{"sequence line": pngBlue, "gaps": pngRed, "capture drops": pngOrange, "resets": pngGrey, "labels": pngText} {
		if count[c] == 0 {
			t.Errorf("no %s drawn (colour %v)", name, c)
		}
	}
	p := filepath.Join(goldenDir, "mtools-synthetic-plot.png")
	if *update {
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs (run with -update if intended)", p)
	}
}

// The timeline marks duplicates ("d") and late, reordered arrivals ("r")
// at their time and sequence number, besides the gaps (synthetic msend run).
func TestTimelineDuplicatesReorders(t *testing.T) {
	seqs := span(0, 400)
	seqs = append(seqs[:100], append([]uint64{99, 101, 100}, seqs[102:]...)...) // 99 twice, 100 and 101 swapped
	ds := synth(msendRun(seqs, false, 20, "msend -m20 239.1.2.3 14400", 401)...)
	tr := NewTracker(Config{Plot: true})
	for i := range ds {
		tr.Add(&ds[i])
	}
	r := tr.Report()
	q := r.Streams[0].Sequences[0]
	if q.Duplicates != 1 || q.Reordered != 1 || len(q.DuplicatePoints) != 1 || len(q.LatePoints) != 1 {
		t.Fatalf("dups %d (%v), reordered %d (%v)", q.Duplicates, q.DuplicatePoints, q.Reordered, q.LatePoints)
	}
	if q.DuplicatePoints[0].Seq != 99 || q.LatePoints[0].Seq != 100 {
		t.Errorf("marks at %d and %d, want 99 and 100", q.DuplicatePoints[0].Seq, q.LatePoints[0].Seq)
	}
	var buf bytes.Buffer
	if err := r.Timeline(TimelineOptions{}).WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`class="duplicate"><title>duplicate: 99 at`, `class="reordered"><title>reordered (late, filled a gap): 100 at`} {
		if !bytes.Contains(buf.Bytes(), []byte(w)) {
			t.Errorf("SVG lacks %q", w)
		}
	}
	if err := r.WritePlotPNG(io.Discard); err != nil {
		t.Fatal(err)
	}
}
