package htmlreport_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/analyze/htmlreport"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// FuzzHTMLReport runs the analyzer and the HTML page over frame sequences
// in the input format of the analyzer's fuzz targets (each Ethernet frame
// preceded by its length in one byte; seeds: real lab frames, copied from
// analyze/testdata/fuzz/FuzzReportJSON): no panic, a well-formed,
// self-contained page under the size bound, and every connection page.
func FuzzHTMLReport(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 16<<10 {
			return
		}
		var frames [][]byte
		for len(b) > 0 {
			l := min(int(b[0]), len(b)-1)
			frames = append(frames, b[1:1+l])
			b = b[1+l:]
		}
		fr, err := pcapfile.NewFileReader(bytes.NewReader(pcapOf(frames)))
		if err != nil {
			t.Fatal(err)
		}
		cfg := analyze.Config{All: true}
		cfg.Multicast.Plot = true
		a := analyze.NewAnalyzer(cfg)
		if err := a.AnalyzeReader(context.Background(), "fuzz.pcap", fr); err != nil {
			t.Fatal(err)
		}
		rep := a.Finish()
		var page bytes.Buffer
		if err := htmlreport.Write(&page, rep, htmlreport.Options{MaxDetail: 3}); err != nil {
			t.Fatal(err)
		}
		if page.Len() > htmlreport.MaxBytes || !strings.HasSuffix(page.String(), "</html>\n") {
			t.Fatalf("page of %d bytes", page.Len())
		}
		checkSelfContained(t, page.String())
		for _, c := range rep.Connections {
			if err := htmlreport.WriteConnection(&bytes.Buffer{}, rep, c.ID); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// pcapOf renders frames as a pcap file (Ethernet, microseconds), a
// millisecond apart per byte of length.
func pcapOf(frames [][]byte) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(b[4:], 2)
	binary.LittleEndian.PutUint16(b[6:], 4)
	binary.LittleEndian.PutUint32(b[16:], 262144)
	binary.LittleEndian.PutUint32(b[20:], 1)
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, f := range frames {
		ts = ts.Add(time.Duration(len(f)+1) * time.Millisecond)
		var h [16]byte
		binary.LittleEndian.PutUint32(h[:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(h[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(h[8:], uint32(len(f)))
		binary.LittleEndian.PutUint32(h[12:], uint32(len(f)))
		b = append(append(b, h[:]...), f...)
	}
	return b
}
