package correlate

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/procnet"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// fixtureRaw caches the fixture files per tree (read once; every snapshot
// decodes its own copy).
var fixtureRaw = map[string][]kstat.RawSource{}

// procSnap builds a snapshot from a /proc fixture tree (SYNTHETIC 4.19 tree:
// two sockets joined to 239.192.10.11:14400).
func procSnap(t *testing.T, dir string, at time.Time) *kstat.Snapshot {
	t.Helper()
	raw, ok := fixtureRaw[dir]
	if !ok {
		for _, name := range procnet.Files {
			b, err := os.ReadFile(filepath.Join("../../testdata/kstat/proc", dir, name))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			raw = append(raw, kstat.RawSource{Kind: kstat.KindProc, Name: name, Text: string(b)})
		}
		fixtureRaw[dir] = raw
	}
	s, err := kstat.Decode(raw, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	s.TakenAt = at
	rm := uint64(212992)
	s.Proc.RmemMax = &rm
	return s
}

func u(v uint64) *uint64 { return &v }

var stream = UDPStream{Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("239.192.10.11:14400")}

func TestUDPVerdicts(t *testing.T) {
	window := [2]time.Time{t0.Add(time.Second), t0.Add(9 * time.Second)}
	tests := []struct {
		name     string
		mutate   func(p *procnet.Tree)
		stream   UDPStream
		capDrops uint64
		kind     string
		conf     Confidence
		text     string
	}{
		{
			name: "row 1 socket buffer overflow, exact",
			mutate: func(p *procnet.Tree) {
				p.SNMP["Udp"]["RcvbufErrors"] += 991
				p.SNMP["Udp"]["InErrors"] += 991
				*p.Sockets[0].Drops += 991
			},
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, AppMissing: u(991)},
			kind:   KindSocketOverflow, conf: High,
			text: "socket receive buffer overflow: 991 datagrams dropped by the socket for 239.192.10.11:14400, RcvbufErrors +991, capture complete → raise SO_RCVBUF and net.core.rmem_max (now 212992) or read faster",
		},
		{
			name: "row 2 two subscribers, each counted",
			mutate: func(p *procnet.Tree) {
				p.SNMP["Udp"]["RcvbufErrors"] += 982
				*p.Sockets[0].Drops += 491
				*p.Sockets[1].Drops += 491
			},
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, AppMissing: u(491)},
			kind:   KindSocketOverflow, conf: High, text: "(2 sockets on the port, each counted)",
		},
		{
			name:   "row 1 with a second loss point",
			mutate: func(p *procnet.Tree) { p.SNMP["Udp"]["RcvbufErrors"] += 500; *p.Sockets[0].Drops += 500 },
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, AppMissing: u(991)},
			kind:   KindSocketOverflow, conf: Low, text: "491 missing are not explained by RcvbufErrors",
		},
		{
			name:   "row 3 udp_mem",
			mutate: func(p *procnet.Tree) { p.SNMP["Udp"]["MemErrors"] = 10 },
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, AppMissing: u(10)},
			kind:   KindUDPMem, conf: High, text: "MemErrors +10",
		},
		{
			name:   "row 4 reassembly",
			mutate: func(p *procnet.Tree) { p.SNMP["Ip"]["ReasmFails"] += 7 },
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, AppMissing: u(7)},
			kind:   KindReassembly, conf: High,
		},
		{
			name:   "row 5 not joined",
			mutate: func(p *procnet.Tree) { p.SNMP["Udp"]["IgnoredMulti"] += 100 },
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, AppMissing: u(100)},
			kind:   KindNotDelivered, conf: Medium, text: "IgnoredMulti +100",
		},
		{
			name:   "row 6 NIC ring",
			mutate: func(p *procnet.Tree) { p.Dev[1].RxDrop += 120 },
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, Gap: 120},
			kind:   KindNICRing, conf: High, text: "counters +120",
		},
		{
			name:   "row 7 backlog",
			mutate: func(p *procnet.Tree) { p.Softnet[0].Dropped += 64 },
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, Gap: 64},
			kind:   KindBacklog, conf: High,
		},
		{
			name:     "row 9 capture artefact",
			mutate:   func(p *procnet.Tree) {},
			stream:   UDPStream{Src: stream.Src, Dst: stream.Dst, Gap: 50},
			capDrops: 50,
			kind:     KindCaptureArtefact, conf: High, text: "the capture itself dropped 50 packets",
		},
		{
			// the capture dropped packets, but not while the gap happened
			// (the multicast section's gap verdict is "network")
			name:     "row 9 drops elsewhere: not a capture artefact",
			mutate:   func(p *procnet.Tree) {},
			stream:   UDPStream{Src: stream.Src, Dst: stream.Dst, Gap: 50, GapNetwork: 50},
			capDrops: 70,
			kind:     KindBeforeHost, conf: Medium, text: "50 missing in the capture",
		},
		{
			name:   "row 10 before the host",
			mutate: func(p *procnet.Tree) {},
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, Gap: 33},
			kind:   KindBeforeHost, conf: High, text: "33 missing in the capture",
		},
		{
			name:   "row 11 sender",
			mutate: func(p *procnet.Tree) { p.SNMP["Udp"]["SndbufErrors"] += 33 },
			stream: UDPStream{Src: stream.Src, Dst: stream.Dst, Gap: 33},
			kind:   KindSenderDrop, conf: High,
		},
		{
			name:   "no loss",
			mutate: func(p *procnet.Tree) { p.SNMP["Udp"]["InDatagrams"] += 1000 },
			stream: stream,
			kind:   KindNoLoss, conf: High,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := procSnap(t, "linux-4.19-synthetic", t0)
			after := procSnap(t, "linux-4.19-synthetic", t0.Add(10*time.Second))
			// The 4.19 tree has no MemErrors (5.11+); give both sides one.
			before.Proc.SNMP["Udp"]["MemErrors"], after.Proc.SNMP["Udp"]["MemErrors"] = 0, 0
			tt.mutate(after.Proc)
			vs := UDP(before, after, UDPObserved{Streams: []UDPStream{tt.stream}, CaptureDrops: tt.capDrops, Window: window})
			if len(vs) != 1 {
				t.Fatalf("verdicts = %+v", vs)
			}
			v := vs[0]
			if v.Kind != tt.kind || v.Confidence != tt.conf || !strings.Contains(v.Text, tt.text) {
				t.Errorf("got %s/%s %q\nwant %s/%s containing %q", v.Kind, v.Confidence, v.Text, tt.kind, tt.conf, tt.text)
			}
			for i := 1; i < len(v.Numbers); i++ {
				if v.Numbers[i-1].Name >= v.Numbers[i].Name {
					t.Errorf("numbers not sorted: %+v", v.Numbers)
				}
			}
		})
	}
}

