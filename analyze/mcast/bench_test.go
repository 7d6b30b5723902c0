package mcast

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

func benchDatagram(p []byte) *Datagram {
	return &Datagram{
		Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Src:  netip.MustParseAddrPort("10.0.0.1:4000"), Dst: netip.MustParseAddrPort("239.1.1.1:5000"),
		Payload: p, Length: len(p),
	}
}

// BenchmarkTrackerAdd measures the hot path for a sequenced stream in
// steady state (format decided); target: 0 allocs/op.
func BenchmarkTrackerAdd(b *testing.B) {
	b.Run("rtp", func(b *testing.B) {
		p := make([]byte, 200)
		p[0], p[1] = 0x80, 96
		d := benchDatagram(p)
		tr := NewTracker(Config{Seq: []SeqRule{mustRule("rtp")}})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			binary.BigEndian.PutUint16(p[2:], uint16(i))
			d.Frame = i + 1
			d.Time = d.Time.Add(time.Microsecond)
			if i%1000 == 999 {
				i++ // one lost datagram per 1000
			}
			tr.Add(d)
			i++
		}
	})
	b.Run("mtools", func(b *testing.B) {
		p := make([]byte, 0, 64)
		d := benchDatagram(nil)
		tr := NewTracker(Config{Seq: []SeqRule{mustRule("mtools")}})
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			p = strconv.AppendUint(append(p[:0], "Message "...), i, 16)
			d.Payload, d.Length = p, len(p)
			tr.Add(d)
			i++
		}
	})
	b.Run("offset-u32le", func(b *testing.B) {
		p := make([]byte, 64)
		d := benchDatagram(p)
		tr := NewTracker(Config{Seq: []SeqRule{mustRule("offset:0:4:le")}})
		b.ReportAllocs()
		i := uint32(0)
		for b.Loop() {
			binary.LittleEndian.PutUint32(p, i)
			tr.Add(d)
			i++
		}
	})
	b.Run("rtp-ts", func(b *testing.B) {
		p := make([]byte, 12+7*188)
		p[0], p[1] = 0x80, 33
		for k := range 7 {
			ts := p[12+k*188:]
			ts[0], ts[1], ts[2], ts[3] = 0x47, 0, 0x65, 0x10
		}
		d := benchDatagram(p)
		tr := NewTracker(Config{Seq: []SeqRule{mustRule("rtp-ts")}})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			binary.BigEndian.PutUint16(p[2:], uint16(i))
			for k := range 7 {
				p[12+k*188+3] = 0x10 | byte((i*7+k)&15)
			}
			tr.Add(d)
			i++
		}
	})
	// 1000 interleaved streams: every datagram looks its stream up in the
	// map (the last-stream cache misses).
	b.Run("rtp-1000-streams", func(b *testing.B) {
		p := make([]byte, 200)
		p[0], p[1] = 0x80, 96
		d := benchDatagram(p)
		srcs := make([]netip.AddrPort, 1000)
		for i := range srcs {
			srcs[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 4000)
		}
		tr := NewTracker(Config{Seq: []SeqRule{mustRule("rtp")}})
		i := 0
		add := func() {
			d.Src = srcs[i%len(srcs)]
			binary.BigEndian.PutUint16(p[2:], uint16(i/len(srcs)))
			d.Time = d.Time.Add(time.Microsecond)
			tr.Add(d)
			i++
		}
		for range 20 * len(srcs) {
			add()
		}
		b.ReportAllocs()
		for b.Loop() {
			add()
		}
	})
	// Not sequence-analyzable (format none): counted only.
	b.Run("none", func(b *testing.B) {
		p := make([]byte, 512)
		d := benchDatagram(p)
		tr := NewTracker(Config{Seq: []SeqRule{mustRule("none")}})
		b.ReportAllocs()
		for b.Loop() {
			d.Time = d.Time.Add(time.Microsecond)
			tr.Add(d)
		}
	})
}
