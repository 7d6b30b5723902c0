package smcproto

import "encoding/binary"

// OptionKindExperimental is the TCP option kind used by SMC: 254, the
// RFC 6994 experimental kind TCPOPT_EXP (docs/smc-protocol.md section 1).
const OptionKindExperimental = 254

// optionKindExperimental253 is the other RFC 6994 experimental kind.
const optionKindExperimental253 = 253

// ExIDSMC is the 32-bit experiment ID of the SMC option, 0xE2D4C3D9
// (EBCDIC "SMCR", RFC 7609).
const ExIDSMC uint32 = 0xE2D4C3D9

// smcOptionLinux is the SMC option as Linux writes it: two NOPs for 4-byte
// alignment, then kind 254, length 6, ExID E2 D4 C3 D9
// (TCPOLEN_EXP_SMC_BASE_ALIGNED, docs/smc-protocol.md section 1).
var smcOptionLinux = [8]byte{1, 1, OptionKindExperimental, 6, 0xE2, 0xD4, 0xC3, 0xD9}

// ExpOption is one RFC 6994 experimental TCP option (kind 253 or 254).
type ExpOption struct {
	Kind uint8 // 253 or 254
	// ExID is the experiment ID. It is read as 32 bits when the first four
	// data bytes are the SMC ID (ExIDLen 4), otherwise as the usual 16 bits
	// (ExIDLen 2). ExIDLen is 0 when the option is too short to hold an ExID.
	ExID    uint32
	ExIDLen int
	// Data holds the option bytes after the ExID (a copy, never aliasing the
	// input). nil when empty.
	Data []byte
}

// IsSMC reports whether the option has the SMC experiment ID.
func (o ExpOption) IsSMC() bool { return o.ExIDLen == 4 && o.ExID == ExIDSMC }

// TCPOptions is the result of ParseTCPOptions.
type TCPOptions struct {
	// SMC is true when a kind-254 option matches the Linux receiver rule
	// (tcp_input.c smc_parse_options, docs/smc-protocol.md section 1): even
	// option length >= 6 and ExID E2D4C3D9. Linux also requires the SYN flag;
	// the caller checks that, ParseTCPOptions only sees the option bytes.
	SMC bool
	// Experimental lists every kind 253/254 option in wire order (including
	// the SMC option), for display. nil when there is none.
	Experimental []ExpOption
}

// ParseTCPOptions scans the raw TCP options area (TCP header bytes
// 20..dataOffset*4) the way Linux's tcp_parse_options does: kind 0 ends the
// list, kind 1 is a one-byte NOP, every other option has a length byte that
// counts kind and length. A length below 2 or beyond the end of the area is
// malformed: ParseTCPOptions then returns ErrMalformed (in a *DecodeError
// naming the offset) together with everything found before the bad option.
// The result never aliases opts. It allocates only when experimental options
// are present.
func ParseTCPOptions(opts []byte) (TCPOptions, error) {
	var res TCPOptions
	for i := 0; i < len(opts); {
		kind := opts[i]
		switch kind {
		case 0: // end of option list
			return res, nil
		case 1: // NOP
			i++
			continue
		}
		if i+1 >= len(opts) {
			return res, malformed(i, "tcp options: option kind %d has no length byte", kind)
		}
		l := int(opts[i+1])
		if l < 2 {
			return res, malformed(i+1, "tcp options: option kind %d has length %d (< 2)", kind, l)
		}
		if l > len(opts)-i {
			return res, malformed(i+1, "tcp options: option kind %d has length %d but only %d bytes are left in the options area", kind, l, len(opts)-i)
		}
		if kind == OptionKindExperimental || kind == optionKindExperimental253 {
			data := opts[i+2 : i+l]
			e := ExpOption{Kind: kind}
			switch {
			case len(data) >= 4 && binary.BigEndian.Uint32(data) == ExIDSMC:
				e.ExID, e.ExIDLen = ExIDSMC, 4
				data = data[4:]
				if kind == OptionKindExperimental && l%2 == 0 && l >= 6 {
					res.SMC = true
				}
			case len(data) >= 2:
				e.ExID, e.ExIDLen = uint32(binary.BigEndian.Uint16(data)), 2
				data = data[2:]
			}
			if len(data) > 0 {
				e.Data = append([]byte(nil), data...)
			}
			res.Experimental = append(res.Experimental, e)
		}
		i += l
	}
	return res, nil
}

// HasSMCOption reports what ParseTCPOptions(opts) would report in SMC
// (errors ignored), without allocating: for trackers that look at every
// SYN and need nothing else. It is the same walk as ParseTCPOptions, with
// the error paths reduced to returning what was found: a tracker runs it
// twice per connection, and the general parser executed about 150
// instructions for a SYN's options (TestHasSMCOption and
// FuzzParseTCPOptions compare the two).
func HasSMCOption(opts []byte) bool {
	smc := false
	for i := 0; i < len(opts); {
		switch kind := opts[i]; kind {
		case 0: // end of option list
			return smc
		case 1: // NOP
			i++
		default:
			if i+1 >= len(opts) {
				return smc
			}
			l := int(opts[i+1])
			if l < 2 || l > len(opts)-i {
				return smc
			}
			if kind == OptionKindExperimental && l >= 6 && l%2 == 0 && binary.BigEndian.Uint32(opts[i+2:i+6]) == ExIDSMC {
				smc = true
			}
			i += l
		}
	}
	return smc
}

// AppendBinary appends the experimental options of o in wire form (kind,
// length, ExID, data; no padding) to b. Only Experimental is encoded; SMC is
// derived from it when the result is parsed again. It is meant for building
// test inputs and for round-trip checks.
func (o TCPOptions) AppendBinary(b []byte) ([]byte, error) {
	for _, e := range o.Experimental {
		if e.Kind != OptionKindExperimental && e.Kind != optionKindExperimental253 {
			return b, encodeError("tcp option kind %d is not experimental (253/254)", e.Kind)
		}
		l := 2 + e.ExIDLen + len(e.Data)
		if l > 255 {
			return b, encodeError("tcp option length %d exceeds 255", l)
		}
		b = append(b, e.Kind, byte(l))
		switch e.ExIDLen {
		case 0:
		case 2:
			b = binary.BigEndian.AppendUint16(b, uint16(e.ExID))
		case 4:
			b = binary.BigEndian.AppendUint32(b, e.ExID)
		default:
			return b, encodeError("tcp option ExIDLen %d is not 0, 2 or 4", e.ExIDLen)
		}
		b = append(b, e.Data...)
	}
	return b, nil
}

// AppendSMCOption appends the SMC option in the Linux layout
// 01 01 FE 06 E2 D4 C3 D9 (two NOPs, kind 254, length 6, ExID) to b.
func AppendSMCOption(b []byte) []byte { return append(b, smcOptionLinux[:]...) }
