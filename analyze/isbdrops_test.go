package analyze

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/pcapfile"
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
	st := func(start *time.Time, ifdrop, osdrop *uint64) pcapfile.InterfaceStats {
		return pcapfile.InterfaceStats{Start: start, IfDrop: ifdrop, OSDrop: osdrop}
	}
	cases := []struct {
		name  string
		files [][]pcapfile.InterfaceStats
		want  uint64
	}{
		{"old smcdump: same count in ifdrop and osdrop", [][]pcapfile.InterfaceStats{{st(&t0, u(7), u(7))}}, 7},
		{"dumpcap: ifdrop only", [][]pcapfile.InterfaceStats{{st(&t0, u(5), nil)}}, 5},
		{"new smcdump: osdrop ring, ifdrop interface", [][]pcapfile.InterfaceStats{{st(&t0, u(3), u(9))}}, 9},
		{"new smcdump: interface drops unknown", [][]pcapfile.InterfaceStats{{st(&t0, nil, u(9))}}, 9},
		{"rotated files of one capture", [][]pcapfile.InterfaceStats{{st(&t0, nil, u(4))}, {st(&t0, nil, u(9))}}, 9},
		{"two captures", [][]pcapfile.InterfaceStats{{st(&t0, nil, u(4))}, {st(&t1, nil, u(9))}}, 13},
		{"no start time: per file", [][]pcapfile.InterfaceStats{{st(nil, u(2), u(2))}, {st(nil, u(3), nil)}}, 5},
	}
	for _, c := range cases {
		var files []report.FileInfo
		for _, f := range c.files {
			files = append(files, report.FileInfo{CaptureStats: f})
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

// TestISBRoundTrip: what pcapfile.NgWriter writes into an ISB is what the
// reader returns: ring drops in osdrop, interface drops in ifdrop (absent
// when unknown), and ringDrops takes the ring drops.
func TestISBRoundTrip(t *testing.T) {
	for _, known := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := pcapfile.NewNgWriter(&buf, pcapfile.SectionInfo{Application: "t", OS: "x", Hardware: "y"},
			[]pcapfile.Interface{{Name: "eth0", LinkType: pcapfile.LinkTypeEthernet}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
		st := capture.Counters{Received: 50, Dropped: 4, Captured: 46, IfDropped: 11, IfDropKnown: known, Start: t0, End: t0.Add(time.Second)}
		if err := w.WriteStats(st.ISB(0)); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		fr, err := pcapfile.NewFileReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := fr.Next(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		got := fr.Stats()
		if len(got) != 1 || got[0].OSDrop == nil || *got[0].OSDrop != 4 || got[0].IfRecv == nil || *got[0].IfRecv != 50 ||
			got[0].UsrDeliv == nil || *got[0].UsrDeliv != 46 || got[0].Start == nil || !got[0].Start.Equal(t0) {
			t.Fatalf("known=%v: ISB read back as %+v", known, got)
		}
		if known != (got[0].IfDrop != nil) || known && *got[0].IfDrop != 11 {
			t.Fatalf("known=%v: isb_ifdrop read back as %v", known, got[0].IfDrop)
		}
		if i, o := ringDrops(got[0]); i != 0 || o != 4 {
			t.Fatalf("known=%v: ring drops %d/%d, want 0/4", known, i, o)
		}
	}
}
