package smcflow

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestConnTableSharedHash: connections whose keys share a hash are kept
// apart (chained), found, deleted from any place in the chain, and listed.
func TestConnTableSharedHash(t *testing.T) {
	ct := newConnTable()
	var cs [5]tcpConn
	for i := range cs {
		k, _ := makeKey(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 40000), netip.MustParseAddrPort("10.0.1.1:5000"))
		cs[i].key, cs[i].h = k, 7 // one hash for all: the chain is all there is
		ct.add(&cs[i])
	}
	other := tcpConn{key: connKey{a: netip.MustParseAddrPort("10.9.9.9:1"), b: netip.MustParseAddrPort("10.9.9.8:2")}, h: 8}
	ct.add(&other)
	if ct.len() != 6 || len(ct.appendTo(nil)) != 6 {
		t.Fatalf("len %d, listed %d, want 6", ct.len(), len(ct.appendTo(nil)))
	}
	for _, i := range []int{2, 4, 0} { // middle, head (added last), tail
		ct.del(&cs[i])
		if ct.get(cs[i].key, 7) != nil {
			t.Errorf("connection %d found after its deletion", i)
		}
	}
	for _, i := range []int{1, 3} {
		if ct.get(cs[i].key, 7) != &cs[i] {
			t.Errorf("connection %d not found", i)
		}
	}
	if ct.get(other.key, 8) != &other || ct.get(other.key, 7) != nil {
		t.Error("a key is found under its own hash only")
	}
	ct.del(&cs[1])
	ct.del(&cs[3])
	ct.del(&other)
	if ct.len() != 0 || ct.used != 0 {
		t.Errorf("emptied table: len %d, %d slots used", ct.len(), ct.used)
	}
}

// TestConnTableRandom checks the table against a map over random adds and
// deletes whose hashes crowd a few home slots (long probe runs that wrap
// around the end of the table, shared hashes, growth), so that deleting
// shifts entries back across them.
func TestConnTableRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ct := newConnTable()
	conns := make([]tcpConn, 3000)
	in := map[*tcpConn]bool{}
	for i := range conns {
		a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), uint16(1000+i))
		conns[i].key, _ = makeKey(a, netip.MustParseAddrPort("10.1.1.1:80"))
		// Hashes ending in the same bits share a home slot; some are equal.
		conns[i].h = uint64(rng.IntN(400))<<32 | uint64(rng.IntN(8)) | 0xfff0
		if i%7 == 0 {
			conns[i].h = 0xffff // wraps around the end of any table
		}
	}
	for step := range 40000 {
		c := &conns[rng.IntN(len(conns))]
		if in[c] {
			ct.del(c)
			delete(in, c)
		} else {
			ct.add(c)
			in[c] = true
		}
		if step%211 == 0 {
			for i := range conns {
				got := ct.get(conns[i].key, conns[i].h)
				if in[&conns[i]] != (got == &conns[i]) || !in[&conns[i]] && got != nil {
					t.Fatalf("step %d: connection %d in the table %v, found %p", step, i, in[&conns[i]], got)
				}
			}
			l := ct.appendTo(nil)
			if ct.len() != len(in) || len(l) != len(in) {
				t.Fatalf("step %d: len %d, listed %d, want %d", step, ct.len(), len(l), len(in))
			}
			listed := map[*tcpConn]bool{}
			for _, c := range l {
				if !in[c] || listed[c] || ct.all[c.pos] != c {
					t.Fatalf("step %d: connection %p listed wrongly (in the table %v, listed before %v)", step, c, in[c], listed[c])
				}
				listed[c] = true
			}
			if 2*ct.used > len(ct.slots) {
				t.Fatalf("step %d: %d of %d slots used", step, ct.used, len(ct.slots))
			}
		}
	}
}
