package bpffilter

import (
	"fmt"
	"strings"

	"golang.org/x/net/bpf"
)

// The parser is a recursive-descent version of libpcap's grammar.y
// (docs/capture.md §2.5): and/or have equal precedence and associate to the
// left; a bare id after and/or inherits the qualifiers of the previous
// primitive ("port 80 or 8080", "host a or b"). Code is generated during
// parsing, as in libpcap, because `vlan` changes the offsets used by every
// primitive parsed after it.

// qual is a qualifier set: protocol, direction and address type.
type qual struct {
	proto string // "" (default) or a pname: link, ip, ip6, arp, rarp, tcp, ...
	dir   string // "", "src", "dst", "or" (src or dst), "and" (src and dst)
	addr  string // "", host, net, port, portrange, proto, gateway, protochain
	ok    bool   // false: no qualifiers in effect (libpcap's qerr)
}

// offset is a packet offset: constant, or constant plus a run-time value in
// scratch register reg (live-mode VLAN handling).
type offset struct {
	c        uint32
	variable bool
	reg      uint32
}

type genState struct {
	linkhdr  offset // the link-level header (0; the PPP header after "pppoes")
	linktype offset // where the EtherType is (unused for Raw/Null)
	linkpl   offset // start of the network-layer header
	// nosnap is where an OSI network-layer header starts relative to
	// linkpl when the frame is 802.2 LLC without SNAP (libpcap's
	// off_nl_nosnap): 3 on Ethernet, 0 elsewhere and after "pppoes".
	nosnap uint32
	// nl is how far MPLS labels moved the network layer from the link
	// payload (libpcap's off_nl): linkpl - nl is the LLC header.
	nl uint32
	// lt is the link type later primitives see: the capture's, or
	// Ethernet inside a Geneve tunnel.
	lt LinkType
	// topReg is the highest scratch register arithmetic may use; each
	// "geneve" takes the three above it for its run-time offsets.
	topReg int
	// geneve: the link-level header is the payload of a Geneve
	// tunnel, which may not be an Ethernet frame (libpcap's is_geneve).
	geneve    bool
	vlanDepth int
	vloffset  bool // live-mode VLAN offset registers M[0], M[1] in use
	// labelDepth counts "mpls" primitives: protocols after them are
	// tested inside the label stack (libpcap's label_stack_depth).
	labelDepth int
	// ppp: after "pppoes" the link-level type is PPP's protocol field
	// (libpcap switches the link type to DLT_PPP).
	ppp bool
}

const (
	regLinkpl   = 0
	regLinktype = 1
	regArith    = 2 // first scratch register for arithmetic
	skfAdOff    = 0xfffff000
	skfVlanTag  = 44
	skfVlanPres = 48
	skfPkttype  = 4
	skfIfindex  = 8
)

var pnames = map[string]bool{
	"link": true, "ip": true, "ip6": true, "arp": true, "rarp": true, "tcp": true,
	"udp": true, "sctp": true, "icmp": true, "icmp6": true, "igmp": true, "igrp": true,
	"pim": true, "vrrp": true, "carp": true, "ah": true, "esp": true,
	"radio": true, "atalk": true, "aarp": true, "decnet": true, "lat": true, "sca": true,
	"moprc": true, "mopdl": true, "iso": true, "esis": true, "isis": true, "clnp": true,
	"stp": true, "ipx": true, "netbeui": true, "l1": true, "l2": true, "iih": true,
	"lsp": true, "snp": true, "csnp": true, "psnp": true,
}

type parser struct {
	expr  string
	toks  []token
	i     int
	opts  Options
	st    genState
	q     qual
	err   error
	depth int
	// neg: the term being parsed is under an odd number of "not"s;
	// polarity records the primitives seen (polarity* bits, Polarity).
	neg      bool
	polarity uint8
	leaves   int // primitives marked (leaf)
}

// Bits of parser.polarity.
const (
	polarityPositive = 1 << iota // a primitive not negated
	polarityNegative             // a negated primitive
)

