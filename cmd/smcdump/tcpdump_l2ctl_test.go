package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// l2ctlFrame is one record of l2ctlTrace: a frame and the bytes of it the
// record keeps (0: all; the record's wire length is the frame's).
type l2ctlFrame struct {
	b   []byte
	cut int
}

// l2ctlFrames are the frames of l2ctlTrace (and the seeds of the
// printer's fuzz target FuzzPrintL2Control use the same shapes).
func l2ctlFrames() []l2ctlFrame {
	lldpMAC := []byte{0x01, 0x80, 0xc2, 0, 0, 0x0e, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc}
	slowMAC := []byte{0x01, 0x80, 0xc2, 0, 0, 0x02, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcd}
	cdpMAC := []byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xce}
	ptpMAC := []byte{0x01, 0x1b, 0x19, 0, 0, 0, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcf}
	eth := func(macs []byte, et uint16, p ...[]byte) []byte { return cat(macs, u16(nil, et), cat(p...)) }
	pad60 := func(b []byte) []byte {
		if len(b) < 60 {
			b = cat(b, make([]byte, 60-len(b)))
		}
		return b
	}
	tlv := func(typ int, v ...[]byte) []byte {
		d := cat(v...)
		return cat(u16(nil, uint16(typ<<9|len(d)&0x1ff)), d)
	}
	tlvLen := func(typ, n int, v ...[]byte) []byte { // a length that is not the value's
		return cat(u16(nil, uint16(typ<<9|n&0x1ff)), cat(v...))
	}
	s := func(x string) []byte { return []byte(x) }
	b := func(x ...byte) []byte { return x }
	org := func(oui uint32, sub byte, v ...[]byte) []byte {
		return tlv(127, b(byte(oui>>16), byte(oui>>8), byte(oui), sub), cat(v...))
	}
	mac := b(0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc)
	end := tlv(0)
	basic := cat(tlv(1, b(4), mac), tlv(2, b(5), s("eth0")), tlv(3, u16(nil, 120)))
	full := cat(basic,
		tlv(4, s("uplink to core")), tlv(5, s("switch1")), tlv(6, s("Linux 6.1.0 x86_64\tbuild")),
		tlv(7, u16(nil, 0x0014), u16(nil, 0x0004)),
		tlv(8, b(5, 1), synA4("192.0.2.1"), b(2), u32(nil, 3), b(3), b(0x2b, 6, 1)),
		org(0x0080c2, 1, u16(nil, 100)),
		org(0x0080c2, 3, u16(nil, 100), b(7), s("servers")),
		org(0x00120f, 1, b(3), u16(nil, 0x6c01), u16(nil, 30)),
		org(0x00120f, 4, u16(nil, 9216)),
		end)
	more := cat(
		tlv(1, b(5, 2), synA6("2001:db8::1")), tlv(2, b(3), mac), tlv(3, u16(nil, 0)),
		tlv(5, s("sw\x002")), tlv(6, s("bad\x01\x7f\xe9chars")),
		tlv(7, u16(nil, 0xffff), u16(nil, 0)),
		tlv(8, b(7, 6), mac, b(3), u32(nil, 7), b(0)),
		tlv(8, b(17, 2), synA6("2001:db8::2"), b(1), u32(nil, 9)),
		tlv(8, b(3, 99, 1, 2), b(9), u32(nil, 1)),
		org(0x0080c2, 2, b(6), u16(nil, 200)),
		org(0x0080c2, 4, b(3), b(0x42, 0x42, 0x03)),
		org(0x0080c2, 7, b(3), u32(nil, 5)),
		org(0x0080c2, 8, b(0x81, 0x03)),
		org(0x0080c2, 9, b(0x83), u32(nil, 0x01234567), b(10, 20, 30, 40, 0, 0, 0, 0), b(0, 2, 2, 2, 0, 0, 0, 0)),
		org(0x0080c2, 10, b(0), u32(nil, 0x76543210), b(50, 50, 0, 0, 0, 0, 0, 0), b(2, 2, 0, 0, 0, 0, 0, 0)),
		org(0x0080c2, 11, b(0x88, 0x08)),
		org(0x0080c2, 12, b(0), b(0x61), u16(nil, 0x8906), b(0x84), u16(nil, 3260)),
		org(0x0080c2, 99, b(1, 2, 3)),
		org(0x00120f, 2, b(0x0f, 1, 4)),
		org(0x00120f, 3, b(3), u32(nil, 77)),
		org(0x00120f, 7, b(1)),
		org(0x0012bb, 1, u16(nil, 0x0033), b(3)),
		org(0x0012bb, 2, b(1), u16(nil, 0x4000|100<<1), u16(nil, 5<<6|46)),
		org(0x0012bb, 5, s("rev A")),
		org(0x0012bb, 10, s("model-x")),
		org(0x0012bb, 99, b(1)),
		org(0x00005e, 1, s("https://example.com/mud")),
		org(0x123456, 1, b(1, 2, 3, 4)),
		tlv(9, s("future tlv")),
		end)
	sub := func(typ int, v ...[]byte) []byte { // a DCBX sub-TLV
		d := cat(v...)
		return cat(u16(nil, uint16(typ<<9|len(d))), d)
	}
	dcbx := cat(basic,
		org(0x001b21, 1, b(1, 2, 3)),
		org(0x001b21, 2, sub(1, b(0, 0), u32(nil, 7), u32(nil, 6)),
			sub(2, b(0, 0, 0xa0, 0), u32(nil, 0x01234567), b(10, 10, 10, 10, 20, 20, 10, 10), b(8)),
			sub(3, b(0, 0, 0xc0, 0, 0x09, 8)),
			sub(4, b(0, 0, 0x80, 0), u16(nil, 0x8906), b(0, 0, 0), b(0x08), u16(nil, 3260), b(0xc0, 0, 0), b(0x10)),
			sub(9, b(1, 2)), sub(1, b(0))),
		org(0x001b21, 2, sub(3, b(0, 0))),
		org(0x001b21, 7),
		end)
	med := cat(basic,
		org(0x0012bb, 3, b(1), b(0x28, 0x12, 0x34, 0x56, 0x78), b(0x29, 0x9a, 0xbc, 0xde, 0xf0), b(0x12, 0x34, 0x56, 0x78, 0x9a), b(1)),
		org(0x0012bb, 3, b(2, 12, 2), s("DE"), b(3, 6), s("Berlin"), b(6, 1), s("X")),
		org(0x0012bb, 3, b(2, 9, 1), s("US"), b(1, 4), s("CA")),
		org(0x0012bb, 3, b(2, 7, 0), s("FR"), b(0, 2), s("zz")),
		org(0x0012bb, 3, b(3), s("5551234")),
		org(0x0012bb, 3, b(9), b(1, 2, 3)),
		org(0x0012bb, 3, b(1), b(1, 2)),
		org(0x0012bb, 4, b(0x52), u16(nil, 154)),
		org(0x0012bb, 4, b(0x2f), u16(nil, 2000)),
		org(0x0012bb, 1, u16(nil, 0xffff), b(9)),
		org(0x0012bb, 2, b(9), u16(nil, 0x8000|4095<<1|1), u16(nil, 0xffff)),
		org(0x0080c2, 13, b(0x07, 0x1b, 0xe5), b(0x55, 0xe3)),
		org(0x0080c2, 14, b(0xf8, 0), u16(nil, 0x0123), b(0x00, 0x10, 0x05), b(0xff, 0xff, 0xff)),
		org(0x0080c2, 14, b(0x80, 0), u16(nil, 1), b(1)),
		org(0x0080c2, 12, b(0)),
		org(0x0080c2, 12, b(0), b(1, 2)),
		org(0x00120f, 1, b(0), u16(nil, 0x8000), u16(nil, 99)),
		org(0x00120f, 2, b(0), b(3, 9)),
		end)
	bad1 := cat(tlv(1, b(99), s("abc")), tlv(2, b(7)), tlv(3, b(1)), end)
	bad2 := cat(basic, tlv(8, b(40), synA4("192.0.2.1")), end)
	bad3 := cat(basic, org(0x0080c2, 1), org(0x0080c2, 3, u16(nil, 5), b(9), s("ab")), org(0x00120f, 1, b(1)), end)
	bad4 := cat(basic, tlvLen(5, 40, s("short")))
	bad5 := cat(tlv(1, b(4), mac[:3]))
	bad6 := cat(tlv(1, b(5, 1), b(10, 0)), end)
	bad7 := cat(basic, tlv(127, b(0, 0x80)), end)
	noEnd := cat(basic, tlv(5, s("noend")), b(0x0a))
	zeroLen := cat(basic, tlv(7), tlv(5, s("after")))

	var fr []l2ctlFrame
	add := func(f []byte, cut int) { fr = append(fr, l2ctlFrame{f, cut}) }
	add(eth(lldpMAC, 0x88cc, full), 0)
	add(pad60(eth(lldpMAC, 0x88cc, basic, end)), 0)
	add(eth(lldpMAC, 0x88cc, more), 0)
	add(eth(lldpMAC, 0x88cc, dcbx), 0)
	add(eth(lldpMAC, 0x88cc, med), 0)
	add(eth(lldpMAC, 0x88cc, bad1), 0)
	add(eth(lldpMAC, 0x88cc, bad2), 0)
	add(eth(lldpMAC, 0x88cc, bad3), 0)
	add(eth(lldpMAC, 0x88cc, bad4), 0)
	add(eth(lldpMAC, 0x88cc, bad5), 0)
	add(eth(lldpMAC, 0x88cc, bad6), 0)
	add(eth(lldpMAC, 0x88cc, bad7), 0)
	add(eth(lldpMAC, 0x88cc, noEnd), 0)
	add(eth(lldpMAC, 0x88cc, zeroLen), 0)
	add(eth(lldpMAC, 0x88cc), 0)
	add(eth(lldpMAC, 0x88cc, b(0x02)), 0)
	add(eth(lldpMAC, 0x88cc, full), 14+1)
	add(eth(lldpMAC, 0x88cc, full), 14+9)
	add(eth(lldpMAC, 0x88cc, full), 14+40)
	add(eth(lldpMAC, 0x88cc, full), 14+60)
	add(cat(lldpMAC, b(0x81, 0, 0x20, 5), u16(nil, 0x88cc), basic, tlv(5, s("tagged")), end), 0)

	// Slow protocols: LACP, Marker, OAM
	apInfo := func(typ byte, state byte) []byte {
		return cat(b(typ, 20), u16(nil, 32768), mac, u16(nil, 13), u16(nil, 255), u16(nil, 5), b(state, 0, 0, 0))
	}
	lacp := cat(b(1, 1), apInfo(1, 0x3d), apInfo(2, 0x0f), b(3, 16), u16(nil, 5), make([]byte, 12), b(0, 0), make([]byte, 50))
	add(eth(slowMAC, 0x8809, lacp), 0)
	add(eth(slowMAC, 0x8809, cat(b(1, 1), apInfo(1, 0), apInfo(2, 0xff), b(3, 16), u16(nil, 0), make([]byte, 12), b(0, 0), make([]byte, 50))), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(2, 1, 1, 16), u16(nil, 7), mac, u32(nil, 0xdeadbeef), b(0, 0), b(0, 0)))), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(2, 1, 2, 16), u16(nil, 7), mac, u32(nil, 1), b(0, 0), b(0, 0)))), 0)
	add(pad60(eth(slowMAC, 0x8809, b(1, 2, 1, 20))), 0)
	add(pad60(eth(slowMAC, 0x8809, b(2, 3))), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(1, 1, 1, 18), make([]byte, 16), b(0, 0)))), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(1, 1, 7, 1), make([]byte, 8)))), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(1, 1, 9, 6, 1, 2, 3, 4), b(3, 10), make([]byte, 8), b(0, 0)))), 0)
	add(eth(slowMAC, 0x8809, cat(b(1, 1), apInfo(1, 0x3d)[:10])), 0)
	add(eth(slowMAC, 0x8809, b(1, 1, 1)), 0)
	add(eth(slowMAC, 0x8809, b(1)), 0)
	add(eth(slowMAC, 0x8809), 0)
	add(eth(slowMAC, 0x8809, lacp), 14+2)
	add(eth(slowMAC, 0x8809, lacp), 14+12)
	add(eth(slowMAC, 0x8809, lacp), 14+30)
	add(pad60(eth(slowMAC, 0x8809, b(10, 1, 2, 3, 4, 5))), 0)
	oamInfo := func(typ byte) []byte {
		return cat(b(typ, 16, 1), u16(nil, 2), b(0x05, 0x1d), u16(nil, 1518), b(0x00, 0x12, 0x0f), u32(nil, 0x01020304))
	}
	add(pad60(eth(slowMAC, 0x8809, cat(b(3), u16(nil, 0x0050), b(0), oamInfo(1), oamInfo(2), b(0xfe, 6, 0, 0x12, 0x0f, 1), b(0, 0)))), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(3), u16(nil, 0x0001), b(0), b(1, 10), make([]byte, 8)))), 0)
	ev := cat(b(1, 40), u16(nil, 50), u64b(1000), u64b(10), u64b(3), u64b(99), u32(nil, 4))
	add(pad60(eth(slowMAC, 0x8809, cat(b(3), u16(nil, 0x0002), b(1), u16(nil, 17), ev, b(2, 5, 1, 2, 3), b(0, 0)))), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(3), u16(nil, 0), b(4, 1)))), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(3), u16(nil, 0), b(2, 7, 0, 2)))), 0)
	add(eth(slowMAC, 0x8809, b(3, 0)), 0)
	add(pad60(eth(slowMAC, 0x8809, cat(b(3), u16(nil, 0), b(0x77, 1, 2)))), 0)

	// CDP: 802.3, LLC/SNAP, OUI Cisco, PID 0x2000
	cdpTLV := func(typ uint16, v ...[]byte) []byte {
		d := cat(v...)
		return cat(u16(nil, typ), u16(nil, uint16(4+len(d))), d)
	}
	cdpFrame := func(body ...[]byte) []byte {
		p := cat(b(0xaa, 0xaa, 0x03, 0, 0, 0x0c), u16(nil, 0x2000), cat(body...))
		return cat(cdpMAC, u16(nil, uint16(len(p))), p)
	}
	addrs := cat(u32(nil, 3), b(1, 1, 0xcc), u16(nil, 4), synA4("192.0.2.7"),
		b(2, 8, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd), u16(nil, 16), synA6("2001:db8::7"),
		b(1, 1, 0x81), u16(nil, 2), b(0x12, 0x34))
	cdpFull := cat(b(2, 180), u16(nil, 0xb1c2),
		cdpTLV(1, s("sw1.example.com")), cdpTLV(2, addrs), cdpTLV(3, s("GigabitEthernet0/1")),
		cdpTLV(4, u32(nil, 0x29)), cdpTLV(5, s("Cisco IOS Software\nVersion 15.2\nRELEASE")),
		cdpTLV(6, s("cisco WS-C2960")), cdpTLV(7, b(10, 0, 0, 0, 8, 192, 168, 1, 0, 24)),
		cdpTLV(8, b(0, 0, 0x0c, 0x01, 0x12)), cdpTLV(9, s("vtpdom")), cdpTLV(10, u16(nil, 1)),
		cdpTLV(11, b(1)), cdpTLV(0x0e, b(1), u16(nil, 100)), cdpTLV(0x0f, u16(nil, 0x2000)),
		cdpTLV(0x10, u16(nil, 6300)), cdpTLV(0x11, u32(nil, 1500)), cdpTLV(0x12, b(0)),
		cdpTLV(0x13, b(0)), cdpTLV(0x14, s("sysname")), cdpTLV(0x15, b(6, 8)),
		cdpTLV(0x16, u32(nil, 1), b(1, 1, 0xcc), u16(nil, 4), synA4("192.0.2.8")),
		cdpTLV(0x17, b(1), s("rack 4")), cdpTLV(0x1a, b(1, 2, 3)), cdpTLV(0x1001, nil))
	add(cdpFrame(cdpFull), 0)
	add(pad60(cdpFrame(b(1, 60), u16(nil, 0), cdpTLV(1, s("old")))), 0)
	add(cdpFrame(b(2, 180), u16(nil, 0), cdpTLV(4, b(1)), cdpTLV(0x0b, b(0, 0)), cdpTLV(0x0f, b(1)), cdpTLV(7, b(1, 2, 3)), cdpTLV(0x16, b(0))), 0)
	add(cdpFrame(b(2, 180), u16(nil, 0), cdpTLV(1, s("x")), b(0, 3, 0, 2)), 0)
	add(cdpFrame(b(2, 180), u16(nil, 0), cdpTLV(3, s("y")), b(0, 1, 0, 40), s("zz")), 0)
	add(cdpFrame(b(2, 180), u16(nil, 0), cdpTLV(1, s("z")), b(0, 1)), 0)
	add(cdpFrame(b(2, 180)), 0)
	add(cdpFrame(b(2, 180), u16(nil, 0), cdpTLV(2, u32(nil, 2), b(1, 1, 0xcc), u16(nil, 4), synA4("192.0.2.9"))), 0)
	add(cdpFrame(b(2, 180), u16(nil, 0), cdpTLV(2, u32(nil, 1), b(1, 1, 0xcc), u16(nil, 4), synA4("192.0.2.9"), b(7, 7))), 0)
	add(cdpFrame(b(2, 180), u16(nil, 0), cdpTLV(2, u32(nil, 1), b(1, 9))), 0)
	add(cdpFrame(cdpFull), 22+4)
	add(cdpFrame(cdpFull), 22+10)
	add(cdpFrame(cdpFull), 22+30)

	// PTP over Ethernet and UDP
	hdr := func(typ byte, ver byte, n int, flags uint16) []byte {
		return cat(b(typ, ver), u16(nil, uint16(n)), b(24, 0), u16(nil, flags), b(0, 0, 0, 0, 0x12, 0x34, 0, 0x80), u32(nil, 0),
			b(0x00, 0x1b, 0x21, 0xff, 0xfe, 0xaa, 0xbb, 0xcc), u16(nil, 1), u16(nil, 4711), b(0, 0xfd))
	}
	ts := cat(b(0, 0, 0x65, 0x4a, 0x1b, 0x2c), u32(nil, 123456789))
	pid := cat(b(0x00, 0x1b, 0x21, 0xff, 0xfe, 0xdd, 0xee, 0xff), u16(nil, 2))
	ann := cat(ts, u16(nil, 37), b(0, 128, 6, 0x21), u16(nil, 0x4e5d), b(128), b(0x00, 0x1b, 0x21, 0xff, 0xfe, 0xaa, 0xbb, 0xcc), u16(nil, 0), b(0x20))
	ptps := [][]byte{
		cat(hdr(0x00, 2, 44, 0x0200), ts),
		cat(hdr(0x01, 2, 44, 0), ts),
		cat(hdr(0x02, 2, 54, 0), ts, pid),
		cat(hdr(0x03, 2, 54, 0x0200), ts, pid),
		cat(hdr(0x08, 2, 44, 0x0008), ts),
		cat(hdr(0x09, 2, 54, 0x0004), ts, pid),
		cat(hdr(0x0a, 2, 54, 0), ts, pid),
		cat(hdr(0x1b, 2, 64, 0x183f), ann),
		cat(hdr(0x0c, 2, 44, 0x0400), pid),
		cat(hdr(0x0d, 2, 48, 0x7000), pid, b(1, 2, 3, 4)),
		cat(hdr(0x05, 2, 34, 0xffff)),
	}
	for _, p := range ptps {
		add(pad60(eth(ptpMAC, 0x88f7, p)), 0)
	}
	add(pad60(eth(ptpMAC, 0x88f7, hdr(0x00, 1, 44, 0), ts)), 0)
	add(pad60(eth(ptpMAC, 0x88f7, hdr(0x00, 3, 44, 0), ts)), 0)
	add(pad60(eth(ptpMAC, 0x88f7, hdr(0x00, 0x12, 44, 0), ts)), 0)
	add(eth(ptpMAC, 0x88f7, hdr(0x00, 2, 44, 0)[:20]), 0)
	add(eth(ptpMAC, 0x88f7, hdr(0x00, 2, 44, 0)), 0)
	add(eth(ptpMAC, 0x88f7, hdr(0x00, 2, 44, 0), ts), 14+20)
	add(eth(ptpMAC, 0x88f7, hdr(0x0b, 2, 64, 0), ann), 14+50)
	add(eth(ptpMAC, 0x88f7, hdr(0x0d, 2, 48, 0), pid), 0)
	add(cat(ptpMAC, b(0x81, 0, 0x60, 10), u16(nil, 0x88f7), hdr(0x00, 2, 44, 0), ts), 0)
	udp := func(sp, dp uint16, p []byte) []byte {
		return cat(u16(nil, sp), u16(nil, dp), u16(nil, uint16(8+len(p))), u16(nil, 0), p)
	}
	add(synEth(0x0800, synIP4(17, "192.0.2.1", "224.0.1.129", udp(319, 319, ptps[0]))), 0)
	add(synEth(0x0800, synIP4(17, "192.0.2.1", "224.0.1.129", udp(320, 320, ptps[7]))), 0)
	add(synEth(0x0800, synIP4(17, "192.0.2.1", "192.0.2.2", udp(40000, 320, ptps[5]))), 0)
	add(synEth(0x0800, synIP4(17, "192.0.2.1", "224.0.1.129", udp(319, 319, ptps[0][:20]))), 0)
	add(synEth(0x0800, synIP4(17, "192.0.2.1", "224.0.1.129", udp(319, 319, ptps[0]))), 14+20+8+30)
	add(synEth(0x86dd, synIP6(17, "fe80::1", "ff02::6b", udp(319, 319, ptps[2]))), 0)
	vx := func(inner []byte) []byte {
		return synEth(0x0800, synIP4(17, "192.0.2.1", "192.0.2.2", udp(40000, 4789, cat(b(8, 0, 0, 0, 0, 0, 42, 0), inner))))
	}
	add(vx(eth(lldpMAC, 0x88cc, basic, tlv(5, s("inner")), end)), 0)
	add(vx(eth(slowMAC, 0x8809, lacp)), 0)
	add(vx(eth(ptpMAC, 0x88f7, ptps[0])), 0)
	add(vx(eth(lldpMAC, 0x88cc, full)), 14+20+8+8+14+20)
	return fr
}

