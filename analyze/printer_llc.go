package analyze

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// 802.3 frames as tcpdump prints them: print-ether.c's length branch,
// print-llc.c (llc_print, snap_print) and print-stp.c. IPv4, IPv6 and ARP
// behind LLC/SNAP are decoded (decode.Frame.LLCOff); this file prints the
// LLC and SNAP headers (with -e), STP, and the LLC line of unknown SAPs.

// llcView is an 802.3 frame's bytes from its LLC header as tcpdump sees
// them (cut at the length field: the rest is padding), and the length
// from the LLC header on (the length field, or less when the frame on the
// wire is shorter; what the wire has after a jumbo frame's type).
func llcView(pkt *pcapfile.Packet, f *decode.Frame) ([]byte, int) {
	length := max(pkt.Info.Length-f.LLCOff, 0)
	if f.Len8023 >= 0 {
		length = min(length, f.Len8023)
	}
	end := min(len(pkt.Data), f.LLCOff+length)
	if f.LLCOff > end {
		return nil, length
	}
	return pkt.Data[f.LLCOff:end], length
}

// llcSAPNames is print-llc.c's llc_values.
var llcSAPNames = map[byte]string{
	0x00: "Null", 0xff: "Global", 0x02: "802.1B I", 0x03: "802.1B G", 0x06: "IP",
	0x04: "SNA", 0x0e: "ProWay NM", 0x42: "STP", 0x4e: "RS511", 0x7e: "ISO8208",
	0x8e: "ProWay", 0xaa: "SNAP", 0xe0: "IPX", 0xf0: "NetBeui", 0xfe: "OSI",
}

func llcSAPName(sap byte, unknown string) string {
	if n, ok := llcSAPNames[sap]; ok {
		return n
	}
	if !strings.Contains(unknown, "%") {
		return unknown
	}
	return fmt.Sprintf(unknown, sap)
}

// ouiNames is oui.c's oui_values.
var ouiNames = map[uint32]string{
	0x000000: "Ethernet", 0x00000c: "Cisco", 0x00005e: "IANA", 0x000081: "Nortel Networks SONMP",
	0x0000f8: "Cisco bridged", 0x0080c2: "Ethernet bridged", 0x00a03e: "ATM Forum",
	0x00e02f: "DOCSIS Spanning Tree", 0x080007: "Appletalk", 0x009069: "Juniper",
	0x080009: "Hewlett-Packard", 0x00120f: "IEEE 802.3 Private", 0x0012bb: "ANSI/TIA",
	0x001b21: "DCBX", 0x002320: "Nicira Networks", 0x5c16c7: "Big Switch Networks",
	0xb0d2f5: "Vello Systems", 0x002481: "HP", 0x0004ea: "HP-Labs", 0x748771: "Infoblox Inc",
	0xa42305: "Open Networking Lab", 0x00049f: "Freescale", 0x0015ad: "Netronome",
	0x001018: "Broadcom", 0x00e004: "PMC-Sierra", 0xd0f0db: "Ericsson",
}

func ouiName(oui uint32) string {
	if n, ok := ouiNames[oui]; ok {
		return n
	}
	return "Unknown"
}

// snapPIDName is the name of a SNAP protocol ID under its OUI
// (print-llc.c oui_to_tok).
func snapPIDName(oui uint32, pid uint16) string {
	var n string
	switch oui {
	case 0x000000, 0x0000f8, 0x080007:
		return etherName(pid)
	case 0x00000c:
		n = map[uint16]string{0x2000: "CDP", 0x2003: "VTP", 0x2004: "DTP", 0x0111: "UDLD", 0x010b: "PVST", 0x010c: "VLAN Bridge"}[pid]
	case 0x0080c2:
		n = map[uint16]string{0x0001: "Ethernet + FCS", 0x0007: "Ethernet w/o FCS", 0x0002: "802.4 + FCS", 0x0008: "802.4 w/o FCS",
			0x0003: "Token Ring + FCS", 0x0009: "Token Ring w/o FCS", 0x0004: "FDDI + FCS", 0x000a: "FDDI w/o FCS",
			0x0005: "802.6 + FCS", 0x000b: "802.6 w/o FCS", 0x000e: "BPDU"}[pid]
	}
	if n == "" {
		return "Unknown"
	}
	return n
}

// llcHeaderLen is the length of the LLC header b starts with (3 for U
// frames, 4 for I and S frames), 0 when it is cut (by the snaplen or the
// length).
func llcHeaderLen(b []byte, length int) int {
	n := 3
	if len(b) >= 3 && b[2]&3 != 3 {
		n = 4
	}
	if len(b) < n || length < n {
		return 0
	}
	return n
}

