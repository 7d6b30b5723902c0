package pcapfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/smcdump/smcdump/internal/parbz2"
	"github.com/smcdump/smcdump/internal/publicdata"
)

// compressWith compresses b as the named tool writes it: gzip, zstd and lz4
// with the libraries' writers (the formats are the command-line tools'),
// bzip2 with the bzip2 command (the standard library only decompresses);
// ok is false when the command is missing.
func compressWith(t testing.TB, name string, b []byte) (out []byte, ok bool) {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch name {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zstd":
		z, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
		if err != nil {
			t.Fatal(err)
		}
		w = z
	case "lz4":
		w = lz4.NewWriter(&buf)
	case "bzip2", "xz":
		if _, err := exec.LookPath(name); err != nil {
			t.Logf("%s not installed (Debian package %s): not testing %s-compressed files", name, map[string]string{"bzip2": "bzip2", "xz": "xz-utils"}[name], name)
			return nil, false
		}
		cmd := exec.Command(name, "-c")
		cmd.Stdin = bytes.NewReader(b)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return out, true
	default:
		t.Fatalf("no compressor %s", name)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), true
}

var readCompressions = []string{"gzip", "zstd", "lz4", "bzip2"}

// eachCompression calls f with the synthetic trace name compressed by each
// codec (those whose compressor is available) and the packets of the
// plain file.
func eachCompression(t *testing.T, name string, f func(c string, z []byte, want []Packet)) {
	t.Helper()
	plain := synthFile(t, name)
	want, _ := readAll(t, plain)
	for _, c := range readCompressions {
		if z, ok := compressWith(t, c, plain); ok {
			f(c, z, want)
		}
	}
}

// drain reads fr to its end (or its first error) and returns copies of
// the packets.
func drain(fr *FileReader) []Packet {
	var out []Packet
	for {
		p, err := fr.Next()
		if err != nil {
			return out
		}
		q := *p
		q.Data = append([]byte(nil), p.Data...)
		out = append(out, q)
	}
}

// repositoryTraces are the synthetic scenarios and the lab's real-kernel
// traces (pcap and pcapng).
func repositoryTraces(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, g := range []string{
		filepath.Join("..", "..", "testdata", "synthetic", "*.pcap*"),
		filepath.Join("..", "..", "testdata", "lab", "out", "*", "*.pcapng"),
	} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d traces found", len(files))
	}
	return files
}

// TestCompressedReadsAlike reads every trace of the repository, and the
// public sample captures (other tools' files) when present, plain and
// compressed with each codec: the packets, interfaces, statistics, custom
// blocks and problems must be the same, and Compression must name the
// codec. tshark (which reads gzip, zstd and lz4) reads some of the
// compressed files with the same packet count.
func TestCompressedReadsAlike(t *testing.T) {
	files := repositoryTraces(t)
	if dir := publicdata.Dir(); dir != "" {
		public, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		files = append(files, public...)
	} else {
		t.Logf("public sample captures not found (%s): reading the repository's traces only", publicdata.EnvVar)
	}
	checked := map[string]bool{}
	for _, f := range files {
		plain, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := readEverything(t, plain)
		for _, c := range readCompressions {
			z, ok := compressWith(t, c, plain)
			if !ok {
				continue
			}
			if got := CompressionOf(z); got != c {
				t.Fatalf("%s: CompressionOf = %q, want %q", f, got, c)
			}
			fr, err := NewFileReader(bytes.NewReader(z))
			if err != nil {
				t.Fatalf("%s (%s): %v", f, c, err)
			}
			if fr.Compression() != c {
				t.Errorf("%s: Compression() = %q, want %q", f, fr.Compression(), c)
			}
			got := readEverything(t, z)
			if !reflect.DeepEqual(want, got) {
				t.Errorf("%s: %s-compressed reads differently: %d/%d packets, problems %v / %v", f, c, len(want.Packets), len(got.Packets), want.Problems, got.Problems)
			}
			if c != "bzip2" && !checked[c] && strings.HasSuffix(f, ".pcapng") && len(want.Custom) > 0 {
				checked[c] = true // one lab trace per codec: tshark takes a second each
				p := filepath.Join(t.TempDir(), filepath.Base(f)+"."+c)
				if err := os.WriteFile(p, z, 0o644); err != nil {
					t.Fatal(err)
				}
				tsharkCount(t, p, len(want.Packets))
			}
		}
	}
}

