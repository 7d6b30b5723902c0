package decode

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Tunnel headers (SYNTHETIC frames built here; analyze's
// TestTunnelEquivalence wraps every real-kernel lab frame, and
// cmd/smcdump's loss lab captures a real VXLAN underlay).

func u16b(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func u32b(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// tIPv4 is an IPv4 header for proto with payload p (no checksum: Decode
// does not check it).
func tIPv4(src, dst [4]byte, proto uint8, p []byte) []byte {
	h := []byte{0x45, 0}
	h = u16b(h, uint16(20+len(p)))
	h = append(h, 0, 1, 0x40, 0, 64, proto, 0, 0)
	h = append(append(h, src[:]...), dst[:]...)
	return append(h, p...)
}

func tUDP(sport, dport uint16, p []byte) []byte {
	h := u16b(u16b(nil, sport), dport)
	h = u16b(h, uint16(8+len(p)))
	return append(append(h, 0, 0), p...)
}

func tEth(et uint16, p []byte) []byte {
	h := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}
	return append(u16b(h, et), p...)
}

var (
	outerA = [4]byte{192, 0, 2, 1}
	outerB = [4]byte{192, 0, 2, 2}
	// the frame inside: a UDP datagram to a multicast group, in Ethernet
	innerIP  = tIPv4([4]byte{10, 1, 1, 1}, [4]byte{239, 1, 2, 3}, 17, tUDP(5000, 5001, []byte("0123456789")))
	innerEth = tEth(0x0800, innerIP)
)

func TestDecapsulate(t *testing.T) {
	vxlan := func(flags uint8, vni uint32) []byte { return u32b(u32b(nil, uint32(flags)<<24), vni<<8) }
	gre := func(flags, proto uint16, words ...uint32) []byte {
		b := u16b(u16b(nil, flags), proto)
		for _, w := range words {
			b = u32b(b, w)
		}
		return b
	}
	udpOuter := func(port uint16, h, inner []byte) []byte {
		return tEth(0x0800, tIPv4(outerA, outerB, 17, tUDP(40000, port, append(append([]byte{}, h...), inner...))))
	}
	greOuter := func(h, inner []byte) []byte {
		return tEth(0x0800, tIPv4(outerA, outerB, 47, append(append([]byte{}, h...), inner...)))
	}
	erspan2 := u32b(u16b(u16b(nil, 0x1000|100), 0x2000|123), 7)                 // version 1, VLAN 100, session 123
	erspan3 := u16b(u16b(u32b(u16b(u16b(nil, 0x2000|100), 124), 1), 0), 7<<4|1) // version 2, session 124, hw 7, ingress, platform sub-header
	erspan3 = append(erspan3, make([]byte, 8)...)
	tests := []struct {
		name   string
		frame  []byte
		ok     bool
		kind   uint8
		id     uint32
		hasID  bool
		innerL pcapfile.LinkType
	}{
		{"vxlan", udpOuter(4789, vxlan(0x08, 42), innerEth), true, TunnelVXLAN, 42, true, pcapfile.LinkTypeEthernet},
		{"vxlan on Linux's port", udpOuter(8472, vxlan(0x08, 7), innerEth), true, TunnelVXLAN, 7, true, pcapfile.LinkTypeEthernet},
		{"vxlan-gbp flags", udpOuter(4789, vxlan(0x88, 9), innerEth), true, TunnelVXLAN, 9, true, pcapfile.LinkTypeEthernet},
		{"vxlan without the I flag: not VXLAN", udpOuter(4789, vxlan(0, 42), innerEth), false, 0, 0, false, 0},
		{"vxlan header cut", udpOuter(4789, vxlan(0x08, 42)[:6], nil), false, 0, 0, false, 0},
		{"vxlan-gpe ipv4", udpOuter(4790, u32b(u32b(nil, 0x0c000001), 9<<8), innerIP), true, TunnelVXLANGPE, 9, true, pcapfile.LinkTypeRaw},
		{"vxlan-gpe nsh: not opened", udpOuter(4790, u32b(u32b(nil, 0x0c000004), 9<<8), innerIP), false, 0, 0, false, 0},
		{"geneve", udpOuter(6081, u32b(u16b([]byte{0, 0}, 0x6558), 99<<8), innerEth), true, TunnelGeneve, 99, true, pcapfile.LinkTypeEthernet},
		{"geneve with an option", udpOuter(6081, append(u32b(u16b([]byte{2, 0}, 0x6558), 99<<8), 1, 2, 3, 1, 0xde, 0xad, 0xbe, 0xef), innerEth), true, TunnelGeneve, 99, true, pcapfile.LinkTypeEthernet},
		{"geneve version 1: not opened", udpOuter(6081, u32b(u16b([]byte{0x40, 0}, 0x6558), 99<<8), innerEth), false, 0, 0, false, 0},
		{"geneve options cut", udpOuter(6081, u32b(u16b([]byte{0x3f, 0}, 0x6558), 99<<8), innerEth[:20]), false, 0, 0, false, 0},
		{"gre ip", greOuter(gre(0, 0x0800), innerIP), true, TunnelGRE, 0, false, pcapfile.LinkTypeRaw},
		{"gretap key seq checksum", greOuter(gre(0xb000, 0x6558, 0, 5, 77), innerEth), true, TunnelGRE, 5, true, pcapfile.LinkTypeEthernet},
		{"gre routing: not opened", greOuter(gre(0x4000, 0x0800), innerIP), false, 0, 0, false, 0},
		{"pptp gre v1: not opened", greOuter(gre(0x3001, 0x880b, 0, 0), innerIP), false, 0, 0, false, 0},
		{"gre mpls: not opened", greOuter(gre(0, 0x8847), innerIP), false, 0, 0, false, 0},
		{"gre key cut", tEth(0x0800, tIPv4(outerA, outerB, 47, gre(0x2000, 0x6558)[:4])), false, 0, 0, false, 0},
		{"erspan type I", greOuter(gre(0, 0x88be), innerEth), true, TunnelERSPAN1, 0, false, pcapfile.LinkTypeEthernet},
		{"erspan type II", greOuter(append(gre(0x1000, 0x88be, 3), erspan2...), innerEth), true, TunnelERSPAN2, 123, true, pcapfile.LinkTypeEthernet},
		{"erspan type II bad version", greOuter(append(gre(0x1000, 0x88be, 3), append([]byte{0x20}, erspan2[1:]...)...), innerEth), false, 0, 0, false, 0},
		{"erspan type III", greOuter(append(gre(0x1000, 0x22eb, 4), erspan3...), innerEth), true, TunnelERSPAN3, 124, true, pcapfile.LinkTypeEthernet},
		{"ipip", tEth(0x0800, tIPv4(outerA, outerB, 4, innerIP)), true, TunnelIPIP, 0, false, pcapfile.LinkTypeIPv4},
		{"plain udp", tEth(0x0800, innerIP), false, 0, 0, false, 0},
		{"fragment of a tunnel packet", func() []byte {
			b := udpOuter(4789, vxlan(0x08, 42), innerEth)
			b[14+6] |= 0x20 // more fragments
			return b
		}(), false, 0, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f Frame
			Decode(pcapfile.LinkTypeEthernet, tt.frame, &f)
			in, ok := Decapsulate(&f)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v (%+v)", ok, tt.ok, in.Tunnel)
			}
			if !ok {
				DecodeInner(pcapfile.LinkTypeEthernet, tt.frame, &f)
				if f.Tunnel.Kind != TunnelNone || f.Tunnel.Depth != 0 {
					t.Errorf("DecodeInner removed a tunnel: %+v", f.Tunnel)
				}
				return
			}
			tu := in.Tunnel
			if tu.Kind != tt.kind || tu.ID != tt.id || tu.HasID != tt.hasID || in.LinkType != tt.innerL {
				t.Errorf("kind %d id %d (has %v) inner %v, want %d %d (%v) %v", tu.Kind, tu.ID, tu.HasID, in.LinkType, tt.kind, tt.id, tt.hasID, tt.innerL)
			}
			if tu.OuterSrc != netip.AddrFrom4(outerA) || tu.OuterDst != netip.AddrFrom4(outerB) {
				t.Errorf("outer %v > %v", tu.OuterSrc, tu.OuterDst)
			}
			DecodeInner(pcapfile.LinkTypeEthernet, tt.frame, &f)
			if f.Status != StatusOK || f.Proto != ProtoUDP || f.DstPort != 5001 || f.Dst != netip.MustParseAddr("239.1.2.3") || string(f.Payload) != "0123456789" {
				t.Errorf("inner frame: status %d %s %v:%d payload %q", f.Status, f.Reason, f.Dst, f.DstPort, f.Payload)
			}
			if f.Tunnel.Kind != tt.kind || f.Tunnel.Depth != 1 || f.Tunnel.ID != tt.id || f.Tunnel.Src != netip.AddrFrom4(outerA) {
				t.Errorf("frame's tunnel %+v", f.Tunnel)
			}
		})
	}
}

