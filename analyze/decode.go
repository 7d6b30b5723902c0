package analyze

import (
	"encoding/binary"
	"net/netip"

	"github.com/smcdump/smcdump/pcapfile"
)

// Zero-copy frame decoding: the views below point into the captured bytes
// and are only valid while those bytes are. Decoding never panics: every
// read is bounds-checked, and a frame cut by the snaplen is marked
// truncated rather than malformed.

// Decode outcome of a frame.
const (
	decOK          = iota
	decTruncated   // captured bytes end inside a header
	decMalformed   // a header is impossible (bad version, length)
	decUnsupported // link type or ethertype we do not decode
)

// Transport protocols.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
	protoSCTP   = 132
)

// TCP flag bits.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
	tcpURG = 0x20
	tcpECE = 0x40
	tcpCWR = 0x80
)

// frame is the decoded view of one captured frame.
type frame struct {
	status int
	reason string // for decMalformed/decUnsupported/decTruncated

	// link layer
	hasMAC    bool
	srcMAC    [6]byte
	dstMAC    [6]byte
	etherType uint16
	vlans     [4]uint16
	vlanTCI   [4]uint16 // the whole tag control information (priority, DEI, VID)
	vlanTPID  [4]uint16 // the ethertype that announced each tag
	nvlan     int
	sllPkt    int // SLL packet type, -1 if none
	l2len     int // link-layer header length incl. VLAN tags (valid once the ethertype is known)

	// network layer
	ipVer     int // 0, 4 or 6
	src, dst  netip.Addr
	proto     uint8
	ttl       uint8
	ipID      uint32
	ipLen     int  // IP total length (v4) / 40+payload length (v6)
	ipHdrLen  int  // IPv4 header / IPv6 header incl. extension headers walked
	fragOff   int  // fragment offset in bytes
	moreFrag  bool // MF flag
	fragment  bool // part of a fragmented datagram
	dfFlag    bool
	tos       uint8
	ipTrunc   bool // IP payload not completely captured
	l4        []byte
	l4WireLen int // L4 length on the wire (from the IP header)

	// transport
	sport, dport uint16
	// TCP
	seq, ack uint32
	flags    uint8
	win      uint16
	tcpOpts  []byte
	// payload (TCP or UDP)
	payload    []byte // captured payload bytes
	payloadLen int    // payload length on the wire
	udpLen     int
}

func (f *frame) reset() {
	*f = frame{sllPkt: -1}
}

