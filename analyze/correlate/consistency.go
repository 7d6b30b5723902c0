package correlate

import (
	"fmt"
	"strconv"
	"strings"
)

// lossKinds are the verdicts that say datagrams were lost or discarded.
var lossKinds = map[string]bool{
	KindSocketOverflow: true, KindUDPMem: true, KindReassembly: true, KindNotDelivered: true,
	KindNoSocket: true, KindRPFilter: true, KindInErrors: true, KindNotJoined: true,
	KindNICRing: true, KindBacklog: true, KindCaptureArtefact: true, KindBeforeHost: true,
	KindSenderDrop: true, KindUnexplained: true,
}

// IsLoss reports whether a verdict kind says datagrams were lost or
// discarded (as opposed to no-loss, warnings and SMC verdicts).
func IsLoss(kind string) bool { return lossKinds[kind] }

// IsKernelDiscard reports whether a verdict kind says the receiving kernel
// discarded datagrams the capture shows (discarded-*).
func IsKernelDiscard(kind string) bool {
	switch kind {
	case KindNoSocket, KindRPFilter, KindInErrors, KindNotJoined:
		return true
	}
	return false
}

// Contradictions returns every pair of statements in vs that cannot both
// hold (empty when the verdicts are consistent). The rules:
//
//  1. When the snapshots do not bracket the capture
//     (snapshots-do-not-bracket-capture), no verdict has high confidence.
//  2. no-loss never stands next to a loss verdict about a stream, and is
//     not high when any loss verdict (also a host-level one) is present.
//  3. At most one no-loss and one smc-counters-unavailable verdict.
//  4. No stream has the same verdict kind twice.
//  5. smc-counters-unavailable excludes verdicts built on those counters
//     (smc-fallback, smc-handshake-errors).
//  6. Every verdict has a kind, a text and a confidence of high, medium or
//     low; a discarded-no-socket verdict names no socket on the port.
func Contradictions(vs []Verdict) []string {
	var out []string
	count := map[string]int{}
	seen := map[string]bool{}
	for _, v := range vs {
		count[v.Kind]++
		if v.Kind == "" || v.Text == "" {
			out = append(out, fmt.Sprintf("verdict %q [%s] without a kind or text", v.Kind, v.Subject))
		}
		switch v.Confidence {
		case High, Medium, Low:
		default:
			out = append(out, fmt.Sprintf("%s [%s]: confidence %q", v.Kind, v.Subject, v.Confidence))
		}
		if strings.Contains(v.Subject, " -> ") { // a stream (SMC verdicts name a side, once per reason)
			k := v.Kind + "\x00" + v.Subject
			if seen[k] {
				out = append(out, fmt.Sprintf("%s [%s] stated twice", v.Kind, v.Subject))
			}
			seen[k] = true
		}
		if v.Kind == KindNoSocket && num(v, "sockets on port") > 0 {
			out = append(out, fmt.Sprintf("%s [%s] while %d sockets are on the port", v.Kind, v.Subject, num(v, "sockets on port")))
		}
	}
	for _, k := range []string{KindNoLoss, KindSMCUnavailable} {
		if count[k] > 1 {
			out = append(out, fmt.Sprintf("%s stated %d times", k, count[k]))
		}
	}
	if count[KindWindow] > 0 {
		for _, v := range vs {
			if v.Confidence == High {
				out = append(out, fmt.Sprintf("%s [%s] has confidence high although the snapshots do not bracket the capture", v.Kind, v.Subject))
			}
		}
	}
	if count[KindNoLoss] > 0 {
		noLossHigh := false
		for _, v := range vs {
			if v.Kind == KindNoLoss && v.Confidence == High {
				noLossHigh = true
			}
		}
		for _, v := range vs {
			if !IsLoss(v.Kind) {
				continue
			}
			if v.Subject != "" {
				out = append(out, fmt.Sprintf("no-loss and %s [%s] in one report", v.Kind, v.Subject))
			} else if noLossHigh {
				out = append(out, fmt.Sprintf("no-loss with confidence high next to %s", v.Kind))
			}
		}
	}
	if count[KindSMCUnavailable] > 0 && count[KindSMCFallback]+count[KindSMCHandshake] > 0 {
		out = append(out, "smc-counters-unavailable next to verdicts built on the SMC counters")
	}
	return out
}

func num(v Verdict, name string) int64 {
	for _, n := range v.Numbers {
		if n.Name == name {
			return n.Value
		}
	}
	return 0
}

// Num returns the number called name of v, and whether v has it.
func (v Verdict) Num(name string) (int64, bool) {
	for _, n := range v.Numbers {
		if n.Name == name {
			return n.Value, true
		}
	}
	return 0, false
}

// ParseText reads the verdicts back from the text form of a report's
// "Kernel counters" section (analyze's text report): lines
// "  KIND [SUBJECT] (confidence C): TEXT" each optionally followed by
// "      numbers: NAME=V, ...". Other lines are ignored. It lets saved text
// reports be checked with [Contradictions].
func ParseText(text string) []Verdict {
	var out []Verdict
	in := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Kernel counters") {
			in = true
			continue
		}
		if !in {
			continue
		}
		if line == "" || !strings.HasPrefix(line, "  ") {
			in = false
			continue
		}
		if rest, ok := strings.CutPrefix(line, "      numbers: "); ok && len(out) > 0 {
			for _, f := range strings.Split(rest, ", ") {
				i := strings.LastIndexByte(f, '=')
				if i < 0 {
					continue
				}
				n, err := strconv.ParseInt(f[i+1:], 10, 64)
				if err != nil {
					continue
				}
				out[len(out)-1].Numbers = append(out[len(out)-1].Numbers, Number{f[:i], n})
			}
			continue
		}
		body := strings.TrimPrefix(line, "  ")
		if strings.HasPrefix(body, " ") || strings.HasPrefix(body, "before:") || strings.HasPrefix(body, "after:") || strings.HasPrefix(body, "note:") {
			continue
		}
		head, text, ok := strings.Cut(body, "): ")
		if !ok {
			continue
		}
		head, conf, ok := strings.Cut(head, " (confidence ")
		if !ok {
			continue
		}
		v := Verdict{Confidence: Confidence(conf), Text: text, Numbers: []Number{}}
		if kind, subj, ok := strings.Cut(head, " ["); ok {
			v.Kind, v.Subject = kind, strings.TrimSuffix(subj, "]")
		} else {
			v.Kind = head
		}
		out = append(out, v)
	}
	return out
}
