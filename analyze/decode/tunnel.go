package decode

import (
	"encoding/binary"
	"net/netip"

	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/mix"
)

// Tunnels: a capture taken on the underlay of an overlay network (VXLAN,
// Geneve), on a GRE or IP-in-IP path, or on a collector of switch mirror
// sessions (ERSPAN) carries the traffic of interest one header deeper.
// Decapsulate finds the frame inside; DecodeInner decodes through every
// layer, so that the trackers see the SMC handshakes and multicast streams
// inside, while the Frame remembers the outermost tunnel (docs/tunnels.md).

// Tunnel kinds.
const (
	TunnelNone     = iota
	TunnelVXLAN    // RFC 7348, UDP 4789 or 8472 (the Linux kernel's default)
	TunnelVXLANGPE // VXLAN Generic Protocol Extension, UDP 4790
	TunnelGeneve   // RFC 8926, UDP 6081
	TunnelGRE      // RFC 2784/2890, IP protocol 47 (IP, or Ethernet: gretap, NVGRE)
	TunnelERSPAN1  // GRE 0x88be without a sequence number: no ERSPAN header
	TunnelERSPAN2  // GRE 0x88be with a sequence number: ERSPAN type II
	TunnelERSPAN3  // GRE 0x22eb: ERSPAN type III
	TunnelIPIP     // IP protocol 4 (IPv4 inside) or 41 (IPv6 inside)
	// NumTunnelKinds is the number of kinds, TunnelNone included.
	NumTunnelKinds
)

// MaxTunnelDepth bounds the tunnel headers DecodeInner removes from one
// frame (a tunnel inside a tunnel is real: VXLAN over GRE; a loop of
// headers is not).
const MaxTunnelDepth = 4

// UDP ports of the tunnels opened.
const (
	PortVXLAN      = 4789
	PortVXLANLinux = 8472 // Linux's default VXLAN port (iproute2 "dstport 0"); OTV uses it too
	PortVXLANGPE   = 4790
	PortGeneve     = 6081
)

var tunnelNames = [...]string{
	TunnelNone:     "",
	TunnelVXLAN:    "VXLAN",
	TunnelVXLANGPE: "VXLAN-GPE",
	TunnelGeneve:   "Geneve",
	TunnelGRE:      "GRE",
	TunnelERSPAN1:  "ERSPAN type I",
	TunnelERSPAN2:  "ERSPAN type II",
	TunnelERSPAN3:  "ERSPAN type III",
	TunnelIPIP:     "IP-in-IP",
}

// TunnelName is the name of a tunnel kind.
func TunnelName(kind uint8) string {
	if int(kind) < len(tunnelNames) {
		return tunnelNames[kind]
	}
	return "tunnel"
}

// Tunnel is one tunnel header: what it is, its outer addresses and its
// identifier.
type Tunnel struct {
	Kind             uint8
	HasID            bool   // ID is meaningful
	Port             uint16 // outer UDP destination port (UDP tunnels)
	ID               uint32 // VNI (VXLAN, Geneve), GRE key, ERSPAN session ID
	OuterSrc         netip.Addr
	OuterDst         netip.Addr
	HeaderLen        int    // tunnel header bytes after the outer IP or UDP header
	GREFlags         uint16 // GRE: the flags and version word
	GREProto         uint16 // GRE: protocol type
	GRESeq           uint32 // GRE: sequence number, when present
	Flags            uint8  // VXLAN, VXLAN-GPE: the flags byte; Geneve: the O and C bits
	Reserved         uint32 // VXLAN: the 24 bits after the flags (OTV's overlay ID on port 8472)
	Options          []byte // Geneve: the options
	NextProto        uint8  // VXLAN-GPE: next protocol
	GeneveOptLen     int    // Geneve: option bytes
	GeneveProto      uint16 // Geneve: protocol type
	ERSPANHwID       uint8  // ERSPAN III
	ERSPANDir        uint8  // ERSPAN III: D bit (0 ingress, 1 egress)
	ERSPANVLAN       uint16 // ERSPAN II/III: original VLAN
	ERSPANTimestamp  uint32 // ERSPAN III
	ERSPANFrameType  uint8  // ERSPAN III: 0 Ethernet, 2 IP
	ERSPANPlatformSH bool   // ERSPAN III: an 8-byte platform sub-header follows
}

