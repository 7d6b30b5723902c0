package kstat

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/smcdump/smcdump/capture/kstat/procnet"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
)

const testdata = "../../testdata/kstat/"

var cmpOpts = []cmp.Option{cmpopts.EquateComparable(netip.AddrPort{}), cmpopts.EquateEmpty()}

// fixtureSnapshot builds a snapshot from a /proc fixture tree, as Collect
// would from live files.
func fixtureSnapshot(t *testing.T, dir string, at time.Time) *Snapshot {
	t.Helper()
	var raw []RawSource
	for _, name := range procnet.Files {
		b, err := os.ReadFile(filepath.Join(testdata, "proc", dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, RawSource{Kind: KindProc, Name: name, Text: string(b)})
	}
	s, err := Decode(raw, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	s.TakenAt = at
	return s
}

func readTool(t *testing.T, name string) *Snapshot {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, "tools", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ReadSnapshot(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func TestReadSnapshotTools(t *testing.T) {
	tests := []struct {
		file   string
		source string
		check  map[string]uint64 // Flat() values
	}{
		{"netstat-s.linux-6.18.real.txt", "netstat -s", map[string]uint64{"snmp.Udp.InErrors": 991, "snmp.Udp.RcvbufErrors": 991, "snmp.Udp.OutDatagrams": 1000, "snmp.Ip.InReceives": 1000, "netstat.IpExt.InOctets": 128000}},
		{"nstat.linux-6.18.real.txt", "nstat", map[string]uint64{"snmp.Udp.RcvbufErrors": 991, "snmp.Udp.InErrors": 991, "snmp6.Ip6InReceives": 2, "netstat.IpExt.InNoECTPkts": 1000}},
		{"nstat-a.linux-6.18.real.txt", "nstat", map[string]uint64{"snmp.Udp.RcvbufErrors": 991}},
		{"nstat-az.linux-6.18.real.txt", "nstat", map[string]uint64{"snmp.Udp.RcvbufErrors": 991, "snmp.Udp.MemErrors": 0}},
		{"ethtool-S-veth.linux-6.18.real.txt", "ethtool -S", map[string]uint64{"ethtool.rx_queue_0_drops": 0, "ethtool.peer_ifindex": 6}},
		{"smcr-stats.synthetic.txt", "smcr stats", map[string]uint64{"smc.smcr.rx_bytes": 5242880, "smc.smcr.tx_count": 2230, "smc.fallback.client_total": 20}},
		{"smcr-stats-d.synthetic.txt", "smcr stats", map[string]uint64{"smc.fallback.server_total": 5, "smc.fallback.client_total": 15,
			"smc.fallback.server.0x05000000": 5, "smc.fallback.client.0x03010000": 15, "smc.smcr.rx_rmb_full": 2}},
		{"smcd-stats.synthetic.txt", "smcd stats", map[string]uint64{"smc.smcd.rx_count": 3000}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := readTool(t, tt.file)
			if s.Source != tt.source {
				t.Errorf("source = %q, want %q", s.Source, tt.source)
			}
			flat := s.Flat()
			for k, v := range tt.check {
				if got, ok := flat[k]; !ok || got != v {
					t.Errorf("%s = %d (present %v), want %d", k, got, ok, v)
				}
			}
		})
	}
}

func TestReadSnapshotSS(t *testing.T) {
	s := readTool(t, "ss-uam.linux-6.18.real.txt")
	if len(s.Tools.SS) != 1 || s.Tools.SS[0].Skmem["d"] != 991 || s.Tools.SS[0].Skmem["rb"] != 8192 || s.Tools.SS[0].RecvQ != 7488 {
		t.Errorf("ss = %+v", s.Tools.SS)
	}
}

func TestReadSnapshotSMCSS(t *testing.T) {
	s := readTool(t, "smcss-a.synthetic.txt")
	r, p := uint32(0x05000000), uint32(0x03030000)
	r2, p2 := uint32(0x03010000), uint32(0)
	want := []smcnl.Socket{
		{Family: 43, State: 1, Inode: 41017, Local: netip.MustParseAddrPort("10.1.1.1:45678"), Peer: netip.MustParseAddrPort("10.1.1.2:12345")},
		{Family: 43, State: 1, Mode: 1, UID: 1000, Inode: 41555, Local: netip.MustParseAddrPort("10.1.1.1:45680"), Peer: netip.MustParseAddrPort("10.1.1.2:12345"), FallbackReason: &r, PeerDiagnosis: &p},
		{Family: 43, State: 1, Mode: 1, UID: 1000, Inode: 41600, Local: netip.MustParseAddrPort("10.1.1.1:45682"), Peer: netip.MustParseAddrPort("10.1.1.3:80"), FallbackReason: &r2, PeerDiagnosis: &p2},
		{Family: 43, State: 10, Inode: 40001, Local: netip.MustParseAddrPort("0.0.0.0:12345")},
		{Family: 43, State: 2, Inode: 40777},
	}
	if d := cmp.Diff(want, s.SMC.Sockets, cmpOpts...); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	s = readTool(t, "smcss-R.synthetic.txt")
	if l := s.SMC.Sockets[0].Link; l == nil || l.IBName != "mlx5_0" || l.PeerGID != "fe80:0000:0000:0000:0000:00ff:fe00:0002" {
		t.Errorf("link = %+v", l)
	}
}

func TestReadSnapshotProcCopies(t *testing.T) {
	for _, name := range []string{"snmp", "netstat", "snmp6", "udp", "tcp", "dev", "softnet_stat"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(testdata, "proc/linux-6.18-real-udpdrop/net", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s, err := ReadSnapshot(f)
			if err != nil {
				t.Fatal(err)
			}
			if s.Source != "proc:net/"+name {
				t.Errorf("source = %q", s.Source)
			}
		})
	}
}

func TestReadSnapshotErrorsNameLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Udp:\n    12 packets received\ngarbage line\n", `netstat -s:3: expected a section line "Name:" at column 0: "garbage line"`},
		{"#kernel\nUdpInErrors x 0.0\n", `nstat:2: "x" is not a number`},
		{"NIC statistics:\n     rx_drops: many\n", `ethtool -S:2: "many" is not a number`},
		{"SMC-R Connections Summary\n  Total connections handled  abc\n", `smcr stats:2: expected "<label> <number>"`},
		{"what is this\n", `input:1: unrecognized format`},
	}
	for _, tt := range tests {
		_, err := ReadSnapshot(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadSnapshot(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	s := fixtureSnapshot(t, "linux-6.18-real-udpdrop", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s.Hostname, s.Kernel = "h", "6.18.44"
	// SYNTHETIC SMC raw reply: a SYS_INFO message.
	sys := []byte{1, 1, 0, 0, 12, 0, 1, 0, 5, 0, 1, 0, 2, 0, 0, 0}
	s.Raw = append(s.Raw, RawSource{Kind: KindGenl, Name: "GET_SYS_INFO", Bytes: smcnl.AppendMessage(nil, binary.LittleEndian, 0x1d, 2, 1, sys)},
		RawSource{Kind: KindGenl, Name: "GET_STATS", Errno: 95})
	s.SMC.Available = true
	if err := s.Decode(); err != nil {
		t.Fatal(err)
	}
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"schema":"smcdump.kstat/v1"`)) || !bytes.Contains(b, []byte(`"taken_at":"2026-01-02T03:04:05Z"`)) {
		t.Errorf("json head: %.200s", b)
	}
	got, err := ReadSnapshot(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s, got, cmpOpts...); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if got.SMC.Info.SysInfo.Version != 2 || len(got.SMC.Unsupported) != 1 {
		t.Errorf("smc = %+v", got.SMC)
	}
	b2, _ := got.MarshalJSON()
	if !bytes.Equal(b, b2) {
		t.Error("marshal is not deterministic across a round trip")
	}
}

func TestDiff(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := fixtureSnapshot(t, "linux-4.19-synthetic", t0)
	b := fixtureSnapshot(t, "linux-4.19-synthetic", t0.Add(time.Second))
	b.Proc.SNMP["Udp"]["RcvbufErrors"] += 991
	b.Proc.SNMP["Udp"]["InErrors"] += 991
	d0 := *b.Proc.Sockets[0].Drops + 991
	b.Proc.Sockets[0].Drops = &d0
	b.Proc.Sockets[0].RxQueue += 100
	a.Proc.SNMP["Udp"]["InDatagrams"] = 0xfffffff0 // 32-bit wrap
	d := Diff(a, b)
	if v, ok := d.Get("snmp.Udp.RcvbufErrors"); !ok || v != 991 {
		t.Errorf("RcvbufErrors delta = %d %v", v, ok)
	}
	if v, _ := d.Get("snmp.Udp.InDatagrams"); v != 4000+0x10 {
		t.Errorf("wrap delta = %d", v)
	}
	if _, ok := d.Get("snmp.Udp.NoPorts"); ok {
		t.Error("unchanged counter reported")
	}
	if sd := d.Sockets[0]; sd.DropsDelta == nil || *sd.DropsDelta != 991 || sd.RxBefore+100 != sd.Socket.RxQueue {
		t.Errorf("socket delta = %+v", sd)
	}
	var g GrowthTracker
	if len(g.Observe(d)) != 0 {
		t.Error("flagged after one interval")
	}
	gr := g.Observe(d)
	if len(gr) != 1 || gr[0].Queue != "rx_queue" || gr[0].Intervals != 2 {
		t.Errorf("growing = %+v", gr)
	}
	var buf bytes.Buffer
	if err := WriteDelta(&buf, d, gr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"snmp.Udp.RcvbufErrors                    +991", "drops +991", "GROWING rx_queue udp 239.192.10.11:14400"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("delta text lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestWriteTextModuleAbsent(t *testing.T) {
	s := fixtureSnapshot(t, "linux-6.18-real-udpdrop", time.Unix(0, 0))
	s.SMC.Note = smcnl.NoteModuleAbsent
	var buf bytes.Buffer
	if err := s.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SMC:\n    SMC module not loaded", "    991 receive buffer errors", "drops 991", "net.core.rmem_max 4194304"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}
}

func FuzzReadSnapshot(f *testing.F) {
	for _, dir := range []string{"tools"} {
		ents, _ := os.ReadDir(filepath.Join(testdata, dir))
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(testdata, dir, e.Name()))
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"schema":"smcdump.kstat/v1","raw":[{"kind":"proc","name":"net/snmp","text":"Udp: A\nUdp: 1\n"}]}`))
	f.Add([]byte(`{"schema":"smcdump.kstat/v1","raw":[{"kind":"proc","name":"net/netstat","text":"TcpExt: A B\nTcpExt: 1\n","error":"x","cut_from":99},{"kind":"proc","name":"net/snmp","text":""}],"source_errors":[{"source":"/proc/net/dev","stage":"read","error":"missing"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ReadSnapshot(bytes.NewReader(b))
		if err == nil {
			s.Flat()
			s.Failed()
			_ = s.WriteText(&bytes.Buffer{})
			o := AllTables()
			o.Detail = 2
			o.SS = toolfmt.SMCSSOptions{All: true, SMCR: true, Debug: true}
			_ = s.WriteTables(&bytes.Buffer{}, o)
			_ = s.Tables(o)
		}
	})
}

// FuzzDecodePNET feeds SMC_PNETID_GET replies (seeded with the lab's REAL
// dump) to the decoder: it never panics and rejects what it cannot frame.
func FuzzDecodePNET(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(testdata, "../lab/out/6.12/snap/c-smcr-link/server-after/genl-pnetid_get.bin")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodePNET(b, binary.LittleEndian)
		_, _ = decodePNET(b, binary.BigEndian)
	})
}

// TestBoundedSocketTables: a snapshot whose socket tables were kept to a
// bound (procnet.KeepSockets, as collect does on a host with many sockets)
// says how many lines it left out, in JSON and text, and a socket missing
// from a bounded first snapshot is not taken as new (its drops before are
// unknown, so none are counted as the interval's).
func TestBoundedSocketTables(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	bounded := func(at time.Time, max int) *Snapshot {
		s := fixtureSnapshot(t, "linux-6.18-real-udpdrop", at)
		for i := range s.Raw {
			r := &s.Raw[i]
			if procnet.IsSocketTable(r.Name) {
				b, n, busy := procnet.KeepSockets([]byte(r.Text), max)
				r.Text, r.Omitted, r.OmittedBusy = string(b), n, busy
			}
		}
		if err := s.Decode(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	whole := fixtureSnapshot(t, "linux-6.18-real-udpdrop", t0)
	a := bounded(t0, 0)
	if a.Proc.Whole("udp") || len(a.Proc.Sockets) != 0 {
		t.Fatalf("bound 0: whole %v, %d sockets", a.Proc.Whole("udp"), len(a.Proc.Sockets))
	}
	left := 0
	for _, n := range a.Proc.Omitted {
		left += n
	}
	if left != len(whole.Proc.Sockets) {
		t.Errorf("omitted %v, want %d in all", a.Proc.Omitted, len(whole.Proc.Sockets))
	}
	js, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadSnapshot(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Proc.Omitted, a.Proc.Omitted) {
		t.Errorf("after a JSON round trip: omitted %v, want %v", back.Proc.Omitted, a.Proc.Omitted)
	}
	var buf bytes.Buffer
	if err := a.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Sockets with queued data or drops: 0 of 0 kept (") {
		t.Errorf("text does not say sockets were left out:\n%s", buf.String())
	}
	d := Diff(a, whole)
	for _, sd := range d.Sockets {
		if sd.New || !sd.Unknown || sd.DropsDelta != nil {
			t.Errorf("socket after a bounded snapshot: %+v", sd)
		}
	}
	var g GrowthTracker
	g.Observe(d)
	if gr := g.Observe(d); len(gr) != 0 {
		t.Errorf("unknown queues flagged as growing: %+v", gr)
	}
	for _, sd := range Diff(whole, whole).Sockets {
		if sd.Unknown {
			t.Errorf("unknown after a whole snapshot: %+v", sd)
		}
	}
}

// TestBoundedSMCSockets: an smc_diag reply kept to a bound (REAL reply of
// the SMC lab, Linux 6.1: a listening socket and a fallback) lists the
// fallback and says how many sockets it left out.
func TestBoundedSMCSockets(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("../../testdata/lab/out/6.1/snap/b-no-device/server-during/smc_diag.bin"))
	if err != nil {
		t.Skipf("lab reply not present: %v", err)
	}
	kept, left := smcnl.KeepDiag(raw, 1, binary.LittleEndian)
	s, err := Decode([]RawSource{{Kind: KindSockDiag, Name: "smc_diag", Bytes: kept, Omitted: 1}}, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	for mode, n := range left {
		s.SMC.NoteOmitted(smcnl.DiagModeName(mode), n)
	}
	if len(s.SMC.Sockets) != 1 || s.SMC.Sockets[0].Mode != smcnl.DiagModeFallback {
		t.Fatalf("kept %+v, want the fallback socket", s.SMC.Sockets)
	}
	var buf bytes.Buffer
	if err := s.WriteTables(&buf, TableSet{Sockets: true, SS: toolfmt.SMCSSOptions{All: true}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "(1 more SMC sockets left out: 1 smcr: ") {
		t.Errorf("smcss table does not say a socket was left out:\n%s", buf.String())
	}
	// A first snapshot that left out fallback sockets cannot tell which
	// fallbacks are new.
	a := &Snapshot{SMC: SMCState{Sockets: nil, SocketsOmitted: map[string]int{"fallback": 3}}}
	if nf := NewFallbacks(a, s); nf != nil {
		t.Errorf("new fallbacks after a snapshot that left fallbacks out: %+v", nf)
	}
	if nf := NewFallbacks(&Snapshot{}, s); len(nf) != 1 {
		t.Errorf("new fallbacks after an empty snapshot: %+v, want the one kept", nf)
	}
	js, err := json.Marshal(s.Tables(TableSet{Sockets: true, SS: toolfmt.SMCSSOptions{All: true}}))
	if err != nil || !strings.Contains(string(js), `"sockets_omitted":{"smcr":1}`) {
		t.Errorf("JSON tables do not count the socket left out (%v): %s", err, js)
	}
}

// TestBoundedIdleOmitted: a bounded table that left out only idle sockets
// (SYNTHETIC lines in the Linux 6.18 format) tells that a socket missing
// from it had nothing queued and no drops: in the next snapshot it is new,
// its drops all the interval's; one that left out busy sockets too does
// not (before unknown).
func TestBoundedIdleOmitted(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	line := func(sl, port int, rx string, drops int) string {
		return fmt.Sprintf("%5d: 0100007F:%04X 00000000:0000 07 00000000:%s 00:00000000 00000000     0        0 %d 2 0000000040d1ff6b %d\n", sl, port, rx, 17000+sl, drops)
	}
	hdr := "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	snap := func(at time.Time, text string, max int) *Snapshot {
		b, n, busy := procnet.KeepSockets([]byte(text), max)
		s, err := Decode([]RawSource{{Kind: KindProc, Name: "net/udp", Text: string(b), Omitted: n, OmittedBusy: busy}}, binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		s.TakenAt = at
		return s
	}
	before := hdr + line(1, 5000, "00001D40", 7) + line(2, 5001, "00000000", 0) + line(3, 5002, "00000000", 0)
	after := hdr + line(1, 5000, "00001D40", 9) + line(2, 5001, "00000000", 40) + line(3, 5002, "00000000", 0)
	for _, c := range []struct {
		max         int
		new, unknow int
	}{
		{1, 2, 0}, // the busy socket kept, the idle ones left out: new
		{0, 0, 3}, // the busy socket left out too: unknown
		{3, 0, 0}, // whole
	} {
		d := Diff(snap(t0, before, c.max), snap(t0.Add(time.Second), after, -1))
		n, u := 0, 0
		for _, sd := range d.Sockets {
			if sd.New {
				n++
			}
			if sd.Unknown {
				u++
			}
		}
		if n != c.new || u != c.unknow {
			t.Errorf("bound %d: %d new, %d unknown; want %d and %d", c.max, n, u, c.new, c.unknow)
		}
	}
}

// TestTablesSMCUnavailable: the JSON tables say why SMC could not be read
// (the module not loaded), so that empty tables are not read as "no SMC
// sockets"; a snapshot that could read SMC says nothing.
func TestTablesSMCUnavailable(t *testing.T) {
	s := &Snapshot{SMC: SMCState{Note: "SMC module not loaded (no SMC_GEN_NETLINK generic netlink family)"}}
	if got := s.Tables(TableSet{Sockets: true}).SMCUnavailable; got != s.SMC.Note {
		t.Errorf("unavailable: %q", got)
	}
	s = &Snapshot{SMC: SMCState{Available: true}}
	if got := s.Tables(TableSet{Sockets: true}).SMCUnavailable; got != "" {
		t.Errorf("available: %q", got)
	}
}

// TestDiffNewSocketDrops: a socket made during the interval (absent from
// the whole table before) counts its drops from 0 and is printed.
func TestDiffNewSocketDrops(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := fixtureSnapshot(t, "linux-4.19-synthetic", t0)
	b := fixtureSnapshot(t, "linux-4.19-synthetic", t0.Add(time.Second))
	s := b.Proc.Sockets[0]
	s.Inode += 1000 // not in a
	drops := uint64(908)
	s.Drops = &drops
	b.Proc.Sockets = append(b.Proc.Sockets, s)
	d := Diff(a, b)
	sd := d.Sockets[len(d.Sockets)-1]
	if !sd.New || sd.DropsDelta == nil || *sd.DropsDelta != 908 {
		t.Fatalf("new socket delta = %+v", sd)
	}
	var buf bytes.Buffer
	if err := WriteDelta(&buf, d, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "drops +908") {
		t.Errorf("not printed:\n%s", buf.String())
	}
}
