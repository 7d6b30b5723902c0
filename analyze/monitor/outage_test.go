package monitor

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/kstat"
)

// TestLinkStateMachine: interface events change the state once per
// transition (a repeated down, an up without a down and a failed resume
// change nothing), every outage is counted, and the outages kept per
// interface are bounded.
func TestLinkStateMachine(t *testing.T) {
	var evs []Event
	e := New(Config{Emit: func(ev *Event) { evs = append(evs, *ev) }})
	e.Interfaces([]string{"eth1", "eth2"})
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	down := func(i int, at time.Duration, gone bool) {
		e.Link(capture.LinkEvent{Interface: i, Name: []string{"eth1", "eth2"}[i], Gone: gone, Ifindex: 3 + i, Err: syscall.ENETDOWN, Time: t0.Add(at)})
	}
	up := func(i int, at time.Duration, ifindex int) {
		e.Link(capture.LinkEvent{Interface: i, Name: []string{"eth1", "eth2"}[i], Up: true, Ifindex: ifindex, Time: t0.Add(at)})
	}
	up(0, 0, 3) // up without down: nothing
	down(0, time.Second, false)
	down(0, 2*time.Second, true) // the same outage (the device deleted too)
	e.Link(capture.LinkEvent{Interface: 0, Name: "eth1", Retry: true, Err: errors.New("cannot bind"), Time: t0.Add(3 * time.Second)})
	if !e.ifs[0].down || !e.ifs[0].gone || e.ifs[0].outages != 1 || e.ifs[1].down {
		t.Fatalf("state after the down: %+v", e.ifs)
	}
	text := exposition(t, e)
	for _, want := range []string{`smcdump_capture_interface_up{interface="eth1"} 0`, `smcdump_capture_interface_up{interface="eth2"} 1`,
		`smcdump_capture_interface_outages_total{interface="eth1"} 1`, `smcdump_capture_interface_outages_total{interface="eth2"} 0`} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("exposition lacks %s:\n%s", want, grep(text, "smcdump_capture_interface"))
		}
	}
	up(0, 4*time.Second, 9)
	up(0, 5*time.Second, 9) // already up: nothing
	if len(evs) != 2 || evs[0].Interface == nil || evs[0].Interface.State != "down" || evs[0].Interface.Reason != "network is down" ||
		evs[1].Interface == nil || evs[1].Interface.State != "up" || evs[1].Interface.Ifindex != 9 || *evs[1].Interface.DownSeconds != 3 {
		t.Fatalf("events: %+v", evs)
	}
	text = exposition(t, e)
	for _, want := range []string{`smcdump_capture_interface_up{interface="eth1"} 1`, `smcdump_capture_interface_down_seconds_total{interface="eth1"} 3`} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("exposition lacks %s:\n%s", want, grep(text, "smcdump_capture_interface"))
		}
	}
	for k := 0; k < 3*maxOutages; k++ {
		down(1, time.Duration(10+2*k)*time.Second, false)
		up(1, time.Duration(11+2*k)*time.Second, 4)
	}
	if len(e.ifs[1].recent) > maxOutages || e.ifs[1].outages != 3*maxOutages {
		t.Fatalf("flapping: %d outages kept, %d counted", len(e.ifs[1].recent), e.ifs[1].outages)
	}
	// The interval of an outage: from its start to its end, inclusive of
	// a gap revealed after the start and begun before the end.
	o := e.ifs[0].recent[0]
	for _, c := range []struct {
		start, end time.Time
		want       bool
	}{
		{o.from.Add(-time.Second), o.from, false}, // revealed by the last packet before it
		{o.from.Add(-time.Second), o.from.Add(time.Millisecond), true},
		{o.to, o.to.Add(time.Second), true},
		{o.to.Add(time.Millisecond), o.to.Add(time.Second), false}, // after it
		{o.from.Add(-time.Hour), o.to.Add(time.Hour), true},
	} {
		if _, got := e.outageOf(0, c.start, c.end); got != c.want {
			t.Errorf("gap %v..%v against outage %v..%v: %v", c.start, c.end, o.from, o.to, got)
		}
	}
	if _, ok := e.outageOf(5, o.from, o.to); ok {
		t.Error("an unknown interface has an outage")
	}
}

