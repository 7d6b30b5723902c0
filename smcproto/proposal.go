package smcproto

import (
	"encoding/binary"
	"net/netip"
)

// Fixed sizes of the Proposal areas (docs/smc-protocol.md section 4).
const (
	proposalBaseLen   = 40 // header + peer ID + GID + MAC + iparea_offset
	smcdAreaLen       = 40 // ISM GID, CHID, v2_ext_offset, reserved
	ipAreaFixedLen    = 8  // IPv4 prefix, length, reserved, IPv6 count
	ipv6PrefixLen     = 17 // 16-byte prefix + 1-byte length
	v2ExtFixedLen     = 40 // counts, flags, offsets, RoCEv2 GID, limits, reserved
	eidLen            = 32
	smcdV2ExtFixedLen = 48 // SEID + reserved
	ismGIDEntryLen    = 10 // 8-byte GID + 2-byte CHID
	maxIPv6Prefixes   = 8  // SMC_CLC_MAX_V6_PREFIX
	maxEIDs           = 8  // SMC_CLC_MAX_UEID (receiver limit)
	maxISMGIDs        = 8  // SMCD_CLC_MAX_V2_GID_ENTRIES
)

// Proposal is the CLC Proposal (type 1, client → server), docs/smc-protocol.md
// section 4:
//
//	 0..7    header (typev2 in flags bits 3-2, typev1 in bits 1-0)
//	 8..15   sender peer ID            16..31  preferred RoCE GID (v1)
//	32..37   preferred RoCE MAC (v1)   38..39  iparea_offset
//	40..79   SMC-D area (v2 always; v1 iff iparea_offset >= 40)
//	40+iparea_offset  IP prefix area (8 + 17n bytes, iff typev1 != N)
//	52+v2_ext_offset  v2 extension (40 + 32e bytes, iff v2 and typev2 != N)
//	  V+8+smcd_v2_ext_offset  SMC-Dv2 extension (48 + 10g, iff typev2 D or B)
//	last 4   trailer eyecatcher
//
// Decoded values never alias the input.
type Proposal struct {
	Header       Header
	PeerID       PeerID  // filled by Linux only when SMC-R v1 is offered
	GID          GID     // client's preferred RoCE GID (SMC-R v1), else zero
	MAC          [6]byte // client's preferred RoCE MAC (SMC-R v1)
	IPAreaOffset uint16  // the prefix area starts at 40 + IPAreaOffset
	// SMCDArea is the 40-byte area at offset 40: always present for header
	// version >= 2, for version 1 iff IPAreaOffset >= 40; nil when absent.
	SMCDArea *ProposalSMCDArea
	// HasIPArea is true iff the IP prefix area is present (TypeV1 != N).
	HasIPArea bool
	// IPv4Prefix is the IPv4 subnet of the outgoing interface; valid iff
	// HasIPArea (0.0.0.0/0 when the connection is IPv6).
	IPv4Prefix netip.Prefix
	// IPv6Prefixes lists the IPv6 prefixes (at most 8); valid iff HasIPArea.
	IPv6Prefixes []netip.Prefix
	// V2 is the v2 extension; nil unless Version >= 2 and TypeV2 != N.
	V2 *ProposalV2Ext
	// SMCDV2 is the SMC-Dv2 extension; nil unless V2 != nil and TypeV2 is
	// D or B.
	SMCDV2 *ProposalSMCDV2Ext
}

// ProposalSMCDArea is the SMC-D ("options") area of a Proposal, bytes 40-79.
type ProposalSMCDArea struct {
	ISMGID      uint64 // ISM GID of the SMC-D v1 device, zero if not offered
	CHID        uint16 // CHID of that ISM device (Linux >= 5.10)
	V2ExtOffset uint16 // the v2 extension starts at 52 + V2ExtOffset
}

