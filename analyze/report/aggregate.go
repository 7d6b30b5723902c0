package report

import (
	"fmt"
	"sort"
	"time"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/smcproto"
)

// aggregate accumulates the report's counts, fallback groups and rollups
// as connections finish, so they stay exact when only the first
// Config.MaxConnections connections are kept in detail.
type Aggregate struct {
	outcomes    map[string]int
	variants    map[string]int
	smcAttempts int
	groups      map[fbKey]*FallbackGroup
	services    map[string]*rollAcc
	peers       map[string]*rollAcc
	obs         correlate.SMCObserved
	// smcWindow spans the SMC handshakes (first packet to the last CLC
	// message, or the end of a failed handshake): what the kernel's
	// fallback and handshake-error counters count, so what the snapshots
	// must bracket.
	smcWindow [2]time.Time
}

type fbKey struct {
	o                      smcflow.Outcome
	reason, code, by, name string
}

type rollAcc struct {
	total              int
	out, vars, reasons map[string]int
}

func NewAggregate() *Aggregate {
	return &Aggregate{
		outcomes: map[string]int{}, variants: map[string]int{},
		groups:   map[fbKey]*FallbackGroup{},
		services: map[string]*rollAcc{}, peers: map[string]*rollAcc{},
		obs: correlate.SMCObserved{
			FallbacksByCode: map[correlate.Code]correlate.SideCounts{},
			Declines:        map[correlate.Code]correlate.SideCounts{},
		},
	}
}

func addSide(m map[correlate.Code]correlate.SideCounts, code uint32, side string) {
	sc := m[code]
	if side == "client" {
		sc.Client++
	} else {
		sc.Server++
	}
	m[code] = sc
}

func (g *Aggregate) widenSMCWindow(c *smcflow.Conn) {
	first, last := c.Times.First, c.Times.First
	marks := []*time.Time{c.Times.SYNACK, c.Times.Proposal, c.Times.Accept, c.Times.Confirm, c.Times.Decline}
	if c.Outcome == smcflow.OutcomeHandshakeError {
		marks = append(marks, c.Times.End, &c.Times.Last)
	}
	for _, m := range marks {
		if m != nil && m.After(last) {
			last = *m
		}
	}
	if first.IsZero() {
		return
	}
	if g.smcWindow[0].IsZero() || first.Before(g.smcWindow[0]) {
		g.smcWindow[0] = first
	}
	if last.After(g.smcWindow[1]) {
		g.smcWindow[1] = last
	}
}

// add records one finished connection.
func (g *Aggregate) Add(c *smcflow.Conn) {
	g.outcomes[string(c.Outcome)]++
	if c.Outcome == smcflow.OutcomeNotSMC {
		return
	}
	if c.SYNOption != nil && *c.SYNOption || c.Times.Proposal != nil || c.Decline != nil {
		g.smcAttempts++
		g.widenSMCWindow(c)
	}
	if c.SMC != nil && c.Outcome == smcflow.OutcomeSMC {
		g.variants[c.SMC.Variant]++
	}
	ObserveSMC(&g.obs, c)
	if c.Outcome == smcflow.OutcomeFallback || c.Outcome == smcflow.OutcomeHandshakeError {
		k := fbKey{o: c.Outcome, reason: c.Reason}
		fg := FallbackGroup{Outcome: c.Outcome, Reason: c.Reason}
		switch {
		case c.Decline != nil:
			k.code, k.by, k.name = c.Decline.Code, c.Decline.By, c.Decline.Name
			fg.Code, fg.By, fg.Name, fg.Meaning, fg.Remedy = c.Decline.Code, c.Decline.By, c.Decline.Name, c.Decline.Meaning, c.Decline.Remedy
		case c.Reason == smcflow.ReasonPeerNoSMC:
			code := smcflow.PeerNoSMC()
			k.code, k.by = code.Code, "client"
			fg.Code, fg.By, fg.Name, fg.Meaning, fg.Remedy = code.Code, "client", code.Name, code.Meaning, code.Remedy
		default:
			fg.Meaning, fg.Remedy = smcflow.ReasonText(c.Reason)
		}
		if g.groups[k] == nil {
			fg.Connections = []int{}
			g.groups[k] = &fg
		}
		g.groups[k].Count++
	}
	roll := func(m map[string]*rollAcc, key string) {
		a := m[key]
		if a == nil {
			a = &rollAcc{out: map[string]int{}, vars: map[string]int{}, reasons: map[string]int{}}
			m[key] = a
		}
		a.total++
		a.out[string(c.Outcome)]++
		if c.Outcome == smcflow.OutcomeSMC && c.SMC != nil {
			a.vars[c.SMC.Variant]++
		}
		if c.Outcome == smcflow.OutcomeFallback || c.Outcome == smcflow.OutcomeHandshakeError {
			r := c.Reason
			if c.Decline != nil {
				r = fmt.Sprintf("%s %s by %s", c.Decline.Code, smcflow.ShortName(c.Decline.Name), c.Decline.By)
			} else if c.Reason == smcflow.ReasonPeerNoSMC {
				r = "0x03010000 PEERNOSMC"
			}
			a.reasons[r]++
		}
	}
	roll(g.services, c.Server.String())
	roll(g.peers, c.Client.Addr().String()+" → "+c.Server.Addr().String())
}

