package analyze

// Slow Protocols (ethertype 0x8809) as tcpdump 4.99.3 prints them
// (print-slow.c): LACP and Marker PDUs (their TLVs with -v), OAM PDUs
// (information, event notification and loopback control; the other codes
// in hex), unknown subtypes in hex. print-slow.c leaves the printer when
// the captured bytes end (ND_LONGJMP_FROM_TCHECK).

var slowTLVNames = []tok{{1<<8 + 0, "Terminator"}, {1<<8 + 1, "Actor Information"}, {1<<8 + 2, "Partner Information"},
	{1<<8 + 3, "Collector Information"}, {2<<8 + 0, "Terminator"}, {2<<8 + 1, "Marker Information"}}

var lacpStateNames = []tok{{0x01, "Activity"}, {0x02, "Timeout"}, {0x04, "Aggregation"}, {0x08, "Synchronization"},
	{0x10, "Collecting"}, {0x20, "Distributing"}, {0x40, "Default"}, {0x80, "Expired"}}

var oamFlagNames = []tok{{0x0001, "Link Fault"}, {0x0002, "Dying Gasp"}, {0x0004, "Critical Event"}, {0x0008, "Local Evaluating"},
	{0x0010, "Local Stable"}, {0x0020, "Remote Evaluating"}, {0x0040, "Remote Stable"}}

var oamCodeNames = []tok{{0x00, "Information"}, {0x01, "Event Notification"}, {0x02, "Variable Request"},
	{0x03, "Variable Response"}, {0x04, "Loopback Control"}, {0xfe, "Vendor Private"}}

var oamInfoTypes = []tok{{0x00, "End of TLV marker"}, {0x01, "Local"}, {0x02, "Remote"}, {0xfe, "Organization specific"}}

var oamParserActions = []tok{{0, "forwarding"}, {1, "looping back"}, {2, "discarding"}, {3, "reserved"}}

var oamMuxActions = []tok{{0, "forwarding"}, {4, "discarding"}}

var oamConfigNames = []tok{{0x01, "Active"}, {0x02, "Unidirectional"}, {0x04, "Remote-Loopback"}, {0x08, "Link-Events"}, {0x10, "Variable-Retrieval"}}

var oamLinkEvents = []tok{{0x00, "End of TLV marker"}, {0x01, "Errored Symbol Period Event"}, {0x02, "Errored Frame Event"},
	{0x03, "Errored Frame Period Event"}, {0x04, "Errored Frame Seconds Summary Event"}, {0xfe, "Organization specific"}}

var oamLoopbackCommands = []tok{{0x01, "Enable OAM Remote Loopback"}, {0x02, "Disable OAM Remote Loopback"}}

// slowPrint is slow_print.
func slowPrint(n *ndPrinter, length, verbose int) {
	tooShort := func() {
		if verbose == 0 {
			n.print(" (packet is too short)")
		} else {
			n.print("\n\t\t packet is too short")
		}
	}
	if length < 1 {
		tooShort()
		return
	}
	sub := n.u8(0)
	name := tok2str([]tok{{1, "LACP"}, {2, "MARKER"}, {3, "OAM"}}, "unknown (%d)", sub)
	switch sub {
	case 1, 2:
		if length < 2 {
			tooShort()
			return
		}
		if v := n.u8(1); v != 1 {
			n.printf("%s version %d packet not supported", name, v)
			return
		}
		n.printf("%sv%d, length %d", name, n.u8(1), length)
	case 3:
		n.printf("%s, length %d", name, length)
	default:
		n.printf("%s, length %d", name, length)
		n.unknownData(0, "\n\t", length)
		return
	}
	if verbose == 0 {
		return
	}
	if sub == 3 {
		slowOAM(n, 1, length-1, verbose)
	} else {
		slowMarkerLACP(n, 2, length-2, sub, verbose)
	}
}

