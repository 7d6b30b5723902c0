package analyze

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// judgedRun is what an analysis produced: its text and JSON reports and
// the records OnListed got, in order.
type judgedRun struct{ text, json, listed string }

func (r judgedRun) diff(t *testing.T, what string, want judgedRun) {
	t.Helper()
	for _, p := range []struct{ name, got, want string }{{"text", r.text, want.text}, {"json", r.json, want.json}, {"listed", r.listed, want.listed}} {
		if p.got != p.want {
			t.Errorf("%s: %s report differs from judging each connection at once (\"sequential\": at once, \"parallel\": in batches):\n%s", what, p.name, firstDiff(p.want, p.got))
		}
	}
}

// judged analyzes what feed gives the analyzer (with cfg, judging batch
// connections together) and returns its reports, the analysis' counts
// that neither report shows, and, with listed, the records OnListed got
// (without it, the text report's own path: past --keep the tracker only
// counts, Tracker.SkipUnlisted).
func judged(t *testing.T, cfg Config, batch int, listed bool, feed func(a *Analyzer)) judgedRun {
	t.Helper()
	defer func(n int) { judgeBatch = n }(judgeBatch)
	judgeBatch = batch
	var calls strings.Builder
	if listed {
		cfg.OnListed = func(c *smcflow.Conn) {
			fmt.Fprintf(&calls, "%d %s %s %s %s %s\n", c.ID, c.Client, c.Server, c.Outcome, c.Reason, c.Summary)
		}
	}
	a := NewAnalyzer(cfg)
	if got := a.tracker.JudgeBatch; got != batch {
		t.Fatalf("JudgeBatch %d, want %d", got, batch)
	}
	feed(a)
	rep := a.Finish()
	var tb, jb bytes.Buffer
	if err := rep.WriteText(&tb, report.TextOptions{Evidence: true}); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&jb); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&calls, "link-unverified %d, not listed %d\n", rep.LinkUnverified, rep.Summary.NotListed)
	return judgedRun{tb.String(), jb.String(), calls.String()}
}

// sameJudged compares the analysis judged at once with batches of each
// size, with and without OnListed.
func sameJudged(t *testing.T, what string, cfg Config, feed func(a *Analyzer), batches ...int) (want judgedRun) {
	t.Helper()
	for _, listed := range []bool{true, false} {
		w := judged(t, cfg, 1, listed, feed)
		if listed {
			want = w
		}
		for _, b := range batches {
			judged(t, cfg, b, listed, feed).diff(t, fmt.Sprintf("%s (batches of %d, OnListed %v)", what, b, listed), w)
		}
	}
	return want
}

