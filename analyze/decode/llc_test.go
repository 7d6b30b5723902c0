package decode

import (
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// llcSeeds are 802.3 frames (LLC, SNAP, STP, jumbo, VLAN) for the table
// test and the fuzzers.
func llcSeeds() map[string][]byte {
	macs := []byte{1, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1}
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 4, 0xd2, 0x16, 0x2e, 0, 8, 0, 0}
	arp := []byte{0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2}
	frame := func(typ uint16, b ...[]byte) []byte {
		f := append(append([]byte{}, macs...), byte(typ>>8), byte(typ))
		for _, x := range b {
			f = append(f, x...)
		}
		return f
	}
	snap := []byte{0xaa, 0xaa, 3, 0, 0, 0, 8, 0}
	return map[string][]byte{
		"snap ipv4":       frame(8+28, snap, ip, make([]byte, 10)),
		"snap ipv4 cisco": frame(8+28, []byte{0xaa, 0xaa, 3, 0, 0, 0xf8, 8, 0}, ip),
		"snap arp":        frame(8+28, []byte{0xaa, 0xaa, 3, 0, 0, 0, 8, 6}, arp),
		"snap other":      frame(8+28, []byte{0xaa, 0xaa, 3, 0x12, 0x34, 0x56, 8, 0}, ip),
		"snap cut":        frame(5, snap[:5]),
		"ip sap":          frame(3+28, []byte{6, 6, 3}, ip),
		"stp":             frame(3+35, []byte{0x42, 0x42, 3}, make([]byte, 35)),
		"i frame":         frame(4, []byte{0x12, 0x12, 0x10, 0}),
		"llc cut":         frame(2, []byte{0x12, 0x12}, make([]byte, 20)),
		"ipx raw":         frame(30, []byte{0xff, 0xff}, make([]byte, 28)),
		"jumbo snap ipv4": frame(0x8870, snap, ip),
		"vlan snap ipv4":  frame(0x8100, []byte{0, 5, 0, 8 + 28}, snap, ip),
	}
}

// TestDecodeLLC: IPv4 and ARP behind LLC/SNAP and the IP SAPs are
// decoded (the 802.3 length cuts the padding off), other LLC frames are
// unsupported, cut headers truncated.
func TestDecodeLLC(t *testing.T) {
	seeds := llcSeeds()
	for _, c := range []struct {
		name           string
		status         int
		reason         string
		et             uint16
		l2, llc, len83 int
	}{
		{"snap ipv4", StatusOK, "", 0x0800, 22, 14, 36},
		{"snap ipv4 cisco", StatusOK, "", 0x0800, 22, 14, 36},
		{"snap arp", StatusUnsupported, "ethertype", 0x0806, 22, 14, 36},
		{"snap other", StatusUnsupported, "802.3/LLC frame", 36, 14, 14, 36},
		{"snap cut", StatusTruncated, "SNAP header", 5, 14, 14, 5},
		{"ip sap", StatusOK, "", 0x0800, 17, 14, 31},
		{"stp", StatusUnsupported, "802.3/LLC frame", 38, 14, 14, 38},
		{"i frame", StatusUnsupported, "802.3/LLC frame", 4, 14, 14, 4},
		{"llc cut", StatusTruncated, "LLC header", 2, 14, 14, 2},
		{"ipx raw", StatusUnsupported, "802.3/LLC frame", 30, 14, 14, 30},
		{"jumbo snap ipv4", StatusOK, "", 0x0800, 22, 14, -1},
		{"vlan snap ipv4", StatusOK, "", 0x0800, 26, 18, 36},
	} {
		var f Frame
		Decode(pcapfile.LinkTypeEthernet, seeds[c.name], &f)
		if f.Status != c.status || f.Reason != c.reason || f.EtherType != c.et || f.L2Len != c.l2 || f.LLCOff != c.llc || f.Len8023 != c.len83 {
			t.Errorf("%s: status %d %q ethertype %#x L2Len %d LLCOff %d Len8023 %d, want %d %q %#x %d %d %d", c.name,
				f.Status, f.Reason, f.EtherType, f.L2Len, f.LLCOff, f.Len8023, c.status, c.reason, c.et, c.l2, c.llc, c.len83)
		}
		if c.status == StatusOK && (f.SrcPort != 1234 || f.DstPort != 5678 || f.IPTrunc) {
			t.Errorf("%s: ports %d %d, cut %v", c.name, f.SrcPort, f.DstPort, f.IPTrunc)
		}
	}
}

