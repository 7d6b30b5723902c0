package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// fileRead is what a capture file holds: its packets (time, interface,
// data) and the times of its kernel-counter snapshots.
type fileRead struct {
	pkts   []pcapfile.Packet
	snaps  []time.Time
	ifaces int
}

func readFileAll(t *testing.T, path string) fileRead {
	t.Helper()
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	var r fileRead
	fr.OnCustom = func(cb pcapfile.CustomBlock) {
		js, ok := pcapfile.KstatJSON(cb)
		if !ok {
			return
		}
		var s struct {
			TakenAt time.Time `json:"taken_at"`
		}
		if err := json.Unmarshal(js, &s); err != nil {
			t.Fatalf("%s: snapshot at %d: %v", path, cb.Offset, err)
		}
		r.snaps = append(r.snaps, s.TakenAt)
	}
	for {
		p, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		q := pcapfile.Packet{Data: append([]byte(nil), p.Data...)}
		q.Info.Timestamp, q.Info.InterfaceIndex, q.Info.Length = p.Info.Timestamp, p.Info.InterfaceIndex, p.Info.Length
		r.pkts = append(r.pkts, q)
	}
	if n := fr.ProblemCount(); n > 0 {
		t.Fatalf("%s: %v", path, fr.Problems())
	}
	r.ifaces = len(fr.Interfaces())
	return r
}

// TestRewriteKeepsKernelSnapshots: -r FILE -w OUT [EXPR] keeps the
// kernel-counter snapshots smcdump's capture embedded (the newest before
// the first frame written, then every later one), so the analysis of the
// filtered file correlates with the same counters; with -C every rotated
// file starts with the newest snapshot before its first packet.
func TestRewriteKeepsKernelSnapshots(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(labDir, "6.12", "a-peer-no-smc.pcapng")
	out := filepath.Join(dir, "tcp.pcapng")
	if _, stderr, code := run(t, "-r", in, "-w", out, "tcp"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The correlation is the original's; the "before" snapshot may be a
	// later one (the newest before the first frame the filter kept).
	counters := func(report string) string {
		i := strings.Index(report, "Kernel counters (snapshots from capture)")
		if i < 0 {
			t.Fatalf("no kernel counters in\n%s", report)
		}
		var keep []string
		for _, l := range strings.Split(report[i:], "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "before:") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	want, _, _ := run(t, "analyze", in)
	got, _, _ := run(t, "analyze", out)
	if counters(got) != counters(want) {
		t.Errorf("kernel counters of the filtered file:\n%s\nwant as the original's:\n%s", got, want)
	}
	if r := readFileAll(t, out); len(r.snaps) < 2 || len(r.pkts) == 0 || r.snaps[0].After(r.pkts[0].Info.Timestamp) {
		t.Errorf("filtered file: snapshots %v, %d packets: want one before the first packet and one after", r.snaps, len(r.pkts))
	}

	in = filepath.Join(labDir, "6.12", "g-many.pcapng")
	orig := readFileAll(t, in)
	if len(orig.snaps) < 3 {
		t.Fatalf("%s: %d snapshots, the test needs several", in, len(orig.snaps))
	}
	out = filepath.Join(dir, "rot.pcapng")
	if _, stderr, code := run(t, "-r", in, "-w", out, "-C", "300k"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(out + "*")
	sortRotated(files, out)
	if len(files) < 3 {
		t.Fatalf("rotated files: %v", files)
	}
	total := 0
	for _, f := range files {
		r := readFileAll(t, f)
		total += len(r.pkts)
		if len(r.pkts) == 0 {
			continue
		}
		if len(r.snaps) == 0 || r.snaps[0].After(r.pkts[0].Info.Timestamp) {
			t.Errorf("%s: snapshots %v, first packet %s: no snapshot before it", f, r.snaps, r.pkts[0].Info.Timestamp)
		}
	}
	if total != len(orig.pkts) {
		t.Errorf("%d packets in the rotated files, %d in %s", total, len(orig.pkts), in)
	}
}

// TestRewriteMultiSection: a pcapng file of several sections (captures
// concatenated with cat), whose later sections describe their own
// interfaces, is rewritten whole: every packet, each on its interface.
func TestRewriteMultiSection(t *testing.T) {
	dir := t.TempDir()
	var cat []byte
	var want []pcapfile.Packet
	for _, n := range []string{"smcr-v1.pcapng", "decline-after-confirm.pcapng", "smcr-v2-link.pcapng"} {
		b, err := os.ReadFile(filepath.Join(synthDir, n))
		if err != nil {
			t.Fatal(err)
		}
		cat = append(cat, b...)
	}
	in := filepath.Join(dir, "cat.pcapng")
	if err := os.WriteFile(in, cat, 0o644); err != nil {
		t.Fatal(err)
	}
	orig := readFileAll(t, in)
	want = orig.pkts
	if orig.ifaces < 3 {
		t.Fatalf("%d interfaces in the concatenated file", orig.ifaces)
	}
	for _, format := range []string{"pcapng", "pcap"} {
		out := filepath.Join(dir, "out."+format)
		if _, stderr, code := run(t, "-r", in, "-w", out, "--format", format); code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		got := readFileAll(t, out)
		if format == "pcap" {
			for i := range want {
				want[i].Info.InterfaceIndex = 0 // pcap has one interface
			}
		}
		if !reflect.DeepEqual(got.pkts, want) {
			t.Errorf("%s: %d packets, want %d (or they differ)", format, len(got.pkts), len(want))
		}
		if n := tsharkPackets(t, out); n != len(want) {
			t.Errorf("%s: tshark reads %d packets, want %d", format, n, len(want))
		}
	}
}

// TestRewriteDamaged: a damaged input is rewritten up to and around the
// damage, the damage is reported with its offset, and the exit status is 4.
func TestRewriteDamaged(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(synthDir, "smcr-v2-link.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "cut.pcapng")
	if err := os.WriteFile(in, b[:len(b)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pcapng")
	_, stderr, code := run(t, "-r", in, "-w", out)
	if code != codeDamaged || !strings.Contains(stderr, "truncated") || !strings.Contains(stderr, "damaged input") {
		t.Fatalf("exit %d, want %d: %s", code, codeDamaged, stderr)
	}
	if r := readFileAll(t, out); len(r.pkts) == 0 {
		t.Errorf("nothing written before the damage")
	}
}