// TestJudgeBatchSameOutput checks that judging finished connections in
// batches (smcflow.Tracker.JudgeBatch) gives the reports and the listed
// records of judging each at once: on every capture under testdata (those
// with RoCE frames among them, whose links are judged from the RoCE frames
// seen so far), with the list cut by --keep, on a synthetic capture whose
// waiting connections straddle a RoCE frame and CLC timeouts, and on
// stress inputs (synthetic) that exceed the open-connection bound, so that
// connections are finished early in bulk.
func TestJudgeBatchSameOutput(t *testing.T) {
	names, data := captureFiles(t)
	configs := []struct {
		name string
		cfg  Config
	}{
		{"default", Config{}},
		{"all-keep3", Config{All: true, MaxConnections: 3}},
		{"no-udp-keepnone", Config{NoUDP: true, KeepNone: true}},
	}
	for _, c := range configs {
		for _, n := range names {
			feed := func(a *Analyzer) {
				fr, err := pcapfile.NewFileReaderSize(bytes.NewReader(data[n]), 4096)
				if err == nil {
					err = a.AnalyzeReader(context.Background(), n, fr)
				}
				if err != nil {
					a.report.Files = append(a.report.Files, report.FileInfo{Path: n, Error: err.Error()})
				}
			}
			sameJudged(t, fmt.Sprintf("%s (%s)", n, c.name), c.cfg, feed, 2, 3, judgeBatch)
		}
	}
	// Connections waiting to be judged across a RoCE frame (their links
	// are judged from the RoCE frames before it) and across time (their
	// handshakes are judged as of when they finished).
	want := sameJudged(t, "mixed capture", Config{}, readCapture(t, "mixed", judgeBatchCapture(t), 16), 3, judgeBatch)
	for _, s := range []string{"link is not visible", "RoCE", "capture continued", "finished early"} {
		if !strings.Contains(want.text+want.listed, s) {
			t.Errorf("mixed capture: no %q in the report: the test misses a case", s)
		}
	}
	// SMC-R connections silent since their Confirm, finished early while
	// the capture goes on: judged link-unverified or not by how long they
	// had been silent when they finished (not when they were judged).
	feed := readCapture(t, "silent", silentSMCRCapture(t, 1200), 16)
	for _, cfg := range []Config{{}, {MaxConnections: 10}, {KeepNone: true}} {
		want := sameJudged(t, fmt.Sprintf("silent SMC-R (keep %d, none %v)", cfg.MaxConnections, cfg.KeepNone), cfg, feed, 3, judgeBatch)
		var unverified, notListed int
		if _, err := fmt.Sscanf(want.listed[strings.LastIndex(want.listed, "link-unverified "):], "link-unverified %d, not listed %d", &unverified, &notListed); err != nil {
			t.Fatal(err)
		}
		if unverified == 0 || unverified == 1200 {
			t.Errorf("silent SMC-R: %d of 1200 connections judged link-unverified: the test needs both kinds", unverified)
		}
	}
	for _, k := range []stressKind{stressSYNFlood, stressClosed, stressOpen} {
		feed := func(a *Analyzer) {
			a.tracker.MaxOpen = 400 // 3,000 connections: finished early, 50 at a time
			stressFrames(t, k, 3000, 50*time.Microsecond, func(p *pcapfile.Packet) { a.Feed(p) })
		}
		cfg := Config{NoUDP: true, MaxConnections: 1500}
		want := sameJudged(t, fmt.Sprintf("stress %s", k), cfg, feed, 3, judgeBatch, 64)
		if !strings.Contains(want.text, "finished early") && k != stressClosed {
			t.Errorf("%s: no connection finished early: the test does not reach the open-connection bound", k)
		}
	}
}

// judgeBatchCapture writes a capture (synthetic) of 40 SMC-Rv2 connections
// established and closed a second apart, a RoCEv2 frame, then 100 whose
// Proposal is never answered, 0.7 s apart (with MaxOpen 16, most are
// finished early, 2 at a time).
func judgeBatchCapture(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, conn := batchWriter(t, &buf)
	for i := range 40 {
		c := conn(i)
		if err := errors.Join(c.Handshake(true, true), synth.SMCREstablished(c, w, 2), c.ACK(false), c.FIN(true), c.FIN(false), c.ACK(true)); err != nil {
			t.Fatal(err)
		}
		w.Advance(time.Second)
	}
	if err := w.RoCEv2(netip.MustParseAddr("10.1.1.10"), netip.MustParseAddr("10.1.1.20"), 0x11, 0x000077, 1, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		c := conn(1000 + i)
		if err := errors.Join(c.Handshake(true, true), c.Send(true, synth.ProposalV2R())); err != nil {
			t.Fatal(err)
		}
		w.Advance(700 * time.Millisecond)
	}
	return buf.Bytes()
}

// batchWriter returns a pcap writer (synthetic, Ethernet, nanoseconds)
// into buf, and conn, which starts connection i: client 10.0.x.y, port
// 40000+i, to 10.2.0.1:5000.
func batchWriter(t *testing.T, buf *bytes.Buffer) (w *synth.Writer, conn func(i int) *synth.Conn) {
	t.Helper()
	w, err := synth.NewPcap(buf, synth.Ethernet, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), true)
	if err != nil {
		t.Fatal(err)
	}
	srv := netip.MustParseAddrPort("10.2.0.1:5000")
	return w, func(i int) *synth.Conn {
		return w.TCPConn(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(40000+i)), srv, 1000, 5000)
	}
}

