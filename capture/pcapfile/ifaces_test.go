package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// ngBuilder writes pcapng blocks (synthetic files), little-endian unless
// order is set.
type ngBuilder struct {
	b     []byte
	order binary.AppendByteOrder
}

func (w *ngBuilder) le() binary.AppendByteOrder {
	if w.order == nil {
		return binary.LittleEndian
	}
	return w.order
}

func (w *ngBuilder) blk(typ uint32, body []byte) {
	le := w.le()
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	w.b = le.AppendUint32(w.b, typ)
	w.b = le.AppendUint32(w.b, n)
	w.b = append(w.b, body...)
	w.b = le.AppendUint32(w.b, n)
}

func (w *ngBuilder) shb() {
	le := w.le()
	b := le.AppendUint32(nil, 0x1a2b3c4d)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, 0)
	w.blk(0x0a0d0d0a, append(b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
}

func (w *ngBuilder) idb(lt LinkType, name string) {
	le := w.le()
	b := le.AppendUint16(nil, uint16(lt))
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, 65535)
	if name != "" {
		b = le.AppendUint16(b, 2)
		b = le.AppendUint16(b, uint16(len(name)))
		b = append(b, name...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		b = append(b, 0, 0, 0, 0)
	}
	w.blk(1, b)
}

func (w *ngBuilder) epb(ifc uint32, ts uint64, data []byte) {
	le := w.le()
	b := le.AppendUint32(nil, ifc)
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	b = le.AppendUint32(b, uint32(len(data)))
	b = le.AppendUint32(b, uint32(len(data)))
	w.blk(6, append(b, data...))
}

func (w *ngBuilder) isb(ifc uint32, ts uint64, recv uint64) {
	le := w.le()
	b := le.AppendUint32(nil, ifc)
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	b = le.AppendUint16(b, 4)
	b = le.AppendUint16(b, 8)
	b = le.AppendUint64(b, recv)
	w.blk(5, append(b, 0, 0, 0, 0))
}

func readAllNg(t *testing.T, b []byte) (*FileReader, []Packet) {
	t.Helper()
	fr, err := NewFileReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []Packet
	for {
		p, err := fr.Next()
		if errors.Is(err, io.EOF) {
			return fr, out
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *p
		c.Data = append([]byte(nil), p.Data...)
		out = append(out, c)
	}
}

// TestInterfacesBounded: sections that describe the same interface again
// share its entry (not within one section); past maxInterfaces the
// further interfaces share an entry per link type, their packets still
// decoded with it; statistics blocks keep each interface's first and
// last.
func TestInterfacesBounded(t *testing.T) {
	frame := bytes.Repeat([]byte{0xab}, 60)
	const ts = 1700000000000000
	var w ngBuilder
	const sections = maxInterfaces/2 + 1000
	for i := range sections { // concatenated files: one section each
		w.shb()
		w.idb(LinkTypeEthernet, "eth0")
		w.idb(LinkTypeEthernet, "eth0") // a second interface of the same name in one section
		w.epb(uint32(i%2), ts+uint64(i), frame)
		w.isb(uint32(i%2), ts+uint64(i), uint64(i))
	}
	fr, pkts := readAllNg(t, w.b)
	if n := len(fr.Interfaces()); n != maxInterfaces || fr.InterfacesShared() != 2000 || fr.ProblemCount() != 0 {
		t.Fatalf("%d interfaces (want %d), %d shared, problems %v", n, maxInterfaces, fr.InterfacesShared(), fr.Problems())
	}
	// each section has its own entries (and statistics) up to the bound,
	// then takes those of earlier sections, each once per section
	if len(pkts) != sections || pkts[1].Info.InterfaceIndex != 3 || pkts[2047].Info.InterfaceIndex != 4095 ||
		pkts[sections-2].Info.InterfaceIndex != 0 || pkts[sections-1].Info.InterfaceIndex != 1 {
		t.Fatalf("%d packets, interfaces %d %d %d %d", len(pkts), pkts[1].Info.InterfaceIndex, pkts[2047].Info.InterfaceIndex,
			pkts[sections-2].Info.InterfaceIndex, pkts[sections-1].Info.InterfaceIndex)
	}
	if st := fr.Stats(); len(st) != maxStatsKept || fr.StatsOmitted() != sections-maxStatsKept || st[1].Interface != 3 {
		t.Fatalf("%d statistics kept, %d omitted, second on interface %d", len(st), fr.StatsOmitted(), st[1].Interface)
	}

	w = ngBuilder{}
	w.shb()
	for range maxInterfaces + 1000 {
		w.idb(LinkTypeEthernet, "")
	}
	w.idb(LinkTypeRaw, "")
	w.epb(maxInterfaces+999, ts, frame)
	w.epb(maxInterfaces+1000, ts, append([]byte{0x45}, frame[1:]...))
	for i := range 1000 {
		w.isb(0, ts+uint64(i), uint64(i))
	}
	w.isb(1, ts, 7)
	fr, pkts = readAllNg(t, w.b)
	ifs := fr.Interfaces()
	if len(ifs) != maxInterfaces+2 || fr.InterfacesShared() != 1001 || fr.ProblemCount() != 0 {
		t.Fatalf("%d interfaces, %d shared, problems %v", len(ifs), fr.InterfacesShared(), fr.Problems())
	}
	if len(pkts) != 2 || pkts[0].LinkType != LinkTypeEthernet || pkts[1].LinkType != LinkTypeRaw {
		t.Fatalf("packets on shared interfaces: %+v", pkts)
	}
	st := fr.Stats()
	if len(st) != 3 || fr.StatsOmitted() != 998 || *st[1].IfRecv != 999 || st[2].Interface != 1 {
		t.Fatalf("stats %d kept, %d omitted: %+v", len(st), fr.StatsOmitted(), st)
	}
}
