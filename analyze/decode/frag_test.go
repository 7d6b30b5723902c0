package decode

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// fragSpec is one fragment of a test train: datagram d (its bytes are
// dgram(d)) from off to end, more-fragments flag, captured length limit
// (0: all) and source (0: the default source).
type fragSpec struct {
	d, off, end int
	mf          bool
	capLen      int
	id          uint32
}

func dgram(d, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(d*31 + i)
	}
	return b
}

// TestReassemblerRules drives the reassembler with fragment trains that
// follow or break the Linux receiver's rules (frag.go) and checks what is
// delivered and what is given up. Each train runs under a generous deadline:
// the reassembler must terminate on every input.
func TestReassemblerRules(t *testing.T) {
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("239.0.0.1")
	type result struct {
		delivered  []string // "d:len" of each delivered datagram, with "t" when truncated
		incomplete int
	}
	three := func(d int) []fragSpec { // 3000-byte datagram in 3 fragments
		return []fragSpec{{d, 0, 1480, true, 0, 7}, {d, 1480, 2960, true, 0, 7}, {d, 2960, 3000, false, 0, 7}}
	}
	cases := []struct {
		name  string
		train []fragSpec
		sizes map[int]int // datagram sizes (default 3000)
		want  result
	}{
		{"in order", three(1), nil, result{[]string{"1:3000"}, 0}},
		{"out of order", []fragSpec{three(1)[2], three(1)[0], three(1)[1]}, nil, result{[]string{"1:3000"}, 0}},
		{"duplicate", []fragSpec{three(1)[0], three(1)[0], three(1)[1], three(1)[1], three(1)[2]}, nil, result{[]string{"1:3000"}, 0}},
		{"duplicate inside a held fragment", []fragSpec{three(1)[0], {1, 8, 800, true, 0, 7}, three(1)[1], three(1)[2]}, nil, result{[]string{"1:3000"}, 0}},
		{"lost first", three(1)[1:], nil, result{nil, 1}},
		{"lost last", three(1)[:2], nil, result{nil, 1}},
		{"lost middle", []fragSpec{three(1)[0], three(1)[2]}, nil, result{nil, 1}},
		// The defect of issue 9: an IP ID reused after a datagram whose
		// last fragment was lost; the new, shorter datagram's last
		// fragment ends inside the old one's. The kernel discards both.
		{"id reuse, shorter, lost last", []fragSpec{three(1)[0], three(1)[1], {2, 0, 1480, true, 0, 7}, {2, 1480, 2000, false, 0, 7}}, map[int]int{2: 2000}, result{nil, 1}},
		{"partial overlap", []fragSpec{three(1)[0], {1, 1000, 2960, true, 0, 7}, three(1)[2]}, nil, result{nil, 2}},
		{"overlap spanning two", []fragSpec{three(1)[0], three(1)[2], {1, 1400, 2968, true, 0, 7}}, nil, result{nil, 1}},
		{"second last with another end", []fragSpec{three(1)[0], {1, 2960, 3000, false, 0, 7}, {1, 2960, 2968, false, 0, 7}, three(1)[1]}, nil, result{nil, 2}},
		{"more fragments past the end", []fragSpec{three(1)[2], {1, 2960, 4000, true, 0, 7}, three(1)[0], three(1)[1]}, nil, result{nil, 2}},
		{"past 64 KiB", []fragSpec{{1, 0, 1480, true, 0, 7}, {1, 65528, 65600, false, 0, 7}}, map[int]int{1: 65600}, result{nil, 1}},
		{"oversized with the header", []fragSpec{{1, 0, 32760, true, 0, 7}, {1, 32760, 65520, false, 0, 7}}, map[int]int{1: 65520}, result{nil, 1}},
		{"empty fragment", []fragSpec{three(1)[0], {1, 1480, 1480, true, 0, 7}, three(1)[1], three(1)[2]}, nil, result{nil, 2}},
		{"snaplen cut middle", []fragSpec{three(1)[0], {1, 1480, 2960, true, 100, 7}, three(1)[2]}, nil, result{[]string{"1:1580t"}, 0}},
		{"two ids interleaved", []fragSpec{three(1)[0], {2, 0, 1480, true, 0, 8}, three(1)[1], {2, 1480, 2960, true, 0, 8}, {2, 2960, 3000, false, 0, 8}, three(1)[2]}, nil, result{[]string{"2:3000", "1:3000"}, 0}},
	}
	// ID reuse after the source sent more than ipfrag_max_dist fragments:
	// the stale datagram is given up and the new one is reassembled.
	var reuse []fragSpec
	reuse = append(reuse, three(1)[:2]...)
	for d := 10; d < 40; d++ {
		for _, s := range three(d) {
			s.id = uint32(100 + d)
			reuse = append(reuse, s)
		}
	}
	reuse = append(reuse, three(2)...)
	want := result{incomplete: 1}
	for d := 10; d < 40; d++ {
		want.delivered = append(want.delivered, fmt.Sprintf("%d:3000", d))
	}
	want.delivered = append(want.delivered, "2:3000")
	cases = append(cases, struct {
		name  string
		train []fragSpec
		sizes map[int]int
		want  result
	}{"id reuse after ipfrag_max_dist", reuse, nil, want})
	// A datagram in 48-byte fragments (IPv4's minimum MTU), last to
	// first, then one in more fragments than that allows.
	var tiny []fragSpec
	for off := 65472 - 48; off >= 0; off -= 48 {
		tiny = append(tiny, fragSpec{3, off, off + 48, off+48 < 65472, 0, 9})
	}
	for off := 0; off < 16000; off += 8 {
		tiny = append(tiny, fragSpec{4, off, off + 8, off+8 < 16000, 0, 10})
	}
	cases = append(cases, struct {
		name  string
		train []fragSpec
		sizes map[int]int
		want  result
	}{"tiny fragments", tiny, map[int]int{3: 65472, 4: 16000}, result{[]string{"3:65472"}, 2}})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan result, 1)
			go func() {
				r := NewReassembler()
				var got result
				ts := time.Unix(1000, 0)
				for _, s := range c.train {
					n := 3000
					if v, ok := c.sizes[s.d]; ok {
						n = v
					}
					full := dgram(s.d, max(n, s.end))
					data := full[s.off:s.end]
					if s.capLen > 0 {
						data = data[:s.capLen]
					}
					f := &Frame{IPVer: 4, Src: src, Dst: dst, IPID: s.id, Proto: ProtoUDP, IPHdrLen: 20,
						FragOff: s.off, MoreFrag: s.mf, Fragment: true, L4: data, L4WireLen: s.end - s.off}
					ts = ts.Add(time.Millisecond)
					b, total, trunc, ok := r.Add(f, ts)
					if !ok {
						continue
					}
					if !bytes.Equal(b, full[:len(b)]) {
						t.Errorf("datagram %d: reassembled bytes differ", s.d)
					}
					v := fmt.Sprintf("%d:%d", s.d, len(b))
					if trunc {
						v += "t"
					}
					if total != n {
						v += fmt.Sprintf(" total %d", total)
					}
					got.delivered = append(got.delivered, v)
				}
				got.incomplete = r.Finish()
				done <- got
			}()
			select {
			case got := <-done:
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("reassembler did not terminate")
			}
		})
	}
}

