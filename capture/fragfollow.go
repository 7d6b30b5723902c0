package capture

import (
	"encoding/binary"

	"golang.org/x/net/bpf"

	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/lazyre"
)

// Following IP fragments (docs/capture.md §1.8).
//
// A filter that names ports ("udp port 5000") cannot match the second and
// later fragments of a datagram: only the first carries the UDP or TCP
// header, and the compiled program, like tcpdump's, rejects a fragment
// whose offset is not zero. A datagram larger than the path's MTU is then
// captured as its first fragment alone, and an analysis of the file sees
// every such datagram incomplete. With following on (the default, unless
// Config.NoFollowFragments), the kernel program lets the non-first
// fragments of IPv4 datagrams and every fragment of IPv6 ones through
// unjudged, and the reader keeps a fragment only if the filter selected the
// first fragment of its datagram (same source, destination, protocol and
// identification, on the same interface and VLAN, seen within
// fragFollowFor) or the filter, run in userland as the kernel runs it
// (LiveMatcher), matches the fragment itself; the others are counted in
// Counters.UserFiltered. The compiled filter, like tcpdump's, does not look
// behind an IPv6 fragment header for ports, so it misses even the first
// fragment of an IPv6 datagram: the first fragment is also judged as if it
// had no fragment header (unfragmentedView). Following adds fragments to
// what the filter selects and never removes any (TestFollowFragmentsVLAN);
// a filter that tests the fragment fields itself is left alone
// (testsFragmentFields).

// fragFollowSlots bounds the table of datagrams being followed: a
// direct-mapped table, so a first fragment whose slot is taken replaces the
// older datagram. A datagram's fragments normally follow each other within
// microseconds, so a replacement loses fragments only when thousands of
// fragmented datagrams start while one is still arriving. 4096 entries of
// 56 bytes: 224 KiB per capture, allocated at the first fragment.
const fragFollowSlots = 4096

// fragFollowFor is how long after its first fragment a datagram's other
// fragments are followed; after its last fragment (more-fragments flag
// clear) only fragFollowTail more, for fragments that arrive out of order.
// Short compared with the time an IPv4 identification takes to come round
// again, so a later datagram with the same identification whose first
// fragment the filter rejected is not followed.
const (
	fragFollowFor  = 5e9   // ns
	fragFollowTail = 100e6 // ns
)

// minFollowSnaplen is the smallest snapshot length with which fragments
// are followed: the kernel program's prefix reads the whole packet, the
// reader only the bytes kept, and it needs the addresses and the
// identification (up to 66 bytes into a VLAN-tagged IPv6 frame).
const minFollowSnaplen = 128

// followFragments reports whether a capture with cfg follows fragments: a
// filter, not turned off, a snapshot length that keeps the headers, and a
// filter that does not test the fragment fields itself.
func followFragments(cfg *Config) bool {
	return cfg.Filter != nil && !cfg.NoFollowFragments && cfg.Snaplen >= minFollowSnaplen && !testsFragmentFields(cfg.Filter.Expression())
}

// fragmentFieldRE matches the accessors of an IPv4 header's flags and
// fragment offset (bytes 6 and 7) and of an IPv6 header's next header
// (byte 6) and the fragment header behind it (40-47), with a constant
// offset: "ip[6:2] & 0x1fff = 0" (pcap-filter(7)'s "unfragmented datagrams
// and fragment zero only"), "ip6[6] != 44".
var fragmentFieldRE = lazyre.New(`\bip6?\s*\[\s*(0x0*[67]|0*[67]|0x0*2[89a-fA-F]|4[0-7])\s*[]:]`)

// testsFragmentFields reports whether expr reads the fragment fields
// itself. Such a filter says which fragments it wants; following would
// add the ones it leaves out, so it decides every fragment on its own.
func testsFragmentFields(expr string) bool {
	return fragmentFieldRE().MatchString(expr)
}

// fragKey identifies a datagram (RFC 791: source, destination, protocol and
// identification; RFC 8200 §4.5: source, destination and identification)
// where it was seen: the interface and the VLAN, so that the copy a router
// forwards from one VLAN of a trunk to another is not followed on the
// second when the filter selected the first only.
type fragKey struct {
	src, dst [16]byte
	id       uint32
	ifindex  int32
	vlan     uint16 // VLAN ID of the outermost tag, 0 for none
	proto    uint8  // IPv4 only
	v6       bool
}

// fragInfo describes an IP fragment found in a frame.
type fragInfo struct {
	key   fragKey
	first bool // fragment offset zero
	last  bool // more-fragments flag clear
	// fragHdr is the offset in the frame of an IPv6 fragment header that
	// directly follows the IPv6 header (0 otherwise), for unfragmentedView.
	fragHdr int
}

type fragSlot struct {
	key   fragKey
	until int64 // ns; 0: empty
}

// fragFollower is the table of datagrams whose first fragment the filter
// selected. It is used by the reading goroutine only.
type fragFollower struct {
	slots []fragSlot
}

