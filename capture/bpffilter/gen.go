package bpffilter

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"strings"

	"golang.org/x/net/bpf"
)

// Code generation for primitives, after libpcap's gencode.c (1.10).

// Offset bases (libpcap's enum e_offrel).
const (
	orLinkhdr  = iota // start of the packet
	orLinktype        // the EtherType field
	orLinkpl          // network-layer header
	orTranIPv4        // IPv4 transport header (X = IHL*4)
	orTranIPv6        // fixed 40-byte IPv6 header
	orLLC             // the 802.2 LLC header (the link payload before any MPLS labels)
	orNosnap          // an OSI network-layer header after LLC without SNAP
)

// loadOff returns instructions that load size bytes at o+off into A.
func loadOff(o offset, off uint32, size int) []bpf.Instruction {
	if o.variable {
		return []bpf.Instruction{
			bpf.LoadScratch{Dst: bpf.RegX, N: int(o.reg)},
			bpf.LoadIndirect{Off: o.c + off, Size: size},
		}
	}
	return []bpf.Instruction{bpf.LoadAbsolute{Off: o.c + off, Size: size}}
}

// loadxIPHdrLen sets X to the IPv4 header length (plus the variable part of
// the network-layer offset), libpcap's gen_loadx_iphdrlen.
func (p *parser) loadxIPHdrLen() []bpf.Instruction {
	o := p.st.linkpl
	if o.variable {
		return []bpf.Instruction{
			bpf.LoadScratch{Dst: bpf.RegX, N: int(o.reg)},
			bpf.LoadIndirect{Off: o.c, Size: 1},
			bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf},
			bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2},
			bpf.ALUOpX{Op: bpf.ALUOpAdd},
			bpf.TAX{},
		}
	}
	return []bpf.Instruction{bpf.LoadMemShift{Off: o.c}}
}

func (p *parser) load(base int, off uint32, size int) []bpf.Instruction {
	switch base {
	case orLinktype:
		return loadOff(p.st.linktype, off, size)
	case orLinkpl:
		return loadOff(p.st.linkpl, off, size)
	case orTranIPv4:
		return append(p.loadxIPHdrLen(), bpf.LoadIndirect{Off: p.st.linkpl.c + off, Size: size})
	case orTranIPv6:
		return loadOff(p.st.linkpl, 40+off, size)
	case orLLC:
		return loadOff(p.st.linkpl, off-p.st.nl, size)
	case orNosnap:
		return loadOff(p.st.linkpl, off-p.st.nl+p.st.nosnap, size)
	}
	return loadOff(p.st.linkhdr, off, size)
}

func (p *parser) cmp(base int, off uint32, size int, v uint32) *pred {
	return atom(p.load(base, off, size), bpf.JumpEqual, v)
}

func (p *parser) mcmp(base int, off uint32, size int, v, mask uint32) *pred {
	pre := p.load(base, off, size)
	if mask != 0xffffffff {
		pre = append(pre, bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mask})
	}
	return atom(pre, bpf.JumpEqual, v)
}

func (p *parser) cmpOp(base int, off uint32, size int, cond bpf.JumpTest, v uint32) *pred {
	return atom(p.load(base, off, size), cond, v)
}

// genLinktype tests the link-layer protocol (an EtherType value).
func (p *parser) genLinktype(at token, etype uint32) *pred {
	if p.st.labelDepth > 0 {
		// Inside an MPLS label stack (gen_mpls_linktype): the last
		// label is the bottom of the stack and the IP version matches.
		ver, ok := ipVersion(etype)
		if !ok {
			return p.fail(at, "unsupported protocol over mpls")
		}
		return pAndOf(p.mcmp(orLinkpl, minus2, 1, 1, 1), p.mcmp(orLinkpl, 0, 1, ver, 0xf0))
	}
	if p.st.ppp {
		return p.cmp(orLinktype, 0, 2, pppType(etype))
	}
	switch p.st.lt {
	case Ethernet:
		return p.etherLinktype(etype)
	case LinuxSLL:
		return p.sllLinktype(etype)
	case LinuxSLL2:
		// libpcap 1.10 compares the protocol field for every value,
		// LLC SAPs included (they never match: the kernel puts
		// ETH_P_802_2 there).
		return p.cmp(orLinktype, 0, 2, etype)
	case Raw:
		ver, ok := ipVersion(etype)
		if !ok {
			return pConst(false)
		}
		return atom([]bpf.Instruction{
			bpf.LoadAbsolute{Off: 0, Size: 1},
			bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0},
		}, bpf.JumpEqual, ver)
	case IPv4:
		return pConst(etype == 0x0800)
	case IPv6:
		return pConst(etype == 0x86dd)
	case Null, Loop:
		return p.loopbackLinktype(etype)
	}
	return pConst(false)
}

// Address families of the BSD loopback header (libpcap's BSD_AFNUM_*):
// AF_INET is 2 everywhere; AF_INET6 is 24 on NetBSD, OpenBSD and BSD/OS,
// 28 on FreeBSD and DragonFly, 30 on Darwin (and 10 on Linux).
const (
	afInet         = 2
	afInet6Linux   = 10
	afInet6BSD     = 24
	afInet6FreeBSD = 28
	afInet6Darwin  = 30
)

// loopbackLinktype is libpcap's gen_linktype for DLT_NULL and DLT_LOOP
// (gen_loopback_linktype): the 4-byte address family in front of the
// packet, in network byte order for LOOP (OpenBSD) and in the capturing
// host's byte order for NULL.
//
// Reading a file (Offline), "ip6" accepts the three BSD values of
// AF_INET6, as libpcap does for a savefile (the capturing host's value is
// unknown). For NULL, libpcap compares the value in the byte order of the
// file's header (swapping it when the file comes from a host of the other
// byte order); the packets do not carry that order here, so the family is
// accepted in either byte order: the same verdict on every file whose
// frames carry the family as the capturing host wrote it (an AF value
// read in the other byte order is over 0xffff and matches no family).
//
// Live (a dead handle in libpcap's terms, as "tcpdump -d -y NULL"), the
// value is this host's: AF_INET6 = 10, in the native byte order for NULL.
func (p *parser) loopbackLinktype(etype uint32) *pred {
	var afs []uint32
	switch {
	case etype == 0x0800:
		afs = []uint32{afInet}
	case etype == 0x86dd && p.opts.Mode == Live:
		afs = []uint32{afInet6Linux}
	case etype == 0x86dd:
		// libpcap's order: Darwin, BSD, FreeBSD.
		afs = []uint32{afInet6Darwin, afInet6BSD, afInet6FreeBSD}
	default:
		return pConst(false)
	}
	var r *pred
	or := func(q *pred) {
		if r == nil {
			r = q
		} else {
			r = pOrOf(r, q)
		}
	}
	for _, af := range afs {
		switch {
		case p.st.lt == Loop:
			or(p.cmp(orLinkhdr, 0, 4, af))
		case p.opts.Mode == Live:
			var b [4]byte
			binary.NativeEndian.PutUint32(b[:], af)
			or(p.cmp(orLinkhdr, 0, 4, binary.BigEndian.Uint32(b[:])))
		default:
			or(p.cmp(orLinkhdr, 0, 4, af))
			or(p.cmp(orLinkhdr, 0, 4, bits.ReverseBytes32(af)))
		}
	}
	return r
}

