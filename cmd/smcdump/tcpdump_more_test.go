package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// moreTraces write synthetic pcaps (built here, not captured) of the
// link-level cases print-arp.c, print-sll.c, print-raw.c and print-null.c
// print: ARP and RARP operations of every kind, other hardware and protocol
// types and address lengths, cut messages (Ethernet); VLAN tags, 802.2 LLC,
// Novell 802.3 and unknown protocols in Linux cooked captures (SLL, SLL2);
// IPv4 and IPv6 in linktypes 228 and 229; unknown address families and a
// cut IPX packet behind a null header. They are exact traces:
// TestTcpdumpDifferential requires tcpdump's text for every packet.
func arpTrace(t *testing.T) string {
	t.Helper()
	mac := []byte{0, 0x11, 0x22, 0x33, 0x44, 0x55}
	arp := func(hrd, pro uint16, hln, pln byte, op uint16, sha, spa, tha, tpa []byte) []byte {
		return cat(u16(nil, hrd), u16(nil, pro), []byte{hln, pln}, u16(nil, op), sha, spa, tha, tpa)
	}
	eth := func(et uint16, p []byte) []byte {
		return cat([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, mac, u16(nil, et), p)
	}
	a, b := synA4("10.0.0.1"), synA4("10.0.0.2")
	z6 := make([]byte, 6)
	frames := [][]byte{
		eth(0x0806, arp(1, 0x0800, 6, 4, 1, mac, a, z6, b)),
		eth(0x0806, arp(1, 0x0800, 6, 4, 2, mac, a, mac, b)),
		eth(0x8035, arp(1, 0x0800, 6, 4, 3, mac, a, mac, b)),
		eth(0x8035, arp(1, 0x0800, 6, 4, 4, mac, a, mac, b)),
		eth(0x0806, arp(1, 0x0800, 6, 4, 8, mac, a, z6, b)),
		eth(0x0806, arp(1, 0x0800, 6, 4, 9, mac, a, mac, b)),
		eth(0x0806, arp(1, 0x0800, 6, 4, 10, mac, a, mac, b)),                                     // NACK
		eth(0x0806, arp(1, 0x0800, 6, 4, 25, mac, a, mac, b)),                                     // unknown operation
		eth(0x0806, arp(1, 0x86dd, 6, 16, 1, mac, synA6("2001::1"), z6, synA6("2001::2"))),        // IPv6
		eth(0x0806, arp(6, 0x0800, 8, 4, 1, cat(mac, mac[:2]), a, make([]byte, 8), b)),            // token ring, 8-byte addresses
		eth(0x0806, arp(1, 0x0800, 0, 4, 1, nil, a, nil, b)),                                      // no hardware addresses
		eth(0x0806, arp(1, 0x1234, 6, 4, 1, mac, a, z6, b)),                                       // unknown protocol
		eth(0x0806, arp(32, 0x0800, 20, 4, 1, make([]byte, 20), a, make([]byte, 20), b)),          // InfiniBand
		eth(0x0806, arp(99, 0x0800, 6, 4, 2, mac, a, mac, b)),                                     // unknown hardware
		eth(0x0806, arp(1, 0x0800, 6, 2, 1, mac, a[:2], z6, b[:2])),                               // protocol length 2
		eth(0x0806, arp(1, 0x0800, 6, 4, 1, mac, a, z6, b)[:20]),                                  // cut
		eth(0x0806, arp(1, 0x0800, 6, 4, 1, mac, a, z6, b)[:6]),                                   // cut in the fixed part
		eth(0x8035, arp(1, 0x0800, 6, 4, 3, mac, a, mac, b)[:27]),                                 // RARP cut
		cat(eth(0x8100, []byte{0, 5}), u16(nil, 0x8035), arp(1, 0x0800, 6, 4, 4, mac, a, mac, b)), // VLAN, RARP
	}
	return writePcapTimes(t, "arp-synthetic.pcap", pcapfile.LinkTypeEthernet, frames, moreTimes(len(frames)))
}

func moreTimes(n int) []time.Time {
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = time.Unix(1795330800+int64(i), 1000*int64(i))
	}
	return ts
}

