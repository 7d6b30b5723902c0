package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFailOnFragmentIDReuse: issue 9 item 1. A CI job running
// `analyze --fail-on loss` over a fragmented feed with an IP ID reused after
// a lost last fragment hung; it must finish and fail with the gate's
// status, naming the lost messages (testdata/synthetic/frag-id-reuse, a
// synthetic trace whose reassembly outcome TestReassemblyMatchesKernel
// checks against a real kernel). The deadline only catches a hang.
func TestFailOnFragmentIDReuse(t *testing.T) {
	path := filepath.Join(synthDir, "frag-id-reuse.pcapng")
	type res struct {
		stderr string
		code   int
	}
	done := make(chan res, 1)
	go func() {
		_, stderr, code := run(t, "analyze", "--fail-on", "loss", path)
		done <- res{stderr, code}
	}()
	select {
	case r := <-done:
		if r.code != codeGate || !strings.Contains(r.stderr, "3 UDP messages lost") {
			t.Errorf("exit %d, stderr %q; want %d and 3 messages lost", r.code, r.stderr, codeGate)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("analyze --fail-on loss did not finish")
	}
}
