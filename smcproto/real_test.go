package smcproto

import (
	"bytes"
	"errors"
	"testing"
)

var (
	realMAC1 = [6]byte{0x52, 0x54, 0x00, 0x5c, 0x00, 0x01}
	realMAC2 = [6]byte{0x52, 0x54, 0x00, 0x5c, 0x00, 0x02}
	realGID1 = GID(unhex(`00000000000000000000ffff0a000001`)) // ::ffff:10.0.0.1
	realGID2 = GID(unhex(`00000000000000000000ffff0a000002`)) // ::ffff:10.0.0.2
)

// TestDecodeReal decodes real CLC messages from the lab captures (see
// real_bytes_test.go), checks the decoded values and that re-encoding gives
// the captured bytes exactly.
func TestDecodeReal(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		want  Message                       // full value, or nil
		check func(t *testing.T, m Message) // field checks, or nil
	}{
		{
			name: "decline 28 v1 NOSMCDEV (server without device, Linux 6.12: zero peer id)",
			in:   realDecline28,
			want: &Decline{Header: Header{Eyecatcher: EyecatcherR, Type: TypeDecline, Length: 28, Version: 1}, Diagnosis: 0x03030000},
		},
		{
			name: "decline 44 v2 TIMEOUT_CL (RoCE blocked after Confirm)",
			in:   realDecline44,
			want: &Decline{Header: Header{Eyecatcher: EyecatcherR, Type: TypeDecline, Length: 44, Version: 2},
				PeerID: PeerID(unhex(`8017eec9c67944ae`)), Diagnosis: 0x02010000, OSType: 2},
		},
		{
			name: "proposal 156 v2 SMC-Rv2 only with one UEID",
			in:   realProposal156,
			want: &Proposal{
				Header:   Header{Eyecatcher: EyecatcherR, Type: TypeProposal, Length: 156, Version: 2, Flags: 0x2},
				SMCDArea: &ProposalSMCDArea{V2ExtOffset: 28},
				V2: &ProposalV2Ext{EIDCount: 1, Release: 1, RoCEv2GID: realGID1, MaxConns: 255, MaxLinks: 2, FeatureMask: 1,
					EIDs: []string{"SMCDUMP-LAB-UEID"}},
			},
		},
		{
			name: "accept 160 SMC-Rv2 first contact",
			in:   realAccept160,
			check: func(t *testing.T, m Message) {
				a := m.(*Accept)
				if a.PeerID.String() != "53061@52:54:00:5c:00:02" || a.GID != realGID2 || a.MAC != realMAC2 ||
					a.QPN != 17 || a.RKey != 910 || a.RMBEAlertToken != 1 || a.BufferSize() != 64<<10 || a.MTU() != 1024 ||
					a.EID != "SMCDUMP-LAB-UEID" || a.GIDList != nil {
					t.Errorf("accept: %+v", a)
				}
				diff(t, &FirstContactExt{V2Direct: true, OSType: 2, Release: 1, Hostname: "smclab-server", MaxConns: 255, MaxLinks: 2, FeatureMask: 1, Len: 52}, a.FCE)
			},
		},
		{
			name: "confirm 180 SMC-Rv2 first contact, one alternate gid",
			in:   realConfirm180,
			check: func(t *testing.T, m Message) {
				c := m.(*Confirm)
				if c.MAC != realMAC1 || c.QPN != 17 || c.RMBEAlertToken != 1 || c.FCE == nil || c.FCE.Hostname != "smclab-client" {
					t.Errorf("confirm: %+v", c)
				}
				diff(t, []GID{realGID1}, c.GIDList)
			},
		},
		{
			name: "accept 108 SMC-Rv2 second connection (no first contact)",
			in:   realAccept108,
			check: func(t *testing.T, m Message) {
				a := m.(*Accept)
				if a.FCE != nil || a.RMBEAlertToken != 2 || a.RKey != 1755 {
					t.Errorf("accept: %+v", a)
				}
			},
		},
		{
			name: "confirm 108 SMC-Rv2 second connection",
			in:   realConfirm108,
			check: func(t *testing.T, m Message) {
				c := m.(*Confirm)
				if c.FCE != nil || c.RMBEAlertToken != 2 || c.GIDList != nil {
					t.Errorf("confirm: %+v", c)
				}
			},
		},
		{
			name: "confirm 196 SMC-Rv2 first contact, two gids",
			in:   realConfirm196,
			check: func(t *testing.T, m Message) {
				c := m.(*Confirm)
				diff(t, []GID{realGID1, realGID2}, c.GIDList)
				if c.FCE == nil || c.FCE.Hostname != "smclab-single" {
					t.Errorf("confirm: %+v", c)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil {
				diff(t, tt.want, m)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
			enc, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, tt.in) {
				t.Errorf("re-encoded:\n got % x\nwant % x", enc, tt.in)
			}
			for n := 0; n < len(tt.in); n++ {
				if _, err := Decode(tt.in[:n]); !errors.Is(err, ErrTruncated) {
					t.Fatalf("first %d bytes: %v", n, err)
				}
			}
		})
	}
}

