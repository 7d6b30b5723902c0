package procnet

import (
	"fmt"

	"github.com/smcdump/smcdump/smcproto"
)

// ErrMalformed is wrapped by every parse error about input that does not
// follow the expected format. It is smcproto.ErrMalformed, the sentinel of
// every decoder in smcdump (docs/errors.md).
var ErrMalformed = smcproto.ErrMalformed

// ParseError reports a line that could not be parsed: the error type of the
// line-oriented text parsers (procnet, toolfmt), as smcproto.DecodeError is
// that of the binary decoders.
type ParseError struct {
	File string // file or format name, e.g. "/proc/net/snmp"
	Line int    // 1-based line number
	Text string // the offending line (cut to 80 bytes)
	Msg  string // what is wrong
}

// Error implements error: `FILE:LINE: MSG: "TEXT"` (without the text when
// there is none).
func (e *ParseError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %q", e.File, e.Line, e.Msg, e.Text)
}

// Unwrap returns ErrMalformed.
func (e *ParseError) Unwrap() error { return ErrMalformed }

func perr(file string, line int, text, format string, a ...any) error {
	if len(text) > 80 {
		text = text[:80] + "..."
	}
	return &ParseError{File: file, Line: line, Text: text, Msg: fmt.Sprintf(format, a...)}
}
