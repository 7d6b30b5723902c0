package analyze

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// moreCase is a frame of link type lt (cut to cut bytes when cut > 0, the
// wire length kept) and tcpdump 4.99.3's text of it with -nn and -nn -e
// (after the time stamp, first line).
type moreCase struct {
	name    string
	lt      pcapfile.LinkType
	frame   []byte
	cut     int
	want, e string
}

func moreCases() []moreCase {
	cat := func(bs ...[]byte) []byte {
		var o []byte
		for _, b := range bs {
			o = append(o, b...)
		}
		return o
	}
	u16 := func(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	mac := []byte{0, 0x11, 0x22, 0x33, 0x44, 0x55}
	eth := func(et uint16, p ...[]byte) []byte {
		return cat([]byte{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}, mac, u16(et), cat(p...))
	}
	a, b := []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}
	arp := func(hrd, pro uint16, hln, pln byte, op uint16, rest ...[]byte) []byte {
		return cat(u16(hrd), u16(pro), []byte{hln, pln}, u16(op), cat(rest...))
	}
	ip4 := func(proto byte, p []byte) []byte {
		h := cat([]byte{0x45, 0}, u16(uint16(20+len(p))), []byte{0, 1, 0, 0, 64, proto, 0, 0}, []byte{1, 1, 1, 1}, []byte{2, 2, 2, 2})
		binary.BigEndian.PutUint16(h[10:], ^onesSum(0, h))
		return cat(h, p)
	}
	icmp := func() []byte {
		m := []byte{8, 0, 0, 0, 0, 1, 0, 2}
		binary.BigEndian.PutUint16(m[2:], ^onesSum(0, m))
		return m
	}()
	inner := ip4(1, icmp)
	sll := func(proto uint16, p []byte) []byte {
		return cat(u16(0), u16(1), u16(6), mac, []byte{0, 0}, u16(proto), p)
	}
	udp := func(port uint16, p []byte) []byte {
		return eth(0x0800, ip4(17, cat(u16(1000), u16(port), u16(uint16(8+len(p))), u16(0), p)))
	}
	return []moreCase{
		{"rarp request", pcapfile.LinkTypeEthernet, eth(0x8035, arp(1, 0x0800, 6, 4, 3, mac, a, mac, b)), 0,
			"ARP, Reverse Request who-is 00:11:22:33:44:55 tell 00:11:22:33:44:55, length 28",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype Reverse ARP (0x8035), length 42: Reverse Request who-is 00:11:22:33:44:55 tell 00:11:22:33:44:55, length 28"},
		{"inverse reply", pcapfile.LinkTypeEthernet, eth(0x0806, arp(1, 0x0800, 6, 4, 9, mac, a, mac, b)), 0,
			"ARP, Inverse Reply 00:11:22:33:44:55 at 10.0.0.1, length 28",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype ARP (0x0806), length 42: Inverse Reply 00:11:22:33:44:55 at 10.0.0.1, length 28"},
		{"arp nak", pcapfile.LinkTypeEthernet, eth(0x0806, arp(1, 0x0800, 6, 4, 10, mac, a, mac, b)), 0,
			"ARP, NACK Reply ", "00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype ARP (0x0806), length 42: NACK Reply "},
		{"arp ipv6", pcapfile.LinkTypeEthernet, eth(0x0806, arp(1, 0x86dd, 6, 16, 1, mac, make([]byte, 16), mac, make([]byte, 16))), 0,
			"ARP, Ethernet (len 6), IPv6 (len 16), length 52",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype ARP (0x0806), length 66: Ethernet (len 6), IPv6 (len 16), length 52"},
		{"sll vlan", pcapfile.LinkTypeLinuxSLL, sll(0x8100, cat(u16(5), u16(0x0800), inner)), 0,
			"ethertype IPv4, IP 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8",
			" In 00:11:22:33:44:55 ethertype 802.1Q (0x8100), length 48: vlan 5, p 0, ethertype IPv4, 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8"},
		{"sll 802.2", pcapfile.LinkTypeLinuxSLL, sll(0x0004, cat([]byte{0xaa, 0xaa, 3, 0, 0, 0}, u16(0x0800), inner)), 0,
			"IP 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8",
			" In 00:11:22:33:44:55 802.2, length 52: LLC, dsap SNAP (0xaa) Individual, ssap SNAP (0xaa) Command, ctrl 0x03: oui Ethernet (0x000000), ethertype IPv4 (0x0800), length 28: 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8"},
		{"sll unknown", pcapfile.LinkTypeLinuxSLL, sll(0x000c, []byte{1, 2}), 0,
			"", " In 00:11:22:33:44:55 ethertype Unknown (0x000c), length 18: "},
		{"lt228", pcapfile.LinkTypeIPv4, inner, 0,
			"IP 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8",
			"ip: 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8"},
		{"null unknown af", pcapfile.LinkTypeNull, []byte{0x34, 0x12, 0, 0, 'z', 'z'}, 0,
			"AF Unknown (4660), length 6: ", "AF Unknown (4660), length 6: "},
		{"gre mpls", pcapfile.LinkTypeEthernet, eth(0x0800, ip4(47, cat(u16(0), u16(0x8847), u32(16<<12|5<<9|1<<8|5), inner))), 0,
			"IP 1.1.1.1 > 2.2.2.2: GREv0, length 36: MPLS (label 16, tc 5, [S], ttl 5) IP 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype IPv4 (0x0800), length 70: 1.1.1.1 > 2.2.2.2: GREv0, proto MPLS unicast (0x8847), length 36: MPLS (label 16, tc 5, [S], ttl 5) 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8"},
		{"gre unknown", pcapfile.LinkTypeEthernet, eth(0x0800, ip4(47, cat(u16(0), u16(0x1234), []byte("zz")))), 0,
			"IP 1.1.1.1 > 2.2.2.2: GREv0, length 6: gre-proto-0x1234",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype IPv4 (0x0800), length 40: 1.1.1.1 > 2.2.2.2: GREv0, proto unknown (0x1234), length 6: gre-proto-0x1234"},
		{"pptp", pcapfile.LinkTypeEthernet, eth(0x0800, ip4(47, cat(u16(0x3001), u16(0x880b), u32(0x00040020), u32(5), []byte{0xff, 3, 0, 0x21}, inner))), 0,
			"IP 1.1.1.1 > 2.2.2.2: GREv1, call 32, seq 5, length 44: IP 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype IPv4 (0x0800), length 78: 1.1.1.1 > 2.2.2.2: GREv1, call 32, seq 5, proto PPP (0x880b), length 44: IP (0x0021), length 32: 1.1.1.1 > 2.2.2.2: ICMP echo request, id 1, seq 2, length 8"},
		{"vxlan flags", pcapfile.LinkTypeEthernet, udp(4789, cat([]byte{0x0c, 0, 0, 0, 0, 0, 42, 0}, eth(0x0800, inner))), 0,
			"IP 1.1.1.1.1000 > 2.2.2.2.4789: VXLAN, flags [I] (0x0c), vni 42",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype IPv4 (0x0800), length 92: 1.1.1.1.1000 > 2.2.2.2.4789: VXLAN, flags [I] (0x0c), vni 42"},
		{"vxlan cut", pcapfile.LinkTypeEthernet, udp(4789, cat([]byte{0x08, 0, 0, 0, 0, 0, 42, 0}, eth(0x0800, inner))), 45,
			"IP 1.1.1.1.1000 > 2.2.2.2.4789: VXLAN, flags [I] (0x08),  [|vxlan]",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype IPv4 (0x0800), length 92: 1.1.1.1.1000 > 2.2.2.2.4789: VXLAN, flags [I] (0x08),  [|vxlan]"},
		{"ether cut", pcapfile.LinkTypeEthernet, eth(0x0800, inner), 13, " [|ether]", " [|ether]"},
		{"ip none", pcapfile.LinkTypeEthernet, eth(0x0800, inner), 14, " [|ip]",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype IPv4 (0x0800), length 42:  [|ip]"},
		{"vlan cut", pcapfile.LinkTypeEthernet, eth(0x8100, u16(5), u16(0x0800), inner), 16, " [|vlan]",
			"00:11:22:33:44:55 > 66:77:88:99:aa:bb,  [|vlan]"},
	}
}

// moreSeeds are the frames of moreCases (cut as they are), for the fuzzer.
func moreSeeds() (lts []pcapfile.LinkType, frames [][]byte) {
	for _, c := range moreCases() {
		f := c.frame
		if c.cut > 0 {
			f = f[:c.cut]
		}
		lts, frames = append(lts, c.lt), append(frames, f)
	}
	return
}

// TestPrinterMoreLinkAndTunnels: ARP variants, Linux cooked captures,
// linktypes 228/229, null headers, GRE, VXLAN flags and cuts print as
// tcpdump 4.99.3 prints them (texts checked with tcpdump -nn [-e]).
func TestPrinterMoreLinkAndTunnels(t *testing.T) {
	for _, c := range moreCases() {
		for _, o := range []struct {
			opts PrintOptions
			want string
		}{{PrintOptions{TimeFormat: 1}, c.want}, {PrintOptions{TimeFormat: 1, LinkHeader: true}, c.e}} {
			var b bytes.Buffer
			p := NewPrinter(&b, o.opts)
			data := c.frame
			if c.cut > 0 {
				data = data[:c.cut]
			}
			pkt := &pcapfile.Packet{Frame: 1, LinkType: c.lt, Data: data}
			pkt.Info.Timestamp = time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
			pkt.Info.CaptureLength, pkt.Info.Length = len(data), len(c.frame)
			if err := p.PrintPacket(pkt); err != nil {
				t.Fatal(err)
			}
			got, _, _ := strings.Cut(b.String(), "\n")
			if got != o.want {
				t.Errorf("%s (-e %v):\n got %q\nwant %q", c.name, o.opts.LinkHeader, got, o.want)
			}
		}
	}
}
