package smcproto

import (
	"errors"
	"fmt"
	"io"
)

// ErrTruncated reports that the input ends before the message does: fewer
// bytes are present than the message's own length field (or the fixed
// header) requires. It typically means the capture was cut by the snap
// length or the TCP stream is not fully reassembled yet; it must not be read
// as a protocol error. errors.Is(err, io.ErrUnexpectedEOF) is also true.
var ErrTruncated error = fmt.Errorf("truncated: %w", io.ErrUnexpectedEOF)

// ErrMalformed reports that the bytes that are present cannot be a valid
// message: bad eyecatcher, unknown type, impossible length, offset or count.
var ErrMalformed = errors.New("malformed")

// DecodeError is the decode error of smcdump's binary decoders: this
// package's (Layer "" = "smcproto") and those of other packages that decode
// bytes, such as capture/kstat/smcnl (Layer "smcnl"). It names what was wrong
// (Msg), where (Offset, in bytes from the start of the input given to the
// decoder) and wraps ErrTruncated or ErrMalformed (Err). See
// docs/errors.md.
type DecodeError struct {
	Msg    string // what failed, e.g. "proposal: ipv6 prefix count 9 exceeds 8"
	Offset int    // byte offset into the decoder's input
	Err    error  // ErrTruncated or ErrMalformed
	Layer  string // the decoding package; "" means "smcproto"
}

// Error returns a one-line description "LAYER: MSG (offset N): KIND", such
// as "smcproto: proposal: ipv6 prefix count 9 exceeds 8 (offset 47): malformed".
func (e *DecodeError) Error() string {
	layer := e.Layer
	if layer == "" {
		layer = "smcproto"
	}
	return fmt.Sprintf("%s: %s (offset %d): %v", layer, e.Msg, e.Offset, e.Err)
}

// Unwrap returns Err, so errors.Is(err, ErrTruncated) and
// errors.Is(err, ErrMalformed) work.
func (e *DecodeError) Unwrap() error { return e.Err }

// malformed and truncated are never inlined: inlined, each of the dozens
// of error returns of a decoder carried the formatting call, the allocation
// and its write barriers in the decoder's body, between the instructions
// every message runs. Out of line, Proposal.unmarshal shrank from 8.0 to
// 6.7 KB and AcceptConfirm.unmarshal from 5.4 to 4.5 KB, and a closed
// SMC handshake missed the instruction cache 34 times less (callgrind's
// cache model: 276 -> 242 misses per handshake; BENCHMARKS.md).
//
//go:noinline
func malformed(off int, format string, args ...any) error {
	return &DecodeError{Msg: fmt.Sprintf(format, args...), Offset: off, Err: ErrMalformed}
}

//go:noinline
func truncated(off int, format string, args ...any) error {
	return &DecodeError{Msg: fmt.Sprintf(format, args...), Offset: off, Err: ErrTruncated}
}

// encodeError is returned by the encoders for values that cannot be put on
// the wire (for example an EID longer than 32 bytes).
func encodeError(format string, args ...any) error {
	return fmt.Errorf("smcproto: encode: "+format, args...)
}