// LLC SAPs and EtherTypes that gen_ether_linktype and
// gen_linux_sll_linktype treat specially.
const (
	sapIP      = 0x06
	sapSTP     = 0x42 // LLCSAP_8021D
	sapSNAP    = 0xaa
	sapIPX     = 0xe0
	sapNetBEUI = 0xf0
	sapISONS   = 0xfe
	etherMTU   = 1500
	etypeIPX   = 0x8137
	etypeATalk = 0x809b
	etypeAARP  = 0x80f3
	sllP8023   = 0x0001 // LINUX_SLL_P_802_3: Novell 802.3 frames
	sllP8022   = 0x0004 // LINUX_SLL_P_802_2: 802.2 LLC frames
)

// OSI network-layer protocol IDs (NLPIDs) and the DEC EtherTypes.
const (
	nlpidCLNP = 0x81
	nlpidESIS = 0x82
	nlpidISIS = 0x83
)

// isisPDUs are the IS-IS PDU types of the l1, l2, iih, lsp, snp, csnp and
// psnp keywords, in libpcap's order (a point-to-point hello counts for
// both levels).
var isisPDUs = map[string][]uint32{
	"l1":   {15, 17, 18, 24, 26},
	"l2":   {16, 17, 20, 25, 27},
	"iih":  {15, 16, 17},
	"lsp":  {18, 20},
	"snp":  {24, 25, 26, 27},
	"csnp": {24, 25},
	"psnp": {26, 27},
}

// isLength is true when the Ethernet type field is an 802.3 length (the
// frame carries LLC).
func (p *parser) isLength() *pred {
	return pNotOf(p.cmpOp(orLinktype, 0, 2, bpf.JumpGreaterThan, etherMTU))
}

// etherLinktype is libpcap's gen_ether_linktype: an EtherType, or for
// values up to 1500 an LLC SAP in an 802.3 frame.
func (p *parser) etherLinktype(etype uint32) *pred {
	switch etype {
	case sapISONS, sapIP, sapNetBEUI:
		// OSI and NetBEUI always use 802.2: DSAP and SSAP.
		return pAndOf(p.isLength(), p.cmp(orLLC, 0, 2, etype<<8|etype))
	case sapIPX:
		// Ethernet_II, or 802.3 with the IPX SAP, Novell's raw
		// 802.3 (0xffff) or SNAP with the IPX EtherType.
		llc := pOrOf(p.snap(0, etypeIPX), pOrOf(p.cmp(orLLC, 0, 1, sapIPX), p.cmp(orLLC, 0, 2, 0xffff)))
		return pOrOf(p.cmp(orLinktype, 0, 2, etypeIPX), pAndOf(p.isLength(), llc))
	case etypeATalk, etypeAARP:
		// EtherTalk phase 2 in SNAP, or phase 1 as an EtherType.
		org := uint32(0)
		if etype == etypeATalk {
			org = 0x080007
		}
		return pOrOf(p.cmp(orLinktype, 0, 2, etype), pAndOf(p.isLength(), p.snap(org, etype)))
	}
	if etype <= etherMTU {
		return pAndOf(p.isLength(), p.cmp(orLinktype, 2, 1, etype))
	}
	return p.cmp(orLinktype, 0, 2, etype)
}

// sllLinktype is libpcap's gen_linux_sll_linktype: the cooked header's
// protocol field says 802.2 LLC (or Novell 802.3) for the SAP values.
func (p *parser) sllLinktype(etype uint32) *pred {
	llc := p.cmp(orLinktype, 0, 2, sllP8022)
	switch etype {
	case sapISONS, sapIP, sapNetBEUI:
		return pAndOf(llc, p.cmp(orLLC, 0, 2, etype<<8|etype))
	case sapIPX:
		r := pAndOf(llc, pOrOf(p.cmp(orLLC, 0, 1, sapIPX), p.snap(0, etypeIPX)))
		return pOrOf(p.cmp(orLinktype, 0, 2, etypeIPX), pOrOf(p.cmp(orLinktype, 0, 2, sllP8023), r))
	case etypeATalk, etypeAARP:
		org := uint32(0)
		if etype == etypeATalk {
			org = 0x080007
		}
		return pOrOf(p.cmp(orLinktype, 0, 2, etype), pAndOf(llc, p.snap(org, etype)))
	}
	if etype <= etherMTU {
		return pAndOf(llc, p.cmp(orLLC, 0, 1, etype))
	}
	return p.cmp(orLinktype, 0, 2, etype)
}

// snap matches an LLC SNAP header (AA AA 03) with an organization code
// and protocol ID, compared as libpcap's gen_bcmp does: the last four
// bytes first.
func (p *parser) snap(org, ptype uint32) *pred {
	return pAndOf(p.cmp(orLLC, 4, 4, org<<16|ptype), p.cmp(orLLC, 0, 4, sapSNAP<<24|sapSNAP<<16|0x03<<8|org>>16))
}

// ipVersion is the version nibble, as the high 4 bits of the first byte,
// of the IP packets an EtherType stands for (ok false: not IPv4 or IPv6).
func ipVersion(etype uint32) (uint32, bool) {
	switch etype {
	case 0x0800:
		return 0x40, true
	case 0x86dd:
		return 0x60, true
	}
	return 0, false
}