// leaf records a primitive's polarity.
func (p *parser) leaf() {
	p.leaves++
	if p.neg {
		p.polarity |= polarityNegative
	} else {
		p.polarity |= polarityPositive
	}
}

func newParser(expr string, opts Options) (*parser, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{expr: expr, toks: toks, opts: opts}
	p.st.lt, p.st.topReg = opts.LinkType, 15
	switch opts.LinkType {
	case Ethernet:
		p.st.linktype.c, p.st.linkpl.c, p.st.nosnap = 12, 14, 3
	case LinuxSLL:
		p.st.linktype.c, p.st.linkpl.c = 14, 16
	case LinuxSLL2:
		p.st.linktype.c, p.st.linkpl.c = 0, 20
	case Raw, IPv4, IPv6:
		p.st.linkpl.c = 0
	case Null, Loop:
		p.st.linktype.c, p.st.linkpl.c = 0, 4
	}
	return p, nil
}

// prologue initialises the live-mode VLAN offset registers (libpcap's
// insert_compute_vloffsets) and Geneve's offset registers to 0: the kernel
// rejects a program that may read unwritten scratch memory, and libpcap's
// userland filter reads it as 0.
func (p *parser) prologue() []bpf.Instruction {
	var regs []int
	if p.st.vloffset {
		regs = append(regs, regLinkpl, regLinktype)
	}
	// Geneve's offset registers: a path on which "geneve" did not
	// match may still read them ("(geneve or ip) and ether host …").
	for r := p.st.topReg + 1; r <= 15; r++ {
		regs = append(regs, r)
	}
	if len(regs) == 0 {
		return nil
	}
	out := []bpf.Instruction{bpf.LoadConstant{Dst: bpf.RegA, Val: 0}}
	for _, r := range regs {
		out = append(out, bpf.StoreScratch{Src: bpf.RegA, N: r})
	}
	return out
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token, format string, args ...any) error {
	tok := t.raw
	if t.kind == tEOF {
		tok = "end of expression"
	}
	return &SyntaxError{Expr: p.expr, Pos: t.pos, Token: tok, Msg: fmt.Sprintf(format, args...)}
}

// fail records the first semantic error and returns a placeholder.
func (p *parser) fail(t token, format string, args ...any) *pred {
	if p.err == nil {
		p.err = p.errAt(t, format, args...)
	}
	return pConst(false)
}

func isKw(t token, s string) bool { return t.kind == tKw && t.text == s }
func isOp(t token, s string) bool { return t.kind == tOp && t.text == s }

func (p *parser) parseProgram() (*pred, error) {
	if p.peek().kind == tEOF {
		return nil, nil
	}
	r, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if isOp(t, ")") {
			return nil, p.errAt(t, "unbalanced parenthesis")
		}
		return nil, p.errAt(t, "expected \"and\", \"or\" or end of expression")
	}
	return r, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > 500 {
		return p.errAt(p.peek(), "expression nested too deeply")
	}
	return nil
}

func (p *parser) parseExpr() (*pred, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	left, err := p.parseTerm()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if !isKw(t, "and") && !isKw(t, "or") {
			return left, nil
		}
		p.next()
		right, err := p.parseTermOrID()
		if err != nil {
			return nil, err
		}
		if t.text == "and" {
			left = pAndOf(left, right)
		} else {
			left = pOrOf(left, right)
		}
	}
}

// idStartAt reports whether the token at p.i+n starts an id (an address,
// name or number that inherits the previous qualifiers).
func (p *parser) idStartAt(n int) bool {
	for guard := 0; guard < 1000; guard++ {
		t := p.peekAt(n)
		switch {
		case t.kind == tHID, t.kind == tHID6, t.kind == tMAC, t.kind == tID:
			return true
		case t.kind == tNum:
			// A number followed by an arithmetic or relational operator
			// starts a relation ("5 < ip[8]"); otherwise it is an id.
			nx := p.peekAt(n + 1)
			if nx.kind == tOp && nx.text != "(" && nx.text != ")" {
				return false
			}
			return true
		case isKw(t, "not"), isOp(t, "("):
			n++
		default:
			return false
		}
	}
	return false
}

