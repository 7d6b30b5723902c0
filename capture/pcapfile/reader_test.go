package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// readAll reads every packet and returns frame numbers, timestamps and the
// reader.
func readAll(t testing.TB, b []byte) ([]Packet, *FileReader) {
	t.Helper()
	fr, err := NewFileReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("NewFileReader: %v", err)
	}
	var out []Packet
	for {
		p, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		q := *p
		q.Data = append([]byte(nil), p.Data...)
		out = append(out, q)
	}
	return out, fr
}

func synthFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "synthetic", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pcapngBlock builds one pcapng block (little endian).
func pcapngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, n)
}

func shb() []byte {
	body := binary.LittleEndian.AppendUint32(nil, 0x1A2B3C4D)
	body = binary.LittleEndian.AppendUint16(body, 1)
	body = binary.LittleEndian.AppendUint16(body, 0)
	body = binary.LittleEndian.AppendUint64(body, ^uint64(0))
	return pcapngBlock(blockSHB, body)
}

func idb(linkType uint16, tsresol byte, name string) []byte {
	body := binary.LittleEndian.AppendUint16(nil, linkType)
	body = append(body, 0, 0)
	body = binary.LittleEndian.AppendUint32(body, 65535)
	opt := func(code uint16, v []byte) {
		body = binary.LittleEndian.AppendUint16(body, code)
		body = binary.LittleEndian.AppendUint16(body, uint16(len(v)))
		body = append(body, v...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	opt(2, []byte(name))
	if tsresol != 0 {
		opt(9, []byte{tsresol})
	}
	opt(0, nil)
	return pcapngBlock(blockIDB, body)
}

func epb(iface uint32, ts uint64, data []byte) []byte {
	body := binary.LittleEndian.AppendUint32(nil, iface)
	body = binary.LittleEndian.AppendUint32(body, uint32(ts>>32))
	body = binary.LittleEndian.AppendUint32(body, uint32(ts))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	return pcapngBlock(blockEPB, body)
}

// isbHead is an Interface Statistics Block's body up to its options.
func isbHead(iface uint32, ts uint64) []byte {
	body := binary.LittleEndian.AppendUint32(nil, iface)
	body = binary.LittleEndian.AppendUint32(body, uint32(ts>>32))
	return binary.LittleEndian.AppendUint32(body, uint32(ts))
}

func isb(iface uint32, ts uint64, recv, drop uint64) []byte {
	body := isbHead(iface, ts)
	for _, o := range []struct {
		code uint16
		v    uint64
	}{{4, recv}, {5, drop}} {
		body = binary.LittleEndian.AppendUint16(body, o.code)
		body = binary.LittleEndian.AppendUint16(body, 8)
		body = binary.LittleEndian.AppendUint64(body, o.v)
	}
	body = append(body, 0, 0, 0, 0)
	return pcapngBlock(blockISB, body)
}

var frame60 = bytes.Repeat([]byte{0xab}, 60)

func TestPcapngSectionsResolutionsStats(t *testing.T) {
	var f []byte
	// Section 1: interface 0 in microseconds (default), interface 1 in 2^-10 s.
	f = append(f, shb()...)
	f = append(f, idb(1, 0, "eth0")...)
	f = append(f, idb(1, 0x80|10, "eth1")...)
	f = append(f, epb(0, 1_700_000_000_123_456, frame60)...)
	f = append(f, epb(1, (1_700_000_000<<10)|512, frame60)...)
	f = append(f, isb(0, 1_700_000_001_000_000, 10, 3)...)
	f = append(f, pcapngBlock(blockCustom, append([]byte{0xd9, 0x7e, 0, 0}, "smcdump.kstat/v1\n{}"...))...)
	// Section 2: interface ids restart at 0; nanoseconds.
	f = append(f, shb()...)
	f = append(f, idb(276, 9, "any")...)
	f = append(f, epb(0, 1_700_000_002_000_000_001, frame60)...)
	pkts, fr := readAll(t, f)
	if len(pkts) != 3 {
		t.Fatalf("got %d packets, want 3", len(pkts))
	}
	want := []struct {
		ts    time.Time
		iface int
		lt    LinkType
		name  string
	}{
		{time.Unix(1_700_000_000, 123_456_000), 0, LinkTypeEthernet, "eth0"},
		{time.Unix(1_700_000_000, 500_000_000), 1, LinkTypeEthernet, "eth1"},
		{time.Unix(1_700_000_002, 1), 2, LinkTypeLinuxSLL2, "any"},
	}
	frames := []int{1, 2, 4} // the custom block is frame 3, as in Wireshark
	for i, w := range want {
		p := pkts[i]
		if !p.Info.Timestamp.Equal(w.ts) || p.Info.InterfaceIndex != w.iface || p.LinkType != w.lt || p.Interface != w.name || p.Frame != frames[i] {
			t.Errorf("packet %d: got ts %v iface %d lt %v name %q frame %d; want %v %d %v %q", i, p.Info.Timestamp, p.Info.InterfaceIndex, p.LinkType, p.Interface, p.Frame, w.ts, w.iface, w.lt, w.name)
		}
	}
	if st := fr.Stats(); len(st) != 1 || *st[0].IfRecv != 10 || *st[0].IfDrop != 3 {
		t.Errorf("stats = %+v", st)
	}
	if cb := fr.CustomBlocks(); len(cb) != 1 || cb[0].PEN != 32473 || !strings.HasPrefix(string(cb[0].Data), "smcdump.kstat/v1") {
		t.Errorf("custom blocks = %+v", cb)
	}
	if fr.ProblemCount() != 0 {
		t.Errorf("problems: %v", fr.Problems())
	}
}

func TestPcapngCorruptBlockIsSkipped(t *testing.T) {
	var f []byte
	f = append(f, shb()...)
	f = append(f, idb(1, 0, "eth0")...)
	f = append(f, epb(0, 1, frame60)...)
	bad := len(f)
	f = append(f, epb(0, 2, frame60)...)
	f = append(f, epb(0, 3, frame60)...)
	// Corrupt the second EPB's leading length.
	binary.LittleEndian.PutUint32(f[bad+4:], 0xfffffff0)
	pkts, fr := readAll(t, f)
	if len(pkts) != 2 || pkts[1].Info.Timestamp.Nanosecond() != 3000 {
		t.Fatalf("got %d packets (%v)", len(pkts), pkts)
	}
	if len(fr.Problems()) != 1 || fr.Problems()[0].Offset != int64(bad) {
		t.Fatalf("problems = %v, want one at offset %d", fr.Problems(), bad)
	}
}

func TestPcapngTruncatedAtEnd(t *testing.T) {
	var f []byte
	f = append(f, shb()...)
	f = append(f, idb(1, 0, "eth0")...)
	f = append(f, epb(0, 1, frame60)...)
	last := len(f)
	f = append(f, epb(0, 2, frame60)...)
	f = f[:len(f)-10]
	pkts, fr := readAll(t, f)
	if len(pkts) != 1 || len(fr.Problems()) != 1 || fr.Problems()[0].Offset != int64(last) {
		t.Fatalf("packets %d problems %v", len(pkts), fr.Problems())
	}
}

func TestPcapByteOrdersAndResolution(t *testing.T) {
	le := synthFile(t, "reassembly.pcap")
	pktsLE, _ := readAll(t, le)
	if len(pktsLE) == 0 {
		t.Fatal("no packets")
	}
	// Convert to big-endian microsecond pcap.
	be := make([]byte, 0, len(le))
	be = append(be, 0xa1, 0xb2, 0xc3, 0xd4)
	for i := 4; i < 24; i += 2 {
		if i >= 8 {
			break
		}
		be = append(be, le[i+1], le[i])
	}
	be = binary.BigEndian.AppendUint32(be, 0)
	be = binary.BigEndian.AppendUint32(be, 0)
	be = binary.BigEndian.AppendUint32(be, binary.LittleEndian.Uint32(le[16:]))
	be = binary.BigEndian.AppendUint32(be, binary.LittleEndian.Uint32(le[20:]))
	for off := 24; off < len(le); {
		n := int(binary.LittleEndian.Uint32(le[off+8:]))
		for k := 0; k < 16; k += 4 {
			be = binary.BigEndian.AppendUint32(be, binary.LittleEndian.Uint32(le[off+k:]))
		}
		be = append(be, le[off+16:off+16+n]...)
		off += 16 + n
	}
	pktsBE, _ := readAll(t, be)
	if len(pktsBE) != len(pktsLE) {
		t.Fatalf("BE %d packets, LE %d", len(pktsBE), len(pktsLE))
	}
	for i := range pktsBE {
		if !pktsBE[i].Info.Timestamp.Equal(pktsLE[i].Info.Timestamp) || !bytes.Equal(pktsBE[i].Data, pktsLE[i].Data) {
			t.Fatalf("packet %d differs", i)
		}
	}
	ns := synthFile(t, "smcd-v2-ipv6.pcap") // nanosecond magic
	if binary.LittleEndian.Uint32(ns) != 0xa1b23c4d {
		t.Fatal("fixture is not a nanosecond pcap")
	}
	if p, _ := readAll(t, ns); len(p) == 0 || p[0].LinkType != LinkTypeNull {
		t.Fatalf("ns pcap: %d packets", len(p))
	}
}

func TestPcapCorruptRecordResync(t *testing.T) {
	b := append([]byte(nil), synthFile(t, "reassembly.pcap")...)
	// Corrupt the third record's caplen.
	off := 24
	for i := 0; i < 2; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	total, _ := readAll(t, b)
	binary.LittleEndian.PutUint32(b[off+8:], 0x7fffffff)
	pkts, fr := readAll(t, b)
	if len(fr.Problems()) != 1 || fr.Problems()[0].Offset != int64(off) {
		t.Fatalf("problems %v, want one at %d", fr.Problems(), off)
	}
	if len(pkts) != len(total)-1 {
		t.Fatalf("read %d packets after resync, want %d", len(pkts), len(total)-1)
	}
}

func TestNotACapture(t *testing.T) {
	for name, in := range map[string][]byte{
		"empty":  nil,
		"text":   []byte("hello world, not a capture"),
		"short":  {0xd4, 0xc3},
		"badshb": append([]byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0}, make([]byte, 20)...),
	} {
		if _, err := NewFileReader(bytes.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := OpenFile(t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}

// fuzzMaxInput bounds the fuzz input: the reader's work is linear in its
// input, so larger inputs only make each execution slower.
const fuzzMaxInput = 32 << 10

// labSeeds returns small real captures cut from the lab traces (recorded by
// real kernels): the first blocks of each trace (the large counter-snapshot
// custom blocks left out, except one cut to size), the same as pcap, and
// damaged variants (a length past the end, a zero tail).
func labSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "lab", "out", "*", "*.pcapng"))
	for i, path := range paths {
		if i%4 != 0 { // a spread of scenarios and kernels is enough
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		_, sp := spans(tb, raw)
		var s []byte
		for _, b := range sp {
			if b.typ == blockCustom || b.typ == blockCustomN {
				continue
			}
			if len(s)+b.n > 6<<10 {
				break
			}
			s = append(s, raw[b.off:b.off+b.n]...)
		}
		out = append(out, s, sample(tb, toPcap(tb, s), 0))
		_, ssp := spans(tb, s)
		if len(ssp) > 4 {
			bad := append([]byte(nil), s...)
			binary.LittleEndian.PutUint32(bad[ssp[3].off+4:], uint32(len(s)))
			out = append(out, bad, append(append([]byte(nil), s...), make([]byte, 64)...))
		}
	}
	return out
}

// FuzzFileReader: any input either fails in NewFileReader or reads to EOF
// without panicking, within bounded work; the damage accounting adds up.
func FuzzFileReader(f *testing.F) {
	for _, n := range []string{"reassembly.pcap", "smcr-v2-link.pcapng", "smcd-v2-ipv6.pcap", "smcd-v1-sll2.pcap", "isb-dumpcap-microseconds.pcapng"} {
		if b := synthFile(f, n); len(b) <= fuzzMaxInput {
			f.Add(b)
		}
	}
	var ng []byte
	ng = append(ng, shb()...)
	ng = append(ng, idb(1, 0x80|10, "eth0")...)
	ng = append(ng, epb(0, 5, frame60)...)
	ng = append(ng, isb(0, 6, 1, 0)...)
	f.Add(ng)
	for _, s := range labSeeds(f) {
		f.Add(s)
	}
	// The cases a new user found (synthetic): unknown block types, a
	// damaged or late interface description, a zero-length pcap record,
	// implausible time stamps, an original length below the captured one.
	damagedIDB := idb(1, 0, "eth0")
	damagedIDB[len(damagedIDB)-4] ^= 0xff
	for _, blocks := range [][][]byte{
		{idb(1, 0, "eth0"), epb(0, t0, ethUDP), pcapngBlock(0xabcd, []byte("unknownblockbody")), pcapngBlock(0x123456, []byte{1, 2, 3, 4}), epb(0, t0+1, ethUDP)},
		{damagedIDB, idb(101, 0, "raw1"), epb(1, t0, rawUDP), epb(0, t0+1, ethUDP)},
		{epb(0, t0, ethUDP), idb(1, 0, "eth0"), epb(1, t0+2, rawUDP), idb(101, 0, "raw1"), epb(1, t0+3, rawUDP), epb(0, t0+4, ethUDP)},
		{retype(idb(1, 0, "eth0"), 70), idb(101, 0, "raw1"), epb(1, t0, rawUDP), epb(0, t0, ethUDP)},
		{idb(1, 0x80, "s"), epb(0, 16725225600, ethUDP), epb(0, 1<<63, ethUDP), epbLens(0, 1_700_000_000, ethUDP, 0)},
	} {
		g := shb()
		for _, b := range blocks {
			g = append(g, b...)
		}
		f.Add(g)
	}
	f.Add(pcapFile(65535, 1, [][3]uint32{{1_700_000_000, 60, 60}, {1_700_000_001, 0, 0}, {1_700_000_002, 0, 60}, {1_700_000_003, 60, 0}, {1_700_000_004, 0, 0}}))
	// time stamps out of line (timeline.go): ahead, behind, a pause
	f.Add(pcapFile(65535, 1, [][3]uint32{{1_700_000_000, 60, 60}, {1_800_000_000, 60, 60}, {1_700_000_001, 60, 60}, {1_600_000_000, 60, 60}, {1_700_000_002, 60, 60}, {1_700_003_600, 60, 60}, {1_700_003_601, 60, 60}, {1_700_003_602, 60, 60}, {1_800_000_000, 60, 60}}))
	// pcap variants (pcapvariant.go), synthetic.
	recs := [][5]uint32{{1_700_000_000, 1, 60, 60, 60}, {1_700_000_001, 2, 1500, 100, 100}, {1_700_000_002, 3, 42, 42, 42}}
	f.Add(variantFile(binary.LittleEndian, magicModified, 2, 4, 1, 24, recs))
	f.Add(variantFile(binary.BigEndian, magicModified, 2, 4, 1, 28, recs))
	f.Add(variantFile(binary.LittleEndian, 0xa1b2c3d4, 2, 4, 1, 24, recs))
	f.Add(variantFile(binary.LittleEndian, 0xa1b2c3d4, 2, 4, 1, 20, recs))
	f.Add(variantFile(binary.LittleEndian, 0xa1b2c3d4, 2, 2, 6, 16, recs))
	f.Add(variantFile(binary.LittleEndian, 0xa1b2c3d4, 2, 3, 1, 16, recs))
	// Compressed captures (compressed.go): the decompressed stream is
	// capped, since a few bytes of zstd can stand for gigabytes.
	for _, c := range readCompressions {
		if z, ok := compressWith(f, c, synthFile(f, "smcd-v2-ipv6.pcap")); ok {
			f.Add(z)
		}
	}
	const maxDecompressed = 4 * fuzzMaxInput
	defer func(old int64) { decompressLimit = old }(decompressLimit)
	decompressLimit = maxDecompressed
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > fuzzMaxInput {
			b = b[:fuzzMaxInput]
		}
		fr, err := NewFileReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		size := len(b)
		if fr.Compression() != "" {
			size = maxDecompressed
		}
		for i := 0; ; i++ {
			p, err := fr.Next()
			if err != nil {
				break
			}
			if i > size {
				t.Fatalf("more packets than bytes")
			}
			if len(p.Data) != p.Info.CaptureLength {
				t.Fatalf("caplen %d but %d bytes", p.Info.CaptureLength, len(p.Data))
			}
			if p.Info.Length < p.Info.CaptureLength {
				t.Fatalf("length %d below caplen %d", p.Info.Length, p.Info.CaptureLength)
			}
		}
		if n := fr.Notes(); fr.NoteCount() < len(n) || len(n) > maxProblems {
			t.Fatalf("%d notes kept, %d counted", len(n), fr.NoteCount())
		}
		regions, skipped := fr.Damage()
		if regions != fr.ProblemCount() || skipped < 0 || skipped > int64(size) {
			t.Fatalf("damage %d regions %d bytes, %d problems, %d input bytes", regions, skipped, fr.ProblemCount(), len(b))
		}
		if fr.Compression() == "" {
			samePcapPaths(t, b)
		}
		fuzzHeldSame(t, b)
	})
}

