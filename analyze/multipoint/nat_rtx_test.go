package multipoint

import (
	"bytes"
	"testing"
	"time"
)

// TestNATRetransmissionPaired (synthetic, found by review): a TCP
// connection through a NAT between a and b, one segment sent twice
// (spurious retransmission: both copies arrive): the payload occurs twice
// on both sides, and both copies are paired by payload in order, not
// left "lost".
func TestNATRetransmissionPaired(t *testing.T) {
	ms := time.Millisecond
	var a, b []sframe
	for i := 0; i < 5; i++ {
		p := bytes.Repeat([]byte{byte('a' + i)}, 100)
		at := time.Duration(10*i) * ms
		a = append(a, sframe{at, tcp4(hdr{"10.0.0.8", "10.0.1.8", 3333, 80, 64, uint16(10 + i)}, uint32(1+100*i), 1, 0x18, nil, p)})
		b = append(b, sframe{at + ms, tcp4(hdr{"192.0.2.1", "10.0.1.8", 5555, 80, 63, uint16(10 + i)}, uint32(7001+100*i), 1, 0x18, nil, p)})
		if i == 2 { // sent again 5 ms later; both copies go through
			a = append(a, sframe{at + 5*ms, tcp4(hdr{"10.0.0.8", "10.0.1.8", 3333, 80, 64, 99}, uint32(1+100*i), 1, 0x18, nil, p)})
			b = append(b, sframe{at + 6*ms, tcp4(hdr{"192.0.2.1", "10.0.1.8", 5555, 80, 63, 99}, uint32(7001+100*i), 1, 0x18, nil, p)})
		}
	}
	rep := runTwo(t, a, b)
	h := rep.Hops[0]
	t.Logf("matched by payload %d, forward lost %d", h.MatchedByPayload, h.Forward.Lost)
	var tx bytes.Buffer
	_ = rep.WriteText(&tx)
	t.Log(tx.String())
	if h.Forward.Lost != 0 || h.MatchedByPayload != 6 {
		t.Errorf("a retransmitted segment through the NAT counted lost %d times (nothing was lost)", h.Forward.Lost)
	}
}
