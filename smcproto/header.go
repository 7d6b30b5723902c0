package smcproto

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
)

// MsgType is the CLC message type, header byte 4 (docs/smc-protocol.md section 2).
type MsgType uint8

// CLC message types.
const (
	TypeProposal MsgType = 1 // client → server
	TypeAccept   MsgType = 2 // server → client
	TypeConfirm  MsgType = 3 // client → server
	TypeDecline  MsgType = 4 // either side
)

// String returns "Proposal", "Accept", "Confirm", "Decline" or
// "MsgType(n)" for other values.
func (t MsgType) String() string {
	switch t {
	case TypeProposal:
		return "Proposal"
	case TypeAccept:
		return "Accept"
	case TypeConfirm:
		return "Confirm"
	case TypeDecline:
		return "Decline"
	}
	return "MsgType(" + strconv.Itoa(int(t)) + ")"
}

// PathType is an SMC path type as carried in the low nibble of header byte 7
// (typev1 in bits 1-0, typev2 in bits 3-2 of a Proposal).
type PathType uint8

// Path types (docs/smc-protocol.md section 2).
const (
	PathR    PathType = 0 // SMC-R (RoCE)
	PathD    PathType = 1 // SMC-D (ISM)
	PathNone PathType = 2 // none offered ("N")
	PathBoth PathType = 3 // both SMC-R and SMC-D ("B")
)

// String returns "R", "D", "N" or "B".
func (p PathType) String() string {
	switch p & 3 {
	case PathR:
		return "R"
	case PathD:
		return "D"
	case PathNone:
		return "N"
	}
	return "B"
}

// HasD reports whether SMC-D is included (D or B).
func (p PathType) HasD() bool { return p == PathD || p == PathBoth }

// HasR reports whether SMC-R is included (R or B).
func (p PathType) HasR() bool { return p == PathR || p == PathBoth }

// Lengths of the CLC common header and trailer.
const (
	HeaderLen  = 8 // eyecatcher, type, length, version/flags
	TrailerLen = 4 // repeated eyecatcher
)

// Eyecatchers: EBCDIC "SMCR" and "SMCD". Linux accepts either one in the
// header and in the trailer of every message type.
var (
	EyecatcherR = [4]byte{0xE2, 0xD4, 0xC3, 0xD9}
	EyecatcherD = [4]byte{0xE2, 0xD4, 0xC3, 0xC4}
)

// Header is the 8-byte CLC common header (docs/smc-protocol.md section 2):
//
//	 0               1               2               3
//	+---------------+---------------+---------------+---------------+
//	|                  Eyecatcher "SMCR" or "SMCD"                  |
//	+---------------+---------------+---------------+---------------+
//	|     Type      |        Length (incl. header+trailer)  |Ver|Flg|
//	+---------------+---------------+---------------+---------------+
//
// Byte 7: bits 7-4 version, bits 3-0 type-dependent flags: Proposal typev2
// (bits 3-2) and typev1 (bits 1-0); Accept/Confirm first contact (0x08) and
// typev1; Decline out-of-sync (0x08).
type Header struct {
	Eyecatcher [4]byte
	Type       MsgType
	Length     uint16 // total message length; computed by the encoders
	Version    uint8  // high nibble of byte 7 (1 or 2; newer values tolerated)
	Flags      uint8  // low nibble of byte 7
}

// TypeV1 returns the v1 path type: Flags & 3. For Accept/Confirm it is the
// chosen path (R or D).
func (h Header) TypeV1() PathType { return PathType(h.Flags & 3) }

// TypeV2 returns the v2 path type, Flags >> 2 & 3. Only meaningful for a
// Proposal with Version >= 2.
func (h Header) TypeV2() PathType { return PathType(h.Flags >> 2 & 3) }

// FirstContact reports the first-contact bit (0x08) of an Accept or Confirm.
func (h Header) FirstContact() bool { return h.Flags&0x08 != 0 }

// OutOfSync reports the out-of-sync bit (0x08) of a Decline.
func (h Header) OutOfSync() bool { return h.Flags&0x08 != 0 }

// HasEyecatcher reports whether b starts with the SMCR or SMCD eyecatcher,
// the heuristic Wireshark uses to spot CLC messages in a TCP stream.
func HasEyecatcher(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	e := [4]byte(b[:4])
	return e == EyecatcherR || e == EyecatcherD
}

func isEyecatcher(b []byte) bool { return HasEyecatcher(b) }