// fuzzHeldSame: holding times in line (HoldImplausibleTimes, timeline.go)
// returns the same frames with the same bytes in the same order, and the
// same problems; only times differ.
func fuzzHeldSame(t *testing.T, b []byte) {
	read := func(hold bool) (frames []int, data [][]byte, fr *FileReader) {
		fr, err := NewFileReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err) // it opened before
		}
		fr.HoldImplausibleTimes = hold
		for {
			p, err := fr.Next()
			if err != nil {
				return frames, data, fr
			}
			frames = append(frames, p.Frame)
			data = append(data, bytes.Clone(p.Data))
		}
	}
	f1, d1, r1 := read(false)
	f2, d2, r2 := read(true)
	if !slices.Equal(f1, f2) || len(d1) != len(d2) {
		t.Fatalf("frames %v, held %v", f1, f2)
	}
	for i := range d1 {
		if !bytes.Equal(d1[i], d2[i]) {
			t.Fatalf("frame %d: bytes differ when held", f1[i])
		}
	}
	if r1.ProblemCount() != r2.ProblemCount() || r2.NoteCount() < r1.NoteCount() {
		t.Fatalf("problems %d, held %d; notes %d, held %d", r1.ProblemCount(), r2.ProblemCount(), r1.NoteCount(), r2.NoteCount())
	}
}

