package bpffilter

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
)

// Synthetic test frames (deterministic; seeded PRNG). They cover what the
// differential test needs: IPv4 with options and fragments, IPv6 with
// extension headers, ARP/RARP, 802.1Q/802.1ad/QinQ, LLC, broadcast and
// multicast MACs, TCP flag combinations, ICMP/ICMPv6/SCTP/IGMP, and
// truncated frames.

type testFrame struct {
	data    []byte // captured bytes (Ethernet)
	wireLen int
}

var (
	testMACs = [][6]byte{
		{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}, {0x02, 0x00, 0x00, 0x00, 0x00, 0x02},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb},
		{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, {0x00, 0x11, 0x22, 0x33, 0x44, 0x55},
		{0xff, 0xff, 0xff, 0xff, 0x00, 0x00},
	}
	testIPv4 = []string{"10.1.1.10", "10.1.2.3", "192.168.1.1", "192.168.7.9", "224.0.0.251",
		"239.1.1.1", "255.255.255.255", "1.2.3.4", "0.0.0.0", "172.16.5.4", "10.0.0.1", "127.0.0.1"}
	testIPv6  = []string{"::1", "2001:db8::1", "2001:db8::2", "fe80::1", "ff02::1", "ff05::2", "2001:db8:1::5"}
	testPorts = []uint16{22, 53, 80, 443, 1000, 4791, 8080, 5353, 20, 100, 1, 65535, 6000}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func ipv4Addr(s string) []byte { a := netip.MustParseAddr(s).As4(); return a[:] }
func ipv6Addr(s string) []byte { a := netip.MustParseAddr(s).As16(); return a[:] }

// l4 builds a transport header plus payload for IP protocol proto.
func l4(r *rand.Rand, proto byte) []byte {
	var h []byte
	switch proto {
	case 6: // TCP
		h = make([]byte, 20+4*r.IntN(3))
		binary.BigEndian.PutUint16(h[0:], pick(r, testPorts))
		binary.BigEndian.PutUint16(h[2:], pick(r, testPorts))
		h[12] = byte(len(h)/4) << 4
		flags := []byte{0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x01, 0xc2, 0x29, 0x00, byte(r.IntN(256))}
		h[13] = pick(r, flags)
	case 17, 132: // UDP, SCTP (ports at the same place)
		h = make([]byte, 8)
		if proto == 132 {
			h = make([]byte, 12)
		}
		binary.BigEndian.PutUint16(h[0:], pick(r, testPorts))
		binary.BigEndian.PutUint16(h[2:], pick(r, testPorts))
		if r.IntN(3) == 0 {
			h = append(h, 0xde, 0xad, 0xbe, 0xef)
		}
	case 1, 58: // ICMP, ICMPv6
		types := []byte{0, 3, 8, 11, 128, 129, 135, 136, 1}
		h = []byte{pick(r, types), byte(r.IntN(3)), 0, 0, 0, 0, 0, 0}
	default:
		h = make([]byte, 8)
	}
	n := r.IntN(24)
	for i := 0; i < n; i++ {
		h = append(h, byte(r.IntN(256)))
	}
	return h
}

var testIPProtos = []byte{6, 17, 1, 132, 2, 47, 50, 51, 103, 112, 9, 58}

func ipv4Packet(r *rand.Rand) []byte {
	ihl := 5
	if r.IntN(4) == 0 {
		ihl += 1 + r.IntN(3)
	}
	proto := pick(r, testIPProtos)
	body := l4(r, proto)
	h := make([]byte, ihl*4)
	h[0] = 0x40 | byte(ihl)
	binary.BigEndian.PutUint16(h[2:], uint16(len(h)+len(body)))
	switch r.IntN(6) {
	case 0:
		binary.BigEndian.PutUint16(h[6:], 0x2000) // MF, offset 0
	case 1:
		binary.BigEndian.PutUint16(h[6:], uint16(1+r.IntN(0x1fff))) // later fragment
	case 2:
		binary.BigEndian.PutUint16(h[6:], 0x4000) // DF
	}
	h[8] = 64
	h[9] = proto
	copy(h[12:], ipv4Addr(pick(r, testIPv4)))
	copy(h[16:], ipv4Addr(pick(r, testIPv4)))
	for i := 20; i < len(h); i++ {
		h[i] = 1 // NOP options
	}
	return append(h, body...)
}

func ipv6Packet(r *rand.Rand) []byte {
	proto := pick(r, testIPProtos)
	body := l4(r, proto)
	next := proto
	switch r.IntN(5) {
	case 0: // fragment header
		body = append([]byte{proto, 0, 0, byte(r.IntN(2)), 0, 0, 0, 1}, body...)
		next = 44
	case 1: // hop-by-hop
		body = append([]byte{proto, 0, 1, 4, 0, 0, 0, 0}, body...)
		next = 0
	case 2: // routing
		body = append([]byte{proto, 0, 0, 0, 0, 0, 0, 0}, body...)
		next = 43
	}
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(body)))
	h[6] = next
	h[7] = 64
	copy(h[8:], ipv6Addr(pick(r, testIPv6)))
	copy(h[24:], ipv6Addr(pick(r, testIPv6)))
	return append(h, body...)
}

