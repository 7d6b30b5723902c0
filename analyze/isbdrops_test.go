package analyze

import (
	"testing"
	"time"
)

// TestCaptureDropsISBStyles: the capture's own drops are read from
// isb_osdrop (smcdump's ring drops), from isb_ifdrop only when osdrop is
// absent (dumpcap), never from both at once (older smcdump files carry the
// same count in both), and the cumulative counters of the files of one
// rotated capture are not added up (issue 9 item 8). Synthetic ISB values.
func TestCaptureDropsISBStyles(t *testing.T) {
	u := func(v uint64) *uint64 { return &v }
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	st := func(start *time.Time, ifdrop, osdrop *uint64) InterfaceStats {
		return InterfaceStats{Start: start, IfDrop: ifdrop, OSDrop: osdrop}
	}
	cases := []struct {
		name  string
		files [][]InterfaceStats
		want  uint64
	}{
		{"old smcdump: same count in ifdrop and osdrop", [][]InterfaceStats{{st(&t0, u(7), u(7))}}, 7},
		{"dumpcap: ifdrop only", [][]InterfaceStats{{st(&t0, u(5), nil)}}, 5},
		{"new smcdump: osdrop ring, ifdrop interface", [][]InterfaceStats{{st(&t0, u(3), u(9))}}, 9},
		{"new smcdump: interface drops unknown", [][]InterfaceStats{{st(&t0, nil, u(9))}}, 9},
		{"rotated files of one capture", [][]InterfaceStats{{st(&t0, nil, u(4))}, {st(&t0, nil, u(9))}}, 9},
		{"two captures", [][]InterfaceStats{{st(&t0, nil, u(4))}, {st(&t1, nil, u(9))}}, 13},
		{"no start time: per file", [][]InterfaceStats{{st(nil, u(2), u(2))}, {st(nil, u(3), nil)}}, 5},
	}
	for _, c := range cases {
		var files []FileInfo
		for _, f := range c.files {
			files = append(files, FileInfo{CaptureStats: f})
		}
		if got := captureDrops(files); got != c.want {
			t.Errorf("%s: %d capture drops, want %d", c.name, got, c.want)
		}
	}
	if i, o := ringDrops(st(&t0, u(7), u(7))); i+o != 7 || i != 0 {
		t.Errorf("old-style ISB for the gap attribution: ifdrop %d osdrop %d, want 0 and 7", i, o)
	}
	if i, o := ringDrops(st(&t0, u(5), nil)); i != 5 || o != 0 {
		t.Errorf("dumpcap ISB for the gap attribution: ifdrop %d osdrop %d, want 5 and 0", i, o)
	}
}