// minus2 is the offset -2 (uint32 arithmetic wraps): the byte of the
// previous MPLS label entry that holds its bottom-of-stack bit.
const minus2 = ^uint32(1)

// pppType maps an EtherType (or LLC SAP) to the PPP protocol number that
// stands for it (libpcap's ethertype_to_ppptype); others are unchanged.
func pppType(etype uint32) uint32 {
	switch etype {
	case 0x0800:
		return 0x0021
	case 0x86dd:
		return 0x0057
	case 0x6003: // DECnet
		return 0x0027
	case 0x809b: // AppleTalk
		return 0x0029
	case 0x0600: // XNS IDP
		return 0x0025
	case 0xfe: // LLCSAP_ISONS
		return 0x0023
	case 0x42: // LLCSAP_8021D
		return 0x0031
	case 0xe0: // LLCSAP_IPX
		return 0x002b
	}
	return etype
}

// isEther reports whether the link-level header is Ethernet's (not after
// "pppoes", which makes it PPP's).
func (p *parser) isEther() bool { return p.st.lt == Ethernet && !p.st.ppp }

// genMPLS handles `mpls [label]` (libpcap gen_mpls): the frame carries an
// MPLS label stack here (the first "mpls"; later ones: the previous label
// was not the bottom of the stack), with that label; every later
// network-layer offset moves by 4 bytes and tests protocols inside the
// stack (docs/capture.md §2.5).
func (p *parser) genMPLS(at token, num uint32, has bool) *pred {
	if has && num > 0xfffff {
		return p.fail(at, "MPLS label %d greater than maximum 1048575", num)
	}
	var r *pred
	switch {
	case p.st.labelDepth > 0:
		r = p.mcmp(orLinkpl, minus2, 1, 0, 1)
	case p.st.ppp:
		r = p.cmp(orLinktype, 0, 2, 0x0281) // PPP_MPLS_UCAST
	case p.st.lt == Ethernet:
		r = p.cmp(orLinktype, 0, 2, 0x8847) // unicast only, as libpcap
	default:
		return p.fail(at, "no MPLS support for link type %s", p.st.lt)
	}
	if has {
		r = pAndOf(r, p.mcmp(orLinkpl, 0, 4, num<<12, 0xfffff000))
	}
	p.st.linkpl.c += 4
	p.st.nl += 4
	p.st.nosnap += 4
	p.st.labelDepth++
	return r
}

// genPPPoES handles `pppoes [session]` (libpcap gen_pppoes): a PPPoE
// session frame (with that session ID); later tests look at the PPP frame
// inside: the link-level type is its protocol field, the network layer
// follows it.
func (p *parser) genPPPoES(at token, num uint32, has bool) *pred {
	if has && num > 0xffff {
		return p.fail(at, "PPPoE session number %d greater than maximum 65535", num)
	}
	r := p.genLinktype(at, 0x8864)
	if p.err != nil {
		return r
	}
	if has {
		r = pAndOf(r, p.mcmp(orLinkpl, 0, 4, num, 0xffff))
	}
	// The PPP header is 6 bytes into the link payload (after the PPPoE
	// header): it is the new link-level header (link[], ether[]), its
	// protocol field the new link-level type.
	p.st.linkhdr = offset{c: p.st.linkpl.c + 6, variable: p.st.linkpl.variable, reg: p.st.linkpl.reg}
	p.st.linktype = p.st.linkhdr
	p.st.linkpl.c += 8
	p.st.nl, p.st.nosnap = 0, 0
	p.st.ppp, p.st.geneve = true, false
	return r
}

func (p *parser) ipProto(at token, v uint32) *pred {
	return pAndOf(p.genLinktype(at, 0x0800), p.cmp(orLinkpl, 9, 1, v))
}

// ip6Proto is `ip6 proto v`: the next header, or the header after a
// fragment header (libpcap 1.10 gen_proto Q_IPV6).
func (p *parser) ip6Proto(at token, v uint32) *pred {
	frag := pAndOf(p.cmp(orLinkpl, 6, 1, 44), p.cmp(orLinkpl, 40, 1, v))
	return pAndOf(p.genLinktype(at, 0x86dd), pOrOf(p.cmp(orLinkpl, 6, 1, v), frag))
}

func (p *parser) genProto(at token, v uint32, proto string) *pred {
	switch proto {
	case "":
		return pOrOf(p.ipProto(at, v), p.ip6Proto(at, v))
	case "ip":
		return p.ipProto(at, v)
	case "ip6":
		return p.ip6Proto(at, v)
	case "link":
		return p.genLinktype(at, v)
	case "iso":
		// The OSI network-layer protocol ID after LLC.
		return pAndOf(p.genLinktype(at, sapISONS), p.cmp(orNosnap, 0, 1, v))
	case "isis":
		// The IS-IS PDU type, 4 bytes into the IS-IS header.
		return pAndOf(p.genProto(at, nlpidISIS, "iso"), p.cmp(orNosnap, 4, 1, v))
	}
	return p.fail(at, "'%s proto' is not supported", proto)
}

// linkProtos are the protocol names that test the link-level type only
// (an EtherType, or an LLC SAP): gen_proto_abbrev's gen_linktype cases.
var linkProtos = map[string]uint32{
	"ip": 0x0800, "ip6": 0x86dd, "arp": 0x0806, "rarp": 0x8035, "atalk": etypeATalk, "aarp": etypeAARP,
	"mopdl": 0x6001, "moprc": 0x6002, "decnet": 0x6003, "lat": 0x6004, "sca": 0x6007,
	"iso": sapISONS, "stp": sapSTP, "ipx": sapIPX, "netbeui": sapNetBEUI,
}

// osiProtos are the OSI network protocols named by their NLPID.
var osiProtos = map[string]uint32{"clnp": nlpidCLNP, "esis": nlpidESIS, "isis": nlpidISIS}

