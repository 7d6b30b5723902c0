package smcflow

// connTable is the open-connection table. A connection is found by the
// 64-bit hash of its key (keyHash, also its tombstone's identity), the
// connections sharing a hash chained through tcpConn.sameHash and compared
// whole. A Go map keyed by the connKey itself (two netip.AddrPort, 64
// bytes with pointers) hashed and compared it field by field: its
// lookups, inserts and deletes were 8 % of the CPU on a million
// handshakes, three per connection.
type connTable struct {
	m map[uint64]*tcpConn
	n int
}

func newConnTable() connTable { return connTable{m: make(map[uint64]*tcpConn)} }

// get returns the open connection with key k, whose hash is h, or nil.
func (ct *connTable) get(k connKey, h uint64) *tcpConn {
	for c := ct.m[h]; c != nil; c = c.sameHash {
		if c.key == k {
			return c
		}
	}
	return nil
}

// add adds c, whose key hashes to c.h (and is not in the table).
func (ct *connTable) add(c *tcpConn) {
	c.sameHash = ct.m[c.h]
	ct.m[c.h] = c
	ct.n++
}

// del removes c (in the table).
func (ct *connTable) del(c *tcpConn) {
	p := ct.m[c.h]
	if p == c {
		if c.sameHash == nil {
			delete(ct.m, c.h)
		} else {
			ct.m[c.h] = c.sameHash
		}
	} else {
		for p.sameHash != c {
			p = p.sameHash
		}
		p.sameHash = c.sameHash
	}
	c.sameHash = nil
	ct.n--
}

// len is the number of open connections.
func (ct *connTable) len() int { return ct.n }

// appendTo appends the open connections to buf, in no particular order.
func (ct *connTable) appendTo(buf []*tcpConn) []*tcpConn {
	for _, c := range ct.m {
		for ; c != nil; c = c.sameHash {
			buf = append(buf, c)
		}
	}
	return buf
}