func arpPacket(r *rand.Rand) []byte {
	h := make([]byte, 28)
	binary.BigEndian.PutUint16(h[0:], 1)
	binary.BigEndian.PutUint16(h[2:], 0x0800)
	h[4], h[5] = 6, 4
	binary.BigEndian.PutUint16(h[6:], uint16(1+r.IntN(4)))
	m := pick(r, testMACs)
	copy(h[8:], m[:])
	copy(h[14:], ipv4Addr(pick(r, testIPv4)))
	copy(h[24:], ipv4Addr(pick(r, testIPv4)))
	return h
}

// frameStart is the MAC addresses of a generated frame and, one time in
// vlanOdds (0: never), an 802.1Q tag with one of vids.
func frameStart(r *rand.Rand, vlanOdds int, vids []uint16) []byte {
	dst, src := pick(r, testMACs), pick(r, testMACs)
	f := append(append([]byte{}, dst[:]...), src[:]...)
	if vlanOdds > 0 && r.IntN(vlanOdds) == 0 {
		f = binary.BigEndian.AppendUint16(f, 0x8100)
		f = binary.BigEndian.AppendUint16(f, pick(r, vids))
	}
	return f
}

// frameEnd is a generated frame with its wire length, one time in 12 cut
// short.
func frameEnd(r *rand.Rand, f []byte) testFrame {
	wire := len(f)
	if r.IntN(12) == 0 {
		f = f[:r.IntN(len(f))]
	}
	return testFrame{data: f, wireLen: wire}
}

// ipv4Header is an IPv4 header of 5 or 6 words (options NOP) for proto,
// with payload bytes after it, between two of the test addresses.
func ipv4Header(r *rand.Rand, proto byte, payload int) []byte {
	ihl := 5 + r.IntN(2)
	h := make([]byte, ihl*4)
	h[0] = 0x40 | byte(ihl)
	binary.BigEndian.PutUint16(h[2:], uint16(len(h)+payload))
	h[8], h[9] = 64, proto
	copy(h[12:], ipv4Addr(pick(r, testIPv4)))
	copy(h[16:], ipv4Addr(pick(r, testIPv4)))
	for i := 20; i < len(h); i++ {
		h[i] = 1
	}
	return h
}

// ipv6Header is an IPv6 header with next header next and payload bytes
// after it, between two of the test addresses.
func ipv6Header(r *rand.Rand, next byte, payload int) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(payload))
	h[6], h[7] = next, 64
	copy(h[8:], ipv6Addr(pick(r, testIPv6)))
	copy(h[24:], ipv6Addr(pick(r, testIPv6)))
	return h
}

