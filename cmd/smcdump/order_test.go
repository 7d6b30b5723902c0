package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Files of a rotation written by smcdump -C (a real-kernel lab trace cut
// into parts of 2 kB) given as a shell glob lists them: analyze reads them
// in time order by default and says so; --order given reads them as given
// and shows where time goes back; a bad --order is a usage error.
func TestAnalyzeOrder(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(labDir, "6.12", "a-peer-no-smc.pcapng")
	files := globRotation(t, tr, dir)

	got, stderr, code := run(t, append([]string{"analyze"}, files...)...)
	if code != 0 {
		t.Fatalf("analyze: exit %d: %s", code, stderr)
	}
	if !strings.Contains(got, "Files analyzed in the order of their first packets' times, not as given") || strings.Contains(got, "Time goes back") {
		t.Errorf("time order:\n%s", got)
	}
	if !strings.Contains(got, "fallback  1") {
		t.Errorf("time order: the connection is not one fallback:\n%s", got)
	}

	given, stderr, code := run(t, append([]string{"analyze", "--order", "given"}, files...)...)
	if code != 0 {
		t.Fatalf("analyze --order given: exit %d: %s", code, stderr)
	}
	if !strings.Contains(given, "Time goes back at ") || !strings.Contains(given, "rot.pcapng2 starts at ") || strings.Contains(given, "Files analyzed in the order") {
		t.Errorf("--order given:\n%s", given)
	}

	if _, stderr, code := run(t, "analyze", "--order", "name", files[0]); code != codeUsage || !strings.Contains(stderr, "--order") {
		t.Errorf("--order name: exit %d, %s", code, stderr)
	}

	// --merge: the rotation's files merged packet by packet are the
	// original capture (the lab trace) again.
	merged, stderr, code := run(t, append([]string{"analyze", "--merge"}, files...)...)
	orig, _, _ := run(t, "analyze", tr)
	body := func(s string) string {
		_, b, _ := strings.Cut(s, "\nSMC summary")
		b, _, _ = strings.Cut(b, "\nEvidence")
		return b
	}
	if code != 0 || !strings.Contains(merged, "Files merged packet by packet by time stamp (--merge)") || body(merged) != body(orig) || body(orig) == "" {
		t.Errorf("analyze --merge: exit %d, %s\n%s\nwant as the original:\n%s", code, stderr, merged, orig)
	}
	if _, stderr, code := run(t, "analyze", "--merge", "--order", "given", files[0], files[1]); code != codeUsage || !strings.Contains(stderr, "--merge") {
		t.Errorf("--merge --order given: exit %d, %s", code, stderr)
	}

	// -V: the same files named in a list (a rotation too long for the
	// command line), one per line, blank lines skipped.
	list := filepath.Join(t.TempDir(), "list")
	if err := os.WriteFile(list, []byte(strings.Join(files, "\n")+"\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fromList, stderr, code := run(t, "analyze", "-V", list); code != 0 || fromList != got {
		t.Errorf("analyze -V list: exit %d, %s\n%s\nwant as with the files as arguments:\n%s", code, stderr, fromList, got)
	}
	if _, stderr, code := run(t, "analyze", "-V", filepath.Join(dir, "missing")); code != codeUsage || !strings.Contains(stderr, "missing") {
		t.Errorf("-V missing list: exit %d, %s", code, stderr)
	}
	// ls | smcdump analyze -V -
	var o, e bytes.Buffer
	if code := Main([]string{"analyze", "-V", "-"}, strings.NewReader(strings.Join(files, "\n")), &o, &e); code != 0 || o.String() != got {
		t.Errorf("analyze -V - (names on standard input): exit %d, %s\n%s", code, e.String(), o.String())
	}
	e.Reset()
	if code := Main([]string{"analyze", "-V", "-", "-"}, strings.NewReader(files[0]), io.Discard, &e); code != codeUsage || !strings.Contains(e.String(), "standard input") {
		t.Errorf("-V - with -: exit %d, %s", code, e.String())
	}
}

// The files of a rotation (smcdump -C from a real-kernel lab trace with
// embedded kernel-counter snapshots) listed as a shell glob lists them are
// joined by -V -w into the original capture: every packet in its place, one
// interface, the snapshots that each rotated file repeats at its start
// written once.
func TestRewriteRotationJoin(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(labDir, "6.12", "c-smcr-link.pcapng")
	files := globRotation(t, tr, dir)
	list := filepath.Join(dir, "list")
	if err := os.WriteFile(list, []byte(strings.Join(files, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	joined := filepath.Join(dir, "joined.pcapng")
	if _, stderr, code := run(t, "-V", list, "-w", joined); code != 0 {
		t.Fatalf("-V -w: exit %d: %s", code, stderr)
	}
	orig, got := readFileAll(t, tr), readFileAll(t, joined)
	if !reflect.DeepEqual(got.pkts, orig.pkts) {
		t.Errorf("joined: %d packets, original %d (or they differ)", len(got.pkts), len(orig.pkts))
	}
	if got.ifaces != 1 {
		t.Errorf("joined: %d interfaces, want 1", got.ifaces)
	}
	if len(orig.snaps) < 3 || !reflect.DeepEqual(got.snaps, orig.snaps) {
		t.Errorf("joined: snapshots %v, original %v", got.snaps, orig.snaps)
	}
}

// globRotation rotates trace into dir/rot.pcapng, rot.pcapng1, … (smcdump
// -r -w -C 2k: more than ten files) and returns them as a shell glob lists
// them: rot.pcapng10 before rot.pcapng2.
func globRotation(t *testing.T, trace, dir string) []string {
	t.Helper()
	out := filepath.Join(dir, "rot.pcapng")
	if _, stderr, code := run(t, "-r", trace, "-w", out, "-C", "2k"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(out + "*")
	if len(files) < 11 {
		t.Fatalf("%d rotated files: want more than 10, for rot.pcapng10 to sort before rot.pcapng2", len(files))
	}
	sort.Strings(files)
	return files
}