// TestCompressedOpenFile reads a compressed file by name: the file is not
// mapped (the reader reads the decompressed stream) and Close releases the
// decompressor.
func TestCompressedOpenFile(t *testing.T) {
	eachCompression(t, "smcr-v2-link.pcapng", func(c string, z []byte, want []Packet) {
		p := filepath.Join(t.TempDir(), "trace") // no extension: the magic decides
		if err := os.WriteFile(p, z, 0o644); err != nil {
			t.Fatal(err)
		}
		fr, err := OpenFile(p, nil)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if fr.r.file != nil {
			t.Errorf("%s: the compressed file would be mapped", c)
		}
		if got := drain(fr); !reflect.DeepEqual(got, want) || fr.ProblemCount() != 0 {
			t.Errorf("%s: %d packets (want %d), problems %v", c, len(got), len(want), fr.Problems())
		}
		if err := fr.Close(); err != nil {
			t.Errorf("%s: Close: %v", c, err)
		}
	})
}

// TestCompressedCutShort cuts each compressed file at many points (as a
// rotation still being compressed, or a copy interrupted, leaves it):
// either the reader refuses it with an error saying the data ends early,
// or it returns a prefix of the packets and reports, as damage, where the
// decompressed data stops. It never reports a packet that is not in the
// file.
func TestCompressedCutShort(t *testing.T) {
	eachCompression(t, "smcr-v2-link.pcapng", func(c string, z []byte, want []Packet) {
		sawPrefix := false
		for cut := 4; cut < len(z); cut += max(1, len(z)/97) { // from 4: the magic numbers
			fr, err := NewFileReader(bytes.NewReader(z[:cut]))
			if err != nil {
				if !strings.Contains(err.Error(), c+"-compressed") {
					t.Fatalf("%s cut at %d: error %q does not name the compression", c, cut, err)
				}
				continue
			}
			got := drain(fr)
			if len(got) > len(want) || len(got) > 0 && !reflect.DeepEqual(got, want[:len(got)]) {
				t.Fatalf("%s cut at %d: %d packets, not a prefix of the file's %d", c, cut, len(got), len(want))
			}
			sawPrefix = sawPrefix || len(got) > 0
			found := false
			for _, p := range fr.Problems() {
				found = found || strings.Contains(p.Msg, "the "+c+" data ends early")
			}
			if !found {
				t.Fatalf("%s cut at %d: no problem says the data ends early: %v", c, cut, fr.Problems())
			}
		}
		if !sawPrefix && c == "gzip" {
			t.Errorf("%s: no cut returned any packet (gzip streams: every cut after the first block should)", c)
		}
	})
}

// TestCompressedDamaged flips bytes inside each compressed file: the reader
// never panics, and a file it opens either reads alike (the damage was in
// a place the format does not check) or reports the damage.
func TestCompressedDamaged(t *testing.T) {
	eachCompression(t, "smcr-v2-link.pcapng", func(c string, z []byte, want []Packet) {
		for off := 4; off < len(z); off += max(1, len(z)/61) {
			d := append([]byte(nil), z...)
			d[off] ^= 0x5a
			fr, err := NewFileReader(bytes.NewReader(d))
			if err != nil {
				continue
			}
			if n := len(drain(fr)); fr.ProblemCount() == 0 && n != len(want) {
				t.Errorf("%s damaged at %d: %d packets of %d and no problem reported", c, off, n, len(want))
			}
		}
	})
}

