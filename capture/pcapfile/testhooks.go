package pcapfile

// SetMapWindow sets the size of the windows in which files are mapped
// (SetBufferSwap) and returns the previous size. For tests: small windows
// make every block boundary a window boundary somewhere.
func SetMapWindow(n int64) (old int64) {
	old, mapWindow = mapWindow, n
	return old
}