func (p *parser) genProtoAbbrev(at token, proto string) *pred {
	if v, ok := linkProtos[proto]; ok {
		return p.genLinktype(at, v)
	}
	if v, ok := osiProtos[proto]; ok {
		return p.genProto(at, v, "iso")
	}
	switch proto {
	case "tcp":
		return p.genProto(at, protoTCP, "")
	case "udp":
		return p.genProto(at, protoUDP, "")
	case "sctp":
		return p.genProto(at, protoSCTP, "")
	case "icmp":
		return p.ipProto(at, 1)
	case "icmp6":
		return p.ip6Proto(at, 58)
	case "igmp":
		return p.ipProto(at, 2)
	case "igrp":
		return p.ipProto(at, 9)
	case "pim":
		return p.genProto(at, 103, "")
	case "vrrp", "carp":
		return p.ipProto(at, 112)
	case "ah":
		return p.genProto(at, 51, "")
	case "esp":
		return p.genProto(at, 50, "")
	case "link":
		return p.fail(at, "link layer applied in wrong context")
	case "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp":
		// IS-IS PDU types, tested in libpcap's order (the last
		// listed first).
		types := isisPDUs[proto]
		r := pOrOf(p.genProto(at, types[0], "isis"), p.genProto(at, types[1], "isis"))
		for _, t := range types[2:] {
			r = pOrOf(p.genProto(at, t, "isis"), r)
		}
		return r
	}
	return p.fail(at, "%q is not supported by smcdump's filter compiler", at.raw)
}

// ipfrag is true for the first (or only) fragment: fragment offset 0.
func (p *parser) ipfrag() *pred {
	return pNotOf(p.cmpOp(orLinkpl, 6, 2, bpf.JumpBitsSet, 0x1fff))
}

func dirCombine(dir string, src, dst func() *pred) *pred {
	switch dir {
	case "src":
		return src()
	case "dst":
		return dst()
	case "and":
		return pAndOf(src(), dst())
	default:
		return pOrOf(src(), dst())
	}
}

type portTest func(base int, off uint32) *pred

func (p *parser) portEq(v uint32) portTest {
	return func(base int, off uint32) *pred { return p.cmp(base, off, 2, v) }
}

func (p *parser) portRange(lo, hi uint32) portTest {
	if lo > hi {
		lo, hi = hi, lo
	}
	return func(base int, off uint32) *pred {
		ge := p.cmpOp(base, off, 2, bpf.JumpGreaterOrEqual, lo)
		le := pNotOf(p.cmpOp(base, off, 2, bpf.JumpGreaterThan, hi))
		return pAndOf(ge, le)
	}
}

// genPort builds gen_port OR gen_port6 for ipProto (protoUndef: tcp, udp
// and sctp). libpcap tests the port once per protocol; testing the
// protocol set first and the ports once gives the same verdict on every
// frame (the same loads run in the same order), in far fewer instructions.
func (p *parser) genPort(at token, ipProto int, dir string, test portTest) *pred {
	v4, v6 := p.genPort46(at, ipProto, dir, test)
	return pOrOf(v4, v6)
}

// genPort46 is genPort's IPv4 and IPv6 halves (gen_port, gen_port6).
func (p *parser) genPort46(at token, ipProto int, dir string, test portTest) (v4, v6 *pred) {
	protos := []uint32{uint32(ipProto)}
	if ipProto == protoUndef {
		protos = []uint32{protoTCP, protoUDP, protoSCTP}
	}
	var pr4, pr6 *pred
	for _, pr := range protos {
		c4, c6 := p.cmp(orLinkpl, 9, 1, pr), p.cmp(orLinkpl, 6, 1, pr)
		if pr4 == nil {
			pr4, pr6 = c4, c6
		} else {
			pr4, pr6 = pOrOf(pr4, c4), pOrOf(pr6, c6)
		}
	}
	v4 = pAndOf(pAndOf(pr4, p.ipfrag()),
		dirCombine(dir, func() *pred { return test(orTranIPv4, 0) }, func() *pred { return test(orTranIPv4, 2) }))
	v6 = pAndOf(pr6,
		dirCombine(dir, func() *pred { return test(orTranIPv6, 0) }, func() *pred { return test(orTranIPv6, 2) }))
	return pAndOf(p.genLinktype(at, 0x0800), v4), pAndOf(p.genLinktype(at, 0x86dd), v6)
}

// genevePort is Geneve's UDP port (RFC 8926).
const genevePort = 6081

// genGeneve handles `geneve [vni]` (libpcap gen_geneve): UDP to port 6081
// over IPv4 or IPv6, Geneve version 0, with that VNI; every later test
// looks inside the tunnel: at the inner Ethernet frame when the Geneve
// protocol type is 0x6558 (transparent Ethernet bridging), otherwise the
// inner packet is the network layer and the protocol type field is its
// link-level type. Geneve options make the inner offsets run-time values,
// kept in three scratch registers taken from the top (docs/capture.md
// §2.5).
func (p *parser) genGeneve(at token, vni uint32, has bool) *pred {
	if has && vni > 0xffffff {
		return p.fail(at, "Geneve VNI %d greater than maximum 16777215", vni)
	}
	if p.st.topReg-3 < regArith {
		return p.fail(at, "too many geneve primitives (scratch registers exhausted)")
	}
	check := func(v *pred, base int) *pred {
		r := pAndOf(v, p.mcmp(base, 8, 1, 0, 0xc0))
		if has {
			r = pAndOf(r, p.mcmp(base, 12, 4, vni<<8, 0xffffff00))
		}
		return r
	}
	v4, _ := p.genPort46(at, protoUDP, "dst", p.portEq(genevePort))
	_, v6 := p.genPort46(at, protoUDP, "dst", p.portEq(genevePort))
	// A = X = where the UDP header starts, relative to the network
	// layer (the run-time part of the network-layer offset included).
	a4 := atom(append(p.loadxIPHdrLen(), bpf.TXA{}), bpf.JumpEqual, 0)
	a4.x = true
	var pre6 []bpf.Instruction
	if o := p.st.linkpl; o.variable {
		pre6 = []bpf.Instruction{bpf.LoadScratch{Dst: bpf.RegX, N: int(o.reg)},
			bpf.LoadConstant{Dst: bpf.RegA, Val: 40}, bpf.ALUOpX{Op: bpf.ALUOpAdd}, bpf.TAX{}}
	} else {
		pre6 = []bpf.Instruction{bpf.LoadConstant{Dst: bpf.RegA, Val: 40}, bpf.TAX{}}
	}
	a6 := atom(pre6, bpf.JumpEqual, 0)
	a6.x = true
	r := pOrOf(pAndOf(check(v4, orTranIPv4), a4), pAndOf(check(v6, orTranIPv6), a6))

	lt, lh, pl := p.st.topReg, p.st.topReg-1, p.st.topReg-2
	p.st.topReg -= 3
	offs := []bpf.Instruction{
		bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: p.st.linkpl.c + 8}, // the Geneve header
		bpf.TAX{},
		bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 2}, // its protocol type
		bpf.StoreScratch{Src: bpf.RegA, N: lt},
		bpf.LoadIndirect{Off: 0, Size: 1}, // options length, in 4-byte words
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x3f},
		bpf.ALUOpConstant{Op: bpf.ALUOpMul, Val: 4},
		bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 8},
		bpf.ALUOpX{Op: bpf.ALUOpAdd},
		bpf.StoreScratch{Src: bpf.RegA, N: lh}, // the inner packet
		bpf.LoadIndirect{Off: 2, Size: 2},
		bpf.LoadScratch{Dst: bpf.RegX, N: lh},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x6558, SkipTrue: 0, SkipFalse: 5},
		// Ethernet inside: its EtherType and payload.
		bpf.TXA{},
		bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 12},
		bpf.StoreScratch{Src: bpf.RegA, N: lt},
		bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 2},
		bpf.TAX{},
		bpf.StoreScratch{Src: bpf.RegX, N: pl},
		bpf.LoadConstant{Dst: bpf.RegA, Val: 0},
	}
	r = pAndOf(r, atom(offs, bpf.JumpEqual, 0))
	p.st.linktype = offset{variable: true, reg: uint32(lt)}
	p.st.linkhdr = offset{variable: true, reg: uint32(lh)}
	p.st.linkpl = offset{variable: true, reg: uint32(pl)}
	p.st.nl = 0
	p.st.lt, p.st.ppp, p.st.geneve = Ethernet, false, true
	return r
}

