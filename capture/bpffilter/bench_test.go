package bpffilter

import (
	"testing"

	"golang.org/x/net/bpf"
)

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("host 10.1.1.10 and (tcp port 80 or udp port 4791) and not vlan", Options{LinkType: Ethernet}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchFrame is a TCP/IPv4 frame to port 80 (synthetic).
func benchFrame() []byte {
	f := make([]byte, 74)
	f[12], f[13] = 0x08, 0x00
	f[14] = 0x45
	f[23] = 6
	copy(f[26:], []byte{10, 1, 1, 10, 10, 1, 2, 3})
	f[36], f[37] = 0, 80
	f[47] = 0x02
	return f
}

func BenchmarkFilterMatch(b *testing.B) {
	f, err := NewFilter("tcp port 80 and tcp[tcpflags] & tcp-syn != 0", Options{LinkType: Ethernet})
	if err != nil {
		b.Fatal(err)
	}
	pkt := benchFrame()
	if !f.Match(pkt, len(pkt)) {
		b.Fatal("benchmark frame does not match")
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		f.Match(pkt, len(pkt))
	}
}

// BenchmarkXNetVM is the same program on golang.org/x/net/bpf, for comparison.
func BenchmarkXNetVM(b *testing.B) {
	prog, err := Compile("tcp port 80 and tcp[tcpflags] & tcp-syn != 0", Options{LinkType: Ethernet})
	if err != nil {
		b.Fatal(err)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		b.Fatal(err)
	}
	pkt := benchFrame()
	b.ReportAllocs()
	for b.Loop() {
		vm.Run(pkt)
	}
}