func (p *parser) parseTermOrID() (*pred, error) {
	if p.idStartAt(0) {
		if !p.q.ok {
			return nil, p.errAt(p.peek(), "expected a primitive (an address needs a qualifier such as \"host\" or \"port\" here)")
		}
		return p.parseID(p.q)
	}
	return p.parseTerm()
}

// arithStartAt reports whether a term starting at p.i+n is an arithmetic
// relation (after any opening parentheses).
func (p *parser) arithStartAt(n int) bool {
	for guard := 0; guard < 1000; guard++ {
		t := p.peekAt(n)
		switch {
		case isOp(t, "("):
			n++
		case t.kind == tNum, isKw(t, "len"), isOp(t, "-"):
			return true
		case t.kind == tKw && pnames[t.text]:
			return isOp(p.peekAt(n+1), "[")
		default:
			return false
		}
	}
	return false
}

func (p *parser) parseTerm() (*pred, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	switch {
	case isKw(t, "not"):
		p.next()
		p.neg = !p.neg
		r, err := p.parseTerm()
		p.neg = !p.neg
		if err != nil {
			return nil, err
		}
		return pNotOf(r), nil
	case isOp(t, "("):
		if p.arithStartAt(0) {
			p.leaf()
			save, saveSt, saveQ := p.i, p.st, p.q
			r, err := p.parseRelation()
			if err == nil && p.err == nil {
				return r, nil
			}
			p.i, p.st, p.q, p.err = save, saveSt, saveQ, nil
		}
		p.next()
		saveQ := p.q
		r, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if c := p.peek(); !isOp(c, ")") {
			if c.kind == tEOF {
				return nil, p.errAt(t, "unbalanced parenthesis: missing \")\"")
			}
			return nil, p.errAt(c, "expected \")\"")
		}
		p.next()
		p.q = saveQ
		return r, nil
	case p.arithStartAt(0):
		p.leaf()
		return p.parseRelation()
	case t.kind == tKw:
		// A primitive with ids ("host a", "port not 22") is marked
		// by each id (parseID, where a "not" among the ids counts);
		// one without ("tcp", "vlan 100") here.
		n := p.leaves
		r, err := p.parsePrimitive()
		if p.leaves == n {
			p.leaf()
		}
		return r, err
	case t.kind == tHID, t.kind == tHID6, t.kind == tMAC, t.kind == tID:
		if t.kind == tID && !isOp(p.peekAt(1), "[") {
			return nil, p.errAt(t, "expected a primitive such as \"host\", \"port\" or \"tcp\" (unknown keyword; names need a qualifier)")
		}
		return nil, p.errAt(t, "expected a qualifier such as \"host\" or \"net\" before an address")
	case t.kind == tEOF:
		return nil, p.errAt(t, "expected a primitive")
	}
	return nil, p.errAt(t, "expected a primitive")
}

func (p *parser) unsupported(t token) error {
	return p.errAt(t, "%q is not supported by smcdump's filter compiler", t.raw)
}

