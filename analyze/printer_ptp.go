package analyze

// PTP (IEEE 1588, ethertype 0x88f7 and UDP ports 319 and 320) as tcpdump
// 4.99.3 prints it (print-ptp.c ptp_print): version 2's common header and
// message bodies on one line whatever the verbosity, version 1 "(not
// implemented)", other versions their number only.

var ptpMsgTypes = []tok{{0x0, "sync msg"}, {0x1, "delay req msg"}, {0x2, "peer delay req msg"}, {0x3, "peer delay resp msg"},
	{0x8, "follow up msg"}, {0x9, "delay resp msg"}, {0xa, "pdelay resp fup msg"}, {0xb, "announce msg"},
	{0xc, "signalling msg"}, {0xd, "management msg"}}

var ptpControl = []tok{{0, "Sync"}, {1, "Delay_Req"}, {2, "Follow_Up"}, {3, "Delay_Resp"}, {4, "Management"}, {5, "Other"}}

var ptpFlagNames = []tok{{0x1, "l1 61"}, {0x2, "l1 59"}, {0x4, "utc reasonable"}, {0x8, "timescale"}, {0x10, "time tracable"},
	{0x20, "frequency tracable"}, {0x100, "alternate master"}, {0x200, "two step"}, {0x400, "unicast"},
	{0x1000, "profile specific 1"}, {0x2000, "profile specific 2"}, {0x4000, "security mask"}, {0x18C0, "unknown"}}

// ptpPrint is ptp_print: b holds the captured bytes of the message,
// length its length (the UDP payload's or the frame's after its link
// header).
func ptpPrint(n *ndPrinter, length int) {
	if length < 34 {
		n.printf(" [length %d < %d] (invalid)", length, 34)
		return
	}
	vers := n.u16(0) & 0xff
	n.printf("PTPv%d", vers)
	switch vers {
	case 1:
		n.print(" (not implemented)")
	case 2:
		ptpPrint2(n)
	}
}

func ptpPrint2(n *ndPrinter) {
	foct := n.u8(0)
	yes := "no"
	if foct&0x10 != 0 {
		yes = "yes"
	}
	n.printf(", v1 compat : %s", yes)
	typ := foct & 0x0f
	n.printf(", msg type : %s", tok2str(ptpMsgTypes, "Reserved", typ))
	n.printf(", length : %d", n.u16(2))
	n.printf(", domain : %d", n.u16(4)&0xff00>>8)
	n.printf(", reserved1 : %d", n.u16(4)&0xff)
	n.printf(", Flags [%s]", bittok2str(ptpFlagNames, "none", n.u16(6)))
	n.printf(", NS correction : %d", n.be(8, 6))
	n.printf(", sub NS correction : %d", n.u16(14))
	n.printf(", reserved2 : %d", n.u32(16))
	n.printf(", clock identity : 0x%x", n.be(20, 8))
	n.printf(", port id : %d", n.u16(28))
	n.printf(", seq id : %d", n.u16(30))
	c := n.u8(32)
	n.printf(", control : %d (%s)", c, tok2str(ptpControl, "Reserved", c))
	n.printf(", log message interval : %d", n.u16(32)&0xff)
	const bp = 34
	switch typ {
	case 0x0, 0x1:
		ptpTimestamp(n, bp, "originTimeStamp")
	case 0x8:
		ptpTimestamp(n, bp, "preciseOriginTimeStamp")
	case 0x2, 0xa:
		ptpTimestampIdentity(n, bp, "preciseOriginTimeStamp")
	case 0x3, 0x9:
		ptpTimestampIdentity(n, bp, "receiveTimeStamp")
	case 0xb:
		n.print(", originTimeStamp :")
		n.printf(" %d seconds", n.be(bp, 6))
		n.printf(" %d nanoseconds", n.u32(bp+6))
		n.printf(", origin cur utc :%d", n.u16(bp+10))
		n.printf(", rsvd : %d", n.u8(bp+12))
		n.printf(", gm priority_1 : %d", n.u8(bp+13))
		n.printf(", gm clock class : %d", n.u8(bp+14))
		n.printf(", gm clock accuracy : %d", n.u8(bp+15))
		n.printf(", gm clock variance : %d", n.u16(bp+16))
		n.printf(", gm priority_2 : %d", n.u8(bp+18))
		n.printf(", gm clock id : 0x%x", n.be(bp+19, 8))
		n.printf(", steps removed : %d", n.u16(bp+27))
		n.printf(", time source : 0x%x", n.u8(bp+29))
	case 0xc:
		ptpPortID(n, bp)
	case 0xd:
		ptpPortID(n, bp)
		// print_field is handed the message's pointer by value: all four
		// fields are its first byte
		for _, f := range []struct {
			name string
			hex  bool
		}{{"start boundary hops ", false}, {"boundary hops ", false}, {"flags ", true}, {"reserved ", true}} {
			v := n.u8(bp)
			n.print(", , " + f.name)
			if f.hex {
				n.printf(" 0x%x", v)
			} else {
				n.printf(" %d", v)
			}
		}
	}
}

func ptpTimestamp(n *ndPrinter, bp int, name string) {
	n.printf(", %s :", name)
	n.printf(" %d seconds,", n.be(bp, 6))
	n.printf(" %d nanoseconds", n.u32(bp+6))
}

func ptpTimestampIdentity(n *ndPrinter, bp int, name string) {
	ptpTimestamp(n, bp, name)
	ptpPortID(n, bp+10)
}

func ptpPortID(n *ndPrinter, bp int) {
	n.printf(", port identity : 0x%x", n.be(bp, 8))
	n.printf(", port id : %d", n.u16(bp+8))
}

// ptpUDPPort reports whether tcpdump's UDP printer hands a datagram
// between sport and dport, whose payload starts with b, to ptp_print:
// either port is 319 or 320 and no port print-udp.c tries first matches
// (nor the AppleTalk check for ports 200 to 327).
func ptpUDPPort(sport, dport uint16, b []byte) bool {
	either := func(p ...uint16) bool {
		for _, x := range p {
			if sport == x || dport == x {
				return true
			}
		}
		return false
	}
	if !either(319, 320) {
		return false
	}
	if either(53, 5353, 525, 69, 67, 68, 520, 654, 500, 4500, 7500, 8500, 161, 162, 123, 88, 750, 1701, 137, 138,
		2103, 2104, 521, 546, 547, 5359, 6696, 6697, 8231, 496, 1645, 1812, 1646, 1813, 3799, 1700, 921, 646, 698, 3503,
		701, 1589, 6343, 12222, 5060, 514, 8472, 4789, 6081, 4342, 4790, 17754, 6635) {
		return false
	}
	if dport == 3456 || dport == 4567 || dport == 1985 || dport == 3784 || dport == 4784 || dport == 6784 || dport == 3785 ||
		dport == 12223 || sport == 12223 || sport == 49152 ||
		sport >= 7000 && sport <= 7009 || dport >= 7000 && dport <= 7009 {
		return false
	}
	// LAP type lapDDP with an AppleTalk port (319 and 320 are)
	return len(b) < 3 || b[2] != 2
}
