package bpffilter

import (
	"fmt"
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
	f       *Filter
	err     error
	rejects bool // the program rejects every packet
}

// NewExpr checks expr, so that a bad expression fails before any socket or
// file is opened, with the column of the offending token.
//
// For a live capture (mode Live) it compiles expr for Ethernet (so that
// "inbound" is accepted). For reading files (Offline) the link types are
// not known yet: expr must compile for at least one link type the compiler
// supports (LinkTypes) and not reject every packet on all of them; the
// error is otherwise Ethernet's. An error that only concerns a link type
// ("vlan" on a cooked capture, "inbound" on Ethernet) comes when the
// program is compiled for it (Filter, Match, FileGuard).
func NewExpr(expr string, mode Mode) (*Expr, error) {
	e := &Expr{text: expr, offline: map[LinkType]offlineProg{}}
	if mode == Live {
		prog, err := Compile(expr, Options{LinkType: Ethernet, Mode: mode})
		if err != nil {
			return nil, err
		}
		if RejectsAll(prog) {
			return nil, ErrRejectsAll
		}
	} else {
		var first error
		compiles, accepts := false, false
		for _, lt := range LinkTypes {
			p := e.filter(lt)
			if p.err != nil {
				if first == nil {
					first = p.err
				}
				continue
			}
			compiles = true
			if !p.rejects {
				accepts = true
				break
			}
		}
		switch {
		case !compiles:
			return nil, first
		case !accepts:
			return nil, ErrRejectsAll
		}
	}
	pos, neg := Polarity(expr)
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
	p := e.filter(linkType)
	return p.f, p.err
}

func (e *Expr) filter(linkType LinkType) offlineProg {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.offline[linkType]
	if !ok {
		p.f, p.err = NewFilter(e.text, Options{LinkType: linkType, Mode: Offline})
		p.rejects = p.err == nil && rejectsAll(p.f.raw)
		e.offline[linkType] = p
	}
	return p
}

