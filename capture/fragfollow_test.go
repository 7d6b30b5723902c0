package capture

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Synthetic fragments (the real kernel's are in TestFollowFragments).

// ipv4Frag returns an IPv4 header + payload with the given fragment field
// (flags and offset in 8-byte units) and identification.
func ipv4Frag(id uint16, frag uint16, proto uint8, payload int) []byte {
	b := make([]byte, 20+payload)
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], frag)
	b[8], b[9] = 64, proto
	copy(b[12:], []byte{10, 0, 0, 1})
	copy(b[16:], []byte{10, 0, 0, 2})
	if frag&0x1fff == 0 && proto == 17 && payload >= 8 {
		binary.BigEndian.PutUint16(b[20:], 4000)
		binary.BigEndian.PutUint16(b[22:], 5000)
	}
	return b
}

// ipv6Frag returns an IPv6 header, the extension headers exts (each 8
// bytes, next header chained), a fragment header (offset in 8-byte units,
// more flag) unless off < 0, and payload bytes; a first fragment of UDP
// carries ports 4000 → 5000.
func ipv6Frag(id uint32, off int, more bool, exts []uint8, payload int) []byte {
	b := make([]byte, 40)
	b[0] = 0x60
	b[7] = 64
	b[8+15], b[24+15] = 1, 2
	nhPos := 6
	for _, e := range exts {
		b[nhPos] = e
		nhPos = len(b)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	if off >= 0 {
		b[nhPos] = 44
		nhPos = len(b)
		fo := uint16(off << 3)
		if more {
			fo |= 1
		}
		b = append(b, 0, 0, byte(fo>>8), byte(fo), byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
	}
	b[nhPos] = 17
	start := len(b)
	b = append(b, make([]byte, payload)...)
	if off <= 0 && payload >= 8 {
		binary.BigEndian.PutUint16(b[start:], 4000)
		binary.BigEndian.PutUint16(b[start+2:], 5000)
	}
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)-40))
	return b
}

func ether(et uint16, tags int, payload []byte) []byte {
	b := make([]byte, 12, 14+4*tags+len(payload))
	b[0], b[6] = 2, 2
	for range tags {
		b = append(b, 0x81, 0x00, 0, 100)
	}
	b = binary.BigEndian.AppendUint16(b, et)
	return append(b, payload...)
}

func sll2(et uint16, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(b, et)
	return append(b, payload...)
}

