package mcast

import (
	"net/netip"
	"testing"
	"time"
)

// TestICMPErrors: an ICMP error about a stream's datagram is counted for
// that stream (addresses and ports as quoted, VLAN, interface and zone as
// captured); one about a datagram of no tracked stream changes nothing.
func TestICMPErrors(t *testing.T) {
	tr := NewTracker(Config{})
	t0 := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	a := netip.MustParseAddrPort("10.0.0.1:40000")
	b := netip.MustParseAddrPort("10.0.0.2:5555")
	c := netip.MustParseAddrPort("10.0.0.3:5555")
	for i := range 10 {
		for _, dst := range []netip.AddrPort{b, c} {
			tr.Add(&Datagram{Frame: i + 1, Time: t0.Add(time.Duration(i) * time.Millisecond), Src: a, Dst: dst, VLAN: 7, Payload: []byte("x"), Length: 1})
		}
	}
	from := netip.MustParseAddr("10.0.0.2")
	tr.ICMPError(a, b, 7, 0, 0, 0, from, "port unreachable", t0.Add(time.Millisecond), 3)
	tr.ICMPError(a, b, 7, 0, 0, 0, netip.MustParseAddr("10.0.0.254"), "need to frag", t0.Add(time.Millisecond), 4)
	tr.ICMPError(a, b, 7, 0, 0, 0, from, "port unreachable", t0.Add(2*time.Millisecond), 5)
	tr.ICMPError(a, b, 8, 0, 0, 0, from, "port unreachable", t0, 7)  // another VLAN
	tr.ICMPError(a, c, 7, 1, 0, 0, from, "port unreachable", t0, 9)  // another interface
	tr.ICMPError(b, a, 7, 0, 0, 0, from, "port unreachable", t0, 11) // no such stream
	r := tr.Report()
	if len(r.Streams) != 2 {
		t.Fatalf("%d streams", len(r.Streams))
	}
	for _, s := range r.Streams {
		if s.Dst != b.String() {
			if s.ICMPErrors != nil {
				t.Fatalf("stream to %s has ICMP errors %+v", s.Dst, s.ICMPErrors)
			}
			continue
		}
		// by kind and sender, in the order first seen
		if len(s.ICMPErrors) != 2 {
			t.Fatalf("stream to %s: ICMP errors %+v", s.Dst, s.ICMPErrors)
		}
		e, f := s.ICMPErrors[0], s.ICMPErrors[1]
		if e.Count != 2 || e.Kind != "port unreachable" || e.Sender != "10.0.0.2" || e.FirstFrame != 3 ||
			!e.First.Equal(t0.Add(time.Millisecond)) || e.Meaning == "" {
			t.Fatalf("stream to %s: first ICMP errors %+v", s.Dst, e)
		}
		if f.Count != 1 || f.Kind != "need to frag" || f.Sender != "10.0.0.254" || f.FirstFrame != 4 {
			t.Fatalf("stream to %s: second ICMP errors %+v", s.Dst, f)
		}
	}
	// More kinds and senders than a stream keeps: counted in a note.
	for i := range maxICMPKinds + 3 {
		tr.ICMPError(a, c, 7, 0, 0, 0, netip.AddrFrom4([4]byte{10, 0, 1, byte(i)}), "host unreachable", t0, 20+i)
	}
	for _, s := range tr.Report().Streams {
		if s.Dst == c.String() && (len(s.ICMPErrors) != maxICMPKinds || len(s.Notes) == 0) {
			t.Fatalf("stream to %s: %d kinds listed, notes %v", s.Dst, len(s.ICMPErrors), s.Notes)
		}
		// Every error counts in ICMPDiscards, listed or not.
		if want := map[string]uint64{b.String(): 3, c.String(): maxICMPKinds + 3}[s.Dst]; s.ICMPDiscards != want {
			t.Errorf("stream to %s: %d ICMP discards, want %d", s.Dst, s.ICMPDiscards, want)
		}
	}
	// traceroute's probes: listed, not counted as discards (time exceeded
	// on the way, port unreachable from the destination)
	tp := netip.MustParseAddrPort("10.0.0.9:33435")
	tr.Add(&Datagram{Frame: 40, Time: t0, Src: a, Dst: tp, Payload: []byte("x"), Length: 1})
	tr.ICMPError(a, tp, 0, 0, 0, 0, netip.MustParseAddr("10.0.0.254"), "time exceeded", t0, 41)
	tr.ICMPError(a, tp, 0, 0, 0, 0, tp.Addr(), "port unreachable", t0, 42)
	for _, s := range tr.Report().Streams {
		var n uint64
		for _, e := range s.ICMPErrors {
			n += e.Count
		}
		if s.Dst == tp.String() && (n != 2 || s.ICMPDiscards != 0) {
			t.Errorf("traceroute: %d ICMP errors, %d discards; want 2 and 0", n, s.ICMPDiscards)
		}
	}
	if m := icmpMeaning("time exceeded", 33434); m == icmpMeaning("time exceeded", 5000) {
		t.Errorf("traceroute probes get the advice for a feed: %q", m)
	}
	for _, k := range []string{"port unreachable", "time exceeded", "need to frag", "packet too big", "admin prohibited", "reassembly time exceeded", "net unreachable"} {
		if icmpMeaning(k, 5000) == "" {
			t.Errorf("no meaning for %q", k)
		}
	}
}

