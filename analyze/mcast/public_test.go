package mcast

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "update golden files in testdata/mcast")

var goldenDir = filepath.Join("..", "..", "testdata", "mcast")

// golden compares the text and JSON renderings of r with
// testdata/mcast/<name>.txt and .json (rewritten with -update).
func golden(t *testing.T, name string, r *Report) {
	t.Helper()
	var txt bytes.Buffer
	if err := r.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	js = append(js, '\n')
	for _, f := range []struct {
		ext  string
		data []byte
	}{{".txt", txt.Bytes()}, {".json", js}} {
		p := filepath.Join(goldenDir, name+f.ext)
		if *update {
			if err := os.WriteFile(p, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if d := cmp.Diff(string(want), string(f.data)); d != "" {
			t.Errorf("%s differs (-want +got), run with -update if intended:\n%s", p, d)
		}
	}
}

// derive builds a variant of a capture: frames are picked by their original
// 1-based number (0 = drop), and renumbered as editcap would.
func derive(ds []Datagram, frames ...int) []Datagram {
	out := make([]Datagram, 0, len(frames))
	for _, f := range frames {
		for _, d := range ds {
			if d.Frame == f {
				out = append(out, d)
			}
		}
	}
	for i := range out {
		out[i].Frame = i + 1
	}
	return out
}

func without(ds []Datagram, drop ...int) []Datagram {
	var keep []int
	for _, d := range ds {
		skip := false
		for _, x := range drop {
			skip = skip || d.Frame == x
		}
		if !skip {
			keep = append(keep, d.Frame)
		}
	}
	return derive(ds, keep...)
}

type seqSummary struct {
	Format                                        string
	Expected, Received, Lost, Dups, Reord, Resets uint64
	Gaps                                          []gapT
}

func summarize(s Stream) seqSummary {
	r := seqSummary{Format: s.Format}
	for _, q := range s.Sequences {
		r.Expected += q.Expected
		r.Received += q.Received
		r.Lost += q.Lost
		r.Dups += q.Duplicates
		r.Reord += q.Reordered
		r.Resets += q.ResetCount
		for _, g := range q.Gaps {
			r.Gaps = append(r.Gaps, gapT{g.FirstMissing, g.Count})
		}
	}
	return r
}

// test-162.pcap (tsduck-test, BSD-2-Clause): VLAN 123, 10.101.10.90:2000 ->
// 235.0.2.1:2000, 16 x RTP/MP2T, SSRC 0x05060000, seq 29718..29733.
func TestPublic162(t *testing.T) {
	ds, _ := readCapture(t, publicFile(t, "test-162.pcap"))
	if len(ds) != 16 || ds[0].VLAN != 123 {
		t.Fatalf("read %d datagrams, vlan %d; want 16, 123", len(ds), ds[0].VLAN)
	}
	merged := make([]Datagram, 0, 32) // mergecap of the file with itself
	for _, d := range ds {
		merged = append(merged, d, d)
	}
	for i := range merged {
		merged[i].Frame = i + 1
	}
	seq := func(n ...int) []int { return n }
	tests := []struct {
		name string
		ds   []Datagram
		want seqSummary
	}{
		{"test-162", ds, seqSummary{Format: "rtp-ts", Expected: 16, Received: 16}},
		// editcap -r test-162.pcap out.pcap 1-4 7-16: tshark "Lost 2"
		{"test-162-gap", without(ds, 5, 6), seqSummary{Format: "rtp-ts", Expected: 16, Received: 14, Lost: 2, Gaps: []gapT{{29722, 2}}}},
		// mergecap with itself: tshark "Lost -16"; smcdump: 16 duplicates, no loss
		{"test-162-dup", merged, seqSummary{Format: "rtp-ts", Expected: 16, Received: 16, Dups: 16}},
		// frames 8 and 9 swapped, frame 12 later still: reordering is not loss
		{"test-162-reorder", derive(ds, seq(1, 2, 3, 4, 5, 6, 7, 9, 8, 10, 11, 13, 14, 12, 15, 16)...), seqSummary{Format: "rtp-ts", Expected: 16, Received: 16, Reord: 2}},
		// lost frame 3, frame 10 duplicated, 12/13 swapped, 15 lost
		{"test-162-mixed", derive(ds, seq(1, 2, 4, 5, 6, 7, 8, 9, 10, 10, 11, 13, 12, 14, 16)...), seqSummary{Format: "rtp-ts", Expected: 16, Received: 14, Lost: 2, Dups: 1, Reord: 1, Gaps: []gapT{{29720, 1}, {29732, 1}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(Config{}, tc.ds)
			if len(r.Streams) != 1 {
				t.Fatalf("%d streams, want 1", len(r.Streams))
			}
			if d := cmp.Diff(tc.want, summarize(r.Streams[0])); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if ts := r.Streams[0].TS; ts == nil || ts.Missing != 0 {
				t.Errorf("TS CC errors not explained by RTP: %+v", ts)
			}
			golden(t, tc.name, r)
		})
	}
}

// test-176.pcapng: bare MPEG-TS over unicast UDP, IPv4 (12) and IPv6 (10).
func TestPublic176(t *testing.T) {
	ds, _ := readCapture(t, publicFile(t, "test-176.pcapng"))
	var v4 []int
	for _, d := range ds {
		if d.Dst.Port() == 7777 {
			v4 = append(v4, d.Frame)
		}
	}
	if len(ds) != 22 || len(v4) != 12 {
		t.Fatalf("read %d datagrams (%d IPv4), want 22 (12)", len(ds), len(v4))
	}
	dupd := make([]Datagram, 0, len(ds)+1)
	for _, d := range ds {
		dupd = append(dupd, d)
		if d.Frame == v4[3] {
			dupd = append(dupd, d)
		}
	}
	tests := []struct {
		name                  string
		ds                    []Datagram
		missing, dupDatagrams uint64
	}{
		{"test-176", ds, 0, 0},
		// one IPv4 datagram (7 TS packets of PID 0x64) removed
		{"test-176-gap", without(ds, v4[4]), 7, 0},
		// one datagram captured twice: removed before the CC check
		{"test-176-dup", dupd, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(Config{}, tc.ds)
			if len(r.Streams) != 2 {
				t.Fatalf("%d streams, want 2", len(r.Streams))
			}
			s := r.Streams[0] // 192.168.233.11:7777 sorts before the IPv6 stream
			if s.Format != "ts" || s.TS.Missing != tc.missing || s.TS.DuplicateDatagrams != tc.dupDatagrams || s.Lost != tc.missing {
				t.Errorf("format %s missing %d dup datagrams %d lost %d; want ts %d %d", s.Format, s.TS.Missing, s.TS.DuplicateDatagrams, s.Lost, tc.missing, tc.dupDatagrams)
			}
			if r.Streams[1].Format != "ts" || r.Streams[1].Lost != 0 {
				t.Errorf("IPv6 stream: %s lost %d", r.Streams[1].Format, r.Streams[1].Lost)
			}
			golden(t, tc.name, r)
		})
	}
}

// test-171.11.pcapng: 47 datagrams of 204-byte TS packets (7 per datagram),
// null-packet datagrams repeat by design and are not duplicates.
func TestPublic171(t *testing.T) {
	ds, drops := readCapture(t, publicFile(t, "test-171.11.pcapng"))
	tr := NewTracker(Config{})
	for i := range ds {
		tr.Add(&ds[i])
	}
	for _, d := range drops {
		tr.AddCaptureDrop(d)
	}
	r := tr.Report()
	if len(r.Streams) != 1 || r.Streams[0].TS == nil || r.Streams[0].TS.Packets != 329 || r.Lost() != 0 || r.Streams[0].TS.DuplicateDatagrams != 0 {
		t.Fatalf("unexpected report: %+v", r.Streams)
	}
	golden(t, "test-171", r)
}

func TestCaptureDropsNextToGap(t *testing.T) {
	ds, _ := readCapture(t, publicFile(t, "test-162.pcap"))
	gap := without(ds, 5, 6)
	t0 := ds[0].Time
	for _, tc := range []struct {
		name    string
		drops   []CaptureDrop
		verdict string
		dropped uint64
	}{
		{"no counters", nil, "unverified", 0},
		{"capture dropped them", []CaptureDrop{{Time: t0.Add(-time.Second), IfDrop: 0, Cumulative: true}, {Time: t0.Add(time.Second), IfDrop: 2, Cumulative: true}}, "capture", 2},
		{"capture dropped one", []CaptureDrop{{Time: t0.Add(time.Second), OSDrop: 1}}, "capture?", 1},
		{"no capture drops", []CaptureDrop{{Time: t0.Add(time.Second), Cumulative: true}}, "network", 0},
		{"other interface", []CaptureDrop{{Time: t0.Add(time.Second), Interface: 1, IfDrop: 5, Cumulative: true}}, "unverified", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(Config{})
			for i := range gap {
				tr.Add(&gap[i])
			}
			for _, d := range tc.drops {
				tr.AddCaptureDrop(d)
			}
			g := tr.Report().Gaps()
			if len(g) != 1 || g[0].Verdict != tc.verdict {
				t.Fatalf("gaps %+v, want one with verdict %s", g, tc.verdict)
			}
			var got uint64
			if g[0].CaptureDrops != nil {
				got = g[0].CaptureDrops.Dropped
			}
			if got != tc.dropped {
				t.Errorf("dropped %d, want %d", got, tc.dropped)
			}
		})
	}
}

// A/B legs: test-162 replayed as a second leg on 235.0.2.2 (synthetic
// variant of a public capture). Leg A misses frames 5-6, leg B misses 6-8:
// only frame 6 (seq 29723) is lost on both legs.
func TestPairs(t *testing.T) {
	ds, _ := readCapture(t, publicFile(t, "test-162.pcap"))
	a := without(ds, 5, 6)
	b := without(ds, 6, 7, 8)
	legB := make([]Datagram, len(b))
	copy(legB, b)
	for i := range legB {
		legB[i].Dst = mustAP("235.0.2.2:2000")
		legB[i].Time = legB[i].Time.Add(time.Microsecond)
	}
	all := append(append([]Datagram(nil), a...), legB...)
	for _, tc := range []struct {
		name string
		cfg  Config
		auto bool
	}{
		{"explicit", Config{Pairs: [][2]string{{"235.0.2.1:2000", "235.0.2.2:2000"}}, NoAutoPair: true}, false},
		{"auto", Config{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.cfg, all)
			if len(r.Pairs) != 1 {
				t.Fatalf("pairs: %+v", r.Pairs)
			}
			p := r.Pairs[0]
			got := []uint64{p.LostA, p.LostB, p.LostBoth}
			if d := cmp.Diff([]uint64{2, 3, 1}, got); d != "" || len(p.Gaps) != 1 || p.Gaps[0].FirstMissing != 29723 || p.Auto != tc.auto {
				t.Errorf("pair %+v (-want +got lost a/b/both)\n%s", p, d)
			}
			golden(t, "pair-"+tc.name, r)
		})
	}
}

func mustAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
