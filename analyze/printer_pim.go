package analyze

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// PIM lines as tcpdump 4.99 prints them (print-pim.c): the hellos, joins,
// prunes, registers, asserts and RP announcements of the routers on a
// multicast feed's path (PIM-SM, RFC 7761; PIM-DM, RFC 3973; BIDIR-PIM,
// RFC 5015; BSR, RFC 5059). PIMv2 is decoded; other versions print their
// version and length, as tcpdump does. Checked against tcpdump by
// TestTcpdumpDifferential on the synthetic control trace.

// pimCut is the panic of a read beyond the captured bytes (a GET_ macro's
// longjmp in tcpdump); pimText recovers it.
type pimCut struct{}

// pimMsg reads a PIM message: b is what was captured of it.
type pimMsg struct{ b []byte }

func (m pimMsg) u8(off int) int {
	if off < 0 || off >= len(m.b) {
		panic(pimCut{})
	}
	return int(m.b[off])
}

func (m pimMsg) u16(off int) int { return m.u8(off)<<8 | m.u8(off+1) }

func (m pimMsg) u32(off int) uint32 {
	return uint32(m.u16(off))<<16 | uint32(m.u16(off+2))
}

// has reports whether n bytes from off were captured (ND_TTEST_LEN).
func (m pimMsg) has(off, n int) bool { return off >= 0 && n >= 0 && off+n <= len(m.b) }

var pimV2Types = map[int]string{
	0: "Hello", 1: "Register", 2: "Register Stop", 3: "Join / Prune", 4: "Bootstrap", 5: "Assert",
	6: "Graft", 7: "Graft Acknowledgement", 8: "Candidate RP Advertisement", 9: "Prune Refresh",
	10: "DF Election", 11: "ECMP Redirect",
}

var pimHelloOptions = map[int]string{
	1: "Hold Time", 2: "LAN Prune Delay", 18: "DR Priority (Old)", 19: "DR Priority",
	20: "Generation ID", 21: "State Refresh Capability", 22: "Bi-Directional Capability",
	24: "Address List", 65001: "Address List (Old)",
}

// pimText is the text after "src > dst: " of the PIM message in f.
func (p *Printer) pimText(pkt *pcapfile.Packet, f *decode.Frame) (text string) {
	var s strings.Builder
	proto := "pim"
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(pimCut); !ok {
				panic(r)
			}
			p.cutShort()
			text = s.String() + " [|" + proto + "]"
		}
	}()
	m := pimMsg{b: f.L4}
	n := f.L4WireLen
	tv := m.u8(0)
	ver, typ := tv>>4, tv&0x0f
	name, ok := pimV2Types[typ]
	if !ok {
		name = "Unknown Type"
	}
	switch {
	case ver != 2:
		fmt.Fprintf(&s, "PIMv%d, length %d", ver, n)
	case p.opts.Verbose == 0:
		fmt.Fprintf(&s, "PIMv%d, %s, length %d", ver, name, n)
	default:
		fmt.Fprintf(&s, "PIMv%d, length %d\n\t%s", ver, n, name)
		proto = "pimv2"
		p.pimV2(&s, pkt, f, m, n)
	}
	return s.String()
}

