package main

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// ipsecTrace writes a synthetic pcap (built here, not captured) of IPsec
// and SCTP packets as print-esp.c, print-ah.c, print-isakmp.c
// (isakmp_rfc3948_print) and print-sctp.c print them: ESP over IPv4 and
// IPv6 (behind IPv4 options, IPv6 extension headers and AH, in
// fragments), ESP cut by the snaplen and shorter than its header; UDP port
// 4500 (NAT-T keep-alives, ESP in UDP, IKE behind the non-ESP marker, too
// short); IPv4 AH in front of TCP, UDP, ICMP, ESP, SCTP, AH and unknown
// protocols, with a reserved field, without an ICV, cut in its ICV or
// longer than the packet; SCTP over IPv4 and IPv6 with every chunk type
// print-sctp.c names and unknown ones, DATA flags and payload protocol
// identifiers, SACK gap blocks and duplicate TSNs, several chunks in a
// packet, bad chunk lengths, chunks cut by the snaplen or longer than the
// packet, a packet shorter than the common header. It is an exact trace:
// at most diffPackets (150) packets, every one compared with tcpdump's
// text under every flag set of the matrix.
func ipsecTrace(t *testing.T) string {
	t.Helper()
	const s4, d4, s6, d6 = "10.0.0.1", "10.0.0.2", "2001:db8::1", "2001:db8::2"
	// l4sum puts the checksum of l4 (protocol proto, between src and
	// dst) at offset at.
	l4sum := func(src, dst []byte, proto byte, l4 []byte, at int) []byte {
		l4 = append([]byte(nil), l4...)
		var acc uint32
		for _, a := range [][]byte{src, dst} {
			for i := 0; i+1 < len(a); i += 2 {
				acc += uint32(a[i])<<8 | uint32(a[i+1])
			}
		}
		acc += uint32(len(l4)) + uint32(proto)
		binary.BigEndian.PutUint16(l4[at:], 0)
		binary.BigEndian.PutUint16(l4[at:], inetChecksum(acc, l4))
		return l4
	}
	udp4 := func(sp, dp uint16, p []byte) []byte {
		return l4sum(synA4(s4), synA4(d4), 17, cat(u16(u16(u16(u16(nil, sp), dp), uint16(8+len(p))), 0), p), 6)
	}
	udp6 := func(sp, dp uint16, p []byte) []byte {
		return l4sum(synA6(s6), synA6(d6), 17, cat(u16(u16(u16(u16(nil, sp), dp), uint16(8+len(p))), 0), p), 6)
	}
	syn4 := l4sum(synA4(s4), synA4(d4), 6, cat(u16(u16(nil, 1234), 80), u32(u32(nil, 1), 0), []byte{0x50, 0x02}, u16(u16(u16(nil, 8192), 0), 0)), 16)
	echo := synICMP(8, 0, []byte{0, 7, 0, 9, 'a', 'b', 'c', 'd'}, false)
	// ip4 is an IPv4 packet from s4 to d4 with options opts and the
	// fragment field frag (flags and offset).
	ip4 := func(proto byte, frag uint16, opts, p []byte) []byte {
		h := cat([]byte{0x45 + byte(len(opts)/4), 0}, u16(nil, uint16(20+len(opts)+len(p))), []byte{0, 1}, u16(nil, frag), []byte{64, proto, 0, 0}, synA4(s4), synA4(d4), opts)
		binary.BigEndian.PutUint16(h[10:], ipv4Checksum(h))
		return cat(h, p)
	}
	eth4 := func(proto byte, p []byte) []byte { return synEth(0x0800, synIP4(proto, s4, d4, p)) }
	eth6 := func(nh byte, p []byte) []byte { return synEth(0x86dd, synIP6(nh, s6, d6, p)) }
	esp := func(spi, seq uint32, n int) []byte {
		return cat(u32(u32(nil, spi), seq), bytes.Repeat([]byte{0xa5}, n))
	}
	// ah is an AH header (next header nh) with an ICV of icv bytes.
	ah := func(nh byte, reserved uint16, spi, seq uint32, icv int) []byte {
		h := cat([]byte{nh, byte((12+icv)/4 - 2)}, u16(nil, reserved), u32(u32(nil, spi), seq))
		for i := 0; i < icv; i++ {
			h = append(h, byte(0x10+i))
		}
		return h
	}
	// SCTP: a common header and chunks.
	sctp := func(sp, dp uint16, chunks ...[]byte) []byte {
		return cat(u16(u16(nil, sp), dp), u32(nil, 0x01020304), u32(nil, 0), cat(chunks...))
	}
	// chunk is a chunk of its natural length, padded to 4 bytes.
	chunk := func(typ, flags byte, body ...[]byte) []byte {
		b := cat(body...)
		c := cat([]byte{typ, flags}, u16(nil, uint16(4+len(b))), b)
		for len(c)%4 != 0 {
			c = append(c, 0)
		}
		return c
	}
	// rawChunk is a chunk with the length field n and the bytes body.
	rawChunk := func(typ, flags byte, n uint16, body []byte) []byte {
		return cat([]byte{typ, flags}, u16(nil, n), body)
	}
	param := func(typ uint16, v []byte) []byte {
		p := cat(u16(u16(nil, typ), uint16(4+len(v))), v)
		for len(p)%4 != 0 {
			p = append(p, 0)
		}
		return p
	}
	init := func(typ byte, params ...[]byte) []byte {
		return chunk(typ, 0, u32(u32(nil, 0xdeadbeef), 106496), u16(u16(nil, 10), 65535), u32(nil, 4242), cat(params...))
	}
	data := func(flags byte, tsn uint32, sid, ssn uint16, ppid uint32, p []byte) []byte {
		return chunk(0, flags, u32(nil, tsn), u16(u16(nil, sid), ssn), u32(nil, ppid), p)
	}
	sack := func(cum, rwnd uint32, gaps [][2]uint16, dups []uint32, ngaps, ndups uint16) []byte {
		b := cat(u32(u32(nil, cum), rwnd), u16(u16(nil, ngaps), ndups))
		for _, g := range gaps {
			b = u16(u16(b, g[0]), g[1])
		}
		for _, d := range dups {
			b = u32(b, d)
		}
		return chunk(3, 0, b)
	}
	hbinfo := param(1, []byte("heartbeat-info"))
	cause := cat(u16(u16(nil, 12), 8), []byte("oops"))
	hello := []byte("hello, sctp")
	long := bytes.Repeat([]byte("0123456789abcdef"), 3)

	var fl synFrames
	add := func(f []byte, cut int) { fl.add(f, cut) }
	// ESP over IPv4
	add(eth4(50, esp(0x1000, 1, 32)), 0)
	add(eth4(50, esp(0, 0xffffffff, 1)), 0)
	add(eth4(50, esp(0x2000, 2, 0)), 0)                                               // the header only
	add(eth4(50, esp(0x2000, 2, 0)[:4]), 0)                                           // shorter than the header
	add(eth4(50, esp(0x3000, 3, 40)), 14+20+8)                                        // cut after the header
	add(eth4(50, esp(0x3000, 3, 40)), 14+20+9)                                        // one byte behind it
	add(eth4(50, esp(0x3000, 3, 40)), 14+20+3)                                        // cut in the SPI
	add(eth4(50, esp(0x3000, 3, 40)), 14+20)                                          // not a byte of it
	add(synEth(0x0800, ip4(50, 0x2000, nil, esp(0x4000, 4, 24))), 0)                  // first fragment
	add(synEth(0x0800, ip4(50, 0x0003, nil, esp(0x4000, 4, 24))), 0)                  // later fragment
	add(synEth(0x0800, ip4(50, 0x4000, []byte{148, 4, 0, 0}, esp(0x5000, 5, 16))), 0) // router alert
	add(eth4(50, esp(0x6000, 6, 16))[:14+20+24], 0)                                   // IP length beyond the frame
	// ESP over IPv6
	hbh := func(nh byte) []byte { return []byte{nh, 0, 5, 2, 0, 0, 1, 0} }
	add(eth6(50, esp(0x7000, 7, 32)), 0)
	add(eth6(50, esp(0x7000, 7, 32)), 14+40+8)
	add(eth6(50, esp(0x7000, 7, 32)), 14+40+12)
	add(eth6(0, cat(hbh(50), esp(0x7001, 8, 16))), 0)
	add(eth6(51, cat(ah(50, 0, 0x100, 9, 12), esp(0x7002, 9, 16))), 0)
	add(eth6(44, cat([]byte{50, 0, 0, 1, 0, 0, 0, 9}, esp(0x7003, 10, 16))), 0)
	add(eth6(50, esp(0x7004, 11, 0)), 0)
	// UDP port 4500 (RFC 3948)
	add(eth4(17, udp4(4500, 4500, []byte{0xff})), 0)
	add(eth4(17, udp4(4500, 4500, []byte{0x00})), 0)
	add(eth4(17, udp4(4500, 4500, []byte{0, 0, 0})), 0)
	add(eth4(17, udp4(4500, 4500, nil)), 0)
	add(eth4(17, udp4(1234, 4500, esp(0x8000, 12, 40))), 0)
	add(eth4(17, udp4(4500, 1234, esp(0x8001, 13, 0))), 0)
	add(eth4(17, udp4(4500, 4500, esp(0x8002, 14, 40))), 14+20+8+6)
	add(eth4(17, udp4(4500, 4500, esp(0x8002, 14, 40))), 14+20+8+2)
	add(eth4(17, udp4(4500, 4500, []byte{0xff})), 14+20+8)
	add(eth4(17, udp4(4500, 4500, cat(u32(nil, 0), []byte("short ike")))), 0)
	ike := cat(u32(u32(nil, 0x11223344), 0x55667788), u32(u32(nil, 0), 0), []byte{33, 0x30, 34, 8}, u32(nil, 0xabcdef01), u32(nil, 28))
	add(eth4(17, udp4(4500, 4500, cat(u32(nil, 0), ike))), 0)
	add(eth6(17, udp6(4500, 4500, esp(0x8003, 15, 24))), 0)
	add(eth6(17, udp6(4500, 4500, []byte{0xff})), 0)
	// AH over IPv4
	add(eth4(51, cat(ah(6, 0, 0x200, 1, 12), syn4)), 0)
	add(eth4(51, cat(ah(17, 0, 0x200, 2, 12), udp4(5000, 5001, hello))), 0)
	add(eth4(51, cat(ah(1, 0, 0x200, 3, 16), echo)), 0)
	add(eth4(51, cat(ah(50, 0, 0x200, 4, 12), esp(0x9000, 4, 20))), 0)
	add(eth4(51, cat(ah(51, 0, 0x200, 5, 12), ah(17, 0, 0x201, 5, 4), udp4(5000, 5001, hello))), 0)
	add(eth4(51, cat(ah(99, 0x1234, 0x200, 6, 12), []byte("unknown protocol"))), 0)
	add(eth4(51, cat(ah(59, 0, 0x200, 7, 12), []byte("nothing"))), 0)
	add(eth4(51, cat(ah(132, 0, 0x200, 8, 12), sctp(5000, 6000, chunk(11, 0)))), 0)
	add(eth4(51, cat([]byte{17, 0, 0, 0}, u32(u32(nil, 0x200), 9), udp4(5000, 5001, hello))), 0)  // length 0: 8 bytes, no ICV
	add(eth4(51, cat([]byte{17, 1, 0, 0}, u32(u32(nil, 0x200), 10), udp4(5000, 5001, hello))), 0) // 12 bytes, no ICV
	add(eth4(51, cat(ah(6, 0, 0x200, 11, 12), syn4)), 14+20+16)                                   // cut in the ICV
	add(eth4(51, cat(ah(6, 0, 0x200, 12, 12), syn4)), 14+20)                                      // not a byte of it
	add(eth4(51, cat(ah(6, 0, 0x200, 13, 12), syn4)), 14+20+1)                                    // its first byte
	add(eth4(51, cat([]byte{6, 20, 0, 0}, u32(u32(nil, 0x200), 14), []byte{1, 2, 3, 4})), 0)      // longer than the packet
	add(synEth(0x0800, ip4(51, 0x0010, nil, cat(ah(6, 0, 0x200, 15, 12), syn4))), 0)              // later fragment
	add(eth4(51, cat(ah(51, 0, 0x200, 16, 12), []byte{17})), 0)                                   // AH, then a cut AH
	add(eth4(51, cat(ah(17, 0, 0x200, 17, 12), udp4(1234, 4500, []byte{0xff}))), 0)
	// SCTP over IPv4
	add(eth4(132, sctp(5000, 6000, init(1, param(5, synA4("10.0.0.1")), param(6, synA6(s6)), param(0xc000, nil)))), 0)
	add(eth4(132, sctp(6000, 5000, init(2, param(7, []byte("a state cookie"))))), 0)
	add(eth4(132, sctp(5000, 6000, chunk(10, 0, []byte("a state cookie")), data(3, 4242, 1, 0, 0, hello))), 0)
	add(eth4(132, sctp(6000, 5000, chunk(11, 0))), 0)
	add(eth4(132, sctp(5000, 6000, data(7, 4243, 2, 1, 18, hello))), 0)
	add(eth4(132, sctp(5000, 6000, data(0, 4244, 3, 2, 0x12345678, long))), 0)
	add(eth4(132, sctp(5000, 6000, data(4, 4245, 0, 3, 27, []byte{1}), data(1, 4246, 0, 3, 46, []byte{1, 2}), data(2, 4247, 0, 3, 24, []byte{1, 2, 3}))), 0)
	add(eth4(132, sctp(6000, 5000, sack(4242, 100000, [][2]uint16{{2, 3}, {5, 9}}, []uint32{4240}, 2, 1))), 0)
	add(eth4(132, sctp(6000, 5000, sack(0xfffffffe, 0, [][2]uint16{{2, 3}}, nil, 5, 0))), 0)    // more gaps than the chunk holds
	add(eth4(132, sctp(6000, 5000, sack(10, 0, nil, []uint32{1, 2}, 0, 3))), 0)                 // more duplicates
	add(eth4(132, sctp(6000, 5000, sack(10, 0, nil, []uint32{1, 2}, 0, 1))), 0)                 // fewer
	add(eth4(132, sctp(5000, 6000, chunk(4, 0, hbinfo), chunk(5, 0, hbinfo))), 0)               // HB REQ, HB ACK
	add(eth4(132, sctp(5000, 6000, chunk(6, 1, cause))), 0)                                     // ABORT
	add(eth4(132, sctp(5000, 6000, chunk(7, 0, u32(nil, 4247)), chunk(8, 0), chunk(14, 1))), 0) // SHUTDOWN, ACK, COMPLETE
	add(eth4(132, sctp(5000, 6000, chunk(9, 0, cause), chunk(12, 0, u32(nil, 1)), chunk(13, 0, u32(nil, 2)))), 0)
	add(eth4(132, sctp(5000, 6000, chunk(0xc0, 0, u32(nil, 9)), chunk(0xc1, 0, u32(nil, 1)), chunk(0xc2, 0, u32(nil, 2)))), 0)
	add(eth4(132, sctp(5000, 6000, chunk(0x99, 0xff, []byte("x")), chunk(0x40, 0), chunk(0x80, 0, []byte("pad")), chunk(15, 0))), 0)
	add(eth4(132, sctp(5000, 6000)), 0)                                                                 // no chunks
	add(eth4(132, sctp(5000, 6000, chunk(11, 0), rawChunk(11, 0, 2, nil))), 0)                          // a length below 4
	add(eth4(132, sctp(5000, 6000, chunk(11, 0), []byte{0x0b, 0})), 0)                                  // two bytes left
	add(eth4(132, sctp(5000, 6000, rawChunk(0, 3, 16, cat(u32(nil, 1), u32(nil, 0), u32(nil, 0))))), 0) // DATA without data
	add(eth4(132, sctp(5000, 6000, rawChunk(0, 3, 12, cat(u32(nil, 1), u32(nil, 0))))), 0)              // DATA shorter than its header
	add(eth4(132, sctp(5000, 6000, rawChunk(1, 0, 8, u32(nil, 1)))), 0)                                 // INIT too short
	add(eth4(132, sctp(5000, 6000, rawChunk(2, 0, 19, make([]byte, 16)))), 0)                           // INIT ACK too short, unaligned
	add(eth4(132, sctp(5000, 6000, rawChunk(3, 0, 12, make([]byte, 8)))), 0)                            // SACK too short
	add(eth4(132, sctp(5000, 6000, rawChunk(11, 0, 100, nil))), 0)                                      // longer than the packet
	add(eth4(132, sctp(5000, 6000, rawChunk(10, 0, 5, []byte{1}))), 0)                                  // its padding missing
	add(eth4(132, sctp(5000, 6000, rawChunk(10, 0, 5, []byte{1, 0, 0, 0}))), 0)                         // padded
	add(eth4(132, sctp(5000, 6000)[:8]), 0)                                                             // shorter than the header
	add(eth4(132, sctp(5000, 6000, chunk(11, 0))), 14+20+6)                                             // cut in the header
	add(eth4(132, sctp(5000, 6000, chunk(11, 0))), 14+20+12)                                            // cut after it
	add(eth4(132, sctp(5000, 6000, chunk(11, 0), data(3, 1, 1, 1, 0, hello))), 14+20+12+4+10)           // cut in the second chunk
	add(eth4(132, sctp(5000, 6000, chunk(11, 0), data(3, 1, 1, 1, 0, hello))), 14+20+12+4+2)            // in its descriptor
	add(eth4(132, sctp(5000, 6000, data(3, 1, 1, 1, 0, hello))), 14+20+12+4+16+9)                       // in the padding
	add(synEth(0x0800, ip4(132, 0x2000, nil, sctp(5000, 6000, data(3, 1, 1, 1, 0, hello)))), 0)         // first fragment
	add(synEth(0x0800, ip4(132, 0x0100, nil, sctp(5000, 6000, data(3, 1, 1, 1, 0, hello)))), 0)         // later fragment
	add(synEth(0x0800, ip4(132, 0x4000, []byte{148, 4, 0, 0}, sctp(5000, 6000, chunk(11, 0)))), 0)      // IP options
	add(eth4(132, sctp(5000, 6000, data(3, 1, 1, 1, 0, long)))[:14+20+12+16+10], 0)                     // IP length beyond the frame
	add(eth4(132, sctp(6704, 5000, chunk(11, 0))), 0)                                                   // a ForCES port
	// SCTP over IPv6
	add(eth6(132, sctp(5000, 6000, init(1, param(6, synA6(s6))))), 0)
	add(eth6(132, sctp(5000, 6000, data(3, 9, 0, 0, 0, hello), sack(1, 2, nil, nil, 0, 0))), 0)
	add(eth6(0, cat(hbh(132), sctp(5000, 6000, chunk(8, 0)))), 0)
	add(eth6(132, sctp(5000, 6000)[:10]), 0)
	add(eth6(132, sctp(5000, 6000, data(3, 9, 0, 0, 0, hello))), 14+40+20)
	add(eth6(51, cat(ah(132, 0, 0x300, 1, 12), sctp(5000, 6000, chunk(11, 0)))), 0)
	add(eth6(51, cat(ah(51, 0, 0x300, 2, 12), []byte{132, 4})), 0)
	// inside tunnels and ICMP errors, behind VLAN tags, in padded frames
	inESP := synIP4(50, "192.168.0.1", "192.168.0.2", esp(0xa000, 1, 16))
	inSCTP := synIP4(132, "192.168.0.1", "192.168.0.2", sctp(5000, 6000, data(3, 1, 1, 1, 0, hello)))
	inAH := synIP4(51, "192.168.0.1", "192.168.0.2", cat(ah(50, 0, 0x400, 1, 12), esp(0xa001, 2, 8)))
	add(eth4(4, inESP), 0)
	add(eth4(4, inSCTP), 0)
	add(eth4(47, cat([]byte{0, 0, 8, 0}, inAH)), 0)
	add(eth4(17, udp4(40000, 4789, cat([]byte{8, 0, 0, 0, 0, 0, 42, 0}, synEth(0x0800, inSCTP)))), 0)
	add(eth4(1, synICMP(3, 3, cat(u32(nil, 0), inESP[:28]), false)), 0)
	add(eth4(1, synICMP(3, 3, cat(u32(nil, 0), inSCTP[:32]), false)), 0)
	add(eth4(1, synICMP(3, 3, cat(u32(nil, 0), inAH[:28]), false)), 0)
	add(cat(synEth(0x8100, []byte{0, 5}), u16(nil, 0x0800), synIP4(132, s4, d4, sctp(5000, 6000, chunk(8, 0)))), 0)
	add(cat(synEth(0x0800, synIP4(132, s4, d4, sctp(5000, 6000, rawChunk(10, 0, 20, []byte{1, 2, 3, 4})))), make([]byte, 16)), 0) // chunk into the padding
	add(cat(synEth(0x0800, synIP4(50, s4, d4, esp(0xb000, 1, 0)[:6])), make([]byte, 16)), 0)                                      // ESP cut by the IP length
	add(synEth(0x0800, ip4(17, 0x2000, nil, udp4(4500, 4500, esp(0xc000, 1, 16)))), 0)                                            // a first fragment
	short := udp4(4500, 4500, []byte{0xff})
	add(eth4(17, cat(short, []byte{1, 2, 3})), 0)                                      // the UDP length below the IP length
	add(eth4(17, cat(udp4(4500, 4500, nil), esp(0xc001, 2, 4))), 0)                    // ESP behind the UDP length
	add(eth4(17, cat(udp4(4500, 4500, esp(0xc002, 3, 0)[:6]), []byte{0, 3, 1, 2})), 0) // ESP beyond the UDP length
	return writeEthernetPcapWire(t, "ipsec-synthetic.pcap", fl.frames, fl.wires)
}
