package pcapfile

import (
	"cmp"
	"os"
	"slices"
	"strings"
	"time"
)

// TimeOrder orders the files of one capture (a rotation: tcpdump -C/-G/-W,
// editcap -c parts, or files copied from several days) by the time stamp of
// each file's first packet, and reports whether that differs from the order
// given. A shell glob lists tcpdump -C's files as name, name1, name10,
// name100, name11, …: read in that order, every connection and stream that
// crosses a file boundary would look reordered, lost or restarted.
//
// Ties (the same first time) keep natural name order (digit runs compared as
// numbers: name2 before name10). A file with no packet, or that cannot be
// opened or read (its reader reports the error later), stays right after the
// file that precedes it in natural name order. With "-" (standard input)
// among the paths, or fewer than two paths, the order is left as given.
//
// Each file is opened and read up to its first packet, once (and the few
// frames after it that decide its time, FirstPacketTime): the cost is one
// open and one header read per file.
func TimeOrder(paths []string) (ordered []string, moved bool) {
	if len(paths) < 2 || slices.Contains(paths, "-") {
		return paths, false
	}
	fs := timeOrder(paths)
	ordered = make([]string, len(fs))
	for i, f := range fs {
		ordered[i] = f.path
		if f.path != paths[i] {
			moved = true
		}
	}
	return ordered, moved
}

// firstPacket is a file and the time of its first packet (ok: it has one).
type firstPacket struct {
	path  string
	first time.Time
	ok    bool
}

// timeOrder peeks each file's first packet (FirstPacketTime) and returns
// the files in TimeOrder's order, with the times peeked.
func timeOrder(paths []string) []firstPacket {
	type file struct {
		firstPacket
		nat int // position in natural name order
		key time.Time
	}
	fs := make([]file, len(paths))
	for i, p := range paths {
		fs[i].path = p
		fs[i].first, fs[i].ok = FirstPacketTime(p)
	}
	nat := make([]int, len(fs))
	for i := range nat {
		nat[i] = i
	}
	slices.SortStableFunc(nat, func(a, b int) int { return NaturalCompare(fs[a].path, fs[b].path) })
	var prev time.Time // key of the preceding timed file in natural order
	for pos, i := range nat {
		f := &fs[i]
		f.nat = pos
		if f.ok {
			prev = f.first
		}
		f.key = prev
	}
	slices.SortStableFunc(fs, func(a, b file) int {
		if c := a.key.Compare(b.key); c != 0 {
			return c
		}
		return a.nat - b.nat
	})
	out := make([]firstPacket, len(fs))
	for i, f := range fs {
		out[i] = f.firstPacket
	}
	return out
}

// FirstPacketTime returns the time stamp of the first packet of the capture
// file at path (compressed files too), reading no further than the frames
// that decide it; false when the file has none or cannot be read. It is
// the time an analysis takes the packet at (HoldImplausibleTimes): a first
// packet stamped far ahead of the packets after it takes theirs
// (timeline.go), so that it does not put its file last.
func FirstPacketTime(path string) (time.Time, bool) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	// A small buffer (grown for a larger block): only the headers and the
	// first packet are read, not a whole OpenFile buffer of each file.
	fr, err := newFileReader(f, 16<<10)
	if err != nil {
		return time.Time{}, false
	}
	defer fr.Close()
	fr.HoldImplausibleTimes = true
	p, err := fr.Next()
	if err != nil || p == nil {
		return time.Time{}, false
	}
	return p.Info.Timestamp, true
}

// NaturalCompare compares two names as people sort numbered files: runs of
// decimal digits compare by their numeric value (name2 < name10), the rest
// byte by byte; names equal that way compare as plain strings (name02 and
// name2 keep a fixed order).
func NaturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			// Compare the runs without leading zeros: longer is larger,
			// then digit by digit (no overflow for any length).
			da, db := trimZeros(a[si:i]), trimZeros(b[sj:j])
			if c := cmp.Compare(len(da), len(db)); c != 0 {
				return c
			}
			if c := strings.Compare(da, db); c != 0 {
				return c
			}
			continue
		}
		if c := cmp.Compare(a[i], b[j]); c != 0 {
			return c
		}
		i++
		j++
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
