//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/collect"
	"golang.org/x/sys/unix"
)

func TestStatsReadSaved(t *testing.T) {
	out, errs, code := runMain(t, "stats", "-r", "../../testdata/kstat/tools/netstat-s.linux-6.18.real.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"read from netstat -s", "991 receive buffer errors", "SMC:\n    no SMC data"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runMain(t, "stats", "-r", "../../testdata/kstat/tools/smcr-stats-d.synthetic.txt")
	if code != 0 || !strings.Contains(out, "PEER_NO_SMC") || !strings.Contains(out, "  TCP fallback                         20 (client 15, server 5)\n") {
		t.Errorf("smcr stats -d:\n%s", out)
	}
	// Saved `smcr stats` is read as printed: 120 handled, 100 SMC, 20
	// fallbacks (not recomputed from the partial counters), time unknown.
	out, _, code = runMain(t, "stats", "-r", "../../testdata/kstat/tools/smcr-stats.synthetic.txt")
	for _, want := range []string{"(time unknown", "  Total connections handled           120\n", "  SMC connections                     100\n",
		"  TCP fallback                         20\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("smcr stats: output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "0001-01-01") {
		t.Errorf("saved text shown with a zero time:\n%s", out)
	}
}

func TestStatsReadSaveJSON(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.json")
	out, errs, code := runMain(t, "stats", "--json", "-o", file, "-r", "../../testdata/kstat/tools/nstat.linux-6.18.real.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"schema": "smcdump.kstat/v1"`) {
		t.Errorf("json output:\n%.300s", out)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := kstat.ReadSnapshot(f)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Flat()["snmp.Udp.RcvbufErrors"]; v != 991 {
		t.Errorf("saved RcvbufErrors = %d", v)
	}
}

func TestStatsBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("#kernel\nUdpInErrors 1 0.0\nUdpRcvbufErrors x 0.0\n"), 0o644)
	_, errs, code := runMain(t, "stats", "-r", bad)
	if code != 1 || !strings.Contains(errs, `nstat:3: "x" is not a number: "UdpRcvbufErrors x 0.0"`) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if _, _, code := runMain(t, "stats", "--count", "2"); code != 2 {
		t.Errorf("--count without --watch: exit %d", code)
	}
}

func TestStatsLiveModuleAbsent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("linux only")
	}
	out, errs, code := runMain(t, "stats")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat("/sys/module/smc"); err == nil {
		t.Skip("SMC module loaded here")
	}
	if !strings.Contains(out, "SMC:\n    SMC module not loaded") {
		t.Errorf("output:\n%s", out)
	}
}

// TestIntegrationStatsWatchNetNS runs `smcdump stats --watch` in-process in a
// network namespace the test creates and checks that the delta printed for
// the first interval is exactly the number of datagrams the receiver socket
// dropped.
func TestIntegrationStatsWatchNetNS(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on linux to create a network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2 (ip)")
	}
	ns := fmt.Sprintf("smcdump-stats-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("ip netns add: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	rx, tx, port := openUDPInNetNS(t, ns)
	defer unix.Close(rx)
	defer unix.Close(tx)

	const n = 150
	calls := 0
	orig := collectSnapshot
	defer func() { collectSnapshot = orig }()
	collectSnapshot = func(ctx context.Context, o collect.Options) (*kstat.Snapshot, error) {
		s, err := orig(ctx, o)
		calls++
		if calls == 1 && err == nil {
			// Between the first and the second snapshot: send n datagrams.
			buf := make([]byte, 100)
			for i := 0; i < n; i++ {
				if err := unix.Sendto(tx, buf, 0, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}); err != nil {
					t.Errorf("sendto: %v", err)
				}
			}
		}
		return s, err
	}
	out, errs, code := runMain(t, "stats", "--netns", ns, "--watch", "200ms", "--count", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	queued := 0
	buf := make([]byte, 2048)
	for {
		if _, _, err := unix.Recvfrom(rx, buf, unix.MSG_DONTWAIT); err != nil {
			break
		}
		queued++
	}
	dropped := n - queued
	if dropped <= 0 {
		t.Fatalf("nothing dropped (queued %d)", queued)
	}
	parts := strings.SplitN(out, "--- ", 3)
	if len(parts) != 3 {
		t.Fatalf("want 2 intervals:\n%s", out)
	}
	first := parts[1]
	for _, want := range []string{
		fmt.Sprintf("snmp.Udp.RcvbufErrors                    +%d\n", dropped),
		fmt.Sprintf("snmp.Udp.InErrors                        +%d\n", dropped),
		fmt.Sprintf("127.0.0.1:%d -> 0.0.0.0:0", port),
		fmt.Sprintf("drops +%d,", dropped),
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first interval lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(parts[2], "RcvbufErrors") {
		t.Errorf("second interval shows new drops:\n%s", parts[2])
	}
	if !strings.Contains(out, "in netns "+ns) {
		t.Errorf("header lacks netns:\n%s", out)
	}
}

// openUDPInNetNS opens a receiver (SO_RCVBUF 1024, bound to 127.0.0.1) and a
// sender socket inside network namespace ns.
func openUDPInNetNS(t *testing.T, ns string) (rx, tx, port int) {
	t.Helper()
	type res struct {
		rx, tx, port int
		err          error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread()
		r := res{rx: -1, tx: -1}
		defer func() { ch <- r }()
		target, err := os.Open("/run/netns/" + ns)
		if err != nil {
			r.err = err
			return
		}
		defer target.Close()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			r.err = err
			return
		}
		defer orig.Close()
		if r.err = unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); r.err != nil {
			return
		}
		defer func() {
			if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
				runtime.UnlockOSThread()
			}
		}()
		if r.rx, r.err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); r.err != nil {
			return
		}
		if r.err = unix.SetsockoptInt(r.rx, unix.SOL_SOCKET, unix.SO_RCVBUF, 1024); r.err != nil {
			return
		}
		if r.err = unix.Bind(r.rx, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); r.err != nil {
			return
		}
		sa, err := unix.Getsockname(r.rx)
		if err != nil {
			r.err = err
			return
		}
		r.port = sa.(*unix.SockaddrInet4).Port
		r.tx, r.err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	}()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.rx, r.tx, r.port
}
