package mcast_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/smcdump/smcdump/analyze/mcast"
)

// An msend feed (synthetic payloads in the msend wire format) with messages
// 3 and 4 lost, 7 duplicated and 9 arriving late.
func ExampleTracker() {
	tr := mcast.NewTracker(mcast.Config{})
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	src := netip.MustParseAddrPort("10.0.0.1:40000")
	dst := netip.MustParseAddrPort("239.1.2.3:14400")
	payloads := []string{"echo sender equiv cmd: msend -m0 239.1.2.3 14400\x00"}
	for _, n := range []int{0, 1, 2, 5, 6, 7, 7, 8, 10, 9, 11} {
		payloads = append(payloads, fmt.Sprintf("Message %x", n))
	}
	payloads = append(payloads, "stat 12")
	for i, p := range payloads {
		tr.Add(&mcast.Datagram{Frame: i + 1, Time: t0.Add(time.Duration(i) * time.Millisecond),
			Src: src, Dst: dst, Payload: []byte(p), Length: len(p)})
	}
	r := tr.Report()
	s := r.Streams[0]
	q := s.Sequences[0]
	fmt.Printf("%s: expected %d, received %d, lost %d, duplicates %d, reordered %d\n", s.Format, q.Expected, q.Received, q.Lost, q.Duplicates, q.Reordered)
	for _, g := range r.Gaps() {
		fmt.Printf("gap: first missing %d, count %d, at %s (frames %d-%d)\n", g.FirstMissing, g.Count, g.Start.Format(time.RFC3339Nano), g.PrevFrame, g.Frame)
	}
	fmt.Printf("stat: sender sent %d, captured %d\n", s.Mtools.Sessions[0].StatSent, s.Mtools.Sessions[0].Received)
	// Output:
	// mtools: expected 12, received 10, lost 2, duplicates 1, reordered 1
	// gap: first missing 3, count 2, at 2026-01-02T03:04:05.003Z (frames 4-5)
	// stat: sender sent 12, captured 10
}
