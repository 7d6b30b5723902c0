package bpffilter

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// predOp is the kind of a node in the predicate tree the parser builds.
type predOp uint8

const (
	pAtom predOp = iota
	pAnd
	pOr
	pNot
	pTrue
	pFalse
)

// pred is a boolean predicate. An atom runs pre (which leaves a value in A,
// and possibly X) and then one conditional jump: A cond k, or A cond X.
// And/Or short-circuit left to right, as libpcap's generated code does; this
// matters only for the side effects of live-mode VLAN offset registers.
type pred struct {
	op   predOp
	a, b *pred
	pre  []bpf.Instruction
	cond bpf.JumpTest // JumpEqual, JumpGreaterThan, JumpGreaterOrEqual, JumpBitsSet
	k    uint32
	x    bool
}

// pAndOf, pOrOf and pNotOf fold a constant left operand: its right
// operand would never run. (A constant right operand cannot be folded: the
// left one may still stop the program with an out-of-range load.)
func pAndOf(a, b *pred) *pred {
	switch a.op {
	case pFalse:
		return a
	case pTrue:
		return b
	}
	return &pred{op: pAnd, a: a, b: b}
}

func pOrOf(a, b *pred) *pred {
	switch a.op {
	case pTrue:
		return a
	case pFalse:
		return b
	}
	return &pred{op: pOr, a: a, b: b}
}

func pNotOf(a *pred) *pred {
	switch a.op {
	case pTrue:
		return pConst(false)
	case pFalse:
		return pConst(true)
	}
	return &pred{op: pNot, a: a}
}
func pConst(v bool) *pred {
	if v {
		return &pred{op: pTrue}
	}
	return &pred{op: pFalse}
}

func atom(pre []bpf.Instruction, cond bpf.JumpTest, k uint32) *pred {
	return &pred{op: pAtom, pre: pre, cond: cond, k: k}
}

// Pseudo-instructions before label resolution.
type pinsn struct {
	ins   bpf.Instruction // plain instruction (nil for label jumps / labels)
	label int             // >0: this entry defines a label (no instruction)
	jmp   bool            // conditional label jump
	ja    bool            // unconditional label jump
	cond  bpf.JumpTest
	k     uint32
	x     bool
	t, f  int // target labels
}

type emitter struct {
	code   []pinsn
	labels int
	// Redundant-load elimination: cur is the key of the atom prefix whose
	// result A (and X) hold at the current position ("" if unknown), and
	// in[l] the keys reaching label l. A prefix equal to cur is not emitted
	// again. Jumps only go forward, so every jump into a label is emitted
	// before the label is placed. Skipping a load that already succeeded
	// on every path cannot change a verdict, not even on short frames.
	cur  string
	in   map[int][]string
	curX string // same for X alone: the `ldxb 4*([k]&0xf)` that set it
	inX  map[int][]string
}

func (e *emitter) newLabel() int { e.labels++; return e.labels }

func (e *emitter) place(l int) {
	// Control reaches l from jumps to it, plus fall-through from the
	// previous entry unless that was a jump.
	var keys []string
	if n := len(e.code); n > 0 && !e.code[n-1].jmp && !e.code[n-1].ja {
		keys = append(keys, e.cur)
	}
	xkeys := []string(nil)
	if len(keys) > 0 {
		xkeys = append(xkeys, e.curX)
	}
	keys = append(keys, e.in[l]...)
	xkeys = append(xkeys, e.inX[l]...)
	e.cur, e.curX = meet(keys), meet(xkeys)
	e.code = append(e.code, pinsn{label: l})
}

// meet returns the common key, or "" if the keys differ or there are none.
func meet(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	for _, k := range keys[1:] {
		if k != keys[0] {
			return ""
		}
	}
	return keys[0]
}

func (e *emitter) jumpTo(l int) {
	if e.in == nil {
		e.in = make(map[int][]string)
		e.inX = make(map[int][]string)
	}
	e.in[l] = append(e.in[l], e.cur)
	e.inX[l] = append(e.inX[l], e.curX)
}

// preKey identifies a prefix whose result depends only on the packet;
// prefixes that touch scratch memory or ancillary data get "".
func preKey(pre []bpf.Instruction) string {
	if len(pre) == 0 {
		return ""
	}
	for _, in := range pre {
		switch v := in.(type) {
		case bpf.LoadScratch, bpf.StoreScratch, bpf.Jump, bpf.JumpIf, bpf.JumpIfX:
			return ""
		case bpf.LoadAbsolute:
			if v.Off >= skfAdOff {
				return ""
			}
		}
	}
	return fmt.Sprint(pre)
}