// Inner is the frame a tunnel packet carries.
type Inner struct {
	LinkType pcapfile.LinkType // Ethernet, or raw IP
	Data     []byte            // the captured bytes of the inner frame
	WireLen  int               // its length on the wire (Data may be cut by the snaplen)
	Tunnel   Tunnel
	// Cut: Decapsulate returned false because the captured bytes end
	// inside what the port or protocol says is a tunnel header.
	Cut bool
}

// TunnelPort reports whether UDP datagrams to port are opened as tunnels
// (VXLAN on 4789 and 8472, VXLAN-GPE, Geneve).
func TunnelPort(port uint16) bool {
	switch port {
	case PortVXLAN, PortVXLANLinux, PortVXLANGPE, PortGeneve:
		return true
	}
	return false
}

// isTunnel is the quick test of every decoded frame: whether f may be a
// tunnel packet (its protocol or UDP port is one of a tunnel's).
func isTunnel(f *Frame) bool {
	switch f.Proto {
	case 47, 4, 41:
		return true
	case ProtoUDP:
		return TunnelPort(f.DstPort)
	}
	return false
}

// Decapsulate returns the frame inside the tunnel packet f (decoded with
// Decode), or false when f is not one: not a tunnel this package opens, a
// fragment (its inner frame is split), or a tunnel header that is cut or
// impossible (then f stays the outer packet, as tcpdump prints it).
func Decapsulate(f *Frame) (in Inner, ok bool) {
	return decapsulate(f, false)
}

// DecapsulateAny is Decapsulate for printing: a VXLAN (and OTV) header is
// taken whatever its flags and reserved bits say, as tcpdump's
// vxlan_print and otv_print do. The analysis keeps Decapsulate's stricter
// test (the I flag set, the reserved bits clear), which keeps datagrams
// that merely use the port out of its tunnel statistics.
func DecapsulateAny(f *Frame) (in Inner, ok bool) {
	return decapsulate(f, true)
}

