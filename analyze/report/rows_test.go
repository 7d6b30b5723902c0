package report

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/internal/textio"
)

func rowCases() []*smcflow.Conn {
	t0 := time.Date(2026, 12, 5, 1, 2, 3, 456789000, time.UTC)
	cl := netip.MustParseAddrPort("10.0.0.1:40000")
	sv := netip.MustParseAddrPort("[2001:db8::2]:445")
	return []*smcflow.Conn{
		{ID: 1001, Client: cl, Server: sv, Outcome: smcflow.OutcomeSMC, SMC: &smcflow.SMCInfo{Variant: "SMC-Rv2", FirstContact: true}, Link: &smcflow.LinkInfo{State: "not-visible"}, Latency: smcflow.Latency{HandshakeMS: ptr(1.23456)}, Times: smcflow.Times{First: t0}},
		{ID: 1002, Client: netip.MustParseAddrPort("[::ffff:10.0.0.1]:1"), Server: cl, Outcome: smcflow.OutcomeFallback, Reason: smcflow.ReasonLateDecline, Decline: &smcflow.DeclineInfo{Code: "0x02010000", Name: "SMC_CLC_DECL_TIMEOUT_CL", By: "client", Late: true, DelayMS: ptr(3001.5)}, Latency: smcflow.Latency{CLCMS: ptr(0.5)}, Times: smcflow.Times{First: t0.Add(time.Second)}},
		{ID: 1003, Client: cl, Server: sv, Outcome: smcflow.OutcomeFallback, Reason: smcflow.ReasonPeerNoSMC, Times: smcflow.Times{First: t0}},
		{ID: 1004, Client: cl, Server: sv, Outcome: smcflow.OutcomeUnknown, Reason: smcflow.ReasonNoSYNACK, Times: smcflow.Times{First: t0}},
		{ID: 1005, Client: netip.MustParseAddrPort("[fe80::1%eth0]:5"), Server: sv, Outcome: smcflow.OutcomeHandshakeError, Reason: smcflow.ReasonNoAccept, Times: smcflow.Times{First: t0}},
		{ID: 1006, Client: cl, Server: sv, Outcome: "odd", Reason: "x", Times: smcflow.Times{First: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
}

// TestRowLineSameAsConnLine: a compact row prints the line its connection
// prints (synthetic connections with each kind of detail column).
func TestRowLineSameAsConnLine(t *testing.T) {
	var rt RowTable
	for _, c := range rowCases() {
		rt.Add(c)
	}
	for i, c := range rowCases() {
		want := string(connLine(nil, c))
		if got := string(rt.line(nil, &rt.Rows[i])); got != want {
			t.Errorf("row %d:\n got %q\nwant %q", i, got, want)
		}
	}
	// The whole table: the same text from rows as from connections.
	cs := rowCases()
	a := &Report{Connections: cs[:2], Rows: &RowTable{}, Summary: Summary{TCPConnections: 6}}
	for _, c := range cs[2:] {
		a.Rows.Add(c)
	}
	b := &Report{Connections: cs, Summary: Summary{TCPConnections: 6}}
	var wa, wb bytes.Buffer
	a.writeConnections(textio.New(&wa), TextOptions{})
	b.writeConnections(textio.New(&wb), TextOptions{})
	if wa.String() != wb.String() {
		t.Errorf("rows:\n%s\nconnections:\n%s", wa.String(), wb.String())
	}
}

// TestRowBytes measures the memory a listed connection beyond the detailed
// ones costs in the text report: a ConnRow in the table's slice.
func TestRowBytes(t *testing.T) {
	if s := unsafe.Sizeof(ConnRow{}); s > 80 {
		t.Errorf("ConnRow is %d bytes, want at most 80", s)
	}
	const n = 100000
	base := rowCases()[0]
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	rt := &RowTable{}
	for i := range n {
		c := *base
		c.ID = 1001 + i
		c.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(i))
		rt.Add(&c)
	}
	after := heap()
	per := float64(after-before) / n
	t.Logf("%.1f bytes per row (%d rows, ConnRow %d bytes)", per, n, unsafe.Sizeof(ConnRow{}))
	if per > 200 { // slice growth doubles: at most ~2× the row
		t.Errorf("%.1f bytes per row, want at most 200", per)
	}
	runtime.KeepAlive(rt)
}

// TestConnLineSameAsFmt: the table line built by appending is the line the
// fmt formula (what writeConnections printed before) gives, for edge
// values: NaN, infinite and negative latencies, invalid and zoned
// addresses, late Declines, times outside the years 0–9999.
func TestConnLineSameAsFmt(t *testing.T) {
	ref := func(c *smcflow.Conn) string {
		hs := "-"
		if c.Latency.HandshakeMS != nil {
			hs = fmt.Sprintf("%.3f ms", *c.Latency.HandshakeMS)
		} else if c.Latency.CLCMS != nil {
			hs = fmt.Sprintf("%.3f ms (CLC)", *c.Latency.CLCMS)
		}
		detail, delay, late := connDetailParts(c)
		if late {
			detail += fmt.Sprintf(" %.3fs after Confirm", delay/1000)
		}
		return fmt.Sprintf("  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Client, c.Server, c.Outcome, detail, hs, c.Times.First.UTC().Format(TimeLayout))
	}
	cases := rowCases()
	for i, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), -1.5, 1e300, 5e-324, 0.0005, 0.0015} {
		base := rowCases()[i%len(rowCases())]
		c, d := *base, *base
		c.Latency = smcflow.Latency{HandshakeMS: ptr(v)}
		d.Latency = smcflow.Latency{CLCMS: ptr(v)}
		d.Decline = &smcflow.DeclineInfo{Code: "0x02010000", Name: "SMC_CLC_DECL_TIMEOUT_CL", By: "server", Late: true, DelayMS: ptr(v)}
		d.Outcome = smcflow.OutcomeFallback
		cases = append(cases, &c, &d)
	}
	for i, a := range []netip.AddrPort{{}, netip.AddrPortFrom(netip.Addr{}, 7), netip.MustParseAddrPort("[fe80::1%25eth0.100]:0"), netip.MustParseAddrPort("[::]:65535"), netip.MustParseAddrPort("255.255.255.255:65535")} {
		c := *rowCases()[0]
		c.Client, c.Server, c.ID = a, a, -i
		c.Times.First = time.Date(10000+i, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))
		cases = append(cases, &c)
	}
	var rt RowTable
	for _, c := range cases {
		rt.Add(c)
	}
	for i, c := range cases {
		want := ref(c)
		if got := string(connLine(nil, c)); got != want {
			t.Errorf("case %d connLine:\n got %q\nwant %q", i, got, want)
		}
		if got := string(rt.line(nil, &rt.Rows[i])); got != want {
			t.Errorf("case %d row:\n got %q\nwant %q", i, got, want)
		}
	}
}
