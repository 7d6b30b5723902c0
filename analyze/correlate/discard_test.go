package correlate

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/procnet"
)

// TestUDPKernelDiscards: the capture shows every datagram, the kernel
// discarded them before any socket (issue 9 item 4). SYNTHETIC changes to
// the 4.19 fixture tree; the counters that move per cause are those the
// loss lab measured on Linux 6.18 (cmd/smcdump/losslab_linux_test.go, the
// "d-" scenarios, and testdata/losslab).
func TestUDPKernelDiscards(t *testing.T) {
	window := [2]time.Time{t0.Add(time.Second), t0.Add(9 * time.Second)}
	unicast := UDPStream{Src: stream.Src, Dst: netip.MustParseAddrPort("10.0.0.2:14400"), Packets: 101}
	mc := stream
	mc.Packets = 101
	noSockets := func(b, a *procnet.Tree) { b.Sockets, a.Sockets = nil, nil }
	// noSocketKept: tables kept to a bound that left out 5,000 idle
	// sockets, none of them kept on the port
	noSocketKept := func(b, a *procnet.Tree) {
		noSockets(b, a)
		b.NoteOmitted("net/udp", 5000, 0)
		a.NoteOmitted("net/udp", 5000, 0)
	}
	tests := []struct {
		name   string
		mutate func(b, a *procnet.Tree)
		stream UDPStream
		kind   string
		conf   Confidence
		text   string
		nums   map[string]int64
	}{
		{
			name: "no socket, multicast: IgnoredMulti",
			mutate: func(b, a *procnet.Tree) {
				noSockets(b, a)
				a.SNMP["Udp"]["IgnoredMulti"] += 101
				a.SNMP["Ip"]["InReceives"] += 101
			},
			stream: mc, kind: KindNoSocket, conf: High,
			text: "discarded by the kernel, no socket: 101 datagrams of 239.192.10.11:14400 captured, no socket bound to port 14400, IgnoredMulti +101 (every captured datagram) → start the receiver",
			nums: map[string]int64{"IgnoredMulti": 101, "datagrams captured": 101, "sockets on port": 0},
		},
		{
			name: "no socket, unicast: NoPorts",
			mutate: func(b, a *procnet.Tree) {
				noSockets(b, a)
				a.SNMP["Udp"]["NoPorts"] += 101
				a.SNMP["Ip"]["InReceives"] += 101
			},
			stream: unicast, kind: KindNoSocket, conf: High, text: "NoPorts +101 (every captured datagram; the host answers ICMP port unreachable)",
			nums: map[string]int64{"NoPorts": 101},
		},
		{
			name: "no socket, part of the window",
			mutate: func(b, a *procnet.Tree) {
				noSockets(b, a)
				a.SNMP["Udp"]["IgnoredMulti"] += 40
				a.SNMP["Ip"]["InReceives"] += 200
			},
			stream: mc, kind: KindNoSocket, conf: Low, text: "IgnoredMulti +40 (40 of 101 captured",
		},
		{
			// a host with more sockets than a snapshot keeps: the
			// receiver's socket may be among the idle ones left out, so
			// "no socket" is only a low-confidence reading
			// (procnet.KeepSockets)
			name: "no socket kept, tables bounded: low confidence",
			mutate: func(b, a *procnet.Tree) {
				noSocketKept(b, a)
				a.SNMP["Udp"]["IgnoredMulti"] += 101
				a.SNMP["Ip"]["InReceives"] += 101
			},
			stream: mc, kind: KindNoSocket, conf: Low, text: "IgnoredMulti +101 (every captured datagram) → start the receiver, or bind it to port 14400 and join 239.192.10.11 on the receiving interface (no socket on the port among those the snapshots kept",
		},
		{
			// an idle receiver left out of bounded tables, IgnoredMulti
			// moved by other groups: the stream is not discarded
			name: "no socket kept, tables bounded, counter short of the capture: no loss",
			mutate: func(b, a *procnet.Tree) {
				noSocketKept(b, a)
				a.SNMP["Udp"]["IgnoredMulti"] += 3
				a.SNMP["Ip"]["InReceives"] += 101
			},
			stream: mc, kind: KindNoLoss, conf: Medium, text: "among those the after snapshot kept",
		},
		{
			name: "no socket kept, tables bounded, no counter: not confirmed",
			mutate: func(b, a *procnet.Tree) {
				noSocketKept(b, a)
				a.SNMP["Ip"]["InReceives"] += 101
			},
			stream: mc, kind: KindNoLoss, conf: Medium, text: "1 streams have no socket on their port among those the after snapshot kept (its UDP socket tables were kept to a bound",
		},
		{
			name: "reverse-path filter",
			mutate: func(b, a *procnet.Tree) {
				a.Netstat["TcpExt"]["IPReversePathFilter"] += 101
				a.SNMP["Ip"]["InReceives"] += 101
			},
			stream: mc, kind: KindRPFilter, conf: High,
			text: "discarded by the kernel, reverse-path filter: 101 datagrams from 10.0.0.1 captured, IPReversePathFilter +101 (every captured datagram)",
			nums: map[string]int64{"IPReversePathFilter": 101, "sockets on port": 2},
		},
		{
			name: "bad checksums",
			mutate: func(b, a *procnet.Tree) {
				a.SNMP["Udp"]["InErrors"] += 101
				a.SNMP["Udp"]["InCsumErrors"] += 101
				a.SNMP["Ip"]["InReceives"] += 101
				a.SNMP["Ip"]["InDelivers"] += 101
			},
			stream: mc, kind: KindInErrors, conf: High, text: "InErrors +101 of which RcvbufErrors +0 and MemErrors +0, so 101 other errors (every captured datagram); InCsumErrors +101: bad UDP checksums",
			nums: map[string]int64{"InErrors not RcvbufErrors/MemErrors": 101, "InCsumErrors": 101},
		},
		{
			name: "group not joined on the receiving interface",
			mutate: func(b, a *procnet.Tree) {
				a.SNMP["Ip"]["InReceives"] += 101
			},
			stream: mc, kind: KindNotJoined, conf: High, text: "group not joined on the receiving interface: 101 datagrams of 239.192.10.11:14400 captured, IP took in 101 more than it delivered and accepted only 0 multicast packets",
			nums: map[string]int64{"IP InReceives-InDelivers": 101, "IpExt InMcastPkts": 0},
		},
		{
			name: "delivered: no discard",
			mutate: func(b, a *procnet.Tree) {
				a.SNMP["Ip"]["InReceives"] += 101
				a.SNMP["Ip"]["InDelivers"] += 101
				a.Netstat["IpExt"]["InMcastPkts"] += 101
				a.SNMP["Udp"]["InDatagrams"] += 101
			},
			stream: mc, kind: KindNoLoss, conf: High, text: "no loss: 1 streams",
		},
		{
			// the capture shows the stream leaving this host (taken on the
			// sender): IgnoredMulti from other traffic is not about it
			name: "sender-side capture: no discard",
			mutate: func(b, a *procnet.Tree) {
				noSockets(b, a)
				a.SNMP["Udp"]["IgnoredMulti"] += 7
				a.SNMP["Ip"]["InReceives"] += 7
			},
			stream: mc, kind: KindNoLoss, conf: Medium, text: "1 streams have no socket on their port",
		},
		{
			// captured on the sender: the counters here see nothing, the
			// capture holds the receiver's ICMP port unreachables
			name: "ICMP errors in the capture: no-loss speaks for this host only",
			mutate: func(b, a *procnet.Tree) {
				a.SNMP["Ip"]["InReceives"] += 101
				a.SNMP["Ip"]["InDelivers"] += 101
				a.Netstat["IpExt"]["InMcastPkts"] += 101
				a.SNMP["Udp"]["InDatagrams"] += 101
			},
			stream: func() UDPStream { s := mc; s.ICMPErrors = 6; return s }(),
			kind:   KindNoLoss, conf: Medium, text: "the capture holds ICMP errors about 1 streams' datagrams",
		},
		{
			name:   "no UDP counters in the snapshots",
			mutate: func(b, a *procnet.Tree) { delete(b.SNMP, "Udp"); delete(a.SNMP, "Udp") },
			stream: mc, kind: KindNoLoss, conf: Low, text: "the snapshots have no UDP counters",
		},
		{
			name:   "no socket and no counter: not confirmed",
			mutate: func(b, a *procnet.Tree) { noSockets(b, a); a.SNMP["Ip"]["InReceives"] += 101 },
			stream: mc, kind: KindNoLoss, conf: Medium, text: "1 streams have no socket on their port",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := procSnap(t, "linux-4.19-synthetic", t0)
			after := procSnap(t, "linux-4.19-synthetic", t0.Add(10*time.Second))
			for _, s := range []*kstat.Snapshot{before, after} {
				s.Proc.SNMP["Udp"]["MemErrors"] = 0
				s.Proc.Netstat = procnet.Counters{"TcpExt": {"IPReversePathFilter": 3}, "IpExt": {"InMcastPkts": 20}}
			}
			tt.mutate(before.Proc, after.Proc)
			vs := UDP(before, after, UDPObserved{Streams: []UDPStream{tt.stream}, Window: window})
			if c := Contradictions(vs); len(c) > 0 {
				t.Errorf("contradictions %v in %+v", c, vs)
			}
			if len(vs) != 1 {
				t.Fatalf("verdicts = %+v", vs)
			}
			v := vs[0]
			if v.Kind != tt.kind || v.Confidence != tt.conf || !strings.Contains(v.Text, tt.text) {
				t.Errorf("got %s/%s %q\nwant %s/%s containing %q", v.Kind, v.Confidence, v.Text, tt.kind, tt.conf, tt.text)
			}
			for name, want := range tt.nums {
				if got, ok := v.Num(name); !ok || got != want {
					t.Errorf("number %q = %d (%v), want %d: %+v", name, got, ok, want, v.Numbers)
				}
			}
		})
	}
}

