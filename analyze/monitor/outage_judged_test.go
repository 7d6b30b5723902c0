package monitor

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture"
)

// TestOutageGapJudgedOnce (synthetic stream, labelled synthetic; from a
// reviewer's reproduction): a 3 s outage early in a stream's life hides
// 300 datagrams, then the interface flaps 24 times for 1 ms, missing
// nothing: more flaps than the interface keeps outages (maxOutages). When
// the stream stops, its outage gap, judged while it was live, is not
// judged again against the outages left: the stream-stop event, its final
// analysis and the counters keep it unobserved, not lost.
func TestOutageGapJudgedOnce(t *testing.T) {
	var evs []Event
	e := New(Config{Emit: func(ev *Event) { evs = append(evs, *ev) }})
	e.Interfaces([]string{"eth1"})
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	src := netip.MustParseAddrPort("10.9.0.1:4000")
	grp := netip.MustParseAddrPort("239.9.0.1:5000")
	send := func(at time.Time, seq uint64) {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], seq)
		e.Packet(synthPacket(at, synthFrame(src, grp, 17, b[:])))
	}
	flaps := 0
	for i := 0; i < 3000; i++ { // 30 s, one datagram per 10 ms
		at := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		if i < 200 || i >= 500 { // eth1 down from 2 s to 5 s: nothing captured
			send(at, uint64(i+1))
		}
		switch {
		case i == 230:
			e.Link(capture.LinkEvent{Interface: 0, Name: "eth1", Ifindex: 3, Err: syscall.ENETDOWN, Time: at})
		case i == 550:
			e.Link(capture.LinkEvent{Interface: 0, Name: "eth1", Up: true, Ifindex: 3, Time: at})
		case i > 600 && i%100 == 0: // flaps of 1 ms, nothing missed
			e.Link(capture.LinkEvent{Interface: 0, Name: "eth1", Ifindex: 3, Err: syscall.ENETDOWN, Time: at.Add(time.Millisecond)})
			e.Link(capture.LinkEvent{Interface: 0, Name: "eth1", Up: true, Ifindex: 3, Time: at.Add(2 * time.Millisecond)})
			flaps++
		}
		if i%10 == 9 {
			e.Tick(at)
		}
	}
	if flaps <= maxOutages {
		t.Fatalf("%d flaps: the first outage would still be kept", flaps)
	}
	e.Close()

	var outageGaps, gaps, stops int
	for _, ev := range evs {
		switch ev.Type {
		case EventOutageGap:
			outageGaps++
			if ev.Gap.Count != 300 || ev.Gap.FirstMissing != 201 || ev.Gap.Interface != "eth1" {
				t.Errorf("outage gap: %+v", ev.Gap)
			}
		case EventGap:
			gaps++
			t.Errorf("gap event: %+v", ev.Gap)
		case EventStreamStop:
			stops++
			s := ev.Stream
			if s.Lost != 0 || s.Gaps != 0 || s.Unobserved != 300 {
				t.Errorf("stream-stop: lost %d gaps %d unobserved %d, want 0 0 300", s.Lost, s.Gaps, s.Unobserved)
			}
			verdicts := map[string]uint64{}
			var seqLost, seqGaps uint64
			for _, q := range s.Final.Sequences {
				seqLost += q.Lost
				seqGaps += q.GapCount
				for _, g := range q.Gaps {
					verdicts[g.Verdict] += g.Count
				}
			}
			if s.Final.Lost != 0 || seqLost != 0 || seqGaps != 0 || len(verdicts) != 1 || verdicts["outage"] != 300 {
				t.Errorf("final analysis: lost %d, sequences lost %d gaps %d, gap verdicts %v", s.Final.Lost, seqLost, seqGaps, verdicts)
			}
		}
	}
	if outageGaps != 1 || stops != 1 {
		t.Errorf("%d outage gaps, %d gaps, %d stream stops", outageGaps, gaps, stops)
	}
	text := exposition(t, e)
	for _, want := range []string{"smcdump_udp_lost_datagrams_total 0\n", "smcdump_udp_gaps_total 0\n", "smcdump_udp_unobserved_datagrams_total 300\n",
		`smcdump_capture_interface_outages_total{interface="eth1"} ` + strconv.Itoa(flaps+1) + "\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q:\n%s", want, grep(text, "smcdump_udp"))
		}
	}
}