// ProposalV2Ext is the v2 extension of a Proposal (section 4.4).
type ProposalV2Ext struct {
	// EIDCount is the eid_cnt byte; the encoder writes len(EIDs) instead.
	EIDCount uint8
	// ISMGIDCount is the ism_gid_cnt byte; when the SMC-Dv2 extension is
	// present the encoder writes len(SMCDV2.GIDs) instead.
	ISMGIDCount     uint8
	Release         uint8  // SMC release offered: 0 = v2.0, 1 = v2.1 (flags bits 7-4)
	SEIDValid       bool   // system EID indicator (flags bit 0)
	SMCDV2ExtOffset uint16 // the SMC-Dv2 extension starts at V + 8 + this
	RoCEv2GID       GID    // SMC-Rv2 GID (IPv4-mapped for IPv4)
	MaxConns        uint8  // v2.1: max connections per link group offered
	MaxLinks        uint8  // v2.1: max links per link group offered
	FeatureMask     uint16 // v2.1: bit 0 = virtual/emulated ISM support
	EIDs            []string
}

// ProposalSMCDV2Ext is the SMC-Dv2 extension of a Proposal (section 4.5).
type ProposalSMCDV2Ext struct {
	SEID string // system EID (trailing blanks/NULs trimmed), valid iff SEIDValid
	GIDs []ISMGIDEntry
}

// ISMGIDEntry is one SMC-Dv2 GID/CHID pair. An emulated ISM device
// (loopback-ism, CHID 0xFFFF) takes two entries: GID, then extended GID.
type ISMGIDEntry struct {
	GID  uint64
	CHID uint16
}

// Hdr returns the header.
func (p *Proposal) Hdr() Header { return p.Header }

// UnmarshalBinary decodes a Proposal from the first Header.Length bytes of b
// (see Decode for the rules). On error p holds what was decoded so far.
func (p *Proposal) UnmarshalBinary(b []byte) error { return p.unmarshal(b, nil) }

