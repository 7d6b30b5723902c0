package analyze

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// The parallel path (Config.Threads 2: reading and decoding in a second
// goroutine) must give the same results as the sequential one, byte for
// byte, on every trace in testdata: text and JSON reports, the error, and
// the callbacks in the same order, all from the calling goroutine. The
// traces are read with a small read buffer (4 KiB), so that the reader
// hands off its buffer every few frames and grows it for larger blocks.

// captureFiles returns the capture files under the repository's testdata
// and this package's (pcap or pcapng magic), with their contents.
func captureFiles(t *testing.T) (names []string, data map[string][]byte) {
	t.Helper()
	data = map[string][]byte{}
	for _, root := range []string{"../testdata", "testdata"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if fi, err := d.Info(); err != nil || fi.Size() < 24 || fi.Size() > 16<<20 {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m := binary.LittleEndian.Uint32(b)
			if !pcapMagic(m) && binary.BigEndian.Uint32(b) != 0x0A0D0D0A {
				return nil
			}
			names = append(names, p)
			data[p] = b
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(names) < 20 {
		t.Fatalf("only %d capture files found under testdata", len(names))
	}
	sort.Strings(names)
	return names, data
}

func pcapMagic(m uint32) bool {
	switch m {
	case 0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1:
		return true
	}
	return false
}

// goid returns the calling goroutine's id.
func goid() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	return string(bytes.Fields(b)[1])
}

type input struct {
	name string
	data []byte
}

type runResult struct {
	text, json, err string
	calls           []string
	goroutines      map[string]bool
}

// analyzeInputs runs the analysis of the inputs as one capture (as Run
// does), each read with a read buffer of bufSize bytes, and renders the
// report and the callbacks.
func analyzeInputs(ctx context.Context, cfg Config, threads, bufSize int, in []input) runResult {
	var res runResult
	res.goroutines = map[string]bool{}
	call := func(s string) {
		res.calls = append(res.calls, s)
		res.goroutines[goid()] = true
	}
	cfg.Threads = threads
	cfg.OnConnection = func(c *smcflow.Conn) { call(fmt.Sprintf("done %s %s %s %s", c.Client, c.Server, c.Outcome, c.Summary)) }
	cfg.OnHandshake = func(c *smcflow.Conn) { call(fmt.Sprintf("handshake %s %s %s", c.Client, c.Server, c.Outcome)) }
	cfg.CaptureStats = func(file int, st pcapfile.InterfaceStats) {
		call(fmt.Sprintf("stats %d %d %d %v", file, st.Interface, st.Offset, st.Time))
	}
	cfg.Custom = func(file int, cb pcapfile.CustomBlock) {
		call(fmt.Sprintf("custom %d %d %d %d", file, cb.Offset, cb.PEN, len(cb.Data)))
	}
	a := NewAnalyzer(cfg)
	a.multi = len(in) > 1
	var first error
	for _, f := range in {
		fr, err := pcapfile.NewFileReaderSize(bytes.NewReader(f.data), bufSize)
		if err == nil {
			err = a.AnalyzeReader(ctx, f.name, fr)
		}
		if err != nil {
			if first == nil {
				first = err
			}
			a.report.Files = append(a.report.Files, report.FileInfo{Path: f.name, Error: err.Error()})
		}
	}
	rep := a.Finish()
	var tb, jb bytes.Buffer
	if err := rep.WriteText(&tb, report.TextOptions{Evidence: true}); err != nil {
		res.text = "error: " + err.Error()
	}
	if err := rep.WriteJSON(&jb); err != nil {
		res.json = "error: " + err.Error()
	}
	res.text += tb.String()
	res.json += jb.String()
	if first != nil {
		res.err = first.Error()
	}
	return res
}

// sameResults fails the test when the two runs differ.
func sameResults(t *testing.T, what string, seq, par runResult) {
	t.Helper()
	if seq.err != par.err {
		t.Errorf("%s: error %q (sequential) != %q (parallel)", what, seq.err, par.err)
	}
	if seq.text != par.text {
		t.Errorf("%s: text reports differ:\n%s", what, firstDiff(seq.text, par.text))
	}
	if seq.json != par.json {
		t.Errorf("%s: JSON reports differ:\n%s", what, firstDiff(seq.json, par.json))
	}
	if a, b := strings.Join(seq.calls, "\n"), strings.Join(par.calls, "\n"); a != b {
		t.Errorf("%s: callbacks differ:\n%s", what, firstDiff(a, b))
	}
	me := goid()
	for g := range par.goroutines {
		if g != me {
			t.Errorf("%s: a callback ran in goroutine %s, not the caller's (%s)", what, g, me)
		}
	}
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  sequential: %s\n  parallel:   %s", i+1, x, y)
		}
	}
	return "(same lines)"
}