// TestReassemblerBounded: many datagrams that never complete keep at most
// maxFragDatagrams waiting, and the bookkeeping stays proportional.
func TestReassemblerBounded(t *testing.T) {
	r := NewReassembler()
	ts := time.Unix(1000, 0)
	data := make([]byte, 1480)
	for i := 0; i < 20000; i++ {
		src := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		f := &Frame{IPVer: 4, Src: src, Dst: src, IPID: uint32(i), Proto: ProtoUDP, IPHdrLen: 20,
			FragOff: 0, MoreFrag: true, Fragment: true, L4: data, L4WireLen: len(data)}
		r.Add(f, ts)
		if len(r.pending) > maxFragDatagrams || len(r.order) > 2*maxFragDatagrams+64 || len(r.srcSeq) > maxFragSources {
			t.Fatalf("after %d: %d waiting, %d ordered, %d sources", i, len(r.pending), len(r.order), len(r.srcSeq))
		}
	}
	if n := r.Finish(); n != 20000 {
		t.Errorf("incomplete %d, want 20000", n)
	}
}

// TestReassemblerByteBound: datagrams of 64 KiB that never complete
// (the last fragment is missing) hold at most maxFragBytes together; the
// oldest are given up and counted.
func TestReassemblerByteBound(t *testing.T) {
	r := NewReassembler()
	ts := time.Unix(1000, 0)
	data := make([]byte, 1480)
	const dgrams = 600 // 600 x 43 x 1480 bytes: 38 MiB without the bound
	for i := 0; i < dgrams; i++ {
		src := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		for off := 0; off+len(data) <= 64000; off += len(data) {
			f := &Frame{IPVer: 4, Src: src, Dst: src, IPID: uint32(i), Proto: ProtoUDP, IPHdrLen: 20,
				FragOff: off, MoreFrag: true, Fragment: true, L4: data, L4WireLen: len(data)}
			r.Add(f, ts)
			if r.held > maxFragBytes {
				t.Fatalf("datagram %d offset %d: %d bytes held, bound %d", i, off, r.held, maxFragBytes)
			}
		}
	}
	held := 0
	for _, d := range r.pending {
		for _, p := range d.parts {
			held += len(p.data) + fragPartCost
		}
	}
	if held != r.held {
		t.Errorf("accounting: %d bytes held, %d counted", held, r.held)
	}
	if len(r.pending) >= dgrams {
		t.Errorf("%d datagrams wait: none given up", len(r.pending))
	}
	if n := r.Finish(); n != dgrams {
		t.Errorf("incomplete %d, want %d", n, dgrams)
	}
}

