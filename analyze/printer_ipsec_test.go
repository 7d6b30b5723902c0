package analyze

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// ipsecCase is an Ethernet frame (cut to cut bytes when cut > 0, the wire
// length kept) and tcpdump 4.99.3's text of it with -nn, -nn -v and
// -nn -vv (after the time stamp, every line).
type ipsecCase struct {
	name        string
	frame       []byte
	cut         int
	want, v, vv string
}

func ipsecCases() []ipsecCase {
	cat := func(bs ...[]byte) []byte {
		var o []byte
		for _, b := range bs {
			o = append(o, b...)
		}
		return o
	}
	u16 := func(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	eth := func(et uint16, p []byte) []byte {
		return cat([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, u16(et), p)
	}
	a4, b4 := []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}
	a6, b6 := netip.MustParseAddr("2001:db8::1").As16(), netip.MustParseAddr("2001:db8::2").As16()
	ip4 := func(proto byte, p []byte) []byte {
		h := cat([]byte{0x45, 0}, u16(uint16(20+len(p))), []byte{0, 1, 0x40, 0, 64, proto, 0, 0}, a4, b4)
		binary.BigEndian.PutUint16(h[10:], ^onesSum(0, h))
		return eth(0x0800, cat(h, p))
	}
	ip6 := func(nh byte, p []byte) []byte {
		return eth(0x86dd, cat([]byte{0x60, 0, 0, 0}, u16(uint16(len(p))), []byte{nh, 64}, a6[:], b6[:], p))
	}
	// l4 puts the IPv4 checksum of the transport l4 (protocol proto) at
	// offset at.
	l4 := func(proto byte, b []byte, at int) []byte {
		b = append([]byte(nil), b...)
		acc := uint32(onesSum(0, a4)) + uint32(onesSum(0, b4)) + uint32(proto) + uint32(len(b))
		binary.BigEndian.PutUint16(b[at:], ^onesSum(acc, b))
		return b
	}
	udp := func(sp, dp uint16, p []byte) []byte {
		return l4(17, cat(u16(sp), u16(dp), u16(uint16(8+len(p))), u16(0), p), 6)
	}
	syn := l4(6, cat(u16(1234), u16(80), u32(1), u32(0), []byte{0x50, 0x02}, u16(8192), u16(0), u16(0)), 16)
	esp := func(spi, seq uint32, n int) []byte { return cat(u32(spi), u32(seq), bytes.Repeat([]byte{0xa5}, n)) }
	ah := func(nh byte, icv int) []byte {
		h := cat([]byte{nh, byte((12+icv)/4 - 2)}, u16(0), u32(0x200), u32(7))
		for i := 0; i < icv; i++ {
			h = append(h, byte(0x10+i))
		}
		return h
	}
	sctp := func(sp, dp uint16, chunks ...[]byte) []byte {
		return cat(u16(sp), u16(dp), u32(0x01020304), u32(0), cat(chunks...))
	}
	chunk := func(typ, flags byte, body ...[]byte) []byte {
		c := cat([]byte{typ, flags}, u16(uint16(4+len(cat(body...)))), cat(body...))
		for len(c)%4 != 0 {
			c = append(c, 0)
		}
		return c
	}
	data := func(flags byte, ppid uint32, p []byte) []byte {
		return chunk(0, flags, u32(4242), u16(1), u16(0), u32(ppid), p)
	}
	ike := cat(u32(0x11223344), u32(0x55667788), u32(0), u32(0), []byte{33, 0x30, 34, 8}, u32(0xabcdef01), u32(28))
	return []ipsecCase{
		{name: "esp", frame: ip4(50, esp(0x1000, 1, 32)),
			want: "IP 10.0.0.1 > 10.0.0.2: ESP(spi=0x00001000,seq=0x1), length 40",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ESP (50), length 60)\n    10.0.0.1 > 10.0.0.2: ESP(spi=0x00001000,seq=0x1), length 40",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ESP (50), length 60)\n    10.0.0.1 > 10.0.0.2: ESP(spi=0x00001000,seq=0x1), length 40"},
		{name: "esp cut", frame: ip4(50, esp(0x1000, 1, 32)), cut: 14 + 20 + 8,
			want: "IP 10.0.0.1 > 10.0.0.2:  [|esp]",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ESP (50), length 60)\n    10.0.0.1 > 10.0.0.2:  [|esp]",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto ESP (50), length 60)\n    10.0.0.1 > 10.0.0.2:  [|esp]"},
		{name: "esp6 hbh", frame: ip6(0, cat([]byte{50, 0, 5, 2, 0, 0, 1, 0}, esp(0x1001, 2, 16))),
			want: "IP6 2001:db8::1 > 2001:db8::2: HBH ESP(spi=0x00001001,seq=0x2), length 24",
			v:    "IP6 (hlim 64, next-header Options (0) payload length: 32) 2001:db8::1 > 2001:db8::2: HBH (rtalert: 0x0000) (padn) ESP(spi=0x00001001,seq=0x2), length 24",
			vv:   "IP6 (hlim 64, next-header Options (0) payload length: 32) 2001:db8::1 > 2001:db8::2: HBH (rtalert: 0x0000) (padn) ESP(spi=0x00001001,seq=0x2), length 24"},
		{name: "ah tcp", frame: ip4(51, cat(ah(6, 12), syn)),
			want: "IP 10.0.0.1 > 10.0.0.2: AH(spi=0x00000200,seq=0x7,icv=0x101112131415161718191a1b): 1234 > 80: Flags [S], seq 1, win 8192, length 0",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 64)\n    10.0.0.1 > 10.0.0.2: AH(length=4(24-bytes),spi=0x00000200,seq=0x7,icv=0x101112131415161718191a1b): 1234 > 80: Flags [S], cksum 0x76bd (correct), seq 1, win 8192, length 0",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 64)\n    10.0.0.1 > 10.0.0.2: AH(length=4(24-bytes),spi=0x00000200,seq=0x7,icv=0x101112131415161718191a1b): 1234 > 80: Flags [S], cksum 0x76bd (correct), seq 1, win 8192, length 0"},
		{name: "ah esp", frame: ip4(51, cat(ah(50, 12), esp(0x1002, 3, 20))),
			want: "IP 10.0.0.1 > 10.0.0.2: AH(spi=0x00000200,seq=0x7,icv=0x101112131415161718191a1b): ESP(spi=0x00001002,seq=0x3), length 28",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 72)\n    10.0.0.1 > 10.0.0.2: AH(length=4(24-bytes),spi=0x00000200,seq=0x7,icv=0x101112131415161718191a1b): ESP(spi=0x00001002,seq=0x3), length 28",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 72)\n    10.0.0.1 > 10.0.0.2: AH(length=4(24-bytes),spi=0x00000200,seq=0x7,icv=0x101112131415161718191a1b): ESP(spi=0x00001002,seq=0x3), length 28"},
		{name: "ah no icv", frame: ip4(51, cat(ah(17, 0), udp(5000, 5001, []byte("hello")))),
			want: "IP 10.0.0.1 > 10.0.0.2: AH(spi=0x00000200,seq=0x7,icv=0x): 5000 > 5001: UDP, length 5",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 45)\n    10.0.0.1 > 10.0.0.2: AH(length=1(12-bytes),spi=0x00000200,seq=0x7,icv=0x): 5000 > 5001: UDP, length 5",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 45)\n    10.0.0.1 > 10.0.0.2: AH(length=1(12-bytes),spi=0x00000200,seq=0x7,icv=0x): 5000 > 5001: [udp sum ok] UDP, length 5"},
		{name: "ah cut", frame: ip4(51, cat(ah(6, 12), syn)), cut: 14 + 20 + 16,
			want: "IP 10.0.0.1 > 10.0.0.2: AH(spi=0x00000200,seq=0x7,icv=0x10111213 [|ah]",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 64)\n    10.0.0.1 > 10.0.0.2: AH(length=4(24-bytes),spi=0x00000200,seq=0x7,icv=0x10111213 [|ah]",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 64)\n    10.0.0.1 > 10.0.0.2: AH(length=4(24-bytes),spi=0x00000200,seq=0x7,icv=0x10111213 [|ah]"},
		{name: "ah unknown", frame: ip4(51, cat(ah(99, 4), []byte("zz"))),
			want: "IP 10.0.0.1 > 10.0.0.2: AH(spi=0x00000200,seq=0x7,icv=0x10111213):  ip-proto-99 2",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 38)\n    10.0.0.1 > 10.0.0.2: AH(length=2(16-bytes),spi=0x00000200,seq=0x7,icv=0x10111213):  ip-proto-99 2",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto AH (51), length 38)\n    10.0.0.1 > 10.0.0.2: AH(length=2(16-bytes),spi=0x00000200,seq=0x7,icv=0x10111213):  ip-proto-99 2"},
		{name: "keep-alive", frame: ip4(17, udp(4500, 4500, []byte{0xff})),
			want: "IP 10.0.0.1.4500 > 10.0.0.2.4500: isakmp-nat-keep-alive",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 29)\n    10.0.0.1.4500 > 10.0.0.2.4500: isakmp-nat-keep-alive",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 29)\n    10.0.0.1.4500 > 10.0.0.2.4500: [udp sum ok] isakmp-nat-keep-alive"},
		{name: "udp-encap", frame: ip4(17, udp(1234, 4500, esp(0x1003, 4, 24))),
			want: "IP 10.0.0.1.1234 > 10.0.0.2.4500: UDP-encap: ESP(spi=0x00001003,seq=0x4), length 32",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 60)\n    10.0.0.1.1234 > 10.0.0.2.4500: UDP-encap: ESP(spi=0x00001003,seq=0x4), length 32",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 60)\n    10.0.0.1.1234 > 10.0.0.2.4500: [udp sum ok] UDP-encap: ESP(spi=0x00001003,seq=0x4), length 32"},
		{name: "nonesp", frame: ip4(17, udp(4500, 4500, cat(u32(0), ike))),
			want: "IP 10.0.0.1.4500 > 10.0.0.2.4500: NONESP-encap: isakmp:",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 60)\n    10.0.0.1.4500 > 10.0.0.2.4500: NONESP-encap: isakmp 3.0 msgid abcdef01:",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 60)\n    10.0.0.1.4500 > 10.0.0.2.4500: [udp sum ok] NONESP-encap: isakmp 3.0 msgid abcdef01 cookie 1122334455667788->0000000000000000:"},
		{name: "rfc3948 short", frame: ip4(17, udp(4500, 4500, []byte{1, 2})),
			want: "IP 10.0.0.1.4500 > 10.0.0.2.4500:  [|isakmp_rfc3948]",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 30)\n    10.0.0.1.4500 > 10.0.0.2.4500:  [|isakmp_rfc3948]",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 30)\n    10.0.0.1.4500 > 10.0.0.2.4500: [udp sum ok]  [|isakmp_rfc3948]"},
		{name: "sctp init", frame: ip4(132, sctp(5000, 6000, chunk(1, 0, u32(0xdeadbeef), u32(106496), u16(10), u16(65535), u32(4242), u32(0x00050008), a4))),
			want: "IP 10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [INIT] [init tag: 3735928559] [rwnd: 106496] [OS: 10] [MIS: 65535] [init TSN: 4242] ",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 60)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [INIT] [init tag: 3735928559] [rwnd: 106496] [OS: 10] [MIS: 65535] [init TSN: 4242] ",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 60)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp\n\t1) [INIT] [init tag: 3735928559] [rwnd: 106496] [OS: 10] [MIS: 65535] [init TSN: 4242] "},
		{name: "sctp data", frame: ip4(132, sctp(5000, 6000, chunk(10, 0, []byte("cookie")), data(3, 18, []byte("hello, sctp")))),
			want: "IP 10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [COOKIE ECHO] , (2) [DATA] (B)(E) [TSN: 4242] [SID: 1] [SSEQ 0] [PPID S1AP] ",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 72)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [COOKIE ECHO] , (2) [DATA] (B)(E) [TSN: 4242] [SID: 1] [SSEQ 0] [PPID S1AP] ",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 72)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp\n\t1) [COOKIE ECHO] \n\t2) [DATA] (B)(E) [TSN: 4242] [SID: 1] [SSEQ 0] [PPID S1AP] [Payload:\n\t0x0000:  6865 6c6c 6f2c 2073 6374 70              hello,.sctp]"},
		{name: "sctp sack", frame: ip4(132, sctp(6000, 5000, chunk(3, 0, u32(4242), u32(100000), u16(2), u16(1), u16(2), u16(3), u16(5), u16(9), u32(4240)))),
			want: "IP 10.0.0.1.6000 > 10.0.0.2.5000: sctp (1) [SACK] [cum ack 4242] [a_rwnd 100000] [#gap acks 2] [#dup tsns 1] \n\t\t[gap ack block #1: start = 4244, end = 4245] \n\t\t[gap ack block #2: start = 4247, end = 4251] \n\t\t[dup TSN #1: 4240] ",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 60)\n    10.0.0.1.6000 > 10.0.0.2.5000: sctp (1) [SACK] [cum ack 4242] [a_rwnd 100000] [#gap acks 2] [#dup tsns 1] \n\t\t[gap ack block #1: start = 4244, end = 4245] \n\t\t[gap ack block #2: start = 4247, end = 4251] \n\t\t[dup TSN #1: 4240] ",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 60)\n    10.0.0.1.6000 > 10.0.0.2.5000: sctp\n\t1) [SACK] [cum ack 4242] [a_rwnd 100000] [#gap acks 2] [#dup tsns 1] \n\t\t[gap ack block #1: start = 4244, end = 4245] \n\t\t[gap ack block #2: start = 4247, end = 4251] \n\t\t[dup TSN #1: 4240] "},
		{name: "sctp kinds", frame: ip4(132, sctp(5000, 6000, chunk(4, 0, u32(0x00010008), u32(1)), chunk(6, 1), chunk(7, 0, u32(9)), chunk(0x99, 0))),
			want: "IP 10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [HB REQ] , (2) [ABORT] , (3) [SHUTDOWN] , (4) [Unknown chunk type: 0x99] ",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 60)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [HB REQ] , (2) [ABORT] , (3) [SHUTDOWN] , (4) [Unknown chunk type: 0x99] ",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 60)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp\n\t1) [HB REQ] \n\t2) [ABORT] \n\t3) [SHUTDOWN] \n\t4) [Unknown chunk type: 0x99] "},
		{name: "sctp bad length", frame: ip4(132, sctp(5000, 6000, chunk(11, 0), []byte{11, 0, 0, 2})),
			want: "IP 10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [COOKIE ACK] , (2) [Bad chunk length 2, < size of chunk descriptor]",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 40)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [COOKIE ACK] , (2) [Bad chunk length 2, < size of chunk descriptor]",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 40)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp\n\t1) [COOKIE ACK] \n\t2) [Bad chunk length 2, < size of chunk descriptor]"},
		{name: "sctp bogus data", frame: ip4(132, sctp(5000, 6000, cat([]byte{0, 3}, u16(16), u32(1), u32(0), u32(0)))),
			want: "IP 10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [DATA] (B)(E) [TSN: 1] [SID: 0] [SSEQ 0] [PPID 0x0] bogus chunk length 16]",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 48)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [DATA] (B)(E) [TSN: 1] [SID: 0] [SSEQ 0] [PPID 0x0] bogus chunk length 16]",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 48)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp\n\t1) [DATA] (B)(E) [TSN: 1] [SID: 0] [SSEQ 0] [PPID 0x0] bogus chunk length 16]"},
		{name: "sctp cut", frame: ip4(132, sctp(5000, 6000, chunk(11, 0), data(3, 0, []byte("hello")))), cut: 14 + 20 + 12 + 4 + 10,
			want: "IP 10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [COOKIE ACK]  [|sctp]",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 60)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [COOKIE ACK]  [|sctp]",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 60)\n    10.0.0.1.5000 > 10.0.0.2.6000: sctp\n\t1) [COOKIE ACK]  [|sctp]"},
		{name: "sctp short", frame: ip4(132, sctp(5000, 6000)[:8]),
			want: "IP truncated-sctp - 4 bytes missing!",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 28)\n    truncated-sctp - 4 bytes missing!",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 28)\n    truncated-sctp - 4 bytes missing!"},
		{name: "sctp6", frame: ip6(132, sctp(5000, 6000, data(7, 0x12345678, []byte("x")))),
			want: "IP6 2001:db8::1.5000 > 2001:db8::2.6000: sctp (1) [DATA] (U)(B)(E) [TSN: 4242] [SID: 1] [SSEQ 0] [PPID 0x12345678] ",
			v:    "IP6 (hlim 64, next-header SCTP (132) payload length: 32) 2001:db8::1.5000 > 2001:db8::2.6000: sctp (1) [DATA] (U)(B)(E) [TSN: 4242] [SID: 1] [SSEQ 0] [PPID 0x12345678] ",
			vv:   "IP6 (hlim 64, next-header SCTP (132) payload length: 32) 2001:db8::1.5000 > 2001:db8::2.6000: sctp\n\t1) [DATA] (U)(B)(E) [TSN: 4242] [SID: 1] [SSEQ 0] [PPID 0x12345678] [Payload:\n\t0x0000:  78                                       x]"},
		{name: "sctp forces", frame: ip4(132, sctp(6705, 5000, chunk(11, 0))),
			want: "IP 10.0.0.1.6705 > 10.0.0.2.5000: sctp[ForCES MP] (1) [COOKIE ACK] ",
			v:    "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 36)\n    10.0.0.1.6705 > 10.0.0.2.5000: sctp[ForCES MP] (1) [COOKIE ACK] ",
			vv:   "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 36)\n    10.0.0.1.6705 > 10.0.0.2.5000: sctp[ForCES MP]\n\t1) [COOKIE ACK] "},
	}
}

