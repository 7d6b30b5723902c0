package decode

import (
	"io"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// sameFrame reports whether two decoded frames are identical: equal fields,
// and the byte views (L4, TCPOpts, Payload) are the same views of the input
// (same start, length and capacity), not only equal bytes.
func sameFrame(a, b Frame) bool {
	for _, p := range [][2][]byte{{a.L4, b.L4}, {a.TCPOpts, b.TCPOpts}, {a.Payload, b.Payload}} {
		if (p[0] == nil) != (p[1] == nil) || len(p[0]) != len(p[1]) || cap(p[0]) != cap(p[1]) || unsafe.SliceData(p[0]) != unsafe.SliceData(p[1]) {
			return false
		}
	}
	a.L4, a.TCPOpts, a.Payload = nil, nil, nil
	b.L4, b.TCPOpts, b.Payload = nil, nil, nil
	return reflect.DeepEqual(a, b)
}

// equivLinkTypes are the link types Decode handles, and two it does not.
var equivLinkTypes = []pcapfile.LinkType{
	pcapfile.LinkTypeEthernet, pcapfile.LinkTypeLinuxSLL, pcapfile.LinkTypeLinuxSLL2,
	pcapfile.LinkTypeNull, pcapfile.LinkTypeLoop, pcapfile.LinkTypeRaw, 12, 14,
	pcapfile.LinkTypeIPv4, pcapfile.LinkTypeIPv6, 147, 0xffff,
}

// checkEquivalent decodes data as lt with Decode and with the reference
// decoder, into frames that held a previous decode (Decode must reset every
// field), and fails on any difference.
func checkEquivalent(t *testing.T, lt pcapfile.LinkType, data []byte, prev []byte) {
	t.Helper()
	var got, want Frame
	Decode(pcapfile.LinkTypeEthernet, prev, &got)
	refDecode(pcapfile.LinkTypeEthernet, prev, &want)
	Decode(lt, data, &got)
	refDecode(lt, data, &want)
	if !sameFrame(got, want) {
		t.Fatalf("link type %d, % x:\n got  %+v\n want %+v", lt, data, got, want)
	}
}

// taggedFrame is an Ethernet frame (synthetic) whose decoding sets fields
// most frames leave zero: two VLAN tags, an MPLS label, IPv4 with options,
// a first fragment. Decoding another frame after it must clear them.
var taggedFrame = []byte{
	2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2,
	0x88, 0xa8, 0x20, 0x07, 0x81, 0x00, 0x00, 0x64, 0x88, 0x47, 0x00, 0x01, 0x01, 0x40,
	0x46, 0x10, 0x00, 0x20, 0x12, 0x34, 0x20, 0x00, 0x40, 0x11, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	1, 1, 1, 0, 0x04, 0xd2, 0x16, 0x2e, 0x00, 0x08, 0, 0,
}

// labFrames returns the first frames of the lab traces (real kernel bytes).
func labFrames(t testing.TB, max int) []*pcapfile.Packet {
	files, _ := filepath.Glob("../../testdata/lab/out/6.12/*.pcapng")
	var out []*pcapfile.Packet
	for _, path := range files {
		fr, err := pcapfile.OpenFile(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < max; i++ {
			p, err := fr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			c := *p
			c.Data = append([]byte(nil), p.Data...)
			out = append(out, &c)
		}
		fr.Close()
	}
	return out
}

// TestDecodeEquivalent: the optimised Decode fills every field exactly as
// the reference decoder does, for real lab frames and the benchmark mix
// (synthetic), each cut at every length and decoded as every link type,
// and with single bytes of the headers changed.
func TestDecodeEquivalent(t *testing.T) {
	var inputs [][]byte
	for _, p := range labFrames(t, 12) {
		inputs = append(inputs, p.Data)
	}
	for _, bf := range benchMix(t) {
		inputs = append(inputs, bf.data)
	}
	prev := inputs[0]
	for k, in := range inputs {
		if k%2 == 1 {
			prev = taggedFrame
		}
		for _, lt := range equivLinkTypes {
			for n := 0; n <= len(in) && n <= 120; n++ {
				checkEquivalent(t, lt, in[:n], prev)
			}
			checkEquivalent(t, lt, in, prev)
		}
		for i := 0; i < len(in) && i < 80; i++ {
			for _, v := range []byte{0x00, 0x01, 0x45, 0x60, 0x81, 0xff} {
				m := append([]byte(nil), in...)
				m[i] = v
				checkEquivalent(t, pcapfile.LinkTypeEthernet, m, prev)
				checkEquivalent(t, pcapfile.LinkTypeRaw, m[14:], prev)
			}
		}
		prev = in
	}
}

// FuzzDecodeEquivalent compares Decode with the reference decoder on
// arbitrary bytes and link types, seeded from real lab frames.
func FuzzDecodeEquivalent(f *testing.F) {
	for _, p := range labFrames(f, 20) {
		f.Add(uint16(p.LinkType), p.Data)
	}
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		checkEquivalent(t, pcapfile.LinkType(lt%300), data, nil)
		checkEquivalent(t, pcapfile.LinkType(lt%300), data, taggedFrame)
	})
}

// TestTaggedFrame: the frame the equivalence tests decode first does set
// the fields it is there for.
func TestTaggedFrame(t *testing.T) {
	var f Frame
	Decode(pcapfile.LinkTypeEthernet, taggedFrame, &f)
	if f.Status != StatusOK || f.NVLAN != 2 || f.NMPLS != 1 || f.IPHdrLen != 24 || !f.Fragment || f.Proto != ProtoUDP || f.DstPort != 5678 {
		t.Fatalf("%+v", f)
	}
}