// TestReassemblerCountsByProtocol: datagrams given up are counted as UDP's
// (Finish) or as the other protocols' (IncompleteOther: TCP, GRE, IP in
// IP), whether they expire, are evicted or wait at the end.
func TestReassemblerCountsByProtocol(t *testing.T) {
	r := NewReassembler()
	ts := time.Unix(1000, 0)
	data := make([]byte, 1480)
	src := netip.MustParseAddr("192.0.2.1")
	for i, proto := range []uint8{ProtoUDP, 47, ProtoTCP, 4, 41, ProtoUDP} {
		f := &Frame{IPVer: 4, Src: src, Dst: src, IPID: uint32(i), Proto: proto, IPHdrLen: 20,
			MoreFrag: true, Fragment: true, L4: data, L4WireLen: len(data)}
		r.Add(f, ts)
	}
	// a GRE datagram that expires when a later fragment arrives
	r.Add(&Frame{IPVer: 4, Src: src, Dst: src, IPID: 99, Proto: 47, IPHdrLen: 20, FragOff: 1480, Fragment: true, L4: data[:8], L4WireLen: 8}, ts.Add(time.Hour))
	if udp, other := r.Finish(), r.IncompleteOther(); udp != 2 || other != 5 {
		t.Errorf("incomplete: UDP %d, other %d; want 2 and 5", udp, other)
	}
	for _, p := range []uint8{ProtoUDP, ProtoTCP, 47, 4, 41} {
		if !Reassembled(p) {
			t.Errorf("protocol %d not reassembled", p)
		}
	}
	if Reassembled(1) || Reassembled(50) {
		t.Error("ICMP or ESP reassembled")
	}
}
