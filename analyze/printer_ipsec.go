package analyze

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// IPsec and SCTP as tcpdump 4.99 prints them: print-esp.c (the ESP
// header; tcpdump decrypts nothing without -E, which smcdump does not
// have), print-ah.c through print-ip-demux.c (AH headers in a chain, then
// the protocol behind them; IPv6 shares the walk of printer_ip6ext.go),
// print-isakmp.c's isakmp_rfc3948_print for UDP port 4500 (NAT-T
// keep-alives, ESP in UDP, IKE behind the non-ESP marker) and
// print-sctp.c (the common header and the chunk list).

// Protocol numbers of the IPsec headers.
const (
	protoESP = 50
	protoAH  = 51
)

// espText is print-esp.c's esp_print for the ESP packet b (its captured
// bytes, no further than the IP length) of length n: " [|esp]" unless
// more than the 8-byte header was captured (a plain truncation mark, not
// the end of the packet's decode).
func espText(b []byte, n int) string {
	if len(b) <= 8 {
		return " [|esp]"
	}
	return fmt.Sprintf("ESP(spi=0x%08x,seq=0x%x), length %d", binary.BigEndian.Uint32(b), binary.BigEndian.Uint32(b[4:]), n)
}

// walkerLine runs fn, which prints into w, and returns its line; when fn
// reads past w's captured bytes (tcpdump's GET_ macros longjmp there) the
// line is what w holds then and w's truncation mark, and -x dumps the
// whole frame.
func (p *Printer) walkerLine(w *ip6Walker, fn func() string) (line string) {
	defer func() {
		if r := recover(); r != nil {
			if _, cut := r.(ip6Cut); !cut {
				panic(r)
			}
			p.cutShort()
			line = w.s.String() + " [|" + w.proto + "]"
		}
	}()
	return fn()
}

// ipv4AH is the rest of the line of the IPv4 packet f whose protocol is
// AH, after at (the IP header's text and the addresses): print-ip.c hands
// it to ip_demux_print, which prints the AH headers and the protocol
// behind them as it does behind IPv6 extension headers (ipDemux).
func (p *Printer) ipv4AH(pkt *pcapfile.Packet, f *decode.Frame, at string) string {
	if f.NetOff < 0 || f.NetOff+f.IPHdrLen > len(pkt.Data) {
		return at + " [|ah]"
	}
	b := pkt.Data[f.NetOff:]
	w := &ip6Walker{b: b, v: p.opts.Verbose, proto: "ip", snap: min(len(b), f.IPLen)} // nd_push_snaplen to the IP length
	w.s.WriteString(at)
	return p.walkerLine(w, func() string {
		return p.ipDemux(pkt, f, w, ip6Demuxed{nh: protoAH, off: f.IPHdrLen, length: f.L4WireLen, fragmented: f.Fragment})
	})
}

// rfc3948Port reports whether udp_print hands a datagram between ports sp
// and dp to isakmp_rfc3948_print: one of them is 4500 and none is a port
// it tries before (DNS, mDNS, timed, TFTP, BOOTP, RIP, AODV, ISAKMP).
func rfc3948Port(sp, dp uint16) bool {
	if sp != 4500 && dp != 4500 {
		return false
	}
	for _, q := range []uint16{53, 5353, 525, 69, 67, 68, 520, 654, 500} {
		if sp == q || dp == q {
			return false
		}
	}
	return true
}

// rfc3948Text is print-isakmp.c's isakmp_rfc3948_print for a UDP payload
// of length n whose captured bytes (up to the IP length) are b: a NAT-T
// keep-alive, IKE behind the non-ESP marker, else ESP. jump: it read past
// the captured bytes (a longjmp, ending the packet).
func rfc3948Text(b []byte, n, verbose int) (s string, jump bool) {
	const cut = " [|isakmp_rfc3948]"
	if n == 1 {
		if len(b) < 1 {
			return cut, true
		}
		if b[0] == 0xff {
			return "isakmp-nat-keep-alive", false
		}
	}
	if n < 4 {
		return cut, false
	}
	if len(b) < 4 {
		return cut, true
	}
	if binary.BigEndian.Uint32(b) == 0 {
		return "NONESP-encap: " + isakmpHeader(b[4:], verbose), false
	}
	return "UDP-encap: " + espText(b, n), false
}