// portProto maps the protocol qualifier of `port`/`portrange`.
func (p *parser) portProto(at token, proto string) (int, bool) {
	switch proto {
	case "tcp":
		return protoTCP, true
	case "udp":
		return protoUDP, true
	case "sctp":
		return protoSCTP, true
	case "":
		return protoUndef, true
	}
	p.fail(at, "illegal qualifier of 'port'")
	return 0, false
}

// hostop tests IPv4 addresses at src/dst offsets of the network header.
func (p *parser) hostop(at token, addr, mask uint32, dir string, srcOff, dstOff uint32) *pred {
	return dirCombine(dir,
		func() *pred { return p.mcmp(orLinkpl, srcOff, 4, addr, mask) },
		func() *pred { return p.mcmp(orLinkpl, dstOff, 4, addr, mask) })
}

func (p *parser) genHost(at token, addr, mask uint32, q qual) *pred {
	what := "host"
	if q.addr == "net" {
		what = "net"
	}
	switch q.proto {
	case "":
		ip := pAndOf(p.genLinktype(at, 0x0800), p.hostop(at, addr, mask, q.dir, 12, 16))
		if p.st.labelDepth > 0 {
			return ip // inside MPLS libpcap checks IPv4 only (gen_host)
		}
		arp := pAndOf(p.genLinktype(at, 0x0806), p.hostop(at, addr, mask, q.dir, 14, 24))
		rarp := pAndOf(p.genLinktype(at, 0x8035), p.hostop(at, addr, mask, q.dir, 14, 24))
		return pOrOf(pOrOf(ip, arp), rarp)
	case "ip":
		return pAndOf(p.genLinktype(at, 0x0800), p.hostop(at, addr, mask, q.dir, 12, 16))
	case "arp":
		return pAndOf(p.genLinktype(at, 0x0806), p.hostop(at, addr, mask, q.dir, 14, 24))
	case "rarp":
		return pAndOf(p.genLinktype(at, 0x8035), p.hostop(at, addr, mask, q.dir, 14, 24))
	case "link":
		return p.fail(at, "illegal link layer address")
	case "ip6":
		return p.fail(at, "'ip6' modifier applied to ip %s", what)
	case "decnet":
		return p.fail(at, "DECnet addresses are not supported by smcdump's filter compiler")
	}
	return p.fail(at, "'%s' modifier applied to %s", q.proto, what)
}

// genNcode handles a number or dotted IPv4 id (libpcap gen_ncode). s is
// the dotted text ("" for a plain number), vlen its length in bits.
func (p *parser) genNcode(at token, s string, v, vlen uint32, q qual) *pred {
	switch q.addr {
	case "", "host", "net":
		if q.proto == "link" {
			return p.fail(at, "illegal link layer address")
		}
		mask := uint32(0xffffffff)
		if s == "" && q.addr == "net" {
			for v != 0 && v&0xff000000 == 0 {
				v <<= 8
				mask <<= 8
			}
		} else {
			v <<= 32 - vlen
			mask <<= 32 - vlen
		}
		return p.genHost(at, v, mask, q)
	case "port", "portrange":
		if s != "" {
			return p.fail(at, "expected a port number, not %q", s)
		}
		pr, ok := p.portProto(at, q.proto)
		if !ok {
			return pConst(false)
		}
		if v > 65535 {
			return p.fail(at, "illegal port number %d > 65535", v)
		}
		if q.addr == "port" {
			return p.genPort(at, pr, q.dir, p.portEq(v))
		}
		return p.genPort(at, pr, q.dir, p.portRange(v, v))
	case "proto":
		if s != "" {
			return p.fail(at, "expected a protocol number, not %q", s)
		}
		return p.genProto(at, v, q.proto)
	case "protochain":
		if s != "" {
			return p.fail(at, "expected a protocol number, not %q", s)
		}
		return p.genProtochain(at, v, q.proto)
	}
	return p.fail(at, "%q is not supported by smcdump's filter compiler", q.addr)
}

// genMcode handles "net a/len" and "net a mask m".
func (p *parser) genMcode(at token, addr, mask uint32, text string, q qual) *pred {
	if addr&^mask != 0 {
		return p.fail(at, "non-network bits set in %q", text)
	}
	if q.addr != "net" {
		return p.fail(at, "mask syntax for networks only")
	}
	return p.genHost(at, addr, mask, q)
}

