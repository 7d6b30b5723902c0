package multipoint

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Synthetic frames built here (labelled so); the fuzz target is seeded with
// the real frames of the recorded lab captures.

func ipv4(proto byte, l4 []byte, id uint16, frag uint16) []byte {
	b := make([]byte, 20+len(l4))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], frag)
	b[8], b[9] = 64, proto
	copy(b[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	copy(b[20:], l4)
	return b
}

func tcpSeg(flags byte, opts, payload []byte) []byte {
	b := make([]byte, 20+len(opts)+len(payload))
	binary.BigEndian.PutUint16(b[0:], 40000)
	binary.BigEndian.PutUint16(b[2:], 5000)
	binary.BigEndian.PutUint32(b[4:], 1000)
	binary.BigEndian.PutUint32(b[8:], 2000)
	b[12] = byte((20+len(opts))/4) << 4
	b[13] = flags
	copy(b[20:], opts)
	copy(b[20+len(opts):], payload)
	return b
}

func udpDgram(payload []byte) []byte {
	b := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], 1111)
	binary.BigEndian.PutUint16(b[2:], 2222)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	copy(b[8:], payload)
	return b
}

func eth(et uint16, p []byte) []byte {
	b := make([]byte, 14, 14+len(p))
	binary.BigEndian.PutUint16(b[12:], et)
	return append(b, p...)
}

var smcOpt = []byte{2, 4, 5, 0xb4, 254, 6, 0xE2, 0xD4, 0xC3, 0xD9, 1, 1}

