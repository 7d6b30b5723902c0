// Package publicdata locates the public sample captures that tests use but
// the repository does not hold (they are not ours to commit). Every test
// reaches them through this package.
//
// The location is the environment variable SMCDUMP_PUBLIC_DATA, defaulting to
// ../shared/testdata/public beside the repository's root (the directory that
// holds go.mod). Tests that need a file skip with a message naming the
// variable when it is absent.
package publicdata

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvVar names the environment variable that overrides the location.
const EnvVar = "SMCDUMP_PUBLIC_DATA"

// Dir returns the directory of public sample captures, or "" when it does
// not exist.
func Dir() string {
	if d := os.Getenv(EnvVar); d != "" {
		if isDir(d) {
			return d
		}
		return ""
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "testdata", "public")
			if isDir(p) {
				return filepath.Clean(p)
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Require returns the directory, or skips the test with a message naming
// the environment variable when it is absent.
func Require(tb testing.TB) string {
	tb.Helper()
	d := Dir()
	if d == "" {
		tb.Skipf("public sample captures not found: set %s (default ../shared/testdata/public beside the repository)", EnvVar)
	}
	return d
}

// File returns the path of one public sample capture, or skips the test
// with a message when it is absent.
func File(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Require(tb), name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("public sample capture %s not found in %s (set %s)", name, filepath.Dir(p), EnvVar)
	}
	return p
}

// Glob returns the public sample captures matching pattern, nil (with a log
// line) when the directory is absent: for tests that use them in addition
// to the repository's own traces.
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	d := Dir()
	if d == "" {
		tb.Logf("public sample captures not found (set %s): compared without them", EnvVar)
		return nil
	}
	m, _ := filepath.Glob(filepath.Join(d, pattern))
	return m
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
