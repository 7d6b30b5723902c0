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
	tr.ICMPError(a, b, 7, 0, 0, from, "port unreachable", t0.Add(time.Millisecond), 3)
	tr.ICMPError(a, b, 7, 0, 0, from, "port unreachable", t0.Add(2*time.Millisecond), 5)
	tr.ICMPError(a, b, 8, 0, 0, from, "port unreachable", t0, 7)  // another VLAN
	tr.ICMPError(a, c, 7, 1, 0, from, "port unreachable", t0, 9)  // another interface
	tr.ICMPError(b, a, 7, 0, 0, from, "port unreachable", t0, 11) // no such stream
	r := tr.Report()
	if len(r.Streams) != 2 {
		t.Fatalf("%d streams", len(r.Streams))
	}
	for _, s := range r.Streams {
		e := s.ICMPErrors
		if s.Dst != b.String() {
			if e != nil {
				t.Fatalf("stream to %s has ICMP errors %+v", s.Dst, e)
			}
			continue
		}
		if e == nil || e.Count != 2 || e.Kind != "port unreachable" || e.From != "10.0.0.2" || e.FirstFrame != 3 ||
			!e.First.Equal(t0.Add(time.Millisecond)) || e.Meaning == "" {
			t.Fatalf("stream to %s: ICMP errors %+v", s.Dst, e)
		}
	}
	for _, k := range []string{"port unreachable", "time exceeded", "need to frag", "packet too big", "admin prohibited", "reassembly time exceeded", "net unreachable"} {
		if icmpMeaning(k) == "" {
			t.Errorf("no meaning for %q", k)
		}
	}
}
