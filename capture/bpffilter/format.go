package bpffilter

import (
	"fmt"
	"strings"

	"golang.org/x/net/bpf"
)

// Format renders prog like tcpdump: level 1 is `tcpdump -d` (libpcap's
// bpf_image listing), level 2 is `-dd` (C array initialisers) and level 3 is
// `-ddd` (count, then "code jt jf k" in decimal). See docs/capture.md §2.4 and
// §5.1. The program is assembled first, so any instruction that
// bpf.Assemble rejects is an error. Every line ends in a newline.
func Format(prog []bpf.Instruction, level int) (string, error) {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return "", err
	}
	return FormatRaw(raw, level)
}

// FormatRaw is Format for already assembled instructions.
func FormatRaw(raw []bpf.RawInstruction, level int) (string, error) {
	var b strings.Builder
	switch level {
	case 1:
		for i, ri := range raw {
			b.WriteString(image(ri, i))
			b.WriteByte('\n')
		}
	case 2:
		for _, ri := range raw {
			fmt.Fprintf(&b, "{ 0x%x, %d, %d, 0x%08x },\n", ri.Op, ri.Jt, ri.Jf, ri.K)
		}
	case 3:
		fmt.Fprintf(&b, "%d\n", len(raw))
		for _, ri := range raw {
			fmt.Fprintf(&b, "%d %d %d %d\n", ri.Op, ri.Jt, ri.Jf, ri.K)
		}
	default:
		return "", fmt.Errorf("bpffilter: format level %d: want 1, 2 or 3", level)
	}
	return b.String(), nil
}

// Classic BPF opcode fields.
const (
	clsLD, clsLDX, clsST, clsSTX, clsALU, clsJMP, clsRET, clsMISC = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
	szW, szH, szB                                                 = 0x00, 0x08, 0x10
	mdIMM, mdABS, mdIND, mdMEM, mdLEN, mdMSH                      = 0x00, 0x20, 0x40, 0x60, 0x80, 0xa0
	srcK, srcX                                                    = 0x00, 0x08
)

var ancNames = map[uint32]string{
	0: "proto", 4: "type", 8: "ifidx", 12: "nla", 16: "nlan", 20: "mark", 24: "queue",
	28: "hatype", 32: "rxhash", 36: "cpu", 44: "vlan_tci", 48: "vlanp", 52: "poff",
	56: "random", 60: "vlan_tpid",
}

var aluNames = map[uint16]string{
	0x00: "add", 0x10: "sub", 0x20: "mul", 0x30: "div", 0x40: "or", 0x50: "and",
	0x60: "lsh", 0x70: "rsh", 0x80: "neg", 0x90: "mod", 0xa0: "xor",
}

var jmpNames = map[uint16]string{0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset"}

// image formats one instruction like libpcap's bpf_image.
func image(ri bpf.RawInstruction, n int) string {
	code, k := ri.Op, ri.K
	op, operand := "unimp", fmt.Sprintf("0x%x", code)
	sizeName := func(base string) string {
		switch code & 0x18 {
		case szH:
			return base + "h"
		case szB:
			return base + "b"
		case szW:
			return base
		}
		return ""
	}
	switch code & 0x07 {
	case clsRET:
		switch code & 0x18 {
		case 0x00:
			op, operand = "ret", fmt.Sprintf("#%d", k)
		case 0x10:
			op, operand = "ret", "a"
		case 0x08:
			op, operand = "ret", "x"
		}
	case clsLD:
		switch code & 0xe0 {
		case mdABS:
			if s := sizeName("ld"); s != "" {
				op = s
				if name, ok := ancNames[k-skfAdOff]; ok && k >= skfAdOff {
					operand = "[" + name + "]"
				} else {
					operand = fmt.Sprintf("[%d]", k)
				}
			}
		case mdIND:
			if s := sizeName("ld"); s != "" {
				op, operand = s, fmt.Sprintf("[x + %d]", k)
			}
		case mdLEN:
			if code == 0x80 {
				op, operand = "ld", "#pktlen"
			}
		case mdIMM:
			if code == 0x00 {
				op, operand = "ld", fmt.Sprintf("#0x%x", k)
			}
		case mdMEM:
			if code == 0x60 {
				op, operand = "ld", fmt.Sprintf("M[%d]", k)
			}
		}
	case clsLDX:
		switch code {
		case clsLDX | mdIMM:
			op, operand = "ldx", fmt.Sprintf("#0x%x", k)
		case clsLDX | mdMEM:
			op, operand = "ldx", fmt.Sprintf("M[%d]", k)
		case clsLDX | mdMSH | szB:
			op, operand = "ldxb", fmt.Sprintf("4*([%d]&0xf)", k)
		case clsLDX | mdLEN:
			op, operand = "ldx", "#pktlen"
		}
	case clsST:
		if code == clsST {
			op, operand = "st", fmt.Sprintf("M[%d]", k)
		}
	case clsSTX:
		if code == clsSTX {
			op, operand = "stx", fmt.Sprintf("M[%d]", k)
		}
	case clsALU:
		name, ok := aluNames[code&0xf0]
		if ok {
			op = name
			switch {
			case name == "neg":
				operand = ""
			case code&0x08 == srcX:
				operand = "x"
			case name == "and" || name == "or" || name == "xor":
				operand = fmt.Sprintf("#0x%x", k)
			case name == "add" || name == "sub" || name == "mul" || name == "div" || name == "mod":
				operand = fmt.Sprintf("#%d", int32(k))
			default:
				operand = fmt.Sprintf("#%d", k)
			}
		}
	case clsJMP:
		if code&0xf0 == 0x00 {
			if code == clsJMP {
				return fmt.Sprintf("(%03d) %-8s %d", n, "ja", uint32(n)+1+k)
			}
			break
		}
		name, ok := jmpNames[code&0xf0]
		if ok {
			operand = fmt.Sprintf("#0x%x", k)
			if code&0x08 == srcX {
				operand = "x"
			}
			return fmt.Sprintf("(%03d) %-8s %-16s jt %d\tjf %d", n, name, operand, n+1+int(ri.Jt), n+1+int(ri.Jf))
		}
	case clsMISC:
		switch code {
		case 0x07:
			op, operand = "tax", ""
		case 0x87:
			op, operand = "txa", ""
		}
	}
	return fmt.Sprintf("(%03d) %-8s %s", n, op, operand)
}