// genMcode6 handles IPv6 addresses and prefixes.
func (p *parser) genMcode6(at token, plen uint32, q qual) *pred {
	a, err := netip.ParseAddr(at.text)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return p.fail(at, "invalid IPv6 address %q", at.text)
	}
	b := a.As16()
	var m [16]byte
	for i := uint32(0); i < 128; i++ {
		if i < plen {
			m[i/8] |= 0x80 >> (i % 8)
		}
	}
	for i := range b {
		if b[i]&^m[i] != 0 {
			return p.fail(at, "non-network bits set in \"%s/%d\"", at.text, plen)
		}
	}
	switch q.addr {
	case "", "host":
		if plen != 128 {
			return p.fail(at, "mask syntax for networks only")
		}
	case "net":
	default:
		return p.fail(at, "invalid qualifier against IPv6 address")
	}
	switch q.proto {
	case "", "ip6":
	case "link":
		return p.fail(at, "illegal link layer address")
	default:
		return p.fail(at, "'%s' modifier applied to ip6 %s", q.proto, map[bool]string{true: "net", false: "host"}[q.addr == "net"])
	}
	word := func(off uint32) *pred {
		var r *pred
		for i := 0; i < 4; i++ {
			v := binary.BigEndian.Uint32(b[4*i:])
			mk := binary.BigEndian.Uint32(m[4*i:])
			c := p.mcmp(orLinkpl, off+uint32(4*i), 4, v, mk)
			if r == nil {
				r = c
			} else {
				r = pAndOf(r, c)
			}
		}
		return r
	}
	hop := dirCombine(q.dir, func() *pred { return word(8) }, func() *pred { return word(24) })
	return pAndOf(p.genLinktype(at, 0x86dd), hop)
}

// genEcode handles MAC addresses ("ether host/src/dst").
func (p *parser) genEcode(at token, q qual) *pred {
	mac, _ := parseMAC(at.text)
	if (q.addr == "host" || q.addr == "") && q.proto == "link" {
		if !p.isEther() {
			return p.fail(at, "ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel")
		}
		return pAndOf(p.geneveEther(), p.ehostop(at, mac, q.dir))
	}
	return p.fail(at, "ethernet address used in non-ether expression")
}

// geneveEther is true unless the link-level header is a Geneve payload
// that is not an Ethernet frame (libpcap's gen_geneve_ll_check: the inner
// packet and the network layer start at the same offset). Link-level
// address, broadcast and multicast tests start with it.
func (p *parser) geneveEther() *pred {
	if !p.st.geneve {
		return pConst(true)
	}
	same := atom([]bpf.Instruction{
		bpf.LoadScratch{Dst: bpf.RegA, N: int(p.st.linkhdr.reg)},
		bpf.LoadScratch{Dst: bpf.RegX, N: int(p.st.linkpl.reg)},
	}, bpf.JumpEqual, 0)
	same.x = true
	return pNotOf(same)
}

func (p *parser) ehostop(at token, mac [6]byte, dir string) *pred {
	ecmp := func(off uint32) func() *pred {
		return func() *pred {
			return pAndOf(p.cmp(orLinkhdr, off+2, 4, binary.BigEndian.Uint32(mac[2:])),
				p.cmp(orLinkhdr, off, 2, uint32(binary.BigEndian.Uint16(mac[:2]))))
		}
	}
	return dirCombine(dir, ecmp(6), ecmp(0))
}

// genScode handles names: service names for ports, protocol names; host
// and network names are rejected because smcdump resolves nothing.
func (p *parser) genScode(at token, q qual) *pred {
	name := at.text
	switch q.addr {
	case "", "host", "net":
		what := "host"
		if q.addr == "net" {
			what = "network"
		}
		return p.fail(at, "%s names are not resolved (only literal addresses are accepted): %q", what, name)
	case "port":
		pr, ok := p.portProto(at, q.proto)
		if !ok {
			return pConst(false)
		}
		port, real, ok := lookupPort(name)
		if !ok {
			return p.fail(at, "unknown port '%s'", name)
		}
		if pr, ok = p.reconcile(at, name, pr, real); !ok {
			return pConst(false)
		}
		return p.genPort(at, pr, q.dir, p.portEq(port))
	case "portrange":
		pr, ok := p.portProto(at, q.proto)
		if !ok {
			return pConst(false)
		}
		lo, hi, real, ok := p.lookupPortRange(at, name)
		if !ok {
			return pConst(false)
		}
		if pr, ok = p.reconcile(at, name, pr, real); !ok {
			return pConst(false)
		}
		return p.genPort(at, pr, q.dir, p.portRange(lo, hi))
	case "proto", "protochain":
		var v uint32
		var ok bool
		// libpcap's lookup_proto: EtherType then LLC SAP names for
		// link, the three OSI network protocols for iso, IP protocols
		// for ip, ip6 and none; other protocols have no names.
		switch q.proto {
		case "link":
			if v, ok = etherProtocols[name]; !ok {
				v, ok = llcSAPs[name]
			}
		case "iso":
			v, ok = osiProtos[name]
			if !ok {
				return p.fail(at, "unknown osi proto '%s'", name)
			}
		case "", "ip", "ip6":
			// getprotobyname(3) also knows the upper-case aliases.
			v, ok = ipProtocols[strings.ToLower(name)]
		}
		if !ok {
			return p.fail(at, "unknown protocol: %s", name)
		}
		if q.addr == "protochain" {
			return p.genProtochain(at, v, q.proto)
		}
		return p.genProto(at, v, q.proto)
	}
	return p.fail(at, "%q is not supported by smcdump's filter compiler", q.addr)
}

// reconcile combines the port qualifier's protocol with the protocol a
// service name is defined for, as libpcap's gen_scode does.
func (p *parser) reconcile(at token, name string, qualProto, real int) (int, bool) {
	if qualProto == protoUndef {
		return real, true
	}
	if real != protoUndef && real != qualProto {
		pn := map[int]string{protoTCP: "tcp", protoUDP: "udp", protoSCTP: "sctp"}[real]
		p.fail(at, "port '%s' is %s", name, pn)
		return 0, false
	}
	return qualProto, true
}

func lookupPort(name string) (port uint32, proto int, ok bool) {
	if v, isNum := parseNum(name); isNum {
		if v > 65535 {
			return 0, 0, false
		}
		return v, protoUndef, true
	}
	s, ok := services[name]
	if !ok {
		return 0, 0, false
	}
	switch {
	case s.tcp && s.udp:
		return uint32(s.port), protoUndef, true
	case s.tcp:
		return uint32(s.port), protoTCP, true
	default:
		return uint32(s.port), protoUDP, true
	}
}

