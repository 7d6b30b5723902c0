package smcproto

import (
	"net/netip"
	"strings"
)

// CLC fixtures. All are SYNTHETIC: hand-made from the layouts in
// docs/smc-protocol.md sections 2-6 (not captured from a real host). Each line of
// a dump is one field; the comment names it. Real captures are added as
// separate seeds/tests later.

var (
	peerA   = PeerID{0x12, 0x34, 0x02, 0, 0, 0, 0, 0x01} // 4660@02:00:00:00:00:01
	peerB   = PeerID{0x56, 0x78, 0x02, 0, 0, 0, 0, 0x02} // 22136@02:00:00:00:00:02
	gidA    = GID(unhex(`fe800000000000000000000000000001`))
	gidB    = GID(unhex(`fe800000000000000000000000000002`))
	gidV4   = GID(unhex(`00000000000000000000ffffc0000201`)) // ::ffff:192.0.2.1
	gidV4b  = GID(unhex(`00000000000000000000ffffc0000202`)) // ::ffff:192.0.2.2
	macA    = [6]byte{2, 0, 0, 0, 0, 1}
	macB    = [6]byte{2, 0, 0, 0, 0, 2}
	pfx24   = netip.MustParsePrefix("192.0.2.0/24")
	pfxNone = netip.MustParsePrefix("0.0.0.0/0")
)

func pad(s string, n int) string {
	h := ""
	for i := 0; i < len(s); i++ {
		h += strings.ToLower(hexByte(s[i]))
	}
	return h + strings.Repeat("20", n-len(s))
}

func hexByte(c byte) string {
	const d = "0123456789abcdef"
	return string([]byte{d[c>>4], d[c&15]})
}

type clcFixture struct {
	name string
	in   []byte
	want Message
}

