package report

import (
	"net/netip"
	"testing"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

// TestRollupsBounded: with more peer pairs than MaxRollups the rollup
// keeps MaxRollups rows, among them the busiest and those with problems,
// counts the folded connections exactly, and Report.Limits says so.
func TestRollupsBounded(t *testing.T) {
	g := NewAggregate()
	srv := netip.MustParseAddrPort("10.2.0.1:5000")
	add := func(i int, o smcflow.Outcome, reason string) {
		c := &smcflow.Conn{Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 40000), Server: srv, Outcome: o, Reason: reason}
		if o == smcflow.OutcomeSMC {
			c.SMC = &smcflow.SMCInfo{Variant: "SMC-Rv2"}
		}
		g.Add(c)
	}
	total := 0
	// A busy pair and a pair with one problem, first, then many one-offs.
	for j := 0; j < 50; j++ {
		add(0, smcflow.OutcomeSMC, "")
		total++
	}
	add(1, smcflow.OutcomeHandshakeError, smcflow.ReasonNoAccept)
	total++
	for i := 2; i < 2+5*MaxRollups; i++ {
		add(i, smcflow.OutcomeSMC, "")
		total++
	}
	var r Report
	g.Fill(&r)
	if len(r.PeerPairs) > MaxRollups {
		t.Fatalf("%d peer pair rows, want ≤ %d", len(r.PeerPairs), MaxRollups)
	}
	sum := 0
	keys := map[string]bool{}
	for _, ru := range r.PeerPairs {
		sum += ru.Total
		keys[ru.Key] = true
	}
	var folded *Limit
	for i := range r.Limits {
		if r.Limits[i].Name == "peer-pairs" {
			folded = &r.Limits[i]
		}
	}
	if folded == nil {
		t.Fatalf("no peer-pairs limit in %+v", r.Limits)
	}
	if sum+folded.Count != total {
		t.Errorf("rollup %d + folded %d != %d connections", sum, folded.Count, total)
	}
	if !keys["10.1.0.0 → 10.2.0.1"] || !keys["10.1.0.1 → 10.2.0.1"] {
		t.Error("the busiest pair or the pair with a problem was folded")
	}
	if len(r.Services) != 1 || r.Services[0].Total != total {
		t.Errorf("services %+v", r.Services)
	}
}

// TestOutcomeIndex: outcomeIndex gives each outcome its place in
// outcomeOrder, and any other outcome the last place.
func TestOutcomeIndex(t *testing.T) {
	for i, o := range outcomeOrder {
		if got := outcomeIndex(o); got != i {
			t.Errorf("outcomeIndex(%q) = %d, want %d", o, got, i)
		}
	}
	if got := outcomeIndex("something else"); got != len(outcomeOrder)-1 {
		t.Errorf("outcomeIndex of an unknown outcome = %d, want %d", got, len(outcomeOrder)-1)
	}
}
