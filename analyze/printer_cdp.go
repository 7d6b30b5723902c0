package analyze

import (
	"bytes"
	"net/netip"
)

// CDP (802.2 SNAP, OUI Cisco, PID 0x2000) as tcpdump 4.99.3 prints it
// (print-cdp.c cdp_print): the Device-ID on the line and the other TLVs in
// hex, with -v every TLV decoded. print-cdp.c leaves the printer when the
// captured bytes end (ND_LONGJMP_FROM_TCHECK).

type cdpTLVInfo struct {
	name     string
	printer  func(n *ndPrinter, off, l int)
	min, max int
}

var cdpCapNames = []tok{{0x01, "Router"}, {0x02, "Transparent Bridge"}, {0x04, "Source Route Bridge"}, {0x08, "L2 Switch"},
	{0x10, "L3 capable"}, {0x20, "IGMP snooping"}, {0x40, "L1 capable"}}

var cdpTLVs [0x18]cdpTLVInfo

func init() {
	str := func(n *ndPrinter, off, l int) {
		n.print("'")
		n.printn(off, l)
		n.print("'")
	}
	u8x := func(n *ndPrinter, off, l int) { n.printf("0x%02x", n.u8(off)) }
	cdpTLVs = [0x18]cdpTLVInfo{
		0x01: {"Device-ID", str, -1, -1},
		0x02: {"Address", cdpAddr, -1, -1},
		0x03: {"Port-ID", str, -1, -1},
		0x04: {"Capability", func(n *ndPrinter, off, l int) {
			v := n.u32(off)
			n.printf("(0x%08x): %s", v, bittok2str(cdpCapNames, "none", v))
		}, 4, 4},
		0x05: {"Version String", func(n *ndPrinter, off, l int) {
			n.print("\n\t  ")
			for i := 0; i < l; i++ {
				c := byte(n.u8(off + i))
				if c == '\n' {
					n.print("\n\t  ")
				} else {
					fnPrintChar(&n.s, c)
				}
			}
		}, -1, -1},
		0x06: {"Platform", str, -1, -1},
		0x07: {"Prefixes", cdpPrefixes, -1, -1},
		0x08: {"Protocol-Hello option", nil, -1, -1},
		0x09: {"VTP Management Domain", str, -1, -1},
		0x0a: {"Native VLAN ID", func(n *ndPrinter, off, l int) { n.printf("%d", n.u16(off)) }, 2, 2},
		0x0b: {"Duplex", func(n *ndPrinter, off, l int) {
			if n.u8(off) != 0 {
				n.print("full")
			} else {
				n.print("half")
			}
		}, 1, 1},
		0x0e: {"ATA-186 VoIP VLAN assignment", cdpATA186, 3, 3},
		0x0f: {"ATA-186 VoIP VLAN request", cdpATA186, 2, 3},
		0x10: {"power consumption", func(n *ndPrinter, off, l int) {
			var v uint
			switch l {
			case 1:
				v = n.u8(off)
			case 2:
				v = n.u16(off)
			case 3:
				v = n.u24(off)
			}
			n.printf("%1.2fW", float64(v)/1000.0)
		}, 1, 3},
		0x11: {"MTU", func(n *ndPrinter, off, l int) { n.printf("%d bytes", n.u32(off)) }, 4, 4},
		0x12: {"AVVID trust bitmap", u8x, 1, 1},
		0x13: {"AVVID untrusted ports CoS", u8x, 1, 1},
		0x14: {"System Name", str, -1, -1},
		0x15: {"System Object ID (not decoded)", nil, -1, -1},
		0x16: {"Management Addresses", cdpAddr, 4, -1},
		0x17: {"Physical Location", func(n *ndPrinter, off, l int) {
			n.printf("0x%02x", n.u8(off))
			if l > 1 {
				n.print("/")
				n.printn(off+1, l-1)
			}
		}, 1, -1},
	}
}

func cdpATA186(n *ndPrinter, off, l int) {
	if l == 2 {
		n.printf("unknown 0x%04x", n.u16(off))
	} else {
		n.printf("app %d, vlan %d", n.u8(off), n.u16(off+1))
	}
}