// unmarshal decodes into p; with s, the optional parts and lists are
// written into s's storage instead of new allocations (DecodeInto).
func (p *Proposal) unmarshal(b []byte, s *Scratch) error {
	*p = Proposal{}
	msg, err := message(&p.Header, b, TypeProposal, true)
	h := &p.Header
	if err != nil {
		return err
	}
	v2 := h.Version >= 2
	c := cursor{b: msg[:len(msg)-TrailerLen], ctx: "proposal"}
	c.seek(HeaderLen, "base")
	// The fixed-layout blocks are read at fixed offsets when they are
	// whole (cursor.fixed), field by field otherwise.
	if f := c.fixed(proposalBaseLen - HeaderLen); f != nil {
		copy(p.PeerID[:], f[0:8])
		copy(p.GID[:], f[8:24])
		copy(p.MAC[:], f[24:30])
		p.IPAreaOffset = binary.BigEndian.Uint16(f[30:32])
	} else {
		c.read(p.PeerID[:], "peer id")
		c.read(p.GID[:], "gid")
		c.read(p.MAC[:], "mac")
		p.IPAreaOffset = c.u16("iparea_offset")
	}
	end := proposalBaseLen
	if v2 || p.IPAreaOffset >= smcdAreaLen {
		var a *ProposalSMCDArea // new only without s: no allocation on DecodeInto's path
		if s != nil {
			s.area = ProposalSMCDArea{}
			a = &s.area
		} else {
			a = &ProposalSMCDArea{}
		}
		if f := c.fixed(smcdAreaLen); f != nil {
			a.ISMGID = binary.BigEndian.Uint64(f[0:8])
			a.CHID = binary.BigEndian.Uint16(f[8:10])
			a.V2ExtOffset = binary.BigEndian.Uint16(f[10:12])
		} else {
			a.ISMGID = c.u64("smc-d area")
			a.CHID = c.u16("smc-d area")
			a.V2ExtOffset = c.u16("smc-d area")
			c.skip(smcdAreaLen-12, "smc-d area")
		}
		if c.err != nil {
			return c.err
		}
		p.SMCDArea = a
		end = proposalBaseLen + smcdAreaLen
	}
	if PathType(h.Flags&3) != PathNone {
		ip := proposalBaseLen + int(p.IPAreaOffset)
		if ip < end {
			return malformed(38, "proposal: iparea_offset %d puts the ip prefix area at %d, inside the smc-d area (ends at %d)", p.IPAreaOffset, ip, end)
		}
		c.seek(ip, "ip prefix area")
		var v4 [4]byte
		c.read(v4[:], "ipv4 prefix")
		bits := c.u8("ipv4 prefix length")
		c.skip(2, "ip prefix area")
		nOff := c.off
		n := int(c.u8("ipv6 prefix count"))
		if c.err != nil {
			return c.err
		}
		if bits > 32 {
			return malformed(ip+4, "proposal: ipv4 prefix length %d exceeds 32", bits)
		}
		if n > maxIPv6Prefixes {
			return malformed(nOff, "proposal: ipv6 prefix count %d exceeds %d", n, maxIPv6Prefixes)
		}
		p.HasIPArea = true
		p.IPv4Prefix = netip.PrefixFrom(netip.AddrFrom4(v4), int(bits))
		var v6s []netip.Prefix
		if s != nil {
			v6s = s.v6[:0]
		}
		for i := 0; i < n; i++ {
			var v6 [16]byte
			c.read(v6[:], "ipv6 prefix")
			l := c.u8("ipv6 prefix length")
			if c.err != nil {
				return c.err
			}
			if l > 128 {
				return malformed(c.off-1, "proposal: ipv6 prefix %d length %d exceeds 128", i, l)
			}
			v6s = append(v6s, netip.PrefixFrom(netip.AddrFrom16(v6), int(l)))
		}
		if s != nil {
			s.v6 = v6s
		}
		if len(v6s) > 0 {
			p.IPv6Prefixes = v6s
		}
		end = c.off
	} else if !v2 {
		return malformed(7, "proposal: version 1 proposal offers no path (typev1 N)")
	}
	if v2 && PathType(h.Flags>>2&3) != PathNone {
		v := proposalBaseLen + 12 + int(p.SMCDArea.V2ExtOffset)
		if v < end {
			return malformed(50, "proposal: v2_ext_offset %d puts the v2 extension at %d, inside the preceding area (ends at %d)", p.SMCDArea.V2ExtOffset, v, end)
		}
		c.seek(v, "v2 extension")
		var x *ProposalV2Ext
		if s != nil {
			s.v2 = ProposalV2Ext{}
			x = &s.v2
		} else {
			x = &ProposalV2Ext{}
		}
		var fl uint8
		if f := c.fixed(v2ExtFixedLen); f != nil {
			x.EIDCount, x.ISMGIDCount, fl = f[0], f[1], f[3]
			x.SMCDV2ExtOffset = binary.BigEndian.Uint16(f[6:8])
			copy(x.RoCEv2GID[:], f[8:24])
			x.MaxConns, x.MaxLinks = f[24], f[25]
			x.FeatureMask = binary.BigEndian.Uint16(f[26:28])
		} else {
			x.EIDCount = c.u8("eid count")
			x.ISMGIDCount = c.u8("ism gid count")
			c.skip(1, "v2 extension")
			fl = c.u8("v2 extension flags")
			c.skip(2, "v2 extension")
			x.SMCDV2ExtOffset = c.u16("smcd_v2_ext_offset")
			c.read(x.RoCEv2GID[:], "rocev2 gid")
			x.MaxConns = c.u8("max conns")
			x.MaxLinks = c.u8("max links")
			x.FeatureMask = c.u16("feature mask")
			c.skip(12, "v2 extension")
		}
		x.Release = fl >> 4
		x.SEIDValid = fl&1 != 0
		if c.err != nil {
			return c.err
		}
		if x.EIDCount > maxEIDs {
			return malformed(v, "proposal: eid count %d exceeds %d", x.EIDCount, maxEIDs)
		}
		var eids []string
		if s != nil {
			eids = s.eids[:0]
		}
		for i := 0; i < int(x.EIDCount); i++ {
			old := ""
			if i < cap(eids) {
				old = eids[:cap(eids)][i] // the previous decode's text: reused when equal
			}
			e := c.textReuse(eidLen, "eid", old)
			if c.err != nil {
				return c.err
			}
			eids = append(eids, e)
		}
		if s != nil {
			s.eids = eids
		}
		if len(eids) > 0 {
			x.EIDs = eids
		}
		p.V2 = x
		end = c.off
		if PathType(h.Flags >> 2 & 3).HasD() {
			if x.ISMGIDCount > maxISMGIDs {
				return malformed(v+1, "proposal: ism gid count %d exceeds %d", x.ISMGIDCount, maxISMGIDs)
			}
			d := v + 8 + int(x.SMCDV2ExtOffset)
			if d < end {
				return malformed(v+6, "proposal: smcd_v2_ext_offset %d puts the smc-dv2 extension at %d, inside the v2 extension (ends at %d)", x.SMCDV2ExtOffset, d, end)
			}
			c.seek(d, "smc-dv2 extension")
			var y *ProposalSMCDV2Ext
			var gids []ISMGIDEntry
			if s != nil {
				old := s.smcdV2.SEID
				s.smcdV2 = ProposalSMCDV2Ext{}
				y = &s.smcdV2
				y.SEID = c.textReuse(eidLen, "seid", old)
				gids = s.gids[:0]
			} else {
				y = &ProposalSMCDV2Ext{}
				y.SEID = c.text(eidLen, "seid")
			}
			c.skip(16, "smc-dv2 extension")
			for i := 0; i < int(x.ISMGIDCount); i++ {
				var e ISMGIDEntry
				e.GID = c.u64("ism gid entry")
				e.CHID = c.u16("ism gid entry")
				if c.err != nil {
					return c.err
				}
				gids = append(gids, e)
			}
			if s != nil {
				s.gids = gids
			}
			if len(gids) > 0 {
				y.GIDs = gids
			}
			if c.err != nil {
				return c.err
			}
			p.SMCDV2 = y
			end = c.off
		}
	}
	if !v2 && int(h.Length) != end+TrailerLen {
		return malformed(5, "proposal: version 1 length %d, layout needs exactly %d", h.Length, end+TrailerLen)
	}
	return nil
}

