package analyze

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/smcproto"
)

// PrintOptions selects what Printer shows for each packet, mirroring
// tcpdump's flags (docs/capture.md section 5).
type PrintOptions struct {
	Verbose    int  // -v: IP header detail and checksums; every CLC field under the line
	LinkHeader bool // -e: print the link-level header
	// Hex is the legacy -X switch: the same as HexASCII 1.
	Hex bool
	// HexASCII is tcpdump's -X count: 1 dumps the packet without its link
	// header in hex and ASCII, 2 (-XX) with it.
	HexASCII int
	// HexOnly is tcpdump's -x count: 1 dumps the packet without its link
	// header in hex, 2 (-xx) with it.
	HexOnly int
	// ASCII is tcpdump's -A count: 1 prints the packet without its link
	// header in ASCII, 2 with it.
	ASCII  int
	Quiet  bool // -q: shorter protocol lines
	JSON   bool // --json: one JSON object per packet
	Number bool // -#: prefix the number of the packet among those printed (as tcpdump)
	// FrameNumbers makes -# print the packet's frame number in its file
	// (Wireshark's numbering, which analyze's evidence uses) instead.
	FrameNumbers bool
	// AbsoluteSeq prints absolute TCP sequence numbers (-S).
	AbsoluteSeq bool
	// DateTime prints the date too (the legacy --tttt: the same as TimeFormat 4).
	DateTime bool
	// TimeFormat is tcpdump's -t count: 0 time of day, 1 (-t) no time stamp,
	// 2 (-tt) seconds since the epoch, 3 (-ttt) delta since the previous
	// packet, 4 (-tttt) date and time of day, 5 (-ttttt) delta since the
	// first packet. Times are UTC.
	TimeFormat int
	// Nano prints nanoseconds instead of microseconds
	// (--time-stamp-precision=nano).
	Nano bool
	// NoChecksum does not verify IP, TCP and UDP checksums (-K).
	NoChecksum bool
	// InterfaceColumn prints the interface name and the direction before
	// each packet, as tcpdump does for "-i any" (LINUX_SLL2) frames. Set it
	// when packets come from several interfaces; SLL2 frames always have
	// the column.
	InterfaceColumn bool
	// InterfaceName names the interface of an SLL2 frame's ifindex. Nil uses
	// the local system's interfaces (as tcpdump does); "?" when unknown.
	InterfaceName func(index int) string
}

// Printer writes one tcpdump-style line per packet with SMC CLC (and RoCE
// LLC/CDC) messages decoded inline. It keeps per-connection state for
// relative sequence numbers and CLC reassembly, so feed it every packet of a
// capture in order.
type Printer struct {
	// out is the text of the packet being printed, kept for the next
	// (PrintPacket); secText the time stamp text of the last second
	// printed (appendTimeStamp).
	out     []byte
	ifNames map[int]string // ifName's cache of the local interfaces' names
	secText struct {
		sec    int64
		layout string
		text   []byte
		ok     bool
	}
	// ipOptEnd: how the options of the IPv4 header ipPrefix printed last
	// ended (-v); a cut ends print-ip.c's decoding there
	ipOptEnd ipOptEnd
	// ckFrame: a copy of a frame with its source route's final
	// destination, for the transport checksums (ipFinalDst)
	ckFrame decode.Frame
	w       io.Writer
	opts    PrintOptions
	tracker *smcflow.Tracker
	f       decode.Frame
	// ext6Frame is the transport behind IPv6 extension headers
	// (ip6ExtLine).
	ext6Frame decode.Frame
	// inner are the frames inside tunnels (decode.Decapsulate), one per
	// tunnel header; depth of them are in use for the current packet.
	inner   [decode.MaxTunnelDepth]decode.Frame
	depth   int
	inICMP  bool          // printing the datagram an ICMP error quotes (innerIP)
	outer   decode.Tunnel // the current packet's outermost tunnel (depth > 0)
	clc     []string
	clcMsgs []smcproto.Message
	llc     []*smcproto.LLC
	clcErr  []string
	// the reference time stamp of -ttt and -ttttt (tcpdump's tv_ref)
	tvRef       timeval
	printed     int  // packets printed, for -#
	defaultDump bool // the packet is not decoded: dump it as tcpdump does
	dumpFrom    int  // with defaultDump: from this offset (0: after the link-level header)
	dumpTo      int  // with defaultDump and dumpFrom: up to this offset (0: the end)
	dumpAlways  bool // with defaultDump: a printer's ND_DEFAULTPRINT, which -x, -X and -q do not suppress
	// hdrLen is where -x, -X and -A start when the printer says so (an
	// 802.3 frame's LLC and SNAP headers), 0 otherwise.
	hdrLen int
	// dumpWhole: -x, -X and -A dump the link-level header too, as
	// tcpdump does when a nested printer ran out of captured bytes
	// (its header length is then never added up).
	dumpWhole bool
	// seqs are the relative sequence number bases per direction of a
	// connection, as tcpdump keeps them (print-tcp.c tcp_seq_hash).
	seqs map[seqKey]seqBase
}

type seqKey struct {
	src, dst     netip.Addr
	sport, dport uint16
}

type seqBase struct{ seq, ack uint32 }

// maxSeqConns bounds the relative sequence number table; when it is full it
// starts over (a connection then prints its next segment absolute once).
const maxSeqConns = 100000

// relativeSeq returns what to subtract from the sequence and the
// acknowledgment number, the way tcpdump does without -S: the first segment
// with ACK set of a connection, and every SYN-ACK (a new conversation on the
// same ports), is printed absolute and sets the bases of both directions;
// segments without ACK (the SYN) are printed absolute. sack is what SACK
// blocks are relative to: the acknowledgment base, already set on the
// segment that sets it (print-tcp.c's thack).
func (p *Printer) relativeSeq(f *decode.Frame) (seq, ack, sack uint32) {
	if p.opts.AbsoluteSeq || f.Flags&decode.TCPACK == 0 {
		return 0, 0, 0
	}
	k := seqKey{f.Src, f.Dst, f.SrcPort, f.DstPort}
	if b, ok := p.seqs[k]; ok && f.Flags&decode.TCPSYN == 0 {
		return b.seq, b.ack, b.ack
	}
	if p.seqs == nil || len(p.seqs) >= maxSeqConns {
		p.seqs = make(map[seqKey]seqBase)
	}
	p.seqs[k] = seqBase{f.Seq, f.Ack - 1}
	p.seqs[seqKey{f.Dst, f.Src, f.DstPort, f.SrcPort}] = seqBase{f.Ack - 1, f.Seq}
	return 0, 0, f.Ack - 1
}

// NewPrinter returns a Printer writing to w.
func NewPrinter(w io.Writer, opts PrintOptions) *Printer {
	if opts.Hex && opts.HexASCII == 0 {
		opts.HexASCII = 1
	}
	if opts.DateTime && opts.TimeFormat == 0 {
		opts.TimeFormat = 4
	}
	p := &Printer{w: w, opts: opts, tracker: smcflow.NewTracker()}
	p.tracker.All = false
	p.tracker.OnCLC = func(frame int, fromClient bool, m smcproto.Message) {
		p.clc = append(p.clc, smcflow.DescribeCLC(m))
		p.clcMsgs = append(p.clcMsgs, smcproto.Clone(m)) // m is the tracker's, valid during the call
	}
	p.tracker.OnCLCError = func(frame int, err error) {
		p.clcErr = append(p.clcErr, err.Error())
	}
	p.tracker.OnLLC(func(frame int, l *smcproto.LLC) {
		p.llc = append(p.llc, l)
	})
	return p
}

// timeval is a time stamp as tcpdump gets it from libpcap: a struct
// timeval of seconds and microseconds, or nanoseconds with --nano.
type timeval struct{ sec, frac int64 }

// tcpdumpTime is the packet's time stamp as tcpdump gets it. A pcap record's
// fields are taken as they are stored (signed, the fraction maybe a second
// or more), scaled as libpcap scales them.
func (p *Printer) tcpdumpTime(info *pcapfile.CaptureInfo) (sec, frac int64) {
	if r := info.PcapTS; r.Valid {
		sec, frac = int64(r.Sec), int64(r.Frac)
		switch {
		case r.Nano && !p.opts.Nano:
			frac /= 1000
		case !r.Nano && p.opts.Nano:
			frac *= 1000
		}
		return sec, frac
	}
	ts := info.Timestamp
	if p.opts.Nano {
		return ts.Unix(), int64(ts.Nanosecond())
	}
	// tcpdump reads microsecond time stamps: deltas are between those.
	return ts.Unix(), int64(ts.Nanosecond() / 1000)
}

// timeStamp formats the packet's time stamp as tcpdump's -t options do
// (util-print.c ts_print), followed by a space; "" for -t. The time of
// day and the deltas go through gmtime and strftime's %H:%M:%S (a delta
// of a day or more wraps), the fraction is printed as it is, and seconds
// with bit 31 set are "[Error converting time]".
//
// It appends to b, without allocating for the time of day and -tttt: the
// text of a second is kept for the packets of the same second (the printer
// formatted every time stamp with time.Format and fmt, a sixth of its CPU
// time on a capture of bulk TCP).
func (p *Printer) appendTimeStamp(b []byte, info *pcapfile.CaptureInfo) []byte {
	sec, frac := p.tcpdumpTime(info)
	fracs := func(b []byte, f int64) []byte {
		if p.opts.Nano {
			return appendPadded(append(b, '.'), uint64(uint32(f)), 9, 10)
		}
		return appendPadded(append(b, '.'), uint64(uint32(f)), 6, 10)
	}
	const errConv = "[Error converting time]"
	hms := func(b []byte, sec, frac int64, layout string) []byte {
		if uint32(sec)&0x80000000 != 0 {
			return append(b, errConv...)
		}
		if c := &p.secText; !c.ok || c.sec != sec || c.layout != layout {
			c.text = time.Unix(sec, 0).UTC().AppendFormat(c.text[:0], layout)
			c.sec, c.layout, c.ok = sec, layout, true
		}
		return fracs(append(b, p.secText.text...), frac)
	}
	switch p.opts.TimeFormat {
	case 1:
		return b
	case 2:
		if uint32(sec)&0x80000000 != 0 {
			return append(b, errConv+" "...)
		}
		return append(fracs(strconv.AppendUint(b, uint64(uint32(sec)), 10), frac), ' ')
	case 3, 5:
		// The reference is the first packet (-ttttt) or the previous
		// one (-ttt); a reference of 0.000000 counts as unset.
		ref := &p.tvRef
		if ref.sec == 0 && ref.frac == 0 {
			*ref = timeval{sec, frac}
		}
		sign := " "
		ds, df := sec-ref.sec, frac-ref.frac
		if sec < ref.sec || sec == ref.sec && frac < ref.frac {
			sign, ds, df = "-", -ds, -df
		}
		if df < 0 {
			ds--
			if p.opts.Nano {
				df += 1e9
			} else {
				df += 1e6
			}
		}
		if p.opts.TimeFormat == 3 {
			*ref = timeval{sec, frac}
		}
		return append(hms(append(b, sign...), ds, df, "15:04:05"), ' ')
	case 4:
		return append(hms(b, sec, frac, "2006-01-02 15:04:05"), ' ')
	}
	return append(hms(b, sec, frac, "15:04:05"), ' ')
}

