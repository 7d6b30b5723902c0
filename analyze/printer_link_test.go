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

// llcFrames are 802.3 frames: STP, SNAP IPv4, an unknown SAP, a cut LLC
// header, a VLAN tag in front of an unknown type.
func llcFrames() map[string][]byte {
	macs := []byte{1, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1}
	bpdu := []byte{0, 0, 2, 2, 0x3c, 0x80, 0, 2, 0, 0, 0, 0, 9, 0, 0, 0, 4,
		0x80, 1, 2, 0, 0, 0, 0, 1, 0x80, 2, 1, 0, 20, 0, 2, 0x80, 15, 3, 0}
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0x66, 0xcc, 10, 0, 0, 1, 10, 0, 0, 2, 4, 0xd2, 0x16, 0x2e, 0, 8, 0, 0}
	cat := func(b ...[]byte) []byte {
		var f []byte
		for _, x := range b {
			f = append(f, x...)
		}
		return f
	}
	return map[string][]byte{
		"rstp":    cat(macs, []byte{0, 39, 0x42, 0x42, 3}, bpdu, make([]byte, 7)),
		"snap":    cat(macs, []byte{0, 36, 0xaa, 0xaa, 3, 0, 0, 0, 8, 0}, ip),
		"unknown": cat(macs, []byte{0, 6, 0x12, 0x34, 0x13}, []byte("abc")),
		"cut":     cat(macs, []byte{0, 2, 0x12, 0x12}, make([]byte, 4)),
		"vlan":    cat(macs, []byte{0x81, 0, 0x20, 5, 0x12, 0x34}, []byte("data")),
	}
}

// TestPrinterLLC: 802.3 frames as print-ether.c, print-llc.c and
// print-stp.c print them.
func TestPrinterLLC(t *testing.T) {
	fr := llcFrames()
	for _, c := range []struct {
		name string
		o    PrintOptions
		want string
	}{
		{"rstp", PrintOptions{TimeFormat: 1}, "STP 802.1w, Rapid STP, Flags [Learn, Forward], bridge-id 8001.02:00:00:00:00:01.8002, length 36\n"},
		{"rstp", PrintOptions{TimeFormat: 1, Verbose: 1, LinkHeader: true}, "02:00:00:00:00:01 > 01:80:c2:00:00:00, 802.3, length 39: LLC, dsap STP (0x42) Individual, ssap STP (0x42) Command, ctrl 0x03: " +
			"STP 802.1w, Rapid STP, Flags [Learn, Forward], bridge-id 8001.02:00:00:00:00:01.8002, length 36\n" +
			"\tmessage-age 1.00s, max-age 20.00s, hello-time 2.50s, forwarding-delay 15.01s\n\troot-id 8000.02:00:00:00:00:09, root-pathcost 4, port-role Designated\n"},
		{"rstp", PrintOptions{TimeFormat: 1, HexOnly: 1}, "STP 802.1w, Rapid STP, Flags [Learn, Forward], bridge-id 8001.02:00:00:00:00:01.8002, length 36\n" +
			"\t0x0000:  0000 0202 3c80 0002 0000 0000 0900 0000\n\t0x0010:  0480 0102 0000 0000 0180 0201 0014 0002\n\t0x0020:  800f 0300 0000 0000 0000 00\n"},
		{"snap", PrintOptions{TimeFormat: 1}, "IP 10.0.0.1.1234 > 10.0.0.2.5678: UDP, length 0\n"},
		{"snap", PrintOptions{TimeFormat: 1, LinkHeader: true}, "02:00:00:00:00:01 > 01:80:c2:00:00:00, 802.3, length 36: LLC, dsap SNAP (0xaa) Individual, ssap SNAP (0xaa) Command, ctrl 0x03: " +
			"oui Ethernet (0x000000), ethertype IPv4 (0x0800), length 28: 10.0.0.1.1234 > 10.0.0.2.5678: UDP, length 0\n"},
		{"unknown", PrintOptions{TimeFormat: 1}, "02:00:00:00:00:01 Unknown SSAP 0x34 > 01:80:c2:00:00:00 Unknown DSAP 0x12 Unnumbered, ui, Flags [Poll], length 6\n" +
			"\t0x0000:  1234 1361 6263                           .4.abc\n"},
		{"unknown", PrintOptions{TimeFormat: 1, HexOnly: 1}, "02:00:00:00:00:01 Unknown SSAP 0x34 > 01:80:c2:00:00:00 Unknown DSAP 0x12 Unnumbered, ui, Flags [Poll], length 6\n" +
			"\t0x0000:  6162 63\n"},
		{"cut", PrintOptions{TimeFormat: 1, LinkHeader: true}, "02:00:00:00:00:01 > 01:80:c2:00:00:00, 802.3, length 2:  [|llc]\n\t0x0000:  1212                                     ..\n"},
		{"vlan", PrintOptions{TimeFormat: 1, Quiet: true}, "02:00:00:00:00:01 > 01:80:c2:00:00:00, Unknown Ethertype (0x1234), length 22: \n"},
		{"vlan", PrintOptions{TimeFormat: 1, Quiet: true, LinkHeader: true}, "02:00:00:00:00:01 > 01:80:c2:00:00:00, 802.1Q, length 22: vlan 5, p 1, Unknown Ethertype (0x1234), \n"},
	} {
		if got := printOne(t, pcapfile.LinkTypeEthernet, fr[c.name], c.o); got != c.want {
			t.Errorf("%s %+v:\n got %q\nwant %q", c.name, c.o, got, c.want)
		}
	}
}

// FuzzPrintLLC prints 802.3 frames under random options: no panic, one
// line at least.
func FuzzPrintLLC(f *testing.F) {
	for _, b := range llcFrames() {
		for _, o := range []uint8{0, 4, 5, 8, 0x20, 0x84} {
			f.Add(b, o)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, opts uint8) {
		var out bytes.Buffer
		p := NewPrinter(&out, PrintOptions{Verbose: int(opts & 3), LinkHeader: opts&4 != 0, HexASCII: int(opts>>3) & 3,
			HexOnly: int(opts>>5) & 1, ASCII: int(opts>>6) & 1, Quiet: opts&0x80 != 0, TimeFormat: 1})
		pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet, Data: b}
		pkt.Info.CaptureLength, pkt.Info.Length = len(b), len(b)+int(opts&7)
		if err := p.PrintPacket(pkt); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			t.Fatalf("output does not end with a newline: %q", out.String())
		}
	})
}