func TestUDPWindowAndSqueeze(t *testing.T) {
	before := procSnap(t, "linux-4.19-synthetic", t0)
	after := procSnap(t, "linux-4.19-synthetic", t0.Add(10*time.Second))
	after.Proc.Softnet[0].TimeSqueeze += 5
	vs := UDP(before, after, UDPObserved{Streams: []UDPStream{stream}, Window: [2]time.Time{t0.Add(-time.Second), t0.Add(time.Second)}})
	kinds := []string{}
	for _, v := range vs {
		kinds = append(kinds, v.Kind)
	}
	if strings.Join(kinds, ",") != KindWindow+","+KindSqueeze+","+KindNoLoss {
		t.Errorf("kinds = %v", kinds)
	}
}

func labSnap(t *testing.T, dir string) *kstat.Snapshot {
	t.Helper()
	p := filepath.Join("../../testdata/lab/out/6.12/snap", dir)
	if _, err := os.Stat(filepath.Join(p, "index.json")); err != nil {
		t.Skipf("lab output not present: %v", err)
	}
	s, err := kstat.ReadRawDir(os.DirFS(p))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSMCLab uses REAL Linux 6.12 snapshots from the SMC lab: in scenario b
// the client has no SMC device, declines with NOSMCDEV, and the server
// records PEERDECL.
func TestSMCLab(t *testing.T) {
	tests := []struct {
		name, side string
		obs        SMCObserved
		kind       string
		conf       Confidence
		text       string
	}{
		{"server matches capture", "server", SMCObserved{FallbacksByCode: map[Code]SideCounts{0x05000000: {Server: 1}}},
			KindSMCFallback, High, "1 server fallbacks with reason 0x05000000 PEERDECL: kernel +1"},
		{"client matches capture", "client", SMCObserved{FallbacksByCode: map[Code]SideCounts{0x03030000: {Client: 1}}},
			KindSMCFallback, High, "reason 0x03030000 NOSMCDEV: kernel +1"},
		{"outside the filter", "client", SMCObserved{},
			KindSMCFallback, Medium, "1 connections were outside the capture filter or window"},
		{"other namespace", "server", SMCObserved{FallbacksByCode: map[Code]SideCounts{0x05000000: {Server: 3}}},
			KindSMCFallback, Low, "2 fell back in another namespace or host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := labSnap(t, "b-no-device/"+tt.side+"-before")
			after := labSnap(t, "b-no-device/"+tt.side+"-after")
			vs := SMC(before, after, tt.obs)
			if len(vs) != 1 {
				t.Fatalf("verdicts = %+v", vs)
			}
			if v := vs[0]; v.Kind != tt.kind || v.Confidence != tt.conf || !strings.Contains(v.Text, tt.text) {
				t.Errorf("got %s/%s %q", v.Kind, v.Confidence, v.Text)
			}
		})
	}
}