// ParseHeader decodes the 8-byte CLC header at the start of b. Fewer than 8
// bytes give ErrTruncated; a bad eyecatcher, version 0, a type other than
// 1..4, or a length below 12 (header + trailer) give ErrMalformed. It does not
// check that b holds Length bytes (Decode does).
func ParseHeader(b []byte) (Header, error) {
	// Valid headers are checked on the bytes and the result is built in
	// the return statement: a local Header written field by field and then
	// copied out made the copy's wide load wait for the byte stores (the
	// CPU profile of a capture of many handshakes showed that load as the
	// hottest instruction of the CLC parse).
	if typ, length, ok := HeaderTypeLength(b); ok {
		return Header{Eyecatcher: [4]byte(b[:4]), Type: typ, Length: length, Version: b[7] >> 4, Flags: b[7] & 0x0F}, nil
	}
	return parseBadHeader(b)
}

// HeaderTypeLength returns the type and length of the CLC header at the
// start of b when ParseHeader would accept it (ok), without building a
// Header: for callers that only need these two on a hot path (a stream
// tracker finding message boundaries); ParseHeader gives the error.
func HeaderTypeLength(b []byte) (typ MsgType, length uint16, ok bool) {
	if len(b) < HeaderLen || !HasEyecatcher(b) {
		return 0, 0, false
	}
	t, l := MsgType(b[4]), binary.BigEndian.Uint16(b[5:7])
	if t < TypeProposal || t > TypeDecline || b[7]>>4 == 0 || l < HeaderLen+TrailerLen {
		return 0, 0, false
	}
	return t, l, true
}

// parseBadHeader is ParseHeader for a header that fails a check.
func parseBadHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, truncated(len(b), "clc header: need %d bytes, have %d", HeaderLen, len(b))
	}
	h := Header{
		Eyecatcher: [4]byte(b[:4]),
		Type:       MsgType(b[4]),
		Length:     binary.BigEndian.Uint16(b[5:7]),
		Version:    b[7] >> 4,
		Flags:      b[7] & 0x0F,
	}
	switch {
	case h.Eyecatcher != EyecatcherR && h.Eyecatcher != EyecatcherD:
		return h, malformed(0, "clc header: eyecatcher % x is neither SMCR (e2 d4 c3 d9) nor SMCD (e2 d4 c3 c4)", b[:4])
	case h.Type < TypeProposal || h.Type > TypeDecline:
		return h, malformed(4, "clc header: unknown message type %d", b[4])
	case h.Version == 0:
		return h, malformed(7, "clc header: version 0")
	case h.Length < HeaderLen+TrailerLen:
		return h, malformed(5, "clc header: length %d is below the minimum %d", h.Length, HeaderLen+TrailerLen)
	}
	return h, nil
}

// putHeader writes h into b[0:8] with the given type and length; an unset
// eyecatcher is replaced by def.
func putHeader(b []byte, h Header, t MsgType, length int, def [4]byte) error {
	if h.Version == 0 || h.Version > 15 {
		return encodeError("%v: header version %d is not in 1..15", t, h.Version)
	}
	if length > 0xFFFF {
		return encodeError("%v: length %d exceeds 65535", t, length)
	}
	e := h.Eyecatcher
	if e == ([4]byte{}) {
		e = def
	}
	copy(b[0:4], e[:])
	b[4] = byte(t)
	binary.BigEndian.PutUint16(b[5:7], uint16(length))
	b[7] = h.Version<<4 | h.Flags&0x0F
	// trailer: repeat the eyecatcher
	copy(b[length-TrailerLen:length], e[:])
	return nil
}

// PeerID is the 8-byte SMC peer ID ("system identifier", docs/smc-protocol.md
// section 3): a 16-bit instance ID followed by a MAC address.
type PeerID [8]byte

// placeholderPeerID is what Linux uses before a RoCE device set the
// system ID: "%%%%%%%" + NUL.
var placeholderPeerID = PeerID{0x25, 0x25, 0x25, 0x25, 0x25, 0x25, 0x25, 0x00}

// String formats the peer ID as "<instance decimal>@<mac>", the hwipl/smc-clc
// convention, e.g. "4660@02:00:00:00:00:01".
func (p PeerID) String() string {
	return strconv.Itoa(int(binary.BigEndian.Uint16(p[:2]))) + "@" + macString(p[2:8])
}

// IsPlaceholder reports whether p is Linux's "%%%%%%%\0" placeholder.
func (p PeerID) IsPlaceholder() bool { return p == placeholderPeerID }

// IsZero reports whether all bytes are zero.
func (p PeerID) IsZero() bool { return p == PeerID{} }

func macString(m []byte) string {
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 3*len(m))
	for i, c := range m {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hexd[c>>4], hexd[c&0xF])
	}
	return string(out)
}