func mustFilter(t *testing.T, expr string) FrameFilter {
	t.Helper()
	f, err := bpffilter.NewExpr(expr, bpffilter.Offline)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParallelSameOutput(t *testing.T) {
	names, data := captureFiles(t)
	configs := []struct {
		name string
		cfg  Config
	}{
		{"default", Config{}},
		{"all-keep3", Config{All: true, MaxConnections: 3}},
		{"filter-tcp", Config{Filter: mustFilter(t, "tcp")}},
		{"filter-udp", Config{Filter: mustFilter(t, "udp or vlan")}},
		{"no-udp", Config{NoUDP: true}},
	}
	defer func(n int) { pipeBatchItems = n }(pipeBatchItems)
	for _, items := range []int{pipeBatchItems, 3} {
		pipeBatchItems = items // 3: batches sent full, not only at buffer hand-offs
		for _, c := range configs {
			if items == 3 && c.name != "default" {
				continue
			}
			for _, n := range names {
				in := []input{{n, data[n]}}
				what := fmt.Sprintf("%s (%s, batches of %d)", n, c.name, items)
				sameResults(t, what, analyzeInputs(context.Background(), c.cfg, 1, 4096, in), analyzeInputs(context.Background(), c.cfg, 2, 4096, in))
			}
		}
	}
}

// TestParallelSameOutputRotated reads the captures of each testdata
// directory as one rotated capture, through Run (files opened with the
// default read buffer).
func TestParallelSameOutputRotated(t *testing.T) {
	names, _ := captureFiles(t)
	dirs := map[string][]string{}
	for _, n := range names {
		dirs[filepath.Dir(n)] = append(dirs[filepath.Dir(n)], n)
	}
	for dir, files := range dirs {
		if len(files) < 2 {
			continue
		}
		var out [2]runResult
		for i, threads := range []int{1, 2} {
			cfg := Config{All: true, Threads: threads}
			var calls []string
			gs := map[string]bool{}
			cfg.OnConnection = func(c *smcflow.Conn) {
				calls = append(calls, fmt.Sprintf("%s %s %s", c.Client, c.Server, c.Outcome))
				gs[goid()] = true
			}
			rep, err := Run(context.Background(), cfg, append(files, filepath.Join(dir, "does-not-exist.pcap")))
			var tb, jb bytes.Buffer
			_ = rep.WriteText(&tb, report.TextOptions{Evidence: true})
			_ = rep.WriteJSON(&jb)
			out[i] = runResult{text: tb.String(), json: jb.String(), calls: calls, goroutines: gs}
			if err != nil {
				out[i].err = err.Error()
			}
		}
		sameResults(t, dir+" (rotated)", out[0], out[1])
	}
}

// TestParallelSameOutputDamaged damages every capture (cut, a zeroed
// region, bytes changed at random) and compares the two paths.
func TestParallelSameOutputDamaged(t *testing.T) {
	names, data := captureFiles(t)
	rng := rand.New(rand.NewSource(14))
	for _, n := range names {
		b := data[n]
		if len(b) > 1<<20 {
			continue
		}
		cut := b[:len(b)*2/3]
		zeroed := append([]byte(nil), b...)
		clear(zeroed[len(b)/2 : min(len(b), len(b)/2+100)])
		flipped := append([]byte(nil), b...)
		for range 8 {
			flipped[24+rng.Intn(len(b)-24)] ^= byte(1 + rng.Intn(255))
		}
		for _, v := range []struct {
			what string
			b    []byte
		}{{"cut", cut}, {"zeroed", zeroed}, {"flipped", flipped}} {
			in := []input{{n, v.b}}
			sameResults(t, n+" ("+v.what+")", analyzeInputs(context.Background(), Config{}, 1, 4096, in), analyzeInputs(context.Background(), Config{}, 2, 4096, in))
		}
	}
}

// countdownCtx is a context whose Err reports cancellation from its
// (after+1)th call on: the reading loop asks it every 4096 frames, so the
// analysis stops at the same frame in both paths.
type countdownCtx struct {
	context.Context
	after int
}

func (c *countdownCtx) Err() error {
	if c.after <= 0 {
		return context.Canceled
	}
	c.after--
	return nil
}

// bulkCapture is a synthetic capture (labelled as such) of a few SMC
// handshakes, bulk TCP and UDP multicast: frames frames at least.
func bulkCapture(t testing.TB, frames int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, synth.Ethernet, synth.Start, true)
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte("synthetic bulk "), 90)
	group := netip.MustParseAddrPort("239.1.1.1:5000")
	sender := netip.MustParseAddrPort("10.2.0.1:40000")
	seq := 0
	for i := 0; w.Frames() < frames; i++ {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 3, 0, byte(i)}), uint16(30000+i))
		c := w.TCPConn(cli, netip.MustParseAddrPort("10.4.0.1:443"), uint32(i)*7919, uint32(i)*104729)
		if err := c.Handshake(i%2 == 0, i%4 == 0); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 500; j++ {
			if err := c.Send(j%3 != 0, payload); err != nil {
				t.Fatal(err)
			}
			if j%10 == 0 {
				seq++
				if err := w.UDP(sender, group, mtoolsMessage(seq)); err != nil {
					t.Fatal(err)
				}
			}
			w.Advance(10 * time.Microsecond)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mtoolsMessage is an msend-style datagram with sequence number seq.
func mtoolsMessage(seq int) []byte {
	b := make([]byte, 200)
	copy(b, fmt.Sprintf("%d\x00", seq))
	return b
}

func TestParallelCancel(t *testing.T) {
	b := bulkCapture(t, 20000)
	in := []input{{"synthetic-bulk.pcap", b}}
	for _, after := range []int{0, 1, 3} {
		seq := analyzeInputs(&countdownCtx{context.Background(), after}, Config{}, 1, 64<<10, in)
		par := analyzeInputs(&countdownCtx{context.Background(), after}, Config{}, 2, 64<<10, in)
		if seq.err != context.Canceled.Error() {
			t.Errorf("cancelled after %d checks: error %q, want %q", after, seq.err, context.Canceled)
		}
		sameResults(t, fmt.Sprintf("cancelled after %d checks", after), seq, par)
	}
}

// failingFilter fails (err) or panics (panicAt) at its nth frame.
type failingFilter struct {
	n, at   int
	panicAt bool
}

func (f *failingFilter) Match(p *pcapfile.Packet) (bool, error) {
	f.n++
	if f.n == f.at {
		if f.panicAt {
			panic(fmt.Sprintf("filter panic at frame %d", p.Frame))
		}
		return false, errors.New("no program for this link type")
	}
	return f.n%2 == 0, nil
}

func TestParallelFilterError(t *testing.T) {
	b := bulkCapture(t, 10000)
	for _, at := range []int{1, 5000, 9000} {
		in := []input{{"a.pcap", b}, {"b.pcap", b}}
		seq := analyzeInputs(context.Background(), Config{Filter: &failingFilter{at: at}}, 1, 64<<10, in)
		par := analyzeInputs(context.Background(), Config{Filter: &failingFilter{at: at}}, 2, 64<<10, in)
		if !strings.Contains(seq.err, "no program") {
			t.Errorf("filter failing at %d: error %q", at, seq.err)
		}
		sameResults(t, fmt.Sprintf("filter failing at frame %d", at), seq, par)
	}
}

// withDeadline runs fn and fails the test if it does not return within a
// generous deadline (a hang, not a time measurement).
func withDeadline(t *testing.T, fn func() any) any {
	t.Helper()
	done := make(chan any, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(2 * time.Minute):
		t.Fatal("did not return: the pipeline hangs")
		return nil
	}
}

func TestParallelPanics(t *testing.T) {
	b := bulkCapture(t, 10000)
	before := runtime.NumGoroutine()
	// A panic in the reading goroutine (the filter) reaches the caller.
	v := withDeadline(t, func() (v any) {
		defer func() { v = recover() }()
		analyzeInputs(context.Background(), Config{Filter: &failingFilter{at: 7000, panicAt: true}}, 2, 64<<10, []input{{"a.pcap", b}})
		return nil
	})
	rp, ok := v.(*ReaderPanic)
	if !ok || !strings.HasPrefix(fmt.Sprint(rp.Value), "filter panic at frame") {
		t.Errorf("reader panic: recovered %v (%T), want a *ReaderPanic with the filter's value", v, v)
	}
	// A panic in the analyzing goroutine (a callback) propagates as is,
	// and the reading goroutine stops.
	n := 0
	v = withDeadline(t, func() (v any) {
		defer func() { v = recover() }()
		cfg := Config{All: true, Threads: 2, OnHandshake: func(*smcflow.Conn) {
			if n++; n == 3 {
				panic("callback panic")
			}
		}}
		a := NewAnalyzer(cfg)
		fr, err := pcapfile.NewFileReaderSize(bytes.NewReader(b), 4096)
		if err != nil {
			t.Error(err)
			return nil
		}
		_ = a.AnalyzeReader(context.Background(), "a.pcap", fr)
		return nil
	})
	if v != "callback panic" {
		t.Errorf("callback panic: recovered %v", v)
	}
	deadline := time.Now().Add(time.Minute)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines left running after the panics (%d before)", g, before)
	}
}

