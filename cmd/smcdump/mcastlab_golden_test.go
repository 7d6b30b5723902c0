package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Real-kernel multicast traces of issue 9 (testdata/mcast/lab/record.sh):
// msend through an nftables rule dropping every 100th datagram, captured
// whole, rotated by smcdump -C, and with -s 68 and -s 48.
const mcastLabDir = "../../testdata/mcast/lab"

func mcastLabRotated(t *testing.T) []string {
	t.Helper()
	// smcdump -C names: x.pcapng, x.pcapng1, x.pcapng2, ...
	var files []string
	for i := 0; ; i++ {
		name := filepath.Join(mcastLabDir, "nft-loss-rot.pcapng")
		if i > 0 {
			name += strconv.Itoa(i)
		}
		if _, err := os.Stat(name); err != nil {
			break
		}
		files = append(files, name)
	}
	if len(files) < 3 {
		t.Fatalf("rotated trace files: %v", files)
	}
	return files
}

// TestMcastLabTraces: the goldens of the analysis of the rotated files
// together (one stream, the five gaps, as the whole capture), and of the
// snaplen-cut captures (-s 68: cut, counters still captured, analysis
// complete; -s 48: no counter left, "sequence analysis impossible", no loss).
func TestMcastLabTraces(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  []string
	}{
		{"mcastlab-nft-loss-rotated", mcastLabRotated(t), []string{"UDP streams: 1, lost: 5"}},
		{"mcastlab-snaplen68", []string{filepath.Join(mcastLabDir, "snaplen68.pcapng")}, []string{"UDP streams: 1, lost: 5", "446 datagrams truncated by the snaplen"}},
		{"mcastlab-snaplen48", []string{filepath.Join(mcastLabDir, "snaplen48.pcapng")}, []string{"UDP streams: 1, lost: 0; 1 not analyzed: datagrams cut by the snaplen (capture with -s 0)", "sequence analysis impossible"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := run(t, append([]string{"analyze"}, tc.files...)...)
			if code != 0 {
				t.Fatalf("analyze exit %d: %s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			golden(t, tc.name+".analyze.txt", out)
			js, stderr, code := run(t, append([]string{"analyze", "--json"}, tc.files...)...)
			if code != 0 {
				t.Fatalf("analyze --json exit %d: %s", code, stderr)
			}
			golden(t, tc.name+".analyze.json", js)
		})
	}
}

// --plot (issue 9 item 9): .png writes a PNG, - writes the SVG to standard
// output (the report to standard error) and creates no file named "-", an
// unknown extension is a usage error before anything is analyzed.
func TestPlotFlag(t *testing.T) {
	trace := filepath.Join(mcastLabDir, "nft-loss.pcapng")
	dir := t.TempDir()
	png := filepath.Join(dir, "x.png")
	if _, stderr, code := run(t, "analyze", "--plot", png, trace); code != 0 {
		t.Fatalf("--plot x.png: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("--plot x.png wrote %.16q (%v), want a PNG", b, err)
	}
	svg := filepath.Join(dir, "x.SVG")
	if _, stderr, code := run(t, "analyze", "--plot", svg, trace); code != 0 {
		t.Fatalf("--plot x.SVG: exit %d: %s", code, stderr)
	}
	if b, _ := os.ReadFile(svg); !bytes.HasPrefix(b, []byte("<svg")) {
		t.Fatalf("--plot x.SVG wrote %.16q, want SVG", b)
	}
	out, stderr, code := run(t, "analyze", "--plot", "-", trace)
	if code != 0 || !strings.HasPrefix(out, "<svg") || !strings.HasSuffix(out, "</svg>\n") || !strings.Contains(stderr, "UDP streams: 1, lost: 5") {
		t.Fatalf("--plot -: exit %d, stdout %.40q, stderr %.200q", code, out, stderr)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Fatal(`--plot - created a file named "-"`)
	}
	out, stderr, code = run(t, "analyze", "--plot", filepath.Join(dir, "x.jpg"), trace)
	if code != codeUsage || out != "" || !strings.Contains(stderr, `unknown image format ".jpg"`) {
		t.Fatalf("--plot x.jpg: exit %d, stdout %.40q, stderr %q", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.jpg")); err == nil {
		t.Fatal("--plot x.jpg wrote a file")
	}
}

// --fail-on loss counts the primary flow's missing packets, never a
// retransmission flow's own "gaps" (issue 9 item 6; synthetic fixtures in
// testdata/mcast: 7 lost on the primary, 5 of them retransmitted).
func TestFailOnLossRetransmission(t *testing.T) {
	for _, kind := range []string{"rist", "rfc4588-ssrc", "rfc4588-session"} {
		trace := filepath.Join("../../testdata/mcast", "synthetic-rtx-"+kind+".pcap")
		if out, stderr, code := run(t, "analyze", "--fail-on", "loss=7", trace); code != 0 {
			t.Errorf("%s: --fail-on loss=7: exit %d (%s)\n%s", kind, code, stderr, out)
		}
		if _, _, code := run(t, "analyze", "--fail-on", "loss=6", trace); code != codeGate {
			t.Errorf("%s: --fail-on loss=6: exit %d, want %d", kind, code, codeGate)
		}
	}
}
