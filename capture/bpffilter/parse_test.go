package bpffilter

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		expr  string
		pos   int
		token string
		msg   string // substring
	}{
		{"port", 5, "end of expression", "expected an address"},
		{"host", 5, "end of expression", "expected an address"},
		{"tcp[", 5, "end of expression", "expected a number"},
		{"tcp[1:2", 8, "end of expression", `expected "]"`},
		{"tcp[0:3]=1", 7, "3", "data size must be 1, 2, or 4"},
		{"foo", 1, "foo", "expected a primitive"},
		{"(tcp", 1, "(", "unbalanced parenthesis"},
		{"tcp)", 4, ")", "unbalanced parenthesis"},
		{"host 1.2.3.4 and (5.6.7.8", 18, "(", "unbalanced parenthesis"},
		{"((udp) or tcp", 1, "(", "unbalanced parenthesis"},
		{"host 1.2.300.4", 6, "1.2.300.4", "invalid IPv4 address"},
		{"host 1.2.3.4.5", 6, "1.2.3.4.5", "host names are not resolved"},
		{"host example.com", 6, "example.com", "host names are not resolved"},
		{"net corp", 5, "corp", "network names are not resolved"},
		{"port 70000", 6, "70000", "illegal port number 70000 > 65535"},
		{"udp port http", 10, "http", "port 'http' is tcp"},
		{"port nosuchservice", 6, "nosuchservice", "unknown port"},
		{"ip6 host 1.2.3.4", 10, "1.2.3.4", "'ip6' modifier applied to ip host"},
		{"tcp host 1.2.3.4", 10, "1.2.3.4", "'tcp' modifier applied to host"},
		{"ip port 80", 9, "80", "illegal qualifier of 'port'"},
		{"ip[0]/0=1", 6, "/", "division by zero"},
		{"ip[0] % 0 = 1", 7, "%", "division by zero"},
		{"ip[0] << 32 = 1", 7, "<<", "shift by more than 31 bits"},
		{"ether host 1.2.3.4", 12, "1.2.3.4", "illegal link layer address"},
		{"ip host 00:11:22:33:44:55", 9, "00:11:22:33:44:55", "ethernet address used in non-ether expression"},
		{"vlan 5000", 1, "vlan", "VLAN tag 5000 greater than maximum 4095"},
		{"net 10.1.2.3/8", 5, "10.1.2.3", "non-network bits set"},
		{"net 10.0.0.0/33", 14, "33", "mask length must be <= 32"},
		{"host 10.0.0.0/8", 6, "10.0.0.0", "mask syntax for networks only"},
		{"host ::1/64", 6, "::1", "non-network bits set"},
		{"and", 1, "and", "expected a primitive"},
		{"tcp and", 8, "end of expression", "expected a primitive"},
		{"tcp or", 7, "end of expression", "expected a primitive"},
		{"not", 4, "end of expression", "expected a primitive"},
		{"1.2.3.4", 1, "1.2.3.4", "expected a qualifier"},
		{"tcp and 80", 9, "80", "needs a qualifier"},
		{"tcp port 80 prot 6", 13, "prot", `expected "and", "or"`},
		{"ip[0] 1", 7, "1", "expected a relational operator"},
		{"ip[0] = ", 9, "end of expression", "expected a number"},
		{"$", 1, "$", "unexpected character"},
		{"gateway 1.2.3.4", 1, "gateway", "not supported"},
		{"geneve 16777216", 1, "geneve", "greater than maximum 16777215"},
		{"geneve and geneve and geneve and geneve and geneve", 45, "geneve", "scratch registers exhausted"},
		{"mpls and vlan", 10, "vlan", "no VLAN match after MPLS"},
		{"tcp and mpls and arp", 18, "arp", "unsupported protocol over mpls"},
		{"mpls 1048576", 1, "mpls", "greater than maximum 1048575"},
		{"pppoes and ether host 1:2:3:4:5:6", 23, "1:2:3:4:5:6", "ethernet addresses supported only"},
		{"ip proto \\bar", 10, "\\bar", "unknown protocol"},
		{"less", 5, "end of expression", "expected a number"},
		{"greater x", 9, "x", "expected a number"},
		{"tcp port 80 and udp port http", 26, "http", "port 'http' is tcp"},
		{"inbound", 1, "inbound", "not supported on link type EN10MB"},
		{"byte 3 = 256", 10, "256", "greater than maximum 255"},
		{"ifindex 3", 1, "ifindex", "ifindex not supported on link type EN10MB when reading a file"},
		{"ifindex eth0", 9, "eth0", "expected an interface index"},
		{"byte 3 != 2", 8, "!=", "expected one of = < > & |"},
		{"byte x = 2", 6, "x", "expected a byte offset"},
		{"llc foo", 5, "foo", `unknown LLC type name "foo"`},
		{"esis proto 1", 12, "1", "'esis proto' is not supported"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.expr, Options{LinkType: Ethernet})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want *SyntaxError", tt.expr, err)
			continue
		}
		if se.Pos != tt.pos || se.Token != tt.token || !strings.Contains(se.Msg, tt.msg) || se.Expr != tt.expr {
			t.Errorf("%q: got pos %d token %q msg %q; want pos %d token %q msg ~%q",
				tt.expr, se.Pos, se.Token, se.Msg, tt.pos, tt.token, tt.msg)
		}
		want := "syntax error at column "
		if s := err.Error(); !strings.HasPrefix(s, want) || strings.Contains(s, "\n") {
			t.Errorf("%q: error text %q", tt.expr, s)
		}
	}
}

