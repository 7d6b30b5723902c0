// Package synth builds synthetic captures: TCP connections with SMC options
// and CLC payloads, RoCEv2 frames and UDP datagrams, written as pcap or
// pcapng. It exists for smcdump's regression tests and benchmarks; every
// capture it makes is synthetic and must be labelled so.
package synth

import (
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Link selects the link-layer encapsulation of generated frames.
type Link int

// Link encapsulations.
const (
	Ethernet Link = iota
	SLL2          // Linux cooked v2 (tcpdump -i any)
	SLL           // Linux cooked v1
	RawIP         // LINKTYPE_RAW
	Null          // BSD loopback
)

// LinkType returns the pcap LINKTYPE value.
func (l Link) LinkType() uint32 {
	switch l {
	case SLL2:
		return 276
	case SLL:
		return 113
	case RawIP:
		return 101
	case Null:
		return 0
	}
	return 1
}

// Writer writes frames with a synthetic clock.
type Writer struct {
	Link    Link
	VLANs   []uint16 // 802.1Q tags (Ethernet only); two tags = QinQ (0x88a8 outer)
	SnapLen int      // 0 = no truncation
	Now     time.Time

	pw     io.Writer
	nano   bool
	ng     *pcapgo.NgWriter
	buf    gopacket.SerializeBuffer
	frames int
}

// NewPcap writes a classic pcap file (microsecond timestamps, or
// nanosecond with nano) to w. Any link type, including SLL2 (276), works.
func NewPcap(w io.Writer, link Link, start time.Time, nano bool) (*Writer, error) {
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h, magic)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], link.LinkType())
	if _, err := w.Write(h); err != nil {
		return nil, err
	}
	return &Writer{Link: link, Now: start.UTC(), pw: w, nano: nano, buf: gopacket.NewSerializeBuffer()}, nil
}

// NewPcapng writes a pcapng file (one interface, nanosecond timestamps).
func NewPcapng(w io.Writer, link Link, ifName string, start time.Time) (*Writer, error) {
	intf := pcapgo.NgInterface{Name: ifName, LinkType: layers.LinkType(link.LinkType() & 0xff), SnapLength: 262144, TimestampResolution: 9}
	if link.LinkType() > 255 {
		return nil, errLinkTypeTooWide
	}
	nw, err := pcapgo.NewNgWriterInterface(w, intf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "smcdump synth (synthetic capture)"}})
	if err != nil {
		return nil, err
	}
	return &Writer{Link: link, Now: start.UTC(), ng: nw, buf: gopacket.NewSerializeBuffer()}, nil
}

type synthErr string

func (e synthErr) Error() string { return string(e) }

const errLinkTypeTooWide = synthErr("synth: link type does not fit pcapgo's 8-bit field; use NewPcap")

// Flush flushes a pcapng writer.
func (w *Writer) Flush() error {
	if w.ng != nil {
		return w.ng.Flush()
	}
	return nil
}

// Frames returns the number of frames written.
func (w *Writer) Frames() int { return w.frames }

// Advance moves the synthetic clock.
func (w *Writer) Advance(d time.Duration) { w.Now = w.Now.Add(d) }

// WriteFrame writes raw link-layer bytes with the current time.
func (w *Writer) WriteFrame(b []byte) error {
	ci := gopacket.CaptureInfo{Timestamp: w.Now, CaptureLength: len(b), Length: len(b)}
	if w.SnapLen > 0 && len(b) > w.SnapLen {
		b = b[:w.SnapLen]
		ci.CaptureLength = w.SnapLen
	}
	w.frames++
	if w.ng != nil {
		return w.ng.WritePacket(ci, b)
	}
	rec := make([]byte, 16, 16+len(b))
	binary.LittleEndian.PutUint32(rec, uint32(w.Now.Unix()))
	if w.nano {
		binary.LittleEndian.PutUint32(rec[4:], uint32(w.Now.Nanosecond()))
	} else {
		binary.LittleEndian.PutUint32(rec[4:], uint32(w.Now.Nanosecond()/1000))
	}
	binary.LittleEndian.PutUint32(rec[8:], uint32(ci.CaptureLength))
	binary.LittleEndian.PutUint32(rec[12:], uint32(ci.Length))
	_, err := w.pw.Write(append(rec, b...))
	return err
}

var (
	macA = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}
	macB = net.HardwareAddr{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
)

