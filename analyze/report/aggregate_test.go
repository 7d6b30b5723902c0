package report

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

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
	folded := findLimit(t, &r, "peer-pairs")
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

// TestWidenSMCWindow: the window is the earliest first packet and the
// latest handshake step (End and Last only for handshake errors) of the
// connections, as time.Time.After and Before order them, over random
// steps that tie, go backwards and are missing.
func TestWidenSMCWindow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	at := func() *time.Time {
		if rng.IntN(4) == 0 {
			return nil
		}
		x := base.Add(time.Duration(rng.IntN(5))*time.Second + time.Duration(rng.IntN(3))*time.Nanosecond)
		return &x
	}
	for round := range 200 {
		g := NewAggregate()
		var want [2]time.Time
		for range 1 + rng.IntN(5) {
			c := &smcflow.Conn{Outcome: smcflow.OutcomeSMC}
			if rng.IntN(2) == 0 {
				c.Outcome = smcflow.OutcomeHandshakeError
			}
			if f := at(); f != nil {
				c.Times.First = *f
			}
			c.Times.SYNACK, c.Times.Proposal, c.Times.Accept, c.Times.Confirm, c.Times.Decline, c.Times.End = at(), at(), at(), at(), at(), at()
			if l := at(); l != nil {
				c.Times.Last = *l
			}
			g.widenSMCWindow(c)
			// The reference: time.Time's own comparisons.
			if c.Times.First.IsZero() {
				continue
			}
			last := c.Times.First
			marks := []*time.Time{c.Times.SYNACK, c.Times.Proposal, c.Times.Accept, c.Times.Confirm, c.Times.Decline}
			if c.Outcome == smcflow.OutcomeHandshakeError {
				marks = append(marks, c.Times.End, &c.Times.Last)
			}
			for _, m := range marks {
				if m != nil && m.After(last) {
					last = *m
				}
			}
			if want[0].IsZero() || c.Times.First.Before(want[0]) {
				want[0] = c.Times.First
			}
			if last.After(want[1]) {
				want[1] = last
			}
		}
		if g.smcWindow != want {
			t.Fatalf("round %d: window %v, want %v", round, g.smcWindow, want)
		}
	}
}

// TestRollupSlotSeed: the per-process seed that places rollup rows in the
// table's index changes nothing in the rollups and their limits, also
// when the tables are compacted (more peer pairs and services than
// MaxRollups, ties in the counts).
func TestRollupSlotSeed(t *testing.T) {
	run := func(seed uint64) Report {
		old := slotSeed
		slotSeed = seed
		defer func() { slotSeed = old }()
		g := NewAggregate()
		rng := rand.New(rand.NewPCG(5, 6))
		outcomes := []smcflow.Outcome{smcflow.OutcomeSMC, smcflow.OutcomeFallback, smcflow.OutcomeHandshakeError}
		for range 12000 {
			i := rng.IntN(3000)
			c := &smcflow.Conn{
				Client:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 40000),
				Server:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, 0, byte(rng.IntN(4))}), uint16(5000+rng.IntN(2500))),
				Outcome: outcomes[rng.IntN(3)],
			}
			if c.Outcome == smcflow.OutcomeSMC {
				c.SMC = &smcflow.SMCInfo{Variant: "SMC-Rv2"}
			} else {
				c.Reason = smcflow.ReasonNoAccept
			}
			g.Add(c)
		}
		var r Report
		g.Fill(&r)
		return r
	}
	a, b := run(1), run(0x9e3779b97f4a7c15)
	if len(a.PeerPairs) != MaxRollups || len(a.Services) != MaxRollups || len(a.Limits) < 2 {
		t.Fatalf("not compacted: %d peer pairs, %d services, limits %+v", len(a.PeerPairs), len(a.Services), a.Limits)
	}
	if !reflect.DeepEqual(a.PeerPairs, b.PeerPairs) || !reflect.DeepEqual(a.Services, b.Services) || !reflect.DeepEqual(a.Limits, b.Limits) {
		t.Error("the rollups differ between two slot seeds")
	}
}