// appendPadded appends v in base (10 or 16, lowercase), zero-padded to
// width digits (as fmt's %0*d and %0*x of an unsigned value).
func appendPadded(b []byte, v uint64, width, base int) []byte {
	var d [20]byte
	n := strconv.AppendUint(d[:0], v, base)
	for i := len(n); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, n...)
}

// appendAddrPort appends "address.port", as tcpdump -n prints an
// endpoint (fmt's "%s.%d" of the address and the port).
func appendAddrPort(b []byte, a netip.Addr, port uint16) []byte {
	if a.IsValid() {
		b = a.AppendTo(b)
	} else {
		b = append(b, a.String()...)
	}
	return strconv.AppendUint(append(b, '.'), uint64(port), 10)
}

// PrintPacket writes the line(s) for one packet.
func (p *Printer) PrintPacket(pkt *pcapfile.Packet) error {
	p.clc, p.clcMsgs, p.llc, p.clcErr = p.clc[:0], p.clcMsgs[:0], p.llc[:0], p.clcErr[:0]
	p.defaultDump, p.dumpFrom, p.dumpTo, p.dumpWhole, p.hdrLen, p.dumpAlways = false, 0, 0, false, 0, false
	p.depth = 0
	f := &p.f
	decode.Decode(pkt.LinkType, pkt.Data, f)
	line := p.describe(pkt, f)
	// Drop per-connection state of finished connections occasionally so a
	// long live capture stays bounded.
	p.tracker.Prune()
	if p.opts.JSON {
		return p.writeJSON(pkt, f, line)
	}
	// The text goes into a buffer kept from packet to packet.
	b := p.out[:0]
	p.printed++
	if p.opts.Number {
		// tcpdump numbers the packets it prints (after the filter).
		n := p.printed
		if p.opts.FrameNumbers {
			n = pkt.Frame
		}
		b = fmt.Appendf(b, "%5d  ", n)
	}
	b = p.appendTimeStamp(b, &pkt.Info)
	b = p.appendInterfaceColumn(b, pkt, f)
	if p.opts.LinkHeader {
		b = append(b, linkHeader(pkt, f, p.opts.Quiet)...)
	}
	b = append(b, sllInner(pkt, f, p.opts)...)
	b = append(b, line...)
	for _, s := range p.clc {
		b = append(b, " SMC: "...)
		b = append(b, s...)
	}
	for _, s := range p.clcErr {
		b = append(b, " SMC: [malformed CLC: "...)
		b = append(b, s...)
		b = append(b, ']')
	}
	for _, l := range p.llc {
		b = append(b, " SMC-R: "...)
		b = append(b, llcText(l)...)
	}
	b = append(b, '\n')
	if p.opts.Verbose > 0 {
		for _, m := range p.clcMsgs {
			b = append(b, clcDetail(m)...)
		}
	}
	// tcpdump's order: -X, else -x, else -A; a single letter leaves the
	// link-level header out.
	hdr := linkHeaderLen(pkt, f)
	if p.hdrLen > 0 {
		hdr = min(p.hdrLen, len(pkt.Data))
	}
	if p.dumpWhole {
		hdr = 0
	}
	dump := func(level int) []byte {
		if level > 1 {
			return pkt.Data
		}
		return pkt.Data[hdr:]
	}
	// An undecoded packet is dumped by the protocol printer (tcpdump's
	// default print) unless -x or -X dump it anyway.
	if p.defaultDump && (p.dumpAlways || p.opts.HexASCII == 0 && p.opts.HexOnly == 0) {
		if p.dumpFrom > 0 && p.dumpFrom <= len(pkt.Data) {
			end := len(pkt.Data)
			if p.dumpTo > p.dumpFrom && p.dumpTo < end {
				end = p.dumpTo
			}
			b = appendHexDump(b, pkt.Data[p.dumpFrom:end], true)
		} else {
			b = appendHexDump(b, dump(1), true)
		}
	}
	switch {
	case p.opts.HexASCII > 0:
		b = appendHexDump(b, dump(p.opts.HexASCII), true)
	case p.opts.HexOnly > 0:
		b = appendHexDump(b, dump(p.opts.HexOnly), false)
	case p.opts.ASCII > 0 && len(dump(p.opts.ASCII)) > 0: // print.c: only when caplen > hdrlen
		b = append(b, asciiDump(dump(p.opts.ASCII))...)
	}
	if cap(b) <= maxKeptLine {
		p.out = b
	}
	_, err := p.w.Write(b)
	return err
}

// maxKeptLine bounds the output buffer the printer keeps between packets
// (a hex dump of a jumbo frame is larger; its buffer is dropped).
const maxKeptLine = 64 << 10

// linkHeaderLen is the length of the link-level header (with VLAN tags)
// that tcpdump's -x, -X and -A leave out.
func linkHeaderLen(pkt *pcapfile.Packet, f *decode.Frame) int {
	n := f.L2Len
	if n == 0 && f.EtherType != 0 {
		switch pkt.LinkType {
		case pcapfile.LinkTypeEthernet:
			n = 14
		case pcapfile.LinkTypeLinuxSLL:
			n = 16
		case pcapfile.LinkTypeLinuxSLL2:
			n = 20
		}
	}
	if n > len(pkt.Data) {
		n = len(pkt.Data)
	}
	return n
}

// interfaceColumn is tcpdump 4.99's "ifname direction" column of "-i any"
// (LINUX_SLL2) packets, also used for packets of several interfaces.
// It appends to b.
func (p *Printer) appendInterfaceColumn(b []byte, pkt *pcapfile.Packet, f *decode.Frame) []byte {
	if pkt.LinkType == pcapfile.LinkTypeLinuxSLL2 && len(pkt.Data) >= 20 {
		name := p.ifName(int(binary.BigEndian.Uint32(pkt.Data[4:])))
		return appendColumns(b, name, sllDir(int(pkt.Data[10])))
	}
	if !p.opts.InterfaceColumn {
		return b
	}
	name := pkt.Interface
	if name == "" {
		name = "?"
	}
	dir := "?"
	switch {
	case pkt.Direction == pcapfile.DirectionOut || pkt.Direction >= pcapfile.DirectionInHost:
		// The reception type is known (a live capture's sll_pkttype, or
		// epb_flags bits 2-4).
		dir = pkt.Direction.String()
	case f.SLLPkt >= 0:
		dir = sllDir(f.SLLPkt)
	case pkt.Direction == pcapfile.DirectionIn && f.HasMAC && f.DstMAC == [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}:
		dir = "B"
	case pkt.Direction == pcapfile.DirectionIn && f.HasMAC && f.DstMAC[0]&1 != 0:
		dir = "M"
	case pkt.Direction == pcapfile.DirectionIn:
		dir = "In"
	}
	return appendColumns(b, name, dir)
}

// appendColumns appends name and dir as fmt's "%-5s %-3s " (padded to 5
// and 3 bytes).
func appendColumns(b []byte, name, dir string) []byte {
	b = append(b, name...)
	for i := len(name); i < 5; i++ {
		b = append(b, ' ')
	}
	b = append(append(b, ' '), dir...)
	for i := len(dir); i < 3; i++ {
		b = append(b, ' ')
	}
	return append(b, ' ')
}

// ifName names the interface of index, "?" when unknown. The names of
// the local system's interfaces are looked up once per index (at most
// maxIfNames of them): net.InterfaceByIndex reads the whole interface
// table from the kernel, and an SLL2 capture ("-i any") asks for every
// packet (6 times tcpdump's CPU, which asks the kernel for one name).
func (p *Printer) ifName(index int) string {
	if p.opts.InterfaceName != nil {
		if n := p.opts.InterfaceName(index); n != "" {
			return n
		}
		return "?"
	}
	if n, ok := p.ifNames[index]; ok {
		return n
	}
	name := "?"
	if ifc, err := interfaceByIndex(index); err == nil && ifc.Name != "" {
		name = ifc.Name
	}
	if p.ifNames == nil || len(p.ifNames) >= maxIfNames {
		p.ifNames = make(map[int]string)
	}
	p.ifNames[index] = name
	return name
}

// interfaceByIndex is net.InterfaceByIndex (a variable for tests).
var interfaceByIndex = net.InterfaceByIndex

// maxIfNames bounds Printer.ifNames (a crafted capture may name any
// number of indexes): when full it starts over.
const maxIfNames = 1024

