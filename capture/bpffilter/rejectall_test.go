package bpffilter

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// rejectAllCases: expressions no packet satisfies (libpcap's optimizer
// finds each of these too: "expression rejects all packets") and
// satisfiable neighbours that must compile.
var rejectAllCases = []struct {
	expr    string
	rejects bool
}{
	{"tcp and udp", true},
	{"ip and ip6", true},
	{"ip6 and udp and tcp", true},
	{"udp port 53 and tcp port 53", true},
	{"src host 1.1.1.1 and src host 2.2.2.2", true},
	{"src port 80 and src port 81", true},
	{"port 80 and not port 80", true},
	{"host 1.1.1.1 and not host 1.1.1.1", true},
	{"net 10.0.0.0/8 and not net 10.0.0.0/8", true},
	{"portrange 1-100 and not portrange 1-100", true},
	{"ip[6:2]&0x1fff=0 and ip[6:2]&0x1fff!=0", true},
	{"tcp[13] = 2 and tcp[13] = 18", true},
	{"ether proto 0x800 and arp", true},
	{"not (ip or not ip)", true},
	{"multicast and not multicast", true},
	{"port 4791 and icmp6", true},
	{"ether src 02:00:00:00:00:01 and not ether src 02:00:00:00:00:01", true},

	{"", false},
	{"tcp or udp", false},
	{"host 1.1.1.1 and host 2.2.2.2", false},
	{"port 80 and port 81", false},
	{"tcp port 80 and tcp port 81", false},
	{"vlan 10 and vlan 20", false},
	{"vlan and not vlan", false},       // each "vlan" moves the offsets: not the same load
	{"len < 100 and len > 200", false}, // ranges are not reasoned about (nor by libpcap)
	{"tcp[13] & 2 != 0 and tcp[13] & 16 != 0", false},
	{"ip[0] + tcp[0] = 5 and ip[0] + tcp[0] = 5", false},
	{"not tcp and not udp", false},
	// neg of a value a jump proved is no longer that load (found by review)
	{"ether[0] = 6 and -ether[0] + len != ether[0] + len", false},
	{"ip[0] = 0x45 and -ip[0] + len != ip[0] + len", false},
	{"ether[0] = 6 and -ether[0] != ether[0]", false},
}

func TestRejectsAll(t *testing.T) {
	frames := append(append(genFrames(400), genGeneveFrames(16)...), genChainFrames(16)...)
	for _, c := range rejectAllCases {
		for _, mode := range []Mode{Offline, Live} {
			prog, err := Compile(c.expr, Options{LinkType: Ethernet, Mode: mode})
			if err != nil {
				t.Fatalf("%q: %v", c.expr, err)
			}
			if got := RejectsAll(prog); got != c.rejects {
				t.Errorf("%q (mode %d): RejectsAll = %v, want %v\n%s", c.expr, mode, got, c.rejects, listingOf(t, prog))
			}
			if c.rejects {
				raw, _ := bpf.Assemble(prog)
				for _, f := range frames {
					if runVM(raw, f.data, f.wireLen, nil) > 0 {
						t.Errorf("%q accepts %x", c.expr, f.data)
						break
					}
				}
			}
		}
		_, err := NewExpr(c.expr, Offline)
		if c.rejects != errors.Is(err, ErrRejectsAll) {
			t.Errorf("NewExpr(%q) = %v", c.expr, err)
		}
	}
}

func listingOf(t *testing.T, prog []bpf.Instruction) string {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		t.Fatal(err)
	}
	return listing(raw)
}

// TestRejectsAllLibpcap compares with libpcap's optimizer on random
// conjunctions: every expression libpcap rejects as a whole is rejected
// here too, and an expression only this analysis rejects must not accept
// any generated frame under libpcap's own program (the analysis is sound;
// it also sees through the 6-byte MAC comparisons and across the IPv4 and
// IPv6 branches where libpcap's value numbering does not).
func TestRejectsAllLibpcap(t *testing.T) {
	needTcpdump(t)
	r := rand.New(rand.NewPCG(1, 2))
	frames := genFrames(1500)
	and := strings.NewReplacer(" or ", " and ", " || ", " && ")
	both, onlyOurs := 0, 0
	for range 250 {
		expr := and.Replace(randExpr(r, 2))
		prog, err := Compile(expr, Options{LinkType: Ethernet, Mode: Offline})
		ref, libRejects, refErr := tcpdumpProgram(t, "EN10MB", "", expr, false)
		if err != nil || refErr != nil {
			continue
		}
		ours := RejectsAll(prog)
		switch {
		case libRejects && !ours:
			t.Errorf("%q: libpcap rejects all packets, RejectsAll does not\n%s", expr, listingOf(t, prog))
		case ours && libRejects:
			both++
		case ours:
			onlyOurs++
			for _, f := range frames {
				if runVM(ref, f.data, f.wireLen, nil) > 0 {
					t.Errorf("%q: RejectsAll, but libpcap's program accepts %x", expr, f.data)
					break
				}
			}
		}
	}
	t.Logf("rejects all: %d with libpcap, %d found only here", both, onlyOurs)
	if both == 0 {
		t.Error("no expression that libpcap rejects was generated: the comparison tested nothing")
	}
}

// TestRejectsAllNegStale: after "neg" of a value a jump proved, A no longer
// holds the load it was; a program that accepts a packet with P[0] = 6 by
// comparing -6+len with 6+len must not be called rejecting.
func TestRejectsAllNegStale(t *testing.T) {
	prog := []bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtLen},
		bpf.TAX{},
		bpf.LoadAbsolute{Off: 0, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 0, SkipFalse: 7},
		bpf.NegateA{},
		bpf.ALUOpX{Op: bpf.ALUOpAdd},
		bpf.StoreScratch{Src: bpf.RegA, N: 0},
		bpf.LoadAbsolute{Off: 0, Size: 1},
		bpf.ALUOpX{Op: bpf.ALUOpAdd},
		bpf.LoadScratch{Dst: bpf.RegX, N: 0},
		bpf.JumpIfX{Cond: bpf.JumpEqual, SkipTrue: 0, SkipFalse: 1},
		bpf.RetConstant{Val: 0},
		bpf.RetConstant{Val: 0xffff},
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		t.Fatal(err)
	}
	pkt := make([]byte, 64)
	pkt[0] = 6
	if runVM(raw, pkt, len(pkt), nil) == 0 {
		t.Fatal("the program should accept the packet")
	}
	if rejectsAll(raw) {
		t.Error("rejectsAll claims a program that accepts a packet rejects everything")
	}
}

// TestRejectsAllRandom: two loads of SKF_AD_RANDOM are different numbers,
// so "random != random" may accept.
func TestRejectsAllRandom(t *testing.T) {
	prog := []bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtRand},
		bpf.TAX{},
		bpf.LoadExtension{Num: bpf.ExtRand},
		bpf.JumpIfX{Cond: bpf.JumpEqual, SkipTrue: 0, SkipFalse: 1},
		bpf.RetConstant{Val: 0},
		bpf.RetConstant{Val: 0xffff},
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		t.Fatal(err)
	}
	if rejectsAll(raw) {
		t.Error("two random numbers taken for equal")
	}
}
