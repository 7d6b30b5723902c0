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

// BenchmarkTrackerManyFlows is the udp stress input of issue 14 in the
// tracker alone: flows of one mtools datagram each, one after another,
// under analyze's default bounds (5,000 streams tracked, the least
// recently active finished when full, 1,000 listed). Every datagram
// starts a stream and finishes an older one: what a port scan or a
// capture of many short flows costs per datagram.
func BenchmarkTrackerManyFlows(b *testing.B) {
	d := benchDatagram(nil)
	tr := NewTracker(Config{MaxStreams: 5000, FinishWhenFull: true, KeepStreams: 1000})
	p := make([]byte, 0, 200)
	i := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		d.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 8, byte(i >> 8), byte(i)}), 40000)
		d.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 2, byte(i >> 8), byte(i)}), 5000)
		p = strconv.AppendUint(append(p[:0], "Message "...), uint64(i%3), 16)
		p = append(p, make([]byte, 200-len(p))...)
		d.Payload, d.Length = p, len(p)
		d.Frame = int(i) + 1
		d.Time = d.Time.Add(10 * time.Microsecond)
		tr.Add(d)
		i++
	}
}
