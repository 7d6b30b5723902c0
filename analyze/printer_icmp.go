package analyze

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// ICMP, ICMPv6 and ARP lines as tcpdump 4.99 prints them (print-icmp.c,
// print-icmp6.c, print-arp.c): the messages operators read when they ping,
// trace a path or chase a path-MTU problem. A message whose fields are not
// all captured, or of a kind not decoded here, keeps the short form
// ("ICMP, length N"). Checked against tcpdump by TestTcpdumpDifferential
// on testdata/icmp/diag.pcap and nd.pcap (real kernels, radvd) and
// icmpTrace and controlTrace (synthetic).

// icmpText is the text after "src > dst: " of the ICMP message in f, or
// false. fragmented: the first fragment of a datagram (no checksum check).
func (p *Printer) icmpText(pkt *pcapfile.Packet, f *decode.Frame) (string, bool) {
	b := f.L4
	// A message cut by the snaplen before a field tcpdump prints ends in
	// " [|icmp]", and -x then dumps the whole frame (nd_trunc_longjmp).
	cut := func() (string, bool) {
		p.cutShort()
		return " [|icmp]", true
	}
	// A field checked with ND_TCHECK ends the line the same way but
	// returns normally: -x dumps from the IP header.
	checked := func() (string, bool) { return " [|icmp]", true }
	if len(b) < 2 {
		return cut()
	}
	typ, code := b[0], b[1]
	var str string
	ipDst := func() (string, bool) {
		if len(b) < 8+20 {
			return "", false
		}
		return netip.AddrFrom4([4]byte(b[8+16 : 8+20])).String(), true
	}
	switch typ {
	case 0, 8:
		if len(b) < 8 {
			return cut()
		}
		dir := "reply"
		if typ == 8 {
			dir = "request"
		}
		str = fmt.Sprintf("echo %s, id %d, seq %d", dir, binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:]))
	case 3:
		dst, ok := ipDst()
		if !ok {
			return cut()
		}
		switch code {
		case 2:
			str = fmt.Sprintf("%s protocol %d unreachable", dst, b[8+9])
		case 3:
			hl := int(b[8]&0x0f) * 4
			if len(b) < 8+hl+4 {
				return cut() // the quoted ports are read with GET_
			}
			dport := binary.BigEndian.Uint16(b[8+hl+2:])
			switch b[8+9] {
			case decode.ProtoTCP:
				str = fmt.Sprintf("%s tcp port %d unreachable", dst, dport)
			case decode.ProtoUDP:
				str = fmt.Sprintf("%s udp port %d unreachable", dst, dport)
			default:
				str = fmt.Sprintf("%s protocol %d port %d unreachable", dst, b[8+9], dport)
			}
		case 4:
			if mtu := binary.BigEndian.Uint16(b[6:]); mtu != 0 {
				str = fmt.Sprintf("%s unreachable - need to frag (mtu %d)", dst, mtu)
			} else {
				str = dst + " unreachable - need to frag"
			}
		default:
			if int(code) < len(icmpUnreach) && icmpUnreach[code] != "" {
				str = fmt.Sprintf(icmpUnreach[code], dst)
			} else {
				str = fmt.Sprintf("%s unreachable - #%d", dst, code)
			}
		}
	case 5:
		if code > 3 {
			return "", false
		}
		dst, ok := ipDst()
		if !ok {
			return cut()
		}
		gw := netip.AddrFrom4([4]byte(b[4:8])).String()
		str = fmt.Sprintf([]string{"redirect %s to net %s", "redirect %s to host %s", "redirect-tos %s to net %s", "redirect-tos %s to host %s"}[code], dst, gw)
	case 11:
		if _, ok := ipDst(); !ok {
			return checked()
		}
		switch code {
		case 0:
			str = "time exceeded in-transit"
		case 1:
			str = "ip reassembly time exceeded"
		default:
			str = fmt.Sprintf("time exceeded-#%d", code)
		}
	case 12:
		if code != 0 {
			str = fmt.Sprintf("parameter problem - code %d", code)
		} else {
			if len(b) < 5 {
				return cut()
			}
			str = fmt.Sprintf("parameter problem - octet %d", b[4])
		}
	case 13:
		if len(b) < 8 {
			return cut()
		}
		str = fmt.Sprintf("time stamp query id %d seq %d", binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:]))
	case 18:
		if len(b) < 12 {
			return cut()
		}
		str = fmt.Sprintf("address mask is 0x%08x", binary.BigEndian.Uint32(b[8:]))
	case 4:
		str = "source quench"
	case 10:
		str = "router solicitation"
	case 15:
		str = "information request"
	case 16:
		str = "information reply"
	case 17:
		str = "address mask request"
	case 14:
		if len(b) < 20 {
			return checked() // ND_TCHECK_4(dp->icmp_ttime)
		}
		str = fmt.Sprintf("time stamp reply id %d seq %d: org %s, recv %s, xmit %s", binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:]),
			icmpTstamp(binary.BigEndian.Uint32(b[8:])), icmpTstamp(binary.BigEndian.Uint32(b[12:])), icmpTstamp(binary.BigEndian.Uint32(b[16:])))
	case 9:
		var ok bool
		if str, ok = icmpRouterAdvert(b); !ok {
			return checked() // ND_TCHECK_SIZE of the header or an entry
		}
	default:
		str = fmt.Sprintf("type-#%d", typ)
	}
	s := fmt.Sprintf("ICMP %s, length %d", str, f.L4WireLen)
	if p.opts.Verbose > 0 && !f.Fragment && l4Complete(f) {
		if sum := onesSum(0, b); sum != 0xffff {
			if len(b) < 4 {
				// a message of 2 or 3 bytes: the checksum it is
				// compared with is read (GET_) and is not there
				p.cutShort()
				return s + " [|icmp]", true
			}
			stored := binary.BigEndian.Uint16(b[2:])
			s += fmt.Sprintf(" (wrong icmp cksum %x (->%x)!)", stored, checksumShouldBe(b, 2, 0))
		}
	}
	if p.opts.Verbose > 0 && (typ == 3 || typ == 4 || typ == 5 || typ == 11 || typ == 12) {
		// The datagram the error is about (its header and first bytes);
		// tcpdump reads its total length first.
		if len(b) < 8+4 {
			p.cutShort()
			return s + "\n\t [|icmp]", true
		}
		if t, ok := p.badQuote(b[8:]); ok {
			return s + "\n\t" + t, true
		}
		if in, ok := p.innerIP(pkt, b[8:]); ok {
			s += "\n\t" + in
		}
		if typ == 3 || typ == 11 || typ == 12 {
			s += icmpExtensions(b, f.L4WireLen)
		}
	}
	return s, true
}

