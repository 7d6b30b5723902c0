package pcapfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMapAuto: by default (MapAuto) a file smaller than autoMapMin is read,
// whatever the probe says; MapOn maps it and MapOff reads it. The probe
// itself ends with an answer on a file of one window and says no on a
// file shorter than one.
func TestMapAuto(t *testing.T) {
	if !canMap {
		t.Skip("no mapping on this system")
	}
	dir := t.TempDir()
	write := func(name string, n int) *os.File {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	small := write("small", 1<<20)
	for _, c := range []struct {
		m    Mapping
		want bool
	}{{MapAuto, false}, {MapOn, true}, {MapOff, false}} {
		old := SetMapping(c.m)
		b := &readBuf{file: small, buf: make([]byte, 1<<20)}
		b.setSwap(ReuseSwap)
		SetMapping(old)
		if b.mapped != c.want {
			t.Errorf("mapping %d: mapped %v, want %v", c.m, b.mapped, c.want)
		}
		b.setSwap(nil)
	}
	if probeMapping(small) && mapWindow > 1<<20 {
		t.Error("the probe chose mapping for a file shorter than a window")
	}
	t.Logf("mapping a %d-byte window measured cheaper than reading it: %v", mapWindow, probeMapping(write("window", int(mapWindow))))
}