// A tunnel inside a tunnel is opened to MaxTunnelDepth; a frame cut by
// the snaplen inside a tunnel is truncated, not malformed.
func TestDecodeInnerDepthAndTruncation(t *testing.T) {
	frame := innerEth
	for i := 0; i < MaxTunnelDepth+2; i++ {
		frame = tEth(0x0800, tIPv4(outerA, outerB, 17, tUDP(40000, 4789, append(u32b(u32b(nil, 0x08000000), uint32(i)<<8), frame...))))
	}
	var f Frame
	DecodeInner(pcapfile.LinkTypeEthernet, frame, &f)
	if f.Tunnel.Depth != MaxTunnelDepth || f.Tunnel.ID != MaxTunnelDepth+1 {
		t.Errorf("depth %d id %d, want %d and the outermost VNI %d", f.Tunnel.Depth, f.Tunnel.ID, MaxTunnelDepth, MaxTunnelDepth+1)
	}
	if f.DstPort != 4789 {
		t.Errorf("after %d headers the frame is %v:%d, want the next VXLAN datagram", MaxTunnelDepth, f.Dst, f.DstPort)
	}

	one := tEth(0x0800, tIPv4(outerA, outerB, 17, tUDP(40000, 4789, append(u32b(u32b(nil, 0x08000000), 42<<8), innerEth...))))
	for cut := 14 + 20 + 8; cut < len(one); cut++ {
		DecodeInner(pcapfile.LinkTypeEthernet, one[:cut], &f)
		if f.Status == StatusMalformed {
			t.Fatalf("cut at %d: malformed (%s), want truncated", cut, f.Reason)
		}
	}
}

