package smcflow

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/internal/prefetch"
	"github.com/smcdump/smcdump/internal/selectk"
	"github.com/smcdump/smcdump/smcproto"
)

// CLC wait time (docs/smc-protocol.md 8.5): a peer that has not answered within
// this time has timed out the handshake.
const clcWaitTime = 6 * time.Second

// connKey identifies a TCP connection independent of direction.
type connKey struct {
	a, b netip.AddrPort // a < b
	// zone keeps apart connections with the same addresses inside
	// different tunnels (decode.Frame.Zone; 0 outside tunnels).
	zone uint64
}

// recentSlots is the size of Tracker.recent.
const recentSlots = 64

// recentSlot is the Tracker.recent slot of a connection: by its ports and
// zone, the same in both directions.
func recentSlot(p, q uint16, zone uint64) int {
	return int((p ^ q ^ uint16(zone)) % recentSlots)
}

func makeKey(src, dst netip.AddrPort) (connKey, int) {
	if src.Compare(dst) <= 0 {
		return connKey{a: src, b: dst}, 0
	}
	return connKey{a: dst, b: src}, 1
}

// clcEvent is one CLC message seen on a connection.
type clcEvent struct {
	fromClient bool
	dir        int   // endpoint index that sent it
	seq        int64 // global packet order across files
	frame      int
	t          time.Time
	// msg is the decoded message for the connection's first message of
	// its type (it lives in tcpConn.clc, the only one verdict reads), nil
	// for later ones.
	msg smcproto.Message
	typ smcproto.MsgType
}

// tcpConn is the tracking state of one connection.
type tcpConn struct {
	res Conn
	// judgeAt is the tracker's clock when the connection finished, which
	// its verdict and link are judged against (Tracker.JudgeBatch).
	judgeAt time.Time
	key     connKey
	h       uint64 // keyHash(key)
	// sameHash is the next open connection whose key has the same hash
	// (connTable).
	sameHash *tcpConn
	client   int   // endpoint index (0 = key.a, 1 = key.b) of the client; -1 unknown
	pos      int32 // index in connTable.all while open

	synSeen, synAckSeen bool
	synOpt, synAckOpt   bool
	// synCut, synAckCut: the snaplen cut the SYN's (SYN-ACK's) options
	// before any SMC option: whether it carried one is unknown
	synCut, synAckCut bool
	// dirDone: the direction's CLC handshake is parsed to its end (kept
	// beside the SYN flags, in bytes that were padding: evictClass reads
	// them together)
	dirDone  [2]bool
	isn      [2]uint32
	hs       [2]decode.HalfStream
	consumed [2]int
	// dirFreed: the direction's reassembly buffer was released when it
	// was done; dirWaiting is whether out-of-order segments were waiting
	// then (HalfStream.Waiting, frozen once the direction is done).
	dirFreed, dirWaiting [2]bool
	early                bool    // OnResolved called
	waitingTrunc         [2]bool // parser needs bytes the snaplen cut
	midstream            [2]bool // data seen without a known stream start
	events               []clcEvent
	// clc holds the first CLC message of each type (the events' msg), decoded
	// without allocating; it is kept when the connection is recycled.
	clc           *smcproto.Scratch
	clcSeen       uint8 // bit 1<<type: a message of that type is in clc
	protoErr      string
	protoErrFrame int
	protoErrTime  time.Time
	protoErrDir   int
	firstData     [2]*Evidence
	fin, rst      [2]*Evidence
	ended         bool
	released      bool
	smcAttempt    bool   // option on SYN or any CLC seen
	file          string // capture file of the current packet, when several are analyzed
	closedAt      time.Time
	ackMax        [2]int // highest stream offset of each direction acknowledged by the peer
	sentMax       [2]int // highest stream offset each direction was seen sending (FIN counts one)
	plainSYN      Evidence
	curSeq        int64 // global order of the current packet
	created       int64 // t.seq when the connection was created
	evictedEarly  bool  // finished by the open-connection limit
	evictedClass  uint8 // its evictClass then
	// lean: the connection will not keep its detail (the kept list holds
	// Detail connections already), so its evidence and CLC endpoint
	// fields are not built.
	lean bool
	// unlisted: the SYN carried no SMC option (and was not cut), so the
	// verdict is not-smc whatever follows, and the tracker only counts
	// such connections (Tracker.dropsPlain): nothing reads its evidence,
	// which is not built (a capture of many short plain TCP connections
	// built and threw away several entries for each).
	unlisted bool

	// nonCLC is the first segment of a direction whose stream began with
	// bytes that are not CLC (proven by captured bytes at stream offset 0,
	// never inferred from bytes the snaplen cut).
	nonCLC [2]*Evidence

	st  connStore // what res and fin/rst point to (store.go)
	gen uint32    // incremented each time the struct is recycled (recycle.go)
	// finished: removed from the open table (judged then, or with the
	// next JudgeBatch connections)
	finished bool
}

func (c *tcpConn) ep(i int) netip.AddrPort {
	if i == 0 {
		return c.key.a
	}
	return c.key.b
}

// dirLabel gives "C>S"/"S>C" for a sender endpoint index.
func (c *tcpConn) dirLabel(sender int) string {
	switch {
	case c.client < 0:
		return fmt.Sprintf("%s>", c.ep(sender))
	case sender == c.client:
		return "C>S"
	default:
		return "S>C"
	}
}

func (c *tcpConn) evidence(frame int, t time.Time, sender int, what string) {
	if len(c.res.Evidence) >= 64 || c.lean || c.unlisted {
		return
	}
	c.res.Evidence = append(c.res.Evidence, Evidence{})
	c.res.Evidence[len(c.res.Evidence)-1].set(c.file, frame, t, c.dirLabel(sender), what, c.curSeq)
}

