package mcast

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrTruncated is wrapped by decode errors when the payload ends before a
// field (for example because of the capture's snaplen).
var ErrTruncated = errors.New("truncated")

// ErrMalformed is wrapped by decode errors when the payload is complete but
// does not follow the format.
var ErrMalformed = errors.New("malformed")

// DecodeError describes why a payload could not be decoded in a format.
type DecodeError struct {
	Format string // format name, e.g. "rtp"
	Offset int    // byte offset in the UDP payload where decoding failed
	Msg    string // what was wrong
	Err    error  // ErrTruncated or ErrMalformed
}

// Error implements error: "rtp: offset 0: version 1, want 2: malformed".
func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: offset %d: %s: %v", e.Format, e.Offset, e.Msg, e.Err)
}

// Unwrap returns ErrTruncated or ErrMalformed.
func (e *DecodeError) Unwrap() error { return e.Err }

// decode status codes used on the hot path (no allocation)
type dstat struct {
	trunc bool
	off   int
	msg   string
}

func (d *dstat) err(format string) error {
	if d == nil {
		return nil
	}
	e := ErrMalformed
	if d.trunc {
		e = ErrTruncated
	}
	return &DecodeError{Format: format, Offset: d.off, Msg: d.msg, Err: e}
}

var (
	stTrunc0   = &dstat{trunc: true, off: 0, msg: "short header"}
	stRTPVer   = &dstat{off: 0, msg: "RTP version is not 2"}
	stRTPRTCP  = &dstat{off: 1, msg: "payload type 72-76 with marker (RTCP)"}
	stRTPCSRC  = &dstat{trunc: true, off: 12, msg: "CSRC list runs past the end"}
	stRTPExt   = &dstat{trunc: true, off: 12, msg: "header extension runs past the end"}
	stRTPPad   = &dstat{off: 0, msg: "padding count larger than the payload"}
	stMtNot    = &dstat{off: 0, msg: "not an msend datagram (no \"Message \", \"echo \" or \"stat \")"}
	stMtStat   = &dstat{off: 5, msg: "stat count is not a decimal number"}
	stMoldMsg  = &dstat{trunc: true, off: 20, msg: "message block runs past the end"}
	stMoldXtra = &dstat{off: 20, msg: "bytes after the last message block"}
	stMoldSess = &dstat{off: 0, msg: "session is not printable ASCII"}
	stMDPSize  = &dstat{off: 12, msg: "message size smaller than 10"}
	stMDPMsg   = &dstat{trunc: true, off: 12, msg: "message runs past the end"}
	stTSSync   = &dstat{off: 0, msg: "TS packet does not start with sync byte 0x47"}
	stTSLen    = &dstat{trunc: true, off: 0, msg: "partial TS packet"}
)

// RTPHeader is the part of an RTP header (RFC 3550 section 5.1) used for gap
// detection.
type RTPHeader struct {
	Marker      bool   // M bit
	PayloadType uint8  // PT, e.g. 33 for MP2T
	Seq         uint16 // sequence number
	Timestamp   uint32 // media timestamp
	SSRC        uint32 // synchronization source
	HeaderLen   int    // bytes before the RTP payload (fixed header, CSRCs, extension)
}

