package report

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

// refRollTable is the rollup table as first written (string keys, two full
// sorts per compaction, ties broken by key hash, then address order): TestRollupsSameAsSort
// checks that the selecting table keeps the same rows and counts.
type refRollTable struct {
	m                       map[string]*rollAcc
	keys                    map[string]rollKey // for ties (cmpRollKey)
	foldedRows, foldedConns int
	otherOut                [5]int
}

func (rt *refRollTable) get(key string, rk rollKey) *rollAcc {
	a := rt.m[key]
	if a == nil {
		if len(rt.m) >= 2*MaxRollups {
			rt.compact()
		}
		a = &rollAcc{}
		rt.m[key] = a
		rt.keys[key] = rk
	}
	return a
}

func (rt *refRollTable) compact() {
	type row struct {
		k string
		a *rollAcc
	}
	rows := make([]row, 0, len(rt.m))
	for k, a := range rt.m {
		rows = append(rows, row{k, a})
	}
	byTotal := func(x, y row) int {
		if x.a.total != y.a.total {
			return y.a.total - x.a.total
		}
		kx, ky := rt.keys[x.k], rt.keys[y.k]
		if hx, hy := kx.hash(), ky.hash(); hx != hy {
			if hx < hy {
				return -1
			}
			return 1
		}
		return cmpRollKey(kx, ky)
	}
	slices.SortFunc(rows, byTotal)
	keep := make(map[string]bool, MaxRollups)
	for _, r := range rows[:min(MaxRollups/2, len(rows))] {
		keep[r.k] = true
	}
	slices.SortFunc(rows, func(x, y row) int {
		if x.a.problems != y.a.problems {
			return y.a.problems - x.a.problems
		}
		return byTotal(x, y)
	})
	for _, r := range rows {
		if len(keep) >= MaxRollups {
			break
		}
		keep[r.k] = true
	}
	for _, r := range rows {
		if keep[r.k] {
			continue
		}
		rt.foldedRows++
		rt.foldedConns += r.a.total
		for i, n := range r.a.out {
			rt.otherOut[i] += n
		}
		delete(rt.m, r.k)
		delete(rt.keys, r.k)
	}
}