// Tracker follows TCP connections and decodes their SMC handshakes. Feed it
// every decoded frame in capture order; call Finish at the end.
type Tracker struct {
	// pending: the out-of-order bytes all connections' reassembly holds
	// (decode.MaxPendingTotal)
	pending decode.PendingBudget
	conns   connTable
	last    *tcpConn // the connection of the previous segment, if still open
	// recent holds open connections by recentSlot of their ports: a
	// segment of a connection that is not the previous segment's (bulk
	// transfers interleave) is found there without ordering its key
	// (makeKey), hashing it and probing the table. An entry is nil or an
	// open connection: finish clears the connection it finishes.
	recent   [recentSlots]*tcpConn
	done     []*Conn
	lastTime time.Time
	// lastTime's Unix seconds minus zeroUnix, and its nanoseconds
	// (advance).
	lastSec  int64
	lastNsec int
	// JudgeBatch, when above 1, lets up to that many finished connections
	// wait to be judged (verdict, OnDone, OnListed) together, in finishing
	// order. Judging runs a large body of code once per connection (the
	// verdict, the aggregate and its rollups, the record): run between the
	// packets of the next connections, it and their code did not fit in
	// the instruction cache together, and short connections missed it at
	// nearly every line (BENCHMARKS.md). Every result is the same: a
	// waiting connection has already left the tables, its clock is kept
	// (judgeAt) and its out-of-order bytes are given back to the budget;
	// whatever reads what judging produces or changes what it reads
	// (Counts, Finish, the RoCE frames whose links judging assigns,
	// Sweep, Shed, DropFinished, Prune, and JudgeWaiting for a caller
	// that interleaves its own events with OnListed's) judges the waiting
	// connections first. One thing judging produces is read without that:
	// the number of connections listed in detail, which decides whether
	// a new connection collects its evidence (lean); waiting connections
	// can only make a new one collect it where it would not have, and its
	// compact record then drops it as before. A live analysis that wants
	// each verdict as its connection ends leaves it 0.
	JudgeBatch int
	judging    []*tcpConn // finished, not judged yet (JudgeBatch)
	roce       *roceTracker
	// OnCLC, when set, is called for every CLC message as it is completed
	// (used by the per-packet printer). The message is tracker storage,
	// valid only during the call: keep smcproto.Clone(m).
	OnCLC  func(frame int, fromClient bool, m smcproto.Message)
	clcTmp smcproto.Scratch // decodes the CLC messages connections do not keep
	// OnCLCError is called when a CLC message cannot be decoded.
	OnCLCError func(frame int, err error)
	// All keeps connections without any SMC involvement in the results.
	All         bool
	plainCount  int // not-SMC connections not kept (when !All)
	plainBytes  int64
	totalTCP    int
	truncFrames int
	File        string
	tomb        tombstones // recently finished connections (bounded)
	// MaxOpen bounds the open-connection table (0: DefaultMaxOpen,
	// negative: no bound); see evictOpen.
	MaxOpen    int
	evicted    int           // open connections finished early by MaxOpen
	evictedSYN int           // of which unanswered SYNs
	closing    []closingConn // closed, lingering connections in closing order
	closingBuf []closingConn // closing's whole array (addClosing)
	free       []*tcpConn    // finished connections for reuse (recycle.go)
	seq        int64         // TCP packets handled, global order across files
	Keep       int           // connections kept in detail; <0 unlimited, 0 = all (printer)
	// ZoneLabel, when set, names the tunnel of a zone (Conn.Tunnel) for
	// the connections inside tunnels (decode.Frame.Zone).
	ZoneLabel func(zone uint64) string
	// Detail is how many of the kept connections keep their evidence,
	// notes and CLC endpoint details (0: DefaultDetail, negative: all); the
	// others keep a compact record (slim).
	Detail int
	// FullDetail: OnDone and OnResolved get every connection with its full
	// detail (evidence, CLC endpoint fields), also those beyond Detail.
	FullDetail  bool
	dropped     int // finished SMC-related connections not kept
	OnDone      func(*Conn)
	noHandshake int // connections without handshake and without SMC sign
	// linkUnverified counts the finished connections judged
	// link-unverified, listed or not (the --fail-on unverified gate).
	linkUnverified int
	// OnListed, when set, is called with the record of every connection
	// that goes into the connection list, as it is judged (when it
	// finishes, or with JudgeBatch with the waiting ones): its ID is given
	// then (1, 2, … in finishing order, which is deterministic) and its
	// link judged from the RoCE frames seen until it finished. With ListAll,
	// every such connection is listed (numbered and passed to OnListed),
	// also those beyond Keep, which are still not kept; with NoKeep none is
	// kept (Finish returns none). The first Detail listed keep their full
	// detail, the others a compact record (slim). It must not keep a
	// compact record that is not kept (beyond Keep, or NoKeep): that
	// record is reused for the next connection (with ListedLag, for the
	// connection listed ListedLag connections later). A record with its
	// detail is its own (OnListed may keep it).
	OnListed func(*Conn)
	// ListedLag, when positive, lets OnListed keep the compact records it
	// gets and that are not kept until ListedLag more connections have
	// been listed: they rotate through ListedLag records instead of one
	// (for a JSON writer that encodes them in another goroutine,
	// report.JSONWriter.Go). Set it before the first connection is listed.
	ListedLag int
	// slimScratch is the compact record given to OnListed for the
	// connections not kept (slimRing with ListedLag).
	slimScratch slimConn
	slimRing    []slimConn
	linkRing    []LinkInfo
	ringPos     int
	sweepBuf    []*tcpConn    // the open connections, during a sweep
	linkScratch LinkInfo      // the link of a record nobody keeps
	evictBuf    []selectk.Key // the open connections' order, during evictOpen
	evictConns  []*tcpConn    // the open connections, during evictOpen
	ListAll     bool
	NoKeep      bool
	// SkipUnlisted: nobody uses the records OnListed gets in shared
	// storage (compact, not kept: beyond Detail with NoKeep or beyond
	// Keep) any more. Such connections are still numbered and counted
	// (Counts.Skipped), and their link judged when it may be unverified,
	// but no record is built and OnListed is not called: a text report of
	// a million handshakes built and threw away a million records.
	SkipUnlisted bool
	skipped      int // listed connections numbered without a record (SkipUnlisted)
	listed       int // connections listed (the last ID given)
	detailed     int // connections listed since the start or DropFinished (the Detail bound)
	// OnResolved, when set, gets the verdict of a connection as soon as its
	// SMC handshake has resolved (live.go), before the connection ends. It
	// must not keep the Conn.
	OnResolved func(*Conn)
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker {
	return &Tracker{conns: newConnTable(), roce: newRoCETracker()}
}

func (t *Tracker) newConn(k connKey, h uint64, ts time.Time) *tcpConn {
	c := t.alloc()
	c.key, c.h, c.client, c.hs = k, h, -1, [2]decode.HalfStream{decode.NewHalfStream(), decode.NewHalfStream()}
	c.hs[0].Pending, c.hs[1].Pending = &t.pending, &t.pending
	c.file, c.created, c.lean = t.File, t.seq, t.lean()
	c.res.Times.First = ts
	if k.zone != 0 && t.ZoneLabel != nil {
		c.res.Tunnel = t.ZoneLabel(k.zone)
	}
	t.conns.add(c)
	t.last = c
	t.recent[recentSlot(k.a.Port(), k.b.Port(), k.zone)] = c
	t.totalTCP++
	return c
}

// advance moves the tracker's clock (lastTime) to ts when ts is later. It
// compares the seconds and nanoseconds kept beside lastTime, not the two
// times with time.Time.After (which for packet timestamps, without a
// monotonic clock reading, compares the same): the tracker runs it for
// every frame, and the call to After was 3 % of the instructions of bulk
// TCP (TestAdvance).
func (t *Tracker) advance(ts time.Time) {
	if s, ns := ts.Unix()-zeroUnix, ts.Nanosecond(); s > t.lastSec || s == t.lastSec && ns > t.lastNsec {
		t.lastTime, t.lastSec, t.lastNsec = ts, s, ns
	}
}

// zeroUnix is the zero time's Unix seconds (time.Time{}.Unix(), TestAdvance):
// lastSec counts from it, so that the zero Tracker's lastSec and lastNsec
// are lastTime's zero time.
const zeroUnix = -62135596800

// HandleTCP processes one TCP segment.
func (t *Tracker) HandleTCP(f *decode.Frame, frameNo int, ts time.Time) {
	t.advance(ts)
	t.seq++
	if t.seq&0x3fff == 0 {
		t.sweep(ts)
	}
	src, dst := f.SrcAddrPort(), f.DstAddrPort()
	// Frames come in trains of one connection: try the last one first,
	// then the recent one with the same ports, by equality (makeKey's
	// ordering, the hash and the table are only needed on a miss).
	c := t.last
	var k connKey
	var dir int
	var h uint64 // keyHash(k), once needed
	switch {
	case c != nil && c.key.zone == f.Zone && c.key.a == src && c.key.b == dst:
		k, dir = c.key, 0
	case c != nil && c.key.zone == f.Zone && c.key.a == dst && c.key.b == src:
		k, dir = c.key, 1
	default:
		slot := recentSlot(f.SrcPort, f.DstPort, f.Zone)
		switch c = t.recent[slot]; {
		case c != nil && c.key.zone == f.Zone && c.key.a == src && c.key.b == dst:
			k, dir = c.key, 0
		case c != nil && c.key.zone == f.Zone && c.key.a == dst && c.key.b == src:
			k, dir = c.key, 1
		default:
			k, dir = makeKey(src, dst)
			k.zone = f.Zone // 0 outside tunnels
			h = keyHash(k)
			c = t.conns.get(k, h)
			if c != nil {
				t.recent[slot] = c
			}
		}
		if c != nil {
			t.last = c
		}
	}
	syn := f.Flags&decode.TCPSYN != 0
	ack := f.Flags&decode.TCPACK != 0
	if c != nil && syn && !ack {
		// A new SYN on a known 4-tuple: retransmission, or port reuse.
		if !(c.synSeen && c.client == dir && c.isn[dir] == f.Seq) && (c.ended || c.synSeen || len(c.events) > 0 || c.res.Packets > 3) {
			t.finish(c)
			c = nil
		}
	}
	if c == nil {
		if h == 0 {
			h = keyHash(k) // (never 0)
		}
		if !syn {
			if closed, ok := t.tomb.lookupHash(h); ok && ts.Sub(closed) < closedLinger {
				return // trailing ACK/FIN of a connection already finished
			}
		}
		c = t.newConn(k, h, ts)
	}
	c.curSeq = t.seq
	c.file = t.File
	c.res.Packets++
	c.res.Bytes += int64(f.PayloadLen)
	c.res.Times.Last = ts
	if ack && c.hs[1-dir].BaseSet {
		// What the peer acknowledged: bytes that must have been sent, even
		// if the capture missed them.
		if rel := int(int32(f.Ack - c.hs[1-dir].Base())); rel > c.ackMax[1-dir] && rel < 1<<30 {
			c.ackMax[1-dir] = rel
		}
	}
	if f.NVLAN > 0 && c.res.VLAN == 0 {
		c.res.VLAN = f.VLANs[0]
	}

	switch {
	case syn && !ack:
		if !c.synSeen {
			c.synSeen = true
			c.client = dir
			c.isn[dir] = f.Seq
			opts := smcproto.TCPOptions{SMC: smcproto.HasSMCOption(f.TCPOpts)}
			c.synOpt = opts.SMC
			c.synCut = !opts.SMC && optionsCut(f)
			if !c.synCut {
				c.res.SYNOption = c.bp(0, opts.SMC)
			}
			c.res.Times.SYN = c.tp(tSYN, ts)
			c.hs[dir].SetBase(f.Seq + 1)
			switch {
			case opts.SMC:
				c.smcAttempt = true
				c.evidence(frameNo, ts, dir, "SYN with SMC option")
			case c.synCut:
				c.evidence(frameNo, ts, dir, "SYN, its options cut by the snaplen (SMC option unknown)")
			default:
				// Most connections are plain TCP and are never listed:
				// keep this evidence out of the list until the verdict.
				c.plainSYN = Evidence{File: c.file, Frame: frameNo, Time: ts, Dir: "C>S", What: "SYN without SMC option", seq: c.curSeq}
				c.unlisted = t.dropsPlain()
			}
		}
	case syn && ack:
		if !c.synAckSeen {
			c.synAckSeen = true
			if c.client < 0 {
				c.client = 1 - dir
			}
			c.isn[dir] = f.Seq
			opts := smcproto.TCPOptions{SMC: smcproto.HasSMCOption(f.TCPOpts)}
			c.synAckOpt = opts.SMC
			c.synAckCut = !opts.SMC && optionsCut(f)
			if !c.synAckCut {
				c.res.SYNACKOption = c.bp(1, opts.SMC)
			}
			c.res.Times.SYNACK = c.tp(tSYNACK, ts)
			c.hs[dir].SetBase(f.Seq + 1)
			what := "SYN-ACK without SMC option"
			switch {
			case opts.SMC:
				what = "SYN-ACK with SMC option"
			case c.synAckCut:
				what = "SYN-ACK, its options cut by the snaplen (SMC option unknown)"
			}
			c.evidence(frameNo, ts, dir, what)
		}
	}
	if f.Flags&decode.TCPRST != 0 && c.rst[dir] == nil {
		e := &c.endStore().rst[dir]
		e.set(c.file, frameNo, ts, c.dirLabel(dir), "RST", c.curSeq)
		c.rst[dir] = e
		c.markEnd(ts)
		if !c.resolved() {
			c.evidence(frameNo, ts, dir, "RST")
		}
	}
	if f.Flags&decode.TCPFIN != 0 && c.fin[dir] == nil {
		e := &c.endStore().fin[dir]
		e.set(c.file, frameNo, ts, c.dirLabel(dir), "FIN", c.curSeq)
		c.fin[dir] = e
		c.markEnd(ts)
		if !c.resolved() {
			c.evidence(frameNo, ts, dir, "FIN")
		}
	}
	if c.hs[dir].BaseSet && f.Flags&decode.TCPSYN == 0 {
		end := int(int32(f.Seq-c.hs[dir].Base())) + f.PayloadLen
		if f.Flags&decode.TCPFIN != 0 {
			end++
		}
		if end > c.sentMax[dir] && end < 1<<30 {
			c.sentMax[dir] = end
		}
	}
	if f.PayloadLen > 0 {
		t.payload(c, f, dir, frameNo, ts)
	}
	if t.OnResolved != nil && !c.early && c.smcAttempt && (c.resolved() || c.synAckSeen && !c.synAckOpt && !c.synAckCut) {
		c.early = true
		t.OnResolved(provisional(c, t.lastTime))
	}
	// A connection that is over (RST, or FIN from both sides) is finished
	// by the next sweep once it has been quiet for closeLinger, so late
	// segments (retransmissions, -i any reordering) still count and memory
	// is bounded by the open connections.
	if c.closedAt.IsZero() && (c.rst[0] != nil || c.rst[1] != nil || c.fin[0] != nil && c.fin[1] != nil) {
		c.closedAt = ts
		t.addClosing(closingConn{c, c.gen, c.h})
		// Bound the lingering connections too: when many close within the
		// linger time (a fast capture), finish the oldest first.
		for len(t.closing) > maxLingering {
			e := t.closing[0]
			t.closing[0] = closingConn{}
			t.closing = t.closing[1:]
			const ahead = 4
			t.tomb.prefetch(t.closing[ahead].h, ahead)
			t.closing[ahead].c.prefetchFinish()
			if old := e.c; e.open() {
				t.finish(old)
				t.tomb.addHash(e.h, old.res.Times.Last.UnixNano())
			}
		}
	}
	if t.MaxOpen >= 0 && t.conns.len() > t.maxOpen() {
		t.evictOpen()
	}
}

func (t *Tracker) maxOpen() int {
	if t.MaxOpen == 0 {
		return DefaultMaxOpen
	}
	return t.MaxOpen
}

// addClosing appends e to the closing queue. The queue is taken from its
// front (HandleTCP, sweep): when it reaches the end of its array, it moves
// back to the array's start rather than grow into a new array, which a
// capture of many short connections did every maxLingering closings
// (allocating 12 KiB each time).
func (t *Tracker) addClosing(e closingConn) {
	if len(t.closing) == cap(t.closing) && 2*len(t.closing) <= cap(t.closingBuf) {
		n := copy(t.closingBuf, t.closing)
		clear(t.closingBuf[n:])
		t.closing = t.closingBuf[:n]
	}
	t.closing = append(t.closing, e)
	if cap(t.closing) > cap(t.closingBuf) {
		t.closingBuf = t.closing[:cap(t.closing)]
	}
}

// maxLingering bounds the closed connections kept for late segments
// (reordered ones: a retransmission comes a retransmission timeout later,
// after thousands of connections in a capture that closes this many, and
// meets the tuple's tombstone instead). A closed connection is judged when
// maxLingering more have closed after it: it is then that many connections
// away in the cache, and every line judging reads was a miss. 2048 → 256:
// a million closed handshakes 4.2 → 3.6 s CPU, 67 → 48 MiB peak RSS.
const maxLingering = 256

const (
	// closeLinger: a closed connection is finished this long after its
	// last packet.
	closeLinger = 5 * time.Second
	// closedLinger is how long packets of a finished connection are
	// absorbed (TIME_WAIT-like) before the 4-tuple counts as a new one.
	closedLinger = 2 * time.Minute
	// idleLimit finishes connections without any packet for this long (of
	// capture time); unanswered SYNs are finished after synIdleLimit.
	idleLimit    = 2 * time.Minute
	synIdleLimit = 10 * time.Second
)

// sweep finishes connections that are closed, idle, or unanswered SYNs,
// and forgets old tombstones. It runs every 16384 TCP packets, so its cost
// per packet is the number of open connections / 16384.
func (t *Tracker) sweep(now time.Time) {
	// Collected and sorted (by first packet, then 4-tuple), not finished in
	// map order: connections are numbered in finishing order.
	// The connections are cold (a sweep runs every 16,384 segments): their
	// fields are loaded a few connections ahead instead of one miss after
	// the other (sweep was 4 % of the CPU on 30,000 handshakes).
	all := t.conns.appendTo(t.sweepBuf[:0])
	var over []*tcpConn
	for i, c := range all {
		if j := i + 8; j < len(all) {
			all[j].prefetchSweep()
		}
		idle := now.Sub(c.res.Times.Last)
		switch {
		case !c.closedAt.IsZero() && idle > closeLinger,
			idle > idleLimit,
			!c.synAckSeen && len(c.events) == 0 && c.res.Bytes == 0 && idle > synIdleLimit:
			over = append(over, c)
		}
	}
	clear(all)
	t.sweepBuf = all[:0]
	sortConns(over)
	for _, c := range over {
		t.finish(c)
		if !c.closedAt.IsZero() {
			t.tomb.addHash(c.h, c.res.Times.Last.UnixNano())
		}
	}
	t.tomb.expire(now)
	live := t.closing[:0]
	for _, e := range t.closing {
		if e.open() {
			live = append(live, e)
		}
	}
	for i := len(live); i < len(t.closing); i++ {
		t.closing[i] = closingConn{}
	}
	t.closing = live
}

// prefetchFinish prefetches what finishing c reads and writes: the
// connection, its CLC events and messages and its FIN/RST evidence. A
// connection finished because more than maxLingering closed after it was
// last touched that many connections ago, and is no longer in the nearer
// caches: judging it waited on miss after miss.
func (c *tcpConn) prefetchFinish() {
	prefetch.AddrW((*byte)(unsafe.Pointer(c)), int(unsafe.Sizeof(*c)))
	if cap(c.events) > 0 {
		prefetch.AddrW((*byte)(unsafe.Pointer(unsafe.SliceData(c.events))), cap(c.events)*int(unsafe.Sizeof(clcEvent{})))
	}
	if c.clc != nil {
		prefetch.Addr((*byte)(unsafe.Pointer(c.clc)), int(unsafe.Sizeof(*c.clc)))
	}
	if c.st.ends != nil {
		prefetch.AddrW((*byte)(unsafe.Pointer(c.st.ends)), int(unsafe.Sizeof(*c.st.ends)))
	}
}

// prefetchSweep prefetches the fields sweep reads.
func (c *tcpConn) prefetchSweep() {
	prefetch.Addr((*byte)(unsafe.Pointer(&c.res.Times.Last)), 1)
	prefetch.Addr((*byte)(unsafe.Pointer(&c.closedAt)), 1)
	prefetch.Addr((*byte)(unsafe.Pointer(&c.res.Bytes)), 1)
	prefetch.Addr((*byte)(unsafe.Pointer(&c.events)), 1)
}

func (c *tcpConn) markEnd(ts time.Time) {
	c.ended = true
	if c.res.Times.End == nil {
		c.res.Times.End = c.tp(tEnd, ts)
	}
}

// wantsCLC reports whether bytes of this connection may still be CLC.
func (c *tcpConn) wantsCLC() bool {
	if c.synSeen && !c.synOpt && !c.synCut {
		return false
	}
	if c.synAckSeen && !c.synAckOpt && !c.synAckCut {
		return false
	}
	return true
}

// optionsCut reports whether the snaplen cut the segment's TCP options.
func optionsCut(f *decode.Frame) bool {
	return len(f.L4) >= 13 && 20+len(f.TCPOpts) < int(f.L4[12]>>4)*4
}

// resolved: the handshake outcome no longer depends on more data.
func (c *tcpConn) resolved() bool {
	return c.dirDone[0] && c.dirDone[1]
}

func (t *Tracker) payload(c *tcpConn, f *decode.Frame, dir, frameNo int, ts time.Time) {
	seq := f.Seq
	if f.Flags&decode.TCPSYN != 0 {
		seq++ // data on a SYN (TFO) starts after the SYN's sequence number
	}
	if !c.wantsCLC() || c.dirDone[dir] || c.released {
		c.noteData(dir, frameNo, ts)
		return
	}
	h := &c.hs[dir]
	if !h.BaseSet {
		if smcproto.HasEyecatcher(f.Payload) {
			h.SetBase(seq)
		} else {
			// Stream start unknown (SYN not captured) and this is not a
			// CLC message: application data, or the middle of one.
			c.midstream[dir] = true
			c.noteData(dir, frameNo, ts)
			return
		}
	}
	if f.TruncatedPayload() {
		t.truncFrames++
	}
	if directCLC && c.consumed[dir] == h.Len() && h.InOrder(seq, len(f.Payload), f.PayloadLen) {
		// The usual case: the next segment, every byte before it read.
		// Its whole messages are decoded where they lie, and only an
		// unfinished one is copied into the reassembly buffer (which a
		// handshake whose messages each come in one segment never needs).
		off := h.Len()
		t.parseCLC(c, dir, f.Payload, off, frameNo, ts)
		if !c.dirDone[dir] {
			h.Consumed(c.consumed[dir])
			if c.consumed[dir] < off+len(f.Payload) {
				h.Add(seq, f.Payload, f.PayloadLen)
			}
		}
	} else if h.Add(seq, f.Payload, f.PayloadLen) {
		t.parseCLC(c, dir, h.Buf, h.Start(), frameNo, ts)
	} else if h.TruncatedAt(h.Len()) {
		c.waitingTrunc[dir] = true
	}
	if c.resolved() && !c.released {
		c.hs[0].Release()
		c.hs[1].Release()
		c.released = true
		return
	}
	// A direction that is done is never added to or parsed again (see
	// above): its reassembly buffer goes back to the pool now, not when
	// the other direction is done too. An open handshake waiting for the
	// server (Accept sent, then silence) then holds one buffer, not two.
	for d := range c.hs {
		if c.dirDone[d] && !c.dirFreed[d] {
			c.dirWaiting[d] = c.hs[d].Waiting()
			c.hs[d].Release()
			c.dirFreed[d] = true
		}
	}
}

func (c *tcpConn) noteData(dir, frameNo int, ts time.Time) {
	if c.firstData[dir] == nil {
		e := &c.endStore().data[dir]
		e.set(c.file, frameNo, ts, c.dirLabel(dir), "first application data", c.curSeq)
		c.firstData[dir] = e
	}
}

var eyecatcherPrefix = [2][4]byte{smcproto.EyecatcherR, smcproto.EyecatcherD}

func looksLikeCLCPrefix(b []byte) bool {
	for _, e := range eyecatcherPrefix {
		if len(b) <= 4 && string(b) == string(e[:len(b)]) {
			return true
		}
	}
	return false
}

// directCLC: payload decodes the CLC messages of an in-order segment
// where they lie (HalfStream.InOrder). Tests turn it off to compare with
// decoding everything from the reassembly buffer.
var directCLC = true

// parseCLC decodes complete CLC messages from src, the stream's bytes from
// stream offset srcOff on (the reassembly buffer, or a segment that
// follows every byte read so far), from the first byte not read
// (c.consumed) to its end.
func (t *Tracker) parseCLC(c *tcpConn, dir int, src []byte, srcOff int, frameNo int, ts time.Time) {
	h := &c.hs[dir]
	for !c.dirDone[dir] {
		b := src[c.consumed[dir]-srcOff:]
		if len(b) == 0 {
			return
		}
		if len(b) < 4 {
			if looksLikeCLCPrefix(b) {
				c.waitingTrunc[dir] = h.TruncatedAt(h.Len())
				return
			}
		}
		if len(b) >= 4 && !smcproto.HasEyecatcher(b) || len(b) < 4 && !looksLikeCLCPrefix(b) {
			// Not CLC: application data from here on.
			c.dirDone[dir] = true
			c.noteData(dir, frameNo, ts)
			if c.consumed[dir] == 0 && c.nonCLC[dir] == nil {
				c.nonCLC[dir] = &Evidence{File: c.file, Frame: frameNo, Time: ts, Dir: c.dirLabel(dir), What: "non-CLC bytes " + bytesPreview(b), seq: c.curSeq}
			}
			return
		}
		if len(b) < smcproto.HeaderLen {
			c.waitingTrunc[dir] = h.TruncatedAt(h.Len())
			return
		}
		typ, length, ok := smcproto.HeaderTypeLength(b)
		if !ok {
			_, err := smcproto.ParseHeader(b)
			c.protocolError(dir, frameNo, ts, fmt.Sprintf("invalid CLC header: %v", err))
			if t.OnCLCError != nil {
				t.OnCLCError(frameNo, err)
			}
			return
		}
		n := int(length)
		if len(b) < n {
			if c.consumed[dir]+n > decode.MaxStreamBytes {
				c.protocolError(dir, frameNo, ts, fmt.Sprintf("CLC %s length %d exceeds what smcdump buffers", typ, n))
				return
			}
			c.waitingTrunc[dir] = h.TruncatedAt(h.Len())
			return
		}
		c.waitingTrunc[dir] = false
		// The first message of each type is kept (in c.clc) for the
		// verdict; a later one of the same type only needs to be checked
		// and shown, and goes to the tracker's scratch.
		bit := uint8(1) << (typ & 7)
		keep := c.clcSeen&bit == 0
		s := &t.clcTmp
		if keep {
			if c.clc == nil {
				c.clc = new(smcproto.Scratch)
			}
			s = c.clc
		}
		m, err := smcproto.DecodeInto(b[:n], s)
		c.consumed[dir] += n
		if err != nil {
			c.protocolError(dir, frameNo, ts, fmt.Sprintf("malformed CLC %s: %v", typ, err))
			if t.OnCLCError != nil {
				t.OnCLCError(frameNo, err)
			}
			return
		}
		c.smcAttempt = true
		if c.client < 0 {
			// No SYN: the Proposal's sender is the client; a Decline as the
			// very first CLC message comes from the client too (a client
			// without a usable device or with IPsec declines instead of
			// proposing, docs/smc-protocol.md 8.2).
			switch typ {
			case smcproto.TypeProposal, smcproto.TypeConfirm:
				c.client = dir
			case smcproto.TypeAccept:
				c.client = 1 - dir
			case smcproto.TypeDecline:
				if len(c.events) == 0 {
					c.client = dir
				}
			}
			if c.client >= 0 {
				c.res.RolesGuessed = true
				c.relabel()
			}
		}
		ev := clcEvent{fromClient: dir == c.client, dir: dir, seq: c.curSeq, frame: frameNo, t: ts, typ: typ}
		if keep {
			ev.msg = m
			c.clcSeen |= bit
		}
		if c.events == nil {
			c.events = make([]clcEvent, 0, 4) // a handshake has 3 or 4 messages: one allocation
		}
		c.events = append(c.events, ev)
		if !c.lean {
			c.evidence(frameNo, ts, dir, DescribeCLC(m))
		}
		if t.OnCLC != nil {
			// m is valid during the call only (OnCLC's doc).
			t.OnCLC(frameNo, dir == c.client, m)
		}
		switch typ {
		case smcproto.TypeDecline:
			// After a Decline both sides carry plain TCP data.
			c.dirDone[dir] = true
			c.dirDone[1-dir] = c.dirDone[1-dir] || c.hasType(1-dir, smcproto.TypeConfirm) || c.hasType(1-dir, smcproto.TypeDecline)
		case smcproto.TypeConfirm:
			c.dirDone[dir] = true // the client sends nothing after Confirm
		}
	}
}

func (c *tcpConn) hasType(dir int, typ smcproto.MsgType) bool {
	for _, e := range c.events {
		if e.dir == dir && e.typ == typ {
			return true
		}
	}
	return false
}

func (c *tcpConn) protocolError(dir, frameNo int, ts time.Time, msg string) {
	if c.protoErr == "" {
		c.protoErr = msg
		c.protoErrFrame = frameNo
		c.protoErrTime = ts
		c.protoErrDir = dir
		c.evidence(frameNo, ts, dir, msg)
	}
	c.dirDone[dir] = true
}

// relabel fixes direction labels of evidence recorded before the roles were
// known.
func (c *tcpConn) relabel() {
	for i := range c.res.Evidence {
		e := &c.res.Evidence[i]
		switch e.Dir {
		case fmt.Sprintf("%s>", c.ep(c.client)):
			e.Dir = "C>S"
		case fmt.Sprintf("%s>", c.ep(1-c.client)):
			e.Dir = "S>C"
		}
	}
}

// Finish finalises every open connection. Call it once at the end.
func (t *Tracker) Finish() []*Conn {
	// Deterministic order: by first packet time, then key.
	open := t.conns.appendTo(make([]*tcpConn, 0, t.conns.len()))
	sortConns(open)
	for _, c := range open {
		t.finish(c)
	}
	t.JudgeWaiting()
	return t.done
}

// finish takes c out of the tables, then judges it, hands its record on
// and recycles it, at once or with the next JudgeBatch finished
// connections (JudgeWaiting). c's fields stay readable until the next
// newConn.
func (t *Tracker) finish(c *tcpConn) {
	t.conns.del(c)
	c.finished = true
	if t.last == c {
		t.last = nil
	}
	if r := &t.recent[recentSlot(c.key.a.Port(), c.key.b.Port(), c.key.zone)]; *r == c {
		*r = nil
	}
	c.judgeAt = t.lastTime
	if t.JudgeBatch <= 1 {
		t.judge(c)
		t.recycle(c)
		return
	}
	// The out-of-order bytes it holds go back to the budget now, as they
	// would when judged at once (its streams stay readable for the
	// verdict).
	c.hs[0].ReturnBudget()
	c.hs[1].ReturnBudget()
	t.judging = append(t.judging, c)
	if len(t.judging) >= t.JudgeBatch {
		t.JudgeWaiting()
	}
}

// JudgeWaiting judges the finished connections waiting for it
// (JudgeBatch), in finishing order, and recycles them.
func (t *Tracker) JudgeWaiting() {
	for i, c := range t.judging {
		t.judge(c)
		t.recycle(c)
		t.judging[i] = nil
	}
	t.judging = t.judging[:0]
}

// judge decides the verdict of the finished connection c and hands its
// record on (OnDone, OnListed, the kept list).
func (t *Tracker) judge(c *tcpConn) {
	c.res.noSummary = t.lean()
	verdict(c, c.judgeAt)
	if !c.released {
		// Return the reassembly buffers to the pool for the next
		// connection (the verdict was their last reader).
		c.hs[0].Release()
		c.hs[1].Release()
		c.released = true
	}
	if c.evictedEarly && !c.res.noSummary && !c.unlisted {
		// (A compact record drops the notes, and nothing reads those of
		// a plain connection that is only counted: not built for them.)
		c.res.Notes = append(c.res.Notes, fmt.Sprintf("finished early: the open-connection limit (%d) was reached, so this connection (%s) was judged as if the capture ended then; its later packets are not counted", t.maxOpen(), evictClassName(int(c.evictedClass))))
	}
	if !t.All && c.res.Outcome == OutcomeUnknown && c.res.Reason == ReasonSYNNotCaptured && !c.smcAttempt && !(c.synAckSeen && c.synAckOpt) {
		// Handshake before the capture started and no sign of SMC at all:
		// counted, not analyzed (listed with --all).
		t.noHandshake++
		return
	}
	if t.OnDone != nil {
		t.OnDone(&c.res)
	}
	if c.res.Outcome == OutcomeNotSMC && !t.All {
		t.plainCount++
		t.plainBytes += c.res.Bytes
		return
	}
	keep := !t.NoKeep && (t.Keep <= 0 || len(t.done) < t.Keep)
	if !keep {
		t.dropped++
		if !t.ListAll {
			if linkUnverifiedCandidate(&c.res) {
				t.roce.assign(&c.res, c.judgeAt, &t.linkScratch)
				if c.res.Reason == ReasonLinkUnverified {
					t.linkUnverified++
				}
			}
			return
		}
	}
	// The connection is listed: numbered in finishing order, its link
	// judged now. Its record outlives c (recycled): detach it from c's
	// storage first (slim copies what it keeps into its own storage).
	d := t.detail()
	isSlim := d >= 0 && t.detailed >= d
	if isSlim && !keep && t.SkipUnlisted {
		t.listed++
		t.detailed++
		t.skipped++
		if linkUnverifiedCandidate(&c.res) {
			t.roce.assign(&c.res, c.judgeAt, &t.linkScratch)
			if c.res.Reason == ReasonLinkUnverified {
				t.linkUnverified++
			}
		}
		return
	}
	if !isSlim {
		detach(&c.res)
	}
	t.listed++
	c.res.ID = t.listed
	var li *LinkInfo
	var ss *slimConn
	if isSlim && !keep {
		ss, li = t.scratch() // only OnListed sees them (slim, below)
	}
	t.roce.assign(&c.res, c.judgeAt, li)
	if c.res.Reason == ReasonLinkUnverified {
		t.linkUnverified++
	}
	var rec *Conn
	switch {
	case isSlim && !keep:
		// Only OnListed sees the record, and must not keep it (beyond
		// ListedLag more): one record for all (or ListedLag), no
		// allocation per connection.
		rec = slim(ss, &c.res)
	case isSlim:
		rec = slim(&slimConn{}, &c.res)
	default:
		if c.plainSYN.What != "" {
			c.res.Evidence = append([]Evidence{c.plainSYN}, c.res.Evidence...)
		}
		r := c.res
		rec = &r
	}
	t.detailed++
	if t.OnListed != nil {
		t.OnListed(rec)
	}
	if keep {
		t.done = append(t.done, rec)
	}
}

// scratch returns the storage of the next compact record that is not
// kept, and of its link: one for all, or the next of ListedLag in turn.
func (t *Tracker) scratch() (*slimConn, *LinkInfo) {
	if t.ListedLag <= 0 {
		return &t.slimScratch, &t.linkScratch
	}
	if len(t.slimRing) != t.ListedLag {
		t.slimRing, t.linkRing, t.ringPos = make([]slimConn, t.ListedLag), make([]LinkInfo, t.ListedLag), 0
	}
	i := t.ringPos
	t.ringPos = (i + 1) % t.ListedLag
	return &t.slimRing[i], &t.linkRing[i]
}

// verdict decides the outcome of a connection (README: "How each verdict is
// reached"; docs/smc-protocol.md sections 1, 7.4 and 8).
func verdict(c *tcpConn, captureEnd time.Time) {
	r := &c.res
	if c.client >= 0 {
		r.Client, r.Server = c.ep(c.client), c.ep(1-c.client)
	} else {
		// Roles unknown: guess the lower port is the server.
		a, b := c.key.a, c.key.b
		if a.Port() < b.Port() {
			r.Client, r.Server = b, a
		} else {
			r.Client, r.Server = a, b
		}
		r.RolesGuessed = true
	}
	var prop, acc, conf, decl *clcEvent
	for i := range c.events {
		e := &c.events[i]
		e.fromClient = c.client >= 0 && e.dir == c.client
		switch e.typ {
		case smcproto.TypeProposal:
			if prop == nil {
				prop = e
			}
		case smcproto.TypeAccept:
			if acc == nil {
				acc = e
			}
		case smcproto.TypeConfirm:
			if conf == nil {
				conf = e
			}
		case smcproto.TypeDecline:
			if decl == nil {
				decl = e
			}
		}
	}
	fillTimes(c, prop, acc, conf, decl)
	fillEndpoints(c, prop, acc, conf)

	// 1. TCP-level capability exchange.
	if c.synSeen && !c.synOpt && !c.synCut {
		r.Outcome, r.Reason = OutcomeNotSMC, ReasonNoOption
		r.Summary = "not SMC: the SYN carried no SMC option (the client used a plain TCP socket)"
		if c.synAckSeen && c.synAckOpt {
			r.Notes = append(r.Notes, "the SYN-ACK carried the SMC option although the SYN did not")
		}
		return
	}
	if len(c.events) == 0 && (c.synCut && !(c.synAckSeen && c.synAckOpt) || c.synAckCut) {
		// Without CLC messages only the option tells: never guess.
		which := "SYN"
		switch {
		case c.synCut && c.synAckCut:
			which = "SYN and the SYN-ACK"
		case c.synAckCut:
			which = "SYN-ACK"
		}
		r.Outcome, r.Reason = OutcomeUnknown, ReasonTruncated
		r.Summary = "cannot tell: the capture's snaplen cut the TCP options of the " + which + ", so whether the SMC option was there is unknown (capture again with -s 0)"
		return
	}
	if !c.synSeen && !c.synAckSeen && len(c.events) == 0 {
		r.Outcome, r.Reason = OutcomeUnknown, ReasonSYNNotCaptured
		r.Summary = "cannot tell: the connection's SYN and SYN-ACK are not in the capture and no CLC message was seen"
		if c.protoErr != "" {
			r.Summary += "; " + c.protoErr
		}
		return
	}
	if c.synSeen && c.synOpt && !c.synAckSeen && len(c.events) == 0 {
		if c.rst[1-c.client] != nil {
			r.Outcome, r.Reason = OutcomeUnknown, ReasonRefused
			r.Summary = "SMC attempted (SYN with SMC option), but the server refused the connection (RST)"
			return
		}
		r.Outcome, r.Reason = OutcomeUnknown, ReasonNoSYNACK
		r.Summary = "SMC attempted (SYN with SMC option), but no SYN-ACK is in the capture"
		return
	}
	if !c.synSeen && c.synAckSeen && !c.synAckOpt && len(c.events) == 0 {
		// The SYN is missing and the server did not offer SMC: plain TCP
		// or a PEERNOSMC fallback, the capture cannot tell which.
		r.Outcome, r.Reason = OutcomeUnknown, ReasonSYNNotCaptured
		r.Summary = "cannot tell: the SYN is not in the capture and the SYN-ACK carried no SMC option (plain TCP, or a fallback 0x03010000 if the client offered SMC)"
		return
	}
	if c.synAckSeen && !c.synAckOpt && !c.synAckCut {
		r.Outcome, r.Reason = OutcomeFallback, ReasonPeerNoSMC
		code := smcproto.Code(0x03010000)
		r.Decline = nil
		r.Summary = fmt.Sprintf("fallback to TCP: the server's SYN-ACK carried no SMC option, so the client fell back without any CLC message (%s %s on the client)", code, codeName(code))
		if len(c.events) > 0 {
			r.Notes = append(r.Notes, "CLC messages were seen although the SYN-ACK had no SMC option")
		}
		return
	}

	// 2. CLC exchange.
	handshakeFrom := r.Times.SYN
	if decl != nil {
		d := declineInfo(c, decl, prop, acc, conf)
		r.Decline = d
		if d.Late {
			r.Outcome, r.Reason = OutcomeFallback, ReasonLateDecline
			r.SMC = smcInfo(c, acc, conf)
			r.Summary = fmt.Sprintf("fallback after Confirm: the %s declined %.3f s after the Confirm with %s %s (%s)", d.By, *d.DelayMS/1000, d.Code, ShortName(d.Name), d.Meaning)
		} else {
			r.Outcome, r.Reason = OutcomeFallback, ReasonDecline
			if !r.noSummary {
				r.Summary = "fallback to TCP: the " + d.By + " declined (" + d.Stage + ") with " + d.Code + " " + ShortName(d.Name) + " (" + d.Meaning + ")"
			}
		}
		r.Latency.HandshakeMS = c.msp(0, handshakeFrom, &decl.t)
		if prop != nil {
			r.Latency.CLCMS = c.msp(1, &prop.t, &decl.t)
		}
		return
	}
	if prop != nil && acc != nil && conf != nil {
		r.Outcome = OutcomeSMC
		r.SMC = smcInfo(c, acc, conf)
		r.Latency.HandshakeMS = c.msp(0, handshakeFrom, &conf.t)
		r.Latency.CLCMS = c.msp(1, &prop.t, &conf.t)
		c.res.firstContact = r.SMC.FirstContact
		c.res.confirmAt = conf.t
		// Concatenation, not fmt (once per connection): %.3f is FormatFloat(x, 'f', 3, 64).
		if !r.noSummary {
			r.Summary = r.SMC.Variant + " established (Proposal → Accept → Confirm in " + strconv.FormatFloat(*r.Latency.CLCMS, 'f', 3, 64) + " ms)"
		}
		if !c.synSeen {
			r.Notes = append(r.Notes, "the TCP handshake is not in the capture")
		}
		return
	}
	if c.protoErr != "" {
		r.Outcome, r.Reason = OutcomeHandshakeError, ReasonProtocolError
		r.Summary = fmt.Sprintf("handshake error: %s (frame %d); Linux ends such a handshake with EPROTO, no fallback", c.protoErr, c.protoErrFrame)
		return
	}
	// Truncation by the snaplen: never guess.
	for d := 0; d < 2; d++ {
		if c.waitingTrunc[d] || (!c.dirDone[d] && c.hs[d].TruncatedAt(c.hs[d].Len()) && c.hs[d].Len() > c.consumed[d]) {
			r.Outcome, r.Reason = OutcomeUnknown, ReasonTruncated
			r.Summary = "cannot tell: a CLC message was cut by the capture's snaplen (capture again with -s 0)"
			return
		}
	}
	// Reassembly gave up on a direction whose handshake is not done: what
	// it dropped may hold the missing messages.
	for d := 0; d < 2; d++ {
		if !c.dirDone[d] && c.hs[d].Overflowed() && c.hs[d].Waiting() {
			who := "server"
			if d == c.client {
				who = "client"
			}
			r.Outcome, r.Reason = OutcomeUnknown, ReasonIncomplete
			r.Summary = fmt.Sprintf("cannot tell: the %s's handshake bytes could not be put together: bytes before them stayed missing (not captured, or not kept) while more came out of order than the reassembly keeps (%d segments, %d KiB per direction, %d MiB for all connections)", who, decode.MaxPendingSegments, decode.MaxStreamBytes>>10, decode.MaxPendingTotal>>20)
			return
		}
	}
	if prop != nil && acc == nil && conf == nil {
		if ev, what := optionEchoed(c, prop); ev != nil {
			r.Outcome, r.Reason = OutcomeHandshakeError, ReasonOptionEchoed
			r.Summary = fmt.Sprintf("SMC option echoed: the server's SYN-ACK carried the SMC option, but the server sent %s (frame %d) instead of a CLC Accept or Decline: it is not an SMC listener (its TCP stack or a middlebox reflected the option); Linux fails such a connection with EPROTO, no fallback", what, ev.Frame)
			r.Notes = append(r.Notes, "remedy: do not use SMC towards this destination (exclude it from smc_run/AF_SMC, or let the kernel's BPF handshake control (struct_ops smc_hs_ctrl, sysctl net.smc.hs_ctrl) leave the SMC option out of SYNs to it), or fix the device that reflects the option")
			return
		}
	}
	var last *clcEvent
	if len(c.events) > 0 {
		last = &c.events[len(c.events)-1]
	}
	switch {
	case prop == nil && (acc != nil || conf != nil):
		r.Outcome, r.Reason = OutcomeUnknown, ReasonProposalMissing
		r.Summary = "cannot tell: CLC Accept/Confirm seen but the Proposal is not in the capture"
		if acc != nil && conf != nil {
			r.SMC = smcInfo(c, acc, conf)
			r.Summary = fmt.Sprintf("%s probably established: Accept and Confirm seen, the Proposal is not in the capture", r.SMC.Variant)
		}
		return
	case prop != nil && acc == nil && conf != nil:
		r.Outcome, r.Reason = OutcomeUnknown, ReasonAcceptMissing
		r.SMC = smcInfo(c, nil, conf)
		r.Summary = fmt.Sprintf("%s probably established: Proposal and Confirm seen, the server's Accept is not in the capture (the Confirm proves the client received it)", r.SMC.Variant)
		return
	case prop != nil && acc == nil:
		if missingBytes(c, 1-c.client) {
			incomplete(c, r, "server")
			return
		}
		waitHandshake(c, r, last, captureEnd, ReasonNoAccept, "server", "Accept", "Proposal")
		return
	case prop != nil && conf == nil && clientGaveUpBefore(c, acc):
		end := clientEnd(c)
		r.Outcome, r.Reason = OutcomeHandshakeError, ReasonNoAccept
		r.Summary = fmt.Sprintf("CLC timeout: the client gave up (%s, frame %d) %.3f s after the Proposal without an Accept; the server's Accept came %.3f s after the Proposal, too late (Linux waits %.0f s)", end.What, end.Frame, end.Time.Sub(prop.t).Seconds(), acc.t.Sub(prop.t).Seconds(), clcWaitTime.Seconds())
		return
	case prop != nil && conf == nil:
		if missingBytes(c, c.client) {
			incomplete(c, r, "client")
			return
		}
		waitHandshake(c, r, last, captureEnd, ReasonNoConfirm, "client", "Confirm", "Accept")
		return
	}
	// No CLC message at all, option agreed (or SYN not captured).
	if !c.synSeen && !c.synAckSeen {
		r.Outcome, r.Reason = OutcomeUnknown, ReasonSYNNotCaptured
		r.Summary = "cannot tell: the TCP handshake is not in the capture"
		return
	}
	if cd := c.firstData[c.client]; cd != nil {
		r.Outcome, r.Reason = OutcomeHandshakeError, ReasonNoCLC
		r.Summary = fmt.Sprintf("SMC option exchanged, but the client sent application data instead of a CLC Proposal (frame %d): it fell back locally before CLC (reason not visible on the wire); a Linux SMC server treats this as a protocol error", cd.Frame)
		c.evidence(cd.Frame, cd.Time, c.client, "application data instead of CLC Proposal")
		return
	}
	if sd := c.firstData[1-c.client]; sd != nil {
		r.Outcome, r.Reason = OutcomeHandshakeError, ReasonNoCLC
		r.Summary = fmt.Sprintf("SMC option exchanged, but the server sent application data before any CLC message (frame %d)", sd.Frame)
		return
	}
	if missingBytes(c, c.client) {
		incomplete(c, r, "client")
		return
	}
	waitHandshake(c, r, nil, captureEnd, ReasonNoProposal, "client", "Proposal", "SYN-ACK")
}

// optionEchoed returns the evidence that the server is not an SMC listener
// although its SYN-ACK carried the SMC option: after the option exchange its
// stream began with bytes that are not CLC, or it sent the client's
// Proposal back (an echo service). The server's stream start must be known
// (SYN-ACK captured), and bytes the snaplen cut never count: only captured
// bytes prove that a stream is not CLC. The evidence is added to the
// connection's list; nil means no such sign.
func optionEchoed(c *tcpConn, prop *clcEvent) (ev *Evidence, what string) {
	if !c.synAckSeen || !c.synAckOpt || c.client < 0 || prop.dir != c.client {
		return nil, ""
	}
	srv := 1 - c.client
	if e := c.nonCLC[srv]; e != nil {
		x := *e
		preview := strings.TrimPrefix(x.What, "non-CLC bytes ")
		x.What = "non-CLC data from the server: " + preview
		ev, what = &x, "non-CLC data ("+preview+")"
	}
	for i := range c.events {
		e := &c.events[i]
		if e.dir == srv && e.typ == smcproto.TypeProposal && (ev == nil || e.seq < ev.seq) {
			ev = &Evidence{File: c.file, Frame: e.frame, Time: e.t, Dir: "S>C", What: "the client's CLC Proposal sent back by the server", seq: e.seq}
			what = "the client's own CLC Proposal back (an echo service)"
			break
		}
	}
	if ev == nil {
		return nil, ""
	}
	// Replace the generic "first application data" entry of that frame,
	// or add the entry in capture order.
	for i := range c.res.Evidence {
		e := &c.res.Evidence[i]
		if e.seq == ev.seq && e.Frame == ev.Frame && (e.What == "first application data" || strings.HasPrefix(e.What, "CLC Proposal")) {
			e.What = ev.What
			return ev, what
		}
	}
	if len(c.res.Evidence) < 64 {
		c.res.Evidence = append(c.res.Evidence, *ev)
		sortEvidence(c.res.Evidence)
	}
	return ev, what
}

// clientEnd is the client's first FIN or RST, nil if none.
func clientEnd(c *tcpConn) *Evidence {
	if c.client < 0 {
		return nil
	}
	e := c.fin[c.client]
	if r := c.rst[c.client]; r != nil && (e == nil || r.seq < e.seq) {
		e = r
	}
	return e
}

// clientGaveUpBefore reports whether the client closed the connection
// before the Accept arrived.
func clientGaveUpBefore(c *tcpConn, acc *clcEvent) bool {
	e := clientEnd(c)
	return acc != nil && e != nil && e.seq < acc.seq
}

// missingBytes reports whether the capture lacks bytes of direction d that
// were sent: a hole before out-of-order data, or bytes the peer
// acknowledged that never appeared (capture drops).
func missingBytes(c *tcpConn, d int) bool {
	if d < 0 || c.released {
		return false
	}
	h := &c.hs[d]
	return h.Waiting() || c.dirWaiting[d] || c.ackMax[d] > c.sentMax[d]
}

// incomplete is the verdict for a handshake with bytes missing from the
// capture: never a timeout or an abort.
func incomplete(c *tcpConn, r *Conn, who string) {
	r.Outcome, r.Reason = OutcomeUnknown, ReasonIncomplete
	r.Summary = fmt.Sprintf("cannot tell: bytes the %s sent during the handshake are missing from the capture (acknowledged by the peer or followed by later data, but never captured: capture drops)", who)
}

// waitHandshake explains a handshake that stopped waiting for a message.
func waitHandshake(c *tcpConn, r *Conn, last *clcEvent, captureEnd time.Time, reason, who, missing, after string) {
	var since time.Time
	if last != nil {
		since = last.t
	} else if r.Times.SYNACK != nil {
		since = *r.Times.SYNACK
	} else {
		since = r.Times.First
	}
	// An abort during the handshake.
	var end *Evidence
	for d := 0; d < 2; d++ {
		for _, e := range []*Evidence{c.rst[d], c.fin[d]} {
			if e != nil && !e.Time.Before(since) && (end == nil || e.Time.Before(end.Time)) {
				end = e
			}
		}
	}
	if end != nil {
		by := "server"
		if end.Dir == "C>S" {
			by = "client"
		}
		delay := end.Time.Sub(since)
		if by != who && delay >= clcWaitTime-500*time.Millisecond {
			// The waiting side closed after its CLC wait time: a timeout.
			r.Outcome, r.Reason = OutcomeHandshakeError, reason
			r.Summary = fmt.Sprintf("CLC timeout: the %s closed the connection (%s, frame %d) %.3f s after the %s without receiving the %s (Linux waits %.0f s); no fallback", by, end.What, end.Frame, delay.Seconds(), after, missing, clcWaitTime.Seconds())
			return
		}
		r.Outcome, r.Reason = OutcomeHandshakeError, ReasonAborted
		r.Summary = fmt.Sprintf("handshake aborted: %s from the %s %.3f s after the %s, no %s (frame %d)", end.What, by, delay.Seconds(), after, missing, end.Frame)
		if by == "server" && missing == "Accept" && c.client >= 0 && c.firstData[1-c.client] == nil && c.sentMax[1-c.client] <= 1 {
			// No byte at all from the server: not proof of an echoed
			// option (that needs its non-CLC data), but worth a hint.
			r.Notes = append(r.Notes, "the server closed without any CLC message: a Linux SMC listener answers a well-formed Proposal with an Accept or a Decline, so the server may not be an SMC listener at all (a TCP stack or middlebox that echoed the SMC option; see option-echoed)")
		}
		return
	}
	waited := captureEnd.Sub(since)
	if waited >= clcWaitTime {
		r.Outcome, r.Reason = OutcomeHandshakeError, reason
		r.Summary = fmt.Sprintf("CLC timeout: no %s from the %s within %.0f s of the %s (capture continued %.1f s); Linux fails such a handshake with ETIMEDOUT, no fallback", missing, who, clcWaitTime.Seconds(), after, waited.Seconds())
		return
	}
	r.Outcome, r.Reason = OutcomeUnknown, ReasonCaptureEnded
	r.Summary = fmt.Sprintf("cannot tell: the capture ended %.3f s after the %s, before the %s arrived and before the %.0f s CLC timeout", waited.Seconds(), after, missing, clcWaitTime.Seconds())
}

func fillTimes(c *tcpConn, prop, acc, conf, decl *clcEvent) {
	r := &c.res
	if prop != nil {
		r.Times.Proposal = c.tp(tProposal, prop.t)
	}
	if acc != nil {
		r.Times.Accept = c.tp(tAccept, acc.t)
	}
	if conf != nil {
		r.Times.Confirm = c.tp(tConfirm, conf.t)
	}
	if decl != nil {
		r.Times.Decline = c.tp(tDecline, decl.t)
	}
	var fd *Evidence
	for d := 0; d < 2; d++ {
		if e := c.firstData[d]; e != nil && (fd == nil || e.Time.Before(fd.Time)) {
			fd = e
		}
	}
	if fd != nil {
		r.Times.FirstData = c.tp(tFirstData, fd.Time)
		if c.client >= 0 && c.res.Outcome != OutcomeNotSMC && len(c.res.Evidence) < 64 && !c.unlisted {
			// keep the evidence list in time order: append only if later
			c.res.Evidence = append(c.res.Evidence, *fd)
			sortEvidence(c.res.Evidence)
		}
	}
}

func declineInfo(c *tcpConn, decl, prop, acc, conf *clcEvent) *DeclineInfo {
	d := decl.msg.(*smcproto.Decline)
	by := "server"
	if decl.fromClient {
		by = "client"
	}
	info := &DeclineInfo{
		By:        by,
		Code:      d.Diagnosis.String(),
		OutOfSync: d.Header.OutOfSync(),
		Version:   int(d.Header.Version),
		Frame:     decl.frame,
		Time:      decl.t,
	}
	if ci, ok := smcproto.LookupCode(d.Diagnosis); ok {
		info.Name, info.Meaning, info.Remedy = ci.Name, ci.Meaning, ci.Remedy
	} else {
		info.Meaning = "unknown code (class: " + d.Diagnosis.Class() + ")"
	}
	for _, x := range d.ExtraDiagnosis {
		if x != 0 {
			info.Extra = append(info.Extra, x.String())
		}
	}
	switch {
	case conf != nil && decl.seq > conf.seq:
		info.Stage = "after-confirm"
		info.Late = true
		ms := float64(decl.t.Sub(conf.t)) / 1e6
		info.DelayMS = &ms
	case acc != nil && decl.seq > acc.seq:
		info.Stage = "after-accept"
	case prop != nil && decl.seq > prop.seq:
		info.Stage = "after-proposal"
	case by == "server":
		// A server only declines a Proposal: it was not captured.
		info.Stage = "after-proposal"
		c.res.Notes = append(c.res.Notes, "the client's Proposal is not in the capture (the server's Decline answers it)")
	default:
		info.Stage = "before-proposal"
	}
	return info
}

func smcInfo(c *tcpConn, acc, conf *clcEvent) *SMCInfo {
	src := acc
	if src == nil {
		src = conf
	}
	if src == nil {
		return nil
	}
	var m *smcproto.AcceptConfirm
	switch x := src.msg.(type) {
	case *smcproto.Accept:
		m = &x.AcceptConfirm
	case *smcproto.Confirm:
		m = &x.AcceptConfirm
	}
	if m == nil {
		return nil
	}
	s := &c.st.smc
	*s = SMCInfo{Version: int(m.Header.Version), FirstContact: m.Header.FirstContact()}
	if m.Header.TypeV1() == smcproto.PathD {
		s.Type, s.Variant = "SMC-D", "SMC-Dv2"
	} else {
		s.Type, s.Variant = "SMC-R", "SMC-Rv2"
	}
	if s.Version < 2 {
		s.Variant = s.Type
	}
	s.EID = m.EID
	if m.FCE != nil {
		c.st.release = int(m.FCE.Release)
		s.Release = &c.st.release
		if s.Type == "SMC-R" {
			c.st.direct = m.FCE.V2Direct
			s.Direct = &c.st.direct
		}
		s.MaxConns, s.MaxLinks = int(m.FCE.MaxConns), int(m.FCE.MaxLinks)
	}
	return s
}

func fillEndpoints(c *tcpConn, prop, acc, conf *clcEvent) {
	r := &c.res
	if prop != nil && !c.lean {
		p := prop.msg.(*smcproto.Proposal)
		e := r.ClientInfo
		if e == nil {
			e = &Endpoint{}
		}
		if !p.PeerID.IsZero() {
			e.PeerID = p.PeerID.String()
		}
		if p.GID != (smcproto.GID{}) {
			e.GID = p.GID.String()
		}
		if p.MAC != ([6]byte{}) {
			e.MAC = MACString(p.MAC)
		}
		e.Offered = "v1:" + p.Header.TypeV1().String()
		if p.Header.Version >= 2 {
			e.Offered += " v2:" + p.Header.TypeV2().String()
		}
		if p.HasIPArea {
			e.IPv4Prefix = p.IPv4Prefix.String()
			for _, x := range p.IPv6Prefixes {
				e.IPv6Prefixes = append(e.IPv6Prefixes, x.String())
			}
		}
		if p.V2 != nil {
			e.EIDs = slices.Clone(p.V2.EIDs) // p lives in the connection's reused scratch
			if p.V2.RoCEv2GID != (smcproto.GID{}) {
				e.RoCEv2GID = p.V2.RoCEv2GID.String()
			}
		}
		if p.SMCDArea != nil && p.SMCDArea.ISMGID != 0 {
			e.ISMGIDs = append(e.ISMGIDs, hexPad(p.SMCDArea.ISMGID, 16)) // fmt %#016x
		}
		if p.SMCDV2 != nil {
			e.SEID = p.SMCDV2.SEID
			for _, g := range p.SMCDV2.GIDs {
				e.ISMGIDs = append(e.ISMGIDs, hexPad(g.GID, 16)+"/chid "+hexPad(uint64(g.CHID), 4)) // fmt %#016x/chid %#04x
			}
		}
		r.ClientInfo = e
	}
	if acc != nil {
		a := acc.msg.(*smcproto.Accept)
		if !c.lean {
			r.ServerInfo = mergeEndpoint(r.ServerInfo, &a.AcceptConfirm)
		}
		c.res.serverQPN, c.res.serverTok = a.QPN, a.RMBEAlertToken
		c.res.serverIP = gidAddr(a.GID)
		c.res.smcR = a.Header.TypeV1() != smcproto.PathD
	}
	if conf != nil {
		m := conf.msg.(*smcproto.Confirm)
		if !c.lean {
			r.ClientInfo = mergeEndpoint(r.ClientInfo, &m.AcceptConfirm)
		}
		c.res.clientQPN, c.res.clientTok = m.QPN, m.RMBEAlertToken
		c.res.clientIP = gidAddr(m.GID)
	}
}

func gidAddr(g smcproto.GID) netip.Addr {
	a := netip.AddrFrom16(g)
	if a.Is4In6() {
		return a.Unmap()
	}
	return a
}

func mergeEndpoint(e *Endpoint, m *smcproto.AcceptConfirm) *Endpoint {
	if e == nil {
		e = &Endpoint{}
	}
	if m.Header.TypeV1() == smcproto.PathD {
		e.ISMGID = hexPad(uint64(m.ISMGID), 16)
		e.DMBToken = hexPad(uint64(m.DMBToken), 16)
		e.BufferBytes = m.BufferSize()
		e.LinkID = hexPad(uint64(m.LinkID), 8)
		if m.Header.Version >= 2 {
			e.CHID = hexPad(uint64(m.CHID), 4)
		}
	} else {
		if !m.PeerID.IsZero() {
			e.PeerID = m.PeerID.String()
		}
		e.GID = m.GID.String()
		e.MAC = MACString(m.MAC)
		e.QPN = hexPad(uint64(m.QPN), 6)
		e.RKey = hexPad(uint64(m.RKey), 8)
		e.Token = hexPad(uint64(m.RMBEAlertToken), 8)
		e.BufferBytes = m.BufferSize()
		e.MTU = m.MTU()
		e.PSN = hexPad(uint64(m.PSN), 6)
	}
	if m.FCE != nil {
		e.Hostname = m.FCE.Hostname
		e.OS = OSName(m.FCE.OSType)
		rel := int(m.FCE.Release)
		e.Release = &rel
	}
	for _, g := range m.GIDList {
		e.GIDList = append(e.GIDList, g.String())
	}
	return e
}

// OSName names a CLC peer's operating system type (Proposal/Accept OS field).
func OSName(t uint8) string {
	switch t {
	case 1:
		return "z/OS"
	case 2:
		return "Linux"
	case 3:
		return "AIX"
	case 15:
		return "unknown"
	}
	return fmt.Sprintf("type %d", t)
}

// hexPad formats v as fmt's %#0<width>x does (width digits after "0x"), without
// fmt: connections in detail format these for every endpoint.
func hexPad(v uint64, width int) string {
	var b [40]byte
	return string(appendHexPad(b[:0], v, width))
}

func appendHexPad(b []byte, v uint64, width int) []byte {
	var db [16]byte
	d := strconv.AppendUint(db[:0], v, 16)
	b = append(b, "0x"...)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// MACString formats m as six colon-separated lowercase hex bytes.
func MACString(m [6]byte) string {
	var b [17]byte
	return string(AppendMAC(b[:0], m))
}

// AppendMAC appends m as MACString writes it.
func AppendMAC(b []byte, m [6]byte) []byte {
	const hex = "0123456789abcdef"
	for i, x := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hex[x>>4], hex[x&15])
	}
	return b
}