// sllFrames are the payloads of sllTrace and sll2Trace: protocol and the
// bytes after the cooked header.
func sllFrames() (protos []uint16, payloads [][]byte) {
	udp := cat(u16(u16(nil, 1234), 5678), u16(u16(nil, 8+5), 0), []byte("hello"))
	ip := synIP4(17, "10.0.0.1", "10.0.0.2", udp)
	stp := cat([]byte{0x42, 0x42, 0x03, 0, 0, 0, 0}, make([]byte, 31))
	snap := cat([]byte{0xaa, 0xaa, 0x03, 0, 0, 0}, u16(nil, 0x0800), ip)
	add := func(p uint16, b []byte) {
		protos, payloads = append(protos, p), append(payloads, b)
	}
	add(0x0800, ip)
	add(0x8100, cat([]byte{0, 5}, u16(nil, 0x0800), ip))                                    // VLAN
	add(0x8100, cat([]byte{0xb0, 5}, u16(nil, 0x8100), []byte{0, 6}, u16(nil, 0x0800), ip)) // QinQ, priority 5, DEI
	add(0x8100, cat([]byte{0, 5}, u16(nil, 0x0806), []byte{0, 1, 8, 0, 6, 4, 0, 1}, make([]byte, 6), synA4("10.0.0.1"), make([]byte, 6), synA4("10.0.0.2")))
	add(0x8100, cat([]byte{0, 7}, u16(nil, 38), stp)) // VLAN, then 802.2
	add(0x0004, stp)
	add(0x0004, snap)
	add(0x0004, []byte{0x12, 0x12, 0x03, 'a', 'b'}) // unknown SAP
	add(0x0001, make([]byte, 20))                   // IPX, cut
	add(0x0003, cat(make([]byte, 12), u16(nil, 0x0800), ip))
	add(0x000c, make([]byte, 10))
	add(0x0010, []byte("xyz"))
	add(0x0806, cat([]byte{0, 1, 8, 0, 6, 4, 0, 3}, make([]byte, 6), synA4("10.0.0.1"), make([]byte, 6), synA4("10.0.0.2")))
	return
}

func sllTrace(t *testing.T) string {
	t.Helper()
	protos, payloads := sllFrames()
	var frames [][]byte
	for i, p := range payloads {
		h := cat(u16(nil, uint16(i%5)), u16(nil, 1), u16(nil, 6), []byte{0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0}, u16(nil, protos[i]))
		frames = append(frames, cat(h, p))
	}
	return writePcapTimes(t, "sll-synthetic.pcap", pcapfile.LinkTypeLinuxSLL, frames, moreTimes(len(frames)))
}

func sll2Trace(t *testing.T) string {
	t.Helper()
	protos, payloads := sllFrames()
	var frames [][]byte
	for i, p := range payloads {
		h := cat(u16(nil, protos[i]), u16(nil, 0), u32(nil, 1), u16(nil, 1), []byte{byte(i % 5), 6}, []byte{0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0})
		frames = append(frames, cat(h, p))
	}
	return writePcapTimes(t, "sll2-synthetic.pcap", pcapfile.LinkTypeLinuxSLL2, frames, moreTimes(len(frames)))
}

func rawTraces(t *testing.T) []string {
	t.Helper()
	udp := cat(u16(u16(nil, 1234), 5678), u16(u16(nil, 8+5), 0), []byte("hello"))
	ip4 := synIP4(17, "10.0.0.1", "10.0.0.2", udp)
	ip6 := synIP6(17, "2001::1", "2001::2", udp)
	var out []string
	for _, lt := range []pcapfile.LinkType{pcapfile.LinkTypeIPv4, pcapfile.LinkTypeIPv6} {
		out = append(out, writePcapTimes(t, "raw"+lt.String()+"-synthetic.pcap", lt, [][]byte{ip4, ip6}, moreTimes(2)))
	}
	le := func(af uint32) []byte { return []byte{byte(af), byte(af >> 8), byte(af >> 16), byte(af >> 24)} }
	null := [][]byte{cat(le(2), ip4), cat(le(24), ip6), cat(le(0x1234), []byte("zz")), cat(le(99), ip4), cat(le(23), []byte("ab")), cat(u32(nil, 0x1234), []byte("q"))}
	out = append(out, writePcapTimes(t, "null-synthetic.pcap", pcapfile.LinkTypeNull, null, moreTimes(len(null))))
	return out
}

