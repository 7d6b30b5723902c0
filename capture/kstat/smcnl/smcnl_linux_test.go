package smcnl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/smcproto"
)

// The replies below are SYNTHETIC: built with the netlink attribute encoder
// from the attribute tables in docs/smc-protocol.md section 12 (a 6.12-like
// kernel with SMC-R traffic and fallbacks).

func enc(t testing.TB, fn func(ae *netlink.AttributeEncoder)) []byte {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	fn(ae)
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hist(vals ...uint64) func(*netlink.AttributeEncoder) error {
	return func(ae *netlink.AttributeEncoder) error {
		for i, v := range vals {
			ae.Uint64(uint16(i+1), v)
		}
		return nil
	}
}

func syntheticReplies(t testing.TB) map[uint8][][]byte {
	r := map[uint8][][]byte{}
	r[CmdGetSysInfo] = [][]byte{enc(t, func(ae *netlink.AttributeEncoder) {
		ae.Nested(1 /* SMC_GEN_SYS_INFO */, func(ae *netlink.AttributeEncoder) error {
			ae.Uint8(1, 2)
			ae.Uint8(2, 1)
			ae.Uint8(3, 0)
			ae.String(4, "hosta")
			ae.String(5, "SEID-1")
			ae.Uint8(6, 1)
			return nil
		})
	})}
	tech := func(ae *netlink.AttributeEncoder) error {
		ae.Uint64(0, 0) // PAD must be skipped
		ae.Nested(1, hist(0, 0, 0, 100))
		ae.Nested(2, hist(0, 0, 0, 100))
		ae.Nested(3, hist(1500, 730))
		ae.Nested(4, hist(2000, 500, 500))
		ae.Nested(5, func(ae *netlink.AttributeEncoder) error { ae.Uint64(6, 100); return nil })
		ae.Nested(6, func(ae *netlink.AttributeEncoder) error { ae.Uint64(4, 2); ae.Uint64(6, 100); return nil })
		ae.Uint64(7, 60)
		ae.Uint64(8, 0)
		ae.Uint64(9, 10)
		ae.Uint64(10, 30)
		ae.Uint64(16, 5242880)
		ae.Uint64(17, 5242880)
		ae.Uint64(18, 3000)
		ae.Uint64(19, 2230)
		ae.Uint32(20, 262144) // NLA_UINT as 4 bytes
		ae.Uint64(21, 262144) // and as 8 bytes
		return nil
	}
	r[CmdGetStats] = [][]byte{enc(t, func(ae *netlink.AttributeEncoder) {
		ae.Nested(7 /* SMC_GEN_STATS */, func(ae *netlink.AttributeEncoder) error {
			ae.Nested(2, tech)
			ae.Uint64(3, 1)
			ae.Uint64(4, 2)
			return nil
		})
	})}
	fb := func(server bool, first bool, code uint32, cnt uint16) []byte {
		return enc(t, func(ae *netlink.AttributeEncoder) {
			ae.Nested(8 /* SMC_GEN_FBACK_STATS */, func(ae *netlink.AttributeEncoder) error {
				typ := uint8(0)
				if server {
					typ = 1
				}
				ae.Uint8(1, typ)
				if first {
					ae.Uint64(2, 5)
					ae.Uint64(3, 15)
				}
				ae.Uint32(4, code)
				ae.Uint16(5, cnt)
				return nil
			})
		})
	}
	r[CmdGetFbackStats] = [][]byte{fb(true, true, 0x05000000, 5), fb(false, false, 0x03010000, 12), fb(false, false, 0x03030000, 3)}
	lgr := enc(t, func(ae *netlink.AttributeEncoder) {
		ae.Nested(2 /* SMC_GEN_LGR_SMCR */, func(ae *netlink.AttributeEncoder) error {
			ae.Uint32(1, 0x100)
			ae.Uint8(2, 1)
			ae.Uint8(3, 1)
			ae.String(4, "NET1")
			ae.Uint8(5, 0)
			ae.Uint32(6, 3)
			ae.Nested(7, func(ae *netlink.AttributeEncoder) error {
				ae.Uint8(0, 2)
				ae.Uint8(1, 1)
				ae.Uint8(2, 2)
				ae.String(3, "EID")
				ae.String(4, "hostb")
				return nil
			})
			ae.Nested(8, func(ae *netlink.AttributeEncoder) error { ae.Uint8(1, 1); return nil })
			ae.Uint64(9, 4096)
			return nil
		})
	})
	link := enc(t, func(ae *netlink.AttributeEncoder) {
		ae.Nested(3 /* SMC_GEN_LINK_SMCR */, func(ae *netlink.AttributeEncoder) error {
			ae.Uint8(1, 1)
			ae.String(2, "mlx5_0")
			ae.Uint8(3, 1)
			ae.String(4, "fe80:0000:0000:0000:0000:00ff:fe00:0001")
			ae.String(5, "fe80:0000:0000:0000:0000:00ff:fe00:0002")
			ae.Uint32(6, 3)
			ae.Uint32(7, 4)
			ae.Uint32(10, 3)
			return nil
		})
	})
	r[CmdGetLgrSMCR] = [][]byte{lgr}
	r[CmdGetLinkSMCR] = [][]byte{lgr, link}
	r[CmdGetDevSMCR] = [][]byte{enc(t, func(ae *netlink.AttributeEncoder) {
		ae.Nested(6 /* SMC_GEN_DEV_SMCR */, func(ae *netlink.AttributeEncoder) error {
			ae.Uint32(1, 1)
			ae.Uint16(6, 0x1016)
			ae.String(7, "0000:00:05.0")
			ae.String(10, "mlx5_0")
			ae.Nested(8, func(ae *netlink.AttributeEncoder) error {
				ae.String(2, "NET1")
				ae.Uint32(3, 4)
				ae.Uint8(4, 1)
				ae.Uint8(5, 1)
				ae.Uint32(6, 1)
				return nil
			})
			return nil
		})
	})}
	r[CmdDumpUEID] = [][]byte{enc(t, func(ae *netlink.AttributeEncoder) { ae.String(1, "UEID-A                          ") })}
	r[CmdDumpSEID] = [][]byte{enc(t, func(ae *netlink.AttributeEncoder) { ae.String(1, "SEID-1"); ae.Uint8(2, 1) })}
	return r
}

const testFamilyID = 0x1d

// frameReplies frames synthetic attribute payloads as the kernel's dump
// replies (generic netlink header, NLMSG_DONE), one Reply per command in
// Commands; errs[cmd] makes that command's reply an errno.
func frameReplies(replies map[uint8][][]byte, errs map[uint8]int32) []Reply {
	var out []Reply
	for _, cmd := range Commands {
		r := Reply{Command: cmd, Errno: errs[cmd]}
		if r.Errno == 0 {
			for _, d := range replies[cmd] {
				r.Raw = AppendMessage(r.Raw, nil, testFamilyID, 2, 1, append([]byte{cmd, 1, 0, 0}, d...))
			}
			r.Raw = AppendMessage(r.Raw, nil, nlmsgDone, 2, 1, []byte{0, 0, 0, 0})
		}
		out = append(out, r)
	}
	return out
}

func TestDecodeSynthetic(t *testing.T) {
	in, err := Decode(frameReplies(syntheticReplies(t), map[uint8]int32{CmdDumpHSLimitation: int32(unix.EOPNOTSUPP)}), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Info{
		SysInfo: &SysInfo{Version: 2, Release: 1, LocalHost: "hosta", SEID: "SEID-1", SMCRv2: pb(true)},
		Stats: &Stats{SMCR: &TechStats{
			TxRMBSize: Histogram{0, 0, 0, 100}, RxRMBSize: Histogram{0, 0, 0, 100},
			TxPayload: Histogram{1500, 730}, RxPayload: Histogram{2000, 500, 500},
			TxRMB: RMBStats{Alloc: 100}, RxRMB: RMBStats{Full: 2, Alloc: 100},
			ClientV1Succ: 60, ServerV1Succ: 10, ServerV2Succ: 30,
			RxBytes: 5242880, TxBytes: 5242880, RxCount: 3000, TxCount: 2230,
			RxRMBUsage: p64(262144), TxRMBUsage: p64(262144),
		}, ClientHSErrors: 1, ServerHSErrors: 2},
		Fallback: &FallbackStats{ServerTotal: 5, ClientTotal: 15,
			Server: []ReasonCount{{0x05000000, 5}}, Client: []ReasonCount{{0x03010000, 12}, {0x03030000, 3}}},
		LinkGroupsR: []LinkGroupR{{ID: 0x100, Role: 1, Type: 1, PNETID: "NET1", Conns: 3,
			V2: &V2Common{Version: 2, PeerRelease: 1, PeerOS: 2, NegEID: "EID", PeerHost: "hostb"}, Direct: pb(true), NetCookie: p64(4096),
			Links: []LinkR{{ID: 1, IBDev: "mlx5_0", IBPort: 1, GID: "fe80:0000:0000:0000:0000:00ff:fe00:0001",
				PeerGID: "fe80:0000:0000:0000:0000:00ff:fe00:0002", ConnCount: 3, NetDev: 4, State: 3}}}},
		DevicesR: []Device{{Kind: "smcr", UseCount: 1, PCIDevice: 0x1016, PCIID: "0000:00:05.0", IBName: "mlx5_0",
			Ports: []DevPort{{Port: 1, PNETID: "NET1", NetDev: 4, State: 1, Valid: true, LinkCount: 1}}}},
		UEIDs: []string{"UEID-A"},
		SEID:  &SEIDInfo{SEID: "SEID-1", Enabled: true},
	}
	if d := cmp.Diff(want, in); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// TestDecodeOldKernel: a 5.11-like kernel answers only SYS_INFO without
// IS_SMCR_V2 and rejects GET_STATS: fields are absent, not errors.
func TestDecodeOldKernel(t *testing.T) {
	raw := AppendMessage(nil, nil, testFamilyID, 2, 1, append([]byte{CmdGetSysInfo, 1, 0, 0}, enc(t, func(ae *netlink.AttributeEncoder) {
		ae.Nested(1 /* SMC_GEN_SYS_INFO */, func(ae *netlink.AttributeEncoder) error { ae.Uint8(1, 2); ae.Uint8(2, 0); return nil })
	})...))
	raw = AppendMessage(raw, nil, nlmsgDone, 2, 1, []byte{0, 0, 0, 0})
	errMsg := AppendMessage(nil, nil, nlmsgError, 0, 2, binary.NativeEndian.AppendUint32(make([]byte, 0, 20), uint32(0xffffffff-94))) // -95 EOPNOTSUPP
	in := &Info{}
	if err := in.DecodeReply(CmdGetSysInfo, raw, nil); err != nil {
		t.Fatal(err)
	}
	var ke *KernelError
	if err := in.DecodeReply(CmdGetStats, errMsg, nil); !errors.As(err, &ke) || ke.Errno != 95 {
		t.Fatalf("err = %v", err)
	}
	if in.SysInfo.SMCRv2 != nil || in.Stats != nil {
		t.Errorf("info = %+v", in)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := AppendMessage(nil, nil, testFamilyID, 2, 1, []byte{CmdGetStats, 1, 0, 0, 8, 0, 7, 0, 0, 0, 0, 0})
	tests := []struct {
		name string
		raw  []byte
		want error
	}{
		{"short header", good[:10], smcproto.ErrTruncated},
		{"length past end", good[:len(good)-4], smcproto.ErrTruncated},
		{"length < 16", func() []byte { b := append([]byte(nil), good...); binary.NativeEndian.PutUint32(b, 8); return b }(), smcproto.ErrMalformed},
		{"no genl header", AppendMessage(nil, nil, testFamilyID, 0, 0, []byte{7}), smcproto.ErrTruncated},
		{"bad attribute", AppendMessage(nil, nil, testFamilyID, 0, 0, []byte{7, 1, 0, 0, 50, 0, 7, 0}), smcproto.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Info{}).DecodeReply(CmdGetStats, tt.raw, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func diagMsg(t testing.TB, state, mode uint8, local, peer netip.AddrPort, inode uint64, attrs func(ae *netlink.AttributeEncoder)) []byte {
	b := make([]byte, diagMsgLen)
	b[0], b[1], b[2] = AFSMC, state, mode
	binary.BigEndian.PutUint16(b[4:], local.Port())
	binary.BigEndian.PutUint16(b[6:], peer.Port())
	la, pa := local.Addr().AsSlice(), peer.Addr().AsSlice()
	copy(b[8:], la)
	copy(b[24:], pa)
	binary.NativeEndian.PutUint32(b[52:], 1000)
	binary.NativeEndian.PutUint64(b[56:], inode)
	if attrs != nil {
		b = append(b, enc(t, attrs)...)
	}
	return b
}

func TestParseDiag(t *testing.T) {
	// SYNTHETIC smc_diag replies built from docs/smc-protocol.md 11.2-11.3.
	fb := func(reason, peer uint32) func(ae *netlink.AttributeEncoder) {
		return func(ae *netlink.AttributeEncoder) {
			ae.Uint8(smcDiagShutdown, 0)
			b := binary.NativeEndian.AppendUint32(nil, reason)
			ae.Bytes(smcDiagFallback, binary.NativeEndian.AppendUint32(b, peer))
		}
	}
	msgs := [][]byte{
		diagMsg(t, 1, 1, netip.MustParseAddrPort("10.1.1.1:45680"), netip.MustParseAddrPort("10.1.1.2:12345"), 41555, fb(0x05000000, 0x03030000)),
		diagMsg(t, 10, 0, netip.MustParseAddrPort("0.0.0.0:12345"), netip.MustParseAddrPort("0.0.0.0:0"), 40001, nil),
	}
	var raw []byte
	for _, m := range msgs {
		raw = AppendMessage(raw, nil, SockDiagByFamily, 2, 1, m)
	}
	raw = AppendMessage(raw, nil, nlmsgDone, 2, 1, []byte{0, 0, 0, 0})
	got, err := ParseDiag(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, p := uint32(0x05000000), uint32(0x03030000)
	want := []Socket{
		{Family: AFSMC, State: 1, Mode: 1, Local: netip.MustParseAddrPort("10.1.1.1:45680"), Peer: netip.MustParseAddrPort("10.1.1.2:12345"),
			UID: 1000, Inode: 41555, FallbackReason: &r, PeerDiagnosis: &p},
		{Family: AFSMC, State: 10, Local: netip.MustParseAddrPort("0.0.0.0:12345"), Peer: netip.MustParseAddrPort("0.0.0.0:0"), UID: 1000, Inode: 40001},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateComparable(netip.AddrPort{})); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

func TestParseDiagTruncated(t *testing.T) {
	raw := AppendMessage(nil, nil, SockDiagByFamily, 0, 0, make([]byte, 40))
	if _, err := ParseDiag(raw, nil); !errors.Is(err, smcproto.ErrTruncated) {
		t.Errorf("err = %v", err)
	}
	short := diagMsg(t, 1, 0, netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("10.0.0.2:2"), 1,
		func(ae *netlink.AttributeEncoder) { ae.Bytes(smcDiagConnInfo, make([]byte, 20)) })
	if _, err := ParseDiag(AppendMessage(nil, nil, SockDiagByFamily, 0, 0, short), nil); !errors.Is(err, smcproto.ErrMalformed) {
		t.Errorf("err = %v", err)
	}
}

func FuzzDecodeReply(f *testing.F) {
	for cmd, msgs := range syntheticReplies(f) {
		var raw []byte
		for _, m := range msgs {
			raw = AppendMessage(raw, nil, testFamilyID, 2, 1, append([]byte{cmd, 1, 0, 0}, m...))
		}
		f.Add(cmd, raw)
	}
	f.Add(uint8(0), AppendMessage(nil, nil, SockDiagByFamily, 2, 1, diagMsg(f, 1, 2, netip.MustParseAddrPort("10.0.0.1:1"),
		netip.MustParseAddrPort("10.0.0.2:2"), 7, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(smcDiagConnInfo, make([]byte, connInfoLen))
			ae.Bytes(smcDiagDMBInfo, make([]byte, dmbInfoExtLen))
			ae.Bytes(smcDiagLgrInfo, make([]byte, lgrInfoLen))
		})))
	// REAL seeds: raw replies from the SMC qemu lab (Linux 6.12), when present.
	labFiles, _ := filepath.Glob("../../../testdata/lab/out/*/snap/*/*/*.bin")
	for _, name := range labFiles {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		base := filepath.Base(name)
		if base == "smc_diag.bin" {
			f.Add(uint8(0), b)
			continue
		}
		if c, ok := CommandByName("GET_" + strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(base, "genl-"), ".bin"))); ok {
			f.Add(c, b)
		}
	}
	f.Fuzz(func(t *testing.T, cmd uint8, raw []byte) {
		if cmd == 0 {
			all, err := ParseDiag(raw, nil)
			checkErr(t, err)
			if err == nil {
				checkKeepDiag(t, raw, all)
			}
			return
		}
		checkErr(t, (&Info{}).DecodeReply(cmd%17, raw, nil))
	})
}

func checkErr(t *testing.T, err error) {
	var ke *KernelError
	if err != nil && !errors.Is(err, smcproto.ErrTruncated) && !errors.Is(err, smcproto.ErrMalformed) && !errors.As(err, &ke) {
		t.Fatalf("unclassified error %v", err)
	}
}

// checkKeepDiag bounds reply raw (whose sockets are all) to every size up
// to its length: what is kept parses, holds the fallback sockets first,
// and the counts left out add up.
func checkKeepDiag(t *testing.T, raw []byte, all []Socket) {
	t.Helper()
	fallbacks := 0
	for _, s := range all {
		if s.Mode == DiagModeFallback {
			fallbacks++
		}
	}
	for max := 0; max <= min(len(all), 8); max++ {
		kept, omitted := KeepDiag(raw, max, nil)
		got, err := ParseDiag(kept, nil)
		if err != nil {
			t.Fatalf("max %d: kept reply does not parse: %v", max, err)
		}
		left, fb := 0, 0
		for _, n := range omitted {
			left += n
		}
		for _, s := range got {
			if s.Mode == DiagModeFallback {
				fb++
			}
		}
		if len(got) != min(max, len(all)) || left != len(all)-len(got) || fb != min(fallbacks, len(got)) {
			t.Fatalf("max %d: kept %d (%d fallbacks of %d), omitted %v, of %d", max, len(got), fb, fallbacks, omitted, len(all))
		}
	}
}

// TestKeepDiag: replies of the SMC lab (REAL, Linux 6.1 and 6.12, when
// present) and a SYNTHETIC reply of fallback and SMC sockets mixed.
func TestKeepDiag(t *testing.T) {
	labFiles, _ := filepath.Glob("../../../testdata/lab/out/*/snap/*/*/smc_diag.bin")
	for _, name := range labFiles {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		all, err := ParseDiag(b, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkKeepDiag(t, b, all)
	}
	var raw []byte
	for i := range 7 {
		mode := uint8(DiagModeSMCR)
		if i%3 == 1 {
			mode = DiagModeFallback
		}
		raw = AppendMessage(raw, nil, SockDiagByFamily, 2, 1, diagMsg(t, 1, mode, netip.MustParseAddrPort("10.1.1.1:45680"),
			netip.MustParseAddrPort("10.1.1.2:12345"), uint64(100+i), nil))
	}
	raw = AppendMessage(raw, nil, nlmsgDone, 2, 1, []byte{0, 0, 0, 0})
	all, err := ParseDiag(raw, nil)
	if err != nil || len(all) != 7 {
		t.Fatalf("synthetic reply: %d sockets, %v", len(all), err)
	}
	checkKeepDiag(t, raw, all)
	kept, omitted := KeepDiag(raw, 3, nil)
	got, _ := ParseDiag(kept, nil)
	var inodes []uint64
	for _, s := range got {
		inodes = append(inodes, s.Inode)
	}
	// fallbacks are 101 and 104; then the first other, 100; reply order
	if fmt.Sprint(inodes) != "[100 101 104]" || omitted[DiagModeSMCR] != 4 {
		t.Errorf("kept inodes %v, omitted %v; want [100 101 104] and 4 SMC-R", inodes, omitted)
	}
	if b, om := KeepDiag(raw, 7, nil); !bytes.Equal(b, raw) || om != nil {
		t.Error("a reply within the bound was changed")
	}
}