// TestOutageNotLoss (synthetic streams, labelled synthetic): a stream on
// an interface that is down for 3 s misses 300 datagrams: that gap is an
// outage-gap, counted as unobserved, not as loss, in the events, the
// metrics, the stream's final analysis and the interval verdicts; the
// stream on the other interface goes on being judged (its own gap during
// the outage is loss), and so are later gaps of the first stream.
func TestOutageNotLoss(t *testing.T) {
	var evs []Event
	e := New(Config{Emit: func(ev *Event) { evs = append(evs, *ev) }})
	e.Interfaces([]string{"eth1", "eth2"})
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	src := netip.MustParseAddrPort("10.9.0.1:4000")
	grpA, grpB := netip.MustParseAddrPort("239.9.0.1:5000"), netip.MustParseAddrPort("239.9.0.2:5000")
	send := func(ifc int, dst netip.AddrPort, at time.Time, seq uint64) {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], seq)
		p := synthPacket(at, synthFrame(src, dst, 17, b[:]))
		p.Info.InterfaceIndex = ifc
		e.Packet(p)
	}
	snap := func(at time.Time) { e.Counters(&kstat.Snapshot{TakenAt: at}) }
	var midText string
	snap(t0.Add(-time.Millisecond))
	for i := 0; i < 1000; i++ { // 10 s, one datagram per 10 ms per stream
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		seq := uint64(i + 1)
		switch {
		case i >= 200 && i < 500: // eth1 down from 2 s to 5 s: nothing captured
		case i >= 800 && i < 803: // a real gap on eth1 later
		default:
			send(0, grpA, at, seq)
		}
		if i != 300 && i != 301 { // a real gap on eth2 during the outage
			send(1, grpB, at, seq)
		}
		switch i {
		case 230: // noticed 300 ms after the last packet
			e.Link(capture.LinkEvent{Interface: 0, Name: "eth1", Ifindex: 3, Err: syscall.ENETDOWN, Time: at})
		case 350:
			midText = exposition(t, e)
		case 550: // noticed up 500 ms after the capture resumed
			e.Link(capture.LinkEvent{Interface: 0, Name: "eth1", Up: true, Ifindex: 3, Time: at})
		}
		if i%10 == 9 {
			e.Tick(at)
		}
		if i%100 == 99 {
			snap(at)
		}
	}
	e.Close()

	var outageGaps, gaps []GapEvent
	var stops []StreamEvent
	var ifEvents []InterfaceEvent
	for _, ev := range evs {
		switch ev.Type {
		case EventOutageGap:
			outageGaps = append(outageGaps, *ev.Gap)
		case EventGap:
			gaps = append(gaps, *ev.Gap)
		case EventStreamStop:
			stops = append(stops, *ev.Stream)
		case EventInterface:
			ifEvents = append(ifEvents, *ev.Interface)
		case EventCounters:
			// Only the real gap of 8 s may be a loss verdict about the
			// stream of the outage.
			real := t0.Add(8 * time.Second)
			for _, v := range ev.Counters.Verdicts {
				if v.Kind == "no-loss" || v.Kind == "loss-not-judged" || !strings.Contains(v.Subject+v.Text, grpA.Addr().String()) {
					continue
				}
				gap := int64(-1)
				for _, n := range v.Numbers {
					if n.Name == "capture gap" {
						gap = n.Value
					}
				}
				if ev.Counters.From.After(real) || ev.Counters.To.Before(real) || gap != 3 {
					t.Errorf("interval verdict %v..%v about the stream of the outage: %+v", ev.Counters.From, ev.Counters.To, v)
				}
			}
		}
	}
	if len(ifEvents) != 2 || ifEvents[0].State != "down" || ifEvents[1].State != "up" || ifEvents[0].Name != "eth1" {
		t.Fatalf("interface events: %+v", ifEvents)
	}
	if len(outageGaps) != 1 || outageGaps[0].Dst != grpA.String() || outageGaps[0].FirstMissing != 201 || outageGaps[0].Count != 300 || outageGaps[0].Interface != "eth1" {
		t.Fatalf("outage gaps: %+v", outageGaps)
	}
	got := map[string]uint64{}
	for _, g := range gaps {
		got[g.Dst] += g.Count
	}
	if len(gaps) != 2 || got[grpA.String()] != 3 || got[grpB.String()] != 2 {
		t.Fatalf("gaps: %+v", gaps)
	}
	for _, s := range stops {
		want := [3]uint64{2, 1, 0} // lost, gaps, unobserved
		if s.Dst == grpA.String() {
			want = [3]uint64{3, 1, 300}
			verdicts := map[string]uint64{}
			for _, q := range s.Final.Sequences {
				for _, g := range q.Gaps {
					verdicts[g.Verdict] += g.Count
				}
			}
			if verdicts["outage"] != 300 || s.Final.Lost != 3 {
				t.Errorf("final analysis of %s: lost %d, gap verdicts %v", s.Dst, s.Final.Lost, verdicts)
			}
		}
		if [3]uint64{s.Lost, s.Gaps, s.Unobserved} != want {
			t.Errorf("stream-stop %s: lost %d gaps %d unobserved %d, want %v", s.Dst, s.Lost, s.Gaps, s.Unobserved, want)
		}
	}
	if len(stops) != 2 {
		t.Fatalf("stream stops: %+v", stops)
	}
	if !strings.Contains(midText, `smcdump_capture_interface_up{interface="eth1"} 0`+"\n") {
		t.Errorf("while down:\n%s", grep(midText, "smcdump_capture_interface"))
	}
	text := exposition(t, e)
	for _, want := range []string{"smcdump_udp_lost_datagrams_total 5\n", "smcdump_udp_gaps_total 2\n", "smcdump_udp_unobserved_datagrams_total 300\n",
		`smcdump_udp_stream_lost_datagrams_total{group="239.9.0.1",interface="eth1",port="5000",src="10.9.0.1"} 3` + "\n",
		`smcdump_capture_interface_up{interface="eth1"} 1` + "\n", `smcdump_capture_interface_outages_total{interface="eth1"} 1` + "\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q:\n%s", want, grep(text, "smcdump_udp"))
		}
	}
}