// readCapture returns a feed that analyzes data as one capture file, with
// at most maxOpen open connections.
func readCapture(t *testing.T, name string, data []byte, maxOpen int) func(a *Analyzer) {
	return func(a *Analyzer) {
		a.tracker.MaxOpen = maxOpen
		fr, err := pcapfile.NewFileReader(bytes.NewReader(data))
		if err == nil {
			err = a.AnalyzeReader(context.Background(), name, fr)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// silentSMCRCapture writes a capture (synthetic) of n established
// first-contact SMC-Rv2 connections that never close, 330 ms apart, and no
// RoCE frame: with MaxOpen 16 they are finished early, each silent for
// about 5 s then, on either side of the link-unverified threshold.
func silentSMCRCapture(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, conn := batchWriter(t, &buf)
	for i := range n {
		c := conn(i)
		if err := errors.Join(c.Handshake(true, true), synth.SMCREstablished(c, w, 2), c.ACK(false)); err != nil {
			t.Fatal(err)
		}
		w.Advance(330 * time.Millisecond)
	}
	return buf.Bytes()
}

// TestJudgeBatchCallbackOrder: a connection judged in a batch still
// reaches OnListed before the CaptureStats call of an interface
// statistics block read after it finished, as when judged at once
// (synthetic pcapng: closed SMC-Rv2 connections, a block after every
// eighth).
func TestJudgeBatchCallbackOrder(t *testing.T) {
	var raw bytes.Buffer
	w, conn := batchWriter(t, &raw)
	var ends []int // the frame count after each connection
	for i := range 80 {
		c := conn(i)
		if err := errors.Join(c.Handshake(true, true), synth.SMCREstablished(c, w, 2), c.FIN(true), c.FIN(false), c.ACK(true)); err != nil {
			t.Fatal(err)
		}
		w.Advance(time.Second)
		ends = append(ends, w.Frames())
	}
	fr, err := pcapfile.NewFileReader(bytes.NewReader(raw.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var ng bytes.Buffer
	nw, err := pcapgo.NewNgWriterInterface(&ng, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: 262144, TimestampResolution: 9}, pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for n, next := 0, 0; ; {
		p, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := nw.WritePacket(gopacket.CaptureInfo{Timestamp: p.Info.Timestamp, CaptureLength: len(p.Data), Length: p.Info.Length}, p.Data); err != nil {
			t.Fatal(err)
		}
		n++
		if next < len(ends) && n == ends[next] {
			if next%8 == 7 {
				if err := nw.WriteInterfaceStats(0, pcapgo.NgInterfaceStatistics{LastUpdate: p.Info.Timestamp, PacketsReceived: uint64(n)}); err != nil {
					t.Fatal(err)
				}
			}
			next++
		}
	}
	if err := nw.Flush(); err != nil {
		t.Fatal(err)
	}
	run := func(batch int) string {
		defer func(n int) { judgeBatch = n }(judgeBatch)
		judgeBatch = batch
		var log strings.Builder
		cfg := Config{Threads: 1}
		cfg.OnListed = func(c *smcflow.Conn) { fmt.Fprintf(&log, "listed %d\n", c.ID) }
		cfg.CaptureStats = func(_ int, st pcapfile.InterfaceStats) {
			fmt.Fprintf(&log, "stats %s\n", st.Time.Format(time.TimeOnly))
		}
		a := NewAnalyzer(cfg)
		a.tracker.MaxOpen = 16
		fr, err := pcapfile.NewFileReader(bytes.NewReader(ng.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.AnalyzeReader(context.Background(), "ng", fr); err != nil {
			t.Fatal(err)
		}
		a.Finish()
		return log.String()
	}
	want := run(1)
	if strings.Count(want, "stats") < 5 || strings.Count(want, "listed") < 50 {
		t.Fatalf("the capture has too few blocks or connections:\n%s", want)
	}
	if got := run(judgeBatch); got != want {
		t.Errorf("OnListed and CaptureStats calls in another order than judging at once (sequential: at once, parallel: in batches):\n%s", firstDiff(want, got))
	}
}