// TestParallelSameOutputMapped reads every capture file through Run with
// mapping on (pcapfile.SetMapping: by default only files of 128 MiB or more
// where mapping measured cheaper): the file read
// (sequential), mapped (sequential) and mapped (parallel,
// and for every third file mapping fails after 3 windows and the rest is
// read), here in windows of one page so that records and blocks straddle
// windows.
func TestParallelSameOutputMapped(t *testing.T) {
	defer pcapfile.SetMapping(pcapfile.SetMapping(pcapfile.MapOn))
	defer pcapfile.SetMapWindow(pcapfile.SetMapWindow(4096))
	defer pcapfile.SetMapFailAfter(-1)
	names, _ := captureFiles(t)
	for i, n := range names {
		var out [3]runResult
		for j, v := range []struct{ threads, mapFailAfter int }{{1, 0}, {1, -1}, {2, map[bool]int{true: 3, false: -1}[i%3 == 0]}} {
			pcapfile.SetMapFailAfter(v.mapFailAfter)
			var calls []string
			gs := map[string]bool{}
			cfg := Config{Threads: v.threads, OnConnection: func(c *smcflow.Conn) {
				calls = append(calls, fmt.Sprintf("%s %s %s", c.Client, c.Server, c.Outcome))
				gs[goid()] = true
			}}
			rep, err := Run(context.Background(), cfg, []string{n})
			var tb, jb bytes.Buffer
			_ = rep.WriteText(&tb, report.TextOptions{Evidence: true})
			_ = rep.WriteJSON(&jb)
			out[j] = runResult{text: tb.String(), json: jb.String(), calls: calls, goroutines: gs}
			if err != nil {
				out[j].err = err.Error()
			}
		}
		sameResults(t, n+" (read, then mapped)", out[0], out[1])
		sameResults(t, n+" (read, then mapped and parallel)", out[0], out[2])
	}
}

