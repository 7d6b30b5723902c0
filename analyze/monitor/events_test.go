package monitor

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/smcflow"
)

// TestEventLines: the text line and the JSON object of every event type
// (synthetic values).
func TestEventLines(t *testing.T) {
	ts := time.Date(2026, 12, 4, 10, 0, 0, 123456000, time.UTC)
	lat := 0.000812
	for _, tc := range []struct {
		ev   Event
		text string
	}{
		{Event{Time: ts, Type: EventConnection, Connection: &ConnEvent{Client: "10.0.0.1:40000", Server: "10.0.0.2:5000", Outcome: smcflow.OutcomeFallback,
			Reason: "decline", Code: "0x03030000", Name: "SMC_CLC_DECL_NOSMCDEV", By: "server", LatencySeconds: &lat}},
			"2026-12-04T10:00:00.123456Z smc fallback 10.0.0.1:40000 -> 10.0.0.2:5000 reason=decline code=0x03030000 (NOSMCDEV) by=server latency=0.000812s\n"},
		{Event{Time: ts, Type: EventConnection, Connection: &ConnEvent{Client: "10.0.0.1:40000", Server: "10.0.0.2:5000", Outcome: smcflow.OutcomeSMC, Variant: "SMC-Rv2", Revised: true}},
			"2026-12-04T10:00:00.123456Z smc smc 10.0.0.1:40000 -> 10.0.0.2:5000 SMC-Rv2 (revised)\n"},
		{Event{Time: ts, Type: EventGap, Gap: &GapEvent{Src: "10.77.0.1:47376", Dst: "239.77.1.1:14400", FirstMissing: 100, Count: 1}},
			"2026-12-04T10:00:00.123456Z gap 10.77.0.1:47376 -> 239.77.1.1:14400 first-missing=100 count=1\n"},
		{Event{Time: ts, Type: EventGap, Gap: &GapEvent{Src: "10.77.0.1:47376", Dst: "232.77.1.1:14400", FirstMissing: 100, Count: 9,
			Membership: &mcast.GapMembership{Cause: "source-leave", Host: "10.77.0.9", Frame: 41}}},
			"2026-12-04T10:00:00.123456Z gap 10.77.0.1:47376 -> 232.77.1.1:14400 first-missing=100 count=9 cause=source-leave by=10.77.0.9 frame=41\n"},
		{Event{Time: ts, Type: EventGap, Gap: &GapEvent{Src: "a:1", Dst: "b:2", Unlisted: 7}},
			"2026-12-04T10:00:00.123456Z gap a:1 -> b:2 7 more gaps (not listed)\n"},
		{Event{Time: ts, Type: EventStreamStart, Stream: &StreamEvent{Src: "a:1", Dst: "b:2"}},
			"2026-12-04T10:00:00.123456Z stream-start a:1 -> b:2\n"},
		{Event{Time: ts, Type: EventStreamStop, Stream: &StreamEvent{Src: "a:1", Dst: "b:2", Format: "mtools", Packets: 450, Received: 445, Lost: 5, Gaps: 5}},
			"2026-12-04T10:00:00.123456Z stream-stop a:1 -> b:2 format=mtools packets=450 received=445 lost=5 gaps=5 duplicates=0 reordered=0\n"},
		{Event{Time: ts, Type: EventCaptureDrops, Drops: &DropsEvent{Interface: "eth1", Dropped: 3, Total: 10}},
			"2026-12-04T10:00:00.123456Z capture-drops eth1 dropped=3 total=10\n"},
		{Event{Time: ts, Type: EventCounters, Counters: &CountersEvent{Verdicts: []correlate.Verdict{{Kind: "socket-buffer-overflow", Subject: "a:1 -> b:2", Text: "the receive buffer overflowed", Confidence: correlate.High}}}},
			"2026-12-04T10:00:00.123456Z counters socket-buffer-overflow [high] a:1 -> b:2: the receive buffer overflowed\n"},
		{Event{Time: ts, Type: EventCounters, Counters: &CountersEvent{}},
			"2026-12-04T10:00:00.123456Z counters nothing to correlate\n"},
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
		if err := json.Unmarshal(b.Bytes(), &m); err != nil || !strings.HasSuffix(b.String(), "}\n") || strings.Count(b.String(), "\n") != 1 {
			t.Fatalf("JSON line %q: %v", b.String(), err)
		}
		if m["schema"] != EventSchema || m["event"] != tc.ev.Type || m["time"] != "2026-12-04T10:00:00.123456Z" {
			t.Errorf("JSON %s: schema/event/time wrong", b.String())
		}
	}
}
