package analyze

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Stress inputs of issue 14 (memory bounded at any size), all synthetic:
// many short UDP flows, and a capture holding nothing but a day of
// embedded kernel counter snapshots. The tests feed them in process and
// check the Go heap; SMCDUMP_STRESS_OUT=DIR also writes them as files for
// `/usr/bin/time -f %M smcdump analyze FILE`.

// writeUDPFlows writes n UDP flows of three datagrams of random payload
// (nothing sequence-analyzable): flows start in batches of 1000 that
// interleave, 10 µs apart, so every flow is active within seconds of the
// others (no idle time to finish streams by).
func writeUDPFlows(w io.Writer, n int) error { return writeUDPFlowsN(w, n, 3, 512) }

// writeUDPFlowsN is writeUDPFlows with per datagrams of size bytes per flow.
func writeUDPFlowsN(w io.Writer, n, per, size int) error {
	sw, err := synth.NewPcap(w, synth.Ethernet, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), true)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(14, 3))
	payload := make([]byte, size)
	const batch = 1000
	for b := 0; b < n; b += batch {
		m := min(batch, n-b)
		for k := 0; k < per; k++ {
			for i := b; i < b+m; i++ {
				src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 16), byte(i >> 8)}), uint16(20000+i%40000))
				dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}), uint16(20000+i%30000))
				for j := range payload {
					payload[j] = byte(rng.Uint32())
				}
				if err := sw.UDP(src, dst, payload); err != nil {
					return err
				}
				sw.Advance(10 * time.Microsecond)
			}
		}
	}
	return sw.Flush()
}

// stressSnapshot is a real kernel's counters: the first snapshot smcdump
// capture embedded in a lab recording (testdata/lab, SMC-R on Linux 6.1).
func stressSnapshot(t testing.TB) *kstat.Snapshot {
	t.Helper()
	fr, err := pcapfile.OpenFile(filepath.Join("..", "testdata", "lab", "out", "6.1", "g-many.pcapng"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	var first *kstat.Snapshot
	fr.OnCustom = func(cb pcapfile.CustomBlock) {
		if s, ok, err := decodeEmbeddedSnapshot(cb); ok && err == nil && first == nil {
			first = s
		}
	}
	for first == nil {
		if _, err := fr.Next(); err != nil {
			break
		}
	}
	if first == nil {
		t.Fatal("no embedded snapshot in the lab recording")
	}
	return first
}

// writeSnapshots writes a pcapng with n kernel counter snapshots embedded
// the way smcdump capture does (pcapfile.NgWriter.WriteKstat, one every
// 10 s) and no packets. Snapshot i is base taken at start+10s*i
// (plus 1 ns, which keeps the JSON time at a fixed width).
func writeSnapshots(w io.Writer, base *kstat.Snapshot, n int) error {
	nw, err := pcapfile.NewNgWriter(w, pcapfile.SectionInfo{Application: "smcdump stress test (synthetic)", OS: "Linux", Hardware: "x86_64"},
		[]pcapfile.Interface{{Name: "eth0", LinkType: pcapfile.LinkType(1)}}, 0)
	if err != nil {
		return err
	}
	start := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	// Marshal once and rewrite the time in place (RFC 3339 with
	// nanoseconds, fixed width): the writer allocates next to nothing,
	// so the heap measured is the reader's.
	s := *base
	s.TakenAt = start.Add(time.Nanosecond)
	b, err := json.Marshal(&s)
	if err != nil {
		return err
	}
	stamp := []byte(`"taken_at":"`)
	at := bytes.Index(b, stamp)
	if at < 0 {
		return errors.New("no taken_at in the snapshot JSON")
	}
	at += len(stamp)
	const layout = "2006-01-02T15:04:05.000000000Z"
	for i := 0; i < n; i++ {
		copy(b[at:], start.Add(time.Duration(i)*10*time.Second+time.Nanosecond).Format(layout))
		if err := nw.WriteKstat(b); err != nil {
			return err
		}
	}
	return nw.Flush()
}

// writeStressFile writes one stress input into SMCDUMP_STRESS_OUT when set.
func writeStressFile(t *testing.T, name string, write func(io.Writer) error) {
	dir := os.Getenv("SMCDUMP_STRESS_OUT")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", f.Name())
}

// heapWatch samples the live Go heap (after a GC: what the analysis keeps,
// not garbage waiting to be collected) from inside the analysis, every
// `every` frames or custom blocks, through the analyzer's frame filter and
// custom block hooks: the samples see the analyzer between two frames.
type heapWatch struct {
	base, max uint64
	n, every  int
}

func (h *heapWatch) sample() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.max = max(h.max, ms.HeapAlloc)
}

func (h *heapWatch) tick() {
	if h.n++; h.n%h.every == 0 {
		h.sample()
	}
}

// Match is analyze.FrameFilter: every frame takes part.
func (h *heapWatch) Match(*pcapfile.Packet) (bool, error) { h.tick(); return true, nil }

// analyzeStress analyzes the capture write produces (through a pipe, no
// file) and returns the report and the largest growth of the live heap
// over the heap before the analysis, sampled every `every` frames or
// custom blocks and at the end (report still held).
func analyzeStress(t *testing.T, cfg Config, every int, write func(io.Writer) error) (*Analyzer, *report.Report, uint64) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		err := write(bw)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	h := &heapWatch{every: every}
	h.sample()
	h.base, h.max = h.max, 0
	cfg.Filter = h
	cfg.Custom = func(int, pcapfile.CustomBlock) { h.tick() }
	a := NewAnalyzer(cfg)
	fr, err := pcapfile.NewFileReader(pr)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AnalyzeReader(context.Background(), "stress", fr); err != nil {
		t.Fatal(err)
	}
	r := a.Finish()
	h.sample()
	runtime.KeepAlive(r)
	return a, r, h.max - min(h.max, h.base)
}

