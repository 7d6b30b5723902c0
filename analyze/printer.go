package analyze

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/smcdump/smcdump/smcproto"
)

// PrintOptions selects what Printer shows for each packet, mirroring
// tcpdump's flags (capture.md section 5).
type PrintOptions struct {
	Verbose    int  // -v: full CLC/LLC field dump under the line
	NoResolve  bool // -n (smcdump never resolves names; accepted for tcpdump parity)
	LinkHeader bool // -e: print the link-level header
	Hex        bool // -X: hex and ASCII dump of each packet
	Quiet      bool // -q: shorter protocol lines
	JSON       bool // --json: one JSON object per packet
	Number     bool // -#: prefix the frame number
	// AbsoluteSeq prints absolute TCP sequence numbers (-S).
	AbsoluteSeq bool
	// DateTime prints the date too (-tttt).
	DateTime bool
}

// Printer writes one tcpdump-style line per packet with SMC CLC (and RoCE
// LLC/CDC) messages decoded inline. It keeps per-connection state for
// relative sequence numbers and CLC reassembly, so feed it every packet of a
// capture in order.
type Printer struct {
	w       io.Writer
	opts    PrintOptions
	tracker *Tracker
	f       frame
	clc     []string
	clcMsgs []smcproto.Message
	llc     []*smcproto.LLC
	clcErr  []string
}

// NewPrinter returns a Printer writing to w.
func NewPrinter(w io.Writer, opts PrintOptions) *Printer {
	p := &Printer{w: w, opts: opts, tracker: NewTracker()}
	p.tracker.All = false
	p.tracker.OnCLC = func(frame int, fromClient bool, m smcproto.Message) {
		p.clc = append(p.clc, describeCLC(m))
		p.clcMsgs = append(p.clcMsgs, m)
	}
	p.tracker.OnCLCError = func(frame int, err error) {
		p.clcErr = append(p.clcErr, err.Error())
	}
	p.tracker.roce.OnLLC = func(frame int, l *smcproto.LLC) {
		p.llc = append(p.llc, l)
	}
	return p
}

// PrintPacket writes the line(s) for one packet.
func (p *Printer) PrintPacket(pkt *Packet) error {
	p.clc, p.clcMsgs, p.llc, p.clcErr = p.clc[:0], p.clcMsgs[:0], p.llc[:0], p.clcErr[:0]
	f := &p.f
	decodeFrame(pkt.LinkType, pkt.Data, f)
	line := p.describe(pkt, f)
	// Drop per-connection state of finished connections occasionally so a
	// long live capture stays bounded.
	if len(p.tracker.conns) > 100000 {
		p.tracker.conns = make(map[connKey]*tcpConn)
	}
	p.tracker.done = p.tracker.done[:0]
	if p.opts.JSON {
		return p.writeJSON(pkt, f, line)
	}
	var b strings.Builder
	if p.opts.Number {
		fmt.Fprintf(&b, "%d  ", pkt.Frame)
	}
	ts := pkt.Info.Timestamp.UTC()
	if p.opts.DateTime {
		b.WriteString(ts.Format("2006-01-02 15:04:05.000000"))
	} else {
		b.WriteString(ts.Format("15:04:05.000000"))
	}
	b.WriteByte(' ')
	if p.opts.LinkHeader {
		b.WriteString(linkHeader(pkt, f))
	}
	b.WriteString(line)
	for _, s := range p.clc {
		b.WriteString(" SMC: ")
		b.WriteString(s)
	}
	for _, s := range p.clcErr {
		b.WriteString(" SMC: [malformed CLC: " + s + "]")
	}
	for _, l := range p.llc {
		b.WriteString(" SMC-R: " + llcText(l))
	}
	b.WriteByte('\n')
	if p.opts.Verbose > 0 {
		for _, m := range p.clcMsgs {
			b.WriteString(clcDetail(m))
		}
	}
	if p.opts.Hex {
		b.WriteString(hexDump(pkt.Data))
	}
	_, err := io.WriteString(p.w, b.String())
	return err
}

func linkHeader(pkt *Packet, f *frame) string {
	var s string
	switch {
	case f.hasMAC && pkt.LinkType == LinkTypeEthernet:
		s = fmt.Sprintf("%s > %s, ", macString(f.srcMAC), macString(f.dstMAC))
	case f.hasMAC:
		s = fmt.Sprintf("%s %s, ", sllDir(f.sllPkt), macString(f.srcMAC))
	case f.sllPkt >= 0:
		s = sllDir(f.sllPkt) + ", "
	}
	for i := 0; i < f.nvlan; i++ {
		s += fmt.Sprintf("vlan %d, ", f.vlans[i])
	}
	s += fmt.Sprintf("ethertype %s (%#06x), length %d: ", etherName(f.etherType), f.etherType, pkt.Info.Length)
	return s
}

