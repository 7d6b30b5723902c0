package pcapfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// variantFile builds a pcap file (synthetic) with the given magic (as
// written in order), version, link type and record header length; each
// record is {seconds, fraction, first length field, second length field,
// data length}. The bytes after the standard 16 of a header are 0xee.
func variantFile(order binary.AppendByteOrder, magic uint32, major, minor uint16, lt uint32, hl int, recs [][5]uint32) []byte {
	b := order.AppendUint32(nil, magic)
	b = order.AppendUint16(b, major)
	b = order.AppendUint16(b, minor)
	b = append(b, make([]byte, 8)...)
	b = order.AppendUint32(b, 65535)
	b = order.AppendUint32(b, lt)
	for i, r := range recs {
		for _, v := range r[:4] {
			b = order.AppendUint32(b, v)
		}
		b = append(b, bytes.Repeat([]byte{0xee}, hl-16)...)
		b = append(b, bytes.Repeat([]byte{byte(i + 1)}, int(r[4]))...)
	}
	return b
}

func TestPcapVariantHeuristic(t *testing.T) {
	le, be := binary.AppendByteOrder(binary.LittleEndian), binary.AppendByteOrder(binary.BigEndian)
	three := [][5]uint32{{1_700_000_000, 1, 60, 60, 60}, {1_700_000_001, 2, 100, 1500, 100}, {1_700_000_002, 3, 42, 42, 42}}
	one := three[:1]
	type want struct {
		variant  string
		n        int    // packets
		problems int    // at least this many problems (0: none)
		frac     int64  // the first packet's fraction of a second, in ns
		lens     [2]int // the second packet's captured and original lengths
	}
	std := want{"", 3, 0, 1000, [2]int{100, 1500}}
	for _, c := range []struct {
		name string
		file []byte
		want want
	}{
		{"standard", variantFile(le, 0xa1b2c3d4, 2, 4, 1, 16, three), std},
		{"standard big-endian", variantFile(be, 0xa1b2c3d4, 2, 4, 1, 16, three), std},
		{"standard one record", variantFile(le, 0xa1b2c3d4, 2, 4, 1, 16, one), want{"", 1, 0, 1000, [2]int{}}},
		{"standard no record", variantFile(le, 0xa1b2c3d4, 2, 4, 1, 16, nil), want{"", 0, 0, 0, [2]int{}}},
		{"Red Hat 6.1", variantFile(le, 0xa1b2c3d4, 2, 4, 1, 24, three), want{variantSS990417.name, 3, 0, 1000, [2]int{100, 1500}}},
		// One record cannot tell a variant from a standard record and a
		// few stray bytes: standard, with damage at the end.
		{"Red Hat 6.1 one record", variantFile(le, 0xa1b2c3d4, 2, 4, 1, 24, one), want{"", 0, 1, 0, [2]int{}}},
		{"Nokia", variantFile(be, 0xa1b2c3d4, 2, 4, 1, 20, three), want{variantNokia.name, 3, 0, 1000, [2]int{100, 1500}}},
		{"modified", variantFile(le, magicModified, 2, 4, 1, 24, three), want{variantSS991029.name, 3, 0, 1000, [2]int{100, 1500}}},
		{"modified big-endian", variantFile(be, magicModified, 2, 4, 1, 24, three), want{variantSS991029.name, 3, 0, 1000, [2]int{100, 1500}}},
		{"SuSE 6.3", variantFile(le, magicModified, 2, 4, 1, 28, three), want{variantSS990915.name, 3, 0, 1000, [2]int{100, 1500}}},
		{"modified no record", variantFile(le, magicModified, 2, 4, 1, 24, nil), want{variantSS991029.name, 0, 0, 0, [2]int{}}},
		// Nanosecond files have no variant: 24-byte headers are damage.
		{"nanosecond 24-byte headers", variantFile(le, 0xa1b23c4d, 2, 4, 1, 24, three), want{"", 0, 1, 0, [2]int{}}},
		// AIX: version 2.2, interface type 6 (Ethernet), nanoseconds, and
		// (as any file before 2.3) len before caplen.
		{"AIX", variantFile(le, 0xa1b2c3d4, 2, 2, 6, 16, [][5]uint32{{1_700_000_000, 1, 60, 60, 60}, {1_700_000_001, 2, 1500, 100, 100}}), want{"AIX variant: version 2.2, nanosecond timestamps, interface types as link types", 2, 0, 1, [2]int{100, 1500}}},
		// Before 2.3 the two lengths are in the other order.
		{"version 2.2", variantFile(le, 0xa1b2c3d4, 2, 2, 1, 16, [][5]uint32{{1_700_000_000, 1, 60, 60, 60}, {1_700_000_001, 2, 1500, 100, 100}}), want{"", 2, 0, 1000, [2]int{100, 1500}}},
		// 2.3: swapped only where caplen > len says so.
		{"version 2.3", variantFile(le, 0xa1b2c3d4, 2, 3, 1, 16, [][5]uint32{{1_700_000_000, 1, 60, 60, 60}, {1_700_000_001, 2, 1500, 100, 100}, {1_700_000_002, 3, 42, 50, 42}}), want{"", 3, 0, 1000, [2]int{100, 1500}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pkts, fr := readAll(t, c.file)
			if fr.Variant() != c.want.variant {
				t.Errorf("variant %q, want %q", fr.Variant(), c.want.variant)
			}
			if c.want.problems == 0 && fr.ProblemCount() > 0 || fr.ProblemCount() < c.want.problems {
				t.Errorf("%d problems (want %d): %v", fr.ProblemCount(), c.want.problems, fr.Problems())
			}
			if c.want.problems > 0 {
				return
			}
			if len(pkts) != c.want.n {
				t.Fatalf("%d packets, want %d", len(pkts), c.want.n)
			}
			if c.want.n == 0 {
				return
			}
			if ns := int64(pkts[0].Info.Timestamp.Nanosecond()); ns != c.want.frac {
				t.Errorf("first packet's fraction %d ns, want %d", ns, c.want.frac)
			}
			if pkts[0].LinkType != LinkTypeEthernet {
				t.Errorf("link type %v", pkts[0].LinkType)
			}
			for i, p := range pkts {
				if len(p.Data) == 0 || !bytes.Equal(p.Data, bytes.Repeat([]byte{byte(i + 1)}, len(p.Data))) {
					t.Errorf("packet %d: data % x", i+1, p.Data[:min(len(p.Data), 8)])
				}
			}
			if c.want.n > 1 {
				if got := [2]int{pkts[1].Info.CaptureLength, pkts[1].Info.Length}; got != c.want.lens {
					t.Errorf("second packet's lengths %v, want %v", got, c.want.lens)
				}
			}
		})
	}
}

