package bpffilter

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/net/bpf"
)

// Filter matches packets offline against a compiled expression. It runs the
// program on a small classic-BPF interpreter of its own, which unlike the
// golang.org/x/net/bpf VM (docs/capture.md §2.3) takes the packet's wire length
// for `len`/`less`/`greater` (captures may be cut to a snaplen), supports
// `neg`, and never allocates per packet. A Filter is immutable and safe for
// concurrent use.
type Filter struct {
	expr string
	prog []bpf.Instruction
	raw  []bpf.RawInstruction
}

// meta is the kernel metadata a live socket filter can read through
// ancillary loads. A nil *meta reads as zero (no VLAN tag, PACKET_HOST).
type meta struct {
	vlanPresent bool
	vlanTCI     uint16
	pktType     uint8
	ifindex     uint32
}

// NewFilter compiles expr for offline matching. Live-mode programs are
// accepted too; their ancillary loads then see "no VLAN tag in metadata"
// and fall back to the in-band tests.
func NewFilter(expr string, opts Options) (*Filter, error) {
	prog, err := Compile(expr, opts)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("bpffilter: %q: %w", expr, err)
	}
	if err := validate(raw); err != nil {
		return nil, fmt.Errorf("bpffilter: %q: %w", expr, err)
	}
	return &Filter{expr: expr, prog: prog, raw: raw}, nil
}

// Expr returns the expression the filter was compiled from.
func (f *Filter) Expr() string { return f.expr }

// Instructions returns the compiled program (do not modify it).
func (f *Filter) Instructions() []bpf.Instruction { return f.prog }

// Match reports whether the packet is accepted. data is the captured bytes
// starting at the link-layer header; wireLen is the original length on the
// wire (use len(data) if unknown; values below len(data) are raised to it).
func (f *Filter) Match(data []byte, wireLen int) bool {
	return runVM(f.raw, data, wireLen, nil) > 0
}

// validate checks what runVM relies on: jumps stay inside the program,
// scratch indices are below 16, and the program ends in a return.
func validate(raw []bpf.RawInstruction) error {
	if len(raw) == 0 || len(raw) > MaxInstructions {
		return fmt.Errorf("program length %d out of range 1..%d", len(raw), MaxInstructions)
	}
	for i, ri := range raw {
		switch ri.Op & 0x07 {
		case clsJMP:
			if ri.Op == clsJMP {
				if uint64(i)+1+uint64(ri.K) >= uint64(len(raw)) {
					return fmt.Errorf("instruction %d: jump out of range", i)
				}
			} else if i+1+int(ri.Jt) >= len(raw) || i+1+int(ri.Jf) >= len(raw) {
				return fmt.Errorf("instruction %d: jump out of range", i)
			}
		case clsST, clsSTX:
			if ri.K >= 16 {
				return fmt.Errorf("instruction %d: scratch index %d out of range", i, ri.K)
			}
		case clsLD, clsLDX:
			if ri.Op&0xe0 == mdMEM && ri.K >= 16 {
				return fmt.Errorf("instruction %d: scratch index %d out of range", i, ri.K)
			}
		}
	}
	if raw[len(raw)-1].Op&0x07 != clsRET {
		return fmt.Errorf("last instruction is not a return")
	}
	return nil
}

func loadPkt(pkt []byte, off uint64, size uint16) (uint32, bool) {
	n := uint64(4)
	switch size {
	case szH:
		n = 2
	case szB:
		n = 1
	case szW:
	default:
		return 0, false
	}
	if off+n > uint64(len(pkt)) {
		return 0, false
	}
	switch n {
	case 1:
		return uint32(pkt[off]), true
	case 2:
		return uint32(binary.BigEndian.Uint16(pkt[off:])), true
	}
	return binary.BigEndian.Uint32(pkt[off:]), true
}

// runVM executes a validated program like the Linux kernel: out-of-range
// packet loads and division by zero reject (return 0). md supplies the
// ancillary data for live-mode programs.
func runVM(raw []bpf.RawInstruction, pkt []byte, wireLen int, md *meta) uint32 {
	v, _ := runVMx(raw, pkt, wireLen, md)
	return v
}