// icmpExtensions prints the RFC 4884 multi-part extension of an ICMP error
// of plen bytes (b as captured) as tcpdump -v does: its header at byte 136
// (after 128 bytes of the quoted datagram) and its objects, the first MPLS
// label stack entry of an RFC 4950 object decoded (what traceroute shows
// through MPLS routers). An error whose length field is 0 (RFC 4950 before
// RFC 4884) has an extension only if the checksum over the rest is right.
func icmpExtensions(b []byte, plen int) string {
	const at = 136
	if plen <= at || len(b) < at+4 {
		return ""
	}
	ext := b[at:min(plen, len(b))]
	whole := len(b) >= plen
	if b[5] == 0 && (!whole || onesSum(0, ext) != 0xffff) {
		return ""
	}
	var s strings.Builder
	fmt.Fprintf(&s, "\n\tICMP Multi-Part extension v%d", ext[0]>>4)
	if ext[0]>>4 != 2 {
		s.WriteString(" packet not supported")
		return s.String()
	}
	hlen := plen - at
	if whole {
		ok := "in"
		if onesSum(0, ext) == 0xffff {
			ok = ""
		}
		fmt.Fprintf(&s, ", checksum 0x%04x (%scorrect), length %d", binary.BigEndian.Uint16(ext[2:]), ok, hlen)
	}
	hlen -= 4
	o := ext[4:]
	for hlen > 4 {
		if len(o) < 4 {
			return s.String() + " [|icmp]"
		}
		olen, class, ctype := int(binary.BigEndian.Uint16(o)), o[2], o[3]
		name := "unknown"
		switch class {
		case 1:
			name = "MPLS Stack Entry"
		case 2:
			name = "Interface Identification"
		}
		fmt.Fprintf(&s, "\n\t  %s Object (%d), Class-Type: %d, length %d", name, class, ctype, olen)
		o, hlen = o[4:], hlen-4
		if class == 0 || olen < 4 {
			break
		}
		olen -= 4
		data := o[:min(olen, len(o))]
		if class == 1 && ctype == 1 {
			if len(o) < 4 {
				return s.String() + " [|icmp]"
			}
			e := binary.BigEndian.Uint32(o)
			fmt.Fprintf(&s, "\n\t    label %d, tc %d", e>>12, e>>9&7)
			if e&0x100 != 0 {
				s.WriteString(", [S]")
			}
			fmt.Fprintf(&s, ", ttl %d", e&0xff)
		} else {
			s.WriteString(hexLines("\n\t    ", data))
		}
		if hlen < olen || len(o) < olen {
			break
		}
		hlen -= olen
		o = o[olen:]
	}
	return s.String()
}

// icmpUnreach holds print-icmp.c's unreach2str formats by code.
var icmpUnreach = [...]string{
	0:  "net %s unreachable",
	1:  "host %s unreachable",
	5:  "%s unreachable - source route failed",
	6:  "net %s unreachable - unknown",
	7:  "host %s unreachable - unknown",
	8:  "%s unreachable - source host isolated",
	9:  "net %s unreachable - admin prohibited",
	10: "host %s unreachable - admin prohibited",
	11: "net %s unreachable - tos prohibited",
	12: "host %s unreachable - tos prohibited",
	13: "host %s unreachable - admin prohibited filter",
	14: "host %s unreachable - host precedence violation",
	15: "host %s unreachable - precedence cutoff",
}

// badQuote is tcpdump -v's text for a quoted datagram print-ip.c refuses
// (q has at least 4 bytes): a total length of 0 ends the message (and -x
// dumps the whole frame), then a version other than 4 (6 is decoded), a
// header length under 20 bytes, a total length under 20 bytes.
func (p *Printer) badQuote(q []byte) (string, bool) {
	ipv := "IP "
	if p.opts.LinkHeader {
		ipv = ""
	}
	n := int(binary.BigEndian.Uint16(q[2:]))
	switch v, hl := q[0]>>4, int(q[0]&0x0f)*4; {
	case n == 0:
		p.cutShort()
		return " [|icmp]", true
	case v != 4 && v != 6:
		return fmt.Sprintf("IP%d (invalid)", v), true
	case v == 6:
		return "", false
	case hl < 20:
		return fmt.Sprintf("%sbad-hlen %d", ipv, hl), true
	case n < 20:
		return ipv + " [|ip]", true
	}
	return "", false
}

