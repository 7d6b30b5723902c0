package smcflow

import (
	"cmp"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"time"
	"unsafe"

	"github.com/smcdump/smcdump/internal/hashtab"
	"github.com/smcdump/smcdump/internal/mix"
	"github.com/smcdump/smcdump/internal/prefetch"
	"github.com/smcdump/smcdump/internal/selectk"
)

// Memory bounds of the tracker (docs/architecture.md "Memory bounds"):
// every table it keeps has a fixed capacity, whatever the capture holds.

const (
	// DefaultMaxOpen is the default bound of the open-connection table
	// (Tracker.MaxOpen).
	DefaultMaxOpen = 1 << 13
	// MaxTombstones bounds the finished 4-tuples remembered for closedLinger
	// so that their trailing segments are not taken for new connections.
	MaxTombstones = 1 << 14
)

// tombstones remembers recently finished connections' 4-tuples for
// closedLinger, at most MaxTombstones of them: a hash table for the lookup
// and a ring in finishing order, so the oldest is forgotten first when full
// (its late segments then start a connection without handshake, which is
// counted, not listed) and the expired ones are dropped from the front in
// O(1) each. A 4-tuple is remembered by a 64-bit hash (16 bytes an entry
// with its time): two tuples sharing a hash, about 2^-48 per lookup when
// full, would only drop a segment of a connection whose handshake is not in
// the capture. The table is open addressing with linear probing, at most
// half full (twice the ring's slots), hash 0 marking a free slot (a tuple
// hashing to 0 is taken as hashing to 1).
type tombstones struct {
	tab     []tombstone // hash → finished (Unix ns); h == 0: free
	used    int         // occupied slots of tab
	ring    []tombstone
	head, n int
	evicted int // forgotten before closedLinger because the ring was full
}

// tombstone is a finished tuple's hash and when it finished (Unix ns).
type tombstone = hashtab.Slot[int64]

// keyHash mixes the two endpoints of k into 64 bits (never 0). It runs for
// every segment that is not of the previous segment's connection.
//
// The hash is seeded per process (keySeed, into every word before it is
// multiplied): the open-connection table and the tombstones place a tuple
// by the low bits of its hash, and a capture crafted so that thousands of
// tuples share those bits, or the whole hash (Hash5 unseeded can be
// inverted word by word), would make every lookup walk them all. The Go
// map the open connections were kept in before seeded its own hash.
// Nothing printed depends on the hash: the tables' contents are sorted, or
// selected by a total order, before they are listed (TestKeySeedSameRecords).
func keyHash(k connKey) uint64 {
	a, b := k.a.Addr().As16(), k.b.Addr().As16()
	s := keySeed
	return max(mix.Hash5(binary.BigEndian.Uint64(a[:8])^s, binary.BigEndian.Uint64(a[8:])^s,
		binary.BigEndian.Uint64(b[:8])^s, binary.BigEndian.Uint64(b[8:])^s,
		(uint64(k.a.Port())<<16|uint64(k.b.Port())^k.zone)^s), 1)
}

// keySeed is keyHash's seed, random per process.
var keySeed = rand.Uint64()

// find returns h's slot in the table, or the free slot where it would go.
func (s *tombstones) find(h uint64) (int, bool) {
	return hashtab.Probe(s.tab, h)
}

// set records h finished at ns (the latest finish of a tuple wins).
func (s *tombstones) set(h uint64, ns int64) {
	i, ok := s.find(h)
	if !ok {
		s.used++
	}
	s.tab[i] = tombstone{H: h, V: ns}
}

// del frees slot i (backShift).
func (s *tombstones) del(i int) {
	hashtab.BackShift(s.tab, i)
	s.used--
}

func (s *tombstones) add(k connKey, t time.Time) { s.addHash(keyHash(k), t.UnixNano()) }

// addHash remembers the tuple of hash h (keyHash) finished at ns.
func (s *tombstones) addHash(h uint64, ns int64) {
	if s.n == MaxTombstones {
		s.evicted++
		s.pop()
	}
	if len(s.ring) < MaxTombstones && s.n == len(s.ring) {
		// Grow the ring (contents in order from head) and the table.
		nr := make([]tombstone, min(max(2*len(s.ring), 1024), MaxTombstones))
		for i := 0; i < s.n; i++ {
			nr[i] = s.ring[(s.head+i)&(len(s.ring)-1)]
		}
		old := s.tab
		s.ring, s.head = nr, 0
		s.tab, s.used = make([]tombstone, 2*len(nr)), 0
		for _, e := range old {
			if e.H != 0 {
				s.set(e.H, e.V)
			}
		}
	}
	s.ring[(s.head+s.n)&(len(s.ring)-1)] = tombstone{H: h, V: ns}
	s.n++
	s.set(h, ns)
}