func TestSMCHandshakeAndAbsent(t *testing.T) {
	mk := func(hs uint64) *kstat.Snapshot {
		return &kstat.Snapshot{TakenAt: t0, SMC: kstat.SMCState{Available: true, Info: &smcnl.Info{
			Stats: &smcnl.Stats{ClientHSErrors: hs}, Fallback: &smcnl.FallbackStats{}}}}
	}
	vs := SMC(mk(1), mk(3), SMCObserved{HandshakeErrors: 2})
	if len(vs) != 1 || vs[0].Kind != KindSMCHandshake || vs[0].Confidence != High {
		t.Errorf("verdicts = %+v", vs)
	}
	absent := &kstat.Snapshot{SMC: kstat.SMCState{Note: smcnl.NoteModuleAbsent}}
	vs = SMC(absent, absent, SMCObserved{})
	if len(vs) != 1 || vs[0].Kind != KindSMCUnavailable || !strings.Contains(vs[0].Text, "SMC module not loaded") {
		t.Errorf("verdicts = %+v", vs)
	}
}

// TestUDPTwoLossPoints: a gap in the capture and a socket that dropped
// what the capture holds are two loss points, both named; the verdict for
// the gap does not claim the receive counters unchanged (synthetic /proc
// tree).
func TestUDPTwoLossPoints(t *testing.T) {
	window := [2]time.Time{t0.Add(time.Second), t0.Add(9 * time.Second)}
	run := func(mutate func(p *procnet.Tree)) []Verdict {
		before := procSnap(t, "linux-4.19-synthetic", t0)
		after := procSnap(t, "linux-4.19-synthetic", t0.Add(10*time.Second))
		before.Proc.SNMP["Udp"]["MemErrors"], after.Proc.SNMP["Udp"]["MemErrors"] = 0, 0
		mutate(after.Proc)
		return UDP(before, after, UDPObserved{Streams: []UDPStream{{Src: stream.Src, Dst: stream.Dst, Gap: 2}}, Window: window})
	}
	kinds := func(vs []Verdict) string {
		var k []string
		for _, v := range vs {
			k = append(k, v.Kind+"/"+string(v.Confidence))
		}
		return strings.Join(k, " ")
	}
	// the socket is still there and counted its drops
	vs := run(func(p *procnet.Tree) {
		p.SNMP["Udp"]["RcvbufErrors"] += 292
		p.SNMP["Udp"]["InErrors"] += 292
		*p.Sockets[0].Drops += 292
	})
	if got := kinds(vs); got != "loss-before-receiver/high socket-buffer-overflow/high" {
		t.Fatalf("socket counted: verdicts %s: %+v", got, vs)
	}
	if strings.Contains(vs[0].Text, "all receive counters") || !strings.Contains(vs[1].Text, "besides the 2 missing") || !strings.Contains(vs[1].Text, "dropped 292") {
		t.Errorf("texts: %q / %q", vs[0].Text, vs[1].Text)
	}
	// the socket was closed before the after snapshot
	vs = run(func(p *procnet.Tree) {
		p.SNMP["Udp"]["RcvbufErrors"] += 292
		p.Sockets = p.Sockets[:0]
	})
	if got := kinds(vs); got != "loss-before-receiver/high socket-buffer-overflow/medium" {
		t.Fatalf("socket closed: verdicts %s: %+v", got, vs)
	}
	if !strings.Contains(vs[1].Text, "closed before the after snapshot") {
		t.Errorf("text: %q", vs[1].Text)
	}
}

// TestUDPNotJudgedAdvice: "capture again with -s 0" is advised only when a
// stream's datagrams were cut by the snaplen, not for a live stream whose
// format is still being detected or a stream without sequence numbers.
func TestUDPNotJudgedAdvice(t *testing.T) {
	before := procSnap(t, "linux-4.19-synthetic", t0)
	after := procSnap(t, "linux-4.19-synthetic", t0.Add(10*time.Second))
	for why, wantAdvice := range map[string]bool{"": true, "snaplen": true, "format still being detected": false, "no sequence format": false} {
		st := stream
		st.Gap, st.Unanalyzed, st.UnanalyzedWhy = 0, true, why
		vs := UDP(before, after, UDPObserved{Streams: []UDPStream{st}, Window: [2]time.Time{t0, t0.Add(10 * time.Second)}})
		var text string
		for _, v := range vs {
			if v.Kind == KindNotAnalyzed {
				text = v.Text
			}
		}
		if text == "" || strings.Contains(text, "-s 0") != wantAdvice || why != "" && !strings.Contains(text, map[string]string{"snaplen": "cut by the snaplen"}[why]) && !strings.Contains(text, why) {
			t.Errorf("%q: %q", why, text)
		}
	}
}
