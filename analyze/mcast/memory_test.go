package mcast

import (
	"encoding/binary"
	"runtime"
	"testing"
	"time"
)

// Memory is bounded by the number of streams, not packets: after the gap
// list reaches MaxGaps, 10x more datagrams (with gaps, duplicates and
// reordering) must not grow the heap.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("memory test skipped in -short mode")
	}
	p := make([]byte, 64)
	d := benchDatagram(p)
	tr := NewTracker(Config{Seq: []SeqRule{mustRule("offset:0:4:be")}, MaxGaps: 100, Plot: true})
	seq := uint32(0)
	feed := func(n int) {
		for i := range n {
			switch {
			case i%100 == 0:
				seq += 3 // gap of 3 (except at the start)
			case i%250 == 0:
				seq-- // duplicate
			}
			binary.BigEndian.PutUint32(p, seq)
			d.Time = d.Time.Add(time.Microsecond)
			tr.Add(d)
			seq++
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	feed(200_000)
	h1 := heap()
	feed(2_000_000)
	h2 := heap()
	r := tr.Report()
	q := r.Streams[0].Sequences[0]
	if q.GapCount != 21999 || q.GapsOmitted != 21999-100 || q.Lost != 3*21999 || q.Duplicates == 0 {
		t.Errorf("gaps %d omitted %d lost %d dups %d", q.GapCount, q.GapsOmitted, q.Lost, q.Duplicates)
	}
	if h2 > h1+64<<10 {
		t.Errorf("heap grew from %d to %d bytes over 2M datagrams", h1, h2)
	}
	t.Logf("heap after 200k datagrams %d B, after 2.2M %d B", h1, h2)
}