func (k *fragKey) slot() int {
	h := k.id*0x9e3779b1 ^ binary.LittleEndian.Uint32(k.src[12:])*0x85ebca6b ^ binary.LittleEndian.Uint32(k.dst[12:])*0xc2b2ae35 ^ uint32(k.proto)
	h ^= h >> 15
	return int(h % fragFollowSlots)
}

// add records the first fragment f, seen at ts (ns).
func (t *fragFollower) add(f *fragInfo, ts int64) {
	if t.slots == nil {
		t.slots = make([]fragSlot, fragFollowSlots)
	}
	s := &t.slots[f.key.slot()]
	s.key, s.until = f.key, ts+fragFollowFor
}

// follows reports whether the non-first fragment f, seen at ts, belongs to a
// datagram being followed.
func (t *fragFollower) follows(f *fragInfo, ts int64) bool {
	if t.slots == nil {
		return false
	}
	s := &t.slots[f.key.slot()]
	if s.until == 0 || ts > s.until || s.key != f.key {
		return false
	}
	if f.last {
		s.until = min(s.until, ts+fragFollowTail)
	}
	return true
}

// ipOffset returns the offset of the IP header in a frame of linkType as the
// capture writes it (Ethernet with its VLAN tags, SLL2, raw IP), or -1.
func ipOffset(linkType pcapfile.LinkType, data []byte) (int, uint16) {
	switch linkType {
	case pcapfile.LinkTypeEthernet:
		off := 12
		for range 3 {
			if len(data) < off+2 {
				return -1, 0
			}
			switch et := binary.BigEndian.Uint16(data[off:]); et {
			case 0x8100, 0x88a8, 0x9100:
				off += 4
			default:
				return off + 2, et
			}
		}
	case pcapfile.LinkTypeLinuxSLL2:
		if len(data) < 20 {
			return -1, 0
		}
		et := binary.BigEndian.Uint16(data)
		off := 20
		for range 2 {
			if et != 0x8100 && et != 0x88a8 && et != 0x9100 || len(data) < off+4 {
				break
			}
			et = binary.BigEndian.Uint16(data[off+2:])
			off += 4
		}
		return off, et
	case pcapfile.LinkTypeRaw, pcapfile.LinkTypeIPv4, pcapfile.LinkTypeIPv6:
		if len(data) == 0 {
			return -1, 0
		}
		switch data[0] >> 4 {
		case 4:
			return 0, 0x0800
		case 6:
			return 0, 0x86dd
		}
	}
	return -1, 0
}

// fragmentOf reports whether the frame is an IP fragment (IPv4 with a
// non-zero offset or the more-fragments flag; IPv6 with a fragment header,
// found behind at most four other extension headers) and describes it.
func fragmentOf(linkType pcapfile.LinkType, data []byte, f *fragInfo) bool {
	off, et := ipOffset(linkType, data)
	if off < 0 {
		return false
	}
	ip := data[off:]
	switch et {
	case 0x0800:
		// The version is not checked: the kernel program's prefix, which
		// the reader must agree with, goes by the EtherType alone.
		if len(ip) < 20 {
			return false
		}
		fo := binary.BigEndian.Uint16(ip[6:])
		if fo&0x3fff == 0 {
			return false
		}
		*f = fragInfo{first: fo&0x1fff == 0, last: fo&0x2000 == 0}
		f.setScope(linkType, data, off)
		f.key.proto = ip[9]
		f.key.id = uint32(binary.BigEndian.Uint16(ip[4:]))
		copy(f.key.src[12:], ip[12:16])
		copy(f.key.dst[12:], ip[16:20])
		return true
	case 0x86dd:
		if len(ip) < 40 {
			return false
		}
		nh, p := ip[6], 40
		for range 5 {
			switch nh {
			case 0, 43, 60: // hop-by-hop, routing, destination options
				if len(ip) < p+2 {
					return false
				}
				nh, p = ip[p], p+8+int(ip[p+1])*8
				continue
			case 44:
				if len(ip) < p+8 {
					return false
				}
				fo := binary.BigEndian.Uint16(ip[p+2:])
				*f = fragInfo{first: fo&0xfff8 == 0, last: fo&1 == 0}
				f.setScope(linkType, data, off)
				if p == 40 {
					f.fragHdr = off + 40
				}
				f.key.v6 = true
				f.key.id = binary.BigEndian.Uint32(ip[p+4:])
				copy(f.key.src[:], ip[8:24])
				copy(f.key.dst[:], ip[24:40])
				return true
			}
			return false
		}
	}
	return false
}

// unfragmentedView appends to buf the frame of the first IPv6 fragment f as
// it would be without its fragment header (next header and payload length
// as for the whole datagram's first bytes), so that a filter naming ports
// ("udp port 5000", which like tcpdump's reads the transport header right
// behind the IPv6 header) can judge the datagram. It returns nil when the
// fragment header does not directly follow the IPv6 header.
func unfragmentedView(buf, data []byte, f *fragInfo) []byte {
	h := f.fragHdr
	if h < 40 || len(data) < h+8 {
		return nil
	}
	buf = append(buf[:0], data[:h]...)
	buf = append(buf, data[h+8:]...)
	ip := h - 40
	buf[ip+6] = data[h] // the fragment header's next header
	if pl := binary.BigEndian.Uint16(data[ip+4:]); pl >= 8 {
		binary.BigEndian.PutUint16(buf[ip+4:], pl-8)
	}
	return buf
}