func codeName(c smcproto.Code) string {
	if ci, ok := smcproto.LookupCode(c); ok {
		return ShortName(ci.Name)
	}
	return ""
}

func ShortName(n string) string { return strings.TrimPrefix(n, "SMC_CLC_DECL_") }

// DescribeCLC is the one-line description of a CLC message used in
// evidence and in the per-packet printer. It is built with strconv into one
// buffer (one allocation: the string), not fmt: the printer describes every
// CLC message of a capture.
func DescribeCLC(m smcproto.Message) string {
	var buf [128]byte
	return string(appendCLC(buf[:0], m))
}

func appendCLC(b []byte, m smcproto.Message) []byte {
	h := m.Hdr()
	switch x := m.(type) {
	case *smcproto.Proposal:
		b = append(b, "CLC Proposal v"...)
		b = strconv.AppendUint(b, uint64(h.Version), 10)
		b = append(b, " (v1:"...)
		b = append(b, h.TypeV1().String()...)
		if h.Version >= 2 {
			b = append(b, " v2:"...)
			b = append(b, h.TypeV2().String()...)
		}
		b = append(b, ')')
		if x.V2 != nil && len(x.V2.EIDs) > 0 {
			b = append(b, " eids "...)
			b = strconv.AppendInt(b, int64(len(x.V2.EIDs)), 10)
		}
		return b
	case *smcproto.Accept:
		return appendAC(append(b, "CLC Accept "...), &x.AcceptConfirm)
	case *smcproto.Confirm:
		return appendAC(append(b, "CLC Confirm "...), &x.AcceptConfirm)
	case *smcproto.Decline:
		b = append(b, "CLC Decline v"...)
		b = strconv.AppendUint(b, uint64(h.Version), 10)
		b = append(b, ' ')
		b = append(b, x.Diagnosis.String()...)
		if n := codeName(x.Diagnosis); n != "" {
			b = append(b, ' ')
			b = append(b, n...)
		}
		if h.OutOfSync() {
			b = append(b, " out-of-sync"...)
		}
		return b
	}
	return append(append(b, "CLC "...), h.Type.String()...)
}

