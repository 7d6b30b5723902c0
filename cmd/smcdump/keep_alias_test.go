package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestMaxConnectionsIsKeep: --max-connections is a hidden, deprecated alias
// of --keep (they overlapped): the same report, and a note on stderr.
func TestMaxConnectionsIsKeep(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "synthetic", "plain-tcp.pcapng")
	want, _, code := run(t, "analyze", "--evidence=no", "--keep", "1", path)
	if code != codeOK {
		t.Fatalf("--keep exit %d", code)
	}
	got, stderr, code := run(t, "analyze", "--evidence=no", "--max-connections", "1", path)
	if code != codeOK || got != want {
		t.Fatalf("--max-connections 1 (exit %d):\n%s\nwant the --keep 1 report:\n%s", code, got, want)
	}
	if !strings.Contains(stderr, "--max-connections is deprecated, use --keep") {
		t.Errorf("no deprecation note on stderr: %q", stderr)
	}
	if out, _, _ := run(t, "analyze", "--help"); strings.Contains(out, "max-connections") {
		t.Error("--max-connections is listed in --help")
	}
}
