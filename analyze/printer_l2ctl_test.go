package analyze

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Frames of cmd/smcdump's l2ctl-synthetic trace (LLDP, LACP, Marker, OAM,
// CDP and PTP, whole and cut by the snaplen): the captured bytes in hex and
// the length on the wire. The expected texts are tcpdump 4.99.3's for the
// same bytes (TZ=UTC tcpdump -nn -t ...).
type l2ctlSeed struct {
	name string
	hex  string
	wire int
}

func (s l2ctlSeed) packet(tb testing.TB) *pcapfile.Packet {
	b, err := hex.DecodeString(s.hex)
	if err != nil {
		tb.Fatal(err)
	}
	pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet, Data: b}
	pkt.Info.CaptureLength, pkt.Info.Length = len(b), s.wire
	pkt.Info.Timestamp = time.Unix(1795330800, 0)
	return pkt
}

func l2ctlSeedFrames() []l2ctlSeed {
	return []l2ctlSeed{
		{"lldp", "0180c200000e001b21aabbcc88cc020704001b21aabbcc04050565746830060200780000000000000000000000000000000000000000000000000000", 60},
		{"lldp-mgmt-bad", "0180c200000e001b21aabbcc88cc020704001b21aabbcc0405056574683006020078100528c00002010000", 43},
		{"lldp-cut", "0180c200000e001b21aabbcc88cc020704001b21aabbcc0405056574683006020078080e75706c696e6b20746f20636f72650a07737769746368310c184c696e757820362e312e302078", 153},
		{"lacp", "0180c2000002001b21aabbcd8809010101148000001b21aabbcc000d00ff00053d00000002148000001b21aabbcc000d00ff00050f0000000310000500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 124},
		{"marker", "0180c2000002001b21aabbcd8809020101100007001b21aabbccdeadbeef000000000000000000000000000000000000000000000000000000000000", 60},
		{"lacp-cut", "0180c2000002001b21aabbcd8809010101148000001b21aabbcc", 124},
		{"oam", "0180c2000002001b21aabbcd8809030050000110010002051d05ee00120f010203040210010002051d05ee00120f01020304fe0600120f0100000000", 60},
		{"cdp", "01000ccccccc001b21aabbce0013aaaa0300000c2000013c0000000100076f6c64000000000000000000000000000000000000000000000000000000", 60},
		{"cdp-cut", "01000ccccccc001b21aabbce0137aaaa0300000c200002b4b1c2", 325},
		{"ptp-sync", "011b19000000001b21aabbcf88f70002002c18000200000000001234008000000000001b21fffeaabbcc0001126700fd0000654a1b2c075bcd150000", 60},
		{"ptp-cut", "011b19000000001b21aabbcf88f70002002c18000000000000001234008000000000001b21fffeaabbcc0001126700fd", 48},
		{"ptp-udp", "0200000000020200000000010800450000480001400040119721c0000201e0000181013f013f003400000002002c18000200000000001234008000000000001b21fffeaabbcc0001126700fd0000654a1b2c075bcd15", 86},
	}
}

// TestPrinterL2Control: LLDP, Slow Protocols, CDP and PTP frames as
// tcpdump prints them, with -v, -e and -x (a printer that ran out of
// captured bytes makes -x dump the whole frame).
func TestPrinterL2Control(t *testing.T) {
	seeds := map[string]l2ctlSeed{}
	for _, s := range l2ctlSeedFrames() {
		seeds[s.name] = s
	}
	for _, c := range []struct {
		name string
		o    PrintOptions
		want string
	}{

		{"lldp", PrintOptions{TimeFormat: 1}, "LLDP, length 46\n"},
		{"lldp", PrintOptions{TimeFormat: 1, Verbose: 1}, "LLDP, length 46\n\tChassis ID TLV (1), length 7\n\t  Subtype MAC address (4): 00:1b:21:aa:bb:cc\n\tPort ID TLV (2), length 5\n\t  Subtype Interface Name (5): eth0\n\tTime to Live TLV (3), length 2: TTL 120s\n\tEnd TLV (0), length 0\n"},
		{"lldp", PrintOptions{TimeFormat: 1, LinkHeader: true}, "00:1b:21:aa:bb:cc > 01:80:c2:00:00:0e, ethertype LLDP (0x88cc), length 60: LLDP, length 46\n"},
		{"lldp", PrintOptions{TimeFormat: 1, HexOnly: 1}, "LLDP, length 46\n\t0x0000:  0207 0400 1b21 aabb cc04 0505 6574 6830\n\t0x0010:  0602 0078 0000 0000 0000 0000 0000 0000\n\t0x0020:  0000 0000 0000 0000 0000 0000 0000\n"},
		{"lldp-mgmt-bad", PrintOptions{TimeFormat: 1}, "LLDP, length 29\n"},
		{"lldp-mgmt-bad", PrintOptions{TimeFormat: 1, Verbose: 1}, "LLDP, length 29\n\tChassis ID TLV (1), length 7\n\t  Subtype MAC address (4): 00:1b:21:aa:bb:cc\n\tPort ID TLV (2), length 5\n\t  Subtype Interface Name (5): eth0\n\tTime to Live TLV (3), length 2: TTL 120s\n\tManagement Address TLV (8), length 5 [|lldp]\n"},
		{"lldp-cut", PrintOptions{TimeFormat: 1}, "LLDP, length 139: switch1 [|lldp]\n"},
		{"lldp-cut", PrintOptions{TimeFormat: 1, Verbose: 1}, "LLDP, length 139\n\tChassis ID TLV (1), length 7\n\t  Subtype MAC address (4): 00:1b:21:aa:bb:cc\n\tPort ID TLV (2), length 5\n\t  Subtype Interface Name (5): eth0\n\tTime to Live TLV (3), length 2: TTL 120s\n\tPort Description TLV (4), length 14: uplink to core\n\tSystem Name TLV (5), length 7: switch1\n\tSystem Description TLV (6), length 24 [|lldp]\n"},
		{"lldp-cut", PrintOptions{TimeFormat: 1, LinkHeader: true}, "00:1b:21:aa:bb:cc > 01:80:c2:00:00:0e, ethertype LLDP (0x88cc), length 153: LLDP, length 139: switch1 [|lldp]\n"},
		{"lldp-cut", PrintOptions{TimeFormat: 1, HexOnly: 1}, "LLDP, length 139: switch1 [|lldp]\n\t0x0000:  0207 0400 1b21 aabb cc04 0505 6574 6830\n\t0x0010:  0602 0078 080e 7570 6c69 6e6b 2074 6f20\n\t0x0020:  636f 7265 0a07 7377 6974 6368 310c 184c\n\t0x0030:  696e 7578 2036 2e31 2e30 2078\n"},
		{"lacp", PrintOptions{TimeFormat: 1}, "LACPv1, length 110\n"},
		{"lacp", PrintOptions{TimeFormat: 1, Verbose: 1}, "LACPv1, length 110\n\tActor Information TLV (0x01), length 20\n\t  System 00:1b:21:aa:bb:cc, System Priority 32768, Key 13, Port 5, Port Priority 255\n\t  State Flags [Activity, Aggregation, Synchronization, Collecting, Distributing]\n\tPartner Information TLV (0x02), length 20\n\t  System 00:1b:21:aa:bb:cc, System Priority 32768, Key 13, Port 5, Port Priority 255\n\t  State Flags [Activity, Timeout, Aggregation, Synchronization]\n\tCollector Information TLV (0x03), length 16\n\t  Max Delay 5\n\tTerminator TLV (0x00), length 0\n"},
		{"lacp", PrintOptions{TimeFormat: 1, LinkHeader: true}, "00:1b:21:aa:bb:cd > 01:80:c2:00:00:02, ethertype Slow Protocols (0x8809), length 124: LACPv1, length 110\n"},
		{"lacp", PrintOptions{TimeFormat: 1, HexOnly: 1}, "LACPv1, length 110\n\t0x0000:  0101 0114 8000 001b 21aa bbcc 000d 00ff\n\t0x0010:  0005 3d00 0000 0214 8000 001b 21aa bbcc\n\t0x0020:  000d 00ff 0005 0f00 0000 0310 0005 0000\n\t0x0030:  0000 0000 0000 0000 0000 0000 0000 0000\n\t0x0040:  0000 0000 0000 0000 0000 0000 0000 0000\n\t0x0050:  0000 0000 0000 0000 0000 0000 0000 0000\n\t0x0060:  0000 0000 0000 0000 0000 0000 0000\n"},
		{"marker", PrintOptions{TimeFormat: 1}, "MARKERv1, length 46\n"},
		{"marker", PrintOptions{TimeFormat: 1, Verbose: 1}, "MARKERv1, length 46\n\tMarker Information TLV (0x01), length 16\n\t  Request System 00:1b:21:aa:bb:cc, Request Port 7, Request Transaction ID 0xdeadbeef\n\tTerminator TLV (0x00), length 0\n"},
		{"lacp-cut", PrintOptions{TimeFormat: 1}, "LACPv1, length 110\n"},
		{"lacp-cut", PrintOptions{TimeFormat: 1, Verbose: 1}, "LACPv1, length 110\n\tActor Information TLV (0x01), length 20 [|slow]\n"},
		{"lacp-cut", PrintOptions{TimeFormat: 1, LinkHeader: true}, "00:1b:21:aa:bb:cd > 01:80:c2:00:00:02, ethertype Slow Protocols (0x8809), length 124: LACPv1, length 110\n"},
		{"lacp-cut", PrintOptions{TimeFormat: 1, HexOnly: 1}, "LACPv1, length 110\n\t0x0000:  0101 0114 8000 001b 21aa bbcc\n"},
		{"oam", PrintOptions{TimeFormat: 1}, "OAM, length 46\n"},
		{"oam", PrintOptions{TimeFormat: 1, Verbose: 1}, "OAM, length 46\n\tCode Information OAM PDU, Flags [Local Stable, Remote Stable]\n\t  Local Information Type (1), length 16\n\t    OAM-Version 1, Revision 2\n\t    State-Parser-Action looping back, State-MUX-Action discarding\n\t    OAM-Config Flags [Active, Remote-Loopback, Link-Events, Variable-Retrieval], OAM-PDU-Config max-PDU size 1518\n\t    OUI IEEE 802.3 Private (0x00120f), Vendor-Private 0x01020304\n\t  Remote Information Type (2), length 16\n\t    OAM-Version 1, Revision 2\n\t    State-Parser-Action looping back, State-MUX-Action discarding\n\t    OAM-Config Flags [Active, Remote-Loopback, Link-Events, Variable-Retrieval], OAM-PDU-Config max-PDU size 1518\n\t    OUI IEEE 802.3 Private (0x00120f), Vendor-Private 0x01020304\n\t  Organization specific Information Type (254), length 6\n\t  0x0000:  fe06 0012 0f01\n\t  End of TLV marker Information Type (0), length 0\n"},
		{"cdp", PrintOptions{TimeFormat: 1}, "CDPv1, ttl: 60s, Device-ID 'old', length 11\n"},
		{"cdp", PrintOptions{TimeFormat: 1, Verbose: 1}, "CDPv1, ttl: 60s, checksum: 0x0000 (unverified), length 11\n\tDevice-ID (0x01), value length: 3 bytes: 'old'\n"},
		{"cdp", PrintOptions{TimeFormat: 1, LinkHeader: true}, "00:1b:21:aa:bb:ce > 01:00:0c:cc:cc:cc, 802.3, length 19: LLC, dsap SNAP (0xaa) Individual, ssap SNAP (0xaa) Command, ctrl 0x03: oui Cisco (0x00000c), pid CDP (0x2000), length 11: CDPv1, ttl: 60s, Device-ID 'old', length 11\n"},
		{"cdp", PrintOptions{TimeFormat: 1, HexOnly: 1}, "CDPv1, ttl: 60s, Device-ID 'old', length 11\n\t0x0000:  013c 0000 0001 0007 6f6c 6400 0000 0000\n\t0x0010:  0000 0000 0000 0000 0000 0000 0000 0000\n\t0x0020:  0000 0000 0000\n"},
		{"cdp-cut", PrintOptions{TimeFormat: 1}, "CDPv2, ttl: 180s [|cdp]\n"},
		{"cdp-cut", PrintOptions{TimeFormat: 1, Verbose: 1}, "CDPv2, ttl: 180s, checksum: 0xb1c2 (unverified), length 303 [|cdp]\n"},
		{"cdp-cut", PrintOptions{TimeFormat: 1, LinkHeader: true}, "00:1b:21:aa:bb:ce > 01:00:0c:cc:cc:cc, 802.3, length 311: LLC, dsap SNAP (0xaa) Individual, ssap SNAP (0xaa) Command, ctrl 0x03: oui Cisco (0x00000c), pid CDP (0x2000), length 303: CDPv2, ttl: 180s [|cdp]\n"},
		{"cdp-cut", PrintOptions{TimeFormat: 1, HexOnly: 1}, "CDPv2, ttl: 180s [|cdp]\n\t0x0000:  0100 0ccc cccc 001b 21aa bbce 0137 aaaa\n\t0x0010:  0300 000c 2000 02b4 b1c2\n"},
		{"ptp-sync", PrintOptions{TimeFormat: 1}, "PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 24, reserved1 : 0, Flags [two step], NS correction : 4660, sub NS correction : 128, reserved2 : 0, clock identity : 0x1b21fffeaabbcc, port id : 1, seq id : 4711, control : 0 (Sync), log message interval : 253, originTimeStamp : 1699355436 seconds, 123456789 nanoseconds\n"},
		{"ptp-sync", PrintOptions{TimeFormat: 1, LinkHeader: true}, "00:1b:21:aa:bb:cf > 01:1b:19:00:00:00, ethertype PTP (0x88f7), length 60: PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 24, reserved1 : 0, Flags [two step], NS correction : 4660, sub NS correction : 128, reserved2 : 0, clock identity : 0x1b21fffeaabbcc, port id : 1, seq id : 4711, control : 0 (Sync), log message interval : 253, originTimeStamp : 1699355436 seconds, 123456789 nanoseconds\n"},
		{"ptp-sync", PrintOptions{TimeFormat: 1, HexOnly: 1}, "PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 24, reserved1 : 0, Flags [two step], NS correction : 4660, sub NS correction : 128, reserved2 : 0, clock identity : 0x1b21fffeaabbcc, port id : 1, seq id : 4711, control : 0 (Sync), log message interval : 253, originTimeStamp : 1699355436 seconds, 123456789 nanoseconds\n\t0x0000:  0002 002c 1800 0200 0000 0000 1234 0080\n\t0x0010:  0000 0000 001b 21ff feaa bbcc 0001 1267\n\t0x0020:  00fd 0000 654a 1b2c 075b cd15 0000\n"},
		{"ptp-cut", PrintOptions{TimeFormat: 1}, "PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 24, reserved1 : 0, Flags [none], NS correction : 4660, sub NS correction : 128, reserved2 : 0, clock identity : 0x1b21fffeaabbcc, port id : 1, seq id : 4711, control : 0 (Sync), log message interval : 253, originTimeStamp : [|ptp]\n"},
		{"ptp-cut", PrintOptions{TimeFormat: 1, Verbose: 1}, "PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 24, reserved1 : 0, Flags [none], NS correction : 4660, sub NS correction : 128, reserved2 : 0, clock identity : 0x1b21fffeaabbcc, port id : 1, seq id : 4711, control : 0 (Sync), log message interval : 253, originTimeStamp : [|ptp]\n"},
		{"ptp-cut", PrintOptions{TimeFormat: 1, LinkHeader: true}, "00:1b:21:aa:bb:cf > 01:1b:19:00:00:00, ethertype PTP (0x88f7), length 48: PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 24, reserved1 : 0, Flags [none], NS correction : 4660, sub NS correction : 128, reserved2 : 0, clock identity : 0x1b21fffeaabbcc, port id : 1, seq id : 4711, control : 0 (Sync), log message interval : 253, originTimeStamp : [|ptp]\n"},
		{"ptp-cut", PrintOptions{TimeFormat: 1, HexOnly: 1}, "PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 24, reserved1 : 0, Flags [none], NS correction : 4660, sub NS correction : 128, reserved2 : 0, clock identity : 0x1b21fffeaabbcc, port id : 1, seq id : 4711, control : 0 (Sync), log message interval : 253, originTimeStamp : [|ptp]\n\t0x0000:  011b 1900 0000 001b 21aa bbcf 88f7 0002\n\t0x0010:  002c 1800 0000 0000 0000 1234 0080 0000\n\t0x0020:  0000 001b 21ff feaa bbcc 0001 1267 00fd\n"},
		{"ptp-udp", PrintOptions{TimeFormat: 1}, "IP 192.0.2.1.319 > 224.0.1.129.319: PTPv2, v1 compat : no, msg type : sync msg, length : 44, domain : 24, reserved1 : 0, Flags [two step], NS correction : 4660, sub NS correction : 128, reserved2 : 0, clock identity : 0x1b21fffeaabbcc, port id : 1, seq id : 4711, control : 0 (Sync), log message interval : 253, originTimeStamp : 1699355436 seconds, 123456789 nanoseconds\n"},
	} {
		var out bytes.Buffer
		p := NewPrinter(&out, c.o)
		if err := p.PrintPacket(seeds[c.name].packet(t)); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != c.want {
			t.Errorf("%s %+v:\n got %q\nwant %q", c.name, c.o, got, c.want)
		}
	}
}

// TestL2ctlPrinters calls the printers directly: texts and whether they
// ran out of captured bytes (tcpdump's longjmp, " [|proto]" appended by
// the caller) for bytes of their own.
func TestL2ctlPrinters(t *testing.T) {
	run := func(b []byte, fn func(n *ndPrinter)) (string, bool) {
		n := &ndPrinter{b: b}
		j := n.run(func() { fn(n) })
		return n.s.String(), j
	}
	lldp := func(v int) func(n *ndPrinter) { return func(n *ndPrinter) { lldpPrint(n, len(n.b), v) } }
	slow := func(v int) func(n *ndPrinter) { return func(n *ndPrinter) { slowPrint(n, len(n.b), v) } }
	cdp := func(v int) func(n *ndPrinter) { return func(n *ndPrinter) { cdpPrint(n, len(n.b), v) } }
	ptp := func(n *ndPrinter) { ptpPrint(n, len(n.b)) }
	for _, c := range []struct {
		name   string
		b      []byte
		fn     func(n *ndPrinter)
		want   string
		jumped bool
	}{
		{"lldp empty", nil, lldp(0), "LLDP, length 0", false},
		{"lldp system name", []byte{0x0a, 3, 's', 0, 'x', 0, 0}, lldp(0), "LLDP, length 7: s", false},
		{"lldp ttl -v", []byte{0x06, 2, 0, 120}, lldp(1), "LLDP, length 4\n\tTime to Live TLV (3), length 2: TTL 120s", false},
		{"lldp ttl -vv", []byte{0x06, 2, 0, 120}, lldp(2), "LLDP, length 4\n\tTime to Live TLV (3), length 2: TTL 120s\n\t  0x0000:  0078", false},
		{"lldp tlv past the end", []byte{0x0a, 9, 's'}, lldp(1), "LLDP, length 3\n\tSystem Name TLV (5), length 9 [|lldp]", false},
		{"lldp unknown tlv", []byte{0x12, 1, 0xab}, lldp(1), "LLDP, length 3\n\tUnknown TLV (9), length 1\n\t  0x0000:  ab", false},
		{"lldp odd byte", []byte{0x06, 2, 0, 1, 0xff}, lldp(1), "LLDP, length 5\n\tTime to Live TLV (3), length 2: TTL 1s", false},
		{"lacp too short", []byte{1}, slow(0), " (packet is too short)", false},
		{"lacp too short -v", []byte{1}, slow(1), "\n\t\t packet is too short", false},
		{"lacp version 2", []byte{1, 2}, slow(1), "LACP version 2 packet not supported", false},
		{"lacp cut tlv", []byte{1, 1, 1, 20, 0}, slow(1), "LACPv1, length 5\n\tActor Information TLV (0x01), length 20\n\t\t packet is too short", false},
		{"lacp terminator", []byte{1, 1, 0, 0}, slow(1), "LACPv1, length 4\n\tTerminator TLV (0x00), length 0", false},
		{"slow unknown", []byte{9, 1}, slow(0), "unknown (9), length 2\n\t0x0000:  0901", false},
		{"oam loopback", []byte{3, 0, 0, 4, 2}, slow(1), "OAM, length 5\n\tCode Loopback Control OAM PDU, Flags [none]\n\t  Command Disable OAM Remote Loopback (2)", false},
		{"cdp short", []byte{2}, cdp(0), " (packet length 1 < 4) (invalid)", false},
		{"cdp device id", []byte{2, 180, 0, 0, 0, 1, 0, 6, 'a', 'b'}, cdp(0), "CDPv2, ttl: 180s, Device-ID 'ab', length 10", false},
		{"cdp duplex -v", []byte{2, 180, 0, 0, 0, 0x0b, 0, 5, 0}, cdp(1), "CDPv2, ttl: 180s, checksum: 0x0000 (unverified), length 9\n\tDuplex (0x0b), value length: 1 byte: half", false},
		{"cdp unnamed type -v", []byte{2, 180, 0, 0, 0, 0x0c, 0, 5, 7}, cdp(1), "CDPv2, ttl: 180s, checksum: 0x0000 (unverified), length 9\n\tunknown field type (0x0c), value length: 1 byte: ", false},
		{"cdp version cut", []byte{2, 180, 0, 0, 0, 5, 0, 9, 'a'}, func(n *ndPrinter) { cdpPrint(n, 13, 1) }, "CDPv2, ttl: 180s, checksum: 0x0000 (unverified), length 13\n\tVersion String (0x05), value length: 5 bytes: \n\t  a", true},
		{"ptp short", make([]byte, 33), ptp, " [length 33 < 34] (invalid)", false},
		{"ptp v1", append([]byte{0, 1}, make([]byte, 32)...), ptp, "PTPv1 (not implemented)", false},
		{"ptp v2 header only", append([]byte{0x05, 2}, make([]byte, 32)...), ptp, "PTPv2, v1 compat : no, msg type : Reserved, length : 0, domain : 0, reserved1 : 0, Flags [none], NS correction : 0, sub NS correction : 0, reserved2 : 0, clock identity : 0x0, port id : 0, seq id : 0, control : 0 (Sync), log message interval : 0", false},
		{"ptp sync cut", append([]byte{0x00, 2}, make([]byte, 32)...), ptp, "PTPv2, v1 compat : no, msg type : sync msg, length : 0, domain : 0, reserved1 : 0, Flags [none], NS correction : 0, sub NS correction : 0, reserved2 : 0, clock identity : 0x0, port id : 0, seq id : 0, control : 0 (Sync), log message interval : 0, originTimeStamp :", true},
	} {
		got, j := run(c.b, c.fn)
		if got != c.want || j != c.jumped {
			t.Errorf("%s:\n got %q (jumped %v)\nwant %q (jumped %v)", c.name, got, j, c.want, c.jumped)
		}
	}
}

// TestNDHelpers: tcpdump's tok2str, bittok2str, nd_printjnp, nd_printn and
// print_unknown_data.
func TestNDHelpers(t *testing.T) {
	tab := []tok{{1, "a"}, {2, "b"}, {6, "bc"}}
	for _, c := range []struct{ got, want string }{
		{tok2str(tab, "Unknown", 2), "b"},
		{tok2str(tab, "Unknown", 3), "Unknown"},
		{tok2str(tab, "unknown (%d)", 9), "unknown (9)"},
		{bittok2str(tab, "none", 7), "a, b, bc"},
		{bittok2str(tab, "none", 4), "none"},
		{bittok2str(tab, "#%x", 0), "#0"},
		{plural(1) + plural(2), "s"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	n := &ndPrinter{b: []byte("ab\x01\x7f\xe9\x00cd")}
	n.jnp(0, 8)
	n.print("|")
	n.printn(5, 3)
	n.print("|")
	n.unknownData(6, "\n\t", 9)
	n.unknownData(9, "\n\t", 1)
	if want := "ab^A^?M-i|^@cd|\n\t0x0000:  6364\n\tDissector error: print_unknown_data called with pointer past end of packet"; n.s.String() != want {
		t.Errorf("got %q, want %q", n.s.String(), want)
	}
	n = &ndPrinter{b: []byte("abc")}
	if !n.run(func() { n.jnp(1, 5) }) || n.s.String() != "bc" {
		t.Errorf("jnp past the captured bytes: %q", n.s.String())
	}
	if strings.Contains(n.s.String(), "[|") {
		t.Error("run appends no marker itself")
	}
}

// FuzzPrintL2Control feeds arbitrary bytes to the LLDP, Slow Protocols,
// CDP and PTP printers, directly (any length on the wire, shorter or
// longer than the captured bytes) and in Ethernet frames, 802.3 SNAP
// frames and UDP datagrams: no panic, and the text stays within a bound
// linear in the input (no printer loops without consuming bytes). Seeds:
// the frames of l2ctlSeedFrames (from cmd/smcdump's l2ctl-synthetic
// trace, checked against tcpdump).
func FuzzPrintL2Control(f *testing.F) {
	for i, s := range l2ctlSeedFrames() {
		b, err := hex.DecodeString(s.hex)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 14 {
			b = b[14:]
		}
		f.Add(b, uint8(i), uint16(len(b)))
		f.Add(b, uint8(i*37+3), uint16(s.wire))
	}
	f.Fuzz(func(t *testing.T, b []byte, opts uint8, wire uint16) {
		v := int(opts & 3)
		length := int(wire)
		bound := 2000 + 120*len(b)
		for _, fn := range []func(n *ndPrinter){
			func(n *ndPrinter) { lldpPrint(n, length, v) },
			func(n *ndPrinter) { slowPrint(n, length, v) },
			func(n *ndPrinter) { cdpPrint(n, length, v) },
			func(n *ndPrinter) { ptpPrint(n, length) },
		} {
			n := &ndPrinter{b: b}
			n.run(func() { fn(n) })
			if n.s.Len() > bound {
				t.Fatalf("%d bytes of text for %d bytes", n.s.Len(), len(b))
			}
		}
		macs := []byte{0x01, 0x80, 0xc2, 0, 0, 0x0e, 0, 0x1b, 0x21, 0xaa, 0xbb, 0xcc}
		snap := []byte{0xaa, 0xaa, 0x03, 0, 0, 0x0c, 0x20, 0x00}
		udp := []byte{0x01, 0x3f, 0x01, 0x3f, 0, 0, 0, 0}
		udp[4], udp[5] = byte((8+len(b))>>8), byte(8+len(b))
		ip := []byte{0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 224, 0, 1, 129}
		ip[2], ip[3] = byte((28+len(b))>>8), byte(28+len(b))
		frames := [][]byte{
			append(append(append([]byte{}, macs...), 0x88, 0xcc), b...),
			append(append(append([]byte{}, macs...), 0x88, 0x09), b...),
			append(append(append([]byte{}, macs...), 0x88, 0xf7), b...),
			append(append(append(append([]byte{}, macs...), byte((8+len(b))>>8), byte(8+len(b))), snap...), b...),
			append(append(append(append(append([]byte{}, macs...), 0x08, 0x00), ip...), udp...), b...),
		}
		for _, fr := range frames {
			var out bytes.Buffer
			p := NewPrinter(&out, PrintOptions{Verbose: v, LinkHeader: opts&4 != 0, HexASCII: int(opts>>3) & 1,
				HexOnly: int(opts>>4) & 1, TimeFormat: 1})
			pkt := &pcapfile.Packet{Frame: 1, LinkType: pcapfile.LinkTypeEthernet, Data: fr}
			pkt.Info.CaptureLength, pkt.Info.Length = len(fr), len(fr)+int(opts>>5)
			if err := p.PrintPacket(pkt); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
				t.Fatalf("output does not end with a newline: %q", out.String())
			}
		}
	})
}
