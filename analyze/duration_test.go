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
// first's (a damaged timestamp) is reported as such, never as a negative
// duration.
func TestNoNegativeDuration(t *testing.T) {
	f := pcapFile(65535, 1, [][3]uint32{{1_700_000_000, 60, 60}, {1_700_000_001, 60, 60}, {1_600_000_000, 60, 60}})
	fr, err := pcapfile.NewFileReader(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(Config{})
	if err := a.AnalyzeReader(t.Context(), "x.pcap", fr); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := a.Finish().WriteText(&out, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(out.String(), "\n", 2)[0]
	if strings.Contains(first, "(-") || !strings.Contains(first, "before the first") {
		t.Errorf("header %q", first)
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