// TestUDPWindowCapsConfidence: snapshots that do not bracket the capture
// (the last file of a -G rotation without its end snapshot) never go with
// a high-confidence verdict (issue 9 item 3; SYNTHETIC).
func TestUDPWindowCapsConfidence(t *testing.T) {
	before := procSnap(t, "linux-4.19-synthetic", t0)
	after := procSnap(t, "linux-4.19-synthetic", t0.Add(5*time.Second))
	// the capture runs on after the last snapshot
	vs := UDP(before, after, UDPObserved{Streams: []UDPStream{stream}, Window: [2]time.Time{t0.Add(time.Second), t0.Add(9 * time.Second)}})
	if len(vs) != 2 || vs[0].Kind != KindWindow || vs[1].Kind != KindNoLoss || vs[1].Confidence != Medium ||
		!strings.Contains(vs[1].Text, "confidence capped: the snapshots do not bracket the capture") {
		t.Errorf("verdicts = %+v", vs)
	}
	if c := Contradictions(vs); len(c) > 0 {
		t.Errorf("contradictions: %v", c)
	}
	smc := SMC(before, after, SMCObserved{Window: [2]time.Time{t0.Add(time.Second), t0.Add(9 * time.Second)}})
	if c := Contradictions(smc); len(c) > 0 {
		t.Errorf("SMC contradictions: %v", c)
	}
}

