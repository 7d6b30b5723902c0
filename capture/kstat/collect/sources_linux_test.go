//go:build linux

package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/kstat"
)

// fakeProc copies a /proc fixture tree into a temporary directory and
// applies edits: a nil value removes the file, others replace its content.
func fakeProc(t *testing.T, fixture string, edits map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join("../../../testdata/kstat", "proc", fixture)
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range edits {
		p := filepath.Join(root, name)
		if b == nil {
			os.Remove(p)
			continue
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestCollectSourcesIndependent: one malformed, one missing and one empty
// /proc file are each named with why; the other sources are collected; the
// malformed file's bytes are kept, cut to MaxFailedRaw.
func TestCollectSourcesIndependent(t *testing.T) {
	// A malformed netstat larger than MaxFailedRaw: a header line, then a
	// value line with one value too many.
	hdr := "TcpExt:" + strings.Repeat(" SyncookiesSent", 10000) + "\n"
	val := "TcpExt:" + strings.Repeat(" 0", 10001) + "\n"
	root := fakeProc(t, "linux-6.18-real-udpdrop", map[string][]byte{
		"net/netstat": []byte(hdr + val),
		"net/dev":     nil,
		"net/snmp":    {},
	})
	s, err := Collect(context.Background(), Options{SkipSMC: true, ProcRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/proc/net/netstat": "parse: net/netstat:2: 10001 values for 10000 names in header line 1",
		"/proc/net/dev":     "read: missing",
		"/proc/net/snmp":    "parse: net/snmp:1: empty file",
	}
	if len(s.SourceErrors) != len(want) {
		t.Errorf("source errors %v, want %d", s.SourceErrors, len(want))
	}
	for src, w := range want {
		e, ok := s.SourceError(src)
		if !ok || !strings.HasPrefix(e.Stage+": "+e.Error, w) {
			t.Errorf("%s: got %+v, want %q", src, e, w)
		}
	}
	if s.Failed() {
		t.Error("Failed() with most sources good")
	}
	// The other sources are all there.
	if s.Proc == nil || len(s.Proc.Sockets) == 0 || len(s.Proc.Softnet) == 0 || s.Proc.RmemMax == nil || s.Proc.SNMP6 == nil {
		t.Fatalf("good sources missing: %+v", s.Proc)
	}
	if s.Proc.Netstat != nil || s.Proc.SNMP != nil || s.Proc.Dev != nil {
		t.Errorf("failed sources left data: netstat %v snmp %v dev %v", s.Proc.Netstat != nil, s.Proc.SNMP != nil, s.Proc.Dev != nil)
	}
	// The malformed file's bytes are kept, bounded.
	var raw *kstat.RawSource
	for i := range s.Raw {
		if s.Raw[i].Name == "net/netstat" {
			raw = &s.Raw[i]
		}
	}
	if raw == nil || raw.Error == "" || len(raw.Text) != kstat.MaxFailedRaw || raw.CutFrom != len(hdr)+len(val) || !strings.HasPrefix(raw.Text, "TcpExt: SyncookiesSent") {
		t.Fatalf("raw netstat not kept as expected: %v", raw != nil)
	}
	// Text: each failed source named, the Udp section says why it is absent.
	var buf bytes.Buffer
	if err := s.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	txt := buf.String()
	for _, w := range []string{
		"Sources not used: 3 (the other sources are complete)",
		"    /proc/net/dev: read error: missing (file does not exist)",
		"    /proc/net/snmp: parse error: net/snmp:1: empty file",
		"    /proc/net/netstat: parse error: net/netstat:2: 10001 values for 10000 names",
		"Udp:\n    not in this snapshot: /proc/net/snmp parse error: net/snmp:1: empty file",
		"Udp6:", "drops 991", "net.core.rmem_max",
	} {
		if !strings.Contains(txt, w) {
			t.Errorf("text lacks %q:\n%s", w, txt)
		}
	}
	// JSON keeps the errors; reading it back keeps them (parse errors are
	// found again from the raw bytes, read errors are kept as recorded).
	b, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"source_errors":[`)) || !bytes.Contains(b, []byte(`"cut_from":`)) {
		t.Errorf("JSON lacks source_errors or cut_from")
	}
	back, err := kstat.ReadSnapshot(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.SourceErrors) != 3 {
		t.Errorf("after reading back: %v", back.SourceErrors)
	}
	if e, ok := back.SourceError("/proc/net/netstat"); !ok || !strings.Contains(e.Error, "values for 10000 names") || !strings.Contains(e.Error, "raw bytes kept: first 65536 of") {
		t.Errorf("netstat after reading back: %+v", e)
	}
	if back.Proc == nil || len(back.Proc.Sockets) != len(s.Proc.Sockets) {
		t.Errorf("good sources lost after reading back")
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
}

// TestCollectAllSourcesFailed: when no source can be used, the snapshot
// still lists every failure and Failed says so.
func TestCollectAllSourcesFailed(t *testing.T) {
	root := t.TempDir() // no /proc files at all
	s, err := Collect(context.Background(), Options{SkipSMC: true, ProcRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Failed() {
		t.Fatalf("Failed() = false: %v", s.SourceErrors)
	}
	// Required files are named; optional ones (IPv6, sysctls) are not.
	if _, ok := s.SourceError("/proc/net/snmp"); !ok {
		t.Error("missing /proc/net/snmp not named")
	}
	if _, ok := s.SourceError("/proc/net/snmp6"); ok {
		t.Error("optional /proc/net/snmp6 named as an error")
	}
	var buf bytes.Buffer
	s.WriteText(&buf)
	if !strings.Contains(buf.String(), "(no source could be used)") {
		t.Errorf("text:\n%s", buf.String())
	}
	// A healthy tree: no errors.
	ok, err := Collect(context.Background(), Options{SkipSMC: true, ProcRoot: fakeProc(t, "linux-6.18-real-udpdrop", nil)})
	if err != nil || len(ok.SourceErrors) != 0 || ok.Failed() {
		t.Errorf("healthy tree: %v %v", err, ok.SourceErrors)
	}
}