func BenchmarkDecodeInnerVXLAN(b *testing.B) {
	frame := tEth(0x0800, tIPv4(outerA, outerB, 17, tUDP(40000, 4789, append(u32b(u32b(nil, 0x08000000), 42<<8), innerEth...))))
	var f Frame
	b.ReportAllocs()
	for b.Loop() {
		DecodeInner(pcapfile.LinkTypeEthernet, frame, &f)
	}
}

// TestDecodeInnerNotATunnel: a datagram to a tunnel port whose header is
// not the tunnel's, or whose inside is malformed, is analyzed as the
// datagram it is; a tunnel header cut by the snaplen is truncated.
func TestDecodeInnerNotATunnel(t *testing.T) {
	vx := func(flags uint32, last byte, inner []byte) []byte {
		h := u32b(u32b(nil, flags), 42<<8|uint32(last))
		return tEth(0x0800, tIPv4(outerA, outerB, 17, tUDP(40000, 4789, append(h, inner...))))
	}
	badIP := tEth(0x0800, []byte{0x43, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}) // IHL 3: impossible
	for _, c := range []struct {
		name   string
		frame  []byte
		depth  uint8
		status int
		port   uint16 // the frame's UDP destination port after decoding
	}{
		{"vxlan", vx(0x08000000, 0, innerEth), 1, StatusOK, 5001},
		{"vxlan-gbp G bit", vx(0x88000000, 0, innerEth), 1, StatusOK, 5001},
		{"reserved flag bit", vx(0x0c000000, 0, innerEth), 0, StatusOK, 4789},
		{"reserved last byte", vx(0x08000000, 7, innerEth), 0, StatusOK, 4789},
		{"no I flag", vx(0x00000000, 0, innerEth), 0, StatusOK, 4789},
		{"malformed inside", vx(0x08000000, 0, badIP), 0, StatusOK, 4789},
		{"header cut by the snaplen", vx(0x08000000, 0, innerEth)[:14+20+8+5], 0, StatusTruncated, 4789},
	} {
		var f Frame
		DecodeInner(pcapfile.LinkTypeEthernet, c.frame, &f)
		if f.Tunnel.Depth != c.depth || f.Status != c.status || f.DstPort != c.port {
			t.Errorf("%s: depth %d status %d (%s) port %d; want %d, %d, %d", c.name, f.Tunnel.Depth, f.Status, f.Reason, f.DstPort, c.depth, c.status, c.port)
		}
		if (f.Zone != 0) != (c.depth > 0) || (f.Data != nil) != (c.depth > 0) {
			t.Errorf("%s: zone %x data %d bytes at depth %d", c.name, f.Zone, len(f.Data), c.depth)
		}
	}
}

