package multipoint

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestSpans(t *testing.T) {
	u := union([]span{{10, 20}, {0, 5}, {20, 30}, {40, 50}, {45, 48}, {5, 7}})
	want := []span{{0, 7}, {10, 30}, {40, 50}}
	if len(u) != len(want) {
		t.Fatalf("union %v, want %v", u, want)
	}
	for i := range u {
		if u[i] != want[i] {
			t.Fatalf("union %v, want %v", u, want)
		}
	}
	for _, c := range []struct {
		x    span
		miss int64
	}{
		{span{0, 7}, 0}, {span{10, 30}, 0}, {span{12, 13}, 0}, {span{0, 10}, 3}, {span{5, 12}, 3},
		{span{7, 10}, 3}, {span{0, 60}, 23}, {span{50, 60}, 10}, {span{-5, 0}, 5}, {span{29, 41}, 10},
	} {
		if m := missing(u, c.x); m != c.miss {
			t.Errorf("missing(%v) = %d, want %d", c.x, m, c.miss)
		}
	}
	if m := missing(nil, span{3, 9}); m != 6 {
		t.Errorf("missing in nothing = %d, want 6", m)
	}
}

// TestByteRangesWrap: sequence numbers crossing 2^32 unwrap to one
// increasing byte space.
func TestByteRangesWrap(t *testing.T) {
	d := &pointData{recs: []rec{{seq: 0xFFFFFF00, payLen: 0x100}, {seq: 0, payLen: 0x200}, {seq: 0xFFFFFF80, payLen: 0x10}}}
	r := byteRanges(d, []int32{0, 1, 2}, 0xFFFFFF00)
	want := []span{{0, 0x100}, {0x100, 0x300}, {0x80, 0x90}}
	for i := range want {
		if r[i] != want[i] {
			t.Fatalf("byteRanges %v, want %v", r, want)
		}
	}
}

// TestSyntheticResegmented (synthetic): the sender's capture holds
// 14,480-byte super-segments (TSO), a hop cuts them to 1,448 bytes and the
// receiver's GRO merges them again five at a time, so no data segment has
// the same sequence number and length at both points; the sequence numbers
// cross 2^32. One 1,448-byte piece of the third super-segment is lost and
// the sender sends it again. Expected: one segment lost (1,448 of its
// bytes), every other data segment resegmented, the retransmission and the
// ACKs matched one to one.
func TestSyntheticResegmented(t *testing.T) {
	us := time.Microsecond
	const mss, per, supers = 1448, 10, 6
	isn := uint32(0xFFFF0000)
	fwd := func(ttl byte, id uint16) hdr { return hdr{"10.0.0.1", "10.0.1.1", 40000, 5000, ttl, id} }
	back := func(ttl byte, id uint16) hdr { return hdr{"10.0.1.1", "10.0.0.1", 5000, 40000, ttl, id} }
	data := func(n int) []byte { return bytes.Repeat([]byte{'d'}, n) }
	var a, b []sframe
	id := uint16(100)
	lostSeq := isn + uint32(2*per*mss+3*mss) // piece 3 of super-segment 2
	for s := range supers {
		at := time.Duration(s) * time.Millisecond
		seq := isn + uint32(s*per*mss)
		a = append(a, sframe{at, tcp4(fwd(64, id), seq, 1, 0x18, nil, data(per*mss))})
		// the receiver: runs of up to five consecutive pieces that arrived
		run, runSeq, runID := 0, seq, id
		flush := func(k int) {
			if run > 0 {
				b = append(b, sframe{at + 100*us + time.Duration(k)*us, tcp4(fwd(63, runID), runSeq, 1, 0x10, nil, data(run*mss))})
			}
			run = 0
		}
		for k := range per {
			ps := seq + uint32(k*mss)
			if ps == lostSeq {
				flush(k)
				continue
			}
			if run == 0 {
				runSeq, runID = ps, id+uint16(k)
			}
			run++
			if run == 5 {
				flush(k)
			}
		}
		flush(per)
		ackNo := seq + uint32(per*mss)
		if s == 2 {
			ackNo = lostSeq
		}
		b = append(b, sframe{at + 200*us, tcp4(back(64, 900+uint16(s)), 1, ackNo, 0x10, nil, nil)})
		a = append(a, sframe{at + 300*us, tcp4(back(63, 900+uint16(s)), 1, ackNo, 0x10, nil, nil)})
		id += per
	}
	// the lost piece again
	at := time.Duration(supers) * time.Millisecond
	a = append(a, sframe{at, tcp4(fwd(64, 5000), lostSeq, 1, 0x18, nil, data(mss))})
	b = append(b, sframe{at + 100*us, tcp4(fwd(63, 5000), lostSeq, 1, 0x18, nil, data(mss))})

	rep := runTwo(t, a, b)
	h := rep.Hops[0]
	if h.Forward.Lost != 1 || h.Forward.LostTCP != 1 {
		t.Errorf("forward lost %d (TCP %d), want 1", h.Forward.Lost, h.Forward.LostTCP)
	}
	// at a: 6 super-segments, one of them lost in part; at b: 2 runs per
	// super-segment, 3 for the one with the hole
	if h.ResegmentedFrom != supers-1 || h.ResegmentedTo != 2*supers+1 {
		t.Errorf("resegmented %d at a, %d at b; want %d and %d", h.ResegmentedFrom, h.ResegmentedTo, supers-1, 2*supers+1)
	}
	if h.UnmatchedFrom != 1 || h.UnmatchedTo != 0 || h.Forward.Appeared != 0 {
		t.Errorf("unmatched %d at a, %d at b, appeared %d; want 1, 0, 0", h.UnmatchedFrom, h.UnmatchedTo, h.Forward.Appeared)
	}
	if h.Matched != supers+1 { // the ACKs and the retransmission
		t.Errorf("matched %d, want %d", h.Matched, supers+1)
	}
	var lost *Verdict
	for i := range rep.Verdicts {
		if rep.Verdicts[i].Kind == "lost-between" {
			lost = &rep.Verdicts[i]
		}
	}
	if lost == nil || len(lost.Evidence) != 1 || lost.Evidence[0].Note != "1448 of its 14480 bytes not at b" {
		t.Errorf("lost verdict %+v", lost)
	}
}

