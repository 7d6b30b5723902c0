package decode

import (
	"encoding/binary"
	"net/netip"
	"sync"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Zero-copy frame decoding: the views below point into the captured bytes
// and are only valid while those bytes are. Decoding never panics: every
// read is bounds-checked, and a frame cut by the snaplen is marked
// truncated rather than malformed.

// Decode outcome of a frame.
const (
	StatusOK          = iota
	StatusTruncated   // captured bytes end inside a header
	StatusMalformed   // a header is impossible (bad version, length)
	StatusUnsupported // link type or ethertype we do not decode
)

// Transport protocols.
const (
	ProtoICMP   = 1
	ProtoIGMP   = 2
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoPIM    = 103
	ProtoSCTP   = 132
)

// TCP flag bits.
const (
	TCPFIN = 0x01
	TCPSYN = 0x02
	TCPRST = 0x04
	TCPPSH = 0x08
	TCPACK = 0x10
	TCPURG = 0x20
	TCPECE = 0x40
	TCPCWR = 0x80
)

// Frame is the decoded view of one captured frame.
type Frame struct {
	Status int
	Reason string // for StatusMalformed, StatusUnsupported, StatusTruncated

	// link layer
	HasMAC    bool
	SrcMAC    [6]byte
	DstMAC    [6]byte
	EtherType uint16
	VLANs     [4]uint16
	VLANTCI   [4]uint16 // the whole tag control information (priority, DEI, VID)
	VLANTPID  [4]uint16 // the ethertype that announced each tag
	NVLAN     int
	SLLPkt    int // SLL packet type, -1 if none
	L2Len     int // link-layer header length incl. VLAN tags (valid once the ethertype is known)
	// An 802.3 frame (a length after the MAC addresses and VLAN tags,
	// not a type) has an 802.2 LLC header at LLCOff; Len8023 is the
	// length field (the frame ends there, the rest is padding; -1 for
	// the LLC header after the jumbo frames' type 0x8870). IPv4,
	// IPv6 and ARP behind a SNAP header with OUI 0, and IPv4 between the
	// IP SAPs (RFC 948), are decoded as in an Ethernet II frame: EtherType
	// is theirs and L2Len ends after the LLC and SNAP headers. Other LLC
	// frames are StatusUnsupported with the length as EtherType.
	LLCOff  int
	Len8023 int

	// Between the link layer and IP: a PPPoE session header (RFC 2516)
	// and an MPLS label stack (RFC 3032), in that order when both are
	// there. EtherType is then the network protocol's (0x0800, 0x86DD).
	HasPPPoE  bool
	PPPoESess uint16    // PPPoE session ID
	PPPoELen  int       // PPPoE payload length field (the PPP frame)
	MPLS      [4]uint32 // the first label stack entries as on the wire (label<<12 | TC<<9 | S<<8 | TTL)
	NMPLS     int       // label stack depth (may exceed len(MPLS))
	MPLSType  uint16    // the ethertype that announced the stack (0x8847 unicast, 0x8848 multicast), 0 inside PPP
	PPPProto  uint16    // the PPP protocol inside PPPoE (0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS, ...)
	NetOff    int       // offset of the network header in the frame: L2Len plus the PPPoE header and MPLS labels

	// network layer
	IPVer     int // 0, 4 or 6
	Src, Dst  netip.Addr
	Proto     uint8
	TTL       uint8
	IPID      uint32
	IPLen     int  // IP total length (v4) / 40+payload length (v6)
	IPHdrLen  int  // IPv4 header / IPv6 header incl. extension headers walked
	FragOff   int  // fragment offset in bytes
	MoreFrag  bool // MF flag
	Fragment  bool // part of a fragmented datagram
	DF        bool
	TOS       uint8
	IPTrunc   bool // IP payload not completely captured
	L4        []byte
	L4WireLen int // L4 length on the wire (from the IP header)

	// transport
	SrcPort, DstPort uint16
	// TCP
	Seq, Ack uint32
	Flags    uint8
	Win      uint16
	TCPOpts  []byte
	// payload (TCP or UDP)
	Payload    []byte // captured payload bytes
	PayloadLen int    // payload length on the wire
	UDPLen     int

	// Tunnel is the outermost tunnel DecodeInner removed to reach the
	// frame above (Kind TunnelNone when it was not in a tunnel).
	Tunnel TunnelRef
	// Zone is the address space of a frame inside tunnels (DecodeInner):
	// a hash of every tunnel layer around it, 0 outside tunnels.
	// Trackers keep connections and streams with the same addresses in
	// different zones apart (tenants whose addresses overlap in different
	// VNIs; one flow mirrored by two ERSPAN sessions).
	Zone uint64
	// Data is the inner frame's bytes when Tunnel.Depth > 0 (its link
	// type is Ethernet or raw IP), nil otherwise.
	Data []byte
}

// Reset clears every field (SLLPkt -1: none). Clearing, then setting the
// one non-zero field, is a plain memory clear; assigning a composite
// literal with a non-zero field copies a whole Frame through the write
// barrier during garbage collection.
func (f *Frame) Reset() {
	*f = Frame{}
	f.SLLPkt = -1
}

// linkTypeReasons are the Reason strings of unsupported link types below
// 512, built on first use (1.3 ms and 250 KB at every start of the
// program otherwise) so that decoding such a frame does not allocate.
var linkTypeReasons = sync.OnceValue(func() *[512]string {
	var r [512]string
	for i := range r {
		r[i] = "link type " + pcapfile.LinkType(i).String()
	}
	return &r
})

func linkTypeReason(lt pcapfile.LinkType) string {
	if int(lt) < 512 {
		return linkTypeReasons()[lt]
	}
	return "link type " + lt.String()
}

// Decode fills f from data of link type lt.
func Decode(lt pcapfile.LinkType, data []byte, f *Frame) {
	if lt == pcapfile.LinkTypeEthernet && len(data) >= 14 && data[12] == 0x08 && data[13] == 0x00 {
		decodeEtherIPv4(data, f)
		return
	}
	decodeAny(lt, data, f)
}

// decodeEtherIPv4 is Decode for the frame most captures are made of: an
// Ethernet II header of type IPv4, without VLAN tags (Decode has checked
// that). The fields set are those decodeAny sets for such a frame
// (TestDecodeEquivalent and FuzzDecodeEquivalent compare both with the
// reference decoder), without the link-type dispatch and the VLAN, LLC and
// shim checks.
func decodeEtherIPv4(data []byte, f *Frame) {
	f.Reset()
	f.HasMAC = true
	f.DstMAC = [6]byte(data[0:6])
	f.SrcMAC = [6]byte(data[6:12])
	f.EtherType = 0x0800
	f.L2Len, f.NetOff = 14, 14
	decodeIPv4(data[14:], f)
	transport(f)
}

// decodeAny is Decode for every link type and frame.
func decodeAny(lt pcapfile.LinkType, data []byte, f *Frame) {
	f.Reset()
	var et uint16
	var rest []byte
	switch lt {
	case pcapfile.LinkTypeEthernet:
		if len(data) < 14 {
			f.Status, f.Reason = StatusTruncated, "ethernet header"
			return
		}
		f.HasMAC = true
		f.DstMAC = [6]byte(data[0:6])
		f.SrcMAC = [6]byte(data[6:12])
		et = binary.BigEndian.Uint16(data[12:])
		rest = data[14:]
	case pcapfile.LinkTypeLinuxSLL:
		if len(data) < 16 {
			f.Status, f.Reason = StatusTruncated, "SLL header"
			return
		}
		f.SLLPkt = int(binary.BigEndian.Uint16(data[0:]))
		if binary.BigEndian.Uint16(data[4:]) == 6 {
			f.HasMAC = true
			f.SrcMAC = [6]byte(data[6:12])
		}
		et = binary.BigEndian.Uint16(data[14:])
		rest = data[16:]
	case pcapfile.LinkTypeLinuxSLL2:
		if len(data) < 20 {
			f.Status, f.Reason = StatusTruncated, "SLL2 header"
			return
		}
		et = binary.BigEndian.Uint16(data[0:])
		f.SLLPkt = int(data[10])
		if data[11] == 6 {
			f.HasMAC = true
			copy(f.SrcMAC[:], data[12:18])
		}
		rest = data[20:]
	case pcapfile.LinkTypeNull, pcapfile.LinkTypeLoop:
		if len(data) < 4 {
			f.Status, f.Reason = StatusTruncated, "loopback header"
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
			f.Status, f.Reason = StatusUnsupported, "loopback address family"
			return
		}
	case pcapfile.LinkTypeRaw, 12, 14, pcapfile.LinkTypeIPv4, pcapfile.LinkTypeIPv6:
		if len(data) < 1 {
			f.Status, f.Reason = StatusTruncated, "raw IP"
			return
		}
		switch data[0] >> 4 {
		case 4:
			et = 0x0800
		case 6:
			et = 0x86DD
		default:
			f.Status, f.Reason = StatusMalformed, "raw IP version"
			return
		}
		rest = data
	default:
		f.Status, f.Reason = StatusUnsupported, linkTypeReason(lt)
		return
	}
	// VLAN tags (802.1Q, 802.1ad, old QinQ 0x9100).
	for et == 0x8100 || et == 0x88A8 || et == 0x9100 {
		if len(rest) < 4 {
			f.Status, f.Reason = StatusTruncated, "VLAN tag"
			return
		}
		if f.NVLAN < len(f.VLANs) {
			f.VLANs[f.NVLAN] = binary.BigEndian.Uint16(rest) & 0x0fff
			f.VLANTCI[f.NVLAN] = binary.BigEndian.Uint16(rest)
			f.VLANTPID[f.NVLAN] = et
			f.NVLAN++
		}
		et = binary.BigEndian.Uint16(rest[2:])
		rest = rest[4:]
	}
	f.EtherType = et
	f.L2Len = len(data) - len(rest)
	sllLLC := (lt == pcapfile.LinkTypeLinuxSLL || lt == pcapfile.LinkTypeLinuxSLL2) && (et == 0x0004 || f.NVLAN > 0 && et <= 1500)
	if (et <= 1500 || et == 0x8870) && lt == pcapfile.LinkTypeEthernet || sllLLC {
		// 802.3: a length, then an 802.2 LLC header; Alteon jumbo
		// frames: their type, then LLC
		f.LLCOff, f.Len8023 = f.L2Len, int(et)
		if et == 0x8870 || sllLLC {
			// no length: the jumbo frames' type; Linux cooked
			// capture's protocol 0x0004 (LINUX_SLL_P_802_2), and
			// any length behind its VLAN tags (print-sll.c)
			f.Len8023 = -1
		} else if int(et) < len(rest) {
			data = data[:len(data)-len(rest)+int(et)]
			rest = rest[:et] // the rest is padding
		}
		if rest, et = llc(rest, f); f.Status != StatusOK {
			return
		}
		f.EtherType = et
		f.L2Len = len(data) - len(rest)
	}
	if et == 0x8864 || et == 0x8847 || et == 0x8848 {
		if rest, et = shims(rest, et, f); f.Status != StatusOK {
			return
		}
		f.EtherType = et
	}
	f.NetOff = len(data) - len(rest)
	switch et {
	case 0x0800:
		decodeIPv4(rest, f)
	case 0x86DD:
		decodeIPv6(rest, f)
	default:
		f.Status, f.Reason = StatusUnsupported, "ethertype"
		return
	}
	transport(f)
}

// transport decodes the TCP or UDP header of a frame whose network layer
// is decoded, unless it is not there (a later fragment, an error).
func transport(f *Frame) {
	if f.Status != StatusOK || f.L4 == nil {
		return
	}
	if f.Fragment && f.FragOff != 0 {
		return // not the first fragment: no transport header
	}
	switch f.Proto {
	case ProtoTCP:
		decodeTCP(f)
	case ProtoUDP:
		decodeUDP(f)
	}
}

// maxMPLS bounds the label stack walked: real stacks hold a few labels
// (Wireshark's limit is 16 too); a longer one is malformed.
const maxMPLS = 16

// shims removes a PPPoE session header and an MPLS label stack from the
// front of rest (announced by et) and returns what follows with its
// ethertype. Frames that do not carry IP inside are StatusUnsupported (PPPoE
// control protocols, MPLS pseudowires); cut headers StatusTruncated.
func shims(rest []byte, et uint16, f *Frame) ([]byte, uint16) {
	if et == 0x8864 {
		// RFC 2516 §4: VER=1 TYPE=1, CODE 0 for session data, SESSION_ID,
		// LENGTH of the payload; then the PPP protocol field (RFC 1661).
		if len(rest) < 8 {
			f.Status, f.Reason = StatusTruncated, "PPPoE header"
			return rest, et
		}
		if rest[0] != 0x11 || rest[1] != 0 {
			f.Status, f.Reason = StatusMalformed, "PPPoE session header"
			return rest, et
		}
		f.HasPPPoE = true
		f.PPPoESess = binary.BigEndian.Uint16(rest[2:])
		f.PPPoELen = int(binary.BigEndian.Uint16(rest[4:]))
		proto := binary.BigEndian.Uint16(rest[6:])
		f.PPPProto = proto
		rest = rest[8:]
		switch proto {
		case 0x0021:
			return rest, 0x0800
		case 0x0057:
			return rest, 0x86DD
		case 0x0281, 0x0283: // MPLS unicast, multicast
			et = 0
		default:
			f.Status, f.Reason = StatusUnsupported, "PPP protocol"
			return rest, et
		}
	}
	f.MPLSType = et
	var e uint32
	for {
		if len(rest) < 4 {
			f.Status, f.Reason = StatusTruncated, "MPLS label"
			return rest, 0
		}
		e = binary.BigEndian.Uint32(rest)
		if f.NMPLS < len(f.MPLS) {
			f.MPLS[f.NMPLS] = e
		}
		f.NMPLS++
		rest = rest[4:]
		if e&0x100 != 0 {
			break
		}
		if f.NMPLS == maxMPLS {
			f.Status, f.Reason = StatusMalformed, "MPLS label stack without bottom"
			return rest, 0
		}
	}
	// RFC 3032 leaves the payload's protocol to the label's binding,
	// which a capture does not hold. As tcpdump (print-mpls.c): the
	// reserved bottom labels name it (0 IPv4 and 3 implicit null: IPv4,
	// 2: IPv6), else the first byte decides (0x45-0x4f IPv4, 0x60-0x6f
	// IPv6; anything else, such as a pseudowire control word, is not IP).
	switch e >> 12 {
	case 0, 3:
		return rest, 0x0800
	case 2:
		return rest, 0x86DD
	}
	if len(rest) == 0 {
		f.Status, f.Reason = StatusTruncated, "MPLS payload"
		return rest, 0
	}
	switch b := rest[0]; {
	case b >= 0x45 && b <= 0x4f:
		return rest, 0x0800
	case b >= 0x60 && b <= 0x6f:
		return rest, 0x86DD
	}
	f.Status, f.Reason = StatusUnsupported, "MPLS payload"
	return rest, 0
}

func decodeIPv4(b []byte, f *Frame) {
	f.IPVer = 4
	if len(b) < 20 {
		f.Status, f.Reason = StatusTruncated, "IPv4 header"
		return
	}
	if b[0]>>4 != 4 {
		f.Status, f.Reason = StatusMalformed, "IPv4 version"
		return
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 {
		f.Status, f.Reason = StatusMalformed, "IPv4 header length"
		return
	}
	if len(b) < ihl {
		f.Status, f.Reason = StatusTruncated, "IPv4 options"
		return
	}
	total := int(binary.BigEndian.Uint16(b[2:]))
	if total < ihl {
		// TSO/GRO captures on the sending host can carry total length 0.
		if total == 0 {
			total = len(b)
		} else {
			f.Status, f.Reason = StatusMalformed, "IPv4 total length"
			return
		}
	}
	f.TOS = b[1]
	f.IPID = uint32(binary.BigEndian.Uint16(b[4:]))
	fo := binary.BigEndian.Uint16(b[6:])
	f.DF = fo&0x4000 != 0
	f.MoreFrag = fo&0x2000 != 0
	f.FragOff = int(fo&0x1fff) * 8
	f.Fragment = f.MoreFrag || f.FragOff != 0
	f.TTL = b[8]
	f.Proto = b[9]
	f.Src = netip.AddrFrom4([4]byte(b[12:16]))
	f.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	f.IPLen = total
	f.IPHdrLen = ihl
	end := total
	if end > len(b) {
		end = len(b)
		f.IPTrunc = true
	}
	f.L4 = b[ihl:end]
	f.L4WireLen = total - ihl
}

func decodeIPv6(b []byte, f *Frame) {
	f.IPVer = 6
	if len(b) < 40 {
		f.Status, f.Reason = StatusTruncated, "IPv6 header"
		return
	}
	if b[0]>>4 != 6 {
		f.Status, f.Reason = StatusMalformed, "IPv6 version"
		return
	}
	f.TOS = byte(binary.BigEndian.Uint16(b) >> 4)
	plen := int(binary.BigEndian.Uint16(b[4:]))
	if plen == 0 { // jumbogram or TSO: take what was captured
		plen = len(b) - 40
	}
	f.IPLen = 40 + plen
	f.TTL = b[7]
	f.Src = netip.AddrFrom16([16]byte(b[8:24]))
	f.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	next := b[6]
	off := 40
	end := 40 + plen
	if end > len(b) {
		end = len(b)
		f.IPTrunc = true
	}
	// Walk extension headers to the transport header.
walk:
	for i := 0; i < 8; i++ {
		switch next {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, dest opts, mobility, HIP, shim6
			if off+8 > end {
				if f.IPTrunc {
					f.Status, f.Reason = StatusTruncated, "IPv6 extension header"
				} else {
					f.Status, f.Reason = StatusMalformed, "IPv6 extension header"
				}
				return
			}
			l := (int(b[off+1]) + 1) * 8
			next = b[off]
			off += l
			continue
		case 44: // fragment
			if off+8 > end {
				f.Status, f.Reason = StatusTruncated, "IPv6 fragment header"
				return
			}
			fo := binary.BigEndian.Uint16(b[off+2:])
			f.FragOff = int(fo>>3) * 8
			f.MoreFrag = fo&1 != 0
			f.Fragment = true
			f.IPID = binary.BigEndian.Uint32(b[off+4:])
			next = b[off]
			off += 8
			// What follows is the fragmentable part (RFC 8200 4.5): a
			// destination options header in it is part of the
			// reassembled datagram, and in a fragment other than the
			// first there is no header at all. Offsets count from here.
			break walk
		case 51: // AH
			if off+8 > end {
				f.Status, f.Reason = StatusTruncated, "IPv6 AH"
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
		f.Status, f.Reason = StatusMalformed, "IPv6 extension headers exceed payload length"
		return
	}
	f.Proto = next
	f.IPHdrLen = off
	if off > end {
		f.Status, f.Reason = StatusTruncated, "IPv6 extension header"
		return
	}
	f.L4 = b[off:end]
	f.L4WireLen = 40 + plen - off
}

// Transport decodes the TCP or UDP header at f.L4 (f.Proto says which;
// other protocols are left as they are): for a caller that moved f.L4 past
// a header Decode does not walk, such as destination options in the
// fragmentable part of an IPv6 fragment.
func Transport(f *Frame) {
	switch f.Proto {
	case ProtoTCP:
		decodeTCP(f)
	case ProtoUDP:
		decodeUDP(f)
	}
}

func decodeTCP(f *Frame) {
	b := f.L4
	if len(b) < 20 {
		if f.L4WireLen < 20 && !f.IPTrunc {
			f.Status, f.Reason = StatusMalformed, "TCP header"
		} else {
			f.Status, f.Reason = StatusTruncated, "TCP header"
		}
		return
	}
	f.SrcPort = binary.BigEndian.Uint16(b[0:])
	f.DstPort = binary.BigEndian.Uint16(b[2:])
	f.Seq = binary.BigEndian.Uint32(b[4:])
	f.Ack = binary.BigEndian.Uint32(b[8:])
	doff := int(b[12]>>4) * 4
	f.Flags = b[13]
	f.Win = binary.BigEndian.Uint16(b[14:])
	if doff < 20 || doff > f.L4WireLen {
		f.Status, f.Reason = StatusMalformed, "TCP data offset"
		return
	}
	if len(b) < doff {
		// The options the snaplen left, and the lengths: a SYN cut
		// there is still a SYN (whether it carried the SMC option may
		// be unknown: smcflow says so).
		f.Status, f.Reason = StatusTruncated, "TCP options"
		f.TCPOpts = b[20:]
		f.Payload = b[len(b):]
		f.PayloadLen = f.L4WireLen - doff
		return
	}
	f.TCPOpts = b[20:doff]
	f.Payload = b[doff:]
	f.PayloadLen = f.L4WireLen - doff
}

func decodeUDP(f *Frame) {
	b := f.L4
	if len(b) < 8 {
		if f.L4WireLen < 8 && !f.IPTrunc {
			f.Status, f.Reason = StatusMalformed, "UDP header"
		} else {
			f.Status, f.Reason = StatusTruncated, "UDP header"
		}
		return
	}
	f.SrcPort = binary.BigEndian.Uint16(b[0:])
	f.DstPort = binary.BigEndian.Uint16(b[2:])
	f.UDPLen = int(binary.BigEndian.Uint16(b[4:]))
	wire := f.L4WireLen
	if f.UDPLen >= 8 && f.UDPLen <= wire {
		wire = f.UDPLen
	}
	f.PayloadLen = wire - 8
	end := wire
	if end > len(b) {
		end = len(b)
	}
	f.Payload = b[8:end]
}

// TruncatedPayload reports whether payload bytes are missing (snaplen).
func (f *Frame) TruncatedPayload() bool { return len(f.Payload) < f.PayloadLen }

func (f *Frame) SrcAddrPort() netip.AddrPort { return netip.AddrPortFrom(f.Src, f.SrcPort) }
func (f *Frame) DstAddrPort() netip.AddrPort { return netip.AddrPortFrom(f.Dst, f.DstPort) }
