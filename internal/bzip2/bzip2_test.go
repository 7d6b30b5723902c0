package bzip2

import (
	"bytes"
	stdbzip2 "compress/bzip2"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// The decoder must return what compress/bzip2 returns, read by read (the
// same counts, bytes and errors), and read its input the same way: the
// same Read calls of the same sizes for an io.Reader, the same bytes
// taken from an io.ByteReader at each point (Consumed for a slice).

// event is one read of a decoder, or one Read or ReadByte it made of its
// input.
type event struct {
	n   int
	out string // the bytes read
	err string
}

// logReader serves b to a decoder in pieces of at most step bytes (an
// empty read every sixth call when empty is set, then failErr at failAt
// when set), and logs the decoder's calls.
type logReader struct {
	b       []byte
	off     int
	step    int
	calls   int
	empty   bool
	failAt  int
	failErr error
	log     *[]event
}

func (l *logReader) Read(p []byte) (int, error) {
	l.calls++
	if l.empty && l.calls%6 == 0 {
		*l.log = append(*l.log, event{n: 0, err: fmt.Sprint("read ", len(p), " empty")})
		return 0, nil
	}
	if l.failErr != nil && l.off >= l.failAt {
		*l.log = append(*l.log, event{err: fmt.Sprint("read ", len(p), " ", l.failErr)})
		return 0, l.failErr
	}
	end := min(len(l.b), l.off+min(len(p), l.step))
	if l.failErr != nil {
		end = min(end, max(l.failAt, l.off))
	}
	n := copy(p, l.b[l.off:end])
	l.off += n
	var err error
	if l.off == len(l.b) {
		err = io.EOF
	}
	*l.log = append(*l.log, event{n: n, err: fmt.Sprint("read ", len(p), " ", err)})
	return n, err
}

// byteLog is an io.ByteReader over b that logs how far it was read.
type byteLog struct {
	logReader
}

func (l *byteLog) ReadByte() (byte, error) {
	if l.off >= len(l.b) {
		return 0, io.EOF
	}
	l.off++
	return l.b[l.off-1], nil
}

// decodeLog reads r to its end or first error (and once past it), in
// reads of the sizes given (the last one repeated), logging each read,
// and after each read what pos returns (the input read so far).
func decodeLog(r io.Reader, log *[]event, pos func() int, limit int, sizes ...int) {
	total := 0
	for i := 0; ; i++ {
		p := make([]byte, sizes[min(i, len(sizes)-1)])
		n, err := r.Read(p)
		*log = append(*log, event{n: n, out: string(p[:n]), err: fmt.Sprint(err)})
		if pos != nil {
			*log = append(*log, event{n: pos(), err: "pos"})
		}
		total += n
		if err != nil || total >= limit {
			if err != nil && err != io.EOF {
				// compress/bzip2 may decode on after an error: so must
				// this one.
				n, err := r.Read(p)
				*log = append(*log, event{n: n, out: string(p[:n]), err: fmt.Sprint(err)})
			}
			return
		}
	}
}

// The slice mode decodes reuseBytes of reuseFile before it resets its
// decoder.
var (
	reuseFile        = seedFile()
	reuseBytes int64 = 100000
)

// mode is a way of feeding a decoder.
type mode struct {
	name string
	run  func(b []byte, ours bool, limit int, sizes []int) []event
}

var modes = []mode{
	{"reader", func(b []byte, ours bool, limit int, sizes []int) []event {
		var log []event
		in := &logReader{b: b, step: 1 << 30, log: &log}
		decodeLog(decoder(in, ours), &log, nil, limit, sizes...)
		return log
	}},
	{"short reads", func(b []byte, ours bool, limit int, sizes []int) []event {
		var log []event
		in := &logReader{b: b, step: 1000, empty: true, log: &log}
		decodeLog(decoder(in, ours), &log, nil, limit, sizes...)
		return log
	}},
	{"read error", func(b []byte, ours bool, limit int, sizes []int) []event {
		var log []event
		in := &logReader{b: b, step: 777, failAt: len(b) * 2 / 3, failErr: errors.New("disk on fire"), log: &log}
		decodeLog(decoder(in, ours), &log, nil, limit, sizes...)
		return log
	}},
	{"byte reader", func(b []byte, ours bool, limit int, sizes []int) []event {
		var log []event
		in := &byteLog{logReader{b: b, log: &log}}
		decodeLog(decoder(in, ours), &log, func() int { return in.off }, limit, sizes...)
		return log
	}},
	{"slice", func(b []byte, ours bool, limit int, sizes []int) []event {
		var log []event
		if !ours {
			in := &byteLog{logReader{b: b, log: &log}}
			decodeLog(stdbzip2.NewReader(in), &log, func() int { return in.off }, limit, sizes...)
			return log
		}
		// Reset from another input, as parbz2 reuses a decoder.
		z := NewSliceReader(reuseFile)
		io.CopyN(io.Discard, z, reuseBytes)
		z.ResetSlice(b)
		decodeLog(z, &log, z.Consumed, limit, sizes...)
		return log
	}},
}

func decoder(r io.Reader, ours bool) io.Reader {
	if ours {
		return NewReader(r)
	}
	return stdbzip2.NewReader(r)
}

// same fails unless the decoder does what compress/bzip2 does with b, in
// every mode; limit bounds the output read (fuzzed input can expand
// without bound).
func same(t *testing.T, name string, b []byte, limit int, sizes ...int) {
	t.Helper()
	for _, m := range modes {
		want := m.run(b, false, limit, sizes)
		got := m.run(b, true, limit, sizes)
		if i := firstDiff(got, want); i >= 0 {
			g, w := "(none)", "(none)"
			if i < len(got) {
				g = fmt.Sprintf("%d %.40q %s", got[i].n, got[i].out, got[i].err)
			}
			if i < len(want) {
				w = fmt.Sprintf("%d %.40q %s", want[i].n, want[i].out, want[i].err)
			}
			t.Fatalf("%s, %s: event %d of %d is %s, compress/bzip2's (of %d) %s", name, m.name, i, len(got), g, len(want), w)
		}
	}
}

func firstDiff(a, b []event) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

var seed []byte

// seedFile is a small real bzip2 file (three blocks of a lab capture).
func seedFile() []byte {
	if seed == nil {
		b, err := os.ReadFile("../parbz2/testdata/lab-3blocks.bz2")
		if err != nil {
			panic(err)
		}
		seed = b
	}
	return seed
}

// files are bzip2 files: the repository's, the standard library's test
// files, and payloads compressed by the bzip2 command at levels 1 and 9
// when it is installed.
func files(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{"lab-3blocks": seedFile()}
	if b, err := os.ReadFile("testdata/lab-4k.bz2"); err == nil {
		out["lab-4k"] = b
	}
	var names []string
	if root, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		names, _ = filepath.Glob(filepath.Join(string(bytes.TrimSpace(root)), "src/compress/bzip2/testdata/*.bz2"))
	}
	if len(names) == 0 {
		t.Log("the standard library's bzip2 test files were not found (go env GOROOT)")
	}
	names = append(names, "../parbz2/testdata/empty.bz2")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	if _, err := exec.LookPath("bzip2"); err != nil {
		t.Log("bzip2 not installed (Debian package bzip2): not testing its files of capture-like data")
		return out
	}
	p, err := fuzzseed.CaptureLike("../../testdata/lab/out", 600<<10)
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []int{1, 9} {
		cmd := exec.Command("bzip2", "-c", fmt.Sprintf("-%d", level))
		cmd.Stdin = bytes.NewReader(p)
		b, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("payload -%d", level)] = b
	}
	return out
}

