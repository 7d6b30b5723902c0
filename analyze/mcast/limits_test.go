package mcast

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// limitFeed feeds n streams (offset:0:4:be, synthetic) of per datagrams
// each, started in turn and interleaved in batches of 10; stream i loses
// i%7 datagrams in the middle when lossy(i). It returns the total loss.
func limitFeed(tr *Tracker, n, per int, lossy func(int) bool) uint64 {
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	p := make([]byte, 32)
	d := &Datagram{Payload: p, Length: len(p)}
	frame := 0
	var lost uint64
	for b := 0; b < n; b += 10 {
		for k := 0; k < per; k++ {
			for i := b; i < min(n, b+10); i++ {
				skip := 0
				if lossy(i) {
					skip = i % 7
				}
				seq := uint32(k)
				if k >= per/2 {
					seq += uint32(skip)
				}
				binary.BigEndian.PutUint32(p, seq)
				frame++
				d.Frame = frame
				d.Time = t0.Add(time.Duration(frame) * time.Millisecond)
				d.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 4000)
				d.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 1, byte(i >> 8), byte(i)}), 5000)
				tr.Add(d)
			}
		}
	}
	for i := 0; i < n; i++ {
		if lossy(i) {
			lost += uint64(i % 7)
		}
	}
	return lost
}

// TestStreamLimits: with MaxStreams and FinishWhenFull the tracker never
// holds more than MaxStreams streams; the report lists the KeepStreams
// streams with the most loss, in report order and numbered so, sums the
// others, keeps the totals exact and says the limits were reached.
func TestStreamLimits(t *testing.T) {
	lossy := func(i int) bool { return i%10 == 3 && i%7 != 0 } // 9 lossy streams of 100
	tr := NewTracker(Config{Seq: []SeqRule{mustRule("offset:0:4:be")}, MaxStreams: 16, FinishWhenFull: true, KeepStreams: 12})
	lost := limitFeed(tr, 100, 8, lossy)
	if tr.Streams() > 16 {
		t.Fatalf("%d streams tracked, limit 16", tr.Streams())
	}
	r := tr.Report()
	if len(r.Streams) != 12 {
		t.Fatalf("%d streams listed, want 12", len(r.Streams))
	}
	l := r.Limits
	if l == nil || l.Omitted == nil {
		t.Fatalf("limits = %+v, want omitted streams", l)
	}
	if l.Seen != 100 || l.Omitted.Streams != 88 || l.FinishedEarly == 0 || l.MaxStreams != 16 || l.KeepStreams != 12 {
		t.Errorf("limits %+v omitted %+v", l, l.Omitted)
	}
	if r.TotalLost != lost || r.Lost() != lost {
		t.Errorf("total lost %d (Lost() %d), want %d", r.TotalLost, r.Lost(), lost)
	}
	var pk uint64
	lossyListed := 0
	for i, s := range r.Streams {
		pk += s.Packets
		if s.ID != i+1 {
			t.Errorf("stream %d has ID %d", i, s.ID)
		}
		if s.Lost > 0 {
			lossyListed++
		}
		for _, q := range s.Sequences {
			for _, g := range q.Gaps {
				if g.Stream != s.ID {
					t.Errorf("gap of stream %d names stream %d", s.ID, g.Stream)
				}
			}
		}
	}
	if lossyListed != 9 {
		t.Errorf("%d lossy streams listed, want all 9", lossyListed)
	}
	if pk+l.Omitted.Packets != 800 {
		t.Errorf("packets listed %d + omitted %d, want 800", pk, l.Omitted.Packets)
	}
	if !slices.IsSortedFunc(r.Streams, func(a, b Stream) int {
		return netip.MustParseAddrPort(a.Dst).Compare(netip.MustParseAddrPort(b.Dst))
	}) {
		t.Error("listed streams not in report order")
	}
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"UDP streams: 100 stream analyses of about 100 streams (estimated; more than 16 streams active at once", "(a loss across a break is not counted)", "stream limit reached: more than 16 streams", "not listed: 88 streams"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, sb.String())
		}
	}
	// Deterministic: the same input gives the same report.
	tr2 := NewTracker(Config{Seq: []SeqRule{mustRule("offset:0:4:be")}, MaxStreams: 16, FinishWhenFull: true, KeepStreams: 12})
	limitFeed(tr2, 100, 8, lossy)
	j1, _ := json.Marshal(r)
	j2, _ := json.Marshal(tr2.Report())
	if string(j1) != string(j2) {
		t.Error("two runs over the same input differ")
	}
}

// TestStreamLimitsDistinct: streams that come back after they were
// finished early are analyzed again and counted again, and the report
// estimates how many distinct streams there were.
func TestStreamLimitsDistinct(t *testing.T) {
	tr := NewTracker(Config{MaxStreams: 16, FinishWhenFull: true, KeepStreams: 12})
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	p := make([]byte, 32)
	d := &Datagram{Payload: p, Length: len(p)}
	const streams, rounds = 300, 4
	for r := range rounds {
		for i := range streams {
			d.Frame = r*streams + i + 1
			d.Time = t0.Add(time.Duration(d.Frame) * time.Millisecond)
			d.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 4000)
			d.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 1, byte(i >> 8), byte(i)}), 5000)
			tr.Add(d)
		}
	}
	r := tr.Report()
	l := r.Limits
	if l == nil || l.Seen != streams*rounds {
		t.Fatalf("limits %+v, want %d analyses", l, streams*rounds)
	}
	if dd := float64(l.Distinct) - streams; dd > 0.05*streams || dd < -0.05*streams {
		t.Errorf("distinct estimate %d, want about %d", l.Distinct, streams)
	}
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("UDP streams: %d stream analyses of about %d streams (estimated;", streams*rounds, l.Distinct)
	if !strings.Contains(sb.String(), want) {
		t.Errorf("text report lacks %q:\n%s", want, sb.String())
	}
}