// genFrames returns n deterministic Ethernet frames.
func genFrames(n int) []testFrame {
	r := rand.New(rand.NewPCG(0x5eed, 0xb9f))
	out := make([]testFrame, 0, n)
	for len(out) < n {
		dst, src := pick(r, testMACs), pick(r, testMACs)
		f := append(append([]byte{}, dst[:]...), src[:]...)
		tags := 0
		switch r.IntN(6) {
		case 0:
			tags = 1
		case 1:
			tags = 2
		}
		for i := 0; i < tags; i++ {
			tpid := pick(r, []uint16{0x8100, 0x8100, 0x88a8, 0x9100})
			vid := pick(r, []uint16{1, 5, 100, 200, 4095, 0})
			tci := vid | uint16(r.IntN(8))<<13
			f = binary.BigEndian.AppendUint16(f, tpid)
			f = binary.BigEndian.AppendUint16(f, tci)
		}
		var et uint16
		var payload []byte
		switch k := r.IntN(20); {
		case k < 8:
			et, payload = 0x0800, ipv4Packet(r)
		case k < 13:
			et, payload = 0x86dd, ipv6Packet(r)
		case k < 15:
			et, payload = 0x0806, arpPacket(r)
		case k < 16:
			et, payload = 0x8035, arpPacket(r)
		case k < 17:
			et, payload = 0x8915, make([]byte, 20+r.IntN(20))
		case k < 18: // LLC (802.3 length)
			dsap := pick(r, []byte{0x06, 0x42, 0xfe, 0xf0, 100, 0xaa})
			payload = []byte{dsap, dsap, 0x03, 0, 0, 0, 0, 0}
			et = uint16(len(payload))
		default:
			et = pick(r, []uint16{0x88cc, 0x0800, 0x86dd, 0x8100})
			payload = make([]byte, r.IntN(30))
			for i := range payload {
				payload[i] = byte(r.IntN(256))
			}
		}
		f = binary.BigEndian.AppendUint16(f, et)
		f = append(f, payload...)
		out = append(out, frameEnd(r, f))
	}
	return out
}

// cookedIn converts an Ethernet frame to the given link type (the frame's
// bytes after the MAC addresses become the payload). ok is false when the
// frame has no equivalent (Raw needs IPv4/IPv6).
//
// For NULL, the address family in byte order
// order as a capturing host of that order writes it (the native order when
// nil, Linux's AF_INET6 = 10) and the BSD values of AF_INET6 (24, 28, 30,
// now and then Linux's 10); for LOOP in network byte order.
func cookedIn(f testFrame, lt LinkType, order binary.AppendByteOrder) (testFrame, bool) {
	if lt == Ethernet {
		return f, true
	}
	if len(f.data) < 14 {
		return f, false
	}
	et := f.data[12:14]
	pl := f.data[14:]
	if binary.BigEndian.Uint16(et) <= 1500 {
		// An 802.3 frame: the kernel's cooked header says 802.2 LLC,
		// or Novell's raw 802.3 when the payload starts with 0xffff.
		et = []byte{0, 4}
		if len(pl) >= 2 && pl[0] == 0xff && pl[1] == 0xff {
			et = []byte{0, 1}
		}
	}
	var h []byte
	switch lt {
	case LinuxSLL:
		h = make([]byte, 16)
		binary.BigEndian.PutUint16(h[0:], uint16(f.wireLen%5))
		binary.BigEndian.PutUint16(h[2:], 1)
		binary.BigEndian.PutUint16(h[4:], 6)
		copy(h[6:], f.data[6:12])
		copy(h[14:], et)
	case LinuxSLL2:
		h = make([]byte, 20)
		copy(h[0:], et)
		binary.BigEndian.PutUint32(h[4:], uint32(2+f.wireLen%3))
		binary.BigEndian.PutUint16(h[8:], 1)
		h[10] = byte(f.wireLen % 5)
		h[11] = 6
		copy(h[12:], f.data[6:12])
	case Raw, rawDLT12, rawDLT14:
		if v := binary.BigEndian.Uint16(et); v != 0x0800 && v != 0x86dd {
			return f, false
		}
	case IPv4:
		if binary.BigEndian.Uint16(et) != 0x0800 {
			return f, false
		}
	case IPv6:
		if binary.BigEndian.Uint16(et) != 0x86dd {
			return f, false
		}
	case Null, Loop:
		if lt == Loop {
			order = binary.BigEndian
		}
		af := map[uint16]uint32{0x0800: 2, 0x86dd: 10, 0x0806: 24}[binary.BigEndian.Uint16(et)]
		if order == nil {
			// Address family in host byte order (Linux AF_INET/AF_INET6).
			order = binary.NativeEndian
		} else if af == 10 {
			af = []uint32{24, 28, 30, 10}[f.wireLen%4]
		}
		h = order.AppendUint32(nil, af)
	}
	d := append(h, pl...)
	return testFrame{data: d, wireLen: f.wireLen - 14 + len(h)}, true
}