// MACString formats a 6-byte MAC address as "02:00:00:00:00:01".
func MACString(m [6]byte) string { return macString(m[:]) }

// GID is a 16-byte RoCE GID (an IPv6 address, or an IPv4-mapped one for
// RoCEv2 over IPv4).
type GID [16]byte

// Addr returns the GID as an IPv6 netip.Addr (IPv4-mapped addresses are not
// unmapped; use Addr().Unmap() for that).
func (g GID) Addr() netip.Addr { return netip.AddrFrom16(g) }

// String returns the IPv6 text form, e.g. "fe80::1" or "::ffff:192.0.2.1".
func (g GID) String() string { return g.Addr().String() }

// IsZero reports whether all bytes are zero.
func (g GID) IsZero() bool { return g == GID{} }

// Message is implemented by *Proposal, *Accept, *Confirm and *Decline.
type Message interface {
	// Hdr returns the message's CLC header.
	Hdr() Header
	// MarshalBinary encodes the message; Header.Length and Header.Type are
	// computed, a zero eyecatcher gets the Linux default.
	MarshalBinary() ([]byte, error)
	// AppendBinary appends the encoded message to b.
	AppendBinary(b []byte) ([]byte, error)
	// UnmarshalBinary decodes one message of the receiver's type from the
	// first Header.Length bytes of b.
	UnmarshalBinary(b []byte) error
}

// Decode decodes exactly one CLC message from the start of b. b must hold at
// least Header.Length bytes (fewer give ErrTruncated); Decode decodes
// b[:Length] and ignores what follows. The result is a *Proposal, *Accept,
// *Confirm or *Decline and never aliases b.
//
// Validation follows the Linux receiver (docs/smc-protocol.md sections 2, 4.6,
// 5.5, 6): v1 lengths must be exact, v2 messages may be longer than the
// layout needs (newer peers), the trailer must be an eyecatcher (not checked
// for a Decline), Decline must be 28 or 44 bytes.
func Decode(b []byte) (Message, error) {
	typ, _, ok := HeaderTypeLength(b)
	if !ok {
		_, err := ParseHeader(b)
		return nil, err
	}
	var m Message
	switch typ {
	case TypeProposal:
		m = new(Proposal)
	case TypeAccept:
		m = new(Accept)
	case TypeConfirm:
		m = new(Confirm)
	default:
		m = new(Decline)
	}
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return m, nil
}

// message does the common checks of UnmarshalBinary: header, type, full
// length present, trailer eyecatcher. It writes the header into *h (also
// on error: what ParseHeader returns) and returns the message bytes
// b[:Length]. The header is written field by field into its destination,
// not returned by value: a returned Header is copied with a wide load that
// waits for the callee's byte stores (the CPU profile of a capture of many
// handshakes showed that load hot).
func message(h *Header, b []byte, want MsgType, checkTrailer bool) ([]byte, error) {
	typ, length, ok := HeaderTypeLength(b)
	if !ok {
		var err error
		*h, err = parseBadHeader(b)
		return nil, err
	}
	h.Eyecatcher, h.Type, h.Length, h.Version, h.Flags = [4]byte(b[:4]), typ, length, b[7]>>4, b[7]&0x0F
	if h.Type != want {
		return nil, malformed(4, "clc: message type %v, want %v", h.Type, want)
	}
	if len(b) < int(h.Length) {
		return nil, truncated(len(b), "%s: header length %d, only %d bytes present", lower(want), h.Length, len(b))
	}
	msg := b[:h.Length]
	if checkTrailer && !isEyecatcher(msg[len(msg)-TrailerLen:]) {
		return nil, malformed(len(msg)-TrailerLen, "%s: trailer % x is not an eyecatcher", lower(want), msg[len(msg)-TrailerLen:])
	}
	return msg, nil
}

// lower names a message type in error texts. The four types are read from
// a table, inline: each Accept and Confirm decode names its type first
// (a call to a switch was 43 instructions per handshake in callgrind).
func lower(t MsgType) string {
	if int(t) < len(lowerNames) && lowerNames[t] != "" {
		return lowerNames[t]
	}
	return lowerOther(t)
}

var lowerNames = [...]string{TypeProposal: "proposal", TypeAccept: "accept", TypeConfirm: "confirm", TypeDecline: "decline"}

//go:noinline
func lowerOther(t MsgType) string { return fmt.Sprintf("type %d", uint8(t)) }

// grow returns b extended by n zero bytes and the new n-byte tail.
func grow(b []byte, n int) ([]byte, []byte) {
	start := len(b)
	b = append(b, make([]byte, n)...)
	return b, b[start:]
}
