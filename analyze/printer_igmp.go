package analyze

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
)

// IGMP lines as tcpdump 4.99 prints them (print-igmp.c): the joins, leaves
// and queries a multicast receiver's host and its routers exchange (RFC
// 1112, RFC 2236, RFC 3376), and mtrace. DVMRP and PIMv1 inside IGMP are
// not decoded (the short form). Checked against tcpdump by
// TestTcpdumpDifferential on testdata/icmp/nd.pcap (real kernels) and
// icmpTrace (synthetic).

// igmpText is the text after "src > dst: " of the IGMP message in f, or
// false for the messages not decoded here.
func (p *Printer) igmpText(f *decode.Frame) (string, bool) {
	if p.opts.Quiet {
		return "igmp", true
	}
	b, n := f.L4, f.L4WireLen
	var s strings.Builder
	// A field not captured ends the line in " [|igmp]", and -x then dumps
	// the whole frame (a GET_ read).
	cut := func() (string, bool) {
		p.cutShort()
		return s.String() + " [|igmp]", true
	}
	addr := func(off int) (string, bool) {
		if len(b) < off+4 {
			return "", false
		}
		return netip.AddrFrom4([4]byte(b[off : off+4])).String(), true
	}
	if len(b) < 1 {
		return cut()
	}
	switch b[0] {
	case 0x11:
		s.WriteString("igmp query")
		if n >= 12 {
			if !igmpV3Query(&s, b, n, p.opts.Verbose) {
				return cut()
			}
			break
		}
		if len(b) < 2 {
			return cut()
		}
		if b[1] != 0 {
			s.WriteString(" v2")
			if b[1] != 100 {
				fmt.Fprintf(&s, " [max resp time %d]", b[1])
			}
		} else {
			s.WriteString(" v1")
		}
		g, ok := addr(4)
		if !ok {
			return cut()
		}
		if g != "0.0.0.0" {
			fmt.Fprintf(&s, " [gaddr %s]", g)
		}
		if n != 8 {
			fmt.Fprintf(&s, " [len %d]", n)
		}
	case 0x12, 0x16, 0x17:
		g, ok := addr(4)
		if !ok {
			return cut()
		}
		s.WriteString(map[byte]string{0x12: "igmp v1 report ", 0x16: "igmp v2 report ", 0x17: "igmp leave "}[b[0]] + g)
		if b[0] == 0x12 && n != 8 {
			fmt.Fprintf(&s, " [len %d]", n)
		}
	case 0x22:
		s.WriteString("igmp v3 report")
		if !igmpV3Report(&s, b, n, p.opts.Verbose) {
			return cut()
		}
	case 0x1e, 0x1f:
		name := "mresp"
		if b[0] == 0x1f {
			name = "mtrace"
		}
		if n < 8+16 {
			fmt.Fprintf(&s, " [invalid len %d]", n)
			break
		}
		if len(b) < 8+16 {
			return cut()
		}
		q := b[8:]
		fmt.Fprintf(&s, "%s %d: %s to %s reply-to %s", name, uint32(q[13])<<16|uint32(binary.BigEndian.Uint16(q[14:])),
			netip.AddrFrom4([4]byte(q[0:4])), netip.AddrFrom4([4]byte(q[4:8])), netip.AddrFrom4([4]byte(q[8:12])))
		if q[8]&0xf0 == 0xe0 {
			fmt.Fprintf(&s, " with-ttl %d", q[12])
		}
	case 0x13, 0x14:
		return "", false // DVMRP, PIMv1: not decoded
	default:
		fmt.Fprintf(&s, "igmp-%d", b[0])
	}
	if p.opts.Verbose > 0 && n >= 4 && len(b) >= n {
		if onesSum(0, b[:n]) != 0xffff {
			fmt.Fprintf(&s, " bad igmp cksum %x!", binary.BigEndian.Uint16(b[2:]))
		}
	}
	return s.String(), true
}