func TestFragmentPrefix(t *testing.T) {
	const snap, fallThrough = 1234, 7
	tests := []struct {
		name string
		lt   pcapfile.LinkType
		data []byte
		want int
	}{
		{"v4 middle fragment", pcapfile.LinkTypeEthernet, ether(0x0800, 0, ipv4Frag(1, 0x2000|185, 17, 100)), snap},
		{"v4 last fragment", pcapfile.LinkTypeEthernet, ether(0x0800, 0, ipv4Frag(1, 370, 17, 100)), snap},
		{"v4 first fragment: the filter decides", pcapfile.LinkTypeEthernet, ether(0x0800, 0, ipv4Frag(1, 0x2000, 17, 100)), fallThrough},
		{"v4 whole, DF", pcapfile.LinkTypeEthernet, ether(0x0800, 0, ipv4Frag(1, 0x4000, 17, 100)), fallThrough},
		{"v6 first fragment", pcapfile.LinkTypeEthernet, ether(0x86dd, 0, ipv6Frag(9, 0, true, nil, 100)), snap},
		{"v6 later fragment", pcapfile.LinkTypeEthernet, ether(0x86dd, 0, ipv6Frag(9, 100, false, nil, 100)), snap},
		{"v6 whole", pcapfile.LinkTypeEthernet, ether(0x86dd, 0, ipv6Frag(9, -1, false, nil, 100)), fallThrough},
		{"v6 fragment behind destination options: not seen", pcapfile.LinkTypeEthernet, ether(0x86dd, 0, ipv6Frag(9, 100, false, []uint8{60}, 100)), fallThrough},
		{"ARP", pcapfile.LinkTypeEthernet, ether(0x0806, 0, make([]byte, 28)), fallThrough},
		{"runt", pcapfile.LinkTypeEthernet, make([]byte, 10), fallThrough},
		{"v4 header cut", pcapfile.LinkTypeEthernet, ether(0x0800, 0, []byte{0x45, 0, 0, 20, 0, 1}), fallThrough},
		{"v6 header cut", pcapfile.LinkTypeEthernet, ether(0x86dd, 0, []byte{0x60, 0, 0, 0, 0, 0}), fallThrough},
		{"raw v4 middle fragment", pcapfile.LinkTypeRaw, ipv4Frag(1, 0x2000|185, 6, 100), snap},
		{"raw v4 first fragment", pcapfile.LinkTypeRaw, ipv4Frag(1, 0x2000, 6, 100), fallThrough},
		{"raw v6 fragment", pcapfile.LinkTypeRaw, ipv6Frag(9, 10, true, nil, 100), snap},
		{"raw v6 whole", pcapfile.LinkTypeRaw, ipv6Frag(9, -1, false, nil, 100), fallThrough},
		{"raw runt", pcapfile.LinkTypeRaw, []byte{0x45}, fallThrough},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pre := fragmentPrefix(tc.lt, snap)
			if pre == nil {
				t.Fatal("no prefix")
			}
			vm, err := bpf.NewVM(append(pre, bpf.RetConstant{Val: fallThrough}))
			if err != nil {
				t.Fatal(err)
			}
			got, err := vm.Run(tc.data)
			if err != nil || got != tc.want {
				t.Fatalf("program returned %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	if fragmentPrefix(pcapfile.LinkTypeLinuxSLL2, snap) != nil || fragmentPrefix(pcapfile.LinkTypeNull, snap) != nil {
		t.Fatal("prefix for a link type the kernel program cannot read")
	}
}

func TestFragmentOf(t *testing.T) {
	tests := []struct {
		name        string
		lt          pcapfile.LinkType
		data        []byte
		frag        bool
		first, last bool
		v6          bool
		viewable    bool
	}{
		{"v4 first", pcapfile.LinkTypeEthernet, ether(0x0800, 0, ipv4Frag(7, 0x2000, 17, 64)), true, true, false, false, false},
		{"v4 last behind two VLAN tags", pcapfile.LinkTypeEthernet, ether(0x0800, 2, ipv4Frag(7, 100, 17, 64)), true, false, true, false, false},
		{"v4 whole", pcapfile.LinkTypeEthernet, ether(0x0800, 0, ipv4Frag(7, 0x4000, 17, 64)), false, false, false, false, false},
		{"v4 in SLL2", pcapfile.LinkTypeLinuxSLL2, sll2(0x0800, ipv4Frag(7, 0x2000|5, 17, 64)), true, false, false, false, false},
		{"v4 raw", pcapfile.LinkTypeRaw, ipv4Frag(7, 5, 17, 64), true, false, true, false, false},
		{"v6 first", pcapfile.LinkTypeEthernet, ether(0x86dd, 0, ipv6Frag(8, 0, true, nil, 64)), true, true, false, true, true},
		{"v6 behind hop-by-hop and routing", pcapfile.LinkTypeEthernet, ether(0x86dd, 1, ipv6Frag(8, 3, false, []uint8{0, 43}, 64)), true, false, true, true, false},
		{"v6 whole", pcapfile.LinkTypeRaw, ipv6Frag(8, -1, false, nil, 64), false, false, false, false, false},
		{"v6 extension header cut", pcapfile.LinkTypeRaw, ipv6Frag(8, 0, true, []uint8{60}, 0)[:44], false, false, false, false, false},
		{"SLL2 runt", pcapfile.LinkTypeLinuxSLL2, make([]byte, 12), false, false, false, false, false},
		{"unknown link type", pcapfile.LinkTypeNull, ipv4Frag(7, 5, 17, 64), false, false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f fragInfo
			got := fragmentOf(tc.lt, tc.data, &f)
			if got != tc.frag {
				t.Fatalf("fragment %v, want %v", got, tc.frag)
			}
			if !got {
				return
			}
			if f.first != tc.first || f.last != tc.last || f.key.v6 != tc.v6 || (f.fragHdr != 0) != tc.viewable {
				t.Fatalf("got %+v", f)
			}
		})
	}
}

func TestFragFollower(t *testing.T) {
	var tab fragFollower
	var a, b, aLast fragInfo
	fragmentOf(pcapfile.LinkTypeRaw, ipv4Frag(1, 0x2000, 17, 64), &a)
	fragmentOf(pcapfile.LinkTypeRaw, ipv4Frag(2, 0x2000|9, 17, 64), &b)
	fragmentOf(pcapfile.LinkTypeRaw, ipv4Frag(1, 18, 17, 64), &aLast)
	if tab.follows(&aLast, 0) {
		t.Fatal("empty table follows a datagram")
	}
	tab.add(&a, 1e9)
	if !tab.follows(&aLast, 1e9+1) {
		t.Fatal("the datagram's last fragment is not followed")
	}
	if tab.follows(&b, 1e9+2) {
		t.Fatal("another datagram is followed")
	}
	// After the last fragment, only fragFollowTail more.
	if !tab.follows(&aLast, 1e9+fragFollowTail) || tab.follows(&aLast, 1e9+fragFollowTail+2) {
		t.Fatal("tail after the last fragment")
	}
	tab.add(&a, 2e9)
	if tab.follows(&aLast, 2e9+fragFollowFor+1) {
		t.Fatal("followed after fragFollowFor")
	}
	// IPv4 and IPv6 keys differ even with equal identification.
	var v6 fragInfo
	fragmentOf(pcapfile.LinkTypeRaw, ipv6Frag(1, 3, false, nil, 8), &v6)
	if v6.key == a.key {
		t.Fatal("v4 and v6 keys collide")
	}
	if len(tab.slots) != fragFollowSlots {
		t.Fatalf("table has %d slots", len(tab.slots))
	}
}

func TestUnfragmentedView(t *testing.T) {
	frame := ether(0x86dd, 1, ipv6Frag(5, 0, true, nil, 32))
	var f fragInfo
	if !fragmentOf(pcapfile.LinkTypeEthernet, frame, &f) {
		t.Fatal("not a fragment")
	}
	v := unfragmentedView(nil, frame, &f)
	if len(v) != len(frame)-8 {
		t.Fatalf("view is %d bytes, want %d", len(v), len(frame)-8)
	}
	ip := v[18:]
	if ip[6] != 17 || binary.BigEndian.Uint16(ip[4:]) != 32 || binary.BigEndian.Uint16(ip[42:]) != 5000 {
		t.Fatalf("view: next header %d, payload length %d, port %d", ip[6], binary.BigEndian.Uint16(ip[4:]), binary.BigEndian.Uint16(ip[42:]))
	}
	// Behind another extension header: no view.
	frame = ether(0x86dd, 0, ipv6Frag(5, 0, true, []uint8{60}, 32))
	fragmentOf(pcapfile.LinkTypeEthernet, frame, &f)
	if unfragmentedView(nil, frame, &f) != nil {
		t.Fatal("view of a fragment header behind destination options")
	}
}

// FuzzFragmentOf checks the userland fragment parser against the kernel
// program's prefix on the same frame: whatever the prefix accepts, the
// parser finds to be a fragment the reader must judge (an IPv4 one with a
// non-zero offset, an IPv6 one of any offset), and the IPv6 view without
// the fragment header is 8 bytes shorter. Neither may panic.
func FuzzFragmentOf(f *testing.F) {
	f.Add(uint8(0), ether(0x0800, 0, ipv4Frag(1, 0x2000|185, 17, 40)))
	f.Add(uint8(0), ether(0x0800, 0, ipv4Frag(1, 0x2000, 17, 40)))
	f.Add(uint8(0), ether(0x86dd, 0, ipv6Frag(9, 0, true, nil, 40)))
	f.Add(uint8(0), ether(0x86dd, 1, ipv6Frag(9, 10, false, []uint8{0, 60}, 40)))
	f.Add(uint8(1), ipv6Frag(9, 0, true, nil, 16))
	f.Add(uint8(1), ipv4Frag(3, 7, 6, 16))
	f.Add(uint8(2), sll2(0x86dd, ipv6Frag(9, 0, true, nil, 16)))
	lts := []pcapfile.LinkType{pcapfile.LinkTypeEthernet, pcapfile.LinkTypeRaw, pcapfile.LinkTypeLinuxSLL2}
	vms := map[pcapfile.LinkType]*bpf.VM{}
	for _, lt := range lts {
		if pre := fragmentPrefix(lt, 1000); pre != nil {
			vm, err := bpf.NewVM(append(pre, bpf.RetConstant{Val: 0}))
			if err != nil {
				f.Fatal(err)
			}
			vms[lt] = vm
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		lt := lts[int(which)%len(lts)]
		var fi fragInfo
		isFrag := fragmentOf(lt, data, &fi)
		if isFrag && fi.fragHdr != 0 {
			if v := unfragmentedView(nil, data, &fi); v == nil || len(v) != len(data)-8 {
				t.Fatalf("view of %d bytes from %d", len(v), len(data))
			}
		}
		if isFrag && fi.first && !fi.key.v6 && fi.key.vlan == 0 && !mayBeFragment(lt, data) && lt != pcapfile.LinkTypeLinuxSLL2 {
			if off, _ := ipOffset(lt, data); off == 14 || off == 0 {
				t.Fatalf("the reader's quick test passes over a first IPv4 fragment: %x", data)
			}
		}
		vm := vms[lt]
		if vm == nil {
			return
		}
		n, err := vm.Run(data)
		if err != nil || n == 0 {
			return
		}
		// Accepted by the prefix. The kernel strips the outer VLAN tag
		// before the program runs, so tagged Ethernet frames are read
		// at other offsets there; here the frame is read as is.
		if !isFrag {
			t.Fatalf("prefix accepts a frame the parser does not find a fragment: %x", data)
		}
		if !mayBeFragment(lt, data) {
			t.Fatalf("prefix accepts a frame the reader's quick test passes over: %x", data)
		}
		if !fi.key.v6 && fi.first {
			t.Fatalf("prefix accepts a first IPv4 fragment: %x", data)
		}
	})
}

func TestTestsFragmentFields(t *testing.T) {
	for expr, want := range map[string]bool{
		"udp and ip[6:2] & 0x1fff = 0": true,
		"ip[ 6 : 2 ] & 0x2000 != 0":    true,
		"ip[7] != 0":                   true,
		"ip[0x6:2] & 0x3fff = 0":       true,
		"ip6[6] != 44":                 true,
		"ip6[40] = 17":                 true,
		"udp port 5000":                false,
		"ip[8] < 5 and udp":            false,
		"ip[60:2] = 1":                 false,
		"ip6[4:2] > 100":               false,
		"tcp[6] = 1":                   false,
	} {
		if got := testsFragmentFields(expr); got != want {
			t.Errorf("%q: %v, want %v", expr, got, want)
		}
	}
}
