// Package tunnelwrap is test support: it rewrites a recorded capture with
// every frame wrapped in a tunnel (synthetic wrapping of real frames), as
// an overlay's underlay or a mirror collector would have captured it. The
// analysis tests of analyze, analyze/monitor and analyze/multipoint use it.
package tunnelwrap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Wrap turns one Ethernet frame (wire bytes on the wire) into the frames
// to write in its place, each with its wire length.
type Wrap func(eth []byte, wire int, emit func(frame []byte, wire int))

// Rewrite writes the frames of the Ethernet capture src, each replaced by
// what wrap emits, to the nanosecond pcap file dst, and returns dst.
func Rewrite(tb testing.TB, src, dst string, wrap Wrap) string {
	tb.Helper()
	fr, err := pcapfile.OpenFile(src, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer fr.Close()
	var out bytes.Buffer
	w, err := pcapfile.NewPcapWriter(&out, pcapfile.LinkTypeEthernet, 262144, false, 1<<16)
	if err != nil {
		tb.Fatal(err)
	}
	for {
		p, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if p.LinkType != pcapfile.LinkTypeEthernet {
			tb.Fatalf("%s: link type %v, not Ethernet", src, p.LinkType)
		}
		wrap(p.Data, p.Info.Length, func(frame []byte, wire int) {
			if err := w.WritePacketData(p.Info.Timestamp, frame, wire); err != nil {
				tb.Fatal(err)
			}
		})
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// Outer addresses of the tunnels: 192.0.2.1 > 192.0.2.2 (RFC 5737).
var (
	OuterSrc = [4]byte{192, 0, 2, 1}
	OuterDst = [4]byte{192, 0, 2, 2}
)

// IPv4 wraps payload (wire bytes on the wire) in Ethernet and IPv4
// OuterSrc > OuterDst with protocol proto.
func IPv4(proto byte, payload []byte, wire int) ([]byte, int) {
	be := binary.BigEndian
	f := []byte{0x02, 0, 0, 0, 0, 0xb, 0x02, 0, 0, 0, 0, 0xa, 0x08, 0x00, 0x45, 0}
	f = be.AppendUint16(f, uint16(20+wire))
	f = append(f, 0, 1, 0x40, 0, 64, proto, 0, 0)
	f = append(append(f, OuterSrc[:]...), OuterDst[:]...)
	return append(f, payload...), 14 + 20 + wire
}

// VXLAN wraps an Ethernet frame in UDP port 4789 and a VXLAN header with
// the VNI, in IPv4.
func VXLAN(vni uint32, eth []byte, wire int) ([]byte, int) {
	be := binary.BigEndian
	l4 := 8 + 8 + wire
	h := be.AppendUint16(be.AppendUint16(be.AppendUint16(nil, 50000), 4789), uint16(l4))
	h = be.AppendUint32(be.AppendUint32(append(h, 0, 0), 0x08000000), vni<<8)
	return IPv4(17, append(h, eth...), l4)
}

// ERSPAN2 wraps an Ethernet frame in GRE (with sequence number seq) and
// an ERSPAN type II header (VLAN 100, the session), in IPv4.
func ERSPAN2(session uint16, seq uint32, eth []byte, wire int) ([]byte, int) {
	be := binary.BigEndian
	h := be.AppendUint32(be.AppendUint16(be.AppendUint16(nil, 0x1000), 0x88be), seq)
	h = be.AppendUint32(be.AppendUint16(be.AppendUint16(h, 0x1000|100), session&0x3ff), 0)
	return IPv4(47, append(h, eth...), len(h)+wire)
}

// Fragment splits an Ethernet frame carrying IPv4 (no options) into IP
// fragments whose IP payload is at most mtu-20 bytes (rounded down to a
// multiple of 8), with IP ID id and the DF bit cleared, as a router or the
// sending host fragments a datagram larger than the path's MTU. A frame that
// fits, is not IPv4 without options, or is not completely captured is
// returned as it is.
func Fragment(frame []byte, wire, mtu int, id uint16) [][]byte {
	be := binary.BigEndian
	if len(frame) != wire || len(frame) < 34 || be.Uint16(frame[12:]) != 0x0800 || frame[14] != 0x45 {
		return [][]byte{frame}
	}
	payload := frame[34:]
	step := (mtu - 20) &^ 7
	if len(payload) <= step || step <= 0 {
		return [][]byte{frame}
	}
	var out [][]byte
	for off := 0; off < len(payload); off += step {
		chunk := payload[off:min(off+step, len(payload))]
		f := append([]byte{}, frame[:34]...)
		be.PutUint16(f[16:], uint16(20+len(chunk)))
		be.PutUint16(f[18:], id)
		fl := uint16(off / 8)
		if off+len(chunk) < len(payload) {
			fl |= 0x2000 // more fragments
		}
		be.PutUint16(f[20:], fl)
		be.PutUint16(f[24:], 0)
		var sum uint32
		for i := 14; i < 34; i += 2 {
			sum += uint32(be.Uint16(f[i:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		be.PutUint16(f[24:], ^uint16(sum))
		out = append(out, append(f, chunk...))
	}
	return out
}
