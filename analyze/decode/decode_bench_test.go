package decode

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// benchFrame is one synthetic frame (analyze/synth) of a benchmark mix.
type benchFrame struct {
	name string
	lt   pcapfile.LinkType
	data []byte
}

// synthFrames returns the frames written by fn through a synth pcap writer
// with the given link encapsulation and VLAN tags.
func synthFrames(t testing.TB, link synth.Link, vlans []uint16, fn func(w *synth.Writer) error) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, link, synth.Start, true)
	if err != nil {
		t.Fatal(err)
	}
	w.VLANs = vlans
	if err := fn(w); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()[24:]
	var out [][]byte
	for len(b) >= 16 {
		n := int(binary.LittleEndian.Uint32(b[8:]))
		out = append(out, b[16:16+n])
		b = b[16+n:]
	}
	return out
}

// benchMix is the traffic of the issue-14 corpora, per link type: a SYN with
// the SMC option, a full bulk segment, a bare ACK, a multicast datagram; plus
// a VLAN-tagged segment, IPv6, and Linux cooked (SLL2) frames.
func benchMix(t testing.TB) []benchFrame {
	payload := make([]byte, 1448)
	conn := func(w *synth.Writer) error {
		c := w.TCPConn(netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:5000"), 1000, 2000)
		if err := c.SYN(true); err != nil {
			return err
		}
		if err := c.SendAt(false, 0, payload); err != nil {
			return err
		}
		if err := c.ACK(true); err != nil {
			return err
		}
		return w.UDP(netip.MustParseAddrPort("10.2.0.1:40000"), netip.MustParseAddrPort("239.1.1.1:5000"), payload[:200])
	}
	conn6 := func(w *synth.Writer) error {
		c := w.TCPConn(netip.MustParseAddrPort("[fd00::1]:40000"), netip.MustParseAddrPort("[fd00::2]:5000"), 1000, 2000)
		return c.SendAt(false, 0, payload)
	}
	var fr []benchFrame
	for i, b := range synthFrames(t, synth.Ethernet, nil, conn) {
		fr = append(fr, benchFrame{[]string{"syn", "data", "ack", "udp"}[i], pcapfile.LinkTypeEthernet, b})
	}
	for _, b := range synthFrames(t, synth.Ethernet, []uint16{100}, conn)[1:2] {
		fr = append(fr, benchFrame{"vlan-data", pcapfile.LinkTypeEthernet, b})
	}
	for _, b := range synthFrames(t, synth.Ethernet, nil, conn6) {
		fr = append(fr, benchFrame{"ipv6-data", pcapfile.LinkTypeEthernet, b})
	}
	for _, b := range synthFrames(t, synth.SLL2, nil, conn)[1:2] {
		fr = append(fr, benchFrame{"sll2-data", pcapfile.LinkTypeLinuxSLL2, b})
	}
	return fr
}

// BenchmarkDecode decodes each frame kind; 0 allocations per frame.
func BenchmarkDecode(b *testing.B) {
	for _, bf := range benchMix(b) {
		b.Run(bf.name, func(b *testing.B) {
			b.ReportAllocs()
			var f Frame
			for b.Loop() {
				Decode(bf.lt, bf.data, &f)
			}
			if f.Status != StatusOK {
				b.Fatalf("status %d %s", f.Status, f.Reason)
			}
		})
	}
}

// BenchmarkDecodeMix decodes the corpus mix (data, ACK, data, ACK, ...).
func BenchmarkDecodeMix(b *testing.B) {
	mix := benchMix(b)
	b.ReportAllocs()
	var f Frame
	i := 0
	for b.Loop() {
		bf := &mix[i%len(mix)]
		Decode(bf.lt, bf.data, &f)
		i++
	}
}

// BenchmarkHalfStreamAdd reassembles a CLC handshake's bytes (3 in-order
// segments) per iteration.
func BenchmarkHalfStreamAdd(b *testing.B) {
	seg := make([]byte, 300)
	b.ReportAllocs()
	for b.Loop() {
		h := NewHalfStream()
		h.SetBase(1000)
		h.Add(1000, seg, len(seg))
		h.Add(1300, seg, len(seg))
		h.Add(1600, seg, len(seg))
		h.Release()
	}
}

// TestDecodeNoAllocs guards 0 allocations per decoded frame of every kind
// of the benchmark mix, and for an unsupported link type.
func TestDecodeNoAllocs(t *testing.T) {
	mix := benchMix(t)
	mix = append(mix, benchFrame{"unsupported-link", pcapfile.LinkType(147), mix[0].data})
	for _, bf := range mix {
		var f Frame
		if n := testing.AllocsPerRun(100, func() { Decode(bf.lt, bf.data, &f) }); n != 0 {
			t.Errorf("%s: %v allocations per frame, want 0", bf.name, n)
		}
	}
}
