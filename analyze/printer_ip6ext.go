package analyze

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// IPv6 extension headers as tcpdump 4.99 prints them: print-ip6.c's
// ip6_print loop (hop-by-hop and destination options, routing, fragment
// and mobility headers), then print-ip-demux.c (AH, "no next header")
// before the transport. The decode package walks the headers for the
// analysis on its own terms (it also steps over HIP and shim6 headers,
// which tcpdump's printer names as protocols); the printer walks them
// again here, byte for byte as tcpdump reads them.

// ip6Cut is the panic of an ip6Walker read past the captured bytes:
// tcpdump's GET_ macros longjmp there, ending the packet with
// " [|protocol]".
type ip6Cut struct{}

// ip6Walker reads the IPv6 packet b (from its header on) as tcpdump's
// printers do: every read past snap ends the packet.
type ip6Walker struct {
	b     []byte
	snap  int    // ndo_snapend: the captured bytes, cut at the IP length
	proto string // ndo_protocol, named by the truncation mark
	s     strings.Builder
	v     int // -v count
}

func (w *ip6Walker) need(o, n int) {
	if o < 0 || n < 0 || o+n > w.snap {
		panic(ip6Cut{})
	}
}

func (w *ip6Walker) has(o, n int) bool { return o >= 0 && n >= 0 && o+n <= w.snap }

func (w *ip6Walker) u8(o int) byte { w.need(o, 1); return w.b[o] }

func (w *ip6Walker) u16(o int) uint16 { w.need(o, 2); return binary.BigEndian.Uint16(w.b[o:]) }

func (w *ip6Walker) u32(o int) uint32 { w.need(o, 4); return binary.BigEndian.Uint32(w.b[o:]) }

func (w *ip6Walker) addr(o int) string {
	w.need(o, 16)
	return netip.AddrFrom16([16]byte(w.b[o : o+16])).String()
}

func (w *ip6Walker) printf(format string, a ...any) { fmt.Fprintf(&w.s, format, a...) }

// ip6WalksHeader reports whether ip6_print's loop or the demultiplexer
// behind it handles next header nh before any transport: the extension
// headers it walks, AH, "no next header", and the headers the decode
// package steps over that tcpdump names as protocols (HIP, shim6).
func ip6WalksHeader(nh byte) bool {
	switch nh {
	case 0, 43, 44, 51, 59, 60, 62, 135, 139, 140:
		return true
	}
	return false
}

// ip6ExtLine is the line of the IPv6 packet f whose header is followed
// by a header ip6WalksHeader names; false for other packets (the
// transport right behind the IPv6 header, or a header not captured).
func (p *Printer) ip6ExtLine(pkt *pcapfile.Packet, f *decode.Frame) (line string, ok bool) {
	if f.IPVer != 6 || f.NetOff < 0 || f.NetOff+40 > len(pkt.Data) {
		return "", false
	}
	b := pkt.Data[f.NetOff:]
	length := ipAvail(pkt, f)
	if b[0]>>4 != 6 || length < 40 || !ip6WalksHeader(b[6]) {
		return "", false
	}
	w := &ip6Walker{b: b, v: p.opts.Verbose, proto: "ip6"}
	w.s.WriteString(p.shimPrefix(pkt, f))
	if !p.opts.LinkHeader {
		w.s.WriteString("IP6 ")
	}
	payloadLen := int(binary.BigEndian.Uint16(b[4:]))
	ipLen := length + 40
	if payloadLen != 0 {
		ipLen = payloadLen + 40
		if length < ipLen {
			w.printf("truncated-ip6 - %d bytes missing!", ipLen-length)
		}
	}
	if w.v > 0 {
		w.s.WriteString(ipv6Detail(b[:40]))
	}
	w.snap = min(len(b), ipLen) // nd_push_snaplen
	return p.walkerLine(w, func() string {
		d, done := w.walk(payloadLen, length, ipLen)
		if done {
			return w.s.String()
		}
		return p.ipDemux(pkt, f, w, d)
	}), true
}

// ip6Demuxed is where ip6_print hands the packet to ip_demux_print.
type ip6Demuxed struct {
	nh         byte
	off        int // of the header nh from the IPv6 header
	length     int // the length ip_demux_print is given
	fragmented bool
}