func decapsulate(f *Frame, any bool) (in Inner, ok bool) {
	if f.Status != StatusOK || f.Fragment || !isTunnel(f) {
		return in, false
	}
	t := &in.Tunnel
	t.OuterSrc, t.OuterDst = f.Src, f.Dst
	var b []byte
	var wire int
	switch f.Proto {
	case ProtoUDP:
		b, wire = f.Payload, f.PayloadLen
		t.Port = f.DstPort
		switch f.DstPort {
		case PortVXLAN, PortVXLANLinux:
			// flags (I = 0x08: the VNI is valid), 24 reserved bits, VNI,
			// 8 reserved bits; Ethernet inside.
			// The other flag bits are reserved but for VXLAN-GBP's G
			// (0x80), and the last byte is reserved: a datagram to the
			// port that is not VXLAN is left as it is.
			if len(b) < 8 {
				in.Cut = wire >= 8
				return in, false
			}
			if !any && (b[0]&0x08 == 0 || b[0]&0x77 != 0 || b[7] != 0) {
				return in, false
			}
			t.Kind, t.HasID, t.Flags = TunnelVXLAN, true, b[0]
			t.Reserved = binary.BigEndian.Uint32(b) & 0x00ffffff
			t.ID = binary.BigEndian.Uint32(b[4:]) >> 8
			t.HeaderLen = 8
			in.LinkType = pcapfile.LinkTypeEthernet
		case PortVXLANGPE:
			// flags (version in 0x30, I 0x08, P 0x04: next protocol
			// present), 16 reserved bits, next protocol, VNI, reserved.
			if len(b) < 8 {
				in.Cut = wire >= 8
				return in, false
			}
			if b[0]&0x30 != 0 || b[7] != 0 {
				return in, false
			}
			t.Kind, t.Flags, t.NextProto = TunnelVXLANGPE, b[0], b[3]
			t.HasID = b[0]&0x08 != 0
			t.ID = binary.BigEndian.Uint32(b[4:]) >> 8
			t.HeaderLen = 8
			np := byte(3) // no next protocol: Ethernet
			if b[0]&0x04 != 0 {
				np = b[3]
			}
			switch np {
			case 1, 2:
				in.LinkType = pcapfile.LinkTypeRaw
			case 3:
				in.LinkType = pcapfile.LinkTypeEthernet
			default:
				return in, false // NSH, MPLS: not opened
			}
		case PortGeneve:
			// version (2 bits, 0), option length (6 bits, 4-byte words),
			// O and C flags, protocol type, VNI, reserved, options.
			if len(b) < 8 {
				in.Cut = wire >= 8
				return in, false
			}
			if b[0]>>6 != 0 {
				return in, false
			}
			t.Kind, t.HasID = TunnelGeneve, true
			t.Flags = b[1] & 0xc0
			t.GeneveOptLen = int(b[0]&0x3f) * 4
			t.GeneveProto = binary.BigEndian.Uint16(b[2:])
			t.ID = binary.BigEndian.Uint32(b[4:]) >> 8
			t.HeaderLen = 8 + t.GeneveOptLen
			if len(b) >= t.HeaderLen {
				t.Options = b[8:t.HeaderLen]
			}
			switch t.GeneveProto {
			case 0x6558:
				in.LinkType = pcapfile.LinkTypeEthernet
			case 0x0800, 0x86DD:
				in.LinkType = pcapfile.LinkTypeRaw
			default:
				return in, false
			}
		}
	case 47:
		b, wire = f.L4, f.L4WireLen
		if !greHeader(b, t, &in) {
			// Too few bytes captured to tell: cut (a GRE header and an
			// ERSPAN header are at most 36 bytes).
			in.Cut = len(b) < wire && len(b) < 36
			return in, false
		}
	case 4, 41:
		b, wire = f.L4, f.L4WireLen
		t.Kind = TunnelIPIP
		in.LinkType = pcapfile.LinkTypeIPv4
		if f.Proto == 41 {
			in.LinkType = pcapfile.LinkTypeIPv6
		}
	}
	if len(b) < t.HeaderLen || wire < t.HeaderLen {
		in.Cut = wire >= t.HeaderLen // the tunnel header is cut by the snaplen
		return in, false
	}
	in.Data, in.WireLen = b[t.HeaderLen:], wire-t.HeaderLen
	return in, true
}