// genShimFrames are Ethernet frames with MPLS label stacks and PPPoE
// (session and discovery) after the MAC addresses and any VLAN tag, for
// the "mpls", "pppoes" and "pppoed" primitives: one to three labels (now
// and then without a bottom of stack), PPPoE with IPv4, IPv6, MPLS, ARP or
// a control protocol inside, some cut short.
func genShimFrames(n int) []testFrame {
	r := rand.New(rand.NewPCG(0x5eed, 0x3b1))
	out := make([]testFrame, 0, n)
	label := func(b []byte, bottom bool) []byte {
		l := pick(r, []uint32{0, 2, 17, 100, 16000, 0xfffff})
		e := l<<12 | uint32(r.IntN(8))<<9 | uint32(r.IntN(256))
		if bottom {
			e |= 0x100
		}
		return binary.BigEndian.AppendUint32(b, e)
	}
	ip := func() []byte {
		switch r.IntN(5) {
		case 0, 1:
			return ipv4Packet(r)
		case 2, 3:
			return ipv6Packet(r)
		}
		return arpPacket(r)
	}
	for len(out) < n {
		f := frameStart(r, 4, []uint16{1, 100, 200})
		labels := func(b []byte) []byte {
			k := 1 + r.IntN(3)
			for i := 0; i < k; i++ {
				b = label(b, i == k-1 && r.IntN(10) != 0)
			}
			return b
		}
		switch r.IntN(4) {
		case 0, 1:
			f = binary.BigEndian.AppendUint16(f, pick(r, []uint16{0x8847, 0x8847, 0x8848}))
			f = append(labels(f), ip()...)
		case 2:
			f = binary.BigEndian.AppendUint16(f, 0x8864)
			code := byte(0)
			if r.IntN(8) == 0 {
				code = 9
			}
			f = append(f, 0x11, code)
			f = binary.BigEndian.AppendUint16(f, pick(r, []uint16{0, 1, 0x1234, 0xffff}))
			var ppp []byte
			switch r.IntN(5) {
			case 0, 1:
				p := ipv4Packet(r)
				ppp = append(binary.BigEndian.AppendUint16(nil, 0x0021), p...)
			case 2:
				p := ipv6Packet(r)
				ppp = append(binary.BigEndian.AppendUint16(nil, 0x0057), p...)
			case 3:
				ppp = append(labels(binary.BigEndian.AppendUint16(nil, 0x0281)), ip()...)
			default:
				ppp = binary.BigEndian.AppendUint16(nil, pick(r, []uint16{0xc021, 0x0806, 0x8864}))
				ppp = append(ppp, 1, 1, 0, 4)
			}
			f = binary.BigEndian.AppendUint16(f, uint16(len(ppp)))
			f = append(f, ppp...)
		default:
			f = binary.BigEndian.AppendUint16(f, 0x8863)
			f = append(f, 0x11, pick(r, []byte{0x09, 0x07, 0xa7}), 0, 0, 0, 4, 1, 1, 0, 0)
		}
		out = append(out, frameEnd(r, f))
	}
	return out
}