// TestPcapVariantDamagedStandardStaysStandard: a standard file whose
// second record header is damaged, or that ends in a few stray bytes or a
// cut header, is not taken for a variant; the damage is reported and the
// other records are read.
func TestPcapVariantDamagedStandardStaysStandard(t *testing.T) {
	one := variantFile(binary.LittleEndian, 0xa1b2c3d4, 2, 4, 1, 16, [][5]uint32{{1_700_000_000, 1, 60, 60, 60}, {1_700_000_001, 2, 60, 60, 60}})
	for _, cut := range []int{4, 8, 12} {
		b := one[:24+16+60+cut] // the second record's header cut
		pkts, fr := readAll(t, b)
		if fr.Variant() != "" || len(pkts) != 1 || !bytes.Equal(pkts[0].Data, bytes.Repeat([]byte{1}, 60)) {
			t.Errorf("one record and %d bytes: variant %q, %d packets", cut, fr.Variant(), len(pkts))
		}
	}
	var recs [][5]uint32
	for i := uint32(0); i < 10; i++ {
		recs = append(recs, [5]uint32{1_700_000_000 + i, i, 60 + i, 60 + i, 60 + i})
	}
	clean := variantFile(binary.LittleEndian, 0xa1b2c3d4, 2, 4, 1, 16, recs)
	second := 24 + 16 + 60
	for _, field := range []int{0, 4, 8, 12} {
		for _, v := range []uint32{0xffffffff, 0x01000000, 0} {
			b := append([]byte(nil), clean...)
			binary.LittleEndian.PutUint32(b[second+field:], v)
			pkts, fr := readAll(t, b)
			if fr.Variant() != "" {
				t.Errorf("field %d = %#x: read as %q", field, v, fr.Variant())
			}
			if len(pkts) < 8 {
				t.Errorf("field %d = %#x: %d packets; problems %v", field, v, len(pkts), fr.Problems())
			}
		}
	}
}

