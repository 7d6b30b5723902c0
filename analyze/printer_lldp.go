package analyze

import (
	"fmt"
	"net/netip"
)

// LLDP as tcpdump 4.99.3 prints it (print-lldp.c lldp_print): the system
// name on the line, with -v every TLV (chassis and port IDs, TTL, port
// and system descriptions, capabilities, management addresses, the IEEE
// 802.1, 802.3, TIA (LLDP-MED) and IANA organisation TLVs, unknown TLVs
// and subtypes in hex), with -vv every TLV in hex as well. DCBX TLVs
// (OUI 0x001b21) print their subtype line and, for version 1.01, their
// sub-TLVs.

var lldpTLVNames = []tok{{0, "End"}, {1, "Chassis ID"}, {2, "Port ID"}, {3, "Time to Live"}, {4, "Port Description"},
	{5, "System Name"}, {6, "System Description"}, {7, "System Capabilities"}, {8, "Management Address"}, {127, "Organization specific"}}

var lldpChassisSubtypes = []tok{{1, "Chassis component"}, {2, "Interface alias"}, {3, "Port component"}, {4, "MAC address"},
	{5, "Network address"}, {6, "Interface name"}, {7, "Local"}}

var lldpPortSubtypes = []tok{{1, "Interface alias"}, {2, "Port component"}, {3, "MAC address"}, {4, "Network Address"},
	{5, "Interface Name"}, {6, "Agent circuit ID"}, {7, "Local"}}

var lldpCapNames = []tok{{1 << 0, "Other"}, {1 << 1, "Repeater"}, {1 << 2, "Bridge"}, {1 << 3, "WLAN AP"}, {1 << 4, "Router"},
	{1 << 5, "Telephone"}, {1 << 6, "Docsis"}, {1 << 7, "Station Only"}}

var lldp8021Subtypes = []tok{{1, "Port VLAN Id"}, {2, "Port and Protocol VLAN ID"}, {3, "VLAN name"}, {4, "Protocol Identity"},
	{7, "Link aggregation"}, {8, "Congestion Notification"}, {9, "ETS Configuration"}, {10, "ETS Recommendation"},
	{11, "Priority Flow Control Configuration"}, {12, "Application Priority"}, {13, "EVB"}, {14, "CDCP"}}

var lldp8021PPVIDFlags = []tok{{1 << 1, "supported"}, {1 << 2, "enabled"}}

var lldp8023Subtypes = []tok{{1, "MAC/PHY configuration/status"}, {2, "Power via MDI"}, {3, "Link aggregation"}, {4, "Max frame size"}}

var lldpTIASubtypes = []tok{{1, "LLDP-MED Capabilities"}, {2, "Network policy"}, {3, "Location identification"},
	{4, "Extended power-via-MDI"}, {5, "Inventory - hardware revision"}, {6, "Inventory - firmware revision"},
	{7, "Inventory - software revision"}, {8, "Inventory - serial number"}, {9, "Inventory - manufacturer name"},
	{10, "Inventory - model name"}, {11, "Inventory - asset ID"}}

var lldpTIAInventory = []tok{{5, "Hardware revision"}, {6, "Firmware revision"}, {7, "Software revision"}, {8, "Serial number"},
	{9, "Manufacturer name"}, {10, "Model name"}, {11, "Asset ID"}}

var lldpMAUTypes = []tok{{0, "Unknown"}, {1, "AUI"}, {2, "10BASE_5"}, {3, "FOIRL"}, {4, "10BASE2"}, {5, "10BASET duplex mode unknown"},
	{6, "10BASEFP"}, {7, "10BASEFB"}, {8, "10BASEFL duplex mode unknown"}, {9, "10BROAD36"}, {10, "10BASET hdx"}, {11, "10BASET fdx"},
	{12, "10BASEFL hdx"}, {13, "10BASEFL fdx"}, {14, "100BASET4"}, {15, "100BASETX hdx"}, {16, "100BASETX fdx"}, {17, "100BASEFX hdx"},
	{18, "100BASEFX fdx"}, {19, "100BASET2 hdx"}, {20, "100BASET2 fdx"}, {21, "1000BASEX hdx"}, {22, "1000BASEX fdx"},
	{23, "1000BASELX hdx"}, {24, "1000BASELX fdx"}, {25, "1000BASESX hdx"}, {26, "1000BASESX fdx"}, {27, "1000BASECX hdx"},
	{28, "1000BASECX fdx"}, {29, "1000BASET hdx"}, {30, "1000BASET fdx"}, {31, "10GBASEX"}, {32, "10GBASELX4"}, {33, "10GBASER"},
	{34, "10GBASEER"}, {35, "10GBASELR"}, {36, "10GBASESR"}, {37, "10GBASEW"}, {38, "10GBASEEW"}, {39, "10GBASELW"}, {40, "10GBASESW"}}

