package kstat

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

const labSnap = "../../testdata/lab/out/"

// TestLabRealKernelSnapshots decodes the raw netlink replies and /proc copies
// that the SMC qemu lab captured on real kernels (REAL data, Linux 6.12
// Debian kernel, rxe SMC-R; see testdata/lab). Scenarios and expectations:
// a peer without SMC -> client PEERNOSMC; b no SMC device on the client ->
// client NOSMCDEV, server PEERDECL; c working SMC-R v2 link; d RoCE blocked
// -> server TIMEOUT_CL (confirm link), client PEERDECL.
func TestLabRealKernelSnapshots(t *testing.T) {
	type fb struct {
		server, client map[uint32]uint64
	}
	tests := []struct {
		dir  string
		want fb
		lgrs int
	}{
		{"6.12/snap/a-peer-no-smc/client-after", fb{nil, map[uint32]uint64{0x03010000: 1}}, 0},
		{"6.12/snap/a-peer-no-smc/server-after", fb{}, 0},
		{"6.12/snap/b-no-device/client-after", fb{nil, map[uint32]uint64{0x03030000: 1}}, 0},
		{"6.12/snap/b-no-device/server-after", fb{map[uint32]uint64{0x05000000: 1}, nil}, 0},
		{"6.12/snap/c-smcr-link/client-after", fb{}, 1},
		{"6.12/snap/c-smcr-link/server-after", fb{}, 1},
		{"6.12/snap/d-roce-blocked/client-after", fb{nil, map[uint32]uint64{0x05000000: 1}}, 0},
		{"6.12/snap/d-roce-blocked/server-after", fb{map[uint32]uint64{0x02010000: 1}, nil}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			dir := filepath.Join(labSnap, tt.dir)
			if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
				t.Skipf("lab output not present: %v", err)
			}
			s, err := ReadRawDir(os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			in := s.SMC.Info
			if !s.SMC.Available || in == nil || in.SysInfo == nil || in.SysInfo.Version != 2 || in.Stats == nil || in.Stats.SMCR == nil || in.Fallback == nil {
				t.Fatalf("SMC state incomplete: %+v", s.SMC)
			}
			check := func(side string, got []smcnl.ReasonCount, want map[uint32]uint64, total uint64) {
				var sum uint64
				for _, r := range got {
					sum += r.Count
				}
				if len(got) != len(want) || sum != total {
					t.Errorf("%s reasons = %+v (total %d), want %v", side, got, total, want)
				}
				for _, r := range got {
					if want[r.Code] != r.Count {
						t.Errorf("%s reason 0x%08x = %d, want %d", side, r.Code, r.Count, want[r.Code])
					}
				}
			}
			check("server", in.Fallback.Server, tt.want.server, in.Fallback.ServerTotal)
			check("client", in.Fallback.Client, tt.want.client, in.Fallback.ClientTotal)
			if len(in.LinkGroupsR) != tt.lgrs {
				t.Errorf("SMC-R link groups = %d, want %d", len(in.LinkGroupsR), tt.lgrs)
			}
			if tt.lgrs > 0 {
				g := in.LinkGroupsR[0]
				if g.V2 == nil || g.V2.Version != 2 || len(g.Links) != 1 || g.Links[0].State != 3 || g.SndbufAlloc == nil {
					t.Errorf("link group = %+v", g)
				}
				st := in.Stats.SMCR
				if st.ClientV2Succ+st.ServerV2Succ == 0 || st.TxBytes == 0 {
					t.Errorf("SMC-R stats show no v2 connection: %+v", st)
				}
			}
			// The before/after pair diffs to exactly the fallbacks of the run.
			before, err := ReadRawDir(os.DirFS(filepath.Join(filepath.Dir(dir), filepath.Base(dir)[:len(filepath.Base(dir))-len("after")]+"before")))
			if err != nil {
				t.Fatal(err)
			}
			d := Diff(before, s)
			var n uint64
			for _, v := range tt.want.client {
				n += v
			}
			if got, _ := d.Get("smc.fallback.client_total"); got != n {
				t.Errorf("client fallback delta = %d, want %d", got, n)
			}
		})
	}
}

// TestLabAllSnapshotsDecode decodes every raw snapshot directory the lab has
// produced, for every kernel (6.1 and 6.12 when present): real replies must
// decode without error and yield SYS_INFO.
func TestLabAllSnapshotsDecode(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(labSnap, "*", "snap", "*", "*", "index.json"))
	if len(dirs) == 0 {
		t.Skip("no lab output present")
	}
	for _, idx := range dirs {
		dir := filepath.Dir(idx)
		t.Run(dir[len(labSnap):], func(t *testing.T) {
			s, err := ReadRawDir(os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			if s.SMC.Available && (s.SMC.Info == nil || s.SMC.Info.SysInfo == nil) {
				t.Errorf("SMC available but no SYS_INFO: %+v", s.SMC)
			}
			// Some lab snapshots ("during", taken while connections are
			// open) hold only the smc_diag socket dump.
			if _, err := os.Stat(filepath.Join(dir, "proc-net-snmp")); err == nil && (s.Proc == nil || s.Proc.SNMP["Udp"] == nil) {
				t.Error("no /proc/net/snmp Udp counters")
			}
		})
	}
}