// isakmpHeader is the start of print-isakmp.c's isakmp_print for the
// captured bytes b: " [|isakmp]" when its 28-byte header was not
// captured, else "isakmp", with -v the version and the message ID, with
// -vv the cookies, and ":". tcpdump decodes IKEv1 and IKEv2 messages
// further; smcdump stops there.
func isakmpHeader(b []byte, verbose int) string {
	if len(b) < 28 {
		return " [|isakmp]"
	}
	s := "isakmp"
	if verbose > 0 {
		s += fmt.Sprintf(" %d.%d msgid %x", b[17]>>4, b[17]&0x0f, b[20:24])
	}
	if verbose > 1 {
		s += fmt.Sprintf(" cookie %x->%x", b[0:8], b[8:16])
	}
	return s + ":"
}

// sctpChunkNames is print-sctp.c's sctp_chunkid_str.
var sctpChunkNames = map[byte]string{
	0x00: "DATA", 0x01: "INIT", 0x02: "INIT ACK", 0x03: "SACK", 0x04: "HB REQ", 0x05: "HB ACK",
	0x06: "ABORT", 0x07: "SHUTDOWN", 0x08: "SHUTDOWN ACK", 0x09: "OP ERR", 0x0a: "COOKIE ECHO",
	0x0b: "COOKIE ACK", 0x0c: "ECN ECHO", 0x0d: "ECN CWR", 0x0e: "SHUTDOWN COMPLETE",
	0xc0: "FOR CUM TSN", 0xc1: "REL CTRL", 0xc2: "REL CTRL ACK",
}

// sctpPPIDNames is print-sctp.c's PayloadProto_idents.
var sctpPPIDNames = map[uint32]string{
	1: "ISDN Q.921", 2: "M2UA", 3: "M3UA", 4: "SUA", 5: "M2PA", 6: "V5.2", 7: "H.248", 8: "BICC",
	9: "TALI", 10: "DUA", 11: "ASAP", 12: "ENRP", 13: "H.323", 14: "Q.IPC", 15: "SIMCO",
	16: "DDPSC", 17: "DDPSSC", 18: "S1AP", 19: "RUA", 20: "HNBAP", 21: "ForCES HP",
	22: "ForCES MP", 23: "ForCES LP", 24: "SBc-AP", 25: "NBAP", 27: "X2AP",
}

// sctpForCES is print-sctp.c's ForCES_channels: the ports of ForCES.
var sctpForCES = map[uint16]string{6704: "ForCES HP", 6705: "ForCES MP", 6706: "ForCES LP"}