// walk is ip6_print's loop over the extension headers; done when it
// ended the packet itself (a later fragment, a mobility header, a bad or
// cut header).
func (w *ip6Walker) walk(payloadLen, length, ipLen int) (d ip6Demuxed, done bool) {
	b := w.b
	nh, ph := b[6], byte(255)
	cp, advance, total := 0, 40, 0
	n := ipLen // len
	var foundExt, foundJumbo, foundHBH, fragmented bool
	jumbo := uint32(payloadLen)
	for cp < w.snap && advance > 0 {
		if n < advance {
			w.s.WriteString(" [|ip6]")
			return d, true
		}
		cp += advance
		n -= advance
		total += advance
		if cp == 40 && nh != decode.ProtoTCP && nh != decode.ProtoUDP && nh != 33 && nh != 132 {
			w.printf("%s > %s: ", w.addr(8), w.addr(24))
		}
		switch nh {
		case 0:
			if foundHBH {
				w.s.WriteString("[The Hop-by-Hop Options header was already found] (invalid)")
				return d, true
			}
			if ph != 255 {
				w.s.WriteString("[The Hop-by-Hop Options header don't follow the IPv6 header] (invalid)")
				return d, true
			}
			var ok bool
			advance, ok = w.optHeader(cp, "hbhopt", "HBH ", true, &foundJumbo, &jumbo)
			if jumbo == 0 && !foundJumbo {
				w.s.WriteString("[No valid Jumbo Payload Hop-by-Hop option found] (invalid)")
				return d, true
			}
			if !ok {
				return d, true
			}
			foundExt, foundHBH = true, true
			nh = b[cp]
		case 60:
			var ok bool
			advance, ok = w.optHeader(cp, "dstopt", "DSTOPT ", w.v > 0, nil, nil)
			if !ok {
				return d, true
			}
			foundExt = true
			nh = b[cp]
		case 44:
			if !w.frag6(cp) || w.snap <= cp+8 {
				return d, true
			}
			advance = 8
			foundExt, fragmented = true, true
			nh = b[cp]
		case 62, 135:
			w.mobility(cp)
			return d, true
		case 43:
			if !w.has(cp, 1) { // ND_TCHECK_1: not a longjmp
				w.s.WriteString(" [|ip6]")
				return d, true
			}
			var ok bool
			advance, ok = w.rt6(cp)
			if !ok {
				return d, true
			}
			foundExt = true
			nh = b[cp]
		default:
			if foundJumbo {
				n = int(jumbo) + 40
				if n < total {
					w.s.WriteString(" [|ip6]")
					return d, true
				}
				if length < n {
					w.printf("truncated-ip6 - %d bytes missing!", n-length)
				}
				w.snap = min(len(b), n) // nd_change_snaplen
				n -= total
			} else if jumbo == 0 {
				if foundExt {
					w.s.WriteString(" [|ip6]")
					return d, true
				}
				n = 40
				w.snap = min(len(b), n)
				n -= total
			}
			return ip6Demuxed{nh: nh, off: cp, length: n, fragmented: fragmented}, false
		}
		ph = nh
		w.proto = "ip6"
	}
	return d, true
}

// optHeader is print-ip6opts.c's hbhopt_process (hbh) or dstopt_process
// for the header at cp: its length, or false when it ended the packet.
func (w *ip6Walker) optHeader(cp int, proto, name string, opts bool, foundJumbo *bool, jumbo *uint32) (int, bool) {
	w.proto = proto
	l := (int(w.u8(cp+1)) + 1) << 3
	if !w.has(cp, l) {
		w.s.WriteString(" [|" + proto + "]")
		return -1, false
	}
	w.s.WriteString(name)
	if opts && !w.ip6Opts(cp+2, l-2, foundJumbo, jumbo) {
		w.s.WriteString(" [|" + proto + "]")
		return -1, false
	}
	return l, true
}

