package decode

// The decoder as it was before the issue-14 CPU work, kept verbatim as the
// oracle of TestDecodeEquivalent and FuzzDecodeEquivalent: the optimised
// Decode must fill every field of Frame exactly as this one does.

import (
	"encoding/binary"
	"net/netip"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

var _ = netip.Addr{}

// refDecode fills f from data of link type lt.
func refDecode(lt pcapfile.LinkType, data []byte, f *Frame) {
	*f = Frame{SLLPkt: -1}
	var et uint16
	var rest []byte
	switch lt {
	case pcapfile.LinkTypeEthernet:
		if len(data) < 14 {
			f.Status, f.Reason = StatusTruncated, "ethernet header"
			return
		}
		f.HasMAC = true
		copy(f.DstMAC[:], data[0:6])
		copy(f.SrcMAC[:], data[6:12])
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
			copy(f.SrcMAC[:], data[6:12])
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
		f.Status, f.Reason = StatusUnsupported, "link type "+lt.String()
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
	// 802.3 LLC and SNAP came after the CPU work too: the step is
	// Decode's own (llc, tested by TestDecodeLLC).
	// Linux cooked captures' 802.2 (protocol 4, a length behind a VLAN
	// tag) too.
	sllLLC := (lt == pcapfile.LinkTypeLinuxSLL || lt == pcapfile.LinkTypeLinuxSLL2) && (et == 0x0004 || f.NVLAN > 0 && et <= 1500)
	if (et <= 1500 || et == 0x8870) && lt == pcapfile.LinkTypeEthernet || sllLLC {
		f.LLCOff, f.Len8023 = f.L2Len, int(et)
		if et == 0x8870 || sllLLC {
			f.Len8023 = -1
		} else if int(et) < len(rest) {
			data = data[:len(data)-len(rest)+int(et)]
			rest = rest[:et]
		}
		if rest, et = llc(rest, f); f.Status != StatusOK {
			return
		}
		f.EtherType = et
		f.L2Len = len(data) - len(rest)
	}
	// PPPoE and MPLS came after the CPU work: the step is Decode's own
	// (shims, tested by TestDecodeShims); what follows stays the oracle.
	if et == 0x8864 || et == 0x8847 || et == 0x8848 {
		if rest, et = shims(rest, et, f); f.Status != StatusOK {
			return
		}
		f.EtherType = et
	}
	f.NetOff = len(data) - len(rest)
	switch et {
	case 0x0800:
		refDecodeIPv4(rest, f)
	case 0x86DD:
		refDecodeIPv6(rest, f)
	default:
		f.Status, f.Reason = StatusUnsupported, "ethertype"
		return
	}
	if f.Status != StatusOK || f.L4 == nil {
		return
	}
	if f.Fragment && f.FragOff != 0 {
		return // not the first fragment: no transport header
	}
	switch f.Proto {
	case ProtoTCP:
		refDecodeTCP(f)
	case ProtoUDP:
		refDecodeUDP(f)
	}
}

func refDecodeIPv4(b []byte, f *Frame) {
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

func refDecodeIPv6(b []byte, f *Frame) {
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
			break walk // the fragmentable part follows (RFC 8200 4.5)
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

func refDecodeTCP(f *Frame) {
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

func refDecodeUDP(f *Frame) {
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