// linkHeader is the -e text, as tcpdump prints it (print-ether.c,
// print-sll.c).
func linkHeader(pkt *pcapfile.Packet, f *decode.Frame, quiet bool) string {
	var b strings.Builder
	outer := linkEtherType(f)
	if f.NVLAN > 0 {
		outer = f.VLANTPID[0]
	}
	switch {
	case pkt.LinkType == pcapfile.LinkTypeEthernet && f.HasMAC && f.Status == decode.StatusTruncated && f.Reason == "VLAN tag":
		// print-ether.c: the tags there are, then " [|vlan]"
		fmt.Fprintf(&b, "%s > %s, ", smcflow.MACString(f.SrcMAC), smcflow.MACString(f.DstMAC))
		if f.NVLAN == 0 {
			return b.String()
		}
		if !quiet {
			fmt.Fprintf(&b, "ethertype %s (0x%04x), length %d: ", etherName(f.VLANTPID[0]), f.VLANTPID[0], pkt.Info.Length)
		} else {
			fmt.Fprintf(&b, "%s, length %d: ", etherName(f.VLANTPID[0]), pkt.Info.Length)
		}
		for i := 0; i < f.NVLAN; i++ {
			tci := f.VLANTCI[i]
			fmt.Fprintf(&b, "vlan %d, p %d, ", tci&0x0fff, tci>>13)
			if tci&0x1000 != 0 {
				b.WriteString("DEI, ")
			}
			if i+1 < f.NVLAN {
				fmt.Fprintf(&b, "ethertype %s (0x%04x), ", etherName(f.VLANTPID[i+1]), f.VLANTPID[i+1])
			}
		}
		return b.String()
	case pkt.LinkType == pcapfile.LinkTypeEthernet && f.HasMAC:
		var t [40]byte
		a := smcflow.AppendMAC(t[:0], f.SrcMAC)
		a = smcflow.AppendMAC(append(a, " > "...), f.DstMAC)
		b.Write(append(a, ", "...))
	case pkt.LinkType == pcapfile.LinkTypeLinuxSLL && len(pkt.Data) >= 16:
		fmt.Fprintf(&b, "%3s ", sllDir(f.SLLPkt))
		if f.HasMAC {
			b.WriteString(smcflow.MACString(f.SrcMAC) + " ")
		}
		return b.String() + sllTypeText(binary.BigEndian.Uint16(pkt.Data[14:]), pkt.Info.Length, quiet)
	case pkt.LinkType == pcapfile.LinkTypeLinuxSLL2 && len(pkt.Data) >= 20:
		fmt.Fprintf(&b, "ifindex %d ", binary.BigEndian.Uint32(pkt.Data[4:]))
		if f.HasMAC {
			b.WriteString(smcflow.MACString(f.SrcMAC) + " ")
		}
		return b.String() + sllTypeText(binary.BigEndian.Uint16(pkt.Data[0:]), pkt.Info.Length, quiet)
	case pkt.LinkType == pcapfile.LinkTypeEthernet || pkt.LinkType == pcapfile.LinkTypeLinuxSLL || pkt.LinkType == pcapfile.LinkTypeLinuxSLL2:
		return ""
	case pkt.LinkType == pcapfile.LinkTypeRaw || pkt.LinkType == 12 || pkt.LinkType == 14 || pkt.LinkType == pcapfile.LinkTypeIPv4 || pkt.LinkType == pcapfile.LinkTypeIPv6:
		return "ip: " // print-raw.c (LINKTYPE_IPV6 too)
	case (pkt.LinkType == pcapfile.LinkTypeNull || pkt.LinkType == pcapfile.LinkTypeLoop) && len(pkt.Data) >= 4:
		// print-null.c
		af := binary.LittleEndian.Uint32(pkt.Data)
		if pkt.LinkType == pcapfile.LinkTypeLoop || af > 0xffff {
			af = binary.BigEndian.Uint32(pkt.Data)
		}
		// af.c bsd_af_values
		name := map[uint32]string{2: "IPv4", 6: "NS", 7: "ISO", 16: "Appletalk", 23: "IPX", 24: "IPv6", 28: "IPv6", 30: "IPv6"}[af]
		if quiet {
			if name == "" {
				name = fmt.Sprintf("Unknown AF %d", af)
			}
			return fmt.Sprintf("%s, length %d: ", name, pkt.Info.Length)
		}
		if name == "" {
			name = "Unknown"
		}
		return fmt.Sprintf("AF %s (%d), length %d: ", name, af, pkt.Info.Length)
	default:
		return "" // no link-level header to show (raw IP, loopback)
	}
	switch {
	case f.LLCOff > 0 && f.NVLAN == 0:
		return b.String() + llcHeaderText(pkt, f)
	case quiet && pkt.LinkType == pcapfile.LinkTypeEthernet:
		// print-ether.c with -q: the type's name only.
		if n := etherName(outer); n != "Unknown" {
			fmt.Fprintf(&b, "%s, length %d: ", n, pkt.Info.Length)
		} else {
			fmt.Fprintf(&b, "Unknown Ethertype (0x%04x), length %d: ", outer, pkt.Info.Length)
		}
	case quiet:
		// print-sll.c with -q: no type and length.
	default:
		var t [48]byte
		a := append(append(t[:0], "ethertype "...), etherName(outer)...)
		a = appendPadded(append(a, " (0x"...), uint64(outer), 4, 16)
		a = strconv.AppendInt(append(a, "), length "...), int64(pkt.Info.Length), 10)
		b.Write(append(a, ": "...))
	}
	for i := 0; i < f.NVLAN; i++ {
		tci := f.VLANTCI[i]
		fmt.Fprintf(&b, "vlan %d, p %d", tci&0x0fff, tci>>13)
		if tci&0x1000 != 0 {
			b.WriteString(", DEI")
		}
		next := linkEtherType(f)
		if i+1 < f.NVLAN {
			next = f.VLANTPID[i+1]
		} else if f.LLCOff > 0 {
			b.WriteString(", " + llcHeaderText(pkt, f))
			break
		}
		if quiet {
			if n := etherName(next); n != "Unknown" {
				fmt.Fprintf(&b, ", %s, ", n)
			} else {
				fmt.Fprintf(&b, ", Unknown Ethertype (0x%04x), ", next)
			}
		} else {
			fmt.Fprintf(&b, ", ethertype %s (0x%04x), ", etherName(next), next)
		}
	}
	return b.String()
}

// ipxCut is print-ipx.c's line of a packet shorter than an IPX header
// (its longjmp: -x dumps the whole frame).
func (p *Printer) ipxCut() string {
	p.cutShort()
	if p.opts.LinkHeader {
		return " [|ipx]"
	}
	return "IPX  [|ipx]"
}

// sllTypeText is what print-sll.c's sll_print and sll2_print print of
// the protocol after the addresses (nothing with -q).
func sllTypeText(et uint16, length int, quiet bool) string {
	switch {
	case quiet:
		return ""
	case et == 0x0001:
		return fmt.Sprintf("802.3, length %d: ", length)
	case et == 0x0004:
		return fmt.Sprintf("802.2, length %d: ", length)
	case et <= 1500:
		return fmt.Sprintf("ethertype Unknown (0x%04x), length %d: ", et, length)
	}
	return fmt.Sprintf("ethertype %s (0x%04x), length %d: ", etherName(et), et, length)
}

