package analyze

import "github.com/smcdump/smcdump/capture/kstat"

// EmbeddedSnapshot decodes a kernel-counter snapshot that smcdump's capture
// embedded in a pcapng custom block; ok is false for other custom blocks.
func EmbeddedSnapshot(cb CustomBlock) (s *kstat.Snapshot, ok bool, err error) {
	return decodeEmbeddedSnapshot(cb)
}