// Check returns the error compiling the offline program for linkType (nil
// when it compiles), or ErrRejectsAll when that program rejects every
// packet.
func (e *Expr) Check(linkType LinkType) error {
	p := e.filter(linkType)
	if p.err == nil && p.rejects {
		return ErrRejectsAll
	}
	return p.err
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

// InterfaceError says that the expression cannot be compiled for the link
// type of one interface of a file whose other interfaces it judges: that
// interface's packets do not match (FileGuard).
type InterfaceError struct {
	Interface int    // index of the interface in the file
	Name      string // its name, "" when unknown
	LinkType  LinkType
	Err       error // the error compiling the program for LinkType
}

func (e *InterfaceError) Error() string {
	name := ""
	if e.Name != "" {
		name = " (" + e.Name + ")"
	}
	return fmt.Sprintf("interface %d%s, link type %s: %v; its packets do not match the filter", e.Interface, name, e.LinkType, e.Err)
}

func (e *InterfaceError) Unwrap() error { return e.Err }

// FileGuard applies an offline expression to the frames of one file that
// may have interfaces of several link types (pcapng): the packets of an
// interface whose link type the expression cannot be compiled for ("vlan"
// on a cooked capture) or rejects all of simply do not match, as long as
// the expression judges another interface of the file; tcpdump refuses
// such files altogether. When it judges none of the file's interfaces,
// the file is refused with the error (as tcpdump for a file of one link
// type). A pcapng file may describe an interface after packets of others:
// until the expression judges an interface described so far, the packets
// of those it does not judge are held back (they do not match) and the
// decision waits for the end of the file (End), unless the file's
// interfaces are all known (Complete: a pcap file). It is not safe for
// concurrent use.
type FileGuard struct {
	e        *Expr
	ifaces   func() []pcapfile.Interface
	state    []uint8 // by interface index: guardUnknown, ...
	complete bool    // ifaces lists all the file's interfaces
	// judges: the expression judges an interface described so far
	// (sticky); scanned: the interfaces of ifaces checked for it.
	judges  bool
	scanned int
	// The interfaces not judged while none was judgeable, in order
	// (guardPending; their notes are held), and the first of them: its
	// error refuses the file when no interface turns out judgeable.
	pending []*InterfaceError
	first   *InterfaceError
}

const (
	guardUnknown = iota
	guardJudged
	guardSkipped
	guardPending // not judged, while no interface of the file is judgeable yet
)

// Guard returns a FileGuard for one file: ifaces returns the interfaces
// the file described so far (pcapfile.FileReader.Interfaces), each at its
// index, the list only growing.
func (e *Expr) Guard(ifaces func() []pcapfile.Interface) *FileGuard {
	return &FileGuard{e: e, ifaces: ifaces}
}

// Complete says that ifaces already lists every interface of the file (a
// pcap file, of one link type): when the expression judges none of them,
// Judge refuses the file at its first packet instead of End at its end.
// It returns g.
func (g *FileGuard) Complete() *FileGuard {
	g.complete = true
	return g
}

// Judge reports whether the expression judges packet p (then Match
// decides); when not, p does not match. skips are the interfaces the
// expression cannot be compiled for that are known from now on to be left
// out, each once, to be shown in order (an interface the program rejects
// all packets of is left out silently): p's own the first time a packet
// of it is judged while the expression judges another interface of the
// file, and the ones whose packets came while it judged none so far, at
// the first packet after an interface it judges is described. err is set
// only for a Complete file whose interfaces the expression judges none
// of: the error compiling it for p's link type (ErrRejectsAll when its
// program rejects all packets); the file is not to be read further.
// Without Complete that decision is End's.
func (g *FileGuard) Judge(p *pcapfile.Packet) (ok bool, skips []*InterfaceError, err error) {
	idx := p.Info.InterfaceIndex
	if idx >= 0 && idx < len(g.state) {
		switch g.state[idx] {
		case guardJudged:
			return true, nil, nil
		case guardSkipped:
			return false, nil, nil
		case guardPending:
			if !g.judgeable() {
				return false, nil, nil
			}
			return false, g.release(), nil
		}
	}
	cerr := g.e.Check(p.LinkType)
	if cerr == nil {
		g.judges = true
		g.set(idx, guardJudged)
		return true, g.release(), nil
	}
	ie := &InterfaceError{Interface: idx, Name: p.Interface, LinkType: p.LinkType, Err: cerr}
	if g.judgeable() {
		g.set(idx, guardSkipped)
		skips = g.release()
		if cerr != ErrRejectsAll {
			skips = append(skips, ie)
		}
		return false, skips, nil
	}
	if g.complete {
		return false, nil, cerr
	}
	if g.first == nil {
		g.first = ie
	}
	if g.set(idx, guardPending) {
		g.pending = append(g.pending, ie)
	}
	return false, nil, nil
}

// End is called when the file has been read (or reading it stopped): err
// refuses it when the expression judges none of its interfaces, with the
// error compiling it for the link type lt of the first interface that had
// packets (as Judge's error). Otherwise skips are the notes Judge still
// held: interfaces left out whose file described an interface the
// expression judges after their last packet.
func (g *FileGuard) End() (skips []*InterfaceError, lt LinkType, err error) {
	if g.first != nil && !g.judgeable() {
		return nil, g.first.LinkType, g.first.Err
	}
	return g.release(), 0, nil
}

// judgeable reports whether the expression judges an interface the file
// described so far.
func (g *FileGuard) judgeable() bool {
	if g.judges {
		return true
	}
	ifs := g.ifaces()
	if len(ifs) < g.scanned {
		g.scanned = 0
	}
	for _, ifc := range ifs[g.scanned:] {
		if g.e.Check(ifc.LinkType) == nil {
			g.judges = true
			break
		}
	}
	g.scanned = len(ifs)
	return g.judges
}

// release marks the pending interfaces left out and returns their notes.
func (g *FileGuard) release() []*InterfaceError {
	if len(g.pending) == 0 {
		return nil
	}
	var skips []*InterfaceError
	for _, ie := range g.pending {
		g.state[ie.Interface] = guardSkipped
		if ie.Err != ErrRejectsAll {
			skips = append(skips, ie)
		}
	}
	g.pending = nil
	return skips
}

// set records the state of interface idx, when it is a plausible index.
func (g *FileGuard) set(idx int, st uint8) bool {
	if idx < 0 || idx >= 1<<16 {
		return false
	}
	for len(g.state) <= idx {
		g.state = append(g.state, guardUnknown)
	}
	g.state[idx] = st
	return true
}
