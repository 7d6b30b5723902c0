package analyze

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// The fuzz targets of the analyzer's outputs (FuzzAnalyzer, FuzzPrinter,
// FuzzReportText, FuzzReportJSON) share one input format: a sequence of
// Ethernet frames, each preceded by its length in one byte. Inputs are
// capped at maxFuzzInput so one execution stays cheap (thousands per
// second); seeds: testdata/fuzz/<target> (real lab frames, see
// TestWriteFuzzSeeds) and the fragment trains below.
const maxFuzzInput = 16 << 10

// fuzzFrames splits the shared input format.
func fuzzFrames(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		l := min(int(b[0]), len(b)-1)
		out = append(out, b[1:1+l])
		b = b[1+l:]
	}
	return out
}

// fuzzSeq joins frames in the shared input format (frames longer than 255
// bytes are cut, as a snaplen would).
func fuzzSeq(frames [][]byte) []byte {
	var b []byte
	for _, f := range frames {
		f = f[:min(len(f), 255)]
		b = append(append(b, byte(len(f))), f...)
	}
	return b
}

// fuzzPcap renders the frames as a pcap file (Ethernet, microseconds), a
// millisecond apart per byte of length, so the whole file path (reader,
// analyzer, report) runs on them.
func fuzzPcap(frames [][]byte) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(b[4:], 2)
	binary.LittleEndian.PutUint16(b[6:], 4)
	binary.LittleEndian.PutUint32(b[16:], 262144)
	binary.LittleEndian.PutUint32(b[20:], 1)
	ts := synth.Start
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

// fragTrainSeeds are fragmented UDP datagrams in the situations the
// reassembly must survive: an IP ID reused after a lost last fragment (the
// hang of issue 9), overlaps, duplicates, out-of-order, lost first or last
// fragment, a fragment reaching past 64 KiB. Frames are small (the input
// format's lengths are one byte).
func fragTrainSeeds() [][]byte {
	src := netip.MustParseAddrPort("10.0.0.1:4000")
	dst := netip.MustParseAddrPort("239.0.0.1:5000")
	eth := []byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00}
	frags := func(id uint16, seq, n int) [][]byte {
		msg := make([]byte, n)
		copy(msg, "Message "+string(rune('0'+seq%10))+"\x00")
		var out [][]byte
		for _, ip := range synth.IPv4Fragments(id, src, dst, msg, 64) {
			out = append(out, append(append([]byte(nil), eth...), ip...))
		}
		return out
	}
	join := func(parts ...[][]byte) []byte {
		var all [][]byte
		for _, p := range parts {
			all = append(all, p...)
		}
		return fuzzSeq(all)
	}
	a, b := frags(7, 1, 200), frags(7, 2, 120)
	c := frags(8, 3, 200)
	reversed := [][]byte{c[3], c[2], c[1], c[0]}
	overlap := append([]byte(nil), c[1]...)
	binary.BigEndian.PutUint16(overlap[14+6:], 0x2000|4) // offset 32: overlaps fragment 0
	past := append([]byte(nil), c[1]...)
	binary.BigEndian.PutUint16(past[14+6:], 0x1fff) // last fragment at 65528
	return [][]byte{
		join(a[:len(a)-1], b),                 // ID reuse after a lost last fragment, shorter datagram
		join(a[:len(a)-1], frags(7, 4, 200)),  // ID reuse, same size
		join(reversed),                        // out of order
		join(c[:1], c[:1], c[1:]),             // duplicate
		join(c[:1], [][]byte{overlap}, c[1:]), // overlap
		join(c[1:]),                           // lost first
		join(c[:1], [][]byte{past}),           // past 64 KiB
		join(a, c, b),
	}
}

// FuzzPrinter runs the read -r printer over frame sequences with every
// combination of its options: it must never panic, and in JSON mode every
// line must be one JSON object.
func FuzzPrinter(f *testing.F) {
	for _, s := range fragTrainSeeds() {
		f.Add(s, uint8(0x1f))
	}
	f.Fuzz(func(t *testing.T, b []byte, opts uint8) {
		if len(b) > maxFuzzInput {
			return
		}
		po := PrintOptions{Verbose: int(opts & 3), LinkHeader: opts&4 != 0, Hex: opts&8 != 0, Quiet: opts&16 != 0,
			JSON: opts&32 != 0, Number: opts&64 != 0, AbsoluteSeq: opts&128 != 0, DateTime: opts&1 != 0}
		var out bytes.Buffer
		p := NewPrinter(&out, po)
		ts := synth.Start
		for n, fr := range fuzzFrames(b) {
			ts = ts.Add(time.Millisecond)
			pkt := &pcapfile.Packet{Frame: n + 1, LinkType: pcapfile.LinkTypeEthernet, Data: fr, Info: pcapfile.CaptureInfo{Timestamp: ts, CaptureLength: len(fr), Length: len(fr) + int(opts&1)}}
			if err := p.PrintPacket(pkt); err != nil {
				t.Fatal(err)
			}
		}
		if po.JSON {
			sc := bufio.NewScanner(&out)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if !json.Valid(sc.Bytes()) {
					t.Fatalf("not JSON: %s", sc.Text())
				}
			}
		}
	})
}

// analyzeFuzz runs the whole analyzer over the frames as one pcap file.
func analyzeFuzz(t *testing.T, frames [][]byte) *report.Report {
	return analyzeMemory(t, "fuzz.pcap", fuzzPcap(frames), Config{All: true})
}

// FuzzReportText runs the analyzer and the text report (with and without
// evidence, with a connection limit) over frame sequences: no panic, and
// the report always starts with the file line.
func FuzzReportText(f *testing.F) {
	for _, s := range fragTrainSeeds() {
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, b []byte, opts uint8) {
		if len(b) > maxFuzzInput {
			return
		}
		rep := analyzeFuzz(t, fuzzFrames(b))
		var out bytes.Buffer
		if err := rep.WriteText(&out, report.TextOptions{Evidence: opts&1 != 0}); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), "fuzz.pcap: ") {
			t.Fatalf("report does not start with the file line:\n%s", out.String())
		}
	})
}

// FuzzReportJSON runs the analyzer and the JSON report over frame
// sequences: the output is valid JSON that decodes into a Report, and the
// same input gives the same bytes (deterministic output).
func FuzzReportJSON(f *testing.F) {
	for _, s := range fragTrainSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		frames := fuzzFrames(b)
		var j1, j2 bytes.Buffer
		if err := analyzeFuzz(t, frames).WriteJSON(&j1); err != nil {
			t.Fatal(err)
		}
		if err := analyzeFuzz(t, frames).WriteJSON(&j2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(j1.Bytes(), j2.Bytes()) {
			t.Fatal("JSON report differs between two runs over the same input")
		}
		var rep report.Report
		if err := json.Unmarshal(j1.Bytes(), &rep); err != nil {
			t.Fatalf("JSON report does not decode: %v\n%s", err, j1.String())
		}
	})
}