func sllDir(t int) string {
	switch t {
	case 0:
		return "In"
	case 1:
		return "B"
	case 2:
		return "M"
	case 3:
		return "P"
	case 4:
		return "Out"
	}
	return "?"
}

func etherName(et uint16) string {
	switch et {
	case 0x0800:
		return "IPv4"
	case 0x86DD:
		return "IPv6"
	case 0x0806:
		return "ARP"
	case 0x8915:
		return "RoCE"
	}
	return "Unknown"
}

func ipPort(a interface{ String() string }, port uint16) string {
	return fmt.Sprintf("%s.%d", a, port)
}

// describe builds the protocol part of the line and feeds the tracker.
func (p *Printer) describe(pkt *Packet, f *frame) string {
	switch f.status {
	case decUnsupported:
		if f.etherType == 0x8915 && f.l2len > 0 && f.l2len <= len(pkt.Data) {
			if b, ok := roceV1Payload(pkt.Data[f.l2len:]); ok {
				h, _, _ := p.tracker.roce.handle(netip.Addr{}, b, len(b), pkt.Frame, pkt.Info.Timestamp)
				return fmt.Sprintf("RoCEv1 %s qp %#06x psn %d, length %d", opName(h.opcode), h.destQP, h.psn, pkt.Info.Length)
			}
		}
		if f.etherType == 0x0806 {
			return fmt.Sprintf("ARP, length %d", pkt.Info.Length)
		}
		if f.etherType != 0 {
			return fmt.Sprintf("ethertype %#06x, length %d", f.etherType, pkt.Info.Length)
		}
		return fmt.Sprintf("[%s not decoded], length %d", f.reason, pkt.Info.Length)
	case decTruncated:
		if f.ipVer == 0 {
			return fmt.Sprintf("[|%s], length %d", f.reason, pkt.Info.Length)
		}
	case decMalformed:
		return fmt.Sprintf("[invalid %s], length %d", f.reason, pkt.Info.Length)
	}
	ipv := "IP"
	if f.ipVer == 6 {
		ipv = "IP6"
	}
	if f.status == decTruncated {
		return fmt.Sprintf("%s %s > %s: [|%s]", ipv, f.src, f.dst, f.reason)
	}
	if f.fragment && f.fragOff != 0 {
		return fmt.Sprintf("%s %s > %s: ip-proto-%d (frag %d:%d@%d%s)", ipv, f.src, f.dst, f.proto, f.ipID, f.l4WireLen, f.fragOff, plusIf(f.moreFrag))
	}
	src, dst := ipPort(f.src, f.sport), ipPort(f.dst, f.dport)
	switch f.proto {
	case protoTCP:
		var rel [2]uint32
		k, dir := makeKey(f.srcAddrPort(), f.dstAddrPort())
		c := p.tracker.conns[k]
		p.tracker.handleTCP(f, pkt.Frame, pkt.Info.Timestamp)
		if c == nil {
			c = p.tracker.conns[k]
		}
		if c != nil && !p.opts.AbsoluteSeq {
			rel = c.isn
			if (c.synSeen || c.synAckSeen) && f.flags&tcpSYN == 0 {
				return tcpLine(ipv, src, dst, f, rel[dir], rel[1-dir], p.opts.Quiet)
			}
		}
		return tcpLine(ipv, src, dst, f, 0, 0, p.opts.Quiet)
	case protoUDP:
		if f.dport == roceV2Port {
			h, _, ok := p.tracker.roce.handle(f.dst, f.payload, f.payloadLen, pkt.Frame, pkt.Info.Timestamp)
			if ok {
				return fmt.Sprintf("%s %s > %s: RoCEv2 %s qp %#06x psn %d, length %d", ipv, src, dst, opName(h.opcode), h.destQP, h.psn, f.payloadLen)
			}
		}
		return fmt.Sprintf("%s %s > %s: UDP, length %d", ipv, src, dst, f.payloadLen)
	case protoICMP:
		return fmt.Sprintf("%s %s > %s: ICMP, length %d", ipv, f.src, f.dst, f.l4WireLen)
	case protoICMPv6:
		return fmt.Sprintf("%s %s > %s: ICMP6, length %d", ipv, f.src, f.dst, f.l4WireLen)
	}
	return fmt.Sprintf("%s %s > %s: ip-proto-%d %d", ipv, f.src, f.dst, f.proto, f.l4WireLen)
}