func (e *emitter) gen(p *pred, t, f int, depth int) error {
	if depth > 10000 {
		return fmt.Errorf("expression nested too deeply")
	}
	switch p.op {
	case pTrue:
		e.jumpTo(t)
		e.code = append(e.code, pinsn{ja: true, t: t})
	case pFalse:
		e.jumpTo(f)
		e.code = append(e.code, pinsn{ja: true, t: f})
	case pNot:
		return e.gen(p.a, f, t, depth+1)
	case pAnd:
		mid := e.newLabel()
		if err := e.gen(p.a, mid, f, depth+1); err != nil {
			return err
		}
		e.place(mid)
		return e.gen(p.b, t, f, depth+1)
	case pOr:
		mid := e.newLabel()
		if err := e.gen(p.a, t, mid, depth+1); err != nil {
			return err
		}
		e.place(mid)
		return e.gen(p.b, t, f, depth+1)
	case pAtom:
		key := preKey(p.pre)
		if key == "" || key != e.cur {
			for _, in := range p.pre {
				if v, ok := in.(bpf.LoadMemShift); ok {
					k := fmt.Sprint(v)
					if k == e.curX {
						continue // X already holds this header length
					}
					e.curX = k
				} else if setsX(in) {
					e.curX = ""
				}
				e.code = append(e.code, pinsn{ins: in})
			}
		}
		e.cur = key
		e.jumpTo(t)
		e.jumpTo(f)
		e.code = append(e.code, pinsn{jmp: true, cond: p.cond, k: p.k, x: p.x, t: t, f: f})
	}
	return nil
}

// emitProgram turns the predicate into a program ending in
// `ret #snap` / `ret #0`, with prologue first. Conditional jumps whose
// targets are more than 255 instructions away get `ja` trampolines.
func emitProgram(root *pred, prologue []bpf.Instruction, snap uint32) ([]bpf.Instruction, error) {
	if root == nil {
		return []bpf.Instruction{bpf.RetConstant{Val: snap}}, nil
	}
	e := &emitter{}
	for _, in := range prologue {
		e.code = append(e.code, pinsn{ins: in})
	}
	acc, rej := e.newLabel(), e.newLabel()
	if err := e.gen(root, acc, rej, 0); err != nil {
		return nil, err
	}
	e.place(acc)
	e.code = append(e.code, pinsn{ins: bpf.RetConstant{Val: snap}})
	e.place(rej)
	e.code = append(e.code, pinsn{ins: bpf.RetConstant{Val: 0}})
	e.dropNopJumps()

	for iter := 0; ; iter++ {
		if iter > MaxInstructions {
			return nil, fmt.Errorf("cannot lay out jumps")
		}
		pos, n := e.layout()
		if n > MaxInstructions {
			return nil, fmt.Errorf("program too long: %d instructions (limit %d)", n, MaxInstructions)
		}
		// Give every conditional jump with a target out of 8-bit range a
		// trampoline; positions are from the layout before this pass, so
		// repeat until nothing changes.
		fixed := false
		idx := 0
		var next []pinsn
		for _, c := range e.code {
			if c.label > 0 {
				next = append(next, c)
				continue
			}
			var tramp []pinsn
			if c.jmp {
				if pos[c.t]-idx-1 > 255 {
					l := e.newLabel()
					tramp = append(tramp, pinsn{label: l}, pinsn{ja: true, t: c.t})
					c.t = l
				}
				if pos[c.f]-idx-1 > 255 {
					l := e.newLabel()
					tramp = append(tramp, pinsn{label: l}, pinsn{ja: true, t: c.f})
					c.f = l
				}
			}
			next = append(next, c)
			next = append(next, tramp...)
			if tramp != nil {
				fixed = true
			}
			idx++
		}
		e.code = next
		if !fixed {
			break
		}
	}
	pos, n := e.layout()
	out := make([]bpf.Instruction, 0, n)
	for _, c := range e.code {
		switch {
		case c.label > 0:
		case c.jmp:
			idx := len(out)
			st, sf := uint8(pos[c.t]-idx-1), uint8(pos[c.f]-idx-1)
			if c.x {
				out = append(out, bpf.JumpIfX{Cond: c.cond, SkipTrue: st, SkipFalse: sf})
			} else {
				out = append(out, bpf.JumpIf{Cond: c.cond, Val: c.k, SkipTrue: st, SkipFalse: sf})
			}
		case c.ja:
			idx := len(out)
			out = append(out, bpf.Jump{Skip: uint32(pos[c.t] - idx - 1)})
		default:
			out = append(out, c.ins)
		}
	}
	return out, nil
}

// dropNopJumps removes unconditional jumps to the immediately following
// position (they come from constant predicates).
func (e *emitter) dropNopJumps() {
	out := e.code[:0]
	for i, c := range e.code {
		if c.ja {
			nop := false
			for j := i + 1; j < len(e.code) && e.code[j].label > 0; j++ {
				if e.code[j].label == c.t {
					nop = true
					break
				}
			}
			if nop {
				continue
			}
		}
		out = append(out, c)
	}
	e.code = out
}

// layout returns the instruction index of every label and the total count.
func (e *emitter) layout() (map[int]int, int) {
	pos := make(map[int]int, e.labels)
	n := 0
	for _, c := range e.code {
		if c.label > 0 {
			pos[c.label] = n
			continue
		}
		n++
	}
	return pos, n
}

// setsX reports whether in may change X (other than bpf.LoadMemShift).
func setsX(in bpf.Instruction) bool {
	switch v := in.(type) {
	case bpf.TAX, bpf.Jump, bpf.JumpIf, bpf.JumpIfX, bpf.RawInstruction:
		return true
	case bpf.LoadScratch:
		return v.Dst == bpf.RegX
	case bpf.LoadConstant:
		return v.Dst == bpf.RegX
	}
	return false
}
