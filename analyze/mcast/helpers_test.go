package mcast

import (
	"errors"
	"github.com/smcdump/smcdump/internal/publicdata"
	"io"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// publicFile returns a public sample capture (tsduck-test), skipping the
// test when it is absent (internal/publicdata).
func publicFile(t testing.TB, name string) string {
	t.Helper()
	return publicdata.File(t, name)
}

// readCapture converts every UDP packet of a pcap/pcapng file into a
// Datagram (test-only stand-in for the lead's reader): Ethernet, 802.1Q
// (outermost VLAN), IPv4/IPv6, UDP. Payloads are copied. It also returns
// the pcapng Interface Statistics Blocks as CaptureDrops.
func readCapture(t testing.TB, path string) ([]Datagram, []CaptureDrop) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var src interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var lt layers.LinkType
	var drops []CaptureDrop
	if r, err := pcapgo.NewReader(f); err == nil {
		src, lt = r, r.LinkType()
	} else {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewNgReader(f, pcapgo.NgReaderOptions{
			WantMixedLinkType: true,
			StatisticsCallback: func(id int, s pcapgo.NgInterfaceStatistics) {
				drops = append(drops, CaptureDrop{Time: s.LastUpdate.UTC(), Interface: id, IfDrop: s.PacketsDropped, Cumulative: true})
			},
		})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		src, lt = r, r.LinkType()
	}
	var out []Datagram
	frame := 0
	for {
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s frame %d: %v", path, frame+1, err)
		}
		frame++
		plt := lt
		for _, a := range ci.AncillaryData {
			if l, ok := a.(layers.LinkType); ok {
				plt = l
			}
		}
		if d, ok := toDatagram(data, ci, plt, frame); ok {
			out = append(out, d)
		}
	}
	return out, drops
}

func toDatagram(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType, frame int) (Datagram, bool) {
	pkt := gopacket.NewPacket(data, lt, gopacket.Default)
	var d Datagram
	if l := pkt.Layer(layers.LayerTypeDot1Q); l != nil {
		d.VLAN = l.(*layers.Dot1Q).VLANIdentifier
	}
	var sa, da netip.Addr
	switch n := pkt.NetworkLayer().(type) {
	case *layers.IPv4:
		sa, _ = netip.AddrFromSlice(n.SrcIP.To4())
		da, _ = netip.AddrFromSlice(n.DstIP.To4())
	case *layers.IPv6:
		sa, _ = netip.AddrFromSlice(n.SrcIP)
		da, _ = netip.AddrFromSlice(n.DstIP)
	default:
		return d, false
	}
	ul := pkt.Layer(layers.LayerTypeUDP)
	if ul == nil {
		return d, false
	}
	u := ul.(*layers.UDP)
	d.Frame = frame
	d.Time = ci.Timestamp.UTC()
	d.Interface = ci.InterfaceIndex
	d.Src = netip.AddrPortFrom(sa, uint16(u.SrcPort))
	d.Dst = netip.AddrPortFrom(da, uint16(u.DstPort))
	d.Payload = append([]byte(nil), u.Payload...)
	d.Length = int(u.Length) - 8
	if d.Length < len(d.Payload) {
		d.Length = len(d.Payload)
	}
	d.Truncated = len(d.Payload) < d.Length
	return d, true
}

// synth builds synthetic datagrams (project-made test data, not captured)
// from payloads, 1 ms apart, on one stream.
func synth(payloads ...[]byte) []Datagram {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := make([]Datagram, len(payloads))
	for i, p := range payloads {
		out[i] = Datagram{
			Frame: i + 1, Time: base.Add(time.Duration(i) * time.Millisecond),
			Src: netip.MustParseAddrPort("10.0.0.1:40000"), Dst: netip.MustParseAddrPort("239.1.2.3:14400"),
			Payload: p, Length: len(p),
		}
	}
	return out
}

func run(cfg Config, ds []Datagram) *Report {
	tr := NewTracker(cfg)
	for i := range ds {
		tr.Add(&ds[i])
	}
	return tr.Report()
}
