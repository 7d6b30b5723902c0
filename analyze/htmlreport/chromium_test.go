package htmlreport_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/htmlreport"
)

var docshot = flag.Bool("docshot", false, "rewrite docs/ladder-c-smcr-link.png from headless Chromium")

// chromium returns the headless browser, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (Debian: apt-get install chromium; .ci/run installs it): the HTML report is not checked in a real browser")
	return ""
}

// runChromium runs headless Chromium with args on file; stdout is returned.
func runChromium(t *testing.T, bin, file string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // against hangs only
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--user-data-dir=" + filepath.Join(t.TempDir(), "profile")}, args...)
	all = append(all, "file://"+file)
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

// TestChromium renders the report of four captures in headless Chromium:
// the DOM it builds has the expected elements and every data-json value
// equals the JSON report's; the screenshot has the window's size, ink in
// the page's regions, and the colours of what must be drawn.
func TestChromium(t *testing.T) {
	bin := chromium(t)
	cases := []struct {
		golden int      // index in goldens
		dom    []string // in the DOM Chromium built
		ink    []color.RGBA
	}{
		{0, []string{`<svg class="ladder"`, `id="conn-1"`, "RoCE: LLC CONFIRM_LINK", `data-json="connections/0/link/confirm_frame" data-value="32"`, "smc-tools tables before the capture"},
			[]color.RGBA{{0x17, 0x61, 0x2a, 0xff}}}, // the link confirmation (green)
		{1, []string{`class="step decl"`, "3.000 s wait", "(sent by the server)", "SMC_CLC_DECL_TIMEOUT_CL"},
			[]color.RGBA{{0xb0, 0x00, 0x20, 0xff}}}, // the Decline (red)
		{4, []string{`class="snapshot"`, "discarded-rp-filter", `id="stream-1"`, `class="kstat-tables"`},
			[]color.RGBA{{0x1f, 0x5f, 0xbf, 0xff}}}, // the received sequence (blue)
		{6, []string{`id="pair-0"`, `class="gap-both"`, "lost on both legs", `class="gap"`},
			[]color.RGBA{{0x1f, 0x5f, 0xbf, 0xff}, {0xd6, 0x27, 0x28, 0xff}}}, // sequence and gaps
	}
	for _, tc := range cases {
		g := goldens[tc.golden]
		t.Run(g.name, func(t *testing.T) {
			rep, o := reportOpts(t, g.files, g.pairs)
			var page, js bytes.Buffer
			if err := htmlreport.Write(&page, rep, o); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), g.name+".html")
			if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			dom := string(runChromium(t, bin, file, "--dump-dom"))
			for _, w := range tc.dom {
				if !strings.Contains(dom, w) {
					t.Errorf("DOM lacks %q", w)
				}
			}
			checkDOMValues(t, dom, js.Bytes())
			shot := filepath.Join(t.TempDir(), "shot.png")
			runChromium(t, bin, file, "--screenshot="+shot, "--window-size=1280,2000")
			img := decodePNG(t, shot)
			if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
				t.Fatalf("screenshot is %v, want 1280x2000", b)
			}
			// the top (title and summary) and the first detail are inked
			for _, r := range []image.Rectangle{image.Rect(0, 0, 1280, 200), image.Rect(0, 600, 1280, 1400)} {
				if f := inked(img, r); f < 0.005 {
					t.Errorf("region %v is blank (%.4f of its pixels not white)", r, f)
				}
			}
			// it prints: a PDF of a few pages (the print CSS keeps
			// diagrams whole and scales them to the paper width)
			pdf := filepath.Join(t.TempDir(), "page.pdf")
			runChromium(t, bin, file, "--no-pdf-header-footer", "--print-to-pdf="+pdf)
			if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Errorf("print to PDF: %v, %.8q", err, b)
			} else if n := bytes.Count(b, []byte("/MediaBox")); n < 1 || n > 40 {
				t.Errorf("print to PDF: %d pages", n)
			}
			for _, c := range tc.ink {
				if n := countNear(img, c); n < 20 {
					t.Errorf("colour %v: %d pixels in the screenshot, the drawing is missing", c, n)
				}
			}
		})
	}
}

// checkDOMValues compares the data-json values of Chromium's DOM with the
// JSON report.
func checkDOMValues(t *testing.T, dom string, js []byte) {
	t.Helper()
	checkValues(t, dom, bytes.NewReader(js), false)
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// inked is the fraction of r's pixels that are not (nearly) white.
func inked(img image.Image, r image.Rectangle) float64 {
	r = r.Intersect(img.Bounds())
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if cr, cg, cb, _ := img.At(x, y).RGBA(); cr < 0xf000 || cg < 0xf000 || cb < 0xf000 {
				n++
			}
		}
	}
	return float64(n) / float64(max(1, r.Dx()*r.Dy()))
}

// countNear counts the pixels within a small distance of c.
func countNear(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if near(cr>>8, c.R) && near(cg>>8, c.G) && near(cb>>8, c.B) {
				n++
			}
		}
	}
	return n
}

func near(a uint32, b uint8) bool { return a+24 >= uint32(b) && a <= uint32(b)+24 }

// TestDocScreenshot writes the README's image of a real lab trace's ladder
// diagram (go test ./analyze/htmlreport -run DocScreenshot -docshot), and
// otherwise checks that the committed image is a PNG of a plausible size.
func TestDocScreenshot(t *testing.T) {
	out := filepath.Join(root, "..", "docs", "ladder-c-smcr-link.png")
	if !*docshot {
		img := decodePNG(t, out)
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 200 || inked(img, b) < 0.01 {
			t.Errorf("%s: %v, %.3f inked: not a ladder diagram", out, b, inked(img, b))
		}
		return
	}
	bin := chromium(t)
	rep := analyzeReport(t, goldens[0].files, nil)
	var page bytes.Buffer
	if err := htmlreport.WriteConnection(&page, rep, 1); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ladder.html")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	runChromium(t, bin, file, "--screenshot="+shot, "--window-size=1000,760")
	img := decodePNG(t, shot)
	// crop to the inked area plus a margin
	b := img.Bounds()
	box := image.Rectangle{Min: b.Max, Max: b.Min}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if cr, cg, cb, _ := img.At(x, y).RGBA(); cr < 0xf000 || cg < 0xf000 || cb < 0xf000 {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	box = image.Rect(box.Min.X-12, box.Min.Y-12, box.Max.X+12, box.Max.Y+12).Intersect(b)
	dst := image.NewPaletted(image.Rect(0, 0, box.Dx(), box.Dy()), palette())
	draw.Draw(dst, dst.Bounds(), img, box.Min, draw.Src)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, dst); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("wrote %s (%dx%d, %d bytes)\n", out, box.Dx(), box.Dy(), buf.Len())
}

// palette is a small palette with grey levels and the page's colours (a
// small PNG for the README).
func palette() color.Palette {
	var p color.Palette
	for i := 0; i < 256; i += 8 {
		p = append(p, color.RGBA{uint8(i), uint8(i), uint8(i), 0xff})
	}
	p = append(p, color.White)
	for _, c := range []color.RGBA{{0x17, 0x61, 0x2a, 0xff}, {0xb0, 0x00, 0x20, 0xff}, {0xf0, 0xf0, 0xf0, 0xff}, {0x0b, 0x4f, 0xb3, 0xff}, {0x1f, 0x5f, 0xbf, 0xff}} {
		p = append(p, c)
		for _, f := range []float64{0.25, 0.5, 0.75} {
			mix := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*f) }
			p = append(p, color.RGBA{mix(c.R), mix(c.G), mix(c.B), 0xff})
		}
	}
	return p
}
