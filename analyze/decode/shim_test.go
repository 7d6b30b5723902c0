package decode

import (
	"encoding/binary"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestDecodeShims: PPPoE session headers and MPLS label stacks between the
// link layer and IP (synthetic frames).
func TestDecodeShims(t *testing.T) {
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x13, 0x88, 0x13, 0x89, 0, 8, 0, 0}
	ip6 := append([]byte{0x60, 0, 0, 0, 0, 8, 17, 64}, make([]byte, 32)...)
	ip6 = append(ip6, 0, 1, 0, 2, 0, 8, 0, 0)
	eth := func(et uint16, parts ...[]byte) []byte {
		b := binary.BigEndian.AppendUint16(make([]byte, 12), et)
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	label := func(l uint32, bottom bool) []byte {
		e := l<<12 | 64
		if bottom {
			e |= 0x100
		}
		return binary.BigEndian.AppendUint32(nil, e)
	}
	pppoe := func(code byte, proto uint16) []byte {
		return binary.BigEndian.AppendUint16([]byte{0x11, code, 0xbe, 0xef, 0, 30}, proto)
	}
	var deep []byte
	for i := 0; i < maxMPLS; i++ {
		deep = append(deep, label(uint32(i), false)...)
	}
	cases := []struct {
		name   string
		frame  []byte
		status int
		reason string
		et     uint16
		nmpls  int
		netOff int
	}{
		{"one label", eth(0x8847, label(100, true), ip), StatusOK, "", 0x0800, 1, 18},
		{"three labels", eth(0x8847, label(1, false), label(2, false), label(3, true), ip), StatusOK, "", 0x0800, 3, 26},
		{"multicast MPLS, IPv6", eth(0x8848, label(5, true), ip6), StatusOK, "", 0x86DD, 1, 18},
		{"IPv6 explicit null names the payload", eth(0x8847, label(2, true), ip6), StatusOK, "", 0x86DD, 1, 18},
		{"IPv4 explicit null names the payload", eth(0x8847, label(7, false), label(0, true), ip), StatusOK, "", 0x0800, 2, 22},
		{"IPv6 explicit null before IPv4 bytes", eth(0x8847, label(2, true), ip, make([]byte, 20)), StatusMalformed, "IPv6 version", 0, 1, 0},
		{"implicit null, header cut", eth(0x8847, label(3, true), ip[:8]), StatusTruncated, "IPv4 header", 0, 1, 0},
		{"first byte 0x44 is not IP", eth(0x8847, label(9, true), append([]byte{0x44}, ip[1:]...)), StatusUnsupported, "MPLS payload", 0, 1, 0},
		{"VLAN then MPLS", eth(0x8100, []byte{0, 5, 0x88, 0x47}, label(9, true), ip), StatusOK, "", 0x0800, 1, 22},
		{"PPPoE IPv4", eth(0x8864, pppoe(0, 0x21), ip), StatusOK, "", 0x0800, 0, 22},
		{"PPPoE IPv6", eth(0x8864, pppoe(0, 0x57), ip6), StatusOK, "", 0x86DD, 0, 22},
		{"PPPoE MPLS", eth(0x8864, pppoe(0, 0x281), label(7, true), ip), StatusOK, "", 0x0800, 1, 26},
		{"label cut", eth(0x8847, label(1, false), []byte{0, 0}), StatusTruncated, "MPLS label", 0, 1, 0},
		{"no payload", eth(0x8847, label(1, true)), StatusTruncated, "MPLS payload", 0, 1, 0},
		{"no bottom of stack", eth(0x8847, deep, ip), StatusMalformed, "MPLS label stack without bottom", 0, maxMPLS, 0},
		{"pseudowire payload", eth(0x8847, label(1, true), []byte{0, 0, 0, 0}, make([]byte, 14)), StatusUnsupported, "MPLS payload", 0, 1, 0},
		{"PPPoE cut", eth(0x8864, []byte{0x11, 0, 0}), StatusTruncated, "PPPoE header", 0, 0, 0},
		{"PPPoE discovery code in a session frame", eth(0x8864, pppoe(9, 0x21), ip), StatusMalformed, "PPPoE session header", 0, 0, 0},
		{"PPP control protocol", eth(0x8864, pppoe(0, 0xc021), []byte{1, 1, 0, 4}), StatusUnsupported, "PPP protocol", 0, 0, 0},
		{"PPPoE discovery", eth(0x8863, pppoe(9, 0x0101)), StatusUnsupported, "ethertype", 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f Frame
			Decode(pcapfile.LinkTypeEthernet, c.frame, &f)
			if f.Status != c.status || f.Reason != c.reason {
				t.Fatalf("status %d %q, want %d %q", f.Status, f.Reason, c.status, c.reason)
			}
			if f.NMPLS != c.nmpls {
				t.Errorf("%d labels, want %d", f.NMPLS, c.nmpls)
			}
			if c.status != StatusOK {
				return
			}
			if f.EtherType != c.et || f.NetOff != c.netOff || f.Src.String() != map[uint16]string{0x0800: "10.0.0.1", 0x86DD: "::"}[c.et] {
				t.Errorf("ethertype %#x, network header at %d, src %v; want %#x at %d", f.EtherType, f.NetOff, f.Src, c.et, c.netOff)
			}
			if f.L2Len != 14 && f.NVLAN == 0 {
				t.Errorf("link header %d bytes, want 14 (labels and PPPoE are not part of it)", f.L2Len)
			}
			if f.DstPort != 5001 && f.IPVer == 4 {
				t.Errorf("UDP %d > %d", f.SrcPort, f.DstPort)
			}
		})
	}
	// A PPPoE session's ID and PPP protocol are kept.
	var f Frame
	Decode(pcapfile.LinkTypeEthernet, eth(0x8864, pppoe(0, 0x21), ip), &f)
	if !f.HasPPPoE || f.PPPoESess != 0xbeef || f.PPPProto != 0x21 || f.PPPoELen != 30 {
		t.Errorf("PPPoE %v session %#x proto %#x length %d", f.HasPPPoE, f.PPPoESess, f.PPPProto, f.PPPoELen)
	}
	fr := eth(0x8847, label(1, true), ip)
	if testing.AllocsPerRun(100, func() { Decode(pcapfile.LinkTypeEthernet, fr, &f) }) != 0 {
		t.Error("decoding allocates")
	}
}
