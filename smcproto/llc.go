package smcproto

import (
	"encoding/binary"
	"strconv"
)

// LLCType is an SMC-R LLC message type (docs/smc-protocol.md section 9.1), in its
// v1 numbering; LLC.Version tells whether the wire used the v2 form 0x2X.
type LLCType uint8

// LLC message types.
const (
	LLCConfirmLink     LLCType = 0x01
	LLCAddLink         LLCType = 0x02
	LLCAddLinkCont     LLCType = 0x03
	LLCDeleteLink      LLCType = 0x04
	LLCReqAddLink      LLCType = 0x05
	LLCConfirmRKey     LLCType = 0x06
	LLCTestLink        LLCType = 0x07
	LLCConfirmRKeyCont LLCType = 0x08
	LLCDeleteRKey      LLCType = 0x09
	LLCCDC             LLCType = 0xFE // CDC message, not LLC proper
)

var llcNames = map[LLCType]string{
	LLCConfirmLink: "CONFIRM_LINK", LLCAddLink: "ADD_LINK", LLCAddLinkCont: "ADD_LINK_CONT",
	LLCDeleteLink: "DELETE_LINK", LLCReqAddLink: "REQ_ADD_LINK", LLCConfirmRKey: "CONFIRM_RKEY",
	LLCTestLink: "TEST_LINK", LLCConfirmRKeyCont: "CONFIRM_RKEY_CONT", LLCDeleteRKey: "DELETE_RKEY",
	LLCCDC: "CDC",
}

// String returns the kernel-style name ("CONFIRM_LINK", …, "CDC"), or
// "LLCType(0xNN)".
func (t LLCType) String() string {
	if s, ok := llcNames[t]; ok {
		return s
	}
	return "LLCType(0x" + strconv.FormatUint(uint64(t), 16) + ")"
}

// LLC flag bits (byte 3).
const (
	LLCFlagResponse = 0x80 // all types: this is a response
	LLCFlagNoRMBEEC = 0x03 // CONFIRM_LINK: "no RMBE eyecatcher" bits Linux requires
	LLCFlagRejected = 0x40 // ADD_LINK: rejected
	LLCFlagDelAll   = 0x40 // DELETE_LINK: all links
	LLCFlagOrderly  = 0x20 // DELETE_LINK: orderly
)

const (
	llcLenV1    = 44
	llcMaxLenV2 = 8192
)

// llcV2Types are the types allowed in the v2 form (Wireshark heuristic,
// docs/smc-protocol.md section 14).
func llcV2Type(t LLCType) bool {
	switch t {
	case LLCConfirmLink, LLCAddLink, LLCDeleteLink, LLCReqAddLink, LLCConfirmRKey, LLCTestLink, LLCDeleteRKey:
		return true
	}
	return false
}

func llcV1Type(t LLCType) bool { return (t >= LLCConfirmLink && t <= LLCDeleteRKey) || t == LLCCDC }

// LLC is one SMC-R LLC or CDC message, the payload of an RC SEND on the
// link's queue pair (after the 12-byte BTH, without pad bytes and ICRC),
// docs/smc-protocol.md section 9:
//
//	byte 0  type (v2: 0x20 | type)   byte 1  length 44 (v2: bytes 1-2 = length)
//	byte 2  v1: ADD_LINK reject reason (low nibble)   byte 3  flags (0x80 response)
//	4..     type-specific
//
// Decoded values never alias the input.
type LLC struct {
	Type    LLCType
	Version uint8 // 1, or 2 for the SMC-Rv2 form (type 0x2X, 16-bit length)
	Length  int   // 44 for v1; 44..8192 for v2
	// LengthLE is set when a v2 length was little-endian. Wireshark reads it
	// big-endian, but Linux stores its u16 length_v2 in host order: the lab's
	// Linux 6.12 x86 captures carry 2c 00 for 44 (and Wireshark 4.0 does not
	// recognise those messages). Both byte orders are accepted.
	LengthLE bool
	Response bool  // Flags & 0x80
	Flags    uint8 // byte 3 (0 for CDC)

	// CONFIRM_LINK (and the same fields of ADD_LINK).
	MAC        [6]byte
	GID        GID
	QPN        uint32 // 24 bit
	LinkNum    uint8  // also DELETE_LINK's link number
	LinkUserID uint32 // CONFIRM_LINK only
	MaxLinks   uint8  // CONFIRM_LINK only
	MaxConns   uint8  // CONFIRM_LINK only: byte 35, SMC v2.1 max connections per link group

	// DELETE_LINK reason: 0x00010000 lost path, 0x00020000 operator,
	// 0x00030000 program, 0x00040000 LLC protocol violation, 0x00050000
	// asymmetric link not needed, 0x00100000 no such link, 0x00200000 no
	// such link group.
	Reason uint32

	// CDC is set for Type 0xFE.
	CDC *CDC
}

