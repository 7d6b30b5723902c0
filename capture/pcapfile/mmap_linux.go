package pcapfile

import (
	"os"
	"syscall"
)

const canMap = true

// mapFile maps n bytes of f from off (a multiple of the page size),
// read-only.
func mapFile(f *os.File, off int64, n int) ([]byte, error) {
	b, err := syscall.Mmap(int(f.Fd()), off, n, syscall.PROT_READ, syscall.MAP_SHARED)
	if err == nil {
		_ = syscall.Madvise(b, syscall.MADV_SEQUENTIAL)
	}
	return b, err
}

func unmapFile(b []byte) { _ = syscall.Munmap(b) }