// pimV2 appends pimv2_print's text: the checksum and the message.
func (p *Printer) pimV2(s *strings.Builder, pkt *pcapfile.Packet, f *decode.Frame, m pimMsg, n int) {
	if n < 2 {
		fmt.Fprintf(s, "[length %d < 2] (invalid)", n)
		return
	}
	typ := m.u8(0) & 0x0f
	alen := m.u8(1) & 0x0f
	if alen != 0 {
		s.WriteString(", RFC2117-encoding")
	}
	if n < 4 {
		fmt.Fprintf(s, "[length %d < 4] (invalid)", n)
		return
	}
	ck := m.u16(2)
	fmt.Fprintf(s, ", cksum 0x%04x ", ck)
	if ck == 0 {
		s.WriteString("(unverified)")
	} else {
		st := pimChecksum(f, m, n)
		if typ == 1 {
			// A Register's checksum covers its first 8 bytes; RFC 4601
			// also accepts one over the whole message.
			if st = pimChecksum(f, m, 8); st == "incorrect" {
				st = pimChecksum(f, m, n)
			}
		}
		s.WriteString("(" + st + ")")
	}
	off, left := 4, n-4
	trunc := func() { s.WriteString(" [|pimv2]") }
	// addr appends an encoded address (pimv2_addr_print) of kind
	// 'u'nicast, 'g'roup or 's'ource and advances; false: truncated.
	addr := func(kind byte) bool {
		adv := pimAddr(s, m, off, left, kind, alen, false)
		if adv < 0 {
			trunc()
			return false
		}
		off, left = off+adv, left-adv
		return true
	}
	switch typ {
	case 0: // Hello
		for left > 0 {
			if left < 4 {
				trunc()
				return
			}
			ot, ol := m.u16(off), m.u16(off+2)
			oname, ok := pimHelloOptions[ot]
			if !ok {
				oname = "Unknown"
			}
			fmt.Fprintf(s, "\n\t  %s Option (%d), length %d, Value: ", oname, ot, ol)
			off, left = off+4, left-4
			if left < ol || !m.has(off, ol) {
				trunc()
				return
			}
			invalid := func(want int) {
				fmt.Fprintf(s, "[option length %d != %d] (invalid)", ol, want)
			}
			switch ot {
			case 1:
				if ol != 2 {
					invalid(2)
					return
				}
				s.WriteString(relTime(uint32(m.u16(off))))
			case 2:
				if ol != 4 {
					invalid(4)
					return
				}
				d, o := m.u16(off), m.u16(off+2)
				fmt.Fprintf(s, "\n\t    T-bit=%d, LAN delay %dms, Override interval %dms", d>>15, d&0x7fff, o)
			case 18, 19:
				switch ol {
				case 0:
					s.WriteString("Bi-Directional Capability (Old)")
				case 4:
					fmt.Fprintf(s, "%d", m.u32(off))
				default:
					invalid(4)
					return
				}
			case 20:
				if ol != 4 {
					invalid(4)
					return
				}
				fmt.Fprintf(s, "0x%08x", m.u32(off))
			case 21:
				if ol != 4 {
					invalid(4)
					return
				}
				fmt.Fprintf(s, "v%d", m.u8(off))
				if iv := m.u8(off + 1); iv != 0 {
					s.WriteString(", interval " + relTime(uint32(iv)))
				}
				if r := m.u16(off + 2); r != 0 {
					fmt.Fprintf(s, " ?0x%04x?", r)
				}
			case 22:
			case 24, 65001:
				if p.opts.Verbose > 1 {
					// Addresses up to the option's end, each bounded by
					// the rest of the message (as tcpdump).
					ptr, plen := off, left
					for ptr < off+ol {
						s.WriteString("\n\t    ")
						adv := pimAddr(s, m, ptr, plen, 'u', alen, false)
						if adv < 0 {
							trunc()
							return
						}
						ptr, plen = ptr+adv, plen-adv
					}
				}
			default:
				if p.opts.Verbose <= 1 {
					s.WriteString(hexLines("\n\t    ", m.b[off:off+ol]))
				}
			}
			if p.opts.Verbose > 1 {
				s.WriteString(hexLines("\n\t    ", m.b[off:off+ol]))
			}
			off, left = off+ol, left-ol
		}
	case 1: // Register
		if left < 4 || !m.has(off, 4) {
			trunc()
			return
		}
		fl := "none"
		switch m.u32(off) {
		case 0x80000000:
			fl = "Border"
		case 0x40000000:
			fl = "Null"
		}
		fmt.Fprintf(s, ", Flags [ %s ]\n\t", fl)
		off, left = off+4, left-4
		if left == 0 {
			trunc()
			return
		}
		switch v := m.u8(off) >> 4; v {
		case 0:
			src := netip.AddrFrom4([4]byte{byte(m.u8(off + 12)), byte(m.u8(off + 13)), byte(m.u8(off + 14)), byte(m.u8(off + 15))})
			dst := netip.AddrFrom4([4]byte{byte(m.u8(off + 16)), byte(m.u8(off + 17)), byte(m.u8(off + 18)), byte(m.u8(off + 19))})
			fmt.Fprintf(s, "IP-Null-header %s > %s", src, dst)
		case 4, 6:
			s.WriteString(p.pimInner(pkt, m.b[off:], left))
		default:
			fmt.Fprintf(s, "IP ver %d", v)
		}
	case 2: // Register Stop
		s.WriteString(" group=")
		if !addr('g') {
			return
		}
		s.WriteString(" source=")
		addr('u')
	case 3, 6, 7: // Join/Prune, Graft, Graft Acknowledgement
		if typ != 7 {
			s.WriteString(", upstream-neighbor: ")
			if !addr('u') {
				return
			}
		}
		if left < 4 || !m.has(off, 4) {
			trunc()
			return
		}
		ngroup, hold := m.u8(off+1), m.u16(off+2)
		fmt.Fprintf(s, "\n\t  %d group(s)", ngroup)
		if typ != 7 {
			s.WriteString(", holdtime: ")
			if hold == 0xffff {
				s.WriteString("infinite")
			} else {
				s.WriteString(relTime(uint32(hold)))
			}
		}
		off, left = off+4, left-4
		for i := 0; i < ngroup; i++ {
			fmt.Fprintf(s, "\n\t    group #%d: ", i+1)
			if !addr('g') {
				return
			}
			if left < 4 || !m.has(off, 4) {
				trunc()
				return
			}
			nj, np := m.u16(off), m.u16(off+2)
			fmt.Fprintf(s, ", joined sources: %d, pruned sources: %d", nj, np)
			off, left = off+4, left-4
			for j := 0; j < nj; j++ {
				fmt.Fprintf(s, "\n\t      joined source #%d: ", j+1)
				if !addr('s') {
					return
				}
			}
			for j := 0; j < np; j++ {
				fmt.Fprintf(s, "\n\t      pruned source #%d: ", j+1)
				if !addr('s') {
					return
				}
			}
		}
	case 4: // Bootstrap
		if left < 2 {
			trunc()
			return
		}
		fmt.Fprintf(s, " tag=%x", m.u16(off))
		off, left = off+2, left-2
		if left < 1 {
			trunc()
			return
		}
		fmt.Fprintf(s, " hashmlen=%d", m.u8(off))
		if left < 2 || !m.has(off+2, 1) {
			trunc()
			return
		}
		fmt.Fprintf(s, " BSRprio=%d", m.u8(off+1))
		off, left = off+2, left-2
		s.WriteString(" BSR=")
		if !addr('u') {
			return
		}
		for i := 0; left > 0; i++ {
			fmt.Fprintf(s, " (group%d: ", i)
			if !addr('g') {
				return
			}
			if left < 1 {
				trunc()
				return
			}
			fmt.Fprintf(s, " RPcnt=%d", m.u8(off))
			if left < 2 {
				trunc()
				return
			}
			frp := m.u8(off + 1)
			fmt.Fprintf(s, " FRPcnt=%d", frp)
			if left < 4 {
				trunc()
				return
			}
			off, left = off+4, left-4
			for j := 0; j < frp && left > 0; j++ {
				fmt.Fprintf(s, " RP%d=", j)
				if !addr('u') {
					return
				}
				if left < 2 {
					trunc()
					return
				}
				s.WriteString(",holdtime=")
				s.WriteString(relTime(uint32(m.u16(off))))
				if left < 3 {
					trunc()
					return
				}
				fmt.Fprintf(s, ",prio=%d", m.u8(off+2))
				if left < 4 {
					trunc()
					return
				}
				off, left = off+4, left-4
			}
			s.WriteString(")")
		}
	case 5: // Assert
		s.WriteString(" group=")
		if !addr('g') {
			return
		}
		s.WriteString(" src=")
		if !addr('u') {
			return
		}
		if left < 8 || !m.has(off, 8) {
			trunc()
			return
		}
		if m.u8(off)&0x80 != 0 {
			s.WriteString(" RPT")
		}
		fmt.Fprintf(s, " pref=%d metric=%d", m.u32(off)&0x7fffffff, m.u32(off+4))
	case 8: // Candidate RP Advertisement
		if left < 1 {
			trunc()
			return
		}
		cnt := m.u8(off)
		fmt.Fprintf(s, " prefix-cnt=%d", cnt)
		if left < 2 {
			trunc()
			return
		}
		fmt.Fprintf(s, " prio=%d", m.u8(off+1))
		if left < 4 {
			trunc()
			return
		}
		s.WriteString(" holdtime=")
		s.WriteString(relTime(uint32(m.u16(off + 2))))
		off, left = off+4, left-4
		s.WriteString(" RP=")
		if !addr('u') {
			return
		}
		for i := 0; i < cnt && left > 0; i++ {
			fmt.Fprintf(s, " Group%d=", i)
			if !addr('g') {
				return
			}
		}
	case 9: // Prune Refresh
		s.WriteString(" src=")
		if !addr('u') {
			return
		}
		s.WriteString(" grp=")
		if !addr('g') {
			return
		}
		s.WriteString(" forwarder=")
		if !addr('u') {
			return
		}
		if left < 2 {
			trunc()
			return
		}
		s.WriteString(" TUNR ")
		s.WriteString(relTime(uint32(m.u16(off))))
	case 10: // DF Election
		sub := m.u8(1) >> 4
		subName := map[int]string{1: "Offer", 2: "Winner", 3: "Backoff", 4: "Pass"}[sub]
		if subName == "" {
			subName = "Unknown"
		}
		fmt.Fprintf(s, "\n\t  %s,", subName)
		s.WriteString(" rpa=")
		if !addr('u') {
			return
		}
		fmt.Fprintf(s, " sender pref=%d", m.u32(off))
		fmt.Fprintf(s, " sender metric=%d", m.u32(off+4))
		off, left = off+8, left-8
		if sub == 3 || sub == 4 {
			what := "new winner"
			if sub == 3 {
				what = "offer"
			}
			fmt.Fprintf(s, "\n\t  %s addr=", what)
			if !addr('u') {
				return
			}
			fmt.Fprintf(s, " %s pref=%d", what, m.u32(off))
			fmt.Fprintf(s, " %s metric=%d", what, m.u32(off+4))
			off += 8
			if sub == 3 {
				fmt.Fprintf(s, " interval %dms", m.u16(off))
			}
		}
	default:
		fmt.Fprintf(s, " [type %d]", typ)
	}
}

