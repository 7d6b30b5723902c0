package bpffilter

import (
	"sync"

	"golang.org/x/net/bpf"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Expr is a filter expression compiled on demand for each link type it
// meets, once per link type: the kernel program of a live capture
// (KernelProgram), and the userland matcher of "-i any" and of every
// offline use (Matcher, Filter, Match). It implements capture.Filter and
// analyze.FrameFilter. Methods are safe for concurrent use.
type Expr struct {
	text     string
	polarity uint8
	mu       sync.Mutex
	// offline holds the offline program (or the error compiling it) per link
	// type.
	offline map[LinkType]offlineProg
}

type offlineProg struct {
	f   *Filter
	err error
}

// NewExpr checks expr by compiling it for Ethernet in mode (Live for a
// capture, so that "inbound" is accepted; Offline for reading files), so a
// bad expression fails before any socket or file is opened, with the column
// of the offending token.
func NewExpr(expr string, mode Mode) (*Expr, error) {
	prog, err := Compile(expr, Options{LinkType: Ethernet, Mode: mode})
	if err != nil {
		return nil, err
	}
	if RejectsAll(prog) {
		return nil, ErrRejectsAll
	}
	pos, neg := Polarity(expr)
	e := &Expr{text: expr, offline: map[LinkType]offlineProg{}}
	if pos {
		e.polarity |= polarityPositive
	}
	if neg {
		e.polarity |= polarityNegative
	}
	return e, nil
}

// OnlyExcludes reports whether every primitive of the expression is
// negated ("not port 22", "not (host a or host b)"): the filter only says
// what to leave out. An empty expression excludes nothing (false).
func (e *Expr) OnlyExcludes() bool { return e.polarity == polarityNegative }

// Expression returns the filter text (written to pcapng if_filter).
func (e *Expr) Expression() string { return e.text }

// KernelProgram returns the Live program for a socket of linkType, whose
// accept value is snaplen.
func (e *Expr) KernelProgram(linkType LinkType, snaplen int) ([]bpf.Instruction, error) {
	return Compile(e.text, Options{LinkType: linkType, Snaplen: uint32(snaplen), Mode: Live})
}

// Filter returns the offline filter for frames of linkType, compiled at the
// first call for that link type.
func (e *Expr) Filter(linkType LinkType) (*Filter, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.offline[linkType]
	if !ok {
		p.f, p.err = NewFilter(e.text, Options{LinkType: linkType, Mode: Offline})
		e.offline[linkType] = p
	}
	return p.f, p.err
}

// Matcher returns Filter(linkType).Match: userland matching of frames as
// they are written to the file.
func (e *Expr) Matcher(linkType LinkType, _ int) (func(data []byte, wireLen int) bool, error) {
	f, err := e.Filter(linkType)
	if err != nil {
		return nil, err
	}
	return f.Match, nil
}

// LiveMatcher returns the Live program for a socket of linkType run in
// userland as the kernel runs it: on the frame the kernel hands a socket
// filter (on Ethernet, without the outer VLAN tag the driver or the stack
// took into the packet's metadata), with that metadata for the ancillary
// loads of "vlan", "inbound", "outbound" and "ifindex". The capture engine uses it to
// decide frames its kernel program let through unjudged (the IP fragments
// it follows, capture/fragfollow.go), with the kernel's verdict.
func (e *Expr) LiveMatcher(linkType LinkType, snaplen int) (func(data []byte, wireLen int, vlanPresent bool, vlanTCI uint16, pktType uint8, ifindex int) bool, error) {
	f, err := NewFilter(e.text, Options{LinkType: linkType, Snaplen: uint32(snaplen), Mode: Live})
	if err != nil {
		return nil, err
	}
	return func(data []byte, wireLen int, vlanPresent bool, vlanTCI uint16, pktType uint8, ifindex int) bool {
		m := meta{vlanPresent: vlanPresent, vlanTCI: vlanTCI, pktType: pktType, ifindex: uint32(ifindex)}
		return runVM(f.raw, data, wireLen, &m) > 0
	}, nil
}

// Match reports whether the filter accepts p (offline program for
// p.LinkType). The error is the one compiling the program for that link
// type.
func (e *Expr) Match(p *pcapfile.Packet) (bool, error) {
	f, err := e.Filter(p.LinkType)
	if err != nil {
		return false, err
	}
	return f.Match(p.Data, p.Info.Length), nil
}
