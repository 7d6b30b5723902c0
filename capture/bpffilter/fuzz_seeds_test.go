package bpffilter

import (
	"fmt"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites FuzzCompile's checked-in seed corpus
// (testdata/fuzz/FuzzCompile/seed-*) with filter expressions an operator
// would write for the real lab traces: the addresses, ports and MAC
// addresses of their connections (IPv4 and IPv6), RoCEv2 and SMC-specific
// filters. Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	w := fuzzseed.NewWriter(".", "FuzzCompile", 40)
	for _, p := range fuzzseed.Glob("../../testdata/lab/out/6.12/*.pcapng") {
		fs, err := fuzzseed.ReadFrames(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			pk, ok := fuzzseed.DecodeFrame(f)
			if !ok || pk.Proto != 6 || pk.Flags&0x12 != 0x02 || len(f.Data) < 14 {
				continue
			}
			mac := f.Data[6:12]
			ip := "ip"
			if pk.IPv6 {
				ip = "ip6"
			}
			w.Add("lab-conn", fmt.Sprintf("host %s and tcp port %d", pk.Dst, pk.DstPort))
			w.Add("lab-conn", fmt.Sprintf("src %s and dst port %d and tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn", pk.Src, pk.DstPort))
			w.Add("lab-conn", fmt.Sprintf("%s and (port %d or udp port 4791) and not ether host %x:%x:%x:%x:%x:%x", ip, pk.DstPort, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]))
			net, _ := pk.Src.Prefix(map[bool]int{false: 24, true: 64}[pk.IPv6])
			w.Add("lab-net", fmt.Sprintf("net %s and portrange %d-%d", net, pk.SrcPort-10, pk.SrcPort+10))
			break
		}
	}
	for _, e := range []string{
		"udp port 4791", // RoCEv2
		"tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0xe2d4c3d9", // CLC eyecatcher at the payload start
		"ether proto 0x8915",                            // RoCEv1
		"vlan 100 and udp dst portrange 5000-5010 and dst net 239.0.0.0/8",
		"ip[6:2] & 0x3fff != 0", // IPv4 fragments
		"ip6 and ip6[6] = 44",   // IPv6 fragment header
	} {
		w.Add("smc", e)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
