package smcproto

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkErr verifies that a decoder error is a *DecodeError wrapping exactly
// one of ErrTruncated / ErrMalformed.
func checkErr(t *testing.T, err error) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %T %v is not a *DecodeError", err, err)
	}
	if errors.Is(err, ErrTruncated) == errors.Is(err, ErrMalformed) {
		t.Fatalf("error %v is not exactly one of truncated/malformed", err)
	}
}

// FuzzDecode checks that Decode never panics and that every message it
// accepts re-encodes to bytes that decode to the same value (apart from
// Header.Length, which shrinks when a longer v2 message was tolerated).
// Seeds: the synthetic fixtures of fixtures_test.go, their halves, and the
// real lab messages of real_bytes_test.go.
func FuzzDecode(f *testing.F) {
	for _, fx := range clcFixtures() {
		f.Add(fx.in)
		f.Add(fx.in[:len(fx.in)/2])
	}
	for _, b := range realCLC() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := Decode(in)
		if err != nil {
			checkErr(t, err)
			return
		}
		enc, err := m.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of decoded %+v: %v", m, err)
		}
		m2, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decode: %v\n% x", err, enc)
		}
		if int(m2.Hdr().Length) != len(enc) {
			t.Fatalf("re-encoded length field %d != %d", m2.Hdr().Length, len(enc))
		}
		// The length may differ: longer v2 messages shrink, a 28-byte Decline
		// with a v2 header and an SMC-R Confirm with first contact but no GID
		// list grow to the Linux layout.
		setHdrLen(m, m2.Hdr().Length)
		if d := cmp.Diff(m, m2, cmpOpts...); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}

// FuzzParseTCPOptions checks ParseTCPOptions never panics and that the
// experimental options it finds re-encode to the same result.
func FuzzParseTCPOptions(f *testing.F) {
	f.Add(AppendSMCOption(nil))
	f.Add(unhex(`020405b4 0402 080a0000000100000000 01030307 0101fe06e2d4c3d9`))
	f.Add(unhex(`fe0cf9890102030405060708`))
	f.Add(unhex(`fe07e2d4c3d9aa00 fd06e2d4c3d9`))
	f.Add(unhex(`0101fe06e2d4c3d9 080a0000`))
	f.Add(unhex(`fe01`))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ParseTCPOptions(in)
		if HasSMCOption(in) != got.SMC {
			t.Fatalf("HasSMCOption = %v, ParseTCPOptions SMC = %v", !got.SMC, got.SMC)
		}
		if err != nil {
			checkErr(t, err)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("tcp options error %v is not ErrMalformed", err)
			}
			return
		}
		enc, err := got.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary: %v", err)
		}
		again, err := ParseTCPOptions(enc)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if d := cmp.Diff(got, again); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}

// FuzzDecodeLLC checks DecodeLLC never panics and round-trips.
func FuzzDecodeLLC(f *testing.F) {
	for _, fx := range llcFixtures() {
		f.Add(fx.in)
		f.Add(fx.in[:len(fx.in)/2])
	}
	for _, b := range realLLC() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := DecodeLLC(in)
		if err != nil {
			checkErr(t, err)
			return
		}
		enc, err := l.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of decoded %+v: %v", l, err)
		}
		if len(enc) != len(in) {
			t.Fatalf("re-encoded %d bytes, decoded from %d", len(enc), len(in))
		}
		l2, err := DecodeLLC(enc)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if d := cmp.Diff(l, l2); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}

// FuzzParseCode checks ParseCode never panics and that a parsed code
// survives String → ParseCode.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"0x03010000", "03010000", "SMC_CLC_DECL_PEERNOSMC", "peernosmc", "PEER_NO_SMC", "0x", "", "ERR_REGRMB", "0xffffffff", " 1 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCode(s)
		if err != nil {
			return
		}
		c2, err := ParseCode(c.String())
		if err != nil || c2 != c {
			t.Fatalf("ParseCode(%q) = %v; ParseCode(%q) = %v, %v", s, c, c.String(), c2, err)
		}
		if ci, ok := LookupCode(c); ok && ci.Code != c {
			t.Fatalf("LookupCode(%v) returned %v", c, ci.Code)
		}
		_ = c.Class()
	})
}