// ip6Opts is print-ip6opts.c's ip6_opt_process over the n option bytes
// at o (all captured); jumbo is nil for destination options. False is
// its "trunc" (a bad option).
func (w *ip6Walker) ip6Opts(o, n int, foundJumbo *bool, jumbo *uint32) bool {
	if n == 0 {
		return true
	}
	v := w.v > 0
	seenJumbo := false
	for i, optlen := 0, 0; i < n; i += optlen {
		t := w.u8(o + i)
		if t == 0 {
			optlen = 1
		} else if i+1 < n {
			optlen = int(w.u8(o+i+1)) + 2
		} else {
			return false
		}
		if i+optlen > n {
			return false
		}
		switch t {
		case 0:
			if v {
				w.s.WriteString("(pad1)")
			}
		case 1:
			if n-i < 2 {
				w.s.WriteString("(padn: trunc)")
				return false
			}
			if v {
				w.s.WriteString("(padn)")
			}
		case 5:
			if n-i < 4 {
				w.s.WriteString("(rtalert: trunc)")
				return false
			}
			if l := w.u8(o + i + 1); l != 2 {
				w.printf("(rtalert: invalid len %d)", l)
				return false
			}
			if v {
				w.printf("(rtalert: 0x%04x) ", w.u16(o+i+2))
			}
		case 0xc2:
			if n-i < 6 {
				w.s.WriteString("(jumbo: trunc)")
				return false
			}
			if l := w.u8(o + i + 1); l != 4 {
				w.printf("(jumbo: invalid len %d)", l)
				return false
			}
			jl := w.u32(o + i + 2)
			switch {
			case seenJumbo:
				if v {
					w.printf("(jumbo: %d - already seen) ", jl)
				}
			case jumbo == nil:
				seenJumbo = true
				if v {
					w.printf("(jumbo: %d - not a hop-by-hop option) ", jl)
				}
			case *jumbo != 0:
				seenJumbo = true
				if v {
					w.printf("(jumbo: %d - payload len != 0) ", jl)
				}
			case jl < 65536:
				seenJumbo = true
				if v {
					w.printf("(jumbo: %d - < 65536) ", jl)
				}
			default:
				seenJumbo = true
				*foundJumbo, *jumbo = true, jl
				if v {
					w.printf("(jumbo: %d) ", jl)
				}
			}
		case 0xc9:
			if n-i < 18 {
				w.s.WriteString("(homeaddr: trunc)")
				return false
			}
			l := int(w.u8(o + i + 1))
			if l < 16 {
				w.printf("(homeaddr: invalid len %d)", l)
				return false
			}
			if v {
				w.s.WriteString("(homeaddr: " + w.addr(o+i+2))
				if l > 16 && !w.subOpts(o+i+18, optlen-18) {
					return false
				}
				w.s.WriteString(")")
			}
		default:
			if n-i < 2 {
				w.printf("(type %d: trunc)", t)
				return false
			}
			if v {
				w.printf("(opt_type 0x%02x: len=%d)", t, w.u8(o+i+1))
			}
		}
	}
	if v {
		w.s.WriteString(" ")
	}
	return true
}

// subOpts is print-ip6opts.c's ip6_sopt_print (the sub-options of a home
// address option).
func (w *ip6Walker) subOpts(o, n int) bool {
	for i, optlen := 0, 0; i < n; i += optlen {
		t := w.u8(o + i)
		if t == 0 {
			optlen = 1
		} else if i+1 < n {
			optlen = int(w.u8(o+i+1)) + 2
		} else {
			return false
		}
		if i+optlen > n {
			return false
		}
		switch t {
		case 0:
			w.s.WriteString(", pad1")
		case 1:
			if n-i < 2 {
				w.s.WriteString(", padn: trunc")
				return false
			}
			w.s.WriteString(", padn")
		default:
			if n-i < 2 {
				w.printf(", sopt_type %d: trunc)", t)
				return false
			}
			w.printf(", sopt_type 0x%02x: len=%d", t, w.u8(o+i+1))
		}
	}
	return true
}

// frag6 is print-frag6.c's frag6_print for the fragment header at cp:
// false for a later fragment (tcpdump does not decode it).
func (w *ip6Walker) frag6(cp int) bool {
	w.proto = "frag6"
	// the length as print-frag6.c computes it, in a size_t
	l := uint64(40+int(binary.BigEndian.Uint16(w.b[4:]))) - uint64(cp) - 8
	if w.v > 0 {
		id := w.u32(cp + 4)
		off := w.u16(cp+2) & 0xfff8
		w.printf("frag (0x%08x:%d|%d)", id, off, l)
	} else {
		off := w.u16(cp+2) & 0xfff8
		w.printf("frag (%d|%d)", off, l)
	}
	if w.u16(cp+2)&0xfff8 != 0 {
		return false
	}
	w.s.WriteString(" ")
	return true
}