// prefetch loads the table slots that an addHash of h, ahead adds from
// now, will probe: h's home slot, and the home slot of the tombstone it
// will forget when the ring is full. The table is larger than the
// processor's nearer caches and its slots are random: each add waited on
// two or three misses (tombstones were 8 % of the CPU on a million
// handshakes).
func (s *tombstones) prefetch(h uint64, ahead int) {
	if len(s.tab) == 0 {
		return
	}
	mask := len(s.tab) - 1
	prefetch.AddrW((*byte)(unsafe.Pointer(&s.tab[int(h)&mask])), 16)
	if s.n == MaxTombstones && ahead < s.n {
		old := s.ring[(s.head+ahead)&(len(s.ring)-1)].H
		prefetch.AddrW((*byte)(unsafe.Pointer(&s.tab[int(old)&mask])), 16)
	}
}

// pop forgets the oldest tombstone.
func (s *tombstones) pop() {
	old := s.ring[s.head]
	s.ring[s.head] = tombstone{}
	s.head = (s.head + 1) & (len(s.ring) - 1)
	s.n--
	if i, ok := s.find(old.H); ok && s.tab[i].V == old.V {
		s.del(i)
	}
}

// lookup returns when k's connection finished, if remembered.
func (s *tombstones) lookup(k connKey) (time.Time, bool) { return s.lookupHash(keyHash(k)) }

// lookupHash is lookup by the key's hash (keyHash).
func (s *tombstones) lookupHash(h uint64) (time.Time, bool) {
	if s.used == 0 {
		return time.Time{}, false
	}
	i, ok := s.find(h)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, s.tab[i].V), true
}

// expire forgets the tombstones older than closedLinger at now (finishing
// order is nearly time order; a stray newer one at the front only delays
// the expiry of the ones behind it until the ring wraps).
func (s *tombstones) expire(now time.Time) {
	limit := now.Add(-closedLinger).UnixNano()
	for s.n > 0 && s.ring[s.head].V < limit {
		s.pop()
	}
	if s.n == 0 && s.used > 0 {
		clear(s.tab)
		s.used = 0
	}
}

// evictOpen finishes connections when the open table holds more than
// t.MaxOpen: first the unanswered SYNs (SYN only, no answer, no data:
// a SYN flood or a port scan), then the plain TCP connections (SYN without
// the SMC option: their verdict is final), then those whose SMC handshake
// has resolved, then the others, each class least recently active first,
// down to 7/8 of the limit so that it runs once per MaxOpen/8
// new connections (amortised O(log n) per connection). Each evicted
// connection gets the verdict it would get if the capture ended now, with a
// note saying so, and is counted (Counts.Evicted).
func (t *Tracker) evictOpen() {
	limit := t.maxOpen()
	if t.MaxOpen < 0 || t.conns.len() <= limit {
		return
	}
	target := limit - limit/8
	// now.Sub(last) >= synRetry exactly when last is not after now less
	// synRetry, compared as Unix seconds and nanoseconds as the order key
	// holds them
	retried := t.lastTime.Add(-synRetry)
	rSec, rNs := retried.Unix(), retried.Nanosecond()
	// Each connection's order key is read once (the connections are cold
	// in the cache), then the len-target first are selected and only they
	// sorted: comparing the connections themselves in a full sort was 20 %
	// of the CPU on a million open handshakes.
	keys, conns := t.evictBuf[:0], t.evictConns[:0]
	conns = t.conns.appendTo(conns)
	for i, c := range conns {
		last := c.res.Times.Last
		sec, ns := last.Unix(), last.Nanosecond()
		waited := sec < rSec || sec == rSec && ns <= rNs
		keys = append(keys, evictOrder(c.evictClass(waited), sec, ns, i))
	}
	// Oldest (created, unique) last: a total order.
	tie := func(i, j int) int { return cmp.Compare(conns[i].created, conns[j].created) }
	n := len(keys) - target
	selectk.FirstKeys(keys, n, tie)
	slices.SortFunc(keys[:n], func(a, b selectk.Key) int { return selectk.Compare(&a, &b, tie) })
	for _, k := range keys[:n] {
		c := conns[k.I]
		c.evictedClass = uint8(k.K[0])
		if c.evictedClass == 0 {
			t.evictedSYN++
		}
		t.evicted++
		c.evictedEarly = true
		t.finish(c)
		t.tomb.addHash(c.h, c.res.Times.Last.UnixNano())
	}
	clear(conns)
	t.evictBuf, t.evictConns = keys[:0], conns[:0]
}

// evictOrder is the eviction order key of the open connection conns[i]:
// its class (evictClass), then least recently active (last packet, Unix
// seconds and nanoseconds, the seconds' sign bit flipped so that they
// order as unsigned), then, by evictOpen's tie order, oldest.
func evictOrder(class int, sec int64, ns int, i int) selectk.Key {
	return selectk.Key{K: [3]uint64{uint64(class), uint64(sec) ^ 1<<63, uint64(ns)}, I: i}
}

// unanswered: only the SYN was seen (no SYN-ACK, no CLC, no data).
func (c *tcpConn) unanswered() bool {
	return c.synSeen && !c.synAckSeen && len(c.events) == 0 && c.res.Bytes == 0
}