// TestCompressionRefused: xz is recognised and refused with the reason and
// the way around it; data compressed but holding no capture says so.
func TestCompressionRefused(t *testing.T) {
	plain := synthFile(t, "reassembly.pcap")
	if xz, ok := compressWith(t, "xz", plain); ok {
		_, err := NewFileReader(bytes.NewReader(xz))
		if err == nil || !strings.Contains(err.Error(), "xz-compressed: not read") || !strings.Contains(err.Error(), "xz -dc") {
			t.Errorf("xz: error %v", err)
		}
	}
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{nil, "gzip-compressed empty file"},
		{[]byte("hello, world\n"), "gzip-compressed, but what it holds is not a pcap or pcapng file"},
	} {
		z, _ := compressWith(t, "gzip", tc.data)
		_, err := NewFileReader(bytes.NewReader(z))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.data, err, tc.want)
		}
	}
	if _, err := NewFileReader(bytes.NewReader([]byte{0x1f, 0x8b})); err == nil || !strings.Contains(err.Error(), "gzip-compressed") {
		t.Errorf("two bytes of gzip magic: error %v", err)
	}
	for head, want := range map[string]string{"\x1f\x8b\x08": "gzip", "\x28\xb5\x2f\xfd": "zstd", "\x04\x22\x4d\x18": "lz4", "\x02\x21\x4c\x18": "lz4", "BZh9": "bzip2", "BZhx": "", "\xfd7zXZ\x00": "xz", "\xd4\xc3\xb2\xa1": "", "": ""} {
		if got := CompressionOf([]byte(head)); got != want {
			t.Errorf("CompressionOf(%q) = %q, want %q", head, got, want)
		}
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReadErrorReported: a read error of the input (a failing disk, a
// network file system) ends the input where it happens, and is reported
// as damage at that offset with the error, not taken for the end of the
// file.
func TestReadErrorReported(t *testing.T) {
	plain := synthFile(t, "smcr-v2-link.pcapng")
	want, _ := readAll(t, plain)
	cut := len(plain) * 2 / 3
	eio := errors.New("input/output error")
	fr, err := NewFileReaderSize(&failingReader{data: plain[:cut], err: eio}, 4096)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := fr.Next(); err != nil {
			if err != io.EOF {
				t.Fatalf("Next: %v (the error is reported as a problem, Next ends with EOF)", err)
			}
			break
		}
		n++
	}
	if n == 0 || n >= len(want) {
		t.Fatalf("%d packets of %d", n, len(want))
	}
	ps := fr.Problems()
	last := ps[len(ps)-1]
	if last.Offset != int64(cut) || !strings.Contains(last.Msg, "read error (input/output error)") {
		t.Errorf("problems %v: want the read error at offset %d", ps, cut)
	}
}

// TestDamagedSHBNotTakenForGzip: a pcapng file whose first block type was
// damaged into a gzip magic still has the pcapng byte-order magic at
// offset 8, and is salvaged as a damaged pcapng file, not refused as
// broken gzip.
func TestDamagedSHBNotTakenForGzip(t *testing.T) {
	d := append([]byte(nil), synthFile(t, "smcr-v2-link.pcapng")...)
	d[0], d[1] = 0x1f, 0x8b
	pkts, fr := readAll(t, d)
	if fr.Compression() != "" || len(pkts) == 0 || fr.ProblemCount() == 0 || !strings.Contains(fr.Problems()[0].Msg, "section header block type") {
		t.Errorf("compression %q, %d packets, problems %v", fr.Compression(), len(pkts), fr.Problems())
	}
}

// TestLz4Legacy: the legacy lz4 format (lz4 -l, the Linux kernel's
// compressor's format) is read like the frame format.
func TestLz4Legacy(t *testing.T) {
	plain := synthFile(t, "smcr-v2-link.pcapng")
	want, _ := readAll(t, plain)
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	if err := w.Apply(lz4.LegacyOption(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte{0x02, 0x21, 0x4c, 0x18}) {
		t.Fatalf("not the legacy format: % x", buf.Bytes()[:4])
	}
	got, fr := readAll(t, buf.Bytes())
	if fr.Compression() != "lz4" || !reflect.DeepEqual(got, want) || fr.ProblemCount() > 0 {
		t.Errorf("compression %q, %d packets of %d, problems %v", fr.Compression(), len(got), len(want), fr.Problems())
	}
}

// TestGzipTrailingGarbage: bytes after a complete gzip file that are not
// another member are named as such (gzip: "trailing garbage ignored"),
// not as data cut short, and every packet is read; a second member is
// read on.
func TestGzipTrailingGarbage(t *testing.T) {
	eachCompression(t, "smcr-v2-link.pcapng", func(c string, z []byte, want []Packet) {
		if c != "gzip" {
			return
		}
		for _, tail := range []string{"garbage\n", "not gzip at all, and longer than a header"} {
			fr, err := NewFileReader(bytes.NewReader(append(append([]byte(nil), z...), tail...)))
			if err != nil {
				t.Fatal(err)
			}
			got := drain(fr)
			p := fr.Problems()
			if len(got) != len(want) || len(p) != 1 || !strings.Contains(p[0].Msg, "trailing garbage") {
				t.Errorf("tail %q: %d of %d packets, problems %v", tail, len(got), len(want), p)
			}
		}
	})
}

// TestZstdChecksumTail: a zstd file cut inside its 4-byte frame checksum,
// or whose checksum does not match, still gives every packet (zstd -dc
// writes them all too), and the problem comes after the last one.
func TestZstdChecksumTail(t *testing.T) {
	plain := synthFile(t, "smcr-v2-link.pcapng")
	want, _ := readAll(t, plain)
	z, ok := compressWith(t, "zstd", plain)
	if !ok {
		t.Skip("no zstd encoder")
	}
	bad := append([]byte(nil), z...)
	bad[len(bad)-1] ^= 0xff // the last byte of the checksum
	for name, c := range map[string]struct {
		data []byte
		msg  string
	}{
		"cut 1":    {z[:len(z)-1], "the zstd data ends early"},
		"cut 4":    {z[:len(z)-4], "the zstd data ends early"},
		"mismatch": {bad, "checksum does not match"},
	} {
		fr, err := NewFileReader(bytes.NewReader(c.data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := drain(fr); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d packets, want all %d", name, len(got), len(want))
		}
		probs := fr.Problems()
		if len(probs) != 1 || !strings.Contains(probs[0].Msg, c.msg) || probs[0].Offset != int64(len(plain)) {
			t.Errorf("%s: problems %v, want one at decompressed offset %d saying %q", name, probs, len(plain), c.msg)
		}
	}
}

// TestBzip2FileParallel reads a bzip2 file of many blocks by name (the
// blocks decoded on several processors, internal/parbz2) and the same bytes
// as a stream (compress/bzip2 alone): the packets, interfaces, statistics,
// custom blocks and problems are the same, whole and cut short at many
// points (the problem then says where the decompressed data stops).
func TestBzip2FileParallel(t *testing.T) {
	if parbz2.Workers() == 0 {
		t.Skip("one processor: bzip2 files are decoded sequentially")
	}
	plain, err := os.ReadFile(filepath.Join("..", "..", "testdata", "lab", "out", "6.1", "g-many.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("bzip2"); err != nil {
		t.Skip("bzip2 not installed (Debian package bzip2)")
	}
	// bzip2 -1: blocks of 100 kB, about 30 of them.
	cmd := exec.Command("bzip2", "-1", "-c")
	cmd.Stdin = bytes.NewReader(plain)
	z, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "many.pcapng.bz2")
	readFile := func(b []byte) readResult {
		t.Helper()
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		fr, err := OpenFile(p, nil)
		if err != nil {
			return readResult{Problems: []Problem{{Msg: strings.TrimPrefix(err.Error(), p+": ")}}}
		}
		defer fr.Close()
		if _, par := fr.decompCloser.(*parbz2.Reader); !par {
			t.Fatal("the bzip2 file is not read by parbz2")
		}
		got := drain(fr)
		return readResult{got, fr.Interfaces(), fr.Stats(), fr.CustomBlocks(), fr.Problems()}
	}
	readStream := func(b []byte) readResult {
		t.Helper()
		fr, err := NewFileReader(bytes.NewReader(b))
		if err != nil {
			return readResult{Problems: []Problem{{Msg: err.Error()}}}
		}
		got := drain(fr)
		return readResult{got, fr.Interfaces(), fr.Stats(), fr.CustomBlocks(), fr.Problems()}
	}
	if err := os.WriteFile(p, z, 0o644); err != nil {
		t.Fatal(err)
	}
	if fr, err := OpenFileWith(p, nil, OpenOptions{OneCPU: true}); err != nil {
		t.Fatal(err)
	} else {
		if _, par := fr.decompCloser.(*parbz2.Reader); par {
			t.Error("OneCPU: the bzip2 file is read by parbz2")
		}
		fr.Close()
	}
	want := readStream(z)
	if len(want.Packets) < 50 {
		t.Fatalf("only %d packets", len(want.Packets))
	}
	if got := readFile(z); !reflect.DeepEqual(got, want) {
		t.Fatalf("read in parallel: %d packets, problems %v; in sequence %d, %v", len(got.Packets), got.Problems, len(want.Packets), want.Problems)
	}
	for cut := 4; cut < len(z); cut += len(z)/37 + 1 {
		want := readStream(z[:cut])
		if got := readFile(z[:cut]); !reflect.DeepEqual(got, want) {
			t.Fatalf("cut at %d: read in parallel: %d packets, problems %v; in sequence %d, %v", cut, len(got.Packets), got.Problems, len(want.Packets), want.Problems)
		}
	}
}
