package analyze

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// ipv4Packet returns an Ethernet frame of an IPv4 packet of proto carrying
// payload from src to dst, with the fragment field fo.
func ipv4Packet(proto byte, src, dst netip.Addr, fo uint16, payload []byte) []byte {
	ip := make([]byte, 20)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(ip[4:], 99)
	binary.BigEndian.PutUint16(ip[6:], fo)
	ip[8], ip[9] = 64, proto
	s4, d4 := src.As4(), dst.As4()
	copy(ip[12:], s4[:])
	copy(ip[16:], d4[:])
	eth := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00}
	return append(append(eth, ip...), payload...)
}

// TestICMPErrorsAnalyzed: ICMP errors about a UDP stream's datagrams are
// counted for the stream, by kind and sender, also when the error itself
// arrived in IP fragments (its first fragment quotes the ports); an error
// quoting a later fragment of a datagram (no ports there) is not.
func TestICMPErrorsAnalyzed(t *testing.T) {
	src, dst := netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:5555")
	dg := ipv4Fragments(1, src, dst, []byte("twenty bytes payload"), 1000)[0]
	quoted := dg[14 : 14+28] // its IP header and 8 bytes
	icmp := append([]byte{3, 3, 0, 0, 0, 0, 0, 0}, quoted...)
	whole := ipv4Packet(1, dst.Addr(), src.Addr(), 0, icmp)
	first := ipv4Packet(1, dst.Addr(), src.Addr(), 0x2000, icmp[:32])
	rest := ipv4Packet(1, dst.Addr(), src.Addr(), 4, icmp[32:])
	// a router's time exceeded quoting a later fragment of a datagram
	// whose bytes at the ports' place happen to be the stream's ports
	later := append([]byte(nil), quoted...)
	binary.BigEndian.PutUint16(later[6:], 0x2010)
	te := ipv4Packet(1, netip.MustParseAddr("10.0.0.254"), src.Addr(), 0, append([]byte{11, 0, 0, 0, 0, 0, 0, 0}, later...))
	r := analyzeFrames(t, [][]byte{dg, whole, dg, first, rest, te})
	if r.Multicast == nil || len(r.Multicast.Streams) != 1 {
		t.Fatalf("streams: %+v", r.Multicast)
	}
	e := r.Multicast.Streams[0].ICMPErrors
	if len(e) != 1 || e[0].Kind != "port unreachable" || e[0].Sender != "10.0.0.2" || e[0].Count != 2 {
		t.Fatalf("ICMP errors %+v, want 2 port unreachable from 10.0.0.2", e)
	}
}
