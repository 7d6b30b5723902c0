package analyze

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// membership hands the group membership messages of an IGMP message or an
// MLD message (ICMPv6 130, 131, 132, 143) to the stream tracker
// (mcast.Tracker.Membership): reports, leaves and queries, per group. An
// IGMPv3 or MLDv2 report gives one event per group record. Messages cut
// by the snaplen give what was captured of them.
func (a *Analyzer) membership(p *pcapfile.Packet, f *decode.Frame, ts time.Time) {
	b := f.L4
	if a.mc == nil || len(b) < 8 || f.L4WireLen < 8 {
		return
	}
	a.memberN++
	frame := a.frameBase + p.Frame
	var vlan uint16
	if f.NVLAN > 0 {
		vlan = f.VLANs[0]
	}
	ifc := a.globalIf(a.interfaces(), p.Info.InterfaceIndex)
	ev := func(k mcast.MembershipKind, g netip.Addr, what string) {
		a.mc.Membership(k, g, f.Src, what, vlan, ifc, ts, frame)
	}
	src := func(k mcast.MembershipKind, counted bool, typ byte, g netip.Addr, srcs []netip.Addr, complete bool, what string) {
		a.mc.SourceRecord(k, counted, typ, g, f.Src, srcs, complete, what, vlan, ifc, ts, frame)
	}
	if f.Proto == decode.ProtoIGMP {
		if f.IPVer != 4 {
			return // IGMP is IPv4's
		}
		g4 := netip.AddrFrom4([4]byte(b[4:8]))
		switch b[0] {
		case 0x11:
			// RFC 3376 §7.1: 8 bytes v1 (code 0) or v2, at least 12 v3;
			// 9 to 11 bytes are ignored
			v := "IGMPv2 query"
			switch n := f.L4WireLen; {
			case n >= 12:
				v = "IGMPv3 query"
			case n > 8:
				return
			case b[1] == 0:
				v = "IGMPv1 query"
			}
			ev(mcast.MemberQuery, g4, v)
		case 0x12:
			ev(mcast.MemberReport, g4, "IGMPv1 report")
		case 0x16:
			ev(mcast.MemberReport, g4, "IGMPv2 report")
		case 0x17:
			ev(mcast.MemberLeave, g4, "IGMPv2 leave")
		case 0x22:
			records(b, 4, "IGMPv3 ", ev, src)
		}
		return
	}
	if len(b) < 24 {
		return
	}
	g6 := netip.AddrFrom16([16]byte(b[8:24]))
	switch b[0] {
	case 130:
		// RFC 3810 §8.1: 24 bytes v1, at least 28 v2; 25 to 27 ignored
		v := "MLDv1 query"
		switch n := f.L4WireLen; {
		case n >= 28:
			v = "MLDv2 query"
		case n > 24:
			return
		}
		ev(mcast.MemberQuery, g6, v)
	case 131:
		ev(mcast.MemberReport, g6, "MLDv1 report")
	case 132:
		ev(mcast.MemberLeave, g6, "MLDv1 done")
	case 143:
		records(b, 16, "MLDv2 ", ev, src)
	}
}

// records hands each group record of an IGMPv3 (alen 4) or MLDv2 (alen
// 16) report in b whose type and group were captured, named with prefix
// (RFC 3376 §4.2, RFC 3810 §5.2): to ev a record without sources that says
// something about the group as a whole (recordKind), to src a record with
// sources, with what it says about the group (counted false: nothing),
// its type, the sources captured (at most 16) and whether they are its
// whole list.
func records(b []byte, alen int, prefix string, ev func(mcast.MembershipKind, netip.Addr, string),
	src func(k mcast.MembershipKind, counted bool, typ byte, group netip.Addr, srcs []netip.Addr, complete bool, what string)) {
	n := int(binary.BigEndian.Uint16(b[6:]))
	off := 8
	var buf [16]netip.Addr
	for range n {
		if off+4+alen > len(b) {
			return
		}
		typ, nsrc := b[off], int(binary.BigEndian.Uint16(b[off+2:]))
		group := addrOf(b[off+4 : off+4+alen])
		k, what, ok := recordKind(typ, nsrc)
		switch {
		case nsrc > 0 && typ >= 1 && typ <= 6:
			srcs := buf[:0]
			at := off + 4 + alen
			for i := 0; i < nsrc && len(srcs) < len(buf) && at+alen <= len(b); i++ {
				srcs = append(srcs, addrOf(b[at:at+alen]))
				at += alen
			}
			if !ok {
				what = recordName(typ)
			}
			src(k, ok, typ, group, srcs, len(srcs) == nsrc, prefix+what)
		case ok:
			ev(k, group, prefix+what)
		}
		off += 4 + alen + nsrc*alen + int(b[off+1])*4
	}
}

// recordName is a group record type's name (RFC 3376 §4.2.12).
func recordName(typ byte) string {
	return [...]string{"", "is_in", "is_ex", "to_in", "to_ex", "allow", "block"}[typ]
}

// recordKind says what a group record of type typ with nsrc sources is
// for the group as a whole (RFC 3376 §4.2.12, §6.4; RFC 3810 §5.2.12): a
// report when it asks for all sources but some (is_ex, to_ex) or for some
// (is_in, allow, to_in with sources), a leave when it asks for none
// (to_in {}); false for what says nothing about the group as a whole
// (is_in {} and allow {} change nothing, block drops the sources listed,
// which are not compared with the streams') and for types RFC 3376 does
// not define.
func recordKind(typ byte, nsrc int) (mcast.MembershipKind, string, bool) {
	switch {
	case typ == 2:
		return mcast.MemberReport, "is_ex", true
	case typ == 4:
		return mcast.MemberReport, "to_ex", true
	case typ == 3 && nsrc == 0:
		return mcast.MemberLeave, "to_in {}", true
	case nsrc == 0:
		return 0, "", false
	case typ == 1:
		return mcast.MemberReport, "is_in", true
	case typ == 3:
		return mcast.MemberReport, "to_in", true
	case typ == 5:
		return mcast.MemberReport, "allow", true
	}
	return 0, "", false
}
