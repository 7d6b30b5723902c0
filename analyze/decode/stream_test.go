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
