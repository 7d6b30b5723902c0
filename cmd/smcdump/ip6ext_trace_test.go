package main

import (
	"encoding/binary"
	"testing"
)

// ip6ExtTrace writes a synthetic pcap (built here, not captured) of IPv6
// packets with the extension headers print-ip6.c walks: hop-by-hop and
// destination options (router alert, pad, jumbo, home address with
// sub-options, unknown and bad options), routing headers of types 0, 2, 4
// and unknown ones, fragment headers in a chain, mobility messages of
// every type, AH, "no next header", HIP and shim6 (protocols to tcpdump),
// and headers tcpdump refuses; TCP, UDP and ICMPv6 behind them with
// checksums summed to a routing header's final destination (good and
// bad), and some of the packets cut by the snaplen inside each header.
// It is an exact trace: at most diffPackets (150) packets, so every one
// is compared.
func ip6ExtTrace(t *testing.T) string {
	t.Helper()
	const src, dst = "2001:db8::1", "2001:db8::2"
	// pkt is an IPv6 packet with extension headers ext (nh: the IPv6
	// header's next header) and transport l4 of protocol proto, its
	// checksum summed to sumDst ("" for dst).
	pkt := func(nh byte, ext []byte, proto byte, l4 []byte, sumDst string) []byte {
		l4 = append([]byte(nil), l4...)
		if at, ok := map[byte]int{6: 16, 17: 6, 58: 2}[proto]; ok && len(l4) >= at+2 {
			fd := dst
			if sumDst != "" {
				fd = sumDst
			}
			var acc uint32
			for _, a := range [][]byte{synA6(src), synA6(fd)} {
				for i := 0; i < 16; i += 2 {
					acc += uint32(a[i])<<8 | uint32(a[i+1])
				}
			}
			acc += uint32(len(l4)) + uint32(proto)
			binary.BigEndian.PutUint16(l4[at:], 0)
			binary.BigEndian.PutUint16(l4[at:], inetChecksum(acc, l4))
		}
		b := synEth(0x86dd, synIP6(nh, src, dst, cat(ext, l4)))
		b[14+7] = 64
		return b
	}
	udp := cat(u16(u16(u16(u16(nil, 1234), 5678), 15), 0), []byte("payload"))
	syn := cat(u16(u16(nil, 1234), 80), u32(u32(nil, 1), 0), []byte{0x50, 0x02}, u16(u16(u16(nil, 8192), 0), 0))
	echo := []byte{128, 0, 0, 0, 0, 7, 0, 9, 'a', 'b', 'c', 'd'}
	opts := func(next byte, o ...byte) []byte {
		h := append([]byte{next, 0}, o...)
		for len(h)%8 != 0 {
			h = append(h, 0) // pad1
		}
		h[1] = byte(len(h)/8 - 1)
		return h
	}
	rtalert, padn := []byte{5, 2, 0, 0}, []byte{1, 0}
	rt := func(next, typ, left byte, addrs ...string) []byte {
		h := []byte{next, byte(2 * len(addrs)), typ, left, 0, 0, 0, 0}
		if typ == 4 {
			h[4], h[7] = byte(len(addrs)-1), 5
		}
		for _, a := range addrs {
			h = append(h, synA6(a)...)
		}
		return h
	}
	frag := func(next byte, off uint16, more bool, id uint32) []byte {
		if more {
			off |= 1
		}
		return cat([]byte{next, 0}, u16(nil, off), u32(nil, id))
	}
	ah := func(next byte) []byte {
		return cat([]byte{next, 4, 0, 0}, u32(u32(nil, 0x100), 5), []byte("\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"))
	}
	mh := func(typ byte, body ...byte) []byte {
		h := append([]byte{59, 0, typ, 0, 0, 0}, body...)
		for len(h)%8 != 0 {
			h = append(h, 0)
		}
		h[1] = byte(len(h)/8 - 1)
		return h
	}
	cookie := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	type pc struct {
		b    []byte
		cuts []int // snaplens (of the Ethernet frame) to add it cut at
	}
	jumbo := pkt(0, opts(58, 0xc2, 4, 0, 1, 0x11, 0x70), 58, echo, "")
	jumbo[14+4], jumbo[14+5] = 0, 0
	noJumbo := pkt(0, opts(17, padn...), 17, udp, "")
	noJumbo[14+4], noJumbo[14+5] = 0, 0
	jumboPlen := pkt(0, opts(17, 0xc2, 4, 0, 1, 0x11, 0x70), 17, udp, "")
	short := pkt(0, opts(17, padn...), 17, udp, "")
	binary.BigEndian.PutUint16(short[14+4:], 4) // the header runs past the payload length
	var fl synFrames
	for _, c := range []pc{
		{pkt(0, opts(17, cat(rtalert, padn)...), 17, udp, ""), []int{54, 55, 56, 61, 62, 64, 66, 70}},
		{pkt(0, opts(6, 0, 1, 1, 0, 0), 6, syn, ""), []int{57, 62, 64, 66, 75}},
		{jumbo, []int{57, 58, 61}},
		{noJumbo, nil},
		{jumboPlen, nil},
		{short, nil},
		{pkt(60, opts(17, padn...), 17, udp, ""), []int{55, 56, 61, 62, 63, 66, 69}},
		{pkt(60, opts(58, cat(padn, []byte{0xc9, 20}, synA6("2001::99"), []byte{1, 0, 7, 0})...), 58, echo, ""), []int{60, 66, 80}},
		{pkt(60, opts(17, 0xc9, 16), 17, udp, ""), nil},            // home address too short: trunc
		{pkt(60, opts(17, 0xc2, 4, 0, 1, 0, 0), 17, udp, ""), nil}, // jumbo in destination options
		{pkt(0, opts(17, 0x3e, 3, 'a', 'b', 'c'), 17, udp, ""), nil},
		{pkt(0, opts(17, 5, 3, 0, 0, 0), 17, udp, ""), nil}, // router alert: invalid length
		{pkt(43, rt(17, 0, 2, "2001::a", "2001::b"), 17, udp, "2001::b"), []int{54, 55, 56, 57, 58, 61, 62, 77, 93, 95}},
		{pkt(43, rt(6, 0, 0, "2001::a"), 6, syn, "2001::a"), nil},
		{pkt(43, rt(6, 0, 0, "2001::a"), 6, syn, ""), nil}, // summed to the IPv6 destination: incorrect
		{pkt(43, rt(58, 2, 1, "2001::c"), 58, echo, "2001::c"), []int{78, 79}},
		{pkt(43, rt(17, 4, 1, "2001::a", "2001::b"), 17, udp, "2001::a"), []int{58, 59, 60, 61, 62, 94}},
		{pkt(43, rt(6, 4, 0, "2001::a"), 6, syn, "2001::a"), nil},
		{pkt(43, cat([]byte{17, 1, 0, 1}, make([]byte, 12)), 17, udp, ""), nil},   // odd length
		{pkt(43, cat([]byte{17, 0, 3, 0}, make([]byte, 4)), 17, udp, ""), nil},    // unknown type
		{pkt(43, cat([]byte{17, 0, 0, 0}, []byte{0, 0, 0, 7}), 17, udp, ""), nil}, // reserved set
		{pkt(0, cat(opts(60, rtalert...), opts(43, padn...), rt(44, 0, 1, "2001::a"), frag(60, 0, true, 1), opts(17, padn...)), 17, udp, "2001::a"), []int{78, 86, 94, 95, 97, 102, 103, 104, 111, 112}},
		{pkt(0, cat(opts(44, rtalert...), frag(17, 96, false, 2)), 17, []byte("later fragment bytes"), ""), []int{64, 66}},
		{pkt(51, ah(17), 17, udp, ""), []int{54, 55, 58, 62, 70, 78, 80}},
		{pkt(60, cat(opts(51, padn...), ah(6)), 6, syn, ""), []int{86}},
		{pkt(0, opts(59, padn...), 59, nil, ""), nil},
		{pkt(59, nil, 59, []byte("zz"), ""), nil},
		{pkt(139, nil, 139, []byte{59, 0, 0, 0, 0, 0, 0, 0}, ""), nil},
		{pkt(140, nil, 140, []byte{59, 0, 0, 0, 0, 0, 0, 0}, ""), nil},
		{pkt(135, nil, 135, mh(0), ""), []int{55, 56, 57}},
		{pkt(135, nil, 135, mh(1, cat([]byte{0, 0}, cookie)...), ""), []int{64}},
		{pkt(135, nil, 135, mh(2, cat([]byte{0, 0}, cookie)...), ""), nil},
		{pkt(135, nil, 135, mh(3, cat([]byte{0, 9}, cookie, cookie)...), ""), []int{62, 70}},
		{pkt(135, nil, 135, mh(4, cat([]byte{0, 9}, cookie, cookie)...), ""), nil},
		{pkt(135, nil, 135, mh(5, 0, 3, 0xd0, 0, 0, 10, 1, 0, 2, 2, 0, 3, 3, 2, 0, 9), ""), []int{61, 62, 64, 66, 68}},
		{pkt(135, nil, 135, mh(6, 7, 0x80, 0, 3, 0, 10, 4, 4, 1, 2, 3, 4, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), ""), nil},
		{pkt(135, nil, 135, mh(7, cat([]byte{1, 0}, synA6("2001::77"), []byte{3, 16}, synA6("2001::78"))...), ""), []int{70, 80}},
		{pkt(135, nil, 135, mh(9, 1, 2), ""), nil},
		{pkt(135, nil, 135, mh(3), ""), nil}, // too short for its type
		{pkt(0, cat(opts(0, padn...), opts(17, padn...)), 17, udp, ""), nil},
		{pkt(60, cat(opts(0, padn...), opts(17, padn...)), 17, udp, ""), nil},
		{pkt(0, opts(17, padn...), 17, udp[:4], ""), nil}, // shorter than a UDP header
		{pkt(0, opts(6, padn...), 6, cat(syn[:12], []byte{0x30}, syn[13:]), ""), nil},
		{pkt(60, opts(6, padn...), 6, cat(syn[:12], []byte{0xf0}, syn[13:]), ""), nil},
	} {
		fl.add(c.b, 0)
		for _, n := range c.cuts {
			fl.add(c.b, n)
		}
	}
	if len(fl.frames) > 150 {
		t.Fatalf("%d packets: more than the differential test compares", len(fl.frames))
	}
	return writeEthernetPcapWire(t, "ip6ext-synthetic.pcap", fl.frames, fl.wires)
}