func (p *parser) lookupPortRange(at token, name string) (lo, hi uint32, proto int, ok bool) {
	a, b, found := strings.Cut(name, "-")
	if !found {
		port, pr, ok := lookupPort(name)
		if !ok {
			p.fail(at, "unknown port in range '%s'", name)
			return 0, 0, 0, false
		}
		return port, port, pr, true
	}
	lo, p1, ok1 := lookupPort(a)
	hi, p2, ok2 := lookupPort(b)
	if !ok1 || !ok2 {
		p.fail(at, "unknown port in range '%s'", name)
		return 0, 0, 0, false
	}
	proto = p1
	if p1 != p2 {
		proto = protoUndef
	}
	return lo, hi, proto, true
}

// genCast handles [proto] broadcast / multicast.
func (p *parser) genCast(at token, proto, which string) *pred {
	eth := p.isEther()
	switch which {
	case "broadcast":
		switch proto {
		case "", "link":
			if !eth {
				return p.fail(at, "not a broadcast link")
			}
			return pAndOf(p.geneveEther(), p.ehostop(at, [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "dst"))
		case "ip":
			// Netmask unknown (dead handle, netmask 0): host part all-zero
			// or all-ones of the whole address.
			return pAndOf(p.genLinktype(at, 0x0800),
				pOrOf(p.cmp(orLinkpl, 16, 4, 0), p.cmp(orLinkpl, 16, 4, 0xffffffff)))
		}
		return p.fail(at, "only link-layer/IP broadcast filters supported")
	default:
		switch proto {
		case "", "link":
			if !eth {
				return p.fail(at, "link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel")
			}
			return pAndOf(p.geneveEther(), p.cmpOp(orLinkhdr, 0, 1, bpf.JumpBitsSet, 1))
		case "ip":
			return pAndOf(p.genLinktype(at, 0x0800), p.cmpOp(orLinkpl, 16, 1, bpf.JumpGreaterOrEqual, 224))
		case "ip6":
			return pAndOf(p.genLinktype(at, 0x86dd), p.cmp(orLinkpl, 24, 1, 255))
		}
		return p.fail(at, "only IP multicast filters supported on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel")
	}
}

// tpidTest matches the 802.1Q, 802.1ad and old QinQ TPIDs at the current
// EtherType offset (libpcap gen_vlan_tpid_test).
func (p *parser) tpidTest() *pred {
	return pOrOf(pOrOf(p.cmp(orLinktype, 0, 2, 0x8100), p.cmp(orLinktype, 0, 2, 0x88a8)),
		p.cmp(orLinktype, 0, 2, 0x9100))
}

// genVlan handles `vlan [id]`. Every later offset moves by 4 bytes
// (docs/capture.md §2.5). In Live mode the first vlan uses the kernel's VLAN
// ancillary data, since the kernel strips the outer tag (docs/capture.md §1.6
// row 4, §2.4), with the in-band test as a fallback.
func (p *parser) genVlan(at token, num uint32, has bool) *pred {
	if has && num > 4095 {
		return p.fail(at, "VLAN tag %d greater than maximum 4095", num)
	}
	switch {
	case p.st.labelDepth > 0:
		return p.fail(at, "no VLAN match after MPLS")
	case p.st.ppp:
		return p.fail(at, "no VLAN support for PPP")
	case p.st.lt != Ethernet:
		return p.fail(at, "no VLAN support for link type %s", p.st.lt)
	}
	defer func() { p.st.vlanDepth++ }()
	if p.opts.Mode == Live && p.st.vlanDepth == 0 && !p.st.linkpl.variable {
		present := atom([]bpf.Instruction{bpf.LoadAbsolute{Off: skfAdOff + skfVlanPres, Size: 1}}, bpf.JumpEqual, 1)
		// In-band fallback: advance both offset registers by 4 first
		// (gen_vlan_patch_tpid_test), then test the TPID in the packet.
		tpid := p.tpidTest()
		first := tpid.a.a
		inc := []bpf.Instruction{
			bpf.LoadScratch{Dst: bpf.RegA, N: regLinkpl},
			bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 4},
			bpf.StoreScratch{Src: bpf.RegA, N: regLinkpl},
			bpf.LoadScratch{Dst: bpf.RegA, N: regLinktype},
			bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 4},
			bpf.StoreScratch{Src: bpf.RegA, N: regLinktype},
		}
		first.pre = append(inc, first.pre...)
		r := pOrOf(present, tpid)
		if has {
			// TCI from metadata if present, else from the packet
			// (gen_vlan_patch_vid_test).
			vid := atom([]bpf.Instruction{
				bpf.LoadAbsolute{Off: skfAdOff + skfVlanPres, Size: 1},
				bpf.JumpIf{Cond: bpf.JumpEqual, Val: 1, SkipTrue: 0, SkipFalse: 2},
				bpf.LoadAbsolute{Off: skfAdOff + skfVlanTag, Size: 1},
				bpf.Jump{Skip: 1},
				bpf.LoadAbsolute{Off: p.st.linkpl.c, Size: 2},
				bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xfff},
			}, bpf.JumpEqual, num)
			r = pAndOf(r, vid)
		}
		p.st.vloffset = true
		p.st.linkpl.variable, p.st.linkpl.reg = true, regLinkpl
		p.st.linktype.variable, p.st.linktype.reg = true, regLinktype
		return r
	}
	r := p.tpidTest()
	if has {
		r = pAndOf(r, p.mcmp(orLinkpl, 0, 2, num, 0x0fff))
	}
	p.st.linkpl.c += 4
	p.st.linktype.c += 4
	return r
}

// genIfindex handles `ifindex N` (libpcap gen_ifindex): the interface
// index in the cooked v2 header, or on a live socket the kernel's.
func (p *parser) genIfindex(at token, n uint32) *pred {
	switch {
	case p.opts.LinkType == LinuxSLL2: // the captured frame's header, also after pppoes/geneve
		return atom([]bpf.Instruction{bpf.LoadAbsolute{Off: 4, Size: 4}}, bpf.JumpEqual, n)
	case p.opts.Mode == Live:
		return atom([]bpf.Instruction{bpf.LoadAbsolute{Off: skfAdOff + skfIfindex, Size: 4}}, bpf.JumpEqual, n)
	}
	return p.fail(at, "ifindex not supported on link type %s when reading a file", p.opts.LinkType)
}

