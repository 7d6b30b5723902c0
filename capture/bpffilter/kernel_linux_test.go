//go:build linux

package bpffilter

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// TestKernelSmoke attaches Live-mode programs to an AF_PACKET socket on one
// end of a veth pair inside a network namespace the test creates, sends
// frames from the other end, and checks that exactly the matching frames
// arrive. The kernel strips the 802.1Q tag before packet sockets see the
// frame (docs/capture.md §1.6 row 4), so the vlan case exercises the
// SKF_AD_VLAN_TAG ancillary loads. Needs root and iproute2.
func TestKernelSmoke(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("kernel smoke test needs root (network namespace, AF_PACKET)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2 (ip) not installed")
	}
	pid := os.Getpid()
	ns := fmt.Sprintf("bpff%d", pid)
	va, vb := fmt.Sprintf("bfa%d", pid), fmt.Sprintf("bfb%d", pid)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	run("netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	run("-n", ns, "link", "add", va, "type", "veth", "peer", "name", vb)
	for _, dev := range []string{va, vb} {
		// No IPv6 so the kernel sends no ND/MLD chatter (frames are
		// also told apart by a marker MAC below).
		_ = exec.Command("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+dev+".disable_ipv6=1").Run()
		run("-n", ns, "link", "set", dev, "up")
	}
	// A veth pair passes frames only once both ends are operationally up
	// (carrier on, qdisc attached), which a loaded machine can delay past
	// the first case's frames: wait for it (bounded).
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, _ := exec.Command("ip", "-n", ns, "-o", "link", "show", "up").CombinedOutput()
		if strings.Count(string(out), "LOWER_UP") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("veth pair in %s not up after 10 s: %s", ns, out)
		}
		time.Sleep(20 * time.Millisecond)
	}

	cases := []struct {
		expr   string
		frames [][]byte
		want   []bool
	}{
		// The kernel strips the tag, so a filter without "vlan" matches
		// tagged frames too (as with tcpdump on a live interface).
		{"udp port 4791", [][]byte{
			smokeFrame(0, 17, 4791, 0), smokeFrame(0, 17, 53, 0),
			smokeFrame(0, 6, 4791, 0x02), smokeFrame(100, 17, 4791, 0),
		}, []bool{true, false, false, true}},
		{"vlan 100 and udp", [][]byte{
			smokeFrame(100, 17, 1000, 0), smokeFrame(200, 17, 1000, 0),
			smokeFrame(0, 17, 1000, 0), smokeFrame(100, 6, 1000, 0x10),
		}, []bool{true, false, false, false}},
		{"vlan and tcp[tcpflags] & tcp-syn != 0", [][]byte{
			smokeFrame(7, 6, 80, 0x02), smokeFrame(7, 6, 80, 0x10),
			smokeFrame(0, 6, 80, 0x02),
		}, []bool{true, false, false}},
		{"ip and not vlan", [][]byte{
			smokeFrame(0, 17, 1, 0), smokeFrame(5, 17, 1, 0),
		}, []bool{true, false}},
		// libpcap semantics: "vlan" moves later offsets by 4 even under
		// "not", so "ip" is then looked for 4 bytes further on and an
		// untagged IPv4 frame does not match (pcap-filter(7)).
		{"not vlan and ip", [][]byte{
			smokeFrame(0, 17, 1, 0), smokeFrame(5, 17, 1, 0),
		}, []bool{false, false}},
		{"outbound and udp", [][]byte{
			smokeFrame(0, 17, 1, 0), smokeFrame(9, 17, 1, 0),
		}, []bool{false, false}},
		{"tcp[tcpflags] & tcp-syn != 0 and dst port 80", [][]byte{
			smokeFrame(0, 6, 80, 0x02), smokeFrame(0, 6, 80, 0x12),
			smokeFrame(0, 6, 81, 0x02), smokeFrame(0, 6, 80, 0x10),
		}, []bool{true, true, false, false}},
	}
	for ci, c := range cases {
		prog, err := Compile(c.expr, Options{LinkType: Ethernet, Mode: Live})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := bpf.Assemble(prog)
		if err != nil {
			t.Fatal(err)
		}
		rxB, rxA, tx, vaIdx := smokeSockets(t, ns, va, vb, prog)
		for i, f := range c.frames {
			f[11] = byte(ci<<4 | i) // marker in the source MAC
			if err := unix.Sendto(tx, f, 0, &unix.SockaddrLinklayer{Ifindex: vaIdx, Halen: 6}); err != nil {
				t.Fatalf("send: %v", err)
			}
		}
		gotB := smokeCollect(rxB, ci, len(c.frames))
		gotA := smokeCollect(rxA, ci, len(c.frames))
		unix.Close(rxB)
		unix.Close(rxA)
		unix.Close(tx)
		for i, f := range c.frames {
			// Receiving side: the tag is in metadata, the frame is for
			// another host (PACKET_OTHERHOST).
			view, md := kernelView(f)
			md.pktType = 3
			vmB := runVM(raw, view, len(view), md) > 0
			if gotB[i] != c.want[i] || vmB != c.want[i] {
				t.Errorf("%q: frame %d (%x) on the receiving veth: kernel %v, our VM %v, want %v", c.expr, i, f, gotB[i], vmB, c.want[i])
			}
			// Sending side: the outgoing copy still carries the tag in
			// the packet (the in-band fallback), PACKET_OUTGOING.
			vmA := runVM(raw, f, len(f), &meta{pktType: 4}) > 0
			if gotA[i] != vmA {
				t.Errorf("%q: frame %d (%x) on the sending veth: kernel %v, our VM %v", c.expr, i, f, gotA[i], vmA)
			}
		}
	}
}