func plusIf(b bool) string {
	if b {
		return "+"
	}
	return ""
}

func tcpFlags(fl uint8) string {
	var s []byte
	// tcpdump's order (print-tcp.c tcp_flag_values): F S R P . U E W
	for _, x := range []struct {
		bit uint8
		c   byte
	}{{tcpFIN, 'F'}, {tcpSYN, 'S'}, {tcpRST, 'R'}, {tcpPSH, 'P'}, {tcpACK, '.'}, {tcpURG, 'U'}, {tcpECE, 'E'}, {tcpCWR, 'W'}} {
		if fl&x.bit != 0 {
			s = append(s, x.c)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return string(s)
}

func tcpLine(ipv, src, dst string, f *frame, isnSelf, isnPeer uint32, quiet bool) string {
	if quiet {
		return fmt.Sprintf("%s %s > %s: tcp %d", ipv, src, dst, f.payloadLen)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s > %s: Flags [%s]", ipv, src, dst, tcpFlags(f.flags))
	seq := f.seq - isnSelf
	if f.payloadLen > 0 || f.flags&(tcpSYN|tcpFIN|tcpRST) != 0 {
		if f.payloadLen > 0 {
			fmt.Fprintf(&b, ", seq %d:%d", seq, seq+uint32(f.payloadLen))
		} else {
			fmt.Fprintf(&b, ", seq %d", seq)
		}
	}
	if f.flags&tcpACK != 0 {
		fmt.Fprintf(&b, ", ack %d", f.ack-isnPeer)
	}
	fmt.Fprintf(&b, ", win %d", f.win)
	if len(f.tcpOpts) > 0 {
		fmt.Fprintf(&b, ", options [%s]", tcpOptionsText(f.tcpOpts))
	}
	fmt.Fprintf(&b, ", length %d", f.payloadLen)
	return b.String()
}

// tcpOptionsText formats TCP options like tcpdump, naming the SMC option
// "smc" (smc-protocol.md section 1).
func tcpOptionsText(o []byte) string {
	var parts []string
	for len(o) > 0 {
		kind := o[0]
		if kind == 0 {
			parts = append(parts, "eol")
			break
		}
		if kind == 1 {
			parts = append(parts, "nop")
			o = o[1:]
			continue
		}
		if len(o) < 2 || int(o[1]) < 2 || int(o[1]) > len(o) {
			parts = append(parts, "bad opt")
			break
		}
		l := int(o[1])
		v := o[2:l]
		switch {
		case kind == 2 && l == 4:
			parts = append(parts, fmt.Sprintf("mss %d", binary.BigEndian.Uint16(v)))
		case kind == 3 && l == 3:
			parts = append(parts, fmt.Sprintf("wscale %d", v[0]))
		case kind == 4:
			parts = append(parts, "sackOK")
		case kind == 5:
			s := "sack"
			for i := 0; i+8 <= len(v); i += 8 {
				s += fmt.Sprintf(" %d:%d", binary.BigEndian.Uint32(v[i:]), binary.BigEndian.Uint32(v[i+4:]))
			}
			parts = append(parts, s)
		case kind == 8 && l == 10:
			parts = append(parts, fmt.Sprintf("TS val %d ecr %d", binary.BigEndian.Uint32(v), binary.BigEndian.Uint32(v[4:])))
		case (kind == 254 || kind == 253) && len(v) >= 4 && binary.BigEndian.Uint32(v) == smcproto.ExIDSMC:
			parts = append(parts, "smc")
		case (kind == 254 || kind == 253) && len(v) >= 2:
			parts = append(parts, fmt.Sprintf("exp-%04x", binary.BigEndian.Uint16(v)))
		default:
			parts = append(parts, fmt.Sprintf("opt-%d:%x", kind, v))
		}
		o = o[l:]
	}
	return strings.Join(parts, ",")
}

func opName(op uint8) string {
	names := map[uint8]string{
		0x00: "RC SEND_FIRST", 0x01: "RC SEND_MIDDLE", 0x02: "RC SEND_LAST", 0x03: "RC SEND_LAST_IMM",
		0x04: "RC SEND_ONLY", 0x05: "RC SEND_ONLY_IMM", 0x06: "RC RDMA_WRITE_FIRST", 0x07: "RC RDMA_WRITE_MIDDLE",
		0x08: "RC RDMA_WRITE_LAST", 0x09: "RC RDMA_WRITE_LAST_IMM", 0x0A: "RC RDMA_WRITE_ONLY", 0x0B: "RC RDMA_WRITE_ONLY_IMM",
		0x0C: "RC RDMA_READ_REQUEST", 0x0D: "RC RDMA_READ_RESPONSE_FIRST", 0x0E: "RC RDMA_READ_RESPONSE_MIDDLE",
		0x0F: "RC RDMA_READ_RESPONSE_LAST", 0x10: "RC RDMA_READ_RESPONSE_ONLY", 0x11: "RC ACK", 0x16: "RC SEND_LAST_INV", 0x17: "RC SEND_ONLY_INV",
	}
	if n, ok := names[op]; ok {
		return n
	}
	return fmt.Sprintf("opcode %#02x", op)
}

func llcText(l *smcproto.LLC) string {
	if l.CDC != nil {
		c := l.CDC
		return fmt.Sprintf("CDC seq %d token %#08x prod %d:%d cons %d:%d", c.Seq, c.Token, c.ProdWrap, c.ProdCount, c.ConsWrap, c.ConsCount)
	}
	s := fmt.Sprintf("LLC v%d %s", l.Version, l.Type)
	if l.Response {
		s += " (resp)"
	}
	if l.Type.String() == "CONFIRM_LINK" {
		s += fmt.Sprintf(" qpn %#06x link %d", l.QPN, l.LinkNum)
	}
	if l.Type.String() == "DELETE_LINK" && l.Reason != 0 {
		s += fmt.Sprintf(" reason %#08x", l.Reason)
	}
	return s
}

// clcDetail is the -v field dump of a CLC message.
func clcDetail(m smcproto.Message) string {
	var b strings.Builder
	h := m.Hdr()
	fmt.Fprintf(&b, "\tCLC %s: eyecatcher %s, length %d, version %d, flags %#x\n", h.Type, eyeName(h.Eyecatcher), h.Length, h.Version, h.Flags)
	switch x := m.(type) {
	case *smcproto.Proposal:
		fmt.Fprintf(&b, "\t  peer-id %s, gid %s, mac %s, ip-area-offset %d\n", x.PeerID, x.GID, macString(x.MAC), x.IPAreaOffset)
		if x.SMCDArea != nil {
			fmt.Fprintf(&b, "\t  smc-d: ism-gid %#016x chid %#04x v2-ext-offset %d\n", x.SMCDArea.ISMGID, x.SMCDArea.CHID, x.SMCDArea.V2ExtOffset)
		}
		if x.HasIPArea {
			fmt.Fprintf(&b, "\t  ipv4-prefix %s, ipv6-prefixes %v\n", x.IPv4Prefix, x.IPv6Prefixes)
		}
		if v := x.V2; v != nil {
			fmt.Fprintf(&b, "\t  v2: release %d, seid-valid %v, rocev2-gid %s, max-conns %d, max-links %d, features %#x, eids %q\n", v.Release, v.SEIDValid, v.RoCEv2GID, v.MaxConns, v.MaxLinks, v.FeatureMask, v.EIDs)
		}
		if d := x.SMCDV2; d != nil {
			fmt.Fprintf(&b, "\t  smc-dv2: seid %q, gids %d\n", d.SEID, len(d.GIDs))
			for _, g := range d.GIDs {
				fmt.Fprintf(&b, "\t    gid %#016x chid %#04x\n", g.GID, g.CHID)
			}
		}
	case *smcproto.Accept:
		b.WriteString(acFields(&x.AcceptConfirm))
	case *smcproto.Confirm:
		b.WriteString(acFields(&x.AcceptConfirm))
	case *smcproto.Decline:
		fmt.Fprintf(&b, "\t  peer-id %s, diagnosis %s", x.PeerID, x.Diagnosis)
		if ci, ok := smcproto.LookupCode(x.Diagnosis); ok {
			fmt.Fprintf(&b, " %s (%s)", shortName(ci.Name), ci.Meaning)
		}
		if h.Version >= 2 {
			fmt.Fprintf(&b, ", os %s", osName(x.OSType))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func eyeName(e [4]byte) string {
	switch e {
	case smcproto.EyecatcherR:
		return "SMC-R"
	case smcproto.EyecatcherD:
		return "SMC-D"
	}
	return hex.EncodeToString(e[:])
}

func acFields(m *smcproto.AcceptConfirm) string {
	var b strings.Builder
	if m.Header.TypeV1() == smcproto.PathD {
		fmt.Fprintf(&b, "\t  smc-d: ism-gid %#016x, dmb-token %#016x, dmbe-index %d, buffer %s, link-id %#08x", m.ISMGID, m.DMBToken, m.DMBEIndex, byteSize(m.BufferSize()), m.LinkID)
		if m.Header.Version >= 2 {
			fmt.Fprintf(&b, ", chid %#04x, eid %q", m.CHID, m.EID)
		}
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, "\t  smc-r: peer-id %s, gid %s, mac %s, qpn %#06x, rkey %#08x, rmbe-index %d, token %#08x, buffer %s, mtu %d, rmb-vaddr %#x, psn %#06x\n",
			m.PeerID, m.GID, macString(m.MAC), m.QPN, m.RKey, m.RMBEIndex, m.RMBEAlertToken, byteSize(m.BufferSize()), m.MTU(), m.RMBVAddr, m.PSN)
		if m.Header.Version >= 2 {
			fmt.Fprintf(&b, "\t  eid %q\n", m.EID)
		}
	}
	if f := m.FCE; f != nil {
		fmt.Fprintf(&b, "\t  first-contact: os %s, release %d, host %q, direct %v, max-conns %d, max-links %d, features %#x\n", osName(f.OSType), f.Release, f.Hostname, f.V2Direct, f.MaxConns, f.MaxLinks, f.FeatureMask)
	}
	for _, g := range m.GIDList {
		fmt.Fprintf(&b, "\t  gid-list: %s\n", g)
	}
	return b.String()
}

// hexDump is tcpdump -X style.
func hexDump(b []byte) string {
	var s strings.Builder
	for off := 0; off < len(b); off += 16 {
		end := off + 16
		if end > len(b) {
			end = len(b)
		}
		fmt.Fprintf(&s, "\t0x%04x:  ", off)
		for i := off; i < off+16; i += 2 {
			switch {
			case i+1 < end:
				fmt.Fprintf(&s, "%02x%02x ", b[i], b[i+1])
			case i < end:
				fmt.Fprintf(&s, "%02x   ", b[i])
			default:
				s.WriteString("     ")
			}
		}
		s.WriteString(" ")
		for i := off; i < end; i++ {
			c := b[i]
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			s.WriteByte(c)
		}
		s.WriteByte('\n')
	}
	return s.String()
}

type jsonPacket struct {
	Frame     int      `json:"frame"`
	Time      string   `json:"time"`
	Length    int      `json:"length"`
	CapLen    int      `json:"caplen"`
	Interface string   `json:"interface,omitempty"`
	Summary   string   `json:"summary"`
	Src       string   `json:"src,omitempty"`
	Dst       string   `json:"dst,omitempty"`
	Proto     string   `json:"proto,omitempty"`
	Flags     string   `json:"tcp_flags,omitempty"`
	SMCOption *bool    `json:"smc_option,omitempty"`
	CLC       []string `json:"clc,omitempty"`
	LLC       []string `json:"llc,omitempty"`
	VLAN      []uint16 `json:"vlan,omitempty"`
}

func (p *Printer) writeJSON(pkt *Packet, f *frame, line string) error {
	j := jsonPacket{
		Frame: pkt.Frame, Time: pkt.Info.Timestamp.UTC().Format("2006-01-02T15:04:05.000000000Z"),
		Length: pkt.Info.Length, CapLen: pkt.Info.CaptureLength, Interface: pkt.Interface, Summary: line,
		CLC: p.clc,
	}
	if f.nvlan > 0 {
		j.VLAN = append(j.VLAN, f.vlans[:f.nvlan]...)
	}
	if f.ipVer != 0 && f.status == decOK {
		switch f.proto {
		case protoTCP:
			j.Proto = "tcp"
			j.Src, j.Dst = f.srcAddrPort().String(), f.dstAddrPort().String()
			j.Flags = tcpFlags(f.flags)
			if f.flags&tcpSYN != 0 {
				o, _ := smcproto.ParseTCPOptions(f.tcpOpts)
				j.SMCOption = boolp(o.SMC)
			}
		case protoUDP:
			j.Proto = "udp"
			j.Src, j.Dst = f.srcAddrPort().String(), f.dstAddrPort().String()
		default:
			j.Src, j.Dst = f.src.String(), f.dst.String()
		}
	}
	for _, l := range p.llc {
		j.LLC = append(j.LLC, llcText(l))
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = p.w.Write(b)
	return err
}