// truncatingFilter cuts the file short when it sees its first frame.
type truncatingFilter struct {
	t    *testing.T
	path string
	size int64
	done bool
}

func (f *truncatingFilter) Match(*pcapfile.Packet) (bool, error) {
	if !f.done {
		f.done = true
		if err := os.Truncate(f.path, f.size); err != nil {
			f.t.Error(err)
		}
	}
	return true, nil
}

// TestParallelFileCutWhileRead: a file cut short while it is read (read,
// or mapped: it faults where it was mapped) ends the analysis with an error
// (or with what is left read), never crashes or hangs, with one goroutine
// or two.
func TestParallelFileCutWhileRead(t *testing.T) {
	defer pcapfile.SetMapping(pcapfile.SetMapping(pcapfile.MapOff))
	defer pcapfile.SetMapWindow(pcapfile.SetMapWindow(64 << 10))
	b := bulkCapture(t, 20000)
	for i, keep := range []int64{int64(len(b)) / 2, 100, int64(len(b)) / 2, 100, int64(len(b)) / 2, 100, int64(len(b)) / 2, 100} {
		threads := 1 + i/2%2
		pcapfile.SetMapping(map[bool]pcapfile.Mapping{true: pcapfile.MapOn, false: pcapfile.MapOff}[i < 4])
		p := filepath.Join(t.TempDir(), "cut.pcap")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		v := withDeadline(t, func() (v any) {
			defer func() { v = recover() }()
			rep, err := Run(context.Background(), Config{Threads: threads, Filter: &truncatingFilter{t: t, path: p, size: keep}}, []string{p})
			t.Logf("mapped %v, threads %d, cut to %d bytes: error %v, %d packets, %d damaged regions", i < 4, threads, keep, err, rep.Summary.Packets, rep.Summary.DamagedRegions)
			return nil
		})
		if v != nil {
			t.Errorf("cut to %d bytes: panic %v", keep, v)
		}
	}
}