// TestSyntheticDirectionFromTimes (synthetic): two hosts on one link,
// captured as pcap files (no TTL change, no capture direction), the
// sender's capture with 14,480-byte super-segments and the receiver's with
// the 1,448-byte pieces, so the receiver has ten times the sender's data
// packets; b's clock is 5 s behind a's. The direction comes from the
// one-way times (b - a is larger for the data than for the ACKs), not from
// the packet counts: the lost piece is lost from a to b.
func TestSyntheticDirectionFromTimes(t *testing.T) {
	us := time.Microsecond
	skew := -5 * time.Second
	const mss, per, supers = 1448, 10, 4
	isn := uint32(7000)
	fwd := func(id uint16) hdr { return hdr{"10.0.0.1", "10.0.0.2", 40000, 5000, 64, id} }
	back := func(id uint16) hdr { return hdr{"10.0.0.2", "10.0.0.1", 5000, 40000, 64, id} }
	data := func(n int) []byte { return bytes.Repeat([]byte{'d'}, n) }
	var a, b []sframe
	lostSeq := isn + uint32(per*mss+2*mss)
	for s := range supers {
		at := 10*time.Second + time.Duration(s)*time.Millisecond
		seq := isn + uint32(s*per*mss)
		id := uint16(100 + s*per)
		a = append(a, sframe{at, tcp4(fwd(id), seq, 1, 0x18, nil, data(per*mss))})
		for k := range per {
			if ps := seq + uint32(k*mss); ps != lostSeq {
				b = append(b, sframe{at + skew + 50*us + time.Duration(k)*us, tcp4(fwd(id+uint16(k)), ps, 1, 0x10, nil, data(mss))})
			}
		}
		ackNo := seq + uint32(per*mss)
		if s == 1 {
			ackNo = lostSeq
		}
		b = append(b, sframe{at + skew + 200*us, tcp4(back(uint16(900+s)), 1, ackNo, 0x10, nil, nil)})
		a = append(a, sframe{at + 250*us, tcp4(back(uint16(900+s)), 1, ackNo, 0x10, nil, nil)})
	}
	rep := runTwo(t, a, b)
	h := rep.Hops[0]
	if h.Forward.Lost != 1 || h.Reverse.Lost != 0 || h.Reverse.Appeared != 0 {
		t.Errorf("forward lost %d, reverse lost %d appeared %d; want 1, 0, 0", h.Forward.Lost, h.Reverse.Lost, h.Reverse.Appeared)
	}
	if h.Forward.Packets != 0 || h.Reverse.Packets != supers {
		t.Errorf("matched forward %d, reverse %d; want 0 and %d", h.Forward.Packets, h.Reverse.Packets, supers)
	}
	if h.Forward.Resegmented != supers-1+supers*per-1 {
		t.Errorf("forward resegmented %d, want %d", h.Forward.Resegmented, supers-1+supers*per-1)
	}
}

// runTwo writes the frames of points a and b as pcap files and joins them.
func runTwo(t *testing.T, a, b []sframe) *Report {
	t.Helper()
	dir := t.TempDir()
	writePcap(t, filepath.Join(dir, "a.pcap"), sortFrames(a))
	writePcap(t, filepath.Join(dir, "b.pcap"), sortFrames(b))
	rep, err := Run(context.Background(), Config{Points: []Point{{"a", []string{filepath.Join(dir, "a.pcap")}}, {"b", []string{filepath.Join(dir, "b.pcap")}}}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
