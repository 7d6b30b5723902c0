package capture

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/gopacket"
	"golang.org/x/net/bpf"
)

// DefaultSnaplen is the snapshot length used when Config.Snaplen is 0, as in
// tcpdump (capture.md §5.1).
const DefaultSnaplen = 262144

// DefaultBufferKiB is the default ring size in KiB (64 MiB). capture.md §0 and
// §1.4: ring size decides drops; 2 MiB dropped, 64 MiB dropped nothing.
const DefaultBufferKiB = 64 * 1024

// DefaultBlockTimeout is the default TPACKET_V3 block-retire timeout
// (capture.md §1.4 recommends 10–100 ms).
const DefaultBlockTimeout = 20 * time.Millisecond

// LinkType is a pcap/pcapng link-layer header type (LINKTYPE_*). It is wider
// than gopacket's layers.LinkType (a uint8 in v1.1.19), which cannot hold
// LINKTYPE_LINUX_SLL2 (276). (capture deliberately does not import
// gopacket/layers: its package initialisation costs tens of milliseconds of
// CPU at every start.)
type LinkType uint16

// Link types the capture engine produces.
const (
	LinkTypeEthernet LinkType = 1   // LINKTYPE_ETHERNET
	LinkTypeRaw      LinkType = 101 // LINKTYPE_RAW (IPv4/IPv6, no link header)
	LinkTypeLinuxSLL LinkType = 113 // LINKTYPE_LINUX_SLL (cooked v1)
	// LinkTypeLinuxSLL2 is the cooked header used for "-i any", like tcpdump
	// (capture.md §1.6 #8).
	LinkTypeLinuxSLL2 LinkType = 276
)

// Direction selects packets by direction, like tcpdump -Q.
type Direction int

const (
	// DirectionInOut captures both directions (the default).
	DirectionInOut Direction = iota
	// DirectionIn captures packets received by the host only.
	DirectionIn
	// DirectionOut captures packets sent by the host only.
	DirectionOut
)

// ParseDirection parses a tcpdump -Q argument ("in", "out", "inout").
func ParseDirection(s string) (Direction, error) {
	switch s {
	case "", "inout":
		return DirectionInOut, nil
	case "in":
		return DirectionIn, nil
	case "out":
		return DirectionOut, nil
	}
	return 0, fmt.Errorf("invalid direction %q (want in, out or inout)", s)
}

// String returns the tcpdump -Q spelling of d.
func (d Direction) String() string {
	switch d {
	case DirectionIn:
		return "in"
	case DirectionOut:
		return "out"
	}
	return "inout"
}

// Filter is a compiled capture filter. The capture engine asks it for a
// kernel program per interface link type (attached before bind, capture.md
// §1.3) and, where the kernel cannot run the program on the frame as written
// (the cooked SLL2 frames of "-i any"), for a userland matcher. The cmd
// package implements it with capture/bpffilter.
type Filter interface {
	// Expression returns the filter text (written to pcapng if_filter).
	Expression() string
	// KernelProgram returns the program the kernel runs on frames of
	// linkType (live mode). The program's accept value must be snaplen.
	KernelProgram(linkType LinkType, snaplen int) ([]bpf.Instruction, error)
	// Matcher returns a function that evaluates the filter on a frame of
	// linkType as it is written to the file (offline mode).
	Matcher(linkType LinkType, snaplen int) (func(data []byte, wireLen int) bool, error)
}

// Config configures a live capture.
type Config struct {
	// Interfaces to capture on; "any" captures on all interfaces with cooked
	// SLL2 headers. At least one is required.
	Interfaces []string
	// Snaplen is the maximum bytes kept per packet; 0 means DefaultSnaplen.
	Snaplen int
	// BufferKiB is the ring size per interface in KiB; 0 means DefaultBufferKiB.
	BufferKiB int
	// BlockSize overrides the ring block size in bytes (a multiple of the page
	// size); 0 chooses 1–4 MiB from BufferKiB and Snaplen.
	BlockSize int
	// BlockTimeout is the block-retire timeout; 0 means DefaultBlockTimeout.
	BlockTimeout time.Duration
	// NoPromisc disables promiscuous mode (tcpdump -p).
	NoPromisc bool
	// Direction filters by packet direction (tcpdump -Q).
	Direction Direction
	// Filter is the capture filter; nil captures everything.
	Filter Filter
	// PollTimeout bounds how long Next blocks in one poll call, so Close and
	// Stop are noticed promptly; 0 means 100 ms.
	PollTimeout time.Duration
}

// Packet is one captured frame. Data aliases the ring (or an internal buffer)
// and is valid only until the next call to Next or Close.
type Packet struct {
	Info gopacket.CaptureInfo
	// Iface is the index of the interface in Handle.Interfaces() (the pcapng
	// interface id); Info.InterfaceIndex is set to the same value.
	Iface int
	// KernelIfindex is the kernel interface index the packet was seen on.
	KernelIfindex int
	// PktType is the sll_pkttype (PACKET_HOST, PACKET_OUTGOING, ...).
	PktType uint8
	// Data holds Info.CaptureLength bytes.
	Data []byte
}

// Packet types from linux/if_packet.h (sll_pkttype).
const (
	PacketHost      = 0
	PacketBroadcast = 1
	PacketMulticast = 2
	PacketOtherHost = 3
	PacketOutgoing  = 4
)

