package main

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestAnalyzeThreadsSameOutput runs analyze over every capture in
// testdata with --threads 1 (read, decode and analyze in one goroutine)
// and --threads 2 (read and decode in a second one), in text and JSON, one
// file at a time and each directory as one rotated capture, with and
// without a filter expression: standard output, standard error and the
// exit status must be the same.
func TestAnalyzeThreadsSameOutput(t *testing.T) {
	defer func(f func(int) string) { ifNameByIndex = f }(ifNameByIndex)
	ifNameByIndex = func(int) string { return "" }
	var files []string
	dirs := map[string][]string{}
	err := filepath.WalkDir("../../testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b := make([]byte, 4)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if n, _ := f.Read(b); n < 4 {
			return nil
		}
		switch binary.LittleEndian.Uint32(b) {
		case 0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1, 0x0A0D0D0A:
			files = append(files, p)
			dirs[filepath.Dir(p)] = append(dirs[filepath.Dir(p)], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d capture files in testdata", len(files))
	}
	sort.Strings(files)
	var cases [][]string
	for _, f := range files {
		cases = append(cases,
			[]string{"analyze", "--evidence=yes", f},
			[]string{"analyze", "--json", "--all", f},
			[]string{"analyze", "--fail-on", "any", f, "--", "tcp"})
	}
	// Damaged copies (cut, a zeroed region): exit status 4.
	tmp := t.TempDir()
	for i, f := range files {
		if i%4 != 0 {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		clear(b[len(b)/3 : min(len(b), len(b)/3+64)])
		p := filepath.Join(tmp, fmt.Sprintf("damaged-%d-%s", i, filepath.Base(f)))
		if err := os.WriteFile(p, b[:len(b)*3/4], 0o644); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, []string{"analyze", "--evidence=yes", p}, []string{"analyze", "--json", p})
	}
	for _, fs := range dirs {
		if len(fs) > 1 {
			sort.Strings(fs)
			cases = append(cases, append([]string{"analyze", "--json"}, fs...))
		}
	}
	codes := map[int]int{}
	for _, args := range cases {
		o1, e1, c1 := run(t, append([]string{"analyze", "--threads", "1"}, args[1:]...)...)
		o2, e2, c2 := run(t, append([]string{"analyze", "--threads", "2"}, args[1:]...)...)
		codes[c1]++
		if c1 == codeUsage {
			t.Errorf("%v: usage error: %s", args, e1)
		}
		if o1 != o2 || e1 != e2 || c1 != c2 {
			t.Errorf("%v: --threads 1 and 2 differ (exit %d, %d):\nstdout: %s\nstderr: %s", args, c1, c2, lineDiff(o1, o2), lineDiff(e1, e2))
		}
	}
	t.Logf("exit statuses: %v", codes)
	if _, stderr, code := run(t, "analyze", "--threads", "-1", files[0]); code != codeUsage {
		t.Errorf("--threads -1: exit %d, want %d (%s)", code, codeUsage, stderr)
	}
}