func TestMatchesStandardLibrary(t *testing.T) {
	for name, b := range files(t) {
		same(t, name, b, 1<<30, 65536)
		same(t, name+" in odd reads", b, 1<<30, 1, 7, 7919, 0, 100000)
		same(t, name+" twice", slices.Concat(b, b), 1<<30, 32768)
		same(t, name+" with trailing bytes", slices.Concat(b, []byte("BZh9 and more")), 1<<30, 32768)
	}
}

func TestDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for name, b := range files(t) {
		if len(b) < 20 {
			continue
		}
		for range 12 {
			cut := rng.IntN(len(b))
			same(t, fmt.Sprintf("%s cut at %d", name, cut), b[:cut], 1<<30, 8192)
			d := slices.Clone(b)
			at := rng.IntN(len(d))
			d[at] ^= byte(1 << rng.IntN(8))
			same(t, fmt.Sprintf("%s bit flipped at %d", name, at), d, 4<<20, 8192)
		}
	}
}

func TestCRC(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	b := make([]byte, 5000)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	for n := range len(b) {
		want := ^uint32(0)
		for _, v := range b[:n] {
			want = crctab[byte(want>>24)^v] ^ (want << 8)
		}
		if got := updateCRC(0, b[:n], new([crcChunk]byte)); got != ^want {
			t.Fatalf("CRC of %d bytes %08x, byte by byte %08x", n, got, ^want)
		}
	}
}

