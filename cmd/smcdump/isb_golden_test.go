package main

import (
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/smcdump/smcdump/capture"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// writeISBStyleTrace writes a synthetic trace (labelled synthetic: built by
// this test, not captured by a kernel): one RTP multicast stream with two
// packets missing, between two ISBs whose drop counters say the capture
// dropped them. oldStyle writes the ring drops into isb_ifdrop and
// isb_osdrop (as smcdump did before issue 9 item 8); otherwise isb_osdrop
// holds the ring drops and isb_ifdrop the interface's own (different)
// drops, as smcdump writes now.
func writeISBStyleTrace(t *testing.T, path string, oldStyle bool) {
	t.Helper()
	var buf bytes.Buffer
	ifc := []pcapfile.Interface{{Name: "eth0", LinkType: pcapfile.LinkTypeEthernet, SnapLen: 262144}}
	w, err := pcapfile.NewNgWriter(&buf, pcapfile.SectionInfo{Application: "smcdump synthetic", OS: "Linux", Hardware: "synthetic"}, ifc, 0)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	stats := func(end time.Time, ring, nic uint64) capture.Counters {
		s := capture.Counters{Received: 100, Dropped: ring, Captured: 98, Start: t0, End: end}
		if oldStyle {
			s.IfDropped, s.IfDropKnown = ring, true
		} else {
			s.IfDropped, s.IfDropKnown = nic, true
		}
		return s
	}
	if err := w.WriteStats(stats(t0, 0, 0).ISB(0)); err != nil {
		t.Fatal(err)
	}
	sb := gopacket.NewSerializeBuffer()
	for i := range 100 {
		if i == 40 || i == 41 {
			continue
		}
		rtp := make([]byte, 12+172)
		rtp[0], rtp[1] = 0x80, 33
		binary.BigEndian.PutUint16(rtp[2:], uint16(1000+i))
		binary.BigEndian.PutUint32(rtp[4:], uint32(90*i))
		binary.BigEndian.PutUint32(rtp[8:], 0x1234abcd)
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{1, 0, 0x5e, 1, 1, 1}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 16, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(10, 0, 0, 1), DstIP: net.IPv4(239, 1, 1, 1), Id: uint16(i)}
		udp := &layers.UDP{SrcPort: 4000, DstPort: 5000}
		_ = udp.SetNetworkLayerForChecksum(ip)
		if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(rtp)); err != nil {
			t.Fatal(err)
		}
		frame := sb.Bytes()
		if err := w.WritePacketData(0, t0.Add(time.Duration(i+1)*time.Millisecond), frame, len(frame), pcapfile.DirectionInMulticast.EPBFlags()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteStats(stats(t0.Add(200*time.Millisecond), 2, 5).ISB(0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestISBStylesGolden: a file written by an older smcdump (ring drops in
// both isb_ifdrop and isb_osdrop) and one written now (ring drops in
// isb_osdrop, interface drops in isb_ifdrop) are both read right: the two
// missing packets are the capture's 2 drops, counted once (issue 9 item 8).
func TestISBStylesGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		old  bool
	}{{"isb-old-style", true}, {"isb-new-style", false}} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(synthDir, c.name+".pcapng")
			if *update {
				writeISBStyleTrace(t, path, c.old)
			}
			out, stderr, code := run(t, "analyze", path)
			if code != 0 {
				t.Fatalf("analyze exit %d: %s", code, stderr)
			}
			golden(t, c.name+".analyze.txt", out)
		})
	}
}