func (p *parser) parsePrimitive() (*pred, error) {
	t := p.peek()
	var r *pred
	switch t.text {
	case "less", "greater":
		p.next()
		n := p.next()
		if n.kind != tNum {
			return nil, p.errAt(n, "expected a number after %q", t.raw)
		}
		ld := []bpf.Instruction{bpf.LoadExtension{Num: bpf.ExtLen}}
		if t.text == "greater" {
			r = atom(ld, bpf.JumpGreaterOrEqual, n.num)
		} else {
			r = pNotOf(atom(ld, bpf.JumpGreaterThan, n.num))
		}
	case "vlan":
		p.next()
		num, has, err := p.parseOptPnum()
		if err != nil {
			return nil, err
		}
		r = p.genVlan(t, num, has)
	case "mpls", "pppoes":
		p.next()
		num, has, err := p.parseOptPnum()
		if err != nil {
			return nil, err
		}
		if t.text == "mpls" {
			r = p.genMPLS(t, num, has)
		} else {
			r = p.genPPPoES(t, num, has)
		}
	case "pppoed":
		p.next()
		r = p.genLinktype(t, 0x8863)
	case "geneve":
		p.next()
		num, has, err := p.parseOptPnum()
		if err != nil {
			return nil, err
		}
		r = p.genGeneve(t, num, has)
	case "inbound", "outbound":
		p.next()
		r = p.genDirection(t, t.text == "outbound")
	case "ifindex":
		p.next()
		n := p.next()
		if n.kind != tNum {
			return nil, p.errAt(n, "expected an interface index after \"ifindex\"")
		}
		r = p.genIfindex(t, n.num)
	case "byte":
		p.next()
		var err error
		if r, err = p.parseByte(t); err != nil {
			return nil, err
		}
	case "llc":
		p.next()
		r = p.parseLLC(t)
	case "broadcast", "multicast":
		p.next()
		r = p.genCast(t, "", t.text)
	case "src", "dst", "host", "net", "port", "portrange", "proto", "gateway", "protochain":
		return p.parseHead("")
	default:
		if pnames[t.text] {
			p.next()
			return p.parseHead(t.text)
		}
		if t.text == "and" || t.text == "or" {
			return nil, p.errAt(t, "expected a primitive before %q", t.raw)
		}
		return nil, p.unsupported(t)
	}
	p.q = qual{}
	if p.err != nil {
		return nil, p.err
	}
	return r, nil
}

// parseByte parses the rest of `byte NUM op NUM` (op: = < > & |): a
// test of one byte of the link-level header, libpcap's gen_byteop.
// libpcap 1.10 forgets to load the byte for & and | (fixed later); here
// "byte 3 & 4" is true when byte 3 has a bit of 4 set, as documented.
func (p *parser) parseByte(at token) (*pred, error) {
	idx := p.next()
	if idx.kind != tNum {
		return nil, p.errAt(idx, "expected a byte offset after \"byte\"")
	}
	op := p.next()
	if op.kind != tOp || (op.text != "=" && op.text != "<" && op.text != ">" && op.text != "&" && op.text != "|") {
		return nil, p.errAt(op, "expected one of = < > & | after \"byte %d\"", idx.num)
	}
	v := p.next()
	if v.kind != tNum {
		return nil, p.errAt(v, "expected a number after %q", op.raw)
	}
	if v.num > 0xff {
		return nil, p.errAt(v, "byte argument %d greater than maximum 255", v.num)
	}
	switch op.text {
	case "=":
		return p.cmp(orLinkhdr, idx.num, 1, v.num), nil
	case "<":
		return pNotOf(p.cmpOp(orLinkhdr, idx.num, 1, bpf.JumpGreaterOrEqual, v.num)), nil
	case ">":
		return p.cmpOp(orLinkhdr, idx.num, 1, bpf.JumpGreaterThan, v.num), nil
	}
	alu := bpf.ALUOpAnd
	if op.text == "|" {
		alu = bpf.ALUOpOr
	}
	pre := append(p.load(orLinkhdr, idx.num, 1), bpf.ALUOpConstant{Op: alu, Val: v.num})
	return pNotOf(atom(pre, bpf.JumpEqual, 0)), nil
}

// LLC control-field values (libpcap's llc.h): the S-format commands under
// mask 0x0f, the U-format ones under 0xef.
var (
	llcSTypes = map[string]uint32{"rr": 0x01, "rnr": 0x05, "rej": 0x09}
	llcUTypes = map[string]uint32{"ui": 0x03, "ua": 0x63, "disc": 0x43, "dm": 0x0f, "sabme": 0x6f,
		"test": 0xe3, "xid": 0xaf, "frmr": 0x87}
)

