package collect

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/genetlink/genltest"
	"github.com/mdlayher/netlink"
	"github.com/mdlayher/netlink/nltest"
	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// The transport tests below serve SYNTHETIC replies in memory (nltest);
// decoding itself is tested in package smcnl, over real lab bytes too.

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

const testFamilyID = 0x1d

// fakeConn answers generic netlink requests in memory (nltest): the nlctrl
// family lookup, then each dump command with replies[cmd] or, for errs[cmd],
// a netlink error message as the kernel sends it (no extended ACK).
func fakeConn(t *testing.T, replies map[uint8][][]byte, errs map[uint8]int) *genetlink.Conn {
	return genetlink.NewConn(nltest.Dial(func(reqs []netlink.Message) ([]netlink.Message, error) {
		if len(reqs) == 0 {
			return nil, io.EOF // Receive after an empty dump
		}
		req := reqs[0]
		if req.Header.Type == unix.GENL_ID_CTRL {
			attrs := enc(t, func(ae *netlink.AttributeEncoder) {
				ae.Uint16(unix.CTRL_ATTR_FAMILY_ID, testFamilyID)
				ae.String(unix.CTRL_ATTR_FAMILY_NAME, smcnl.FamilyName)
				ae.Uint32(unix.CTRL_ATTR_VERSION, 1)
			})
			return []netlink.Message{{Header: netlink.Header{Type: unix.GENL_ID_CTRL, Sequence: req.Header.Sequence},
				Data: append([]byte{unix.CTRL_CMD_NEWFAMILY, 2, 0, 0}, attrs...)}}, nil
		}
		cmd, ver := req.Data[0], req.Data[1]
		if req.Header.Type != testFamilyID || req.Header.Flags != netlink.Request|netlink.Dump || ver != 1 {
			t.Errorf("request %+v version %d", req.Header, ver)
		}
		if e, ok := errs[cmd]; ok {
			hb, _ := req.MarshalBinary()
			d := binary.NativeEndian.AppendUint32(nil, uint32(-int32(e)))
			return []netlink.Message{{Header: netlink.Header{Type: netlink.Error, Sequence: req.Header.Sequence}, Data: append(d, hb[:16]...)}}, nil
		}
		var out []netlink.Message
		for _, d := range replies[cmd] {
			out = append(out, netlink.Message{Header: netlink.Header{Type: testFamilyID, Flags: netlink.Multi, Sequence: req.Header.Sequence},
				Data: append([]byte{cmd, 1, 0, 0}, d...)})
		}
		out = append(out, netlink.Message{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi, Sequence: req.Header.Sequence}, Data: make([]byte, 4)})
		return out, nil
	}))
}

// TestQuery: every command is asked for once, a rejected command keeps its
// errno, and the raw bytes are the kernel's messages re-framed unchanged, so
// smcnl.Decode reads them.
func TestQuery(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("genltest.ServeFamily needs linux")
	}
	sysInfo := enc(t, func(ae *netlink.AttributeEncoder) {
		ae.Nested(1 /* SMC_GEN_SYS_INFO */, func(ae *netlink.AttributeEncoder) error {
			ae.Uint8(1 /* SMC_NLA_SYS_VER */, 2)
			ae.String(4 /* SMC_NLA_SYS_LOCAL_HOST */, "hosta")
			return nil
		})
	})
	c := fakeConn(t, map[uint8][][]byte{smcnl.CmdGetSysInfo: {sysInfo}}, map[uint8]int{smcnl.CmdDumpHSLimitation: int(unix.EOPNOTSUPP)})
	defer c.Close()
	res, err := Query(c)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Available || res.FamilyID != testFamilyID || len(res.Replies) != len(smcnl.Commands) {
		t.Fatalf("result = %+v", res)
	}
	if last := res.Replies[len(res.Replies)-1]; last.Errno != int32(unix.EOPNOTSUPP) {
		t.Errorf("HS limitation errno = %d", last.Errno)
	}
	first := res.Replies[0]
	if first.Command != smcnl.CmdGetSysInfo || !bytes.Contains(first.Raw, sysInfo) {
		t.Errorf("first reply %d: % x", first.Command, first.Raw)
	}
	in, err := smcnl.Decode(res.Replies, nil)
	if err != nil {
		t.Fatal(err)
	}
	if in.SysInfo == nil || in.SysInfo.Version != 2 || in.SysInfo.LocalHost != "hosta" {
		t.Errorf("sys info = %+v", in.SysInfo)
	}
}

func TestQueryNoFamily(t *testing.T) {
	c := genltest.Dial(func(greq genetlink.Message, nreq netlink.Message) ([]genetlink.Message, error) {
		return nil, genltest.Error(int(unix.ENOENT))
	})
	defer c.Close()
	res, err := Query(c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Available || res.Note != smcnl.NoteModuleAbsent {
		t.Errorf("result = %+v", res)
	}
}

func TestQueryDiag(t *testing.T) {
	msg := make([]byte, 64) // struct smc_diag_msg, SYNTHETIC
	msg[0], msg[1] = smcnl.AFSMC, 10
	c := nltest.Dial(nltest.CheckRequest([]netlink.HeaderType{smcnl.SockDiagByFamily}, []netlink.HeaderFlags{netlink.Request | netlink.Dump},
		func(req []netlink.Message) ([]netlink.Message, error) {
			if req[0].Data[0] != smcnl.AFSMC || req[0].Data[3] != 0x0b {
				t.Errorf("request = % x", req[0].Data[:4])
			}
			return []netlink.Message{
				{Header: netlink.Header{Type: smcnl.SockDiagByFamily, Flags: netlink.Multi, Sequence: req[0].Header.Sequence}, Data: msg},
				{Header: netlink.Header{Type: netlink.Done, Flags: netlink.Multi, Sequence: req[0].Header.Sequence}, Data: make([]byte, 4)},
			}, nil
		}))
	defer c.Close()
	raw, errno, err := QueryDiag(c)
	if err != nil || errno != 0 {
		t.Fatal(err, errno)
	}
	got, err := smcnl.ParseDiag(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].State != 10 {
		t.Errorf("sockets = %+v", got)
	}
}

// TestIntegrationQueryLive runs against this machine's kernel. Without the
// smc module it must report the module as absent.
func TestIntegrationQueryLive(t *testing.T) {
	c, err := Dial()
	if err != nil {
		t.Skipf("generic netlink unavailable: %v", err)
	}
	defer c.Close()
	res, err := Query(c)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Available {
		if res.Note != smcnl.NoteModuleAbsent {
			t.Errorf("note = %q", res.Note)
		}
		t.Logf("SMC module absent, as expected on a machine without SMC")
		return
	}
	if _, err := smcnl.Decode(res.Replies, nil); err != nil {
		t.Fatalf("decoding this kernel's replies: %v", err)
	}
}
