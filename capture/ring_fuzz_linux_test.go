//go:build linux

package capture

import (
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// synthBlock builds a TPACKET_V3 block the way the kernel lays it out
// (synthetic: offsets from linux/if_packet.h and net/packet/af_packet.c),
// holding the given frames; vlan adds tp_vlan_tci to the first frame.
func synthBlock(blockSize int, frames [][]byte, vlan uint16) []byte {
	m := make([]byte, blockSize)
	ne := binary.NativeEndian
	ne.PutUint32(m[bdNumPkts:], uint32(len(frames)))
	ne.PutUint32(m[bdFirstPkt:], 48)
	off := 48
	const mac = 82 // TPACKET_ALIGN(48+20)+16 - 14, as the kernel computes it for Ethernet
	for i, f := range frames {
		size := (mac + len(f) + 15) &^ 15
		if i < len(frames)-1 {
			ne.PutUint32(m[off+phNext:], uint32(size))
		}
		ne.PutUint32(m[off+phSec:], 1700000000)
		ne.PutUint32(m[off+phNsec:], uint32(i))
		ne.PutUint32(m[off+phSnaplen:], uint32(len(f)))
		ne.PutUint32(m[off+phLen:], uint32(len(f)))
		status := uint32(0x20000000)
		if vlan != 0 && i == 0 {
			status |= 0x10
			ne.PutUint32(m[off+phVlanTCI:], uint32(vlan))
		}
		ne.PutUint32(m[off+phStatus:], status)
		ne.PutUint16(m[off+phMac:], mac)
		m[off+phSLL+sllPkttype] = unix.PACKET_HOST
		m[off+phSLL+sllHalen] = 6
		copy(m[off+mac:], f)
		off += size
	}
	return m
}

func parseBlock(mem []byte, blockSize int, cooked bool) []pcapfile.Packet {
	h := &Handle{cfg: Config{Snaplen: DefaultSnaplen, BlockTimeout: time.Millisecond}}
	r := &ring{mem: mem, blockSize: blockSize, blockNr: 1, linkType: pcapfile.LinkTypeEthernet, snaplen: DefaultSnaplen, cooked: cooked}
	if cooked {
		r.linkType = pcapfile.LinkTypeLinuxSLL2
	}
	r.beginBlock()
	var out []pcapfile.Packet
	for r.remaining > 0 {
		var p pcapfile.Packet
		if h.parse(r, &p) {
			p.Data = append([]byte(nil), p.Data...)
			out = append(out, p)
		}
	}
	return out
}

func TestParseSyntheticBlock(t *testing.T) {
	f1, f2 := testFrame(60, 1), testFrame(1000, 2)
	pkts := parseBlock(synthBlock(8192, [][]byte{f1, f2}, 100), 8192, false)
	if len(pkts) != 2 {
		t.Fatalf("%d packets", len(pkts))
	}
	if pkts[0].Info.Length != 64 || binary.BigEndian.Uint16(pkts[0].Data[12:]) != 0x8100 || binary.BigEndian.Uint16(pkts[0].Data[14:]) != 100 {
		t.Fatalf("VLAN not restored: %x", pkts[0].Data[:20])
	}
	if len(pkts[1].Data) != 1000 || pkts[1].Info.Timestamp.Nanosecond() != 1 {
		t.Fatalf("second packet: %d bytes, %v", len(pkts[1].Data), pkts[1].Info.Timestamp)
	}
	if got := parseBlock(synthBlock(8192, [][]byte{f1}, 0), 8192, true); len(got) != 1 || len(got[0].Data) != 20+60 {
		t.Fatalf("cooked: %v", got)
	}
}

// FuzzParseBlock feeds arbitrary ring blocks to the packet parser: it must
// never panic or read outside the block.
func FuzzParseBlock(f *testing.F) {
	f.Add(synthBlock(4096, [][]byte{testFrame(60, 1), testFrame(200, 2)}, 0), false)
	f.Add(synthBlock(4096, [][]byte{vlanFrame(100, 5, 1)}, 7), true)
	f.Fuzz(func(t *testing.T, data []byte, cooked bool) {
		if len(data) < 64 || len(data) > 1<<16 {
			return
		}
		parseBlock(data, len(data), cooked)
	})
}

func BenchmarkParseBlock(b *testing.B) {
	var frames [][]byte
	for i := range 40 {
		frames = append(frames, testFrame(60, uint32(i)))
	}
	mem := synthBlock(8192, frames, 0)
	h := &Handle{cfg: Config{Snaplen: DefaultSnaplen}}
	r := &ring{mem: mem, blockSize: 8192, blockNr: 1, linkType: pcapfile.LinkTypeEthernet, snaplen: DefaultSnaplen}
	b.ReportAllocs()
	for b.Loop() {
		r.block = 0
		r.beginBlock()
		var p pcapfile.Packet
		for r.remaining > 0 {
			h.parse(r, &p)
		}
	}
}
