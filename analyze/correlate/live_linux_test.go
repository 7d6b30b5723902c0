//go:build linux

package correlate

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/kstat/collect"
	"golang.org/x/sys/unix"
)

// TestIntegrationUDPSocketOverflowVerdict makes RcvbufErrors rise for real in
// a network namespace the test creates (a receiver with a tiny SO_RCVBUF that
// does not read, exactly n datagrams over the namespace's loopback) and
// checks that the verdict is a socket buffer overflow with the exact numbers.
func TestIntegrationUDPSocketOverflowVerdict(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2 (ip)")
	}
	ns := fmt.Sprintf("smcdump-corr-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("ip netns add: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var rx, tx, port int
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		target, err := os.Open("/run/netns/" + ns)
		if err != nil {
			done <- err
			return
		}
		defer target.Close()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			done <- err
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		err = func() error {
			var err error
			if rx, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
				return err
			}
			if err = unix.SetsockoptInt(rx, unix.SOL_SOCKET, unix.SO_RCVBUF, 1024); err != nil {
				return err
			}
			if err = unix.Bind(rx, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				return err
			}
			sa, err := unix.Getsockname(rx)
			if err != nil {
				return err
			}
			port = sa.(*unix.SockaddrInet4).Port
			tx, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			return err
		}()
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	defer unix.Close(rx)
	defer unix.Close(tx)

	ctx := context.Background()
	before, err := collect.Collect(ctx, collect.Options{NetNS: ns})
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := unix.Sendto(tx, make([]byte, 100), 0, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now()
	after, err := collect.Collect(ctx, collect.Options{NetNS: ns})
	if err != nil {
		t.Fatal(err)
	}
	queued := 0
	for buf := make([]byte, 2048); ; queued++ {
		if _, _, err := unix.Recvfrom(rx, buf, unix.MSG_DONTWAIT); err != nil {
			break
		}
	}
	missing := uint64(n - queued) // what an application reading now would miss
	dst := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	vs := UDP(before, after, UDPObserved{
		Streams: []UDPStream{{Src: netip.MustParseAddrPort("127.0.0.1:1"), Dst: dst, AppMissing: &missing}},
		Window:  [2]time.Time{start, end},
	})
	if len(vs) != 1 {
		t.Fatalf("verdicts = %+v", vs)
	}
	v := vs[0]
	want := fmt.Sprintf("socket receive buffer overflow: %d datagrams dropped by the socket for %s, RcvbufErrors +%d, capture complete", missing, dst, missing)
	if v.Kind != KindSocketOverflow || v.Confidence != High || !strings.HasPrefix(v.Text, want) {
		t.Errorf("verdict %s/%s %q\nwant prefix %q", v.Kind, v.Confidence, v.Text, want)
	}
}
