package smcflow

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// withDirect runs f with directCLC set to on and restores it.
func withDirect(on bool, f func()) {
	old := directCLC
	directCLC = on
	defer func() { directCLC = old }()
	f()
}

// sameBothWays runs feed twice, decoding in-order segments where they lie
// and decoding everything from the reassembly buffer, and fails when the
// verdicts differ in any field.
func sameBothWays(t *testing.T, name string, feed func() []*Conn) {
	t.Helper()
	var direct, copied []*Conn
	withDirect(true, func() { direct = feed() })
	withDirect(false, func() { copied = feed() })
	if !reflect.DeepEqual(direct, copied) {
		t.Fatalf("%s: verdicts differ\ndirect: %s\ncopied: %s", name, connsText(direct), connsText(copied))
	}
}

func connsText(cs []*Conn) string {
	var b bytes.Buffer
	for _, c := range cs {
		fmt.Fprintf(&b, "%+v\n", *c)
	}
	return b.String()
}

// TestDirectCLCSameVerdicts: reading the CLC messages of in-order segments
// where they lie gives the verdicts copying them into the reassembly
// buffer gave, on every synthetic scenario (snaplen cuts, reordering,
// retransmissions, split messages) and every real-kernel lab trace.
func TestDirectCLCSameVerdicts(t *testing.T) {
	for _, s := range synth.Scenarios() {
		b := scenarioCapture(t, s)
		sameBothWays(t, s.Name, func() []*Conn { return track(t, b) })
	}
	labs := fuzzseed.Glob("../../testdata/lab/out/*/*.pcapng")
	if len(labs) == 0 {
		t.Log("no lab traces (testdata/lab/out): synthetic scenarios only")
	}
	for _, p := range labs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sameBothWays(t, p, func() []*Conn { return track(t, b) })
	}
}

// FuzzDirectCLC: arbitrary bytes in both directions, cut into segments of
// a fuzzed size, some sent again, some overlapping, some out of order and
// some cut by a snaplen (ops picks per segment), give the same verdict
// whether in-order segments are decoded where they lie or copied first.
func FuzzDirectCLC(f *testing.F) {
	prop, acc, conf := clcHandshake(f, 1)
	f.Add(prop, append(acc, 'x'), uint8(200), []byte{0, 0, 0})
	f.Add(append(prop, conf...), acc, uint8(120), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(append(prop[:30:30], prop[30:]...), append(acc, conf...), uint8(7), []byte{9, 0, 17, 2, 0, 35})
	f.Add(append(prop, 'G', 'E', 'T'), synth.ProposalV2D(), uint8(64), []byte{0, 4, 0, 12})
	// Real bytes: the CLC streams of the lab traces that FuzzTrackerCLC's
	// checked-in corpus holds (analyze's TestWriteFuzzSeeds writes them),
	// in whole and in split segments.
	for _, p := range fuzzseed.Glob("../testdata/fuzz/FuzzTrackerCLC/*") {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		vals, err := fuzzseed.DecodeEntry(b)
		if err != nil || len(vals) != 3 {
			continue
		}
		c2s, ok1 := vals[0].([]byte)
		s2c, ok2 := vals[1].([]byte)
		if !ok1 || !ok2 {
			continue
		}
		f.Add(c2s, s2c, uint8(254), []byte{0})
		f.Add(c2s, s2c, uint8(60), []byte{0, 2, 0, 8, 1, 4, 16})
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mss uint8, ops []byte) {
		if len(c2s)+len(s2c) > 1<<16 {
			return
		}
		sameBothWays(t, "fuzz", func() []*Conn { return feedOps(c2s, s2c, int(mss)%255+1, ops) })
	})
}

// feedOps drives one SMC connection through segments of at most step
// bytes of c2s and s2c, alternating directions. Each segment's op byte
// (ops, cycled): bit 0 sends the previous segment of the direction again,
// bit 1 holds the segment back and sends it after the next one, bit 2
// sends it starting 3 bytes early (an overlap), bit 3 cuts its last byte
// off by the snaplen, bit 4 sends it twice.
func feedOps(c2s, s2c []byte, step int, ops []byte) []*Conn {
	tr := NewTracker()
	cli := netip.MustParseAddrPort("10.0.0.1:1000")
	srv := netip.MustParseAddrPort("10.0.0.2:80")
	ts := time.Unix(1, 0).UTC()
	frameNo := 0
	send := func(fromC bool, flags uint8, seq uint32, p []byte, wire int, o []byte) {
		fr := decode.Frame{IPVer: 4, Proto: decode.ProtoTCP, Flags: flags, Seq: seq, TCPOpts: o, Payload: p, PayloadLen: wire}
		if fromC {
			fr.Src, fr.SrcPort, fr.Dst, fr.DstPort = cli.Addr(), cli.Port(), srv.Addr(), srv.Port()
		} else {
			fr.Src, fr.SrcPort, fr.Dst, fr.DstPort = srv.Addr(), srv.Port(), cli.Addr(), cli.Port()
		}
		ts = ts.Add(time.Millisecond)
		frameNo++
		tr.Advance(ts)
		tr.HandleTCP(&fr, frameNo, ts)
	}
	send(true, decode.TCPSYN, 1000, nil, 0, smcOptBytes)
	send(false, decode.TCPSYN|decode.TCPACK, 5000, nil, 0, smcOptBytes)
	type held struct {
		ok    bool
		seq   uint32
		p     []byte
		wire  int
		fromC bool
	}
	data := [2][]byte{c2s, s2c}
	base := [2]uint32{1001, 5001}
	pos := [2]int{}
	prev := [2][2]int{}
	var hold [2]held
	k := 0
	for pos[0] < len(data[0]) || pos[1] < len(data[1]) {
		for d := 0; d < 2; d++ {
			if pos[d] >= len(data[d]) {
				continue
			}
			op := byte(0)
			if len(ops) > 0 {
				op = ops[k%len(ops)]
			}
			k++
			start := pos[d]
			n := min(step, len(data[d])-start)
			pos[d] += n
			if op&4 != 0 && start >= 3 {
				start -= 3
			}
			p := data[d][start:pos[d]]
			wire := len(p)
			if op&8 != 0 && len(p) > 0 {
				p = p[:len(p)-1]
			}
			seq := base[d] + uint32(start)
			fromC := d == 0
			if op&1 != 0 && prev[d][1] > prev[d][0] {
				q := data[d][prev[d][0]:prev[d][1]]
				send(fromC, decode.TCPACK, base[d]+uint32(prev[d][0]), q, len(q), nil)
			}
			prev[d] = [2]int{start, pos[d]}
			if op&2 != 0 && !hold[d].ok {
				hold[d] = held{ok: true, seq: seq, p: p, wire: wire, fromC: fromC}
				continue
			}
			send(fromC, decode.TCPACK, seq, p, wire, nil)
			if op&16 != 0 {
				send(fromC, decode.TCPACK, seq, p, wire, nil)
			}
			if hold[d].ok {
				h := hold[d]
				hold[d] = held{}
				send(h.fromC, decode.TCPACK, h.seq, h.p, h.wire, nil)
			}
		}
	}
	for d := range hold {
		if h := hold[d]; h.ok {
			send(h.fromC, decode.TCPACK, h.seq, h.p, h.wire, nil)
		}
	}
	send(true, decode.TCPFIN|decode.TCPACK, base[0]+uint32(len(c2s)), nil, 0, nil)
	send(false, decode.TCPFIN|decode.TCPACK, base[1]+uint32(len(s2c)), nil, 0, nil)
	return tr.Finish()
}