// TestByteBitOps: "byte N & V" and "byte N | V" test byte N of the
// link-level header (libpcap 1.10 leaves the byte unloaded, so they are not
// in the differential test).
func TestByteBitOps(t *testing.T) {
	frame := make([]byte, 20)
	frame[3], frame[5] = 0x05, 0
	for _, tt := range []struct {
		expr string
		want bool
	}{
		{"byte 3 & 4", true}, {"byte 3 & 2", false}, {"byte 3 & 0xff", true},
		{"byte 5 | 0", false}, {"byte 5 | 1", true}, {"byte 3 | 0", true},
		{"not byte 3 & 2", true}, {"byte 30 & 1", false}, {"byte 3 > 4", true}, {"byte 3 < 5", false},
	} {
		for _, lt := range []LinkType{Ethernet, LinuxSLL2, Raw} {
			f, err := NewFilter(tt.expr, Options{LinkType: lt})
			if err != nil {
				t.Fatalf("%q: %v", tt.expr, err)
			}
			if got := f.Match(frame, len(frame)); got != tt.want {
				t.Errorf("[%s] %q: %v, want %v", lt, tt.expr, got, tt.want)
			}
		}
	}
}

// TestDirectionBehindShims: inbound/outbound and ifindex read the captured
// frame's cooked header also after pppoes and geneve moved the link-level
// header (libpcap reads a field of the PPP header there, or fails).
func TestDirectionBehindShims(t *testing.T) {
	ppp := []byte{0x88, 0x64, 0x11, 0, 0x12, 0x34, 0, 0x1a, 0, 0x21, 0x45, 0, 0, 0x18, 0, 1, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 10, 1, 1, 10, 0, 53, 0, 53}
	sll := append([]byte{0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0}, ppp...)                              // SLL v1, outgoing
	sll2 := append([]byte{0x88, 0x64, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 2, 0, 0, 0, 0, 2, 0, 0}, ppp[2:]...) // SLL2, ifindex 3, outgoing
	for _, tt := range []struct {
		lt    LinkType
		frame []byte
		expr  string
		want  bool
	}{
		{LinuxSLL, sll, "pppoes and outbound", true},
		{LinuxSLL, sll, "pppoes and inbound", false},
		{LinuxSLL, sll, "pppoes and ip and outbound", true},
		{LinuxSLL2, sll2, "pppoes and outbound and ifindex 3", true},
		{LinuxSLL2, sll2, "pppoes and inbound", false},
		{LinuxSLL2, sll2, "pppoes and ifindex 4", false},
	} {
		f, err := NewFilter(tt.expr, Options{LinkType: tt.lt})
		if err != nil {
			t.Fatalf("%q: %v", tt.expr, err)
		}
		if got := f.Match(tt.frame, len(tt.frame)); got != tt.want {
			t.Errorf("[%s] %q = %v, want %v", tt.lt, tt.expr, got, tt.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	_, err := Compile("tcp port 80 prot 6", Options{LinkType: Ethernet})
	want := `syntax error at column 13 near "prot": expected "and", "or" or end of expression`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestAcceptedLikeLibpcap covers inputs libpcap accepts that look odd.
func TestAcceptedLikeLibpcap(t *testing.T) {
	for _, expr := range []string{
		"", "   ", "host 1.2.3", // libpcap: 1.2.3.0/24 (short address promoted)
		"net 10", "port 80 or 8080", "host (1.2.3.4 or 5.6.7.8)", "ip proto \\tcp",
		"tcp[tcpflags] & (tcp-syn|tcp-ack) != 0", "-ip[0] = -69", "ip[0] & 0xf == 5",
		"not not not tcp", "ether proto \\arp", "vlan (100)", "0x10 = 16", "len == 60",
	} {
		if _, err := Compile(expr, Options{LinkType: Ethernet}); err != nil {
			t.Errorf("%q: %v", expr, err)
		}
	}
}

func TestCompileBasics(t *testing.T) {
	prog, err := Compile("", Options{LinkType: Ethernet})
	if err != nil || len(prog) != 1 || prog[0] != (bpf.RetConstant{Val: DefaultSnaplen}) {
		t.Errorf("empty expression: %v %v", prog, err)
	}
	prog, err = Compile("tcp", Options{LinkType: Ethernet, Snaplen: 96})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, in := range prog {
		if in == (bpf.RetConstant{Val: 96}) {
			found = true
		}
	}
	if !found {
		t.Errorf("snaplen 96 not used:\n%v", prog)
	}
	if _, err := Compile("tcp", Options{LinkType: 12345}); err == nil {
		t.Error("unsupported link type accepted")
	}
	// Live mode initialises the offset registers before any read
	// (the kernel rejects reads of unwritten scratch memory).
	prog, err = Compile("vlan and ip", Options{LinkType: Ethernet, Mode: Live})
	if err != nil {
		t.Fatal(err)
	}
	if prog[0] != (bpf.LoadConstant{Dst: bpf.RegA, Val: 0}) {
		t.Errorf("live vlan program does not start with ld #0: %v", prog[0])
	}
}

func TestFilterMatch(t *testing.T) {
	frames := genFrames(500)
	for _, expr := range []string{"tcp port 80", "vlan 100 and udp", "greater 100", "ip[0] & 0xf > 5"} {
		f, err := NewFilter(expr, Options{LinkType: Ethernet})
		if err != nil {
			t.Fatal(err)
		}
		if f.Expr() != expr || len(f.Instructions()) == 0 {
			t.Error("accessors")
		}
		vm, err := bpf.NewVM(f.Instructions())
		if err != nil {
			t.Fatal(err)
		}
		for _, fr := range frames {
			v, _ := vm.Run(fr.data)
			if got := f.Match(fr.data, len(fr.data)); got != (v > 0) {
				t.Errorf("%q: Match %v, x/net/bpf %d on %x", expr, got, v, fr.data)
			}
		}
	}
	// `len` is the wire length, not the captured length.
	f, err := NewFilter("greater 1000", Options{LinkType: Ethernet})
	if err != nil {
		t.Fatal(err)
	}
	short := make([]byte, 60)
	if f.Match(short, 60) || !f.Match(short, 1500) {
		t.Error("greater 1000 must use wireLen")
	}
	// Negation runs on our VM (x/net/bpf cannot run neg).
	f, err = NewFilter("-ip[0] = -69", Options{LinkType: Ethernet})
	if err != nil {
		t.Fatal(err)
	}
	pkt := make([]byte, 34)
	pkt[12], pkt[13], pkt[14] = 0x08, 0x00, 0x45
	if !f.Match(pkt, len(pkt)) {
		t.Error("-ip[0] = -69 did not match IHL 5 packet")
	}
	pkt[14] = 0x46
	if f.Match(pkt, len(pkt)) {
		t.Error("-ip[0] = -69 matched IHL 6 packet")
	}
}

func TestVMValidate(t *testing.T) {
	bad := [][]bpf.RawInstruction{
		{},
		{{Op: 0x15, Jt: 5, Jf: 0, K: 1}, {Op: 0x06}},
		{{Op: 0x05, K: 3}, {Op: 0x06}},
		{{Op: 0x02, K: 16}, {Op: 0x06}},
		{{Op: 0x28, K: 0}},
	}
	for i, raw := range bad {
		if err := validate(raw); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
}

// TestJumpsInRange checks every program of the differential corpus
// assembles and keeps its jumps inside the program, in both modes.
func TestJumpsInRange(t *testing.T) {
	for _, mode := range []Mode{Offline, Live} {
		for _, expr := range append(append([]string{}, diffExprs...), liveExprs...) {
			prog, err := Compile(expr, Options{LinkType: Ethernet, Mode: mode})
			if err != nil {
				var se *SyntaxError
				if errors.As(err, &se) {
					continue // error cases of the corpus, checked against libpcap
				}
				t.Errorf("%q: %v", expr, err)
				continue
			}
			raw, err := bpf.Assemble(prog)
			if err != nil {
				t.Errorf("%q: %v", expr, err)
				continue
			}
			if err := validate(raw); err != nil {
				t.Errorf("%q: %v", expr, err)
			}
		}
	}
}

func TestPolarity(t *testing.T) {
	for _, c := range []struct {
		expr     string
		pos, neg bool
	}{
		{"", false, false},
		{"port 22", true, false},
		{"not port 22", false, true},
		{"! port 22", false, true},
		{"host 10.1.1.1 or 10.1.1.2", true, false},
		{"not host 10.1.1.1 and not port 22", false, true},
		{"not (host 10.1.1.1 or port 22)", false, true},
		{"not not tcp", true, false},
		{"host 10.1.1.1 and not port 22", true, true},
		{"host 10.1.1.1 or not 10.1.1.2", true, true},
		{"not host 10.1.1.1 or 10.1.1.2", true, true}, // the second id inherits "host", not "not"
		{"ip[0] & 0xf != 5", true, false},
		{"not ip[0] & 0xf != 5", false, true},
		{"not (ip[0] & 0xf) > 5", false, true},
		{"tcp[tcpflags] & tcp-syn != 0 and not udp", true, true},
		{"not (tcp or (udp and not port 53))", true, true},
		{"not (tcp or udp) and not vlan", false, true},
		{"host", false, false}, // does not parse
		{"host not 10.1.1.1", false, true},
		{"port not 22", false, true},
		{"src not 10.1.1.1", false, true},
		{"host (not 10.1.1.1 and not 10.1.1.2)", false, true},
		{"host (10.1.1.1 or not 10.1.1.2)", true, true},
		{"not host (10.1.1.1 or 10.1.1.2)", false, true},
		{"tcp port not 22", false, true},
		{"not tcp port 22", false, true},
		{"vlan 100", true, false},
		{"not vlan 100", false, true},
	} {
		pos, neg := Polarity(c.expr)
		if pos != c.pos || neg != c.neg {
			t.Errorf("Polarity(%q) = %v, %v; want %v, %v", c.expr, pos, neg, c.pos, c.neg)
		}
	}
	e, err := NewExpr("not port 22 and not host 10.1.1.1", Offline)
	if err != nil {
		t.Fatal(err)
	}
	if !e.OnlyExcludes() {
		t.Error("OnlyExcludes false for a negative expression")
	}
	if e, _ := NewExpr("port 22 or not host 10.1.1.1", Offline); e.OnlyExcludes() {
		t.Error("OnlyExcludes true for a mixed expression")
	}
}