// rt6 is print-rt6.c's rt6_print for the routing header at cp: its
// length, or false when it ended the packet ("(invalid)").
func (w *ip6Walker) rt6(cp int) (int, bool) {
	w.proto = "rt6"
	w.s.WriteString("RT6")
	l := int(w.u8(cp + 1))
	w.printf(" (len=%d", l)
	typ := w.u8(cp + 2)
	w.printf(", type=%d", typ)
	if typ == 0 {
		w.s.WriteString(" [Deprecated]")
	}
	w.printf(", segleft=%d", w.u8(cp+3))
	switch typ {
	case 0, 2:
		if rsv := w.u32(cp + 4); rsv != 0 || w.v > 0 {
			w.printf(", rsv=0x%x", rsv)
		}
	case 4:
		w.printf(", last-entry=%d", w.u8(cp+4))
		if fl := w.u8(cp + 5); fl != 0 || w.v > 0 {
			w.printf(", flags=0x%x", fl)
		}
		w.printf(", tag=%x", w.u16(cp+6))
	default:
		w.s.WriteString(" (unknown type) (invalid)")
		return -1, false
	}
	if l%2 == 1 {
		w.printf(" (invalid length %d) (invalid)", l)
		return -1, false
	}
	for i := 0; i < l/2; i++ {
		w.printf(", [%d]%s", i, w.addr(cp+8+16*i))
	}
	w.s.WriteString(") ")
	return (l + 1) << 3, true
}

// ip6MobilityNames are print-mobility.c's ip6m_str, ip6MobilityLen its
// ip6m_hdrlen.
var (
	ip6MobilityNames = [...]string{"BRR", "HoTI", "CoTI", "HoT", "CoT", "BU", "BA", "BE"}
	ip6MobilityLen   = [...]int{8, 16, 16, 24, 24, 12, 12, 24}
)

// mobility is print-mobility.c's mobility_print for the header at cp
// (ip6_print ends the packet behind it).
func (w *ip6Walker) mobility(cp int) {
	w.proto = "mobility"
	if !w.has(cp+1, 1) {
		w.s.WriteString(" [|mobility]")
		return
	}
	mhlen := (int(w.u8(cp+1)) + 1) << 3
	typ := w.u8(cp + 2)
	if int(typ) < len(ip6MobilityLen) && mhlen < ip6MobilityLen[typ] {
		w.printf("(header length %d is too small for type %d) [|mobility]", mhlen, typ)
		return
	}
	if int(typ) < len(ip6MobilityNames) {
		w.s.WriteString("mobility: " + ip6MobilityNames[typ])
	} else {
		w.printf("mobility: type-#%d", typ)
	}
	hlen := 8
	switch typ {
	case 0:
	case 1, 2:
		if w.v > 0 {
			w.printf(" %s Init Cookie=%08x:%08x", map[bool]string{true: "Home", false: "Care-of"}[typ == 1], w.u32(cp+hlen), w.u32(cp+hlen+4))
		}
		hlen += 8
	case 3, 4:
		w.printf(" nonce id=0x%x", w.u16(cp+6))
		who := map[bool]string{true: "Home", false: "Care-of"}[typ == 3]
		if w.v > 0 {
			w.printf(" %s Init Cookie=%08x:%08x", who, w.u32(cp+hlen), w.u32(cp+hlen+4))
		}
		hlen += 8
		if w.v > 0 {
			w.printf(" %s Keygen Token=%08x:%08x", who, w.u32(cp+hlen), w.u32(cp+hlen+4))
		}
		hlen += 8
	case 5:
		w.printf(" seq#=%d", w.u16(cp+6))
		if !w.has(cp+hlen, 2) {
			w.s.WriteString(" [|mobility]")
			return
		}
		if bits := w.u8(cp+hlen) >> 4; bits != 0 {
			w.s.WriteString(" ")
			for _, x := range []struct {
				bit  byte
				name string
			}{{8, "A"}, {4, "H"}, {2, "L"}, {1, "K"}} {
				if bits&x.bit != 0 {
					w.s.WriteString(x.name)
				}
			}
		}
		hlen += 2
		w.printf(" lifetime=%d", uint32(w.u16(cp+hlen))<<2)
		hlen += 2
	case 6:
		w.printf(" status=%d", w.u8(cp+6))
		if w.u8(cp+7)&0x80 != 0 {
			w.s.WriteString(" K")
		}
		w.printf(" seq#=%d", w.u16(cp+hlen))
		hlen += 2
		w.printf(" lifetime=%d", uint32(w.u16(cp+hlen))<<2)
		hlen += 2
	case 7:
		w.printf(" status=%d", w.u8(cp+6))
		w.printf(" homeaddr %s", w.addr(cp+hlen))
		hlen += 16
	default:
		w.printf(" len=%d", w.u8(cp+1))
		return
	}
	if w.v > 0 && !w.mobilityOpts(cp+hlen, mhlen-hlen) {
		w.s.WriteString(" [|mobility]")
	}
}

