package analyze

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Expected texts in this file are tcpdump 4.99.3's output for the same
// bytes (TZ=UTC tcpdump -nn).

// TestPrinterTimeStamps: deltas of a day or more wrap (gmtime and %H:%M:%S),
// a pcap record's fraction of a second or more is printed as it is, seconds
// with bit 31 set cannot be converted, and a reference of 0.000000 counts as
// unset (util-print.c ts_print, ts_date_hmsfrac_print).
func TestPrinterTimeStamps(t *testing.T) {
	arp := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06,
		0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 192, 168, 0, 1, 0, 0, 0, 0, 0, 0, 192, 168, 0, 2}
	const line = "ARP, Request who-has 192.168.0.2 tell 192.168.0.1, length 28"
	type rec struct {
		sec, frac int64
		nano      bool
		raw       bool // as a pcap record (else a normalized time only)
	}
	for _, c := range []struct {
		name string
		o    PrintOptions
		recs []rec
		want []string
	}{
		{"-ttt day", PrintOptions{TimeFormat: 3}, []rec{{1000, 0, false, false}, {1000 + 49*3600 + 61, 2, false, false}},
			[]string{" 00:00:00.000000", " 01:01:01.000002"}},
		{"-ttttt negative", PrintOptions{TimeFormat: 5}, []rec{{1000, 5000, false, false}, {900, 7000, false, false}},
			[]string{" 00:00:00.000000", "-00:01:39.998000"}},
		{"-ttt nano", PrintOptions{TimeFormat: 3, Nano: true}, []rec{{1000, 5, true, false}, {1000 + 86400, 4, true, false}},
			[]string{" 00:00:00.000000000", " 23:59:59.999999999"}},
		{"raw fraction", PrintOptions{}, []rec{{100, 1500000, false, true}, {102, 4294967295, false, true}},
			[]string{"00:01:40.1500000", "00:01:42.4294967295"}},
		{"raw fraction -tt --nano", PrintOptions{TimeFormat: 2, Nano: true}, []rec{{100, 1500000, false, true}, {102, 4294967295, false, true}},
			[]string{"100.1500000000", "102.4294966296"}},
		{"raw nano fraction -tt", PrintOptions{TimeFormat: 2}, []rec{{100, 1500000000, true, true}, {102, 4294967295, true, true}},
			[]string{"100.1500000", "102.000000"}},
		{"bit 31", PrintOptions{TimeFormat: 4}, []rec{{0x80000000, 5, false, true}},
			[]string{"[Error converting time]"}},
		{"bit 31 -tt", PrintOptions{TimeFormat: 2}, []rec{{0x80000000, 5, false, true}, {0x80000000, 5, false, false}},
			[]string{"[Error converting time]", "[Error converting time]"}},
		{"-ttt bit 31", PrintOptions{TimeFormat: 3, Nano: true}, []rec{{102, 4294967295, true, true}, {0x80000000, 5, true, true}, {0, 0, true, true}, {5, 0, true, true}},
			[]string{" 00:00:00.000000000", "-[Error converting time]", " 03:14:07.999999995", " 00:00:00.000000000"}},
		{"-ttttt zero first", PrintOptions{TimeFormat: 5}, []rec{{0, 0, false, true}, {5, 0, false, true}, {7, 3, false, true}},
			[]string{" 00:00:00.000000", " 00:00:00.000000", " 00:00:02.000003"}},
	} {
		var b bytes.Buffer
		p := NewPrinter(&b, c.o)
		for i, r := range c.recs {
			pkt := &pcapfile.Packet{Frame: i + 1, LinkType: pcapfile.LinkTypeEthernet, Data: arp}
			pkt.Info.CaptureLength, pkt.Info.Length = len(arp), len(arp)
			if r.nano {
				pkt.Info.Timestamp = time.Unix(r.sec, r.frac).UTC()
			} else {
				pkt.Info.Timestamp = time.Unix(r.sec, r.frac*1000).UTC()
			}
			if r.raw {
				pkt.Info.PcapTS = pcapfile.PcapTimestamp{Sec: int32(r.sec), Frac: int32(r.frac), Nano: r.nano, Valid: true}
			}
			if err := p.PrintPacket(pkt); err != nil {
				t.Fatal(err)
			}
		}
		var want strings.Builder
		for _, ts := range c.want {
			want.WriteString(ts + " " + line + "\n")
		}
		if b.String() != want.String() {
			t.Errorf("%s:\n got %q\nwant %q", c.name, b.String(), want.String())
		}
	}
}
