package smcflow

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
)

func tupleKey(i int) connKey {
	a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 40000)
	b := netip.MustParseAddrPort("10.2.0.1:5000")
	k, _ := makeKey(a, b)
	return k
}

// TestTombstonesBounded: at most MaxTombstones finished tuples are
// remembered, the oldest forgotten first and counted; expired ones leave.
func TestTombstonesBounded(t *testing.T) {
	var s tombstones
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := MaxTombstones + 100
	for i := 0; i < n; i++ {
		s.add(tupleKey(i), t0.Add(time.Duration(i)*time.Microsecond))
	}
	if s.used != MaxTombstones || s.n != MaxTombstones || len(s.ring) != MaxTombstones {
		t.Fatalf("table %d ring %d/%d, want %d", s.used, s.n, len(s.ring), MaxTombstones)
	}
	if s.evicted != 100 {
		t.Errorf("evicted %d, want 100", s.evicted)
	}
	if _, ok := s.lookup(tupleKey(99)); ok {
		t.Error("the oldest tuples are still remembered")
	}
	if _, ok := s.lookup(tupleKey(100)); !ok {
		t.Error("tuple 100 forgotten")
	}
	s.expire(t0.Add(closedLinger + time.Second))
	if s.n != 0 || s.used != 0 {
		t.Errorf("after the linger: ring %d table %d, want empty", s.n, s.used)
	}
}

// TestEvictOpenOrder: past MaxOpen the SYNs unanswered for a second go
// first, then plain TCP, and every eviction is counted.
func TestEvictOpenOrder(t *testing.T) {
	tr := NewTracker()
	tr.MaxOpen = 16
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	syn := func(i int, ts time.Time, smc bool) {
		f := &decode.Frame{Flags: decode.TCPSYN, Seq: 1}
		k := tupleKey(i)
		f.Src, f.SrcPort = k.a.Addr(), k.a.Port()
		f.Dst, f.DstPort = k.b.Addr(), k.b.Port()
		if smc {
			f.TCPOpts = []byte{1, 1, 254, 6, 0xe2, 0xd4, 0xc3, 0xd9}
		}
		tr.HandleTCP(f, i, ts)
	}
	// 8 plain TCP SYNs (their verdict is final), then 9 SMC SYNs 2 s later.
	for i := 0; i < 8; i++ {
		syn(i, t0, false)
	}
	for i := 8; i < 17; i++ {
		syn(i, t0.Add(2*time.Second), true)
	}
	c := tr.Counts()
	if c.Evicted == 0 || tr.Open() > 16 {
		t.Fatalf("evicted %d, open %d", c.Evicted, tr.Open())
	}
	if c.EvictedUnanswered != c.Evicted {
		// The plain SYNs are unanswered for 2 s: they are class 0 too.
		t.Errorf("evicted %d, of which unanswered %d", c.Evicted, c.EvictedUnanswered)
	}
	for i := 8; i < 17; i++ {
		if k := tupleKey(i); tr.conns.get(k, keyHash(k)) == nil {
			t.Errorf("recent SYN %d evicted before the old ones", i)
		}
	}
}

// TestQPNText: qpnText prints as fmt's "%#06x" (the reports' QPN format).
func TestQPNText(t *testing.T) {
	for _, q := range []uint32{0, 1, 0xf, 0x10, 0xfff, 0x1000, 0xffff, 0x10000, 0xabcdef, 0xffffff, 0xffffffff} {
		if got, want := qpnText(q), fmt.Sprintf("%#06x", q); got != want {
			t.Errorf("qpnText(%#x) = %q, want %q", q, got, want)
		}
	}
}

// TestTombstonesSameAsMap: the open-addressing table answers as a map from
// tuple hash to the latest finish would, through growth, eviction when
// full, re-finished tuples and expiry (synthetic tuples, some repeated).
func TestTombstonesSameAsMap(t *testing.T) {
	var s tombstones
	ref := map[uint64]int64{}
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	check := func(step int) {
		for j := 0; j < 8; j++ {
			k := tupleKey(rng.IntN(3 * MaxTombstones))
			want, wok := ref[keyHash(k)]
			got, ok := s.lookup(k)
			if ok != wok || ok && got.UnixNano() != want {
				t.Fatalf("step %d: lookup %v = %v %v, want %v %v", step, k, got, ok, time.Unix(0, want), wok)
			}
		}
		if s.used != len(ref) {
			t.Fatalf("step %d: %d entries, want %d", step, s.used, len(ref))
		}
	}
	for i := 0; i < 6*MaxTombstones; i++ {
		now = now.Add(time.Duration(rng.IntN(3000)) * time.Microsecond)
		if i%5000 == 4999 {
			// expire, as the reference would
			limit := now.Add(-closedLinger).UnixNano()
			for n, h := s.n, s.head; n > 0 && s.ring[h].V < limit; n, h = n-1, (h+1)%len(s.ring) {
				if ref[s.ring[h].H] == s.ring[h].V {
					delete(ref, s.ring[h].H)
				}
			}
			s.expire(now)
			if s.n == 0 {
				clear(ref)
			}
			check(i)
			continue
		}
		if s.n == MaxTombstones {
			old := s.ring[s.head]
			if ref[old.H] == old.V {
				delete(ref, old.H)
			}
		}
		k := tupleKey(rng.IntN(3 * MaxTombstones))
		s.add(k, now)
		ref[keyHash(k)] = now.UnixNano()
		if i%97 == 0 {
			check(i)
		}
	}
	check(-1)
}