func (rt *refRollTable) rollups() []Rollup {
	if len(rt.m) > MaxRollups {
		rt.compact()
	}
	var out []Rollup
	for k, a := range rt.m {
		out = append(out, Rollup{Key: k, Total: a.total, Outcomes: outcomeArr(a.out), Variants: sortedCounts(a.vars), Reasons: sortedCounts(a.reasons)})
	}
	slices.SortFunc(out, func(x, y Rollup) int {
		if x.Total != y.Total {
			return y.Total - x.Total
		}
		// by address, numerically (10.0.0.2 before 10.0.0.10)
		if c := cmpRollKey(rt.keys[x.Key], rt.keys[y.Key]); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	return out
}

// TestRollupsSameAsSort: the rollup tables (keys hashed as addresses,
// compaction by selection, rows reused) report the same rows, counts and
// folded counts as full sorts over text keys, on synthetic connections
// with many ties (IPv4 and IPv6, addresses whose text and numeric orders
// differ, busy and problem rows).
func TestRollupsSameAsSort(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		rng := rand.New(rand.NewPCG(seed, 7))
		g := NewAggregate()
		refSvc := refRollTable{m: map[string]*rollAcc{}, keys: map[string]rollKey{}}
		refPeer := refRollTable{m: map[string]*rollAcc{}, keys: map[string]rollKey{}}
		outs := []smcflow.Outcome{smcflow.OutcomeSMC, smcflow.OutcomeSMC, smcflow.OutcomeSMC, smcflow.OutcomeFallback, smcflow.OutcomeHandshakeError, smcflow.OutcomeUnknown}
		addr := func() netip.Addr {
			switch rng.IntN(4) {
			case 0:
				return netip.AddrFrom4([4]byte{10, byte(rng.IntN(3)), byte(rng.IntN(20)), byte(rng.IntN(256))})
			case 1:
				return netip.AddrFrom16([16]byte{0xfd, 0, 14: byte(rng.IntN(4)), 15: byte(rng.IntN(256))})
			default:
				return netip.AddrFrom4([4]byte{10, 1, byte(rng.IntN(200)), byte(rng.IntN(256))})
			}
		}
		for i := 0; i < 30000; i++ {
			c := &smcflow.Conn{
				Client:  netip.AddrPortFrom(addr(), 40000),
				Server:  netip.AddrPortFrom(addr(), uint16(rng.IntN(3)*1000+5000+rng.IntN(90))),
				Outcome: outs[rng.IntN(len(outs))],
			}
			if i%7 == 0 { // a busy pair
				c.Client, c.Server = netip.MustParseAddrPort("10.9.9.9:1"), netip.MustParseAddrPort("10.8.8.8:5000")
			}
			switch c.Outcome {
			case smcflow.OutcomeSMC:
				c.SMC = &smcflow.SMCInfo{Variant: []string{"SMC-Rv2", "SMC-Dv1"}[rng.IntN(2)]}
			case smcflow.OutcomeFallback, smcflow.OutcomeHandshakeError:
				c.Reason = []string{smcflow.ReasonNoAccept, smcflow.ReasonPeerNoSMC}[rng.IntN(2)]
			}
			g.Add(c)
			var reason string
			if c.Outcome == smcflow.OutcomeFallback || c.Outcome == smcflow.OutcomeHandshakeError {
				reason = c.Reason
				if c.Reason == smcflow.ReasonPeerNoSMC {
					reason = "0x03010000 PEERNOSMC"
				}
			}
			for _, x := range []struct {
				rt  *refRollTable
				key string
				rk  rollKey
			}{
				{&refSvc, c.Server.String(), rollKey{a: c.Server.Addr(), port: c.Server.Port()}},
				{&refPeer, c.Client.Addr().String() + " → " + c.Server.Addr().String(), rollKey{a: c.Client.Addr(), b: c.Server.Addr()}},
			} {
				a := x.rt.get(x.key, x.rk)
				a.total++
				a.out[outcomeIndex(c.Outcome)]++
				if c.Outcome != smcflow.OutcomeSMC {
					a.problems++
				}
				if c.SMC != nil {
					a.vars = bump(a.vars, c.SMC.Variant)
				}
				if reason != "" {
					a.reasons = bump(a.reasons, reason)
				}
			}
		}
		for _, x := range []struct {
			name string
			rt   *rollTable
			ref  *refRollTable
		}{{"services", &g.services, &refSvc}, {"peers", &g.peers, &refPeer}} {
			got, want := rollups(x.rt), x.ref.rollups()
			if x.ref.foldedRows == 0 {
				t.Fatalf("seed %d %s: nothing folded, the test does not exercise compaction", seed, x.name)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("seed %d %s: %d rows, want %d (first differences: %+v / %+v)", seed, x.name, len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
			}
			if x.rt.foldedRows != x.ref.foldedRows || x.rt.foldedConns != x.ref.foldedConns || x.rt.otherOut != x.ref.otherOut {
				t.Errorf("seed %d %s: folded %d rows %d conns %v, want %d %d %v", seed, x.name, x.rt.foldedRows, x.rt.foldedConns, x.rt.otherOut, x.ref.foldedRows, x.ref.foldedConns, x.ref.otherOut)
			}
		}
	}
}

// TestRollKeyText: a rollup key prints as the addresses it was made of
// (IPv4, IPv4-mapped IPv6, IPv6, the zero Addr).
func TestRollKeyText(t *testing.T) {
	for _, ap := range []netip.AddrPort{
		netip.MustParseAddrPort("10.0.0.1:5000"), netip.MustParseAddrPort("[::ffff:10.0.0.1]:5000"),
		netip.MustParseAddrPort("[fd00::1]:80"), {},
	} {
		svc, peer := newRollTable(false), newRollTable(true)
		if got, want := string(svc.text(svc.get(rollKey{a: ap.Addr(), port: ap.Port()}))), string(ap.AppendTo(nil)); got != want {
			t.Errorf("service %q, want %q", got, want)
		}
		b := netip.MustParseAddr("10.9.9.9")
		if got, want := string(peer.text(peer.get(rollKey{a: ap.Addr(), b: b}))), string(ap.Addr().AppendTo(nil))+" → 10.9.9.9"; got != want {
			t.Errorf("peer pair %q, want %q", got, want)
		}
	}
}

// TestRollKeySharedHash: keys that hash alike (an IPv4 address and its
// IPv4-mapped IPv6 form, an IPv6 address in two zones) are still distinct
// rows, through compaction and reuse of folded rows.
func TestRollKeySharedHash(t *testing.T) {
	same := []netip.Addr{
		netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::ffff:10.0.0.1"),
		netip.MustParseAddr("fe80::1%eth0"), netip.MustParseAddr("fe80::1%eth1"), netip.MustParseAddr("fe80::1"),
	}
	if (rollKey{a: same[0]}).hash() != (rollKey{a: same[1]}).hash() || (rollKey{a: same[2]}).hash() != (rollKey{a: same[3]}).hash() {
		t.Fatal("the test needs keys sharing a hash")
	}
	rt := newRollTable(false)
	for round := 0; round < 3; round++ {
		for i, a := range same {
			// More connections than the other rows: never folded.
			rt.get(rollKey{a: a, port: 5000}).total += 10 * (i + 1)
		}
		// Many other rows: compaction folds rows and reuses them.
		for i := 0; i < 3*MaxRollups; i++ {
			rt.get(rollKey{a: netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), port: uint16(round)}).total++
		}
	}
	got := map[string]int{}
	for _, r := range rollups(&rt) {
		got[r.Key] = r.Total
	}
	for i, a := range same {
		key := netip.AddrPortFrom(a, 5000).String()
		if got[key] != 30*(i+1) {
			t.Errorf("%s: %d connections, want %d", key, got[key], 30*(i+1))
		}
	}
}
