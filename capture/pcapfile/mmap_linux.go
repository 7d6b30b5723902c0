package pcapfile

import (
	"os"
	"syscall"
)

const canMap = true

// mapFile maps n bytes of f from off (a multiple of the page size),
// read-only, with the page table filled in at once (MAP_POPULATE: one
// call instead of a page fault every few pages, and the pages read ahead
// when not cached).
func mapFile(f *os.File, off int64, n int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), off, n, syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
}

func unmapFile(b []byte) { _ = syscall.Munmap(b) }
