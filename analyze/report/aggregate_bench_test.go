package report

import (
	"net/netip"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

// BenchmarkAggregateAdd adds finished SMC-Rv2 connections the way the
// million-handshake stress input brings them (bench/gen -kind hs-closed):
// 4,096 clients in turn to one server, so the peer-pair rollup holds more
// pairs than MaxRollups and compacts as it goes. Synthetic connections.
func BenchmarkAggregateAdd(b *testing.B) {
	const pairs = 4096
	yes := true
	t0 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	conns := make([]smcflow.Conn, pairs)
	for i := range conns {
		t1, t2, t3 := t0.Add(time.Millisecond), t0.Add(2*time.Millisecond), t0.Add(3*time.Millisecond)
		conns[i] = smcflow.Conn{
			ID:      i,
			Client:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(40000+i%1000)),
			Server:  netip.MustParseAddrPort("10.2.0.1:5001"),
			Outcome: smcflow.OutcomeSMC, SYNOption: &yes, SYNACKOption: &yes,
			SMC:   &smcflow.SMCInfo{Type: "SMC-R", Version: 2, Variant: "SMC-Rv2"},
			Times: smcflow.Times{First: t0, SYNACK: &t1, Proposal: &t1, Accept: &t2, Confirm: &t3},
		}
	}
	g := NewAggregate()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		g.Add(&conns[i%pairs])
	}
}
