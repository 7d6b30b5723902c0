package analyze

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// PPPoE and MPLS between the link layer and IP, printed as tcpdump 4.99
// prints them (print-pppoe.c, print-ppp.c, print-mpls.c).

// linkEtherType is the ethertype in the link-level header (or after the
// VLAN tags): PPPoE's or MPLS's when the frame carries them, although
// Frame.EtherType then names the network protocol inside.
func linkEtherType(f *decode.Frame) uint16 {
	switch {
	case f.HasPPPoE:
		return 0x8864
	case f.NMPLS > 0 && f.MPLSType != 0:
		return f.MPLSType
	}
	return f.EtherType
}

// pppName is tcpdump's name of a PPP protocol number (ppptype2str).
func pppName(proto uint16) string {
	switch proto {
	case 0x0021:
		return "IP"
	case 0x0057:
		return "IP6"
	case 0x0281:
		return "MPLS"
	case 0x0283:
		return "MPLS mcast"
	case 0xc021:
		return "LCP"
	case 0x8021:
		return "IPCP"
	case 0x8057:
		return "IP6CP"
	case 0xc023:
		return "PAP"
	case 0xc223:
		return "CHAP"
	case 0x80fd:
		return "CCP"
	case 0xc025:
		return "LQM"
	}
	return "unknown"
}

// mplsReserved names the reserved labels 0-15 as tcpdump does with -v.
var mplsReserved = [16]string{"IPv4 explicit NULL", "router alert", "IPv6 explicit NULL", "implicit NULL",
	"rsvd", "rsvd", "rsvd", "rsvd", "rsvd", "rsvd", "rsvd", "rsvd", "rsvd", "rsvd", "rsvd", "rsvd"}