var lldpAutonegNames = []tok{{1 << 0, "supported"}, {1 << 1, "enabled"}}

var lldpTIACapNames = []tok{{1 << 0, "LLDP-MED capabilities"}, {1 << 1, "network policy"}, {1 << 2, "location identification"},
	{1 << 3, "extended power via MDI-PSE"}, {1 << 4, "extended power via MDI-PD"}, {1 << 5, "Inventory"}}

var lldpTIADeviceTypes = []tok{{1, "endpoint class 1"}, {2, "endpoint class 2"}, {3, "endpoint class 3"}, {4, "network connectivity"}}

var lldpTIAAppTypes = []tok{{1, "voice"}, {2, "voice signaling"}, {3, "guest voice"}, {4, "guest voice signaling"},
	{5, "softphone voice"}, {6, "video conferencing"}, {7, "streaming video"}, {8, "video signaling"}}

var lldpTIAPolicyBits = []tok{{1 << 7, "Unknown"}, {1 << 6, "Tagged"}, {1 << 5, "reserved"}}

var lldpTIALocationFormats = []tok{{1, "coordinate-based LCI"}, {2, "civic address LCI"}, {3, "ECS ELIN"}}

var lldpTIAAltitudeTypes = []tok{{1, "meters"}, {2, "floors"}}

var lldpTIADatumTypes = []tok{{1, "World Geodesic System 1984"}, {2, "North American Datum 1983 (NAVD88)"}, {3, "North American Datum 1983 (MLLW)"}}

var lldpTIALCIWhat = []tok{{0, "location of DHCP server"}, {1, "location of the network element believed to be closest to the client"}, {2, "location of the client"}}

var lldpTIACATypes = []tok{{1, "national subdivisions (state,canton,region,province,prefecture)"}, {2, "county, parish, gun, district"},
	{3, "city, township, shi"}, {4, "city division, borough, city district, ward chou"}, {5, "neighborhood, block"}, {6, "street"}}

var lldpTIAPowerSources = []tok{{1, "PSE - primary power source"}, {2, "local - backup power source"}, {3, "PSE+local - reserved"}}

var lldpTIAPowerPriorities = []tok{{1, "critical"}, {2, "high"}, {3, "low"}}

var lldpPMDCaps = []tok{{1 << 14, "10BASE-T hdx"}, {1 << 13, "10BASE-T fdx"}, {1 << 12, "100BASE-T4"}, {1 << 11, "100BASE-TX hdx"},
	{1 << 10, "100BASE-TX fdx"}, {1 << 9, "100BASE-T2 hdx"}, {1 << 8, "100BASE-T2 fdx"}, {1 << 7, "Pause for fdx links"},
	{1 << 6, "Asym PAUSE for fdx"}, {1 << 5, "Sym PAUSE for fdx"}, {1 << 4, "Asym and Sym PAUSE for fdx"},
	{1 << 3, "1000BASE-{X LX SX CX} hdx"}, {1 << 2, "1000BASE-{X LX SX CX} fdx"}, {1 << 1, "1000BASE-T hdx"}, {1 << 0, "1000BASE-T fdx"}}

var lldpMDINames = []tok{{1 << 0, "PSE"}, {1 << 1, "supported"}, {1 << 2, "enabled"}, {1 << 3, "can be controlled"}}

var lldpMDIPowerPairs = []tok{{1, "signal"}, {2, "spare"}}

var lldpMDIPowerClasses = []tok{{1, "class0"}, {2, "class1"}, {3, "class2"}, {4, "class3"}, {5, "class4"}}