// mobilityOpts is print-mobility.c's mobility_opt_print: false for its
// "trunc" (which includes an option whose next byte was not captured).
func (w *ip6Walker) mobilityOpts(o, n int) bool {
	for i, optlen := 0, 0; i < n; i += optlen {
		t := w.u8(o + i)
		if t == 0 {
			optlen = 1
		} else if i+1 < n {
			optlen = int(w.u8(o+i+1)) + 2
		} else {
			return false
		}
		if i+optlen > n || !w.has(o+i+optlen, 1) {
			return false
		}
		switch t {
		case 0:
			w.s.WriteString("(pad1)")
		case 1:
			if n-i < 2 {
				w.s.WriteString("(padn: trunc)")
				return false
			}
			w.s.WriteString("(padn)")
		case 2:
			if n-i < 4 {
				w.s.WriteString("(refresh: trunc)")
				return false
			}
			w.printf("(refresh: %d)", uint32(w.u16(o+i+2))<<2)
		case 3:
			if n-i < 18 {
				w.s.WriteString("(altcoa: trunc)")
				return false
			}
			w.printf("(alt-CoA: %s)", w.addr(o+i+2))
		case 4:
			if n-i < 6 {
				w.s.WriteString("(ni: trunc)")
				return false
			}
			w.printf("(ni: ho=0x%04x co=0x%04x)", w.u16(o+i+2), w.u16(o+i+4))
		case 5:
			if n-i < 12 {
				w.s.WriteString("(auth: trunc)")
				return false
			}
			w.s.WriteString("(auth)")
		default:
			if n-i < 2 {
				w.printf("(sopt_type %d: trunc)", t)
				return false
			}
			w.printf("(type-0x%02x: len=%d)", t, w.u8(o+i+1))
		}
	}
	return true
}

// ah is print-ah.c's ah_print for the header at o: its length.
func (w *ip6Walker) ah(o int) int {
	w.proto = "ah"
	w.s.WriteString("AH")
	l := int(w.u8(o + 1))
	hl := (l + 2) * 4
	w.s.WriteString("(")
	if w.v > 0 {
		w.printf("length=%d(%d-bytes),", l, hl)
	}
	if r := w.u16(o + 2); r != 0 {
		w.printf("reserved=0x%x[MustBeZero],", r)
	}
	w.printf("spi=0x%08x,", w.u32(o+4))
	w.printf("seq=0x%x,", w.u32(o+8))
	w.s.WriteString("icv=0x")
	for i := o + 12; i < o+hl; i++ {
		w.printf("%02x", w.u8(i))
	}
	w.s.WriteString("): ")
	return hl
}

