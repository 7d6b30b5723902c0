package analyze

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// TestMembershipAnalyzed: IGMP messages of each version and the group
// records of IGMPv3 reports become the groups' reports and leaves (to_in
// without sources leaves; block, is_in {}, allow {} and undefined record
// types count nothing), queries are counted, and a record cut by the
// snaplen ends the message (synthetic frames).
func TestMembershipAnalyzed(t *testing.T) {
	host, router := netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("10.0.0.254")
	igmp := func(dst string, m []byte) []byte {
		return ipv4Packet(2, host, netip.MustParseAddr(dst), 0, m)
	}
	rec := func(typ byte, group string, srcs int) []byte {
		g := netip.MustParseAddr(group).As4()
		r := append([]byte{typ, 0, 0, byte(srcs)}, g[:]...)
		return append(r, make([]byte, 4*srcs)...)
	}
	v3 := func(recs ...[]byte) []byte {
		m := []byte{0x22, 0, 0, 0, 0, 0, 0, byte(len(recs))}
		for _, r := range recs {
			m = append(m, r...)
		}
		return m
	}
	query := ipv4Packet(2, router, netip.MustParseAddr("224.0.0.1"), 0, []byte{0x11, 100, 0, 0, 0, 0, 0, 0})
	frames := [][]byte{
		query,
		igmp("239.1.1.1", []byte{0x16, 0, 0, 0, 239, 1, 1, 1}),
		igmp("224.0.0.22", v3(rec(4, "239.1.1.2", 0), rec(1, "239.1.1.3", 2), rec(9, "239.1.1.4", 0))),
		igmp("224.0.0.22", v3(rec(3, "239.1.1.2", 0), rec(6, "239.1.1.3", 1), rec(1, "239.1.1.7", 0), rec(5, "239.1.1.7", 0))),
		igmp("224.0.0.2", []byte{0x17, 0, 0, 0, 239, 1, 1, 1}),
		igmp("224.0.0.22", v3(rec(4, "239.1.1.5", 0), rec(4, "239.1.1.6", 0))[:8+8+4]), // second record cut
	}
	// the last frame's IP header says more than was captured: a snaplen
	// cut, not a short message
	last := frames[len(frames)-1]
	binary.BigEndian.PutUint16(last[14+2:], uint16(20+8+16))
	r := analyzeFrames(t, frames)
	if r.Multicast == nil || r.Multicast.Membership == nil {
		t.Fatalf("no membership section: %+v", r.Multicast)
	}
	m := r.Multicast.Membership
	// block drops sources, not the group; is_in {} and allow {} change
	// nothing
	want := map[string][2]uint64{"239.1.1.1": {1, 1}, "239.1.1.2": {1, 1}, "239.1.1.3": {1, 0}, "239.1.1.5": {1, 0}}
	if len(m.Groups) != len(want) {
		t.Errorf("groups %+v, want %v", m.Groups, want)
	}
	for _, g := range m.Groups {
		if w, ok := want[g.Group]; !ok || g.Reports != w[0] || g.Leaves != w[1] {
			t.Errorf("group %s: %d reports, %d leaves; want %v", g.Group, g.Reports, g.Leaves, w)
		}
	}
	if len(m.Queries) != 1 || m.Queries[0].General != 1 || m.Queries[0].Queriers[0] != router.String() {
		t.Errorf("queries %+v", m.Queries)
	}
}
