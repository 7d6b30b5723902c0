// Package hashtab holds the pieces of the open-addressing tables the
// trackers keep their per-flow state in (smcflow's open connections and
// tombstones, mcast's streams): slots keyed by a 64-bit hash, linear
// probing in a power-of-two table, hash 0 marking a free slot, deletion by
// backward shift (no tombstone slots, so a table that sees many inserts and
// deletes never degrades).
//
// A Go map keyed by a flow's addresses (two netip.AddrPort and more: 64 to
// 90 bytes with pointers) hashes and compares the key field by field in a
// large body of generic code; the trackers look a flow up for nearly every
// frame and insert and delete one for every short flow. These functions are
// generic over the value type and small enough to be inlined (no function
// values: they run for every frame).
//
// The caller computes the hash, seeded per process so that a crafted
// capture cannot make many keys share their low bits, and maps a hash of 0
// to another value (1).
package hashtab

// Slot is a slot of a table: the hash of its key (0: free) and its value.
type Slot[V any] struct {
	H uint64
	V V
}

// Probe returns the slot of hash h in tab, or the free slot where h would
// go (the table must have one). len(tab) is a power of two.
func Probe[V any](tab []Slot[V], h uint64) (int, bool) {
	mask := len(tab) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		switch tab[i].H {
		case h:
			return i, true
		case 0:
			return i, false
		}
	}
}

// BackShift frees slot i of tab, shifting back the entries probed past it so
// that every entry stays reachable from its home slot.
func BackShift[V any](tab []Slot[V], i int) {
	mask := len(tab) - 1
	for j := (i + 1) & mask; tab[j].H != 0; j = (j + 1) & mask {
		home := int(tab[j].H) & mask
		// The entry at j may move to i unless its home lies cyclically in
		// (i, j].
		if i <= j && i < home && home <= j || i > j && (i < home || home <= j) {
			continue
		}
		tab[i] = tab[j]
		i = j
	}
	tab[i] = Slot[V]{}
}

// Grow returns a table twice as large as tab (at least 64 slots) holding
// its entries, each at its place in the new table.
func Grow[V any](tab []Slot[V]) []Slot[V] {
	nt := make([]Slot[V], max(64, 2*len(tab)))
	for _, s := range tab {
		if s.H != 0 {
			i, _ := Probe(nt, s.H)
			nt[i] = s
		}
	}
	return nt
}

// Insert returns the slot of hash h in *tab, and whether h was there
// already; if not, the slot is now h's (its value is the caller's to set)
// and *used, the table's count of occupied slots, counts it. The table
// grows (Grow) first when one more hash would fill more than half of it.
func Insert[V any](tab *[]Slot[V], used *int, h uint64) (int, bool) {
	if 2*(*used+1) > len(*tab) {
		*tab = Grow(*tab)
	}
	i, ok := Probe(*tab, h)
	if !ok {
		(*tab)[i].H = h
		*used++
	}
	return i, ok
}