// innerIP prints the IP datagram quoted by an ICMP error as tcpdump -v does
// (ip_print on the quoted bytes, no further than the quoted header's total
// length, with the printer's other options); an error quoted inside an
// error is opened too, as deep as the printer's frames go.
func (p *Printer) innerIP(pkt *pcapfile.Packet, b []byte) (string, bool) {
	if p.depth >= len(p.inner) {
		return "", false
	}
	if b[0]>>4 == 4 && len(b) >= 4 {
		if n := int(binary.BigEndian.Uint16(b[2:])); n >= 20 && n < len(b) {
			b = b[:n]
		}
	}
	fr := &p.inner[p.depth]
	p.depth++
	was := p.inICMP
	p.inICMP = true
	defer func() { p.depth--; p.inICMP = was }()
	ipkt := *pkt
	ipkt.LinkType, ipkt.Data = pcapfile.LinkTypeRaw, b
	ipkt.Info.CaptureLength = len(b)
	ipkt.Info.Length = len(b)
	decode.Decode(pcapfile.LinkTypeRaw, b, fr)
	if fr.IPVer == 4 && fr.IPLen > len(b) {
		ipkt.Info.Length = fr.IPLen
	}
	return p.describe(&ipkt, fr), true
}

// icmpTstamp is print-icmp.c's icmp_tstamp_print: milliseconds since
// midnight UT as hh:mm:ss.mmm (hours beyond 23 for the non-standard
// values with the high bit set, as there).
func icmpTstamp(t uint32) string {
	ms, sec := t%1000, t/1000
	return fmt.Sprintf("%02d:%02d:%02d.%03d", sec/3600, sec/60%60, sec%60, ms)
}

// icmpRouterAdvert is print-icmp.c's text of an RFC 1256 router
// advertisement: the lifetime, the number of addresses and each address
// with its preference, in tcpdump's buffer of MAXHOSTNAMELEN + 100 bytes
// (longer texts are cut there, as snprintf cuts them); false when the
// message ends before an entry it announces.
func icmpRouterAdvert(b []byte) (string, bool) {
	const bufLen = 64 + 100 - 1
	if len(b) < 8 {
		return "", false
	}
	var s strings.Builder
	s.WriteString("router advertisement lifetime ")
	switch lt := uint32(binary.BigEndian.Uint16(b[6:])); {
	case lt < 60:
		fmt.Fprintf(&s, "%d", lt)
	case lt < 3600:
		fmt.Fprintf(&s, "%d:%02d", lt/60, lt%60)
	default:
		fmt.Fprintf(&s, "%d:%02d:%02d", lt/3600, lt%3600/60, lt%60)
	}
	num, size := int(b[4]), b[5]
	fmt.Fprintf(&s, " %d:", num)
	if size != 2 {
		fmt.Fprintf(&s, " [size %d]", size)
	} else {
		for i := range num {
			o := 8 + i*8
			if len(b) < o+8 {
				return "", false
			}
			fmt.Fprintf(&s, " {%s %d}", netip.AddrFrom4([4]byte(b[o:o+4])), binary.BigEndian.Uint32(b[o+4:]))
		}
	}
	str := s.String()
	if len(str) > bufLen {
		str = str[:bufLen]
	}
	return str, true
}

// icmp6Names are print-icmp6.c's icmp6_type_values.
var icmp6Names = map[uint8]string{
	1: "destination unreachable", 2: "packet too big", 3: "time exceeded in-transit", 4: "parameter problem",
	128: "echo request", 129: "echo reply",
	130: "multicast listener query", 131: "multicast listener report", 132: "multicast listener done",
	133: "router solicitation", 134: "router advertisement", 135: "neighbor solicitation",
	136: "neighbor advertisement", 137: "redirect", 143: "multicast listener report v2",
	200: "mtrace response", 201: "mtrace message",
}

// icmp6Specific reports whether print-icmp6.c names type t and prints it
// with a printer of its own (router renumbering, node information, inverse
// neighbour discovery, home agent and mobile prefix messages, RPL), none of
// which is decoded here.
func icmp6Specific(t uint8) bool {
	return t >= 138 && t <= 147 || t == 155
}

// icmp6Unreach are print-icmp6.c's icmp6_dst_unreach_code_values.
// (sic: the leading space of code 1).
var icmp6Unreach = [...]string{"unreachable route", " unreachable prohibited", "beyond scope", "unreachable address", "unreachable port"}

