package kstat

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
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

// TestLabStatsJSON reads every `smcdump stats --json -o` snapshot the lab
// took inside its VMs (REAL kernel counters: testdata/lab/out/<kernel>/snap/
// <scenario>/<side>-<before|after>.json, taken with smcdump's own collector
// next to the raw smcnl dumps). Each must show the SMC module with its
// fallback counters; for b-no-device the after-before delta of each side's
// fallback reason must match what the kernel reported per socket in the
// manifest (smc_diag fallback reason: client 0x03030000, server 0x05000000).
func TestLabStatsJSON(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(labSnap, "*", "snap", "*", "*.json"))
	if len(files) == 0 {
		t.Skip("no smcdump stats snapshots in the lab output (recorded before run.sh used smcdump)")
	}
	read := func(t *testing.T, p string) *Snapshot {
		t.Helper()
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		s, err := ReadSnapshot(f)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return s
	}
	for _, p := range files {
		t.Run(p[len(labSnap):], func(t *testing.T) {
			s := read(t, p)
			if !s.SMC.Available || s.SMC.Info == nil || s.SMC.Info.SysInfo == nil || s.SMC.Info.Fallback == nil {
				t.Errorf("SMC state incomplete: %+v", s.SMC)
			}
			if s.Proc == nil || s.Proc.SNMP["Udp"] == nil {
				t.Error("no /proc/net/snmp Udp counters")
			}
		})
	}
	manifests, _ := filepath.Glob(filepath.Join(labSnap, "*", "manifest.json"))
	checked := 0
	for _, mf := range manifests {
		dir := filepath.Dir(mf)
		snap := filepath.Join(dir, "snap", "b-no-device")
		if _, err := os.Stat(filepath.Join(snap, "client-after.json")); err != nil {
			continue
		}
		b, err := os.ReadFile(mf)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Scenarios []struct {
				Name        string `json:"name"`
				Connections []struct {
					Client struct {
						Rsn string `json:"fallback_rsn"`
					} `json:"client_kernel"`
					Server struct {
						Rsn string `json:"fallback_rsn"`
					} `json:"server_kernel"`
				} `json:"connections"`
			} `json:"scenarios"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", mf, err)
		}
		for _, sc := range m.Scenarios {
			if sc.Name != "b-no-device" {
				continue
			}
			want := map[string]map[string]uint64{"client": {}, "server": {}}
			for _, c := range sc.Connections {
				if c.Client.Rsn != "" {
					want["client"][c.Client.Rsn]++
				}
				if c.Server.Rsn != "" {
					want["server"][c.Server.Rsn]++
				}
			}
			if len(want["client"]) == 0 {
				t.Fatalf("%s: b-no-device lists no client fallback reason", mf)
			}
			// Per-reason counts are taken from the snapshots directly:
			// Diff leaves out counters present in only one snapshot, and
			// the kernel lists a reason only once it has been counted.
			reasons := func(s *Snapshot, side string) map[string]uint64 {
				m := map[string]uint64{}
				if s.SMC.Info == nil || s.SMC.Info.Fallback == nil {
					return m
				}
				l := s.SMC.Info.Fallback.Client
				if side == "server" {
					l = s.SMC.Info.Fallback.Server
				}
				for _, r := range l {
					m[fmt.Sprintf("0x%08x", r.Code)] += r.Count
				}
				return m
			}
			for _, side := range []string{"client", "server"} {
				before, after := read(t, filepath.Join(snap, side+"-before.json")), read(t, filepath.Join(snap, side+"-after.json"))
				rb, ra := reasons(before, side), reasons(after, side)
				var total uint64
				for code, n := range want[side] {
					total += n
					if got := ra[code] - rb[code]; got != n {
						t.Errorf("%s: %s fallback delta for %s = %d, the kernel reported %d sockets", snap, side, code, got, n)
					}
				}
				d := Diff(before, after)
				if got, _ := d.Get("smc.fallback." + side + "_total"); got != total {
					t.Errorf("%s: %s fallback total delta = %d, want %d", snap, side, got, total)
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Log("no b-no-device smcdump stats snapshots with a manifest")
	}
}

// TestLabIPProtoSMCSockets decodes the smc_diag dumps the lab's peers took
// while their socket(AF_INET, SOCK_STREAM, IPPROTO_SMC) connection was open
// (REAL data, Debian Linux 6.12, scenario l-ipproto-smc). How the kernel
// shows such sockets: the client's socket and the listener carry
// diag_family AF_INET (2), the socket the listener accepted carries AF_SMC
// (43), all in the AF_SMC sock_diag dump; and none of them has addresses,
// only ports (smc_diag fills idiag_src/dst only for sk_protocol
// SMCPROTO_SMC/SMCPROTO_SMC6; these sockets, the accepted one included, have
// IPPROTO_SMC), where an AF_SMC socket of scenario d shows 10.0.0.1/10.0.0.2.
// The handshake itself is the AF_SMC one (here: fallback after the server's
// late Decline 0x02010000).
func TestLabIPProtoSMCSockets(t *testing.T) {
	load := func(side string) []smcnl.Socket {
		p := filepath.Join(labSnap, "6.12/snap/l-ipproto-smc", side+"-during", "smc_diag.bin")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Skipf("lab output not present: %v", err)
		}
		socks, err := smcnl.ParseDiag(b, binary.LittleEndian)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return socks
	}
	type want struct {
		family, state, mode uint8
		local, peer         string // "0.0.0.0:port": the kernel reports no address
	}
	find := func(socks []smcnl.Socket, w want) bool {
		for _, s := range socks {
			if s.Family == w.family && s.State == w.state && s.Mode == w.mode &&
				s.Local.String() == w.local && (w.peer == "" || s.Peer.String() == w.peer) {
				return true
			}
		}
		return false
	}
	cli := load("client")
	if len(cli) != 1 {
		t.Fatalf("client dump: %d sockets, want 1: %+v", len(cli), cli)
	}
	c := cli[0]
	if c.Family != 2 || c.State != 1 || c.Mode != 1 || c.Peer.String() != "0.0.0.0:5000" || c.Local.Addr().String() != "0.0.0.0" || c.Local.Port() == 0 {
		t.Errorf("client IPPROTO_SMC socket = %+v, want family 2 (AF_INET), ACTIVE, FALLBACK_TCP, ports only (peer 0.0.0.0:5000)", c)
	}
	if c.FallbackReason == nil || *c.FallbackReason != 0x05000000 || c.PeerDiagnosis == nil || *c.PeerDiagnosis != 0x02010000 {
		t.Errorf("client fallback = %v / %v, want 0x05000000 PEERDECL / 0x02010000", c.FallbackReason, c.PeerDiagnosis)
	}
	srv := load("server")
	if !find(srv, want{family: 2, state: 10, mode: 0, local: "0.0.0.0:5000"}) {
		t.Errorf("server dump has no AF_INET IPPROTO_SMC listener (family 2, state LISTEN): %+v", srv)
	}
	if !find(srv, want{family: 43, state: 1, mode: 1, local: "0.0.0.0:5000", peer: c.Local.String()}) {
		t.Errorf("server dump has no accepted socket with family 43 (AF_SMC) for %s: %+v", c.Local, srv)
	}
}