// igmpV3Query appends an IGMPv3 query (print-igmp.c print_igmpv3_query):
// the maximum response time when not the default 10 s, the group and its
// sources (-vv) or their number. n is the message's length; false when a
// field it prints is not captured.
func igmpV3Query(s *strings.Builder, b []byte, n, v int) bool {
	s.WriteString(" v3")
	if n < 12 || n&3 != 0 {
		fmt.Fprintf(s, " [invalid len %d]", n)
		return true
	}
	if len(b) < 2 {
		return false
	}
	mrc := uint32(b[1])
	mrt := mrc
	if mrc >= 128 {
		mrt = (mrc&0x0f | 0x10) << ((mrc&0x70)>>4 + 3)
	}
	if mrc != 100 {
		s.WriteString(" [max resp time ")
		if mrt < 600 {
			fmt.Fprintf(s, "%.1fs", float64(mrt)*0.1)
		} else {
			s.WriteString(relTime(mrt / 10))
		}
		s.WriteString("]")
	}
	if len(b) < 8 {
		return false
	}
	if binary.BigEndian.Uint32(b[4:]) == 0 {
		return true
	}
	fmt.Fprintf(s, " [gaddr %s", netip.AddrFrom4([4]byte(b[4:8])))
	if len(b) < 12 {
		return false
	}
	if ns := int(binary.BigEndian.Uint16(b[10:])); ns > 0 {
		switch {
		case n < 12+ns*4:
			s.WriteString(" [invalid number of sources]")
		case v > 1:
			s.WriteString(" {")
			for i := range ns {
				o := 12 + i*4
				if len(b) < o+4 {
					return false
				}
				s.WriteString(" " + netip.AddrFrom4([4]byte(b[o:o+4])).String())
			}
			s.WriteString(" }")
		default:
			fmt.Fprintf(s, ", %d source(s)", ns)
		}
	}
	s.WriteString("]")
	return true
}

// igmpV3Report appends an IGMPv3 report (print-igmp.c
// print_igmpv3_report): the number of group records, with -v each group,
// its record type and its number of sources, with -vv the sources. n is
// the message's length; false when a field it prints is not captured.
func igmpV3Report(s *strings.Builder, b []byte, n, v int) bool {
	if n < 16 || n&3 != 0 {
		fmt.Fprintf(s, " [invalid len %d]", n)
		return true
	}
	if len(b) < 8 {
		return false
	}
	ng := int(binary.BigEndian.Uint16(b[6:]))
	fmt.Fprintf(s, ", %d group record(s)", ng)
	if v == 0 {
		return true
	}
	kinds := [...]string{1: "is_in", 2: "is_ex", 3: "to_in", 4: "to_ex", 5: "allow", 6: "block"}
	g := 8
	for range ng {
		if n < g+8 {
			s.WriteString(" [invalid number of groups]")
			return true
		}
		if len(b) < g+8 {
			return false
		}
		fmt.Fprintf(s, " [gaddr %s", netip.AddrFrom4([4]byte(b[g+4:g+8])))
		if k := b[g]; int(k) < len(kinds) && kinds[k] != "" {
			s.WriteString(" " + kinds[k])
		} else {
			fmt.Fprintf(s, "  [v3-report-#%d]", k)
		}
		ns := int(binary.BigEndian.Uint16(b[g+2:]))
		if n < g+8+ns*4 {
			fmt.Fprintf(s, " [invalid number of sources %d]", ns)
			return true
		}
		if v == 1 {
			fmt.Fprintf(s, ", %d source(s)", ns)
		} else {
			s.WriteString(" {")
			for j := range ns {
				o := g + 8 + j*4
				if len(b) < o+4 {
					return false
				}
				s.WriteString(" " + netip.AddrFrom4([4]byte(b[o:o+4])).String())
			}
			s.WriteString(" }")
		}
		g += 8 + ns*4
		s.WriteString("]")
	}
	return true
}

// relTime is tcpdump's unsigned_relts_print: a number of seconds as
// years, weeks, days, hours, minutes and seconds ("2m5s"; "0s").
func relTime(secs uint32) string {
	if secs == 0 {
		return "0s"
	}
	var s strings.Builder
	for i, u := range [...]uint32{31536000, 604800, 86400, 3600, 60, 1} {
		if secs >= u {
			fmt.Fprintf(&s, "%d%s", secs/u, "ywdhms"[i:i+1])
			secs %= u
		}
	}
	return s.String()
}
