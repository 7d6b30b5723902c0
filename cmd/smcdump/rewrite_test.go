package main

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
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

	// Damage before the -c'th packet is reported although the rest of the
	// file is not read: 8 bytes of garbage after the third block (the
	// section header, the interface, the first packet).
	off := 0
	for range 3 {
		off += int(binary.LittleEndian.Uint32(b[off+4:]))
	}
	garbled := append(append(append([]byte(nil), b[:off]...), bytes.Repeat([]byte{0xee}, 8)...), b[off:]...)
	in = filepath.Join(dir, "garbled.pcapng")
	if err := os.WriteFile(in, garbled, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-r", in, "-w", out, "-c", "4"}, {"-r", in, "-w", out}} {
		_, stderr, code := run(t, args...)
		if code != codeDamaged || !strings.Contains(stderr, "damaged input") {
			t.Errorf("%v: exit %d, want %d: %s", args, code, codeDamaged, stderr)
		}
	}
}

// TestRewriteMergeDiff: -V LIST -w OUT merges captures made at the same time
// packet by packet as mergecap does (the same packets in the same order),
// and with --order given writes them one after the other as tcpdump -V -w
// does. The inputs are synthetic traces that all start at the same second.
func TestRewriteMergeDiff(t *testing.T) {
	dir := t.TempDir()
	var in []string
	for _, n := range []string{"decline-after-confirm.pcapng", "smcr-v1.pcapng", "smcr-v2-link.pcapng"} {
		in = append(in, filepath.Join(synthDir, n))
	}
	list := filepath.Join(dir, "list")
	if err := os.WriteFile(list, []byte(strings.Join(in, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	type pk struct {
		ts   int64 // Unix ns
		data string
	}
	// firstDiff describes where two packet lists part (for the messages).
	firstDiff := func(a, b []pk) string {
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				return fmt.Sprintf("packet %d: %d ns %d bytes, want %d ns %d bytes", i, a[i].ts, len(a[i].data), b[i].ts, len(b[i].data))
			}
		}
		return fmt.Sprintf("%d packets, want %d", len(a), len(b))
	}
	packets := func(path string) []pk {
		var out []pk
		for _, p := range readFileAll(t, path).pkts {
			out = append(out, pk{p.Info.Timestamp.UnixNano(), string(p.Data)})
		}
		return out
	}
	merged := filepath.Join(dir, "merged.pcapng")
	if _, stderr, code := run(t, "-V", list, "-w", merged); code != 0 {
		t.Fatalf("-V -w: exit %d: %s", code, stderr)
	}
	got := packets(merged)
	byTime := func(a, b pk) int { return cmp.Compare(a.ts, b.ts) }
	if len(got) != 26 || !slices.IsSortedFunc(got, byTime) {
		t.Fatalf("merged: %d packets, in time order %v", len(got), slices.IsSortedFunc(got, byTime))
	}
	if mergecap, err := exec.LookPath("mergecap"); err != nil {
		t.Log("mergecap not installed (Debian package wireshark-common): not compared")
	} else {
		ref := filepath.Join(dir, "mergecap.pcapng")
		if out, err := exec.Command(mergecap, append([]string{"-w", ref}, in...)...).CombinedOutput(); err != nil {
			t.Fatalf("mergecap: %v\n%s", err, out)
		}
		// Packets with equal time stamps: smcdump writes the one of the
		// file listed first first, mergecap the one of the file listed last
		// (wiretap/merge.c takes the last file whose packet is not later).
		// Compare in time order, ties in byte order.
		want := packets(ref)
		byTimeData := func(a, b pk) int { return cmp.Or(cmp.Compare(a.ts, b.ts), strings.Compare(a.data, b.data)) }
		g := slices.SortedFunc(slices.Values(got), byTimeData)
		slices.SortFunc(want, byTimeData)
		if !reflect.DeepEqual(g, want) {
			t.Errorf("smcdump -V -w differs from mergecap: %s", firstDiff(g, want))
		}
	}

	concat := filepath.Join(dir, "concat.pcapng")
	if _, stderr, code := run(t, "-V", list, "-w", concat, "--order", "given"); code != 0 {
		t.Fatalf("-V -w --order given: exit %d: %s", code, stderr)
	}
	var want []pk
	for _, f := range in {
		want = append(want, packets(f)...)
	}
	if got := packets(concat); !reflect.DeepEqual(got, want) {
		t.Errorf("--order given: not the files one after the other: %s", firstDiff(got, want))
	}
	if tcpdump, err := exec.LookPath("tcpdump"); err != nil {
		t.Log("tcpdump not installed: not compared")
	} else {
		ref := filepath.Join(dir, "tcpdump.pcap")
		args := []string{"-V", list, "-w", ref}
		if os.Geteuid() == 0 {
			args = append(args, "-Z", "root")
		}
		if out, err := exec.Command(tcpdump, args...).CombinedOutput(); err != nil {
			t.Fatalf("tcpdump -V -w: %v\n%s", err, out)
		}
		// tcpdump writes microseconds: compare at that precision.
		tp, sp := packets(ref), packets(concat)
		for i := range sp {
			sp[i].ts -= sp[i].ts % 1000
		}
		if !reflect.DeepEqual(tp, sp) {
			t.Errorf("--order given differs from tcpdump -V -w: %s", firstDiff(sp, tp))
		}
	}
	if _, stderr, code := run(t, "-V", list, "-w", concat, "--order", "name"); code != codeUsage {
		t.Errorf("--order name: exit %d: %s", code, stderr)
	}
}