func TestContradictions(t *testing.T) {
	win := Verdict{Kind: KindWindow, Text: "w", Confidence: Low}
	noLoss := Verdict{Kind: KindNoLoss, Text: "n", Confidence: High}
	s := "10.0.0.1:1 -> 239.1.1.1:2"
	tests := []struct {
		name string
		vs   []Verdict
		want string // substring of the first contradiction, "" for none
	}{
		{"issue 9: window low and no-loss high", []Verdict{win, noLoss}, "confidence high although the snapshots do not bracket"},
		{"window with medium no-loss", []Verdict{win, {Kind: KindNoLoss, Text: "n", Confidence: Medium}}, ""},
		{"no-loss next to a stream loss", []Verdict{{Kind: KindNoSocket, Subject: s, Text: "x", Confidence: High}, {Kind: KindNoLoss, Text: "n", Confidence: Medium}}, "no-loss and discarded-no-socket"},
		{"high no-loss next to a host-level drop", []Verdict{{Kind: KindSocketOverflow, Text: "x", Confidence: Low}, noLoss}, "no-loss with confidence high next to socket-buffer-overflow"},
		{"medium no-loss next to a host-level drop", []Verdict{{Kind: KindSocketOverflow, Text: "x", Confidence: Low}, {Kind: KindNoLoss, Text: "n", Confidence: Medium}}, ""},
		{"two no-loss", []Verdict{noLoss, noLoss}, "no-loss stated 2 times"},
		{"same kind twice for a stream", []Verdict{{Kind: KindRPFilter, Subject: s, Text: "x", Confidence: Low}, {Kind: KindRPFilter, Subject: s, Text: "y", Confidence: Low}}, "stated twice"},
		{"no socket with a socket", []Verdict{{Kind: KindNoSocket, Subject: s, Text: "x", Confidence: Low, Numbers: []Number{{"sockets on port", 1}}}}, "while 1 sockets are on the port"},
		{"bad confidence", []Verdict{{Kind: KindNoLoss, Text: "x", Confidence: "sure"}}, `confidence "sure"`},
		{"SMC unavailable with fallbacks", []Verdict{{Kind: KindSMCUnavailable, Text: "x", Confidence: Low}, {Kind: KindSMCFallback, Subject: "client", Text: "y", Confidence: Medium}}, "smc-counters-unavailable next to"},
		{"consistent loss report", []Verdict{{Kind: KindSocketOverflow, Subject: s, Text: "x", Confidence: High}, {Kind: KindSqueeze, Text: "y", Confidence: Medium}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Contradictions(tt.vs)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("contradictions %v, want none", got)
			case tt.want != "" && (len(got) == 0 || !strings.Contains(got[0], tt.want)):
				t.Errorf("contradictions %v, want %q", got, tt.want)
			}
		})
	}
}