// CDC is the connection data control message (type 0xFE, 44 bytes,
// section 9.2): cursor updates for one SMC-R connection.
type CDC struct {
	Seq       uint16
	Token     uint32 // connection token = RMBE alert token of Accept/Confirm
	ProdWrap  uint16
	ProdCount uint32
	ConsWrap  uint16
	ConsCount uint32
	ProdFlags uint8 // 0x80 write blocked, 0x40 urgent pending, 0x20 urgent present, 0x10 cons update requested, 0x08 failover validation
	ConnFlags uint8 // 0x80 peer done writing, 0x40 peer closed, 0x20 abnormal close
}

// DecodeLLC decodes an LLC or CDC message. It applies Wireshark's
// InfiniBand-payload heuristic (docs/smc-protocol.md section 14): v1 when byte 0 is
// 0x01…0x09 or 0xFE and byte 1 is 44; v2 when byte 0 is 0x21, 0x22,
// 0x24…0x27 or 0x29 with a 16-bit length; the length must equal len(b).
// Anything else is ErrMalformed ("not plausibly LLC"). A plausible header
// with fewer bytes than its length gives ErrTruncated. b must not include the
// BTH, pad bytes or the 4-byte ICRC.
func DecodeLLC(b []byte) (*LLC, error) {
	l := new(LLC)
	if err := l.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return l, nil
}

// UnmarshalBinary decodes b into l; see DecodeLLC.
func (l *LLC) UnmarshalBinary(b []byte) error {
	*l = LLC{}
	if len(b) < 2 {
		return malformed(0, "llc: %d bytes are too short for an LLC header", len(b))
	}
	t0 := b[0]
	switch {
	case llcV1Type(LLCType(t0)):
		if b[1] != llcLenV1 {
			return malformed(1, "llc: type 0x%02x with length %d, v1 messages are %d bytes", t0, b[1], llcLenV1)
		}
		l.Version, l.Type, l.Length = 1, LLCType(t0), llcLenV1
		if len(b) < llcLenV1 {
			return truncated(len(b), "llc: %v needs %d bytes, have %d", l.Type, llcLenV1, len(b))
		}
		if len(b) > llcLenV1 {
			return malformed(llcLenV1, "llc: %d bytes after a %d-byte %v (pass the payload without pad and ICRC)", len(b)-llcLenV1, llcLenV1, l.Type)
		}
	case t0>>4 == 2 && llcV2Type(LLCType(t0&0x0F)):
		l.Version, l.Type = 2, LLCType(t0&0x0F)
		if len(b) < 3 {
			return truncated(len(b), "llc: v2 %v needs a 16-bit length", l.Type)
		}
		be := int(binary.BigEndian.Uint16(b[1:3]))
		le := int(binary.LittleEndian.Uint16(b[1:3]))
		switch {
		case be == len(b):
			l.Length = be
		case le == len(b):
			l.Length, l.LengthLE = le, true
		case be > len(b) && be <= llcMaxLenV2:
			return truncated(len(b), "llc: v2 %v length %d, have %d bytes", l.Type, be, len(b))
		default:
			return malformed(1, "llc: v2 %v length field %d (or %d little-endian) does not match the %d-byte payload", l.Type, be, le, len(b))
		}
		if l.Length < llcLenV1 || l.Length > llcMaxLenV2 {
			return malformed(1, "llc: v2 %v length %d outside %d..%d", l.Type, l.Length, llcLenV1, llcMaxLenV2)
		}
	default:
		return malformed(0, "llc: byte 0 (0x%02x) is not an LLC/CDC type", t0)
	}
	c := cursor{b: b[:l.Length], ctx: "llc", off: 3}
	if l.Type == LLCCDC {
		d := &CDC{}
		c.off = 2
		d.Seq = c.u16("cdc sequence")
		d.Token = c.u32("cdc token")
		c.skip(2, "cdc producer cursor")
		d.ProdWrap = c.u16("cdc producer wrap")
		d.ProdCount = c.u32("cdc producer count")
		c.skip(2, "cdc consumer cursor")
		d.ConsWrap = c.u16("cdc consumer wrap")
		d.ConsCount = c.u32("cdc consumer count")
		d.ProdFlags = c.u8("cdc producer flags")
		d.ConnFlags = c.u8("cdc connection flags")
		l.CDC = d
		return c.err
	}
	l.Flags = c.u8("flags")
	l.Response = l.Flags&LLCFlagResponse != 0
	switch l.Type {
	case LLCConfirmLink:
		c.read(l.MAC[:], "sender mac")
		c.read(l.GID[:], "sender gid")
		l.QPN = c.u24("sender qp number")
		l.LinkNum = c.u8("link number")
		l.LinkUserID = c.u32("link user id")
		l.MaxLinks = c.u8("max links")
		l.MaxConns = c.u8("max conns")
	case LLCAddLink:
		c.read(l.MAC[:], "sender mac")
		c.skip(2, "reserved")
		c.read(l.GID[:], "sender gid")
		l.QPN = c.u24("sender qp number")
		l.LinkNum = c.u8("link number")
	case LLCDeleteLink:
		l.LinkNum = c.u8("link number")
		l.Reason = c.u32("reason")
	}
	return c.err
}

