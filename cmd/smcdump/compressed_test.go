package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// compressFile writes path compressed by the named command-line tool into
// dir and returns the new file's name (without an extension: the reader
// goes by the magic number); ok is false when the tool is missing.
func compressFile(t *testing.T, tool, path, dir string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Logf("%s not installed: not testing %s-compressed captures", tool, tool)
		return "", false
	}
	out, err := exec.Command(tool, "-c", path).Output()
	if err != nil {
		t.Fatalf("%s -c %s: %v", tool, path, err)
	}
	p := filepath.Join(dir, filepath.Base(path)+"-"+tool)
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, true
}

// TestAnalyzeCompressed: a capture compressed by gzip, zstd, lz4 or bzip2
// (as tcpdump -z and logrotate leave rotated files) is analyzed like the
// file itself — the text report differs only in its header line saying
// the compression, the JSON report only in the file's compression field —
// and `read -r` prints the same lines.
func TestAnalyzeCompressed(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"decline-after-confirm.pcapng", "smcd-v2-ipv6.pcap", "reassembly.pcap"} {
		plain := filepath.Join(synthDir, name)
		wantText, _, wantCode := run(t, "analyze", plain)
		wantJSON, _, _ := run(t, "analyze", "--json", plain)
		wantRead, _, _ := run(t, "read", "-r", plain)
		for _, tool := range []string{"gzip", "zstd", "lz4", "bzip2"} {
			z, ok := compressFile(t, tool, plain, dir)
			if !ok {
				continue
			}
			text, stderr, code := run(t, "analyze", z)
			if code != wantCode {
				t.Fatalf("%s %s: exit %d, want %d: %s", tool, name, code, wantCode, stderr)
			}
			if tool == "bzip2" {
				// Decoded on every CPU by default, in the one thread
				// with --threads 1: the same report.
				if one, _, _ := run(t, "analyze", "--threads", "1", z); one != text {
					t.Errorf("%s %s: --threads 1 reports\n%s\nthe default\n%s", tool, name, one, text)
				}
			}
			want := strings.Replace(wantText, plain+": "+strings.SplitN(strings.TrimPrefix(wantText, plain+": "), ",", 2)[0], "", 1)
			got := strings.Replace(text, z+": ", "", 1)
			format := "pcapng"
			if strings.HasSuffix(name, ".pcap") {
				format = "pcap"
			}
			if !strings.HasPrefix(got, format+" ("+tool+"-compressed)") || strings.TrimPrefix(got, format+" ("+tool+"-compressed)") != want {
				t.Errorf("%s %s: text report differs:\n%s\nwant (after the file name and format):\n%s", tool, name, text, want)
			}
			js, _, _ := run(t, "analyze", "--json", z)
			var a, b map[string]any
			if err := json.Unmarshal([]byte(wantJSON), &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(js), &b); err != nil {
				t.Fatal(err)
			}
			f := b["files"].([]any)[0].(map[string]any)
			if f["compression"] != tool {
				t.Errorf("%s %s: JSON compression %v", tool, name, f["compression"])
			}
			delete(f, "compression")
			f["path"] = plain
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s %s: JSON report differs:\n%s\nwant\n%s", tool, name, js, wantJSON)
			}
			if got, _, _ := run(t, "read", "-r", z); got != wantRead {
				t.Errorf("%s %s: read -r prints\n%s\nwant\n%s", tool, name, got, wantRead)
			}
		}
	}
}

// TestAnalyzeCompressedCutShort: a gzip file cut short (a rotation still
// being compressed) is analyzed up to the cut, and the exit status says the
// input was damaged; the report says where the decompressed data stops.
func TestAnalyzeCompressedCutShort(t *testing.T) {
	dir := t.TempDir()
	z, ok := compressFile(t, "gzip", filepath.Join(synthDir, "smcr-v2-link.pcapng"), dir)
	if !ok {
		t.Skip("gzip not installed")
	}
	b, err := os.ReadFile(z)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(z, b[:len(b)*3/4], 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := run(t, "analyze", z)
	if code != 4 {
		t.Fatalf("exit %d, want 4 (damaged input): %s", code, stderr)
	}
	for _, want := range []string{"(gzip-compressed)", "file problem at decompressed offset", "the gzip data ends early"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	_, stderr, code = run(t, "analyze", filepath.Join(synthDir, "..", "..", "README.md"))
	if code != 1 || !strings.Contains(stderr, "not a pcap or pcapng file") {
		t.Errorf("README.md: exit %d, %s", code, stderr)
	}
}

// TestRotatedGzipAnalyze: files rotated with -C and compressed by -z gzip
// (as tcpdump -C … -z gzip leaves them) are analyzed, in order, as the one
// capture they were cut from: the same verdicts as the original trace.
func TestRotatedGzipAnalyze(t *testing.T) {
	if _, err := exec.LookPath("gzip"); err != nil {
		t.Skip("gzip not installed")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "rot.pcapng")
	tr := filepath.Join(labDir, "6.12", "a-peer-no-smc.pcapng")
	if _, stderr, code := run(t, "-r", tr, "-w", out, "-C", "2k", "-z", "gzip"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(out + "*.gz")
	if len(files) < 2 {
		t.Fatalf("rotated and compressed files: %v", files)
	}
	// As a shell glob lists them: rot.pcapng.gz, rot.pcapng1.gz,
	// rot.pcapng10.gz, … rot.pcapng2.gz; analyze orders them by time.
	sort.Strings(files)
	// The report from the summary to the connection table (the per-file
	// header lines and the evidence name files and frames; the kernel
	// counter snapshots embedded in the original are not rewritten by -r -w).
	body := func(s string) string {
		i, j := strings.Index(s, "\nSMC summary"), strings.Index(s, "\nEvidence")
		if i < 0 || j < i {
			t.Fatalf("no SMC summary or evidence in\n%s", s)
		}
		return s[i:j]
	}
	want, _, _ := run(t, "analyze", tr)
	got, stderr, code := run(t, append([]string{"analyze"}, files...)...)
	if code != 0 {
		t.Fatalf("analyze %v: exit %d: %s", files, code, stderr)
	}
	if body(got) != body(want) {
		t.Errorf("rotated gzip files:\n%s\nwant as the original:\n%s", got, want)
	}
	// Up to 12 files, a line each; beyond, the first 3 and the last 2, and
	// one line for the others.
	described, summed := len(files), 0
	if len(files) > 12 {
		described, summed = 5, 1
	}
	if n, m := strings.Count(got, "(gzip-compressed)"), strings.Count(got, ", gzip-compressed):"); n != described || m != summed {
		t.Errorf("%d file lines and %d summary lines say gzip-compressed, want %d and %d:\n%s", n, m, described, summed, got)
	}
}

// sortRotated orders tcpdump -C names (base, base1, base2, … base10, each
// with the compressor's suffix) by their number.
func sortRotated(files []string, base string) {
	num := func(f string) int {
		s := strings.TrimSuffix(strings.TrimPrefix(f, base), ".gz")
		n := 0
		for _, c := range s {
			n = n*10 + int(c-'0')
		}
		return n
	}
	sort.Slice(files, func(i, j int) bool { return num(files[i]) < num(files[j]) })
}
