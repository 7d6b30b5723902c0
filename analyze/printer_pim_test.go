package analyze

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// pimFrame is an Ethernet/IPv4 frame to 224.0.0.13 carrying a PIMv2
// message of type typ (synthetic, built here) with a correct checksum.
func pimFrame(typ byte, body []byte) []byte {
	m := append([]byte{0x20 | typ, 0, 0, 0}, body...)
	binary.BigEndian.PutUint16(m[2:], ^onesSum(0, m))
	ip := []byte{0x45, 0, 0, 0, 0, 1, 0x40, 0, 1, 103, 0, 0, 10, 0, 0, 1, 224, 0, 0, 13}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(m)))
	binary.BigEndian.PutUint16(ip[10:], ^onesSum(0, ip))
	eth := []byte{1, 0, 0x5e, 0, 0, 13, 2, 0, 0, 0, 0, 1, 8, 0}
	return append(append(eth, ip...), m...)
}

// pimSeeds are PIM messages of each kind the printer decodes: a hello
// with options, a join/prune, a register carrying a UDP datagram, an
// assert, a bootstrap and a DF election.
func pimSeeds() [][]byte {
	a4 := func(s string) []byte { a := netip.MustParseAddr(s).As4(); return a[:] }
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	u := func(s string) []byte { return cat([]byte{1, 0}, a4(s)) }
	g := func(s string, fl byte) []byte { return cat([]byte{1, 0, fl, 32}, a4(s)) }
	inner := []byte{0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 9, 1, 239, 1, 1, 1, 0x13, 0x88, 0x17, 0x70, 0, 12, 0, 0, 'a', 'b', 'c', 'd'}
	return [][]byte{
		pimFrame(0, []byte{0, 1, 0, 2, 0, 105, 0, 19, 0, 4, 0, 0, 0, 1, 0, 20, 0, 4, 0x12, 0x34, 0xab, 0xcd}),
		pimFrame(3, cat(u("10.0.0.2"), []byte{0, 1, 0, 210}, g("239.1.1.1", 0), []byte{0, 1, 0, 1}, g("10.0.9.1", 7), g("10.0.9.2", 4))),
		pimFrame(1, cat([]byte{0, 0, 0, 0}, inner)),
		pimFrame(5, cat(g("239.1.1.1", 0), u("10.0.9.1"), []byte{0x80, 0, 0, 101, 0, 0, 0, 20})),
		pimFrame(4, cat([]byte{0x1a, 0x2b, 30, 64}, u("10.0.0.9"), g("224.0.0.0", 0), []byte{1, 1, 0, 0}, u("10.0.0.10"), []byte{0, 150, 192, 0})),
		pimFrame(10, cat(u("10.0.0.100"), []byte{0, 0, 0, 10, 0, 0, 0, 20})),
	}
}

// TestPrinterPIM: the lines tcpdump 4.99 prints for PIM (the full matrix
// against tcpdump itself is TestTcpdumpDifferential's pim-synthetic.pcap).
func TestPrinterPIM(t *testing.T) {
	seeds := pimSeeds()
	for _, tt := range []struct {
		frame   []byte
		verbose int
		want    string
	}{
		{seeds[0], 0, "IP 10.0.0.1 > 224.0.0.13: PIMv2, Hello, length 26"},
		{seeds[0], 1, "10.0.0.1 > 224.0.0.13: PIMv2, length 26\n\tHello, cksum 0x"},
		{seeds[0], 1, "(correct)\n\t  Hold Time Option (1), length 2, Value: 1m45s\n\t  DR Priority Option (19), length 4, Value: 1\n\t  Generation ID Option (20), length 4, Value: 0x1234abcd"},
		{seeds[1], 1, ", upstream-neighbor: 10.0.0.2\n\t  1 group(s), holdtime: 3m30s\n\t    group #1: 239.1.1.1, joined sources: 1, pruned sources: 1\n\t      joined source #1: 10.0.9.1(SWR)\n\t      pruned source #1: 10.0.9.2(S)"},
		{seeds[2], 1, "Register, cksum 0x"},
		{seeds[2], 1, ", Flags [ none ]\n\tIP (tos 0x0, ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 32"},
		{seeds[2], 0, "PIMv2, Register, length 40"},
		{seeds[3], 1, " group=239.1.1.1 src=10.0.9.1 RPT pref=101 metric=20"},
		{seeds[4], 1, " tag=1a2b hashmlen=30 BSRprio=64 BSR=10.0.0.9 (group0: 224.0.0.0 RPcnt=1 FRPcnt=1 RP0=10.0.0.10,holdtime=2m30s,prio=192)"},
		{seeds[5], 1, "\n\t  Unknown, rpa=10.0.0.100 sender pref=10 sender metric=20"},
		{seeds[1][:14+20+10], 1, "upstream-neighbor: 10.0.0.2 [|pimv2]"},
		{seeds[0][:14+20+1], 1, "PIMv2, length 26\n\tHello [|pimv2]"},
		{seeds[0][:14+20], 0, "IP 10.0.0.1 > 224.0.0.13:  [|pim]"},
	} {
		var out bytes.Buffer
		p := NewPrinter(&out, PrintOptions{Verbose: tt.verbose})
		pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet, Data: tt.frame}
		pkt.Info.CaptureLength, pkt.Info.Length = len(tt.frame), len(seeds[0])+100
		if err := p.PrintPacket(pkt); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tt.want) {
			t.Errorf("-v %d: want %q in\n%s", tt.verbose, tt.want, out.String())
		}
	}
}