// llcLinkText is what -e prints of an 802.3 frame after "802.3[, length
// N: ]": the LLC header, and the SNAP header of a SNAP frame
// (llc_print, snap_print with ndo_eflag).
func llcLinkText(b []byte, length int) string {
	hl := llcHeaderLen(b, length)
	if hl == 0 {
		return ""
	}
	if b[0] == 0xff && b[1] == 0xff {
		return "IPX 802.3: "
	}
	dsap, ssap := b[0]&^1, b[1]&^1
	var s strings.Builder
	fmt.Fprintf(&s, "LLC, dsap %s (0x%02x) %s, ssap %s (0x%02x) %s", llcSAPName(dsap, "Unknown"), dsap,
		[]string{"Individual", "Group"}[b[0]&1], llcSAPName(ssap, "Unknown"), ssap, []string{"Command", "Response"}[b[1]&1])
	if hl == 3 {
		fmt.Fprintf(&s, ", ctrl 0x%02x: ", b[2])
	} else {
		fmt.Fprintf(&s, ", ctrl 0x%04x: ", binary.LittleEndian.Uint16(b[2:]))
	}
	switch {
	case dsap == 0xaa && ssap == 0xaa && b[2] == 0x03 && len(b) >= 8 && length >= 8:
		oui := uint32(b[3])<<16 | uint32(binary.BigEndian.Uint16(b[4:]))
		pid := binary.BigEndian.Uint16(b[6:])
		kind := "pid"
		if oui == 0 {
			kind = "ethertype"
		}
		fmt.Fprintf(&s, "oui %s (0x%06x), %s %s (0x%04x), length %d: ", ouiName(oui), oui, kind, snapPIDName(oui, pid), pid, length-8)
	case dsap == 0xe0 && ssap == 0xe0 && b[2] == 0x03:
		s.WriteString("IPX 802.2: ")
	}
	return s.String()
}

// llcHeaderText is the -e text of an 802.3 frame from its length or type
// field on: "802.3, length N: " and the LLC (and SNAP) header; after VLAN
// tags "802.3" alone (tcpdump printed the length with the first tag); a
// jumbo frame's type is not printed.
func llcHeaderText(pkt *pcapfile.Packet, f *decode.Frame) string {
	b, length := llcView(pkt, f)
	if f.Len8023 < 0 {
		return llcLinkText(b, length)
	}
	s := "802.3"
	if f.NVLAN == 0 {
		s += fmt.Sprintf(", length %d: ", length)
	}
	return s + llcLinkText(b, length)
}

// inlineDump is hexDump's text (with ASCII) as part of the packet's line:
// tcpdump's default print inside a protocol printer, which -x does not
// suppress.
func inlineDump(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return "\n" + strings.TrimSuffix(hexDump(b, true), "\n")
}

