package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --html FILE writes the page and the text report as usual; --html - writes
// the page to standard output and the report to standard error; the page
// carries the smc-tools tables of the snapshots embedded in the capture.
func TestAnalyzeHTML(t *testing.T) {
	trace := filepath.Join("..", "..", "testdata", "lab", "out", "6.12", "c-smcr-link.pcapng")
	p := filepath.Join(t.TempDir(), "r.html")
	out, stderr, code := run(t, "analyze", "--html", p, trace)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, w := range []string{"<!DOCTYPE html>", `<svg class="ladder"`, "smc-tools tables before the capture", "smc-tools tables after the capture"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if !strings.Contains(out, "SMC-Rv2") {
		t.Errorf("text report missing on stdout: %.200q", out)
	}
	out, stderr, code = run(t, "analyze", "--html", "-", trace)
	if code != 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(stderr, "SMC-Rv2") {
		t.Fatalf("--html -: exit %d, stdout %.40q, stderr %.100q", code, out, stderr)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Fatal(`--html - created a file named "-"`)
	}
	if _, _, code := run(t, "analyze", "--html", "-", "--plot", "-", trace); code != codeUsage {
		t.Errorf("--html - --plot -: exit %d, want %d", code, codeUsage)
	}
	// a damaged input still gets its page, and the exit status says damaged
	bad := filepath.Join(t.TempDir(), "bad.pcapng")
	raw, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, append(raw, make([]byte, 64)...), 0o644); err != nil {
		t.Fatal(err)
	}
	p2 := filepath.Join(t.TempDir(), "bad.html")
	if _, stderr, code := run(t, "analyze", "--html", p2, bad); code != codeDamaged {
		t.Errorf("damaged input: exit %d, want %d: %s", code, codeDamaged, stderr)
	}
	if b, err := os.ReadFile(p2); err != nil || !strings.Contains(string(b), "DAMAGED INPUT") {
		t.Errorf("damaged input: page %v, %.100q", err, b)
	}
}

// With --json, --html still shows only the first --keep connections, and
// says how many it leaves out (the JSON lists them all).
func TestAnalyzeJSONHTMLNotListed(t *testing.T) {
	trace := filepath.Join("..", "..", "testdata", "lab", "out", "6.12", "g-many.pcapng")
	p := filepath.Join(t.TempDir(), "r.html")
	out, stderr, code := run(t, "analyze", "--json", "--keep", "5", "--html", p, trace)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "not listed (beyond --keep)") {
		t.Errorf("page does not say that connections beyond --keep 5 are not listed")
	}
	if strings.Contains(out, `"not_listed"`) {
		t.Errorf("the JSON report lists every connection, yet has not_listed")
	}
	if n := strings.Count(out, `"client":`); n < 100 {
		t.Errorf("the JSON report lists %d connections, want them all", n)
	}
}
