package analyze

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// tunnel returns the text of a tunnel packet's tunnel header and of the
// frame inside it, as tcpdump 4.99 prints them after the outer IP (and
// UDP) part (print-vxlan.c, print-otv.c, print-vxlan-gpe.c,
// print-geneve.c, print-gre.c; IP-in-IP as print-ip.c), with ERSPAN,
// which tcpdump leaves undecoded, taken apart too. False when f is not a
// tunnel packet smcdump opens (decode.Decapsulate).
func (p *Printer) tunnel(pkt *pcapfile.Packet, f *decode.Frame) (string, bool) {
	if p.depth >= len(p.inner) {
		return "", false
	}
	in, ok := decode.DecapsulateAny(f)
	if !ok {
		return "", false
	}
	if p.depth == 0 {
		p.outer = in.Tunnel
	}
	t := &in.Tunnel
	v := p.opts.Verbose > 0
	var b strings.Builder
	sep := ": "
	if v {
		sep = "\n\t"
	}
	switch t.Kind {
	case decode.TunnelVXLAN:
		i := "invalid" // print-vxlan.c: no flag it knows
		if t.Flags&0x08 != 0 {
			i = "I"
		}
		if t.Port == decode.PortVXLANLinux {
			if i != "I" {
				i = "." // print-otv.c
			}
			// tcpdump prints port 8472 as OTV (the same layout: the
			// reserved bits are OTV's overlay ID).
			fmt.Fprintf(&b, "OTV, flags [%s] (0x%02x), overlay %d, instance %d\n", i, t.Flags, t.Reserved, t.ID)
		} else {
			fmt.Fprintf(&b, "VXLAN, flags [%s] (0x%02x), vni %d\n", i, t.Flags, t.ID)
		}
		sep = ""
	case decode.TunnelVXLANGPE:
		fl := ""
		for _, x := range []struct {
			bit  byte
			name string
		}{{0x08, "I"}, {0x04, "P"}, {0x02, "B"}, {0x01, "O"}} {
			if t.Flags&x.bit != 0 {
				fl += x.name
			}
		}
		if fl == "" {
			fl = "none"
		}
		fmt.Fprintf(&b, "VXLAN-GPE, flags [%s], vni %d", fl, t.ID)
		if in.LinkType == pcapfile.LinkTypeEthernet {
			b.WriteString("\n")
			sep = ""
		} else if v {
			sep = "\n    "
		}
	case decode.TunnelGeneve:
		fl := ""
		if t.Flags&0x80 != 0 {
			fl += "O"
		}
		if t.Flags&0x40 != 0 {
			fl += "C"
		}
		if fl == "" {
			fl = "none"
		}
		fmt.Fprintf(&b, "Geneve, Flags [%s], vni 0x%x", fl, t.ID)
		if p.opts.LinkHeader {
			fmt.Fprintf(&b, ", proto %s (0x%04x)", greProtoName(t.GeneveProto), t.GeneveProto)
		}
		if t.GeneveOptLen > 0 {
			if v {
				fmt.Fprintf(&b, ", options [%s]", geneveOptions(t.Options, p.opts.Verbose > 1))
			} else {
				fmt.Fprintf(&b, ", options [%d bytes]", t.GeneveOptLen)
			}
		}
	case decode.TunnelGRE, decode.TunnelERSPAN1, decode.TunnelERSPAN2, decode.TunnelERSPAN3:
		b.WriteString("GREv0, ")
		fl := t.GREFlags
		if v {
			var names []string
			for _, x := range []struct {
				bit  uint16
				name string
			}{{0x8000, "checksum present"}, {0x2000, "key present"}, {0x1000, "sequence# present"}} {
				if fl&x.bit != 0 {
					names = append(names, x.name)
				}
			}
			if len(names) == 0 {
				names = []string{"none"}
			}
			fmt.Fprintf(&b, "Flags [%s], ", strings.Join(names, ", "))
		}
		if fl&0x8000 != 0 {
			gre := f.L4
			if v {
				fmt.Fprintf(&b, "sum 0x%x, ", binary.BigEndian.Uint16(gre[4:]))
			}
			fmt.Fprintf(&b, "off 0x%x, ", binary.BigEndian.Uint16(gre[6:]))
		}
		if t.HasID && t.Kind == decode.TunnelGRE || fl&0x2000 != 0 && t.Kind != decode.TunnelGRE {
			fmt.Fprintf(&b, "key=0x%x, ", greKey(f.L4, fl))
		}
		if fl&0x1000 != 0 {
			fmt.Fprintf(&b, "seq %d, ", t.GRESeq)
		}
		if p.opts.LinkHeader {
			fmt.Fprintf(&b, "proto %s (0x%04x), ", greProtoName(t.GREProto), t.GREProto)
		}
		fmt.Fprintf(&b, "length %d", f.L4WireLen)
		if t.Kind != decode.TunnelGRE {
			b.WriteString(sep)
			sep = ": "
			switch t.Kind {
			case decode.TunnelERSPAN1:
				b.WriteString("ERSPAN type I")
			case decode.TunnelERSPAN2:
				fmt.Fprintf(&b, "ERSPAN type II, session %d, vlan %d", t.ID, t.ERSPANVLAN)
			case decode.TunnelERSPAN3:
				dir := "ingress"
				if t.ERSPANDir != 0 {
					dir = "egress"
				}
				fmt.Fprintf(&b, "ERSPAN type III, session %d, vlan %d, hw %d, %s", t.ID, t.ERSPANVLAN, t.ERSPANHwID, dir)
			}
		}
	case decode.TunnelIPIP:
		sep = ""
	}
	b.WriteString(sep)
	if len(in.Data) == 0 && in.LinkType != pcapfile.LinkTypeEthernet {
		// not one byte of the IP packet inside: print-ip.c fails on
		// its version, print-ip6.c checks its header
		if f.Proto == 41 || t.Kind == decode.TunnelGeneve && t.GeneveProto == 0x86DD || t.Kind == decode.TunnelGRE && t.GREProto == 0x86DD {
			b.WriteString(" [|ip6]")
		} else {
			p.cutShort()
			b.WriteString(" [|ip]")
		}
		return b.String(), true
	}
	fr := &p.inner[p.depth]
	p.depth++
	ipkt := *pkt
	ipkt.LinkType, ipkt.Data = in.LinkType, in.Data
	ipkt.Info.Length, ipkt.Info.CaptureLength = in.WireLen, len(in.Data)
	decode.Decode(in.LinkType, in.Data, fr)
	// The CLC tracker keeps the same addresses in different tunnels
	// apart, as the analysis does.
	fr.Zone = decode.LayerZone(f.Zone, &in)
	if p.opts.LinkHeader && in.LinkType == pcapfile.LinkTypeEthernet {
		b.WriteString(linkHeader(&ipkt, fr, p.opts.Quiet))
	}
	b.WriteString(p.describe(&ipkt, fr))
	return b.String(), true
}

