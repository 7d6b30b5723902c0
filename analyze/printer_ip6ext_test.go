package analyze

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// ip6ExtFrame is an Ethernet frame of an IPv6 packet from 2001:db8::1 to
// 2001:db8::2 (hop limit 64) whose payload is the extension headers ext
// (their next header bytes as given; nh is the IPv6 header's) and the
// transport l4 of protocol proto; its TCP, UDP or ICMPv6 checksum is summed
// to dst ("" for the IPv6 destination: a routing header's final one).
func ip6ExtFrame(nh byte, ext []byte, proto byte, l4 []byte, dst string) []byte {
	src, d := netip.MustParseAddr("2001:db8::1").As16(), netip.MustParseAddr("2001:db8::2").As16()
	l4 = append([]byte(nil), l4...)
	ck := map[byte]int{6: 16, 17: 6, 58: 2}
	if at, ok := ck[proto]; ok && len(l4) >= at+2 {
		fd := d
		if dst != "" {
			fd = netip.MustParseAddr(dst).As16()
		}
		var acc uint32
		for _, a := range [][16]byte{src, fd} {
			for i := 0; i < 16; i += 2 {
				acc += uint32(a[i])<<8 | uint32(a[i+1])
			}
		}
		acc += uint32(len(l4)) + uint32(proto)
		binary.BigEndian.PutUint16(l4[at:], 0)
		binary.BigEndian.PutUint16(l4[at:], ^onesSum(acc, l4))
	}
	p := append(append([]byte(nil), ext...), l4...)
	h := []byte{0x60, 0, 0, 0, 0, 0, nh, 64}
	binary.BigEndian.PutUint16(h[4:], uint16(len(p)))
	h = append(append(append(h, src[:]...), d[:]...), p...)
	return append([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd}, h...)
}

// ip6ExtCase is one packet of the extension header tests: a frame and
// tcpdump 4.99.3's text of it with -nn and with -nn -v (after the time
// stamp), and cuts, the snaplens worth comparing at.
type ip6ExtCase struct {
	name    string
	frame   []byte
	want, v string
	cuts    []int
}

