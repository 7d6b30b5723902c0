package htmlreport_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/htmlreport"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/smcproto"
)

const root = "../../testdata/"

// goldens are the captures whose pages are checked against their JSON.
var goldens = []struct {
	name  string
	files []string
	pairs []string
}{
	{"lab-c-smcr-link", []string{"lab/out/6.12/c-smcr-link.pcapng"}, nil},
	{"late-decline", []string{"synthetic/decline-after-confirm.pcapng"}, nil},
	{"no-accept-timeout", []string{"synthetic/no-accept-timeout.pcapng"}, nil},
	{"peer-no-smc", []string{"synthetic/peer-no-smc.pcapng"}, nil},
	{"losslab-rp-filter", []string{"losslab/discard-rp-filter.pcapng"}, nil},
	{"losslab-not-joined", []string{"losslab/discard-not-joined.pcapng"}, nil},
	{"ab-legs", []string{"mcast/synthetic-ab-legs.pcap"}, []string{"239.1.1.1:5000,239.2.1.1:5000"}},
	{"isb-drops", []string{"synthetic/isb-new-style.pcapng"}, nil},
	// damaged: the lab trace with 200 bytes of garbage (0xee) after it
	{"damaged-tail", []string{"lab/out/6.12/c-smcr-link.pcapng+garbage"}, nil},
	// the same capture twice: time goes back at the boundary
	{"time-goes-back", []string{"synthetic/decline-after-confirm.pcapng", "synthetic/decline-after-confirm.pcapng"}, nil},
}

// analyzeReport analyzes files the way `smcdump analyze --html` does.
func analyzeReport(t testing.TB, files []string, pairs []string) *report.Report {
	r, _ := reportOpts(t, files, pairs)
	return r
}

// reportOpts also returns the page options with the kernel counter
// snapshots embedded in the capture (first and last).
func reportOpts(t testing.TB, files []string, pairs []string) (*report.Report, htmlreport.Options) {
	t.Helper()
	var o htmlreport.Options
	cfg := analyze.Config{MaxConnections: analyze.DefaultMaxConnections}
	cfg.Custom = func(_ int, cb pcapfile.CustomBlock) {
		if s, ok, err := analyze.EmbeddedSnapshot(cb); ok && err == nil {
			if o.Before == nil {
				o.Before = s
			} else {
				o.After = s
			}
		}
	}
	cfg.Multicast.Plot = true
	for _, p := range pairs {
		pr, err := mcast.ParsePair(p)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Multicast.Pairs = append(cfg.Multicast.Pairs, pr)
	}
	var paths []string
	for _, f := range files {
		if base, ok := strings.CutSuffix(f, "+garbage"); ok {
			b, err := os.ReadFile(filepath.Join(root, base))
			if err != nil {
				t.Fatal(err)
			}
			f = filepath.Join(t.TempDir(), "damaged.pcapng")
			if err := os.WriteFile(f, append(b, bytes.Repeat([]byte{0xee}, 200)...), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, f)
			continue
		}
		paths = append(paths, filepath.Join(root, f))
	}
	rep, err := analyze.Run(context.Background(), cfg, paths)
	if err != nil && rep == nil {
		t.Fatal(err)
	}
	return rep, o
}

var dataRE = regexp.MustCompile(`data-json="([^"]*)" data-value="([^"]*)">([^<]*)<`)