// samePcapPaths reads b twice in lockstep, with nextPcap's fast path and
// with its general path only, and fails unless both give the same frames,
// notes and damage.
func samePcapPaths(t *testing.T, b []byte) {
	t.Helper()
	ffr, err := NewFileReader(bytes.NewReader(b))
	if err != nil {
		return
	}
	sfr, err := NewFileReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	sfr.noFastPath = true
	sameReads(t, ffr, sfr, len(b)+1, "fast path", "general path")
}

// testCaptures returns the pcap and pcapng files under the repository's
// testdata directories.
func testCaptures(t *testing.T) []string {
	var files []string
	for _, dir := range []string{"testdata", "../../testdata", "../../analyze/testdata", "../../cmd/smcdump/testdata"} {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".pcap") || strings.HasSuffix(path, ".pcapng")) {
				files = append(files, path)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Fatal("no captures under testdata")
	}
	return files
}

// sameReads reads a and b (at most limit frames) and fails at the first
// frame, error, problem or note in which they differ; an and bn name the
// two ways of reading.
func sameReads(t *testing.T, a, b *FileReader, limit int, an, bn string) {
	t.Helper()
	for i := 1; i <= limit; i++ {
		ap, aerr := a.Next()
		bp, berr := b.Next()
		if (aerr == nil) != (berr == nil) {
			t.Fatalf("read %d: %s error %v, %s %v", i, an, aerr, bn, berr)
		}
		if aerr != nil {
			break
		}
		if ap.Frame != bp.Frame || !ap.Info.Timestamp.Equal(bp.Info.Timestamp) || ap.Info.Timestamp.Location() != bp.Info.Timestamp.Location() ||
			ap.Info.CaptureLength != bp.Info.CaptureLength || ap.Info.Length != bp.Info.Length || ap.Info.PcapTS != bp.Info.PcapTS ||
			ap.LinkType != bp.LinkType || ap.Direction != bp.Direction || ap.Info.InterfaceIndex != bp.Info.InterfaceIndex ||
			!bytes.Equal(ap.Data, bp.Data) {
			t.Fatalf("read %d: %s frame %d %v %d/%d, %s frame %d %v %d/%d", i,
				an, ap.Frame, ap.Info.Timestamp, ap.Info.CaptureLength, ap.Info.Length, bn, bp.Frame, bp.Info.Timestamp, bp.Info.CaptureLength, bp.Info.Length)
		}
	}
	if x, y := fmt.Sprint(a.Problems(), a.Notes()), fmt.Sprint(b.Problems(), b.Notes()); x != y {
		t.Fatalf("%s problems and notes %s, %s %s", an, x, bn, y)
	}
}

