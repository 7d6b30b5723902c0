package smcproto

import (
	"errors"
	"testing"
)

func TestParseTCPOptions(t *testing.T) {
	smc := ExpOption{Kind: 254, ExID: ExIDSMC, ExIDLen: 4}
	tests := []struct {
		name    string
		in      []byte
		want    TCPOptions
		wantErr error
	}{
		{name: "empty", in: nil},
		{
			// Synthetic, Linux SYN layout: MSS 1460, SACK-perm, TS, NOP, WS 7,
			// then 01 01 FE 06 E2 D4 C3 D9 (docs/smc-protocol.md section 1).
			name: "linux syn with smc",
			in: unhex(`
				02 04 05 b4             # MSS 1460
				04 02                   # SACK permitted
				08 0a 00 00 00 01 00 00 00 00 # timestamps
				01 03 03 07             # NOP, window scale 7
				01 01 fe 06 e2 d4 c3 d9 # NOP NOP, kind 254 len 6 ExID E2D4C3D9`),
			want: TCPOptions{SMC: true, Experimental: []ExpOption{smc}},
		},
		{name: "append smc option", in: AppendSMCOption(nil), want: TCPOptions{SMC: true, Experimental: []ExpOption{smc}}},
		{
			name: "smc option length 8 with data (even, >= 6: counts)",
			in:   unhex(`fe 08 e2 d4 c3 d9 aa bb`),
			want: TCPOptions{SMC: true, Experimental: []ExpOption{{Kind: 254, ExID: ExIDSMC, ExIDLen: 4, Data: []byte{0xaa, 0xbb}}}},
		},
		{
			name: "smc magic with odd length 7 does not count",
			in:   unhex(`fe 07 e2 d4 c3 d9 aa 00`),
			want: TCPOptions{Experimental: []ExpOption{{Kind: 254, ExID: ExIDSMC, ExIDLen: 4, Data: []byte{0xaa}}}},
		},
		{
			name: "smc magic in kind 253 does not count",
			in:   unhex(`fd 06 e2 d4 c3 d9`),
			want: TCPOptions{Experimental: []ExpOption{{Kind: 253, ExID: ExIDSMC, ExIDLen: 4}}},
		},
		{
			// TCP Fast Open with the RFC 6994 16-bit ExID F989 and an 8-byte cookie.
			name: "tfo experimental option",
			in:   unhex(`fe 0c f9 89 01 02 03 04 05 06 07 08`),
			want: TCPOptions{Experimental: []ExpOption{{Kind: 254, ExID: 0xf989, ExIDLen: 2, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}}}},
		},
		{
			name: "experimental option too short for an exid",
			in:   unhex(`fe 03 aa`),
			want: TCPOptions{Experimental: []ExpOption{{Kind: 254, Data: []byte{0xaa}}}},
		},
		{name: "eol stops parsing", in: unhex(`00 fe 06 e2 d4 c3 d9`)},
		{name: "only nops", in: unhex(`01 01 01 01`)},
		{
			name:    "missing length byte",
			in:      unhex(`01 01 fe`),
			wantErr: ErrMalformed,
		},
		{
			name:    "length below 2",
			in:      unhex(`fe 01 00 00`),
			wantErr: ErrMalformed,
		},
		{
			name:    "option runs past area, smc found before is kept",
			in:      unhex(`01 01 fe 06 e2 d4 c3 d9 08 0a 00 00`),
			want:    TCPOptions{SMC: true, Experimental: []ExpOption{smc}},
			wantErr: ErrMalformed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTCPOptions(tt.in)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			diff(t, tt.want, got)
			if err == nil {
				enc, err := got.AppendBinary(nil)
				if err != nil {
					t.Fatal(err)
				}
				again, err := ParseTCPOptions(enc)
				if err != nil {
					t.Fatalf("re-parse: %v", err)
				}
				diff(t, got, again)
			}
		})
	}
}

func TestParseTCPOptionsErrorOffset(t *testing.T) {
	_, err := ParseTCPOptions(unhex(`01 01 02 09 00 00`))
	var de *DecodeError
	if !errors.As(err, &de) || de.Offset != 3 {
		t.Fatalf("err = %v, want DecodeError at offset 3", err)
	}
}

func TestAppendSMCOption(t *testing.T) {
	got := AppendSMCOption([]byte{0xaa})
	diff(t, []byte{0xaa, 1, 1, 0xfe, 6, 0xe2, 0xd4, 0xc3, 0xd9}, got)
}

func BenchmarkParseTCPOptionsSYN(b *testing.B) {
	in := unhex(`020405b4 0402 080a0000000100000000 01030307 0101fe06e2d4c3d9`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTCPOptions(in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHasSMCOption: HasSMCOption agrees with ParseTCPOptions on every table
// input (and the fuzz target checks the same on arbitrary bytes), without
// allocating.
func TestHasSMCOption(t *testing.T) {
	ins := [][]byte{nil, AppendSMCOption(nil), unhex(`020405b4 0402 080a0000000100000000 01030307 0101fe06e2d4c3d9`),
		unhex(`fe0cf9890102030405060708`), unhex(`fe07e2d4c3d9aa00 fd06e2d4c3d9`), unhex(`fd06e2d4c3d9`),
		unhex(`0101fe06e2d4c3d9 080a0000`), unhex(`fe01`), unhex(`fe05e2d4c3`), unhex(`fe08e2d4c3d90000`)}
	for _, in := range ins {
		want, _ := ParseTCPOptions(in)
		if got := HasSMCOption(in); got != want.SMC {
			t.Errorf("% x: HasSMCOption %v, ParseTCPOptions SMC %v", in, got, want.SMC)
		}
	}
	syn := ins[2]
	if n := testing.AllocsPerRun(100, func() { HasSMCOption(syn) }); n != 0 {
		t.Errorf("HasSMCOption: %.1f allocations, want 0", n)
	}
}