// Outbound reports whether the packet was sent by this host.
func (p *Packet) Outbound() bool { return p.PktType == PacketOutgoing }

// EPBFlags returns the pcapng epb_flags word for the packet: direction in bits
// 0–1 (01 inbound, 10 outbound) and reception type in bits 2–4 (capture.md
// §1.6 #3).
func (p *Packet) EPBFlags() uint32 { return EPBFlagsForPktType(p.PktType) }

// EPBFlagsForPktType maps an sll_pkttype to pcapng epb_flags.
func EPBFlagsForPktType(t uint8) uint32 {
	switch t {
	case PacketOutgoing:
		return 0x2
	case PacketHost:
		return 0x1 | 1<<2
	case PacketMulticast:
		return 0x1 | 2<<2
	case PacketBroadcast:
		return 0x1 | 3<<2
	case PacketOtherHost:
		return 0x1 | 4<<2
	}
	return 0
}

// InterfaceInfo describes one capture interface as written to a pcapng IDB.
type InterfaceInfo struct {
	Name        string
	Description string
	LinkType    LinkType
	Snaplen     int
	Filter      string // filter expression, "" for none
	OS          string // if_os; "" to omit
	// KernelIfindex is the kernel's ifindex (0 for "any").
	KernelIfindex int
}

// InterfaceStats are cumulative counters for one capture interface.
type InterfaceStats struct {
	// Received is Σ tp_packets: packets that passed the kernel filter,
	// including the ones dropped for lack of ring space (tcpdump's "received
	// by filter").
	Received uint64
	// Dropped is Σ tp_drops: packets that passed the filter but found no room
	// in the ring (tcpdump's "dropped by kernel"; pcapng isb_osdrop).
	Dropped uint64
	// IfDropped counts packets the interface or its driver dropped since the
	// capture started (rx_missed_errors + rx_fifo_errors, as libpcap's
	// ps_ifdrop; tcpdump's "dropped by interface"; pcapng isb_ifdrop). It
	// counts all packets, not only those the filter accepts. Valid only when
	// IfDropKnown.
	IfDropped   uint64
	IfDropKnown bool
	// FreezeQueue is Σ tp_freeze_q_cnt.
	FreezeQueue uint64
	// Captured is the number of packets delivered by Next.
	Captured uint64
	// UserFiltered counts packets rejected by a userland matcher (only "-i any"
	// with a filter, or direction checks the kernel did not make).
	UserFiltered uint64
	// Start and End bound the time the counters cover.
	Start, End time.Time
}

// Stats are the counters of all interfaces of a Handle, in Interfaces() order.
type Stats struct {
	Interfaces []InterfaceStats
}

// Total sums the counters of all interfaces.
func (s Stats) Total() InterfaceStats {
	var t InterfaceStats
	for i, is := range s.Interfaces {
		t.Received += is.Received
		t.Dropped += is.Dropped
		if is.IfDropKnown {
			t.IfDropped += is.IfDropped
			t.IfDropKnown = true
		}
		t.FreezeQueue += is.FreezeQueue
		t.Captured += is.Captured
		t.UserFiltered += is.UserFiltered
		if i == 0 || is.Start.Before(t.Start) {
			t.Start = is.Start
		}
		if is.End.After(t.End) {
			t.End = is.End
		}
	}
	return t
}

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("capture: handle closed")

// ErrNotSupported is returned on systems without AF_PACKET.
var ErrNotSupported = errors.New("capture: live capture is only supported on Linux")

// PermissionError reports that the process lacks CAP_NET_RAW.
type PermissionError struct{ Err error }

func (e *PermissionError) Error() string {
	return "capturing needs CAP_NET_RAW (" + e.Err.Error() + "): run as root, or grant it once with: sudo setcap cap_net_raw,cap_net_admin=eip $(which smcdump)"
}

func (e *PermissionError) Unwrap() error { return e.Err }

// InterfaceError reports a problem with a named interface (unknown, down).
type InterfaceError struct {
	Name   string
	Reason string
}

func (e *InterfaceError) Error() string {
	return fmt.Sprintf("%s: %s", e.Name, e.Reason)
}

// Source has the shape of github.com/google/gopacket's PacketDataSource
// interface: analyze and tests can consume a live Handle and a file reader
// alike.
type Source interface {
	ReadPacketData() (data []byte, ci gopacket.CaptureInfo, err error)
}

// ZeroCopySource is gopacket.ZeroCopyPacketDataSource: data is valid until
// the next call.
type ZeroCopySource interface {
	ZeroCopyReadPacketData() (data []byte, ci gopacket.CaptureInfo, err error)
}

var (
	_ Source         = (*Handle)(nil)
	_ ZeroCopySource = (*Handle)(nil)
)

// ReadPacketData returns a copy of the next packet (gopacket.PacketDataSource).
// CaptureInfo.InterfaceIndex is the index in Interfaces().
func (h *Handle) ReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	p, err := h.Next()
	if err != nil {
		return nil, gopacket.CaptureInfo{}, err
	}
	return append([]byte(nil), p.Data...), p.Info, nil
}

// ZeroCopyReadPacketData returns the next packet without copying; data
// aliases the ring and is valid until the next call.
func (h *Handle) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	p, err := h.Next()
	if err != nil {
		return nil, gopacket.CaptureInfo{}, err
	}
	return p.Data, p.Info, nil
}