var lldpAggregationNames = []tok{{1 << 0, "supported"}, {1 << 1, "enabled"}}

var lldpDCBXSubtypes = []tok{{1, "DCB Capability Exchange Protocol Rev 1"}, {2, "DCB Capability Exchange Protocol Rev 1.01"}}

var lldpIntfNumbering = []tok{{2, "Interface Index"}, {3, "System Port Number"}}

var lldpEVBModes = []tok{{0, "Not Supported"}, {1, "EVB Bridge"}, {2, "EVB Station"}, {3, "Reserved for future Standardization"}}

var afNames = []tok{{0, "Reserved"}, {1, "IPv4"}, {2, "IPv6"}, {3, "NSAP"}, {4, "HDLC"}, {5, "BBN 1822"}, {6, "802"}, {7, "E.163"},
	{8, "E.164"}, {9, "F.69"}, {10, "X.121"}, {11, "Novell IPX"}, {12, "Appletalk"}, {13, "Decnet IV"}, {14, "Banyan Vines"},
	{15, "E.164 with NSAP subaddress"}, {196, "Layer-2 VPN"}, {25, "VPLS"}}

// lldpPrint is lldp_print: b holds the captured bytes of the LLDPDU,
// length its length on the wire. A TLV the captured bytes or the length
// cut prints " [|lldp]" (no longjmp).
func lldpPrint(n *ndPrinter, length, verbose int) {
	n.printf("LLDP, length %d", length)
	tptr, tlen := 0, length
	for tlen >= 2 {
		if !n.ttest(tptr, 2) {
			n.print(" [|lldp]")
			return
		}
		tlv := n.u16(tptr)
		typ, tl := tlv>>9, int(tlv&0x1ff)
		hexdump := false
		tlen -= 2
		tptr += 2
		if verbose > 0 {
			n.printf("\n\t%s TLV (%d), length %d", tok2str(lldpTLVNames, "Unknown", typ), typ, tl)
		}
		if typ == 0 || tl == 0 {
			break
		}
		if !n.ttest(tptr, tl) || tlen < tl {
			n.print(" [|lldp]")
			return
		}
		ok := true
		switch typ {
		case 1, 2: // chassis ID, port ID
			if verbose == 0 {
				break
			}
			if tl < 2 {
				ok = false
				break
			}
			sub := n.u8(tptr)
			names, macSub, netSub := lldpChassisSubtypes, uint(4), uint(5)
			if typ == 2 {
				names, macSub, netSub = lldpPortSubtypes, 3, 4
			}
			n.printf("\n\t  Subtype %s (%d): ", tok2str(names, "Unknown", sub), sub)
			switch {
			case sub == macSub:
				if tl < 7 {
					ok = false
					break
				}
				n.print(n.mac(tptr + 1))
			case sub == netSub:
				a, good := lldpNetworkAddr(n, tptr+1, tl-1)
				if !good {
					ok = false
					break
				}
				n.print(a)
			case sub >= 1 && sub <= 7:
				n.jnp(tptr+1, tl-1)
			default:
				hexdump = true
			}
		case 3:
			if verbose > 0 {
				if tl < 2 {
					ok = false
					break
				}
				n.printf(": TTL %ds", n.u16(tptr))
			}
		case 4:
			if verbose > 0 {
				n.print(": ")
				n.jnp(tptr, tl)
			}
		case 5: // printed without -v too
			n.print(": ")
			n.jnp(tptr, tl)
		case 6:
			if verbose > 0 {
				n.print("\n\t  ")
				n.jnp(tptr, tl)
			}
		case 7:
			if verbose > 0 {
				if tl < 4 {
					ok = false
					break
				}
				c, e := n.u16(tptr), n.u16(tptr+2)
				n.printf("\n\t  System  Capabilities [%s] (0x%04x)", bittok2str(lldpCapNames, "none", c), c)
				n.printf("\n\t  Enabled Capabilities [%s] (0x%04x)", bittok2str(lldpCapNames, "none", e), e)
			}
		case 8:
			if verbose > 0 {
				ok = lldpMgmtAddr(n, tptr, tl)
			}
		case 127:
			if verbose == 0 {
				break
			}
			if tl < 3 {
				ok = false
				break
			}
			oui := n.u24(tptr)
			n.printf(": OUI %s (0x%06x)", ouiName(uint32(oui)), oui)
			switch oui {
			case 0x0080c2:
				hexdump = lldp8021(n, tptr, tl)
			case 0x00120f:
				hexdump = lldp8023(n, tptr, tl)
			case 0x00005e:
				hexdump = lldpIANA(n, tptr, tl)
			case 0x0012bb:
				hexdump = lldpTIA(n, tptr, tl)
			case 0x001b21:
				hexdump = lldpDCBX(n, tptr, tl, verbose)
			default:
				hexdump = true
			}
		default:
			hexdump = true
		}
		if !ok {
			n.print(" [|lldp]")
			return
		}
		if verbose > 1 || verbose > 0 && hexdump {
			n.unknownData(tptr, "\n\t  ", tl)
		}
		tlen -= tl
		tptr += tl
	}
}

