// Package capture implements live packet capture on Linux with an AF_PACKET
// TPACKET_V3 memory-mapped ring in pure Go, and writes pcapng files that carry
// the capture's own drop statistics and kernel-counter snapshots.
package capture