// decodeFrame fills f from data of link type lt.
func decodeFrame(lt pcapfile.LinkType, data []byte, f *frame) {
	f.reset()
	var et uint16
	var rest []byte
	switch lt {
	case pcapfile.LinkTypeEthernet:
		if len(data) < 14 {
			f.status, f.reason = decTruncated, "ethernet header"
			return
		}
		f.hasMAC = true
		copy(f.dstMAC[:], data[0:6])
		copy(f.srcMAC[:], data[6:12])
		et = binary.BigEndian.Uint16(data[12:])
		rest = data[14:]
		if et <= 1500 { // 802.3 length: LLC, not IP
			f.etherType = et
			f.status, f.reason = decUnsupported, "802.3/LLC frame"
			return
		}
	case pcapfile.LinkTypeLinuxSLL:
		if len(data) < 16 {
			f.status, f.reason = decTruncated, "SLL header"
			return
		}
		f.sllPkt = int(binary.BigEndian.Uint16(data[0:]))
		if binary.BigEndian.Uint16(data[4:]) == 6 {
			f.hasMAC = true
			copy(f.srcMAC[:], data[6:12])
		}
		et = binary.BigEndian.Uint16(data[14:])
		rest = data[16:]
	case pcapfile.LinkTypeLinuxSLL2:
		if len(data) < 20 {
			f.status, f.reason = decTruncated, "SLL2 header"
			return
		}
		et = binary.BigEndian.Uint16(data[0:])
		f.sllPkt = int(data[10])
		if data[11] == 6 {
			f.hasMAC = true
			copy(f.srcMAC[:], data[12:18])
		}
		rest = data[20:]
	case pcapfile.LinkTypeNull, pcapfile.LinkTypeLoop:
		if len(data) < 4 {
			f.status, f.reason = decTruncated, "loopback header"
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
			f.status, f.reason = decUnsupported, "loopback address family"
			return
		}
	case pcapfile.LinkTypeRaw, 12, 14, pcapfile.LinkTypeIPv4, pcapfile.LinkTypeIPv6:
		if len(data) < 1 {
			f.status, f.reason = decTruncated, "raw IP"
			return
		}
		switch data[0] >> 4 {
		case 4:
			et = 0x0800
		case 6:
			et = 0x86DD
		default:
			f.status, f.reason = decMalformed, "raw IP version"
			return
		}
		rest = data
	default:
		f.status, f.reason = decUnsupported, "link type "+lt.String()
		return
	}
	// VLAN tags (802.1Q, 802.1ad, old QinQ 0x9100).
	for et == 0x8100 || et == 0x88A8 || et == 0x9100 {
		if len(rest) < 4 {
			f.status, f.reason = decTruncated, "VLAN tag"
			return
		}
		if f.nvlan < len(f.vlans) {
			f.vlans[f.nvlan] = binary.BigEndian.Uint16(rest) & 0x0fff
			f.vlanTCI[f.nvlan] = binary.BigEndian.Uint16(rest)
			f.vlanTPID[f.nvlan] = et
			f.nvlan++
		}
		et = binary.BigEndian.Uint16(rest[2:])
		rest = rest[4:]
	}
	f.etherType = et
	f.l2len = len(data) - len(rest)
	switch et {
	case 0x0800:
		decodeIPv4(rest, f)
	case 0x86DD:
		decodeIPv6(rest, f)
	default:
		f.status, f.reason = decUnsupported, "ethertype"
		return
	}
	if f.status != decOK || f.l4 == nil {
		return
	}
	if f.fragment && f.fragOff != 0 {
		return // not the first fragment: no transport header
	}
	switch f.proto {
	case protoTCP:
		decodeTCP(f)
	case protoUDP:
		decodeUDP(f)
	}
}