// TestNumbersMatchJSON: every number the page shows with data-json has the
// JSON report's value at that path, and the element's text shows it.
func TestNumbersMatchJSON(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			rep, o := reportOpts(t, g.files, g.pairs)
			checkNumbers(t, rep, o)
		})
	}
	// Tunnels (synthetic: the analysis of tunnelled traces is tested in
	// analyze.TestTunnelEquivalence; this checks the page's table).
	t.Run("tunnels", func(t *testing.T) {
		id := uint32(42)
		rep := &report.Report{Schema: report.SchemaVersion, Files: []report.FileInfo{{Path: "underlay.pcap", Format: "pcap", Packets: 12,
			Tunnels: []report.Tunnel{{Kind: "VXLAN", Port: 8472, ID: &id, Depth: 1, Src: "192.0.2.1", Dst: "192.0.2.2", Frames: 9}}, MoreTunnelFrames: 3}}}
		page := checkNumbers(t, rep, htmlreport.Options{})
		for _, w := range []string{`id="tunnels"`, "VXLAN port 8472 vni 42 192.0.2.1 &lt;&gt; 192.0.2.2", "tunnels beyond the first 64"} {
			if !strings.Contains(page, w) {
				t.Errorf("page lacks %q", w)
			}
		}
	})
	// Files merged by time (synthetic report): each input's counts,
	// problems and notes, under its own name.
	t.Run("merged", func(t *testing.T) {
		rep := &report.Report{Schema: report.SchemaVersion, FileOrder: &report.FileOrder{By: "merged"}, Files: []report.FileInfo{{
			Path: "2 files merged by time (a.pcapng … b.pcapng.gz)", Format: "pcapng", Packets: 10, DamagedRegions: 1, SkippedBytes: 16,
			Inputs: []report.MergedInput{
				{Path: "a.pcapng", Format: "pcapng", Packets: 5, ProblemCount: 1, DamagedRegions: 1, SkippedBytes: 16,
					Problems: []pcapfile.Problem{{Offset: 244, Msg: "corrupt block", Skipped: 16}},
					Notes:    []pcapfile.Problem{{Offset: 140, Msg: "block type 0x0000abcd (36 bytes) is not one smcdump knows: skipped"}}, NoteCount: 1},
				{Path: "b.pcapng.gz", Format: "pcapng", Compression: "gzip", Packets: 5,
					Notes: []pcapfile.Problem{{Offset: 352, Msg: "interface 0 (eth1): implausible timestamp"}}, NoteCount: 1},
			}}}}
		page := checkNumbers(t, rep, htmlreport.Options{})
		for _, w := range []string{"merged from a.pcapng", "merged from b.pcapng.gz</td><td>pcapng (gzip-compressed)", "Problems in a.pcapng (merged)",
			"Notes on a.pcapng (merged)", "block type 0x0000abcd", "Notes on b.pcapng.gz (merged)</h3><table class=\"problems\"><tr><th class=\"n\">decompressed offset",
			`data-json="files/0/inputs/1/notes/0/offset" data-value="352"`, `data-json="files/0/inputs/0/skipped_bytes"`} {
			if !strings.Contains(page, w) {
				t.Errorf("page lacks %q", w)
			}
		}
	})
}

// checkNumbers checks rep's page against its JSON and returns the page.
func checkNumbers(t *testing.T, rep *report.Report, o htmlreport.Options) string {
	t.Helper()
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := htmlreport.Write(&page, rep, o); err != nil {
		t.Fatal(err)
	}
	n := checkValues(t, page.String(), &js, true)
	t.Logf("%d values checked", n)
	return page.String()
}

// checkValues compares every data-json value of a page (or of a browser's
// DOM) with the JSON report read from js and, with text, checks that the
// element's text shows it. It returns the number of values checked.
func checkValues(t *testing.T, page string, js io.Reader, text bool) int {
	t.Helper()
	doc := jsonDoc(t, js)
	ms := dataRE.FindAllStringSubmatch(page, -1)
	if len(ms) < 3 {
		t.Fatalf("only %d data-json values in the page", len(ms))
	}
	for _, m := range ms {
		path, val, shown := html.UnescapeString(m[1]), html.UnescapeString(m[2]), html.UnescapeString(m[3])
		want, ok := lookup(doc, path)
		if !ok {
			t.Errorf("%s: not in the JSON report", path)
			continue
		}
		switch w := want.(type) {
		case json.Number:
			wf, _ := w.Float64()
			gf, err := strconv.ParseFloat(val, 64)
			if err != nil || gf != wf {
				t.Errorf("%s: page %q, JSON %s", path, val, w)
			}
			if text && !strings.Contains(shown, val) && !strings.Contains(shown, strconv.FormatFloat(wf, 'f', 3, 64)) {
				t.Errorf("%s: text %q does not show %s", path, shown, w)
			}
		case string:
			if val != w || text && !strings.Contains(shown, w) {
				t.Errorf("%s: page %q / %q, JSON %q", path, val, shown, w)
			}
		default:
			t.Errorf("%s: JSON value %v is not a number or string", path, want)
		}
	}
	return len(ms)
}

