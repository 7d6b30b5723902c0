package analyze

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Expected texts below are tcpdump 4.99's output for the same bytes (checked
// with tcpdump -nn; TestTcpdumpDifferential in cmd/smcdump compares whole
// traces).

// ipv4TCP is an Ethernet frame: 10.1.1.10.40001 > 10.1.1.20.5000, SYN,
// seq 100, win 64240, options [mss 1460,nop,nop,smc] (from the synthetic
// smcd-v1 scenario, with correct checksums).
func ipv4TCP(t testing.TB) []byte {
	t.Helper()
	for _, s := range synth.Scenarios() {
		if s.Name == "smcr-v1" {
			return frameBytes(t, s.Link, s.Build)[0]
		}
	}
	t.Fatal("no smcr-v1 scenario")
	return nil
}

func printOne(t *testing.T, lt pcapfile.LinkType, data []byte, o PrintOptions) string {
	t.Helper()
	var b bytes.Buffer
	p := NewPrinter(&b, o)
	pkt := &pcapfile.Packet{Frame: 1, LinkType: lt, Data: data}
	pkt.Info.Timestamp = time.Date(2026, 11, 22, 7, 0, 0, 123456789, time.UTC)
	pkt.Info.CaptureLength, pkt.Info.Length = len(data), len(data)
	if err := p.PrintPacket(pkt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPrinterTcpdumpFormats(t *testing.T) {
	fr := ipv4TCP(t)
	vlan := append(append(append([]byte{}, fr[:12]...), 0x81, 0x00, 0xa0, 0x7b), fr[12:]...) // VLAN 123, priority 5
	badSum := append([]byte{}, fr...)
	badSum[14+20+16] ^= 0xff // TCP checksum
	badIP := append([]byte{}, fr...)
	badIP[14+10] ^= 0xff // IPv4 header checksum
	const line = "10.1.1.10.40001 > 10.1.1.20.5000: Flags [S], seq 1000, win 64240, options [mss 1460,nop,nop,smc], length 0"
	for _, c := range []struct {
		name string
		lt   pcapfile.LinkType
		data []byte
		o    PrintOptions
		want string
	}{
		{"default", pcapfile.LinkTypeEthernet, fr, PrintOptions{}, "07:00:00.123456 IP " + line + "\n"},
		{"-t", pcapfile.LinkTypeEthernet, fr, PrintOptions{TimeFormat: 1}, "IP " + line + "\n"},
		{"-tt", pcapfile.LinkTypeEthernet, fr, PrintOptions{TimeFormat: 2}, "1795330800.123456 IP " + line + "\n"},
		{"-ttt", pcapfile.LinkTypeEthernet, fr, PrintOptions{TimeFormat: 3}, " 00:00:00.000000 IP " + line + "\n"},
		{"-tttt", pcapfile.LinkTypeEthernet, fr, PrintOptions{TimeFormat: 4}, "2026-11-22 07:00:00.123456 IP " + line + "\n"},
		{"--tttt legacy", pcapfile.LinkTypeEthernet, fr, PrintOptions{DateTime: true}, "2026-11-22 07:00:00.123456 IP " + line + "\n"},
		{"-ttttt", pcapfile.LinkTypeEthernet, fr, PrintOptions{TimeFormat: 5}, " 00:00:00.000000 IP " + line + "\n"},
		{"--nano", pcapfile.LinkTypeEthernet, fr, PrintOptions{Nano: true}, "07:00:00.123456789 IP " + line + "\n"},
		{"-#", pcapfile.LinkTypeEthernet, fr, PrintOptions{Number: true, TimeFormat: 1}, "    1  IP " + line + "\n"},
		{"-q", pcapfile.LinkTypeEthernet, fr, PrintOptions{Quiet: true, TimeFormat: 1}, "IP 10.1.1.10.40001 > 10.1.1.20.5000: tcp 0\n"},
		{"-e", pcapfile.LinkTypeEthernet, fr, PrintOptions{LinkHeader: true, TimeFormat: 1},
			"02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 66: " + line + "\n"},
		{"-e vlan", pcapfile.LinkTypeEthernet, vlan, PrintOptions{LinkHeader: true, TimeFormat: 1},
			"02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype 802.1Q (0x8100), length 70: vlan 123, p 5, ethertype IPv4 (0x0800), " + line + "\n"},
		{"-v", pcapfile.LinkTypeEthernet, fr, PrintOptions{Verbose: 1, TimeFormat: 1},
			"IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 52)\n    10.1.1.10.40001 > 10.1.1.20.5000: Flags [S], cksum 0x0da6 (correct), seq 1000, win 64240, options [mss 1460,nop,nop,smc], length 0\n"},
		{"-v bad tcp checksum", pcapfile.LinkTypeEthernet, badSum, PrintOptions{Verbose: 1, TimeFormat: 1},
			"IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 52)\n    10.1.1.10.40001 > 10.1.1.20.5000: Flags [S], cksum 0xf2a6 (incorrect -> 0x0da6), seq 1000, win 64240, options [mss 1460,nop,nop,smc], length 0\n"},
		{"-v -K", pcapfile.LinkTypeEthernet, badSum, PrintOptions{Verbose: 1, NoChecksum: true, TimeFormat: 1},
			"IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 52)\n    " + line + "\n"},
		{"-v bad ip checksum", pcapfile.LinkTypeEthernet, badIP, PrintOptions{Verbose: 1, TimeFormat: 1},
			"IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 52, bad cksum dba5 (->24a5)!)\n    10.1.1.10.40001 > 10.1.1.20.5000: Flags [S], cksum 0x0da6 (correct), seq 1000, win 64240, options [mss 1460,nop,nop,smc], length 0\n"},
		{"-e -v", pcapfile.LinkTypeEthernet, fr, PrintOptions{LinkHeader: true, Verbose: 1, NoChecksum: true, TimeFormat: 1},
			"02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 66: (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 52)\n    " + line + "\n"},
		{"-x", pcapfile.LinkTypeEthernet, fr[:30], PrintOptions{HexOnly: 1, TimeFormat: 1},
			"IP  [|ip]\n\t0x0000:  4500 0034 0000 4000 4006 24a5 0a01 010a\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := printOne(t, c.lt, c.data, c.o); got != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestPrinterDumps(t *testing.T) {
	data := []byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x08\x00" + "GET / HTTP/1.0\r\nHost: a b\r\n\r\n")
	for _, c := range []struct {
		name string
		o    PrintOptions
		want string
	}{
		{"-x", PrintOptions{HexOnly: 1}, "\t0x0000:  4745 5420 2f20 4854 5450 2f31 2e30 0d0a\n\t0x0010:  486f 7374 3a20 6120 620d 0a0d 0a\n"},
		{"-xx", PrintOptions{HexOnly: 2}, "\t0x0000:  0001 0203 0405 0607 0809 0a0b 0800 4745\n\t0x0010:  5420 2f20 4854 5450 2f31 2e30 0d0a 486f\n\t0x0020:  7374 3a20 6120 620d 0a0d 0a\n"},
		{"-X", PrintOptions{HexASCII: 1}, "\t0x0000:  4745 5420 2f20 4854 5450 2f31 2e30 0d0a  GET./.HTTP/1.0..\n\t0x0010:  486f 7374 3a20 6120 620d 0a0d 0a         Host:.a.b....\n"},
		{"-A", PrintOptions{ASCII: 1}, "GET / HTTP/1.0\nHost: a b\n\n\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := printOne(t, pcapfile.LinkTypeEthernet, data, c.o)
			_, dump, _ := strings.Cut(got, "\n")
			if dump != c.want {
				t.Errorf("got\n%q\nwant\n%q", dump, c.want)
			}
		})
	}
}

// TestPrinterUnknownEthertype: tcpdump prints the Ethernet header and dumps
// the payload of an ethertype it does not know.
func TestPrinterUnknownEthertype(t *testing.T) {
	f := append([]byte("\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x88\xb5"), "hello world 12345678901234567890"...)
	want := "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype Unknown (0x88b5), length 46: \n" +
		"\t0x0000:  6865 6c6c 6f20 776f 726c 6420 3132 3334  hello.world.1234\n" +
		"\t0x0010:  3536 3738 3930 3132 3334 3536 3738 3930  5678901234567890\n"
	for _, o := range []PrintOptions{{TimeFormat: 1}, {TimeFormat: 1, LinkHeader: true}} {
		if got := printOne(t, pcapfile.LinkTypeEthernet, f, o); got != want {
			t.Errorf("%+v: got\n%q\nwant\n%q", o, got, want)
		}
	}
	if got := printOne(t, pcapfile.LinkTypeEthernet, f, PrintOptions{TimeFormat: 1, HexOnly: 1}); !strings.HasSuffix(got, "3334\n\t0x0010:  3536 3738 3930 3132 3334 3536 3738 3930\n") {
		t.Errorf("-x: got %q", got)
	}
}

// TestPrinterRawUnknownVersion: a raw-IP frame whose version nibble is
// neither 4 nor 6 (print-ip.c ipN_print, checked with tcpdump 4.99.3).
func TestPrinterRawUnknownVersion(t *testing.T) {
	for _, lt := range []pcapfile.LinkType{pcapfile.LinkTypeRaw, pcapfile.LinkTypeIPv4, pcapfile.LinkTypeIPv6} {
		for _, o := range []PrintOptions{{TimeFormat: 1}, {TimeFormat: 1, Verbose: 1}, {TimeFormat: 1, Quiet: true}} {
			if got := printOne(t, lt, append([]byte{0x50}, make([]byte, 30)...), o); got != "unknown ip 5\n" {
				t.Errorf("link type %d %+v: got %q", lt, o, got)
			}
		}
	}
}

// TestPrinterFragments: the first fragment shows the UDP header with the
// datagram's length, the others only the protocol (tcpdump 4.99, -nn).
func TestPrinterFragments(t *testing.T) {
	frs := ipv4Fragments(777, netip.MustParseAddrPort("10.0.0.1:1234"), netip.MustParseAddrPort("239.0.0.1:5000"), make([]byte, 3000), 1480)
	var b bytes.Buffer
	p := NewPrinter(&b, PrintOptions{TimeFormat: 1, Verbose: 1, NoChecksum: true}) // the helper leaves the IP checksum 0
	for i, fr := range frs {
		pkt := &pcapfile.Packet{Frame: i + 1, LinkType: pcapfile.LinkTypeEthernet, Data: fr}
		pkt.Info.CaptureLength, pkt.Info.Length = len(fr), len(fr)
		if err := p.PrintPacket(pkt); err != nil {
			t.Fatal(err)
		}
	}
	want := "IP (tos 0x0, ttl 64, id 777, offset 0, flags [+], proto UDP (17), length 1500)\n    10.0.0.1.1234 > 239.0.0.1.5000: UDP, length 3000\n" +
		"IP (tos 0x0, ttl 64, id 777, offset 1480, flags [+], proto UDP (17), length 1500)\n    10.0.0.1 > 239.0.0.1: ip-proto-17\n" +
		"IP (tos 0x0, ttl 64, id 777, offset 2960, flags [none], proto UDP (17), length 68)\n    10.0.0.1 > 239.0.0.1: ip-proto-17\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestPrinterInterfaceColumn(t *testing.T) {
	fr := ipv4TCP(t)
	// SLL2: protocol, reserved, ifindex, hatype, pkttype, halen, address.
	sll2 := make([]byte, 20, 20+len(fr))
	binary.BigEndian.PutUint16(sll2[0:], 0x0800)
	binary.BigEndian.PutUint32(sll2[4:], 7)
	binary.BigEndian.PutUint16(sll2[8:], 1)
	sll2[10], sll2[11] = 4, 6 // outgoing
	copy(sll2[12:], fr[6:12])
	sll2 = append(sll2, fr[14:]...)
	name := func(i int) string {
		if i == 7 {
			return "eth1"
		}
		return ""
	}
	const line = "10.1.1.10.40001 > 10.1.1.20.5000: Flags [S], seq 1000, win 64240, options [mss 1460,nop,nop,smc], length 0\n"
	if got, want := printOne(t, pcapfile.LinkTypeLinuxSLL2, sll2, PrintOptions{TimeFormat: 1, InterfaceName: name}), "eth1  Out IP "+line; got != want {
		t.Errorf("SLL2: got %q, want %q", got, want)
	}
	if got, want := printOne(t, pcapfile.LinkTypeLinuxSLL2, sll2, PrintOptions{TimeFormat: 1, LinkHeader: true, InterfaceName: name}),
		"eth1  Out ifindex 7 02:00:00:00:00:01 ethertype IPv4 (0x0800), length 72: "+line; got != want {
		t.Errorf("SLL2 -e: got %q, want %q", got, want)
	}
	unknown := func(int) string { return "" }
	if got, want := printOne(t, pcapfile.LinkTypeLinuxSLL2, sll2, PrintOptions{TimeFormat: 1, InterfaceName: unknown}), "?     Out IP "+line; got != want {
		t.Errorf("SLL2 unknown ifindex: got %q, want %q", got, want)
	}
	// Ethernet frames of several interfaces (live capture): name and
	// direction from the capture; broadcast and multicast from the MAC.
	for _, c := range []struct {
		dir  int
		dst  []byte
		want string
	}{
		{1, nil, "eth2  In  "},
		{2, nil, "eth2  Out "},
		{1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "eth2  B   "},
		{1, []byte{0x01, 0x00, 0x5e, 0, 0, 1}, "eth2  M   "},
	} {
		d := append([]byte{}, fr...)
		if c.dst != nil {
			copy(d, c.dst)
		}
		var b bytes.Buffer
		p := NewPrinter(&b, PrintOptions{TimeFormat: 1, InterfaceColumn: true})
		pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet, Data: d, Interface: "eth2", Direction: pcapfile.Direction(c.dir)}
		pkt.Info.CaptureLength, pkt.Info.Length = len(d), len(d)
		if err := p.PrintPacket(pkt); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(b.String(), c.want+"IP 10.1.1.10") {
			t.Errorf("direction %d dst %x: got %q, want prefix %q", c.dir, c.dst, b.String(), c.want)
		}
	}
}

// FuzzPrintFrame prints one arbitrary frame of any link type with the
// tcpdump-compatible options (-x/-X/-A, -t.., interface column): it must
// never panic, and every packet ends with a newline. Seeds: the synthetic
// scenarios and testdata/fuzz/FuzzPrintFrame (lab frames, TestWriteFuzzSeeds).
func FuzzPrintFrame(f *testing.F) {
	for _, s := range synth.Scenarios() {
		for _, fr := range frameBytes(f, s.Link, s.Build) {
			f.Add(uint32(s.Link.LinkType()), fr, uint8(0xff))
		}
	}
	for i, fr := range tunnelSeeds(f) {
		f.Add(uint32(pcapfile.LinkTypeEthernet), fr, uint8(i*37))
	}
	// IPv6 fragments, with and without destination options (destOpts)
	for _, d := range []bool{false, true} {
		for i, fr := range ipv6Fragments(7, netip.MustParseAddrPort("[2001:db8::1]:40000"), netip.MustParseAddrPort("[ff15::1]:5000"), make([]byte, 300), 96, d) {
			f.Add(uint32(pcapfile.LinkTypeEthernet), fr, uint8(i+1))
		}
	}
	for i, fr := range pimSeeds() {
		f.Add(uint32(pcapfile.LinkTypeEthernet), fr, uint8(i*41+1))
	}
	for i, fr := range tcpOptSeeds() {
		f.Add(uint32(pcapfile.LinkTypeEthernet), fr, uint8(i*23+1))
	}
	// IPv6 extension headers, whole and cut inside them (ip6ExtCases)
	for i, fr := range ip6ExtSeeds() {
		f.Add(uint32(pcapfile.LinkTypeEthernet), fr, uint8(i*29+1))
	}
	// ESP, AH, UDP port 4500 and SCTP (ipsecCases), whole and cut
	for i, fr := range ipsecSeeds() {
		f.Add(uint32(pcapfile.LinkTypeEthernet), fr, uint8(i*43+2))
	}
	// ARP variants, cooked captures, raw IP and null headers, GRE,
	// VXLAN flags and cuts (moreCases)
	lts, frs := moreSeeds()
	for i, fr := range frs {
		f.Add(uint32(lts[i]), fr, uint8(i*31+1))
	}
	// ICMP, ICMPv6, ARP, NDP, MLD and IGMP from real kernels and radvd
	// (testdata/icmp/record.sh, record-nd.sh)
	for _, name := range []string{"diag.pcap", "nd.pcap"} {
		r, err := pcapfile.OpenFile("../testdata/icmp/"+name, nil)
		if err != nil {
			continue
		}
		for i := 0; ; i++ {
			p, err := r.Next()
			if err != nil {
				break
			}
			f.Add(uint32(p.LinkType), append([]byte(nil), p.Data...), uint8(i*29))
		}
		r.Close()
	}
	f.Fuzz(func(t *testing.T, lt uint32, b []byte, opts uint8) {
		var out bytes.Buffer
		o := PrintOptions{
			Verbose: int(opts & 3), LinkHeader: opts&4 != 0, HexASCII: int(opts>>3) & 3, HexOnly: int(opts>>5) & 1,
			ASCII: int(opts>>6) & 1, Quiet: opts&0x80 != 0, TimeFormat: int(opts) % 6, InterfaceColumn: true,
			InterfaceName: func(int) string { return "x" },
		}
		p := NewPrinter(&out, o)
		pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkType(lt % 300), Data: b, Direction: pcapfile.Direction(opts % 7)}
		pkt.Info.CaptureLength, pkt.Info.Length = len(b), len(b)+int(opts)
		if err := p.PrintPacket(pkt); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			t.Fatalf("output does not end with a newline: %q", out.String())
		}
	})
}

