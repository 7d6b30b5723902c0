package decode

import "encoding/binary"

// llc removes an 802.2 LLC header (and a SNAP header) from the front of an
// 802.3 frame's payload and returns what follows with its ethertype, for
// the protocols decoded behind it (print-llc.c llc_print, snap_print):
// IPv4, IPv6 and ARP behind SNAP with an Ethernet OUI (0x000000, or Cisco's
// 0x0000f8), IPv4 between the IP SAPs. Other LLC frames (STP, unknown SAPs,
// Novell's raw 802.3 IPX) are StatusUnsupported; cut headers
// StatusTruncated.
func llc(rest []byte, f *Frame) ([]byte, uint16) {
	et := f.EtherType
	if len(rest) < 3 {
		f.Status, f.Reason = StatusTruncated, "LLC header"
		return rest, et
	}
	dsap, ssap, ctrl := rest[0]&^1, rest[1]&^1, rest[2]
	switch {
	case rest[0] == 0xff && rest[1] == 0xff, ctrl != 0x03:
	case dsap == 0xaa && ssap == 0xaa:
		if len(rest) < 8 {
			f.Status, f.Reason = StatusTruncated, "SNAP header"
			return rest, et
		}
		oui := uint32(rest[3])<<16 | uint32(binary.BigEndian.Uint16(rest[4:]))
		pid := binary.BigEndian.Uint16(rest[6:])
		if oui == 0 || oui == 0xf8 {
			switch pid {
			case 0x0800, 0x86DD, 0x0806:
				return rest[8:], pid
			}
		}
	case dsap == 0x06 && ssap == 0x06:
		return rest[3:], 0x0800
	}
	f.Status, f.Reason = StatusUnsupported, "802.3/LLC frame"
	return rest, et
}