// lldpNetworkAddr is lldp_network_addr_print.
func lldpNetworkAddr(n *ndPrinter, off, l int) (string, bool) {
	if l < 1 {
		return "", false
	}
	l--
	af := n.u8(off)
	var a string
	switch af {
	case 1:
		if l < 4 {
			return "", false
		}
		n.tcheck(off+1, 4)
		a = netip.AddrFrom4([4]byte(n.b[off+1 : off+5])).String()
	case 2:
		if l < 16 {
			return "", false
		}
		n.tcheck(off+1, 16)
		a = netip.AddrFrom16([16]byte(n.b[off+1 : off+17])).String()
	case 6:
		if l < 6 {
			return "", false
		}
		a = n.mac(off + 1)
	default:
		return fmt.Sprintf("AFI %s (%d), no AF printer !", tok2str(afNames, "Unknown", af), af), true
	}
	return fmt.Sprintf("AFI %s (%d): %s", tok2str(afNames, "Unknown", af), af, a), true
}

// lldpMgmtAddr is lldp_mgmt_addr_tlv_print.
func lldpMgmtAddr(n *ndPrinter, tptr, tlen int) bool {
	if tlen < 1 {
		return false
	}
	alen := int(n.u8(tptr))
	tptr++
	tlen--
	if tlen < alen {
		return false
	}
	a, ok := lldpNetworkAddr(n, tptr, alen)
	if !ok {
		return false
	}
	n.printf("\n\t  Management Address length %d, %s", alen, a)
	tptr += alen
	tlen -= alen
	if tlen < 5 {
		return false
	}
	sub := n.u8(tptr)
	n.printf("\n\t  %s Interface Numbering (%d): %d", tok2str(lldpIntfNumbering, "Unknown", sub), sub, n.u32(tptr+1))
	tptr += 5
	tlen -= 5
	if tlen > 0 {
		oidLen := int(n.u8(tptr))
		if tlen < 1+oidLen {
			return false
		}
		if oidLen > 0 {
			n.printf("\n\t  OID length %d", oidLen)
			n.jnp(tptr+1, oidLen)
		}
	}
	return true
}

// bitValues prints the 8 bits of v as print-lldp.c's tables do ("%-2d "
// each, bit 0 first).
func bitValues(n *ndPrinter, v uint) {
	for i := 0; i < 8; i++ {
		n.printf("%-2d ", v>>i&1)
	}
}