func TestParseText(t *testing.T) {
	text := "Summary\n  x\n\nKernel counters (snapshots from capture)\n  before: 2026 UTC host h\n" +
		"  snapshots-do-not-bracket-capture (confidence low): the snapshots (a .. b) do not bracket\n" +
		"  no-loss (confidence high): no loss: 1 streams without gaps and no socket drops\n" +
		"      numbers: RcvbufErrors=0, streams=1\n" +
		"  discarded-rp-filter [10.0.0.1:1 -> 239.1.1.1:2] (confidence medium): discarded (x): y\n" +
		"  note: something\n\nOther\n  z (confidence high): not a verdict\n"
	vs := ParseText(text)
	if len(vs) != 3 || vs[0].Kind != KindWindow || vs[1].Kind != KindNoLoss || vs[1].Confidence != High ||
		len(vs[1].Numbers) != 2 || vs[1].Numbers[1] != (Number{"streams", 1}) ||
		vs[2].Subject != "10.0.0.1:1 -> 239.1.1.1:2" || vs[2].Text != "discarded (x): y" {
		t.Fatalf("ParseText = %+v", vs)
	}
	if c := Contradictions(vs); len(c) != 2 {
		t.Errorf("contradictions %v, want the issue 9 one and no-loss next to a stream's loss", c)
	}
}