// TestChecksumShouldBe: the value tcpdump's in_cksum_shouldbe gives,
// 0xffff (not 0x0000) where the rest of the segment sums to zero.
func TestChecksumShouldBe(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want uint16
	}{
		{[]byte{0, 0, 0x14, 0xc3}, 0xffff},
		{[]byte{0x12, 0x34, 0x00, 0x00}, 0xedcb},
		{[]byte{0x12, 0x34, 0xed, 0xcb}, 0xedcb},
		{[]byte{0xff, 0xff, 0x11, 0x11}, 0xffff},
	} {
		if got := checksumShouldBe(c.b, 2, 0); got != c.want {
			t.Errorf("% x: %#04x, want %#04x", c.b, got, c.want)
		}
	}
}

// tcpOptSeeds are synthetic TCP segments with the options print-tcp.c and
// print-mptcp.c decode, behind IPv4 headers with options, for the fuzzer.
func tcpOptSeeds() [][]byte {
	var out [][]byte
	for _, c := range []struct{ ipOpts, tcpOpts []byte }{
		{nil, []byte{2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7, 1, 1, 254, 6, 0xe2, 0xd4, 0xc3, 0xd9}},
		{nil, []byte{30, 12, 0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8}},
		{nil, []byte{30, 20, 0x20, 0x15, 0, 0, 0, 9, 0, 0, 0, 5, 0, 0, 0, 1, 0, 3, 0xab, 0xcd}},
		{nil, []byte{34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 254, 4, 0xf9, 0x89}},
		{nil, []byte{19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 29, 6, 1, 2, 3, 4}},
		{[]byte{131, 11, 4, 10, 1, 1, 1, 10, 1, 1, 3, 0}, []byte{28, 4, 0x14, 0xc1}},
		{[]byte{68, 12, 9, 0x01, 10, 1, 1, 1, 0, 0, 0, 5}, []byte{5, 10, 0, 0, 0, 1, 0, 0, 0, 2}},
	} {
		tcp := append([]byte{0x9c, 0x40, 0x30, 0x39, 0, 0, 0, 1, 0, 0, 0, 2, byte(20+len(c.tcpOpts)) / 4 << 4, 0x12, 0xff, 0xff, 0, 0, 0, 5}, c.tcpOpts...)
		tcp = append(tcp, "data"...)
		ip := []byte{0x45 + byte(len(c.ipOpts)/4), 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
		ip = append(ip, c.ipOpts...)
		binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)+len(tcp)))
		eth := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0}
		out = append(out, append(append(eth, ip...), tcp...))
	}
	return out
}