// TestICMPErrorOtherInterface: captured on "any" (SLL2), a stream's copies
// are streams of their own per interface index, and the ICMP error about
// a datagram arrives on yet another interface (the uplink): it counts on
// the first copy, once; after that copy is finished, on the next one.
func TestICMPErrorOtherInterface(t *testing.T) {
	tr := NewTracker(Config{})
	t0 := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	a := netip.MustParseAddrPort("10.0.0.1:40000")
	g := netip.MustParseAddrPort("239.1.1.1:5555")
	for i := range 10 {
		for _, lif := range []uint32{4, 5} {
			tr.Add(&Datagram{Frame: 2*i + int(lif), Time: t0.Add(time.Duration(i) * time.Millisecond), Src: a, Dst: g, LinkIf: lif, Payload: []byte("x"), Length: 1})
		}
	}
	tr.ICMPError(a, g, 0, 0, 2, 0, netip.MustParseAddr("10.0.0.254"), "time exceeded", t0, 30)
	tr.ICMPError(a, g, 0, 0, 5, 0, netip.MustParseAddr("10.0.0.253"), "time exceeded", t0, 31)
	var got []uint64
	for _, s := range tr.Report().Streams {
		got = append(got, s.ICMPDiscards)
	}
	if len(got) != 2 || got[0]+got[1] != 2 || got[0] != 1 {
		t.Errorf("ICMP discards per copy %v, want [1 1] (one on the uplink's behalf, one on its own interface)", got)
	}
	// the first copy stops (idle), the second goes on: it takes the
	// errors from the uplink
	for i := range 5 {
		tr.Add(&Datagram{Frame: 40 + i, Time: t0.Add(time.Minute + time.Duration(i)*time.Millisecond), Src: a, Dst: g, LinkIf: 5, Payload: []byte("x"), Length: 1})
	}
	tr.Expire(t0.Add(time.Minute-time.Second), nil)
	tr.ICMPError(a, g, 0, 0, 2, 0, netip.MustParseAddr("10.0.0.254"), "time exceeded", t0.Add(time.Minute), 50)
	got = got[:0]
	for _, s := range tr.Report().Streams {
		got = append(got, s.ICMPDiscards)
	}
	if len(got) != 1 || got[0] != 2 {
		t.Errorf("after the first copy stopped: ICMP discards %v, want [2] on the copy still tracked", got)
	}
	tr.Expire(t0.Add(time.Hour), nil)
	tr.ICMPError(a, g, 0, 0, 2, 0, netip.MustParseAddr("10.0.0.254"), "time exceeded", t0, 32)
	if len(tr.anyLif) != 0 {
		t.Errorf("anyLif keeps %d finished streams", len(tr.anyLif))
	}
}