// ipsecSeeds are the frames of ipsecCases, whole, at their cut and cut in
// the middle of the IP payload, for the fuzzers.
func ipsecSeeds() [][]byte {
	var out [][]byte
	for _, c := range ipsecCases() {
		out = append(out, c.frame)
		if c.cut > 0 {
			out = append(out, c.frame[:c.cut])
		}
		out = append(out, c.frame[:14+(len(c.frame)-14)/2+10])
	}
	return out
}

// printIPsec prints the frame of c under o.
func printIPsec(t testing.TB, c ipsecCase, o PrintOptions) string {
	var b bytes.Buffer
	p := NewPrinter(&b, o)
	d := c.frame
	if c.cut > 0 {
		d = d[:c.cut]
	}
	pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet, Data: d}
	pkt.Info.Timestamp = time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	pkt.Info.CaptureLength, pkt.Info.Length = len(d), len(c.frame)
	if err := p.PrintPacket(pkt); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestPrinterIPsecSCTP: ESP, AH, UDP port 4500 and SCTP print as tcpdump
// 4.99.3 prints them (texts checked with tcpdump -nn, -nn -v, -nn -vv).
func TestPrinterIPsecSCTP(t *testing.T) {
	for _, c := range ipsecCases() {
		for _, o := range []struct {
			v    int
			want string
		}{{0, c.want}, {1, c.v}, {2, c.vv}} {
			if got := printIPsec(t, c, PrintOptions{TimeFormat: 1, Verbose: o.v}); got != o.want {
				t.Errorf("%s -v%d:\n got %q\nwant %q", c.name, o.v, got, o.want)
			}
		}
	}
}