// pimAddr appends a PIMv2 encoded address at off (pimv2_addr_print) and
// returns its length, or -1 when it is truncated or of an unknown family.
// kind is 'u' (unicast), 'g' (group) or 's' (source); alen is the
// RFC 2117 address length of the header (0: the encoded form).
func pimAddr(s *strings.Builder, m pimMsg, off, left int, kind byte, alen int, silent bool) int {
	hdr := 0
	switch alen {
	case 0:
		if left < 2 {
			return -1
		}
		switch m.u8(off) {
		case 1:
			alen = 4
		case 2:
			alen = 16
		default:
			return -1
		}
		if m.u8(off+1) != 0 {
			return -1
		}
		hdr = 2
	case 4, 16:
	default:
		return -1
	}
	off += hdr
	left -= hdr
	if kind == 'u' {
		if left < alen || !m.has(off, alen) {
			return -1
		}
		if !silent {
			s.WriteString(addrOf(m.b[off : off+alen]).String())
		}
		return hdr + alen
	}
	if left < alen+2 || !m.has(off, alen+2) {
		return -1
	}
	if !silent {
		s.WriteString(addrOf(m.b[off+2 : off+2+alen]).String())
		if ml := int(m.b[off+1]); ml != alen*8 {
			fmt.Fprintf(s, "/%d", ml)
		}
		if fl := m.b[off]; fl != 0 {
			if kind == 'g' {
				fmt.Fprintf(s, "(0x%02x)", fl)
			} else {
				s.WriteString("(")
				for _, x := range []struct {
					bit  byte
					name string
				}{{0x04, "S"}, {0x02, "W"}, {0x01, "R"}} {
					if fl&x.bit != 0 {
						s.WriteString(x.name)
					}
				}
				if fl&0xf8 != 0 {
					fmt.Fprintf(s, "+0x%02x", fl&0xf8)
				}
				s.WriteString(")")
			}
		}
	}
	return hdr + 2 + alen
}

