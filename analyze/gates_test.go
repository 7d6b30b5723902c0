package analyze

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// silentSMCR builds a capture (synthetic) of n SMC-Rv2 first-contact
// connections that stay silent after the Confirm, with no RoCE frame and
// no Decline or FIN, followed by 10 s of capture: n link-unverified
// connections.
func silentSMCR(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcapng(&buf, synth.Ethernet, "eth0", time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	srv := netip.MustParseAddrPort("10.1.1.20:5000")
	for i := range n {
		cli := netip.AddrPortFrom(netip.MustParseAddr("10.1.1.10"), uint16(40000+i))
		c := w.TCPConn(cli, srv, uint32(1000+i*100000), 5000)
		if err := c.Handshake(true, true); err != nil {
			t.Fatal(err)
		}
		if err := synth.SMCREstablished(c, w, 2); err != nil {
			t.Fatal(err)
		}
		w.Advance(10 * time.Millisecond)
	}
	w.Advance(10 * time.Second)
	if err := w.UDP(netip.MustParseAddrPort("10.1.1.30:9"), netip.MustParseAddrPort("10.1.1.31:9"), []byte("end")); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCheckCountsEveryConnection: the --fail-on gates count every
// connection, also those beyond --keep (MaxConnections) that the report
// does not list; "unverified" used to be counted from the listed ones only.
// With detail 1, the connections beyond --keep are compact ones whose
// records nobody uses: the tracker numbers and counts them without
// building a record (SkipUnlisted), and must still count them and judge
// their links.
func TestCheckCountsEveryConnection(t *testing.T) {
	const n = 7
	data := silentSMCR(t, n)
	gates, err := report.ParseGates([]string{"unverified,fallback"})
	if err != nil {
		t.Fatal(err)
	}
	for _, detail := range []int{0, 1} {
		for _, keep := range []int{-1, 1, 3, n} {
			checkCounts(t, data, gates, n, keep, detail)
		}
	}
}

// checkCounts analyzes data with --keep keep and the tracker's detail bound
// detail, and checks the listed and counted connections and the gate.
func checkCounts(t *testing.T, data []byte, gates report.Gates, n, keep, detail int) {
	t.Helper()
	fr, err := pcapfile.NewFileReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(Config{MaxConnections: keep, NoUDP: true})
	a.tracker.Detail = detail
	if err := a.AnalyzeReader(t.Context(), "silent.pcapng", fr); err != nil {
		t.Fatal(err)
	}
	rep := a.Finish()
	listed := len(rep.Connections) + rep.Rows.Len()
	if keep > 0 && listed != min(keep, n) || listed+rep.Summary.NotListed != n {
		t.Fatalf("detail %d keep %d: %d listed, %d not listed, want %d in all", detail, keep, listed, rep.Summary.NotListed, n)
	}
	if skipped := a.tracker.Counts().Skipped; detail == 1 && keep > 0 && keep < n && skipped != n-keep-1 {
		t.Errorf("detail %d keep %d: %d connections numbered without a record, want %d (the first beyond --keep is given to the analyzer, which then stops them)", detail, keep, skipped, n-keep-1)
	}
	for _, c := range rep.Connections {
		if c.Reason != smcflow.ReasonLinkUnverified {
			t.Fatalf("detail %d keep %d: connection %d is %s/%s, want smc/%s", detail, keep, c.ID, c.Outcome, c.Reason, smcflow.ReasonLinkUnverified)
		}
	}
	if got, want := rep.Check(gates), "--fail-on: 7 unverified"; !strings.HasPrefix(got, want) {
		t.Errorf("detail %d keep %d: Check = %q, want prefix %q", detail, keep, got, want)
	}
}
