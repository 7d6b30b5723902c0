package toolfmt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/smcdump/smcdump/capture/kstat/procnet"
)

const tools = "../../../testdata/kstat/tools/"

func TestDetect(t *testing.T) {
	want := map[string]Format{
		"netstat-s.linux-6.18.real.txt": NetstatS, "nstat.linux-6.18.real.txt": Nstat, "nstat-a.linux-6.18.real.txt": Nstat,
		"ss-uam.linux-6.18.real.txt": SSMem, "ss-uamn.linux-6.18.real.txt": SSMem, "ethtool-S-veth.linux-6.18.real.txt": EthtoolS,
		"smcr-stats.synthetic.txt": SMCRStats, "smcr-stats-d.synthetic.txt": SMCRStats, "smcd-stats.synthetic.txt": SMCDStats,
		"smcss-a.synthetic.txt": SMCSS, "smcss-R.synthetic.txt": SMCSS,
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
		for _, fm := range []Format{SMCRStats, SMCSS, NetstatS, Nstat, NstatJSON, SSMem, EthtoolS} {
			_, err := Parse(fm, bytes.NewReader(b))
			var pe *procnet.ParseError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("%s: unclassified error %v", fm, err)
			}
		}
		_, _ = Detect(b)
	})
}
