package smcflow

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/smcdump/smcdump/analyze/decode"
)

// TestRecycledConnsDoNotAlias: connections finished early (open-connection
// limit) are recycled for the next ones; the records kept of them must not
// share anything with the recycled state (synthetic SYN, SYN-ACK, RST
// handshakes, each with its own times).
func TestRecycledConnsDoNotAlias(t *testing.T) {
	for _, batch := range []int{0, 8} {
		t.Run(fmt.Sprintf("JudgeBatch=%d", batch), func(t *testing.T) { testRecycledConnsDoNotAlias(t, batch) })
	}
}

func testRecycledConnsDoNotAlias(t *testing.T, batch int) {
	tr := NewTracker()
	tr.JudgeBatch = batch
	tr.MaxOpen = 16
	tr.Detail = -1
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	smcOpt := []byte{1, 1, 254, 6, 0xe2, 0xd4, 0xc3, 0xd9}
	const n = 300
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) }
	for i := 0; i < n; i++ {
		k := tupleKey(i)
		seg := func(fromClient bool, flags uint8, off time.Duration) {
			f := &decode.Frame{Flags: flags, Seq: 1000, Ack: 1}
			src, dst := k.a, k.b
			if !fromClient {
				src, dst = dst, src
			}
			f.Src, f.SrcPort, f.Dst, f.DstPort = src.Addr(), src.Port(), dst.Addr(), dst.Port()
			if flags&decode.TCPSYN != 0 {
				f.TCPOpts = smcOpt
			}
			tr.HandleTCP(f, i, at(i).Add(off))
		}
		seg(true, decode.TCPSYN, 0)
		seg(false, decode.TCPSYN|decode.TCPACK, 10*time.Microsecond)
		seg(true, decode.TCPRST|decode.TCPACK, 20*time.Microsecond)
	}
	if len(tr.free) == 0 && tr.evicted == 0 {
		t.Fatal("nothing was finished early: the test does not exercise recycling")
	}
	done := tr.Finish()
	if len(done) != n {
		t.Fatalf("%d connections, want %d", len(done), n)
	}
	seen := map[time.Time]bool{}
	for _, r := range done {
		if r.Times.SYN == nil || r.Times.SYNACK == nil || r.Times.End == nil || r.SYNOption == nil || !*r.SYNOption {
			t.Fatalf("connection %v: times or option missing: %+v", r.Client, r.Times)
		}
		syn := *r.Times.SYN
		if r.Times.SYNACK.Sub(syn) != 10*time.Microsecond || r.Times.End.Sub(syn) != 20*time.Microsecond || !r.Times.First.Equal(syn) {
			t.Errorf("connection %v: SYN %v SYN-ACK %v end %v first %v: times of another connection", r.Client, syn, *r.Times.SYNACK, *r.Times.End, r.Times.First)
		}
		if seen[syn] {
			t.Errorf("two records share the SYN time %v", syn)
		}
		seen[syn] = true
	}
}

// TestOpenConnStateSize: the tracking state of an open connection stays
// within the 1,536-byte allocation size class (docs/architecture.md
// "Memory bounds": 8,192 open connections hold it each; the FIN/RST
// evidence is allocated apart, at the first FIN or RST).
func TestOpenConnStateSize(t *testing.T) {
	n := unsafe.Sizeof(tcpConn{})
	t.Logf("tcpConn is %d bytes", n)
	if n > 1536 {
		t.Errorf("tcpConn is %d bytes, want at most 1536 (the next size class is 1792)", n)
	}
}

// TestRecycledSlimConnsDoNotAlias: the compact records (beyond Detail) of
// recycled connections are copied out of the tracking state too (slim
// detaches what it keeps; synthetic handshakes as above).
func TestRecycledSlimConnsDoNotAlias(t *testing.T) {
	tr := NewTracker()
	tr.MaxOpen = 16
	tr.Detail = 1
	const n = 300
	feedResetHandshakes(tr, n)
	if len(tr.free) == 0 && tr.evicted == 0 {
		t.Fatal("nothing was finished early: the test does not exercise recycling")
	}
	done := tr.Finish()
	if len(done) != n {
		t.Fatalf("%d connections, want %d", len(done), n)
	}
	slims := 0
	for _, r := range done {
		if !r.DetailOmitted {
			continue
		}
		slims++
		if r.Times.End == nil || r.SYNOption == nil || !*r.SYNOption || r.SYNACKOption == nil || !*r.SYNACKOption {
			t.Fatalf("connection %v: end or options missing: %+v", r.Client, r.Times)
		}
		if r.Times.End.Sub(r.Times.First) != 20*time.Microsecond {
			t.Errorf("connection %v: first %v end %v: end of another connection", r.Client, r.Times.First, *r.Times.End)
		}
	}
	if slims < n-1 {
		t.Errorf("%d compact records, want %d", slims, n-1)
	}
}