// slowMarkerLACP is slow_marker_lacp_print.
func slowMarkerLACP(n *ndPrinter, t, tlen int, proto uint, verbose int) {
	for tlen > 0 {
		if tlen < 2 {
			n.print("\n\t\t packet is too short")
			return
		}
		typ, tl := n.u8(t), int(n.u8(t+1))
		n.printf("\n\t%s TLV (0x%02x), length %d", tok2str(slowTLVNames, "Unknown", proto<<8+typ), typ, tl)
		if typ == 0 {
			return
		}
		if tl < 2 {
			n.print("\n\t    ERROR: illegal length - should be >= 2")
			return
		}
		if tlen < tl {
			n.print("\n\t\t packet is too short")
			return
		}
		n.tcheck(t, tl)
		v, vl := t+2, tl-2
		switch proto<<8 + typ {
		case 1<<8 + 1, 1<<8 + 2:
			if vl != 18 {
				n.print("\n\t    ERROR: illegal length - should be 20")
				break
			}
			n.printf("\n\t  System %s, System Priority %d, Key %d, Port %d, Port Priority %d\n\t  State Flags [%s]",
				n.mac(v+2), n.u16(v), n.u16(v+8), n.u16(v+12), n.u16(v+10), bittok2str(lacpStateNames, "none", n.u8(v+14)))
		case 1<<8 + 3:
			if vl != 14 {
				n.print("\n\t    ERROR: illegal length - should be 16")
				break
			}
			n.printf("\n\t  Max Delay %d", n.u16(v))
		case 2<<8 + 1:
			if vl != 14 {
				n.print("\n\t    ERROR: illegal length - should be 16")
				break
			}
			n.printf("\n\t  Request System %s, Request Port %d, Request Transaction ID 0x%08x", n.mac(v+2), n.u16(v), n.u32(v+8))
		default:
			if verbose <= 1 {
				n.unknownData(v, "\n\t  ", vl)
			}
		}
		if verbose > 1 {
			n.unknownData(v, "\n\t  ", vl)
		}
		t += tl
		tlen -= tl
	}
}

// slowOAM is slow_oam_print.
func slowOAM(n *ndPrinter, t, tlen, verbose int) {
	tooShort := func() { n.print("\n\t\t packet is too short") }
	if tlen < 3 {
		tooShort()
		return
	}
	n.tcheck(t, 3)
	flags, code := n.u16(t), n.u8(t+2)
	t += 3
	tlen -= 3
	n.printf("\n\tCode %s OAM PDU, Flags [%s]", tok2str(oamCodeNames, "Unknown (%d)", code), bittok2str(oamFlagNames, "none", flags))
	switch code {
	case 0x00, 0x01:
		if code == 0x01 {
			if tlen < 2 {
				tooShort()
				return
			}
			n.printf("\n\t  Sequence Number %d", n.u16(t))
			tlen -= 2
			t += 2
		}
		for tlen > 0 {
			if tlen < 2 {
				tooShort()
				return
			}
			if code == 0x00 {
				n.tcheck(t, 2)
			}
			typ, l := n.u8(t), int(n.u8(t+1))
			if code == 0x00 {
				n.printf("\n\t  %s Information Type (%d), length %d", tok2str(oamInfoTypes, "Reserved", typ), typ, l)
			} else {
				n.printf("\n\t  %s Link Event Type (%d), length %d", tok2str(oamLinkEvents, "Reserved", typ), typ, l)
			}
			if typ == 0 {
				return
			}
			if l < 2 {
				n.print("\n\t    ERROR: illegal length - should be >= 2")
				return
			}
			if tlen < l {
				tooShort()
				return
			}
			n.tcheck(t, l)
			hexdump := false
			switch {
			case code == 0x00 && (typ == 1 || typ == 2):
				if n.u8(t+1) != 16 {
					n.print("\n\t    ERROR: illegal length - should be 16")
					hexdump = true
					break
				}
				n.printf("\n\t    OAM-Version %d, Revision %d", n.u8(t+2), n.u16(t+3))
				st := n.u8(t + 5)
				n.printf("\n\t    State-Parser-Action %s, State-MUX-Action %s", tok2str(oamParserActions, "Reserved", st&3), tok2str(oamMuxActions, "Reserved", st&4))
				n.printf("\n\t    OAM-Config Flags [%s], OAM-PDU-Config max-PDU size %d", bittok2str(oamConfigNames, "none", n.u8(t+6)), n.u16(t+7)&0x7ff)
				n.printf("\n\t    OUI %s (0x%06x), Vendor-Private 0x%08x", ouiName(uint32(n.u24(t+9))), n.u24(t+9), n.u32(t+12))
			case code == 0x01 && typ >= 1 && typ <= 4:
				if n.u8(t+1) != 40 {
					n.print("\n\t    ERROR: illegal length - should be 40")
					hexdump = true
					break
				}
				n.printf("\n\t    Timestamp %d ms, Errored Window %d\n\t    Errored Threshold %d\n\t    Errors %d\n\t    Error Running Total %d\n\t    Event Running Total %d",
					n.u16(t+2)*100, n.be(t+4, 8), n.be(t+12, 8), n.be(t+20, 8), n.be(t+28, 8), n.u32(t+36))
			default:
				hexdump = true
			}
			if verbose > 1 || hexdump {
				n.unknownData(t, "\n\t  ", l)
			}
			tlen -= l
			t += l
		}
	case 0x04:
		if tlen < 1 {
			tooShort()
			return
		}
		c := n.u8(t)
		n.printf("\n\t  Command %s (%d)", tok2str(oamLoopbackCommands, "Unknown", c), c)
	default:
		if verbose <= 1 {
			n.unknownData(t, "\n\t  ", tlen)
		}
	}
}
