package kstat_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

const labOut = "../../testdata/lab/out"

// labSnapshot is one kernel snapshot of the lab recordings (REAL data:
// Linux 6.1 and 6.12 guests, rxe SMC-R; see testdata/lab).
type labSnapshot struct {
	name string
	s    *kstat.Snapshot
}

// labSnapshots reads every snapshot of testdata/lab/out: raw netlink
// directories (index.json), smcdump stats JSON files, and the snapshots
// embedded in the pcapng recordings.
func labSnapshots(t *testing.T) []labSnapshot {
	t.Helper()
	if _, err := os.Stat(labOut); err != nil {
		t.Skipf("lab recordings not present: %v", err)
	}
	var out []labSnapshot
	err := filepath.WalkDir(labOut, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if _, err := os.Stat(filepath.Join(p, "index.json")); err == nil {
				s, err := kstat.ReadRawDir(os.DirFS(p))
				if err != nil {
					t.Errorf("%s: %v", p, err)
					return nil
				}
				out = append(out, labSnapshot{p, s})
			}
		case strings.HasSuffix(p, ".json") && d.Name() != "index.json":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if !bytes.Contains(b[:min(len(b), 200)], []byte(`"schema":"smcdump.kstat/`)) {
				return nil
			}
			ss, err := kstat.ReadSnapshots(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
			for i, s := range ss {
				out = append(out, labSnapshot{p + "#" + string(rune('1'+i)), s})
			}
		case strings.HasSuffix(p, ".pcapng"):
			fr, err := pcapfile.OpenFile(p, nil)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				return nil
			}
			defer fr.Close()
			n := 0
			fr.OnCustom = func(cb pcapfile.CustomBlock) {
				s, ok, err := analyze.EmbeddedSnapshot(cb)
				if ok && err != nil {
					t.Errorf("%s: embedded snapshot: %v", p, err)
				}
				if ok && err == nil {
					n++
					out = append(out, labSnapshot{p + "#" + itoa(n), s})
				}
			}
			for {
				if _, err := fr.Next(); err != nil {
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Skip("no lab snapshots")
	}
	return out
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func parse(t *testing.T, f toolfmt.Format, text string) *toolfmt.Data {
	t.Helper()
	got, err := toolfmt.Detect([]byte(text))
	if err != nil || got != f {
		// An empty table (header only) of smc_pnet -s / ueid has nothing to detect.
		if strings.TrimSpace(text) != "" {
			t.Errorf("Detect = %q, %v; want %q\n%s", got, err, f, text)
		}
	}
	d, err := toolfmt.Parse(f, strings.NewReader(text))
	if err != nil {
		t.Fatalf("%s: %v\n%s", f, err, text)
	}
	return d
}

// normSockets keeps what smcss shows of each socket, so that what is read
// back from the text can be compared with the snapshot.
func normSockets(socks []smcnl.Socket, o toolfmt.SMCSSOptions) []smcnl.Socket {
	sel := toolfmt.SelectSockets(socks, o)
	out := make([]smcnl.Socket, 0, len(sel))
	zero := uint32(0)
	for _, s := range sel {
		n := smcnl.Socket{Family: smcnl.AFSMC, State: s.State, UID: s.UID, Inode: s.Inode}
		if s.State != 2 {
			n.Local = s.Local
		}
		if s.State != 2 && s.State != 10 {
			n.Peer, n.IfIndex, n.Mode = s.Peer, s.IfIndex, s.Mode
			if s.Mode == 1 && s.FallbackReason != nil {
				r, p := *s.FallbackReason, zero
				if s.PeerDiagnosis != nil {
					p = *s.PeerDiagnosis
				}
				n.FallbackReason, n.PeerDiagnosis = &r, &p
			}
			if s.Mode != 1 {
				if o.Debug {
					n.Shutdown, n.Conn = s.Shutdown, s.Conn
				}
				if o.SMCR && s.Link != nil {
					n.Link = s.Link
				}
				if o.SMCD && s.DMB != nil {
					d := *s.DMB
					d.MyGIDExt, d.PeerGIDExt = nil, nil
					n.DMB = &d
				}
			}
		}
		out = append(out, n)
	}
	return out
}

func readSockets(socks []smcnl.Socket) []smcnl.Socket {
	out := make([]smcnl.Socket, 0, len(socks))
	for _, s := range socks {
		if s.State == 2 || s.State == 10 {
			s.Mode, s.IfIndex, s.Peer = 0, 0, netip.AddrPort{}
		}
		out = append(out, s)
	}
	return out
}

// TestTablesRoundTripLab renders every smc-tools table of every snapshot in
// the lab recordings and reads the text back with the toolfmt readers: the
// numbers must be the same (abbreviated histogram cells: the same
// abbreviation).
func TestTablesRoundTripLab(t *testing.T) {
	snaps := labSnapshots(t)
	var nSock, nDev, nLgr, nLink, nStats int
	for _, ls := range snaps {
		s := ls.s
		in := s.SMC.Info
		if in == nil {
			in = &smcnl.Info{}
		}
		t.Run(strings.TrimPrefix(ls.name, labOut+"/"), func(t *testing.T) {
			// smcss with its selectors.
			for _, o := range []toolfmt.SMCSSOptions{{}, {All: true}, {Listening: true}, {All: true, SMCR: true}, {All: true, SMCD: true},
				{All: true, Debug: true}, {SMCR: true, Debug: true}} {
				var b bytes.Buffer
				if err := toolfmt.WriteSMCSS(&b, s.SMC.Sockets, o); err != nil {
					t.Fatal(err)
				}
				d := parse(t, toolfmt.SMCSS, b.String())
				want := normSockets(s.SMC.Sockets, o)
				got := readSockets(d.SMCSockets)
				if len(want) == 0 && len(got) == 0 {
					continue
				}
				nSock += len(want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("smcss %+v: read back\n%+v\nwant\n%+v\ntext:\n%s", o, got, want, b.String())
				}
			}
			// smcr device / smcd device.
			for _, detail := range []bool{false, true} {
				rows := toolfmt.DeviceRowsR(in.DevicesR, nil)
				var b bytes.Buffer
				if err := toolfmt.WriteDevicesR(&b, rows, detail); err != nil {
					t.Fatal(err)
				}
				got := parse(t, toolfmt.SMCRDevice, b.String()).DevicesR
				if !detail {
					for i := range rows {
						rows[i].FID, rows[i].PCIID, rows[i].PCHID = 0, "", 0
					}
				}
				nDev += len(rows)
				if len(rows)+len(got) > 0 && !reflect.DeepEqual(got, rows) {
					t.Errorf("smcr device (detail %v): read back %+v, want %+v\n%s", detail, got, rows, b.String())
				}
			}
			if rows := toolfmt.DeviceRowsD(in.DevicesD); len(rows) > 0 {
				var b bytes.Buffer
				_ = toolfmt.WriteDevicesD(&b, rows)
				if got := parse(t, toolfmt.SMCDDevice, b.String()).DevicesD; !reflect.DeepEqual(got, rows) {
					t.Errorf("smcd device: read back %+v, want %+v", got, rows)
				}
			}
			// Link groups and links.
			if rows := toolfmt.LinkGroupRowsR(in.LinkGroupsR); len(rows) > 0 {
				var b bytes.Buffer
				_ = toolfmt.WriteLinkGroupsR(&b, rows)
				nLgr += len(rows)
				if got := parse(t, toolfmt.SMCRLinkGroup, b.String()).LinkGroupsR; !reflect.DeepEqual(got, rows) {
					t.Errorf("smcr linkgroup: read back %+v, want %+v\n%s", got, rows, b.String())
				}
			}
			if rows := toolfmt.LinkGroupRowsD(in.LinkGroupsD); len(rows) > 0 {
				var b bytes.Buffer
				_ = toolfmt.WriteLinkGroupsD(&b, rows)
				if got := parse(t, toolfmt.SMCDLinkGroup, b.String()).LinkGroupsD; !reflect.DeepEqual(got, rows) {
					t.Errorf("smcd linkgroup: read back %+v, want %+v", got, rows)
				}
			}
			for level := 0; level <= 2; level++ {
				rows := toolfmt.LinkRows(in.LinkGroupsR, nil, s.Order() == binary.LittleEndian)
				if len(rows) == 0 {
					break
				}
				var b bytes.Buffer
				_ = toolfmt.WriteLinks(&b, rows, level)
				for i := range rows {
					if level < 2 {
						rows[i].GID, rows[i].PeerGID = "", ""
					}
					if level < 1 {
						rows[i].LinkUID, rows[i].PeerUID, rows[i].IBDev, rows[i].IBPort = "", "", "", 0
					}
				}
				nLink += len(rows)
				if got := parse(t, toolfmt.SMCRLinks, b.String()).Links; !reflect.DeepEqual(got, rows) {
					t.Errorf("link-show level %d: read back %+v, want %+v\n%s", level, got, rows, b.String())
				}
			}
			// smcr stats / smcd stats, with and without -d.
			for _, smcd := range []bool{false, true} {
				for _, detail := range []bool{false, true} {
					want := s.StatsTable(smcd, detail)
					if want == nil {
						continue
					}
					nStats++
					var b bytes.Buffer
					if err := want.WriteText(&b); err != nil {
						t.Fatal(err)
					}
					f := toolfmt.SMCRStats
					if smcd {
						f = toolfmt.SMCDStats
					}
					got := parse(t, f, b.String()).SMCStats
					compareStats(t, got, want, b.String())
				}
			}
			// info, EIDs, PNET table.
			if want := toolfmt.InfoFrom(in); want != nil {
				var b bytes.Buffer
				_ = want.WriteText(&b)
				if got := parse(t, toolfmt.SMCInfo, b.String()).Info; !reflect.DeepEqual(got, want) {
					t.Errorf("smcr info: read back %+v, want %+v", got, want)
				}
			}
			if len(in.UEIDs) > 0 {
				var b bytes.Buffer
				_ = toolfmt.WriteUEIDs(&b, in.UEIDs)
				if d := parse(t, toolfmt.SMCUEID, b.String()); !reflect.DeepEqual(d.UEIDs, in.UEIDs) {
					t.Errorf("ueid: read back %v, want %v", d.UEIDs, in.UEIDs)
				}
			}
			if in.SEID != nil && in.SEID.SEID != "" {
				var b bytes.Buffer
				_ = toolfmt.WriteSEID(&b, in.SEID)
				if got := parse(t, toolfmt.SMCSEID, b.String()).SEID; !reflect.DeepEqual(got, in.SEID) {
					t.Errorf("seid: read back %+v, want %+v", got, in.SEID)
				}
			}
			if len(s.SMC.PNET) > 0 {
				var b bytes.Buffer
				_ = toolfmt.WritePNET(&b, s.SMC.PNET)
				if got := parse(t, toolfmt.SMCPNET, b.String()).PNET; !reflect.DeepEqual(got, s.SMC.PNET) {
					t.Errorf("smc_pnet -s: read back %+v, want %+v", got, s.SMC.PNET)
				}
			}
		})
	}
	t.Logf("%d snapshots: %d socket rows, %d device rows, %d link groups, %d link rows, %d stats tables", len(snaps), nSock, nDev, nLgr, nLink, nStats)
	if nSock == 0 || nDev == 0 || nLgr == 0 || nLink == 0 || nStats == 0 {
		t.Errorf("the lab recordings exercised no rows of some table")
	}
}

func compareStats(t *testing.T, got, want *toolfmt.SMCStatsText, text string) {
	t.Helper()
	if got.Tech != want.Tech || got.Detail != want.Detail {
		t.Errorf("stats: tech/detail %s/%v, want %s/%v", got.Tech, got.Detail, want.Tech, want.Detail)
	}
	for _, m := range []struct {
		name      string
		got, want map[string]uint64
	}{{"summary", got.Summary, want.Summary}, {"rx", got.RX, want.RX}, {"tx", got.TX, want.TX}, {"extras", got.Extras, want.Extras}} {
		if !reflect.DeepEqual(m.got, m.want) {
			t.Errorf("stats %s: read back %v, want %v\n%s", m.name, m.got, m.want, text)
		}
	}
	for k, w := range want.Histograms {
		g := got.Histograms[k]
		if len(g) != len(w) {
			t.Errorf("stats histogram %s: read back %v, want %v", k, g, w)
			continue
		}
		for i := range w {
			if toolfmt.Abbrev(g[i]) != toolfmt.Abbrev(w[i]) {
				t.Errorf("stats histogram %s[%d]: read back %d, want %d", k, i, g[i], w[i])
			}
		}
	}
	if math.Abs(got.AvgRequests-want.AvgRequests) > 0.05 {
		t.Errorf("stats avg: read back %v, want %v", got.AvgRequests, want.AvgRequests)
	}
	norm := func(r []smcnl.ReasonCount) []smcnl.ReasonCount {
		r = append([]smcnl.ReasonCount(nil), r...)
		sort.Slice(r, func(i, j int) bool { return r[i].Code < r[j].Code })
		if len(r) == 0 {
			return nil
		}
		return r
	}
	if !reflect.DeepEqual(norm(got.FallbackServer), norm(want.FallbackServer)) || !reflect.DeepEqual(norm(got.FallbackClient), norm(want.FallbackClient)) {
		t.Errorf("stats fallback reasons: read back %v / %v, want %v / %v", got.FallbackServer, got.FallbackClient, want.FallbackServer, want.FallbackClient)
	}
}

// TestLabSMCRLinkServerTables: the 6.12 c-smcr-link server shows rxe0 with
// its PNET ID, one SINGLE link group with its link, and the two sockets of
// the during-snapshot (one connection, one listener).
func TestLabSMCRLinkServerTables(t *testing.T) {
	dir := filepath.Join(labOut, "6.12/snap/c-smcr-link")
	if _, err := os.Stat(filepath.Join(dir, "server-after", "index.json")); err != nil {
		t.Skipf("lab output not present: %v", err)
	}
	after, err := kstat.ReadRawDir(os.DirFS(filepath.Join(dir, "server-after")))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := after.WriteTables(&b, kstat.TableSet{Devices: true, LinkGroups: true, Links: true, PNET: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	d := parse(t, toolfmt.SMCRDevice, section(out, "smcr device"))
	if len(d.DevicesR) != 1 || d.DevicesR[0].IBDev != "rxe0" || d.DevicesR[0].PNETID != "*PNETLAB" || d.DevicesR[0].IBState != "ACTIVE" {
		t.Errorf("smcr device: %+v\n%s", d.DevicesR, out)
	}
	g := parse(t, toolfmt.SMCRLinkGroup, section(out, "smcr linkgroup"))
	if len(g.LinkGroupsR) != 1 || g.LinkGroupsR[0].Type != "SINGLE" || g.LinkGroupsR[0].Role != "SERV" || g.LinkGroupsR[0].PNETID != "PNETLAB" {
		t.Errorf("smcr linkgroup: %+v\n%s", g.LinkGroupsR, out)
	}
	l := parse(t, toolfmt.SMCRLinks, section(out, "smcr linkgroup link-show"))
	if len(l.Links) != 1 || l.Links[0].LGID != g.LinkGroupsR[0].ID || l.Links[0].State != "LINK_ACTIVE" {
		t.Errorf("link-show: %+v\n%s", l.Links, out)
	}
	if !strings.Contains(out, "PNETLAB n/a rxe0 1\n") {
		t.Errorf("smc_pnet -s lacks the rxe0 entry:\n%s", out)
	}
	during, err := kstat.ReadRawDir(os.DirFS(filepath.Join(dir, "server-during")))
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := during.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out = b.String()
	if strings.Contains(out, "no SMC data") {
		t.Errorf("socket-only snapshot says no SMC data:\n%s", out)
	}
	sk := parse(t, toolfmt.SMCSS, section(out, "smcss -a"))
	if len(sk.SMCSockets) != 2 || sk.SMCSockets[0].State != 1 || sk.SMCSockets[1].State != 10 ||
		sk.SMCSockets[0].Local.Port() != 5000 || sk.SMCSockets[0].Mode != 0 {
		t.Errorf("during-snapshot sockets: %+v\n%s", sk.SMCSockets, out)
	}
}

// section returns the table under "## <cmd>" in WriteTables output.
func section(out, cmd string) string {
	i := strings.Index(out, "## "+cmd+"\n")
	if i < 0 {
		return ""
	}
	rest := out[i+len("## "+cmd+"\n"):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j+1]
	}
	return strings.TrimRight(rest, "\n") + "\n"
}

// captureSnapshots returns the snapshots embedded in one lab recording.
func captureSnapshots(t *testing.T, p string) []*kstat.Snapshot {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		t.Skipf("lab recording not present: %v", err)
	}
	fr, err := pcapfile.OpenFile(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	var out []*kstat.Snapshot
	fr.OnCustom = func(cb pcapfile.CustomBlock) {
		if s, ok, err := analyze.EmbeddedSnapshot(cb); ok && err == nil {
			out = append(out, s)
		}
	}
	for {
		if _, err := fr.Next(); err != nil {
			break
		}
	}
	return out
}

// TestWatchDeltaLab: between two snapshots of the 6.12 d-roce-blocked server
// (REAL), the interval's smcr stats show one server fallback TIMEOUT_CL and
// the socket that fell back is listed with the meaning and remedy explain
// gives.
func TestWatchDeltaLab(t *testing.T) {
	snaps := captureSnapshots(t, filepath.Join(labOut, "6.12/d-roce-blocked.pcapng"))
	var found bool
	for i := 1; i < len(snaps); i++ {
		d := kstat.Diff(snaps[i-1], snaps[i])
		if len(d.NewFallbacks) == 0 {
			continue
		}
		found = true
		f := d.NewFallbacks[0]
		if f.Reason != "0x02010000" || f.Name != "SMC_CLC_DECL_TIMEOUT_CL" || f.Meaning == "" || f.Remedy == "" {
			t.Errorf("fallback = %+v", f)
		}
		st := d.SMCRStats
		if st == nil || st.Summary["fallback_server"] != 1 || len(st.FallbackServer) != 1 || st.FallbackServer[0].Code != 0x02010000 {
			t.Errorf("interval stats = %+v", st)
		}
		var b bytes.Buffer
		if err := kstat.WriteDelta(&b, d, nil); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"## smcr stats -d (this interval)", "  TCP fallback                          1 (client 0, server 1)\n",
			"     TIMEOUT_CL                         1\n", "FALLBACK ACTIVE", "TCP 0x02010000 SMC_CLC_DECL_TIMEOUT_CL", "remedy:"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("delta text lacks %q:\n%s", want, b.String())
			}
		}
		if strings.Contains(b.String(), "smcd stats") {
			t.Errorf("SMC-D table shown without SMC-D activity:\n%s", b.String())
		}
		// The fallback is not listed again in the next interval.
		if i+1 < len(snaps) {
			if n := kstat.NewFallbacks(snaps[i], snaps[i+1]); len(n) != 0 {
				t.Errorf("fallback listed twice: %+v", n)
			}
		}
		break
	}
	if !found {
		t.Error("no interval with a new fallback socket")
	}
}

// TestLabManifestTables checks, for every 6.1 and 6.12 lab scenario (REAL
// kernels), that the rendered tables of the after-snapshots show what the
// lab manifest recorded: a confirmed SMC-R link gives a link group with an
// active link in `smcr linkgroup` / `link-show`, and a fallback reason
// reported by a side's kernel appears in that side's `smcr -d stats`.
func TestLabManifestTables(t *testing.T) {
	type kernelSide struct {
		FallbackRsn string `json:"fallback_rsn"`
	}
	var checked int
	for _, k := range []string{"6.1", "6.12"} {
		b, err := os.ReadFile(filepath.Join(labOut, k, "manifest.json"))
		if err != nil {
			t.Skipf("lab manifest not present: %v", err)
		}
		var m struct {
			Scenarios []struct {
				Name        string   `json:"name"`
				Snapshots   []string `json:"snapshots"`
				Connections []struct {
					Outcome string      `json:"outcome"`
					Link    string      `json:"link"`
					Client  *kernelSide `json:"client_kernel"`
					Server  *kernelSide `json:"server_kernel"`
				} `json:"connections"`
			} `json:"scenarios"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, sc := range m.Scenarios {
			after := map[string]*kstat.Snapshot{}
			for _, side := range []string{"client", "server"} {
				dir := filepath.Join(labOut, k, "snap", sc.Name, side+"-after")
				if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
					continue
				}
				s, err := kstat.ReadRawDir(os.DirFS(dir))
				if err != nil {
					t.Errorf("%s/%s: %v", k, sc.Name, err)
					continue
				}
				after[side] = s
			}
			for _, c := range sc.Connections {
				for side, ks := range map[string]*kernelSide{"client": c.Client, "server": c.Server} {
					s := after[side]
					if s == nil || ks == nil {
						continue
					}
					var out bytes.Buffer
					_ = s.WriteTables(&out, kstat.TableSet{SMCRStats: true, LinkGroups: true, Links: true, Detail: 1})
					text := out.String()
					if c.Outcome == "smc" && c.Link == "confirmed" {
						checked++
						g := parse(t, toolfmt.SMCRLinkGroup, section(text, "smcr linkgroup"))
						l := parse(t, toolfmt.SMCRLinks, section(text, "smcr -d linkgroup link-show"))
						if len(g.LinkGroupsR) == 0 || len(l.Links) == 0 || l.Links[0].State != "LINK_ACTIVE" {
							t.Errorf("%s/%s %s: confirmed link not in the tables:\n%s", k, sc.Name, side, text)
						}
					}
					code, err := parseHex(ks.FallbackRsn)
					if err != nil || code == 0 {
						continue
					}
					checked++
					st := parse(t, toolfmt.SMCRStats, section(text, "smcr -d stats")).SMCStats
					list := st.FallbackClient
					if side == "server" {
						list = st.FallbackServer
					}
					found := false
					for _, r := range list {
						found = found || r.Code == code && r.Count > 0
					}
					if !found || !strings.Contains(text, toolfmt.ReasonName(code)) {
						t.Errorf("%s/%s %s: reason 0x%08x not in smcr -d stats:\n%s", k, sc.Name, side, code, text)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Error("the manifests gave nothing to check")
	}
	t.Logf("%d manifest facts checked", checked)
}

func parseHex(s string) (uint32, error) {
	var v uint32
	_, err := fmt.Sscanf(strings.TrimPrefix(s, "0x"), "%x", &v)
	return v, err
}
