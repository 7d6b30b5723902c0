//go:build linux

package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

func TestListInterfaces(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main([]string{"-D"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), ".any (Pseudo-device that captures on all interfaces) [Up, Running]\n") ||
		!strings.HasPrefix(out.String(), "1.") {
		t.Fatalf("-D output:\n%s", out.String())
	}
}

// ---- tests that run the built binary inside a test-owned network namespace

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func smcdumpBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "smcdump-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "smcdump")
		goTool := "go" // go test puts GOROOT/bin first in PATH
		cmd := exec.Command(goTool, "build", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var nsSeq atomic.Int32

func testNetns(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to create a network namespace and capture; CI runs as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: needs the ip command (Debian package iproute2)")
	}
	ns := fmt.Sprintf("smcdcli%d_%d", os.Getpid(), nsSeq.Add(1))
	sh := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	_ = exec.Command("ip", "netns", "del", ns).Run()
	sh("ip", "netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	_ = exec.Command("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").Run()
	sh("ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	sh("ip", "-n", ns, "link", "set", "va", "up")
	sh("ip", "-n", ns, "link", "set", "vb", "up")
	// Until linkwatch marks the veth pair up (up to a second on a busy
	// machine) frames go to a noop qdisc and are dropped.
	for _, l := range []string{"va", "vb"} {
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
	return ns
}

// inject sends n synthetic frames (EtherType 0x88B5, length size) out of va
// inside namespace ns, from a thread that joined the namespace.
func inject(t *testing.T, ns string, n, size int) {
	t.Helper()
	frame := make([]byte, size)
	copy(frame, []byte{2, 0, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0, 0xaa, 0x88, 0xb5})
	sendFrames(t, ns, n, frame, func(i int) {
		binary.BigEndian.PutUint32(frame[14:], uint32(i))
	})
}

// sendFrames sends frame n times out of va inside namespace ns, from a
// thread that joined the namespace, calling set(i) before the i-th send
// (it may rewrite frame). A full queue (ENOBUFS, EAGAIN) is waited out.
func sendFrames(t *testing.T, ns string, n int, frame []byte, set func(i int)) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread is discarded
		f, err := os.Open("/run/netns/" + ns)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		ifc, err := net.InterfaceByName("va")
		if err != nil {
			errc <- err
			return
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		sa := &unix.SockaddrLinklayer{Ifindex: ifc.Index, Halen: 6}
		for i := range n {
			set(i)
			for {
				err = unix.Sendto(fd, frame, 0, sa)
				if err != unix.ENOBUFS && err != unix.EAGAIN {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatalf("inject: %v", err)
	}
}

type running struct {
	cmd    *exec.Cmd
	stderr *lockedBuf
	done   chan error
}

// startLive starts `ip netns exec NS ARGS...` (smcdump's binary first) with
// standard output to out and waits up to 10 s for the "listening on"
// banner; the process is killed at cleanup.
func startLive(t *testing.T, ns string, out io.Writer, args ...string) (*exec.Cmd, *lockedBuf) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	se := &lockedBuf{}
	cmd.Stdout, cmd.Stderr = out, se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(se.String(), "listening on"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no banner: %s", se.String())
		}
	}
	return cmd, se
}

// waitLive waits up to 15 s for a capture started by startLive to stop by
// itself (why: the stop condition, e.g. "-c 5") and fails on a non-zero exit.
func waitLive(t *testing.T, cmd *exec.Cmd, se *lockedBuf, why string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, se.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("did not stop after %s", why)
	}
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startIn starts smcdump in namespace ns and waits for its "listening on"
// banner.
func startIn(t *testing.T, ns string, args ...string) *running {
	t.Helper()
	bin := smcdumpBinary(t)
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, bin}, args...)...)
	r := &running{cmd: cmd, stderr: &lockedBuf{}, done: make(chan error, 1)}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	go func() { r.done <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(r.stderr.String(), "listening on") {
		select {
		case err := <-r.done:
			t.Fatalf("smcdump exited early: %v\n%s", err, r.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner:\n%s", r.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.done:
		return err
	case <-time.After(15 * time.Second):
		t.Fatalf("smcdump did not exit:\n%s", r.stderr.String())
	}
	return nil
}

// TestSIGINTFinalisesFile: the binary writes a valid file when interrupted,
// prints tcpdump's summary and exits 0.
func TestSIGINTFinalisesFile(t *testing.T) {
	ns := testNetns(t)
	path := filepath.Join(t.TempDir(), "int.pcapng")
	r := startIn(t, ns, "-i", "vb", "-w", path)
	inject(t, ns, 100, 120)
	time.Sleep(200 * time.Millisecond)
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := r.wait(t); err != nil {
		t.Fatalf("exit: %v\n%s", err, r.stderr.String())
	}
	se := r.stderr.String()
	for _, want := range []string{"smcdump: listening on vb, link-type EN10MB (Ethernet), snapshot length 262144 bytes",
		"100 packets captured\n", "100 packets received by filter\n", "0 packets dropped by kernel\n"} {
		if !strings.Contains(se, want) {
			t.Fatalf("stderr lacks %q:\n%s", want, se)
		}
	}
	if n := tsharkPackets(t, path); n != 100 {
		t.Fatalf("tshark read %d packets, want 100", n)
	}
	checkWithReader(t, path, 100, true)
}

// checkWithReader reads the file with smcdump's own reader: the packet count
// matches, the ISB carries the counters and (pcapng) kernel-counter
// snapshots are stored as custom blocks (capture/PCAPNG.md).
func checkWithReader(t *testing.T, path string, want int, kstatBlocks bool) {
	t.Helper()
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	n := 0
	for {
		_, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n++
	}
	if n != want {
		t.Fatalf("smcdump's reader: %d packets, want %d", n, want)
	}
	if p := fr.Problems(); len(p) > 0 {
		t.Fatalf("reader problems: %v", p)
	}
	if !kstatBlocks {
		return
	}
	st := fr.Stats()
	if len(st) == 0 || st[len(st)-1].IfRecv == nil || *st[len(st)-1].IfRecv != uint64(want) ||
		st[len(st)-1].UsrDeliv == nil || *st[len(st)-1].UsrDeliv != uint64(want) {
		t.Fatalf("ISB: %+v", st)
	}
	snaps := 0
	for _, cb := range fr.CustomBlocks() {
		if cb.PEN != pcapfile.KstatPEN || !bytes.HasPrefix(cb.Data, []byte(pcapfile.KstatTag)) {
			continue
		}
		js := bytes.TrimRight(cb.Data[len(pcapfile.KstatTag):], "\x00")
		if !json.Valid(js) {
			t.Fatalf("kstat block is not JSON: %.200q", js)
		}
		snaps++
	}
	if snaps < 2 {
		t.Fatalf("%d kstat snapshots in the file, want at least 2 (start, end)", snaps)
	}
}

// TestCountAndRotation: -c stops after N packets; -C splits the capture into
// several files without losing or duplicating a packet.
func TestCountAndRotation(t *testing.T) {
	ns := testNetns(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "rot.pcapng")
	// Every file starts with a kstat snapshot (~20 KB); 40 KiB files hold
	// about a hundred of these packets each.
	r := startIn(t, ns, "-i", "vb", "-w", path, "-C", "40k", "-c", "300")
	inject(t, ns, 400, 200)
	if err := r.wait(t); err != nil {
		t.Fatalf("exit: %v\n%s", err, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "300 packets captured\n") {
		t.Fatalf("summary:\n%s", r.stderr.String())
	}
	files, _ := filepath.Glob(path + "*")
	if len(files) < 2 {
		t.Fatalf("expected rotation, got %v", files)
	}
	total := 0
	for _, f := range files {
		total += tsharkPackets(t, f)
	}
	if total != 300 {
		t.Fatalf("files hold %d packets, want 300", total)
	}
}

func TestLiveErrors(t *testing.T) {
	ns := testNetns(t)
	bin := smcdumpBinary(t)
	out, err := exec.Command("ip", "netns", "exec", ns, bin, "-i", "nosuch0").CombinedOutput()
	if err == nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), "nosuch0: no such device") {
		t.Fatalf("unknown interface: %v %q", err, out)
	}
	out, err = exec.Command("ip", "netns", "exec", ns, bin, "-i", "vb", "-w", "/nonexistent-dir/x.pcapng").CombinedOutput()
	if err == nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), "/nonexistent-dir/x.pcapng: no such file or directory") {
		t.Fatalf("unwritable path: %v %q", err, out)
	}
}

