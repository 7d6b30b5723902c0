package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runMain runs the CLI in-process with empty stdin and returns its output
// and exit status. Untagged so that test files for every GOOS can use it.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(args, strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

// tsharkPackets counts the packet records tshark reads from path (skipping
// the test when tshark is not installed).
func tsharkPackets(t *testing.T, path string) int {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("skipping: needs tshark (Debian package tshark) to verify the file")
	}
	cmd := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.encap_type")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", path, err)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			n++
		}
	}
	return n
}
