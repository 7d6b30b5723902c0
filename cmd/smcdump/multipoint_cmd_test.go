package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/multipoint"
)

// analyze --point over the captures recorded by TestMultipointLab: flags,
// --fail-on gates, JSON, usage errors.
func TestAnalyzePoints(t *testing.T) {
	mp := func(s string) string { return filepath.Join("..", "..", "testdata", "multipoint", s+".pcapng") }
	stripped := []string{"--point", "client=" + mp("stripped-client"), "--point", "router=" + mp("stripped-router"), "--point", "server=" + mp("stripped-server")}
	lost := []string{"--point", "sender=" + mp("udp-lost-sender"), "--point", "router=" + mp("udp-lost-router"), "--point", "receiver=" + mp("udp-lost-receiver")}
	args := func(a ...[]string) []string {
		out := []string{"analyze"}
		for _, x := range a {
			out = append(out, x...)
		}
		return out
	}
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"stripped text", args(stripped), 0, "SMC option stripped between client and router: 20 SYN", ""},
		{"stripped gate", args([]string{"--fail-on", "stripped"}, stripped), codeGate, "", "stripped between client and router"},
		{"any gate", args([]string{"--fail-on", "any"}, stripped), codeGate, "", "stripped between client and router"},
		{"lost gate not met", args([]string{"--fail-on", "lost-between"}, stripped), 0, "", ""},
		{"lost text", args(lost), 0, "lost between sender and router: 51", ""},
		{"lost gate", args([]string{"--fail-on", "lost-between"}, lost), codeGate, "", "lost between sender and router: 51"},
		{"single-point gate with --point", args([]string{"--fail-on", "fallback"}, lost), codeUsage, "", "unknown condition"},
		{"one point", args(lost[:2]), codeUsage, "", "at least two"},
		{"bad point", []string{"analyze", "--point", "x", "--point", "y=z"}, codeUsage, "", "NAME=FILE"},
		{"positional and --point", args(lost, []string{mp("udp-lost-sender")}), codeUsage, "", "give every file to a point"},
		{"missing file", []string{"analyze", "--point", "a=/nonexistent.pcapng", "--point", "b=" + mp("udp-lost-router")}, codeError, "", "nonexistent"},
	} {
		stdout, stderr, code := run(t, c.args...)
		if code != c.code || !strings.Contains(stdout, c.stdout) || !strings.Contains(stderr, c.stderr) {
			t.Errorf("%s: exit %d (want %d)\nstdout: %s\nstderr: %s", c.name, code, c.code, stdout, stderr)
		}
	}
	stdout, _, code := run(t, args([]string{"--json"}, lost)...)
	var rep multipoint.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 {
		t.Fatalf("--json: exit %d, %v", code, err)
	}
	if rep.Schema != multipoint.SchemaVersion || len(rep.Points) != 3 || rep.Points[1].Single == nil || rep.Points[1].Single.UDPSeqLost != 50 {
		t.Errorf("JSON report: %+v", rep.Points)
	}
}
