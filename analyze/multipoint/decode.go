package multipoint

import (
	"encoding/binary"
	"hash/fnv"
	"net/netip"

	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/smcproto"
)

// pkt is what matching needs of one captured frame: the flow, the
// clock-independent identity and the SMC facts. Decoding never panics and
// never reads past the captured bytes; a frame cut by the snaplen keeps the
// fields that were captured (truncated is not malformed).
type pkt struct {
	ok         bool // IPv4/IPv6 with a TCP or UDP header
	proto      uint8
	src, dst   netip.Addr
	sport      uint16
	dport      uint16
	ttl        uint8
	ipID       uint32
	seq, ack   uint32
	flags      uint8
	payloadLen int    // on the wire
	payHash    uint64 // FNV-1a over the captured payload (0: no payload)
	payFull    bool   // the whole payload was captured
	smcOpt     bool   // TCP option kind 254 with the SMC ExID
	clc        uint8  // CLC message type at the start of the payload (0: none)
	fragment   bool
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// decodePacket decodes the headers matching needs from data of link type lt.
func decodePacket(lt pcapfile.LinkType, data []byte, p *pkt) {
	*p = pkt{}
	var et uint16
	var rest []byte
	switch lt {
	case pcapfile.LinkTypeEthernet:
		if len(data) < 14 {
			return
		}
		et, rest = binary.BigEndian.Uint16(data[12:]), data[14:]
	case pcapfile.LinkTypeLinuxSLL:
		if len(data) < 16 {
			return
		}
		et, rest = binary.BigEndian.Uint16(data[14:]), data[16:]
	case pcapfile.LinkTypeLinuxSLL2:
		if len(data) < 20 {
			return
		}
		et, rest = binary.BigEndian.Uint16(data[0:]), data[20:]
	case pcapfile.LinkTypeNull, pcapfile.LinkTypeLoop:
		if len(data) < 4 {
			return
		}
		af := binary.LittleEndian.Uint32(data)
		if lt == pcapfile.LinkTypeLoop || af > 0xffff {
			af = binary.BigEndian.Uint32(data)
		}
		rest = data[4:]
		switch af {
		case 2:
			et = 0x0800
		case 24, 28, 30:
			et = 0x86DD
		default:
			return
		}
	case pcapfile.LinkTypeRaw, pcapfile.LinkTypeIPv4, pcapfile.LinkTypeIPv6, 12, 14:
		if len(data) < 1 {
			return
		}
		switch data[0] >> 4 {
		case 4:
			et = 0x0800
		case 6:
			et = 0x86DD
		default:
			return
		}
		rest = data
	default:
		return
	}
	for n := 0; (et == 0x8100 || et == 0x88A8 || et == 0x9100) && n < 8; n++ {
		if len(rest) < 4 {
			return
		}
		et, rest = binary.BigEndian.Uint16(rest[2:]), rest[4:]
	}
	var l4 []byte
	var l4Wire int
	switch et {
	case 0x0800:
		if len(rest) < 20 || rest[0]>>4 != 4 {
			return
		}
		hl := int(rest[0]&0x0f) * 4
		tot := int(binary.BigEndian.Uint16(rest[2:]))
		if hl < 20 || len(rest) < hl || tot < hl {
			return
		}
		p.ipID = uint32(binary.BigEndian.Uint16(rest[4:]))
		fo := binary.BigEndian.Uint16(rest[6:])
		p.fragment = fo&0x3fff != 0
		if fo&0x1fff != 0 {
			return // not the first fragment: no transport header
		}
		p.ttl, p.proto = rest[8], rest[9]
		p.src = netip.AddrFrom4([4]byte(rest[12:16]))
		p.dst = netip.AddrFrom4([4]byte(rest[16:20]))
		l4 = rest[hl:min(len(rest), tot)]
		l4Wire = tot - hl
	case 0x86DD:
		if len(rest) < 40 || rest[0]>>4 != 6 {
			return
		}
		plen := int(binary.BigEndian.Uint16(rest[4:]))
		p.proto, p.ttl = rest[6], rest[7]
		p.src = netip.AddrFrom16([16]byte(rest[8:24]))
		p.dst = netip.AddrFrom16([16]byte(rest[24:40]))
		l4 = rest[40:min(len(rest), 40+plen)]
		l4Wire = plen
		// extension headers: hop-by-hop, routing, destination options, fragment
		for i := 0; i < 8; i++ {
			switch p.proto {
			case 0, 43, 60:
				if len(l4) < 8 {
					return
				}
				n := (int(l4[1]) + 1) * 8
				if len(l4) < n {
					return
				}
				p.proto, l4, l4Wire = l4[0], l4[n:], l4Wire-n
				continue
			case 44:
				if len(l4) < 8 {
					return
				}
				p.fragment = true
				p.ipID = binary.BigEndian.Uint32(l4[4:])
				if binary.BigEndian.Uint16(l4[2:])&0xfff8 != 0 {
					return
				}
				p.proto, l4, l4Wire = l4[0], l4[8:], l4Wire-8
				continue
			}
			break
		}
	default:
		return
	}
	var payload []byte
	switch p.proto {
	case 6:
		if len(l4) < 20 {
			return
		}
		off := int(l4[12]>>4) * 4
		if off < 20 || len(l4) < off {
			return
		}
		p.sport, p.dport = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		p.seq, p.ack = binary.BigEndian.Uint32(l4[4:]), binary.BigEndian.Uint32(l4[8:])
		p.flags = l4[13]
		p.smcOpt = hasSMCOption(l4[20:off])
		payload = l4[off:]
		p.payloadLen = l4Wire - off
	case 17:
		if len(l4) < 8 {
			return
		}
		p.sport, p.dport = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		payload = l4[8:]
		p.payloadLen = l4Wire - 8
		if p.fragment {
			p.payloadLen = len(payload)
		}
	default:
		return
	}
	if p.payloadLen < 0 {
		return
	}
	p.ok = true
	p.payFull = len(payload) >= p.payloadLen
	if len(payload) > 0 {
		h := fnv.New64a()
		_, _ = h.Write(payload)
		p.payHash = h.Sum64() | 1 // never 0
	}
	if p.proto == 6 && len(payload) >= 5 && smcproto.HasEyecatcher(payload) && payload[4] >= 1 && payload[4] <= 4 {
		p.clc = payload[4]
	}
}

// hasSMCOption reports whether TCP options b carry kind 254 with the SMC
// experiment ID 0xE2D4C3D9 (RFC 6994 format).
func hasSMCOption(b []byte) bool {
	for i := 0; i < len(b); {
		switch b[i] {
		case 0:
			return false
		case 1:
			i++
			continue
		}
		if i+1 >= len(b) || b[i+1] < 2 || i+int(b[i+1]) > len(b) {
			return false
		}
		if b[i] == smcproto.OptionKindExperimental && b[i+1] >= 6 &&
			[4]byte(b[i+2:i+6]) == smcproto.EyecatcherR {
			return true
		}
		i += int(b[i+1])
	}
	return false
}