// genDirection handles inbound/outbound: the packet type from kernel
// metadata on a live socket, or the cooked header's packet type field.
// (libpcap loads them relative to the current link-level header, so after
// "pppoes" or "geneve" it reads another field or fails.)
func (p *parser) genDirection(at token, outbound bool) *pred {
	var r *pred
	switch {
	case p.opts.Mode == Live:
		r = atom([]bpf.Instruction{bpf.LoadAbsolute{Off: skfAdOff + skfPkttype, Size: 2}}, bpf.JumpEqual, 4)
	// The direction is the captured frame's: its cooked header, also
	// after "pppoes" or "geneve" moved the link-level header inward.
	case p.opts.LinkType == LinuxSLL:
		r = atom([]bpf.Instruction{bpf.LoadAbsolute{Off: 0, Size: 2}}, bpf.JumpEqual, 4)
	case p.opts.LinkType == LinuxSLL2:
		r = atom([]bpf.Instruction{bpf.LoadAbsolute{Off: 10, Size: 1}}, bpf.JumpEqual, 4)
	default:
		return p.fail(at, "inbound/outbound not supported on link type %s when reading a file", p.opts.LinkType)
	}
	if !outbound {
		r = pNotOf(r)
	}
	return r
}

// protochainHeaders is how many IPv6 extension headers and AH headers
// `protochain` follows before it gives up (the chain does not match).
const protochainHeaders = 12

// Protocol numbers protochain walks over.
const (
	protoHopOpts  = 0
	protoRouting  = 43
	protoFragment = 44
	protoAH       = 51
	protoNone     = 59
	protoDstOpts  = 60
)

// genProtochain handles `[ip|ip6] protochain v` (libpcap gen_protochain):
// the protocol, or a protocol reached through IPv6 extension headers
// (hop-by-hop, destination options, routing, fragment) and AH headers, is
// v. libpcap loops with a backward jump, which the kernel refuses; here
// the walk is unrolled for protochainHeaders headers, so the program also
// runs in the kernel. libpcap also loses the offset of an AH header
// (X = (len+2)*4 instead of X += …); smcdump adds it (docs/capture.md §2.5).
func (p *parser) genProtochain(at token, v uint32, proto string) *pred {
	switch proto {
	case "":
		return pOrOf(p.genProtochain(at, v, "ip"), p.genProtochain(at, v, "ip6"))
	case "ip", "ip6":
	default:
		return p.fail(at, "bad protocol applied for 'protochain'")
	}
	if p.st.linkpl.variable {
		return p.fail(at, "'protochain' not supported with variable length headers")
	}
	nl := p.st.linkpl.c
	reg := p.st.topReg // only used inside this test
	var pre []bpf.Instruction
	var r *pred
	if proto == "ip" {
		r = p.genLinktype(at, 0x0800)
		pre = []bpf.Instruction{bpf.LoadAbsolute{Off: nl + 9, Size: 1}, bpf.LoadMemShift{Off: nl}}
	} else {
		r = p.genLinktype(at, 0x86dd)
		pre = []bpf.Instruction{bpf.LoadAbsolute{Off: nl + 6, Size: 1}, bpf.LoadConstant{Dst: bpf.RegX, Val: 40}}
	}
	// advance: A = the next header, X += (P[X+1] + add) * mul.
	advance := func(add, mul uint32) []bpf.Instruction {
		return []bpf.Instruction{
			bpf.LoadIndirect{Off: nl, Size: 1},
			bpf.StoreScratch{Src: bpf.RegA, N: reg},
			bpf.LoadIndirect{Off: nl + 1, Size: 1},
			bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: add},
			bpf.ALUOpConstant{Op: bpf.ALUOpMul, Val: mul},
			bpf.ALUOpX{Op: bpf.ALUOpAdd},
			bpf.TAX{},
			bpf.LoadScratch{Dst: bpf.RegA, N: reg},
		}
	}
	ext := advance(1, 8) // IPv6 extension headers: 8-byte units, not counting the first
	ah := advance(2, 4)  // AH: 4-byte units, not counting the first two
	for i := 0; i < protochainHeaders; i++ {
		// Per header, with "out" the block's last instruction, a jump
		// to the end of the walk:
		//   jeq v → out; jeq NONE → out;
		//   [ip6: jeq HOPOPTS/DSTOPTS/ROUTING/FRAGMENT → ext]
		//   jeq AH → ah, else → out
		//   ext: …; ja next   ah: …; ja next   out: ja end
		var b []bpf.Instruction
		n6 := 0
		if proto == "ip6" {
			n6 = 4
		}
		// Instruction counts from the first jeq: 2 + n6 + 1 tests, then
		// ext (len+1, ip6 only), ah (len+1), out (1).
		tests := 2 + n6 + 1
		extLen := 0
		if proto == "ip6" {
			extLen = len(ext) + 1
		}
		ahLen := len(ah) + 1
		outAt := tests + extLen + ahLen // index of "out"
		jump := func(at, to int) uint8 { return uint8(to - at - 1) }
		b = append(b, bpf.JumpIf{Cond: bpf.JumpEqual, Val: v, SkipTrue: jump(0, outAt)})
		b = append(b, bpf.JumpIf{Cond: bpf.JumpEqual, Val: protoNone, SkipTrue: jump(1, outAt)})
		if proto == "ip6" {
			extAt := tests
			for k, h := range []uint32{protoHopOpts, protoDstOpts, protoRouting, protoFragment} {
				b = append(b, bpf.JumpIf{Cond: bpf.JumpEqual, Val: h, SkipTrue: jump(2+k, extAt)})
			}
		}
		ahAt := tests + extLen
		b = append(b, bpf.JumpIf{Cond: bpf.JumpEqual, Val: protoAH, SkipTrue: jump(tests-1, ahAt), SkipFalse: jump(tests-1, outAt)})
		next := outAt + 1
		if proto == "ip6" {
			b = append(b, ext...)
			b = append(b, bpf.Jump{Skip: uint32(next - len(b) - 1)})
		}
		b = append(b, ah...)
		b = append(b, bpf.Jump{Skip: uint32(next - len(b) - 1)})
		// out: jump over the blocks still to come.
		rest := (protochainHeaders - 1 - i) * (outAt + 1)
		b = append(b, bpf.Jump{Skip: uint32(rest)})
		pre = append(pre, b...)
	}
	return pAndOf(r, atom(pre, bpf.JumpEqual, v))
}