// sctpText is print-sctp.c's sctp_print for the SCTP packet b (its
// captured bytes, no further than the IP length) of length n between src
// and dst: the addresses and ports, "sctp", and the chunks, numbered,
// each on its own line with -vv (which also dumps DATA payloads unless
// -q, -x or -X suppress it). ForCES payloads (the ForCES ports and
// payload protocol identifiers) and M3UA payloads with -vv, which
// tcpdump decodes, are left out. The walk reads every byte at most once.
func sctpText(src, dst netip.Addr, b []byte, n int, o PrintOptions) string {
	if n < 12 {
		return fmt.Sprintf("truncated-sctp - %d bytes missing!", 12-n)
	}
	if len(b) < 12 {
		return " [|sctp]"
	}
	var s strings.Builder
	sp, dp := binary.BigEndian.Uint16(b), binary.BigEndian.Uint16(b[2:])
	fmt.Fprintf(&s, "%s.%d > %s.%d: sctp", src, sp, dst, dp)
	forces := false
	for _, port := range []uint16{sp, dp} {
		if name, ok := sctpForCES[port]; ok {
			fmt.Fprintf(&s, "[%s]", name)
			forces = true
		}
	}
	const trunc = " [|sctp]"
	rem := uint32(n) - 12 // u_int arithmetic, as there
	bp := 12
	sep := " ("
	if o.Verbose >= 2 {
		sep = "\n\t"
	}
	for count := 1; rem != 0; count++ {
		if rem < 4 {
			fmt.Fprintf(&s, "%s%d) [chunk descriptor cut off at end of packet]", sep, count)
			break
		}
		if bp+4 > len(b) {
			return s.String() + trunc
		}
		id, flags := b[bp], b[bp+1]
		clen := binary.BigEndian.Uint16(b[bp+2:])
		if clen < 4 {
			fmt.Fprintf(&s, "%s%d) [Bad chunk length %d, < size of chunk descriptor]", sep, count, clen)
			break
		}
		align := uint32((4 - clen%4) % 4)
		if rem < align {
			fmt.Fprintf(&s, "%s%d) [Bad chunk length %d, > remaining data in packet]", sep, count, clen)
			break
		}
		if bp+int(clen) > len(b) {
			return s.String() + trunc
		}
		body := b[bp+4 : bp+int(clen)]
		bp += int(clen)
		rem -= uint32(clen)
		fmt.Fprintf(&s, "%s%d) ", sep, count)
		if name, ok := sctpChunkNames[id]; ok {
			fmt.Fprintf(&s, "[%s] ", name)
		} else {
			fmt.Fprintf(&s, "[Unknown chunk type: 0x%x] ", id)
		}
		bogus := func() string { return s.String() + fmt.Sprintf("bogus chunk length %d]", clen) }
		switch id {
		case 0x00: // DATA
			if flags&4 != 0 {
				s.WriteString("(U)")
			}
			if flags&2 != 0 {
				s.WriteString("(B)")
			}
			if flags&1 != 0 {
				s.WriteString("(E)")
			}
			if flags&7 != 0 {
				s.WriteString(" ")
			}
			if len(body) < 12 {
				return bogus()
			}
			ppid := binary.BigEndian.Uint32(body[8:])
			fmt.Fprintf(&s, "[TSN: %d] [SID: %d] [SSEQ %d] ", binary.BigEndian.Uint32(body), binary.BigEndian.Uint16(body[4:]), binary.BigEndian.Uint16(body[6:]))
			if name, ok := sctpPPIDNames[ppid]; ok {
				fmt.Fprintf(&s, "[PPID %s] ", name)
			} else {
				fmt.Fprintf(&s, "[PPID 0x%x] ", ppid)
			}
			forces = forces || ppid >= 21 && ppid <= 23
			payload := body[12:]
			if len(payload) == 0 {
				return bogus()
			}
			if !forces && o.Verbose >= 2 && ppid != 3 {
				s.WriteString("[Payload")
				if !o.Quiet && o.HexOnly == 0 && o.HexASCII == 0 {
					s.WriteString(":\n")
					s.WriteString(strings.TrimSuffix(hexDump(payload, true), "\n"))
				}
				s.WriteString("]")
			}
		case 0x01, 0x02: // INIT, INIT ACK
			if len(body) < 16 {
				return bogus()
			}
			fmt.Fprintf(&s, "[init tag: %d] [rwnd: %d] [OS: %d] [MIS: %d] [init TSN: %d] ", binary.BigEndian.Uint32(body), binary.BigEndian.Uint32(body[4:]),
				binary.BigEndian.Uint16(body[8:]), binary.BigEndian.Uint16(body[10:]), binary.BigEndian.Uint32(body[12:]))
		case 0x03: // SACK
			if len(body) < 12 {
				return bogus()
			}
			cum := binary.BigEndian.Uint32(body)
			gaps, dups := int(binary.BigEndian.Uint16(body[8:])), int(binary.BigEndian.Uint16(body[10:]))
			fmt.Fprintf(&s, "[cum ack %d] [a_rwnd %d] [#gap acks %d] [#dup tsns %d] ", cum, binary.BigEndian.Uint32(body[4:]), gaps, dups)
			r := body[12:]
			for i := 0; len(r) != 0 && i < gaps; i++ {
				if len(r) < 4 {
					return bogus()
				}
				fmt.Fprintf(&s, "\n\t\t[gap ack block #%d: start = %d, end = %d] ", i+1,
					cum+uint32(binary.BigEndian.Uint16(r)), cum+uint32(binary.BigEndian.Uint16(r[2:])))
				r = r[4:]
			}
			for i := 0; len(r) != 0 && i < dups; i++ {
				if len(r) < 4 {
					return bogus()
				}
				fmt.Fprintf(&s, "\n\t\t[dup TSN #%d: %d] ", i+1, binary.BigEndian.Uint32(r))
				r = r[4:]
			}
		}
		if o.Verbose < 2 {
			sep = ", ("
		}
		if align != 0 {
			if bp+int(align) > len(b) {
				return s.String() + trunc
			}
			bp += int(align)
			rem -= align
		}
	}
	return s.String()
}
