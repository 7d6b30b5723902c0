package mcast

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/smcdump/smcdump/internal/hashtab"
	"github.com/smcdump/smcdump/internal/mix"
)

// streamTable holds the streams being tracked, found by a seeded 64-bit
// hash of their key (streamKey.seeded, never 0), the streams sharing a
// hash chained through stream.sameHash and compared whole. The table is
// open addressing (internal/hashtab) at most half full; it grows by
// doubling and never shrinks: Config.MaxStreams bounds it.
//
// A Go map keyed by the streamKey itself (two netip.AddrPort and the
// capture point, 88 bytes with pointers) hashed and compared it field by
// field: on a capture of 200,000 short UDP flows (the udp input of
// BENCHMARKS.md, what a DNS server's capture looks like) its lookups,
// inserts and deletes were a third of the CPU.
type streamTable struct {
	slots []hashtab.Slot[*stream] // len a power of two, 0 before the first add
	used  int                     // occupied slots (distinct hashes)
	n     int                     // streams
}

// get returns the stream with key k, whose seeded hash is h, or nil.
func (tb *streamTable) get(k *streamKey, h uint64) *stream {
	if tb.n == 0 {
		return nil
	}
	i, ok := hashtab.Probe(tb.slots, h)
	if !ok {
		return nil
	}
	for st := tb.slots[i].V; st != nil; st = st.sameHash {
		if st.key == *k {
			return st
		}
	}
	return nil
}

// add adds st, whose key's seeded hash is st.h (and is not in the table).
func (tb *streamTable) add(st *stream) {
	i, ok := hashtab.Insert(&tb.slots, &tb.used, st.h)
	st.sameHash = nil
	if ok {
		st.sameHash = tb.slots[i].V
	}
	tb.slots[i].V = st
	tb.n++
}

// del removes st; it reports whether st was in the table.
func (tb *streamTable) del(st *stream) bool {
	if tb.n == 0 {
		return false
	}
	i, ok := hashtab.Probe(tb.slots, st.h)
	if !ok {
		return false
	}
	switch p := tb.slots[i].V; {
	case p == st && st.sameHash != nil:
		tb.slots[i].V = st.sameHash
	case p == st:
		hashtab.BackShift(tb.slots, i)
		tb.used--
	default:
		for p != nil && p.sameHash != st {
			p = p.sameHash
		}
		if p == nil {
			return false
		}
		p.sameHash = st.sameHash
	}
	st.sameHash = nil
	tb.n--
	return true
}

// seeded is the stream table's hash of k: hash with keySeed mixed into
// every word (never 0). A capture crafted so that thousands of keys share
// the low bits of an unseeded hash would make every lookup walk them all.
// Nothing printed depends on it: streams are listed in their own order.
func (k *streamKey) seeded() uint64 { return max(k.hashWith(keySeed), 1) }

// hashWith mixes every field of k and seed into 64 bits.
func (k *streamKey) hashWith(seed uint64) uint64 {
	s, d := k.src.Addr().As16(), k.dst.Addr().As16()
	return mix.Hash5(binary.BigEndian.Uint64(s[:8])^seed, binary.BigEndian.Uint64(s[8:])^k.zone^seed,
		binary.BigEndian.Uint64(d[:8])^seed, binary.BigEndian.Uint64(d[8:])^uint64(k.lif)<<32^uint64(uint32(k.ifc))^seed,
		(uint64(k.src.Port())<<48|uint64(k.dst.Port())<<32|uint64(k.vlan))^seed)
}

// keySeed is the stream table's seed, random per process.
var keySeed = rand.Uint64()