// TestPrinterIPsecDumps: what -x, -X and -q do with these protocols as
// tcpdump does: AH cut in its ICV ends the packet (a longjmp: -x dumps
// the link-level header too), a cut ESP or SCTP header does not; -q and
// -x leave the DATA payload's dump out of -vv's text.
func TestPrinterIPsecDumps(t *testing.T) {
	cs := map[string]ipsecCase{}
	for _, c := range ipsecCases() {
		cs[c.name] = c
	}
	for _, c := range []struct {
		name string
		o    PrintOptions
		want string
	}{
		{"ah cut", PrintOptions{TimeFormat: 1, HexOnly: 1}, "IP 10.0.0.1 > 10.0.0.2: AH(spi=0x00000200,seq=0x7,icv=0x10111213 [|ah]\n" +
			"\t0x0000:  0200 0000 0002 0200 0000 0001 0800 4500\n\t0x0010:  0040 0001 4000 4033 2688 0a00 0001 0a00\n\t0x0020:  0002 0604 0000 0000 0200 0000 0007 1011\n\t0x0030:  1213"},
		{"esp cut", PrintOptions{TimeFormat: 1, HexOnly: 1}, "IP 10.0.0.1 > 10.0.0.2:  [|esp]\n" +
			"\t0x0000:  4500 003c 0001 4000 4032 268d 0a00 0001\n\t0x0010:  0a00 0002 0000 1000 0000 0001"},
		{"sctp data", PrintOptions{TimeFormat: 1, Verbose: 2, Quiet: true}, "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto SCTP (132), length 72)\n" +
			"    10.0.0.1.5000 > 10.0.0.2.6000: sctp\n\t1) [COOKIE ECHO] \n\t2) [DATA] (B)(E) [TSN: 4242] [SID: 1] [SSEQ 0] [PPID S1AP] [Payload]"},
		{"nonesp", PrintOptions{TimeFormat: 1, Quiet: true}, "IP 10.0.0.1.4500 > 10.0.0.2.4500: UDP, length 32"},
	} {
		if got := printIPsec(t, cs[c.name], c.o); got != c.want {
			t.Errorf("%s %+v:\n got %q\nwant %q", c.name, c.o, got, c.want)
		}
	}
}