// smokeCollect reads marked frames of case ci until the socket times out.
func smokeCollect(fd, ci, n int) []bool {
	got := make([]bool, n)
	buf := make([]byte, 2048)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		m, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			break // SO_RCVTIMEO: nothing more arrived
		}
		if m >= 12 && buf[6] == 0x02 && buf[7] == 0xbf && buf[11]>>4 == byte(ci) {
			if i := int(buf[11] & 0xf); i < n {
				got[i] = true
			}
		}
	}
	return got
}

// smokeSockets opens, inside netns ns, AF_PACKET sockets on vb and va with
// prog attached before bind (docs/capture.md §1.3), and a sending socket.
func smokeSockets(t *testing.T, ns, va, vb string, prog []bpf.Instruction) (rxB, rxA, tx, vaIdx int) {
	t.Helper()
	raw, err := bpf.Assemble(prog)
	if err != nil {
		t.Fatal(err)
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer unix.Close(orig)
	target, err := unix.Open("/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	var setupErr error
	func() {
		ifa, err := net.InterfaceByName(va)
		if err != nil {
			setupErr = err
			return
		}
		ifb, err := net.InterfaceByName(vb)
		if err != nil {
			setupErr = err
			return
		}
		vaIdx = ifa.Index
		vbIdx := ifb.Index
		// Protocol 0: nothing is queued until bind, after the filter.
		open := func(ifindex int) (int, error) {
			fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return -1, err
			}
			fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
			if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
				unix.Close(fd)
				return -1, fmt.Errorf("SO_ATTACH_FILTER: %w", err)
			}
			tv := unix.Timeval{Usec: 300000}
			if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
				unix.Close(fd)
				return -1, err
			}
			if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifindex}); err != nil {
				unix.Close(fd)
				return -1, err
			}
			return fd, nil
		}
		if rxB, err = open(vbIdx); err != nil {
			setupErr = err
			return
		}
		if rxA, err = open(vaIdx); err != nil {
			setupErr = err
			return
		}
		tx, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			setupErr = err
		}
	}()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// Leave the thread locked: it dies with the goroutine.
		t.Fatalf("restore netns: %v", err)
	}
	runtime.UnlockOSThread()
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return rxB, rxA, tx, vaIdx
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// smokeFrame builds an Ethernet frame (optionally 802.1Q-tagged) carrying
// IPv4 with a TCP or UDP header (synthetic).
func smokeFrame(vid uint16, proto byte, dport uint16, flags byte) []byte {
	f := []byte{0x02, 0xbf, 0, 0, 0, 0xee, 0x02, 0xbf, 0, 0, 0, 0}
	if vid != 0 {
		f = binary.BigEndian.AppendUint16(f, 0x8100)
		f = binary.BigEndian.AppendUint16(f, vid)
	}
	f = binary.BigEndian.AppendUint16(f, 0x0800)
	l4len := 8
	if proto == 6 {
		l4len = 20
	}
	ip := make([]byte, 20+l4len+8)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	ip[8], ip[9] = 64, proto
	copy(ip[12:], []byte{10, 9, 0, 1, 10, 9, 0, 2})
	binary.BigEndian.PutUint16(ip[20:], 40000)
	binary.BigEndian.PutUint16(ip[22:], dport)
	if proto == 6 {
		ip[32] = 5 << 4
		ip[33] = flags
	} else {
		binary.BigEndian.PutUint16(ip[24:], uint16(l4len+8))
	}
	return append(f, ip...)
}

// TestKernelAcceptsPrograms attaches every program of the differential
// corpus, offline and live, to a UDP socket: the kernel's classic-BPF
// checker (jump ranges, scratch memory written before read, shift counts,
// constant division) must accept them all. No root needed.
func TestKernelAcceptsPrograms(t *testing.T) {
	n := 0
	for _, mode := range []Mode{Offline, Live} {
		for _, expr := range append(append(append([]string{}, diffExprs...), liveExprs...), protochainExprs...) {
			prog, err := Compile(expr, Options{LinkType: Ethernet, Mode: mode})
			if err != nil {
				continue // covered by TestJumpsInRange
			}
			raw, err := bpf.Assemble(prog)
			if err != nil {
				t.Fatal(err)
			}
			filter := make([]unix.SockFilter, len(raw))
			for i, r := range raw {
				filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
			}
			// A fresh socket each time: replacing a filter charges the
			// new one against optmem_max before the old one is freed.
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Skipf("socket: %v", err)
			}
			fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
			err = unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog)
			unix.Close(fd)
			if err != nil {
				t.Errorf("%q (mode %d, %d instructions): kernel rejected program: %v", expr, mode, len(raw), err)
			}
			n++
		}
	}
	t.Logf("kernel accepted %d programs", n)
}