// TestRollupOrder: rows with as many connections are listed by address
// numerically (IPv4 before IPv6, 10.0.0.2 before 10.0.0.10, then port),
// as operators read address lists, not in the order of their text.
func TestRollupOrder(t *testing.T) {
	g := NewAggregate()
	for _, s := range []string{"10.0.0.10:5000", "[fd00::2]:5000", "10.0.0.2:6000", "10.0.0.2:5000", "10.0.0.100:5000", "10.0.1.1:5000"} {
		srv := netip.MustParseAddrPort(s)
		g.Add(&smcflow.Conn{Client: netip.MustParseAddrPort("10.9.0.1:40000"), Server: srv, Outcome: smcflow.OutcomeSMC, SMC: &smcflow.SMCInfo{Variant: "SMC-Rv2"}})
	}
	// one server with two connections goes first
	g.Add(&smcflow.Conn{Client: netip.MustParseAddrPort("10.9.0.3:40001"), Server: netip.MustParseAddrPort("10.0.1.1:5000"), Outcome: smcflow.OutcomeSMC, SMC: &smcflow.SMCInfo{Variant: "SMC-Rv2"}})
	var r Report
	g.Fill(&r)
	var got []string
	for _, ru := range r.Services {
		got = append(got, ru.Key)
	}
	want := []string{"10.0.1.1:5000", "10.0.0.2:5000", "10.0.0.2:6000", "10.0.0.10:5000", "10.0.0.100:5000", "[fd00::2]:5000"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("services %q, want %q", got, want)
	}
	got = got[:0]
	for _, ru := range r.PeerPairs {
		got = append(got, ru.Key)
	}
	want = []string{"10.9.0.1 → 10.0.0.2", "10.9.0.1 → 10.0.0.10", "10.9.0.1 → 10.0.0.100", "10.9.0.1 → 10.0.1.1", "10.9.0.1 → fd00::2", "10.9.0.3 → 10.0.1.1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("peer pairs %q, want %q", got, want)
	}
}

// TestUnknownByReason: the summary counts the unknown outcomes by reason,
// most first, and leaves the list out when there are none.
func TestUnknownByReason(t *testing.T) {
	g := NewAggregate()
	add := func(o smcflow.Outcome, reason string) {
		g.Add(&smcflow.Conn{Client: netip.MustParseAddrPort("10.9.0.1:40000"), Server: netip.MustParseAddrPort("10.0.0.1:5000"), Outcome: o, Reason: reason})
	}
	var r Report
	add(smcflow.OutcomeFallback, smcflow.ReasonNoAccept)
	g.Fill(&r)
	if r.Summary.UnknownByReason != nil {
		t.Errorf("no unknown outcome: %v", r.Summary.UnknownByReason)
	}
	for range 3 {
		add(smcflow.OutcomeUnknown, smcflow.ReasonNoSYNACK)
	}
	add(smcflow.OutcomeUnknown, smcflow.ReasonCaptureEnded)
	g.Fill(&r)
	want := []Count{{smcflow.ReasonNoSYNACK, 3}, {smcflow.ReasonCaptureEnded, 1}}
	if !reflect.DeepEqual(r.Summary.UnknownByReason, want) {
		t.Errorf("unknown by reason %v, want %v", r.Summary.UnknownByReason, want)
	}
}

// TestRollupEstimate: past the bound, the limit gives the number of peer
// pairs in all, estimated, also when the same pairs come back after their
// rows were folded (each fold used to count as another pair).
func TestRollupEstimate(t *testing.T) {
	g := NewAggregate()
	const pairs, rounds = 3000, 5
	for r := range rounds {
		for i := range pairs {
			c := &smcflow.Conn{Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(40000+r)),
				Server: netip.MustParseAddrPort("10.2.0.1:5000"), Outcome: smcflow.OutcomeSMC, SMC: &smcflow.SMCInfo{Variant: "SMC-Rv2"}}
			g.Add(c)
		}
	}
	var r Report
	g.Fill(&r)
	l := findLimit(t, &r, "peer-pairs")
	if d := float64(l.Estimate-pairs) / pairs; d > 0.05 || d < -0.05 {
		t.Errorf("estimate %d peer pairs, want about %d", l.Estimate, pairs)
	}
	if !strings.Contains(l.Meaning, "(about 3") || !strings.Contains(l.Meaning, "in all, estimated)") {
		t.Errorf("meaning %q", l.Meaning)
	}
	sum := 0
	for _, ru := range r.PeerPairs {
		sum += ru.Total
	}
	if sum+l.Count != pairs*rounds {
		t.Errorf("rollup %d + folded %d != %d connections", sum, l.Count, pairs*rounds)
	}
	for _, n := range []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1000"}, {32768, "32800"}, {4020, "4020"}, {506123, "506000"}, {99950, "100000"}} {
		if got := about(n.n); got != n.want {
			t.Errorf("about(%d) = %q, want %q", n.n, got, n.want)
		}
	}
}

// findLimit returns r's limit named name, failing the test without one.
func findLimit(t *testing.T, r *Report, name string) *Limit {
	t.Helper()
	for i := range r.Limits {
		if r.Limits[i].Name == name {
			return &r.Limits[i]
		}
	}
	t.Fatalf("no %s limit in %+v", name, r.Limits)
	return nil
}
