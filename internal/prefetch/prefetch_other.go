//go:build !amd64 && !arm64

package prefetch

// Addr does nothing on this architecture.
func Addr(p *byte, n int) {}

// AddrW does nothing on this architecture.
func AddrW(p *byte, n int) {}

// Available reports whether Addr issues prefetch instructions.
const Available = false
