// Package smcproto decodes and encodes the wire formats of Linux SMC
// (Shared Memory Communications, RFC 7609 and the SMC v2 extensions), as
// described in the project's reference docs/smc-protocol.md
// (sections 1-9 and 14):
//
//   - the SMC TCP option (kind 254, ExID 0xE2D4C3D9) on SYN / SYN-ACK:
//     ParseTCPOptions, AppendSMCOption;
//   - the CLC handshake messages carried in the TCP stream: Decode,
//     ParseHeader, HasEyecatcher and the types Proposal, Accept, Confirm and
//     Decline (all implementing Message);
//   - the decline / fallback reason codes with kernel and smc-tools names,
//     meaning and an operator remedy: Code, LookupCode, ParseCode, Codes;
//   - the SMC-R LLC and CDC messages carried as RoCE RC SEND payloads:
//     DecodeLLC, LLC, CDC.
//
// # Errors
//
// Decoders never panic. Every error is a *DecodeError naming the offset and
// wrapping either ErrTruncated (the input ends before the message does, e.g.
// snap length or incomplete reassembly; also matches io.ErrUnexpectedEOF) or
// ErrMalformed (the bytes present cannot be a valid message). Callers must
// not count a truncated message as a protocol failure.
//
// # Validation
//
// CLC validation follows the Linux receiver: fixed SMCv1 lengths must match
// exactly (Proposal per its prefix count, Accept/Confirm 68 or 48, Decline 28
// or 44); SMCv2 messages only need the minimum their layout requires, so
// longer messages from newer peers are accepted; offsets, counts and prefix
// lengths are checked before use. The Accept/Confirm layout (SMC-R or SMC-D)
// is chosen from the header's typev1 bits, as Wireshark does.
//
// # Ownership
//
// Decoded values never alias the input buffer: byte fields are arrays,
// texts are copied strings, slices are freshly allocated. Inputs may be
// reused (for example zero-copy capture buffers) as soon as a decoder
// returns.
//
// # Encoding
//
// MarshalBinary / AppendBinary exist on every message type and on LLC, for
// test fixtures and round-trip checks. They compute Header.Type and
// Header.Length, fill a zero eyecatcher with the Linux default and raise
// offsets to at least the Linux layout, so tests can build messages from a
// few fields.
//
// The package imports only the standard library.
package smcproto
