package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/smcflow"
)

// kernelDropKinds are the correlation verdicts in which the receiving host
// dropped datagrams that the capture saw (--fail-on drops): loss that a
// complete capture does not show as a gap.
var kernelDropKinds = map[string]bool{
	correlate.KindSocketOverflow: true, correlate.KindUDPMem: true, correlate.KindReassembly: true,
	correlate.KindNotDelivered: true, correlate.KindNICRing: true, correlate.KindBacklog: true,
	correlate.KindSenderDrop: true, correlate.KindUnexplained: true,
	correlate.KindNoSocket: true, correlate.KindRPFilter: true, correlate.KindInErrors: true, correlate.KindNotJoined: true,
}

// GateNames are the --fail-on conditions Check knows.
var GateNames = []string{"fallback", "decline", "timeout", "error", "unknown", "unverified", "option-echoed", "any", "loss", "drops", "icmp"}

// Gates are the conditions under which a report fails a check (smcdump
// analyze --fail-on); LossLimit is N of loss=N.
type Gates struct {
	on        map[string]bool
	LossLimit uint64
}

// ParseGates parses --fail-on values: comma-separated GateNames, loss=N.
func ParseGates(v []string) (Gates, error) {
	g := Gates{on: map[string]bool{}}
	for _, s := range v {
		for _, x := range strings.Split(s, ",") {
			x = strings.TrimSpace(strings.ToLower(x))
			if x == "" {
				continue
			}
			if n, ok := strings.CutPrefix(x, "loss="); ok {
				lim, err := strconv.ParseUint(n, 10, 64)
				if err != nil {
					return g, fmt.Errorf("--fail-on: loss=%s: want a number of messages", n)
				}
				g.LossLimit = lim
				x = "loss"
			}
			ok := false
			for _, n := range GateNames {
				if n == x {
					ok = true
				}
			}
			if !ok {
				return g, fmt.Errorf("--fail-on: unknown condition %q (want one of %s, loss=N)", x, strings.Join(GateNames, ", "))
			}
			g.on[x] = true
		}
	}
	return g, nil
}

// Caveats returns what limits the conditions of gs that Check judged:
// with loss, streams finished early to stay within --max-streams (their
// loss across the break is not counted: the total is a lower bound) and
// streams in which no sequence number was found (their loss is not
// measured). The caller prints them whether or not a condition was met.
func (rep *Report) Caveats(gs Gates) []string {
	m := rep.Multicast
	if !gs.on["loss"] || m == nil {
		return nil
	}
	var out []string
	if l := m.Limits; l != nil && l.FinishedEarly > 0 {
		out = append(out, fmt.Sprintf("--fail-on loss: the loss counted is a lower bound: %d streams were finished early to keep at most %d at once (--max-streams; -1: no limit)", l.FinishedEarly, l.MaxStreams))
	}
	if n := m.UnsequencedStreams; n > 0 {
		out = append(out, fmt.Sprintf("--fail-on loss: loss not measured in %d streams with no sequence number found (name the field: --seq)", n))
	}
	return out
}

// Check returns a message naming what meets a condition of gs ("--fail-on:
// 2 fallback, ..."), or "". It counts every connection of the capture, also
// the ones beyond Config.MaxConnections that Connections does not list.
func (rep *Report) Check(gs Gates) string {
	g := gs.on
	if len(g) == 0 {
		return ""
	}
	// From the report's totals, which cover every connection (also those
	// beyond --keep that are not listed).
	count := map[string]int{}
	for _, c := range rep.Summary.ByOutcome {
		switch smcflow.Outcome(c.Name) {
		case smcflow.OutcomeFallback:
			count["fallback"] += c.Count
		case smcflow.OutcomeHandshakeError:
			count["error"] += c.Count
		case smcflow.OutcomeUnknown:
			count["unknown"] += c.Count
		}
	}
	count["unverified"] = rep.LinkUnverified
	for _, g := range rep.Fallbacks {
		switch g.Reason {
		case smcflow.ReasonDecline, smcflow.ReasonLateDecline:
			count["decline"] += g.Count
		case smcflow.ReasonNoAccept, smcflow.ReasonNoConfirm, smcflow.ReasonNoProposal, smcflow.ReasonAborted:
			count["timeout"] += g.Count
		case smcflow.ReasonOptionEchoed:
			// A handshake error (counted by error and any), not a
			// fallback: the client fails the connection with EPROTO.
			count["option-echoed"] += g.Count
		}
	}
	count["any"] = count["fallback"] + count["error"] + count["unknown"]
	var hit []string
	for _, n := range GateNames {
		if n != "loss" && g[n] && count[n] > 0 {
			hit = append(hit, fmt.Sprintf("%d %s", count[n], n))
		}
	}
	if g["drops"] && rep.Counters != nil {
		for _, v := range rep.Counters.Verdicts {
			if kernelDropKinds[v.Kind] {
				hit = append(hit, fmt.Sprintf("kernel counters: %s (%s)", v.Kind, v.Subject))
			}
		}
	}
	if g["loss"] && rep.Multicast != nil && rep.Multicast.Lost() > gs.LossLimit {
		hit = append(hit, fmt.Sprintf("%d UDP messages lost (limit %d)", rep.Multicast.Lost(), gs.LossLimit))
	}
	if g["icmp"] && rep.Multicast != nil {
		if n := rep.Multicast.ICMPDiscards(); n > 0 {
			hit = append(hit, fmt.Sprintf("%d ICMP errors say UDP datagrams were discarded after the capture point", n))
		}
	}
	if len(hit) == 0 {
		return ""
	}
	return "--fail-on: " + strings.Join(hit, ", ")
}
