package analyze

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestNoNegativeDuration: a capture whose last packet's time is before the
// first's (its clock was set back: the frames after the step confirm it) is
// reported as such, never as a negative duration. A single damaged
// timestamp at the end is not believed (pcapfile.HoldImplausibleTimes): the
// span stays that of the frames before it, and a note says so.
func TestNoNegativeDuration(t *testing.T) {
	for _, tc := range []struct {
		recs   [][3]uint32
		header string // in the report's first line
		note   string // in the file's notes
	}{
		{recs: [][3]uint32{{1_700_000_000, 60, 60}, {1_700_000_001, 60, 60}, {1_600_000_000, 60, 60}, {1_600_000_001, 60, 60}, {1_600_000_002, 60, 60}},
			header: "before the first"},
		{recs: [][3]uint32{{1_700_000_000, 60, 60}, {1_700_000_001, 60, 60}, {1_600_000_000, 60, 60}},
			header: "22:13:20.000000 – 22:13:21.000000 UTC (1.000 s)",
			note:   "frame 3: timestamp 2020-09-13 12:26:40.000000 is 1157 days behind the frames around it; analyzed at 2023-11-14 22:13:21.000000"},
	} {
		fr, err := pcapfile.NewFileReader(bytes.NewReader(pcapFile(65535, 1, tc.recs)))
		if err != nil {
			t.Fatal(err)
		}
		a := NewAnalyzer(Config{})
		if err := a.AnalyzeReader(t.Context(), "x.pcap", fr); err != nil {
			t.Fatal(err)
		}
		rep := a.Finish()
		var out strings.Builder
		if err := rep.WriteText(&out, report.TextOptions{}); err != nil {
			t.Fatal(err)
		}
		first := strings.SplitN(out.String(), "\n", 2)[0]
		if strings.Contains(first, "(-") || !strings.Contains(first, tc.header) {
			t.Errorf("header %q, want %q", first, tc.header)
		}
		notes := rep.Files[0].Notes
		if tc.note == "" && len(notes) > 0 || tc.note != "" && (len(notes) != 1 || notes[0].Msg != tc.note) {
			t.Errorf("notes %v, want %q", notes, tc.note)
		}
	}
}

// pcapFile builds a little-endian microsecond pcap file of link type lt
// whose records (seconds, captured length, original length) hold 0x55 bytes
// (synthetic).
func pcapFile(snap, lt uint32, recs [][3]uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, snap)
	b = binary.LittleEndian.AppendUint32(b, lt)
	for _, r := range recs {
		b = binary.LittleEndian.AppendUint32(b, r[0])
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, r[1])
		b = binary.LittleEndian.AppendUint32(b, r[2])
		b = append(b, bytes.Repeat([]byte{0x55}, int(r[1]))...)
	}
	return b
}