// jsonDoc decodes a JSON report, numbers as json.Number.
func jsonDoc(t *testing.T, r io.Reader) any {
	t.Helper()
	var doc any
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// lookup resolves a slash-separated path (array elements by index).
func lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, "/") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// TestPageContent: the expected sections, ladder steps and timelines, and
// a page that is well-formed enough for an XML tokenizer once the doctype
// is removed (every element closed), with no external references.
func TestPageContent(t *testing.T) {
	for _, tc := range []struct {
		golden int
		want   []string
	}{
		{0, []string{`id="conn-1"`, `class="ladder"`, "LLC CONFIRM_LINK", `data-json="connections/0/link/confirm_frame" data-value="32"`, `data-json="connections/0/evidence/0/frame" data-value="22"`}},
		{1, []string{`class="wait"`, "3.000 s wait", "✕ CLC Decline", "(sent by the server)", "SMC_CLC_DECL_TIMEOUT_CL", "Remedy:"}},
		{2, []string{`class="timeout"`, "no CLC Accept: waited", "handshake-error"}},
		{8, []string{"DAMAGED INPUT", `class="problems"`, `data-json="files/0/problems/0/offset"`}},
		{6, []string{`id="pair-0"`, `class="gap"`, "lost on both legs", `class="panel-title"`}},
	} {
		g := goldens[tc.golden]
		t.Run(g.name, func(t *testing.T) {
			var page bytes.Buffer
			if err := htmlreport.Write(&page, analyzeReport(t, g.files, g.pairs), htmlreport.Options{}); err != nil {
				t.Fatal(err)
			}
			s := page.String()
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			checkSelfContained(t, s)
		})
	}
}

func checkSelfContained(t *testing.T, s string) {
	t.Helper()
	// nothing is fetched: no scripts, links, images, frames or imports, and
	// every href and url() is a fragment of the page itself (text from the
	// capture is escaped, so it cannot form these)
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", " src=", `href="h`, `href="/`, `href="f`, "url(h", "url(/", "url(f", "url('", `url("`} {
		if strings.Contains(s, bad) {
			t.Errorf("page contains %q: not self-contained", bad)
		}
	}
	body := strings.TrimPrefix(s, "<!DOCTYPE html>\n")
	body = strings.ReplaceAll(body, `<meta charset="utf-8">`, `<meta charset="utf-8"/>`)
	body = regexp.MustCompile(`(<meta [^>]*[^/])>`).ReplaceAllString(body, "$1/>")
	body = strings.ReplaceAll(body, "<br>", "<br/>")
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("page is not well-formed: %v", err)
		}
	}
}

// TestSizeBound: a large synthetic capture (synthetic, project-made: 6000
// connections of four kinds, 400 RTP streams with a gap every third
// datagram, a damaged tail) gives a page under htmlreport.MaxBytes with
// the first DefaultMaxDetail connections of each kind drawn.
func TestSizeBound(t *testing.T) {
	if testing.Short() {
		t.Skip("large capture")
	}
	p := filepath.Join(t.TempDir(), "large.pcapng")
	writeLarge(t, p)
	cfg := analyze.Config{MaxConnections: analyze.DefaultMaxConnections}
	cfg.Multicast.Plot = true
	r, err := mcast.ParseSeqRule("rtp")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Multicast.Seq = []mcast.SeqRule{r}
	rep, err := analyze.Run(context.Background(), cfg, []string{p})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.TCPConnections < 6000 || rep.Multicast == nil || len(rep.Multicast.Streams) < 400 {
		t.Fatalf("capture not as built: %d connections, %+v", rep.Summary.TCPConnections, rep.Summary)
	}
	var page bytes.Buffer
	if err := htmlreport.Write(&page, rep, htmlreport.Options{}); err != nil {
		t.Fatal(err)
	}
	s := page.String()
	if page.Len() > htmlreport.MaxBytes {
		t.Errorf("page is %d bytes, bound %d", page.Len(), htmlreport.MaxBytes)
	}
	ladders := strings.Count(s, `class="ladder"`)
	if ladders > 4*htmlreport.DefaultMaxDetail || ladders < 3*htmlreport.DefaultMaxDetail {
		t.Errorf("%d ladders drawn, want the first %d of each kind", ladders, htmlreport.DefaultMaxDetail)
	}
	if !strings.Contains(s, "more fallback connections are counted") {
		t.Error("no rollup note for the fallbacks not drawn")
	}
	t.Logf("page %d bytes for %d connections, %d streams; %d ladders", page.Len(), rep.Summary.TCPConnections, len(rep.Multicast.Streams), ladders)
}

