package analyze

import (
	"fmt"
	"strings"
)

// A small model of tcpdump's netdissect helpers for the printers ported
// from its C sources (LLDP, Slow Protocols, CDP, PTP): GET_ macros that
// leave the printer when the captured bytes end (a longjmp in tcpdump, a
// panic recovered by ndPrinter.run here), nd_printjnp, nd_printn,
// print_unknown_data, tok2str and bittok2str.

// ndTrunc is the value an ndPrinter panics with when a read passes the
// captured bytes (tcpdump's nd_trunc_longjmp).
type ndTrunc struct{}

// ndPrinter is one protocol printer's text and the captured bytes it
// reads (from the start of the protocol's data).
type ndPrinter struct {
	b []byte
	s strings.Builder
}

// run calls fn and reports whether it read past the captured bytes (its
// text so far is kept, as tcpdump's).
func (n *ndPrinter) run(fn func()) (jumped bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(ndTrunc); !ok {
				panic(r)
			}
			jumped = true
		}
	}()
	fn()
	return false
}

// ttest reports whether cnt bytes from off are captured (ND_TTEST_LEN).
func (n *ndPrinter) ttest(off, cnt int) bool {
	return off >= 0 && cnt >= 0 && off <= len(n.b) && cnt <= len(n.b)-off
}

// tcheck is ND_TCHECK_LEN in a printer built with ND_LONGJMP_FROM_TCHECK.
func (n *ndPrinter) tcheck(off, cnt int) {
	if !n.ttest(off, cnt) {
		panic(ndTrunc{})
	}
}

// be reads size bytes big-endian at off (GET_BE_U_n; GET_U_1 for size 1).
func (n *ndPrinter) be(off, size int) uint64 {
	n.tcheck(off, size)
	var v uint64
	for _, c := range n.b[off : off+size] {
		v = v<<8 | uint64(c)
	}
	return v
}

func (n *ndPrinter) u8(off int) uint                { return uint(n.be(off, 1)) }
func (n *ndPrinter) u16(off int) uint               { return uint(n.be(off, 2)) }
func (n *ndPrinter) u24(off int) uint               { return uint(n.be(off, 3)) }
func (n *ndPrinter) u32(off int) uint               { return uint(n.be(off, 4)) }
func (n *ndPrinter) printf(format string, a ...any) { fmt.Fprintf(&n.s, format, a...) }
func (n *ndPrinter) print(s string)                 { n.s.WriteString(s) }

// mac is GET_ETHERADDR_STRING.
func (n *ndPrinter) mac(off int) string {
	n.tcheck(off, 6)
	x := n.b[off:]
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", x[0], x[1], x[2], x[3], x[4], x[5])
}

// jnp is nd_printjnp: at most cnt characters, up to a NUL.
func (n *ndPrinter) jnp(off, cnt int) {
	for ; cnt > 0; cnt-- {
		c := byte(n.u8(off))
		if c == 0 {
			break
		}
		fnPrintChar(&n.s, c)
		off++
	}
}

// printn is nd_printn without an end pointer: cnt characters, NULs
// included.
func (n *ndPrinter) printn(off, cnt int) {
	for ; cnt > 0; cnt-- {
		fnPrintChar(&n.s, byte(n.u8(off)))
		off++
	}
}

// unknownData is print_unknown_data: cnt bytes from off in hex (as many
// of them as are captured), each line starting with ident.
func (n *ndPrinter) unknownData(off int, ident string, cnt int) {
	if off < 0 || off > len(n.b) {
		n.print(ident + "Dissector error: print_unknown_data called with pointer past end of packet")
		return
	}
	cnt = max(min(cnt, len(n.b)-off), 0)
	n.print(hexLines(ident, n.b[off:off+cnt]))
}

// tok is one entry of a tcpdump value table (struct tok).
type tok struct {
	v uint
	s string
}

// tok2str is tcpdump's tok2str: the name of v, else unknown (with v
// formatted in it when it holds a verb).
func tok2str(t []tok, unknown string, v uint) string {
	for _, e := range t {
		if e.v == v {
			return e.s
		}
	}
	if strings.Contains(unknown, "%") {
		return fmt.Sprintf(unknown, v)
	}
	return unknown
}

// bittok2str is tcpdump's bittok2str: the names of the entries whose
// bits are all set in v, ", " between them, else none.
func bittok2str(t []tok, none string, v uint) string {
	var s []string
	for _, e := range t {
		if e.v != 0 && v&e.v == e.v {
			s = append(s, e.s)
		}
	}
	if s == nil {
		if strings.Contains(none, "%") {
			return fmt.Sprintf(none, v)
		}
		return none
	}
	return strings.Join(s, ", ")
}

// plural is PLURAL_SUFFIX.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
