package mcast

import (
	"cmp"
	"fmt"
	"slices"
)

// Capture drops next to gaps (docs/multicast-udp.md section 3.3 on ISBs and
// section 5 row 9 "capture artefact") and A/B leg arbitration (section 2.3:
// "The loss that matters is a sequence missing on both legs").

// normDrops returns the drop readings sorted by interface and time with
// cumulative counters. Readings from successive files of one interface
// continue each other; a counter that restarts with a file (it goes down, or
// its start time changes) is added to the last reading of the earlier file.
func (t *Tracker) normDrops() []CaptureDropReading {
	ds := slices.Clone(t.drops)
	slices.SortStableFunc(ds, func(a, b CaptureDrop) int {
		if c := cmp.Compare(a.Interface, b.Interface); c != 0 {
			return c
		}
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Time.Compare(b.Time)
	})
	out := make([]CaptureDropReading, 0, len(ds))
	var sumIf, sumOS uint64   // running sums (non-cumulative readings) or the last normalised reading
	var baseIf, baseOS uint64 // added to the raw counters of the current file
	var last CaptureDrop      // previous raw reading of this interface
	for i, d := range ds {
		if i == 0 || ds[i-1].Interface != d.Interface {
			sumIf, sumOS, baseIf, baseOS = 0, 0, 0, 0
		} else if d.Cumulative && last.Cumulative && d.File != last.File {
			restarted := d.IfDrop < last.IfDrop || d.OSDrop < last.OSDrop ||
				!d.Start.IsZero() && !last.Start.IsZero() && !d.Start.Equal(last.Start)
			if restarted {
				baseIf, baseOS = sumIf, sumOS
			}
		}
		r := CaptureDropReading{Time: d.Time.UTC(), Interface: d.Interface}
		if d.Cumulative {
			sumIf, sumOS = max(sumIf, baseIf+d.IfDrop), max(sumOS, baseOS+d.OSDrop)
		} else {
			sumIf += d.IfDrop
			sumOS += d.OSDrop
		}
		r.IfDrop, r.OSDrop = sumIf, sumOS
		last = d
		out = append(out, r)
	}
	return out
}

// gapDrops finds the readings bracketing a gap on interface ifc. The capture
// drop count is the larger of the isb_ifdrop and isb_osdrop deltas (writers
// differ in which one they fill; smcdump may fill both with the same drops).
func gapDrops(drops []CaptureDropReading, ifc int, g gapRec) (*GapDrops, string) {
	var before, after *CaptureDropReading
	any := false
	for i := range drops {
		d := &drops[i]
		if d.Interface != ifc {
			continue
		}
		any = true
		ns := d.Time.UnixNano()
		if ns <= g.tPrev {
			before = d
		}
		if ns >= g.tNext && after == nil {
			after = d
		}
	}
	if !any || after == nil {
		return nil, "unverified"
	}
	gd := &GapDrops{Interface: ifc, To: after.Time}
	var bIf, bOS uint64
	if before != nil {
		gd.From = before.Time
		bIf, bOS = before.IfDrop, before.OSDrop
	}
	gd.Dropped = max(after.IfDrop-min(bIf, after.IfDrop), after.OSDrop-min(bOS, after.OSDrop))
	switch {
	case gd.Dropped >= g.count:
		return gd, "capture"
	case gd.Dropped > 0:
		return gd, "capture?"
	}
	return gd, "network"
}

type ival struct{ lo, hi uint64 }

// received returns the received intervals of a sequence (its range minus its gaps).
func receivedIvals(q *Sequence) []ival {
	if q.Received == 0 {
		return nil
	}
	var out []ival
	lo := q.First
	gaps := slices.Clone(q.Gaps)
	slices.SortFunc(gaps, func(a, b Gap) int { return cmp.Compare(a.FirstMissing, b.FirstMissing) })
	for _, g := range gaps {
		if g.FirstMissing < lo || g.FirstMissing > q.Last {
			continue
		}
		if g.FirstMissing > lo {
			out = append(out, ival{lo, g.FirstMissing - 1})
		}
		lo = g.FirstMissing + g.Count
	}
	if lo <= q.Last {
		out = append(out, ival{lo, q.Last})
	}
	return out
}

