package smcproto

import (
	"bytes"
	"errors"
	"testing"
)

// LLC/CDC fixtures: SYNTHETIC, hand-made from docs/smc-protocol.md section 9 (no
// RoCE capture available yet).
func llcFixtures() []struct {
	name string
	in   []byte
	want *LLC
} {
	return []struct {
		name string
		in   []byte
		want *LLC
	}{
		{
			name: "confirm link request v1",
			in: unhex(`
				01 2c 00 03                       # CONFIRM_LINK, length 44, no-RMBE-eyecatcher flags
				020000000002                      # sender mac
				fe800000000000000000000000000002  # sender gid
				000789                            # sender qp number
				01                                # link number
				00000101                          # link user id
				02                                # max links
				` + zeros(9) + `                  # reserved`),
			want: &LLC{Type: LLCConfirmLink, Version: 1, Length: 44, Flags: 0x03, MAC: macB, GID: gidB, QPN: 0x789, LinkNum: 1, LinkUserID: 0x101, MaxLinks: 2},
		},
		{
			name: "confirm link response v1",
			in: unhex(`
				01 2c 00 83                       # CONFIRM_LINK, response + no-RMBE-eyecatcher
				020000000001                      # sender mac
				fe800000000000000000000000000001  # sender gid
				000456 01 00000202 02             # qpn, link number, link user id, max links
				` + zeros(9)),
			want: &LLC{Type: LLCConfirmLink, Version: 1, Length: 44, Flags: 0x83, Response: true, MAC: macA, GID: gidA, QPN: 0x456, LinkNum: 1, LinkUserID: 0x202, MaxLinks: 2},
		},
		{
			name: "add link v1",
			in: unhex(`
				02 2c 00 00                       # ADD_LINK
				020000000002 0000                 # sender mac, reserved
				fe800000000000000000000000000002  # sender gid
				000999 02                         # qpn, link number
				` + zeros(12)),
			want: &LLC{Type: LLCAddLink, Version: 1, Length: 44, MAC: macB, GID: gidB, QPN: 0x999, LinkNum: 2},
		},
		{
			name: "delete link v1 all orderly",
			in: unhex(`
				04 2c 00 60                       # DELETE_LINK, all links + orderly
				01 00020000                       # link number 1, reason operator initiated
				` + zeros(35)),
			want: &LLC{Type: LLCDeleteLink, Version: 1, Length: 44, Flags: 0x60, LinkNum: 1, Reason: 0x00020000},
		},
		{
			name: "test link response v1",
			in:   unhex(`07 2c 00 80` + zeros(40)),
			want: &LLC{Type: LLCTestLink, Version: 1, Length: 44, Flags: 0x80, Response: true},
		},
		{
			name: "cdc",
			in: unhex(`
				fe 2c 0007                        # CDC, length 44, sequence 7
				0000000a                          # token
				0000 0001 00001000                # producer cursor: wrap 1, count 4096
				0000 0000 00000800                # consumer cursor: wrap 0, count 2048
				40 80                             # urgent pending, peer done writing
				` + zeros(18)),
			want: &LLC{Type: LLCCDC, Version: 1, Length: 44, CDC: &CDC{Seq: 7, Token: 10, ProdWrap: 1, ProdCount: 4096, ConsCount: 2048, ProdFlags: 0x40, ConnFlags: 0x80}},
		},
		{
			name: "confirm link v2 big-endian length",
			in: unhex(`
				21 002c 03                        # CONFIRM_LINK v2, length 44 (BE)
				020000000002 fe800000000000000000000000000002 000789 01 00000101 02
				` + zeros(9)),
			want: &LLC{Type: LLCConfirmLink, Version: 2, Length: 44, Flags: 0x03, MAC: macB, GID: gidB, QPN: 0x789, LinkNum: 1, LinkUserID: 0x101, MaxLinks: 2},
		},
		{
			name: "delete link v2 little-endian length",
			in: unhex(`
				24 2c00 00                        # DELETE_LINK v2, length 44 written little-endian
				02 00010000                       # link 2, lost path
				` + zeros(35)),
			want: &LLC{Type: LLCDeleteLink, Version: 2, Length: 44, LengthLE: true, LinkNum: 2, Reason: 0x00010000},
		},
		{
			name: "add link v2 with 16 extra bytes",
			in: unhex(`
				22 003c 80                        # ADD_LINK v2, length 60, response
				020000000001 0000 fe800000000000000000000000000001 000111 02
				` + zeros(12) + zeros(16)),
			want: &LLC{Type: LLCAddLink, Version: 2, Length: 60, Flags: 0x80, Response: true, MAC: macA, GID: gidA, QPN: 0x111, LinkNum: 2},
		},
	}
}

func TestDecodeLLC(t *testing.T) {
	for _, tt := range llcFixtures() {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeLLC(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, tt.want, got)
			enc, err := tt.want.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, tt.in) {
				t.Errorf("MarshalBinary:\n got % x\nwant % x", enc, tt.in)
			}
			for n := 2; n < len(tt.in); n++ {
				if _, err := DecodeLLC(tt.in[:n]); !errors.Is(err, ErrTruncated) && !(tt.want.LengthLE && errors.Is(err, ErrMalformed)) {
					t.Fatalf("first %d bytes: err = %v, want ErrTruncated", n, err)
				}
			}
		})
	}
	if got := LLCConfirmLink.String() + " " + LLCCDC.String() + " " + LLCType(0x42).String(); got != "CONFIRM_LINK CDC LLCType(0x42)" {
		t.Errorf("String: %q", got)
	}
}

func TestDecodeLLCNotLLC(t *testing.T) {
	for name, in := range map[string][]byte{
		"empty":                 nil,
		"one byte":              {0x01},
		"unknown type 0x0a":     unhex(`0a 2c 00 00` + zeros(40)),
		"v1 length 43":          unhex(`01 2b 00 00` + zeros(39)),
		"v1 with icrc":          unhex(`07 2c 00 00` + zeros(40) + `deadbeef`),
		"v2 type 0x23":          unhex(`23 002c 00` + zeros(40)),
		"v2 length below 44":    unhex(`27 0028 00` + zeros(36)),
		"v2 length mismatch":    unhex(`27 0030 00` + zeros(60)),
		"v2 length beyond 8192": unhex(`27 3000 00` + zeros(40)),
		"tcp payload":           []byte("GET / HTTP/1.1\r\n"),
	} {
		if _, err := DecodeLLC(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func BenchmarkDecodeLLCCDC(b *testing.B) {
	in := llcFixtures()[5].in
	var l LLC
	b.ReportAllocs()
	for b.Loop() {
		if err := l.UnmarshalBinary(in); err != nil {
			b.Fatal(err)
		}
	}
}
