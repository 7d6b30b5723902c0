package smcflow

// Finished connections are recycled: a capture of many short connections
// would otherwise allocate (and collect) the whole tracking state of each.
// This is safe because nothing keeps a *tcpConn once it is finished:
//   - the open table and the last-connection and recent-connection
//     caches drop it (finish);
//   - the kept record is a copy of c.res with its pointers detached
//     (detach), and its Evidence/Notes slices are dropped, not reused,
//     when c is reset;
//   - OnDone and OnResolved must not keep the record they get;
//   - the closing list may still hold it: its entries carry the
//     generation of the connection they were made for (closingConn).
// A finished connection's fields stay readable until the next alloc (the
// callers of finish read its key and last time).

// maxFree bounds the recycled connections kept for reuse: as many as one
// eviction of the open table finishes at once (DefaultMaxOpen/8), so that
// the connections that replace them are not allocated anew. With 64, a
// million open handshakes (hs-open) allocated 15 of every 16 connections
// and spent a quarter of the CPU collecting them: 9.7 -> 5.0 s CPU, RSS
// the same (71-73 MiB).
const maxFree = DefaultMaxOpen / 8

// closingConn is an entry of Tracker.closing.
type closingConn struct {
	c   *tcpConn
	gen uint32
	h   uint64 // keyHash(c.key), for its tombstone
}

// open reports whether the entry's connection is still open (not finished,
// not recycled for another connection).
func (e closingConn) open() bool {
	return e.c != nil && e.c.gen == e.gen && !e.c.finished
}

func (t *Tracker) recycle(c *tcpConn) {
	if len(t.free) < maxFree {
		t.free = append(t.free, c)
	}
}

// alloc returns a zeroed connection, recycled when possible (its events
// array and FIN/RST/first-data evidence storage are kept). The evidence
// storage is not cleared: its entries are reached only through c.fin, c.rst
// and c.firstData, which the zeroed connection has nil, and each is written
// whole (Evidence.set) before it is pointed to; clearing it read a cold line
// per connection.
func (t *Tracker) alloc() *tcpConn {
	n := len(t.free)
	if n == 0 {
		return &tcpConn{}
	}
	c := t.free[n-1]
	t.free[n-1] = nil
	t.free = t.free[:n-1]
	ev, ends, clc := c.events, c.st.ends, c.clc
	clear(ev)
	gen := c.gen + 1
	*c = tcpConn{}
	c.events, c.st.ends, c.gen, c.clc = ev[:0], ends, gen, clc
	return c
}