// MarshalBinary encodes the Proposal. See AppendBinary.
func (p *Proposal) MarshalBinary() ([]byte, error) { return p.AppendBinary(nil) }

// AppendBinary appends the encoded Proposal to b. Header.Type and
// Header.Length are computed; a zero eyecatcher becomes SMCR. Which areas are
// written follows the header: the SMC-D area for version >= 2 or when
// SMCDArea != nil, the prefix area iff TypeV1 != N, the extensions per
// TypeV2. Offsets smaller than the Linux layout needs are raised to it
// (so zero means "Linux layout"); larger offsets leave zero-filled gaps.
// EIDCount and, with an SMC-Dv2 extension, ISMGIDCount are taken from the
// slice lengths.
func (p *Proposal) AppendBinary(b []byte) ([]byte, error) {
	h := p.Header
	v2 := h.Version >= 2
	var area ProposalSMCDArea
	hasArea := v2 || p.SMCDArea != nil
	if p.SMCDArea != nil {
		area = *p.SMCDArea
	}
	ipoff := int(p.IPAreaOffset)
	if !hasArea && ipoff >= smcdAreaLen {
		return b, encodeError("proposal: version 1 with IPAreaOffset %d >= 40 needs SMCDArea", ipoff)
	}
	end := proposalBaseLen
	if hasArea {
		end += smcdAreaLen
	}
	ipStart := -1
	if h.TypeV1() != PathNone {
		if hasArea && ipoff < smcdAreaLen {
			ipoff = smcdAreaLen
		}
		if len(p.IPv6Prefixes) > maxIPv6Prefixes {
			return b, encodeError("proposal: %d ipv6 prefixes exceed %d", len(p.IPv6Prefixes), maxIPv6Prefixes)
		}
		ipStart = proposalBaseLen + ipoff
		end = ipStart + ipAreaFixedLen + ipv6PrefixLen*len(p.IPv6Prefixes)
	} else if !v2 {
		return b, encodeError("proposal: version 1 proposal needs typev1 R, D or B")
	}
	v2Start, smcdStart := -1, -1
	var x ProposalV2Ext
	var y ProposalSMCDV2Ext
	if v2 && h.TypeV2() != PathNone {
		if p.V2 != nil {
			x = *p.V2
		}
		if len(x.EIDs) > maxEIDs {
			return b, encodeError("proposal: %d eids exceed %d", len(x.EIDs), maxEIDs)
		}
		off := int(area.V2ExtOffset)
		if min := end - (proposalBaseLen + 12); off < min {
			off = min
		}
		if off > 0xFFFF {
			return b, encodeError("proposal: v2_ext_offset %d exceeds 65535", off)
		}
		area.V2ExtOffset = uint16(off)
		v2Start = proposalBaseLen + 12 + off
		end = v2Start + v2ExtFixedLen + eidLen*len(x.EIDs)
		if h.TypeV2().HasD() {
			if p.SMCDV2 != nil {
				y = *p.SMCDV2
			}
			if len(y.GIDs) > maxISMGIDs {
				return b, encodeError("proposal: %d ism gids exceed %d", len(y.GIDs), maxISMGIDs)
			}
			x.ISMGIDCount = uint8(len(y.GIDs))
			soff := int(x.SMCDV2ExtOffset)
			if min := v2ExtFixedLen - 8 + eidLen*len(x.EIDs); soff < min {
				soff = min
			}
			if soff > 0xFFFF {
				return b, encodeError("proposal: smcd_v2_ext_offset %d exceeds 65535", soff)
			}
			x.SMCDV2ExtOffset = uint16(soff)
			smcdStart = v2Start + 8 + soff
			end = smcdStart + smcdV2ExtFixedLen + ismGIDEntryLen*len(y.GIDs)
		}
	}
	length := end + TrailerLen
	b, m := grow(b, length)
	if err := putHeader(m, h, TypeProposal, length, EyecatcherR); err != nil {
		return b[:len(b)-length], err
	}
	copy(m[8:16], p.PeerID[:])
	copy(m[16:32], p.GID[:])
	copy(m[32:38], p.MAC[:])
	binary.BigEndian.PutUint16(m[38:40], uint16(ipoff))
	if hasArea {
		binary.BigEndian.PutUint64(m[40:48], area.ISMGID)
		binary.BigEndian.PutUint16(m[48:50], area.CHID)
		binary.BigEndian.PutUint16(m[50:52], area.V2ExtOffset)
	}
	fail := func(err error) ([]byte, error) { return b[:len(b)-length], err }
	if ipStart >= 0 {
		a := m[ipStart:]
		if pf := p.IPv4Prefix; pf.IsValid() {
			if !pf.Addr().Is4() {
				return fail(encodeError("proposal: IPv4Prefix %v is not IPv4", pf))
			}
			v4 := pf.Addr().As4()
			copy(a[0:4], v4[:])
			a[4] = byte(pf.Bits())
		}
		a[7] = byte(len(p.IPv6Prefixes))
		for i, pf := range p.IPv6Prefixes {
			e := a[ipAreaFixedLen+i*ipv6PrefixLen:]
			if !pf.IsValid() || !pf.Addr().Is6() {
				return fail(encodeError("proposal: IPv6Prefixes[%d] %v is not a valid IPv6 prefix", i, pf))
			}
			v6 := pf.Addr().As16()
			copy(e[0:16], v6[:])
			e[16] = byte(pf.Bits())
		}
	}
	if v2Start >= 0 {
		a := m[v2Start:]
		a[0] = byte(len(x.EIDs))
		a[1] = x.ISMGIDCount
		a[3] = x.Release<<4 | boolBit(x.SEIDValid)
		binary.BigEndian.PutUint16(a[6:8], x.SMCDV2ExtOffset)
		copy(a[8:24], x.RoCEv2GID[:])
		a[24] = x.MaxConns
		a[25] = x.MaxLinks
		binary.BigEndian.PutUint16(a[26:28], x.FeatureMask)
		for i, s := range x.EIDs {
			if err := putText(a[v2ExtFixedLen+i*eidLen:][:eidLen], s, "eid"); err != nil {
				return fail(err)
			}
		}
	}
	if smcdStart >= 0 {
		a := m[smcdStart:]
		if err := putText(a[:eidLen], y.SEID, "seid"); err != nil {
			return fail(err)
		}
		for i, e := range y.GIDs {
			g := a[smcdV2ExtFixedLen+i*ismGIDEntryLen:]
			binary.BigEndian.PutUint64(g[0:8], e.GID)
			binary.BigEndian.PutUint16(g[8:10], e.CHID)
		}
	}
	return b, nil
}

func boolBit(v bool) uint8 {
	if v {
		return 1
	}
	return 0
}
