package pcapfile

import (
	"errors"
	"os"
)

// Mapping says whether readers with a buffer swap (SetBufferSwap) map
// regular files, a window at a time, instead of reading them. A mapped
// file that is cut short while it is read faults (SIGBUS) where it was
// cut: a caller that may see that sets debug.SetPanicOnFault in the
// goroutines touching the frames and recovers (as package analyze does),
// or sets MapOff.
type Mapping int

const (
	MapAuto Mapping = iota // map files of 128 MiB or more where mapping measured cheaper (the default)
	MapOn                  // map every regular file
	MapOff                 // read every file
)

// SetMapping sets whether readers map regular files (see Mapping) and
// returns the previous setting. It applies to readers whose swap is set
// afterwards.
func SetMapping(m Mapping) (old Mapping) {
	old, mapFiles = mapFiles, m
	return old
}

// SetMapWindow sets the size of the windows in which files are mapped
// (SetBufferSwap) and returns the previous size. For tests: small windows
// make every block boundary a window boundary somewhere.
func SetMapWindow(n int64) (old int64) {
	old, mapWindow = mapWindow, n
	return old
}

// mapFileHook maps a window (mapFile; replaced by SetMapFailAfter).
var mapFileHook = mapFile

// SetMapFailAfter makes mapping a window fail after n more successful
// ones (n < 0: never), for tests of the fall-back to reading. Not safe
// for concurrent use with reading.
func SetMapFailAfter(n int) {
	if n < 0 {
		mapFileHook = mapFile
		return
	}
	mapFileHook = func(f *os.File, off int64, size int) ([]byte, error) {
		if n == 0 {
			return nil, errors.New("mapping failed (test)")
		}
		n--
		return mapFile(f, off, size)
	}
}
