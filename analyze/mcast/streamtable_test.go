package mcast

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestStreamTable adds and removes streams against a Go map, with hashes
// forced into a few values so that chains of streams sharing a hash are
// walked, unlinked from their middle and head, and the table grows.
func TestStreamTable(t *testing.T) {
	var tb streamTable
	ref := map[streamKey]*stream{}
	rng := rand.New(rand.NewPCG(3, 4))
	key := func(i int) streamKey {
		return streamKey{src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 1000),
			dst: netip.AddrPortFrom(netip.MustParseAddr("239.1.1.1"), 5000), vlan: uint16(i % 3)}
	}
	for step := range 30000 {
		i := rng.IntN(600)
		k := key(i)
		h := uint64(i%7 + 1) // 7 hashes: long chains
		if i%5 == 0 {
			h = k.seeded()
		}
		if st := ref[k]; st != nil {
			if !tb.del(st) {
				t.Fatalf("step %d: del of a tracked stream failed", step)
			}
			if tb.del(st) {
				t.Fatalf("step %d: del of a removed stream succeeded", step)
			}
			delete(ref, k)
		} else {
			st := &stream{key: k, h: h}
			tb.add(st)
			ref[k] = st
		}
		if tb.n != len(ref) {
			t.Fatalf("step %d: n = %d, want %d", step, tb.n, len(ref))
		}
		if step%97 == 0 {
			for k, st := range ref {
				if got := tb.get(&k, st.h); got != st {
					t.Fatalf("step %d: get(%v) = %p, want %p", step, k, got, st)
				}
			}
			for j := range 600 {
				k := key(j)
				if ref[k] == nil && tb.get(&k, uint64(j%7+1)) != nil {
					t.Fatalf("step %d: removed stream %d still found", step, j)
				}
			}
		}
	}
}

// TestStreamKeyHash checks that the distinct-stream estimate's hash is the
// unseeded one (the estimate must be the same run after run) and that the
// table's hash is seeded and never 0.
func TestStreamKeyHash(t *testing.T) {
	k := streamKey{src: netip.MustParseAddrPort("10.1.1.1:4000"), dst: netip.MustParseAddrPort("239.1.1.1:5000"), vlan: 7}
	if k.hash() != k.hashWith(0) {
		t.Fatal("hash is not hashWith(0)")
	}
	if k.hashWith(1) == k.hashWith(2) {
		t.Fatal("the seed does not change the hash")
	}
	if k.seeded() == 0 {
		t.Fatal("seeded hash 0")
	}
}
