package analyze

import (
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/pcapfile"
)

// EmbeddedSnapshot decodes a kernel-counter snapshot that smcdump's capture
// embedded in a pcapng custom block; ok is false for other custom blocks.
func EmbeddedSnapshot(cb pcapfile.CustomBlock) (s *kstat.Snapshot, ok bool, err error) {
	return decodeEmbeddedSnapshot(cb)
}