// icmp6Text is the text after "src > dst: " of the ICMPv6 message in f, or
// false.
func (p *Printer) icmp6Text(f *decode.Frame) (string, bool) {
	b := f.L4
	if len(b) == 0 {
		if f.L4WireLen == 0 {
			return "ICMP6, length 0 (invalid)", true
		}
		// Not one byte of the message captured: the type's GET_ fails
		// right after "src > dst: ".
		p.cutShort()
		return " [|icmp6]", true
	}
	typ := b[0]
	name, known := icmp6Names[typ]
	if !known {
		if icmp6Specific(typ) {
			return "", false // a message with its own printer there: not decoded here
		}
		name = fmt.Sprintf("unknown icmp6 type (%d)", typ)
	}
	var s strings.Builder
	// A message cut before a field tcpdump prints ends in " [|icmp6]"
	// there, and -x then dumps the whole frame (a GET_ read); a field
	// checked with ND_TCHECK ends it the same way but returns normally.
	cut := func() (string, bool) {
		p.cutShort()
		return s.String() + " [|icmp6]", true
	}
	checked := func() (string, bool) { return s.String() + " [|icmp6]", true }
	v := p.opts.Verbose
	if len(b) < 4 && l4Complete(f) {
		return "", false
	}
	if len(b) < 2 { // the code's GET_ fails; -v names the length first
		s.WriteString("ICMP6, " + name)
		if v > 0 && typ >= 133 && typ <= 137 {
			fmt.Fprintf(&s, ", length %d", f.L4WireLen)
		}
		return cut()
	}
	// From here b may still be shorter than the 4-byte header when the
	// capture cut it: every later field is checked against len(b).
	code := b[1]
	if v > 0 && !f.Fragment && l4Complete(f) { // -K leaves ICMPv6 checksums checked, as tcpdump
		pseudo := pseudoSum(f, f.L4WireLen)
		if onesSum(pseudo, b) == 0xffff {
			s.WriteString("[icmp6 sum ok] ")
		} else {
			fmt.Fprintf(&s, "[bad icmp6 cksum 0x%04x -> 0x%04x!] ", binary.BigEndian.Uint16(b[2:]), checksumShouldBe(b, 2, pseudo))
		}
	}
	s.WriteString("ICMP6, " + name)
	if v > 0 && typ >= 133 && typ <= 137 {
		fmt.Fprintf(&s, ", length %d", f.L4WireLen)
	}
	// The quoted IPv6 header of an error starts at 8.
	quoted := func(off int) (string, bool) {
		if len(b) < 8+off+16 {
			return "", false
		}
		return netip.AddrFrom16([16]byte(b[8+off : 8+off+16])).String(), true
	}
	switch typ {
	case 1:
		if int(code) >= len(icmp6Unreach) {
			fmt.Fprintf(&s, ", unknown unreach code (%d)", code)
			if v <= 1 {
				// print_unknown_data: what was captured of it
				s.WriteString(hexLines("\n\t", b))
			}
			return s.String(), true
		}
		s.WriteString(", " + icmp6Unreach[code])
		dst, ok := quoted(24)
		if !ok {
			if code == 4 {
				return checked() // get_upperlayer fails first
			}
			return cut()
		}
		switch code {
		case 0, 1, 3:
			s.WriteString(" " + dst)
		case 2:
			src, _ := quoted(8)
			fmt.Fprintf(&s, " %s, source address %s", dst, src)
		case 4:
			proto, l4, ok := quotedUpper(b[8:])
			if !ok {
				return "", false // print-icmp6.c's walk differs in corner cases: not decoded
			}
			dport := binary.BigEndian.Uint16(l4[2:])
			switch proto {
			case decode.ProtoTCP:
				fmt.Fprintf(&s, ", %s tcp port %d", dst, dport)
			case decode.ProtoUDP:
				fmt.Fprintf(&s, ", %s udp port %d", dst, dport)
			default:
				return "", false
			}
		}
	case 2:
		if len(b) < 8 {
			return cut()
		}
		fmt.Fprintf(&s, ", mtu %d", binary.BigEndian.Uint32(b[4:]))
	case 3:
		switch code {
		case 0:
			dst, ok := quoted(24)
			if !ok {
				return cut()
			}
			s.WriteString(" for " + dst)
		case 1:
			s.WriteString(" (reassembly)")
		default:
			fmt.Fprintf(&s, ", unknown code (%d)", code)
		}
	case 4:
		if _, ok := quoted(24); !ok {
			return checked()
		}
		ptr := binary.BigEndian.Uint32(b[4:])
		switch code {
		case 0:
			fmt.Fprintf(&s, ", erroneous - octet %d", ptr)
		case 1:
			fmt.Fprintf(&s, ", next header - octet %d", ptr)
		case 2:
			fmt.Fprintf(&s, ", option - octet %d", ptr)
		case 3:
			fmt.Fprintf(&s, ", incomplete header chain - octet %d", ptr)
		default:
			fmt.Fprintf(&s, ", code-#%d", code)
		}
	case 128, 129:
		if len(b) < 8 {
			return cut()
		}
		fmt.Fprintf(&s, ", id %d, seq %d", binary.BigEndian.Uint16(b[4:]), binary.BigEndian.Uint16(b[6:]))
	case 133:
		if v > 0 && !p.ndOptions(&s, b, 8, f.L4WireLen) {
			return "", false
		}
	case 130:
		switch n := f.L4WireLen; {
		case n == 24:
			mld1(&s, b)
		case n >= 28:
			s.WriteString(" v2")
			if mldv2Query(&s, b, n, v) {
				return cut()
			}
		default:
			fmt.Fprintf(&s, " unknown-version (len %d) ", n)
		}
	case 131, 132:
		mld1(&s, b)
	case 134:
		if v > 0 {
			if len(b) < 16 {
				return cut()
			}
			fl := b[5]
			fmt.Fprintf(&s, "\n\thop limit %d, Flags [%s], pref %s, router lifetime %ds, reachable time %dms, retrans timer %dms",
				b[4], raFlags(fl), rtPref(fl), binary.BigEndian.Uint16(b[6:]), binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:]))
			if !p.ndOptions(&s, b, 16, f.L4WireLen) {
				return "", false
			}
		}
	case 137:
		if len(b) < 40 {
			return cut()
		}
		fmt.Fprintf(&s, ", %s to %s", netip.AddrFrom16([16]byte(b[24:40])), netip.AddrFrom16([16]byte(b[8:24])))
		if v > 0 && !p.ndOptions(&s, b, 40, f.L4WireLen) {
			return "", false
		}
	case 135, 136:
		if len(b) < 24 {
			return cut()
		}
		tgt := netip.AddrFrom16([16]byte(b[8:24])).String()
		if typ == 135 {
			s.WriteString(", who has " + tgt)
		} else {
			s.WriteString(", tgt is " + tgt)
			if v > 0 {
				fmt.Fprintf(&s, ", Flags [%s]", naFlags(binary.BigEndian.Uint32(b[4:])))
			}
		}
		if v > 0 && !p.ndOptions(&s, b, 24, f.L4WireLen) {
			return "", false
		}
	case 143:
		if f.L4WireLen < 8 {
			fmt.Fprintf(&s, " [invalid len %d]", f.L4WireLen)
			break
		}
		if len(b) < 8 {
			return cut()
		}
		n := int(binary.BigEndian.Uint16(b[6:]))
		fmt.Fprintf(&s, ", %d group record(s)", n)
		if v > 0 && groupRecords(&s, b, n, f.L4WireLen, v, 16, "v2") {
			return cut()
		}
	case 200, 201:
		fallthrough
	default:
		// print-icmp6.c's default (mtrace, and types it does not know):
		// the length, and below -vv the message in hex.
		if known && typ != 200 && typ != 201 {
			return "", false
		}
		fmt.Fprintf(&s, ", length %d", f.L4WireLen)
		if v <= 1 {
			s.WriteString(hexLines("\n\t", b)) // print_unknown_data: what was captured
		}
		return s.String(), true
	}
	if v == 0 {
		fmt.Fprintf(&s, ", length %d", f.L4WireLen)
	}
	return s.String(), true
}