// appendAC describes an Accept or Confirm after its "CLC <type> ".
func appendAC(b []byte, m *smcproto.AcceptConfirm) []byte {
	smcR := m.Header.TypeV1() != smcproto.PathD
	if smcR {
		b = append(b, "SMC-Rv"...)
	} else {
		b = append(b, "SMC-Dv"...)
	}
	b = strconv.AppendUint(b, uint64(m.Header.Version), 10)
	if m.Header.FirstContact() {
		b = append(b, " first-contact"...)
	}
	if smcR {
		b = append(b, " qpn "...)
		b = appendHexPad(b, uint64(m.QPN), 6) // fmt %#06x
		b = append(b, " buf "...)
		b = appendByteSize(b, m.BufferSize())
		b = append(b, " mtu "...)
		b = strconv.AppendInt(b, int64(m.MTU()), 10)
	} else {
		b = append(b, " gid "...)
		b = appendHexPad(b, m.ISMGID, 16) // fmt %#016x
		b = append(b, " buf "...)
		b = appendByteSize(b, m.BufferSize())
	}
	return b
}

// ByteSize writes a buffer size as tcpdump-style text (KiB/MiB when exact).
func ByteSize(n int) string {
	var buf [24]byte
	return string(appendByteSize(buf[:0], n))
}

