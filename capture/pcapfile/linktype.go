package pcapfile

import "fmt"

// LinkType is a pcap/pcapng LINKTYPE_* value. It is the one link-type type
// of the module: the reader, the writers, the capture engine and the filter
// compiler (capture/bpffilter) all use it. (gopacket's layers.LinkType is 8
// bits wide and cannot hold LINKTYPE_LINUX_SLL2 = 276.)
type LinkType uint32

// Link types smcdump decodes.
const (
	LinkTypeNull      LinkType = 0   // BSD loopback, host-order AF_ value
	LinkTypeEthernet  LinkType = 1   // Ethernet II / 802.3
	LinkTypeRaw       LinkType = 101 // raw IPv4/IPv6
	LinkTypeLoop      LinkType = 108 // OpenBSD loopback, network-order AF_ value
	LinkTypeLinuxSLL  LinkType = 113 // Linux cooked capture v1
	LinkTypeIPv4      LinkType = 228
	LinkTypeIPv6      LinkType = 229
	LinkTypeLinuxSLL2 LinkType = 276 // Linux cooked capture v2 (tcpdump -i any)
	// LinkTypeUnknown is the link type of an interface whose description
	// is damaged (FileReader): no file can hold it (pcapng link types
	// are 16 bits, pcap's 26).
	LinkTypeUnknown LinkType = 0xFFFFFFFF
)

// String returns the tcpdump name of the link type.
func (l LinkType) String() string {
	switch l {
	case LinkTypeNull:
		return "NULL"
	case LinkTypeEthernet:
		return "EN10MB"
	case LinkTypeRaw, 12, 14:
		return "RAW"
	case LinkTypeLoop:
		return "LOOP"
	case LinkTypeLinuxSLL:
		return "LINUX_SLL"
	case LinkTypeIPv4:
		return "IPV4"
	case LinkTypeIPv6:
		return "IPV6"
	case LinkTypeLinuxSLL2:
		return "LINUX_SLL2"
	case LinkTypeUnknown:
		return "UNKNOWN"
	}
	// Common link types smcdump names but does not decode.
	names := map[LinkType]string{
		9: "PPP", 10: "FDDI", 50: "PPP_HDLC", 104: "C_HDLC", 105: "IEEE802_11", 119: "PRISM_HEADER",
		127: "IEEE802_11_RADIOTAP", 138: "APPLE_IP_OVER_IEEE1394", 192: "PPI", 197: "ERF",
		220: "USB_LINUX_MMAPPED", 239: "NFLOG", 253: "NETLINK",
	}
	if n, ok := names[l]; ok {
		return fmt.Sprintf("%s (LINKTYPE %d)", n, uint32(l))
	}
	return fmt.Sprintf("LINKTYPE_%d", uint32(l))
}

// Description returns tcpdump's "EN10MB (Ethernet)" text for the link types
// the capture engine produces (the "listening on" line), the number
// otherwise.
func (l LinkType) Description() string {
	switch l {
	case LinkTypeEthernet:
		return "EN10MB (Ethernet)"
	case LinkTypeRaw:
		return "RAW (Raw IP)"
	case LinkTypeLinuxSLL:
		return "LINUX_SLL (Linux cooked v1)"
	case LinkTypeLinuxSLL2:
		return "LINUX_SLL2 (Linux cooked v2)"
	}
	return fmt.Sprintf("%d", uint16(l))
}

// Supported reports whether smcdump can decode frames of this link type.
func (l LinkType) Supported() bool {
	switch l {
	case LinkTypeNull, LinkTypeEthernet, LinkTypeRaw, 12, 14, LinkTypeLoop,
		LinkTypeLinuxSLL, LinkTypeIPv4, LinkTypeIPv6, LinkTypeLinuxSLL2:
		return true
	}
	return false
}
