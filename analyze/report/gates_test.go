package report

import (
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/smcflow"
)

// TestCheckGates: each condition counts what it names (table).
func TestCheckGates(t *testing.T) {
	rep := &Report{
		Summary: Summary{ByOutcome: []Count{{Name: string(smcflow.OutcomeFallback), Count: 2}, {Name: string(smcflow.OutcomeUnknown), Count: 1}, {Name: string(smcflow.OutcomeSMC), Count: 5}}},
		Fallbacks: []FallbackGroup{
			{Outcome: smcflow.OutcomeFallback, Reason: smcflow.ReasonDecline, Count: 2},
			{Outcome: smcflow.OutcomeHandshakeError, Reason: smcflow.ReasonNoAccept, Count: 0},
		},
	}
	for _, c := range []struct {
		gates, want string
	}{
		{"", ""},
		{"fallback", "--fail-on: 2 fallback"},
		{"decline", "--fail-on: 2 decline"},
		{"timeout", ""},
		{"unknown", "--fail-on: 1 unknown"},
		{"any", "--fail-on: 3 any"},
		{"error,unverified", ""},
		{"loss", ""},
		{"icmp", ""},
	} {
		g, err := ParseGates([]string{c.gates})
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Check(g); !strings.HasPrefix(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("%q: Check = %q, want prefix %q", c.gates, got, c.want)
		}
	}
	if _, err := ParseGates([]string{"nonsense"}); err == nil {
		t.Error("ParseGates accepted an unknown condition")
	}
	if g, err := ParseGates([]string{"loss=12"}); err != nil || g.LossLimit != 12 {
		t.Errorf("loss=12: %+v, %v", g, err)
	}
}

// TestCheckICMP: --fail-on icmp counts the ICMP errors that say datagrams
// were discarded over every stream, the streams left out of the list
// (--keep-streams) too, and not traceroute's.
func TestCheckICMP(t *testing.T) {
	g, err := ParseGates([]string{"icmp"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		listed, omitted uint64
		want            string
	}{
		{0, 0, ""},
		{3, 0, "--fail-on: 3 ICMP errors"},
		{0, 2, "--fail-on: 2 ICMP errors"},
		{3, 2, "--fail-on: 5 ICMP errors"},
	} {
		rep := &Report{Multicast: &mcast.Report{
			Streams: []mcast.Stream{{ICMPDiscards: c.listed}, {}},
			Limits:  &mcast.StreamLimits{Omitted: &mcast.OmittedStreams{ICMPDiscards: c.omitted}},
		}}
		if got := rep.Check(g); !strings.HasPrefix(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("%d listed, %d omitted: Check = %q, want prefix %q", c.listed, c.omitted, got, c.want)
		}
	}
}

// TestCaveats: with --fail-on loss, streams finished early and streams
// without a sequence number are named, and nothing without loss.
func TestCaveats(t *testing.T) {
	rep := &Report{Multicast: &mcast.Report{UnsequencedStreams: 2, Limits: &mcast.StreamLimits{MaxStreams: 5000, FinishedEarly: 7}}}
	loss, _ := ParseGates([]string{"loss"})
	got := rep.Caveats(loss)
	if len(got) != 2 || !strings.Contains(got[0], "lower bound: 7 streams were finished early") || !strings.Contains(got[1], "not measured in 2 streams") {
		t.Errorf("caveats %q", got)
	}
	fb, _ := ParseGates([]string{"fallback"})
	if got := rep.Caveats(fb); len(got) != 0 {
		t.Errorf("without loss: %q", got)
	}
}
