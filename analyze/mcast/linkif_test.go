package mcast

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// TestLinkIfCopiesLossOnce (found by review): a bond (ifindex 5) and its port (ifindex 2) in a capture on "any": every
// datagram is seen twice; one datagram was lost on the wire.
func TestLinkIfCopiesLossOnce(t *testing.T) {
	tr := NewTracker(Config{})
	src, dst := netip.MustParseAddrPort("10.0.0.1:4000"), netip.MustParseAddrPort("239.1.1.1:5000")
	t0 := time.Unix(1e9, 0)
	f := 0
	for seq := uint32(0); seq < 100; seq++ {
		if seq == 50 {
			continue
		}
		for _, lif := range []uint32{2, 5} {
			p := make([]byte, 64)
			binary.BigEndian.PutUint32(p, seq)
			f++
			tr.Add(&Datagram{Frame: f, Time: t0.Add(time.Duration(seq) * time.Millisecond), Src: src, Dst: dst, LinkIf: lif, Payload: p, Length: 64})
		}
	}
	r := tr.Report()
	t.Logf("streams %d, total lost %d", len(r.Streams), r.TotalLost)
	if r.TotalLost != 1 {
		t.Errorf("one datagram lost on the wire, total_lost %d", r.TotalLost)
	}
}