// greKey is the key of a GRE header with the key bit set.
func greKey(gre []byte, fl uint16) uint32 {
	n := 4
	if fl&0x8000 != 0 {
		n += 4
	}
	if len(gre) < n+4 {
		return 0
	}
	return binary.BigEndian.Uint32(gre[n:])
}

// greProtoName is tcpdump's name of a GRE (and Geneve) protocol type
// (ethertype.h, print-gre.c), as printed with -e.
func greProtoName(pt uint16) string {
	switch pt {
	case 0x0800:
		return "IPv4"
	case 0x86DD:
		return "IPv6"
	case 0x6558:
		return "TEB"
	}
	return "unknown" // ERSPAN's 0x88be and 0x22eb too

}

// geneveClass is tcpdump's name of a Geneve option class (print-geneve.c).
func geneveClass(c uint16) string {
	switch {
	case c <= 0x00ff:
		return "Standard"
	case c == 0x0100:
		return "Linux"
	case c == 0x0101:
		return "Open vSwitch"
	case c == 0x0102:
		return "Open Virtual Networking (OVN)"
	case c == 0x0103:
		return "In-band Network Telemetry (INT)"
	case c == 0x0104:
		return "VMware"
	case c >= 0xfff0:
		return "Experimental"
	}
	return "Unknown"
}

