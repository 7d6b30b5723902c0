package bpffilter

import (
	"golang.org/x/net/bpf"
)

// Byte-offset expressions and relations ("tcp[tcpflags] & tcp-syn != 0",
// "len >= 64"), after libpcap's gen_load/gen_arth/gen_relation.

// arith is a value computed into A. Protocol conditions collected from
// proto[...] loads are ANDed with the relation that uses the value.
type arith struct {
	konst  bool
	val    uint32
	code   []bpf.Instruction
	conds  []*pred
	maxReg int // highest scratch register the code writes, or -1
}

func constArith(v uint32) arith { return arith{konst: true, val: v, maxReg: -1} }

// toA returns code that leaves the value in A.
func (a arith) toA() []bpf.Instruction {
	if a.konst {
		return []bpf.Instruction{bpf.LoadConstant{Dst: bpf.RegA, Val: a.val}}
	}
	return a.code
}

// Binary precedence levels, loosest first. In libpcap's grammar.y '%' and
// '^' have no declared precedence, so yacc always shifts on them: their
// left operand is the operand just before them and their right operand is
// the rest of the arithmetic expression (parseOperand). Verified against
// tcpdump 4.99.3 / libpcap 1.10.3 -d output.
var binLevels = [][]string{{"|"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/"}}

var aluOps = map[string]bpf.ALUOp{
	"+": bpf.ALUOpAdd, "-": bpf.ALUOpSub, "*": bpf.ALUOpMul, "/": bpf.ALUOpDiv,
	"%": bpf.ALUOpMod, "&": bpf.ALUOpAnd, "|": bpf.ALUOpOr, "^": bpf.ALUOpXor,
	"<<": bpf.ALUOpShiftLeft, ">>": bpf.ALUOpShiftRight,
}

var relops = map[string]bool{">": true, ">=": true, "=": true, "!=": true, "<": true, "<=": true}

func (p *parser) parseRelation() (*pred, error) {
	a0, err := p.parseArith(0)
	if err != nil {
		return nil, err
	}
	op := p.peek()
	if op.kind != tOp || !relops[op.text] {
		return nil, p.errAt(op, "expected a relational operator (=, !=, <, <=, >, >=)")
	}
	p.next()
	a1, err := p.parseArith(0)
	if err != nil {
		return nil, err
	}
	var pre []bpf.Instruction
	var k uint32
	useX := false
	switch {
	case a1.konst:
		pre, k = a0.toA(), a1.val
	case a0.konst:
		pre = append(append([]bpf.Instruction{}, a1.code...), bpf.TAX{},
			bpf.LoadConstant{Dst: bpf.RegA, Val: a0.val})
		useX = true
	default:
		r := max(a1.maxReg+1, regArith)
		if r > p.st.topReg {
			return nil, p.errAt(op, "expression too complex (too many scratch registers needed)")
		}
		pre = append(append([]bpf.Instruction{}, a0.code...), bpf.StoreScratch{Src: bpf.RegA, N: r})
		pre = append(append(pre, a1.code...), bpf.TAX{}, bpf.LoadScratch{Dst: bpf.RegA, N: r})
		useX = true
	}
	var c *pred
	mk := func(cond bpf.JumpTest) *pred {
		return &pred{op: pAtom, pre: pre, cond: cond, k: k, x: useX}
	}
	switch op.text {
	case ">":
		c = mk(bpf.JumpGreaterThan)
	case ">=":
		c = mk(bpf.JumpGreaterOrEqual)
	case "=":
		c = mk(bpf.JumpEqual)
	case "!=":
		c = pNotOf(mk(bpf.JumpEqual))
	case "<":
		c = pNotOf(mk(bpf.JumpGreaterOrEqual))
	case "<=":
		c = pNotOf(mk(bpf.JumpGreaterThan))
	}
	var cond *pred
	for _, b := range append(a0.conds, a1.conds...) {
		if cond == nil {
			cond = b
		} else {
			cond = pAndOf(cond, b)
		}
	}
	p.q = qual{}
	if p.err != nil {
		return nil, p.err
	}
	if cond != nil {
		return pAndOf(cond, c), nil
	}
	return c, nil
}

func (p *parser) parseArith(level int) (arith, error) {
	if err := p.enter(); err != nil {
		return arith{}, err
	}
	defer func() { p.depth-- }()
	if level == len(binLevels) {
		return p.parseOperand()
	}
	left, err := p.parseArith(level + 1)
	if err != nil {
		return arith{}, err
	}
	for {
		t := p.peek()
		match := false
		if t.kind == tOp {
			for _, o := range binLevels[level] {
				if t.text == o {
					match = true
				}
			}
		}
		if !match {
			return left, nil
		}
		p.next()
		right, err := p.parseArith(level + 1)
		if err != nil {
			return arith{}, err
		}
		left, err = p.combine(t, aluOps[t.text], left, right)
		if err != nil {
			return arith{}, err
		}
	}
}

func (p *parser) combine(t token, op bpf.ALUOp, l, r arith) (arith, error) {
	if r.konst {
		if (op == bpf.ALUOpDiv || op == bpf.ALUOpMod) && r.val == 0 {
			return arith{}, p.errAt(t, "division by zero")
		}
		if (op == bpf.ALUOpShiftLeft || op == bpf.ALUOpShiftRight) && r.val > 31 {
			return arith{}, p.errAt(t, "shift by more than 31 bits")
		}
	}
	if l.konst && r.konst {
		return constArith(foldALU(op, l.val, r.val)), nil
	}
	// libpcap's gen_arth keeps only the left operand's protocol
	// conditions: "1 + tcp[0] = 5" tests no protocol at all, and
	// "ip[0] + tcp[0] = 5" only IPv4 (verified with tcpdump -O -d).
	out := arith{conds: append([]*pred{}, l.conds...)}
	switch {
	case r.konst:
		out.code = append(append([]bpf.Instruction{}, l.code...), bpf.ALUOpConstant{Op: op, Val: r.val})
		out.maxReg = l.maxReg
	case l.konst:
		out.code = append(append([]bpf.Instruction{}, r.code...), bpf.TAX{},
			bpf.LoadConstant{Dst: bpf.RegA, Val: l.val}, bpf.ALUOpX{Op: op})
		out.maxReg = r.maxReg
	default:
		reg := max(r.maxReg+1, regArith)
		if reg > p.st.topReg {
			return arith{}, p.errAt(t, "expression too complex (too many scratch registers needed)")
		}
		code := append(append([]bpf.Instruction{}, l.code...), bpf.StoreScratch{Src: bpf.RegA, N: reg})
		code = append(append(code, r.code...), bpf.TAX{}, bpf.LoadScratch{Dst: bpf.RegA, N: reg}, bpf.ALUOpX{Op: op})
		out.code = code
		out.maxReg = max(l.maxReg, reg)
	}
	return out, nil
}

func foldALU(op bpf.ALUOp, a, b uint32) uint32 {
	switch op {
	case bpf.ALUOpAdd:
		return a + b
	case bpf.ALUOpSub:
		return a - b
	case bpf.ALUOpMul:
		return a * b
	case bpf.ALUOpDiv:
		return a / b
	case bpf.ALUOpMod:
		return a % b
	case bpf.ALUOpAnd:
		return a & b
	case bpf.ALUOpOr:
		return a | b
	case bpf.ALUOpXor:
		return a ^ b
	case bpf.ALUOpShiftLeft:
		return a << b
	case bpf.ALUOpShiftRight:
		return a >> b
	}
	return 0
}

// parseOperand parses a unary operand optionally followed by '%' or '^'
// and the rest of the expression (see binLevels).
func (p *parser) parseOperand() (arith, error) {
	u, err := p.parseUnary()
	if err != nil {
		return arith{}, err
	}
	t := p.peek()
	if isOp(t, "%") || isOp(t, "^") {
		p.next()
		r, err := p.parseArith(0)
		if err != nil {
			return arith{}, err
		}
		return p.combine(t, aluOps[t.text], u, r)
	}
	return u, nil
}

func (p *parser) parseUnary() (arith, error) {
	t := p.peek()
	switch {
	case isOp(t, "-"):
		p.next()
		if err := p.enter(); err != nil {
			return arith{}, err
		}
		a, err := p.parseOperand()
		p.depth--
		if err != nil {
			return arith{}, err
		}
		if a.konst {
			return constArith(-a.val), nil
		}
		a.code = append(append([]bpf.Instruction{}, a.code...), bpf.NegateA{})
		return a, nil
	case t.kind == tNum:
		p.next()
		return constArith(t.num), nil
	case isKw(t, "len"):
		p.next()
		return arith{code: []bpf.Instruction{bpf.LoadExtension{Num: bpf.ExtLen}}, maxReg: -1}, nil
	case isOp(t, "("):
		p.next()
		a, err := p.parseArith(0)
		if err != nil {
			return arith{}, err
		}
		if c := p.peek(); !isOp(c, ")") {
			return arith{}, p.errAt(c, "expected \")\"")
		}
		p.next()
		return a, nil
	case t.kind == tKw && pnames[t.text] && isOp(p.peekAt(1), "["):
		p.next()
		p.next()
		idx, err := p.parseArith(0)
		if err != nil {
			return arith{}, err
		}
		size := 1
		if c := p.peek(); isOp(c, ":") {
			p.next()
			n := p.next()
			if n.kind != tNum {
				return arith{}, p.errAt(n, "expected a size (1, 2 or 4) after \":\"")
			}
			if n.num != 1 && n.num != 2 && n.num != 4 {
				return arith{}, p.errAt(n, "data size must be 1, 2, or 4")
			}
			size = int(n.num)
		}
		if c := p.peek(); !isOp(c, "]") {
			if c.kind == tEOF {
				return arith{}, p.errAt(c, "expected \"]\"")
			}
			return arith{}, p.errAt(c, "expected \"]\" or \":size]\"")
		}
		p.next()
		return p.genLoad(t, idx, size)
	}
	if t.kind == tEOF {
		return arith{}, p.errAt(t, "expected a number, \"len\" or proto[offset]")
	}
	return arith{}, p.errAt(t, "expected a number, \"len\" or proto[offset]")
}

// genLoad builds proto[idx:size] (libpcap gen_load).
func (p *parser) genLoad(at token, idx arith, size int) (arith, error) {
	out := arith{conds: append([]*pred{}, idx.conds...), maxReg: idx.maxReg}
	// loadRel loads at base offset o (+X from xcode, if any) plus idx.
	loadRel := func(o offset, extra uint32) []bpf.Instruction {
		if idx.konst {
			return loadOff(o, extra+idx.val, size)
		}
		code := append([]bpf.Instruction{}, idx.code...)
		if o.variable {
			code = append(code, bpf.LoadScratch{Dst: bpf.RegX, N: int(o.reg)}, bpf.ALUOpX{Op: bpf.ALUOpAdd})
		}
		return append(code, bpf.TAX{}, bpf.LoadIndirect{Off: o.c + extra, Size: size})
	}
	switch at.text {
	case "link":
		out.code = loadRel(p.st.linkhdr, 0)
	case "ip", "ip6", "arp", "rarp":
		out.code = loadRel(p.st.linkpl, 0)
		out.conds = append(out.conds, p.genProtoAbbrev(at, at.text))
	case "tcp", "udp", "sctp", "icmp", "igmp", "igrp", "pim", "vrrp", "carp":
		if idx.konst {
			out.code = append(p.loadxIPHdrLen(), bpf.LoadIndirect{Off: p.st.linkpl.c + idx.val, Size: size})
		} else {
			reg := max(idx.maxReg+1, regArith)
			if reg > p.st.topReg {
				return arith{}, p.errAt(at, "expression too complex (too many scratch registers needed)")
			}
			code := append(append([]bpf.Instruction{}, idx.code...), bpf.StoreScratch{Src: bpf.RegA, N: reg})
			code = append(code, p.loadxIPHdrLen()...)
			code = append(code, bpf.LoadScratch{Dst: bpf.RegA, N: reg}, bpf.ALUOpX{Op: bpf.ALUOpAdd},
				bpf.TAX{}, bpf.LoadIndirect{Off: p.st.linkpl.c, Size: size})
			out.code = code
			out.maxReg = max(out.maxReg, reg)
		}
		// Order as libpcap: IPv4, the index's conditions, the protocol,
		// first fragment.
		c := p.genLinktype(at, 0x0800)
		for _, ic := range idx.conds {
			c = pAndOf(c, ic)
		}
		c = pAndOf(c, pAndOf(p.genProtoAbbrev(at, at.text), p.ipfrag()))
		out.conds = []*pred{c}
	case "icmp6":
		out.code = loadRel(p.st.linkpl, 40)
		out.conds = append(out.conds, pAndOf(p.genLinktype(at, 0x86dd), p.cmp(orLinkpl, 6, 1, 58)))
	default:
		return arith{}, p.errAt(at, "%q[...] is not supported by smcdump's filter compiler", at.raw)
	}
	if p.err != nil {
		return arith{}, p.err
	}
	return out, nil
}
