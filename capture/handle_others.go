//go:build !linux

package capture

import "github.com/smcdump/smcdump/capture/pcapfile"

// Handle is an open live capture. On this system Open always fails.
type Handle struct{}

// Open returns ErrNotSupported: live capture needs Linux AF_PACKET.
func Open(cfg Config) (*Handle, error) { return nil, ErrNotSupported }

// Interfaces describes the capture interfaces.
func (h *Handle) Interfaces() []pcapfile.Interface { return nil }

// LinkType returns the link type of interface i.
func (h *Handle) LinkType(i int) pcapfile.LinkType { return 0 }

// Next returns ErrNotSupported.
func (h *Handle) Next() (pcapfile.Packet, error) { return pcapfile.Packet{}, ErrNotSupported }

// NextBatch returns ErrNotSupported.
func (h *Handle) NextBatch(pkts []pcapfile.Packet) (int, error) { return 0, ErrNotSupported }

// Stop does nothing.
func (h *Handle) Stop() {}

// Stats returns ErrNotSupported.
func (h *Handle) Stats() (Stats, error) { return Stats{}, ErrNotSupported }

// Close does nothing.
func (h *Handle) Close() error { return nil }