// tunMoreTrace writes a synthetic pcap of tunnels print-gre.c and
// print-vxlan.c print and decode.Decapsulate does not open (GRE carrying
// MPLS and unknown protocols, GREv1/PPTP, the routing bit, unknown
// versions, VXLAN with other flags), and frames cut by the snaplen in the
// Ethernet header, a VLAN tag, before the IP header, in GRE, VXLAN and
// Geneve headers and in the Ethernet frame inside (the records keep the
// wire length). An exact trace.
func tunMoreTrace(t *testing.T) string {
	t.Helper()
	icmp := synIP4(1, "192.168.0.1", "192.168.0.2", synICMP(8, 0, []byte{0, 1, 0, 2}, false))
	gre := func(flags, proto uint16, rest ...[]byte) []byte {
		return synEth(0x0800, synIP4(47, "1.1.1.1", "2.2.2.2", cat(u16(nil, flags), u16(nil, proto), cat(rest...))))
	}
	udp := func(port uint16, p []byte) []byte {
		return synEth(0x0800, synIP4(17, "1.1.1.1", "2.2.2.2", cat(u16(nil, 1000), u16(nil, port), u16(nil, uint16(8+len(p))), u16(nil, 0), p)))
	}
	inner := synEth(0x0800, icmp)
	vxlan := func(flags byte) []byte { return udp(4789, cat([]byte{flags, 0, 0, 0, 0, 0, 42, 0}, inner)) }
	geneve := udp(6081, cat([]byte{0x02, 0, 0x65, 0x58, 0, 0, 7, 0}, []byte{1, 2, 3, 1, 0, 0, 0, 0}, inner))
	type rec struct {
		b   []byte
		cut int // captured bytes (0: all)
	}
	recs := []rec{
		{gre(0, 0x8847, u32(nil, 16<<12|5<<9|1<<8|5), icmp), 0},                                                            // MPLS
		{gre(0x2000, 0x8847, u32(nil, 7), u32(nil, 100<<12|64), u32(nil, 200<<12|1<<8|9), icmp), 0},                        // key, two labels
		{gre(0, 0x1234, []byte("zz")), 0},                                                                                  // unknown protocol
		{gre(0x3001, 0x880b, u32(nil, 0x00040020), u32(nil, 5), []byte{0xff, 0x03, 0, 0x21}, icmp), 0},                     // GREv1, PPP IP
		{gre(0x3081, 0x880b, u32(nil, 0x00040020), u32(nil, 6), u32(nil, 4), []byte{0x21}, icmp), 0},                       // GREv1, ack, PFC
		{gre(0x2081, 0x880b, u32(nil, 0x00040021), u32(nil, 4)), 0},                                                        // GREv1, no payload
		{gre(0x4000, 0x0800, u32(nil, 0), u32(nil, 0x08000408), synA4("9.9.9.9"), synA4("8.8.8.8"), u32(nil, 0), icmp), 0}, // routing, IP
		{gre(0x4000, 0x0800, u32(nil, 0), u32(nil, 0xfffe0004), []byte{0, 1, 0, 2}, u32(nil, 0), icmp), 0},                 // routing, ASN
		{gre(0x4000, 0x0800, u32(nil, 0), u32(nil, 0x12340002), []byte{0, 1}, u32(nil, 0), icmp), 0},                       // routing, other AF
		{gre(0xc000, 0x0800, u32(nil, 0), u32(nil, 0x08000304), synA4("9.9.9.9"), u32(nil, 0), icmp), 0},                   // checksum, bad offset
		{gre(0x0002, 0x0800, icmp), 0},                                              // version 2
		{gre(0xb000, 0x0800, u32(nil, 0), u32(nil, 5), u32(nil, 3), icmp), 34 + 6},  // cut in the checksum word
		{gre(0xb000, 0x0800, u32(nil, 0), u32(nil, 5), u32(nil, 3), icmp), 34 + 10}, // cut in the key
		{gre(0, 0x0800, icmp), 34 + 3},                                              // cut in the protocol
		{gre(0, 0x0800, icmp), 34 + 4},                                              // no byte of IP
		{gre(0, 0x86dd, icmp), 34 + 4},                                              // no byte of IPv6
		{vxlan(0x0c), 0}, {vxlan(0x00), 0}, {vxlan(0x88), 0},
		{vxlan(0x08), 42}, {vxlan(0x08), 45}, {vxlan(0x08), 49}, {vxlan(0x08), 50}, {vxlan(0x08), 60},
		{udp(4789, []byte{8, 0, 0}), 0}, // shorter than a VXLAN header
		{geneve, 0}, {geneve, 45}, {geneve, 52}, {geneve, 56}, {geneve, 60},
		{udp(6081, []byte{0, 0, 0x65}), 0},                      // shorter than a Geneve header
		{udp(6081, []byte{0x04, 0, 0x65, 0x58, 0, 0, 7, 0}), 0}, // options longer than the datagram
		{synEth(0x0800, icmp), 1}, {synEth(0x0800, icmp), 13}, {synEth(0x0800, icmp), 14}, {synEth(0x86dd, icmp), 14},
		{cat(synEth(0x8100, []byte{0, 5}), u16(nil, 0x0800), icmp), 14},
		{cat(synEth(0x8100, []byte{0, 5}), u16(nil, 0x0800), icmp), 17},
		{cat(synEth(0x88a8, []byte{0, 5}), u16(nil, 0x8100), []byte{0, 6}, u16(nil, 0x0800), icmp), 20},
		{cat(synEth(0x8100, []byte{0, 5}), u16(nil, 0x0800), icmp), 18},
	}
	var b bytes.Buffer
	w, err := pcapfile.NewPcapWriter(&b, pcapfile.LinkTypeEthernet, 65535, true, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		d := r.b
		if r.cut > 0 {
			d = d[:r.cut]
		}
		if err := w.WritePacketData(time.Unix(1795330800+int64(i), 0), d, len(r.b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "tunmore-synthetic.pcap")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
