//go:build linux

package capture

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Test network: a network namespace created by the test with a veth pair
// "va" <-> "vb" inside it. Nothing is sent outside the namespace; the
// namespace (and with it the veth pair) is deleted in t.Cleanup, also on
// failure. Names carry the PID and a counter so parallel runs do not collide.

var nsCounter atomic.Int32

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root (CAP_NET_ADMIN/CAP_NET_RAW) to create network namespaces and capture; CI runs as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: needs the ip command (Debian package iproute2)")
	}
}

func run(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// newNetns creates a namespace with lo up and a veth pair va/vb up, IPv6
// disabled so the kernel sends no router solicitations of its own.
func newNetns(t testing.TB) string {
	t.Helper()
	needRoot(t)
	name := fmt.Sprintf("smcdcap%d_%d", os.Getpid(), nsCounter.Add(1))
	_ = exec.Command("ip", "netns", "del", name).Run()
	run(t, "ip", "netns", "add", name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	_ = exec.Command("ip", "netns", "exec", name, "sysctl", "-qw",
		"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").Run()
	run(t, "ip", "-n", name, "link", "set", "lo", "up")
	run(t, "ip", "-n", name, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	run(t, "ip", "-n", name, "link", "set", "va", "up")
	run(t, "ip", "-n", name, "link", "set", "vb", "up")
	waitLinkUp(t, name, "va", "vb")
	return name
}

// waitLinkUp waits until the links report operstate UP: until linkwatch has
// run (up to a second on a busy machine) veth transmits into a noop qdisc
// that drops every frame.
func waitLinkUp(t testing.TB, ns string, links ...string) {
	t.Helper()
	for _, l := range links {
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, _ := exec.Command("ip", "-n", ns, "-o", "link", "show", l).Output()
			if strings.Contains(string(out), "state UP") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not come up: %s", l, out)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// inNetns runs fn on a dedicated OS thread that has joined namespace ns.
// The thread is never unlocked, so the runtime discards it afterwards.
func inNetns(t testing.TB, ns string, fn func()) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + ns)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		fn()
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatalf("in netns %s: %v", ns, err)
	}
}

// injector sends raw frames out of one interface with AF_PACKET.
type injector struct {
	fd      int
	ifindex int
}

func newInjector(t testing.TB, ns, ifname string) *injector {
	t.Helper()
	var inj *injector
	var ierr error
	inNetns(t, ns, func() {
		ifc, err := net.InterfaceByName(ifname)
		if err != nil {
			ierr = err
			return
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			ierr = err
			return
		}
		inj = &injector{fd: fd, ifindex: ifc.Index}
	})
	if ierr != nil {
		t.Fatal(ierr)
	}
	t.Cleanup(func() { unix.Close(inj.fd) })
	return inj
}

func (in *injector) send(t testing.TB, frame []byte) {
	t.Helper()
	sa := &unix.SockaddrLinklayer{Ifindex: in.ifindex, Halen: 6}
	copy(sa.Addr[:], frame[:6])
	for {
		err := unix.Sendto(in.fd, frame, 0, sa)
		if err == unix.ENOBUFS || err == unix.EAGAIN {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("sendto: %v", err)
		}
		return
	}
}

// testEtherType is the IEEE "local experimental" EtherType 1.
const testEtherType = 0x88B5

// testFrame builds a synthetic Ethernet frame of length n carrying seq.
func testFrame(n int, seq uint32) []byte {
	if n < 18 {
		n = 18
	}
	f := make([]byte, n)
	copy(f[0:6], []byte{0x02, 0, 0, 0, 0, 0xbb})
	copy(f[6:12], []byte{0x02, 0, 0, 0, 0, 0xaa})
	binary.BigEndian.PutUint16(f[12:], testEtherType)
	binary.BigEndian.PutUint32(f[14:], seq)
	for i := 18; i < n; i++ {
		f[i] = byte(i)
	}
	return f
}

// vlanFrame builds an 802.1Q-tagged frame (TPID 0x8100) of total length n.
func vlanFrame(n int, vid uint16, seq uint32) []byte {
	f := make([]byte, n)
	copy(f[0:6], []byte{0x02, 0, 0, 0, 0, 0xbb})
	copy(f[6:12], []byte{0x02, 0, 0, 0, 0, 0xaa})
	binary.BigEndian.PutUint16(f[12:], 0x8100)
	binary.BigEndian.PutUint16(f[14:], vid)
	binary.BigEndian.PutUint16(f[16:], testEtherType)
	binary.BigEndian.PutUint32(f[18:], seq)
	return f
}

// openIn opens a capture inside namespace ns.
func openIn(t testing.TB, ns string, cfg Config) *Handle {
	t.Helper()
	var h *Handle
	var err error
	inNetns(t, ns, func() { h, err = Open(cfg) })
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// drain stops h and returns copies of all remaining packets.
func drain(t testing.TB, h *Handle) []pcapfile.Packet {
	t.Helper()
	// Wait until the kernel has counted everything that is still in flight
	// (veth delivery runs in softirq, which a loaded machine may delay).
	last, stable := uint64(0), 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && stable < 5; {
		time.Sleep(20 * time.Millisecond)
		st, _ := h.Stats()
		if r := st.Total().Received; r == last && r > 0 {
			stable++
		} else {
			last, stable = r, 0
		}
	}
	h.Stop()
	var out []pcapfile.Packet
	for {
		p, err := h.Next()
		if err != nil {
			break
		}
		p.Data = append([]byte(nil), p.Data...)
		out = append(out, p)
	}
	return out
}