// TestPcapFastPathSame reads every capture under the repository's
// testdata with and without nextPcap's fast path (samePcapPaths), and
// synthetic pcap files with the cases the fast path leaves to the general
// path: records cut short, odd fractions, time jumps, zero records, a
// damaged length and a record cut by the end of the file.
func TestPcapFastPathSame(t *testing.T) {
	for _, name := range testCaptures(t) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { samePcapPaths(t, b) })
	}
	cases := map[string][][3]uint32{
		"cut":        {{1_700_000_000, 60, 1500}, {1_700_000_001, 60, 1500}, {1_700_000_002, 40, 1500}, {1_700_000_003, 60, 60}},
		"zero":       {{1_700_000_000, 60, 60}, {1_700_000_001, 0, 0}, {1_700_000_002, 60, 60}},
		"timejump":   {{1_700_000_000, 60, 60}, {1_800_000_000, 60, 60}, {1_700_000_001, 60, 60}, {1_700_000_002, 60, 60}},
		"biglen":     {{1_700_000_000, 60, 60}, {1_700_000_001, 70000, 70000}, {1_700_000_002, 60, 60}},
		"origbelow":  {{1_700_000_000, 60, 40}, {1_700_000_001, 60, 60}},
		"hugeorig":   {{1_700_000_000, 60, 1 << 23}, {1_700_000_001, 60, 60}},
		"endcut":     {{1_700_000_000, 60, 60}, {1_700_000_001, 60, 60}},
		"oversnap":   {{1_700_000_000, 60, 60}, {1_700_000_001, 200, 200}, {1_700_000_002, 60, 60}},
		"alltheway":  {{1_700_000_000, 60, 60}},
		"emptyfirst": {{1_700_000_000, 0, 0}, {1_700_000_000, 60, 60}},
	}
	for name, recs := range cases {
		b := pcapFile(100, 1, recs)
		switch name {
		case "endcut":
			b = b[:len(b)-7]
		case "biglen":
			b = append(b, make([]byte, 8)...)
		}
		t.Run(name, func(t *testing.T) { samePcapPaths(t, b) })
		frac := bytes.Clone(b)
		binary.LittleEndian.PutUint32(frac[24+4:], 2_000_000) // the first fraction out of range
		t.Run(name+"/frac", func(t *testing.T) { samePcapPaths(t, frac) })
	}
}

