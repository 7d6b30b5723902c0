package mcast

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// TestDetectBudgetNotStarved (found by review): many slow streams whose payload is not a counter hold 9..31 datagrams of
// 2 KiB each in detection; the 16 MiB budget is then spent, and a new
// counter stream is decided on its first datagram (format none, loss not measured).
func TestDetectBudgetNotStarved(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tr := NewTracker(Config{})
	t0 := time.Unix(1e9, 0)
	frame := 0
	dst := netip.MustParseAddrPort("239.1.1.1:5000")
	for s := 0; s < 300; s++ {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(s >> 8), byte(s)}), 4000)
		for i := 0; i < 30; i++ {
			p := make([]byte, 2048)
			for j := range p {
				p[j] = byte(r.Uint32())
			}
			frame++
			tr.Add(&Datagram{Frame: frame, Time: t0.Add(time.Duration(frame) * time.Millisecond), Src: src, Dst: dst, Payload: p, Length: len(p)})
		}
	}
	t.Logf("detectB=%d", tr.detectB)
	src := netip.MustParseAddrPort("10.9.9.9:4000")
	for seq := uint32(0); seq < 200; seq++ {
		if seq == 1 || seq%10 == 5 {
			continue // lost
		}
		p := make([]byte, 1400)
		binary.BigEndian.PutUint32(p, seq)
		frame++
		tr.Add(&Datagram{Frame: frame, Time: t0.Add(time.Duration(frame) * time.Millisecond), Src: src, Dst: dst, Payload: p, Length: len(p)})
	}
	rep := tr.Report()
	for _, st := range rep.Streams {
		if st.Src == src.String() {
			t.Logf("counter stream: format %q lost %d", st.Format, st.Lost)
			if st.Lost == 0 {
				t.Fatal("counter stream left unsequenced: detection budget held by inconclusive streams")
			}
		}
	}
}
