package pcapfile

import (
	"fmt"
	"time"
)

// DefaultSnaplen is the snapshot length written when an Interface has none
// (SnapLen 0), as in tcpdump.
const DefaultSnaplen = 262144

// CaptureInfo describes one captured frame.
type CaptureInfo struct {
	Timestamp      time.Time // UTC
	CaptureLength  int       // bytes captured (len(Packet.Data))
	Length         int       // bytes on the wire
	InterfaceIndex int       // index into the capture's interfaces (0 for pcap)
	// PcapTS is a pcap record's time stamp as the file stores it, which
	// Timestamp normalizes; zero (Valid false) for other sources.
	PcapTS PcapTimestamp
}

// PcapTimestamp is a pcap record's time stamp fields, signed as libpcap
// reads them (struct pcap_timeval): tcpdump prints a fraction of a second
// or more, and seconds with bit 31 set, as they are.
type PcapTimestamp struct {
	Sec, Frac int32
	Nano      bool // Frac is in nanoseconds (else microseconds)
	Valid     bool
}

// Packet is one captured frame, read from a file or captured live.
type Packet struct {
	// Frame is the 1-based frame number, as Wireshark numbers it: pcapng
	// custom blocks (e.g. smcdump's kernel-counter snapshots) take a number
	// too, so numbers may skip.
	Frame     int
	Info      CaptureInfo
	LinkType  LinkType
	Interface string // interface name when known ("" otherwise)
	// Direction is the packet's direction and, when known, its reception
	// type (pcapng epb_flags bits 0–4; the sll_pkttype of a live capture).
	Direction Direction
	// KernelIfindex is the kernel interface index a live packet was seen
	// on (0 when unknown, as for packets read from files).
	KernelIfindex int
	// Data holds the captured bytes. For packets returned by FileReader.Next
	// or a live handle it is only valid until the next call: copy what you
	// keep.
	Data []byte
}

// Set stores every field of p, one by one: assigning a composite literal to
// memory that is not on the stack builds it on the stack and copies it,
// which cost a measurable part of reading and capturing (the file reader,
// the analysis pipeline and the live capture store a packet per frame).
func (p *Packet) Set(frame int, ts time.Time, capLen, length, iface int, lt LinkType, ifName string, dir Direction, kernelIfindex int, data []byte) {
	p.Frame = frame
	p.Info.Timestamp = ts
	p.Info.CaptureLength = capLen
	p.Info.Length = length
	p.Info.InterfaceIndex = iface
	p.Info.PcapTS = PcapTimestamp{}
	p.LinkType = lt
	p.Interface = ifName
	p.Direction = dir
	p.KernelIfindex = kernelIfindex
	p.Data = data
}

// Direction is a packet's direction and reception type: the information
// pcapng stores in epb_flags bits 0–4 and Linux in sll_pkttype. It is one
// enum for both sources; the zero value means "not recorded".
type Direction uint8

const (
	// DirectionUnknown: not recorded (pcap files, pcapng without epb_flags,
	// live packet types without a pcapng equivalent).
	DirectionUnknown Direction = iota
	// DirectionIn: received; the reception type is not recorded.
	DirectionIn
	// DirectionOut: sent by this host (PACKET_OUTGOING).
	DirectionOut
	// DirectionInHost: received, addressed to this host (PACKET_HOST).
	DirectionInHost
	// DirectionInBroadcast: received as link-layer broadcast
	// (PACKET_BROADCAST).
	DirectionInBroadcast
	// DirectionInMulticast: received as link-layer multicast
	// (PACKET_MULTICAST).
	DirectionInMulticast
	// DirectionInOtherHost: received, addressed to another host
	// (promiscuous mode, PACKET_OTHERHOST).
	DirectionInOtherHost
)

// Linux sll_pkttype values (linux/if_packet.h).
const (
	pktHost      = 0
	pktBroadcast = 1
	pktMulticast = 2
	pktOtherHost = 3
	pktOutgoing  = 4
)

// DirectionFromPktType maps a Linux sll_pkttype (PACKET_HOST, ...) to a
// Direction; packet types without a pcapng equivalent (PACKET_LOOPBACK,
// PACKET_USER, PACKET_KERNEL) are DirectionUnknown.
func DirectionFromPktType(t uint8) Direction {
	switch t {
	case pktHost:
		return DirectionInHost
	case pktBroadcast:
		return DirectionInBroadcast
	case pktMulticast:
		return DirectionInMulticast
	case pktOtherHost:
		return DirectionInOtherHost
	case pktOutgoing:
		return DirectionOut
	}
	return DirectionUnknown
}

