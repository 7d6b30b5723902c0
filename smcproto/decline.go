package smcproto

import "encoding/binary"

// Decline lengths (docs/smc-protocol.md section 6).
const (
	declineLenV1 = 28
	declineLenV2 = 44
)

// Decline is the CLC Decline message (type 4), sent by either side
// (docs/smc-protocol.md section 6):
//
//	 0 header (0x08 in flags = out of sync)   8 sender peer ID
//	16 peer diagnosis (4)   20 OS type << 4 (v2)   21 reserved (3)
//	v1: trailer at 24 → 28 bytes. v2: 24 four more diagnosis codes,
//	trailer at 40 → 44 bytes.
//
// Linux requires the length to be exactly 28 or 44 and does not check the
// trailer.
type Decline struct {
	Header    Header
	PeerID    PeerID // zero or "%%%%%%%\0" (IsPlaceholder) when the sender has no system ID
	Diagnosis Code   // the sender's reason (SMC_CLC_DECL_*)
	OSType    uint8  // v2: 2 = Linux (byte 20 bits 7-4)
	// ExtraDiagnosis holds the four additional codes of a 44-byte Decline
	// (Linux sends zeros).
	ExtraDiagnosis [4]Code
}

// Hdr returns the header.
func (d *Decline) Hdr() Header { return d.Header }

// UnmarshalBinary decodes a Decline from the first Header.Length bytes of b.
func (d *Decline) UnmarshalBinary(b []byte) error {
	*d = Decline{}
	msg, err := message(&d.Header, b, TypeDecline, false)
	h := &d.Header
	if err != nil {
		return err
	}
	if h.Length != declineLenV1 && h.Length != declineLenV2 {
		return malformed(5, "decline: length %d, must be %d or %d", h.Length, declineLenV1, declineLenV2)
	}
	c := cursor{b: msg[:len(msg)-TrailerLen], ctx: "decline", off: HeaderLen}
	c.read(d.PeerID[:], "peer id")
	d.Diagnosis = Code(c.u32("peer diagnosis"))
	d.OSType = c.u8("os type") >> 4
	c.skip(3, "reserved")
	if h.Length == declineLenV2 {
		for i := range d.ExtraDiagnosis {
			d.ExtraDiagnosis[i] = Code(c.u32("diagnosis"))
		}
	}
	return c.err
}

// MarshalBinary encodes the Decline. See AppendBinary.
func (d *Decline) MarshalBinary() ([]byte, error) { return d.AppendBinary(nil) }

// AppendBinary appends the encoded Decline to b: 44 bytes when Version >= 2
// or any ExtraDiagnosis is non-zero, else 28. Header.Type and Header.Length
// are computed; a zero eyecatcher becomes SMCR.
func (d *Decline) AppendBinary(b []byte) ([]byte, error) {
	length := declineLenV1
	if d.Header.Version >= 2 || d.ExtraDiagnosis != ([4]Code{}) {
		length = declineLenV2
	}
	b, a := grow(b, length)
	if err := putHeader(a, d.Header, TypeDecline, length, EyecatcherR); err != nil {
		return b[:len(b)-length], err
	}
	copy(a[8:16], d.PeerID[:])
	binary.BigEndian.PutUint32(a[16:20], uint32(d.Diagnosis))
	a[20] = d.OSType << 4
	if length == declineLenV2 {
		for i, c := range d.ExtraDiagnosis {
			binary.BigEndian.PutUint32(a[24+4*i:], uint32(c))
		}
	}
	return b, nil
}