func clcFixtures() []clcFixture {
	return []clcFixture{
		{
			name: "proposal 52 v1 rfc style ipv4 iparea_offset 0",
			in: unhex(`
				e2d4c3d9 01 0034 10               # SMCR, Proposal, length 52, v1, typev1 R
				1234 020000000001                 # peer id 4660@02:00:00:00:00:01
				fe800000000000000000000000000001  # preferred gid fe80::1
				020000000001                      # preferred mac
				0000                              # iparea_offset 0 (prefix area at 40)
				c0000200 18 0000 00               # 192.0.2.0/24, reserved, 0 ipv6 prefixes
				e2d4c3d9                          # trailer`),
			want: &Proposal{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeProposal, Length: 52, Version: 1},
				PeerID: peerA, GID: gidA, MAC: macA,
				HasIPArea: true, IPv4Prefix: pfx24,
			},
		},
		{
			name: "proposal 69 v1 one ipv6 prefix",
			in: unhex(`
				e2d4c3d9 01 0045 10               # SMCR, Proposal, length 69, v1, typev1 R
				1234 020000000001                 # peer id
				fe800000000000000000000000000001  # gid
				020000000001                      # mac
				0000                              # iparea_offset 0
				00000000 00 0000 01               # no ipv4 (IPv6 connection), 1 ipv6 prefix
				00000000000000000000000000000001 80 # ::1/128
				e2d4c3d9                          # trailer`),
			want: &Proposal{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeProposal, Length: 69, Version: 1},
				PeerID: peerA, GID: gidA, MAC: macA,
				HasIPArea: true, IPv4Prefix: pfxNone,
				IPv6Prefixes: []netip.Prefix{netip.MustParsePrefix("::1/128")},
			},
		},
		{
			name: "proposal 92 v2 sender only v1 paths (typev1 B typev2 N)",
			in: unhex(`
				e2d4c3d9 01 005c 2b               # SMCR, Proposal, length 92, v2, typev2 N typev1 B
				1234 020000000001                 # peer id
				fe800000000000000000000000000001  # gid
				020000000001                      # mac
				0028                              # iparea_offset 40
				0000000000001111 0000 0000        # smc-d area: ism gid 0x1111, chid 0, v2_ext_offset 0
				` + zeros(28) + `                 # smc-d area: vendor oui/options, reserved
				c0000200 18 0000 00               # 192.0.2.0/24, 0 ipv6 prefixes
				e2d4c3d9                          # trailer`),
			want: &Proposal{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeProposal, Length: 92, Version: 2, Flags: 0xb},
				PeerID: peerA, GID: gidA, MAC: macA, IPAreaOffset: 40,
				SMCDArea:  &ProposalSMCDArea{ISMGID: 0x1111},
				HasIPArea: true, IPv4Prefix: pfx24,
			},
		},
		{
			name: "proposal 132 v2 with v1 and v2 SMC-R, no eids",
			in: unhex(`
				e2d4c3d9 01 0084 20               # SMCR, Proposal, length 132, v2, typev2 R typev1 R
				1234 020000000001                 # peer id
				fe800000000000000000000000000001  # gid
				020000000001                      # mac
				0028                              # iparea_offset 40
				0000000000000000 0000 0024        # smc-d area: no ism, chid 0, v2_ext_offset 36 (→ 88)
				` + zeros(28) + `                 # reserved
				c0000200 18 0000 00               # 192.0.2.0/24, 0 ipv6 prefixes
				00 00 00 10 0000 0020             # v2 ext @88: 0 eids, 0 gids, release 1, smcd_v2_ext_offset 32
				00000000000000000000ffffc0000201  # rocev2 gid ::ffff:192.0.2.1
				ff 02 0001                        # max conns 255, max links 2, feature mask 1
				` + zeros(12) + `                 # reserved
				e2d4c3d9                          # trailer`),
			want: &Proposal{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeProposal, Length: 132, Version: 2},
				PeerID: peerA, GID: gidA, MAC: macA, IPAreaOffset: 40,
				SMCDArea:  &ProposalSMCDArea{V2ExtOffset: 36},
				HasIPArea: true, IPv4Prefix: pfx24,
				V2: &ProposalV2Ext{Release: 1, SMCDV2ExtOffset: 32, RoCEv2GID: gidV4, MaxConns: 255, MaxLinks: 2, FeatureMask: 1},
			},
		},
		{
			name: "proposal 224 v2 SMC-Dv2 only (loopback-ism) with eid",
			in: unhex(`
				e2d4c3d9 01 00e0 26               # SMCR, Proposal, length 224, v2, typev2 D typev1 N
				` + zeros(8) + `                  # peer id (zero: no SMC-R v1)
				` + zeros(16) + `                 # gid
				` + zeros(6) + `                  # mac
				0000                              # iparea_offset 0 (no prefix area)
				0000000000000000 0000 001c        # smc-d area: v2_ext_offset 28 (→ 80)
				` + zeros(28) + `                 # reserved
				01 02 00 11 0000 0040             # v2 ext @80: 1 eid, 2 gids, release 1 + seid, smcd_v2_ext_offset 64
				` + zeros(16) + `                 # rocev2 gid (none)
				00 00 0001                        # limits (n/a), feature mask 1 (emulated ism)
				` + zeros(12) + `                 # reserved
				` + pad("SMCDUMP-TEST-EID", 32) + ` # eid
				` + pad("SEID-1", 32) + `         # smc-dv2 ext @152: seid
				` + zeros(16) + `                 # reserved
				0000000000002222 ffff             # gid 0x2222 chid ffff (loopback-ism)
				0000000000003333 ffff             # extended gid 0x3333 chid ffff
				e2d4c3d9                          # trailer`),
			want: &Proposal{
				Header:   Header{Eyecatcher: EyecatcherR, Type: TypeProposal, Length: 224, Version: 2, Flags: 0x6},
				SMCDArea: &ProposalSMCDArea{V2ExtOffset: 28},
				V2: &ProposalV2Ext{EIDCount: 1, ISMGIDCount: 2, Release: 1, SEIDValid: true, SMCDV2ExtOffset: 64,
					FeatureMask: 1, EIDs: []string{"SMCDUMP-TEST-EID"}},
				SMCDV2: &ProposalSMCDV2Ext{SEID: "SEID-1", GIDs: []ISMGIDEntry{{0x2222, 0xffff}, {0x3333, 0xffff}}},
			},
		},
		{
			name: "accept 68 SMC-R v1 first contact",
			in: unhex(`
				e2d4c3d9 02 0044 18               # SMCR, Accept, length 68, v1, first contact, R
				5678 020000000002                 # peer id 22136@02:00:00:00:00:02
				fe800000000000000000000000000002  # gid
				020000000002                      # mac
				000123                            # qp number 0x123
				00001234                          # rmb rkey
				01                                # rmbe index
				00000005                          # rmbe alert token
				23                                # buffer size code 2 (64 KiB), mtu code 3 (1024)
				00                                # reserved
				0000000012340000                  # rmb virtual address
				00                                # reserved
				000abc                            # initial psn
				e2d4c3d9                          # trailer`),
			want: &Accept{AcceptConfirm{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeAccept, Length: 68, Version: 1, Flags: 0x8},
				PeerID: peerB, GID: gidB, MAC: macB, QPN: 0x123, RKey: 0x1234, RMBEIndex: 1, RMBEAlertToken: 5,
				BufSizeCode: 2, MTUCode: 3, RMBVAddr: 0x12340000, PSN: 0xabc,
			}},
		},
		{
			name: "confirm 48 SMC-D v1",
			in: unhex(`
				e2d4c3c4 03 0030 11               # SMCD, Confirm, length 48, v1, D
				0000000000001111                  # ism gid
				00000000deadbeef                  # dmb token
				00                                # dmbe index
				60                                # dmbe size code 6 (1 MiB)
				0000                              # reserved
				00000007                          # link id
				` + zeros(12) + `                 # reserved
				e2d4c3c4                          # trailer`),
			want: &Confirm{AcceptConfirm{
				Header: Header{Eyecatcher: EyecatcherD, Type: TypeConfirm, Length: 48, Version: 1, Flags: 0x1},
				ISMGID: 0x1111, DMBToken: 0xdeadbeef, BufSizeCode: 6, LinkID: 7,
			}},
		},
		{
			name: "confirm 108 SMC-R v2 not first contact",
			in: unhex(`
				e2d4c3d9 03 006c 20               # SMCR, Confirm, length 108, v2, R
				1234 020000000001                 # peer id
				00000000000000000000ffffc0000201  # gid ::ffff:192.0.2.1
				020000000001                      # mac
				000456 00005678 01 00000009 34 00 # qpn, rkey, rmbe index, token, bufsize 3 mtu 4, reserved
				0000000000010000 00 000001        # vaddr, reserved, psn
				` + pad("SMCDUMP-TEST-EID", 32) + ` # negotiated eid
				` + zeros(8) + `                  # reserved
				e2d4c3d9                          # trailer`),
			want: &Confirm{AcceptConfirm{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeConfirm, Length: 108, Version: 2},
				PeerID: peerA, GID: gidV4, MAC: macA, QPN: 0x456, RKey: 0x5678, RMBEIndex: 1, RMBEAlertToken: 9,
				BufSizeCode: 3, MTUCode: 4, RMBVAddr: 0x10000, PSN: 1, EID: "SMCDUMP-TEST-EID",
			}},
		},
		{
			name: "accept 160 SMC-R v2 first contact",
			in: unhex(`
				e2d4c3d9 02 00a0 28               # SMCR, Accept, length 160, v2, first contact, R
				5678 020000000002                 # peer id
				00000000000000000000ffffc0000202  # gid ::ffff:192.0.2.2
				020000000002                      # mac
				000789 0000abcd 01 0000000a 25 00 # qpn, rkey, rmbe index, token, bufsize 2 mtu 5
				0000000000020000 00 000002        # vaddr, reserved, psn
				` + pad("SMCDUMP-TEST-EID", 32) + ` # negotiated eid
				` + zeros(8) + `                  # reserved
				80 21 0000                        # fce @104: v2 direct, os Linux, release 1
				` + pad("server-host", 32) + `    # hostname
				ff 02 0000                        # max conns 255, max links 2, feature mask 0
				` + zeros(12) + `                 # vendor options, reserved
				e2d4c3d9                          # trailer`),
			want: &Accept{AcceptConfirm{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeAccept, Length: 160, Version: 2, Flags: 0x8},
				PeerID: peerB, GID: gidV4b, MAC: macB, QPN: 0x789, RKey: 0xabcd, RMBEIndex: 1, RMBEAlertToken: 10,
				BufSizeCode: 2, MTUCode: 5, RMBVAddr: 0x20000, PSN: 2, EID: "SMCDUMP-TEST-EID",
				FCE: &FirstContactExt{V2Direct: true, OSType: 2, Release: 1, Hostname: "server-host", MaxConns: 255, MaxLinks: 2, Len: 52},
			}},
		},
		confirmRv2FC(1),
		confirmRv2FC(2),
		{
			name: "accept 78 SMC-D v2 not first contact (loopback-ism)",
			in: unhex(`
				e2d4c3c4 02 004e 21               # SMCD, Accept, length 78, v2, D
				0000000000002222                  # ism gid
				0000000000000042                  # dmb token
				00 10 0000                        # dmbe index, size code 1 (32 KiB), reserved
				00000003                          # link id
				ffff                              # chid (emulated ism)
				` + zeros(32) + `                 # no eid
				0000000000003333                  # extended gid
				e2d4c3c4                          # trailer`),
			want: &Accept{AcceptConfirm{
				Header: Header{Eyecatcher: EyecatcherD, Type: TypeAccept, Length: 78, Version: 2, Flags: 0x1},
				ISMGID: 0x2222, DMBToken: 0x42, BufSizeCode: 1, LinkID: 3, CHID: 0xffff, ExtGID: 0x3333,
			}},
		},
		{
			name: "confirm 114 SMC-D v2.0 first contact (36-byte fce)",
			in: unhex(`
				e2d4c3c4 03 0072 29               # SMCD, Confirm, length 114, v2, first contact, D
				0000000000003333                  # ism gid
				0000000000000043                  # dmb token
				00 00 0000                        # dmbe index, size code 0 (16 KiB)
				00000003                          # link id
				ffff                              # chid
				` + pad("SMCDUMP-TEST-EID", 32) + ` # eid
				0000000000002222                  # extended gid
				00 20 0000                        # fce @74: os Linux, release 0
				` + pad("client-host", 32) + `    # hostname
				e2d4c3c4                          # trailer`),
			want: &Confirm{AcceptConfirm{
				Header: Header{Eyecatcher: EyecatcherD, Type: TypeConfirm, Length: 114, Version: 2, Flags: 0x9},
				ISMGID: 0x3333, DMBToken: 0x43, LinkID: 3, CHID: 0xffff, ExtGID: 0x2222, EID: "SMCDUMP-TEST-EID",
				FCE: &FirstContactExt{OSType: 2, Hostname: "client-host", Len: 36},
			}},
		},
		{
			name: "accept 130 SMC-D v2.1 first contact (52-byte fce)",
			in: unhex(`
				e2d4c3c4 02 0082 29               # SMCD, Accept, length 130, v2, first contact, D
				0000000000002222                  # ism gid
				0000000000000044                  # dmb token
				00 40 0000                        # dmbe index, size code 4 (256 KiB)
				00000004                          # link id
				ffff                              # chid
				` + zeros(32) + `                 # no eid
				0000000000003333                  # extended gid
				00 21 0000                        # fce @74: os Linux, release 1
				` + pad("server-host", 32) + `    # hostname
				00 00 0001                        # max conns/links (SMC-R only), feature mask 1
				` + zeros(12) + `                 # vendor options, reserved
				e2d4c3c4                          # trailer`),
			want: &Accept{AcceptConfirm{
				Header: Header{Eyecatcher: EyecatcherD, Type: TypeAccept, Length: 130, Version: 2, Flags: 0x9},
				ISMGID: 0x2222, DMBToken: 0x44, BufSizeCode: 4, LinkID: 4, CHID: 0xffff, ExtGID: 0x3333,
				FCE: &FirstContactExt{OSType: 2, Release: 1, Hostname: "server-host", FeatureMask: 1, Len: 52},
			}},
		},
		{
			name: "decline 28 v1 placeholder peer id NOSMCDEV",
			in: unhex(`
				e2d4c3d9 04 001c 10               # SMCR, Decline, length 28, v1
				25252525252525 00                 # peer id "%%%%%%%\0" placeholder
				03030000                          # peer diagnosis NOSMCDEV
				00 000000                         # reserved
				e2d4c3d9                          # trailer`),
			want: &Decline{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeDecline, Length: 28, Version: 1},
				PeerID: placeholderPeerID, Diagnosis: 0x03030000,
			},
		},
		{
			name: "decline 44 v2 out of sync SYNCERR",
			in: unhex(`
				e2d4c3d9 04 002c 28               # SMCR, Decline, length 44, v2, out of sync
				1234 020000000001                 # peer id
				04000000                          # peer diagnosis SYNCERR
				20 000000                         # os type 2 (Linux), reserved
				` + zeros(16) + `                 # four more diagnosis codes (zero)
				e2d4c3d9                          # trailer`),
			want: &Decline{
				Header: Header{Eyecatcher: EyecatcherR, Type: TypeDecline, Length: 44, Version: 2, Flags: 0x8},
				PeerID: peerA, Diagnosis: 0x04000000, OSType: 2,
			},
		},
	}
}

