package analyze

import (
	"bytes"
	"fmt"
	"os"
	"time"

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
//
// Snapshots embedded in a capture (AddBlock) are decoded lazily: every
// block's identity is read in one cheap pass (kstat.PeekSnapshot), and only
// the blocks kept as the earliest and the latest when the span is read are
// decoded completely (their JSON bytes are held until then: at most the two
// candidates and one spare buffer). A day of snapshots costs the decoding
// of two, not of 8,640. What this changes for a damaged block is
// documented at AddBlock.
type SnapshotSpan struct {
	first            snapKey
	earliest, latest *spanEntry           // nil when empty
	several          bool                 // a snapshot distinct from first was given
	tie              map[snapKey]struct{} // distinct snapshots taken at latest.at (bounded)
	spare            []byte               // a held JSON buffer to reuse
	errs             []BlockError         // kept blocks that failed to decode
	// eager decodes every block at once, as before lazy decoding (the
	// tests compare with it).
	eager bool
}

// spanEntry is one snapshot: decoded, or the JSON of an embedded block not
// decoded yet.
type spanEntry struct {
	at   time.Time
	key  snapKey
	snap *kstat.Snapshot
	raw  []byte // pending JSON (owned by the span); nil once decoded
	file string // where the block is, for its error
	off  int64
}

// BlockError is an embedded kernel counter block that could not be decoded.
type BlockError struct {
	File   string
	Offset int64
	Err    error
}

func (e BlockError) Error() string {
	return fmt.Sprintf("%s: kernel counter block at offset %d: %v", e.File, e.Offset, e.Err)
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
	sp.add(spanEntry{at: s.TakenAt, key: keyOf(s), snap: s}, nil)
}

// AddBlock records the kernel counter snapshot in a pcapng custom block
// written by smcdump capture; ok is false for other custom blocks. file
// names the capture in errors.
//
// err is the decoding error of a block that cannot be decoded: ReadSnapshot's,
// word for word. A block is first read cheaply (kstat.PeekSnapshot: JSON
// syntax, schema, time, host, network namespace); a block that pass is not
// surely good is decoded completely at once, so every block that is cut,
// is not JSON, has another schema or a bad time is reported here as
// before. A block that passes is counted by its identity and decoded
// completely only if it is kept, when the span is read (Earliest, Latest,
// Several, Empty, BlockErrors). The one thing the cheap pass cannot see is
// a member of the wrong JSON type in syntactically valid JSON (a string
// where a number belongs, bad base64 in a raw source): such a block is
// reported (BlockErrors, same message) only when it is kept; then the
// other kept snapshot stands for both ends (the span has one snapshot), as
// the ones in between were never decoded.
func (sp *SnapshotSpan) AddBlock(file string, cb pcapfile.CustomBlock) (ok bool, err error) {
	js, isKstat := pcapfile.KstatJSON(cb)
	if !isKstat {
		return false, nil
	}
	id, sure := kstat.PeekSnapshot(js)
	if !sure || sp.eager {
		s, err := kstat.ReadSnapshot(bytes.NewReader(js))
		if err != nil {
			return true, err
		}
		sp.Add(s)
		return true, nil
	}
	sp.add(spanEntry{at: id.TakenAt, key: snapKey{id.TakenAt.UnixNano(), id.Hostname, id.NetNS}, file: file, off: cb.Offset}, js)
	return true, nil
}

// add records e; raw is the JSON of a pending block (copied only when e
// is kept).
func (sp *SnapshotSpan) add(e spanEntry, raw []byte) {
	if sp.earliest == nil {
		p := sp.keep(e, raw)
		sp.first, sp.earliest, sp.latest = e.key, p, p
		sp.tie = map[snapKey]struct{}{e.key: {}}
		return
	}
	k := e.key
	if k != sp.first {
		sp.several = true
	}
	newEarliest := e.at.Before(sp.earliest.at)
	newLatest := false
	switch {
	case e.at.After(sp.latest.at):
		newLatest = true
		clear(sp.tie)
		sp.tie[k] = struct{}{}
	case e.at.Equal(sp.latest.at):
		if _, seen := sp.tie[k]; !seen {
			newLatest = true
			if len(sp.tie) < maxSnapTies {
				sp.tie[k] = struct{}{}
			}
		}
	}
	if !newEarliest && !newLatest {
		return
	}
	p := sp.keep(e, raw)
	if newEarliest {
		old := sp.earliest
		sp.earliest = p
		sp.release(old)
	}
	if newLatest {
		old := sp.latest
		sp.latest = p
		sp.release(old)
	}
}

// keep returns a kept copy of e holding its own copy of raw.
func (sp *SnapshotSpan) keep(e spanEntry, raw []byte) *spanEntry {
	if e.snap == nil {
		e.raw = append(sp.spare[:0], raw...)
		sp.spare = nil
	}
	return &e
}

// release lets go of o if neither end holds it, keeping its buffer for the
// next kept block.
func (sp *SnapshotSpan) release(o *spanEntry) {
	if o == nil || o == sp.earliest || o == sp.latest || o.raw == nil {
		return
	}
	if cap(o.raw) > cap(sp.spare) {
		sp.spare = o.raw[:0]
	}
	o.raw = nil
}

// resolve decodes the kept blocks still pending. One that fails is
// recorded in errs and dropped: the other end stands for both.
func (sp *SnapshotSpan) resolve() {
	fail := func(e *spanEntry) bool {
		if e == nil || e.raw == nil {
			return false
		}
		s, err := kstat.ReadSnapshot(bytes.NewReader(e.raw))
		if cap(e.raw) > cap(sp.spare) {
			sp.spare = e.raw[:0]
		}
		e.raw = nil
		if err != nil {
			sp.errs = append(sp.errs, BlockError{File: e.file, Offset: e.off, Err: err})
			return true
		}
		e.snap = s
		return false
	}
	badE := fail(sp.earliest)
	badL := sp.latest != sp.earliest && fail(sp.latest)
	if badE && sp.latest == sp.earliest {
		badL = true
	}
	switch {
	case badE && badL:
		sp.earliest, sp.latest, sp.several = nil, nil, false
		clear(sp.tie)
	case badE:
		sp.earliest, sp.several = sp.latest, false
		sp.first = sp.latest.key
	case badL:
		sp.latest, sp.several = sp.earliest, false
		sp.first = sp.earliest.key
		clear(sp.tie)
		sp.tie[sp.earliest.key] = struct{}{}
	}
	sp.spare = nil // the span is read: nothing more to hold
}

// BlockErrors returns the kept embedded blocks that could not be decoded
// (see AddBlock), each once, in the order they were found.
func (sp *SnapshotSpan) BlockErrors() []BlockError {
	sp.resolve()
	e := sp.errs
	sp.errs = nil
	return e
}

// Empty reports whether no snapshot was added.
func (sp *SnapshotSpan) Empty() bool { sp.resolve(); return sp.earliest == nil }

// Several reports whether at least two distinct snapshots were added.
func (sp *SnapshotSpan) Several() bool { sp.resolve(); return sp.several }

// Earliest returns the earliest snapshot (nil when empty).
func (sp *SnapshotSpan) Earliest() *kstat.Snapshot {
	if sp.resolve(); sp.earliest == nil {
		return nil
	}
	return sp.earliest.snap
}

// Latest returns the latest snapshot (nil when empty; the earliest when
// only one distinct snapshot was added).
func (sp *SnapshotSpan) Latest() *kstat.Snapshot {
	if sp.resolve(); sp.latest == nil {
		return nil
	}
	return sp.latest.snap
}
