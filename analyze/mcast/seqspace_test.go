package mcast

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

type gapT struct{ First, Count uint64 }

type spaceResult struct {
	Expected, Received, Lost, Dups, Late, Stale, Resets, Wraps uint64
	Gaps                                                       []gapT
}

func runSpace(p seqParams, raw []uint64) spaceResult {
	sp := newSeqSpace(p)
	for i, v := range raw {
		sp.observe(sp.ext(v), 1, int64(i)*1000, i+1)
	}
	if sp.pend.valid {
		sp.pend.valid = false
		sp.stale++
	}
	sp.flush()
	exp, lost := sp.totals()
	r := spaceResult{Expected: exp, Received: sp.received, Lost: lost, Dups: sp.dups, Late: sp.late, Stale: sp.stale, Resets: sp.nResets, Wraps: sp.wraps}
	for _, g := range sp.gaps {
		r.Gaps = append(r.Gaps, gapT{g.first, g.count})
	}
	return r
}

func TestSeqSpace(t *testing.T) {
	rtp := seqParams{bits: 16, maxJump: 3000, window: 100}
	tests := []struct {
		name string
		p    seqParams
		in   []uint64
		want spaceResult
	}{
		{"in order", seqParams{}, []uint64{5, 6, 7, 8}, spaceResult{Expected: 4, Received: 4}},
		{"one gap", seqParams{}, []uint64{0, 1, 4, 5}, spaceResult{Expected: 6, Received: 4, Lost: 2, Gaps: []gapT{{2, 2}}}},
		{"two gaps", seqParams{}, []uint64{0, 2, 3, 7}, spaceResult{Expected: 8, Received: 4, Lost: 4, Gaps: []gapT{{1, 1}, {4, 3}}}},
		{"duplicate", seqParams{}, []uint64{0, 1, 1, 2}, spaceResult{Expected: 3, Received: 3, Dups: 1}},
		{"reorder is not loss", seqParams{}, []uint64{0, 2, 1, 3}, spaceResult{Expected: 4, Received: 4, Late: 1}},
		{"late fills middle of hole", seqParams{}, []uint64{0, 5, 2, 6}, spaceResult{Expected: 7, Received: 4, Lost: 3, Late: 1, Gaps: []gapT{{1, 1}, {3, 2}}}},
		{"late then dup of late", seqParams{}, []uint64{0, 2, 1, 1}, spaceResult{Expected: 3, Received: 3, Late: 1, Dups: 1}},
		{"hole expires out of window", seqParams{window: 2}, []uint64{0, 2, 3, 4, 5, 1}, spaceResult{Expected: 6, Received: 5, Lost: 1, Stale: 1, Gaps: []gapT{{1, 1}}}},
		{"rtp wrap", rtp, []uint64{65534, 65535, 0, 1}, spaceResult{Expected: 4, Received: 4, Wraps: 1}},
		{"rtp gap across wrap", rtp, []uint64{65534, 1, 2}, spaceResult{Expected: 5, Received: 3, Lost: 2, Wraps: 1, Gaps: []gapT{{65535, 2}}}},
		{"rtp restart (bad jump confirmed)", rtp, []uint64{100, 101, 30000, 30001, 30002}, spaceResult{Expected: 5, Received: 5, Resets: 1}},
		{"rtp stray jump (not confirmed)", rtp, []uint64{100, 101, 30000, 102}, spaceResult{Expected: 3, Received: 3, Stale: 1}},
		{"counter restart to 0", seqParams{window: 10}, []uint64{0, 1, 2, 500, 501, 0, 1, 2}, spaceResult{Expected: 3 + 2 + 3 + 497, Received: 8, Lost: 497, Resets: 1, Gaps: []gapT{{3, 497}}}},
		{"u32 wrap", seqParams{bits: 32, maxJump: 1 << 24}, []uint64{1<<32 - 2, 1<<32 - 1, 0, 2}, spaceResult{Expected: 5, Received: 4, Lost: 1, Wraps: 1, Gaps: []gapT{{1<<32 + 1, 1}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runSpace(tc.p, tc.in)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

func TestSeqSpaceRanges(t *testing.T) {
	// MoldUDP64-style: [seq, seq+count) per datagram, heartbeats (count 0)
	sp := newSeqSpace(seqParams{})
	sp.observe(1, 3, 0, 1)  // 1..3
	sp.observe(4, 2, 1, 2)  // 4..5
	sp.observe(9, 1, 2, 3)  // gap 6..8
	sp.observe(10, 0, 3, 4) // heartbeat: next expected 10, nothing missing
	sp.observe(12, 0, 4, 5) // heartbeat: 10..11 missing
	sp.observe(6, 2, 5, 6)  // late 6..7
	sp.flush()
	exp, lost := sp.totals()
	var gaps []gapT
	for _, g := range sp.gaps {
		gaps = append(gaps, gapT{g.first, g.count})
	}
	want := []gapT{{8, 1}, {10, 2}}
	if d := cmp.Diff(want, gaps); d != "" || exp != 11 || lost != 3 || sp.late != 1 {
		t.Errorf("exp %d lost %d late %d gaps (-want +got)\n%s", exp, lost, sp.late, d)
	}
}

func TestSeqSpaceBoundedHoles(t *testing.T) {
	sp := newSeqSpace(seqParams{window: 1 << 40})
	for i := range uint64(10000) {
		sp.observe(i*2, 1, int64(i), int(i))
	}
	if len(sp.holes) > maxHoles {
		t.Fatalf("holes %d > %d", len(sp.holes), maxHoles)
	}
	// a late arrival for a hole that was reported when the cap was hit is
	// not a duplicate
	sp.observe(19999, 1, 0, 0)
	sp.observe(19869, 1, 0, 0) // newest reported gap (holes 19871..19997 are still open)
	if sp.dups != 0 || sp.stale != 1 {
		t.Errorf("dups %d stale %d, want 0 1", sp.dups, sp.stale)
	}
	sp.flush()
	if _, lost := sp.totals(); lost != 9999 {
		t.Fatalf("lost %d, want 9999 (the late one stays counted as lost)", lost)
	}
}

// TestSeqSpaceReorderTime: on a slow stream (one datagram a second) a hole
// is booked as lost once it is older than the reorder time, without
// waiting for a window's worth of datagrams; a datagram late by less than
// that still fills its hole (reordered, not lost).
func TestSeqSpaceReorderTime(t *testing.T) {
	sec := int64(1e9)
	sp := newSeqSpace(seqParams{})
	for i, seq := range []uint64{1, 2, 4, 5, 6} { // 3 missing, revealed at 2 s
		sp.observe(seq, 1, int64(i)*sec, i+1)
	}
	if sp.nGaps != 1 || len(sp.holes) != 0 {
		t.Errorf("after 2 s more: %d gaps booked, %d holes open; want the hole booked", sp.nGaps, len(sp.holes))
	}
	sp = newSeqSpace(seqParams{})
	for i, seq := range []uint64{1, 2, 4, 3, 5} { // 3 late by 0.5 s
		sp.observe(seq, 1, int64(i)*sec/2, i+1)
	}
	if sp.nGaps != 0 || sp.late != 1 {
		t.Errorf("reordered by 0.5 s: %d gaps, %d late", sp.nGaps, sp.late)
	}
}

// TestSeqSpaceRestartWithoutMarker: a sender that restarts from 0 on the
// same port, with no session marker, is a reset once 8 datagrams in a row
// run on below the highest number (not 1000 duplicates); a network that
// duplicates every datagram, or a short burst of old datagrams, stays
// duplicates.
func TestSeqSpaceRestartWithoutMarker(t *testing.T) {
	var raw []uint64
	for i := range uint64(300) {
		raw = append(raw, i)
	}
	for i := range uint64(1000) {
		raw = append(raw, i)
	}
	r := runSpace(seqParams{}, raw)
	if r.Resets != 1 || r.Dups != 0 || r.Expected != 1300 || r.Lost != 0 || r.Received != 1300 {
		t.Errorf("restart: %+v", r)
	}
	raw = raw[:0]
	for i := range uint64(100) {
		raw = append(raw, i, i)
	}
	if r := runSpace(seqParams{}, raw); r.Resets != 0 || r.Dups != 100 {
		t.Errorf("every datagram twice: %+v", r)
	}
	raw = raw[:0]
	for i := range uint64(100) {
		raw = append(raw, i)
	}
	raw = append(raw, 40, 41, 42, 43, 44, 100, 101)
	if r := runSpace(seqParams{}, raw); r.Resets != 0 || r.Dups != 5 {
		t.Errorf("a burst of 5 old datagrams: %+v", r)
	}
}