// geneveOptions is the -v text of Geneve options: class, type (C: the
// critical bit) and length of each, with -vv their data in 32-bit words.
func geneveOptions(o []byte, data bool) string {
	var parts []string
	for len(o) >= 4 {
		cls := binary.BigEndian.Uint16(o)
		typ := o[2]
		n := 4 + int(o[3]&0x1f)*4
		s := fmt.Sprintf("class %s (0x%x) type 0x%x", geneveClass(cls), cls, typ)
		if typ&0x80 != 0 {
			s += "(C)"
		}
		s += fmt.Sprintf(" len %d", n)
		if n > len(o) {
			parts = append(parts, s+" [bad length]")
			break
		}
		if data && n > 4 {
			s += " data"
			for w := o[4:n]; len(w) >= 4; w = w[4:] {
				s += " " + hex.EncodeToString(w[:4])
			}
		}
		parts = append(parts, s)
		o = o[n:]
	}
	return strings.Join(parts, ", ")
}

// greText is print-gre.c's text of a GRE packet Decapsulate does not open
// (a routing header, version 1 (PPTP), MPLS or protocols smcdump does not
// decode inside, unknown versions, cut headers): the header's fields, then
// IPv4, IPv6, MPLS, Ethernet and (GREv1) PPP carrying IP as in a tunnel,
// "gre-proto-0x...." for other protocols. False for payloads tcpdump
// decodes and smcdump does not (IPX, AppleTalk, OSI, other PPP protocols).
func (p *Printer) greText(pkt *pcapfile.Packet, f *decode.Frame) (string, bool) {
	length := f.L4WireLen
	avail := min(len(f.L4), length)
	b := f.L4[:max(avail, 0)]
	if avail < 2 {
		return " [|gre]", true
	}
	var s strings.Builder
	trunc := func() (string, bool) { return s.String() + " [|gre]", true }
	flags := binary.BigEndian.Uint16(b)
	vers := flags & 7
	fmt.Fprintf(&s, "GREv%d", vers)
	if vers > 1 {
		return s.String() + " ERROR: unknown-version", true
	}
	v := p.opts.Verbose > 0
	if v {
		var names []string
		for _, x := range []struct {
			bit  uint16
			name string
		}{{0x8000, "checksum present"}, {0x4000, "routing present"}, {0x2000, "key present"}, {0x1000, "sequence# present"}, {0x0800, "source routing present"}, {0x0080, "ack present"}} {
			if flags&x.bit != 0 {
				names = append(names, x.name)
			}
		}
		if len(names) == 0 {
			names = []string{"none"}
		}
		fmt.Fprintf(&s, ", Flags [%s]", strings.Join(names, ", "))
	}
	if avail < 4 {
		return trunc()
	}
	prot := binary.BigEndian.Uint16(b[2:])
	off := 4
	word := func(n int) (uint32, bool) {
		if avail < off+n {
			return 0, false
		}
		var x uint32
		for _, c := range b[off : off+n] {
			x = x<<8 | uint32(c)
		}
		off += n
		return x, true
	}
	if vers == 0 {
		if flags&0xc000 != 0 {
			sum, ok := word(2)
			if !ok {
				return trunc()
			}
			if v {
				fmt.Fprintf(&s, ", sum 0x%x", sum)
			}
			o, ok := word(2)
			if !ok {
				return trunc()
			}
			fmt.Fprintf(&s, ", off 0x%x", o)
		}
		if flags&0x2000 != 0 {
			k, ok := word(4)
			if !ok {
				return trunc()
			}
			fmt.Fprintf(&s, ", key=0x%x", k)
		}
		if flags&0x1000 != 0 {
			q, ok := word(4)
			if !ok {
				return trunc()
			}
			fmt.Fprintf(&s, ", seq %d", q)
		}
		if flags&0x4000 != 0 {
			for {
				if avail < off+4 {
					return trunc()
				}
				af, sreoff, srelen := binary.BigEndian.Uint16(b[off:]), int(b[off+2]), int(b[off+3])
				off += 4
				if af == 0 && srelen == 0 {
					break
				}
				if !greSRE(&s, af, sreoff, srelen, b[off:]) || avail-off < srelen {
					return trunc()
				}
				off += srelen
			}
		}
	} else {
		if flags&0x2000 != 0 {
			k, ok := word(4)
			if !ok {
				return trunc()
			}
			fmt.Fprintf(&s, ", call %d", k&0xffff)
		}
		if flags&0x1000 != 0 {
			q, ok := word(4)
			if !ok {
				return trunc()
			}
			fmt.Fprintf(&s, ", seq %d", q)
		}
		if flags&0x0080 != 0 {
			a, ok := word(4)
			if !ok {
				return trunc()
			}
			fmt.Fprintf(&s, ", ack %d", a)
		}
		if flags&0x1000 == 0 {
			s.WriteString(", no-payload")
		}
	}
	if p.opts.LinkHeader {
		n := etherName(prot)
		if n == "Unknown" {
			n = "unknown"
		}
		fmt.Fprintf(&s, ", proto %s (0x%04x)", n, prot)
	}
	fmt.Fprintf(&s, ", length %d", length)
	if vers == 1 && flags&0x1000 == 0 {
		return s.String(), true
	}
	if v {
		s.WriteString("\n\t")
	} else {
		s.WriteString(": ")
	}
	payload, plen := f.L4[min(off, len(f.L4)):], length-off
	lt := pcapfile.LinkTypeRaw
	switch {
	case vers == 0 && (prot == 0x0800 || prot == 0x86DD):
	case vers == 0 && prot == 0x8847:
		// mpls_print: as an MPLS frame behind an Ethernet header
		// nobody prints
		payload, plen, lt = append(append(make([]byte, 12, 14+len(payload)), 0x88, 0x47), payload...), plen+14, pcapfile.LinkTypeEthernet
	case vers == 0 && prot == 0x6558:
		lt = pcapfile.LinkTypeEthernet
	case vers == 1 && prot == 0x880b:
		// ppp_print: the address and control bytes (0xff 0x03) if
		// there, then the protocol (one byte when odd)
		q := payload
		if len(q) >= 2 && q[1] == 0x03 && (q[0] == 0xff || q[0] <= 1) {
			if p.opts.LinkHeader && q[0] <= 1 { // DLT_PPP_PPPD's direction
				s.WriteString([]string{"In  ", "Out "}[q[0]])
			}
			q = q[2:]
		}
		var pp uint16
		switch {
		case len(q) >= 1 && q[0]&1 != 0:
			pp, q = uint16(q[0]), q[1:]
		case len(q) >= 2:
			pp, q = binary.BigEndian.Uint16(q), q[2:]
		default:
			return "", false
		}
		if pp != 0x21 && pp != 0x57 {
			return "", false
		}
		if p.opts.LinkHeader {
			fmt.Fprintf(&s, "%s (0x%04x), length %d: ", pppName(pp), pp, plen)
		}
		plen -= len(payload) - len(q)
		payload = q
	case vers == 0 && (prot == 0x8137 || prot == 0x809b || prot == 0x00fe) || vers == 1:
		return "", false // IPX, AppleTalk, OSI; PPTP without PPP
	default:
		fmt.Fprintf(&s, "gre-proto-0x%x", prot)
		return s.String(), true
	}
	if p.depth >= len(p.inner) {
		return "", false
	}
	fr := &p.inner[p.depth]
	p.depth++
	ipkt := *pkt
	ipkt.LinkType, ipkt.Data = lt, payload
	ipkt.Info.Length, ipkt.Info.CaptureLength = plen, len(payload)
	decode.Decode(lt, payload, fr)
	fr.Zone = f.Zone
	if p.opts.LinkHeader && prot == 0x6558 {
		s.WriteString(linkHeader(&ipkt, fr, p.opts.Quiet))
	}
	s.WriteString(p.describe(&ipkt, fr))
	return s.String(), true
}

