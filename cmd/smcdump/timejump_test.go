package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/synth"
)

// A capture (synthetic, analyze/synth) whose Proposal is still unanswered
// when it ends, with one keep-alive of another flow stamped a year ahead:
// analyze takes that frame at the time of the frame before it
// (docs/capture.md §3.3.2), so the handshake stays "capture ended" instead
// of a CLC timeout and --fail-on error does not fire; the note names the
// frame in the text and the JSON and, like every note, leaves the exit
// status alone. read -r shows the time stamp as stored.
func TestAnalyzeTimeJumpNote(t *testing.T) {
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, synth.Ethernet, synth.Start, true)
	if err != nil {
		t.Fatal(err)
	}
	c := w.TCPConn(netip.MustParseAddrPort("10.1.1.10:40001"), netip.MustParseAddrPort("10.1.1.20:5000"), 1000, 5000)
	if err := c.Handshake(true, true); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(true, synth.ProposalV2R()); err != nil {
		t.Fatal(err)
	}
	src, dst := netip.MustParseAddrPort("10.9.9.1:7000"), netip.MustParseAddrPort("10.9.9.2:7001")
	for _, d := range []time.Duration{100 * time.Millisecond, 365 * 24 * time.Hour, 200 * time.Millisecond, 300 * time.Millisecond} {
		now := w.Now
		w.Now = now.Add(d)
		if err := w.UDP(src, dst, []byte("keep-alive")); err != nil {
			t.Fatal(err)
		}
		w.Now = now
	}
	path := filepath.Join(t.TempDir(), "timejump-synthetic.pcap")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	const note = "frame 6: timestamp 2027-11-22 07:00:00.000150 is 365 days ahead of the frames around it; analyzed at 2026-11-22 07:00:00.100150"

	out, stderr, code := run(t, "analyze", "--fail-on", "error", path)
	if code != codeOK || stderr != "" {
		t.Fatalf("analyze: exit %d, want %d: %s", code, codeOK, stderr)
	}
	if !strings.Contains(out, "  file note at offset 584: "+note+"\n") || !strings.Contains(out, "capture-ended") {
		t.Errorf("analyze:\n%s", out)
	}

	js, _, code := run(t, "analyze", "--json", path)
	if code != codeOK {
		t.Fatalf("analyze --json: exit %d", code)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0]
	if len(f.Notes) != 1 || f.Notes[0].Msg != note || f.Notes[0].Offset != 584 || f.NoteCount != 1 || f.DamagedRegions != 0 || rep.Summary.DamagedRegions != 0 {
		t.Errorf("analyze --json: file %+v", f)
	}
	if len(rep.Connections) != 1 || rep.Connections[0].Reason != "capture-ended" {
		t.Errorf("analyze --json: connections %+v", rep.Connections)
	}

	rd, stderr, code := run(t, "read", "-r", path, "-tttt")
	if code != codeOK || stderr != "" || !strings.Contains(rd, "2027-11-22 07:00:00.000150 IP 10.9.9.1.7000 > 10.9.9.2.7001: UDP") {
		t.Errorf("read -r: exit %d %s\n%s", code, stderr, rd)
	}
}
