package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestFailOnOptionEchoed: --fail-on option-echoed selects the servers that
// echo the SMC option; error and any cover it, fallback and timeout do not
// (the client fails the connection with EPROTO, it does not fall back).
func TestFailOnOptionEchoed(t *testing.T) {
	echoed := filepath.Join(synthDir, "option-echoed.pcapng")
	aborted := filepath.Join(synthDir, "no-confirm-rst.pcapng")
	cases := []struct {
		file, cond string
		want       int
	}{
		{echoed, "option-echoed", codeGate},
		{echoed, "error", codeGate},
		{echoed, "any", codeGate},
		{echoed, "fallback", 0},
		{echoed, "timeout", 0},
		{echoed, "decline", 0},
		{echoed, "unknown", 0},
		{aborted, "option-echoed", 0},
		{aborted, "timeout", codeGate},
	}
	for _, c := range cases {
		_, stderr, code := run(t, "analyze", "--fail-on", c.cond, c.file)
		if code != c.want {
			t.Errorf("%s --fail-on %s: exit %d, want %d (%s)", filepath.Base(c.file), c.cond, code, c.want, stderr)
		}
		if c.want == codeGate && c.cond == "option-echoed" {
			if want := "--fail-on: 3 option-echoed"; !strings.Contains(stderr, want) {
				t.Errorf("stderr %q does not name %q", stderr, want)
			}
		}
	}
}