// sllInner is what print-sll.c prints between a Linux cooked capture's
// header and its protocol: each VLAN tag (its TCI with -e) and the type
// behind it (not with -q; a length there is 802.2), then with -e the
// LLC header of an 802.2 frame. Empty for other link types.
func sllInner(pkt *pcapfile.Packet, f *decode.Frame, o PrintOptions) string {
	if pkt.LinkType != pcapfile.LinkTypeLinuxSLL && pkt.LinkType != pcapfile.LinkTypeLinuxSLL2 || f.L2Len == 0 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < f.NVLAN; i++ {
		tci := f.VLANTCI[i]
		if o.LinkHeader {
			fmt.Fprintf(&b, "vlan %d, p %d, ", tci&0x0fff, tci>>13)
			if tci&0x1000 != 0 {
				b.WriteString("DEI, ")
			}
		}
		next := linkEtherType(f)
		if i+1 < f.NVLAN {
			next = f.VLANTPID[i+1]
		} else if f.LLCOff > 0 || next <= 1500 {
			next = 0x0004
		}
		if !o.Quiet {
			fmt.Fprintf(&b, "ethertype %s, ", etherName(next))
		}
	}
	if o.LinkHeader && f.LLCOff > 0 {
		bb, length := llcView(pkt, f)
		b.WriteString(llcLinkText(bb, length))
	}
	return b.String()
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

// etherName is tcpdump's name of an ethertype (print-ether.c
// ethertype_values).
func etherName(et uint16) string {
	if n, ok := etherNames[et]; ok {
		return n
	}
	return "Unknown"
}

var etherNames = map[uint16]string{
	0x0800: "IPv4", 0x8847: "MPLS unicast", 0x8848: "MPLS multicast", 0x86DD: "IPv6",
	0x8100: "802.1Q", 0x9100: "802.1Q-9100", 0x88A8: "802.1Q-QinQ", 0x9200: "802.1Q-9200",
	0x88e5: "802.1AE MACsec", 0x0200: "PUP", 0x0806: "ARP", 0x8035: "Reverse ARP",
	0x0600: "NS", 0x0500: "Sprite", 0x1000: "Trail", 0x6001: "MOP DL", 0x6002: "MOP RC",
	0x6003: "DN", 0x6004: "LAT", 0x6007: "SCA", 0x6558: "TEB", 0x8038: "Lanbridge",
	0x803c: "DEC DNS", 0x803e: "DEC DTS", 0x805b: "VEXP", 0x805c: "VPROD",
	0x809b: "Appletalk", 0x80f3: "Appletalk ARP", 0x8137: "IPX", 0x880b: "PPP",
	0x8808: "MPCP", 0x8809: "Slow Protocols", 0x8863: "PPPoE D", 0x8864: "PPPoE S",
	0x888e: "EAPOL", 0x8899: "Realtek protocols", 0x886f: "MS NLB heartbeat",
	0x8870: "Jumbo", 0x894F: "NSH", 0x9000: "Loopback", 0xfefe: "OSI", 0x00FE: "GRE-OSI",
	0xabcd: "CFM (old)", 0x8902: "CFM", 0x893a: "IEEE1905.1", 0x88CC: "LLDP",
	0x88ca: "TIPC", 0x0707: "GeoNet (old)", 0x8947: "GeoNet", 0x1111: "CALM FAST",
	0x88a2: "AoE", 0x88f7: "PTP", 0xd28b: "Arista Vendor Specific Protocol",
}

func ipPort(a netip.Addr, port uint16) string {
	var b [64]byte
	return string(appendAddrPort(b[:0], a, port))
}

// describe builds the protocol part of the line and feeds the tracker.
func (p *Printer) describe(pkt *pcapfile.Packet, f *decode.Frame) string {
	if f.LLCOff > 0 && (f.Reason == "LLC header" || f.Reason == "SNAP header" || f.Reason == "802.3/LLC frame") {
		return p.llcDescribe(pkt, f)
	}
	if line, ok := p.ip6ExtLine(pkt, f); ok {
		return line
	}
	switch f.Status {
	case decode.StatusUnsupported:
		if f.EtherType == 0x8915 && f.L2Len > 0 && f.L2Len <= len(pkt.Data) {
			if b, ok := smcflow.RoCEV1Payload(pkt.Data[f.L2Len:]); ok {
				h, _, _ := p.tracker.HandleRoCE(netip.Addr{}, b, len(b), pkt.Frame, pkt.Info.Timestamp)
				return fmt.Sprintf("RoCEv1 %s qp %#06x psn %d, length %d", opName(h.Opcode), h.DestQP, h.PSN, pkt.Info.Length)
			}
		}
		if f.EtherType == 0x0806 || f.EtherType == 0x8035 { // print-ether.c: ARP and RARP
			n := pkt.Info.Length - linkHeaderLen(pkt, f)
			data := pkt.Data[min(f.L2Len, len(pkt.Data)):]
			if f.LLCOff > 0 { // behind LLC/SNAP: up to the 802.3 length
				b, length := llcView(pkt, f)
				hl := f.L2Len - f.LLCOff
				data, n = b[min(hl, len(b)):], length-hl
			}
			if f.L2Len <= len(pkt.Data) {
				if s, dump, ok := arpText(data, n, p.opts.Verbose > 0, p.opts.LinkHeader); ok {
					if s == " [|arp]" {
						p.cutShort() // -x dumps the whole frame, as tcpdump's longjmp
					}
					if dump && len(data) > 0 {
						p.defaultDump, p.dumpAlways = true, true
						p.dumpFrom = f.L2Len
						p.dumpTo = p.dumpFrom + len(data)
					}
					return s
				}
			}
			return fmt.Sprintf("ARP, length %d", n)
		}
		if s, ok := p.shimUnsupported(pkt, f); ok {
			return s
		}
		if s, ok := p.l2ctlLine(pkt, f); ok { // printer_l2ctl.go: LLDP, LACP, PTP
			return s
		}
		if f.EtherType == 0x0001 && f.LLCOff == 0 && f.NVLAN == 0 && (pkt.LinkType == pcapfile.LinkTypeLinuxSLL || pkt.LinkType == pcapfile.LinkTypeLinuxSLL2) && len(pkt.Data)-f.L2Len < 30 {
			return p.ipxCut() // print-ipx.c: Novell 802.3
		}
		if f.Reason == "loopback address family" && len(pkt.Data) >= 4 {
			// print-null.c: an unknown AF_ value prints the header
			// (with -e already), then the rest in hex (not with -x,
			// -X or -q)
			af := binary.LittleEndian.Uint32(pkt.Data)
			if (af == 23 || af == 23<<24) && len(pkt.Data) < 4+30 {
				return p.ipxCut() // print-ipx.c
			}
			if af != 7 && af != 16 && af != 23 && af != 7<<24 && af != 16<<24 && af != 23<<24 {
				p.defaultDump, p.dumpFrom, p.hdrLen = !p.opts.Quiet, 4, 4
				if p.opts.LinkHeader {
					return ""
				}
				return linkHeader(pkt, f, p.opts.Quiet)
			}
		}
		if f.EtherType <= 1500 && f.EtherType != 0x0001 && f.LLCOff == 0 && (pkt.LinkType == pcapfile.LinkTypeLinuxSLL || pkt.LinkType == pcapfile.LinkTypeLinuxSLL2) {
			// print-sll.c: a packet type it does not know, in hex
			// (not with -x, -X or -q)
			p.defaultDump = !p.opts.Quiet
			return ""
		}
		if f.EtherType > 1500 && (pkt.LinkType == pcapfile.LinkTypeEthernet || pkt.LinkType == pcapfile.LinkTypeLinuxSLL || pkt.LinkType == pcapfile.LinkTypeLinuxSLL2) {
			// tcpdump: the link-level header, then the payload in hex
			// and ASCII (unless -x, -X or -A dump it anyway).
			p.defaultDump = !p.opts.Quiet
			if p.opts.LinkHeader {
				return ""
			}
			if f.NVLAN > 0 && pkt.LinkType == pcapfile.LinkTypeEthernet {
				// print-ether.c: the addresses and the final type only
				g := *f
				g.NVLAN = 0
				return linkHeader(pkt, &g, p.opts.Quiet)
			}
			return linkHeader(pkt, f, p.opts.Quiet)
		}
		if f.EtherType != 0 {
			return fmt.Sprintf("ethertype 0x%04x, length %d", f.EtherType, pkt.Info.Length)
		}
		return fmt.Sprintf("[%s not decoded], length %d", f.Reason, pkt.Info.Length)
	case decode.StatusTruncated:
		if f.IPVer == 0 && pkt.LinkType == pcapfile.LinkTypeEthernet && f.Reason == "ethernet header" {
			// print-ether.c: fewer than 14 bytes, all of them the
			// link-level header (-x dumps nothing, -xx all)
			if p.depth == 0 { // not a frame inside a tunnel
				p.hdrLen = len(pkt.Data)
			}
			return " [|ether]"
		}
		if f.IPVer == 0 && f.Reason == "VLAN tag" {
			// print-ether.c, print-sll.c: a tag cut short, all of the
			// frame the link-level header (-x dumps nothing)
			if p.depth == 0 { // not a frame inside a tunnel
				p.hdrLen = len(pkt.Data)
			}
			return " [|vlan]"
		}
		if f.IPVer == 0 {
			if s, ok := p.shimCut(pkt, f); ok {
				return s
			}
			return fmt.Sprintf("%s[|%s], length %d", p.shimPrefix(pkt, f), f.Reason, pkt.Info.Length)
		}
	case decode.StatusMalformed:
		if s, ok := p.badIP(pkt, f); ok {
			return s
		}
		if f.Reason == "raw IP version" && len(pkt.Data) > 0 {
			// print-ip.c ipN_print: neither 4 nor 6 in the first nibble
			return fmt.Sprintf("unknown ip %d", pkt.Data[0]>>4)
		}
		if f.Reason == "UDP header" && len(f.L4) >= 4 && f.Src.IsValid() {
			// print-udp.c: an IP payload shorter than a UDP header
			// (as the datagram an ICMP error quotes, cut to its
			// total length)
			return fmt.Sprintf("%s%s > %s: truncated-udp %d", p.shimPrefix(pkt, f)+p.ipPrefix(pkt, f),
				ipPort(f.Src, binary.BigEndian.Uint16(f.L4)), ipPort(f.Dst, binary.BigEndian.Uint16(f.L4[2:])), f.L4WireLen)
		}
		return fmt.Sprintf("%s[invalid %s], length %d", p.shimPrefix(pkt, f), f.Reason, pkt.Info.Length)
	}
	if f.IPVer == 4 && f.NetOff+20 <= len(pkt.Data) && ipAvail(pkt, f) < 20 {
		// print-ip.c: fewer bytes than a header where PPPoE's length
		// field ends the packet
		return fmt.Sprintf("%s%struncated-ip %d", p.shimPrefix(pkt, f), ipWord(p.opts.LinkHeader), ipAvail(pkt, f))
	}
	if f.IPVer == 4 && f.NetOff+20 <= len(pkt.Data) && binary.BigEndian.Uint16(pkt.Data[f.NetOff+2:]) == 0 {
		// A total length of 0 (what TSO and BIG TCP captures carry on
		// the sending host): the analysis takes the frame's length,
		// tcpdump 4.99 says bad-len.
		return p.shimPrefix(pkt, f) + ipWord(p.opts.LinkHeader) + "bad-len 0"
	}
	p.ipOptEnd = ipOptsDone
	ipv := p.shimPrefix(pkt, f) + p.ipPrefix(pkt, f)
	switch p.ipOptEnd {
	case ipOptsCut: // print-ip.c: " [truncated-option]", then the addresses and its truncation mark
		return fmt.Sprintf("%s%s > %s:  [|ip]", ipv, f.Src, f.Dst)
	case ipOptsJump:
		p.cutShort()
		return ipv
	}
	if f.Status == decode.StatusTruncated && f.NetOff >= len(pkt.Data) && f.NetOff > 0 {
		// Not one byte of IP behind the link header, PPPoE or MPLS: tcpdump's IPv4 printer
		// fails on the version before it prints "IP" (a longjmp), its
		// IPv6 printer checks the header's length first.
		if f.IPVer == 6 {
			return p.shimPrefix(pkt, f) + " [|ip6]"
		}
		p.cutShort()
		return p.shimPrefix(pkt, f) + " [|ip]"
	}
	if f.Status == decode.StatusTruncated && f.Reason == "IPv4 options" {
		if line, ok := p.ipv4OptionsCut(pkt, f); ok {
			return line
		}
	}
	if f.Status == decode.StatusTruncated && !f.Src.IsValid() {
		// The IP header itself is cut: tcpdump prints "IP  [|ip]";
		// print-ip6.c checks the header before it prints "IP6".
		if f.IPVer == 6 {
			return p.shimPrefix(pkt, f) + " [|ip6]"
		}
		return ipv + " [|ip]"
	}
	if f.Status == decode.StatusTruncated && f.Reason != "TCP options" { // cut options: print-tcp.c prints what it has
		if t, ok := cutTransport(f, ipv); ok {
			return t
		}
		return fmt.Sprintf("%s%s > %s: [|%s]", ipv, f.Src, f.Dst, f.Reason)
	}
	if f.Fragment && f.FragOff != 0 {
		// tcpdump 4.99 (print-ip.c): no transport header, only the
		// protocol; -v shows the id, offset and flags.
		return fmt.Sprintf("%s%s > %s: ip-proto-%d", ipv, f.Src, f.Dst, f.Proto)
	}
	src, dst := ipPort(f.Src, f.SrcPort), ipPort(f.Dst, f.DstPort)
	var at string // only the protocols other than TCP and UDP print it
	if f.Proto != decode.ProtoTCP && f.Proto != decode.ProtoUDP {
		at = fmt.Sprintf("%s%s > %s: ", ipv, f.Src, f.Dst)
	}
	return p.transportLine(pkt, f, ipv, src, dst, at)
}

// transportLine is the rest of the line of the IP packet f from its
// transport on: TCP and UDP follow ipv and the endpoints src and dst
// (addresses and ports, or the ports only behind IPv6 extension headers,
// as print-tcp.c and print-udp.c print them), the other protocols follow
// at (ipv and the addresses, or what the extension headers printed).
func (p *Printer) transportLine(pkt *pcapfile.Packet, f *decode.Frame, ipv, src, dst, at string) string {
	switch f.Proto {
	case decode.ProtoTCP:
		if !p.inICMP { // a segment quoted by an ICMP error is not traffic
			p.tracker.HandleTCP(f, pkt.Frame, pkt.Info.Timestamp)
		}
		ck := p.tcpChecksum(p.checksumFrame(pkt, f))
		seqBase, ackBase, sackBase := p.relativeSeq(f)
		line, jump := tcpLine(ipv, src, dst, f, seqBase, ackBase, sackBase, p.opts, ck)
		if jump {
			p.cutShort() // -x dumps the whole frame, as tcpdump's longjmp
		}
		return line
	case decode.ProtoUDP:
		if f.UDPLen < 8 && !(f.UDPLen == 0 && (f.L4WireLen > 65535 || ip6Jumbo(ipHeader(pkt, f)))) {
			// print-udp.c: a length field shorter than the header
			return fmt.Sprintf("%s%s > %s: truncated-udplength %d", ipv, src, dst, f.UDPLen)
		}
		ck := p.udpChecksum(p.checksumFrame(pkt, f))
		if f.DstPort == smcflow.RoCEV2Port && !p.inICMP {
			h, _, ok := p.tracker.HandleRoCE(f.Dst, f.Payload, f.PayloadLen, pkt.Frame, pkt.Info.Timestamp)
			if ok {
				return fmt.Sprintf("%s%s > %s: %sRoCEv2 %s qp %#06x psn %d, length %d", ipv, src, dst, ck, opName(h.Opcode), h.DestQP, h.PSN, f.PayloadLen)
			}
		}
		if !p.opts.Quiet { // tcpdump -q does not look into UDP payloads
			if rfc3948Port(f.SrcPort, f.DstPort) && len(f.L4) >= 8 {
				t, jump := rfc3948Text(f.L4[8:], f.PayloadLen, p.opts.Verbose)
				if jump {
					p.cutShort() // -x dumps the whole frame, as tcpdump's longjmp
				}
				return fmt.Sprintf("%s%s > %s: %s%s", ipv, src, dst, ck, t)
			}
			if t, ok := p.tunnel(pkt, f); ok {
				return fmt.Sprintf("%s%s > %s: %s%s", ipv, src, dst, ck, t)
			}
			if t, ok := p.tunnelCut(f); ok {
				return fmt.Sprintf("%s%s > %s: %s%s", ipv, src, dst, ck, t)
			}
			if t, ok := p.ptpUDP(f); ok { // printer_l2ctl.go
				return fmt.Sprintf("%s%s > %s: %s%s", ipv, src, dst, ck, t)
			}
		}
		n := f.PayloadLen
		if f.Fragment && f.UDPLen >= 8 {
			n = f.UDPLen - 8 // the first fragment: the datagram's length, as tcpdump
		}
		if !f.Fragment && f.UDPLen > f.L4WireLen {
			// the length field says more than the IP packet holds
			return fmt.Sprintf("%s%s > %s: %sUDP, bad length %d > %d", ipv, src, dst, ck, f.UDPLen-8, f.L4WireLen-8)
		}
		var buf [160]byte
		b := buf[:0]
		b = append(append(append(append(append(b, ipv...), src...), " > "...), dst...), ": "...)
		b = strconv.AppendInt(append(append(b, ck...), "UDP, length "...), int64(n), 10)
		return string(b)
	case decode.ProtoICMP:
		if f.IPVer != 4 { // print-ip-demux.c
			return at + "[ICMP requires IPv4] (invalid)"
		}
		if t, ok := p.icmpText(pkt, f); ok {
			return at + t
		}
		return fmt.Sprintf("%sICMP, length %d", at, f.L4WireLen)
	case decode.ProtoIGMP: // print-ip-demux.c: IPv4 only
		if f.IPVer != 4 {
			return at + "[IGMP requires IPv4] (invalid)"
		}
		if t, ok := p.igmpText(f); ok {
			return at + t
		}
	case decode.ProtoICMPv6:
		if f.IPVer != 6 {
			return at + "[ICMPv6 requires IPv6] (invalid)"
		}
		// the checksum is summed to a routing header's final
		// destination (print-ip6.c nextproto6_cksum)
		if t, ok := p.icmp6Text(p.checksumFrame(pkt, f)); ok {
			return at + t
		}
		return fmt.Sprintf("%sICMP6, length %d", at, f.L4WireLen)
	case decode.ProtoPIM:
		return at + p.pimText(pkt, p.checksumFrame(pkt, f))
	case protoESP:
		return at + espText(f.L4, f.L4WireLen)
	case protoAH: // behind IPv6 extension headers ipDemux walks them
		if f.IPVer == 4 {
			return p.ipv4AH(pkt, f, at)
		}
	case decode.ProtoSCTP: // print-sctp.c prints the addresses with the ports
		return ipv + sctpText(f.Src, f.Dst, f.L4, f.L4WireLen, p.opts)
	}
	if t, ok := p.tunnel(pkt, f); ok {
		return at + t
	}
	if f.Proto == 47 {
		if t, ok := p.greText(pkt, f); ok {
			return at + t
		}
	}
	// tcpdump 4.99 prints two spaces before an unknown protocol.
	return fmt.Sprintf("%s ip-proto-%d %d", at, f.Proto, f.L4WireLen)
}

// ipAvail is the length the IP printer is given: what the frame holds
// from the network header on, or behind PPPoE what its length field
// leaves (print-pppoe.c hands PPP that length, at most what the frame
// holds).
func ipAvail(pkt *pcapfile.Packet, f *decode.Frame) int {
	if f.HasPPPoE {
		pl := min(f.PPPoELen, pkt.Info.Length-(f.L2Len+6))
		return pl - (f.NetOff - (f.L2Len + 6))
	}
	return pkt.Info.Length - f.NetOff
}

// ip6Jumbo reports whether h is an IPv6 header with payload length 0 (a
// jumbogram, or a BIG TCP capture).
func ip6Jumbo(h []byte) bool { return len(h) >= 6 && h[0]>>4 == 6 && h[4] == 0 && h[5] == 0 }

// ipWord is "IP " as print-ip.c prints it before the header: not with -e.
func ipWord(linkHeader bool) string {
	if linkHeader {
		return ""
	}
	return "IP "
}

// badIP is tcpdump's text for an IPv4 packet or TCP segment whose header
// is impossible (print-ip.c, print-tcp.c): a version other than 4, a
// header length below 20 bytes, a total length below the header's, a TCP
// data offset below 5 words.
func (p *Printer) badIP(pkt *pcapfile.Packet, f *decode.Frame) (string, bool) {
	if f.NetOff >= len(pkt.Data) {
		return "", false
	}
	ip := pkt.Data[f.NetOff:]
	shim := p.shimPrefix(pkt, f)
	switch f.Reason {
	case "IPv4 version":
		if v := ip[0] >> 4; v == 6 {
			return shim + "IP6, wrong link-layer encapsulation (invalid)", true
		} else {
			return fmt.Sprintf("%sIP%d (invalid)", shim, v), true
		}
	case "IPv4 header length":
		if n := ipAvail(pkt, f); n < 20 {
			return fmt.Sprintf("%s%struncated-ip %d", shim, ipWord(p.opts.LinkHeader), n), true
		}
		return fmt.Sprintf("%s%sbad-hlen %d", shim, ipWord(p.opts.LinkHeader), int(ip[0]&0x0f)*4), true
	case "IPv4 total length":
		if len(ip) < 4 {
			return "", false
		}
		if n := ipAvail(pkt, f); n < 20 {
			return fmt.Sprintf("%s%struncated-ip %d", shim, ipWord(p.opts.LinkHeader), n), true
		}
		return fmt.Sprintf("%s%sbad-len %d", shim, ipWord(p.opts.LinkHeader), binary.BigEndian.Uint16(ip[2:])), true
	case "TCP data offset":
		if len(f.L4) < 13 || !f.Src.IsValid() || f.IPVer == 6 && f.Fragment {
			return "", false // an IPv6 first fragment: tcpdump names the fragment first
		}
		addrs := fmt.Sprintf("%s%s > %s: ", shim+p.ipPrefix(pkt, f), ipPort(f.Src, binary.BigEndian.Uint16(f.L4)), ipPort(f.Dst, binary.BigEndian.Uint16(f.L4[2:])))
		return p.tcpBadOffset(addrs, f)
	}
	return "", false
}

// tcpBadOffset is print-tcp.c's text for a TCP segment f (13 bytes of its
// header captured at least) whose data offset is below 5 words or beyond
// the segment, after addrs (the endpoints and ": ").
func (p *Printer) tcpBadOffset(addrs string, f *decode.Frame) (string, bool) {
	hlen := int(f.L4[12]>>4) * 4
	if hlen < 20 {
		return fmt.Sprintf("%s tcp %d [bad hdr length %d - too short, < 20]", addrs, f.L4WireLen-hlen, hlen), true
	}
	// longer than the segment: tcpdump prints the flags first (the
	// length without them with -q, as an unsigned difference), and
	// an ACK still sets the relative sequence bases
	if len(f.L4) < 20 {
		return "", false
	}
	if p.opts.Quiet {
		return fmt.Sprintf("%stcp %d [bad hdr length %d - too long, > %d]", addrs, uint32(f.L4WireLen-hlen), hlen, f.L4WireLen), true
	}
	p.relativeSeq(f)
	return fmt.Sprintf("%sFlags [%s] [bad hdr length %d - too long, > %d]", addrs, tcpFlags(f.Flags), hlen, f.L4WireLen), true
}

// cutTransport is tcpdump's line for a TCP or UDP header cut by the
// snaplen (print-tcp.c, print-udp.c: the ports when their four bytes were
// captured, then " [|tcp]" or " [|udp]"), as in the datagram an ICMP
// error quotes (a router quotes 8 bytes of it, RFC 792). Those printers
// return normally there, so -x dumps the IP packet as usual.
func cutTransport(f *decode.Frame, ipv string) (string, bool) {
	if f.Fragment || (f.Reason != "TCP header" && f.Reason != "UDP header") {
		return "", false
	}
	addrs := fmt.Sprintf("%s%s > %s:", ipv, f.Src, f.Dst)
	if len(f.L4) >= 4 {
		sp, dp := binary.BigEndian.Uint16(f.L4), binary.BigEndian.Uint16(f.L4[2:])
		addrs = fmt.Sprintf("%s%s > %s: ", ipv, ipPort(f.Src, sp), ipPort(f.Dst, dp))
	} else if f.Proto == decode.ProtoUDP {
		addrs += " "
	}
	if f.Proto == decode.ProtoTCP {
		return addrs + " [|tcp]", true
	}
	return addrs + " [|udp]", true
}

// ipHeader is the captured IP header of f, nil if it is not available.
func ipHeader(pkt *pcapfile.Packet, f *decode.Frame) []byte {
	if f.IPHdrLen == 0 || f.NetOff+f.IPHdrLen > len(pkt.Data) {
		return nil
	}
	return pkt.Data[f.NetOff : f.NetOff+f.IPHdrLen]
}

// ipPrefix is "IP " or "IP6 " (left out with -e, as tcpdump does) followed,
// with -v, by the IP header detail tcpdump prints (print-ip.c ip_print,
// print-ip6.c ip6_print).
func (p *Printer) ipPrefix(pkt *pcapfile.Packet, f *decode.Frame) string {
	s := "IP "
	if f.IPVer == 6 {
		s = "IP6 "
	}
	if p.opts.LinkHeader {
		s = ""
	}
	h := ipHeader(pkt, f)
	// The IP length says more than the frame holds on the wire (not a
	// snaplen cut): print-ip.c and print-ip6.c say so first.
	if missing := f.IPLen - ipAvail(pkt, f); missing > 0 && f.IPLen > 0 {
		if f.IPVer == 4 {
			s += fmt.Sprintf("truncated-ip - %d bytes missing! ", missing)
		} else if len(h) >= 6 && binary.BigEndian.Uint16(h[4:]) != 0 {
			s += fmt.Sprintf("truncated-ip6 - %d bytes missing!", missing)
		}
	}
	if p.opts.Verbose == 0 || h == nil {
		return s
	}
	if f.IPVer == 6 {
		return s + ipv6Detail(h)
	}
	s += ipv4DetailHead(h)
	if len(h) > 20 {
		opts, end := ipOptionsText(ipOptRest(pkt, f), len(h)-20)
		s += ", options (" + opts
		if p.ipOptEnd = end; end == ipOptsJump {
			return s + " [|ip]"
		}
		s += ")"
		if end == ipOptsCut {
			return s + ")\n    " // no checksum: print-ip.c stops before the transport
		}
	}
	if !p.opts.NoChecksum {
		if sum := onesSum(0, h); sum != 0xffff {
			stored := binary.BigEndian.Uint16(h[10:])
			s += fmt.Sprintf(", bad cksum %x (->%x)!", stored, checksumShouldBe(h, 10, 0))
		}
	}
	return s + ")\n    "
}

// ipv6Detail is print-ip6.c's -v detail of an IPv6 header h.
func ipv6Detail(h []byte) string {
	flow := binary.BigEndian.Uint32(h)
	s := "("
	if flow&0x0ff00000 != 0 {
		s += fmt.Sprintf("class 0x%02x, ", (flow&0x0ff00000)>>20)
	}
	if flow&0x000fffff != 0 {
		s += fmt.Sprintf("flowlabel 0x%05x, ", flow&0x000fffff)
	}
	return s + fmt.Sprintf("hlim %d, next-header %s (%d) payload length: %d) ", h[7], ipProtoName(h[6]), h[6], binary.BigEndian.Uint16(h[4:]))
}

// ipv4DetailHead is print-ip.c's -v detail of an IPv4 header h (20 bytes
// at least) up to its length: "(tos 0x0, ttl 64, id 1, ..., length 84".
func ipv4DetailHead(h []byte) string {
	var t [160]byte
	b := appendPadded(append(t[:0], "(tos 0x"...), uint64(h[1]), 1, 16)
	switch h[1] & 3 {
	case 1:
		b = append(b, ",ECT(1)"...)
	case 2:
		b = append(b, ",ECT(0)"...)
	case 3:
		b = append(b, ",CE"...)
	}
	if h[8] >= 1 {
		b = strconv.AppendUint(append(b, ", ttl "...), uint64(h[8]), 10)
	}
	off := binary.BigEndian.Uint16(h[6:])
	b = strconv.AppendUint(append(b, ", id "...), uint64(binary.BigEndian.Uint16(h[4:])), 10)
	b = strconv.AppendInt(append(b, ", offset "...), int64(off&0x1fff)*8, 10)
	b = append(b, ", flags ["...)
	n := len(b)
	for _, x := range []struct {
		bit  uint16
		name string
	}{{0x2000, "+"}, {0x4000, "DF"}, {0x8000, "rsvd"}} {
		if off&x.bit != 0 {
			if len(b) > n {
				b = append(b, ", "...)
			}
			b = append(b, x.name...)
		}
	}
	if len(b) == n {
		b = append(b, "none"...)
	}
	b = append(append(b, "], proto "...), ipProtoName(h[9])...)
	b = strconv.AppendUint(append(b, " ("...), uint64(h[9]), 10)
	b = strconv.AppendUint(append(b, "), length "...), uint64(binary.BigEndian.Uint16(h[2:])), 10)
	return string(b)
}

// ipProtoName is tcpdump's ipproto_values (ipproto.c).
func ipProtoName(p uint8) string {
	switch p {
	case 0:
		return "Options"
	case 1:
		return "ICMP"
	case 2:
		return "IGMP"
	case 4:
		return "IPIP"
	case 6:
		return "TCP"
	case 8:
		return "EGP"
	case 9:
		return "IGRP"
	case 17:
		return "UDP"
	case 33:
		return "DCCP"
	case 41:
		return "IPv6"
	case 43:
		return "Routing"
	case 44:
		return "Fragment"
	case 46:
		return "RSVP"
	case 47:
		return "GRE"
	case 50:
		return "ESP"
	case 51:
		return "AH"
	case 55:
		return "Mobile IP"
	case 58:
		return "ICMPv6"
	case 62:
		return "Mobile IP (old)"
	case 88:
		return "EIGRP"
	case 89:
		return "OSPF"
	case 103:
		return "PIM"
	case 108:
		return "Compressed IP"
	case 112:
		return "VRRP"
	case 113:
		return "PGM"
	case 132:
		return "SCTP"
	case 135:
		return "Mobility"
	case 143:
		return "Ethernet"
	}
	return "unknown"
}

// ipOptEnd is how ipOptionsText ended.
type ipOptEnd uint8

const (
	ipOptsDone ipOptEnd = iota
	ipOptsCut           // an option not all captured: " [truncated-option]"
	ipOptsJump          // a byte tcpdump reads not captured: its longjmp ends the packet
)

// ipOptionsText is print-ip.c's ip_optprint for the length option bytes of
// an IPv4 header; rest are the bytes captured from the options on (up to
// the packet's IP length: the printer reads past an option whose length
// runs short).
func ipOptionsText(rest []byte, length int) (string, ipOptEnd) {
	var b strings.Builder
	at := func(i int) (byte, bool) {
		if i < len(rest) {
			return rest[i], true
		}
		return 0, false
	}
	sep := ""
	for cp := 0; length > 0; {
		b.WriteString(sep)
		sep = ","
		code, ok := at(cp)
		if !ok {
			return b.String(), ipOptsJump
		}
		switch code {
		case 0:
			b.WriteString("EOL")
		case 1:
			b.WriteString("NOP")
		case 7:
			b.WriteString("RR")
		case 68:
			b.WriteString("timestamp")
		case 82:
			b.WriteString("traceroute")
		case 130:
			b.WriteString("security")
		case 131:
			b.WriteString("LSRR")
		case 137:
			b.WriteString("SSRR")
		case 148:
			b.WriteString("RA")
		default:
			fmt.Fprintf(&b, "unknown %d", code)
		}
		olen := 1
		if code > 1 {
			v, ok := at(cp + 1)
			if !ok {
				return b.String(), ipOptsJump
			}
			olen = int(v)
			if olen < 2 {
				fmt.Fprintf(&b, " [bad length %d]", olen)
				return b.String(), ipOptsDone
			}
		}
		if olen > length {
			fmt.Fprintf(&b, " [bad length %d]", olen)
			return b.String(), ipOptsDone
		}
		if cp+olen > len(rest) {
			return b.String() + " [truncated-option]", ipOptsCut
		}
		opt := rest[cp : cp+olen]
		switch code {
		case 0:
			return b.String(), ipOptsDone
		case 68:
			if !ipTimestampOption(&b, opt, rest[cp:]) {
				return b.String() + " [truncated-option]", ipOptsCut
			}
		case 7, 131, 137:
			if !ipRouteOption(&b, opt, rest[cp:]) {
				return b.String() + " [truncated-option]", ipOptsCut
			}
		case 148:
			if olen < 4 {
				fmt.Fprintf(&b, " [bad length %d]", olen)
			} else if v := binary.BigEndian.Uint16(opt[2:]); v != 0 {
				fmt.Fprintf(&b, " value %d", v)
			}
		}
		cp += olen
		length -= olen
	}
	return b.String(), ipOptsDone
}

// ipRouteOption is ip_printroute: the addresses of a record route or
// source route option (opt), which rest (from the option on) may run past;
// false when the addresses were not all captured.
func ipRouteOption(b *strings.Builder, opt, rest []byte) bool {
	length := len(opt)
	if length < 3 {
		fmt.Fprintf(b, " [bad length %d]", length)
		return true
	}
	if (length+1)&3 != 0 {
		fmt.Fprintf(b, " [bad length %d]", length)
	}
	ptr := uint32(opt[2]) - 1
	if ptr < 3 || (ptr+1)&3 != 0 || ptr > uint32(length)+1 {
		fmt.Fprintf(b, " [bad ptr %d]", opt[2])
	}
	for l := 3; l < length; l += 4 {
		if l+4 > len(rest) {
			return false
		}
		fmt.Fprintf(b, " %s", netip.AddrFrom4([4]byte(rest[l:l+4])))
		if ptr > uint32(l) {
			b.WriteByte(',')
		}
	}
	return true
}

// ipTimestampOption is ip_printts for the timestamp option opt.
func ipTimestampOption(b *strings.Builder, opt, rest []byte) bool {
	length := len(opt)
	if length < 4 {
		fmt.Fprintf(b, "[bad length %d]", length)
		return true
	}
	b.WriteString(" TS{")
	hoplen := 8
	if opt[3]&0xf == 0 {
		hoplen = 4
	}
	if (length-4)&(hoplen-1) != 0 {
		fmt.Fprintf(b, "[bad length %d]", length)
	}
	ptr := uint32(opt[2]) - 1
	l := 0
	if ptr < 4 || (ptr-4)&uint32(hoplen-1) != 0 || ptr > uint32(length)+1 {
		fmt.Fprintf(b, "[bad ptr %d]", opt[2])
	}
	known := true
	switch opt[3] & 0xf {
	case 0:
		b.WriteString("TSONLY")
	case 1:
		b.WriteString("TS+ADDR")
	case 3:
		b.WriteString("PRESPEC")
	default:
		fmt.Fprintf(b, "[bad ts type %d]", opt[3]&0xf)
		known = false
	}
	if known {
		typ := " "
		for l = 4; l < length; l += hoplen {
			if ptr == uint32(l) {
				typ = " ^ "
			}
			if l+hoplen > len(rest) {
				return false
			}
			addr := ""
			if hoplen == 8 {
				addr = netip.AddrFrom4([4]byte(rest[l : l+4])).String()
			}
			fmt.Fprintf(b, "%s%d@%s", typ, binary.BigEndian.Uint32(rest[l+hoplen-4:]), addr)
			typ = " "
		}
	}
	if ptr == uint32(l) {
		b.WriteString(" ^ ")
	}
	if opt[3]>>4 != 0 {
		fmt.Fprintf(b, " [%d hops not recorded]} ", opt[3]>>4)
	} else {
		b.WriteString("}")
	}
	return true
}

// onesSum adds b to the one's complement sum acc.
func onesSum(acc uint32, b []byte) uint16 {
	// 8 bytes at a time: the one's complement sum of 32-bit words, folded,
	// is that of the 16-bit words (2^16 ≡ 1 modulo 0xffff), and a nonzero
	// sum never folds to 0 (TestOnesSum).
	if len(b) >= 8 {
		s := uint64(acc)
		for len(b) >= 8 {
			s += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
			b = b[8:]
		}
		for s > 0xffffffff {
			s = s&0xffffffff + s>>32
		}
		acc = uint32(s&0xffff + s>>16) // at most 0x1fffe: folded below
	}
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	for acc > 0xffff {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// checksumShouldBe is the checksum field value (at off in b) that makes the
// one's complement sum of pseudo and b come out right.
func checksumShouldBe(b []byte, off int, pseudo uint32) uint16 {
	stored := binary.BigEndian.Uint16(b[off:])
	// in_cksum_shouldbe: the stored value plus the computed checksum
	// (the complement of the sum), with end-around carries; 0xffff
	// where the other representation of zero would do as well
	acc := uint32(stored) + uint32(^onesSum(pseudo, b))
	acc = acc&0xffff + acc>>16
	acc = acc&0xffff + acc>>16
	return uint16(acc)
}

// pseudoSum is the one's complement sum of the transport pseudo header.
func pseudoSum(f *decode.Frame, length int) uint32 {
	var acc uint32
	if f.IPVer == 4 {
		a, d := f.Src.As4(), f.Dst.As4()
		acc += uint32(onesSum(0, a[:])) + uint32(onesSum(0, d[:]))
		acc += uint32(f.Proto) + uint32(length)
	} else {
		a, d := f.Src.As16(), f.Dst.As16()
		acc += uint32(onesSum(0, a[:])) + uint32(onesSum(0, d[:]))
		acc += uint32(length>>16) + uint32(length&0xffff) + uint32(f.Proto)
	}
	return acc
}

// l4Complete reports whether the whole transport segment was captured and
// is not a fragment, so its checksum can be verified.
func l4Complete(f *decode.Frame) bool {
	return !f.Fragment && !f.IPTrunc && len(f.L4) == f.L4WireLen && f.L4WireLen > 0
}

// tcpChecksum is tcpdump's -v ", cksum 0x1234 (correct)" (print-tcp.c).
func (p *Printer) tcpChecksum(f *decode.Frame) string {
	if p.opts.Verbose == 0 || p.opts.NoChecksum || !l4Complete(f) || len(f.L4) < 20 {
		return ""
	}
	stored := binary.BigEndian.Uint16(f.L4[16:])
	if onesSum(pseudoSum(f, len(f.L4)), f.L4) == 0xffff {
		return fmt.Sprintf(", cksum 0x%04x (correct)", stored)
	}
	return fmt.Sprintf(", cksum 0x%04x (incorrect -> 0x%04x)", stored, checksumShouldBe(f.L4, 16, pseudoSum(f, len(f.L4))))
}

// udpChecksum is tcpdump's UDP checksum remark (print-udp.c): IPv4 with
// -vv, IPv6 with -v.
func (p *Printer) udpChecksum(f *decode.Frame) string {
	if p.opts.Verbose == 0 || p.opts.NoChecksum || f.Fragment || len(f.L4) < 8 {
		return ""
	}
	if f.IPVer == 4 && p.opts.Verbose < 2 {
		return ""
	}
	stored := binary.BigEndian.Uint16(f.L4[6:])
	if f.IPVer == 4 && stored == 0 {
		return "[no cksum] "
	}
	n := min(f.UDPLen, f.L4WireLen) // a length field beyond the packet: print-udp.c sums what the packet holds
	if n < 8 || n > len(f.L4) || f.IPTrunc && n > len(f.L4) {
		return ""
	}
	seg := f.L4[:n]
	if onesSum(pseudoSum(f, n), seg) == 0xffff {
		return "[udp sum ok] "
	}
	return fmt.Sprintf("[bad udp cksum 0x%04x -> 0x%04x!] ", stored, checksumShouldBe(seg, 6, pseudoSum(f, n)))
}

// tcpFlags is the text of the flags fl between tcpdump's brackets.
func tcpFlags(fl uint8) string { return tcpFlagTexts[fl] }

// tcpFlagTexts holds tcpFlags' text of every flag byte, made once.
var tcpFlagTexts = func() (t [256]string) {
	for i := range t {
		t[i] = tcpFlagsText(uint8(i))
	}
	return t
}()

func tcpFlagsText(fl uint8) string {
	var s []byte
	// tcpdump's order (print-tcp.c tcp_flag_values): F S R P . U E W
	for _, x := range []struct {
		bit uint8
		c   byte
	}{{decode.TCPFIN, 'F'}, {decode.TCPSYN, 'S'}, {decode.TCPRST, 'R'}, {decode.TCPPSH, 'P'}, {decode.TCPACK, '.'}, {decode.TCPURG, 'U'}, {decode.TCPECE, 'E'}, {decode.TCPCWR, 'W'}} {
		if fl&x.bit != 0 {
			s = append(s, x.c)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return string(s)
}

// tcpLine is print-tcp.c's line for a TCP segment whose header was
// captured (its options maybe not all: the snaplen); jump reports that
// tcpdump ended the packet with a longjmp (a cut where it reads a byte).
func tcpLine(ipv, src, dst string, f *decode.Frame, isnSelf, isnPeer, sackBase uint32, opts PrintOptions, cksum string) (line string, jump bool) {
	if opts.Quiet {
		return fmt.Sprintf("%s%s > %s: tcp %d", ipv, src, dst, f.PayloadLen), false
	}
	// The line is built without fmt (the printer's most common line).
	var b strings.Builder
	var num [24]byte
	u := func(v uint64) { b.Write(strconv.AppendUint(num[:0], v, 10)) }
	b.Grow(len(ipv) + len(src) + len(dst) + len(cksum) + 96)
	b.WriteString(ipv)
	b.WriteString(src)
	b.WriteString(" > ")
	b.WriteString(dst)
	b.WriteString(": Flags [")
	b.WriteString(tcpFlags(f.Flags))
	b.WriteByte(']')
	b.WriteString(cksum)
	seq := f.Seq - isnSelf
	// print-tcp.c: -vv prints the sequence number of every segment.
	if opts.Verbose > 1 || f.PayloadLen > 0 || f.Flags&(decode.TCPSYN|decode.TCPFIN|decode.TCPRST) != 0 {
		b.WriteString(", seq ")
		u(uint64(seq))
		if f.PayloadLen > 0 {
			b.WriteByte(':')
			u(uint64(seq + uint32(f.PayloadLen)))
		}
	}
	if f.Flags&decode.TCPACK != 0 {
		b.WriteString(", ack ")
		u(uint64(f.Ack - isnPeer))
	}
	b.WriteString(", win ")
	u(uint64(f.Win))
	if f.Flags&decode.TCPURG != 0 && len(f.L4) >= 20 {
		b.WriteString(", urg ")
		u(uint64(binary.BigEndian.Uint16(f.L4[18:])))
	}
	hlen := 20
	if len(f.L4) >= 13 {
		hlen = int(f.L4[12]>>4) * 4
	}
	proto := "tcp"
	if hlen > 20 && len(f.L4) >= 20 {
		// the MD5 remark: print-tcp.c's test is that the payload ends
		// past the capture, the header cut included
		var end tcpOptEnd
		end, proto = tcpOptions(&b, f.L4[20:], hlen-20, f.Flags, sackBase, len(f.L4) < hlen+f.PayloadLen)
		switch end {
		case tcpOptsBad, tcpOptsCut:
			return b.String(), false
		case tcpOptsJump:
			return b.String(), true
		}
	}
	b.WriteString(", length ")
	b.Write(strconv.AppendInt(num[:0], int64(f.PayloadLen), 10))
	if f.PayloadLen > 0 && len(f.L4) < hlen {
		// options ended (eol) before the header did, and the snaplen cut it
		fmt.Fprintf(&b, " [remaining caplen(%d) < header length(%d)] [|%s]", len(f.L4), hlen, proto)
		return b.String(), true
	}
	if f.Flags&decode.TCPRST != 0 && opts.Verbose > 0 && f.PayloadLen > 0 {
		// print_tcp_rst_data: a RST's payload (a reason text) as
		// characters, the first 30
		return rstData(b.String(), f), false
	}
	return b.String(), false
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
		fmt.Fprintf(&b, "\t  peer-id %s, gid %s, mac %s, ip-area-offset %d\n", x.PeerID, x.GID, smcflow.MACString(x.MAC), x.IPAreaOffset)
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
			fmt.Fprintf(&b, " %s (%s)", smcflow.ShortName(ci.Name), ci.Meaning)
		}
		if h.Version >= 2 {
			fmt.Fprintf(&b, ", os %s", smcflow.OSName(x.OSType))
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
		fmt.Fprintf(&b, "\t  smc-d: ism-gid %#016x, dmb-token %#016x, dmbe-index %d, buffer %s, link-id %#08x", m.ISMGID, m.DMBToken, m.DMBEIndex, smcflow.ByteSize(m.BufferSize()), m.LinkID)
		if m.Header.Version >= 2 {
			fmt.Fprintf(&b, ", chid %#04x, eid %q", m.CHID, m.EID)
		}
		b.WriteString("\n")
	} else {
		fmt.Fprintf(&b, "\t  smc-r: peer-id %s, gid %s, mac %s, qpn %#06x, rkey %#08x, rmbe-index %d, token %#08x, buffer %s, mtu %d, rmb-vaddr %#x, psn %#06x\n",
			m.PeerID, m.GID, smcflow.MACString(m.MAC), m.QPN, m.RKey, m.RMBEIndex, m.RMBEAlertToken, smcflow.ByteSize(m.BufferSize()), m.MTU(), m.RMBVAddr, m.PSN)
		if m.Header.Version >= 2 {
			fmt.Fprintf(&b, "\t  eid %q\n", m.EID)
		}
	}
	if f := m.FCE; f != nil {
		fmt.Fprintf(&b, "\t  first-contact: os %s, release %d, host %q, direct %v, max-conns %d, max-links %d, features %#x\n", smcflow.OSName(f.OSType), f.Release, f.Hostname, f.V2Direct, f.MaxConns, f.MaxLinks, f.FeatureMask)
	}
	for _, g := range m.GIDList {
		fmt.Fprintf(&b, "\t  gid-list: %s\n", g)
	}
	return b.String()
}

// hexDump is tcpdump's -x (hex only) and -X (withASCII) dump
// (print-ascii.c hex_print, hex_and_ascii_print).
func hexDump(b []byte, withASCII bool) string {
	return string(appendHexDump(nil, b, withASCII))
}

// appendHexDump appends hexDump's text of data to b. It is built a byte
// at a time (fmt per byte made -X cost twice tcpdump's CPU).
func appendHexDump(b, data []byte, withASCII bool) []byte {
	for off := 0; off < len(data); off += 16 {
		end := min(off+16, len(data))
		b = append(b, "\t0x"...)
		b = appendPadded(b, uint64(off), 4, 16)
		b = append(b, ":  "...)
		start := len(b)
		b = appendHexGroups(b, data[off:end])
		if !withASCII {
			b = append(b, '\n')
			continue
		}
		for n := len(b) - start; n < 39; n++ { // %-39s
			b = append(b, ' ')
		}
		b = append(b, "  "...)
		for _, c := range data[off:end] {
			if c <= 0x20 || c > 0x7e { // tcpdump shows graphic characters only
				c = '.'
			}
			b = append(b, c)
		}
		b = append(b, '\n')
	}
	return b
}

// asciiDump is tcpdump's -A (print-ascii.c ascii_print): printable
// characters, tabs, spaces and newlines as they are, other bytes as '.',
// carriage returns dropped before a newline and at the end.
func asciiDump(b []byte) string {
	var s strings.Builder
	for i, c := range b {
		rest := len(b) - i - 1
		switch {
		case c == '\r':
			if rest > 1 && b[i+1] != '\n' {
				s.WriteByte('.')
			}
		case c == '\t' || c == ' ' || c == '\n' || c > 0x20 && c < 0x7f:
			s.WriteByte(c)
		default:
			s.WriteByte('.')
		}
	}
	s.WriteByte('\n')
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
	// MPLS is the label stack (labels only, outermost first);
	// PPPoESession the PPPoE session ID.
	MPLS         []uint32 `json:"mpls,omitempty"`
	PPPoESession *uint16  `json:"pppoe_session,omitempty"`
	// Tunnel is the outermost tunnel of a tunnel packet; src, dst and
	// proto are then the innermost frame's.
	Tunnel *jsonTunnel `json:"tunnel,omitempty"`
}

// jsonTunnel is a packet's outermost tunnel in -r --json output.
type jsonTunnel struct {
	Kind     string  `json:"kind"`
	ID       *uint32 `json:"id,omitempty"` // VNI, GRE key, ERSPAN session
	OuterSrc string  `json:"outer_src"`
	OuterDst string  `json:"outer_dst"`
	Depth    int     `json:"depth"` // tunnel headers around the frame described
}

func (p *Printer) writeJSON(pkt *pcapfile.Packet, f *decode.Frame, line string) error {
	j := jsonPacket{
		Frame: pkt.Frame, Time: pkt.Info.Timestamp.UTC().Format("2006-01-02T15:04:05.000000000Z"),
		Length: pkt.Info.Length, CapLen: pkt.Info.CaptureLength, Interface: pkt.Interface, Summary: line,
		CLC: p.clc,
	}
	if f.NVLAN > 0 {
		j.VLAN = append(j.VLAN, f.VLANs[:f.NVLAN]...)
	}
	for i := 0; i < min(f.NMPLS, len(f.MPLS)); i++ {
		j.MPLS = append(j.MPLS, f.MPLS[i]>>12)
	}
	if f.HasPPPoE {
		s := f.PPPoESess
		j.PPPoESession = &s
	}
	if p.depth > 0 {
		t := p.outer
		j.Tunnel = &jsonTunnel{Kind: decode.TunnelName(t.Kind), OuterSrc: t.OuterSrc.String(), OuterDst: t.OuterDst.String(), Depth: p.depth}
		if t.HasID {
			id := t.ID
			j.Tunnel.ID = &id
		}
		f = &p.inner[p.depth-1]
	}
	if f.IPVer != 0 && f.Status == decode.StatusOK {
		switch f.Proto {
		case decode.ProtoTCP:
			j.Proto = "tcp"
			j.Src, j.Dst = f.SrcAddrPort().String(), f.DstAddrPort().String()
			j.Flags = tcpFlags(f.Flags)
			if f.Flags&decode.TCPSYN != 0 {
				o, _ := smcproto.ParseTCPOptions(f.TCPOpts)
				j.SMCOption = boolp(o.SMC)
			}
		case decode.ProtoUDP:
			j.Proto = "udp"
			j.Src, j.Dst = f.SrcAddrPort().String(), f.DstAddrPort().String()
		default:
			j.Src, j.Dst = f.Src.String(), f.Dst.String()
		}
	}
	for _, l := range p.llc {
		j.LLC = append(j.LLC, llcText(l))
	}
	b := append(j.appendJSON(p.out[:0]), '\n')
	if cap(b) <= maxKeptLine {
		p.out = b
	}
	_, err := p.w.Write(b)
	return err
}

// appendJSONUints appends key and vs as a JSON array, nothing when vs is
// empty (omitempty).
func appendJSONUints[T uint16 | uint32](b []byte, key string, vs []T) []byte {
	if len(vs) == 0 {
		return b
	}
	b = append(b, key...)
	for i, v := range vs {
		if i == 0 {
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return append(b, ']')
}

// appendJSON appends j as json.Marshal writes it (TestPacketJSON compares
// them), without reflection: json.Marshal was a third of the CPU of
// -r --json.
func (j *jsonPacket) appendJSON(b []byte) []byte {
	str := func(key, v string) {
		b = append(b, key...)
		b = report.AppendJSONString(b, v)
	}
	elem := func(i int) { // an array's opening bracket or separator
		if i == 0 {
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
	}
	optStr := func(key, v string) {
		if v != "" {
			str(key, v)
		}
	}
	strs := func(key string, vs []string) {
		if len(vs) == 0 {
			return
		}
		b = append(b, key...)
		for i, v := range vs {
			elem(i)
			b = report.AppendJSONString(b, v)
		}
		b = append(b, ']')
	}
	num := func(key string, v int64) {
		b = strconv.AppendInt(append(b, key...), v, 10)
	}
	b = strconv.AppendInt(append(b, `{"frame":`...), int64(j.Frame), 10)
	str(`,"time":`, j.Time)
	num(`,"length":`, int64(j.Length))
	num(`,"caplen":`, int64(j.CapLen))
	optStr(`,"interface":`, j.Interface)
	str(`,"summary":`, j.Summary)
	optStr(`,"src":`, j.Src)
	optStr(`,"dst":`, j.Dst)
	optStr(`,"proto":`, j.Proto)
	optStr(`,"tcp_flags":`, j.Flags)
	if j.SMCOption != nil {
		b = strconv.AppendBool(append(b, `,"smc_option":`...), *j.SMCOption)
	}
	strs(`,"clc":`, j.CLC)
	strs(`,"llc":`, j.LLC)
	b = appendJSONUints(b, `,"vlan":`, j.VLAN)
	b = appendJSONUints(b, `,"mpls":`, j.MPLS)
	if j.PPPoESession != nil {
		num(`,"pppoe_session":`, int64(*j.PPPoESession))
	}
	if t := j.Tunnel; t != nil {
		str(`,"tunnel":{"kind":`, t.Kind)
		if t.ID != nil {
			num(`,"id":`, int64(*t.ID))
		}
		str(`,"outer_src":`, t.OuterSrc)
		str(`,"outer_dst":`, t.OuterDst)
		num(`,"depth":`, int64(t.Depth))
		b = append(b, '}')
	}
	return append(b, '}')
}

// boolp returns a pointer to a copy of b.
func boolp(b bool) *bool { return &b }

// checksumFrame is f, or a copy of it whose destination is the final one
// of an IPv4 source route or an IPv6 routing header: print-ip.c
// (ip_finddst) and print-ip6.c (ip6_finddst) sum the pseudo-header to it,
// as the receiver will.
func (p *Printer) checksumFrame(pkt *pcapfile.Packet, f *decode.Frame) *decode.Frame {
	if f.IPVer == 6 && f.NetOff+40 <= len(pkt.Data) {
		b := pkt.Data[f.NetOff:]
		if d := ip6FinalDst(b[:min(len(b), f.IPHdrLen)]); d != f.Dst {
			p.ckFrame = *f
			p.ckFrame.Dst = d
			return &p.ckFrame
		}
		return f
	}
	if f.IPVer != 4 || f.IPHdrLen <= 20 || f.NetOff+f.IPHdrLen > len(pkt.Data) {
		return f
	}
	o := pkt.Data[f.NetOff+20 : f.NetOff+f.IPHdrLen]
	for len(o) > 0 {
		l := 1
		switch o[0] {
		case 0:
			return f
		case 1:
		default:
			if len(o) < 2 || o[1] < 2 || int(o[1]) > len(o) {
				return f
			}
			l = int(o[1])
			if (o[0] == 131 || o[0] == 137) && l >= 7 {
				p.ckFrame = *f
				p.ckFrame.Dst = netip.AddrFrom4([4]byte(o[l-4 : l]))
				return &p.ckFrame
			}
		}
		o = o[l:]
	}
	return f
}

// rstData appends print_tcp_rst_data's " [RST text]" to line (-v).
func rstData(line string, f *decode.Frame) string {
	var b strings.Builder
	b.WriteString(line)
	if len(f.Payload) >= f.PayloadLen {
		b.WriteString(" [RST")
	} else {
		b.WriteString(" [!RST")
	}
	n := f.PayloadLen
	if n > 30 {
		n = 30
		b.WriteByte('+')
	}
	b.WriteByte(' ')
	for _, c := range f.Payload[:min(n, len(f.Payload))] {
		if c >= 0x80 {
			b.WriteString("M-")
			c &= 0x7f
		}
		if c < 0x20 || c == 0x7f {
			b.WriteByte('^')
			c ^= 0x40
		}
		b.WriteByte(c)
	}
	b.WriteByte(']')
	return b.String()
}

// ipOptRest is the captured bytes of f's packet from its IPv4 options on,
// up to its IP length (print-ip.c cuts the snapshot there).
func ipOptRest(pkt *pcapfile.Packet, f *decode.Frame) []byte {
	if f.NetOff+20 > len(pkt.Data) {
		return nil
	}
	b := pkt.Data[f.NetOff:]
	if n := int(binary.BigEndian.Uint16(b[2:])); n >= 20 && n < len(b) {
		b = b[:n]
	}
	return b[20:]
}

// ipv4OptionsCut is print-ip.c's line for an IPv4 packet whose header the
// snaplen cut inside its options: with -v the header detail and the
// options captured; then, for a first fragment, the addresses (not for
// TCP, UDP, SCTP and DCCP, whose printers would) and
// " [remaining caplen(N) < header length(H)]", ending the packet.
func (p *Printer) ipv4OptionsCut(pkt *pcapfile.Packet, f *decode.Frame) (string, bool) {
	if f.NetOff+20 > len(pkt.Data) {
		return "", false
	}
	ip := pkt.Data[f.NetOff:]
	hlen, total := int(ip[0]&0x0f)*4, int(binary.BigEndian.Uint16(ip[2:]))
	if total < hlen || ipAvail(pkt, f) < 20 {
		return "", false // bad-len, truncated-ip: the other paths say so
	}
	src, dst := netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
	s := p.shimPrefix(pkt, f) + ipWord(p.opts.LinkHeader)
	if missing := total - ipAvail(pkt, f); missing > 0 {
		s += fmt.Sprintf("truncated-ip - %d bytes missing! ", missing)
	}
	avail := min(len(ip), total) // the snapshot, cut at the IP length
	if p.opts.Verbose > 0 {
		s += ipv4DetailHead(ip) + ", options ("
		opts, end := ipOptionsText(ip[20:avail], hlen-20)
		s += opts
		switch end {
		case ipOptsJump:
			p.cutShort()
			return s + " [|ip]", true
		case ipOptsCut:
			return s + fmt.Sprintf("))\n    %s > %s:  [|ip]", src, dst), true
		}
		s += ")"
		// the checksum needs the whole header: not captured
		s += ")\n    "
	}
	off := binary.BigEndian.Uint16(ip[6:])
	proto := ip[9]
	if off&0x1fff != 0 {
		return fmt.Sprintf("%s%s > %s: ip-proto-%d", s, src, dst, proto), true
	}
	switch proto {
	case decode.ProtoTCP, decode.ProtoUDP, 132, 33:
	default:
		s += fmt.Sprintf("%s > %s: ", src, dst)
	}
	p.cutShort()
	return s + fmt.Sprintf(" [remaining caplen(%d) < header length(%d)] [|ip]", avail, hlen), true
}
