package pcapfile

import (
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/smcdump/smcdump/internal/publicdata"
)

// isbTimes builds an Interface Statistics Block with the block time stamp
// ts and, when nonzero, isb_starttime and isb_endtime, all written as the
// raw 64-bit values given (the writer's units).
func isbTimes(iface uint32, ts, start, end uint64) []byte {
	body := isbHead(iface, ts)
	for _, o := range [][2]uint64{{2, start}, {3, end}, {4, 1154}} {
		code, v := uint16(o[0]), o[1]
		if v == 0 {
			continue
		}
		body = binary.LittleEndian.AppendUint16(body, code)
		body = binary.LittleEndian.AppendUint16(body, 8)
		body = binary.LittleEndian.AppendUint32(body, uint32(v>>32))
		body = binary.LittleEndian.AppendUint32(body, uint32(v))
	}
	body = append(body, 0, 0, 0, 0)
	return pcapngBlock(blockISB, body)
}

// TestISBMicrosecondsDespiteTsresol: dumpcap writes its ISB times in
// microseconds even when its interface description declares nanoseconds
// (synthetic blocks shaped like Wireshark 4.4.1's; the public sample
// test-176.pcapng below is such a file). They are read in microseconds when
// the declared resolution puts them before 1980 and microseconds put them
// within a year of the packets; otherwise as declared.
func TestISBMicrosecondsDespiteTsresol(t *testing.T) {
	pktNS := uint64(1_732_922_554_803_445_000) // 2024-11-29 23:22:34.803445 UTC
	closeUS, startUS := uint64(1_732_922_560_898_390), uint64(1_732_922_553_000_000)
	at := func(us uint64) time.Time { return time.Unix(0, int64(us)*1000).UTC() }
	for _, c := range []struct {
		name       string
		blocks     [][]byte
		want       time.Time
		start, end *time.Time
		micro      bool
	}{
		{
			name:   "dumpcap: nanosecond interface, microsecond ISB after a packet",
			blocks: [][]byte{idb(1, 9, "enp0s6"), epb(0, pktNS, frame60), isbTimes(0, closeUS, startUS, closeUS)},
			want:   at(closeUS), start: ptr(at(startUS)), end: ptr(at(closeUS)), micro: true,
		},
		{
			name:   "nanosecond ISB as declared",
			blocks: [][]byte{idb(1, 9, "eth0"), epb(0, pktNS, frame60), isbTimes(0, closeUS*1000, startUS*1000, 0)},
			want:   at(closeUS), start: ptr(at(startUS)),
		},
		{
			name:   "microsecond interface",
			blocks: [][]byte{idb(1, 0, "eth0"), epb(0, pktNS/1000, frame60), isbTimes(0, closeUS, 0, 0)},
			want:   at(closeUS),
		},
		{
			name:   "no packet to compare with: as declared",
			blocks: [][]byte{idb(1, 9, "eth0"), isbTimes(0, closeUS, 0, 0)},
			want:   time.Unix(0, int64(closeUS)).UTC(),
		},
		{
			name:   "far from the packets either way: as declared",
			blocks: [][]byte{idb(1, 9, "eth0"), epb(0, pktNS, frame60), isbTimes(0, 1_000_000_000_000_000, 0, 0)},
			want:   time.Unix(0, 1_000_000_000_000_000).UTC(),
		},
	} {
		f := shb()
		for _, b := range c.blocks {
			f = append(f, b...)
		}
		_, fr := readAll(t, f)
		st := fr.Stats()
		if len(st) != 1 {
			t.Fatalf("%s: %d ISBs read", c.name, len(st))
		}
		s := st[0]
		if !s.Time.Equal(c.want) || s.Microseconds != c.micro || !sameTime(s.Start, c.start) || !sameTime(s.End, c.end) {
			t.Errorf("%s: time %v start %v end %v microseconds %v; want %v %v %v %v", c.name, s.Time, s.Start, s.End, s.Microseconds, c.want, c.start, c.end, c.micro)
		}
		if fr.ProblemCount() != 0 {
			t.Errorf("%s: problems %v", c.name, fr.Problems())
		}
	}
}

func ptr(t time.Time) *time.Time { return &t }

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// TestISBMicrosecondsPublicDumpcap reads the public sample written by
// dumpcap 4.4.1 (nanosecond interface, microsecond ISB): its statistics are
// from the capture's own day, as its packets, not from January 1970.
func TestISBMicrosecondsPublicDumpcap(t *testing.T) {
	b, err := os.ReadFile(publicdata.File(t, "test-176.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	_, fr := readAll(t, b)
	st := fr.Stats()
	want := time.Date(2024, 11, 29, 23, 22, 40, 898_390_000, time.UTC)
	if len(st) != 1 || !st[0].Time.Equal(want) || !st[0].Microseconds || st[0].Start == nil || st[0].Start.Year() != 2024 || st[0].End == nil || st[0].End.Before(*st[0].Start) {
		t.Fatalf("stats %+v; want one block at %v, start and end in 2024, read in microseconds", st, want)
	}
}
