package smcflow

import (
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
	if ct.len() != 0 || len(ct.m) != 0 {
		t.Errorf("emptied table: len %d, %d map entries", ct.len(), len(ct.m))
	}
}