// oneConnCapture is a synthetic capture (labelled as such) of one SMC
// handshake followed by frames bulk segments.
func oneConnCapture(t testing.TB, frames int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, synth.Ethernet, synth.Start, true)
	if err != nil {
		t.Fatal(err)
	}
	c := w.TCPConn(netip.MustParseAddrPort("10.3.0.1:30000"), netip.MustParseAddrPort("10.4.0.1:443"), 1, 2)
	if err := c.Handshake(true, false); err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte("synthetic bulk "), 90)
	for i := 0; i < frames; i++ {
		if err := c.Send(i%4 != 0, payload); err != nil {
			t.Fatal(err)
		}
		w.Advance(10 * time.Microsecond)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParallelNoPerFrameAllocs: the pipeline (and the analysis of bulk
// frames of a known connection) allocates nothing per frame: twice the
// frames cost (almost) no more allocations. The pipeline's own are per
// file (batches, buffers) and per mapped window (4 MiB).
func TestParallelNoPerFrameAllocs(t *testing.T) {
	dir := t.TempDir()
	allocs := func(frames, threads int) float64 {
		p := filepath.Join(dir, fmt.Sprintf("bulk-%d.pcap", frames))
		if err := os.WriteFile(p, oneConnCapture(t, frames), 0o644); err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(2, func() {
			if _, err := Run(context.Background(), Config{Threads: threads}, []string{p}); err != nil {
				t.Fatal(err)
			}
		})
	}
	const n = 20000
	for _, threads := range []int{1, 2} {
		a1, a2 := allocs(n, threads), allocs(2*n, threads)
		t.Logf("threads %d: %.0f allocations for %d frames, %.0f for %d", threads, a1, n, a2, 2*n)
		if a2-a1 > n/100 {
			t.Errorf("threads %d: %.0f more allocations for %d more frames: allocations per frame", threads, a2-a1, n)
		}
	}
}

// BenchmarkAnalyzeFile analyzes a synthetic bulk capture (SMC handshakes,
// bulk TCP, UDP multicast) from a file, sequentially and in two
// goroutines; allocs/op are per file (20,000 frames).
func BenchmarkAnalyzeFile(b *testing.B) {
	p := filepath.Join(b.TempDir(), "bulk.pcap")
	if err := os.WriteFile(p, bulkCapture(b, 20000), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(context.Background(), Config{Threads: threads}, []string{p}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestPipeItemOneCacheLine: a frame crosses between the goroutines in one
// 64-byte item (on 64-bit platforms).
func TestPipeItemOneCacheLine(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("32-bit platform")
	}
	if n := unsafe.Sizeof(pipeItem{}); n != 64 {
		t.Errorf("pipeItem is %d bytes, want 64", n)
	}
}

// TestPipeItemRoundTrip: set and packet keep every field of a Packet that
// fits, and set refuses those that do not (they travel whole).
func TestPipeItemRoundTrip(t *testing.T) {
	data := []byte{1, 2, 3, 4}
	ok := []pcapfile.Packet{
		{Frame: 7, Info: pcapfile.CaptureInfo{Timestamp: time.Unix(1700000000, 123456789).UTC(), CaptureLength: 4, Length: 1500, InterfaceIndex: 3}, LinkType: 113, Interface: "eth1", Direction: pcapfile.DirectionOut, Data: data},
		{Frame: 1, Info: pcapfile.CaptureInfo{Timestamp: time.Time{}, CaptureLength: 0, Length: 0}, Data: nil},
		{Frame: 2, Info: pcapfile.CaptureInfo{Timestamp: time.Unix(-5, 1).UTC(), CaptureLength: 0, Length: 60}, Data: data[:0]},
	}
	for i, p := range ok {
		var it pipeItem
		if !it.set(&p) {
			t.Fatalf("%d: set refused %+v", i, p)
		}
		var q pcapfile.Packet
		it.packet(&q)
		if !reflect.DeepEqual(p.Info, q.Info) || p.Frame != q.Frame || p.LinkType != q.LinkType || p.Interface != q.Interface || p.Direction != q.Direction || !bytes.Equal(p.Data, q.Data) || len(p.Data) != len(q.Data) {
			t.Errorf("%d: %+v came back as %+v", i, p, q)
		}
	}
	bad := []pcapfile.Packet{
		{Info: pcapfile.CaptureInfo{Timestamp: time.Unix(1, 0).UTC(), CaptureLength: 3}, Data: data},
		{Info: pcapfile.CaptureInfo{Timestamp: time.Unix(1, 0), CaptureLength: 4}, Data: data},
		{Info: pcapfile.CaptureInfo{Timestamp: time.Unix(1, 0).UTC(), CaptureLength: 4, Length: -1}, Data: data},
		{Info: pcapfile.CaptureInfo{Timestamp: time.Unix(1, 0).UTC(), CaptureLength: 4}, KernelIfindex: 2, Data: data},
	}
	for i, p := range bad {
		var it pipeItem
		if it.set(&p) {
			t.Errorf("bad %d: set accepted %+v", i, p)
		}
	}
}