// TestSlimScratchSameRecords: the compact records OnListed sees when they
// are not kept (NoKeep: one record reused for all) are, during the call,
// the records kept otherwise (synthetic handshakes as above).
func TestSlimScratchSameRecords(t *testing.T) {
	const n = 50
	var seen [2][]string
	for i, noKeep := range []bool{false, true} {
		tr := NewTracker()
		tr.Detail = 1
		tr.NoKeep, tr.ListAll = noKeep, noKeep
		tr.OnListed = func(c *Conn) {
			end, syn := "-", "-"
			if c.Times.End != nil {
				end = c.Times.End.String()
			}
			if c.SYNOption != nil && c.SYNACKOption != nil {
				syn = fmt.Sprint(*c.SYNOption, *c.SYNACKOption)
			}
			seen[i] = append(seen[i], fmt.Sprintf("%d %v %v %s %s %v %s %s", c.ID, c.Client, c.Server, c.Outcome, c.Reason, c.DetailOmitted, end, syn))
		}
		feedResetHandshakes(tr, n)
		tr.Finish()
	}
	if len(seen[0]) != n || !slices.Equal(seen[0], seen[1]) {
		t.Fatalf("kept:\n%s\nnot kept:\n%s", strings.Join(seen[0], "\n"), strings.Join(seen[1], "\n"))
	}
}

// feedResetHandshakes feeds n synthetic SMC handshakes (SYN and SYN-ACK
// with the option, then a RST) of distinct 4-tuples, 1 ms apart.
func feedResetHandshakes(tr *Tracker, n int) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	smcOpt := []byte{1, 1, 254, 6, 0xe2, 0xd4, 0xc3, 0xd9}
	for i := 0; i < n; i++ {
		k := tupleKey(i)
		at := t0.Add(time.Duration(i) * time.Millisecond)
		seg := func(fromClient bool, flags uint8, off time.Duration) {
			f := &decode.Frame{Flags: flags, Seq: 1000, Ack: 1}
			src, dst := k.a, k.b
			if !fromClient {
				src, dst = dst, src
			}
			f.Src, f.SrcPort, f.Dst, f.DstPort = src.Addr(), src.Port(), dst.Addr(), dst.Port()
			if flags&decode.TCPSYN != 0 {
				f.TCPOpts = smcOpt
			}
			tr.HandleTCP(f, i, at.Add(off))
		}
		seg(true, decode.TCPSYN, 0)
		seg(false, decode.TCPSYN|decode.TCPACK, 10*time.Microsecond)
		seg(true, decode.TCPRST|decode.TCPACK, 20*time.Microsecond)
	}
}

// TestClosingQueueReusesItsArray: the closing queue, appended at the back
// and taken from the front, stays in order and in one array (addClosing
// moves it back to the array's start instead of growing a new one).
func TestClosingQueueReusesItsArray(t *testing.T) {
	var tr Tracker
	conns := make([]tcpConn, 4*maxLingering)
	next := 0 // index of the next connection expected at the front
	for i := range 40 * maxLingering {
		tr.addClosing(closingConn{c: &conns[i%len(conns)], gen: uint32(i)})
		for len(tr.closing) > maxLingering {
			e := tr.closing[0]
			if e.gen != uint32(next) {
				t.Fatalf("closing %d: front is %d, want %d", i, e.gen, next)
			}
			next++
			tr.closing[0] = closingConn{}
			tr.closing = tr.closing[1:]
		}
	}
	if c := cap(tr.closingBuf); c > 4*maxLingering {
		t.Errorf("closing array of %d entries for %d lingering", c, maxLingering)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		for range maxLingering {
			tr.addClosing(closingConn{c: &conns[0]})
			tr.closing[0] = closingConn{}
			tr.closing = tr.closing[1:]
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per %d closings", allocs, maxLingering)
	}
}

// TestJudgeBatchReturnsBudget: a finished connection waiting to be judged
// (JudgeBatch) has already given its out-of-order bytes back to the
// tracker's budget, as one judged at once has, and its streams are
// released when it is judged.
func TestJudgeBatchReturnsBudget(t *testing.T) {
	tr := NewTracker()
	tr.JudgeBatch = 8
	k := tupleKey(1)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seg := func(fromClient bool, flags uint8, seq, ack uint32, payload []byte) {
		f := &decode.Frame{Flags: flags, Seq: seq, Ack: ack, Payload: payload, PayloadLen: len(payload)}
		src, dst := k.a, k.b
		if !fromClient {
			src, dst = dst, src
		}
		f.Src, f.SrcPort, f.Dst, f.DstPort = src.Addr(), src.Port(), dst.Addr(), dst.Port()
		if flags&decode.TCPSYN != 0 {
			f.TCPOpts = []byte{1, 1, 254, 6, 0xe2, 0xd4, 0xc3, 0xd9}
		}
		t0 = t0.Add(time.Millisecond)
		tr.HandleTCP(f, 1, t0)
	}
	seg(true, decode.TCPSYN, 1000, 0, nil)
	seg(false, decode.TCPSYN|decode.TCPACK, 5000, 1001, nil)
	seg(true, decode.TCPACK, 1001, 5001, nil)
	seg(true, decode.TCPACK, 1101, 5001, make([]byte, 50)) // after a hole of 100 bytes
	if tr.pending.Bytes != 50 {
		t.Fatalf("%d out-of-order bytes held, want 50", tr.pending.Bytes)
	}
	c := tr.last
	tr.finish(c)
	if len(tr.judging) != 1 || tr.pending.Bytes != 0 || c.released {
		t.Fatalf("finished: %d waiting, %d bytes held, released %v; want 1, 0, false", len(tr.judging), tr.pending.Bytes, c.released)
	}
	tr.Finish()
	if len(tr.judging) != 0 || !c.released || tr.pending.Bytes != 0 {
		t.Fatalf("after Finish: %d waiting, released %v, %d bytes held", len(tr.judging), c.released, tr.pending.Bytes)
	}
}
