package monitor

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestMemoryFlatRecordedTraffic replays the frames of the lab traces
// (SMC-R with RoCE frames, declines, many connections, the multicast-loss
// trace) through one engine many times, with new IPv4 addresses on every
// loop (as tcpreplay --unique-ip does in bench/monitor/soak.sh), at 20000
// frames per second of capture time: after the warm-up (the finished
// connections' tombstones live 2 minutes) the live heap stays flat.
func TestMemoryFlatRecordedTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	files, _ := filepath.Glob("../../testdata/lab/out/6.12/*.pcapng")
	files = append(files, "../../testdata/mcast/lab/nft-loss.pcapng")
	var frames []pcapfile.Packet
	for _, f := range files {
		fr, err := pcapfile.OpenFile(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for {
			p, err := fr.Next()
			if err != nil {
				break
			}
			q := *p
			q.Data = append([]byte(nil), p.Data...)
			frames = append(frames, q)
		}
		fr.Close()
	}
	e := New(Config{StreamIdle: 10 * time.Second})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var warm uint64
	const loops = 900
	d := make([]byte, 0, 1<<16)
	for loop := 0; loop < loops; loop++ {
		for i := range frames {
			q := frames[i]
			d = append(d[:0], q.Data...)
			if len(d) > 34 && d[12] == 8 && d[13] == 0 { // IPv4: both addresses, consistently
				d[28] ^= byte(loop >> 8)
				d[29] ^= byte(loop)
				d[32] ^= byte(loop >> 8)
				d[33] ^= byte(loop)
			}
			q.Data = d
			now = now.Add(50 * time.Microsecond)
			q.Info.Timestamp = now
			e.Packet(&q)
		}
		if loop == loops/2 {
			warm = heap()
		}
	}
	end := heap()
	c, s := e.Stats()
	t.Logf("%d frames per loop, %d loops: heap %d KiB after warm-up, %d KiB at the end; %d connections, %d streams open",
		len(frames), loops, warm>>10, end>>10, c, s)
	if end > warm+warm/10+1<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB over the second half", warm>>10, end>>10)
	}
}
