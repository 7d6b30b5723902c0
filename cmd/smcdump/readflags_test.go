package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownFlagIsUsageError: an unknown flag exits 2 (README: usage
// errors), on the root command and on subcommands.
func TestUnknownFlagIsUsageError(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"-@"}, {"read", "--no-such-flag", "-r", "x"}, {"analyze", "--no-such-flag", "x"}} {
		_, stderr, code := run(t, args...)
		if code != codeUsage || !strings.Contains(stderr, "unknown") {
			t.Errorf("%v: exit %d, stderr %q; want %d", args, code, stderr, codeUsage)
		}
	}
}

// TestReadAndRootShareFlags: "smcdump -r" and "smcdump read -r" accept the
// same tcpdump flags and print the same.
func TestReadAndRootShareFlags(t *testing.T) {
	tr := filepath.Join(synthDir, "smcr-v1.pcapng")
	for _, fl := range [][]string{
		{}, {"-nn"}, {"-N"}, {"-e"}, {"-v"}, {"-vv", "-K"}, {"-t"}, {"-tt"}, {"-ttt"}, {"-tttt"}, {"-ttttt"}, {"--tttt"},
		{"-x"}, {"-xx"}, {"-X"}, {"-XX"}, {"-A"}, {"-q"}, {"-#"}, {"-S"}, {"--nano"}, {"--micro"},
		{"--time-stamp-precision=nano"}, {"--time-stamp-precision", "micro"}, {"-c", "2"}, {"--json"},
	} {
		a, aerr, acode := run(t, append(append([]string{}, fl...), "-r", tr)...)
		b, berr, bcode := run(t, append(append([]string{"read"}, fl...), "-r", tr)...)
		if acode != 0 || bcode != 0 {
			t.Errorf("%v: exit %d (%s) / %d (%s)", fl, acode, aerr, bcode, berr)
			continue
		}
		if a != b || a == "" {
			t.Errorf("%v: smcdump -r and smcdump read differ:\n%s\n---\n%s", fl, a, b)
		}
	}
}

func TestReadFlagErrors(t *testing.T) {
	tr := filepath.Join(synthDir, "smcr-v1.pcapng")
	for _, args := range [][]string{
		{"-r", tr, "--time-stamp-precision=milli"},
		{"-r", tr, "--nano", "--micro"},
		{"-r", tr, "-tttttt"},
		{"-r", tr, "-F", tr + ".missing"},
		{"-r", tr, "-V", tr + ".missing"},
		{"-r", tr, "-V", tr},
		{"read"},
	} {
		if _, stderr, code := run(t, args...); code != codeUsage {
			t.Errorf("%v: exit %d (%s), want %d", args, code, stderr, codeUsage)
		}
	}
}

