package bpffilter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Synthetic test packets: minimal IPv4/TCP and IPv6/TCP packets (no link
// header).
var (
	synthIPv4TCP = func() []byte {
		b := make([]byte, 40)
		b[0], b[9] = 0x45, 6
		binary.BigEndian.PutUint16(b[2:], 40)
		copy(b[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
		binary.BigEndian.PutUint16(b[20:], 1234)
		binary.BigEndian.PutUint16(b[22:], 80)
		b[32] = 0x50
		return b
	}()
	synthIPv6TCP = func() []byte {
		b := make([]byte, 60)
		b[0], b[6], b[7] = 0x60, 6, 64
		binary.BigEndian.PutUint16(b[4:], 20)
		b[23], b[39] = 1, 2 // ::1 > ::2
		binary.BigEndian.PutUint16(b[40:], 1234)
		binary.BigEndian.PutUint16(b[42:], 80)
		b[52] = 0x50
		return b
	}()
)

// afFrame is pkt behind a 4-byte loopback header with address family af
// in byte order order.
func afFrame(order binary.ByteOrder, af uint32, pkt []byte) []byte {
	h := make([]byte, 4, 4+len(pkt))
	order.PutUint32(h, af)
	return append(h, pkt...)
}

// TestLoopbackLinkTypes: BSD loopback (NULL) and OpenBSD loopback (LOOP)
// as libpcap reads savefiles: AF_INET 2, the BSD values of AF_INET6 (24,
// 28, 30; not Linux's 10), NULL's family in the file's byte order (either
// here), LOOP's in network byte order.
func TestLoopbackLinkTypes(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	type tc struct {
		lt    LinkType
		frame []byte
		want  map[string]bool // expression: verdict
	}
	v4 := map[string]bool{"ip": true, "ip6": false, "tcp": true, "port 80": true, "host 10.0.0.2": true, "arp": false, "not ip": false}
	v6 := map[string]bool{"ip": false, "ip6": true, "tcp": true, "port 80": true, "host ::2": true, "arp": false, "not ip": true}
	none := map[string]bool{"ip": false, "ip6": false, "tcp": false, "port 80": false, "not ip": true}
	cases := []tc{
		{Null, afFrame(le, 2, synthIPv4TCP), v4},
		{Null, afFrame(be, 2, synthIPv4TCP), v4},
		{Null, afFrame(le, 24, synthIPv6TCP), v6},
		{Null, afFrame(le, 28, synthIPv6TCP), v6},
		{Null, afFrame(be, 30, synthIPv6TCP), v6},
		{Null, afFrame(be, 24, synthIPv6TCP), v6},
		{Null, afFrame(le, 10, synthIPv6TCP), none}, // Linux's AF_INET6: not in a savefile
		{Null, afFrame(le, 0, synthIPv4TCP), none},
		{Loop, afFrame(be, 2, synthIPv4TCP), v4},
		{Loop, afFrame(be, 24, synthIPv6TCP), v6},
		{Loop, afFrame(be, 28, synthIPv6TCP), v6},
		{Loop, afFrame(be, 30, synthIPv6TCP), v6},
		{Loop, afFrame(le, 2, synthIPv4TCP), none}, // always network byte order
		{Loop, afFrame(le, 24, synthIPv6TCP), none},
	}
	for i, c := range cases {
		for expr, want := range c.want {
			f, err := NewFilter(expr, Options{LinkType: c.lt})
			if err != nil {
				t.Fatalf("%s %q: %v", c.lt, expr, err)
			}
			if got := f.Match(c.frame, len(c.frame)); got != want {
				t.Errorf("case %d %s %q on % x: got %v, want %v", i, c.lt, expr, c.frame[:4], got, want)
			}
		}
	}
	// Live (a dead handle in libpcap: tcpdump -d -y NULL): this host's
	// AF_INET6 (10), NULL's in the native byte order.
	f, err := NewFilter("ip6", Options{LinkType: Null, Mode: Live})
	if err != nil {
		t.Fatal(err)
	}
	if fr := afFrame(binary.NativeEndian, 10, synthIPv6TCP); !f.Match(fr, len(fr)) {
		t.Error("live NULL ip6 does not match AF_INET6 10 in host order")
	}
}

// TestRawLinkTypes: raw IP as LINKTYPE_RAW (101), DLT_RAW's values 12 and
// 14, and the raw IPv4 (228) and raw IPv6 (229) link types.
func TestRawLinkTypes(t *testing.T) {
	cases := []struct {
		lt     LinkType
		v4, v6 bool // carries IPv4, IPv6 packets
	}{
		{Raw, true, true}, {rawDLT12, true, true}, {rawDLT14, true, true},
		{IPv4, true, false}, {IPv6, false, true},
	}
	for _, c := range cases {
		if !Supported(c.lt) {
			t.Errorf("%d not supported", c.lt)
		}
		for expr, want := range map[string][2]bool{ // verdicts on IPv4, IPv6
			"ip": {true, false}, "ip6": {false, true}, "tcp": {true, true}, "tcp port 80": {true, true},
			"host 10.0.0.2": {true, false}, "ip6 host ::1": {false, true}, "not ip": {false, true},
			"ip[9] = 6": {true, false}, "len = 40": {true, false},
		} {
			f, err := NewFilter(expr, Options{LinkType: c.lt})
			if err != nil {
				t.Fatalf("%d %q: %v", c.lt, expr, err)
			}
			if c.v4 {
				if got := f.Match(synthIPv4TCP, len(synthIPv4TCP)); got != want[0] {
					t.Errorf("%d %q on IPv4: got %v", c.lt, expr, got)
				}
			}
			if c.v6 {
				if got := f.Match(synthIPv6TCP, len(synthIPv6TCP)); got != want[1] {
					t.Errorf("%d %q on IPv6: got %v", c.lt, expr, got)
				}
			}
		}
	}
	// The aliases compile exactly as Raw.
	for _, alias := range []LinkType{rawDLT12, rawDLT14} {
		for _, expr := range []string{"ip", "ip6 and tcp", "ether host 1:2:3:4:5:6", "inbound"} {
			a, errA := Compile(expr, Options{LinkType: alias})
			r, errR := Compile(expr, Options{LinkType: Raw})
			if (errA == nil) != (errR == nil) || listingOf(t, a) != listingOf(t, r) {
				t.Errorf("%d %q differs from Raw: %v / %v", alias, expr, errA, errR)
			}
		}
	}
	// "ip6" on raw IPv4 (and "ip" on raw IPv6) rejects every packet, as
	// libpcap says.
	for lt, expr := range map[LinkType]string{IPv4: "ip6", IPv6: "ip"} {
		prog, err := Compile(expr, Options{LinkType: lt})
		if err != nil || !RejectsAll(prog) {
			t.Errorf("%s %q: %v, rejects all %v", lt, expr, err, RejectsAll(prog))
		}
	}
	if _, err := Compile("ip", Options{LinkType: 9}); err == nil || !strings.Contains(err.Error(), "unsupported link type 9") {
		t.Errorf("PPP: %v", err)
	}
}

// TestNewExprOffline: reading files, NewExpr checks the syntax (the
// expression compiles for some link type) and leaves the link-type errors
// to the program for the file's link type; a live capture checks for
// Ethernet as before.
func TestNewExprOffline(t *testing.T) {
	for _, c := range []struct {
		expr    string
		wantErr string // "" when accepted
		// link types the compiled program exists for, and one it fails on
		ok, bad LinkType
		badErr  string
	}{
		{"inbound", "", LinuxSLL, Ethernet, `syntax error at column 1 near "inbound": inbound/outbound not supported on link type EN10MB when reading a file`},
		{"outbound and tcp", "", LinuxSLL2, Null, "inbound/outbound not supported on link type NULL"},
		{"ifindex 3", "", LinuxSLL2, LinuxSLL, "ifindex not supported on link type LINUX_SLL"},
		{"vlan and ip", "", Ethernet, LinuxSLL, "no VLAN support for link type LINUX_SLL"},
		{"ether host 1:2:3:4:5:6", "", Ethernet, Raw, ""},
		{"tcp port 80 prot 6", `syntax error at column 13 near "prot"`, 0, 0, ""},
		{"inbound and vlan", `syntax error at column 1 near "inbound": inbound/outbound not supported on link type EN10MB`, 0, 0, ""},
		{"tcp and udp", ErrRejectsAll.Error(), 0, 0, ""},
		{"ip6 and ip", ErrRejectsAll.Error(), 0, 0, ""},
	} {
		e, err := NewExpr(c.expr, Offline)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: got %v, want %s", c.expr, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		if err := e.Check(c.ok); err != nil {
			t.Errorf("%q on %s: %v", c.expr, c.ok, err)
		}
		err = e.Check(c.bad)
		if err == nil || !strings.Contains(err.Error(), c.badErr) {
			t.Errorf("%q on %s: got %v, want %s", c.expr, c.bad, err, c.badErr)
		}
		if _, merr := e.Match(&pcapfile.Packet{LinkType: c.bad, Data: make([]byte, 64)}); merr == nil && c.badErr != "" {
			t.Errorf("%q: Match on %s without error", c.expr, c.bad)
		}
	}
	// Live: checked for Ethernet, where inbound is the kernel's metadata.
	if _, err := NewExpr("inbound", Live); err != nil {
		t.Errorf("live inbound: %v", err)
	}
	if _, err := NewExpr("ifindex 2 and vlan", Live); err != nil {
		t.Errorf("live ifindex: %v", err)
	}
	if _, err := NewExpr("tcp and udp", Live); !errors.Is(err, ErrRejectsAll) {
		t.Errorf("live rejects all: %v", err)
	}
	// Polarity of an expression that only compiles for cooked captures.
	if e, err := NewExpr("not inbound", Offline); err != nil || !e.OnlyExcludes() {
		t.Errorf("not inbound: %v, excludes %v", err, e != nil && e.OnlyExcludes())
	}
}

// TestFileGuard: an interface whose link type the expression cannot be
// compiled for (or rejects all packets of) does not match, said once,
// while the expression judges another interface of the file; when it
// judges none, the error: at the first packet for a Complete file (pcap),
// else at the end, since a pcapng file may describe an interface the
// expression judges after packets of others (then those are left out,
// said when it is described).
func TestFileGuard(t *testing.T) {
	eth := pcapfile.Interface{Index: 0, Name: "b0", LinkType: Ethernet}
	sll := pcapfile.Interface{Index: 1, Name: "any", LinkType: LinuxSLL}
	v4 := pcapfile.Interface{Index: 2, LinkType: IPv4}
	eth3 := pcapfile.Interface{Index: 3, Name: "b3", LinkType: Ethernet}
	sll0 := pcapfile.Interface{Index: 0, Name: "any", LinkType: LinuxSLL}
	eth1 := pcapfile.Interface{Index: 1, Name: "b1", LinkType: Ethernet}
	pkt := func(ifc pcapfile.Interface) *pcapfile.Packet {
		p := &pcapfile.Packet{LinkType: ifc.LinkType, Interface: ifc.Name, Data: make([]byte, 64)}
		p.Info.InterfaceIndex = ifc.Index
		return p
	}
	const sllVlan = `interface 1 (any), link type LINUX_SLL: syntax error at column 1 near "vlan": no VLAN support for link type LINUX_SLL; its packets do not match the filter`
	type step struct {
		ifc     pcapfile.Interface
		add     bool     // the file describes ifc (no packet)
		ok      bool     // for a packet of ifc
		skips   []string // substrings of the skip messages, in order
		errText string   // substring of the error, "" for none
	}
	for _, c := range []struct {
		expr     string
		ifaces   []pcapfile.Interface // described before the first step
		complete bool
		steps    []step
		endSkips []string
		endErr   string // substring of End's error
	}{
		{"vlan", []pcapfile.Interface{eth, sll}, false, []step{
			{ifc: eth, ok: true},
			{ifc: sll, skips: []string{sllVlan}},
			{ifc: sll}, // said once
			{ifc: eth, ok: true},
		}, nil, ""},
		{"inbound", []pcapfile.Interface{eth, sll}, false, []step{
			{ifc: eth, skips: []string{"interface 0 (b0), link type EN10MB"}},
			{ifc: sll, ok: true},
		}, nil, ""},
		{"ip6", []pcapfile.Interface{v4, eth}, false, []step{
			{ifc: v4}, // rejects all: no message
			{ifc: eth, ok: true},
		}, nil, ""},
		{"tcp", []pcapfile.Interface{eth, sll, v4}, false, []step{
			{ifc: v4, ok: true}, {ifc: sll, ok: true}, {ifc: eth, ok: true},
		}, nil, ""},
		// One interface, all known (pcap): the error at once.
		{"vlan", []pcapfile.Interface{sll}, true, []step{
			{ifc: sll, errText: "no VLAN support for link type LINUX_SLL"},
		}, nil, ""},
		{"ip6", []pcapfile.Interface{v4}, true, []step{
			{ifc: v4, errText: ErrRejectsAll.Error()},
		}, nil, ""},
		// pcapng: the error at the end, nothing said before.
		{"vlan", []pcapfile.Interface{sll}, false, []step{
			{ifc: sll}, {ifc: sll},
		}, nil, "no VLAN support for link type LINUX_SLL"},
		{"ip6", []pcapfile.Interface{v4}, false, []step{
			{ifc: v4},
		}, nil, ErrRejectsAll.Error()},
		// Judged by none of two: the first packet's link type.
		{"ifindex 2", []pcapfile.Interface{eth, sll}, false, []step{
			{ifc: sll}, {ifc: eth}, {ifc: sll},
		}, nil, "ifindex not supported on link type LINUX_SLL"},
		// An interface the expression judges described after packets
		// of one it does not: those are left out, said when it comes
		// (before its first packet), and it is filtered.
		{"vlan", []pcapfile.Interface{sll0}, false, []step{
			{ifc: sll0}, {ifc: sll0},
			{ifc: eth1, add: true},
			{ifc: eth1, ok: true, skips: []string{"interface 0 (any), link type LINUX_SLL: syntax error"}},
			{ifc: sll0}, {ifc: eth1, ok: true},
		}, nil, ""},
		// ... or at the next packet of the other, when described
		// without packets before it.
		{"vlan", []pcapfile.Interface{sll0}, false, []step{
			{ifc: sll0},
			{ifc: eth1, add: true},
			{ifc: sll0, skips: []string{"interface 0 (any), link type LINUX_SLL"}},
			{ifc: sll0},
		}, nil, ""},
		// ... or at the end, when no packet comes after it.
		{"vlan", []pcapfile.Interface{sll0}, false, []step{
			{ifc: sll0},
			{ifc: eth1, add: true},
		}, []string{"interface 0 (any), link type LINUX_SLL"}, ""},
		// Several held back, in order; then a new one left out at once.
		{"inbound", []pcapfile.Interface{eth, v4}, false, []step{
			{ifc: v4}, {ifc: eth}, {ifc: v4},
			{ifc: pcapfile.Interface{Index: 3, Name: "any2", LinkType: LinuxSLL2}, add: true},
			{ifc: pcapfile.Interface{Index: 3, Name: "any2", LinkType: LinuxSLL2}, ok: true, skips: []string{"interface 2, link type IPV4", "interface 0 (b0), link type EN10MB"}},
			{ifc: eth}, {ifc: v4},
			{ifc: pcapfile.Interface{Index: 4, Name: "b4", LinkType: Ethernet}, skips: []string{"interface 4 (b4), link type EN10MB"}},
		}, nil, ""},
		// One the program rejects all packets of: left out silently.
		{"ip6", []pcapfile.Interface{v4}, false, []step{
			{ifc: v4},
			{ifc: eth3, add: true},
			{ifc: v4},
			{ifc: eth3, ok: true},
		}, nil, ""},
	} {
		e, err := NewExpr(c.expr, Offline)
		if err != nil {
			t.Fatalf("%q: %v", c.expr, err)
		}
		ifaces := slices.Clone(c.ifaces)
		g := e.Guard(func() []pcapfile.Interface { return ifaces })
		if c.complete {
			g.Complete()
		}
		checkSkips := func(what string, skips []*InterfaceError, want []string) {
			t.Helper()
			ok := len(skips) == len(want)
			for i := 0; ok && i < len(want); i++ {
				ok = strings.Contains(skips[i].Error(), want[i])
			}
			if !ok {
				t.Errorf("%q %s: skips %v, want %q", c.expr, what, skips, want)
			}
		}
		for i, s := range c.steps {
			if s.add {
				ifaces = append(ifaces, s.ifc)
				continue
			}
			ok, skips, err := g.Judge(pkt(s.ifc))
			if ok != s.ok {
				t.Errorf("%q step %d: ok %v", c.expr, i, ok)
			}
			checkSkips(fmt.Sprintf("step %d", i), skips, s.skips)
			switch {
			case s.errText == "" && err != nil:
				t.Errorf("%q step %d: unexpected error %v", c.expr, i, err)
			case s.errText != "" && (err == nil || !strings.Contains(err.Error(), s.errText)):
				t.Errorf("%q step %d: error %v, want %s", c.expr, i, err, s.errText)
			}
		}
		if c.complete {
			continue
		}
		skips, _, err := g.End()
		checkSkips("end", skips, c.endSkips)
		switch {
		case c.endErr == "" && err != nil:
			t.Errorf("%q end: unexpected error %v", c.expr, err)
		case c.endErr != "" && (err == nil || !strings.Contains(err.Error(), c.endErr)):
			t.Errorf("%q end: error %v, want %s", c.expr, err, c.endErr)
		}
	}
}