// synRetry is the initial SYN retransmission timeout (RFC 6298): a SYN
// unanswered for this long is a SYN flood or scan, or a dead server.
const synRetry = time.Second

// evictClass orders the open connections for eviction (lowest first);
// waited says the connection's last packet is synRetry or more before the
// tracker's clock. It is known from the time the order reads anyway, so
// it is tested first: a recent connection's other fields then stay on
// the cache line of its flags (tcpConn.dirDone is kept there).
func (c *tcpConn) evictClass(waited bool) int {
	switch {
	case waited && c.unanswered():
		return 0
	case c.synSeen && !c.synOpt && !c.synCut:
		return 1
	case c.resolved():
		return 2
	}
	return 3
}

func evictClassName(class int) string {
	return [...]string{"an unanswered SYN", "plain TCP", "its SMC handshake resolved", "the least recently active"}[class]
}

// DefaultDetail is the default number of kept connections with their full
// detail (Tracker.Detail): the evidence, notes and CLC endpoint fields
// take a few KiB per connection, a compact record a few hundred bytes.
const DefaultDetail = 1000

func (t *Tracker) detail() int {
	if t.Detail == 0 {
		return DefaultDetail
	}
	return t.Detail
}

// slim returns a compact copy of r for the connection list: what the
// connection table, the fallback groups, the gates and the link
// assignment use (addresses, outcome, reason, decline, negotiated variant,
// times, latency, counters, queue pairs), without the evidence, notes, CLC
// endpoint fields and the summary sentence. DetailOmitted says so. The copy
// is detached from r's storage (r may point into the tracking state, see
// detach): the record and the values it points to are s, which is
// overwritten whole.
func slim(s *slimConn, r *Conn) *Conn {
	x := &s.Conn
	*x = Conn{
		ID: r.ID, Client: r.Client, Server: r.Server, RolesGuessed: r.RolesGuessed, VLAN: r.VLAN, Tunnel: r.Tunnel,
		Outcome: r.Outcome, Reason: r.Reason,
		Link:    r.Link,
		Times:   Times{First: r.Times.First, Last: r.Times.Last},
		Packets: r.Packets, Bytes: r.Bytes,
		Evidence:      []Evidence{},
		DetailOmitted: true,
		clientQPN:     r.clientQPN, serverQPN: r.serverQPN, clientTok: r.clientTok, serverTok: r.serverTok,
		clientIP: r.clientIP, serverIP: r.serverIP, firstContact: r.firstContact, confirmAt: r.confirmAt, smcR: r.smcR,
	}
	if r.SYNOption != nil {
		s.b[0] = *r.SYNOption
		x.SYNOption = &s.b[0]
	}
	if r.SYNACKOption != nil {
		s.b[1] = *r.SYNACKOption
		x.SYNACKOption = &s.b[1]
	}
	if r.Times.End != nil {
		s.t[0] = *r.Times.End
		x.Times.End = &s.t[0]
	}
	if r.Times.Confirm != nil {
		s.t[1] = *r.Times.Confirm
		x.Times.Confirm = &s.t[1]
	}
	if r.Latency.HandshakeMS != nil {
		s.ms[0] = *r.Latency.HandshakeMS
		x.Latency.HandshakeMS = &s.ms[0]
	}
	if r.Latency.CLCMS != nil {
		s.ms[1] = *r.Latency.CLCMS
		x.Latency.CLCMS = &s.ms[1]
	}
	if r.SMC != nil {
		s.smc = *r.SMC
		s.smc.EID = ""
		if r.SMC.Release != nil {
			s.release = *r.SMC.Release
			s.smc.Release = &s.release
		}
		if r.SMC.Direct != nil {
			s.direct = *r.SMC.Direct
			s.smc.Direct = &s.direct
		}
		x.SMC = &s.smc
	}
	if d := r.Decline; d != nil {
		// Meaning and Remedy are constants of the code table: shared.
		s.decl = *d
		s.decl.Extra = nil
		x.Decline = &s.decl
	}
	return x
}

// slimConn is a slim record with the values it points to.
type slimConn struct {
	Conn
	b       [2]bool
	t       [2]time.Time
	ms      [2]float64
	smc     SMCInfo
	release int
	direct  bool
	decl    DeclineInfo
}

// lean reports whether a connection created now will not keep its detail:
// the kept list is full up to Detail (it only grows while a capture is
// read) and no callback wants the detail.
func (t *Tracker) lean() bool {
	d := t.detail()
	return !t.FullDetail && t.OnResolved == nil && d >= 0 && t.detailed >= d
}

// dropsPlain reports whether the tracker only counts not-smc connections:
// judge lists them with All only, and OnDone and OnResolved get their
// detail only with FullDetail or OnResolved set (report.Aggregate reads
// only the outcome of one).
func (t *Tracker) dropsPlain() bool {
	return !t.All && !t.FullDetail && t.OnResolved == nil
}