// llcDescribe is the line of an 802.3 frame whose payload decode does not
// take apart (STP, unknown SAPs, SNAP with other protocols, cut LLC
// headers), as llc_print prints it; it sets what -x dumps (after the LLC
// and SNAP headers) and the default hex dump.
func (p *Printer) llcDescribe(pkt *pcapfile.Packet, f *decode.Frame) string {
	b, length := llcView(pkt, f)
	if len(b) < 3 || length < 3 || b[2]&3 != 3 && (len(b) < 4 || length < 4) {
		// " [|llc]" and the bytes there are, whatever -x says
		p.hdrLen = f.LLCOff + min(len(b), length)
		return " [|llc]" + inlineDump(b)
	}
	hl := llcHeaderLen(b, length)
	p.hdrLen = f.LLCOff + hl
	if b[0] == 0xff && b[1] == 0xff {
		p.hdrLen = f.LLCOff
		return fmt.Sprintf("[IPX not decoded], length %d", length)
	}
	dsap, ssap := b[0]&^1, b[1]&^1
	var ctl uint16 = uint16(b[2])
	if hl == 4 {
		ctl = binary.LittleEndian.Uint16(b[2:])
	}
	payload, plen := b[hl:], length-hl
	if dsap == ssap && ctl == 0x03 {
		switch dsap {
		case 0xaa:
			return p.snapDescribe(pkt, f, payload, plen)
		case 0x42:
			return p.stpText(payload, plen)
		case 0xe0:
			return fmt.Sprintf("[IPX not decoded], length %d", plen)
		case 0xfe:
			return fmt.Sprintf("[OSI not decoded], length %d", plen)
		}
	}
	var s strings.Builder
	if !p.opts.LinkHeader && pkt.LinkType != pcapfile.LinkTypeEthernet {
		// llc_print without the link's addresses (print-sll.c)
		if ssap == dsap {
			s.WriteString(llcSAPName(dsap, "Unknown DSAP 0x%02x") + " ")
		} else {
			fmt.Fprintf(&s, "%s > %s ", llcSAPName(ssap, "Unknown SSAP 0x%02x"), llcSAPName(dsap, "Unknown DSAP 0x%02x"))
		}
	} else if !p.opts.LinkHeader {
		src, dst := smcflow.MACString(f.SrcMAC), smcflow.MACString(f.DstMAC)
		if ssap == dsap {
			fmt.Fprintf(&s, "%s > %s %s ", src, dst, llcSAPName(dsap, "Unknown DSAP 0x%02x"))
		} else {
			fmt.Fprintf(&s, "%s %s > %s %s ", src, llcSAPName(ssap, "Unknown SSAP 0x%02x"), dst, llcSAPName(dsap, "Unknown DSAP 0x%02x"))
		}
	}
	cr := uint16(b[1] & 1)
	flags := func(poll uint16) string {
		switch cr | ctl&poll {
		case 0:
			return "Command"
		case 1:
			return "Response"
		case poll:
			return "Poll"
		}
		return "Final"
	}
	switch {
	case hl == 3:
		cmd := ctl &^ 0x10
		name, ok := map[uint16]string{0x03: "ui", 0xe3: "test", 0xaf: "xid", 0x63: "ua", 0x43: "disc", 0x0f: "dm", 0x6f: "sabme", 0x87: "frmr"}[cmd]
		if !ok {
			name = fmt.Sprintf("%02x", cmd)
		}
		fmt.Fprintf(&s, "Unnumbered, %s, Flags [%s], length %d", name, flags(0x10), length)
		if cmd == 0xaf {
			switch {
			case plen == 0:
				return s.String()
			case len(payload) < 1:
				return s.String() + " [|llc]"
			case payload[0] == 0x81:
				if len(payload) < 3 || plen < 3 {
					return s.String() + " [|llc]" + inlineDump(payload)
				}
				return s.String() + fmt.Sprintf(": %02x %02x", payload[1], payload[2])
			}
		}
	case ctl&1 == 1:
		fmt.Fprintf(&s, "Supervisory, %s, rcv seq %d, Flags [%s], length %d",
			[]string{"Receiver Ready", "Receiver not Ready", "Reject", "?"}[ctl>>2&3], ctl>>9&0x7f, flags(0x100), length)
		return s.String()
	default:
		fmt.Fprintf(&s, "Information, send seq %d, rcv seq %d, Flags [%s], length %d", ctl>>1&0x7f, ctl>>9&0x7f, flags(0x100), length)
	}
	p.llcDefaultDump(pkt, f, len(b))
	return s.String()
}

// llcDefaultDump dumps n bytes from the LLC header on (unless -x, -X or
// -A dump the frame; not with -q, as for unknown ethertypes). In a Linux
// cooked capture -x, -X and -A dump from the LLC header too (print-sll.c
// adds no header length for what llc_print does not know).
func (p *Printer) llcDefaultDump(pkt *pcapfile.Packet, f *decode.Frame, n int) {
	p.defaultDump, p.dumpFrom, p.dumpTo = !p.opts.Quiet, f.LLCOff, f.LLCOff+n
	if pkt.LinkType == pcapfile.LinkTypeLinuxSLL || pkt.LinkType == pcapfile.LinkTypeLinuxSLL2 {
		p.hdrLen = f.LLCOff
	}
}

// snapDescribe prints what follows a SNAP header (snap_print) when decode
// did not take it apart: STP in Cisco's PVST and bridged BPDUs, else the
// SNAP header and the default hex dump.
func (p *Printer) snapDescribe(pkt *pcapfile.Packet, f *decode.Frame, b []byte, length int) string {
	p.hdrLen = f.LLCOff + 3 + 5
	if len(b) < 5 || length < 5 {
		return " [|snap]"
	}
	oui := uint32(b[0])<<16 | uint32(binary.BigEndian.Uint16(b[1:]))
	pid := binary.BigEndian.Uint16(b[3:])
	if oui == 0x00000c && (pid == 0x010b || pid == 0x010c) || oui == 0x0080c2 && pid == 0x000e {
		return p.stpText(b[5:], length-5)
	}
	if oui == 0x00000c && pid == 0x2000 { // printer_cdp.go
		return p.cdpText(b[5:], length-5)
	}
	if oui == 0x00000c && (pid == 0x2003 || pid == 0x2004 || pid == 0x0111) {
		return fmt.Sprintf("[%s not decoded], length %d", snapPIDName(oui, pid), length-5)
	}
	var s strings.Builder
	if !p.opts.LinkHeader {
		fmt.Fprintf(&s, "%s > %s ", smcflow.MACString(f.SrcMAC), smcflow.MACString(f.DstMAC))
		if oui == 0 {
			fmt.Fprintf(&s, "SNAP, ethertype %s (0x%04x), length %d: ", etherName(pid), pid, length-5)
		} else {
			fmt.Fprintf(&s, "SNAP, oui %s (0x%06x), pid %s (0x%04x), length %d: ", ouiName(oui), oui, snapPIDName(oui, pid), pid, length-5)
		}
	}
	bb, _ := llcView(pkt, f)
	p.llcDefaultDump(pkt, f, len(bb))
	return s.String()
}

