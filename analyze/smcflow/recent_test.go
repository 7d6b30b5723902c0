package smcflow

import (
	"net/netip"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
)

// TestRecentSlotsKeepConnectionsApart: segments of interleaved
// connections, some sharing a Tracker.recent slot (the same 4-tuple in a
// tunnel zone, the addresses swapped, another client port with the same
// low bits), are each counted to their own connection, in two rounds that
// reuse every 4-tuple; the cache only ever holds open connections, and a
// finished connection's trailing segment is not counted (synthetic
// segments).
func TestRecentSlotsKeepConnectionsApart(t *testing.T) {
	tr := NewTracker()
	tr.All = true
	tr.ZoneLabel = func(uint64) string { return "tunnel" }
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type flow struct {
		cl, sv netip.AddrPort
		zone   uint64
	}
	sv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 1, 1}), 5000)
	var flows []flow
	for i := range 10 { // each in its own slot
		flows = append(flows, flow{netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + i%3)}), uint16(40000+i)), sv, 0})
	}
	flows = append(flows,
		flow{flows[0].cl, flows[0].sv, recentSlots}, // 10: flow 0's 4-tuple in a tunnel, in its slot
		flow{netip.AddrPortFrom(flows[1].sv.Addr(), flows[1].cl.Port()), netip.AddrPortFrom(flows[1].cl.Addr(), flows[1].sv.Port()), 0}, // 11: flow 1's addresses swapped
		flow{netip.AddrPortFrom(flows[0].cl.Addr(), flows[0].cl.Port()+recentSlots), sv, 0},                                             // 12: flow 0's slot
	)
	// Between two flows of a slot come flows of others, so that the
	// previous segment's connection is another slot's.
	order := []int{0, 5, 10, 6, 12, 7, 1, 8, 11, 9, 2, 3, 4}
	seg := func(fl flow, fromClient bool, flags uint8, seq uint32, payload int, at time.Time) {
		f := &decode.Frame{Flags: flags, Seq: seq, Ack: 1, PayloadLen: payload, Zone: fl.zone}
		src, dst := fl.cl, fl.sv
		if !fromClient {
			src, dst = dst, src
		}
		f.Src, f.SrcPort, f.Dst, f.DstPort = src.Addr(), src.Port(), dst.Addr(), dst.Port()
		tr.HandleTCP(f, 0, at)
	}
	at := t0
	tick := func() time.Time { at = at.Add(time.Microsecond); return at }
	cacheOpen := func(when string) {
		t.Helper()
		for i, r := range tr.recent {
			if r != nil && (r.finished || tr.conns.get(r.key, r.h) != r) {
				t.Fatalf("%s: slot %d holds a connection that is not open", when, i)
			}
		}
	}
	for round := range 2 { // the second round reuses every 4-tuple
		for _, i := range order {
			seg(flows[i], true, decode.TCPSYN, 100+uint32(round)*7777, 0, tick())
			seg(flows[i], false, decode.TCPSYN|decode.TCPACK, 500, 0, tick())
		}
		for n := range 50 {
			for _, i := range order {
				// Flow i sends i+1 bytes per segment, both ways.
				seg(flows[i], n%2 == 0, decode.TCPACK, 101+uint32(n/2*(i+1)), i+1, tick())
			}
		}
		for _, i := range order {
			seg(flows[i], true, decode.TCPFIN|decode.TCPACK, 1000, 0, tick())
			seg(flows[i], false, decode.TCPFIN|decode.TCPACK, 1000, 0, tick())
		}
		cacheOpen("after the FINs")
		// The closed connections end after their linger; a late ACK of
		// one is not counted.
		at = at.Add(closeLinger + time.Second)
		tr.sweep(at)
		cacheOpen("after the sweep")
		seg(flows[order[len(order)-1]], true, decode.TCPACK, 1001, 0, tick())
		cacheOpen("after a late ACK")
		at = at.Add(closedLinger)
	}
	done := tr.Finish()
	if len(done) != 2*len(flows) {
		t.Fatalf("%d connections, want %d", len(done), 2*len(flows))
	}
	got := map[string]int{}
	for _, r := range done {
		if r.Packets != 54 {
			t.Errorf("%v → %v (tunnel %q): %d packets, want 54", r.Client, r.Server, r.Tunnel, r.Packets)
		}
		got[r.Client.String()+" "+r.Server.String()+" "+r.Tunnel]++
		want := int64(-1)
		for i, fl := range flows {
			if fl.cl == r.Client && fl.sv == r.Server && (fl.zone != 0) == (r.Tunnel != "") {
				want = int64(50 * (i + 1))
			}
		}
		if r.Bytes != want {
			t.Errorf("%v → %v (tunnel %q): %d bytes, want %d", r.Client, r.Server, r.Tunnel, r.Bytes, want)
		}
	}
	for k, n := range got {
		if n != 2 {
			t.Errorf("%s: %d connections, want 2 (one per round)", k, n)
		}
	}
}

// TestPruneClearsRecent: when Prune drops every open connection, the
// recent-connection cache forgets them too: a later segment of one makes
// a new connection instead of counting to a dropped one.
func TestPruneClearsRecent(t *testing.T) {
	defer func(n int) { pruneOpen = n }(pruneOpen)
	pruneOpen = 4
	tr := NewTracker()
	tr.All = true
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sv := netip.MustParseAddrPort("10.0.1.1:5000")
	seg := func(i int, flags uint8, at time.Time) {
		cl := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 1}), uint16(40000+i))
		f := &decode.Frame{Flags: flags, Seq: 100, Ack: 1, PayloadLen: 10}
		f.Src, f.SrcPort, f.Dst, f.DstPort = cl.Addr(), cl.Port(), sv.Addr(), sv.Port()
		tr.HandleTCP(f, i, at)
	}
	for i := range 6 {
		seg(i, decode.TCPSYN, t0)
	}
	// Each connection in turn: connection 0 comes from the recent cache
	// (the previous segment was another connection's).
	for i := range 6 {
		seg(i, decode.TCPACK, t0.Add(time.Millisecond))
	}
	tr.Prune()
	if tr.conns.len() != 0 {
		t.Fatalf("%d open connections after Prune, want 0", tr.conns.len())
	}
	for i, r := range tr.recent {
		if r != nil {
			t.Fatalf("slot %d still holds a connection after Prune", i)
		}
	}
	seg(5, decode.TCPACK, t0.Add(2*time.Millisecond))
	seg(0, decode.TCPACK, t0.Add(3*time.Millisecond))
	if tr.conns.len() != 2 {
		t.Errorf("%d open connections after two segments of dropped ones, want 2 (new)", tr.conns.len())
	}
}