// pimChecksum verifies the checksum over the message's first n bytes (the
// IPv6 pseudo-header included): "correct", "incorrect", or "unverified"
// when they were not all captured.
func pimChecksum(f *decode.Frame, m pimMsg, n int) string {
	if !m.has(0, n) {
		return "unverified"
	}
	var acc uint32
	switch f.IPVer {
	case 4:
	case 6:
		acc = pseudoSum(f, n)
	default:
		return "unverified"
	}
	if onesSum(acc, m.b[:n]) != 0xffff {
		return "incorrect"
	}
	return "correct"
}

// pimInner is the packet a PIM Register carries, printed as tcpdump's
// ip_print/ip6_print prints it: data is what was captured of it, wire its
// length in the message.
func (p *Printer) pimInner(pkt *pcapfile.Packet, data []byte, wire int) string {
	if p.depth >= len(p.inner) {
		return ""
	}
	fr := &p.inner[p.depth]
	p.depth++
	defer func() { p.depth-- }()
	ipkt := *pkt
	ipkt.LinkType, ipkt.Data = pcapfile.LinkTypeRaw, data
	ipkt.Info.Length, ipkt.Info.CaptureLength = wire, len(data)
	decode.Decode(pcapfile.LinkTypeRaw, data, fr)
	return p.describe(&ipkt, fr)
}
