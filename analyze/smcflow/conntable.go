package smcflow

import "github.com/smcdump/smcdump/internal/hashtab"

// connTable is the open-connection table. A connection is found by the
// 64-bit hash of its key (keyHash, never 0, also its tombstone's
// identity), the connections sharing a hash chained through
// tcpConn.sameHash and compared whole.
//
// The table is open addressing with linear probing, at most half full, a
// slot per distinct hash (hash 0 marking a free slot), deletion shifting
// back the entries probed past the freed slot (hashtab.BackShift, as for the
// tombstones). It grows by doubling and never shrinks: the open-connection
// bound (Tracker.MaxOpen) bounds it.
//
// A Go map keyed by the connKey itself (two netip.AddrPort, 64 bytes with
// pointers) hashed and compared it field by field: its lookups, inserts
// and deletes were 8 % of the CPU on a million handshakes, three per
// connection. Then a Go map keyed by the hash: on a million closed
// handshakes its lookup, insert and delete still executed about 660
// instructions per connection (runtime.mapaccess1_fast64,
// mapassign_fast64, the map's Delete and memhash64), 5 % of what a
// handshake costs beyond bulk traffic, with about 20 instruction-cache
// misses: a large body of generic code run a few times per connection.
type connTable struct {
	slots []connSlot // len a power of two, 0 before the first add
	used  int        // occupied slots (distinct hashes)
	n     int        // connections
	// all holds the connections densely (tcpConn.pos is each one's
	// index): appendTo copies it instead of walking every slot and
	// chain, as evictOpen does each time it evicts.
	all []*tcpConn
}

// connSlot is a keyHash and the first open connection with it (the chain's
// head).
type connSlot = hashtab.Slot[*tcpConn]

func newConnTable() connTable { return connTable{} }

// find returns h's slot, or the free slot where it would go. The table
// must have a free slot.
func (ct *connTable) find(h uint64) (int, bool) {
	return hashtab.Probe(ct.slots, h)
}

// get returns the open connection with key k, whose hash is h, or nil.
func (ct *connTable) get(k connKey, h uint64) *tcpConn {
	if ct.n == 0 {
		return nil
	}
	i, ok := ct.find(h)
	if !ok {
		return nil
	}
	for c := ct.slots[i].V; c != nil; c = c.sameHash {
		if c.key == k {
			return c
		}
	}
	return nil
}

// add adds c, whose key hashes to c.h (and is not in the table).
func (ct *connTable) add(c *tcpConn) {
	i, ok := hashtab.Insert(&ct.slots, &ct.used, c.h)
	c.sameHash = nil
	if ok {
		c.sameHash = ct.slots[i].V
	}
	ct.slots[i].V = c
	ct.n++
	c.pos = int32(len(ct.all))
	ct.all = append(ct.all, c)
}

// del removes c (in the table).
func (ct *connTable) del(c *tcpConn) {
	i, ok := ct.find(c.h)
	if !ok {
		panic("smcflow: connection not in the open-connection table")
	}
	switch p := ct.slots[i].V; {
	case p != c:
		for p.sameHash != c {
			p = p.sameHash
		}
		p.sameHash = c.sameHash
	case c.sameHash != nil:
		ct.slots[i].V = c.sameHash
	default:
		ct.free(i)
	}
	c.sameHash = nil
	ct.n--
	last := ct.all[len(ct.all)-1]
	ct.all[c.pos], last.pos = last, c.pos
	ct.all[len(ct.all)-1] = nil
	ct.all = ct.all[:len(ct.all)-1]
}

// free empties slot i (backShift).
func (ct *connTable) free(i int) {
	hashtab.BackShift(ct.slots, i)
	ct.used--
}

// len is the number of open connections.
func (ct *connTable) len() int { return ct.n }

// appendTo appends the open connections to buf, in no particular order.
func (ct *connTable) appendTo(buf []*tcpConn) []*tcpConn {
	return append(buf, ct.all...)
}
