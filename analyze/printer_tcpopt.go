package analyze

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/smcproto"
)

// TCP options as tcpdump 4.99 prints them (print-tcp.c, print-mptcp.c),
// the SMC option named "smc" (tcpdump: "exp-e2d4"; docs/smc-protocol.md
// section 1).

// tcpOptEnd is how the option list ended.
type tcpOptEnd uint8

const (
	tcpOptsDone tcpOptEnd = iota // "]": the line goes on with the length
	tcpOptsBad                   // "[bad opt]": print-tcp.c returns, nothing follows
	tcpOptsCut                   // cut by the snaplen at a length check: " [|tcp]", then ">" after an option
	tcpOptsJump                  // cut where tcpdump reads a byte: its longjmp ends the packet
)

var tcpOptNames = map[byte]string{
	0: "eol", 1: "nop", 2: "mss", 3: "wscale", 4: "sackOK", 5: "sack", 6: "echo", 7: "echoreply",
	8: "TS", 11: "cc", 12: "ccnew", 13: "", 19: "md5", 20: "scps", 28: "uto", 29: "tcp-ao",
	30: "mptcp", 34: "tfo", 254: "exp",
}

// tcpOptions writes ", options [...]" for the options o captured of a
// header whose option bytes are hlen long (more than len(o) when the
// snaplen cut them), for a segment with TCP flags flags; SACK blocks are
// relative to sackBase; payloadCut tells that the segment's payload was
// not all captured (the MD5 signature's remark). o holds what was captured
// from the options on (the length of the header's last option may be read
// from the payload, as print-tcp.c does). It returns how the list ended,
// and the name tcpdump's truncation marks then carry ("mptcp" after an
// MPTCP option).
func tcpOptions(b *strings.Builder, o []byte, hlen int, flags uint8, sackBase uint32, payloadCut bool) (tcpOptEnd, string) {
	b.WriteString(", options [")
	proto := "tcp" // print-mptcp.c names itself for what follows
	cp := 0
	var ch byte
	have := func(n int) bool { return cp+n <= len(o) }
	cut := func(jump bool) (tcpOptEnd, string) {
		fmt.Fprintf(b, " [|%s]", proto)
		if jump {
			return tcpOptsJump, proto
		}
		if ch != 0 {
			b.WriteByte('>')
		}
		return tcpOptsCut, proto
	}
	bad := func() (tcpOptEnd, string) {
		b.WriteString("[bad opt]")
		if ch != 0 {
			b.WriteByte(']')
		}
		return tcpOptsBad, proto
	}
	for hlen > 0 {
		if ch != 0 {
			b.WriteByte(ch)
		}
		if !have(1) {
			return cut(true)
		}
		opt := o[cp]
		cp++
		ln := 1
		if opt > 1 {
			if !have(1) {
				return cut(true)
			}
			ln = int(o[cp])
			cp++
			if ln < 2 || ln > hlen {
				return bad()
			}
			hlen--
		}
		hlen--
		datalen := 0
		// lenCheck is print-tcp.c's LENCHECK: 0 when l bytes are there
		lenCheck := func(l int) (tcpOptEnd, bool) {
			if l > hlen {
				e, _ := bad()
				return e, false
			}
			if !have(l) {
				e, _ := cut(false)
				return e, false
			}
			return 0, true
		}
		name, known := tcpOptNames[opt]
		if !known {
			name = fmt.Sprintf("unknown-%d", opt)
		}
		if opt == 254 && ln >= 6 && ln-2 <= hlen && have(ln-2) && binary.BigEndian.Uint32(o[cp:]) == smcproto.ExIDSMC {
			name = "smc"
		}
		b.WriteString(name)
		switch opt {
		case 2, 3, 6, 7, 11, 12, 13, 8, 20, 28:
			datalen = fixedOptLen(opt)
			if e, ok := lenCheck(datalen); !ok {
				return e, proto
			}
			v := o[cp:]
			switch opt {
			case 2:
				fmt.Fprintf(b, " %d", binary.BigEndian.Uint16(v))
			case 3:
				fmt.Fprintf(b, " %d", v[0])
			case 8:
				fmt.Fprintf(b, " val %d ecr %d", binary.BigEndian.Uint32(v), binary.BigEndian.Uint32(v[4:]))
			case 20:
				fmt.Fprintf(b, " cap %02x id %d", v[0], v[1])
			case 28:
				u := uint32(binary.BigEndian.Uint16(v))
				fmt.Fprintf(b, " 0x%x", u)
				if u&1 != 0 {
					u = (u >> 1) * 60
				} else {
					u >>= 1
				}
				fmt.Fprintf(b, " %d", u)
			default:
				fmt.Fprintf(b, " %d", binary.BigEndian.Uint32(v))
			}
		case 5: // SACK
			datalen = ln - 2
			if datalen%8 != 0 {
				b.WriteString(" invalid sack")
				break
			}
			fmt.Fprintf(b, " %d ", datalen/8)
			for i := 0; i < datalen; i += 8 {
				if e, ok := lenCheck(i + 4); !ok {
					return e, proto
				}
				s := binary.BigEndian.Uint32(o[cp+i:]) - sackBase
				if e, ok := lenCheck(i + 8); !ok {
					return e, proto
				}
				fmt.Fprintf(b, "{%d:%d}", s, binary.BigEndian.Uint32(o[cp+i+4:])-sackBase)
			}
		case 19: // MD5 signature: tcpdump with libcrypto, no -M secret
			datalen = 16
			if e, ok := lenCheck(datalen); !ok {
				return e, proto
			}
			if payloadCut {
				b.WriteString(" snaplen too short, can't check - ")
			} else {
				b.WriteString(" shared secret not supplied with -M, can't check - ")
			}
			fmt.Fprintf(b, "%x", o[cp:cp+16])
		case 29: // TCP-AO
			datalen = ln - 2
			if datalen < 2 {
				b.WriteString(" (invalid)")
				break
			}
			if e, ok := lenCheck(1); !ok {
				return e, proto
			}
			fmt.Fprintf(b, " keyid %d", o[cp])
			if e, ok := lenCheck(2); !ok {
				return e, proto
			}
			fmt.Fprintf(b, " rnextkeyid %d", o[cp+1])
			if datalen > 2 {
				b.WriteString(" mac 0x")
				for i := 2; i < datalen; i++ {
					if e, ok := lenCheck(i + 1); !ok {
						return e, proto
					}
					fmt.Fprintf(b, "%02x", o[cp+i])
				}
			}
		case 0, 1, 4:
		case 30: // MPTCP
			datalen = ln - 2
			if e, ok := lenCheck(datalen); !ok {
				return e, proto
			}
			proto = "mptcp"
			if !mptcpOption(b, o[cp-2:cp+datalen], flags) {
				return bad()
			}
		case 34: // TCP Fast Open
			datalen = ln - 2
			if e, ok := lenCheck(datalen); !ok {
				return e, proto
			}
			b.WriteByte(' ')
			tfoCookie(b, o[cp:cp+datalen])
		case 254: // RFC 6994 experimental
			datalen = ln - 2
			if e, ok := lenCheck(datalen); !ok {
				return e, proto
			}
			if datalen < 2 {
				return bad()
			}
			if name == "smc" {
				break
			}
			magic := binary.BigEndian.Uint16(o[cp:])
			b.WriteByte('-')
			if magic == 0xf989 {
				b.WriteString("tfo")
				tfoCookie(b, o[cp+2:cp+datalen])
			} else {
				fmt.Fprintf(b, "%04x", magic)
			}
		default:
			datalen = ln - 2
			if datalen > 0 {
				b.WriteString(" 0x")
			}
			for i := 0; i < datalen; i++ {
				if e, ok := lenCheck(i + 1); !ok {
					return e, proto
				}
				fmt.Fprintf(b, "%02x", o[cp+i])
			}
		}
		cp += datalen
		hlen -= datalen
		datalen++
		if opt > 1 {
			datalen++
		}
		if datalen != ln {
			fmt.Fprintf(b, "[len %d]", ln)
		}
		ch = ','
		if opt == 0 {
			break
		}
	}
	b.WriteByte(']')
	return tcpOptsDone, proto
}