// greSRE prints a GRE source route entry (print-gre.c gre_sre_print): the
// IPv4 addresses or AS numbers of address families 0x0800 and 0xfffe
// (the current one starred), other families by number. False when the
// entry is cut.
func greSRE(s *strings.Builder, af uint16, sreoff, srelen int, b []byte) bool {
	step := 0
	switch af {
	case 0x0800:
		s.WriteString(", (rtaf=ip")
		step = 4
	case 0xfffe:
		s.WriteString(", (rtaf=asn")
		step = 2
	default:
		fmt.Fprintf(s, ", (rtaf=0x%x)", af)
		return true
	}
	defer s.WriteString(")")
	switch {
	case sreoff%step != 0:
		fmt.Fprintf(s, ", badoffset=%d", sreoff)
		return true
	case srelen%step != 0:
		fmt.Fprintf(s, ", badlength=%d", srelen)
		return true
	case sreoff >= srelen:
		fmt.Fprintf(s, ", badoff/len=%d/%d", sreoff, srelen)
		return true
	}
	for at := 0; at < srelen; at += step {
		if len(b) < at+step {
			return false
		}
		star := ""
		if at == sreoff {
			star = "*"
		}
		if step == 4 {
			fmt.Fprintf(s, " %s%d.%d.%d.%d", star, b[at], b[at+1], b[at+2], b[at+3])
		} else {
			fmt.Fprintf(s, " %s%x", star, binary.BigEndian.Uint16(b[at:]))
		}
	}
	return true
}

