package kstat

import (
	"sort"

	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
)

type reasonEntry struct {
	code uint32
	name string
}

func reasonNames() []reasonEntry {
	out := make([]reasonEntry, 0, len(toolfmt.ReasonCodes))
	for n, c := range toolfmt.ReasonCodes {
		out = append(out, reasonEntry{c, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
