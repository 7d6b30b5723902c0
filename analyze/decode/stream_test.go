package decode

import (
	"bytes"
	"testing"
)

// TestHalfStreamReassembly: in order, out of order, overlaps and
// retransmissions, holes, sequence wraparound and data before byte 0 give
// the contiguous stream; a snaplen gap is recorded until filled.
func TestHalfStreamReassembly(t *testing.T) {
	msg := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	cases := []struct {
		name string
		base uint32
		segs [][2]int // offset, length
		want int      // contiguous bytes
	}{
		{"in order", 100, [][2]int{{0, 10}, {10, 10}, {20, 16}}, 36},
		{"out of order", 100, [][2]int{{20, 16}, {10, 10}, {0, 10}}, 36},
		{"overlap and retransmit", 100, [][2]int{{0, 12}, {5, 10}, {0, 36}, {30, 6}}, 36},
		{"hole", 100, [][2]int{{0, 10}, {20, 16}}, 10},
		{"wraparound", 0xfffffff8, [][2]int{{0, 4}, {4, 32}}, 36},
		{"before base", 100, [][2]int{{0, 36}}, 36},
	}
	for _, c := range cases {
		h := NewHalfStream()
		h.SetBase(c.base)
		for _, s := range c.segs {
			h.Add(c.base+uint32(s[0]), msg[s[0]:s[0]+s[1]], s[1])
		}
		if c.name == "before base" {
			h.Add(c.base-5, append([]byte("xxxxx"), msg...), 41) // starts before byte 0
		}
		if len(h.Buf) != c.want || !bytes.Equal(h.Buf, msg[:c.want]) {
			t.Errorf("%s: got %q, want %q", c.name, h.Buf, msg[:c.want])
		}
	}
	// snaplen: the wire had more bytes than were captured
	h := NewHalfStream()
	h.SetBase(1)
	h.Add(1, msg[:10], 36)
	if !h.TruncatedAt(10) {
		t.Error("snaplen gap not recorded")
	}
	h.Add(11, msg[10:], 26) // a full retransmission-like continuation fills it
	if h.TruncatedAt(len(h.Buf)) {
		t.Error("gap not cleared after fill")
	}
}

// TestHalfStreamInOrderConsumed: a segment is read where it lies only when
// it is the next one, complete and alone (InOrder); Consumed then moves the
// stream past what was read without copying it, later copies of those
// bytes are retransmissions, and the rest of the segment is kept from the
// first byte not read.
func TestHalfStreamInOrderConsumed(t *testing.T) {
	msg := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	h := NewHalfStream()
	if h.InOrder(100, 10, 10) {
		t.Fatal("InOrder before the base is set")
	}
	h.SetBase(100)
	for _, c := range []struct {
		name    string
		seq     uint32
		n, wire int
		want    bool
	}{
		{"next, complete", 100, 10, 10, true},
		{"cut by the snaplen", 100, 8, 10, false},
		{"empty", 100, 0, 0, false},
		{"ahead", 101, 10, 10, false},
		{"behind", 99, 10, 10, false},
		{"past MaxStreamBytes", 100, MaxStreamBytes + 1, MaxStreamBytes + 1, false},
	} {
		if got := h.InOrder(c.seq, c.n, c.wire); got != c.want {
			t.Errorf("%s: InOrder %v, want %v", c.name, got, c.want)
		}
	}
	// The caller reads 6 of the first 10 bytes where they lie.
	h.Consumed(6)
	h.Add(100, msg[:10], 10)
	if h.Len() != 10 || h.Start() != 6 || string(h.Buf) != "6789" {
		t.Fatalf("after reading 6: Len %d Start %d Buf %q", h.Len(), h.Start(), h.Buf)
	}
	if h.Add(100, msg[:10], 10) || h.Add(103, msg[3:8], 5) {
		t.Error("a retransmission of bytes read where they lay grew the stream")
	}
	if h.InOrder(110, 10, 10) != true {
		t.Error("the next segment after a partly read one is not InOrder")
	}
	// Consumed never moves back, nor past bytes that are held and unread.
	h.Consumed(4)
	h.Consumed(8)
	if h.Start() != 6 || string(h.Buf) != "6789" {
		t.Fatalf("Consumed moved the stream: Start %d Buf %q", h.Start(), h.Buf)
	}
	h.Consumed(10)
	if h.Len() != 10 || len(h.Buf) != 0 {
		t.Fatalf("Consumed(Len): Len %d Buf %q", h.Len(), h.Buf)
	}
	// An overlapping segment keeps only the bytes after Len; one waiting
	// behind a hole stops InOrder.
	h.Add(108, msg[8:14], 6)
	if h.Len() != 14 || string(h.Buf) != "abcd" {
		t.Fatalf("overlap: Len %d Buf %q", h.Len(), h.Buf)
	}
	h.Add(120, msg[20:24], 4)
	if h.InOrder(114, 6, 6) {
		t.Error("InOrder with an out-of-order segment waiting")
	}
	h.Add(114, msg[14:20], 6)
	if h.Len() != 24 || string(h.Buf) != "abcdefghijklmn" {
		t.Fatalf("drain after a skip: Len %d Buf %q", h.Len(), h.Buf)
	}
	// A snaplen hole stops InOrder until it is filled.
	h.Add(124, msg[24:26], 4)
	if h.InOrder(126, 2, 2) || !h.TruncatedAt(h.Len()) {
		t.Error("InOrder across a snaplen hole")
	}
}

