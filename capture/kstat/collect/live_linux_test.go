//go:build linux

package collect

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/smcdump/smcdump/capture/kstat"
	"time"

	"golang.org/x/sys/unix"
)

// udpDropLab is a network namespace created by the test with a UDP receiver
// that has a tiny SO_RCVBUF and never reads, and a sender; both sockets live
// inside the namespace and traffic goes over its loopback only.
type udpDropLab struct {
	ns     string
	rx, tx int
	port   int
}

func newUDPDropLab(t *testing.T) *udpDropLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2 (ip) to create a network namespace")
	}
	l := &udpDropLab{ns: fmt.Sprintf("smcdump-kstat-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6), rx: -1, tx: -1}
	if out, err := exec.Command("ip", "netns", "add", l.ns).CombinedOutput(); err != nil {
		t.Skipf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if l.rx >= 0 {
			unix.Close(l.rx)
		}
		if l.tx >= 0 {
			unix.Close(l.tx)
		}
		exec.Command("ip", "netns", "del", l.ns).Run()
	})
	if out, err := exec.Command("ip", "-n", l.ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v: %s", err, out)
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		restore, err := enterNetNS(l.ns)
		if err != nil {
			errc <- err
			return
		}
		err = l.openSockets()
		if restore() == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *udpDropLab) openSockets() error {
	var err error
	if l.rx, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
		return err
	}
	if err := unix.SetsockoptInt(l.rx, unix.SOL_SOCKET, unix.SO_RCVBUF, 1024); err != nil {
		return err
	}
	if err := unix.Bind(l.rx, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return err
	}
	sa, err := unix.Getsockname(l.rx)
	if err != nil {
		return err
	}
	l.port = sa.(*unix.SockaddrInet4).Port
	l.tx, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	return err
}

// send sends exactly n datagrams of 100 bytes to the receiver.
func (l *udpDropLab) send(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 100)
	to := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: l.port}
	for i := 0; i < n; i++ {
		if err := unix.Sendto(l.tx, buf, 0, to); err != nil {
			t.Fatalf("sendto %d: %v", i, err)
		}
	}
}

// drain reads what the receiver still has queued and returns the count.
func (l *udpDropLab) drain() int {
	buf := make([]byte, 2048)
	n := 0
	for {
		if _, _, err := unix.Recvfrom(l.rx, buf, unix.MSG_DONTWAIT); err != nil {
			return n
		}
		n++
	}
}

func TestIntegrationCollectNetNSRcvbufErrors(t *testing.T) {
	l := newUDPDropLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	before, err := Collect(ctx, Options{NetNS: l.ns})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	l.send(t, n)
	after, err := Collect(ctx, Options{NetNS: l.ns})
	if err != nil {
		t.Fatal(err)
	}
	// Kept to one socket per table, the snapshot keeps the receiver (data
	// queued, drops) and counts the sender's socket as left out.
	bounded, err := Collect(ctx, Options{NetNS: l.ns, MaxSockets: 1})
	if err != nil {
		t.Fatal(err)
	}
	if socks := bounded.Proc.Sockets; len(socks) != 1 || int(socks[0].Local.Port()) != l.port || bounded.Proc.Omitted["udp"] < 1 {
		t.Errorf("bounded to one socket per table: sockets %+v, omitted %v; want the receiver on port %d and the sender left out", socks, bounded.Proc.Omitted, l.port)
	}
	queued := l.drain()
	dropped := uint64(n - queued)
	if dropped == 0 {
		t.Fatalf("no datagram was dropped (queued %d of %d): SO_RCVBUF not small enough", queued, n)
	}
	d := kstat.Diff(before, after)
	for _, name := range []string{"snmp.Udp.RcvbufErrors", "snmp.Udp.InErrors"} {
		if got, _ := d.Get(name); got != dropped {
			t.Errorf("%s delta = %d, want %d (sent %d, still queued %d)", name, got, dropped, n, queued)
		}
	}
	if got, _ := d.Get("snmp.Udp.OutDatagrams"); got != n {
		t.Errorf("OutDatagrams delta = %d, want %d", got, n)
	}
	found := false
	for _, s := range d.Sockets {
		if s.Socket.Proto == "udp" && int(s.Socket.Local.Port()) == l.port {
			found = true
			if s.DropsDelta == nil || *s.DropsDelta != dropped {
				t.Errorf("socket drops delta = %v, want %d", s.DropsDelta, dropped)
			}
			if s.Socket.RxQueue == 0 {
				t.Error("rx_queue is 0 although datagrams were queued")
			}
		}
	}
	if !found {
		t.Errorf("receiver socket on port %d not in the after snapshot", l.port)
	}
	if after.NetNS != l.ns || after.SMC.Available && after.SMC.Info == nil {
		t.Errorf("snapshot meta: netns %q smc %+v", after.NetNS, after.SMC)
	}
	if !after.SMC.Available && after.SMC.Note == "" {
		t.Error("SMC unavailable without a note")
	}
}

func TestIntegrationCollectBadNetNS(t *testing.T) {
	if _, err := Collect(context.Background(), Options{NetNS: "smcdump-no-such-netns"}); err == nil {
		t.Error("no error for a missing netns")
	}
}
