//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/collect"
)

// withProcRoot makes `smcdump stats` read root instead of /proc, without SMC.
func withProcRoot(t *testing.T, root string) {
	t.Helper()
	old := collectSnapshot
	collectSnapshot = func(ctx context.Context, o collect.Options) (*kstat.Snapshot, error) {
		o.ProcRoot, o.SkipSMC = root, true
		return collect.Collect(ctx, o)
	}
	t.Cleanup(func() { collectSnapshot = old })
}

// copyProc copies the real /proc fixture and applies edits (nil removes).
func copyProc(t *testing.T, edits map[string][]byte) string {
	t.Helper()
	src := "../../testdata/kstat/proc/linux-6.18-real-udpdrop"
	root := t.TempDir()
	filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, _ := os.ReadFile(p)
		os.MkdirAll(filepath.Join(root, filepath.Dir(rel)), 0o755)
		return os.WriteFile(filepath.Join(root, rel), b, 0o644)
	})
	for name, b := range edits {
		if b == nil {
			os.Remove(filepath.Join(root, name))
		} else {
			os.WriteFile(filepath.Join(root, name), b, 0o644)
		}
	}
	return root
}

// TestStatsSourceErrors: one malformed, one missing and one empty /proc
// file: the snapshot is printed with each named, exit 0; when every source
// fails, exit 5 with the errors still printed.
func TestStatsSourceErrors(t *testing.T) {
	withProcRoot(t, copyProc(t, map[string][]byte{
		"net/netstat": []byte("TcpExt: A B\nTcpExt: 1 x\n"),
		"net/dev":     nil,
		"net/snmp":    {},
	}))
	out, errs, code := runMain(t, "stats")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{
		"Sources not used: 3",
		`/proc/net/netstat: parse error: net/netstat:2: value 2 (B): "x" is not a number`,
		"/proc/net/dev: read error: missing",
		"/proc/net/snmp: parse error: net/snmp:1: empty file",
		"Udp:\n    not in this snapshot: /proc/net/snmp",
		"drops 991",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	js, _, code := runMain(t, "stats", "--json")
	if code != 0 || !strings.Contains(js, `"source_errors": [`) || !strings.Contains(js, `"source": "/proc/net/netstat"`) || !strings.Contains(js, `"text": "TcpExt: A B\nTcpExt: 1 x\n"`) {
		t.Errorf("exit %d, JSON:\n%.2000s", code, js)
	}

	withProcRoot(t, t.TempDir())
	out, errs, code = runMain(t, "stats")
	if code != codeNoSource || !strings.Contains(errs, "no kernel counter source could be used") || !strings.Contains(out, "/proc/net/snmp: read error: missing") {
		t.Errorf("all failed: exit %d, stderr %q, out:\n%s", code, errs, out)
	}
}

// TestStatsReadLongLine: a first line longer than the parsers' limit is
// reported as such, never as empty input.
func TestStatsReadLongLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "long.txt")
	os.WriteFile(p, []byte("Udp:"+strings.Repeat(" InErrors", 5<<20/9)+"\nUdp: 1\n"), 0o644)
	_, errs, code := runMain(t, "stats", "-r", p)
	if code != 1 || strings.Contains(errs, "empty input") || !strings.Contains(errs, "net/snmp:1: line 1 longer than 4194304 bytes") {
		t.Errorf("exit %d, stderr %.300q", code, errs)
	}
}

// TestStatsWatchSourceErrors: --watch names a failed source once, at the
// start, since its counters are missing from every delta.
func TestStatsWatchSourceErrors(t *testing.T) {
	withProcRoot(t, copyProc(t, map[string][]byte{"net/netstat": []byte("TcpExt: A\n")}))
	out, errs, code := runMain(t, "stats", "--watch", "10ms", "--count", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "    source not used: /proc/net/netstat: parse error: net/netstat:1: header line without value line"
	if strings.Count(out, want) != 1 {
		t.Errorf("want %q once:\n%s", want, out)
	}
}

// TestStatsTablesSourceErrors: the smc-tools table selectors keep the
// tables alone on stdout and name the sources not used on stderr (JSON:
// "source_errors"); when no source could be used the exit status is 5.
func TestStatsTablesSourceErrors(t *testing.T) {
	withProcRoot(t, copyProc(t, map[string][]byte{"net/dev": nil}))
	out, errs, code := runMain(t, "stats", "--sockets")
	if code != 0 || !strings.Contains(errs, "source not used: /proc/net/dev: read error: missing") || strings.Contains(out, "/proc/net/dev") {
		t.Errorf("exit %d, stderr %q, out:\n%s", code, errs, out)
	}
	js, _, code := runMain(t, "stats", "--sockets", "--json")
	if code != 0 || !strings.Contains(js, `"source": "/proc/net/dev"`) {
		t.Errorf("exit %d, JSON:\n%.2000s", code, js)
	}

	withProcRoot(t, t.TempDir())
	_, errs, code = runMain(t, "stats", "--smcr-stats")
	if code != codeNoSource || !strings.Contains(errs, "no kernel counter source could be used") || !strings.Contains(errs, "source not used: /proc/net/snmp") {
		t.Errorf("all failed: exit %d, stderr %q", code, errs)
	}
}
