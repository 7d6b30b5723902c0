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
		"ether host 0:1:2:3:4:5", "\\", "ip[1:4:2]", "((((((((ip))))))))", "len-100 > 5"} {
		f.Add(e)
	}
	frames := append(append(genFrames(16), genGeneveFrames(8)...), genChainFrames(8)...)
	f.Fuzz(func(t *testing.T, expr string) {
		if len(expr) > 512 { // keep iterations (and minimization) fast
			return
		}
		for _, opts := range []Options{
			{LinkType: Ethernet},
			{LinkType: Ethernet, Mode: Live},
			{LinkType: Raw},
		} {
			prog, err := Compile(expr, opts)
			if err != nil {
				continue
			}
			raw, err := bpf.Assemble(prog)
			if err != nil {
				t.Fatalf("%q: Assemble: %v", expr, err)
			}
			if err := validate(raw); err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			for _, fr := range frames {
				runVM(raw, fr.data, fr.wireLen, &meta{vlanPresent: true, vlanTCI: 100, ifindex: 2})
			}
			if _, err := FormatRaw(raw, 1); err != nil {
				t.Fatal(err)
			}
		}
	})
}