// parseLLC parses the rest of `llc [i|s|u|subtype]` (libpcap's pllc): an
// 802.2 LLC frame on Ethernet (an 802.3 length, and not Novell's raw
// 802.3), optionally with that control field.
func (p *parser) parseLLC(at token) *pred {
	if p.st.lt != Ethernet || p.st.ppp {
		name := p.st.lt.String()
		if p.st.ppp {
			name = "PPP"
		}
		return p.fail(at, "'llc' not supported for %s", name)
	}
	r := pAndOf(p.isLength(), pNotOf(p.cmp(orLLC, 0, 2, 0xffff)))
	t := p.peek()
	if t.kind != tID && t.kind != tKw {
		return r
	}
	name := strings.ToLower(t.text)
	switch {
	case name == "i":
		p.next()
		return pAndOf(r, pNotOf(p.cmpOp(orLLC, 2, 1, bpf.JumpBitsSet, 0x01)))
	case name == "s":
		p.next()
		return pAndOf(r, p.mcmp(orLLC, 2, 1, 0x01, 0x03))
	case name == "u":
		p.next()
		return pAndOf(r, p.mcmp(orLLC, 2, 1, 0x03, 0x03))
	case llcSTypes[name] != 0:
		p.next()
		return pAndOf(r, p.mcmp(orLLC, 2, 1, llcSTypes[name], 0x0f))
	case llcUTypes[name] != 0:
		p.next()
		return pAndOf(r, p.mcmp(orLLC, 2, 1, llcUTypes[name], 0xef))
	case t.kind == tID:
		return p.fail(t, "unknown LLC type name %q", t.raw)
	}
	return r
}

// parseOptPnum parses libpcap's optional pnum: NUM or (pnum).
func (p *parser) parseOptPnum() (uint32, bool, error) {
	t := p.peek()
	if t.kind == tNum {
		p.next()
		return t.num, true, nil
	}
	// (NUM) with any nesting, but only if it really is a number.
	n := 0
	for isOp(p.peekAt(n), "(") {
		n++
	}
	if n > 0 && p.peekAt(n).kind == tNum {
		for k := 0; k < n; k++ {
			if !isOp(p.peekAt(n+1+k), ")") {
				return 0, false, nil
			}
		}
		v := p.peekAt(n).num
		p.i += 2*n + 1
		return v, true, nil
	}
	return 0, false, nil
}

// parseHead parses "[pname] [dqual] [aqual] id" or the pname-only and
// "pname broadcast/multicast" forms. The pname (if any) is consumed.
func (p *parser) parseHead(proto string) (*pred, error) {
	start := p.peek()
	if proto != "" && p.i > 0 {
		start = p.toks[p.i-1]
	}
	q := qual{proto: proto, ok: true}
	t := p.peek()
	if proto != "" && (isKw(t, "broadcast") || isKw(t, "multicast")) {
		p.next()
		r := p.genCast(t, proto, t.text)
		p.q = qual{}
		return r, p.err
	}
	if isKw(t, "src") || isKw(t, "dst") {
		p.next()
		q.dir = t.text
		c, d := p.peek(), p.peekAt(1)
		if (isKw(c, "or") || isKw(c, "and")) && (isKw(d, "src") || isKw(d, "dst")) && d.text != t.text {
			p.next()
			p.next()
			q.dir = c.text
		}
		t = p.peek()
	}
	if t.kind == tKw {
		switch t.text {
		case "host", "net", "port", "portrange", "proto", "protochain":
			p.next()
			q.addr = t.text
		case "gateway":
			return nil, p.unsupported(t)
		}
	}
	if proto != "" && q.dir == "" && q.addr == "" {
		// A bare protocol name: "tcp", "ip6", "arp" …
		r := p.genProtoAbbrev(start, proto)
		p.q = qual{}
		return r, p.err
	}
	if !p.idStartAt(0) {
		return nil, p.errAt(p.peek(), "expected an address, number or name")
	}
	r, err := p.parseID(q)
	if err != nil {
		return nil, err
	}
	p.q = q
	return r, nil
}