func appendByteSize(b []byte, n int) []byte {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return append(strconv.AppendInt(b, int64(n>>20), 10), "MiB"...)
	case n >= 1<<10 && n%(1<<10) == 0:
		return append(strconv.AppendInt(b, int64(n>>10), 10), "KiB"...)
	}
	return append(strconv.AppendInt(b, int64(n), 10), 'B')
}

func timep(t time.Time) *time.Time { return &t }

// sortConns orders open connections by first packet time, then addresses.
func sortConns(cs []*tcpConn) {
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if !a.res.Times.First.Equal(b.res.Times.First) {
			return a.res.Times.First.Before(b.res.Times.First)
		}
		if c := a.key.a.Compare(b.key.a); c != 0 {
			return c < 0
		}
		if c := a.key.b.Compare(b.key.b); c != 0 {
			return c < 0
		}
		return a.key.zone < b.key.zone // the same addresses in different tunnels
	})
}

// sortEvidence sorts e by packet order, stable. The list is in order but
// for the entry just appended (at most 64 entries): an insertion sort, which
// moves it into place without the allocations of sort.SliceStable's
// reflection (a tenth of the CPU time on a million short connections).
func sortEvidence(e []Evidence) {
	for i := 1; i < len(e); i++ {
		if e[i].seq >= e[i-1].seq {
			continue
		}
		x := e[i]
		j := i
		for ; j > 0 && e[j-1].seq > x.seq; j-- {
			e[j] = e[j-1]
		}
		e[j] = x
	}
}

