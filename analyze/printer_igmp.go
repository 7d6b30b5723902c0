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
			if sourceList(s, b, 12, ns, 4) {
				return false
			}
		default:
			fmt.Fprintf(s, ", %d source(s)", ns)
		}
	}
	s.WriteString("]")
	return true
}

// igmpV3Report appends an IGMPv3 report (print-igmp.c
// print_igmpv3_report): the number of group records, with -v the records
// (groupRecords). n is the message's length; false when a field it prints
// is not captured.
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
	return v == 0 || !groupRecords(s, b, ng, n, v, 4, "v3")
}

// groupRecords appends the n group records from byte 8 of an IGMPv3
// (alen 4, print-igmp.c) or MLDv2 (alen 16, print-icmp6.c) report of
// length bytes as tcpdump -v prints them: group, record type and number of
// sources, with -vv the sources. It reports true when a field it reads was
// not captured.
func groupRecords(s *strings.Builder, b []byte, n, length, v, alen int, ver string) (cut bool) {
	kinds := [...]string{1: "is_in", 2: "is_ex", 3: "to_in", 4: "to_ex", 5: "allow", 6: "block"}
	g := 8
	for range n {
		if length < g+4+alen {
			s.WriteString(" [invalid number of groups]")
			return false
		}
		if len(b) < g+4+alen {
			return true
		}
		fmt.Fprintf(s, " [gaddr %s", addrOf(b[g+4:g+4+alen]))
		if k := b[g]; int(k) < len(kinds) && kinds[k] != "" {
			s.WriteString(" " + kinds[k])
		} else {
			fmt.Fprintf(s, "  [%s-report-#%d]", ver, k)
		}
		ns := int(binary.BigEndian.Uint16(b[g+2:]))
		if length < g+4+alen+ns*alen {
			fmt.Fprintf(s, " [invalid number of sources %d]", ns)
			return false
		}
		if v == 1 {
			fmt.Fprintf(s, ", %d source(s)", ns)
		} else if sourceList(s, b, g+4+alen, ns, alen) {
			return true
		}
		g += 4 + alen + ns*alen
		s.WriteString("]")
	}
	return false
}

// sourceList appends " { a b ... }", the n addresses of alen bytes from
// b[off:]; true when they were not all captured (then the line ends
// after the last one captured).
func sourceList(s *strings.Builder, b []byte, off, n, alen int) (cut bool) {
	s.WriteString(" {")
	for i := range n {
		o := off + i*alen
		if len(b) < o+alen {
			return true
		}
		s.WriteString(" " + addrOf(b[o:o+alen]).String())
	}
	s.WriteString(" }")
	return false
}

// addrOf is the IPv4 (4 bytes) or IPv6 (16) address in b.
func addrOf(b []byte) netip.Addr {
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b))
	}
	return netip.AddrFrom16([16]byte(b))
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