// MarshalBinary encodes l; see AppendBinary.
func (l *LLC) MarshalBinary() ([]byte, error) { return l.AppendBinary(nil) }

// AppendBinary appends the encoded message: 44 bytes for Version 1 (or 0),
// max(Length, 44) bytes for Version 2. The flags byte is Flags plus 0x80 when
// Response is set. Fields not used by the type are not written.
func (l *LLC) AppendBinary(b []byte) ([]byte, error) {
	n := llcLenV1
	switch l.Version {
	case 0, 1:
		if !llcV1Type(l.Type) {
			return b, encodeError("llc: type 0x%02x is not a v1 LLC/CDC type", uint8(l.Type))
		}
	case 2:
		if !llcV2Type(l.Type) {
			return b, encodeError("llc: type 0x%02x has no v2 form", uint8(l.Type))
		}
		if l.Length > llcMaxLenV2 {
			return b, encodeError("llc: v2 length %d exceeds %d", l.Length, llcMaxLenV2)
		}
		n = max(l.Length, llcLenV1)
	default:
		return b, encodeError("llc: version %d is not 1 or 2", l.Version)
	}
	b, m := grow(b, n)
	if l.Version == 2 {
		m[0] = 0x20 | byte(l.Type)
		if l.LengthLE {
			binary.LittleEndian.PutUint16(m[1:3], uint16(n))
		} else {
			binary.BigEndian.PutUint16(m[1:3], uint16(n))
		}
	} else {
		m[0], m[1] = byte(l.Type), llcLenV1
	}
	if l.Type == LLCCDC {
		d := CDC{}
		if l.CDC != nil {
			d = *l.CDC
		}
		binary.BigEndian.PutUint16(m[2:4], d.Seq)
		binary.BigEndian.PutUint32(m[4:8], d.Token)
		binary.BigEndian.PutUint16(m[10:12], d.ProdWrap)
		binary.BigEndian.PutUint32(m[12:16], d.ProdCount)
		binary.BigEndian.PutUint16(m[18:20], d.ConsWrap)
		binary.BigEndian.PutUint32(m[20:24], d.ConsCount)
		m[24], m[25] = d.ProdFlags, d.ConnFlags
		return b, nil
	}
	m[3] = l.Flags
	if l.Response {
		m[3] |= LLCFlagResponse
	}
	switch l.Type {
	case LLCConfirmLink:
		copy(m[4:10], l.MAC[:])
		copy(m[10:26], l.GID[:])
		put24(m[26:29], l.QPN)
		m[29] = l.LinkNum
		binary.BigEndian.PutUint32(m[30:34], l.LinkUserID)
		m[34] = l.MaxLinks
		m[35] = l.MaxConns
	case LLCAddLink:
		copy(m[4:10], l.MAC[:])
		copy(m[12:28], l.GID[:])
		put24(m[28:31], l.QPN)
		m[31] = l.LinkNum
	case LLCDeleteLink:
		m[4] = l.LinkNum
		binary.BigEndian.PutUint32(m[5:9], l.Reason)
	}
	return b, nil
}