// confirmRv2FC builds the SMC-R v2 Confirm with first contact and m GIDs
// (lengths 180 and 196 of section 5.5).
func confirmRv2FC(m int) clcFixture {
	length := 164 + 16*m
	gids := []GID{gidB, gidV4b}[:m]
	list := ""
	for _, g := range gids {
		list += hexString(g[:]) + " # alternate gid\n"
	}
	return clcFixture{
		name: "confirm " + itoa(length) + " SMC-R v2 first contact with " + itoa(m) + " gids",
		in: unhex(`
			e2d4c3d9 03 00` + hexByte(byte(length)) + ` 28 # SMCR, Confirm, v2, first contact, R
			1234 020000000001                 # peer id
			00000000000000000000ffffc0000201  # gid
			020000000001                      # mac
			000456 00005678 01 00000009 25 00 # qpn, rkey, rmbe index, token, bufsize 2 mtu 5
			0000000000010000 00 000001        # vaddr, reserved, psn
			` + pad("SMCDUMP-TEST-EID", 32) + ` # eid
			` + zeros(8) + `                  # reserved
			80 21 0000                        # fce @104: v2 direct, Linux, release 1
			` + pad("client-host", 32) + `    # hostname
			ff 02 0000                        # max conns, max links, feature mask
			` + zeros(12) + `                 # vendor options, reserved
			0` + itoa(m) + ` 000000            # gid list count
			` + list + `
			e2d4c3d9                          # trailer`),
		want: &Confirm{AcceptConfirm{
			Header: Header{Eyecatcher: EyecatcherR, Type: TypeConfirm, Length: uint16(length), Version: 2, Flags: 0x8},
			PeerID: peerA, GID: gidV4, MAC: macA, QPN: 0x456, RKey: 0x5678, RMBEIndex: 1, RMBEAlertToken: 9,
			BufSizeCode: 2, MTUCode: 5, RMBVAddr: 0x10000, PSN: 1, EID: "SMCDUMP-TEST-EID",
			FCE:     &FirstContactExt{V2Direct: true, OSType: 2, Release: 1, Hostname: "client-host", MaxConns: 255, MaxLinks: 2, Len: 52},
			GIDList: gids,
		}},
	}
}

func hexString(b []byte) string {
	s := ""
	for _, c := range b {
		s += hexByte(c)
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}