// Advance moves the tracker's clock to ts when ts is later: the capture's
// end so far, against which CLC timeouts and idle links are judged. Feed it
// the time of every frame the tracker does not see (HandleTCP moves the
// clock itself for the segments it gets).
func (t *Tracker) Advance(ts time.Time) { t.advance(ts) }

// HandleRoCE feeds one RoCE packet (b from its BTH on; dst is the RoCEv2
// destination address, the zero Addr for RoCEv1) and returns its BTH and,
// for an SMC-R LLC message, the decoded LLC.
func (t *Tracker) HandleRoCE(dst netip.Addr, b []byte, wireLen, frame int, ts time.Time) (BTH, *smcproto.LLC, bool) {
	t.JudgeWaiting() // their links are judged from the RoCE frames before this one
	return t.roce.handle(dst, b, wireLen, frame, ts)
}

// OnLLC sets the function called for every SMC-R LLC message decoded from
// RoCE frames (used by the per-packet printer).
func (t *Tracker) OnLLC(fn func(frame int, l *smcproto.LLC)) { t.roce.OnLLC = fn }

// Counts are the tracker's totals for the report.
type Counts struct {
	// TCPConnections counts every TCP connection seen.
	TCPConnections int
	// NotKept counts the finished SMC-related connections beyond Keep.
	NotKept int
	// LinkUnverified counts the connections judged link-unverified,
	// listed or not.
	LinkUnverified int
	// Listed counts the connections listed (numbered); Skipped those of
	// them numbered without a record (SkipUnlisted).
	Listed, Skipped int
	// NoHandshake counts connections without handshake and without SMC sign.
	NoHandshake int
	// RoCEFrames counts the RoCE frames; RoCEFirst is the first one's time.
	RoCEFrames int
	RoCEFirst  time.Time
	// MaxOpen is the open-connection bound; Evicted counts the open
	// connections finished early because the table reached it,
	// EvictedUnanswered the unanswered SYNs among them.
	MaxOpen, Evicted, EvictedUnanswered int
	// TombstonesEvicted counts finished 4-tuples forgotten before
	// closedLinger because MaxTombstones were remembered.
	TombstonesEvicted int
	// ReassemblyRefused counts out-of-order segments not kept because
	// the connections together held decode.MaxPendingTotal bytes of them.
	ReassemblyRefused int
}