func decodeIPv4(b []byte, f *frame) {
	f.ipVer = 4
	if len(b) < 20 {
		f.status, f.reason = decTruncated, "IPv4 header"
		return
	}
	if b[0]>>4 != 4 {
		f.status, f.reason = decMalformed, "IPv4 version"
		return
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 {
		f.status, f.reason = decMalformed, "IPv4 header length"
		return
	}
	if len(b) < ihl {
		f.status, f.reason = decTruncated, "IPv4 options"
		return
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	if total < ihl {
		// TSO/GRO captures on the sending host can carry total length 0.
		if total == 0 {
			total = len(b)
		} else {
			f.status, f.reason = decMalformed, "IPv4 total length"
			return
		}
	}
	f.tos = b[1]
	f.ipID = uint32(binary.BigEndian.Uint16(b[4:]))
	fo := binary.BigEndian.Uint16(b[6:])
	f.dfFlag = fo&0x4000 != 0
	f.moreFrag = fo&0x2000 != 0
	f.fragOff = int(fo&0x1fff) * 8
	f.fragment = f.moreFrag || f.fragOff != 0
	f.ttl = b[8]
	f.proto = b[9]
	f.src = netip.AddrFrom4([4]byte(b[12:16]))
	f.dst = netip.AddrFrom4([4]byte(b[16:20]))
	f.ipLen = total
	f.ipHdrLen = ihl
	end := total
	if end > len(b) {
		end = len(b)
		f.ipTrunc = true
	}
	f.l4 = b[ihl:end]
	f.l4WireLen = total - ihl
}

func decodeIPv6(b []byte, f *frame) {
	f.ipVer = 6
	if len(b) < 40 {
		f.status, f.reason = decTruncated, "IPv6 header"
		return
	}
	if b[0]>>4 != 6 {
		f.status, f.reason = decMalformed, "IPv6 version"
		return
	}
	f.tos = byte(binary.BigEndian.Uint16(b) >> 4)
	plen := int(binary.BigEndian.Uint16(b[4:]))
	if plen == 0 { // jumbogram or TSO: take what was captured
		plen = len(b) - 40
	}
	f.ipLen = 40 + plen
	f.ttl = b[7]
	f.src = netip.AddrFrom16([16]byte(b[8:24]))
	f.dst = netip.AddrFrom16([16]byte(b[24:40]))
	next := b[6]
	off := 40
	end := 40 + plen
	if end > len(b) {
		end = len(b)
		f.ipTrunc = true
	}
	// Walk extension headers to the transport header.
walk:
	for i := 0; i < 8; i++ {
		switch next {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, dest opts, mobility, HIP, shim6
			if off+8 > end {
				if f.ipTrunc {
					f.status, f.reason = decTruncated, "IPv6 extension header"
				} else {
					f.status, f.reason = decMalformed, "IPv6 extension header"
				}
				return
			}
			l := (int(b[off+1]) + 1) * 8
			next = b[off]
			off += l
			continue
		case 44: // fragment
			if off+8 > end {
				f.status, f.reason = decTruncated, "IPv6 fragment header"
				return
			}
			fo := binary.BigEndian.Uint16(b[off+2:])
			f.fragOff = int(fo>>3) * 8
			f.moreFrag = fo&1 != 0
			f.fragment = true
			f.ipID = binary.BigEndian.Uint32(b[off+4:])
			next = b[off]
			off += 8
			continue
		case 51: // AH
			if off+8 > end {
				f.status, f.reason = decTruncated, "IPv6 AH"
				return
			}
			l := (int(b[off+1]) + 2) * 4
			next = b[off]
			off += l
			continue
		}
		break walk
	}
	if off > 40+plen {
		f.status, f.reason = decMalformed, "IPv6 extension headers exceed payload length"
		return
	}
	f.proto = next
	f.ipHdrLen = off
	if off > end {
		f.status, f.reason = decTruncated, "IPv6 extension header"
		return
	}
	f.l4 = b[off:end]
	f.l4WireLen = 40 + plen - off
}

func decodeTCP(f *frame) {
	b := f.l4
	if len(b) < 20 {
		if f.l4WireLen < 20 && !f.ipTrunc {
			f.status, f.reason = decMalformed, "TCP header"
		} else {
			f.status, f.reason = decTruncated, "TCP header"
		}
		return
	}
	f.sport = binary.BigEndian.Uint16(b[0:])
	f.dport = binary.BigEndian.Uint16(b[2:])
	f.seq = binary.BigEndian.Uint32(b[4:])
	f.ack = binary.BigEndian.Uint32(b[8:])
	doff := int(b[12]>>4) * 4
	f.flags = b[13]
	f.win = binary.BigEndian.Uint16(b[14:])
	if doff < 20 || doff > f.l4WireLen {
		f.status, f.reason = decMalformed, "TCP data offset"
		return
	}
	if len(b) < doff {
		f.status, f.reason = decTruncated, "TCP options"
		return
	}
	f.tcpOpts = b[20:doff]
	f.payload = b[doff:]
	f.payloadLen = f.l4WireLen - doff
}

func decodeUDP(f *frame) {
	b := f.l4
	if len(b) < 8 {
		if f.l4WireLen < 8 && !f.ipTrunc {
			f.status, f.reason = decMalformed, "UDP header"
		} else {
			f.status, f.reason = decTruncated, "UDP header"
		}
		return
	}
	f.sport = binary.BigEndian.Uint16(b[0:])
	f.dport = binary.BigEndian.Uint16(b[2:])
	f.udpLen = int(binary.BigEndian.Uint16(b[4:]))
	wire := f.l4WireLen
	if f.udpLen >= 8 && f.udpLen <= wire {
		wire = f.udpLen
	}
	f.payloadLen = wire - 8
	end := wire
	if end > len(b) {
		end = len(b)
	}
	f.payload = b[8:end]
}

// truncatedPayload reports whether payload bytes are missing (snaplen).
func (f *frame) truncatedPayload() bool { return len(f.payload) < f.payloadLen }

func (f *frame) srcAddrPort() netip.AddrPort { return netip.AddrPortFrom(f.src, f.sport) }
func (f *frame) dstAddrPort() netip.AddrPort { return netip.AddrPortFrom(f.dst, f.dport) }
