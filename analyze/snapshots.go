package analyze

import (
	"os"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// EmbeddedSnapshot decodes a kernel-counter snapshot that smcdump's capture
// embedded in a pcapng custom block; ok is false for other custom blocks.
func EmbeddedSnapshot(cb pcapfile.CustomBlock) (s *kstat.Snapshot, ok bool, err error) {
	return decodeEmbeddedSnapshot(cb)
}

// LoadSnapshot reads a kernel-counter snapshot given to the analysis
// (--stats): a snapshot file (smcdump stats -o, or saved smcr stats /
// netstat -s / nstat text) or a directory of raw /proc and netlink files.
func LoadSnapshot(path string) (*kstat.Snapshot, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return kstat.ReadRawDir(os.DirFS(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return kstat.ReadSnapshot(f)
}

// SnapshotSpan keeps, of any number of kernel counter snapshots given one
// by one, only what the correlation uses: the earliest and the latest by
// TakenAt, and whether there was more than one distinct snapshot (taken at
// another time, or on another host or network namespace; copies of one
// snapshot, as rotated files carry them, count once). Its memory does not
// depend on the number of snapshots: a capture embedding a snapshot every
// 10 s for days keeps two.
//
// Ties are broken as a stable sort by time would: the earliest is the first
// given among those taken at the same time, the latest the last distinct
// one given.
type SnapshotSpan struct {
	first, earliest, latest *kstat.Snapshot
	several                 bool                 // a snapshot distinct from first was given
	tie                     map[snapKey]struct{} // distinct snapshots taken at latest.TakenAt (bounded)
}

type snapKey struct {
	at         int64
	host, netn string
}

func keyOf(s *kstat.Snapshot) snapKey { return snapKey{s.TakenAt.UnixNano(), s.Hostname, s.NetNS} }

// maxSnapTies bounds the distinct snapshots remembered at the latest time;
// beyond it a copy of one of them given again may become the latest (same
// counters: the correlation does not change).
const maxSnapTies = 256

// Add records one snapshot (nil is ignored).
func (sp *SnapshotSpan) Add(s *kstat.Snapshot) {
	if s == nil {
		return
	}
	if sp.first == nil {
		sp.first, sp.earliest, sp.latest = s, s, s
		sp.tie = map[snapKey]struct{}{keyOf(s): {}}
		return
	}
	k := keyOf(s)
	if k != keyOf(sp.first) {
		sp.several = true
	}
	if s.TakenAt.Before(sp.earliest.TakenAt) {
		sp.earliest = s
	}
	switch {
	case s.TakenAt.After(sp.latest.TakenAt):
		sp.latest = s
		clear(sp.tie)
		sp.tie[k] = struct{}{}
	case s.TakenAt.Equal(sp.latest.TakenAt):
		if _, seen := sp.tie[k]; !seen {
			sp.latest = s
			if len(sp.tie) < maxSnapTies {
				sp.tie[k] = struct{}{}
			}
		}
	}
}

// Empty reports whether no snapshot was added.
func (sp *SnapshotSpan) Empty() bool { return sp.first == nil }

// Several reports whether at least two distinct snapshots were added.
func (sp *SnapshotSpan) Several() bool { return sp.several }

// Earliest returns the earliest snapshot (nil when empty).
func (sp *SnapshotSpan) Earliest() *kstat.Snapshot { return sp.earliest }

// Latest returns the latest snapshot (nil when empty; the earliest when
// only one distinct snapshot was added).
func (sp *SnapshotSpan) Latest() *kstat.Snapshot { return sp.latest }