// TestDecodeLLCReal decodes real SMC-Rv2 LLC and CDC messages. Linux 6.12 on
// x86 writes the v2 length little-endian (host order), which Wireshark 4.0
// does not recognise.
func TestDecodeLLCReal(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want *LLC
	}{
		{"confirm link request", realConfirmLinkReq, &LLC{Type: LLCConfirmLink, Version: 2, Length: 44, LengthLE: true, Flags: 0x03,
			MAC: realMAC2, GID: realGID2, QPN: 17, LinkNum: 1, LinkUserID: 0x101, MaxLinks: 2, MaxConns: 255}},
		{"confirm link response", realConfirmLinkResp, &LLC{Type: LLCConfirmLink, Version: 2, Length: 44, LengthLE: true, Flags: 0x83, Response: true,
			MAC: realMAC1, GID: realGID1, QPN: 17, LinkNum: 1, LinkUserID: 0x101, MaxLinks: 2, MaxConns: 255}},
		{"add link 88 bytes", realAddLink88, &LLC{Type: LLCAddLink, Version: 2, Length: 88, LengthLE: true, MAC: realMAC2, GID: realGID2, QPN: 18, LinkNum: 2}},
		{"add link response rejected", realAddLinkResp, &LLC{Type: LLCAddLink, Version: 2, Length: 44, LengthLE: true, Flags: 0xc0, Response: true,
			MAC: realMAC2, GID: realGID2, QPN: 18, LinkNum: 2}},
		{"cdc", realCdc, &LLC{Type: LLCCDC, Version: 1, Length: 44, CDC: &CDC{Seq: 1, Token: 1, ProdCount: 16384}}},
		{"cdc peer closed", realCdcPeerClosed, &LLC{Type: LLCCDC, Version: 1, Length: 44, CDC: &CDC{Seq: 2, Token: 1, ProdCount: 16384, ConsCount: 16384, ConnFlags: 0x40}}},
		{"delete rkey", realDeleteRKey, &LLC{Type: LLCDeleteRKey, Version: 2, Length: 44, LengthLE: true}},
		{"confirm rkey", realConfirmRKey, &LLC{Type: LLCConfirmRKey, Version: 2, Length: 44, LengthLE: true}},
		{"delete link all", realDeleteLinkAll, &LLC{Type: LLCDeleteLink, Version: 2, Length: 44, LengthLE: true, Flags: 0x40, Reason: 0x00020000}},
		{"delete link all orderly", realDeleteLinkOrderly, &LLC{Type: LLCDeleteLink, Version: 2, Length: 44, LengthLE: true, Flags: 0x60, Reason: 0x00020000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeLLC(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			diff(t, tt.want, got)
		})
	}
}
