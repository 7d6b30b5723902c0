package toolfmt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/smcdump/smcdump/capture/kstat/procnet"
)

const tools = "../../../testdata/kstat/tools/"

func TestDetect(t *testing.T) {
	want := map[string]Format{
		"netstat-s.linux-6.18.real.txt": NetstatS, "nstat.linux-6.18.real.txt": Nstat, "nstat-a.linux-6.18.real.txt": Nstat,
		"ss-uam.linux-6.18.real.txt": SSMem, "ss-uamn.linux-6.18.real.txt": SSMem, "ethtool-S-veth.linux-6.18.real.txt": EthtoolS,
		"smcr-stats.synthetic.txt": SMCRStats, "smcr-stats-d.synthetic.txt": SMCRStats, "smcd-stats.synthetic.txt": SMCDStats,
		"smcss-a.synthetic.txt": SMCSS, "smcss-R.synthetic.txt": SMCSS, "smcr-stats-7.synthetic.txt": SMCRStats,
		"smcr-device.synthetic.txt": SMCRDevice, "smcr-linkgroup.synthetic.txt": SMCRLinkGroup,
	}
	for name, f := range want {
		b, err := os.ReadFile(tools + name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Detect(b)
		if err != nil || got != f {
			t.Errorf("%s: Detect = %q, %v; want %q", name, got, err, f)
		}
		if _, err := Parse(got, bytes.NewReader(b)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if f, err := Detect([]byte(`{"kernel":{"UdpInErrors":57933,"UdpRcvbufErrors":57933}}`)); err != nil || f != NstatJSON {
		t.Errorf("nstat -j: %q %v", f, err)
	}
}

func TestSMCStatsDetail(t *testing.T) {
	b, _ := os.ReadFile(tools + "smcr-stats-d.synthetic.txt")
	d, err := Parse(SMCRStats, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	st := d.SMCStats
	if !st.Detail || st.Summary["smc_client"] != 60 || st.Summary["fallback_server"] != 5 || st.RX["full"] != 2 ||
		len(st.FallbackClient) != 1 || st.FallbackClient[0].Code != 0x03010000 || !st.Approximate || st.Histograms["rx_reqs"][0] != 2000 {
		t.Errorf("stats = %+v", st)
	}
}

func FuzzParseTools(f *testing.F) {
	ents, _ := os.ReadDir(tools)
	for _, e := range ents {
		if b, err := os.ReadFile(filepath.Join(tools, e.Name())); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fm := range []Format{SMCRStats, SMCSS, NetstatS, Nstat, NstatJSON, SSMem, EthtoolS, SMCRDevice, SMCDDevice,
			SMCRLinkGroup, SMCDLinkGroup, SMCRLinks, SMCInfo, SMCPNET, SMCSEID, SMCUEID} {
			_, err := Parse(fm, bytes.NewReader(b))
			var pe *procnet.ParseError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("%s: unclassified error %v", fm, err)
			}
		}
		_, _ = Detect(b)
	})
}

// TestSMCStatsRealLayout reads `smcr stats` in the layout smc-tools prints
// (stats.c formats; no "Buffer usage" line): 7 handled, 5 SMC, 0 handshake
// errors, 2 fallbacks are read as such, and printing the table again gives
// the same text.
func TestSMCStatsRealLayout(t *testing.T) {
	b, err := os.ReadFile(tools + "smcr-stats-7.synthetic.txt")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(SMCRStats, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	st := d.SMCStats
	if st.Summary["total"] != 7 || st.Summary["smc"] != 5 || st.Summary["hs_errors"] != 0 || st.Summary["fallback"] != 2 ||
		st.AvgRequests != 12.4 || st.RX["requests"] != 31 || st.Histograms["rx_bufs"][3] != 5 || st.Detail {
		t.Errorf("stats = %+v", st)
	}
	var out bytes.Buffer
	if err := st.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(b) {
		t.Errorf("printed again:\n%s\nwant:\n%s", out.String(), b)
	}
}

func TestDeviceAndLinkGroupTables(t *testing.T) {
	b, _ := os.ReadFile(tools + "smcr-device.synthetic.txt")
	d, err := Parse(SMCRDevice, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := []DeviceRow{
		{NetDev: "eth1", IBDev: "mlx5_0", IBPort: 1, IBState: "ACTIVE", Type: "RoCE_Express2", Crit: "No", Links: 1, PNETID: "NET1"},
		{IBDev: "mlx5_1", IBPort: 2, IBState: "INACTIVE", Type: "RoCE_Express2", Crit: "No", PNETID: "*NET2"},
	}
	if !reflect.DeepEqual(d.DevicesR, want) {
		t.Errorf("devices = %+v", d.DevicesR)
	}
	var out bytes.Buffer
	_ = WriteDevicesR(&out, d.DevicesR, false)
	if out.String() != string(b) {
		t.Errorf("printed again:\n%q\nwant:\n%q", out.String(), b)
	}
	b, _ = os.ReadFile(tools + "smcr-linkgroup.synthetic.txt")
	d, err = Parse(SMCRLinkGroup, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	wantG := []LinkGroupRow{{ID: 0x100, Role: "SERV", Type: "SINGLE", Conns: 3, PNETID: "NET1"}, {ID: 0x200, Role: "CLNT", Type: "SYM", VLAN: 5, Conns: 12, PNETID: "NET1"}}
	if !reflect.DeepEqual(d.LinkGroupsR, wantG) {
		t.Errorf("link groups = %+v", d.LinkGroupsR)
	}
	out.Reset()
	_ = WriteLinkGroupsR(&out, d.LinkGroupsR)
	if out.String() != string(b) {
		t.Errorf("printed again:\n%q\nwant:\n%q", out.String(), b)
	}
}

func TestAbbrev(t *testing.T) {
	for v, want := range map[uint64]string{0: "0", 999: "999", 1000: "1.000K", 1500: "1.500K", 12345: "12.35K", 262144: "262.1K",
		999949: "999.9K", 999999: "1.000M", 5242880: "5.243M", 123456789012: "123.5G"} {
		if got := Abbrev(v); got != want {
			t.Errorf("Abbrev(%d) = %q, want %q", v, got, want)
		}
		if v >= 1000 {
			if r, _, ok := parseAbbrev(want); !ok || Abbrev(r) != want {
				t.Errorf("parseAbbrev(%q) = %d", want, r)
			}
		}
	}
}
