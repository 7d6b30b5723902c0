package synth

import (
	"encoding/binary"
	"time"
)

// Oddities are the byte offsets of what an odd capture (OddPcapng,
// OddPcap) holds besides its packets, each where the reader reports it;
// 0 when the capture has none of that kind.
type Oddities struct {
	// Unknown is a pcapng block of a type no registry knows, well framed:
	// skipped, a note.
	Unknown int64
	// Garbage is GarbageLen bytes that are neither a block nor a record:
	// a damaged region, GarbageLen bytes skipped.
	Garbage int64
	// BadTime is a pcapng packet whose time stamp is implausible (in the
	// year 2223): a note; analyses take it at the previous packet's time.
	BadTime int64
	// Fraction is a pcap record whose microseconds are 1,500,000: a note.
	Fraction int64
}

// GarbageLen is the length of an odd capture's damaged region.
const GarbageLen = 16

// OddPackets is the number of packets of an odd capture.
const OddPackets = 5

// oddFrame is an Ethernet frame of an IPv4 UDP datagram 10.0.0.1:5000 >
// 239.1.1.1:5000 whose 4-byte payload is seq.
func oddFrame(seq uint32) []byte {
	f := []byte{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00}
	ip := []byte{0x45, 0, 0, 32, 0, byte(seq), 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 239, 1, 1, 1}
	binary.BigEndian.PutUint16(ip[10:], ipv4Checksum(ip))
	udp := []byte{0x13, 0x88, 0x13, 0x88, 0, 12, 0, 0}
	f = append(append(f, ip...), udp...)
	return binary.BigEndian.AppendUint32(f, seq)
}

// ngBlock is a little-endian pcapng block.
func ngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, n)
}

func garbage() []byte {
	g := make([]byte, GarbageLen)
	for i := range g {
		g[i] = 0xee
	}
	return g
}

// OddPcapng returns a synthetic pcapng capture (little endian, one
// Ethernet interface named ifName, microsecond time stamps) of
// OddPackets UDP datagrams 2 ms apart from start, with a block of the
// unregistered type unknownType, a damaged region and a packet with an
// implausible time stamp, at the offsets returned:
//
//	SHB IDB EPB(start) UNKNOWN EPB(+2ms) GARBAGE EPB(+4ms) EPB(2223) EPB(+8ms)
func OddPcapng(ifName string, start time.Time, unknownType uint32) ([]byte, Oddities) {
	le := binary.LittleEndian
	var odd Oddities
	shb := le.AppendUint32(nil, 0x1A2B3C4D)
	shb = le.AppendUint16(shb, 1)
	shb = le.AppendUint16(shb, 0)
	shb = le.AppendUint64(shb, ^uint64(0))
	out := ngBlock(0x0A0D0D0A, shb)
	idb := le.AppendUint16(nil, 1) // Ethernet
	idb = append(idb, 0, 0)
	idb = le.AppendUint32(idb, 262144)
	idb = le.AppendUint16(idb, 2) // if_name
	idb = le.AppendUint16(idb, uint16(len(ifName)))
	idb = append(idb, ifName...)
	for len(idb)%4 != 0 {
		idb = append(idb, 0)
	}
	idb = append(idb, 0, 0, 0, 0) // opt_endofopt
	out = append(out, ngBlock(1, idb)...)
	seq := uint32(0)
	epb := func(us int64) {
		seq++
		f := oddFrame(seq)
		b := le.AppendUint32(nil, 0)
		b = le.AppendUint32(b, uint32(uint64(us)>>32))
		b = le.AppendUint32(b, uint32(us))
		b = le.AppendUint32(b, uint32(len(f)))
		b = le.AppendUint32(b, uint32(len(f)))
		out = append(out, ngBlock(6, append(b, f...))...)
	}
	t0 := start.UnixMicro()
	epb(t0)
	odd.Unknown = int64(len(out))
	out = append(out, ngBlock(unknownType, []byte("synthetic unknown block"))...)
	epb(t0 + 2000)
	odd.Garbage = int64(len(out))
	out = append(out, garbage()...)
	epb(t0 + 4000)
	odd.BadTime = int64(len(out))
	epb(time.Date(2223, 7, 6, 14, 13, 20, 0, time.UTC).UnixMicro())
	epb(t0 + 8000)
	return out, odd
}

// OddPcap returns a synthetic pcap capture (little endian, microseconds,
// Ethernet) of OddPackets UDP datagrams 2 ms apart from start, with a
// damaged region and, last, a record whose microseconds are out of range
// (1,500,000: read as start's second + 1.5 s), at the offsets returned:
//
//	HEADER REC(start) REC(+2ms) GARBAGE REC(+4ms) REC(+6ms) REC(1.5 s)
func OddPcap(start time.Time) ([]byte, Oddities) {
	le := binary.LittleEndian
	var odd Oddities
	out := le.AppendUint32(nil, 0xa1b2c3d4)
	out = le.AppendUint16(out, 2)
	out = le.AppendUint16(out, 4)
	out = append(out, make([]byte, 8)...)
	out = le.AppendUint32(out, 262144)
	out = le.AppendUint32(out, 1) // Ethernet
	seq := uint32(0)
	rec := func(sec, us uint32) {
		seq++
		f := oddFrame(seq)
		out = le.AppendUint32(out, sec)
		out = le.AppendUint32(out, us)
		out = le.AppendUint32(out, uint32(len(f)))
		out = le.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	at := func(d time.Duration) (uint32, uint32) {
		t := start.Add(d)
		return uint32(t.Unix()), uint32(t.Nanosecond() / 1000)
	}
	rec(at(0))
	rec(at(2 * time.Millisecond))
	odd.Garbage = int64(len(out))
	out = append(out, garbage()...)
	rec(at(4 * time.Millisecond))
	rec(at(6 * time.Millisecond))
	odd.Fraction = int64(len(out))
	rec(uint32(start.Unix()), 1_500_000)
	return out, odd
}