func writeLarge(t *testing.T, path string) {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcapng(&buf, synth.Ethernet, "eth0", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	mb := func(m interface{ MarshalBinary() ([]byte, error) }) []byte {
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	decl := mb(&smcproto.Decline{Header: smcproto.Header{Version: 2}, Diagnosis: smcproto.Code(0x03030000), OSType: 2})
	prop := synth.ProposalV2R()
	for i := range 6000 {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(30000+i%20000))
		srv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, 0, byte(i % 7)}), 5000)
		c := w.TCPConn(cli, srv, uint32(i*7919), uint32(i*104729))
		var err error
		switch i % 4 {
		case 0: // fallback: server declines
			if err = c.Handshake(true, true); err == nil {
				if err = c.Send(true, prop); err == nil {
					err = c.Send(false, decl)
				}
			}
		case 1: // peer without SMC
			err = c.Handshake(true, false)
		case 2: // no Accept (handshake error once the capture runs on)
			if err = c.Handshake(true, true); err == nil {
				err = c.Send(true, prop)
			}
		case 3: // SYN only
			err = c.SYN(true)
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Advance(time.Millisecond)
	}
	for s := range 400 {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, 0, 1}), uint16(40000+s))
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 1, byte(s >> 8), byte(s)}), 5000)
		for n := range 300 {
			if n%3 == 1 {
				continue
			}
			b := make([]byte, 12+32)
			b[0], b[1] = 0x80, 96
			binary.BigEndian.PutUint16(b[2:], uint16(n))
			binary.BigEndian.PutUint32(b[4:], uint32(n*90))
			binary.BigEndian.PutUint32(b[8:], uint32(0x1000+s))
			if err := w.UDP(src, dst, b); err != nil {
				t.Fatal(err)
			}
			w.Advance(10 * time.Microsecond)
		}
	}
	w.Advance(10 * time.Second)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = fmt.Sprint()
}