// lldp8021 is lldp_private_8021_print; it reports whether the TLV is
// dumped in hex with -v.
func lldp8021(n *ndPrinter, t, tl int) bool {
	if tl < 4 {
		return false
	}
	sub := n.u8(t + 3)
	n.printf("\n\t  %s Subtype (%d)", tok2str(lldp8021Subtypes, "unknown", sub), sub)
	switch sub {
	case 1:
		if tl < 6 {
			return false
		}
		n.printf("\n\t    port vlan id (PVID): %d", n.u16(t+4))
	case 2:
		if tl < 7 {
			return false
		}
		n.printf("\n\t    port and protocol vlan id (PPVID): %d, flags [%s] (0x%02x)", n.u16(t+5), bittok2str(lldp8021PPVIDFlags, "none", n.u8(t+4)), n.u8(t+4))
	case 3:
		if tl < 6 {
			return false
		}
		n.printf("\n\t    vlan id (VID): %d", n.u16(t+4))
		if tl < 7 {
			return false
		}
		sl := int(n.u8(t + 6))
		if tl < 7+sl {
			return false
		}
		n.print("\n\t    vlan name: ")
		n.jnp(t+7, sl)
	case 4:
		if tl < 5 {
			return false
		}
		sl := int(n.u8(t + 4))
		if tl < 5+sl {
			return false
		}
		n.print("\n\t    protocol identity: ")
		n.jnp(t+5, sl)
	case 7:
		if tl < 9 {
			return false
		}
		n.printf("\n\t    aggregation status [%s], aggregation port ID %d", bittok2str(lldpAggregationNames, "none", n.u8(t+4)), n.u32(t+5))
	case 8:
		if tl < 6 {
			return false
		}
		n.print("\n\t    Pre-Priority CNPV Indicator\n\t     Priority : 0  1  2  3  4  5  6  7\n\t     Value    : ")
		bitValues(n, n.u8(t+4))
		n.print("\n\t    Pre-Priority Ready Indicator\n\t     Priority : 0  1  2  3  4  5  6  7\n\t     Value    : ")
		bitValues(n, n.u8(t+5))
	case 9, 10:
		if tl < 25 {
			return false
		}
		v := n.u8(t + 4)
		if sub == 9 {
			n.printf("\n\t    Willing:%d, CBS:%d, RES:%d, Max TCs:%d", v>>7, v>>6&0x02, v>>3&0x07, v&0x07)
		} else {
			n.printf("\n\t    RES: %d", v)
		}
		n.print("\n\t    Priority Assignment Table\n\t     Priority : 0   1   2   3   4   5   6   7\n\t     Value    : ")
		for i := 0; i < 4; i++ {
			x := n.u8(t + 5 + i)
			n.printf("%-3d %-3d", x>>4, x&0x0f)
			if i < 3 {
				n.print(" ")
			}
		}
		n.print("\n\t    TC Bandwidth Table\n\t     TC%   : 0   1   2   3   4   5   6   7\n\t     Value : ")
		lldpRow(n, t+9)
		n.print("\n\t    TSA Assignment Table\n\t     Traffic Class: 0   1   2   3   4   5   6   7\n\t     Value        : ")
		lldpRow(n, t+17)
	case 11:
		if tl < 6 {
			return false
		}
		v := n.u8(t + 4)
		n.printf("\n\t    Willing: %d, MBC: %d, RES: %d, PFC cap:%d ", v>>7, v>>6&0x01, v>>4&0x03, v&0x0f)
		n.print("\n\t    PFC Enable\n\t     Priority : 0  1  2  3  4  5  6  7\n\t     Value    : ")
		bitValues(n, n.u8(t+5))
	case 12:
		if tl < 5 {
			return false
		}
		n.printf("\n\t    RES: %d", n.u8(t+4))
		if tl <= 5 {
			return false
		}
		sl := tl - 5
		if sl%3 != 0 {
			return false
		}
		n.print("\n\t    Application Priority Table")
		for i := 0; i < sl; i += 3 {
			v := n.u8(t + i + 5)
			n.printf("\n\t      Priority: %d, RES: %d, Sel: %d, Protocol ID: %d", v>>5, v>>3&0x03, v&0x07, n.u16(t+i+6))
		}
	case 13:
		if tl < 9 {
			return false
		}
		n.print("\n\t    EVB Bridge Status")
		v := n.u8(t + 4)
		n.printf("\n\t      RES: %d, BGID: %d, RRCAP: %d, RRCTR: %d", v>>3, v>>2&1, v>>1&1, v&1)
		n.print("\n\t    EVB Station Status")
		v = n.u8(t + 5)
		n.printf("\n\t      RES: %d, SGID: %d, RRREQ: %d,RRSTAT: %d", v>>4, v>>3&1, v>>2&1, v&3)
		v = n.u8(t + 6)
		n.printf("\n\t    R: %d, RTE: %d, ", v>>5, v&0x1f)
		v = n.u8(t + 7)
		n.printf("EVB Mode: %s [%d]", tok2str(lldpEVBModes, "unknown", v>>6), v>>6)
		n.printf("\n\t    ROL: %d, RWD: %d, ", v>>5&1, v&0x1f)
		v = n.u8(t + 8)
		n.printf("RES: %d, ROL: %d, RKA: %d", v>>6, v>>5&1, v&0x1f)
	case 14:
		if tl < 8 {
			return false
		}
		v := n.u8(t + 4)
		n.printf("\n\t    Role: %d, RES: %d, Scomp: %d ", v>>7, v>>4&0x07, v>>3&1)
		n.printf("ChnCap: %d", n.u16(t+6)&0x0fff)
		sl := tl - 8
		if sl%3 != 0 {
			return false
		}
		for i := 0; i < sl; i += 3 {
			v := n.u24(t + i + 8)
			n.printf("\n\t    SCID: %d, SVID: %d", v>>12, v&0xfff)
		}
	default:
		return true
	}
	return false
}