// shimPrefix is the text before the network layer: "PPPoE  [ses 0x1] "
// and "MPLS (label 100, tc 0, [S], ttl 64) ", with -v one label per line.
func (p *Printer) shimPrefix(pkt *pcapfile.Packet, f *decode.Frame) string {
	mpls := hasMPLS(f)
	if !f.HasPPPoE && !mpls {
		return ""
	}
	var b strings.Builder
	off := f.L2Len
	if f.HasPPPoE {
		b.WriteString(p.pppoeSession(pkt, f))
		off += 8
	}
	if mpls {
		b.WriteString("MPLS")
		for i := 0; i < f.NMPLS && off+4 <= len(pkt.Data); i++ {
			e := binary.BigEndian.Uint32(pkt.Data[off:])
			off += 4
			if i > 0 && p.opts.Verbose > 0 {
				b.WriteString("\n\t")
			} else {
				b.WriteByte(' ')
			}
			label := e >> 12
			fmt.Fprintf(&b, "(label %d", label)
			if p.opts.Verbose > 0 && label < 16 {
				fmt.Fprintf(&b, " (%s)", mplsReserved[label])
			}
			fmt.Fprintf(&b, ", tc %d", e>>9&7)
			if e&0x100 != 0 {
				b.WriteString(", [S]")
			}
			fmt.Fprintf(&b, ", ttl %d)", e&0xff)
		}
		if p.opts.Verbose > 0 && f.IPVer != 0 { // before the IP printer's text
			b.WriteString("\n\t")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// cutShort notes that tcpdump's printer would have run out of captured
// bytes (a GET_ macro's longjmp in tcpdump, at any depth of tunnels or
// quoted datagrams: it unwinds to the top): its -x/-X/-A dump then
// includes the link-level header.
func (p *Printer) cutShort() {
	p.dumpWhole = true
}

// hasMPLS reports whether the frame announces an MPLS label stack (by
// ethertype or PPP protocol), even one cut before its first label.
func hasMPLS(f *decode.Frame) bool {
	return f.NMPLS > 0 || f.MPLSType != 0 || (f.HasPPPoE && (f.PPPProto == 0x0281 || f.PPPProto == 0x0283))
}

// shimCut describes a frame that ends inside its label stack or right
// after it, as tcpdump does: cut by the snaplen "[|mpls]"; short on the
// wire, a stack that ends at the frame's end is printed as it is and a
// cut label entry is "(invalid)". ok is false for other frames.
func (p *Printer) shimCut(pkt *pcapfile.Packet, f *decode.Frame) (string, bool) {
	if !hasMPLS(f) || (f.Reason != "MPLS payload" && f.Reason != "MPLS label") {
		return "", false
	}
	switch {
	case pkt.Info.CaptureLength < pkt.Info.Length:
		p.cutShort()
		return p.shimPrefix(pkt, f) + "[|mpls]", true // cut by the snaplen
	case f.Reason == "MPLS payload":
		return strings.TrimSuffix(p.shimPrefix(pkt, f), " "), true
	}
	return p.shimPrefix(pkt, f) + "(invalid)", true
}

// pppoeSession is a PPPoE session header and, with -e, its PPP protocol:
// "PPPoE  [ses 0x1] " or "PPPoE  [ses 0x1] IP (0x0021), length 35: ".
func (p *Printer) pppoeSession(pkt *pcapfile.Packet, f *decode.Frame) string {
	var b strings.Builder
	b.WriteString("PPPoE ")
	n := f.PPPoELen
	if rest := pkt.Info.Length - f.L2Len - 6; n > rest {
		fmt.Fprintf(&b, " [len %d > %d!]", n, max(rest, 0))
		n = max(rest, 0)
	}
	if f.PPPoESess != 0 {
		fmt.Fprintf(&b, " [ses 0x%x]", f.PPPoESess)
	}
	b.WriteByte(' ')
	if p.opts.LinkHeader {
		fmt.Fprintf(&b, "%s (0x%04x), length %d: ", pppName(f.PPPProto), f.PPPProto, n)
	}
	return b.String()
}

// shimUnsupported describes the PPPoE and MPLS frames the decoder does not
// follow to IP: PPPoE discovery, PPP control protocols, MPLS payloads that
// are not IP (dumped in hex, as tcpdump does).
func (p *Printer) shimUnsupported(pkt *pcapfile.Packet, f *decode.Frame) (string, bool) {
	switch {
	case f.EtherType == 0x8863 && f.L2Len > 0 && f.L2Len <= len(pkt.Data):
		s, cut := pppoeDiscovery(pkt.Data[f.L2Len:], pkt.Info.Length-f.L2Len)
		if cut {
			p.cutShort()
		}
		return s, true
	case f.HasPPPoE && f.NMPLS == 0:
		s := p.pppoeSession(pkt, f)
		if p.opts.LinkHeader {
			return strings.TrimSuffix(s, ": "), true
		}
		return fmt.Sprintf("%s%s (0x%04x), length %d", s, pppName(f.PPPProto), f.PPPProto, f.PPPoELen), true
	case f.NMPLS > 0:
		off := f.L2Len + 4*f.NMPLS
		if f.HasPPPoE {
			off += 8
		}
		p.defaultDump = !p.opts.Quiet
		if p.depth == 0 { // offsets of the packet as captured, not of a frame inside a tunnel
			p.dumpFrom = off
		}
		return strings.TrimSuffix(p.shimPrefix(pkt, f), " "), true
	}
	return "", false
}

// pppoeDiscovery prints a PPPoE discovery packet (PADI, PADO, PADR, PADS,
// PADT) with its tags, as tcpdump's pppoe_print; wire is the length on the
// wire from the PPPoE header on. cut: the captured bytes ended first.
func pppoeDiscovery(b []byte, wire int) (string, bool) {
	if wire < 6 {
		return fmt.Sprintf("truncated-pppoe %d", max(wire, 0)), false
	}
	if len(b) < 6 {
		return "[|pppoe]", true
	}
	var s strings.Builder
	if v := b[0] >> 4; v != 1 {
		fmt.Fprintf(&s, " [ver %d]", v)
	}
	if t := b[0] & 0x0f; t != 1 {
		fmt.Fprintf(&s, " [type %d]", t)
	}
	code := b[1]
	fmt.Fprintf(&s, "PPPoE %s", pppoeCodeName(code))
	length := int(binary.BigEndian.Uint16(b[4:]))
	rest := wire - 6
	if code == 0x09 && length > 1484-6 {
		fmt.Fprintf(&s, " [len %d!]", length)
	}
	if length > rest {
		fmt.Fprintf(&s, " [len %d > %d!]", length, rest)
		length = rest
	}
	if sess := binary.BigEndian.Uint16(b[2:]); sess != 0 {
		fmt.Fprintf(&s, " [ses 0x%x]", sess)
	}
	payload := b[6:]
	for off, tag := 0, -1; tag != 0 && off < length; {
		if off+4 > len(payload) {
			s.WriteString(" [|pppoe]")
			return s.String(), true
		}
		tag = int(binary.BigEndian.Uint16(payload[off:]))
		tlen := int(binary.BigEndian.Uint16(payload[off+2:]))
		off += 4
		tname := pppoeTagName(tag)
		switch {
		case tlen == 0:
			fmt.Fprintf(&s, " [%s]", tname)
		case off+tlen > len(payload):
			s.WriteString(" [|pppoe]")
			return s.String(), true
		default:
			v := payload[off : off+tlen]
			var str []byte
			ascii, garbage := 0, 0
			for _, c := range v[:min(len(v), 79)] {
				if c >= 0x20 && c < 0x7f {
					str = append(str, c)
					ascii++
				} else {
					str = append(str, '.')
					garbage++
				}
			}
			if ascii > garbage {
				// the printable bytes as they are, others as '.'
				s.WriteString(" [" + tname + ` "` + string(str) + `"]`)
			} else {
				fmt.Fprintf(&s, " [%s 0x%X]", tname, v)
			}
		}
		off += tlen
	}
	return s.String(), false
}

func pppoeCodeName(c byte) string {
	switch c {
	case 0x09:
		return "PADI"
	case 0x07:
		return "PADO"
	case 0x19:
		return "PADR"
	case 0x65:
		return "PADS"
	case 0xa7:
		return "PADT"
	case 0:
		return ""
	}
	return fmt.Sprintf("PAD-%x", c)
}

func pppoeTagName(t int) string {
	switch t {
	case 0:
		return "EOL"
	case 0x0101:
		return "Service-Name"
	case 0x0102:
		return "AC-Name"
	case 0x0103:
		return "Host-Uniq"
	case 0x0104:
		return "AC-Cookie"
	case 0x0105:
		return "Vendor-Specific"
	case 0x0110:
		return "Relay-Session-ID"
	case 0x0120:
		return "PPP-Max-Payload"
	case 0x0201:
		return "Service-Name-Error"
	case 0x0202:
		return "AC-System-Error"
	case 0x0203:
		return "Generic-Error"
	}
	return fmt.Sprintf("TAG-0x%x", t)
}