// TestPcapVariantsEditcap: each variant editcap writes, made from a
// real-kernel lab trace, reads as the same packets as the standard file
// editcap writes from it.
func TestPcapVariantsEditcap(t *testing.T) {
	editcap, err := exec.LookPath("editcap")
	if err != nil {
		t.Skip("editcap is not installed (apt-get install tshark): pcap variant test skipped")
	}
	paths := labCaptures(t)
	if len(paths) > 4 {
		paths = paths[:4]
	}
	variants := map[string]string{"pcap": "", "modpcap": variantSS991029.name, "rh6_1pcap": variantSS990417.name,
		"suse6_3pcap": variantSS990915.name, "nokiapcap": variantNokia.name}
	for _, path := range paths {
		ng, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		src := filepath.Join(dir, "src.pcap")
		if err := os.WriteFile(src, toPcap(t, ng), 0o644); err != nil {
			t.Fatal(err)
		}
		var base []pkt
		for _, f := range []string{"pcap", "modpcap", "rh6_1pcap", "suse6_3pcap", "nokiapcap"} {
			out := filepath.Join(dir, f+".pcap")
			if msg, err := exec.Command(editcap, "-F", f, src, out).CombinedOutput(); err != nil {
				t.Fatalf("editcap -F %s: %v %s", f, err, msg)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got, fr, err := readPkts(t, b)
			if err != nil {
				t.Fatalf("%s %s: %v", filepath.Base(path), f, err)
			}
			if fr.Variant() != variants[f] || fr.ProblemCount() != 0 {
				t.Errorf("%s %s: variant %q, want %q; problems %v", filepath.Base(path), f, fr.Variant(), variants[f], fr.Problems())
			}
			if f == "pcap" {
				base = got
				if len(base) == 0 {
					t.Fatalf("%s: no packets", path)
				}
				continue
			}
			if len(got) != len(base) {
				t.Errorf("%s %s: %d packets, want %d", filepath.Base(path), f, len(got), len(base))
				continue
			}
			for i := range got {
				if got[i].ts != base[i].ts || got[i].data != base[i].data || got[i].n != base[i].n {
					t.Errorf("%s %s: packet %d differs", filepath.Base(path), f, i+1)
					break
				}
			}
		}
	}
}

// TestPcapVariantDetectionThroughAPipe: a standard capture arriving
// through a pipe in pieces (tcpdump -w - | smcdump -r -: stdio writes
// whole buffers that end inside a record) gives its first packet once the
// second record's header has arrived (when the reader needs it anyway),
// not after 64 KiB.
func TestPcapVariantDetectionThroughAPipe(t *testing.T) {
	var recs [][5]uint32
	for i := uint32(0); i < 100; i++ {
		recs = append(recs, [5]uint32{1_700_000_000 + i, i, 100, 100, 100})
	}
	file := variantFile(binary.LittleEndian, 0xa1b2c3d4, 2, 4, 1, 16, recs)
	for _, first := range []int{24, 24 + 50, 24 + 116 + 16, 24 + 116 + 16 + 30} {
		pr, pw := io.Pipe()
		release := make(chan struct{})
		go func() {
			pw.Write(file[:first])
			<-release
			pw.Write(file[first:])
			pw.Close()
		}()
		got := make(chan error, 1)
		go func() {
			fr, err := NewFileReader(pr)
			if err == nil {
				_, err = fr.Next()
			}
			got <- err
		}()
		if first >= 24+116+16 {
			// Record 1 and record 2's header are there: packet 1 now.
			select {
			case err := <-got:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("%d bytes sent: the first packet waited for more", first)
			}
			close(release)
			continue
		}
		close(release)
		if err := <-got; err != nil {
			t.Fatal(err)
		}
	}
}

// TestPcapMagicsReadAlike reads the same records written in both byte
// orders with the microsecond and the nanosecond magic (synthetic): every
// one gives the same frames. (A big-endian nanosecond file once lost its
// byte order: the magic set the order without the flag the fields are
// read by.)
func TestPcapMagicsReadAlike(t *testing.T) {
	le, be := binary.AppendByteOrder(binary.LittleEndian), binary.AppendByteOrder(binary.BigEndian)
	recs := func(scale uint32) [][5]uint32 {
		return [][5]uint32{{1_700_000_000, 1 * scale, 60, 60, 60}, {1_700_000_001, 250 * scale, 100, 1500, 100}, {1_700_000_002, 999_999 * scale, 42, 42, 42}}
	}
	var want []string
	for _, c := range []struct {
		name  string
		order binary.AppendByteOrder
		magic uint32
		scale uint32
	}{
		{"little-endian µs", le, 0xa1b2c3d4, 1},
		{"big-endian µs", be, 0xa1b2c3d4, 1},
		{"little-endian ns", le, 0xa1b23c4d, 1000},
		{"big-endian ns", be, 0xa1b23c4d, 1000},
	} {
		fr, err := NewFileReader(bytes.NewReader(variantFile(c.order, c.magic, 2, 4, 1, 16, recs(c.scale))))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for {
			p, err := fr.Next()
			if err != nil {
				break
			}
			got = append(got, fmt.Sprintf("%s %d/%d %x", p.Info.Timestamp.Format(time.RFC3339Nano), p.Info.CaptureLength, p.Info.Length, p.Data[:1]))
		}
		if n := fr.ProblemCount(); n != 0 || len(got) != 3 {
			t.Fatalf("%s: %d frames, %d problems: %v", c.name, len(got), n, fr.Problems())
		}
		if want == nil {
			want = got
		} else if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", c.name, got, want)
		}
	}
}
