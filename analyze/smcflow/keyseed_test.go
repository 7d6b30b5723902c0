package smcflow

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
)

// TestKeySeedSameRecords: the tuple hash's per-process seed changes where
// the open connections and tombstones sit in their tables, never the
// records: the same traffic (connections evicted past the open-connection
// bound, closed ones remembered by their tombstones and their trailing
// segments dropped, a sweep, the open ones finished at the end) gives the
// same list under different seeds.
func TestKeySeedSameRecords(t *testing.T) {
	run := func(seed uint64) []string {
		old := keySeed
		keySeed = seed
		defer func() { keySeed = old }()
		tr := NewTracker()
		tr.MaxOpen, tr.All = 64, true
		rng := rand.New(rand.NewPCG(7, 8))
		t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		seg := func(n int, k connKey, dir int, flags uint8, ts time.Time) {
			src, dst := k.a, k.b
			if dir == 1 {
				src, dst = dst, src
			}
			f := &decode.Frame{Flags: flags, Seq: 100, Ack: 200}
			f.Src, f.SrcPort, f.Dst, f.DstPort = src.Addr(), src.Port(), dst.Addr(), dst.Port()
			if flags&decode.TCPSYN != 0 && rng.IntN(2) == 0 {
				f.TCPOpts = []byte{1, 1, 254, 6, 0xe2, 0xd4, 0xc3, 0xd9}
			}
			tr.HandleTCP(f, n, ts)
		}
		n := 0
		for i := range 3000 {
			a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(rng.IntN(4)), byte(rng.IntN(256))}), uint16(1024+rng.IntN(2000)))
			k, _ := makeKey(a, netip.MustParseAddrPort("10.2.0.1:5000"))
			ts := t0.Add(time.Duration(i/50) * 100 * time.Millisecond) // 50 at a time: ties
			n++
			seg(n, k, 0, decode.TCPSYN, ts)
			if rng.IntN(3) > 0 {
				n++
				seg(n, k, 1, decode.TCPSYN|decode.TCPACK, ts)
			}
			if rng.IntN(2) == 0 {
				n++
				seg(n, k, 0, decode.TCPFIN|decode.TCPACK, ts)
				n++
				seg(n, k, 1, decode.TCPFIN|decode.TCPACK, ts)
				for range 20000 / 3000 { // enough segments for sweeps
					n++
					seg(n, k, 0, decode.TCPACK, ts.Add(2*time.Second))
				}
			}
		}
		var out []string
		for _, c := range tr.Finish() {
			out = append(out, fmt.Sprintf("%d %v %v %s %s %v", c.ID, c.Client, c.Server, c.Outcome, c.Reason, c.Notes))
		}
		cnt := tr.Counts()
		out = append(out, fmt.Sprintf("%+v", cnt))
		return out
	}
	a, b := run(1), run(0x9e3779b97f4a7c15)
	if len(a) < 100 {
		t.Fatalf("only %d records", len(a))
	}
	if !reflect.DeepEqual(a, b) {
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("record %d differs between seeds:\n%s\n%s", i, a[i], b[i])
			}
		}
		t.Fatalf("%d records against %d", len(a), len(b))
	}
}
