//go:build linux

package capture

import (
	"encoding/binary"
	"net"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestFollowFragments: UDP datagrams larger than the MTU, fragmented by the
// kernel (lo with MTU 1500 in a test namespace), captured with the filter
// "udp port 5000": with following, every fragment of the port-5000
// datagrams and none of the port-6000 ones, IPv4 and IPv6, on the
// interface (kernel program and its fragment prefix) and on "any" (the
// filter in userland); without, the first IPv4 fragments only, as tcpdump.
func TestFollowFragments(t *testing.T) {
	ns := newNetns(t)
	run(t, "ip", "-n", ns, "link", "set", "lo", "mtu", "1500")
	if err := exec.Command("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.lo.disable_ipv6=0").Run(); err != nil {
		t.Fatalf("enabling IPv6 on lo: %v", err)
	}
	const (
		perPort = 10
		size    = 4000 // UDP payload: 3 fragments at MTU 1500, IPv4 and IPv6
	)
	send := func() {
		inNetns(t, ns, func() {
			for _, fam := range []struct {
				network string
				addr    string
			}{{"udp4", "127.0.0.1"}, {"udp6", "::1"}} {
				var conns []*net.UDPConn
				for _, port := range []int{5000, 6000} {
					c, err := net.ListenUDP(fam.network, &net.UDPAddr{IP: net.ParseIP(fam.addr), Port: port})
					if err != nil {
						t.Errorf("listen %s: %v", fam.network, err)
						return
					}
					conns = append(conns, c)
				}
				s, err := net.ListenUDP(fam.network, &net.UDPAddr{IP: net.ParseIP(fam.addr)})
				if err != nil {
					t.Errorf("sender: %v", err)
					return
				}
				rc, _ := s.SyscallConn()
				_ = rc.Control(func(fd uintptr) {
					if fam.network == "udp4" {
						_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DONT)
					} else {
						_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, unix.IPV6_PMTUDISC_DONT)
					}
				})
				buf := make([]byte, size)
				for i := range perPort {
					for _, port := range []int{6000, 5000} {
						binary.BigEndian.PutUint32(buf, uint32(i))
						if _, err := s.WriteToUDP(buf, &net.UDPAddr{IP: net.ParseIP(fam.addr), Port: port}); err != nil {
							t.Errorf("send: %v", err)
						}
					}
				}
				s.Close()
				for _, c := range conns {
					c.Close()
				}
			}
		})
	}
	type tally struct{ whole, first, later, port6000 int }
	count := func(pkts []pcapfile.Packet, lt pcapfile.LinkType) (v4, v6 tally) {
		firstPorts := map[fragKey]uint16{}
		for _, p := range pkts {
			off, et := ipOffset(lt, p.Data)
			if off < 0 || (et != 0x0800 && et != 0x86dd) {
				continue
			}
			tl := &v4
			if et == 0x86dd {
				tl = &v6
			}
			var f fragInfo
			if !fragmentOf(lt, p.Data, &f) {
				tl.whole++
				continue
			}
			if f.first {
				tl.first++
				l4 := off + int(p.Data[off]&0xf)*4
				if f.key.v6 {
					l4 = off + 48
				}
				port := binary.BigEndian.Uint16(p.Data[l4+2:])
				firstPorts[f.key] = port
				if port == 6000 {
					tl.port6000++
				}
				continue
			}
			tl.later++
			if port, ok := firstPorts[f.key]; !ok || port != 5000 {
				tl.port6000++ // a later fragment without its first fragment of port 5000
			}
		}
		return v4, v6
	}
	for _, tc := range []struct {
		name   string
		iface  string
		follow bool
		v4, v6 tally
	}{
		{"lo, following", "lo", true, tally{first: perPort, later: 2 * perPort}, tally{first: perPort, later: 2 * perPort}},
		{"lo, as tcpdump", "lo", false, tally{first: perPort}, tally{}},
		{"any, following", "any", true, tally{first: perPort, later: 2 * perPort}, tally{first: perPort, later: 2 * perPort}},
		{"any, as tcpdump", "any", false, tally{first: perPort}, tally{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Interfaces: []string{tc.iface}, BufferKiB: 4096, Filter: bpfFilter("udp port 5000"), NoFollowFragments: !tc.follow}
			if tc.iface == "any" {
				cfg.Direction = DirectionIn
			}
			h := openIn(t, ns, cfg)
			send()
			pkts := drain(t, h)
			lt := h.LinkType(0)
			v4, v6 := count(pkts, lt)
			if v4 != tc.v4 || v6 != tc.v6 {
				t.Fatalf("IPv4 %+v, IPv6 %+v; want %+v, %+v", v4, v6, tc.v4, tc.v6)
			}
			st, _ := h.Stats()
			if tot := st.Total(); tc.follow && tot.UserFiltered == 0 {
				t.Fatalf("no fragment filtered in userland: %+v", tot)
			}
		})
	}
}

