package bpffilter

import (
	"errors"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// ErrRejectsAll is returned for an expression no packet can satisfy, such
// as "tcp and udp" or "src host 10.0.0.1 and src host 10.0.0.2": libpcap's
// optimizer finds these and pcap_compile fails with the same words.
var ErrRejectsAll = errors.New("expression rejects all packets")

// skfRandom is SKF_AD_RANDOM: an ancillary load that gives another value
// each time (every other load gives the same value for one packet).
const skfRandom = 56

// rejectsAllBudget bounds the states rejectsAll explores; past it the
// program is assumed to accept something (the check is then silent).
const rejectsAllBudget = 1 << 15

// rejectsAllWork bounds the bytes of state keys built, so that long
// programs with long paths cannot take long either.
const rejectsAllWork = 64 << 20

// RejectsAll reports whether prog (as Compile returns it) accepts no
// packet at all, as far as the analysis of rejectsAll can tell.
func RejectsAll(prog []bpf.Instruction) bool {
	raw, err := bpf.Assemble(prog)
	return err == nil && rejectsAll(raw)
}

// rejectsAll reports whether no packet can reach a return of a nonzero
// value. It follows every path of the (loop-free) program and remembers,
// along each path, what the path's jumps proved about packet loads: a load
// of the same bytes (or the same function of them) gives the same value
// again, so "ldb [23]; jeq #6" true and later "ldb [23]; jeq #17" cannot
// both hold. It is sound (true only when no packet is accepted: load
// failures only reject more), not complete: it knows equalities and
// inequalities, not ranges or bits. States are memoised by position and
// knowledge, and bounded by rejectsAllBudget, so time stays bounded.
func rejectsAll(raw []bpf.RawInstruction) bool {
	// States are remembered by two 64-bit hashes of their key, and the
	// keys built are bounded in total size (time and memory).
	seen := make(map[[2]uint64]bool)
	seed0, seed1 := maphash.MakeSeed(), maphash.MakeSeed()
	work := 0
	stack := []raState{{}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for {
			if s.pc < 0 || s.pc >= len(raw) {
				break // runs off the end: rejected
			}
			key := s.key()
			if work += len(key); work > rejectsAllWork || len(seen) >= rejectsAllBudget {
				return false
			}
			h := [2]uint64{maphash.String(seed0, key), maphash.String(seed1, key)}
			if seen[h] {
				break
			}
			seen[h] = true
			ri := raw[s.pc]
			k := ri.K
			switch ri.Op & 0x07 {
			case clsLD:
				switch ri.Op & 0xe0 {
				case mdABS:
					if k == skfAdOff+skfRandom {
						s.a = raVal{} // a new random number at every load
						break
					}
					s.a = s.load("a" + strconv.FormatUint(uint64(k), 10) + "/" + strconv.Itoa(int(ri.Op&0x18)))
				case mdIND:
					switch {
					case s.x.known:
						s.a = s.load("a" + strconv.FormatUint(uint64(k+s.x.v), 10) + "/" + strconv.Itoa(int(ri.Op&0x18)))
					case s.x.key != "":
						s.a = s.load("i(" + s.x.key + ")" + strconv.FormatUint(uint64(k), 10) + "/" + strconv.Itoa(int(ri.Op&0x18)))
					default:
						s.a = raVal{}
					}
				case mdLEN:
					s.a = s.load("len")
				case mdIMM:
					s.a = raVal{known: true, v: k}
				case mdMEM:
					s.a = s.mem[k&15]
				default:
					return false
				}
			case clsLDX:
				switch ri.Op & 0xe0 {
				case mdIMM:
					s.x = raVal{known: true, v: k}
				case mdMEM:
					s.x = s.mem[k&15]
				case mdLEN:
					s.x = s.load("len")
				case mdMSH:
					s.x = raVal{key: "msh" + strconv.FormatUint(uint64(k), 10)}
				default:
					return false
				}
			case clsST:
				s.mem[k&15] = s.a
			case clsSTX:
				s.mem[k&15] = s.x
			case clsALU:
				v := raVal{known: true, v: k}
				if ri.Op&0x08 == srcX {
					v = s.x
				}
				op := ri.Op & 0xf0
				switch {
				case op == 0x80: // neg
					if s.a.known {
						s.a = raVal{known: true, v: -s.a.v} // no longer the load it was
					} else if s.a.key != "" {
						s.a = s.load("neg(" + s.a.key + ")")
					}
				case s.a.known && v.known:
					r, ok := aluOp(op, s.a.v, v.v)
					if !ok {
						s.pc = -1 // division by zero rejects
						continue
					}
					s.a = raVal{known: true, v: r}
				case s.a.key != "" && (v.known || v.key != ""):
					rhs := v.key
					if v.known {
						rhs = "#" + strconv.FormatUint(uint64(v.v), 10)
					}
					s.a = s.load("(" + s.a.key + ")" + strconv.Itoa(int(op)) + "(" + rhs + ")")
				default:
					s.a = raVal{}
				}
			case clsJMP:
				if ri.Op == clsJMP {
					s.pc += int(k) + 1
					continue
				}
				v := raVal{known: true, v: k}
				if ri.Op&0x08 == srcX {
					v = s.x
				}
				t, f := s, s
				t.pc += int(ri.Jt) + 1
				f.pc += int(ri.Jf) + 1
				switch s.decide(ri.Op&0xf0, v) {
				case 1:
					s = t
				case 0:
					s = f
				default:
					if v.known && s.a.key != "" {
						t.learn(s.a.key, raFact{op: ri.Op & 0xf0, v: v.v, res: true})
						f.learn(s.a.key, raFact{op: ri.Op & 0xf0, v: v.v})
					}
					stack = append(stack, f)
					s = t
				}
				continue
			case clsRET:
				switch ri.Op & 0x18 {
				case 0x00:
					if k != 0 {
						return false
					}
				case 0x10:
					if !s.a.known || s.a.v != 0 {
						return false
					}
				default:
					if !s.x.known || s.x.v != 0 {
						return false
					}
				}
				s.pc = -1
				continue
			case clsMISC:
				if ri.Op&0xf8 == 0x80 {
					s.a = s.x
				} else {
					s.x = s.a
				}
			}
			s.pc++
		}
	}
	return true
}

// aluOp computes a classic BPF ALU operation; ok is false for a division
// or modulo by zero (the program then returns 0) and unknown operations.
func aluOp(op uint16, a, v uint32) (uint32, bool) {
	switch op {
	case 0x00:
		return a + v, true
	case 0x10:
		return a - v, true
	case 0x20:
		return a * v, true
	case 0x30:
		if v == 0 {
			return 0, false
		}
		return a / v, true
	case 0x90:
		if v == 0 {
			return 0, false
		}
		return a % v, true
	case 0x40:
		return a | v, true
	case 0x50:
		return a & v, true
	case 0xa0:
		return a ^ v, true
	case 0x60:
		return a << v, true
	case 0x70:
		return a >> v, true
	}
	return 0, false
}

// raVal is what the analysis knows of a register: a constant, or a value
// named by key that is the same function of the packet wherever the same
// key appears, or nothing.
type raVal struct {
	known bool
	v     uint32
	key   string
}

// raFact is what a path proved about a key: "key op v" is res (op is
// the jump's: 0x10 jeq, 0x20 jgt, 0x30 jge, 0x40 jset). A true jeq gives
// the value.
type raFact struct {
	key string
	op  uint16
	v   uint32
	res bool
}

func (f raFact) eq() bool { return f.op == 0x10 && f.res }

type raState struct {
	pc    int
	a, x  raVal
	mem   [16]raVal
	facts []raFact // sorted by key, then v; shared between states: copy before changing
}

// load returns the register value for key, a constant when the path
// proved its value.
func (s *raState) load(key string) raVal {
	for _, f := range s.facts {
		if f.key == key && f.eq() {
			return raVal{known: true, v: f.v, key: key}
		}
	}
	return raVal{key: key}
}

// refresh returns r with its value when the path proved it.
func (s *raState) refresh(r raVal) raVal {
	if r.known || r.key == "" {
		return r
	}
	return s.load(r.key)
}

// decide evaluates "A op v": 1 true, 0 false, -1 unknown.
func (s *raState) decide(op uint16, v raVal) int {
	a, v := s.refresh(s.a), s.refresh(v)
	if !a.known || !v.known {
		if v.known && a.key != "" {
			for _, f := range s.facts {
				if f.key == a.key && f.op == op && f.v == v.v {
					if f.res {
						return 1
					}
					return 0
				}
			}
		}
		if a.key != "" && a.key == v.key {
			switch op {
			case 0x10, 0x30:
				return 1
			case 0x20:
				return 0
			}
		}
		return -1
	}
	var ok bool
	switch op {
	case 0x10:
		ok = a.v == v.v
	case 0x20:
		ok = a.v > v.v
	case 0x30:
		ok = a.v >= v.v
	case 0x40:
		ok = a.v&v.v != 0
	default:
		return -1
	}
	if ok {
		return 1
	}
	return 0
}

// learn adds a fact to the path (its registers keep their names).
func (s *raState) learn(key string, f raFact) {
	f.key = key
	facts := make([]raFact, 0, len(s.facts)+1)
	for _, g := range s.facts {
		if g.key == key && f.eq() {
			continue // an equality replaces what was known of the key
		}
		facts = append(facts, g)
	}
	facts = append(facts, f)
	slices.SortFunc(facts, func(p, q raFact) int {
		if c := strings.Compare(p.key, q.key); c != 0 {
			return c
		}
		if p.op != q.op {
			return int(p.op) - int(q.op)
		}
		if p.v != q.v {
			if p.v < q.v {
				return -1
			}
			return 1
		}
		return 0
	})
	s.facts = facts
	if s.a.key == key && f.eq() {
		s.a.known, s.a.v = true, f.v
	}
}

// key identifies the state for memoisation.
func (s *raState) key() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(s.pc))
	for i, r := range append([]raVal{s.a, s.x}, s.mem[:]...) {
		if !r.known && r.key == "" {
			continue
		}
		b.WriteString(" " + strconv.Itoa(i) + "=" + r.key)
		if r.known {
			b.WriteString("#" + strconv.FormatUint(uint64(r.v), 10))
		}
	}
	for _, f := range s.facts {
		b.WriteString(" " + f.key + " " + strconv.Itoa(int(f.op)) + " " + strconv.FormatUint(uint64(f.v), 10) + " " + strconv.FormatBool(f.res))
	}
	return b.String()
}