// DirectionFromEPBFlags decodes pcapng epb_flags bits 0–1 (direction) and
// 2–4 (reception type).
func DirectionFromEPBFlags(flags uint32) Direction {
	switch flags & 3 {
	case 1:
		switch (flags >> 2) & 7 {
		case 1:
			return DirectionInHost
		case 2:
			return DirectionInMulticast
		case 3:
			return DirectionInBroadcast
		case 4:
			return DirectionInOtherHost
		}
		return DirectionIn
	case 2:
		return DirectionOut
	}
	return DirectionUnknown
}

// EPBFlags returns the pcapng epb_flags word: direction in bits 0–1 (01
// inbound, 10 outbound) and reception type in bits 2–4 (pcapng draft,
// section "Enhanced Packet Block Flags Word").
func (d Direction) EPBFlags() uint32 {
	switch d {
	case DirectionIn:
		return 0x1
	case DirectionOut:
		return 0x2
	case DirectionInHost:
		return 0x1 | 1<<2
	case DirectionInMulticast:
		return 0x1 | 2<<2
	case DirectionInBroadcast:
		return 0x1 | 3<<2
	case DirectionInOtherHost:
		return 0x1 | 4<<2
	}
	return 0
}

// Inbound reports whether the packet was received (any reception type).
func (d Direction) Inbound() bool {
	return d == DirectionIn || d >= DirectionInHost
}

// Outbound reports whether the packet was sent by this host.
func (d Direction) Outbound() bool { return d == DirectionOut }

// String returns tcpdump's "-i any" direction column: In, Out, B
// (broadcast), M (multicast), P (other host); "?" when unknown.
func (d Direction) String() string {
	switch d {
	case DirectionIn, DirectionInHost:
		return "In"
	case DirectionOut:
		return "Out"
	case DirectionInBroadcast:
		return "B"
	case DirectionInMulticast:
		return "M"
	case DirectionInOtherHost:
		return "P"
	}
	return "?"
}

// Interface is a capture interface: a pcapng Interface Description Block,
// or the single link of a pcap file.
type Interface struct {
	Index       int      `json:"index"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Filter      string   `json:"filter,omitempty"`
	LinkType    LinkType `json:"linktype"`
	SnapLen     uint32   `json:"snaplen"`
	// OS is if_os (written by NgWriter when set; not read back).
	OS string `json:"-"`
	// KernelIfindex is the kernel's ifindex of a live capture interface (0
	// for "any" and for interfaces read from files).
	KernelIfindex int `json:"-"`
	// tsDiv is the number of timestamp ticks per second.
	tsDiv    uint64
	tsOffset int64 // seconds
	badTS    int   // implausible time stamps seen (checkTS)
	// badTSNote: the index in FileReader.notes of the note about them
	// (-1: not kept)
	badTSNote int
	// placeholder: made up for packets whose interface description block
	// is missing
	placeholder bool
	// guessTS: the description is damaged, the timestamp resolution is
	// guessed from the first packet
	guessTS bool
}

// Rewritten is the description of an interface read from a file, for
// writing it into another (rewriting, merging): what a writer writes of it
// (name, description, filter, link type, snaplen), without the reader's
// state.
func Rewritten(ifc Interface) Interface {
	return Interface{Name: ifc.Name, Description: ifc.Description, LinkType: ifc.LinkType, SnapLen: ifc.SnapLen, Filter: ifc.Filter}
}

// InterfaceStats is one pcapng Interface Statistics Block. Counters the
// writer did not include are nil.
type InterfaceStats struct {
	Interface    int        `json:"interface"`
	Time         time.Time  `json:"time"`
	Start        *time.Time `json:"start,omitempty"`
	End          *time.Time `json:"end,omitempty"`
	IfRecv       *uint64    `json:"ifrecv,omitempty"`
	IfDrop       *uint64    `json:"ifdrop,omitempty"`
	FilterAccept *uint64    `json:"filteraccept,omitempty"`
	OSDrop       *uint64    `json:"osdrop,omitempty"`
	UsrDeliv     *uint64    `json:"usrdeliv,omitempty"`
	Offset       int64      `json:"offset"`
	// Microseconds: the block's times were written in microseconds
	// although the interface declares a finer resolution (dumpcap does
	// so), and were read as such (FileReader, docs/capture.md §3.2).
	Microseconds bool `json:"times_in_microseconds,omitempty"`
}

// CustomBlock is a pcapng Custom Block (0x00000BAD / 0x40000BAD).
type CustomBlock struct {
	Offset int64
	PEN    uint32
	Data   []byte // custom data (options not split off)
}

// Problem is a defect found in the capture file: the byte offset of the bad
// block or record and what was wrong. Reading continues after a Problem
// where the file allows it.
type Problem struct {
	Offset int64  `json:"offset"`
	Msg    string `json:"message"`
	// Skipped is the number of bytes not read as packets because of the
	// problem (0 when only a field was wrong).
	Skipped int64 `json:"skipped_bytes,omitempty"`
}

func (p Problem) String() string { return fmt.Sprintf("offset %d: %s", p.Offset, p.Msg) }