// tunnelCut is the text of a VXLAN or Geneve datagram whose header is cut
// or too short, which decode.DecapsulateAny does not open: print-vxlan.c
// stops where the captured bytes end (a longjmp), print-geneve.c marks a
// header or options cut by the snaplen " [|geneve]" and a datagram too
// short for its header invalid.
func (p *Printer) tunnelCut(f *decode.Frame) (string, bool) {
	b, wire := f.Payload, f.PayloadLen
	switch f.DstPort {
	case decode.PortVXLAN:
		if wire < 8 {
			return "VXLAN (invalid)", true
		}
		if len(b) >= 8 {
			return "", false
		}
		p.cutShort()
		if len(b) == 0 {
			return "VXLAN [|vxlan]", true
		}
		i := "invalid"
		if b[0]&0x08 != 0 {
			i = "I"
		}
		s := fmt.Sprintf("VXLAN, flags [%s] (0x%02x), ", i, b[0])
		if len(b) < 7 {
			return s + " [|vxlan]", true
		}
		return s + fmt.Sprintf("vni %d\n [|vxlan]", uint32(b[4])<<16|uint32(b[5])<<8|uint32(b[6])), true
	case decode.PortGeneve:
		if wire < 8 {
			return fmt.Sprintf("Geneve [length %d < 8] (invalid)", wire), true
		}
		if len(b) < 8 {
			return "Geneve [|geneve]", true
		}
		if b[0]>>6 != 0 {
			return fmt.Sprintf("Geneve ERROR: unknown-version %d", b[0]>>6), true
		}
		optLen := int(b[0]&0x3f) * 4
		if len(b) >= 8+optLen && wire >= 8+optLen {
			return "", false
		}
		fl := ""
		if b[1]&0x80 != 0 {
			fl += "O"
		}
		if b[1]&0x40 != 0 {
			fl += "C"
		}
		if fl == "" {
			fl = "none"
		}
		s := fmt.Sprintf("Geneve, Flags [%s], vni 0x%x", fl, uint32(b[4])<<16|uint32(b[5])<<8|uint32(b[6]))
		if b[7] != 0 {
			s += fmt.Sprintf(", rsvd 0x%x", b[7])
		}
		if p.opts.LinkHeader {
			pt := binary.BigEndian.Uint16(b[2:])
			n := etherName(pt)
			if n == "Unknown" {
				n = "unknown"
			}
			s += fmt.Sprintf(", proto %s (0x%04x)", n, pt)
		}
		if wire-8 < optLen {
			return s + fmt.Sprintf(" truncated-geneve - %d bytes missing", optLen-(wire-8)), true
		}
		return s + " [|geneve]", true
	}
	return "", false
}