// TestZones: both directions of a flow are one zone; VNIs, nested VNIs
// inside one ERSPAN session and the outer endpoints separate zones; the
// key of GRE carrying IP does not (it may differ each way).
func TestZones(t *testing.T) {
	zone := func(frame []byte) uint64 {
		var f Frame
		DecodeInner(pcapfile.LinkTypeEthernet, frame, &f)
		if f.Status != StatusOK || f.Tunnel.Depth == 0 {
			t.Fatalf("not opened: status %d %s", f.Status, f.Reason)
		}
		return f.Zone
	}
	vx := func(a, b [4]byte, vni uint32, inner []byte) []byte {
		return tEth(0x0800, tIPv4(a, b, 17, tUDP(40000, 4789, append(u32b(u32b(nil, 0x08000000), vni<<8), inner...))))
	}
	erspan := func(a, b [4]byte, session uint16, inner []byte) []byte {
		h := u32b(u16b(u16b(nil, 0x1000), 0x88be), 1)
		h = u32b(u16b(u16b(h, 0x1000), session), 0)
		return tEth(0x0800, tIPv4(a, b, 47, append(h, inner...)))
	}
	greIP := func(a, b [4]byte, key uint32) []byte {
		return tEth(0x0800, tIPv4(a, b, 47, append(u32b(u16b(u16b(nil, 0x2000), 0x0800), key), innerIP...)))
	}
	other := [4]byte{192, 0, 2, 9}
	if zone(vx(outerA, outerB, 42, innerEth)) != zone(vx(outerB, outerA, 42, innerEth)) {
		t.Error("the two directions of a VXLAN flow are different zones")
	}
	if zone(vx(outerA, outerB, 42, innerEth)) == zone(vx(outerA, outerB, 43, innerEth)) {
		t.Error("VNIs 42 and 43 are one zone")
	}
	if zone(vx(outerA, outerB, 42, innerEth)) == zone(vx(outerA, other, 42, innerEth)) {
		t.Error("two tunnel endpoints are one zone")
	}
	in42, in43 := vx(outerA, outerB, 42, innerEth), vx(outerA, outerB, 43, innerEth)
	if zone(erspan(other, outerB, 7, in42)) == zone(erspan(other, outerB, 7, in43)) {
		t.Error("VNIs 42 and 43 mirrored in one ERSPAN session are one zone")
	}
	if zone(erspan(other, outerB, 7, in42)) == zone(erspan(other, outerB, 8, in42)) {
		t.Error("two ERSPAN sessions are one zone")
	}
	if zone(greIP(outerA, outerB, 1)) != zone(greIP(outerB, outerA, 2)) {
		t.Error("GRE carrying IP with a key each way (ikey, okey) splits the flow")
	}
}

// TestInnermostNoAllocs: the analysis filter's look inside a tunnel
// (Innermost, run for every frame a filter rejects as captured) does not
// allocate.
func TestInnermostNoAllocs(t *testing.T) {
	frame := tEth(0x0800, tIPv4(outerA, outerB, 17, tUDP(40000, 4789, append(u32b(u32b(nil, 0x08000000), 42<<8), innerEth...))))
	var f Frame
	if n := testing.AllocsPerRun(100, func() { Innermost(pcapfile.LinkTypeEthernet, frame, &f) }); n != 0 {
		t.Errorf("%v allocations per frame", n)
	}
}

// TestDecapsulateAny: the printer's DecapsulateAny opens VXLAN whatever
// its flags and reserved bits say (as print-vxlan.c), Decapsulate (the
// analysis) only with the I flag and the reserved bits clear.
func TestDecapsulateAny(t *testing.T) {
	inner := innerEth
	for _, c := range []struct {
		flags     uint8
		last      byte
		strict    bool
		any       bool
		vni, resv uint32
	}{
		{0x08, 0, true, true, 42, 0},
		{0x0c, 0, false, true, 42, 0},
		{0x00, 0, false, true, 42, 0},
		{0x88, 0, true, true, 42, 0},
		{0x08, 1, false, true, 42, 0},
	} {
		h := u32b(u32b(nil, uint32(c.flags)<<24), 42<<8|uint32(c.last))
		fr := tEth(0x0800, tIPv4(outerA, outerB, 17, tUDP(40000, PortVXLAN, append(h, inner...))))
		var f Frame
		Decode(pcapfile.LinkTypeEthernet, fr, &f)
		if _, ok := Decapsulate(&f); ok != c.strict {
			t.Errorf("flags %#x last %d: Decapsulate %v, want %v", c.flags, c.last, ok, c.strict)
		}
		in, ok := DecapsulateAny(&f)
		if ok != c.any || ok && (in.Tunnel.ID != c.vni || in.Tunnel.Flags != c.flags) {
			t.Errorf("flags %#x last %d: DecapsulateAny %v vni %d flags %#x", c.flags, c.last, ok, in.Tunnel.ID, in.Tunnel.Flags)
		}
	}
}
