//go:build race

package report

// raceEnabled: the tests run with the race detector, which fails a test
// that races on purpose.
const raceEnabled = true