// runVMx is runVM that also reports whether the program stopped because a
// packet load was out of range (the verdict then depends on evaluation
// order, which libpcap's optimizer changes).
func runVMx(raw []bpf.RawInstruction, pkt []byte, wireLen int, md *meta) (ret uint32, oob bool) {
	return runVMcore(raw, pkt, wireLen, md, false)
}

// runVMcore is runVMx; backward makes `ja` jumps signed, as libpcap's own
// userland filter runs its protochain loops (tests compare with those
// programs; a program that loops more than a million times rejects).
func runVMcore(raw []bpf.RawInstruction, pkt []byte, wireLen int, md *meta, backward bool) (ret uint32, oob bool) {
	var a, x uint32
	steps := 0
	var mem [16]uint32
	if wireLen < len(pkt) {
		wireLen = len(pkt)
	}
	for pc := 0; pc < len(raw); pc++ {
		ri := raw[pc]
		k := ri.K
		switch ri.Op & 0x07 {
		case clsLD:
			switch ri.Op & 0xe0 {
			case mdABS:
				if k >= skfAdOff {
					var m meta
					if md != nil {
						m = *md
					}
					switch k - skfAdOff {
					case skfVlanPres:
						a = 0
						if m.vlanPresent {
							a = 1
						}
					case skfVlanTag:
						a = uint32(m.vlanTCI)
					case skfPkttype:
						a = uint32(m.pktType)
					case skfIfindex:
						a = m.ifindex
					default:
						return 0, false
					}
					continue
				}
				v, ok := loadPkt(pkt, uint64(k), ri.Op&0x18)
				if !ok {
					return 0, true
				}
				a = v
			case mdIND:
				// The kernel adds k and X in 32 bits and rejects
				// offsets that are negative as int32.
				off := k + x
				if int32(off) < 0 {
					return 0, true
				}
				v, ok := loadPkt(pkt, uint64(off), ri.Op&0x18)
				if !ok {
					return 0, true
				}
				a = v
			case mdLEN:
				a = uint32(wireLen)
			case mdIMM:
				a = k
			case mdMEM:
				a = mem[k&15]
			default:
				return 0, false
			}
		case clsLDX:
			switch ri.Op & 0xe0 {
			case mdIMM:
				x = k
			case mdMEM:
				x = mem[k&15]
			case mdLEN:
				x = uint32(wireLen)
			case mdMSH:
				if uint64(k) >= uint64(len(pkt)) {
					return 0, true
				}
				x = 4 * uint32(pkt[k]&0xf)
			default:
				return 0, false
			}
		case clsST:
			mem[k&15] = a
		case clsSTX:
			mem[k&15] = x
		case clsALU:
			v := k
			if ri.Op&0x08 == srcX {
				v = x
			}
			switch ri.Op & 0xf0 {
			case 0x00:
				a += v
			case 0x10:
				a -= v
			case 0x20:
				a *= v
			case 0x30:
				if v == 0 {
					return 0, false
				}
				a /= v
			case 0x90:
				if v == 0 {
					return 0, false
				}
				a %= v
			case 0x40:
				a |= v
			case 0x50:
				a &= v
			case 0xa0:
				a ^= v
			case 0x60:
				a <<= v
			case 0x70:
				a >>= v
			case 0x80:
				a = -a
			default:
				return 0, false
			}
		case clsJMP:
			if ri.Op == clsJMP {
				if backward {
					if steps++; steps > 1_000_000 {
						return 0, false
					}
					pc += int(int32(k))
					continue
				}
				pc += int(k)
				continue
			}
			v := k
			if ri.Op&0x08 == srcX {
				v = x
			}
			var ok bool
			switch ri.Op & 0xf0 {
			case 0x10:
				ok = a == v
			case 0x20:
				ok = a > v
			case 0x30:
				ok = a >= v
			case 0x40:
				ok = a&v != 0
			default:
				return 0, false
			}
			if ok {
				pc += int(ri.Jt)
			} else {
				pc += int(ri.Jf)
			}
		case clsRET:
			switch ri.Op & 0x18 {
			case 0x00:
				return k, false
			case 0x10:
				return a, false
			default:
				return x, false
			}
		case clsMISC:
			if ri.Op&0xf8 == 0x80 {
				a = x
			} else {
				x = a
			}
		}
	}
	return 0, false
}