// TestHalfStreamReleaseRecycles: a released stream's buffer is reused by
// another stream without touching the bytes of streams still open, and a
// second Release is harmless.
func TestHalfStreamReleaseRecycles(t *testing.T) {
	a, b := NewHalfStream(), NewHalfStream()
	a.SetBase(100)
	b.SetBase(500)
	a.Add(100, []byte("aaaa"), 4)
	b.Add(500, []byte("bbbb"), 4)
	a.Release()
	a.Release()
	if a.Buf != nil {
		t.Fatal("Buf kept after Release")
	}
	c := NewHalfStream()
	c.SetBase(0)
	c.Add(0, []byte("cccccccc"), 8)
	b.Add(504, []byte("BBBB"), 4)
	if string(b.Buf) != "bbbbBBBB" || string(c.Buf) != "cccccccc" {
		t.Fatalf("b %q c %q", b.Buf, c.Buf)
	}
	big := NewHalfStream()
	big.SetBase(0)
	chunk := make([]byte, 1000)
	for i := 0; i < 20; i++ {
		chunk[0] = byte(i)
		big.Add(uint32(i*1000), chunk, len(chunk))
	}
	if len(big.Buf) != MaxStreamBytes || big.Buf[15000] != 15 {
		t.Fatalf("len %d", len(big.Buf))
	}
	big.Release()
	c.Release()
	b.Release()
}

// TestBudgetRecyclesBuffers: the streams of one budget (one tracker) reuse
// each other's released buffers through the budget, not the shared pool:
// a new stream gets the last released buffer, a stream still open keeps
// its bytes, and the budget keeps at most maxFreeBufs buffers.
func TestBudgetRecyclesBuffers(t *testing.T) {
	var budget PendingBudget
	stream := func(base uint32, data string) *HalfStream {
		h := NewHalfStream()
		h.Pending = &budget
		h.SetBase(base)
		h.Add(base, []byte(data), len(data))
		return &h
	}
	a, b := stream(100, "aaaa"), stream(500, "bbbb")
	first := &a.Buf[:1][0]
	a.Release()
	if a.Buf != nil || len(budget.free) != 1 {
		t.Fatalf("after Release: Buf %q, %d free", a.Buf, len(budget.free))
	}
	c := stream(0, "cccc")
	if &c.Buf[:1][0] != first || len(budget.free) != 0 {
		t.Fatal("the new stream did not get the released buffer")
	}
	b.Add(504, []byte("BBBB"), 4)
	if string(b.Buf) != "bbbbBBBB" || string(c.Buf) != "cccc" {
		t.Fatalf("b %q c %q", b.Buf, c.Buf)
	}
	var open []*HalfStream
	for i := range 3 * maxFreeBufs {
		open = append(open, stream(uint32(i), "x"))
	}
	for _, h := range open {
		h.Release()
	}
	if len(budget.free) != maxFreeBufs {
		t.Fatalf("%d buffers kept, want the bound %d", len(budget.free), maxFreeBufs)
	}
}

// TestHalfStreamPendingBounded: out-of-order copies are bounded per
// stream (a retransmitted copy is not kept twice, at most MaxStreamBytes)
// and across the streams sharing a budget (MaxPendingTotal); what is
// refused marks the stream Overflowed, and Release gives its bytes back.
func TestHalfStreamPendingBounded(t *testing.T) {
	seg := make([]byte, 1000)
	var b PendingBudget
	h := NewHalfStream()
	h.Pending = &b
	h.SetBase(0)
	for range 50 { // the same out-of-order segment again and again
		h.Add(1, seg, len(seg))
	}
	if b.Bytes != len(seg) || h.Overflowed() {
		t.Fatalf("retransmissions: %d bytes held, overflowed %v", b.Bytes, h.Overflowed())
	}
	for i := 1; i < 40; i++ { // overlapping copies: per-stream cap
		h.Add(uint32(1+i*10), seg, len(seg))
	}
	if b.Bytes > MaxStreamBytes || !h.Overflowed() {
		t.Fatalf("overlaps: %d bytes held (cap %d), overflowed %v", b.Bytes, MaxStreamBytes, h.Overflowed())
	}
	// ReturnBudget gives the bytes back and keeps the copies readable;
	// Release then gives nothing back twice.
	h.ReturnBudget()
	if b.Bytes != 0 || !h.Waiting() {
		t.Fatalf("after ReturnBudget: %d bytes still counted, waiting %v", b.Bytes, h.Waiting())
	}
	h.Release()
	if b.Bytes != 0 {
		t.Fatalf("after Release: %d bytes still counted", b.Bytes)
	}
	// many streams, each under its own cap: the shared budget stops them
	streams := make([]HalfStream, 2*MaxPendingTotal/MaxStreamBytes)
	big := make([]byte, MaxStreamBytes-10)
	for i := range streams {
		streams[i] = NewHalfStream()
		streams[i].Pending = &b
		streams[i].SetBase(0)
		streams[i].Add(1, big, len(big))
	}
	if b.Bytes > MaxPendingTotal || b.Refused == 0 || !streams[len(streams)-1].Overflowed() || streams[0].Overflowed() {
		t.Fatalf("shared budget: %d bytes held (bound %d), %d refused", b.Bytes, MaxPendingTotal, b.Refused)
	}
	// the hole filled: the copies are drained and given back
	streams[0].Add(0, []byte{1}, 1)
	if got := len(streams[0].Buf); got != len(big)+1 {
		t.Fatalf("drained stream holds %d bytes", got)
	}
	for i := range streams {
		streams[i].Release()
	}
	if b.Bytes != 0 {
		t.Fatalf("after Release: %d bytes still counted", b.Bytes)
	}
}