// mayBeFragment is the cheap test a ring the kernel filters runs on every
// frame it delivers (kd: the frame as the kernel's program saw it): false
// when the frame is surely not one the program's fragment prefix let
// through nor a first IPv4 fragment, so it passed the filter in the kernel
// and nothing is to be followed. It accepts every frame the prefix accepts
// and every IPv4 fragment (FuzzFragmentOf checks both).
func mayBeFragment(linkType pcapfile.LinkType, kd []byte) bool {
	switch linkType {
	case pcapfile.LinkTypeEthernet:
		if len(kd) < 14+20 {
			return false
		}
		switch binary.BigEndian.Uint16(kd[12:]) {
		case 0x0800:
			return binary.BigEndian.Uint16(kd[20:])&0x3fff != 0
		case 0x86dd:
			return kd[20] == 44
		}
		return false
	case pcapfile.LinkTypeRaw:
		if len(kd) < 20 {
			return false
		}
		switch kd[0] >> 4 {
		case 4:
			return binary.BigEndian.Uint16(kd[6:])&0x3fff != 0
		case 6:
			return kd[6] == 44
		}
	}
	return false
}

// setScope sets the key's interface (SLL2) and VLAN (the outermost tag in
// the frame) of a fragment whose IP header is at off.
func (f *fragInfo) setScope(linkType pcapfile.LinkType, data []byte, off int) {
	switch linkType {
	case pcapfile.LinkTypeEthernet:
		if off > 14 {
			f.key.vlan = binary.BigEndian.Uint16(data[14:]) & 0xfff
		}
	case pcapfile.LinkTypeLinuxSLL2:
		f.key.ifindex = int32(binary.BigEndian.Uint32(data[4:]))
		if off > 20 {
			f.key.vlan = binary.BigEndian.Uint16(data[20:]) & 0xfff
		}
	}
}

// fragmentPrefix returns the kernel program's prefix that accepts the
// non-first fragments of IPv4 datagrams and every fragment of IPv6 ones
// (the fragment header right behind the IPv6 header: the compiled filter,
// like tcpdump's, does not look behind it for ports) of a socket of
// linkType, returning snaplen, and falls through to the instructions that
// follow it for every other frame; nil for link types whose network header
// it cannot find. The kernel hands the program Ethernet frames without
// their outer VLAN tag. Whatever it accepts, fragmentOf finds to be a
// fragment (FuzzFragmentOf): it tests the lengths fragmentOf needs for the
// datagram's key.
func fragmentPrefix(linkType pcapfile.LinkType, snaplen uint32) []bpf.Instruction {
	const (
		jumpTo = 0xff // placeholder: the first instruction after the prefix
		accept = 0xfe // placeholder: the accepting return
	)
	var p []bpf.Instruction
	switch linkType {
	case pcapfile.LinkTypeEthernet:
		p = []bpf.Instruction{
			bpf.LoadExtension{Num: bpf.ExtLen},
			bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: 14 + 20, SkipFalse: jumpTo},
			bpf.LoadAbsolute{Off: 12, Size: 2},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x0800, SkipFalse: 2},
			bpf.LoadAbsolute{Off: 20, Size: 2},
			bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: accept, SkipFalse: jumpTo},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x86dd, SkipFalse: jumpTo},
			bpf.LoadExtension{Num: bpf.ExtLen},
			bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: 14 + 48, SkipFalse: jumpTo},
			bpf.LoadAbsolute{Off: 20, Size: 1},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 44, SkipTrue: accept, SkipFalse: jumpTo},
			bpf.RetConstant{Val: snaplen},
		}
	case pcapfile.LinkTypeRaw:
		p = []bpf.Instruction{
			bpf.LoadExtension{Num: bpf.ExtLen},
			bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: 20, SkipFalse: jumpTo},
			bpf.LoadAbsolute{Off: 0, Size: 1},
			bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4, SkipFalse: 2},
			bpf.LoadAbsolute{Off: 6, Size: 2},
			bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: accept, SkipFalse: jumpTo},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipFalse: jumpTo},
			bpf.LoadExtension{Num: bpf.ExtLen},
			bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: 48, SkipFalse: jumpTo},
			bpf.LoadAbsolute{Off: 6, Size: 1},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: 44, SkipTrue: accept, SkipFalse: jumpTo},
			bpf.RetConstant{Val: snaplen},
		}
	default:
		return nil
	}
	// Resolve the placeholders: the accepting return is the last
	// instruction, the rest of the program comes right after it.
	n := len(p)
	for i, in := range p {
		j, ok := in.(bpf.JumpIf)
		if !ok {
			continue
		}
		fix := func(s uint8) uint8 {
			switch s {
			case jumpTo:
				return uint8(n - i - 1)
			case accept:
				return uint8(n - i - 2)
			}
			return s
		}
		j.SkipTrue, j.SkipFalse = fix(j.SkipTrue), fix(j.SkipFalse)
		p[i] = j
	}
	return p
}
