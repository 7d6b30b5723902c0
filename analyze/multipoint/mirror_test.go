package multipoint

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// mirror writes the packets of the recorded capture src to a pcap file as
// they are (mode "plain") or as a mirror collector receives them
// (synthetic wrapping of real frames): each Ethernet frame inside
// Ethernet, IPv4 192.0.2.1 > 192.0.2.2 and either GRE with ERSPAN type II
// (session 7, mode "erspan") or UDP with VXLAN (VNI 42, mode "vxlan").
func mirror(t *testing.T, src, mode string) string {
	t.Helper()
	fr, err := pcapfile.OpenFile(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	var out bytes.Buffer
	w, err := pcapfile.NewPcapWriter(&out, pcapfile.LinkTypeEthernet, 262144, false, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	for seq := uint32(0); ; seq++ {
		p, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.LinkType != pcapfile.LinkTypeEthernet {
			t.Fatalf("%s: link type %v", src, p.LinkType)
		}
		if mode == "plain" {
			if err := w.WritePacketData(p.Info.Timestamp, p.Data, p.Info.Length); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var hdr []byte
		proto := byte(47)
		if mode == "erspan" {
			hdr = be.AppendUint32(be.AppendUint16(be.AppendUint16(nil, 0x1000), 0x88be), seq) // GRE, S bit
			hdr = be.AppendUint32(be.AppendUint16(be.AppendUint16(hdr, 0x1000|100), 7), 0)    // ERSPAN II: version 1, VLAN 100, session 7
		} else {
			proto = 17
			l4 := 8 + 8 + p.Info.Length
			hdr = be.AppendUint16(be.AppendUint16(be.AppendUint16(be.AppendUint16(nil, 50000), 4789), uint16(l4)), 0)
			hdr = be.AppendUint32(be.AppendUint32(hdr, 0x08000000), 42<<8)
		}
		ipLen := 20 + len(hdr) + p.Info.Length
		f := []byte{0x02, 0, 0, 0, 0, 0xb, 0x02, 0, 0, 0, 0, 0xa, 0x08, 0x00, 0x45, 0}
		f = be.AppendUint16(f, uint16(ipLen))
		f = append(f, 0, 1, 0x40, 0, 64, proto, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2)
		f = append(append(f, hdr...), p.Data...)
		if err := w.WritePacketData(p.Info.Timestamp, f, 14+ipLen); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "point.pcap")
	if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestMirroredPoint: a point captured on a mirror collector (ERSPAN) or
// an overlay's underlay (VXLAN) is matched with the other points by the
// frames inside: the report is the one of the same point captured
// directly (written to a pcap file the same way, since pcap has no
// capture start and end: recorded lab captures of a packet loss and of a
// middlebox stripping the SMC option).
func TestMirroredPoint(t *testing.T) {
	for _, sc := range []struct{ scenario, a, b, c string }{
		{"udp-lost", "sender", "router", "receiver"},
		{"stripped", "client", "router", "server"},
	} {
		report := func(mode string) string {
			pts := points(sc.scenario, sc.a, sc.b, sc.c)
			pts[1].Files = []string{mirror(t, pts[1].Files[0], mode)}
			var b bytes.Buffer
			if err := run(t, pts).WriteText(&b); err != nil {
				t.Fatal(err)
			}
			return strings.ReplaceAll(b.String(), pts[1].Files[0], "POINT")
		}
		want := report("plain")
		if !strings.Contains(want, "Verdicts:") {
			t.Fatalf("%s: no verdicts:\n%s", sc.scenario, want)
		}
		for _, mode := range []string{"erspan", "vxlan"} {
			if got := report(mode); got != want {
				t.Errorf("%s, %s point %s: report differs from the direct capture's:\n%s\nwant:\n%s", sc.scenario, mode, sc.b, got, want)
			}
		}
	}
}
