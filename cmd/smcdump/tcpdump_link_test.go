package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// writePcapTimes writes frames of link type lt as a little-endian
// microsecond pcap with the given time stamps and returns its path.
func writePcapTimes(t *testing.T, name string, lt pcapfile.LinkType, frames [][]byte, times []time.Time) string {
	t.Helper()
	var b bytes.Buffer
	w, err := pcapfile.NewPcapWriter(&b, lt, 65535, true, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		if err := w.WritePacketData(times[i], f, len(f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// linkTrace writes a synthetic pcap (built here, not captured) of
// Ethernet link-layer cases: 802.3 frames with LLC (STP configuration,
// rapid STP and topology change BPDUs, valid and cut; SNAP carrying IPv4
// and ARP; RFC 948 IP; unknown SAPs with U, I and S control fields, XID;
// LLC and SNAP headers cut by the length; padding after the length), an
// 802.3 frame behind a VLAN tag, an Alteon jumbo frame (type 0x8870, then
// LLC), the ethertype 0x0600 (NS) and a VLAN tag in front of an unknown
// ethertype; its packets are more than a day apart (the -ttt and -ttttt
// deltas wrap at 24 hours). TestTcpdumpDifferential requires tcpdump's text
// for every one of them.
func linkTrace(t *testing.T) string {
	t.Helper()
	macs := []byte{0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1}
	e8023 := func(llc []byte, pad int) []byte {
		return cat(macs, u16(nil, uint16(len(llc))), llc, make([]byte, pad))
	}
	bpdu := func(ver, typ, flags byte) []byte {
		return cat([]byte{0, 0, ver, typ, flags}, []byte{0x80, 0, 2, 0, 0, 0, 0, 9}, u32(nil, 4),
			[]byte{0x80, 1, 2, 0, 0, 0, 0, 1}, u16(nil, 0x8002), u16(nil, 256), u16(nil, 20*256), u16(nil, 2*256+128), u16(nil, 15*256+3))
	}
	stp := []byte{0x42, 0x42, 0x03}
	snap := func(oui uint32, pid uint16) []byte {
		return cat([]byte{0xaa, 0xaa, 0x03, byte(oui >> 16), byte(oui >> 8), byte(oui)}, u16(nil, pid))
	}
	udp := cat(u16(u16(nil, 1234), 5678), u16(u16(nil, 8+5), 0), []byte("hello"))
	ip := synIP4(17, "10.0.0.1", "10.0.0.2", udp)
	arp := cat([]byte{0, 1, 8, 0, 6, 4, 0, 1}, []byte{2, 0, 0, 0, 0, 1}, synA4("10.0.0.1"), make([]byte, 6), synA4("10.0.0.2"))
	var frames [][]byte
	add := func(f ...[]byte) { frames = append(frames, f...) }
	add(
		e8023(cat(stp, bpdu(0, 0, 0x01)), 8),                                                               // config, topology change, padding
		e8023(cat(stp, bpdu(0, 0, 0x81))[:3+35], 0),                                                        // config, 35 bytes
		e8023(cat(stp, bpdu(2, 2, 0x3c), []byte{0}), 0),                                                    // rapid STP, designated
		e8023(cat(stp, bpdu(2, 2, 0x56), []byte{0}), 0),                                                    // rapid STP, root, proposal, agreement
		e8023(cat(stp, []byte{0, 0, 0, 0x80}), 0),                                                          // topology change
		e8023(cat(stp, []byte{0, 0, 0, 0x07, 0}), 0),                                                       // unknown BPDU type
		e8023(cat(stp, []byte{0, 0, 9, 0}), 0),                                                             // unknown protocol
		e8023(cat(stp, []byte{0, 1, 0, 0}), 0),                                                             // unknown version
		e8023(cat(stp, []byte{0, 0}), 0),                                                                   // too short
		e8023(cat(stp, bpdu(0, 0, 0)[:20]), 0),                                                             // config too short
		e8023(cat(stp, bpdu(2, 2, 0)), 0),                                                                  // rapid STP too short
		e8023(cat([]byte{0x43, 0x43, 0x03}, bpdu(0, 0, 0)), 0),                                             // group, response
		e8023(cat(snap(0, 0x0800), ip), 6),                                                                 // SNAP IPv4
		e8023(cat(snap(0, 0x0806), arp), 0),                                                                // SNAP ARP
		e8023(cat(snap(0, 0x1234), []byte("xyz")), 0),                                                      // SNAP unknown ethertype
		e8023(cat(snap(0x123456, 0x1234), []byte("xyz")), 0),                                               // SNAP unknown OUI
		e8023(cat(snap(0x0080c2, 0x000e), bpdu(0, 0, 0)), 0),                                               // bridged BPDU
		e8023(cat([]byte{6, 6, 3}, ip), 0),                                                                 // RFC 948 IP
		e8023([]byte{0x12, 0x12, 0x03, 'a', 'b', 'c'}, 0),                                                  // unknown SAP, UI
		e8023([]byte{0x12, 0x35, 0x13, 'a', 'b', 'c'}, 0),                                                  // different SAPs, response, final
		e8023([]byte{0xf0, 0xf0, 0x10, 0x03, 'a'}, 0),                                                      // NetBeui information frame, poll
		e8023([]byte{0x12, 0x12, 0x05, 0x02}, 0),                                                           // supervisory, receiver not ready
		e8023([]byte{0x12, 0x12, 0x09, 0x03}, 0),                                                           // supervisory, reject, final
		e8023([]byte{0x12, 0x12, 0xaf, 0x81, 1, 0}, 0),                                                     // XID
		e8023([]byte{0x12, 0x12, 0xaf, 0x81, 1}, 0),                                                        // XID cut
		e8023([]byte{0x12, 0x12, 0xaf}, 0),                                                                 // XID, no payload
		e8023([]byte{0x12, 0x12, 0xe3, 't'}, 0),                                                            // test
		e8023([]byte{0x12, 0x12, 0x8f, 't'}, 0),                                                            // unknown command
		e8023([]byte{0x12}, 4),                                                                             // LLC cut by the length
		e8023([]byte{0x12, 0x12, 0x10}, 0),                                                                 // I frame cut
		e8023([]byte{}, 10),                                                                                // length 0
		e8023(snap(0, 0x0800)[:5], 0),                                                                      // SNAP cut
		cat(macs, []byte{0x81, 0, 0x20, 5}, u16(nil, 3+35), stp, bpdu(0, 0, 0)[:35]),                       // VLAN, 802.3
		cat(macs, []byte{0x81, 0, 0x20, 5}, u16(nil, 8+uint16(len(ip))), snap(0, 0x0800), ip),              // VLAN, SNAP IPv4
		cat(macs, u16(nil, 0x8870), stp, bpdu(0, 0, 0)),                                                    // jumbo
		cat(macs, []byte{0x81, 0, 0, 7}, u16(nil, 0x8870), snap(0, 0x0800), ip),                            // VLAN, jumbo, SNAP IPv4
		cat(macs, u16(nil, 0x0600), []byte("xns")),                                                         // NS
		cat(macs, []byte{0x81, 0, 0x20, 5}, u16(nil, 0x1234), []byte("unknown")),                           // VLAN, unknown type
		cat(macs, []byte{0x81, 0, 0x20, 5, 0x81, 0, 0, 6}, u16(nil, 0x88b5), []byte("local experimental")), // QinQ, unknown type
	)
	times := make([]time.Time, len(frames))
	ts := time.Unix(1795330800, 123456000)
	for i := range times {
		times[i] = ts
		switch i % 3 {
		case 0:
			ts = ts.Add(49*time.Hour + time.Minute + time.Second + 2*time.Microsecond)
		case 1:
			ts = ts.Add(24 * time.Hour)
		default:
			ts = ts.Add(1500 * time.Millisecond)
		}
	}
	return writePcapTimes(t, "link-synthetic.pcap", pcapfile.LinkTypeEthernet, frames, times)
}