// Counts returns the tracker's totals.
func (t *Tracker) Counts() Counts {
	t.JudgeWaiting()
	return Counts{
		TCPConnections: t.totalTCP, NotKept: t.dropped, LinkUnverified: t.linkUnverified, Listed: t.listed, Skipped: t.skipped,
		NoHandshake: t.noHandshake, RoCEFrames: t.roce.total, RoCEFirst: t.roce.first,
		MaxOpen: t.maxOpen(), Evicted: t.evicted, EvictedUnanswered: t.evictedSYN, TombstonesEvicted: t.tomb.evicted,
		ReassemblyRefused: t.pending.Refused,
	}
}

// pruneOpen is the open-connection count above which Prune drops them all
// (a variable for tests).
var pruneOpen = 100000

// Prune drops the finished connections' results and, when the table grew
// past pruneOpen connections, every connection's state: the per-packet
// printer keeps a long live capture bounded with it.
func (t *Tracker) Prune() {
	t.JudgeWaiting()
	if t.conns.len() > pruneOpen {
		t.conns = newConnTable()
		t.last = nil
		clear(t.recent[:])
		clear(t.closing) // their connections are forgotten, not finished
		t.closing = t.closing[:0]
	}
	t.done = t.done[:0]
	t.detailed = 0
}
