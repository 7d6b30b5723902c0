//go:build !linux

package capture

// Handle is an open live capture. On this system Open always fails.
type Handle struct{}

// Open returns ErrNotSupported: live capture needs Linux AF_PACKET.
func Open(cfg Config) (*Handle, error) { return nil, ErrNotSupported }

// Interfaces describes the capture interfaces.
func (h *Handle) Interfaces() []InterfaceInfo { return nil }

// LinkType returns the link type of interface i.
func (h *Handle) LinkType(i int) LinkType { return 0 }

// Next returns ErrNotSupported.
func (h *Handle) Next() (Packet, error) { return Packet{}, ErrNotSupported }

// NextBatch returns ErrNotSupported.
func (h *Handle) NextBatch(pkts []Packet) (int, error) { return 0, ErrNotSupported }

// Stop does nothing.
func (h *Handle) Stop() {}

// Stats returns ErrNotSupported.
func (h *Handle) Stats() (Stats, error) { return Stats{}, ErrNotSupported }

// Close does nothing.
func (h *Handle) Close() error { return nil }