// TestSizeBoundWorstCase: a report model filled beyond every limit of the
// page (synthetic: 20000 connections with 40 long evidence steps, 2000
// streams of 8 sequence spaces with 2000 gaps and 1024 plot points each, 500
// files with 1000 problems, 1000 verdicts) still gives a page under
// htmlreport.MaxBytes.
func TestSizeBoundWorstCase(t *testing.T) {
	if testing.Short() {
		t.Skip("large report")
	}
	long := strings.Repeat("x", 300)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rep := &report.Report{Schema: report.SchemaVersion}
	outcomes := []smcflow.Outcome{smcflow.OutcomeSMC, smcflow.OutcomeFallback, smcflow.OutcomeHandshakeError, smcflow.OutcomeUnknown, smcflow.OutcomeNotSMC}
	cp := netip.MustParseAddrPort("10.0.0.1:40000")
	for i := range 20000 {
		c := &smcflow.Conn{ID: i + 1, Client: cp, Server: cp, Outcome: outcomes[i%5], Reason: smcflow.ReasonDecline, Summary: long}
		c.Times.First, c.Times.Last = t0, t0.Add(time.Hour)
		c.Decline = &smcflow.DeclineInfo{By: "server", Code: "0x03030000", Name: long, Meaning: long, Remedy: long}
		ms := 12.5
		c.Latency.HandshakeMS, c.Latency.CLCMS = &ms, &ms
		c.Link = &smcflow.LinkInfo{State: "confirmed", ConfirmedAt: &t0, ConfirmFrame: 5}
		for j := range 40 {
			c.Evidence = append(c.Evidence, smcflow.Evidence{Frame: j, Time: t0.Add(time.Duration(j) * time.Second), Dir: "C>S", What: "CLC Decline " + long})
		}
		rep.Connections = append(rep.Connections, c)
	}
	for i := range 1000 {
		rep.Fallbacks = append(rep.Fallbacks, report.FallbackGroup{Outcome: smcflow.OutcomeFallback, Reason: long, Meaning: long, Remedy: long, Connections: make([]int, 1000), Count: i})
		rep.Services = append(rep.Services, report.Rollup{Key: long, Outcomes: []report.Count{{Name: long, Count: 1}}, Reasons: []report.Count{{Name: long, Count: 1}}})
		rep.PeerPairs = rep.Services
	}
	m := &mcast.Report{}
	for i := range 400 {
		s := mcast.Stream{ID: i + 1, Src: long, Dst: long, Format: "rtp", First: t0, Last: t0.Add(time.Hour)}
		for k := range 8 {
			q := mcast.Sequence{Key: long, Pattern: long, Last: 1 << 40}
			for g := range 300 {
				q.Gaps = append(q.Gaps, mcast.Gap{FirstMissing: uint64(g) * 1000, Count: 10, Start: t0, End: t0.Add(time.Duration(g) * time.Second), Verdict: long})
				q.Resets = append(q.Resets, mcast.Reset{Time: t0, Reason: long})
			}
			for pt := range 1024 {
				q.Points = append(q.Points, mcast.PlotPoint{Time: t0.Add(time.Duration(pt) * time.Second), Seq: uint64(pt+k) << 20})
			}
			s.Sequences = append(s.Sequences, q)
		}
		m.Streams = append(m.Streams, s)
	}
	for i := range 1000 {
		m.Pairs = append(m.Pairs, mcast.Pair{StreamA: 2*(i%200) + 1, StreamB: 2*(i%200) + 2, Gaps: m.Streams[0].Sequences[0].Gaps})
		m.CaptureDrops = append(m.CaptureDrops, mcast.CaptureDropReading{Time: t0.Add(time.Duration(i) * time.Second), IfDrop: uint64(i)})
	}
	rep.Multicast = m
	rep.Counters = &report.Counters{Source: "files", Before: &report.SnapshotInfo{Time: t0.Format(time.RFC3339Nano)}}
	for range 1000 {
		v := correlateVerdict(long)
		rep.Counters.Verdicts = append(rep.Counters.Verdicts, v)
		rep.Counters.Notes = append(rep.Counters.Notes, "note")
	}
	for i := range 500 {
		f := report.FileInfo{Path: long, Format: "pcapng", ProblemCount: 1000, Error: long}
		for j := range 1000 {
			f.Problems = append(f.Problems, pcapfile.Problem{Offset: int64(i * j), Msg: long})
		}
		rep.Files = append(rep.Files, f)
	}
	var page bytes.Buffer
	if err := htmlreport.Write(&page, rep, htmlreport.Options{}); err != nil {
		t.Fatal(err)
	}
	if page.Len() > htmlreport.MaxBytes {
		t.Errorf("page is %d bytes, bound %d", page.Len(), htmlreport.MaxBytes)
	}
	t.Logf("worst-case page: %d bytes", page.Len())
	if os.Getenv("HTMLREPORT_DUMP") != "" {
		_ = os.WriteFile(os.Getenv("HTMLREPORT_DUMP"), page.Bytes(), 0o644)
	}
}

func correlateVerdict(long string) correlate.Verdict {
	v := correlate.Verdict{Kind: long, Subject: long, Text: long, Confidence: correlate.High}
	for i := range 20 {
		v.Numbers = append(v.Numbers, correlate.Number{Name: long, Value: int64(i)})
	}
	return v
}
