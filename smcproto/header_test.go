package smcproto

import (
	"errors"
	"io"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    Header
		wantErr error
	}{
		{
			name: "proposal v2 typev2 N typev1 R",
			in:   unhex(`e2d4c3d9 01 005c 28`), // SMCR, Proposal, len 92, v2 flags 1000 (v2 N, v1 R)
			want: Header{Eyecatcher: EyecatcherR, Type: TypeProposal, Length: 92, Version: 2, Flags: 0x8},
		},
		{
			name: "accept smc-d v2 first contact",
			in:   unhex(`e2d4c3c4 02 0072 29`),
			want: Header{Eyecatcher: EyecatcherD, Type: TypeAccept, Length: 114, Version: 2, Flags: 0x9},
		},
		{name: "empty", in: nil, wantErr: ErrTruncated},
		{name: "7 bytes", in: unhex(`e2d4c3d9 04 001c`), wantErr: ErrTruncated},
		{
			name:    "bad eyecatcher",
			in:      unhex(`474554 20 01 001c 10`), // "GET " HTTP
			want:    Header{Eyecatcher: [4]byte{0x47, 0x45, 0x54, 0x20}, Type: 1, Length: 28, Version: 1},
			wantErr: ErrMalformed,
		},
		{
			name:    "type 5",
			in:      unhex(`e2d4c3d9 05 001c 10`),
			want:    Header{Eyecatcher: EyecatcherR, Type: 5, Length: 28, Version: 1},
			wantErr: ErrMalformed,
		},
		{
			name:    "version 0",
			in:      unhex(`e2d4c3d9 04 001c 00`),
			want:    Header{Eyecatcher: EyecatcherR, Type: TypeDecline, Length: 28},
			wantErr: ErrMalformed,
		},
		{
			name:    "length 11",
			in:      unhex(`e2d4c3d9 04 000b 10`),
			want:    Header{Eyecatcher: EyecatcherR, Type: TypeDecline, Length: 11, Version: 1},
			wantErr: ErrMalformed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHeader(tt.in)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			diff(t, tt.want, got)
		})
	}
}

func TestErrTruncatedIsUnexpectedEOF(t *testing.T) {
	_, err := ParseHeader([]byte{0xe2})
	if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
	want := "smcproto: clc header: need 8 bytes, have 1 (offset 1): truncated: unexpected EOF"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestHeaderBits(t *testing.T) {
	h := Header{Flags: 0x0D} // 1101: v2 type D (11? no: bits 3-2 = 11 = B), v1 = 01 = D
	if h.TypeV1() != PathD || h.TypeV2() != PathBoth || !h.FirstContact() || !h.OutOfSync() {
		t.Errorf("bits of %#x: v1 %v v2 %v fc %v", h.Flags, h.TypeV1(), h.TypeV2(), h.FirstContact())
	}
	for p, s := range map[PathType]string{PathR: "R", PathD: "D", PathNone: "N", PathBoth: "B"} {
		if p.String() != s {
			t.Errorf("%d.String() = %q, want %q", p, p.String(), s)
		}
	}
	for m, s := range map[MsgType]string{TypeProposal: "Proposal", TypeAccept: "Accept", TypeConfirm: "Confirm", TypeDecline: "Decline", 9: "MsgType(9)"} {
		if m.String() != s {
			t.Errorf("%d.String() = %q, want %q", m, m.String(), s)
		}
	}
}

func TestHasEyecatcher(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want bool
	}{
		{unhex(`e2d4c3d9`), true},
		{unhex(`e2d4c3c4 00`), true},
		{unhex(`e2d4c3`), false},
		{unhex(`e2d4c3c5`), false},
	} {
		if got := HasEyecatcher(tt.in); got != tt.want {
			t.Errorf("HasEyecatcher(% x) = %v", tt.in, got)
		}
	}
}

func TestPeerIDAndGID(t *testing.T) {
	p := PeerID{0x12, 0x34, 0x02, 0, 0, 0, 0, 0x01}
	if got := p.String(); got != "4660@02:00:00:00:00:01" {
		t.Errorf("PeerID.String() = %q", got)
	}
	if p.IsPlaceholder() || p.IsZero() {
		t.Error("unexpected placeholder/zero")
	}
	ph := PeerID{'%', '%', '%', '%', '%', '%', '%', 0}
	if !ph.IsPlaceholder() || !(PeerID{}).IsZero() {
		t.Error("placeholder/zero not detected")
	}
	g := GID(unhex(`00000000000000000000ffffc0000201`))
	if g.String() != "::ffff:192.0.2.1" || g.Addr().Unmap().String() != "192.0.2.1" {
		t.Errorf("GID = %v", g)
	}
	if MACString([6]byte{0xde, 0xad, 0xbe, 0xef, 0, 1}) != "de:ad:be:ef:00:01" {
		t.Error("MACString")
	}
}

// TestLower: the names of the four message types in error texts, and any
// other type by its number.
func TestLower(t *testing.T) {
	for typ, want := range map[MsgType]string{
		TypeProposal: "proposal", TypeAccept: "accept", TypeConfirm: "confirm", TypeDecline: "decline",
		0: "type 0", 5: "type 5", 255: "type 255",
	} {
		if got := lower(typ); got != want {
			t.Errorf("lower(%d) = %q, want %q", typ, got, want)
		}
	}
}