// fixedOptLen is the data length print-tcp.c expects of an option of
// fixed size: mss, wscale, TS, scps, uto, and 4 for cc, ccnew, ccecho,
// echo and echoreply.
func fixedOptLen(opt byte) int {
	switch opt {
	case 2, 20, 28:
		return 2
	case 3:
		return 1
	case 8:
		return 8
	}
	return 4
}

// tfoCookie is print_tcp_fastopen_option's text after its name.
func tfoCookie(b *strings.Builder, c []byte) {
	switch {
	case len(c) == 0:
		b.WriteString(" cookiereq")
	case len(c)%2 != 0 || len(c) < 4 || len(c) > 16:
		b.WriteString(" (invalid)")
	default:
		fmt.Fprintf(b, " cookie %x", c)
	}
}

// mptcpOption is print-mptcp.c for the option opt (kind and length
// included, all captured): false for what it calls malformed.
func mptcpOption(b *strings.Builder, opt []byte, flags uint8) bool {
	n := len(opt)
	if n < 3 {
		return false
	}
	sub := min(int(opt[2]>>4), 8)
	fmt.Fprintf(b, " %d %s", n, [...]string{"capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail", "fast-close", "unknown"}[sub])
	syn, ack := flags&decode.TCPSYN != 0, flags&decode.TCPACK != 0
	u64 := func(off int) uint64 { return binary.BigEndian.Uint64(opt[off:]) }
	u32 := func(off int) uint32 { return binary.BigEndian.Uint32(opt[off:]) }
	switch sub {
	case 0: // MP_CAPABLE
		if !((n == 12 || n == 4) && syn) && !((n == 20 || n == 22) && ack && !syn) {
			return false
		}
		v := opt[2] & 0xf
		if v > 1 {
			fmt.Fprintf(b, " Unknown Version (%d)", v)
			return true
		}
		fmt.Fprintf(b, " v%d", v)
		if opt[3]&0x80 != 0 {
			b.WriteString(" csum")
		}
		if n == 12 || n >= 20 {
			fmt.Fprintf(b, " {0x%x", u64(4))
			if n >= 20 {
				fmt.Fprintf(b, ",0x%x", u64(12))
			}
			b.WriteString("}")
		}
	case 1: // MP_JOIN
		if !(n == 12 && syn) && !(n == 16 && syn && ack) && !(n == 24 && ack) {
			return false
		}
		if n != 24 {
			if opt[2]&1 != 0 {
				b.WriteString(" backup")
			}
			fmt.Fprintf(b, " id %d", opt[3])
		}
		switch n {
		case 12:
			fmt.Fprintf(b, " token 0x%x nonce 0x%x", u32(4), u32(8))
		case 16:
			fmt.Fprintf(b, " hmac 0x%x nonce 0x%x", u64(4), u32(12))
		case 24:
			fmt.Fprintf(b, " hmac 0x%x", opt[4:24])
		}
	case 2: // DSS
		if n < 4 || syn {
			return false
		}
		fl := opt[3]
		if fl&0x10 != 0 {
			b.WriteString(" fin")
		}
		rest := opt[4:]
		num := func(wide bool) bool {
			if wide {
				if len(rest) < 8 {
					return false
				}
				fmt.Fprintf(b, "%d", binary.BigEndian.Uint64(rest))
				rest = rest[8:]
				return true
			}
			if len(rest) < 4 {
				return false
			}
			fmt.Fprintf(b, "%d", binary.BigEndian.Uint32(rest))
			rest = rest[4:]
			return true
		}
		if fl&0x01 != 0 {
			b.WriteString(" ack ")
			if !num(fl&0x02 != 0) {
				return false
			}
		}
		if fl&0x04 != 0 {
			b.WriteString(" seq ")
			if !num(fl&0x08 != 0) {
				return false
			}
			if len(rest) < 4 {
				return false
			}
			fmt.Fprintf(b, " subseq %d", binary.BigEndian.Uint32(rest))
			rest = rest[4:]
			if len(rest) < 2 {
				return false
			}
			fmt.Fprintf(b, " len %d", binary.BigEndian.Uint16(rest))
			rest = rest[2:]
			if len(rest) >= 2 {
				fmt.Fprintf(b, " csum 0x%x", binary.BigEndian.Uint16(rest))
				rest = rest[2:]
			}
		}
		return len(rest) == 0
	case 3: // ADD_ADDR
		switch n {
		case 8, 10, 16, 18, 20, 22, 28, 30:
		default:
			return false
		}
		names := map[byte]string{6: "v0-ip6", 4: "v0-ip4", 1: "v1-echo", 0: "v1"}
		if s, ok := names[opt[2]&0xf]; ok {
			fmt.Fprintf(b, " %s", s)
		} else {
			b.WriteString(" [bad version/echo]")
		}
		fmt.Fprintf(b, " id %d", opt[3])
		if n <= 18 {
			fmt.Fprintf(b, " %s", netip.AddrFrom4([4]byte(opt[4:8])))
			if n == 10 || n == 18 {
				fmt.Fprintf(b, ":%d", binary.BigEndian.Uint16(opt[8:]))
			}
			if n == 16 {
				fmt.Fprintf(b, " hmac 0x%x", u64(8))
			}
			if n == 18 {
				fmt.Fprintf(b, " hmac 0x%x", u64(10))
			}
		} else {
			fmt.Fprintf(b, " %s", netip.AddrFrom16([16]byte(opt[4:20])))
			if n == 22 || n == 30 {
				fmt.Fprintf(b, ":%d", binary.BigEndian.Uint16(opt[20:]))
			}
			if n == 28 {
				fmt.Fprintf(b, " hmac 0x%x", u64(20))
			}
			if n == 30 {
				fmt.Fprintf(b, " hmac 0x%x", u64(22))
			}
		}
	case 4: // REMOVE_ADDR
		if n < 4 {
			return false
		}
		b.WriteString(" id")
		for _, id := range opt[3:] {
			fmt.Fprintf(b, " %d", id)
		}
	case 5: // MP_PRIO
		if n != 3 && n != 4 {
			return false
		}
		if opt[2]&1 != 0 {
			b.WriteString(" backup")
		} else {
			b.WriteString(" non-backup")
		}
		if n == 4 {
			fmt.Fprintf(b, " id %d", opt[3])
		}
	case 6: // MP_FAIL
		if n != 12 {
			return false
		}
		fmt.Fprintf(b, " seq %d", u64(4))
	case 7: // MP_FASTCLOSE
		if n != 12 {
			return false
		}
		fmt.Fprintf(b, " key 0x%x", u64(4))
	}
	return true
}
