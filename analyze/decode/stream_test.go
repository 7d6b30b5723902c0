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
