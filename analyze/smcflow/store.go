package smcflow

import "time"

// connStore holds, inside the connection's tracking state, the values the
// result record points to (times, options, latencies, the SMC details) and
// the FIN/RST evidence, so that tracking a connection costs one allocation
// for all of them instead of one each. A record that outlives the
// connection (kept in Tracker.done) is detached first: its pointers are
// then copied into their own allocations (detach), so the kept record
// never holds the whole tracking state alive. Records handed to OnDone or
// OnResolved point into the store; those callbacks must not keep them.
type connStore struct {
	t       [numTimes]time.Time
	b       [2]bool
	ms      [2]float64
	smc     SMCInfo
	release int
	direct  bool
	// ends holds the FIN/RST and first-data evidence, allocated at the
	// connection's first FIN, RST or application data and kept when the
	// struct is recycled (alloc): most open connections never need it,
	// and it is 528 of the bytes each of them would otherwise hold
	// (docs/architecture.md "Memory bounds").
	ends *endEvidence
}

// endEvidence is the FIN, RST and first application data evidence of each
// direction.
type endEvidence struct {
	fin, rst, data [2]Evidence
}

// endStore returns c's FIN/RST/first-data evidence storage, allocating it
// once.
func (c *tcpConn) endStore() *endEvidence {
	if c.st.ends == nil {
		c.st.ends = new(endEvidence)
	}
	return c.st.ends
}

const (
	tSYN = iota
	tSYNACK
	tProposal
	tAccept
	tConfirm
	tDecline
	tFirstData
	tEnd
	numTimes
)

// tp stores ts in slot i and returns a pointer to it.
func (c *tcpConn) tp(i int, ts time.Time) *time.Time {
	c.st.t[i] = ts
	return &c.st.t[i]
}

// bp stores v in slot i (0: SYN option, 1: SYN-ACK option).
func (c *tcpConn) bp(i int, v bool) *bool {
	c.st.b[i] = v
	return &c.st.b[i]
}

// msp is msBetween with the result stored in slot i (0: handshake, 1: CLC).
func (c *tcpConn) msp(i int, a, b *time.Time) *float64 {
	if a == nil || b == nil {
		return nil
	}
	c.st.ms[i] = float64(pktSub(*b, *a)) / 1e6
	return &c.st.ms[i]
}

// pktSub is b.Sub(a) for packet timestamps, which carry no monotonic
// clock reading: the difference of their seconds and nanoseconds, with
// time.Time.Sub's overflow handling (it checks every result by adding it
// back, about 130 instructions a call, two calls per SMC connection) only
// where the seconds could overflow a Duration.
func pktSub(b, a time.Time) time.Duration {
	const maxSec = 9_000_000_000 // < (1<<63-1)/1e9 - 1: ds*1e9 ± 1e9 fits
	if ds := b.Unix() - a.Unix(); ds > -maxSec && ds < maxSec {
		return time.Duration(ds)*time.Second + time.Duration(b.Nanosecond()-a.Nanosecond())
	}
	return b.Sub(a)
}

func clonep[T any](p *T) *T {
	if p == nil {
		return nil
	}
	x := *p
	return &x
}

// detach gives every pointer of r that may point into a connStore its own
// copy, so that r can outlive the tracking state.
func detach(r *Conn) {
	tm := &r.Times
	tm.SYN, tm.SYNACK, tm.Proposal, tm.Accept = clonep(tm.SYN), clonep(tm.SYNACK), clonep(tm.Proposal), clonep(tm.Accept)
	tm.Confirm, tm.Decline, tm.FirstData, tm.End = clonep(tm.Confirm), clonep(tm.Decline), clonep(tm.FirstData), clonep(tm.End)
	r.SYNOption, r.SYNACKOption = clonep(r.SYNOption), clonep(r.SYNACKOption)
	r.Latency.HandshakeMS, r.Latency.CLCMS = clonep(r.Latency.HandshakeMS), clonep(r.Latency.CLCMS)
	if r.SMC != nil {
		s := *r.SMC
		s.Release, s.Direct = clonep(s.Release), clonep(s.Direct)
		r.SMC = &s
	}
}