// genLLCFrames are 802.3 frames with 802.2 LLC, for the llc, stp, ipx,
// netbeui, OSI/IS-IS, AppleTalk and DEC primitives: I, S and U control
// fields, SNAP with IPX/AppleTalk/AARP, OSI with the CLNP/ES-IS/IS-IS
// NLPIDs and IS-IS PDU types, Novell raw 802.3, and the EtherTypes of
// IPX, AppleTalk, AARP and DEC protocols; some behind a VLAN tag, some
// cut short.
func genLLCFrames(n int) []testFrame {
	r := rand.New(rand.NewPCG(0x5eed, 0x11c))
	out := make([]testFrame, 0, n)
	for len(out) < n {
		f := frameStart(r, 5, []uint16{1, 100})
		ctl := pick(r, []byte{0x03, 0x00, 0x02, 0x01, 0x05, 0x09, 0x0d, 0x63, 0x43, 0x0f, 0x6f, 0xe3, 0xaf, 0x87, 0xf3, 0x13, byte(r.IntN(256))})
		var pl []byte
		switch r.IntN(8) {
		case 0, 1: // OSI
			pl = []byte{0xfe, pick(r, []byte{0xfe, 0xfe, 0x42}), 0x03,
				pick(r, []byte{0x81, 0x82, 0x83, 0x83, 0x83, 0x06}), 27, 1, 0,
				pick(r, []byte{15, 16, 17, 18, 20, 24, 25, 26, 27, 19}), 0, 0, 0}
		case 2: // SNAP
			org := pick(r, [][]byte{{0, 0, 0}, {8, 0, 7}, {0, 0, 0x0c}})
			pt := pick(r, []uint16{0x8137, 0x809b, 0x80f3, 0x0800})
			pl = append([]byte{0xaa, 0xaa, 0x03}, org...)
			pl = binary.BigEndian.AppendUint16(pl, pt)
			pl = append(pl, 0, 0, 0, 0)
		case 3: // Novell raw 802.3
			pl = []byte{0xff, 0xff, 0, 30, 0, 0, 0, 0}
		case 4: // DEC, IPX, AppleTalk EtherTypes
			et := pick(r, []uint16{0x6001, 0x6002, 0x6003, 0x6004, 0x6007, 0x8137, 0x809b, 0x80f3})
			f = binary.BigEndian.AppendUint16(f, et)
			f = append(f, make([]byte, 20+r.IntN(10))...)
			out = append(out, testFrame{data: f, wireLen: len(f)})
			continue
		default: // other SAPs
			sap := pick(r, []byte{0x42, 0x42, 0xe0, 0xf0, 0x06, 0x04, 0xaa, 0xfe})
			pl = []byte{sap, pick(r, []byte{sap, sap, 0x43}), ctl, ctl, 0, 0, 0, 0}
		}
		if r.IntN(3) == 0 && len(pl) > 2 && pl[0] != 0xff {
			pl[2] = ctl
		}
		f = binary.BigEndian.AppendUint16(f, uint16(len(pl)))
		f = append(f, pl...)
		out = append(out, frameEnd(r, f))
	}
	return out
}

// genGeneveFrames are Ethernet frames carrying Geneve (UDP port 6081) over
// IPv4 (with and without options) or IPv6, for the geneve primitive:
// version 0 and 1, 0–3 words of options, VNIs, protocol types 0x6558
// (an inner Ethernet frame, with or without a VLAN tag) and 0x0800/0x86dd
// (an inner IP packet); now and then the other port, a later fragment or
// a cut.
func genGeneveFrames(n int) []testFrame {
	r := rand.New(rand.NewPCG(0x5eed, 0x6081))
	out := make([]testFrame, 0, n)
	inner := func() (uint16, []byte) {
		switch r.IntN(6) {
		case 0:
			return 0x0800, ipv4Packet(r)
		case 1:
			return 0x86dd, ipv6Packet(r)
		}
		e := frameStart(r, 5, []uint16{1, 100, 200})
		switch r.IntN(5) {
		case 0, 1:
			e = append(binary.BigEndian.AppendUint16(e, 0x0800), ipv4Packet(r)...)
		case 2:
			e = append(binary.BigEndian.AppendUint16(e, 0x86dd), ipv6Packet(r)...)
		case 3:
			e = append(binary.BigEndian.AppendUint16(e, 0x0806), arpPacket(r)...)
		default:
			e = append(binary.BigEndian.AppendUint16(e, 0x0042), 0x42, 0x42, 0x03, 0, 0, 0)
		}
		return 0x6558, e
	}
	for len(out) < n {
		f := frameStart(r, 5, []uint16{1, 100})
		pt, in := inner()
		if r.IntN(10) == 0 {
			pt = pick(r, []uint16{0x0800, 0x6558, 0x8847})
		}
		opts := r.IntN(4)
		g := []byte{byte(opts), 0}
		if r.IntN(8) == 0 {
			g[0] |= 0x40 // version 1
		}
		g = binary.BigEndian.AppendUint16(g, pt)
		vni := pick(r, []uint32{0, 100, 0xffffff, 4242})
		g = binary.BigEndian.AppendUint32(g, vni<<8)
		for i := 0; i < opts*4; i++ {
			g = append(g, byte(r.IntN(256)))
		}
		g = append(g, in...)
		udp := make([]byte, 8)
		binary.BigEndian.PutUint16(udp[0:], pick(r, []uint16{50000, 6081}))
		binary.BigEndian.PutUint16(udp[2:], pick(r, []uint16{6081, 6081, 6081, 4789}))
		binary.BigEndian.PutUint16(udp[4:], uint16(8+len(g)))
		udp = append(udp, g...)
		if r.IntN(3) == 0 {
			f = append(binary.BigEndian.AppendUint16(f, 0x86dd), append(ipv6Header(r, 17, len(udp)), udp...)...)
		} else {
			h := ipv4Header(r, 17, len(udp))
			if r.IntN(10) == 0 {
				binary.BigEndian.PutUint16(h[6:], 100) // a later fragment
			}
			f = append(binary.BigEndian.AppendUint16(f, 0x0800), append(h, udp...)...)
		}
		out = append(out, frameEnd(r, f))
	}
	return out
}