// linkBytes prepends the link-layer header for an IP packet.
func (w *Writer) linkBytes(ip []byte, v6 bool, fromA bool) []byte {
	et := uint16(0x0800)
	if v6 {
		et = 0x86DD
	}
	src, dst := macA, macB
	if !fromA {
		src, dst = macB, macA
	}
	var h []byte
	switch w.Link {
	case Ethernet:
		h = append(h, dst...)
		h = append(h, src...)
		for i, v := range w.VLANs {
			tpid := uint16(0x8100)
			if i == 0 && len(w.VLANs) > 1 {
				tpid = 0x88A8
			}
			h = binary.BigEndian.AppendUint16(h, tpid)
			h = binary.BigEndian.AppendUint16(h, v&0x0fff)
		}
		h = binary.BigEndian.AppendUint16(h, et)
	case SLL2:
		h = binary.BigEndian.AppendUint16(h, et)
		h = append(h, 0, 0)                     // reserved
		h = binary.BigEndian.AppendUint32(h, 2) // ifindex
		h = binary.BigEndian.AppendUint16(h, 1) // ARPHRD_ETHER
		if fromA {
			h = append(h, 4) // outgoing
		} else {
			h = append(h, 0) // to us
		}
		h = append(h, 6)
		h = append(h, src...)
		h = append(h, 0, 0)
	case SLL:
		pt := uint16(0)
		if fromA {
			pt = 4
		}
		h = binary.BigEndian.AppendUint16(h, pt)
		h = binary.BigEndian.AppendUint16(h, 1)
		h = binary.BigEndian.AppendUint16(h, 6)
		h = append(h, src...)
		h = append(h, 0, 0)
		h = binary.BigEndian.AppendUint16(h, et)
	case Null:
		af := uint32(2)
		if v6 {
			af = 30
		}
		h = binary.LittleEndian.AppendUint32(h, af)
	case RawIP:
	}
	return append(h, ip...)
}

// ipPacket serializes an IP packet carrying the given transport layer.
func (w *Writer) ipPacket(src, dst netip.Addr, proto layers.IPProtocol, l4 gopacket.SerializableLayer, payload []byte, tcp *layers.TCP, udp *layers.UDP) ([]byte, error) {
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var ls []gopacket.SerializableLayer
	var netLayer gopacket.NetworkLayer
	if src.Is4() {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice()), Flags: layers.IPv4DontFragment}
		ls = append(ls, ip)
		netLayer = ip
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice())}
		ls = append(ls, ip)
		netLayer = ip
	}
	if tcp != nil {
		tcp.SetNetworkLayerForChecksum(netLayer)
	}
	if udp != nil {
		udp.SetNetworkLayerForChecksum(netLayer)
	}
	ls = append(ls, l4, gopacket.Payload(payload))
	if err := gopacket.SerializeLayers(w.buf, opts, ls...); err != nil {
		return nil, err
	}
	return append([]byte(nil), w.buf.Bytes()...), nil
}

// UDP writes one UDP datagram.
func (w *Writer) UDP(src, dst netip.AddrPort, payload []byte) error {
	u := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	ip, err := w.ipPacket(src.Addr(), dst.Addr(), layers.IPProtocolUDP, u, payload, nil, u)
	if err != nil {
		return err
	}
	return w.WriteFrame(w.linkBytes(ip, src.Addr().Is6(), true))
}

// SMCOption is the Linux layout of the SMC TCP option: two NOPs, then kind
// 254, length 6, ExID E2D4C3D9 (docs/smc-protocol.md section 1).
var SMCOption = []layers.TCPOption{
	{OptionType: layers.TCPOptionKindNop},
	{OptionType: layers.TCPOptionKindNop},
	{OptionType: 254, OptionLength: 6, OptionData: []byte{0xE2, 0xD4, 0xC3, 0xD9}},
}

// Conn is a synthetic TCP connection.
type Conn struct {
	w              *Writer
	Client, Server netip.AddrPort
	CSeq, SSeq     uint32 // next sequence numbers
	cISN, sISN     uint32
	MSS            int // segment size for Send (0 = no split)
	RTT            time.Duration
}

// TCPConn starts a connection description (no packets yet).
func (w *Writer) TCPConn(client, server netip.AddrPort, cISN, sISN uint32) *Conn {
	return &Conn{w: w, Client: client, Server: server, cISN: cISN, sISN: sISN, CSeq: cISN, SSeq: sISN, RTT: 100 * time.Microsecond}
}

func (c *Conn) segment(fromClient bool, flags string, seq, ack uint32, opts []layers.TCPOption, payload []byte) error {
	src, dst := c.Client, c.Server
	if !fromClient {
		src, dst = c.Server, c.Client
	}
	t := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 64240, Options: opts}
	for _, f := range flags {
		switch f {
		case 'S':
			t.SYN = true
		case 'A':
			t.ACK = true
		case 'F':
			t.FIN = true
		case 'R':
			t.RST = true
		case 'P':
			t.PSH = true
		}
	}
	ip, err := c.w.ipPacket(src.Addr(), dst.Addr(), layers.IPProtocolTCP, t, payload, t, nil)
	if err != nil {
		return err
	}
	return c.w.WriteFrame(c.w.linkBytes(ip, src.Addr().Is6(), fromClient))
}