// greHeader parses a GRE header (and an ERSPAN header after it) into t and
// sets in's link type; false when it is not one this package opens.
func greHeader(b []byte, t *Tunnel, in *Inner) bool {
	if len(b) < 4 {
		return false
	}
	fl := binary.BigEndian.Uint16(b)
	// Version 0 only (1 is PPTP's enhanced GRE, PPP inside); no RFC 1701
	// source routing.
	if fl&0x0007 != 0 || fl&0x4000 != 0 {
		return false
	}
	t.Kind, t.GREFlags = TunnelGRE, fl
	t.GREProto = binary.BigEndian.Uint16(b[2:])
	n := 4
	if fl&0x8000 != 0 { // checksum present (with the reserved word)
		n += 4
	}
	if fl&0x2000 != 0 { // key present
		if len(b) < n+4 {
			return false
		}
		t.ID, t.HasID = binary.BigEndian.Uint32(b[n:]), true
		n += 4
	}
	seq := fl&0x1000 != 0
	if seq {
		if len(b) < n+4 {
			return false
		}
		t.GRESeq = binary.BigEndian.Uint32(b[n:])
		n += 4
	}
	t.HeaderLen = n
	switch t.GREProto {
	case 0x0800, 0x86DD:
		in.LinkType = pcapfile.LinkTypeRaw
	case 0x6558: // transparent Ethernet bridging: gretap, NVGRE
		in.LinkType = pcapfile.LinkTypeEthernet
	case 0x88BE:
		in.LinkType = pcapfile.LinkTypeEthernet
		if !seq {
			t.Kind = TunnelERSPAN1 // no ERSPAN header
			t.HasID = false
			break
		}
		// ERSPAN type II: version (4 bits, 1), VLAN (12), COS (3),
		// encapsulation (2), truncated (1), session ID (10), reserved
		// (12), index (20).
		if len(b) < n+8 || b[n]>>4 != 1 {
			return false
		}
		t.Kind = TunnelERSPAN2
		t.ERSPANVLAN = binary.BigEndian.Uint16(b[n:]) & 0x0fff
		t.ID, t.HasID = uint32(binary.BigEndian.Uint16(b[n+2:])&0x03ff), true
		t.HeaderLen = n + 8
	case 0x22EB:
		// ERSPAN type III: version (4 bits, 2), VLAN (12), COS (3), BSO
		// (2), T (1), session ID (10); time stamp (32); SGT (16), P (1),
		// frame type (5), hardware ID (6), direction (1), granularity
		// (2), O (1: an 8-byte platform-specific sub-header follows).
		if len(b) < n+12 || b[n]>>4 != 2 {
			return false
		}
		t.Kind = TunnelERSPAN3
		t.ERSPANVLAN = binary.BigEndian.Uint16(b[n:]) & 0x0fff
		t.ID, t.HasID = uint32(binary.BigEndian.Uint16(b[n+2:])&0x03ff), true
		t.ERSPANTimestamp = binary.BigEndian.Uint32(b[n+4:])
		w := binary.BigEndian.Uint16(b[n+10:])
		t.ERSPANFrameType = uint8(w>>10) & 0x1f
		t.ERSPANHwID = uint8(w>>4) & 0x3f
		t.ERSPANDir = uint8(w>>3) & 1
		t.ERSPANPlatformSH = w&1 != 0
		t.HeaderLen = n + 12
		if t.ERSPANPlatformSH {
			t.HeaderLen += 8
		}
		switch t.ERSPANFrameType {
		case 0:
			in.LinkType = pcapfile.LinkTypeEthernet
		case 2:
			in.LinkType = pcapfile.LinkTypeRaw
		default:
			return false
		}
	default:
		return false // MPLS, PPP, ...: not opened
	}
	return true
}

// DecodeInner decodes data of link type lt into f like Decode, then
// removes up to MaxTunnelDepth tunnel headers: f describes the innermost
// frame, f.Tunnel the outermost tunnel (with how many were removed),
// f.Zone the address space of the tunnels and f.Data the inner frame's
// bytes. An inner frame cut by the snaplen is StatusTruncated, as any
// frame, and so is a tunnel header cut by it. A tunnel whose inner frame
// is malformed is not opened (the frame stays the packet around it): a
// datagram to a tunnel port that is not a tunnel packet is analyzed as
// what it is.
func DecodeInner(lt pcapfile.LinkType, data []byte, f *Frame) {
	Decode(lt, data, f)
	if f.Status != StatusOK || !isTunnel(f) {
		return
	}
	var outer Tunnel
	var zone uint64
	depth := 0
	for depth < MaxTunnelDepth {
		in, ok := Decapsulate(f)
		if !ok {
			if in.Cut {
				f.Status, f.Reason = StatusTruncated, "tunnel header cut by the snaplen"
			}
			break
		}
		Decode(in.LinkType, in.Data, f)
		if f.Status == StatusMalformed {
			// Not what the port or protocol said: the packet around it
			// is the frame (decoded again: f was overwritten).
			Decode(lt, data, f)
			break
		}
		if depth == 0 {
			outer = in.Tunnel
		}
		zone = layerZone(zone, &in)
		lt, data = in.LinkType, in.Data
		depth++
	}
	if depth > 0 {
		f.Tunnel = TunnelRef{Kind: outer.Kind, Depth: uint8(depth), HasID: outer.HasID, Port: outer.Port, ID: outer.ID, Src: outer.OuterSrc, Dst: outer.OuterDst}
		f.Zone = zone
		f.Data = data
	}
}

