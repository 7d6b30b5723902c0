// Package decode turns captured bytes into the one decoded view every
// tracker reads: Decode fills a Frame (link layer: Ethernet, 802.1Q/QinQ,
// Linux cooked SLL/SLL2, raw IP, BSD loopback; IPv4/IPv6 with extension
// headers; TCP/UDP) without copying; Reassembler puts IP fragments back
// together with the Linux receiver's rules; HalfStream reassembles the first
// bytes of one direction of a TCP connection (retransmissions, overlaps,
// reordering, wraparound, snaplen gaps).
//
// Decoding never panics and runs in time linear in its input; bytes cut by
// the snaplen make a frame StatusTruncated, never StatusMalformed.
package decode
