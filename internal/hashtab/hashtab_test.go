package hashtab

import (
	"math/rand/v2"
	"testing"
)

// TestProbeBackShift inserts and deletes random hashes, many sharing their
// home slot and some wrapping around the end of the table, and checks after
// every step that the table holds exactly what a Go map does.
func TestProbeBackShift(t *testing.T) {
	const size = 64
	tab := make([]Slot[int], size)
	ref := map[uint64]int{}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(step int) {
		t.Helper()
		n := 0
		for _, s := range tab {
			if s.H != 0 {
				n++
			}
		}
		if n != len(ref) {
			t.Fatalf("step %d: %d slots used, want %d", step, n, len(ref))
		}
		for h, v := range ref {
			i, ok := Probe(tab, h)
			if !ok || tab[i].V != v {
				t.Fatalf("step %d: hash %#x not found (ok %v)", step, h, ok)
			}
		}
	}
	for step := range 20000 {
		// homes in the last 8 slots and the first 4: clusters that wrap
		h := uint64(rng.IntN(1000))<<8 | uint64(size-8+rng.IntN(12))%size | 1<<40
		if _, in := ref[h]; in {
			i, ok := Probe(tab, h)
			if !ok {
				t.Fatalf("step %d: %#x lost", step, h)
			}
			BackShift(tab, i)
			delete(ref, h)
		} else if len(ref) < size/2 {
			i, ok := Probe(tab, h)
			if ok {
				t.Fatalf("step %d: %#x found before it was added", step, h)
			}
			tab[i] = Slot[int]{H: h, V: step}
			ref[h] = step
		}
		check(step)
	}
}

func TestProbeMissing(t *testing.T) {
	tab := make([]Slot[string], 8)
	if i, ok := Probe(tab, 13); ok || i != 13&7 {
		t.Fatalf("Probe on an empty table = %d, %v", i, ok)
	}
	tab[5] = Slot[string]{H: 13, V: "a"}
	tab[6] = Slot[string]{H: 21, V: "b"} // home 5 too
	if i, ok := Probe(tab, 21); !ok || i != 6 {
		t.Fatalf("Probe(21) = %d, %v", i, ok)
	}
	BackShift(tab, 5)
	if tab[5].V != "b" || tab[6].H != 0 {
		t.Fatalf("after BackShift: %+v", tab)
	}
}

// TestGrow: every entry is found in the grown table, and clusters that
// wrapped around the end of the old table are placed again.
func TestGrow(t *testing.T) {
	tab := make([]Slot[int], 8)
	for i, h := range []uint64{6, 14, 22, 7, 3} {
		j, _ := Probe(tab, h)
		tab[j] = Slot[int]{H: h, V: i}
	}
	g := Grow(tab)
	if len(g) != 64 {
		t.Fatalf("grown to %d slots, want 64", len(g))
	}
	for i, h := range []uint64{6, 14, 22, 7, 3} {
		if j, ok := Probe(g, h); !ok || g[j].V != i {
			t.Errorf("hash %d lost (ok %v)", h, ok)
		}
	}
}
