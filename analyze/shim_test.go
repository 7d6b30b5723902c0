package analyze

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/tunnelwrap"
)

// shimKind inserts headers between a frame's Ethernet header (and VLAN
// tags) and its IP header, as an MPLS core or a PPPoE access network
// carries the same packets.
type shimKind struct {
	name string
	// header is what goes between the link layer and IP, for IP version v
	// and an IP packet of n bytes; et the ethertype announcing it.
	header func(v byte, n int) (et uint16, h []byte)
}

func shimKinds() []shimKind {
	label := func(l uint32, bottom bool) []byte {
		e := l<<12 | 64
		if bottom {
			e |= 0x100
		}
		return binary.BigEndian.AppendUint32(nil, e)
	}
	pppoe := func(proto uint16, n int) []byte {
		h := []byte{0x11, 0, 0x12, 0x34}
		h = binary.BigEndian.AppendUint16(h, uint16(2+n))
		return binary.BigEndian.AppendUint16(h, proto)
	}
	ipProto := func(v byte) uint16 {
		if v == 6 {
			return 0x0057
		}
		return 0x0021
	}
	return []shimKind{
		{"mpls", func(v byte, n int) (uint16, []byte) { return 0x8847, label(100, true) }},
		{"mpls-stack", func(v byte, n int) (uint16, []byte) {
			return 0x8847, append(append(label(16000, false), label(2000, false)...), label(17, true)...)
		}},
		{"mpls-multicast", func(v byte, n int) (uint16, []byte) { return 0x8848, label(300, true) }},
		{"pppoe", func(v byte, n int) (uint16, []byte) { return 0x8864, pppoe(ipProto(v), n) }},
		{"pppoe-mpls", func(v byte, n int) (uint16, []byte) { return 0x8864, append(pppoe(0x0281, n+4), label(100, true)...) }},
	}
}

// shimWrap inserts k's header into an Ethernet frame carrying IPv4 or
// IPv6 (after any VLAN tags); other frames are left as they are.
func shimWrap(k shimKind, eth []byte, wire int) ([]byte, int, bool) {
	off := 12
	for off+4 <= len(eth) {
		et := binary.BigEndian.Uint16(eth[off:])
		if et != 0x8100 && et != 0x88A8 {
			break
		}
		off += 4
	}
	if off+2 >= len(eth) {
		return eth, wire, false
	}
	et := binary.BigEndian.Uint16(eth[off:])
	if et != 0x0800 && et != 0x86DD {
		return eth, wire, false
	}
	ip := eth[off+2:]
	v := ip[0] >> 4
	n := wire - (off + 2)
	newET, h := k.header(v, n)
	out := append([]byte{}, eth[:off]...)
	out = binary.BigEndian.AppendUint16(out, newET)
	out = append(out, h...)
	out = append(out, ip...)
	return out, wire + len(h), true
}

// TestShimEquivalence: every lab trace with an MPLS label stack or a PPPoE
// session header (or both) between Ethernet and IP gives the report of the
// unwrapped trace (synthetic wrapping of real frames): the analysis looks
// through them as tcpdump and Wireshark do.
func TestShimEquivalence(t *testing.T) {
	eachLabTrace(t, func(name, tr, dir, want string, wantFile map[string]any) {
		for _, k := range shimKinds() {
			t.Run(name+"/"+k.name, func(t *testing.T) {
				p := filepath.Join(dir, "shim.pcap")
				wrapped := 0
				tunnelwrap.Rewrite(t, tr, p, func(eth []byte, wire int, emit func([]byte, int)) {
					b, w, ok := shimWrap(k, eth, wire)
					if ok {
						wrapped++
					}
					emit(b, w)
				})
				if wrapped == 0 {
					t.Fatal("no IP frame wrapped")
				}
				got, file := reportWithoutFiles(t, p)
				if got != want {
					t.Errorf("the report with %s differs from the unwrapped one:\n got  %.3000s\n want %.3000s", k.name, got, want)
				}
				if file["truncated_frames"] != wantFile["truncated_frames"] || file["packets"] != wantFile["packets"] {
					t.Errorf("packets %v truncated %v, unwrapped %v and %v", file["packets"], file["truncated_frames"], wantFile["packets"], wantFile["truncated_frames"])
				}
			})
		}
	})
}

// TestShimFilter: the analysis filter selects the same traffic behind MPLS
// labels or PPPoE as without them ("host", ports and protocols read the
// link-level type, which is MPLS's or PPPoE's there).
func TestShimFilter(t *testing.T) {
	dir := t.TempDir()
	for _, tr := range filterTraces(t) {
		name := strings.TrimSuffix(filepath.Base(tr), ".pcapng")
		plain := filepath.Join(dir, "plain.pcap")
		writeTunnelPcap(t, tr, plain, nil)
		for _, expr := range equivalenceFilters {
			want, wantFile := reportWithoutFilesCfg(t, Config{Filter: mustFilter(t, expr)}, plain)
			for _, k := range shimKinds() {
				t.Run(name+"/"+expr+"/"+k.name, func(t *testing.T) {
					p := filepath.Join(dir, "shim.pcap")
					tunnelwrap.Rewrite(t, tr, p, func(eth []byte, wire int, emit func([]byte, int)) {
						b, w, _ := shimWrap(k, eth, wire)
						emit(b, w)
					})
					got, file := reportWithoutFilesCfg(t, Config{Filter: mustFilter(t, expr)}, p)
					if got != want {
						t.Errorf("filtered report with %s differs from the unwrapped one:\n got  %.2000s\n want %.2000s", k.name, got, want)
					}
					if file["filtered_out"] != wantFile["filtered_out"] {
						t.Errorf("%v frames filtered out, unwrapped %v", file["filtered_out"], wantFile["filtered_out"])
					}
				})
			}
		}
	}
}
