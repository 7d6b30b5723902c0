//go:build !amd64 && !arm64

package pcapfile

func prefetch(p *byte, n int) {}

const canPrefetch = false