// TestFilterFileAndFileList: -F reads the expression from a file, -V the
// capture file names (tcpdump); -c counts over all the files.
func TestFilterFileAndFileList(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(synthDir, "smcr-v1.pcapng"), filepath.Join(synthDir, "plain-tcp.pcapng")
	ff := filepath.Join(dir, "filter")
	if err := os.WriteFile(ff, []byte("tcp port 22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	viaF, _, code := run(t, "-r", b, "-F", ff)
	direct, _, _ := run(t, "-r", b, "tcp", "port", "22")
	if code != 0 || viaF != direct || viaF == "" {
		t.Fatalf("-F: exit %d\n%s\nwant\n%s", code, viaF, direct)
	}
	// '#' comments are blanked (tcpdump's read_infile); an error names
	// the line and the column in it
	if err := os.WriteFile(ff, []byte("# ssh only\ntcp # the protocol\n  port 22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _, code := run(t, "-r", b, "-F", ff); code != 0 || got != direct {
		t.Fatalf("-F with comments: exit %d\n%s\nwant\n%s", code, got, direct)
	}
	if err := os.WriteFile(ff, []byte("tcp and\n  prot 22 # typo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, "-r", b, "-F", ff); code != codeUsage || !strings.Contains(errOut, "line 2 column 3") {
		t.Errorf("-F with an error on line 2: exit %d, %q", code, errOut)
	}
	if err := os.WriteFile(ff, []byte("tcp port 22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, code := run(t, "-r", b, "-F", ff, "tcp"); code != codeUsage {
		t.Errorf("-F with an expression: exit %d, want %d", code, codeUsage)
	}
	list := filepath.Join(dir, "list")
	if err := os.WriteFile(list, []byte(a+"\n\n"+b+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	both, _, code := run(t, "read", "-V", list, "-#", "-t")
	oa, _, _ := run(t, "-r", a, "-t")
	ob, _, _ := run(t, "-r", b, "-t")
	if code != 0 {
		t.Fatalf("-V: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(both), "\n")
	wantN := strings.Count(oa, "\n") + strings.Count(ob, "\n")
	if len(lines) != wantN || !strings.HasPrefix(lines[len(lines)-1], strings.Repeat(" ", 5-len(itoa(wantN)))+itoa(wantN)+"  ") {
		t.Fatalf("-V -#: %d lines, want %d numbered across files:\n%s", len(lines), wantN, both)
	}
	two, _, _ := run(t, "-V", list, "-c", "3", "-t")
	if strings.Count(two, "\n") != 3 {
		t.Errorf("-V -c 3 printed %d lines", strings.Count(two, "\n"))
	}
}

func itoa(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}

// TestPostRotateCommand: -z runs the command on every file closed by -C
// rotation (here while rewriting a capture file with -r ... -w).
func TestPostRotateCommand(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("skipping: needs /bin/sh for the -z script")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	script := filepath.Join(dir, "post")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$1\" >> "+log+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pcapng")
	tr := filepath.Join(labDir, "6.12", "a-peer-no-smc.pcapng")
	if _, stderr, code := run(t, "-r", tr, "-w", out, "-C", "2k", "-z", script); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(b))
	files, _ := filepath.Glob(out + "*")
	if len(got) < 2 || len(got) != len(files) {
		t.Fatalf("-z ran on %v; files %v", got, files)
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for _, f := range files {
		if !seen[f] {
			t.Errorf("-z not run on %s (ran on %v)", f, got)
		}
	}
}

func TestTimeStampTypeFlags(t *testing.T) {
	out, stderr, code := run(t, "-i", "lo", "-J")
	if code != 0 || !strings.Contains(out, "Time stamp types for lo (use option -j to set):\n  host (Host)\n") {
		t.Fatalf("-J: exit %d, %q %s", code, out, stderr)
	}
	_, stderr, code = run(t, "-i", "lo", "-j", "adapter_unsynced", "-c", "1")
	if code != codeUsage || !strings.Contains(stderr, "not supported") || !strings.Contains(stderr, "host") {
		t.Fatalf("-j adapter_unsynced: exit %d, %s", code, stderr)
	}
}

// TestFileListWrite: -V with one file and -w copies it like -r.
func TestFileListWrite(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(synthDir, "smcr-v1.pcapng")
	list := filepath.Join(dir, "list")
	if err := os.WriteFile(list, []byte(tr+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pcapng")
	if _, stderr, code := run(t, "-V", list, "-w", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	a, _, _ := run(t, "-r", tr)
	b, _, _ := run(t, "-r", out)
	if a != b || a == "" {
		t.Fatalf("copy differs:\n%s\n---\n%s", a, b)
	}
}

// TestInvalidCount: -c 0 and a negative count are refused, as tcpdump
// refuses them ("invalid packet count").
func TestInvalidCount(t *testing.T) {
	b := filepath.Join(synthDir, "plain-tcp.pcapng")
	for _, c := range []string{"0", "-1"} {
		if _, errOut, code := run(t, "-r", b, "-c", c); code != codeUsage || !strings.Contains(errOut, "invalid packet count") {
			t.Errorf("-c %s: exit %d, %q", c, code, errOut)
		}
	}
	if out, _, code := run(t, "-r", b, "-c", "1"); code != 0 || strings.Count(out, "\n") != 1 {
		t.Errorf("-c 1: exit %d, %q", code, out)
	}
}