// TestUDPNeverContradicts runs UDP over combinations of counter changes,
// stream findings, capture drops and windows (SYNTHETIC changes to the 4.19
// fixture tree) and requires every result to pass Contradictions.
func TestUDPNeverContradicts(t *testing.T) {
	bumps := []func(b, a *procnet.Tree){
		func(b, a *procnet.Tree) {},
		func(b, a *procnet.Tree) { a.SNMP["Udp"]["RcvbufErrors"] += 50; a.SNMP["Udp"]["InErrors"] += 50 },
		func(b, a *procnet.Tree) { *a.Sockets[0].Drops += 50 },
		func(b, a *procnet.Tree) { a.SNMP["Udp"]["MemErrors"] += 5 },
		func(b, a *procnet.Tree) { a.SNMP["Udp"]["IgnoredMulti"] += 101 },
		func(b, a *procnet.Tree) { a.SNMP["Udp"]["NoPorts"] += 101 },
		func(b, a *procnet.Tree) { a.SNMP["Udp"]["InErrors"] += 30; a.SNMP["Udp"]["InCsumErrors"] += 30 },
		func(b, a *procnet.Tree) { a.Netstat["TcpExt"]["IPReversePathFilter"] += 101 },
		func(b, a *procnet.Tree) { a.SNMP["Ip"]["InReceives"] += 300 },
		func(b, a *procnet.Tree) { a.SNMP["Ip"]["ReasmFails"] += 3 },
		func(b, a *procnet.Tree) { a.Dev[1].RxDrop += 20 },
		func(b, a *procnet.Tree) { a.Softnet[0].Dropped += 20; a.Softnet[0].TimeSqueeze += 2 },
		func(b, a *procnet.Tree) { a.SNMP["Udp"]["SndbufErrors"] += 9 },
		func(b, a *procnet.Tree) { b.Sockets, a.Sockets = nil, nil },
		func(b, a *procnet.Tree) { a.Sockets = nil },
	}
	uni := UDPStream{Src: stream.Src, Dst: netip.MustParseAddrPort("10.0.0.2:14400")}
	streamSets := [][]UDPStream{
		{stream},
		{{Src: stream.Src, Dst: stream.Dst, Packets: 101}},
		{{Src: stream.Src, Dst: stream.Dst, Packets: 101, Gap: 20}},
		{{Src: stream.Src, Dst: stream.Dst, AppMissing: u(50)}},
		{{Src: stream.Src, Dst: stream.Dst, Packets: 60}, {Src: uni.Src, Dst: uni.Dst, Packets: 41}},
		{{Src: stream.Src, Dst: stream.Dst, Packets: 101}, {Src: uni.Src, Dst: uni.Dst, Packets: 10, Gap: 3}},
	}
	windows := [][2]time.Time{{t0.Add(time.Second), t0.Add(9 * time.Second)}, {t0.Add(time.Second), t0.Add(20 * time.Second)}, {}}
	n := 0
	for i := range bumps {
		for j := i; j < len(bumps); j++ {
			for si, ss := range streamSets {
				for wi, w := range windows {
					for _, drops := range []uint64{0, 20} {
						before := procSnap(t, "linux-4.19-synthetic", t0)
						after := procSnap(t, "linux-4.19-synthetic", t0.Add(10*time.Second))
						for _, s := range []*kstat.Snapshot{before, after} {
							s.Proc.SNMP["Udp"]["MemErrors"] = 0
							s.Proc.Netstat = procnet.Counters{"TcpExt": {"IPReversePathFilter": 3}, "IpExt": {"InMcastPkts": 20}}
						}
						bumps[i](before.Proc, after.Proc)
						if j != i {
							bumps[j](before.Proc, after.Proc)
						}
						vs := UDP(before, after, UDPObserved{Streams: ss, CaptureDrops: drops, Window: w})
						n++
						if c := Contradictions(vs); len(c) > 0 {
							t.Errorf("bumps %d+%d, streams %d, window %d, drops %d: %v\n%+v", i, j, si, wi, drops, c, vs)
						}
						if len(vs) == 0 {
							t.Errorf("bumps %d+%d, streams %d: no verdict", i, j, si)
						}
					}
				}
			}
		}
	}
	t.Logf("%d combinations", n)
}
