package bpffilter

import (
	"testing"

	"golang.org/x/net/bpf"
)

// FuzzCompile checks that no expression panics the compiler and that every
// program it produces assembles, keeps its jumps in range and runs.
// (Verdicts are compared with libpcap in TestDifferentialLibpcap only, to
// keep fuzz iterations fast.)
func FuzzCompile(f *testing.F) {
	for _, e := range append(append(diffExprs, protochainExprs...), liveExprs...) {
		f.Add(e)
	}
	for _, e := range []string{"", "port", "host 1.2.3", "tcp[", "foo", "(tcp", "tcp)",
		"-ip[0] = -69", "ip[0] % 5 ^ 3 = 1", "vlan and vlan and vlan and ip", "::1", "host ::",
		"ether host 0:1:2:3:4:5", "\\", "ip[1:4:2]", "((((((((ip))))))))", "len-100 > 5", "tcp and udp", "port 80 and not port 80"} {
		f.Add(e)
	}
	// Link-type specific: loopback address families, raw IPv4/IPv6,
	// cooked-capture direction and ifindex.
	for _, e := range []string{"ip6", "not ip", "ip or ip6", "ip6 and tcp port 22", "link[0] = 2", "link[0:4] = 0x1e000000",
		"inbound", "outbound and ip6", "ifindex 3", "not inbound and vlan", "ether host 1:2:3:4:5:6 or ip"} {
		f.Add(e)
	}
	frames := append(append(genFrames(16), genGeneveFrames(8)...), genChainFrames(8)...)
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 512 { // keep iterations (and minimization) fast
			return
		}
		judged := false // some offline program accepts something
		for _, opts := range []Options{
			{LinkType: Ethernet},
			{LinkType: Ethernet, Mode: Live},
			{LinkType: Raw},
			{LinkType: LinuxSLL2},
			{LinkType: LinuxSLL},
			{LinkType: Null},
			{LinkType: Loop},
			{LinkType: IPv4},
			{LinkType: IPv6},
		} {
			prog, err := Compile(expr, opts)
			if err != nil {
				continue
			}
			if opts.Mode == Offline && !RejectsAll(prog) {
				judged = true
			}
			raw, err := bpf.Assemble(prog)
			if err != nil {
				t.Fatalf("%q: Assemble: %v", expr, err)
			}
			if err := validate(raw); err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			rejects := rejectsAll(raw)
			for _, fr := range frames {
				if runVM(raw, fr.data, fr.wireLen, &meta{vlanPresent: true, vlanTCI: 100, ifindex: 2}) > 0 && rejects {
					t.Fatalf("%q: RejectsAll, but it accepts %x", expr, fr.data)
				}
			}
			if _, err := FormatRaw(raw, 1); err != nil {
				t.Fatal(err)
			}
		}
		// Reading files, NewExpr accepts what some link type's program
		// judges (syntax), and refuses the rest.
		if _, err := NewExpr(expr, Offline); (err == nil) != judged {
			t.Fatalf("%q: NewExpr offline: %v, but a program that accepts something: %v", expr, err, judged)
		}
	})
}

// FuzzRejectsAll checks that the analysis behind ErrRejectsAll is sound on
// arbitrary valid programs: a program it says accepts nothing returns 0
// for the fuzzed packet and for generated frames, with any metadata.
func FuzzRejectsAll(f *testing.F) {
	for _, c := range rejectAllCases {
		for _, mode := range []Mode{Offline, Live} {
			prog, err := Compile(c.expr, Options{LinkType: Ethernet, Mode: mode})
			if err != nil {
				continue
			}
			raw, _ := bpf.Assemble(prog)
			f.Add(encodeRaw(raw), genFrames(1)[0].data, uint8(1))
		}
	}
	frames := append(genFrames(24), genChainFrames(8)...)
	f.Fuzz(func(t *testing.T, code, pkt []byte, vlan uint8) {
		if len(code) > 8*256 {
			return
		}
		raw := make([]bpf.RawInstruction, len(code)/8)
		for i := range raw {
			b := code[8*i:]
			raw[i] = bpf.RawInstruction{Op: uint16(b[0]) | uint16(b[1])<<8, Jt: b[2], Jf: b[3],
				K: uint32(b[4]) | uint32(b[5])<<8 | uint32(b[6])<<16 | uint32(b[7])<<24}
		}
		if validate(raw) != nil || !rejectsAll(raw) {
			return
		}
		md := &meta{vlanPresent: vlan&1 != 0, vlanTCI: uint16(vlan) * 37, pktType: vlan >> 5, ifindex: uint32(vlan)}
		for _, fr := range append(frames, testFrame{data: pkt, wireLen: len(pkt) + int(vlan)}) {
			for _, m := range []*meta{nil, md} {
				if v := runVM(raw, fr.data, fr.wireLen, m); v != 0 {
					t.Fatalf("rejectsAll, but the program returns %d for %x (meta %v)\n%s", v, fr.data, m, listing(raw))
				}
			}
		}
	})
}

func encodeRaw(raw []bpf.RawInstruction) []byte {
	var b []byte
	for _, ri := range raw {
		b = append(b, byte(ri.Op), byte(ri.Op>>8), ri.Jt, ri.Jf, byte(ri.K), byte(ri.K>>8), byte(ri.K>>16), byte(ri.K>>24))
	}
	return b
}