// ObserveSMC adds what each side's kernel counts for the finished
// connection c (docs/smc-protocol.md 7.4) to obs, for correlation with the
// kernel's SMC counters (correlate.SMC): the analysis of files and the live
// monitor (analyze/monitor, per stats interval) count the same way. The maps
// of obs must be allocated; obs.Window is left to the caller.
func ObserveSMC(obs *correlate.SMCObserved, c *smcflow.Conn) {
	switch {
	case c.Outcome == smcflow.OutcomeNotSMC:
	case c.Outcome == smcflow.OutcomeHandshakeError:
		obs.HandshakeErrors++
	case c.Reason == smcflow.ReasonPeerNoSMC:
		addSide(obs.FallbacksByCode, 0x03010000, "client")
	case c.Decline != nil:
		if code, err := smcproto.ParseCode(c.Decline.Code); err == nil {
			other := "server"
			if c.Decline.By == "server" {
				other = "client"
			}
			addSide(obs.Declines, uint32(code), c.Decline.By)
			addSide(obs.FallbacksByCode, uint32(code), c.Decline.By)
			addSide(obs.FallbacksByCode, 0x05000000, other)
		}
	}
}

// fallbackGroups returns the groups, largest first, listing the IDs of the
// kept connections of each (at most 100).
func (g *Aggregate) fallbackGroups(kept []*smcflow.Conn) []FallbackGroup {
	for _, c := range kept {
		k := fbKey{o: c.Outcome, reason: c.Reason}
		switch {
		case c.Decline != nil:
			k.code, k.by, k.name = c.Decline.Code, c.Decline.By, c.Decline.Name
		case c.Reason == smcflow.ReasonPeerNoSMC:
			k.code, k.by = smcflow.PeerNoSMC().Code, "client"
		}
		if fg := g.groups[k]; fg != nil && len(fg.Connections) < 100 {
			fg.Connections = append(fg.Connections, c.ID)
		}
	}
	out := make([]FallbackGroup, 0, len(g.groups))
	for _, fg := range g.groups {
		out = append(out, *fg)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Outcome != b.Outcome {
			return a.Outcome < b.Outcome
		}
		if a.Reason != b.Reason {
			return a.Reason < b.Reason
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.By != b.By {
			return a.By < b.By
		}
		return a.Name < b.Name
	})
	return out
}

func rollups(m map[string]*rollAcc) []Rollup {
	out := make([]Rollup, 0, len(m))
	for k, a := range m {
		out = append(out, Rollup{Key: k, Total: a.total, Outcomes: outcomeCounts(a.out), Variants: mapCounts(a.vars), Reasons: mapCounts(a.reasons)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Fill sets the report's counts, fallback groups and rollups, which cover
// every connection added; kept are the connections kept in detail.
func (g *Aggregate) Fill(r *Report, kept []*smcflow.Conn) {
	r.Summary.PlainTCP = g.outcomes[string(smcflow.OutcomeNotSMC)]
	r.Summary.SMCAttempts = g.smcAttempts
	r.Summary.ByOutcome = outcomeCounts(g.outcomes)
	r.Summary.ByVariant = mapCounts(g.variants)
	r.Fallbacks = g.fallbackGroups(kept)
	r.Services = rollups(g.services)
	r.PeerPairs = rollups(g.peers)
}

// Observed returns what each side's kernel would have counted for the SMC
// handshakes added (for the counter correlation), with their time window
// (zero when no handshake was seen).
func (g *Aggregate) Observed() correlate.SMCObserved {
	obs := g.obs
	obs.Window = g.smcWindow
	return obs
}

// SMCAttempts counts the connections that attempted SMC.
func (g *Aggregate) SMCAttempts() int { return g.smcAttempts }