// Handshake writes SYN, SYN-ACK and ACK; the booleans say which carry the
// SMC option.
func (c *Conn) Handshake(synSMC, synAckSMC bool) error {
	if err := c.SYN(synSMC); err != nil {
		return err
	}
	c.w.Advance(c.RTT / 2)
	if err := c.SYNACK(synAckSMC); err != nil {
		return err
	}
	c.w.Advance(c.RTT / 2)
	return c.segment(true, "A", c.CSeq, c.SSeq, nil, nil)
}

// SYN writes the client's SYN.
func (c *Conn) SYN(smc bool) error {
	opts := []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}}}
	if smc {
		opts = append(opts, SMCOption...)
	}
	c.CSeq = c.cISN + 1
	return c.segment(true, "S", c.cISN, 0, opts, nil)
}

// SYNACK writes the server's SYN-ACK.
func (c *Conn) SYNACK(smc bool) error {
	opts := []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}}}
	if smc {
		opts = append(opts, SMCOption...)
	}
	c.SSeq = c.sISN + 1
	return c.segment(false, "SA", c.sISN, c.cISN+1, opts, nil)
}

// Send writes payload from one side, split into MSS-sized segments, and
// advances the clock by half an RTT.
func (c *Conn) Send(fromClient bool, payload []byte) error {
	for len(payload) > 0 || payload == nil {
		n := len(payload)
		if c.MSS > 0 && n > c.MSS {
			n = c.MSS
		}
		if err := c.SendAt(fromClient, 0, payload[:n]); err != nil {
			return err
		}
		payload = payload[n:]
		if payload == nil {
			break
		}
	}
	c.w.Advance(c.RTT / 2)
	return nil
}

// SendAt writes one segment at sequence offset off relative to the next
// sequence number of that side (off may be negative for retransmissions or
// positive for out-of-order segments). Only off == 0 advances the sequence.
func (c *Conn) SendAt(fromClient bool, off int, payload []byte) error {
	if fromClient {
		err := c.segment(true, "PA", c.CSeq+uint32(off), c.SSeq, nil, payload)
		if off == 0 {
			c.CSeq += uint32(len(payload))
		}
		return err
	}
	err := c.segment(false, "PA", c.SSeq+uint32(off), c.CSeq, nil, payload)
	if off == 0 {
		c.SSeq += uint32(len(payload))
	}
	return err
}

// Skip advances one side's sequence number without writing (for building
// out-of-order deliveries together with SendAt).
func (c *Conn) Skip(fromClient bool, n int) {
	if fromClient {
		c.CSeq += uint32(n)
	} else {
		c.SSeq += uint32(n)
	}
}

// ACK writes a bare ACK.
func (c *Conn) ACK(fromClient bool) error {
	if fromClient {
		return c.segment(true, "A", c.CSeq, c.SSeq, nil, nil)
	}
	return c.segment(false, "A", c.SSeq, c.CSeq, nil, nil)
}

// FIN writes a FIN from one side.
func (c *Conn) FIN(fromClient bool) error {
	var err error
	if fromClient {
		err = c.segment(true, "FA", c.CSeq, c.SSeq, nil, nil)
		c.CSeq++
	} else {
		err = c.segment(false, "FA", c.SSeq, c.CSeq, nil, nil)
		c.SSeq++
	}
	return err
}

// RST writes a RST from one side.
func (c *Conn) RST(fromClient bool) error {
	if fromClient {
		return c.segment(true, "RA", c.CSeq, c.SSeq, nil, nil)
	}
	return c.segment(false, "RA", c.SSeq, c.CSeq, nil, nil)
}

// RoCEv2 writes a RoCEv2 frame (UDP port 4791): a BTH with opcode, dest QP
// and PSN, then payload and a 4-byte (dummy) ICRC.
func (w *Writer) RoCEv2(src, dst netip.Addr, opcode uint8, destQP, psn uint32, payload []byte) error {
	b := make([]byte, 12, 12+len(payload)+4)
	b[0] = opcode
	pad := (4 - len(payload)%4) % 4
	b[1] = byte(pad << 4) // PadCnt; M and TVer 0
	binary.BigEndian.PutUint16(b[2:], 0xffff)
	b[5], b[6], b[7] = byte(destQP>>16), byte(destQP>>8), byte(destQP)
	b[8] = 0x80
	b[9], b[10], b[11] = byte(psn>>16), byte(psn>>8), byte(psn)
	b = append(b, payload...)
	b = append(b, make([]byte, pad)...)
	b = append(b, 0xde, 0xad, 0xbe, 0xef)
	return w.UDP(netip.AddrPortFrom(src, 49152), netip.AddrPortFrom(dst, 4791), b)
}