// cdpPrint is cdp_print.
func cdpPrint(n *ndPrinter, length, verbose int) {
	orig := length
	t := 0
	invalid := func() {
		n.print(" (invalid)")
		n.tcheck(t, length)
	}
	if length < 4 {
		n.printf(" (packet length %d < %d)", length, 4)
		invalid()
		return
	}
	n.printf("CDPv%d, ttl: %ds", n.u8(0), n.u8(1))
	ck := n.u16(2)
	if verbose > 0 {
		n.printf(", checksum: 0x%04x (unverified), length %d", ck, orig)
	}
	t += 4
	length -= 4
	for length > 0 {
		if length < 4 {
			n.printf(" (remaining packet length %d < %d)", length, 4)
			invalid()
			return
		}
		typ, l := int(n.u16(t)), int(n.u16(t+2))
		var info *cdpTLVInfo
		name := "unknown field type"
		if typ < len(cdpTLVs) {
			info = &cdpTLVs[typ]
			if info.name != "" {
				name = info.name
			}
		}
		if l < 4 {
			if verbose > 0 {
				n.printf("\n\t%s (0x%02x), TLV length: %d byte%s (too short)", name, typ, l, plural(l))
			} else {
				n.printf(", %s TLV length %d too short", name, l)
			}
			invalid()
			return
		}
		if l > length {
			n.printf(" (TLV length %d > %d)", l, length)
			invalid()
			return
		}
		t += 4
		length -= 4
		l -= 4
		if verbose == 0 && typ == 1 {
			n.print(", Device-ID ")
		} else if verbose > 0 {
			n.printf("\n\t%s (0x%02x), value length: %d byte%s: ", name, typ, l, plural(l))
		}
		covered := false
		if info != nil { // a type up to 0x17 without a name: no limits, no printer
			if info.min > 0 && l < info.min || info.max > 0 && l > info.max {
				n.print(" (malformed TLV)")
			} else if verbose > 0 || typ == 1 {
				if info.printer != nil {
					info.printer(n, t, l)
				} else {
					n.tcheck(t, l)
				}
				covered = true
			}
		}
		if !covered {
			n.tcheck(t, l)
			n.unknownData(t, "\n\t  ", l)
		}
		t += l
		length -= l
	}
	if verbose < 1 {
		n.printf(", length %d", orig)
	}
}

var cdpProtIPv6 = []byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x86, 0xdd}

// cdpAddr is cdp_print_addr.
func cdpAddr(n *ndPrinter, p, l int) {
	invalid := func() { n.tcheck(p, l) }
	if l < 4 {
		n.print(" (not enough space for num)")
		invalid()
		return
	}
	num := n.u32(p)
	p += 4
	l -= 4
	for num > 0 {
		if l < 2 {
			n.print(" (not enough space for PT+PL)")
			invalid()
			return
		}
		pt, pl := n.u8(p), int(n.u8(p+1))
		p += 2
		l -= 2
		if l < pl+2 {
			n.print(" (not enough space for P+AL)")
			invalid()
			return
		}
		al := int(n.u16(p + pl))
		switch {
		case pt == 1 && pl == 1 && n.u8(p) == 0xcc && al == 4:
			p += pl + 2
			l -= pl + 2
			if l < al {
				n.print(" (not enough space for A)")
				invalid()
				return
			}
			n.tcheck(p, 4)
			n.printf("IPv4 (%d) %s", num, netip.AddrFrom4([4]byte(n.b[p:p+4])))
			p += al
			l -= al
		case pt == 2 && pl == 8 && n.ttest(p, 8) && bytes.Equal(n.b[p:p+8], cdpProtIPv6) && al == 16:
			p += pl + 2
			l -= pl + 2
			if l < al {
				n.print(" (not enough space for A)")
				invalid()
				return
			}
			n.tcheck(p, 16)
			n.printf("IPv6 (%d) %s", num, netip.AddrFrom16([16]byte(n.b[p:p+16])))
			p += al
			l -= al
		default:
			n.printf("pt=0x%02x, pl=%d, pb=", pt, pl)
			for ; pl != 0; pl-- {
				n.printf(" %02x", n.u8(p))
				p++
				l--
			}
			n.printf(", al=%d, a=", al)
			p += 2
			l -= 2
			if l < al {
				n.print(" (not enough space for A)")
				invalid()
				return
			}
			for ; al != 0; al-- {
				n.printf(" %02x", n.u8(p))
				p++
				l--
			}
		}
		num--
		if num > 0 {
			n.print(" ")
		}
	}
	if l > 0 {
		n.printf(" (%d bytes of stray data)", l)
	}
}

// cdpPrefixes is cdp_print_prefixes.
func cdpPrefixes(n *ndPrinter, p, l int) {
	if l%5 != 0 {
		n.printf(" [length %d is not a multiple of 5]", l)
		n.tcheck(p, l)
		return
	}
	n.printf(" IPv4 Prefixes (%d):", l/5)
	for ; l > 0; l -= 5 {
		n.printf(" %d.%d.%d.%d/%d", n.u8(p), n.u8(p+1), n.u8(p+2), n.u8(p+3), n.u8(p+4))
		p += 5
	}
}