func u64b(v uint64) []byte { return u32(u32(nil, uint32(v>>32)), uint32(v)) }

// l2ctlTrace writes a synthetic pcap (built here, not captured) of the
// link-layer control traffic on physical NICs and bonds: LLDP (every TLV
// tcpdump decodes with -v, unknown TLVs and OUIs, bad TLV lengths, frames
// cut by the snaplen, a VLAN tag), Slow Protocols (LACP, Marker, OAM,
// versions and subtypes tcpdump does not decode, bad TLV lengths, cuts),
// CDP over 802.3 LLC/SNAP (its TLVs, malformed and cut ones) and PTP
// (every message type over Ethernet and UDP ports 319/320, versions 1 and
// 3, short and cut messages). An exact trace: TestTcpdumpDifferential
// requires tcpdump's text for every packet.
func l2ctlTrace(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapfile.NewPcapWriter(&buf, pcapfile.LinkTypeEthernet, 65535, true, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range l2ctlFrames() {
		d := r.b
		if r.cut > 0 {
			d = d[:r.cut]
		}
		if err := w.WritePacketData(time.Unix(1795330800+int64(i), int64(i)*1000), d, len(r.b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "l2ctl-synthetic.pcap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("SMCDUMP_L2CTL_OUT"); out != "" {
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestL2ctlTraceWrite writes l2ctlTrace to $SMCDUMP_L2CTL_OUT (to look at
// it with tcpdump by hand).
func TestL2ctlTraceWrite(t *testing.T) {
	if os.Getenv("SMCDUMP_L2CTL_OUT") == "" {
		t.Skip("SMCDUMP_L2CTL_OUT not set")
	}
	l2ctlTrace(t)
}
