// Package capture implements live packet capture on Linux with an AF_PACKET
// TPACKET_V3 memory-mapped ring in pure Go (golang.org/x/sys/unix, no cgo),
// and writes pcapng files that carry the capture's own drop statistics and
// kernel-counter snapshots.
//
// Open sets a capture up in the order docs/capture.md §1.3 prescribes: a socket
// with protocol 0, the filter attached (with SO_LOCK_FILTER), the ring
// mapped, and only then bind, so no unfiltered packet enters the ring. The
// kernel filter also removes the outgoing copy of loopback packets (tcpdump
// shows each once) and implements -Q in/out with the pkttype extension.
// Handle.Next and Handle.NextBatch return packets that alias the ring
// (zero copy); 802.1Q tags the kernel moved into metadata are put back into
// the frame as libpcap does, and "-i any" frames get a cooked SLL2 header
// built in userland (the VLAN tag is kept there as well, which libpcap does
// not do). Stats keeps running totals of PACKET_STATISTICS, which resets on
// every read.
//
// With Config.Fanout an interface gets several rings in one
// PACKET_FANOUT_HASH group (flows hashed across them, so the kernel fills
// them in parallel) and NextBatch merges their packets back into time order
// without copying them (docs/capture.md §1.7: the merge window, late
// packets, counters per ring).
//
// Handles deliver pcapfile.Packet, the same packet type the file reader
// produces (link type, interface name, direction from sll_pkttype), and
// describe their interfaces as pcapfile.Interface; package pcapfile writes
// the files (pcapng with the capture's ISBs and kstat snapshots, or pcap,
// with tcpdump's -C/-G/-W rotation). Counters.ISB turns the ring counters
// into pcapng Interface Statistics Blocks.
package capture