// sllLLCSeeds are Linux cooked (SLL) frames with 802.2 LLC: protocol 4,
// a length behind a VLAN tag, Novell 802.3 and another protocol up to 1500.
func sllLLCSeeds() map[string][]byte {
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 4, 0xd2, 0x16, 0x2e, 0, 8, 0, 0}
	sll := func(proto uint16, b ...[]byte) []byte {
		f := []byte{0, 0, 0, 1, 0, 6, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, byte(proto >> 8), byte(proto)}
		for _, x := range b {
			f = append(f, x...)
		}
		return f
	}
	snap := []byte{0xaa, 0xaa, 3, 0, 0, 0, 8, 0}
	return map[string][]byte{
		"sll snap ipv4":      sll(4, snap, ip),
		"sll stp":            sll(4, []byte{0x42, 0x42, 3}, make([]byte, 35)),
		"sll vlan snap ipv4": sll(0x8100, []byte{0, 5, 0, 36}, snap, ip),
		"sll ipx":            sll(1, make([]byte, 30)),
		"sll other":          sll(3, make([]byte, 14)),
		"sll llc cut":        sll(4, []byte{0x42}),
	}
}

// TestDecodeSLLLLC: Linux cooked captures' 802.2 frames are LLC frames
// without a length (print-sll.c): SNAP IPv4 decoded, STP unsupported;
// other protocols up to 1500 are unsupported ethertypes.
func TestDecodeSLLLLC(t *testing.T) {
	seeds := sllLLCSeeds()
	for _, c := range []struct {
		name           string
		status         int
		reason         string
		et             uint16
		l2, llc, len83 int
	}{
		{"sll snap ipv4", StatusOK, "", 0x0800, 24, 16, -1},
		{"sll stp", StatusUnsupported, "802.3/LLC frame", 4, 16, 16, -1},
		{"sll vlan snap ipv4", StatusOK, "", 0x0800, 28, 20, -1},
		{"sll ipx", StatusUnsupported, "ethertype", 1, 16, 0, 0},
		{"sll other", StatusUnsupported, "ethertype", 3, 16, 0, 0},
		{"sll llc cut", StatusTruncated, "LLC header", 4, 16, 16, -1},
	} {
		var f Frame
		Decode(pcapfile.LinkTypeLinuxSLL, seeds[c.name], &f)
		if f.Status != c.status || f.Reason != c.reason || f.EtherType != c.et || f.L2Len != c.l2 || f.LLCOff != c.llc || f.Len8023 != c.len83 {
			t.Errorf("%s: status %d %q ethertype %#x L2Len %d LLCOff %d Len8023 %d, want %d %q %#x %d %d %d", c.name,
				f.Status, f.Reason, f.EtherType, f.L2Len, f.LLCOff, f.Len8023, c.status, c.reason, c.et, c.l2, c.llc, c.len83)
		}
	}
}

// FuzzDecodeLLC compares Decode with the reference decoder on 802.3
// frames and on cooked captures' 802.2 frames (the first byte of the
// input chooses SLL for those).
func FuzzDecodeLLC(f *testing.F) {
	for _, b := range llcSeeds() {
		f.Add(b)
	}
	for _, b := range sllLLCSeeds() {
		f.Add(append([]byte{0xff}, b...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 0 && data[0] == 0xff {
			checkEquivalent(t, pcapfile.LinkTypeLinuxSLL, data[1:], nil)
			return
		}
		checkEquivalent(t, pcapfile.LinkTypeEthernet, data, nil)
	})
}
