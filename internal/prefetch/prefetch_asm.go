//go:build amd64 || arm64

package prefetch

// Addr asks the processor to load the n bytes from p into its caches (a
// prefetch instruction every 64 bytes). It never faults: a hint for
// memory that cannot be read is dropped.
//
//go:noescape
func Addr(p *byte, n int)

// AddrW is Addr for memory about to be written: the lines are loaded for
// ownership (PREFETCHW), so that the writes do not each wait for another
// processor to give the line up.
//
//go:noescape
func AddrW(p *byte, n int)

// Available reports whether Addr issues prefetch instructions.
const Available = true
