package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// frameSet is --frames: frame numbers as analyze's evidence and Wireshark
// give them (pcapng custom blocks take a number too), per file.
type frameSet []frameRange

type frameRange struct{ lo, hi int }

// parseFrames parses "N", "N-M" and comma-separated lists of them.
func parseFrames(s string) (frameSet, error) {
	var fs frameSet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, isRange := strings.Cut(part, "-")
		lo, err := strconv.Atoi(strings.TrimSpace(a))
		hi := lo
		if err == nil && isRange {
			hi, err = strconv.Atoi(strings.TrimSpace(b))
		}
		if err != nil || lo < 1 || hi < lo {
			return nil, fmt.Errorf("--frames %q: want frame numbers (from 1) or ranges N-M, separated by commas", s)
		}
		fs = append(fs, frameRange{lo, hi})
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("--frames %q: no frame number", s)
	}
	slices.SortFunc(fs, func(x, y frameRange) int { return x.lo - y.lo })
	return fs, nil
}

// has reports whether frame n is selected.
func (fs frameSet) has(n int) bool {
	for _, r := range fs {
		if n >= r.lo && n <= r.hi {
			return true
		}
	}
	return false
}

// last is the highest frame selected: reading a file can stop after it.
func (fs frameSet) last() int {
	m := 0
	for _, r := range fs {
		m = max(m, r.hi)
	}
	return m
}
