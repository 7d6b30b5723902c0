package analyze

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

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
// connections together) and returns its reports.
func judged(t *testing.T, cfg Config, batch int, feed func(a *Analyzer)) judgedRun {
	t.Helper()
	defer func(n int) { judgeBatch = n }(judgeBatch)
	judgeBatch = batch
	var listed strings.Builder
	cfg.OnListed = func(c *smcflow.Conn) {
		fmt.Fprintf(&listed, "%d %s %s %s %s %s\n", c.ID, c.Client, c.Server, c.Outcome, c.Reason, c.Summary)
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
	return judgedRun{tb.String(), jb.String(), listed.String()}
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
			want := judged(t, c.cfg, 1, feed)
			for _, batch := range []int{2, 3, judgeBatch} {
				judged(t, c.cfg, batch, feed).diff(t, fmt.Sprintf("%s (%s, batches of %d)", n, c.name, batch), want)
			}
		}
	}
	// Connections waiting to be judged across a RoCE frame (their links
	// are judged from the RoCE frames before it) and across time (their
	// handshakes are judged as of when they finished).
	mixed := judgeBatchCapture(t)
	feed := func(a *Analyzer) {
		a.tracker.MaxOpen = 16
		fr, err := pcapfile.NewFileReader(bytes.NewReader(mixed))
		if err == nil {
			err = a.AnalyzeReader(context.Background(), "mixed", fr)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	want := judged(t, Config{}, 1, feed)
	for _, s := range []string{"link is not visible", "RoCE", "capture continued", "finished early"} {
		if !strings.Contains(want.text+want.listed, s) {
			t.Errorf("mixed capture: no %q in the report: the test misses a case", s)
		}
	}
	for _, batch := range []int{3, judgeBatch} {
		judged(t, Config{}, batch, feed).diff(t, fmt.Sprintf("mixed capture (batches of %d)", batch), want)
	}
	for _, k := range []stressKind{stressSYNFlood, stressClosed, stressOpen} {
		feed := func(a *Analyzer) {
			a.tracker.MaxOpen = 400 // 3,000 connections: finished early, 50 at a time
			stressFrames(t, k, 3000, 50*time.Microsecond, func(p *pcapfile.Packet) { a.Feed(p) })
		}
		cfg := Config{NoUDP: true, MaxConnections: 1500}
		want := judged(t, cfg, 1, feed)
		if !strings.Contains(want.text, "finished early") && k != stressClosed {
			t.Errorf("%s: no connection finished early: the test does not reach the open-connection bound", k)
		}
		for _, batch := range []int{3, judgeBatch, 64} {
			judged(t, cfg, batch, feed).diff(t, fmt.Sprintf("stress %s (batches of %d)", k, batch), want)
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
	w, err := synth.NewPcap(&buf, synth.Ethernet, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), true)
	if err != nil {
		t.Fatal(err)
	}
	srv := netip.MustParseAddrPort("10.2.0.1:5000")
	conn := func(i int) *synth.Conn {
		return w.TCPConn(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(40000+i)), srv, 1000, 5000)
	}
	for i := range 40 {
		c := conn(i)
		err = errors.Join(c.Handshake(true, true), synth.SMCREstablished(c, w, 2), c.ACK(false), c.FIN(true), c.FIN(false), c.ACK(true))
		if err != nil {
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