// pcapFile builds a little-endian µs pcap with the given snaplen, link type
// and records {sec, caplen, len}.
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

// TestPcapOdditiesAreNotCorruption: what libpcap reads, smcdump reads too.
func TestPcapOdditiesAreNotCorruption(t *testing.T) {
	recs := [][3]uint32{
		{1_700_000_000, 60, 60},
		{1_700_900_000, 60, 60},   // more than a day later (clock step, long idle)
		{1_700_900_001, 100, 100}, // larger than the snaplen of 64
		{1_700_900_002, 60, 0},    // original length 0
		{1_700_900_003, 60, 60},
	}
	pkts, fr := readAll(t, pcapFile(64, 1|1<<26, recs)) // FCS flag bits set in the link type
	if len(pkts) != len(recs) {
		t.Fatalf("read %d of %d records; problems %v", len(pkts), len(recs), fr.Problems())
	}
	if pkts[0].LinkType != LinkTypeEthernet {
		t.Errorf("link type %v, want Ethernet (FCS bits masked)", pkts[0].LinkType)
	}
}

// TestPcapngImplausibleTimestamp: a time stamp before 1970 or after 2200
// is what the file says: it is returned as it is (tshark and tcpdump show
// it) and noted once per interface with a count, not damage; with
// HoldImplausibleTimes (analyses) the previous packet's time is used
// (synthetic file).
func TestPcapngImplausibleTimestamp(t *testing.T) {
	var f []byte
	f = append(f, shb()...)
	f = append(f, idb(1, 0, "eth0")...)
	f = append(f, epb(0, 1_700_000_000_000_000, frame60)...)
	f = append(f, idb(1, 0x80 /* base 2, exponent 0 */, "bad")...) // 1 tick = 1 s: µs data becomes year 50 million
	f = append(f, epb(1, 1_700_000_000_000_000, frame60)...)
	f = append(f, epb(1, 1_700_000_000_000_001, frame60)...)
	f = append(f, epb(1, 16725225600, frame60)...) // 2500-01-01
	// if_tsoffset -315619200 s: 1960-01-01 at time stamp 0
	f = append(f, pcapngBlock(1, append([]byte{1, 0, 0, 0, 0, 0, 0, 0, 14, 0, 8, 0}, binary.LittleEndian.AppendUint64(nil, uint64(0xFFFFFFFFED300880))...))...)
	f = append(f, epb(2, 0, frame60)...)
	for _, hold := range []bool{false, true} {
		fr, ts := readTimes(t, f, hold)
		if len(ts) != 5 || fr.ProblemCount() != 0 || fr.NoteCount() != 2 {
			t.Fatalf("hold %v: packets %d problems %v notes %v", hold, len(ts), fr.Problems(), fr.Notes())
		}
		if n := fr.Notes(); !strings.Contains(n[0].Msg, "and 2 more") || !strings.Contains(n[1].Msg, "1960-01-01 00:00:00") {
			t.Errorf("notes %v", n)
		}
		for i := 1; i < 5; i++ {
			switch {
			case hold && !ts[i].Equal(ts[0]):
				t.Errorf("hold: packet %d at %v, want the previous packet's time %v", i, ts[i], ts[0])
			case !hold && ts[i].Equal(ts[0]):
				t.Errorf("packet %d at %v, want its own time", i, ts[i])
			}
		}
		if !hold && (ts[3].Year() != 2500 || ts[4].Year() != 1960) {
			t.Errorf("times %v, want 2500 and 1960", ts)
		}
	}
}

// TestPlausibleTime: the Unix-seconds test agrees with the calendar years
// 1970 to 2200 at both ends, in UTC and in another zone.
func TestPlausibleTime(t *testing.T) {
	zone := time.FixedZone("east", 5*3600)
	for _, tc := range []time.Time{
		time.Unix(-1, 999999999), time.Unix(0, 0), time.Unix(1_700_000_000, 5),
		time.Date(2200, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(2201, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1<<40, 0), time.Unix(-1<<40, 0),
	} {
		for _, tt := range []time.Time{tc.UTC(), tc.In(zone)} {
			y := tt.Year()
			if got, want := plausibleTime(tt), y >= 1970 && y <= 2200; got != want {
				t.Errorf("plausibleTime(%v) = %v, want %v", tt, got, want)
			}
		}
	}
}
