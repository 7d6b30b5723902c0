package pcapfile

import (
	"os"
	"sync"
	"time"
)

// mapCheaper reports whether mapping a file's windows costs clearly less
// than reading them on this machine (MapAuto). It is measured once per
// process, on the first file that asks: three times, alternately, mapping
// and unmapping the file's first window (as mpeek maps them: mapWindow
// bytes, page tables filled at once) and reading the same bytes with
// pread in 1 MiB pieces (as the pipeline's read buffers are filled). The
// fastest of each counts; mapping is chosen when it took less than half
// of what reading did. What the probe cannot see (the other processor's
// TLB flushed by each unmap, the analysis then reading page-cache lines no
// read has just brought into a cache) is why the margin is two: where
// mapping measured cheaper overall, it was ten times cheaper here. The
// choice changes only the cost: the frames are the same either way
// (analyze TestParallelSameOutputMapped).
func mapCheaper(f *os.File) bool {
	probeOnce.Do(func() { probeMap = probeMapping(f) })
	return probeMap
}

var (
	probeOnce sync.Once
	probeMap  bool
)

func probeMapping(f *os.File) bool {
	const piece = 1 << 20
	n := int(mapWindow)
	fi, err := f.Stat()
	if err != nil || fi.Size() < int64(n) || n < piece {
		return false
	}
	buf := make([]byte, piece)
	best := [2]time.Duration{time.Hour, time.Hour}
	for range 3 {
		t0 := time.Now()
		w, err := mapFile(f, 0, n)
		if err != nil {
			return false
		}
		unmapFile(w)
		t1 := time.Now()
		for off := 0; off < n; off += piece {
			if _, err := f.ReadAt(buf, int64(off)); err != nil {
				return false
			}
		}
		t2 := time.Now()
		best[0], best[1] = min(best[0], t1.Sub(t0)), min(best[1], t2.Sub(t1))
	}
	return 2*best[0] < best[1]
}