// LayerZone is layerZone, for callers that open tunnels layer by layer
// (the packet printer): the zone of the frame inside in, around which the
// zone is prev.
func LayerZone(prev uint64, in *Inner) uint64 { return layerZone(prev, in) }

// layerZone folds one tunnel layer into the zone of the layers around it
// (prev; 0 for the outermost): its kind, UDP port, the ID that separates
// address spaces and its two outer addresses in either order, so that both
// directions of a flow are one zone. The ID is the VNI (VXLAN, Geneve),
// the ERSPAN session, and for GRE the VSID of an Ethernet payload (the key
// without NVGRE's 8-bit flow ID); the key of GRE carrying IP is left out,
// since Linux tunnels may use a different key each way (ikey, okey). Never 0.
func layerZone(prev uint64, in *Inner) uint64 {
	t := &in.Tunnel
	a, b := t.OuterSrc.As16(), t.OuterDst.As16()
	if t.OuterSrc.Compare(t.OuterDst) > 0 {
		a, b = b, a
	}
	w := uint64(t.Kind)<<56 | uint64(t.Port)<<40
	switch {
	case t.Kind == TunnelGRE && in.LinkType == pcapfile.LinkTypeEthernet:
		if t.HasID {
			w |= 1<<32 | uint64(t.ID>>8)
		}
	case t.Kind == TunnelGRE:
	case t.HasID:
		w |= 1<<32 | uint64(t.ID)
	}
	return max(mix.Hash5(binary.BigEndian.Uint64(a[:8])^mix.Mix64(prev), binary.BigEndian.Uint64(a[8:]),
		binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]), w), 1)
}

// openLayer removes the tunnel header of f and decodes the frame inside
// into f; false when f is not a tunnel packet, or the frame inside is
// malformed (not opened, as in DecodeInner).
func openLayer(f *Frame) (Inner, bool) {
	in, ok := Decapsulate(f)
	if !ok {
		return in, false
	}
	Decode(in.LinkType, in.Data, f)
	return in, f.Status != StatusMalformed
}

// Layers calls fn with each tunnel layer around the frame data (link
// type lt) that DecodeInner removes, from the outermost in: the tunnel and
// the frame inside it. f is scratch.
func Layers(lt pcapfile.LinkType, data []byte, f *Frame, fn func(in *Inner)) {
	Decode(lt, data, f)
	if f.Status != StatusOK || !isTunnel(f) {
		return
	}
	for depth := 0; depth < MaxTunnelDepth; depth++ {
		in, ok := openLayer(f)
		if !ok {
			return
		}
		fn(&in)
	}
}

// Innermost returns the frame inside the tunnels of data (link type lt),
// as DecodeInner opens them (its Tunnel is the innermost one); ok is false
// when data is not a tunnel frame. f is scratch.
func Innermost(lt pcapfile.LinkType, data []byte, f *Frame) (in Inner, ok bool) {
	Decode(lt, data, f)
	if f.Status != StatusOK || !isTunnel(f) {
		return in, false
	}
	for depth := 0; depth < MaxTunnelDepth; depth++ {
		next, more := openLayer(f)
		if !more {
			break
		}
		in, ok = next, true
	}
	return in, ok
}

// TunnelRef is what a Frame keeps of the outermost tunnel DecodeInner
// removed (Kind TunnelNone: none).
type TunnelRef struct {
	Kind     uint8
	Depth    uint8 // tunnel headers removed
	HasID    bool
	Port     uint16 // outer UDP destination port (UDP tunnels)
	ID       uint32 // VNI, GRE key or ERSPAN session ID
	Src, Dst netip.Addr
}