// quotedUpper finds the transport header of the IPv6 datagram quoted by an
// ICMPv6 error (print-icmp6.c get_upperlayer): its protocol and at least
// its four port bytes.
func quotedUpper(b []byte) (uint8, []byte, bool) {
	if len(b) < 40 {
		return 0, nil, false
	}
	nh, off := b[6], 40
	for range 8 {
		switch nh {
		case decode.ProtoTCP, decode.ProtoUDP:
			if len(b) < off+4 {
				return 0, nil, false
			}
			return nh, b[off:], true
		case 0, 43, 60:
			if len(b) < off+2 {
				return 0, nil, false
			}
			nh, off = b[off], off+(int(b[off+1])+1)*8
		case 44:
			if len(b) < off+4 || binary.BigEndian.Uint16(b[off+2:])&0xfff8 != 0 {
				return 0, nil, false
			}
			nh, off = b[off], off+8
		default:
			return 0, nil, false
		}
	}
	return 0, nil, false
}

// naFlags is print-icmp6.c's icmp6_nd_na_flag_values as bittok2str prints
// them.
func naFlags(v uint32) string {
	return bitNames(v, []bitName{{0x80000000, "router"}, {0x40000000, "solicited"}, {0x20000000, "override"}})
}

// bitName names a flag bit for bitNames.
type bitName struct {
	bit  uint32
	name string
}