// ipDemux is print-ip-demux.c's ip_demux_print behind IPv6 extension
// headers or an IPv4 header (ipv4AH): AH headers, "no next header", and
// the protocols the printer knows, on a copy of f moved to the header d
// names.
func (p *Printer) ipDemux(pkt *pcapfile.Packet, f *decode.Frame, w *ip6Walker, d ip6Demuxed) string {
	nh, off := d.nh, d.off
	length := uint32(d.length) // an unsigned int there: AH may wrap it
	for nh == protoAH {
		if !w.has(off, 1) {
			return w.s.String() + " [|ah]"
		}
		nh = w.b[off]
		a := w.ah(off)
		off += a
		length -= uint32(a)
	}
	if nh == 59 {
		return w.s.String() + "no next header"
	}
	g := &p.ext6Frame
	*g = *f
	g.Status, g.Reason = decode.StatusOK, ""
	g.Proto = nh
	if g.IPVer == 6 {
		g.IPHdrLen = off // the headers ip6FinalDst walks; IPv4 keeps its options' length (checksumFrame)
	}
	g.Fragment, g.FragOff, g.MoreFrag = d.fragmented, 0, d.fragmented && g.MoreFrag
	g.SrcPort, g.DstPort, g.Seq, g.Ack, g.Flags, g.Win = 0, 0, 0, 0, 0, 0
	g.TCPOpts, g.Payload, g.PayloadLen, g.UDPLen = nil, nil, 0, 0
	g.L4WireLen = int(length)
	end := min(w.snap, off+int(length))
	if off > end {
		end = off
	}
	if off > len(w.b) {
		off, end = len(w.b), len(w.b)
	}
	g.L4 = w.b[off:end]
	g.IPTrunc = len(g.L4) < g.L4WireLen
	g.IPLen = off + int(length)
	at := w.s.String()
	if nh != decode.ProtoTCP && nh != decode.ProtoUDP {
		return p.transportLine(pkt, g, at, "", "", at)
	}
	decode.Transport(g)
	if g.Status != decode.StatusOK && g.Reason != "TCP options" {
		return p.ip6CutTransport(g, at)
	}
	sp, dp := strconv.Itoa(int(g.SrcPort)), strconv.Itoa(int(g.DstPort))
	return p.transportLine(pkt, g, at, sp, dp, at)
}

// ip6CutTransport is print-tcp.c's or print-udp.c's text for a header
// behind IPv6 extension headers that is cut or impossible: the ports only
// (the IPv6 header's next header is not theirs), or for TCP the
// addresses when not even the ports were captured.
func (p *Printer) ip6CutTransport(g *decode.Frame, at string) string {
	b := g.L4
	if len(b) < 4 {
		if g.Proto == decode.ProtoTCP {
			return fmt.Sprintf("%s%s > %s: [|tcp]", at, g.Src, g.Dst)
		}
		return at + " [|udp]"
	}
	ports := fmt.Sprintf("%s%d > %d: ", at, binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:]))
	if g.Proto == decode.ProtoUDP {
		if g.L4WireLen < 8 {
			return fmt.Sprintf("%struncated-udp %d", ports, g.L4WireLen)
		}
		return ports + " [|udp]"
	}
	if g.Reason == "TCP data offset" {
		if t, ok := p.tcpBadOffset(ports, g); ok {
			return t
		}
	}
	return ports + " [|tcp]"
}

// ip6FinalDst is print-ip6.c's ip6_finddst for the IPv6 packet b (its
// header captured): the last address of the first routing header of type
// 0 or 2, the first of a segment routing header, else the destination.
// Only headers the checksum's caller has captured are read.
func ip6FinalDst(b []byte) netip.Addr {
	dst := netip.AddrFrom16([16]byte(b[24:40]))
	switch b[6] {
	case 0, 60, 62, 135, 44, 43:
	default:
		return dst
	}
	cp, advance, nh := 0, 40, b[6]
	for cp < len(b) {
		cp += advance
		if cp+2 > len(b) {
			return dst
		}
		switch nh {
		case 0, 60, 62, 135:
			advance = (int(b[cp+1]) + 1) << 3
			nh = b[cp]
		case 44:
			advance = 8
			nh = b[cp]
		case 43:
			if cp+4 > len(b) {
				return dst
			}
			l := int(b[cp+1])
			switch b[cp+2] {
			case 0, 2:
				if l%2 == 1 {
					return dst
				}
				for i := 0; i < l/2; i++ {
					a := cp + 8 + 16*i
					if a+16 > len(b) {
						return dst
					}
					dst = netip.AddrFrom16([16]byte(b[a : a+16]))
				}
			case 4:
				if l%2 == 1 || cp+8+16 > len(b) {
					return dst
				}
				dst = netip.AddrFrom16([16]byte(b[cp+8 : cp+24]))
			}
			return dst
		default:
			return dst
		}
	}
	return dst
}