// genChainFrames are IPv4 and IPv6 packets whose protocol is reached
// through a chain of IPv6 extension headers (hop-by-hop, destination
// options, routing, fragment) and AH headers, for protochain: chains of
// 0–6 headers with varied lengths, "no next header", a chain longer than
// protochainHeaders now and then, some cut short. chainHasAH reports
// whether a frame's chain passes an AH header (libpcap miscounts those).
func genChainFrames(n int) []testFrame {
	r := rand.New(rand.NewPCG(0x5eed, 0xc4a1))
	out := make([]testFrame, 0, n)
	for len(out) < n {
		f := frameStart(r, 0, nil)
		v6 := r.IntN(3) != 0
		hops := r.IntN(7)
		if r.IntN(20) == 0 {
			hops = protochainHeaders + r.IntN(3)
		}
		final := pick(r, []byte{6, 17, 58, 1, 59, 132, 103})
		var kinds []byte
		for i := 0; i < hops; i++ {
			if v6 {
				kinds = append(kinds, pick(r, []byte{0, 60, 43, 44, 51}))
			} else {
				kinds = append(kinds, 51)
			}
		}
		// Build from the last header back.
		body := l4(r, final)
		next := final
		for i := len(kinds) - 1; i >= 0; i-- {
			k := kinds[i]
			var h []byte
			switch k {
			case 51: // AH: length in 4-byte units minus 2
				words := 3 + r.IntN(3)
				h = make([]byte, words*4)
				h[1] = byte(words - 2)
			case 44:
				h = make([]byte, 8)
			default: // 8-byte units minus 1
				units := 1 + r.IntN(3)
				h = make([]byte, units*8)
				h[1] = byte(units - 1)
			}
			h[0] = next
			body = append(h, body...)
			next = k
		}
		if v6 {
			f = append(binary.BigEndian.AppendUint16(f, 0x86dd), append(ipv6Header(r, next, len(body)), body...)...)
		} else {
			f = append(binary.BigEndian.AppendUint16(f, 0x0800), append(ipv4Header(r, next, len(body)), body...)...)
		}
		wire := len(f)
		if r.IntN(10) == 0 {
			f = f[:r.IntN(len(f))]
		}
		out = append(out, testFrame{data: f, wireLen: wire})
	}
	return out
}

// chainHasAH reports whether the chain of an Ethernet frame's IP packet
// passes an AH header (walked as protochain does, within the frame).
func chainHasAH(f []byte) bool {
	if len(f) < 14 {
		return false
	}
	var proto byte
	off := 0
	switch binary.BigEndian.Uint16(f[12:]) {
	case 0x0800:
		if len(f) < 34 {
			return false
		}
		proto, off = f[23], 14+int(f[14]&0xf)*4
	case 0x86dd:
		if len(f) < 54 {
			return false
		}
		proto, off = f[20], 54
	default:
		return false
	}
	for i := 0; i < 64 && off+2 <= len(f); i++ {
		switch proto {
		case 51:
			return true
		case 0, 60, 43, 44:
			proto, off = f[off], off+(int(f[off+1])+1)*8
		default:
			return false
		}
	}
	return false
}
