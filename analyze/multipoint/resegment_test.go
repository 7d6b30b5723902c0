package multipoint

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestCopiesMissing: bytes are counted with their copies at each point.
func TestCopiesMissing(t *testing.T) {
	for _, c := range []struct {
		name         string
		a, b         []span
		missA, missB []int64
	}{
		{"cut differently", []span{{0, 100}, {100, 200}}, []span{{0, 50}, {50, 150}, {150, 200}}, []int64{0, 0}, []int64{0, 0, 0}},
		{"part lost", []span{{0, 100}}, []span{{0, 40}, {60, 100}}, []int64{20}, []int64{0, 0}},
		{"original lost, retransmission cut", []span{{0, 100}, {0, 100}}, []span{{0, 50}, {50, 100}}, []int64{100, 0}, []int64{0, 0}},
		{"tail lost, tail sent again", []span{{0, 100}, {60, 100}}, []span{{0, 60}, {60, 100}}, []int64{40, 0}, []int64{0, 0}},
		{"duplicated on the way", []span{{0, 100}}, []span{{0, 100}, {0, 50}}, []int64{0}, []int64{0, 50}},
		{"nothing there", []span{{0, 10}}, []span{{20, 30}}, []int64{10}, []int64{10}},
		{"touching", []span{{0, 10}, {10, 20}}, []span{{0, 20}}, []int64{0, 0}, []int64{0}},
	} {
		ma, mb, _, ok := copiesMissing(c.a, c.b)
		if !ok || !slices.Equal(ma, c.missA) || !slices.Equal(mb, c.missB) {
			t.Errorf("%s: missing %v %v (ok %v), want %v %v", c.name, ma, mb, ok, c.missA, c.missB)
		}
	}
	deep := make([]span, maxCopies+1)
	for i := range deep {
		deep[i] = span{0, 1}
	}
	if _, _, _, ok := copiesMissing(deep, []span{{0, 1}}); ok {
		t.Errorf("%d copies of one byte judged", len(deep))
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

// TestSyntheticLostOriginalResegmented (synthetic, found by review): a
// 4-MSS super-segment is lost entirely and sent again 200 ms later as one
// super-segment, which b receives cut in two. b holds the bytes once: the
// original is lost, not resegmented.
func TestSyntheticLostOriginalResegmented(t *testing.T) {
	us := time.Microsecond
	const mss = 1448
	isn := uint32(1000)
	fwd := func(ttl byte, id uint16) hdr { return hdr{"10.0.0.1", "10.0.1.1", 40000, 5000, ttl, id} }
	data := func(n int) []byte { return bytes.Repeat([]byte{'d'}, n) }
	back := func(ttl byte, id uint16) hdr { return hdr{"10.0.1.1", "10.0.0.1", 5000, 40000, ttl, id} }
	var a, b []sframe
	// b's capture runs from before the loss: an ACK from b at 0
	b = append(b, sframe{0, tcp4(back(64, 900), 1, isn, 0x10, nil, nil)})
	a = append(a, sframe{100 * us, tcp4(back(63, 900), 1, isn, 0x10, nil, nil)})
	a = append(a, sframe{time.Millisecond, tcp4(fwd(64, 100), isn, 1, 0x18, nil, data(4*mss))})
	a = append(a, sframe{200 * time.Millisecond, tcp4(fwd(64, 300), isn, 1, 0x18, nil, data(4*mss))})
	b = append(b, sframe{200*time.Millisecond + 100*us, tcp4(fwd(63, 300), isn, 1, 0x10, nil, data(2*mss))})
	b = append(b, sframe{200*time.Millisecond + 102*us, tcp4(fwd(63, 302), isn+2*mss, 1, 0x10, nil, data(2*mss))})
	h := runTwo(t, a, b).Hops[0]
	if h.Forward.Lost != 1 || h.ResegmentedFrom != 1 || h.ResegmentedTo != 2 {
		t.Errorf("forward lost %d, resegmented %d at a and %d at b; want 1, 1, 2", h.Forward.Lost, h.ResegmentedFrom, h.ResegmentedTo)
	}
}

// TestSyntheticLostPieceResentMerged (synthetic, found by review): piece 3
// of a 10-piece super-segment is lost; its retransmission reaches b cut in
// two halves by a hop. The super-segment is lost in part (1,448 bytes),
// not resegmented; the retransmission is resegmented.
func TestSyntheticLostPieceResentMerged(t *testing.T) {
	us := time.Microsecond
	const mss, per = 1448, 10
	isn := uint32(1000)
	fwd := func(ttl byte, id uint16) hdr { return hdr{"10.0.0.1", "10.0.1.1", 40000, 5000, ttl, id} }
	back := func(ttl byte, id uint16) hdr { return hdr{"10.0.1.1", "10.0.0.1", 5000, 40000, ttl, id} }
	data := func(n int) []byte { return bytes.Repeat([]byte{'d'}, n) }
	var a, b []sframe
	a = append(a, sframe{0, tcp4(fwd(64, 100), isn, 1, 0x18, nil, data(per*mss))})
	b = append(b, sframe{100 * us, tcp4(fwd(63, 100), isn, 1, 0x10, nil, data(3*mss))})
	b = append(b, sframe{104 * us, tcp4(fwd(63, 104), isn+4*mss, 1, 0x10, nil, data(6*mss))})
	b = append(b, sframe{200 * us, tcp4(back(64, 900), 1, isn+3*mss, 0x10, nil, nil)})
	a = append(a, sframe{300 * us, tcp4(back(63, 900), 1, isn+3*mss, 0x10, nil, nil)})
	at := time.Millisecond
	a = append(a, sframe{at, tcp4(fwd(64, 200), isn+3*mss, 1, 0x18, nil, data(mss))})
	a = append(a, sframe{at + us, tcp4(fwd(64, 201), isn+per*mss, 1, 0x18, nil, data(per*mss))})
	b = append(b, sframe{at + 100*us, tcp4(fwd(63, 200), isn+3*mss, 1, 0x10, nil, data(mss/2))})
	b = append(b, sframe{at + 101*us, tcp4(fwd(63, 250), isn+3*mss+mss/2, 1, 0x18, nil, data(mss/2))})
	b = append(b, sframe{at + 103*us, tcp4(fwd(63, 201), isn+per*mss, 1, 0x18, nil, data(per*mss))})
	rep := runTwo(t, a, b)
	h := rep.Hops[0]
	if h.Forward.Lost != 1 || h.ResegmentedFrom != 1 {
		t.Errorf("forward lost %d, resegmented at a %d; want 1 and 1 (piece 3 of the first super-segment never reached b, its retransmission did)", h.Forward.Lost, h.ResegmentedFrom)
	}
	for _, v := range rep.Verdicts {
		if v.Kind == "lost-between" && (len(v.Evidence) != 1 || v.Evidence[0].Note != "1448 of its 14480 bytes not at b") {
			t.Errorf("lost verdict evidence %+v", v.Evidence)
		}
	}
}

// TestSyntheticResegmentedDelayPairs (synthetic, found on a real capture):
// a 20-piece super-segment reaches b as its pieces; the sender then
// retransmits pieces 1..12 one by one (spurious, lost on the way). A
// piece at b begins with the same byte as a retransmission at a, but it
// is the super-segment's piece (its IPv4 identification says so): no
// delay sample from the pair, so no negative delay and the clock offset
// of one clock stays 0.
func TestSyntheticResegmentedDelayPairs(t *testing.T) {
	us := time.Microsecond
	const mss, per = 1448, 20
	isn := uint32(5000)
	fwd := func(ttl byte, id uint16) hdr { return hdr{"10.0.0.1", "10.0.1.1", 40000, 5000, ttl, id} }
	back := func(ttl byte, id uint16) hdr { return hdr{"10.0.1.1", "10.0.0.1", 5000, 40000, ttl, id} }
	data := func(n int) []byte { return bytes.Repeat([]byte{'d'}, n) }
	var a, b []sframe
	a = append(a, sframe{0, tcp4(fwd(64, 100), isn, 1, 0x18, nil, data(per*mss))})
	for k := range per {
		b = append(b, sframe{100*us + time.Duration(k)*us, tcp4(fwd(63, uint16(100+k)), isn+uint32(k*mss), 1, 0x10, nil, data(mss))})
	}
	for k := 1; k <= 12; k++ {
		a = append(a, sframe{5*time.Millisecond + time.Duration(k)*us, tcp4(fwd(64, uint16(500+k)), isn+uint32(k*mss), 1, 0x10, nil, data(mss))})
	}
	for k := range 3 { // ACKs both ways give the clock
		at := time.Duration(k) * 10 * time.Millisecond
		b = append(b, sframe{at + 300*us, tcp4(back(64, uint16(900+k)), 1, isn+per*mss, 0x10, nil, nil)})
		a = append(a, sframe{at + 350*us, tcp4(back(63, uint16(900+k)), 1, isn+per*mss, 0x10, nil, nil)})
	}
	h := runTwo(t, a, b).Hops[0]
	if d := h.Forward.Delay; d == nil || d.MinNs < 0 {
		t.Errorf("forward delay %+v, want none negative", d)
	}
	if !h.Clock.Known || h.Clock.OffsetNs < -int64(10*us) || h.Clock.OffsetNs > int64(60*us) {
		t.Errorf("clock %+v, want an offset near 0", h.Clock)
	}
}