func (t *Tracker) pairs(sts []*stream, r *Report) []Pair {
	var out []Pair
	used := make([]bool, len(sts))
	idx := func(selText string) int {
		sel, err := ParseSelector(selText)
		if err != nil {
			return -1
		}
		for i, st := range sts {
			if !used[i] && sel.Match(st.key.src, st.key.dst, st.key.vlan) {
				return i
			}
		}
		return -1
	}
	for _, p := range t.cfg.Pairs {
		a := idx(p[0])
		if a < 0 {
			continue
		}
		used[a] = true
		b := idx(p[1])
		if b < 0 {
			used[a] = false
			continue
		}
		used[b] = true
		if pr, ok := pairReport(r, a, b, false); ok {
			out = append(out, pr)
		}
	}
	if t.cfg.NoAutoPair {
		return out
	}
	for i, a := range sts {
		if used[i] || a.nsamples == 0 || a.main == nil && len(a.rtp) == 0 {
			continue
		}
		for j := i + 1; j < len(sts); j++ {
			b := sts[j]
			if used[j] || b.nsamples == 0 || b.format.Kind != a.format.Kind || b.key.dst == a.key.dst {
				continue
			}
			if samplesMatch(a, b) {
				used[i], used[j] = true, true
				if pr, ok := pairReport(r, i, j, true); ok {
					out = append(out, pr)
				}
				break
			}
		}
	}
	return out
}

func samplesMatch(a, b *stream) bool {
	shared := 0
	for _, x := range a.samples[:a.nsamples] {
		for _, y := range b.samples[:b.nsamples] {
			if x.seq == y.seq {
				if x.hash != y.hash {
					return false
				}
				shared++
			}
		}
	}
	return shared > 0
}

func pairReport(r *Report, a, b int, auto bool) (Pair, bool) {
	sa, sb := &r.Streams[a], &r.Streams[b]
	if len(sa.Sequences) == 0 || len(sb.Sequences) == 0 {
		return Pair{}, false
	}
	qa, qb := &sa.Sequences[0], &sb.Sequences[0]
	p := Pair{StreamA: sa.ID, StreamB: sb.ID, Auto: auto, LostA: qa.Lost, LostB: qb.Lost,
		Approx: qa.GapsOmitted+qb.GapsOmitted > 0 || qa.ResetCount+qb.ResetCount > 0, Gaps: []Gap{}}
	rcv := append(receivedIvals(qa), receivedIvals(qb)...)
	if len(rcv) == 0 {
		return p, true
	}
	slices.SortFunc(rcv, func(x, y ival) int { return cmp.Compare(x.lo, y.lo) })
	lo, hi := min(qa.First, qb.First), max(qa.Last, qb.Last)
	cur := lo
	emit := func(from, to uint64) {
		g := Gap{Stream: sa.ID, Key: fmt.Sprintf("pair %d+%d", sa.ID, sb.ID), FirstMissing: from, Count: to - from + 1, Verdict: "both legs"}
		for _, q := range []*Sequence{qa, qb} {
			for _, x := range q.Gaps {
				if x.FirstMissing <= from && from < x.FirstMissing+x.Count {
					g.Start, g.End, g.DurationUS, g.PrevFrame, g.Frame = x.Start, x.End, x.DurationUS, x.PrevFrame, x.Frame
				}
			}
		}
		p.LostBoth += g.Count
		p.Gaps = append(p.Gaps, g)
	}
	for _, iv := range rcv {
		if iv.lo > cur {
			emit(cur, iv.lo-1)
		}
		if iv.hi+1 > cur {
			cur = iv.hi + 1
		}
	}
	if cur <= hi && cur > lo {
		emit(cur, hi)
	}
	return p, true
}
