package parbz2

import (
	"bytes"
	"compress/bzip2"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// sequential is what compress/bzip2 returns for b: the bytes, then the
// error (nil at a clean end), read as parallel reads.
func sequential(b []byte) ([]byte, error) {
	return readAll(bzip2.NewReader(bytes.NewReader(b)))
}

// lastStats are the Stats of parallel's last reader.
var lastStats Stats

// parallel is the same through this package's reader.
func parallel(b []byte, workers int) ([]byte, error) {
	r := NewReader(bytes.NewReader(b), int64(len(b)), workers)
	defer func() { lastStats = r.Stats(); r.Close() }()
	return readAll(r)
}

// readAll reads r to its end or first error, in pieces of an odd size (a
// damaged block's output before its error depends on the read sizes, in
// compress/bzip2 as here).
func readAll(r io.Reader) ([]byte, error) {
	return readSizes(r, 7919)
}

// readSizes reads r to its end or first error, in pieces of the sizes
// given (the last one repeated), and records each read's count and error
// in the output's trace (readTrace).
func readSizes(r io.Reader, sizes ...int) ([]byte, error) {
	var out []byte
	readTrace = readTrace[:0]
	for i := 0; ; i++ {
		p := make([]byte, sizes[min(i, len(sizes)-1)])
		n, err := r.Read(p)
		readTrace = append(readTrace, fmt.Sprint(n, err))
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// readTrace is the last readSizes' reads.
var readTrace []string

// sameReads fails unless the reader returns what compress/bzip2 does for
// b, read by read, with reads of the sizes given.
func sameReads(t *testing.T, name string, b []byte, workers int, sizes ...int) {
	t.Helper()
	readSizes(bzip2.NewReader(bytes.NewReader(b)), sizes...)
	want := slices.Clone(readTrace)
	r := NewReader(bytes.NewReader(b), int64(len(b)), workers)
	readSizes(r, sizes...)
	r.Close()
	if !slices.Equal(readTrace, want) {
		i := 0
		for i < min(len(want), len(readTrace)) && want[i] == readTrace[i] {
			i++
		}
		t.Fatalf("%s: read %d of %d returns %v, compress/bzip2's of %d %v", name, i, len(readTrace), readTrace[i:min(i+3, len(readTrace))], len(want), want[i:min(i+3, len(want))])
	}
}

// same fails unless the reader returns what compress/bzip2 does for b.
func same(t *testing.T, name string, b []byte, workers int) {
	t.Helper()
	want, werr := sequential(b)
	got, gerr := parallel(b, workers)
	if fmt.Sprint(werr) != fmt.Sprint(gerr) {
		t.Fatalf("%s (%d workers): error %v, compress/bzip2 %v", name, workers, gerr, werr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s (%d workers): %d bytes differ from compress/bzip2's %d (first difference at %d)", name, workers, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// compress runs the bzip2 command (skipping the test without it).
func compress(t *testing.T, level int, b []byte) []byte {
	t.Helper()
	if _, err := exec.LookPath("bzip2"); err != nil {
		t.Skip("bzip2 not installed (Debian package bzip2): not testing against its files")
	}
	cmd := exec.Command("bzip2", "-c", fmt.Sprintf("-%d", level))
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// payload is capture-like data (fuzzseed.CaptureLike), n bytes.
func payload(t *testing.T, n int) []byte {
	t.Helper()
	b, err := fuzzseed.CaptureLike("../../testdata/lab/out", n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// small makes the reader's bounds small, so that short inputs cross them.
func small(t testing.TB) {
	smallAs(t, 64<<10, 64<<10, 4099)
}

func smallAs(t testing.TB, block int64, out, chunk int) {
	ob, oo, oc := maxBlockBytes, maxOut, scanChunk
	maxBlockBytes, maxOut, scanChunk = block, out, chunk
	t.Cleanup(func() { maxBlockBytes, maxOut, scanChunk = ob, oo, oc })
}

func TestMatchesSequential(t *testing.T) {
	data := payload(t, 3<<20)
	one := compress(t, 1, data)
	nine := compress(t, 9, data)
	empty, err := os.ReadFile("testdata/empty.bz2")
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{
		"level 1":                 one,
		"level 9":                 nine,
		"empty stream":            empty,
		"streams concatenated":    slices.Concat(one[:0], compress(t, 3, data[:200000]), empty, compress(t, 9, data[200000:900000])),
		"trailing garbage":        slices.Concat(one, []byte("garbage")),
		"trailing B":              slices.Concat(one, []byte("B")),
		"trailing BZ":             slices.Concat(one, []byte("BZ")),
		"trailing BZh":            slices.Concat(one, []byte("BZh")),
		"trailing BZx9":           slices.Concat(one, []byte("BZx9")),
		"trailing BZh0":           slices.Concat(one, []byte("BZh0")),
		"trailing BZh9":           slices.Concat(one, []byte("BZh9")),
		"trailing BZh9 and bytes": slices.Concat(one, []byte("BZh9\x01\x02\x03")),
		"empty file":              nil,
		"header only":             []byte("BZh9"),
	}
	for _, tiny := range []bool{false, true} {
		if tiny {
			small(t)
		}
		for name, b := range inputs {
			for _, w := range []int{1, 2, 4} {
				same(t, fmt.Sprintf("%s (small bounds %v)", name, tiny), b, w)
				t.Logf("%s, small bounds %v, %d workers: %+v", name, tiny, w, lastStats)
			}
		}
	}
}

// TestDamage cuts and flips the compressed data at many places: every
// outcome is compress/bzip2's.
func TestDamage(t *testing.T) {
	data := payload(t, 1<<20)
	for _, level := range []int{1, 9} {
		z := compress(t, level, data)
		rng := rand.New(rand.NewPCG(uint64(level), 7))
		for i := range 60 {
			cut := rng.IntN(len(z))
			same(t, fmt.Sprintf("level %d cut at %d", level, cut), z[:cut], 2)
			b := slices.Clone(z)
			at := rng.IntN(len(b))
			b[at] ^= 1 << (i % 8)
			same(t, fmt.Sprintf("level %d bit flipped at %d", level, at), b, 2)
		}
		// The end-of-stream marker and its CRC.
		for back := 1; back <= 12; back++ {
			b := slices.Clone(z)
			b[len(b)-back] ^= 0x10
			same(t, fmt.Sprintf("level %d flipped %d bytes from the end", level, back), b, 2)
			same(t, fmt.Sprintf("level %d cut %d bytes from the end", level, back), z[:len(z)-back], 2)
		}
	}
}

// TestFalseMagic puts candidates that are no magic inside blocks (as a
// magic occurring by chance would be): one in a block is merged, two are
// decoded sequentially; the output is the same.
func TestFalseMagic(t *testing.T) {
	data := payload(t, 1<<20)
	z := compress(t, 1, data)
	for _, every := range []int64{50000, 200000, 777777} {
		testCands = func(found []cand, lo, hi int64) []cand {
			for b := (lo/every + 1) * every; b < hi; b += every {
				found = append(found, cand{bit: b, final: b/every%3 == 0})
			}
			slices.SortFunc(found, func(a, b cand) int { return int(a.bit - b.bit) })
			return found
		}
		same(t, fmt.Sprintf("a false magic every %d bits", every), z, 2)
		t.Logf("a false magic every %d bits: %+v", every, lastStats)
	}
	testCands = nil
}

// TestBounds: a block whose output exceeds maxOut is read on from its
// decoder; blocks larger than maxBlockBytes are decoded sequentially.
func TestBounds(t *testing.T) {
	small(t)
	// Runs of one byte: a 100 kB block decodes to megabytes.
	var data []byte
	for i := range 200 {
		data = append(data, bytes.Repeat([]byte{byte(i)}, 40000+i)...)
	}
	same(t, "runs", compress(t, 1, data), 2)
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 400000)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	same(t, "noise, blocks larger than the scan bound", compress(t, 9, noise), 2)
}

// TestClose: the goroutines end when the reader is closed, read or not.
func TestClose(t *testing.T) {
	z := compress(t, 1, payload(t, 2<<20))
	before := runtime.NumGoroutine()
	for range 20 {
		r := NewReader(bytes.NewReader(z), int64(len(z)), 4)
		io.ReadFull(r, make([]byte, 150000))
		r.Close()
	}
	r := NewReader(bytes.NewReader(z), int64(len(z)), 4)
	r.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after closing, %d before", n, before)
	}
}

func TestSeedFiles(t *testing.T) {
	for _, f := range []string{"testdata/lab-3blocks.bz2", "testdata/empty.bz2"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		same(t, f, b, 2)
	}
}

func FuzzReader(f *testing.F) {
	for _, name := range []string{"testdata/lab-3blocks.bz2", "testdata/empty.bz2"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(slices.Concat(b, b))
	}
	// Small bounds, so that short inputs cross them.
	smallAs(f, 8<<10, 16<<10, 1031)
	f.Fuzz(func(t *testing.T, b []byte) {
		// compress/bzip2 on fuzzed input can expand without bound: both
		// are cut at the same length.
		want, werr := io.ReadAll(io.LimitReader(bzip2.NewReader(bytes.NewReader(b)), 1<<20))
		r := NewReader(bytes.NewReader(b), int64(len(b)), 2)
		got, gerr := io.ReadAll(io.LimitReader(r, 1<<20))
		r.Close()
		if fmt.Sprint(werr) != fmt.Sprint(gerr) || !bytes.Equal(got, want) {
			t.Fatalf("got %d bytes, %v; compress/bzip2 %d bytes, %v", len(got), gerr, len(want), werr)
		}
	})
}

// bitsOf and bytesOf convert between bytes and one byte per bit (most
// significant first), for tests that insert bits.
func bitsOf(b []byte) []byte {
	out := make([]byte, 0, len(b)*8)
	for _, c := range b {
		for k := 7; k >= 0; k-- {
			out = append(out, c>>k&1)
		}
	}
	return out
}

func bytesOf(bits []byte) []byte {
	out := make([]byte, (len(bits)+7)/8)
	for i, v := range bits {
		out[i/8] |= v << (7 - i%8)
	}
	return out
}

// TestBlockEnds: inputs built so that a block ends a few bits away from
// the magic after it (found by review): each is decoded as compress/bzip2
// decodes it.
func TestBlockEnds(t *testing.T) {
	// bzip2 -1 of "aaa" with a block magic written over the block's last
	// 4 bits, a fake CRC and the original end-of-stream marker: the block
	// runs 4 bits into the next candidate.
	same(t, "a block running into the candidate's byte", mustHex(t, "425a68313141592653591fe5dfce000001010020002000308c1418a0ac9329acef56df778bb9229c28480ff2efe700"), 2)

	// A block followed by the first 45 bits of the end-of-stream magic
	// and then the next block's magic: the magic overlaps itself at 45
	// bits, so the block's stream reads an end-of-stream marker there.
	z := compress(t, 1, payload(t, 150000))
	sc := scanner{ra: bytes.NewReader(z), size: int64(len(z))}
	first, _, _ := sc.next(33, 1<<40) // the second candidate
	bits := bitsOf(z)
	ins := bitsOf(binary.BigEndian.AppendUint64(nil, uint64(finalMagic)<<16))[:45]
	b := bytesOf(slices.Concat(bits[:first.bit], ins, bits[first.bit:]))
	same(t, "45 bits of the end-of-stream magic before a block's", b, 2)

	// Files cut in the last bits of a block, and of the last block: a
	// large read, then small ones (compress/bzip2 may return some output
	// of a block whose bits ran out, with the error).
	for _, f := range [][]byte{z, compress(t, 1, payload(t, 250000)), compress(t, 9, payload(t, 1<<20))} {
		for back := 1; back <= 24; back++ {
			sameReads(t, fmt.Sprintf("cut %d bytes before the end", back), f[:len(f)-back], 2, 100000, 100)
		}
	}
	for back := 1; back <= 8; back++ {
		sameReads(t, fmt.Sprintf("cut %d bytes before the second block", back), z[:first.bit/8-int64(back)+1], 2, 100000, 100)
	}
	// Cut at the byte where the end-of-stream marker starts: the last
	// block loses its last bits (fewer than 8), which a stream of its own
	// would have padded with zeros.
	data := payload(t, 1<<20)
	for n := 120000; n < 160000; n += 1000 { // two blocks: the second starts anywhere in a byte
		f := compress(t, 1, data[:n])
		sc := scanner{ra: bytes.NewReader(f), size: int64(len(f))}
		var eos int64
		for from := int64(0); ; {
			c, ok, _ := sc.next(from, 1<<40)
			if !ok {
				break
			}
			if c.final {
				eos = c.bit
			}
			from = c.bit + 1
		}
		sameReads(t, fmt.Sprintf("%d bytes, cut where the end marker starts", n), f[:eos/8], 2, 100000, 100)
	}
}

// TestOutputAtBound: a block whose output is exactly maxOut, with a CRC
// that does not match: the output, then the error in a read of its own.
func TestOutputAtBound(t *testing.T) {
	data := payload(t, 50000)
	z := compress(t, 9, data)
	smallAs(t, 64<<10, len(data), 4099)
	b := slices.Clone(z)
	b[10] ^= 0x40 // the block's CRC
	sameReads(t, "a block of exactly maxOut bytes, CRC damaged", b, 2, 60000)
	sameReads(t, "a block of exactly maxOut bytes", z, 2, 60000)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Blocks crafted (by a second review) so that their Huffman-coded data
// would run on through bits appended after them and still end cleanly:
// Y is a block whose end-of-block code falls in what follows its
// candidate, X a block with CRC 0 that runs past a real block magic.
// Blocks are decoded from the file's own bits, and taken only when their
// end is pinned to the candidate (decode).
const (
	craftedY = "425a6838314159265359ce5150480000007fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa00100070000000000000200000000000000000000000000000000015000400000000000001fff8e000000000000040000000000000000000000000000000002a000800000000000003fff7dafb9f8bf23f37f47f5ff67f7bf8bf93fa7fb7fcbfdffe7ff7df3a97f17557f7baf845b2f0a18dd1fcad5a091c687ea9cc8bdbf8bdfd2c6c0fc187a5c13913f8a4ff2a9eabaaf36747e77203e22383eb27db6b0bbeeacff27164fb317f33df53f1d67dba9aeccaefbf75ef99f637777f0fcfd7e47e5fe2bba9f4e1dbdbc5cbfad6ebc9c0ecfc5ab89e3a7f87d32beb67d7af6b1bd33753bf576bdfec6f6a70fd7a78f778fbfe4fe6757bf3f77af07d9fc1e3dbf8becfd7e5fc7dfe7f1f5f6fc7f67edfe3f0fc3f5f87f2bd7e7edfd7d8fb7f77f0fd9fcafc5f8ff2bf2bf23f0fe47e47e3fcbfcbfccfcbfcc177245385090ce515048425a683817724538509000000000"
	craftedX = "425a6831314159265359000000000000007fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa000e00c200000000001000000000000000000000000000000000080200000000000000000fc61000000000008000000000000000000000000000000000401000000000000000007eefbc2f1fc9f37d2f57daf77e3f9febfbbf0fd3faff16c7ee54f3d04f68cb2267c3abb9a6bab3aaa6c0d7dec892edc8f736bc6767bef9cb9dce4f15cbbfec76277be7ba386a0addddff0286cf677adba73376abbcbaea92dddea1f325f1bc9e297b7ef3c3adc3dcbdddbeaaf167e7f82b32fad4dc5ab99d8ec5f797cfe45872ef6fdde37917dc777e471eaf73cac6f2fa3975b975bbded6870ebe86a6ef67975fc5f2b5f87bdf0f675bb5c9bfdef89e1783e4f0791dbe7f27abafe375fcbf0bccef3bfec799e1f97daf27cbeffbef07c5f0bcaf13ccf0fccf27c7f27caf27caf33cc314159265359b335b6f200000553800010400104003ffffff02000231e241a0d1886d1b521400000000e02438525edfe6f329e0c74b459de918a2416c91ab201d637bfe2ee48a70a121666b6de40"
)

func TestCraftedBlocks(t *testing.T) {
	tail := compress(t, 1, []byte("appended stream\n"))
	for name, b := range map[string][]byte{"Y": mustHex(t, craftedY), "Y and a stream": slices.Concat(mustHex(t, craftedY), tail), "X": mustHex(t, craftedX)} {
		for _, w := range []int{1, 2, 4} {
			for _, sizes := range [][]int{{7919}, {1}, {1 << 20}} {
				sameReads(t, fmt.Sprintf("%s, %d workers, reads of %d", name, w, sizes[0]), b, w, sizes...)
			}
		}
	}
}

// TestEmptyRead: a read into no bytes gets what compress/bzip2 gives: the
// header's error first, then the data.
func TestEmptyRead(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("XY"), []byte("BZ"), []byte("BZh0"), mustHex(t, craftedY)} {
		sameReads(t, fmt.Sprintf("%q", b[:min(len(b), 4)]), b, 2, 0, 10)
	}
}