// bitNames is tcpdump's bittok2str: the names of the bits set in v,
// separated by ", ", or "none".
func bitNames(v uint32, names []bitName) string {
	var n []string
	for _, x := range names {
		if v&x.bit != 0 {
			n = append(n, x.name)
		}
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// ndOptions appends the neighbour-discovery options of b from off to the
// message's length as tcpdump -v prints them (icmp6_opt_print), or reports
// false for an option it does not decode.
func (p *Printer) ndOptions(s *strings.Builder, b []byte, off, length int) bool {
	// icmp6_opt_print walks the captured bytes while the message has some
	// left; an option of length 0 or beyond the captured bytes ends the
	// line in " [|icmp6]" (a normal return: -x dumps as usual).
	end := len(b)
	resid := length - off
	start := off
	for off < end {
		if off+2 > end {
			s.WriteString(" [|icmp6]")
			return true
		}
		if resid <= 0 {
			return true
		}
		typ, l := b[off], int(b[off+1])*8
		if l == 0 || off+l > end {
			s.WriteString(" [|icmp6]")
			return true
		}
		data := b[off+2 : off+l]
		switch typ {
		case 1, 2:
			name := "source link-address"
			if typ == 2 {
				name = "destination link-address"
			}
			fmt.Fprintf(s, "\n\t  %s option (%d), length %d (%d): ", name, typ, l, l/8)
			for i, c := range data {
				if i > 0 {
					s.WriteByte(':')
				}
				fmt.Fprintf(s, "%02x", c)
			}
		case 5:
			fmt.Fprintf(s, "\n\t  mtu option (%d), length %d (%d): ", typ, l, l/8)
			bad := ""
			if l != 8 {
				bad = "bad option length"
			}
			fmt.Fprintf(s, " %d%s", binary.BigEndian.Uint32(data[2:]), bad)
		case 3:
			fmt.Fprintf(s, "\n\t  prefix info option (%d), length %d (%d): ", typ, l, l/8)
			if off+32 > end {
				// the prefix is read where it would be, past a short
				// option if need be, and not captured
				p.cutShort()
				s.WriteString(" [|icmp6]")
				return true
			}
			bad := ""
			if l != 32 {
				bad = "badlen"
			}
			fmt.Fprintf(s, "%s/%d%s, Flags [%s], valid time %s, pref. time %s", netip.AddrFrom16([16]byte(b[off+16:off+32])), data[0], bad,
				piFlags(data[1]), ndLifetime(binary.BigEndian.Uint32(b[off+4:])), ndLifetime(binary.BigEndian.Uint32(b[off+8:])))
		case 4:
			// print-icmp6.c dumps the option's length of bytes from the
			// start of all options, not of this one (sic)
			fmt.Fprintf(s, "\n\t  redirected header option (%d), length %d (%d): ", typ, l, l/8)
			s.WriteString(hexLines("\n\t    ", b[start:start+l]))
		case 7:
			fmt.Fprintf(s, "\n\t  advertisement interval option (%d), length %d (%d): ", typ, l, l/8)
			fmt.Fprintf(s, " %dms", binary.BigEndian.Uint32(data[2:]))
		case 8:
			fmt.Fprintf(s, "\n\t  homeagent information option (%d), length %d (%d): ", typ, l, l/8)
			fmt.Fprintf(s, " preference %d, lifetime %d", binary.BigEndian.Uint16(data[2:]), binary.BigEndian.Uint16(data[4:]))
		case 24:
			fmt.Fprintf(s, "\n\t  route info option (%d), length %d (%d): ", typ, l, l/8)
			var pfx [16]byte
			switch l {
			case 8:
			case 16, 24:
				copy(pfx[:], data[6:l-2])
			default:
				s.WriteString(" [|icmp6]") // a length tcpdump refuses
				return true
			}
			fmt.Fprintf(s, " %s/%d, pref=%s, lifetime=%s", netip.AddrFrom16(pfx), data[0], rtPref(data[1]), ndLifetime(binary.BigEndian.Uint32(data[2:])))
		case 25:
			fmt.Fprintf(s, "\n\t  rdnss option (%d), length %d (%d): ", typ, l, l/8)
			fmt.Fprintf(s, " lifetime %ds,", binary.BigEndian.Uint32(data[2:]))
			for i := range (l/8 - 1) / 2 {
				o := 6 + i*16
				s.WriteString(" addr: " + netip.AddrFrom16([16]byte(data[o:o+16])).String())
			}
		case 31:
			fmt.Fprintf(s, "\n\t  dnssl option (%d), length %d (%d): ", typ, l, l/8)
			fmt.Fprintf(s, " lifetime %ds, domain(s):", binary.BigEndian.Uint32(data[2:]))
			for d := off + 8; d < off+l; {
				if d >= end {
					p.cutShort()
					s.WriteString(" [|icmp6]")
					return true
				}
				if b[d] == 0 {
					break
				}
				s.WriteByte(' ')
				next, ok := fqdn(s, b, d, start)
				if !ok {
					return false
				}
				if next < 0 {
					s.WriteString(" [|icmp6]")
					return true
				}
				d = next
			}
		default:
			fmt.Fprintf(s, "\n\t  unknown option (%d), length %d (%d): ", typ, l, l/8)
			if p.opts.Verbose <= 1 {
				// tcpdump dumps it and stops there
				s.WriteString(hexLines("\n\t  ", data))
				return true
			}
		}
		if p.opts.Verbose > 1 {
			s.WriteString(hexLines("\n\t    ", data))
		}
		off += l
		resid -= l
	}
	return true
}

// mld1 appends an MLDv1 message's delay and address (print-icmp6.c
// mld6_print, which prints nothing when the message is cut before their
// end, and starts without a space: "querymax resp delay", sic).
func mld1(s *strings.Builder, b []byte) {
	if len(b) < 24 {
		return
	}
	fmt.Fprintf(s, "max resp delay: %d addr: %s", binary.BigEndian.Uint16(b[4:]), netip.AddrFrom16([16]byte(b[8:24])))
}

// mldv2Query appends an MLDv2 query (print-icmp6.c mldv2_query_print): with
// -v the maximum response delay, S flag, robustness and query interval,
// with -vv the sources. length is the message's length (at least 28). It
// reports true when a field it reads was not captured: the caller ends
// the line as tcpdump's GET_ macros do.
func mldv2Query(s *strings.Builder, b []byte, length, v int) (cut bool) {
	if len(b) < 6 {
		return true
	}
	if v > 0 {
		mrt := uint32(binary.BigEndian.Uint16(b[4:]))
		if mrt >= 32768 {
			mrt = (mrt&0x0fff | 0x1000) << ((mrt&0x7000)>>12 + 3)
		}
		fmt.Fprintf(s, " [max resp delay=%d]", mrt)
	}
	if len(b) < 24 {
		return true
	}
	fmt.Fprintf(s, " [gaddr %s", netip.AddrFrom16([16]byte(b[8:24])))
	if v > 0 {
		if len(b) < 26 {
			return true
		}
		if b[24]&0x08 != 0 {
			s.WriteString(" sflag")
		}
		if r := b[24] & 0x07; r != 0 {
			fmt.Fprintf(s, " robustness=%d", r)
		}
		qqi := uint32(b[25])
		if qqi >= 128 {
			qqi = (qqi&0x0f | 0x10) << ((qqi&0x70)>>4 + 3)
		}
		fmt.Fprintf(s, " qqi=%d", qqi)
	}
	if len(b) < 28 {
		return true
	}
	if n := int(binary.BigEndian.Uint16(b[26:])); n > 0 {
		switch {
		case length < 28+n*16:
			s.WriteString(" [invalid number of sources]")
		case v > 1:
			if sourceList(s, b, 28, n, 16) {
				return true
			}
		default:
			fmt.Fprintf(s, ", %d source(s)", n)
		}
	}
	s.WriteString("]")
	return false
}

// raFlags is print-icmp6.c's icmp6_opt_ra_flag_values as bittok2str
// prints them.
func raFlags(f uint8) string {
	return bitNames(uint32(f), []bitName{{0x80, "managed"}, {0x40, "other stateful"}, {0x20, "home agent"}, {0x02, "ipv6 only"}})
}

// piFlags is print-icmp6.c's icmp6_opt_pi_flag_values as bittok2str
// prints them.
func piFlags(f uint8) string {
	return bitNames(uint32(f), []bitName{{0x80, "onlink"}, {0x40, "auto"}, {0x20, "router"}})
}

// rtPref is print-icmp6.c's get_rtpref: the router preference bits
// (RFC 4191).
func rtPref(f uint8) string {
	return [...]string{"medium", "high", "rsv", "low"}[f>>3&3]
}

// ndLifetime is print-icmp6.c's get_lifetime.
func ndLifetime(v uint32) string {
	if v == 0xffffffff {
		return "infinity"
	}
	return fmt.Sprintf("%ds", v)
}

// fqdn appends the domain name at b[off:] as tcpdump's fqdn_print writes
// it ("example.com."; labels through fn_print_char; compression pointers
// counted from base, backwards only, "<BAD PTR>" otherwise; names longer
// than 255 characters cut with "<DOMAIN NAME TOO LONG>") and returns the
// offset after the name, or -1 where fqdn_print returns NULL (a label
// type it refuses, the name running past the captured bytes): the caller
// then ends the line in " [|icmp6]". false for bit-string labels (RFC
// 2673), not decoded here.
func fqdn(s *strings.Builder, b []byte, off, base int) (int, bool) {
	const maxName = 255
	// labelLen is print-domain.c's labellen: the label's length, or -1
	// (with its remark) for a type it refuses.
	labelLen := func(o int) (int, bool) {
		if o >= len(b) {
			return -1, true
		}
		switch i := b[o]; i & 0xc0 {
		case 0x40:
			if i&0x3f == 1 {
				return 0, false // bit-string label
			}
			fmt.Fprintf(s, "<ELT %d>", i&0x3f)
			return -1, true
		case 0x80:
			s.WriteString("<BAD LABEL TYPE>")
			return -1, true
		default:
			return int(i), true
		}
	}
	var i byte
	var l int
	ok := true
	// next reads the label at off (its first byte i and length l) and
	// steps past that byte; false where fqdn_print returns NULL
	next := func() bool {
		if l, ok = labelLen(off); !ok || l < 0 {
			return false
		}
		i = b[off]
		off++
		return true
	}
	maxOff := off - base
	if !next() {
		return -1, ok
	}
	compress, rp := false, -1
	if i&0xc0 != 0xc0 {
		rp = off + l
	}
	if i == 0 {
		s.WriteByte('.')
		return rp, true
	}
	chars := 0
	for i != 0 && off < len(b) {
		if i&0xc0 == 0xc0 {
			if !compress {
				rp, compress = off+1, true
			}
			if off >= len(b) {
				return -1, true
			}
			o := (int(i)<<8 | int(b[off])) & 0x3fff
			if o >= maxOff {
				s.WriteString("<BAD PTR>")
				return -1, true
			}
			maxOff, off = o, base+o
			if !next() {
				return -1, ok
			}
			continue
		}
		// a label (labelLen refused the other types)
		n := l
		if chars+l > maxName {
			n = max(0, maxName-chars)
		}
		for k := range n {
			if off+k >= len(b) {
				return -1, true // nd_printn: cut by the snaplen
			}
			fnPrintChar(s, b[off+k])
		}
		chars += l
		off += l
		if chars <= maxName {
			s.WriteByte('.')
		}
		chars++
		if !next() {
			return -1, ok
		}
		if !compress {
			rp += l + 1
		}
	}
	if chars > maxName {
		s.WriteString("<DOMAIN NAME TOO LONG>")
	}
	return rp, true
}

// fnPrintChar is tcpdump's fn_print_char: "M-" before a byte above 127
// (then its low 7 bits), "^" before a control character (then it XOR
// 0x40: DEL prints "^?").
func fnPrintChar(s *strings.Builder, c byte) {
	if c > 127 {
		c &= 0x7f
		s.WriteString("M-")
	}
	if c < 0x20 || c == 0x7f {
		c ^= 0x40
		s.WriteByte('^')
	}
	s.WriteByte(c)
}

// hexLines is tcpdump's hex_print: lines of 16 bytes, each starting with
// ident.
func hexLines(ident string, b []byte) string {
	var s strings.Builder
	for off := 0; off < len(b); off += 16 {
		fmt.Fprintf(&s, "%s0x%04x:  ", ident, off)
		hexGroups(&s, b[off:min(off+16, len(b))])
	}
	return s.String()
}

// hexGroups writes line (at most 16 bytes) as tcpdump's hex dumps group
// it: two bytes a group, groups separated by a space.
func hexGroups(s *strings.Builder, line []byte) {
	var b [48]byte
	s.Write(appendHexGroups(b[:0], line))
}

// appendHexGroups appends hexGroups' text of line to b.
func appendHexGroups(b, line []byte) []byte {
	const digits = "0123456789abcdef"
	for i, c := range line {
		if i > 0 && i%2 == 0 {
			b = append(b, ' ')
		}
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return b
}

// arpText is the line of an ARP or RARP packet as print-arp.c prints it
// (requests, replies, reverse and inverse ones; other hardware or
// protocol types and lengths), false for Frame Relay and ATM ARP. With -e
// (linkHeader) the "ARP, " the link-level header already said is left
// out. A message cut short prints " [|arp]" (the caller dumps the whole
// frame with -x); dump: an unknown operation, whose captured bytes follow
// in hex (tcpdump's default print).
func arpText(b []byte, length int, verbose, linkHeader bool) (line string, dump, ok bool) {
	if len(b) < 8 {
		return " [|arp]", false, true
	}
	hrd, pro, op := binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:]), binary.BigEndian.Uint16(b[6:])
	hln, pln := int(b[4]), int(b[5])
	if hrd == 15 || hrd == 19 {
		// Frame Relay (Q.922 addresses) and ATM (RFC 2225) ARP: not
		// decoded.
		return "", false, false
	}
	if len(b) < 8+2*hln+2*pln {
		return " [|arp]", false, true
	}
	sha, spa := b[8:8+hln], b[8+hln:8+hln+pln]
	tha, tpa := b[8+hln+pln:8+2*hln+pln], b[8+2*hln+pln:8+2*hln+2*pln]
	var s strings.Builder
	if !linkHeader {
		s.WriteString("ARP, ")
	}
	ipProto := pro == 0x0800 || pro == 0x1000
	if !ipProto || pln != 4 || hln == 0 || verbose {
		hw := arpHrdNames[hrd]
		if hw == "" {
			hw = fmt.Sprintf("Unknown Hardware (%d)", hrd)
		}
		pn := etherName(pro)
		if pn == "Unknown" {
			pn = fmt.Sprintf("Unknown Protocol (0x%04x)", pro)
		}
		fmt.Fprintf(&s, "%s (len %d), %s (len %d)", hw, hln, pn, pln)
		if !verbose {
			return fmt.Sprintf("%s, length %d", s.String(), length), false, true
		}
		s.WriteString(", ")
	}
	ip := func(a []byte) string {
		switch {
		case !ipProto:
			return "<wrong proto type>"
		case pln != 4:
			return "<wrong len>"
		}
		return netip.AddrFrom4([4]byte(a)).String()
	}
	if n := arpOpNames[op]; n != "" {
		s.WriteString(n + " ")
	} else {
		fmt.Fprintf(&s, "Unknown (%d) ", op)
	}
	switch op {
	case 1:
		s.WriteString("who-has " + ip(tpa))
		if !allZero(tha) {
			s.WriteString(" (" + linkAddr(tha) + ")")
		}
		s.WriteString(" tell " + ip(spa))
	case 2:
		s.WriteString(ip(spa) + " is-at " + linkAddr(sha))
	case 3, 8:
		s.WriteString("who-is " + linkAddr(tha) + " tell " + linkAddr(sha))
	case 4:
		s.WriteString(linkAddr(tha) + " at " + ip(tpa))
	case 9:
		s.WriteString(linkAddr(sha) + " at " + ip(spa))
	default:
		// print-arp.c: the captured bytes from the ARP header in hex
		// (the default print), no length
		return s.String(), true, true
	}
	return fmt.Sprintf("%s, length %d", s.String(), length), false, true
}

// arpHrdNames is print-arp.c's arphrd_values.
var arpHrdNames = map[uint16]string{
	1: "Ethernet", 6: "TokenRing", 7: "ArcNet", 15: "FrameRelay", 23: "Strip",
	24: "IEEE 1394", 19: "ATM", 32: "InfiniBand",
}

// arpOpNames is print-arp.c's arpop_values.
var arpOpNames = map[uint16]string{
	1: "Request", 2: "Reply", 3: "Reverse Request", 4: "Reverse Reply",
	8: "Inverse Request", 9: "Inverse Reply", 10: "NACK Reply",
}

// linkAddr is addrtoname.c's linkaddr_string of an Ethernet-type address:
// "<empty>" when it has no bytes, else its bytes in hex between colons.
func linkAddr(b []byte) string {
	if len(b) == 0 {
		return "<empty>"
	}
	return macString(b)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func macString(b []byte) string {
	var s strings.Builder
	for i, c := range b {
		if i > 0 {
			s.WriteByte(':')
		}
		fmt.Fprintf(&s, "%02x", c)
	}
	return s.String()
}