func ip6ExtCases() []ip6ExtCase {
	a6 := func(s string) []byte { a := netip.MustParseAddr(s).As16(); return a[:] }
	cat := func(bs ...[]byte) []byte {
		var o []byte
		for _, b := range bs {
			o = append(o, b...)
		}
		return o
	}
	udp := []byte{0x04, 0xd2, 0x16, 0x2e, 0, 15, 0, 0, 'p', 'a', 'y', 'l', 'o', 'a', 'd'}
	syn := []byte{0x04, 0xd2, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0}
	echo := []byte{128, 0, 0, 0, 0, 7, 0, 9, 'a', 'b', 'c', 'd'}
	hbh := func(next byte) []byte { return []byte{next, 0, 5, 2, 0, 0, 1, 0} } // router alert, padn
	dst := func(next byte) []byte { return []byte{next, 0, 1, 4, 0, 0, 0, 0} }
	rt := func(next, typ, left byte, addrs ...string) []byte {
		h := []byte{next, byte(2 * len(addrs)), typ, left, 0, 0, 0, 0}
		if typ == 4 {
			h[4], h[6], h[7] = byte(len(addrs)-1), 0, 5
		}
		for _, a := range addrs {
			h = append(h, a6(a)...)
		}
		return h
	}
	frag := func(next byte, off uint16, more bool, id uint32) []byte {
		fo := off
		if more {
			fo |= 1
		}
		h := []byte{next, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint16(h[2:], fo)
		binary.BigEndian.PutUint32(h[4:], id)
		return h
	}
	ah := func(next byte) []byte {
		return cat([]byte{next, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 5}, []byte{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11})
	}
	jumbo := ip6ExtFrame(0, []byte{58, 0, 0xc2, 4, 0, 1, 0x11, 0x70}, 58, echo, "")
	jumbo[14+4], jumbo[14+5] = 0, 0
	return []ip6ExtCase{
		{"hbh udp", ip6ExtFrame(0, hbh(17), 17, udp, ""),
			"IP6 2001:db8::1 > 2001:db8::2: HBH 1234 > 5678: UDP, length 7",
			"IP6 (hlim 64, next-header Options (0) payload length: 23) 2001:db8::1 > 2001:db8::2: HBH (rtalert: 0x0000) (padn) 1234 > 5678: [udp sum ok] UDP, length 7",
			[]int{55, 56, 61, 62, 64, 66}},
		{"dstopt tcp", ip6ExtFrame(60, dst(6), 6, syn, ""),
			"IP6 2001:db8::1 > 2001:db8::2: DSTOPT 1234 > 80: Flags [S], seq 1, win 8192, length 0",
			"IP6 (hlim 64, next-header unknown (60) payload length: 28) 2001:db8::1 > 2001:db8::2: DSTOPT (padn) 1234 > 80: Flags [S], cksum 0x2f4b (correct), seq 1, win 8192, length 0",
			[]int{55, 61, 62, 64, 66}},
		{"rt0 icmp6", ip6ExtFrame(43, rt(58, 0, 1, "2001::c"), 58, echo, "2001::c"),
			"IP6 2001:db8::1 > 2001:db8::2: RT6 (len=2, type=0 [Deprecated], segleft=1, [0]2001::c) ICMP6, echo request, id 7, seq 9, length 12",
			"IP6 (hlim 64, next-header Routing (43) payload length: 36) 2001:db8::1 > 2001:db8::2: RT6 (len=2, type=0 [Deprecated], segleft=1, rsv=0x0, [0]2001::c) [icmp6 sum ok] ICMP6, echo request, id 7, seq 9",
			[]int{54, 55, 57, 59, 61, 70, 78, 79}},
		{"srh udp", ip6ExtFrame(43, rt(17, 4, 1, "2001::a", "2001::b"), 17, udp, "2001::a"),
			"IP6 2001:db8::1 > 2001:db8::2: RT6 (len=4, type=4, segleft=1, last-entry=1, tag=5, [0]2001::a, [1]2001::b) 1234 > 5678: UDP, length 7",
			"IP6 (hlim 64, next-header Routing (43) payload length: 55) 2001:db8::1 > 2001:db8::2: RT6 (len=4, type=4, segleft=1, last-entry=1, flags=0x0, tag=5, [0]2001::a, [1]2001::b) 1234 > 5678: [udp sum ok] UDP, length 7",
			[]int{58, 59, 60, 94}},
		{"chain", ip6ExtFrame(0, cat(hbh(60), dst(43), rt(44, 0, 1, "2001::a"), frag(60, 0, true, 1), dst(17)), 17, udp, "2001::a"),
			"IP6 2001:db8::1 > 2001:db8::2: HBH DSTOPT RT6 (len=2, type=0 [Deprecated], segleft=1, [0]2001::a) frag (0|23) DSTOPT 1234 > 5678: UDP, length 7",
			"IP6 (hlim 64, next-header Options (0) payload length: 71) 2001:db8::1 > 2001:db8::2: HBH (rtalert: 0x0000) (padn) DSTOPT (padn) RT6 (len=2, type=0 [Deprecated], segleft=1, rsv=0x0, [0]2001::a) frag (0x00000001:0|23) DSTOPT (padn) 1234 > 5678: UDP, length 7",
			[]int{94, 97, 102, 103, 104}},
		{"dstopt ah tcp", ip6ExtFrame(60, cat(dst(51), ah(6)), 6, syn, ""),
			"IP6 2001:db8::1 > 2001:db8::2: DSTOPT AH(spi=0x00000100,seq=0x5,icv=0x111111111111111111111111): 1234 > 80: Flags [S], seq 1, win 8192, length 0",
			"IP6 (hlim 64, next-header unknown (60) payload length: 52) 2001:db8::1 > 2001:db8::2: DSTOPT (padn) AH(length=4(24-bytes),spi=0x00000100,seq=0x5,icv=0x111111111111111111111111): 1234 > 80: Flags [S], cksum 0x2f4b (correct), seq 1, win 8192, length 0",
			[]int{62, 63, 67, 80, 86}},
		{"no next header", ip6ExtFrame(0, []byte{59, 0, 1, 4, 0, 0, 0, 0}, 59, nil, ""),
			"IP6 2001:db8::1 > 2001:db8::2: HBH no next header",
			"IP6 (hlim 64, next-header Options (0) payload length: 8) 2001:db8::1 > 2001:db8::2: HBH (padn) no next header",
			nil},
		{"nh 59", ip6ExtFrame(59, nil, 59, []byte("zz"), ""),
			"IP6 2001:db8::1 > 2001:db8::2: no next header",
			"IP6 (hlim 64, next-header unknown (59) payload length: 2) 2001:db8::1 > 2001:db8::2: no next header",
			nil},
		{"hip", ip6ExtFrame(139, nil, 139, []byte{59, 0, 0, 0, 0, 0, 0, 0}, ""),
			"IP6 2001:db8::1 > 2001:db8::2:  ip-proto-139 8",
			"IP6 (hlim 64, next-header unknown (139) payload length: 8) 2001:db8::1 > 2001:db8::2:  ip-proto-139 8",
			nil},
		{"mobility", ip6ExtFrame(135, nil, 135, []byte{59, 0, 0, 0, 0, 0, 0, 0}, ""),
			"IP6 2001:db8::1 > 2001:db8::2: mobility: BRR",
			"IP6 (hlim 64, next-header Mobility (135) payload length: 8) 2001:db8::1 > 2001:db8::2: mobility: BRR",
			[]int{55, 56}},
		{"jumbo", jumbo,
			"IP6 2001:db8::1 > 2001:db8::2: HBH truncated-ip6 - 69980 bytes missing!ICMP6, echo request, id 7, seq 9, length 69992",
			"IP6 (hlim 64, next-header Options (0) payload length: 0) 2001:db8::1 > 2001:db8::2: HBH (jumbo: 70000)  truncated-ip6 - 69980 bytes missing!ICMP6, echo request, id 7, seq 9",
			nil},
	}
}

// ip6ExtSeeds are the frames of ip6ExtCases and their cuts, for the
// fuzzer.
func ip6ExtSeeds() [][]byte {
	var out [][]byte
	for _, c := range ip6ExtCases() {
		out = append(out, c.frame)
		for _, n := range c.cuts {
			out = append(out, c.frame[:n])
		}
	}
	return out
}

// TestPrinterIPv6ExtHeaders: IPv6 extension headers print as tcpdump
// 4.99.3's ip6_print walks them (texts checked with tcpdump -nn [-v]).
func TestPrinterIPv6ExtHeaders(t *testing.T) {
	for _, c := range ip6ExtCases() {
		for _, o := range []struct {
			opts PrintOptions
			want string
		}{{PrintOptions{TimeFormat: 1}, c.want}, {PrintOptions{TimeFormat: 1, Verbose: 1}, c.v}} {
			got := strings.TrimSuffix(printOne(t, pcapfile.LinkTypeEthernet, c.frame, o.opts), "\n")
			if got != o.want {
				t.Errorf("%s (-v %d):\n got %q\nwant %q", c.name, o.opts.Verbose, got, o.want)
			}
		}
	}
}

// TestIP6FinalDst: the pseudo-header destination of print-ip6.c's
// ip6_finddst.
func TestIP6FinalDst(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"none", ip6ExtFrame(17, nil, 17, make([]byte, 8), "")[14:], "2001:db8::2"},
		{"rt0 last", ip6ExtFrame(43, append([]byte{17, 4, 0, 1, 0, 0, 0, 0}, append(netip.MustParseAddr("2001::a").AsSlice(), netip.MustParseAddr("2001::b").AsSlice()...)...), 17, make([]byte, 8), "")[14:], "2001::b"},
		{"srh first", ip6ExtFrame(43, append([]byte{17, 4, 4, 1, 1, 0, 0, 0}, append(netip.MustParseAddr("2001::a").AsSlice(), netip.MustParseAddr("2001::b").AsSlice()...)...), 17, make([]byte, 8), "")[14:], "2001::a"},
		{"odd length", ip6ExtFrame(43, append([]byte{17, 3, 0, 1, 0, 0, 0, 0}, make([]byte, 24)...), 17, make([]byte, 8), "")[14:], "2001:db8::2"},
		{"behind ah", ip6ExtFrame(51, append([]byte{43, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{17, 2, 0, 1, 0, 0, 0, 0}...), 17, make([]byte, 8), "")[14:], "2001:db8::2"},
		{"cut", ip6ExtFrame(43, append([]byte{17, 2, 0, 1, 0, 0, 0, 0}, netip.MustParseAddr("2001::a").AsSlice()...), 17, nil, "")[14 : 14+40+8+10], "2001:db8::2"},
	} {
		if got := ip6FinalDst(c.b).String(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
