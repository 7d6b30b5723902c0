package main

import (
	"bytes"
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
