package toolfmt

import (
	"bytes"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// TestSMCDTablesRoundTrip: SMC-D devices, link groups and -D sockets
// (SYNTHETIC values: the lab has no ISM device) print in smc-tools' layouts
// and read back unchanged; info keeps "v1 " as smc-tools prints it.
func TestSMCDTablesRoundTrip(t *testing.T) {
	in := &smcnl.Info{
		SysInfo:     &smcnl.SysInfo{Version: 2, Release: 1, ISMv2: true, LocalHost: "hosta"},
		DevicesD:    []smcnl.Device{{Kind: "smcd", UseCount: 2, Critical: true, PCIFID: 0x11, PCIChid: 0x7c2, PCIDevice: 0x04ed, PCIID: "0000:00:00.0", Ports: []smcnl.DevPort{{Port: 1, PNETID: "NET1", PNETUser: true}}}},
		DevicesR:    []smcnl.Device{{Kind: "smcr", IBName: "mlx5_0", PCIDevice: 0x1016, Ports: []smcnl.DevPort{{Port: 1, Valid: true, State: 1, NetDev: 4, PNETID: "NET1", LinkCount: 1}}}},
		LinkGroupsD: []smcnl.LinkGroupD{{ID: 0x300, VLAN: 5, Conns: 2, PNETID: "NET1"}},
	}
	var b bytes.Buffer
	rows := DeviceRowsD(in.DevicesD)
	_ = WriteDevicesD(&b, rows)
	want := "FID  Type  PCI-ID        PCHID  InUse  #LGs  PNET-ID  \n0011 ISM   0000:00:00.0  07c2   Yes       2  *NET1            \n"
	if b.String() != want {
		t.Errorf("smcd device:\n%q\nwant\n%q", b.String(), want)
	}
	d, err := Parse(SMCDDevice, &b)
	if err != nil || !reflect.DeepEqual(d.DevicesD, rows) {
		t.Errorf("smcd device read back %+v (%v), want %+v", d.DevicesD, err, rows)
	}
	b.Reset()
	rr := DeviceRowsR(in.DevicesR, func(i uint32) string { return map[uint32]string{4: "eth1"}[i] })
	_ = WriteDevicesR(&b, rr, true)
	if !strings.Contains(b.String(), "eth1            mlx5_0      1    ACTIVE  RoCE_Express2  ") {
		t.Errorf("smcr -d device:\n%s", b.String())
	}
	if d, err := Parse(SMCRDevice, &b); err != nil || !reflect.DeepEqual(d.DevicesR, rr) {
		t.Errorf("smcr -d device read back %+v (%v), want %+v", d.DevicesR, err, rr)
	}
	b.Reset()
	lg := LinkGroupRowsD(in.LinkGroupsD)
	_ = WriteLinkGroupsD(&b, lg)
	if !strings.Contains(b.String(), "00000300  0x5       2  NET1             \n") {
		t.Errorf("smcd linkgroup:\n%q", b.String())
	}
	if d, err := Parse(SMCDLinkGroup, &b); err != nil || !reflect.DeepEqual(d.LinkGroupsD, lg) {
		t.Errorf("smcd linkgroup read back %+v (%v)", d.LinkGroupsD, err)
	}
	b.Reset()
	in.DevicesD = nil
	in.SysInfo.SMCRv2 = new(bool)
	info := InfoFrom(in)
	_ = info.WriteText(&b)
	if !strings.Contains(b.String(), "RoCE:             v1 \n") || !strings.Contains(b.String(), "ISM:              n/a\n") {
		t.Errorf("info:\n%q", b.String())
	}
	if d := mustParse(t, SMCInfo, b.String()); !reflect.DeepEqual(d.Info, info) {
		t.Errorf("info read back %+v, want %+v", d.Info, info)
	}
	// smcss -D and -d.
	socks := []smcnl.Socket{{Family: smcnl.AFSMC, State: 1, Mode: 2, Local: netip.MustParseAddrPort("10.1.1.1:45678"), Peer: netip.MustParseAddrPort("10.1.1.2:12345"),
		UID: 1000, Inode: 41017, Shutdown: 1,
		Conn: &smcnl.ConnInfo{Token: 7, SndbufSize: 65536, RMBESize: 65536, PeerRMBESize: 65536, RxProd: smcnl.Cursor{Wrap: 1, Count: 2}, TxFin: smcnl.Cursor{Count: 9}, RxProdFlags: 1},
		DMB:  &smcnl.DMBInfo{LinkID: 0x300, MyGID: 0x1111, Token: 0x2222, PeerGID: 0x3333, PeerToken: 0x4444}}}
	b.Reset()
	_ = WriteSMCSS(&b, socks, SMCSSOptions{SMCD: true, Debug: true})
	if !strings.Contains(b.String(), "SMCD  R->  00000007 00010000 00010000 00010000 0001:00000002 0000:00000000 01:00   ") ||
		!strings.Contains(b.String(), "0000000000001111 0000000000002222 0000000000003333 0000000000004444 00000300 \n") {
		t.Errorf("smcss -D -d:\n%s", b.String())
	}
	d = mustParse(t, SMCSS, b.String())
	if len(d.SMCSockets) != 1 || !reflect.DeepEqual(d.SMCSockets[0].Conn, socks[0].Conn) || !reflect.DeepEqual(d.SMCSockets[0].DMB, socks[0].DMB) || d.SMCSockets[0].Shutdown != 1 {
		t.Errorf("smcss -D -d read back %+v", d.SMCSockets)
	}
}

func mustParse(t *testing.T, f Format, s string) *Data {
	t.Helper()
	if g, err := Detect([]byte(s)); err != nil || g != f {
		t.Errorf("Detect = %q %v, want %q", g, err, f)
	}
	d, err := Parse(f, strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSMCSSOlderLayout: smcss of older smc-tools (header "Foreign Address",
// fallback rows "TCP" without a code; SYNTHETIC from smcss.c's formats) is
// read too.
func TestSMCSSOlderLayout(t *testing.T) {
	text := "State          UID   Inode   Local Address           Foreign Address         Intf Mode \n" +
		"ACTIVE         00000 0041017 10.1.1.1:45678          10.1.1.2:12345          0000 SMCR \n" +
		"ACTIVE         01000 0041555 10.1.1.1:45680          10.1.1.2:12345          0000 TCP  \n"
	d := mustParse(t, SMCSS, text)
	if len(d.SMCSockets) != 2 || d.SMCSockets[1].Mode != 1 || d.SMCSockets[1].FallbackReason != nil || d.SMCSockets[0].Peer.Port() != 12345 {
		t.Errorf("sockets = %+v", d.SMCSockets)
	}
	var b bytes.Buffer
	_ = WriteSMCSS(&b, d.SMCSockets, SMCSSOptions{})
	if !strings.HasSuffix(b.String(), "0000 TCP  \n") {
		t.Errorf("fallback without code printed as:\n%q", b.String())
	}
}
