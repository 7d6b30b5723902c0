package pcapfile

import (
	"os"
	"sync"
	"time"
)

// mapCheaper reports whether mapping a file's windows costs less than
// reading them on this machine (MapAuto). It is measured once per process,
// on the first file that asks: at two places of the file (its start and
// its middle), twice each, mapping and unmapping a window (as mpeek maps
// them: mapWindow bytes, page tables filled at once) and reading the same
// bytes with pread in 1 MiB pieces (as the pipeline's read buffers are
// filled). The faster of each pair counts, summed over the two places;
// mapping is chosen when its sum is the smaller. One place alone misled:
// on one VM a window mapped in 13 µs at one offset and 775 µs at another,
// and took 165 µs again and again at a third, against 270-1,700 µs to
// read. Where mapping measured cheaper even by a third it was far cheaper
// overall (the copy a read makes is a quarter of the CPU of a bulk
// capture): on the VM of 2026-12-08 corpus B took 0.58 s of CPU mapped
// against 0.78 s read. The choice changes only the cost: the frames are
// the same either way (TestMappedSame, analyze TestParallelSameOutputMapped).
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
	page := int64(os.Getpagesize())
	var sum [2]time.Duration
	for _, at := range []int64{0, (fi.Size()/2 - int64(n)) &^ (page - 1)} {
		at = max(at, 0)
		best := [2]time.Duration{time.Hour, time.Hour}
		for range 2 {
			t0 := time.Now()
			w, err := mapFile(f, at, n)
			if err != nil {
				return false
			}
			unmapFile(w)
			t1 := time.Now()
			for off := at; off < at+int64(n); off += piece {
				if _, err := f.ReadAt(buf, off); err != nil {
					return false
				}
			}
			t2 := time.Now()
			best[0], best[1] = min(best[0], t1.Sub(t0)), min(best[1], t2.Sub(t1))
		}
		sum[0] += best[0]
		sum[1] += best[1]
	}
	return sum[0] < sum[1]
}
