package bpffilter_test

import (
	"fmt"

	"github.com/smcdump/smcdump/capture/bpffilter"
)

func ExampleCompile() {
	prog, err := bpffilter.Compile("ether proto 0x8915", bpffilter.Options{LinkType: bpffilter.Ethernet})
	if err != nil {
		panic(err)
	}
	s, _ := bpffilter.Format(prog, 1)
	fmt.Print(s)
	// Output:
	// (000) ldh      [12]
	// (001) jeq      #0x8915          jt 2	jf 3
	// (002) ret      #262144
	// (003) ret      #0
}

func ExampleCompile_error() {
	_, err := bpffilter.Compile("tcp port 80 prot 6", bpffilter.Options{LinkType: bpffilter.Ethernet})
	fmt.Println(err)
	// Output:
	// syntax error at column 13 near "prot": expected "and", "or" or end of expression
}

func ExampleNewFilter() {
	f, err := bpffilter.NewFilter("udp port 4791", bpffilter.Options{LinkType: bpffilter.Ethernet})
	if err != nil {
		panic(err)
	}
	// A synthetic Ethernet/IPv4/UDP frame to port 4791 (RoCE v2).
	frame := make([]byte, 42)
	frame[12], frame[13] = 0x08, 0x00 // EtherType IPv4
	frame[14] = 0x45                  // version 4, IHL 5
	frame[23] = 17                    // UDP
	frame[36], frame[37] = 0x12, 0xb7 // destination port 4791
	fmt.Println(f.Match(frame, len(frame)))
	// Output:
	// true
}