// lldpRow prints 8 bytes as "%-3d %-3d ... %-3d".
func lldpRow(n *ndPrinter, off int) {
	for i := 0; i < 8; i++ {
		if i > 0 {
			n.print(" ")
		}
		n.printf("%-3d", n.u8(off+i))
	}
}

// lldp8023 is lldp_private_8023_print.
func lldp8023(n *ndPrinter, t, tl int) bool {
	if tl < 4 {
		return false
	}
	sub := n.u8(t + 3)
	n.printf("\n\t  %s Subtype (%d)", tok2str(lldp8023Subtypes, "unknown", sub), sub)
	switch sub {
	case 1:
		if tl < 9 {
			return false
		}
		n.printf("\n\t    autonegotiation [%s] (0x%02x)", bittok2str(lldpAutonegNames, "none", n.u8(t+4)), n.u8(t+4))
		n.printf("\n\t    PMD autoneg capability [%s] (0x%04x)", bittok2str(lldpPMDCaps, "unknown", n.u16(t+5)), n.u16(t+5))
		n.printf("\n\t    MAU type %s (0x%04x)", tok2str(lldpMAUTypes, "unknown", n.u16(t+7)), n.u16(t+7))
	case 2:
		if tl < 7 {
			return false
		}
		n.printf("\n\t    MDI power support [%s], power pair %s, power class %s", bittok2str(lldpMDINames, "none", n.u8(t+4)),
			tok2str(lldpMDIPowerPairs, "unknown", n.u8(t+5)), tok2str(lldpMDIPowerClasses, "unknown", n.u8(t+6)))
	case 3:
		if tl < 9 {
			return false
		}
		n.printf("\n\t    aggregation status [%s], aggregation port ID %d", bittok2str(lldpAggregationNames, "none", n.u8(t+4)), n.u32(t+5))
	case 4:
		if tl < 6 {
			return false
		}
		n.printf("\n\t    MTU size %d", n.u16(t+4))
	default:
		return true
	}
	return false
}

// lldpIANA is lldp_private_iana_print.
func lldpIANA(n *ndPrinter, t, tl int) bool {
	if tl < 8 {
		return false
	}
	sub := n.u8(t + 3)
	n.printf("\n\t  %s Subtype (%d)", tok2str([]tok{{1, "MUD-URL"}}, "unknown", sub), sub)
	if sub != 1 {
		return true
	}
	n.print("\n\t  MUD-URL=")
	n.printn(t+4, tl-4)
	return false
}

// lldpLatLon is lldp_extract_latlon.
func lldpLatLon(n *ndPrinter, off int) uint64 {
	return uint64(n.u8(off)&3)<<32 | uint64(n.u32(off+1))
}