// FuzzReader compares the decoder with compress/bzip2 on small inputs
// (the fuzzing engine instruments this package, not the standard
// library's, and a block of 900 kB takes seconds instrumented): the first
// 4,000 bytes of a lab capture compressed by bzip2 -1.
func FuzzReader(f *testing.F) {
	b, err := os.ReadFile("testdata/lab-4k.bz2")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(slices.Concat(b, b))
	reuseFile, reuseBytes = b, 1000
	f.Fuzz(func(t *testing.T, b []byte) {
		same(t, "fuzzed", b, 64<<10, 4093)
	})
}

// TestWalk compares walk with the standard library's inverse transform
// followed as it returns output, on last columns of random bytes (whose
// vector mostly has several cycles, as a damaged block's: the second half
// is walked again) and on transforms of random texts (one cycle: the
// halves meet).
func TestWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	sizes := []int{1000, 4095, 65536, 100000, 900000}
	for n := 1; n < 300; n++ {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		for _, text := range []bool{false, true} {
			if text && n > 2000 {
				continue
			}
			last := make([]byte, n)
			for i := range last {
				last[i] = byte(rng.IntN(1 + n%7))
			}
			origPtr := uint(rng.IntN(n))
			if text {
				last, origPtr = bwt(last)
			}
			// The standard library's: inverseBWT, then readFromBlock's walk.
			tt := make([]uint32, n)
			var c [256]uint
			for i, b := range last {
				tt[i] = uint32(b)
				c[b]++
			}
			sum := uint(0)
			for i := range c {
				sum += c[i]
				c[i] = sum - c[i]
			}
			for i := range tt {
				b := tt[i] & 0xff
				tt[c[b]] |= uint32(i) << 8
				c[b]++
			}
			want := make([]byte, n)
			tPos := tt[origPtr] >> 8
			for i := range want {
				tPos = tt[tPos]
				want[i] = byte(tPos)
				tPos >>= 8
			}

			z := &Reader{blockSize: n, tt: make([]uint32, n)}
			for i, b := range last {
				z.tt[i] = uint32(b)
				z.c[b]++
			}
			if got := z.walk(n, origPtr); !bytes.Equal(got, want) {
				t.Fatalf("n %d, text %v: walk %x, want %x", n, text, got, want)
			}
		}
	}
}

// bwt is the Burrows-Wheeler transform of b: the last column of its sorted
// rotations, and the row of b itself.
func bwt(b []byte) ([]byte, uint) {
	n := len(b)
	rot := make([]int, n)
	for i := range rot {
		rot[i] = i
	}
	slices.SortStableFunc(rot, func(x, y int) int {
		return bytes.Compare(slices.Concat(b[x:], b[:x]), slices.Concat(b[y:], b[:y]))
	})
	last := make([]byte, n)
	var orig uint
	for r, i := range rot {
		last[r] = b[(i+n-1)%n]
		if i == 0 {
			orig = uint(r)
		}
	}
	return last, orig
}

// overReader breaks io.Reader's contract: its one read claims a byte more
// than it was given.
type overReader struct {
	b    []byte
	done bool
}

func (o *overReader) Read(p []byte) (int, error) {
	if o.done {
		return 0, io.EOF
	}
	o.done = true
	copy(p, o.b)
	return len(p) + 1, nil
}

// TestOverRead: with a reader that claims more bytes than it was given,
// compress/bzip2 panics when it needs the byte past its 4096-byte buffer;
// this decoder must return the same output first (its read-ahead stays
// within the buffer). The lab block is placed, behind small streams, to
// end at every offset around the buffer's end.
func TestOverRead(t *testing.T) {
	b, err := os.ReadFile("testdata/lab-4k.bz2")
	if err != nil {
		t.Fatal(err)
	}
	empty, err := os.ReadFile("../parbz2/testdata/empty.bz2") // 14 bytes
	if err != nil {
		t.Fatal(err)
	}
	one, _ := hex.DecodeString("425a683931415926535919939b6b00000001002000200021184682ee48a70a120332736d60") // "a", 37 bytes
	run := func(z io.Reader) (n int, msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint("panic: ", r)
			}
		}()
		buf := make([]byte, 1<<20)
		for {
			k, err := z.Read(buf)
			n += k
			if err != nil {
				return n, err.Error()
			}
		}
	}
	for ones := range 14 {
		for empties := 150; empties < 200; empties++ {
			in := slices.Concat(bytes.Repeat(one, ones), bytes.Repeat(empty, empties), b)
			if len(in) < 4096-40 || len(in) > 4096+40 {
				continue
			}
			gn, gmsg := run(NewReader(&overReader{b: in}))
			wn, wmsg := run(stdbzip2.NewReader(&overReader{b: in}))
			if gn != wn || gmsg != wmsg {
				t.Fatalf("%d bytes: %d bytes then %q, compress/bzip2 %d then %q", len(in), gn, gmsg, wn, wmsg)
			}
		}
	}
}