// parseID parses an id: "not id", "( id and/or id … )", an address,
// a number or a name, with qualifiers q.
func (p *parser) parseID(q qual) (*pred, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.next()
	var r *pred
	if !isKw(t, "not") && !isOp(t, "(") {
		p.leaf()
	}
	switch {
	case isKw(t, "not"):
		p.neg = !p.neg
		r, err := p.parseID(q)
		p.neg = !p.neg
		if err != nil {
			return nil, err
		}
		return pNotOf(r), nil
	case isOp(t, "("):
		// libpcap's pid: the first element is a plain id (an address,
		// name, "not id") or a number, not another parenthesised list.
		if c := p.peek(); isOp(c, "(") && !p.pnumChain() {
			return nil, p.errAt(c, "expected an address, number or name")
		}
		r, err := p.parseID(q)
		if err != nil {
			return nil, err
		}
		for {
			c := p.peek()
			if isOp(c, ")") {
				p.next()
				return r, nil
			}
			if !isKw(c, "and") && !isKw(c, "or") {
				if c.kind == tEOF {
					return nil, p.errAt(t, "unbalanced parenthesis: missing \")\"")
				}
				return nil, p.errAt(c, "expected \"and\", \"or\" or \")\"")
			}
			p.next()
			if !p.idStartAt(0) {
				return nil, p.errAt(p.peek(), "expected an address, number or name")
			}
			r2, err := p.parseID(q)
			if err != nil {
				return nil, err
			}
			if c.text == "and" {
				r = pAndOf(r, r2)
			} else {
				r = pOrOf(r, r2)
			}
		}
	case t.kind == tNum:
		r = p.genNcode(t, "", t.num, 32, q)
	case t.kind == tHID:
		v, vlen, ok := parseHID(t.text)
		if !ok {
			return nil, p.errAt(t, "invalid IPv4 address %q", t.text)
		}
		switch c := p.peek(); {
		case isOp(c, "/"):
			p.next()
			n := p.next()
			if n.kind != tNum {
				return nil, p.errAt(n, "expected a prefix length after \"/\"")
			}
			if n.num > 32 {
				return nil, p.errAt(n, "mask length must be <= 32")
			}
			mask := uint32(0)
			if n.num > 0 {
				mask = ^uint32(0) << (32 - n.num)
			}
			r = p.genMcode(t, v<<(32-vlen), mask, fmt.Sprintf("%s/%d", t.text, n.num), q)
		case isKw(c, "mask"):
			p.next()
			m := p.next()
			if m.kind != tHID {
				return nil, p.errAt(m, "expected a dotted netmask after \"mask\"")
			}
			mv, mlen, ok := parseHID(m.text)
			if !ok {
				return nil, p.errAt(m, "invalid netmask %q", m.text)
			}
			r = p.genMcode(t, v<<(32-vlen), mv<<(32-mlen), fmt.Sprintf("%s mask %s", t.text, m.text), q)
		default:
			r = p.genNcode(t, t.text, v, vlen, q)
		}
	case t.kind == tHID6:
		plen := uint32(128)
		if isOp(p.peek(), "/") {
			p.next()
			n := p.next()
			if n.kind != tNum {
				return nil, p.errAt(n, "expected a prefix length after \"/\"")
			}
			if n.num > 128 {
				return nil, p.errAt(n, "mask length must be <= 128")
			}
			plen = n.num
		}
		r = p.genMcode6(t, plen, q)
	case t.kind == tMAC:
		r = p.genEcode(t, q)
	case t.kind == tID:
		r = p.genScode(t, q)
	default:
		return nil, p.errAt(t, "expected an address, number or name")
	}
	if p.err != nil {
		return nil, p.err
	}
	return r, nil
}

// pnumChain reports whether the tokens from p.i are "(…(NUM)…)".
func (p *parser) pnumChain() bool {
	n := 0
	for isOp(p.peekAt(n), "(") {
		n++
	}
	if p.peekAt(n).kind != tNum {
		return false
	}
	for k := 1; k <= n; k++ {
		if !isOp(p.peekAt(n+k), ")") {
			return false
		}
	}
	return true
}

// parseHID parses 1–4 dotted decimal parts like libpcap's __pcap_atoin and
// returns the value and its length in bits.
func parseHID(s string) (v uint32, bits uint32, ok bool) {
	n := uint32(0)
	digits := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || n > 255 || bits >= 32 {
				return 0, 0, false
			}
			v = v<<8 | n
			bits += 8
			n, digits = 0, 0
			continue
		}
		n = n*10 + uint32(s[i]-'0')
		digits++
		if digits > 3 {
			return 0, 0, false
		}
	}
	return v, bits, true
}