// lldpTIA is lldp_private_tia_print.
func lldpTIA(n *ndPrinter, t, tl int) bool {
	if tl < 4 {
		return false
	}
	sub := n.u8(t + 3)
	n.printf("\n\t  %s Subtype (%d)", tok2str(lldpTIASubtypes, "unknown", sub), sub)
	switch sub {
	case 1:
		if tl < 7 {
			return false
		}
		n.printf("\n\t    Media capabilities [%s] (0x%04x)", bittok2str(lldpTIACapNames, "none", n.u16(t+4)), n.u16(t+4))
		n.printf("\n\t    Device type [%s] (0x%02x)", tok2str(lldpTIADeviceTypes, "unknown", n.u8(t+6)), n.u8(t+6))
	case 2:
		if tl < 8 {
			return false
		}
		n.printf("\n\t    Application type [%s] (0x%02x)", tok2str(lldpTIAAppTypes, "none", n.u8(t+4)), n.u8(t+4))
		n.printf(", Flags [%s]", bittok2str(lldpTIAPolicyBits, "none", n.u8(t+5)))
		n.printf("\n\t    Vlan id %d", n.u16(t+5)&0x1ffe>>1)
		n.printf(", L2 priority %d", n.u16(t+6)&0x01ff>>6)
		n.printf(", DSCP value %d", n.u16(t+6)&0x003f)
	case 3:
		if tl < 5 {
			return false
		}
		format := n.u8(t + 4)
		n.printf("\n\t    Location data format %s (0x%02x)", tok2str(lldpTIALocationFormats, "unknown", format), format)
		switch format {
		case 1:
			if tl < 21 {
				return false
			}
			n.printf("\n\t    Latitude resolution %d, latitude value %d", n.u8(t+5)>>2, lldpLatLon(n, t+5))
			n.printf("\n\t    Longitude resolution %d, longitude value %d", n.u8(t+10)>>2, lldpLatLon(n, t+10))
			n.printf("\n\t    Altitude type %s (%d)", tok2str(lldpTIAAltitudeTypes, "unknown", n.u8(t+15)>>4), n.u8(t+15)>>4)
			n.printf("\n\t    Altitude resolution %d, altitude value 0x%x", n.u16(t+15)>>6&0x3f, n.u32(t+16)&0x3fffffff)
			n.printf("\n\t    Datum %s (0x%02x)", tok2str(lldpTIADatumTypes, "unknown", n.u8(t+20)), n.u8(t+20))
		case 2:
			if tl < 6 {
				return false
			}
			lci := int(n.u8(t + 5))
			if lci < 3 || tl < 7+lci {
				return false
			}
			n.printf("\n\t    LCI length %d, LCI what %s (0x%02x), Country-code ", lci, tok2str(lldpTIALCIWhat, "unknown", n.u8(t+6)), n.u8(t+6))
			n.jnp(t+7, 2)
			lci -= 3
			p := t + 9
			for lci > 0 {
				if lci < 2 {
					return false
				}
				caType, caLen := n.u8(p), int(n.u8(p+1))
				p += 2
				lci -= 2
				n.printf("\n\t      CA type '%s' (%d), length %d: ", tok2str(lldpTIACATypes, "unknown", caType), caType, caLen)
				if caType == 0 || caLen == 0 || lci < caLen {
					return false
				}
				n.jnp(p, caLen)
				p += caLen
				lci -= caLen
			}
		case 3:
			n.print("\n\t    ECS ELIN id ")
			n.jnp(t+5, tl-5)
		default:
			n.print("\n\t    Location ID ")
			n.unknownData(t+5, "\n\t      ", tl-5)
		}
	case 4:
		if tl < 7 {
			return false
		}
		v := n.u8(t + 4)
		typ := "PSE device"
		if v&(0xC0>>6) != 0 { // print-lldp.c: & binds after >>
			typ = "PD device"
		}
		n.printf("\n\t    Power type [%s]", typ)
		n.printf(", Power source [%s]", tok2str(lldpTIAPowerSources, "none", v&0x30>>4))
		n.printf("\n\t    Power priority [%s] (0x%02x)", tok2str(lldpTIAPowerPriorities, "none", v&0x0f), v&0x0f)
		pv := n.u16(t + 5)
		if pv < 1024 {
			n.printf(", Power %.1f Watts", float32(pv)/10)
		} else {
			n.printf(", Power %d (Reserved)", pv)
		}
	case 5, 6, 7, 8, 9, 10, 11:
		n.printf("\n\t  %s ", tok2str(lldpTIAInventory, "unknown", sub))
		n.jnp(t+4, tl-4)
	default:
		return true
	}
	return false
}