// TestIPsecTexts: the protocol printers on their own, at the edges of
// their lengths.
func TestIPsecTexts(t *testing.T) {
	hdr := []byte{0, 0, 0x10, 0, 0, 0, 0, 9}
	for _, c := range []struct {
		got, want string
	}{
		{espText(hdr, 8), " [|esp]"},
		{espText(append(hdr, 1), 4000), "ESP(spi=0x00001000,seq=0x9), length 4000"},
		{espText(nil, 0), " [|esp]"},
		{isakmpHeader(make([]byte, 27), 2), " [|isakmp]"},
		{isakmpHeader(append(bytes.Repeat([]byte{0xab}, 17), 0x21, 0, 0, 1, 2, 3, 4, 0, 0, 0, 28), 2), "isakmp 2.1 msgid 01020304 cookie abababababababab->abababababababab:"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for _, c := range []struct {
		b    []byte
		n    int
		want string
		jump bool
	}{
		{[]byte{0xff}, 1, "isakmp-nat-keep-alive", false},
		{nil, 1, " [|isakmp_rfc3948]", true},
		{[]byte{0xfe}, 1, " [|isakmp_rfc3948]", false},
		{[]byte{0, 0}, 4, " [|isakmp_rfc3948]", true},
		{[]byte{0, 0, 0, 0}, 4, "NONESP-encap:  [|isakmp]", false},
		{hdr, 8, "UDP-encap:  [|esp]", false},
	} {
		if got, jump := rfc3948Text(c.b, c.n, 0); got != c.want || jump != c.jump {
			t.Errorf("% x (%d): got %q %v, want %q %v", c.b, c.n, got, jump, c.want, c.jump)
		}
	}
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	common := []byte{0x13, 0x88, 0x17, 0x70, 0, 0, 0, 1, 0, 0, 0, 0}
	for _, c := range []struct {
		b    []byte
		n    int
		want string
	}{
		{common[:6], 20, " [|sctp]"},
		{common, 11, "truncated-sctp - 1 bytes missing!"},
		{common, 12, "10.0.0.1.5000 > 10.0.0.2.6000: sctp"},
		{common, 13, "10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [chunk descriptor cut off at end of packet]"},
		// a chunk longer than the length says, all of it captured: the
		// remaining length wraps (u_int), the walk goes on to the end
		// of the captured bytes
		{append(append([]byte{}, common...), 11, 0, 0, 8, 0, 0, 0, 0, 11, 0, 0, 4), 16, "10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [COOKIE ACK] , (2) [COOKIE ACK]  [|sctp]"},
		// SACK announcing 65535 gap blocks: as many as the chunk holds
		{append(append([]byte{}, common...), 3, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 1, 0, 2), 32,
			"10.0.0.1.5000 > 10.0.0.2.6000: sctp (1) [SACK] [cum ack 1] [a_rwnd 0] [#gap acks 65535] [#dup tsns 0] \n\t\t[gap ack block #1: start = 2, end = 3] "},
	} {
		if got := sctpText(a, b, c.b, c.n, PrintOptions{}); got != c.want {
			t.Errorf("% x (%d):\n got %q\nwant %q", c.b, c.n, got, c.want)
		}
	}
}

// FuzzPrintIPsec prints arbitrary IPv4 and IPv6 payloads of the
// protocols ESP, AH, SCTP and UDP port 4500 (and AH chains in front of
// any protocol) under random options: no panic, every packet ends with
// a newline, and the text stays linear in the input (every chunk, AH
// header and SACK block is read once). Seeds: ipsecCases' frames, whole
// and cut.
func FuzzPrintIPsec(f *testing.F) {
	for i, fr := range ipsecSeeds() {
		f.Add(fr, uint8(i*37+3))
	}
	f.Fuzz(func(t *testing.T, b []byte, opts uint8) {
		var out bytes.Buffer
		p := NewPrinter(&out, PrintOptions{Verbose: int(opts & 3), LinkHeader: opts&4 != 0, HexASCII: int(opts>>3) & 1,
			HexOnly: int(opts>>4) & 1, Quiet: opts&0x20 != 0, TimeFormat: 1})
		pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet, Data: b}
		pkt.Info.CaptureLength, pkt.Info.Length = len(b), len(b)+int(opts>>6)*7
		if err := p.PrintPacket(pkt); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			t.Fatalf("output does not end with a newline: %q", out.String())
		}
		if out.Len() > 4096+64*len(b) {
			t.Fatalf("%d bytes of text for %d bytes of input", out.Len(), len(b))
		}
	})
}