// stpText is print-stp.c's stp_print: 802.1D configuration and topology
// change BPDUs and 802.1w rapid STP; MSTP and SPB BPDUs are named only. A
// BPDU cut by the snaplen ends with " [|stp]" where tcpdump's printer
// stopped.
func (p *Printer) stpText(b []byte, length int) string {
	if length < 4 {
		return " (invalid)"
	}
	var s strings.Builder
	cut := func() string {
		p.cutShort()
		return s.String() + " [|stp]"
	}
	if len(b) < 2 {
		return cut()
	}
	if binary.BigEndian.Uint16(b) != 0 {
		return fmt.Sprintf("unknown STP version, length %d", length)
	}
	if len(b) < 3 {
		return cut()
	}
	ver := b[2]
	switch ver {
	case 0, 2, 3, 4:
		s.WriteString("STP " + []string{"802.1d", "", "802.1w", "802.1s", "802.1aq"}[ver])
	default:
		return fmt.Sprintf("STP Unknown STP protocol (0x%02x)", ver)
	}
	if len(b) < 4 {
		return cut()
	}
	typ := b[3]
	switch typ {
	case 0x00:
		s.WriteString(", Config")
	case 0x02:
		s.WriteString(", Rapid STP")
	case 0x80:
		s.WriteString(", Topology Change")
	default:
		fmt.Fprintf(&s, ", Unknown BPDU Type (0x%02x)", typ)
	}
	switch {
	case typ == 0 && length < 35, typ == 2 && ver == 2 && length < 36:
		return s.String() + " (invalid)"
	case typ == 0, typ == 2 && ver == 2:
	case typ == 2 && (ver == 3 || ver == 4):
		if length < 102 {
			return s.String() + " (invalid)"
		}
		return s.String() + fmt.Sprintf(", [MSTP not decoded], length %d", length)
	default:
		return s.String()
	}
	// stp_print_config_bpdu
	if len(b) < 5 {
		return cut()
	}
	flags := b[4]
	var names []string
	for _, t := range []struct {
		bit  byte
		name string
	}{{0x01, "Topology change"}, {0x02, "Proposal"}, {0x10, "Learn"}, {0x20, "Forward"}, {0x40, "Agreement"}, {0x80, "Topology change ACK"}} {
		if flags&t.bit != 0 {
			names = append(names, t.name)
		}
	}
	if names == nil {
		names = []string{"none"}
	}
	fmt.Fprintf(&s, ", Flags [%s]", strings.Join(names, ", "))
	if len(b) < 27 {
		return cut()
	}
	bridgeID := func(x []byte) string {
		return fmt.Sprintf("%02x%02x.%02x:%02x:%02x:%02x:%02x:%02x", x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7])
	}
	fmt.Fprintf(&s, ", bridge-id %s.%04x, length %d", bridgeID(b[17:]), binary.BigEndian.Uint16(b[25:]), length)
	if p.opts.Verbose == 0 {
		return s.String()
	}
	if len(b) < 35 {
		return cut()
	}
	t := func(o int) float64 { return float64(binary.BigEndian.Uint16(b[o:])) / 256 }
	fmt.Fprintf(&s, "\n\tmessage-age %.2fs, max-age %.2fs, hello-time %.2fs, forwarding-delay %.2fs", t(27), t(29), t(31), t(33))
	fmt.Fprintf(&s, "\n\troot-id %s, root-pathcost %d", bridgeID(b[5:]), binary.BigEndian.Uint32(b[13:]))
	if ver == 2 {
		fmt.Fprintf(&s, ", port-role %s", []string{"Unknown", "Alternate", "Root", "Designated"}[flags>>2&3])
	}
	return s.String()
}
