// Package lazyre compiles a package's regular expressions on first use,
// not at program start: compiling them all in package initializers cost
// every run of smcdump about 5 million instructions (1.5 ms), a fifth of
// the start-up of a short analysis, for expressions most runs never use.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns a function that compiles expr (regexp.MustCompile: a bad
// expression panics, at its first use) once and returns it.
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