// lldpDCBX is lldp_private_dcbx_print.
func lldpDCBX(n *ndPrinter, pptr, l, verbose int) bool {
	if l < 4 {
		return false
	}
	sub := n.u8(pptr + 3)
	n.printf("\n\t  %s Subtype (%d)", tok2str(lldpDCBXSubtypes, "unknown", sub), sub)
	if sub == 1 {
		return true
	}
	t, tlen := pptr+4, l-4
	hexdump := false
	info := func(name string, typ, tl int) {
		n.printf("\n\t    %s (type 0x%x, length %d)", name, typ, tl)
		n.printf("\n\t      Oper_Version: %d", n.u8(t))
		n.printf("\n\t      Max_Version: %d", n.u8(t+1))
	}
	block := func() {
		n.printf("\n\t      Info block(0x%02X): ", n.u8(t+2))
		v := n.u8(t + 2)
		n.printf("Enable bit: %d, Willing bit: %d, Error Bit: %d", v>>7&1, v>>6&1, v>>5&1)
		n.printf("\n\t      SubType: %d", n.u8(t+3))
	}
	for tlen >= 2 {
		if !n.ttest(t, 2) { // ND_TCHECK_LEN: goto trunc, which only returns
			return hexdump
		}
		tlv := n.u16(t)
		typ, tl := int(tlv>>9), int(tlv&0x1ff)
		hexdump = false
		tlen -= 2
		t += 2
		if typ == 0 || tl == 0 {
			break
		}
		if !n.ttest(t, tl) || tlen < tl {
			return hexdump
		}
		switch typ {
		case 1:
			if tl < 10 {
				return hexdump
			}
			info("Control - Protocol Control", 1, tl)
			n.printf("\n\t      Sequence Number: %d", n.u32(t+2))
			n.printf("\n\t      Acknowledgement Number: %d", n.u32(t+6))
		case 2:
			if tl < 17 {
				return hexdump
			}
			info("Feature - Priority Group", 2, tl)
			block()
			n.print("\n\t      Priority Allocation")
			pg := n.u32(t + 4)
			for i := 0; i <= 7; i++ {
				n.printf("\n\t          PgId_%d: %d", i, pg>>(28-4*i)&0xf)
			}
			n.print("\n\t      Priority Group Allocation")
			for i := 0; i <= 7; i++ {
				n.printf("\n\t          Pg percentage[%d]: %d", i, n.u8(t+8+i))
			}
			n.printf("\n\t      NumTCsSupported: %d", n.u8(t+8+8))
		case 3:
			if tl < 6 {
				return hexdump
			}
			n.print("\n\t    Feature - Priority Flow Control")
			n.printf(" (type 0x%x, length %d)", 3, tl)
			n.printf("\n\t      Oper_Version: %d", n.u8(t))
			n.printf("\n\t      Max_Version: %d", n.u8(t+1))
			block()
			v := n.u8(t + 4)
			n.printf("\n\t      PFC Config (0x%02X)", v)
			for i := 0; i <= 7; i++ {
				st := "Disabled"
				if v&(1<<i) != 0 {
					st = "Enabled"
				}
				n.printf("\n\t          Priority Bit %d: %s", i, st)
			}
			n.printf("\n\t      NumTCPFCSupported: %d", n.u8(t+5))
		case 4:
			if tl < 4 {
				return hexdump
			}
			info("Feature - Application", 4, tl)
			block()
			rest, m := tl-4, t+4
			for rest >= 6 {
				n.print("\n\t      Application Value")
				n.printf("\n\t          Application Protocol ID: 0x%04x", n.u16(m))
				u := n.u24(m + 2)
				kind := "L2 EtherType"
				if u>>22 != 0 {
					kind = "Socket Number"
				}
				n.printf("\n\t          SF (0x%x) Application Protocol ID is %s", u>>22, kind)
				n.printf("\n\t          OUI: 0x%06x", u&0x3fffff)
				n.printf("\n\t          User Priority Map: 0x%02x", n.u8(m+5))
				rest -= 6
				m += 6
			}
		default:
			hexdump = true
		}
		if verbose > 1 || verbose > 0 && hexdump {
			n.unknownData(t, "\n\t    ", tl)
		}
		tlen -= tl
		t += tl
	}
	return hexdump
}
