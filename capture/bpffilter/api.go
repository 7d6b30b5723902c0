package bpffilter

import (
	"fmt"
	"strings"

	"golang.org/x/net/bpf"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// LinkType is the module's one link-type type, pcapfile.LinkType: the
// link-layer header the compiled program expects in front of the
// network-layer packet.
type LinkType = pcapfile.LinkType

// Link types supported by the compiler. Raw IP also comes as link type 12
// (DLT_RAW, which libpcap on Linux reads as Raw) and 14 (OpenBSD's
// DLT_RAW); both compile as Raw.
const (
	Null      = pcapfile.LinkTypeNull      // BSD loopback: 4-byte address family in host byte order
	Ethernet  = pcapfile.LinkTypeEthernet  // Ethernet II / 802.3
	Raw       = pcapfile.LinkTypeRaw       // raw IPv4/IPv6, no link header
	Loop      = pcapfile.LinkTypeLoop      // OpenBSD loopback: 4-byte address family in network byte order
	LinuxSLL  = pcapfile.LinkTypeLinuxSLL  // Linux cooked capture v1 (16-byte header)
	IPv4      = pcapfile.LinkTypeIPv4      // raw IPv4, no link header
	IPv6      = pcapfile.LinkTypeIPv6      // raw IPv6, no link header
	LinuxSLL2 = pcapfile.LinkTypeLinuxSLL2 // Linux cooked capture v2 (20-byte header)
)

// Link types 12 and 14: DLT_RAW's values (12 on most systems, 14 on
// OpenBSD), written into files by old or OpenBSD tools for LINKTYPE_RAW.
const (
	rawDLT12 LinkType = 12
	rawDLT14 LinkType = 14
)

// LinkTypes lists the link types Compile supports (Raw's aliases 12 and 14
// left out), in the order NewExpr tries them.
var LinkTypes = []LinkType{Ethernet, LinuxSLL2, LinuxSLL, Raw, IPv4, IPv6, Null, Loop}

// Supported reports whether Compile supports link type lt.
func Supported(lt LinkType) bool {
	switch lt {
	case Null, Ethernet, Raw, rawDLT12, rawDLT14, Loop, LinuxSLL, IPv4, IPv6, LinuxSLL2:
		return true
	}
	return false
}

// canonical maps Raw's aliases to Raw.
func canonical(lt LinkType) LinkType {
	if lt == rawDLT12 || lt == rawDLT14 {
		return Raw
	}
	return lt
}

// Mode selects offline (in-band only) or live (Linux kernel) code generation.
type Mode int

const (
	// Offline generates in-band checks only, like libpcap on a dead handle.
	// The programs run on the golang.org/x/net/bpf VM.
	Offline Mode = iota
	// Live generates code for a Linux AF_PACKET socket filter: `vlan` uses
	// the kernel's VLAN ancillary data (SKF_AD_VLAN_TAG_PRESENT/SKF_AD_VLAN_TAG)
	// with an in-band fallback, as libpcap does on a live Linux handle.
	Live
)

// DefaultSnaplen is the accept return value when Options.Snaplen is 0
// (libpcap's default, docs/capture.md §1.6 row 1).
const DefaultSnaplen = 262144

// MaxInstructions is the kernel's BPF_MAXINSNS limit.
const MaxInstructions = 4096

// Options controls code generation.
type Options struct {
	// LinkType is the link layer of the packets the program will see.
	LinkType LinkType
	// Snaplen is returned for accepted packets; 0 means DefaultSnaplen.
	Snaplen uint32
	// Mode selects Offline or Live code generation.
	Mode Mode
}

// SyntaxError describes an expression that cannot be compiled. Pos is the
// 1-based column of the offending token in Expr.
type SyntaxError struct {
	Expr  string // the whole expression
	Pos   int    // 1-based column of Token
	Token string // offending token as written ("end of expression" at the end)
	Msg   string // what was expected or what is wrong
}

// Error returns a one-line message such as
// `syntax error at column 12 near "prot": expected ...`.
// An expression of several lines (a -F file) names the line and the
// column in it.
func (e *SyntaxError) Error() string {
	if nl := strings.LastIndexByte(e.Expr[:min(max(e.Pos-1, 0), len(e.Expr))], '\n'); nl >= 0 {
		line := strings.Count(e.Expr[:nl+1], "\n") + 1
		return fmt.Sprintf("syntax error at line %d column %d near %q: %s", line, e.Pos-1-nl, e.Token, e.Msg)
	}
	return fmt.Sprintf("syntax error at column %d near %q: %s", e.Pos, e.Token, e.Msg)
}

// Compile translates a pcap-filter expression into a classic BPF program.
// An empty (or blank) expression yields the accept-all program `ret #snaplen`.
// Accepted packets return the snaplen, rejected ones 0. Errors are
// *SyntaxError values naming the offending token and column, except for a
// program over MaxInstructions.
//
// Scratch memory: Live programs that use `vlan` keep the VLAN offset in
// M[0] (network layer) and M[1] (EtherType); each `geneve` keeps three
// offsets from M[15] downwards; both are initialised first. Arithmetic
// uses M[2] upwards, below geneve's. To drop the outgoing copies on a live
// socket (docs/capture.md §1.6 row 2) compile "inbound and (EXPR)" in Live mode.
func Compile(expr string, opts Options) ([]bpf.Instruction, error) {
	if !Supported(opts.LinkType) {
		return nil, fmt.Errorf("bpffilter: unsupported link type %d", uint32(opts.LinkType))
	}
	opts.LinkType = canonical(opts.LinkType)
	snap := opts.Snaplen
	if snap == 0 {
		snap = DefaultSnaplen
	}
	p, err := newParser(expr, opts)
	if err != nil {
		return nil, err
	}
	root, err := p.parseProgram()
	if err != nil {
		return nil, err
	}
	prog, err := emitProgram(root, p.prologue(), snap)
	if err != nil {
		return nil, fmt.Errorf("bpffilter: %q: %w", expr, err)
	}
	return prog, nil
}

// Polarity reports whether expr has primitives that are not negated
// (positive) and primitives under an odd number of "not"s (negative),
// syntactically: "not port 22" is negative only, "host a and not port 22"
// both. An expression that does not parse (for any link type) has
// neither.
func Polarity(expr string) (positive, negative bool) {
	for _, lt := range LinkTypes {
		p, err := newParser(expr, Options{LinkType: lt, Mode: Offline})
		if err != nil {
			return false, false
		}
		if _, err := p.parseProgram(); err != nil {
			continue
		}
		return p.polarity&polarityPositive != 0, p.polarity&polarityNegative != 0
	}
	return false, false
}
