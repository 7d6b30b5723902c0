package smcflow

import (
	"slices"
	"time"
)

// Memory bounds of the tracker (docs/architecture.md "Memory bounds"):
// every table it keeps has a fixed capacity, whatever the capture holds.

const (
	// DefaultMaxOpen is the default bound of the open-connection table
	// (Tracker.MaxOpen).
	DefaultMaxOpen = 1 << 15
	// MaxTombstones bounds the finished 4-tuples remembered for closedLinger
	// so that their trailing segments are not taken for new connections.
	MaxTombstones = 1 << 16
)

// tombstones remembers recently finished connections' 4-tuples for
// closedLinger, at most MaxTombstones of them: a map for the lookup and a
// ring in finishing order, so the oldest is forgotten first when full (its
// late segments then start a connection without handshake, which is counted,
// not listed) and the expired ones are dropped from the front in O(1) each.
type tombstones struct {
	m       map[connKey]time.Time
	ring    []tombstone
	head, n int
	evicted int // forgotten before closedLinger because the ring was full
}

type tombstone struct {
	k connKey
	t time.Time
}

func (s *tombstones) add(k connKey, t time.Time) {
	if s.m == nil {
		s.m = make(map[connKey]time.Time)
	}
	if s.n == MaxTombstones {
		s.evicted++
		s.pop()
	}
	if len(s.ring) < MaxTombstones && s.n == len(s.ring) {
		// Grow the ring (contents in order from head).
		nr := make([]tombstone, min(max(2*len(s.ring), 1024), MaxTombstones))
		for i := 0; i < s.n; i++ {
			nr[i] = s.ring[(s.head+i)%len(s.ring)]
		}
		s.ring, s.head = nr, 0
	}
	s.ring[(s.head+s.n)%len(s.ring)] = tombstone{k, t}
	s.n++
	s.m[k] = t
}

// pop forgets the oldest tombstone.
func (s *tombstones) pop() {
	old := s.ring[s.head]
	s.ring[s.head] = tombstone{}
	s.head = (s.head + 1) % len(s.ring)
	s.n--
	if t, ok := s.m[old.k]; ok && t.Equal(old.t) {
		delete(s.m, old.k)
	}
}

// lookup returns when k's connection finished, if remembered.
func (s *tombstones) lookup(k connKey) (time.Time, bool) {
	t, ok := s.m[k]
	return t, ok
}

// expire forgets the tombstones older than closedLinger at now (finishing
// order is nearly time order; a stray newer one at the front only delays
// the expiry of the ones behind it until the ring wraps).
func (s *tombstones) expire(now time.Time) {
	for s.n > 0 && now.Sub(s.ring[s.head].t) > closedLinger {
		s.pop()
	}
	if s.n == 0 && len(s.m) > 0 {
		clear(s.m)
	}
}

// evictOpen finishes connections when the open table holds more than
// t.MaxOpen: first the unanswered SYNs (SYN only, no answer, no data:
// a SYN flood or a port scan), oldest first, then the least recently active
// connections, down to 7/8 of the limit so that it runs once per MaxOpen/8
// new connections (amortised O(log n) per connection). Each evicted
// connection gets the verdict it would get if the capture ended now, with a
// note saying so, and is counted (Counts.Evicted).
func (t *Tracker) evictOpen() {
	limit := t.maxOpen()
	if t.MaxOpen < 0 || len(t.conns) <= limit {
		return
	}
	target := limit - limit/8
	open := make([]*tcpConn, 0, len(t.conns))
	for _, c := range t.conns {
		open = append(open, c)
	}
	slices.SortFunc(open, func(a, b *tcpConn) int {
		ua, ub := a.unanswered(), b.unanswered()
		if ua != ub {
			if ua {
				return -1
			}
			return 1
		}
		if c := a.res.Times.Last.Compare(b.res.Times.Last); c != 0 {
			return c
		}
		return cmpInt64(a.created, b.created)
	})
	for _, c := range open[:len(open)-target] {
		if c.unanswered() {
			t.evictedSYN++
		}
		t.evicted++
		c.evictedEarly = true
		t.finish(c)
		t.tomb.add(c.key, c.res.Times.Last)
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// unanswered: only the SYN was seen (no SYN-ACK, no CLC, no data).
func (c *tcpConn) unanswered() bool {
	return c.synSeen && !c.synAckSeen && len(c.events) == 0 && c.res.Bytes == 0
}

func evictClass(c *tcpConn) string {
	if c.unanswered() {
		return "an unanswered SYN"
	}
	return "among the least recently active"
}