// TestDiskFull: when the disk fills up, smcdump says so in one line, exits
// non-zero and leaves a file that readers accept (whole blocks only).
func TestDiskFull(t *testing.T) {
	ns := testNetns(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot mount a small tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	path := filepath.Join(dir, "full.pcapng")
	r := startIn(t, ns, "-i", "vb", "-w", path, "-U")
	inject(t, ns, 3000, 200)
	err := r.wait(t)
	se := r.stderr.String()
	if err == nil || !strings.Contains(se, "full.pcapng: no space left on device") {
		t.Fatalf("exit %v, stderr:\n%s", err, se)
	}
	if n := tsharkPackets(t, path); n < 100 {
		t.Fatalf("partial file holds %d packets", n)
	}
}

// TestPrintLive: without -w, decoded lines go to stdout (one per packet) and
// -c stops after N packets.
func TestPrintLive(t *testing.T) {
	ns := testNetns(t)
	bin := smcdumpBinary(t)
	var stdout bytes.Buffer
	cmd, se := startLive(t, ns, &stdout, bin, "-i", "vb", "-c", "5", "-n")
	inject(t, ns, 20, 64)
	waitLive(t, cmd, se, "-c 5")
	// One line per packet; the payload of the unknown ethertype is dumped
	// under it (tab-indented), as tcpdump does.
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if !strings.HasPrefix(l, "\t") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), stdout.String())
	}
	if !strings.Contains(se.String(), "verbose output suppressed") || !strings.Contains(se.String(), "5 packets captured\n") {
		t.Fatalf("stderr:\n%s", se.String())
	}
}