func parseRTP(b []byte, complete bool, h *RTPHeader) *dstat {
	if len(b) < 12 {
		return stTrunc0
	}
	if b[0]>>6 != 2 {
		return stRTPVer
	}
	h.Marker = b[1]&0x80 != 0
	h.PayloadType = b[1] & 0x7f
	if h.Marker && h.PayloadType >= 72 && h.PayloadType <= 76 {
		return stRTPRTCP
	}
	h.Seq = binary.BigEndian.Uint16(b[2:])
	h.Timestamp = binary.BigEndian.Uint32(b[4:])
	h.SSRC = binary.BigEndian.Uint32(b[8:])
	n := 12 + 4*int(b[0]&0x0f)
	if n > len(b) {
		return stRTPCSRC
	}
	if b[0]&0x10 != 0 {
		if n+4 > len(b) {
			return stRTPExt
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
		if n > len(b) {
			return stRTPExt
		}
	}
	if b[0]&0x20 != 0 && complete {
		p := int(b[len(b)-1])
		if p == 0 || n+p > len(b) {
			return stRTPPad
		}
	}
	h.HeaderLen = n
	return nil
}

// DecodeRTP decodes an RTP header from a complete UDP payload.
func DecodeRTP(b []byte) (RTPHeader, error) {
	var h RTPHeader
	return h, parseRTP(b, true, &h).err("rtp")
}

// MtoolsKind is the type of an msend datagram.
type MtoolsKind uint8

// msend datagram types (docs/multicast-udp.md section 1.3).
const (
	MtoolsData      MtoolsKind = iota + 1 // "Message <n>"
	MtoolsCountOnly                       // "Message " without digits (-m too short)
	MtoolsEcho                            // "echo ..." session start
	MtoolsStat                            // "stat <N>" session end
)

// MtoolsMessage is a decoded msend datagram.
type MtoolsMessage struct {
	Kind MtoolsKind // datagram type
	// Digits of the counter (ASCII, offset 8 up to the first non-hex digit
	// or NUL); points into the payload.
	Digits []byte
	Hex    uint64 // counter read as hex (valid if HexOK)
	Dec    uint64 // counter read as decimal (valid if DecOK)
	HexOK  bool   // Hex did not overflow
	DecOK  bool   // digits are decimal and Dec did not overflow
	HasAF  bool   // digits include a-f (so the counter is hex)
	Stat   uint64 // MtoolsStat: total data datagrams the sender sent
	Text   []byte // MtoolsEcho: text up to the NUL; points into the payload
}

var msgPrefix = [8]byte{'M', 'e', 's', 's', 'a', 'g', 'e', ' '}

func parseMtools(b []byte, m *MtoolsMessage) *dstat {
	*m = MtoolsMessage{}
	if len(b) >= 8 && [8]byte(b[:8]) == msgPrefix {
		i := 8
		var h, d uint64
		hexOK, decOK := true, true
		for ; i < len(b); i++ {
			c := b[i]
			var v uint64
			switch {
			case c >= '0' && c <= '9':
				v = uint64(c - '0')
				if d > (1<<64-1-v)/10 {
					decOK = false
				}
				d = d*10 + v
			case c >= 'a' && c <= 'f':
				v = uint64(c-'a') + 10
				m.HasAF = true
				decOK = false
			default:
				goto done
			}
			if h>>60 != 0 {
				hexOK = false
			}
			h = h<<4 | v
		}
	done:
		m.Digits = b[8:i]
		if len(m.Digits) == 0 {
			m.Kind = MtoolsCountOnly
			return nil
		}
		m.Kind, m.Hex, m.Dec, m.HexOK, m.DecOK = MtoolsData, h, d, hexOK, decOK
		return nil
	}
	if len(b) >= 5 && string(b[:5]) == "echo " {
		m.Kind = MtoolsEcho
		t := b
		for i, c := range t {
			if c == 0 {
				t = t[:i]
				break
			}
		}
		m.Text = t
		return nil
	}
	if len(b) >= 5 && string(b[:5]) == "stat " {
		var n uint64
		if len(b) == 5 {
			return stMtStat
		}
		for _, c := range b[5:] {
			if c == 0 {
				break
			}
			if c < '0' || c > '9' || n > (1<<63)/10 {
				return stMtStat
			}
			n = n*10 + uint64(c-'0')
		}
		m.Kind, m.Stat = MtoolsStat, n
		return nil
	}
	if len(b) < 8 {
		return stTrunc0
	}
	return stMtNot
}

// DecodeMtools decodes an Informatica msend datagram.
func DecodeMtools(b []byte) (MtoolsMessage, error) {
	var m MtoolsMessage
	return m, parseMtools(b, &m).err("mtools")
}

// MoldHeader is a MoldUDP64 downstream packet header.
type MoldHeader struct {
	Session [10]byte // session name, ASCII, space padded
	Seq     uint64   // sequence number of the first message
	Count   uint16   // message count; 0 = heartbeat, 0xFFFF = end of session
}

func parseMold(b []byte, complete bool, h *MoldHeader) *dstat {
	if len(b) < 20 {
		return stTrunc0
	}
	copy(h.Session[:], b[:10])
	for _, c := range h.Session {
		if c < 0x20 || c > 0x7e {
			return stMoldSess
		}
	}
	h.Seq = binary.BigEndian.Uint64(b[10:])
	h.Count = binary.BigEndian.Uint16(b[18:])
	if !complete || h.Count == 0xffff {
		return nil
	}
	off := 20
	for range int(h.Count) {
		if off+2 > len(b) {
			return stMoldMsg
		}
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
		if off > len(b) {
			return stMoldMsg
		}
	}
	if off != len(b) {
		return stMoldXtra
	}
	return nil
}

// DecodeMold decodes a MoldUDP64 header and checks the message blocks of a
// complete payload.
func DecodeMold(b []byte) (MoldHeader, error) {
	var h MoldHeader
	return h, parseMold(b, true, &h).err("moldudp64")
}

// MDP3Header is the CME MDP 3.0 binary packet header.
type MDP3Header struct {
	MsgSeqNum   uint32 // packet sequence number per channel
	SendingTime uint64 // ns since the Unix epoch
}

func parseMDP3(b []byte, complete bool, h *MDP3Header) *dstat {
	if len(b) < 12 {
		return stTrunc0
	}
	h.MsgSeqNum = binary.LittleEndian.Uint32(b)
	h.SendingTime = binary.LittleEndian.Uint64(b[4:])
	if !complete {
		return nil
	}
	off := 12
	for off < len(b) {
		if off+2 > len(b) {
			return stMDPMsg
		}
		n := int(binary.LittleEndian.Uint16(b[off:]))
		if n < 10 {
			return stMDPSize
		}
		off += n
	}
	if off != len(b) {
		return stMDPMsg
	}
	return nil
}

// DecodeMDP3 decodes a CME MDP 3.0 packet header and checks the message size
// chain of a complete payload.
func DecodeMDP3(b []byte) (MDP3Header, error) {
	var h MDP3Header
	return h, parseMDP3(b, true, &h).err("mdp3")
}

// readCounter reads the generic counter; ok is false if b is too short.
func readCounter(b []byte, f Format) (uint64, bool) {
	if f.Offset+f.Width > len(b) || f.Offset < 0 {
		return 0, false
	}
	p := b[f.Offset : f.Offset+f.Width]
	switch f.Width {
	case 1:
		return uint64(p[0]), true
	case 2:
		if f.BigEndian {
			return uint64(binary.BigEndian.Uint16(p)), true
		}
		return uint64(binary.LittleEndian.Uint16(p)), true
	case 4:
		if f.BigEndian {
			return uint64(binary.BigEndian.Uint32(p)), true
		}
		return uint64(binary.LittleEndian.Uint32(p)), true
	case 8:
		if f.BigEndian {
			return binary.BigEndian.Uint64(p), true
		}
		return binary.LittleEndian.Uint64(p), true
	}
	return 0, false
}

// DecodeCounter reads a generic fixed-offset counter (Format.Kind ==
// FormatOffset) from a payload.
func DecodeCounter(b []byte, f Format) (uint64, error) {
	v, ok := readCounter(b, f)
	if !ok {
		return 0, &DecodeError{Format: f.String(), Offset: f.Offset, Msg: "counter runs past the end", Err: ErrTruncated}
	}
	return v, nil
}

// TSPacket is the part of an MPEG-TS packet header used for the continuity
// check (ISO 13818-1; docs/multicast-udp.md section 2.2).
type TSPacket struct {
	PID              uint16 // packet identifier (13 bits)
	CC               uint8  // continuity counter (4 bits)
	HasPayload       bool   // adaptation_field_control 01 or 11
	Discontinuity    bool   // adaptation field discontinuity_indicator
	TransportError   bool   // TEI bit
	PayloadUnitStart bool   // PUSI bit
}

func parseTS(b []byte, p *TSPacket) *dstat {
	if len(b) < 188 {
		return stTSLen
	}
	if b[0] != 0x47 {
		return stTSSync
	}
	p.TransportError = b[1]&0x80 != 0
	p.PayloadUnitStart = b[1]&0x40 != 0
	p.PID = uint16(b[1]&0x1f)<<8 | uint16(b[2])
	afc := b[3] >> 4 & 3
	p.HasPayload = afc&1 != 0
	p.CC = b[3] & 0x0f
	p.Discontinuity = afc&2 != 0 && b[4] > 0 && b[5]&0x80 != 0
	return nil
}

// DecodeTS decodes the header of one 188-byte MPEG-TS packet.
func DecodeTS(b []byte) (TSPacket, error) {
	var p TSPacket
	return p, parseTS(b, &p).err("ts")
}