func TestDecodePacket(t *testing.T) {
	clc := append([]byte{0xE2, 0xD4, 0xC3, 0xD9, 1, 0, 20}, make([]byte, 13)...)
	syn := eth(0x0800, ipv4(6, tcpSeg(tcpSYN, smcOpt, nil), 7, 0))
	vlan := append([]byte{}, syn[:12]...)
	vlan = append(vlan, 0x81, 0x00, 0x00, 0x05)
	vlan = append(vlan, syn[12:]...)
	v6 := make([]byte, 40)
	v6[0] = 0x60
	u := udpDgram([]byte("hello"))
	binary.BigEndian.PutUint16(v6[4:], uint16(len(u)))
	v6[6], v6[7] = 17, 9
	v6[23], v6[39] = 1, 2
	v6 = append(v6, u...)
	sll2 := make([]byte, 20)
	binary.BigEndian.PutUint16(sll2, 0x86DD)
	sll2 = append(sll2, v6...)
	tso := ipv4(6, tcpSeg(0x18, nil, clc), 8, 0)
	tso[2], tso[3] = 0, 0 // IPv4 total length 0 (TSO/GRO on the sending host)

	// UDP length 9 inside 11 IP payload bytes
	udpPad := ipv4(17, append(udpDgram([]byte("x")), 0, 0, 0), 9, 0)
	for _, c := range []struct {
		name  string
		lt    pcapfile.LinkType
		data  []byte
		check func(p *pkt) bool
	}{
		{"SYN with the SMC option", pcapfile.LinkTypeEthernet, syn, func(p *pkt) bool {
			return p.ok && p.proto == 6 && p.smcOpt && p.flags == tcpSYN && p.seq == 1000 && p.ipID == 7 && p.ttl == 64 &&
				p.src == netip.MustParseAddr("10.0.0.1") && p.sport == 40000 && p.dport == 5000 && p.payHash == 0
		}},
		{"SYN with the option turned into NOPs", pcapfile.LinkTypeEthernet,
			eth(0x0800, ipv4(6, tcpSeg(tcpSYN, []byte{2, 4, 5, 0xb4, 1, 1, 1, 1, 1, 1, 1, 1}, nil), 7, 0)),
			func(p *pkt) bool { return p.ok && !p.smcOpt }},
		{"kind 254 with another ExID", pcapfile.LinkTypeEthernet,
			eth(0x0800, ipv4(6, tcpSeg(tcpSYN, []byte{254, 6, 1, 2, 3, 4, 1, 1}, nil), 7, 0)),
			func(p *pkt) bool { return p.ok && !p.smcOpt }},
		{"option length past the header", pcapfile.LinkTypeEthernet,
			eth(0x0800, ipv4(6, tcpSeg(tcpSYN, []byte{254, 40, 0xE2, 0xD4}, nil), 7, 0)),
			func(p *pkt) bool { return p.ok && !p.smcOpt }},
		{"kind 254 SMC ExID with an odd length (Linux needs even)", pcapfile.LinkTypeEthernet,
			eth(0x0800, ipv4(6, tcpSeg(tcpSYN, []byte{254, 7, 0xE2, 0xD4, 0xC3, 0xD9, 0, 1}, nil), 7, 0)),
			func(p *pkt) bool { return p.ok && !p.smcOpt }},
		{"IPv4 total length 0 (TSO): what was captured", pcapfile.LinkTypeRaw, tso,
			func(p *pkt) bool { return p.ok && p.clc == 1 && p.payloadLen == 20 && p.payFull }},
		{"UDP length shorter than the IP payload", pcapfile.LinkTypeRaw, udpPad,
			func(p *pkt) bool { return p.ok && p.payloadLen == 1 && p.payFull }},
		{"CLC proposal", pcapfile.LinkTypeEthernet, eth(0x0800, ipv4(6, tcpSeg(0x18, nil, clc), 8, 0)),
			func(p *pkt) bool { return p.ok && p.clc == 1 && p.payloadLen == 20 && p.payFull && p.payHash != 0 }},
		{"cut by the snaplen: truncated, not malformed", pcapfile.LinkTypeEthernet,
			eth(0x0800, ipv4(6, tcpSeg(0x18, nil, clc), 8, 0))[:14+20+20+6],
			func(p *pkt) bool { return p.ok && p.payloadLen == 20 && !p.payFull }},
		{"VLAN tag", pcapfile.LinkTypeEthernet, vlan, func(p *pkt) bool { return p.ok && p.smcOpt }},
		{"IPv6 UDP in SLL2", pcapfile.LinkTypeLinuxSLL2, sll2, func(p *pkt) bool {
			return p.ok && p.proto == 17 && p.ttl == 9 && p.payloadLen == 5 && p.sport == 1111 && p.src.Is6()
		}},
		{"raw IPv4 UDP", pcapfile.LinkTypeRaw, ipv4(17, udpDgram([]byte("x")), 9, 0),
			func(p *pkt) bool { return p.ok && p.ipID == 9 && p.payloadLen == 1 }},
		{"not the first fragment", pcapfile.LinkTypeRaw, ipv4(17, udpDgram(nil), 9, 100),
			func(p *pkt) bool { return !p.ok && p.fragment }},
		{"bad IHL", pcapfile.LinkTypeRaw, append([]byte{0x41}, make([]byte, 30)...), func(p *pkt) bool { return !p.ok }},
		{"ARP", pcapfile.LinkTypeEthernet, eth(0x0806, make([]byte, 28)), func(p *pkt) bool { return !p.ok }},
		{"empty", pcapfile.LinkTypeEthernet, nil, func(p *pkt) bool { return !p.ok }},
		{"unknown link type", 9999, syn, func(p *pkt) bool { return !p.ok }},
	} {
		var f decode.Frame
		var p pkt
		decodePacket(c.lt, c.data, &f, &p)
		if !c.check(&p) {
			t.Errorf("%s: %+v", c.name, p)
		}
	}
}

// FuzzDecodePacket fuzzes the shared decoder (decode.Decode) together with
// multipoint's digest of it, seeded with real frames of the lab captures.
func FuzzDecodePacket(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(td, "*.pcapng"))
	for _, path := range files {
		fr, err := pcapfile.OpenFile(path, nil)
		if err != nil {
			f.Fatal(err)
		}
		for i := 0; i < 8; i++ {
			pk, err := fr.Next()
			if err != nil {
				break
			}
			f.Add(uint16(pk.LinkType), append([]byte(nil), pk.Data...))
		}
		fr.Close()
	}
	if len(files) == 0 {
		if _, err := os.Stat(td); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		var f decode.Frame
		var p pkt
		decodePacket(pcapfile.LinkType(lt), data, &f, &p)
		if p.ok && p.payloadLen < 0 {
			t.Fatalf("negative payload length: %+v", p)
		}
		if p.ok && (f.Status != decode.StatusOK || p.payFull != (len(f.Payload) >= p.payloadLen)) {
			t.Fatalf("digest disagrees with the frame: %+v\n%+v", p, f)
		}
	})
}
