package synth

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// IPv4Fragments returns the IPv4 packets (no link header) of one UDP
// datagram with the given IP ID, fragmented so that each fragment carries at
// most fragData bytes of the datagram (rounded down to a multiple of 8, as a
// sender does). The UDP checksum is zero (none), which IPv4 allows.
func IPv4Fragments(id uint16, src, dst netip.AddrPort, payload []byte, fragData int) [][]byte {
	udp := binary.BigEndian.AppendUint16(nil, src.Port())
	udp = binary.BigEndian.AppendUint16(udp, dst.Port())
	udp = binary.BigEndian.AppendUint16(udp, uint16(8+len(payload)))
	udp = append(udp, 0, 0)
	udp = append(udp, payload...)
	step := max(fragData&^7, 8)
	var frags [][]byte
	for off := 0; off < len(udp); off += step {
		end := min(off+step, len(udp))
		ip := make([]byte, 20, 20+end-off)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+end-off))
		binary.BigEndian.PutUint16(ip[4:], id)
		fo := uint16(off / 8)
		if end < len(udp) {
			fo |= 0x2000 // more fragments
		}
		binary.BigEndian.PutUint16(ip[6:], fo)
		ip[8], ip[9] = 64, 17
		s4, d4 := src.Addr().As4(), dst.Addr().As4()
		copy(ip[12:], s4[:])
		copy(ip[16:], d4[:])
		binary.BigEndian.PutUint16(ip[10:], ipv4Checksum(ip))
		frags = append(frags, append(ip, udp[off:end]...))
	}
	return frags
}

func ipv4Checksum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// WriteIP writes one IPv4 packet with the writer's link header.
func (w *Writer) WriteIP(ip []byte) error { return w.WriteFrame(w.linkBytes(ip, false, true)) }

// mtoolsMessage is an msend-style payload of n bytes for sequence seq.
func mtoolsMessage(seq, n int) []byte {
	b := make([]byte, n)
	copy(b, fmt.Sprintf("Message %x\x00", seq))
	return b
}

// FragIDReuseTrain returns the datagrams of the fragIDReuse scenario from
// src to dst: for each datagram (seq 0..41) its IPv4 fragments in the order
// they are sent. An msend-style feed of 1200-byte datagrams, fragmented for
// a 576-byte MTU (3 fragments each):
//   - seq 3 (IP ID 0x0103) loses its last fragment;
//   - seq 4 reuses IP ID 0x0103 at once and is shorter (two fragments, the
//     last ending inside seq 3's second one): a receiver discards that
//     datagram (inconsistent end), the analyzer used to loop forever here;
//   - seq 8 (IP ID 0x0108) loses its last fragment, and seq 40 reuses that
//     ID after more than ipfrag_max_dist (64) fragments from the same
//     source: the stale seq 8 is given up and seq 40 is delivered;
//   - seq 12 arrives with its fragments out of order and one duplicated.
//
// Expected: seq 3, 4 and 8 lost, 39 received; two reassemblies given up
// (seq 3's, discarded, and seq 8's, stale), as a receiver's ReasmFails.
// TestReassemblyMatchesKernel (analyze) sends this train through a real
// kernel and checks both.
func FragIDReuseTrain(src, dst netip.AddrPort) [][][]byte {
	var out [][][]byte
	for seq := 0; seq <= 41; seq++ {
		id := uint16(0x100 + seq)
		n := 1200
		switch seq {
		case 4:
			id, n = 0x103, 700
		case 40:
			id = 0x108
		}
		frags := IPv4Fragments(id, src, dst, mtoolsMessage(seq, n), 552)
		switch seq {
		case 3, 8:
			frags = frags[:len(frags)-1] // last fragment lost
		case 12:
			frags = [][]byte{frags[2], frags[0], frags[0], frags[1]}
		}
		out = append(out, frags)
	}
	return out
}

// fragIDReuse writes FragIDReuseTrain as a multicast feed (synthetic: an IP
// ID cannot be made to repeat on demand from the kernel's UDP sender).
func fragIDReuse(w *Writer) error {
	src := netip.MustParseAddrPort("10.9.0.1:40000")
	dst := netip.MustParseAddrPort("239.9.9.9:5000")
	for _, frags := range FragIDReuseTrain(src, dst) {
		for _, f := range frags {
			w.Advance(100 * time.Microsecond)
			if err := w.WriteIP(f); err != nil {
				return err
			}
		}
		w.Advance(10 * time.Millisecond)
	}
	return nil
}
