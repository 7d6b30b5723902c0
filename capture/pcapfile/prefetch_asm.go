//go:build amd64 || arm64

package pcapfile

// prefetch asks the processor to load the n bytes from p into its caches
// (a prefetch instruction every 64 bytes). It never faults: a hint for
// memory that cannot be read is dropped.
//
//go:noescape
func prefetch(p *byte, n int)

const canPrefetch = true