// TestStreamLimitsNotReached: below the limits the report is the one
// without limits.
func TestStreamLimitsNotReached(t *testing.T) {
	lossy := func(i int) bool { return i%3 == 0 }
	a := NewTracker(Config{Seq: []SeqRule{mustRule("offset:0:4:be")}})
	b := NewTracker(Config{Seq: []SeqRule{mustRule("offset:0:4:be")}, MaxStreams: 40, FinishWhenFull: true, KeepStreams: 40})
	limitFeed(a, 40, 6, lossy)
	limitFeed(b, 40, 6, lossy)
	ra, rb := a.Report(), b.Report()
	if rb.Limits != nil {
		t.Errorf("limits %+v reported below them", rb.Limits)
	}
	j1, _ := json.Marshal(ra)
	j2, _ := json.Marshal(rb)
	if string(j1) != string(j2) {
		t.Error("report below the limits differs from the report without")
	}
}

// TestStreamFinishedComesBack: a stream finished to make room that sends
// again is a new entry; both are listed and the break is counted.
func TestStreamFinishedComesBack(t *testing.T) {
	tr := NewTracker(Config{Seq: []SeqRule{mustRule("offset:0:4:be")}, MaxStreams: 2, FinishWhenFull: true})
	p := make([]byte, 8)
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	send := func(frame int, src string, seq uint32) {
		binary.BigEndian.PutUint32(p, seq)
		tr.Add(&Datagram{Frame: frame, Time: t0.Add(time.Duration(frame) * time.Second), Src: netip.MustParseAddrPort(src),
			Dst: netip.MustParseAddrPort("239.1.1.1:5000"), Payload: p, Length: len(p)})
	}
	send(1, "10.0.0.1:1", 0)
	send(2, "10.0.0.1:1", 1)
	send(3, "10.0.0.2:1", 0)
	send(4, "10.0.0.3:1", 0) // finishes 10.0.0.1:1, the least recently active
	send(5, "10.0.0.1:1", 5) // comes back: a new entry, no loss across the break
	r := tr.Report()
	if len(r.Streams) != 4 || r.Limits == nil || r.Limits.FinishedEarly != 2 || r.Limits.Omitted != nil {
		t.Fatalf("streams %d limits %+v", len(r.Streams), r.Limits)
	}
	if r.TotalLost != 0 {
		t.Errorf("lost %d across the break", r.TotalLost)
	}
}

// TestInterArrivalEarly: the inline buckets of a short stream give the
// p99 the histogram gives.
func TestInterArrivalEarly(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 12; n++ {
		for trial := 0; trial < 200; trial++ {
			var a interArrival
			hist := new([iaBuckets]uint64)
			var mn, mx uint64
			for i := 0; i < n; i++ {
				d := rng.Int64N(1 << uint(rng.IntN(40)+1))
				a.add(d)
				u := uint64(d)
				if i == 0 || u < mn {
					mn = u
				}
				mx = max(mx, u)
				hist[iaBucket(u)]++
			}
			for _, q := range []float64{0.5, 0.99} {
				rank := min(uint64(q*float64(n)+0.999999), uint64(n))
				var c, want uint64
				for i, v := range hist {
					c += v
					if c >= rank {
						want = min(max(iaBucketMid(i), mn), mx)
						break
					}
				}
				if n == 1 {
					want = mn
				}
				if got := a.quantile(q); got != want {
					t.Fatalf("n=%d q=%v: %d, want %d", n, q, got, want)
				}
			}
		}
	}
}

// TestTrackerAddAllocs: a datagram of a known stream allocates nothing,
// whether it is the stream of the previous datagram or not, sequenced or
// not (AllocsPerRun, no timing).
func TestTrackerAddAllocs(t *testing.T) {
	for _, seq := range []string{"offset:0:4:be", "rtp", "none"} {
		tr := NewTracker(Config{Seq: []SeqRule{mustRule(seq)}})
		p := make([]byte, 64)
		p[0], p[1] = 0x80, 96
		d := benchDatagram(p)
		const n = 64
		srcs := make([]netip.AddrPort, n)
		for i := range srcs {
			srcs[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 4000)
		}
		i := 0
		step := func() {
			d.Src = srcs[i%n]
			binary.BigEndian.PutUint16(p[2:], uint16(i/n))
			binary.BigEndian.PutUint32(p[4:], uint32(i/n))
			d.Time = d.Time.Add(time.Microsecond)
			tr.Add(d)
			i++
		}
		for range 40 * n { // every stream decided, histograms allocated
			step()
		}
		if a := testing.AllocsPerRun(2000, step); a != 0 {
			t.Errorf("%s: %.2f allocations per datagram of a known stream, want 0", seq, a)
		}
	}
}
