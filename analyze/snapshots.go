package analyze

import (
	"os"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// EmbeddedSnapshot decodes a kernel-counter snapshot that smcdump's capture
// embedded in a pcapng custom block; ok is false for other custom blocks.
func EmbeddedSnapshot(cb pcapfile.CustomBlock) (s *kstat.Snapshot, ok bool, err error) {
	return decodeEmbeddedSnapshot(cb)
}

// LoadSnapshot reads a kernel-counter snapshot given to the analysis
// (--stats): a snapshot file (smcdump stats -o, or saved smcr stats /
// netstat -s / nstat text) or a directory of raw /proc and netlink files.
func LoadSnapshot(path string) (*kstat.Snapshot, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return kstat.ReadRawDir(os.DirFS(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return kstat.ReadSnapshot(f)
}