// TestInterfaceEventLines: the text and JSON forms of the interface and
// outage-gap events.
func TestInterfaceEventLines(t *testing.T) {
	ts := time.Date(2026, 12, 4, 10, 0, 0, 123456000, time.UTC)
	d := 2.5
	for _, tc := range []struct {
		ev   Event
		text string
		json string
	}{
		{Event{Time: ts, Type: EventInterface, Interface: &InterfaceEvent{Name: "eth1", State: "down", Reason: "network is down", Ifindex: 3}},
			"2026-12-04T10:00:00.123456Z interface eth1 down (network is down): not capturing on it until it is back; its streams' gaps meanwhile are outage-gaps, not loss\n",
			`"interface":{"name":"eth1","state":"down","reason":"network is down","ifindex":3}`},
		{Event{Time: ts, Type: EventInterface, Interface: &InterfaceEvent{Name: "eth1", State: "down", Gone: true, Reason: "no such device", Ifindex: 3}},
			"2026-12-04T10:00:00.123456Z interface eth1 down deleted (no such device): not capturing on it until it is back; its streams' gaps meanwhile are outage-gaps, not loss\n",
			`"interface":{"name":"eth1","state":"down","gone":true,"reason":"no such device","ifindex":3}`},
		{Event{Time: ts, Type: EventInterface, Interface: &InterfaceEvent{Name: "eth1", State: "up", Ifindex: 9, DownSeconds: &d}},
			"2026-12-04T10:00:00.123456Z interface eth1 up ifindex=9 down=2.500s: capturing again\n",
			`"interface":{"name":"eth1","state":"up","ifindex":9,"down_seconds":2.5}`},
		{Event{Time: ts, Type: EventOutageGap, Gap: &GapEvent{Src: "a:1", Dst: "b:2", FirstMissing: 201, Count: 300, Interface: "eth1"}},
			"2026-12-04T10:00:00.123456Z outage-gap a:1 -> b:2 first-missing=201 count=300 interface=eth1 (not seen: the capture interface was down)\n",
			`"gap":{"src":"a:1","dst":"b:2","first_missing":201,"count":300,"interface":"eth1"}`},
		{Event{Time: ts, Type: EventStreamStop, Stream: &StreamEvent{Src: "a:1", Dst: "b:2", Format: "counter", Packets: 700, Received: 700, Lost: 3, Gaps: 1, Unobserved: 300}},
			"2026-12-04T10:00:00.123456Z stream-stop a:1 -> b:2 format=counter packets=700 received=700 lost=3 gaps=1 duplicates=0 reordered=0 unobserved=300\n",
			`"unobserved":300`},
	} {
		var b bytes.Buffer
		if err := tc.ev.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.text {
			t.Errorf("text:\n got %q\nwant %q", b.String(), tc.text)
		}
		b.Reset()
		if err := tc.ev.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b.Bytes(), &m); err != nil || m["event"] != tc.ev.Type || !strings.Contains(b.String(), tc.json) {
			t.Errorf("JSON %s: want %s (%v)", b.String(), tc.json, err)
		}
	}
}
