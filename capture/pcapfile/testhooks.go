package pcapfile

import (
	"errors"
	"os"
)

// SetMapping makes readers with a buffer swap (SetBufferSwap) map regular
// files, a window at a time, instead of reading them (on: where mapping is
// cheaper than read(2); off by default, see mapFiles), and returns the
// previous setting. It applies to readers whose swap is set afterwards.
func SetMapping(on bool) (old bool) {
	old, mapFiles = mapFiles, on
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