// TestStressSnapshotsStreamed: a day of embedded snapshots (8,640, one
// every 10 s; 500 with -short) costs the memory of two, and the report
// brackets the capture with the first and the last.
func TestStressSnapshotsStreamed(t *testing.T) {
	n := 8640
	if testing.Short() {
		n = 500
		t.Log("-short: 500 snapshots instead of 8,640")
	}
	base := stressSnapshot(t)
	_, r, peak := analyzeStress(t, Config{}, 250, func(w io.Writer) error { return writeSnapshots(w, base, n) })
	t.Logf("%d snapshots: peak live heap %.1f MiB", n, float64(peak)/(1<<20))
	// One decoded snapshot takes about 36 KiB: holding them all takes
	// 18 MiB with -short, 300 MiB without.
	if peak > 8<<20 {
		t.Errorf("peak live heap %d bytes for %d snapshots, want < 8 MiB (snapshots must be streamed)", peak, n)
	}
	c := r.Counters
	if c == nil || c.Before == nil || c.After == nil {
		t.Fatalf("counters = %+v, want before and after", c)
	}
	if c.Before.Time != "2026-01-02 00:00:00.000000" {
		t.Errorf("before = %s, want the first snapshot", c.Before.Time)
	}
	last := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(n-1) * 10 * time.Second)
	if want := last.Format(report.TimeLayout); c.After.Time != want {
		t.Errorf("after = %s, want the last snapshot %s", c.After.Time, want)
	}
}

// TestStressInputs writes the stress inputs when SMCDUMP_STRESS_OUT is set.
func TestStressInputs(t *testing.T) {
	if os.Getenv("SMCDUMP_STRESS_OUT") == "" {
		t.Skip("set SMCDUMP_STRESS_OUT=DIR to write the stress inputs of issue 14 there")
	}
	writeStressFile(t, "udp-flows-200k.pcap", func(w io.Writer) error { return writeUDPFlows(w, 200000) })
	base := stressSnapshot(t)
	writeStressFile(t, "snapshots-8640.pcapng", func(w io.Writer) error { return writeSnapshots(w, base, 8640) })
}

// TestStressUDPFlows: 200,000 UDP flows of three datagrams of random
// payload (20,000 with -short) cost the memory of the stream bounds, not
// of the flows; the report lists DefaultKeepStreams of them, sums the
// rest and says so.
func TestStressUDPFlows(t *testing.T) {
	n := 200000
	if testing.Short() {
		n = 20000
		t.Log("-short: 20,000 flows instead of 200,000")
	}
	_, r, peak := analyzeStress(t, Config{}, 20000, func(w io.Writer) error { return writeUDPFlows(w, n) })
	t.Logf("%d flows: peak live heap growth %.1f MiB", n, float64(peak)/(1<<20))
	// Without bounds a flow costs about 8 KiB: 160 MiB for 20,000.
	if peak > 32<<20 {
		t.Errorf("peak live heap growth %d bytes for %d flows, want < 32 MiB", peak, n)
	}
	m := r.Multicast
	if m == nil || m.Limits == nil || m.Limits.Omitted == nil {
		t.Fatalf("multicast report without limits: %+v", m)
	}
	if len(m.Streams) != DefaultKeepStreams || m.Limits.Seen != uint64(n) || m.Limits.Omitted.Streams != uint64(n-DefaultKeepStreams) {
		t.Errorf("listed %d, seen %d, omitted %d", len(m.Streams), m.Limits.Seen, m.Limits.Omitted.Streams)
	}
	var pk uint64
	for _, s := range m.Streams {
		pk += s.Packets
	}
	if pk+m.Limits.Omitted.Packets != uint64(3*n) {
		t.Errorf("datagrams listed %d + omitted %d, want %d", pk, m.Limits.Omitted.Packets, 3*n)
	}
	var sb strings.Builder
	if err := r.WriteText(&sb, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(sb.String(), "\n"); lines > 4*DefaultKeepStreams {
		t.Errorf("text report of %d lines", lines)
	}
}