// TestWriteStdoutPcapAndReread: -w - --format pcap writes legacy pcap to
// stdout; -r FILE EXPR -w OUT filters it again with the offline compiler.
func TestWriteStdoutPcapAndReread(t *testing.T) {
	ns := testNetns(t)
	bin := smcdumpBinary(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "out.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd, se := startLive(t, ns, f, bin, "-i", "vb", "-c", "30", "-w", "-", "--format", "pcap", "-U")
	inject(t, ns, 30, 80)
	waitLive(t, cmd, se, "-c 30")
	f.Close()
	data, _ := os.ReadFile(path)
	if len(data) < 4 || binary.LittleEndian.Uint32(data) != 0xa1b23c4d {
		t.Fatalf("not a nanosecond pcap: % x", data[:min(len(data), 8)])
	}
	if n := tsharkPackets(t, path); n != 30 {
		t.Fatalf("tshark: %d packets, want 30", n)
	}
	// Frames carry their sequence number at offset 14; keep the even ones.
	out := filepath.Join(dir, "even.pcapng")
	var stderr bytes.Buffer
	if code := Main([]string{"-r", path, "-w", out, "ether[17] & 1 = 0"}, nil, io.Discard, &stderr); code != 0 {
		t.Fatalf("-r -w exit %d: %s", code, stderr.String())
	}
	if n := tsharkPackets(t, out); n != 15 {
		t.Fatalf("filtered file: %d packets, want 15", n)
	}
	checkWithReader(t, out, 15, false)
}

// TestRelinquishPrivileges: -Z drops to another user after the socket and the
// first file are open; the capture still works and the file is complete.
func TestRelinquishPrivileges(t *testing.T) {
	ns := testNetns(t)
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("skipping: no user nobody")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "z.pcapng")
	r := startIn(t, ns, "-i", "vb", "-w", path, "-Z", "nobody")
	inject(t, ns, 10, 64)
	time.Sleep(200 * time.Millisecond)
	_ = r.cmd.Process.Signal(syscall.SIGINT)
	if err := r.wait(t); err != nil {
		t.Fatalf("exit: %v\n%s", err, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "10 packets captured") {
		t.Fatalf("stderr:\n%s", r.stderr.String())
	}
	if n := tsharkPackets(t, path); n != 10 {
		t.Fatalf("tshark: %d packets, want 10", n)
	}
}

// TestNoPermission: without CAP_NET_RAW, one line says what is missing and
// how to grant it.
func TestNoPermission(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to switch to an unprivileged user")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("skipping: needs setpriv (Debian package util-linux)")
	}
	bin := smcdumpBinary(t)
	_ = os.Chmod(filepath.Dir(bin), 0o755)
	out, err := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		bin, "-i", "lo", "-w", "/dev/null").CombinedOutput()
	if err == nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), "CAP_NET_RAW") ||
		!strings.Contains(string(out), "setcap cap_net_raw,cap_net_admin=eip") {
		t.Fatalf("exit %v, output %q", err, out)
	}
}