// printFrames are frames of the common kinds, for the printer's allocation
// test and benchmark (synthetic): a plain TCP handshake, a data segment
// each way, and a UDP datagram to a multicast group.
func printFrames(tb testing.TB) [][]byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, synth.Ethernet, time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC), true)
	if err != nil {
		tb.Fatal(err)
	}
	c := w.TCPConn(netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.2.0.1:443"), 1000, 5000)
	for _, err := range []error{c.Handshake(false, false), c.Send(true, make([]byte, 1448)), c.Send(false, make([]byte, 200)),
		w.UDP(netip.MustParseAddrPort("10.8.0.1:40000"), netip.MustParseAddrPort("239.1.1.1:5000"), make([]byte, 200))} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	fr, err := pcapfile.NewFileReader(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for {
		p, err := fr.Next()
		if err != nil {
			break
		}
		out = append(out, append([]byte(nil), p.Data...))
	}
	return out
}

// TestPrintPacketAllocs: printing a TCP segment or a UDP datagram of a
// known connection with -n costs a few allocations (the endpoints' text and
// the line), not one per field: the printer formatted its lines with fmt and
// time.Format and spent a quarter of its CPU time allocating.
func TestPrintPacketAllocs(t *testing.T) {
	frames := printFrames(t)
	p := NewPrinter(io.Discard, PrintOptions{})
	pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet}
	pkt.Info.Timestamp = time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	for _, d := range frames {
		pkt.Data = d
		pkt.Info.CaptureLength, pkt.Info.Length = len(d), len(d)
		if err := p.PrintPacket(pkt); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range map[int]float64{3: 4, 4: 4, 5: 3} { // data each way, UDP
		pkt.Data = frames[i]
		pkt.Info.CaptureLength, pkt.Info.Length = len(frames[i]), len(frames[i])
		n := testing.AllocsPerRun(200, func() {
			pkt.Info.Timestamp = pkt.Info.Timestamp.Add(time.Microsecond)
			if err := p.PrintPacket(pkt); err != nil {
				t.Fatal(err)
			}
		})
		if n > want {
			t.Errorf("frame %d: %.1f allocations per packet printed, want at most %.0f", i, n, want)
		}
	}
}

// BenchmarkPrintPacket: the printer's cost per packet (-n) over the frames
// of printFrames in turn.
func BenchmarkPrintPacket(b *testing.B) {
	frames := printFrames(b)
	p := NewPrinter(io.Discard, PrintOptions{})
	pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet}
	pkt.Info.Timestamp = time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d := frames[i%len(frames)]
		pkt.Data = d
		pkt.Info.CaptureLength, pkt.Info.Length = len(d), len(d)
		pkt.Info.Timestamp = pkt.Info.Timestamp.Add(time.Microsecond)
		if err := p.PrintPacket(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOnesSum: the 8-bytes-at-a-time sum equals the sum of 16-bit words
// folded at the end, zero and 0xffff told apart.
func TestOnesSum(t *testing.T) {
	ref := func(acc uint32, b []byte) uint16 {
		for ; len(b) >= 2; b = b[2:] {
			acc += uint32(b[0])<<8 | uint32(b[1])
		}
		if len(b) == 1 {
			acc += uint32(b[0]) << 8
		}
		for acc > 0xffff {
			acc = acc&0xffff + acc>>16
		}
		return uint16(acc)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 100; n++ {
		for _, fill := range []int{-1, 0, 0xff} {
			for _, acc := range []uint32{0, 1, 0xffff, 0x3fffc, rng.Uint32() >> 8} {
				b := make([]byte, n)
				for i := range b {
					if fill < 0 {
						b[i] = byte(rng.Uint32())
					} else {
						b[i] = byte(fill)
					}
				}
				if got, want := onesSum(acc, b), ref(acc, b); got != want {
					t.Fatalf("n=%d fill %d acc %#x: %#04x, want %#04x", n, fill, acc, got, want)
				}
			}
		}
	}
	// Segments past 128 KiB (IPv6 jumbograms, BIG TCP): the 16-bit
	// words' sum passes 2^32. The sum summed a byte pair at a time in 32
	// bits wrapped there and printed a checksum one off (as tcpdump's own
	// 32-bit sum does from about 128 KiB on); the sum is now exact.
	for _, n := range []int{131000, 131072, 140000, 1 << 20} {
		b := bytes.Repeat([]byte{0xff}, n)
		var s uint64 = 0x1234
		for i := 0; i < n; i += 2 {
			s += uint64(b[i])<<8 | uint64(b[i+1])
		}
		for s > 0xffff {
			s = s&0xffff + s>>16
		}
		if got := onesSum(0x1234, b); got != uint16(s) {
			t.Errorf("%d bytes of 0xff: %#04x, want %#04x", n, got, s)
		}
	}
}

// TestPacketJSON: jsonPacket.appendJSON writes what json.Marshal does, on
// random packets (strings with quotes, backslashes, control characters,
// <, > and &, invalid UTF-8, U+2028; every optional field absent, empty and
// set).
func TestPacketJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"", "a", `"`, `\`, "\x00", "\x1f", "<", ">", "&", "\xff", "\u2028", "é", "IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S.]", "\t\n"}
	rs := func() string {
		var s string
		for range rng.IntN(4) {
			s += pieces[rng.IntN(len(pieces))]
		}
		return s
	}
	rss := func() []string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		out := make([]string, 1+rng.IntN(3))
		for i := range out {
			out[i] = rs()
		}
		return out
	}
	for i := 0; i < 5000; i++ {
		j := jsonPacket{Frame: rng.IntN(1 << 20), Time: rs(), Length: rng.IntN(70000) - 5, CapLen: rng.IntN(70000), Interface: rs(), Summary: rs(),
			Src: rs(), Dst: rs(), Proto: rs(), Flags: rs(), CLC: rss(), LLC: rss()}
		if rng.IntN(2) == 0 {
			j.SMCOption = boolp(rng.IntN(2) == 0)
		}
		for range rng.IntN(3) {
			j.VLAN = append(j.VLAN, uint16(rng.Uint32()))
		}
		if rng.IntN(4) == 0 {
			j.VLAN = []uint16{}
		}
		for range rng.IntN(3) {
			j.MPLS = append(j.MPLS, rng.Uint32()>>12)
		}
		if rng.IntN(2) == 0 {
			s := uint16(rng.Uint32())
			j.PPPoESession = &s
		}
		if rng.IntN(2) == 0 {
			j.Tunnel = &jsonTunnel{Kind: rs(), OuterSrc: rs(), OuterDst: rs(), Depth: rng.IntN(5)}
			if rng.IntN(2) == 0 {
				id := rng.Uint32()
				j.Tunnel.ID = &id
			}
		}
		want, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		if got := j.appendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("packet %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestPrinterIfNameCached: without a naming function the printer asks the
// system for an SLL2 index's name once, not for every packet (each lookup
// reads the kernel's whole interface table), names unknown indexes "?",
// and keeps the names of at most maxIfNames indexes.
func TestPrinterIfNameCached(t *testing.T) {
	lookups := map[int]int{}
	defer func(f func(int) (*net.Interface, error)) { interfaceByIndex = f }(interfaceByIndex)
	interfaceByIndex = func(i int) (*net.Interface, error) {
		lookups[i]++
		if i == 7 {
			return &net.Interface{Index: 7, Name: "eth7"}, nil
		}
		return nil, errors.New("no such interface")
	}
	p := NewPrinter(io.Discard, PrintOptions{})
	for range 3 {
		for _, i := range []int{7, 9} {
			want := map[int]string{7: "eth7", 9: "?"}[i]
			if got := p.ifName(i); got != want {
				t.Errorf("ifName(%d) = %q, want %q", i, got, want)
			}
		}
	}
	if lookups[7] != 1 || lookups[9] != 1 {
		t.Errorf("lookups %v, want one per index", lookups)
	}
	for i := range 3 * maxIfNames {
		p.ifName(1000 + i)
	}
	if len(p.ifNames) > maxIfNames {
		t.Errorf("%d names kept, want at most %d", len(p.ifNames), maxIfNames)
	}
}