// TestParseFollowing: the reader's decisions on a ring block (synthetic
// TPACKET_V3 layout) whose kernel program let non-first fragments through:
// the later fragments of a datagram whose first fragment came through the
// filter are kept, another datagram's only if the filter matches them.
func TestParseFollowing(t *testing.T) {
	first := ether(0x0800, 0, ipv4Frag(1, 0x2000, 17, 64))
	later := ether(0x0800, 0, ipv4Frag(1, 0x2000|9, 17, 64))
	last := ether(0x0800, 0, ipv4Frag(1, 18, 17, 64))
	other := ether(0x0800, 0, ipv4Frag(2, 9, 17, 64))
	whole := ether(0x0800, 0, ipv4Frag(3, 0x4000, 17, 64))
	for _, tc := range []struct {
		name     string
		fragOK   bool // the filter in userland matches the fragment itself
		want     int
		filtered uint64
	}{
		{"filter rejects the fragments", false, 4, 1},
		{"filter matches the fragments", true, 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := synthBlock(4096, [][]byte{first, later, other, last, whole}, 0)
			h := &Handle{cfg: Config{Snaplen: DefaultSnaplen}}
			r := &ring{mem: mem, blockSize: 4096, blockNr: 1, linkType: pcapfile.LinkTypeEthernet, snaplen: DefaultSnaplen,
				follow: true, fragMatch: func([]byte, int, bool, uint16, uint8, int) bool { return tc.fragOK }}
			r.beginBlock()
			n := 0
			for r.remaining > 0 {
				var p pcapfile.Packet
				if h.parse(r, &p) {
					n++
				}
			}
			if n != tc.want || r.nFiltered != tc.filtered {
				t.Fatalf("kept %d, filtered %d; want %d, %d", n, r.nFiltered, tc.want, tc.filtered)
			}
		})
	}
}

// TestFollowFragmentsVLAN: fragments in 802.1Q-tagged frames (the kernel
// takes the tag into the packet's metadata before the socket filter runs;
// the capture writes it back into the frame): following keeps every frame
// the filter alone keeps, and adds the later fragments of the datagrams it
// selects, IPv6 ones too. A filter that tests the fragment fields itself
// decides every fragment on its own.
func TestFollowFragmentsVLAN(t *testing.T) {
	ns := newNetns(t)
	withPort := func(b []byte, port uint16) []byte {
		binary.BigEndian.PutUint16(b[22:], port)
		return b
	}
	raw := [][]byte{
		ipv4Frag(1, 0x2000, 17, 64), ipv4Frag(1, 0x2000|9, 17, 64), ipv4Frag(1, 18, 17, 64), // A: port 5000
		withPort(ipv4Frag(2, 0x2000, 17, 64), 6000), ipv4Frag(2, 0x2000|9, 17, 64), ipv4Frag(2, 18, 17, 64), // B: port 6000
		ipv6Frag(9, 0, true, nil, 64), ipv6Frag(9, 9, false, nil, 64), // C: port 5000
	}
	var frames [][]byte
	for _, tags := range []int{1, 0} {
		for _, r := range raw {
			et := uint16(0x0800)
			if r[0]>>4 == 6 {
				et = 0x86dd
			}
			f := ether(et, tags, r)
			copy(f[:6], []byte{0x02, 0, 0, 0, 0, 0xbb})
			frames = append(frames, f)
		}
	}
	capture := func(expr string, follow bool) map[string]bool {
		h := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 1024, Direction: DirectionIn, Filter: bpfFilter(expr), NoFollowFragments: !follow})
		inj := newInjector(t, ns, "va")
		for _, f := range frames {
			inj.send(t, f)
		}
		got := map[string]bool{}
		for _, p := range drain(t, h) {
			got[string(p.Data)] = true
		}
		h.Close()
		return got
	}
	for _, tc := range []struct {
		expr                string
		alone, withFollowed int // frames of the 16 sent
	}{
		{"udp port 5000", 2, 10},
		{"host 10.0.0.1 or ip6", 16, 16},
		{"udp", 16, 16},
		{"ip6", 4, 4},
		{"vlan and udp port 5000", 1, 5},
		{"udp and ip[6:2] & 0x1fff = 0", 4, 4},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			alone, followed := capture(tc.expr, false), capture(tc.expr, true)
			if len(alone) != tc.alone || len(followed) != tc.withFollowed {
				t.Fatalf("filter alone kept %d frames, following %d; want %d, %d", len(alone), len(followed), tc.alone, tc.withFollowed)
			}
			for f := range alone {
				if !followed[f] {
					t.Fatalf("following lost a frame the filter keeps: %x", f)
				}
			}
		})
	}
}

// BenchmarkParseBlockFollowing is BenchmarkParseBlock on 40 UDP frames
// that are not fragments, with fragment following off and on (a filter
// set): the per-packet cost of looking for a fragment, and no allocation.
func BenchmarkParseBlockFollowing(b *testing.B) {
	var frames [][]byte
	for range 40 {
		frames = append(frames, ether(0x0800, 0, ipv4Frag(1, 0x4000, 17, 18)))
	}
	mem := synthBlock(8192, frames, 0)
	for _, follow := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[follow], func(b *testing.B) {
			h := &Handle{cfg: Config{Snaplen: DefaultSnaplen}}
			r := &ring{mem: mem, blockSize: 8192, blockNr: 1, linkType: pcapfile.LinkTypeEthernet, snaplen: DefaultSnaplen}
			if follow {
				r.follow, r.fragMatch = true, func([]byte, int, bool, uint16, uint8, int) bool { return true }
			}
			b.ReportAllocs()
			for b.Loop() {
				r.block = 0
				r.beginBlock()
				var p pcapfile.Packet
				for r.remaining > 0 {
					h.parse(r, &p)
				}
			}
		})
	}
}
