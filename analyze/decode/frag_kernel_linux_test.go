//go:build linux

package decode

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestReassemblyMatchesKernel checks the reassembler's rules (frag.go)
// against a real Linux receiver: the fragment trains of
// synth.FragIDReuseTrain (an IP ID reused after a lost last fragment, at
// once and after ipfrag_max_dist fragments; out-of-order and duplicate
// fragments) plus overlapping and oversized trains are sent with a raw
// socket to a UDP socket inside a fresh network namespace (loopback only).
// The datagrams the kernel delivers to the socket, and its ReasmFails, must
// be what the analyzer delivers and counts as incomplete. The IP IDs
// cannot be made to repeat from the kernel's own UDP sender, hence the raw
// socket; the receiving side is the real kernel.
func TestReassemblyMatchesKernel(t *testing.T) {
	if os.Getenv("SMCDUMP_FRAG_HELPER") != "" {
		fragKernelHelper(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to create a network namespace; CI runs as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: needs the ip command (Debian package iproute2)")
	}
	ns := fmt.Sprintf("smcdfrag%d", os.Getpid())
	_ = exec.Command("ip", "netns", "del", ns).Run()
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up: %v\n%s", err, out)
	}
	for _, tr := range kernelTrains() {
		t.Run(tr.name, func(t *testing.T) {
			cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run", "^TestReassemblyMatchesKernel$", "-test.v")
			cmd.Env = append(os.Environ(), "SMCDUMP_FRAG_HELPER="+tr.name)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			var kernel string
			var fails int
			for _, l := range strings.Split(string(out), "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(l), "KERNEL "); ok {
					f := strings.Fields(v)
					kernel = f[0]
					fails, _ = strconv.Atoi(f[1])
				}
			}
			if kernel == "" {
				t.Fatalf("no result from the helper:\n%s", out)
			}
			got, incomplete := analyzerDelivers(tr.datagrams)
			if got != kernel || incomplete != fails {
				t.Errorf("kernel delivered %s with ReasmFails +%d; analyzer delivers %s with %d incomplete", kernel, fails, got, incomplete)
			}
		})
	}
}

type kernelTrain struct {
	name      string
	datagrams [][][]byte // per datagram, its IP packets in sending order
}

var (
	kernSrc = netip.MustParseAddrPort("127.0.0.1:40000")
	kernDst = netip.MustParseAddrPort("127.0.0.1:5000")
)

func kernelTrains() []kernelTrain {
	msg := func(seq, n int) []byte {
		b := make([]byte, n)
		copy(b, fmt.Sprintf("Message %x\x00", seq))
		return b
	}
	f := func(id uint16, seq, n int) [][]byte {
		return synth.IPv4Fragments(id, kernSrc, kernDst, msg(seq, n), 552)
	}
	setOff := func(p []byte, off int, mf bool) []byte {
		p = append([]byte(nil), p...)
		v := uint16(off / 8)
		if mf {
			v |= 0x2000
		}
		p[6], p[7] = byte(v>>8), byte(v)
		p[10], p[11] = 0, 0 // the raw socket fills in the header checksum
		return p
	}
	a := f(0x2001, 1, 1200)
	overlap := [][][]byte{{a[0], setOff(a[1], 256, true), a[2]}, f(0x2002, 2, 1200)}
	b := f(0x2003, 3, 1200)
	past := [][][]byte{{b[0], setOff(b[2], 65528, false)}, f(0x2004, 4, 1200)}
	c := f(0x2005, 5, 1200)
	dupInside := append([]byte(nil), c[1][:20+100]...)
	dupInside[2], dupInside[3] = 0, 120
	dupInside = setOff(dupInside, 552+8, true)
	dup := [][][]byte{{c[0], c[1], dupInside, c[2]}, f(0x2006, 6, 1200)}
	e := f(0x2007, 7, 1200)
	shortLast := append([]byte(nil), e[2][:20+40]...)
	shortLast[2], shortLast[3] = 0, 60
	shortLast[10], shortLast[11] = 0, 0
	twoEnds := [][][]byte{{e[0], e[2], shortLast, e[1]}, f(0x2008, 8, 1200)}
	g := f(0x2009, 9, 1200)
	beyond := [][][]byte{{g[2], setOff(g[1], 1104, true), g[0], g[1]}, f(0x200a, 10, 1200)}
	h := f(0x200b, 11, 1200)
	lostFirst := [][][]byte{h[1:], f(0x200c, 12, 1200)}
	return []kernelTrain{
		{"two-last-fragments", twoEnds},
		{"more-fragments-past-the-end", beyond},
		{"lost-first", lostFirst},
		{"id-reuse", synth.FragIDReuseTrain(kernSrc, kernDst)},
		{"overlap", overlap},
		{"past-64k", past},
		{"duplicate-inside", dup},
	}
}

// analyzerDelivers runs the datagrams through the reassembler and returns
// the delivered sequence numbers ("Message N") and the number of datagrams
// given up so far (the kernel counts the ones still waiting only when they
// time out, 30 s later).
func analyzerDelivers(dgs [][][]byte) (string, int) {
	r := NewReassembler()
	ts := time.Unix(1000, 0)
	var seqs []string
	for _, d := range dgs {
		for _, ip := range d {
			fr := append([]byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 8, 0}, ip...)
			var f Frame
			Decode(pcapfile.LinkTypeEthernet, fr, &f)
			ts = ts.Add(100 * time.Microsecond)
			if f.Status != StatusOK || !f.Fragment {
				continue
			}
			if b, total, _, ok := r.Add(&f, ts); ok {
				if _, _, p, _, ok := UDPFromReassembled(b, total); ok {
					seqs = append(seqs, messageSeq(p))
				}
			}
		}
	}
	return strings.Join(seqs, ","), r.incomplete
}

func messageSeq(p []byte) string {
	s, _, _ := bytes.Cut(p, []byte{0})
	return strings.TrimPrefix(string(s), "Message ")
}

// fragKernelHelper runs inside the namespace: it sends the train named by
// SMCDUMP_FRAG_HELPER with a raw socket, reads what the UDP socket
// receives, and prints "KERNEL <seqs> <ReasmFails delta>".
func fragKernelHelper(t *testing.T) {
	name := os.Getenv("SMCDUMP_FRAG_HELPER")
	i := slices.IndexFunc(kernelTrains(), func(k kernelTrain) bool { return k.name == name })
	if i < 0 {
		t.Fatalf("unknown train %q", name)
	}
	tr := kernelTrains()[i]
	us, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(us)
	if err := syscall.Bind(us, &syscall.SockaddrInet4{Port: int(kernDst.Port()), Addr: kernDst.Addr().As4()}); err != nil {
		t.Fatal(err)
	}
	_ = syscall.SetsockoptInt(us, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20)
	tv := syscall.NsecToTimeval(int64(300 * time.Millisecond))
	if err := syscall.SetsockoptTimeval(us, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	rs, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_RAW)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(rs)
	before := reasmFails(t)
	to := &syscall.SockaddrInet4{Addr: kernDst.Addr().As4()}
	for _, d := range tr.datagrams {
		for _, ip := range d {
			if err := syscall.Sendto(rs, ip, 0, to); err != nil {
				t.Fatalf("sendto: %v", err)
			}
		}
	}
	var seqs []string
	buf := make([]byte, 70000)
	for {
		n, _, err := syscall.Recvfrom(us, buf, 0)
		if err != nil {
			break
		}
		seqs = append(seqs, messageSeq(buf[:n]))
	}
	fmt.Printf("KERNEL %s %d\n", strings.Join(seqs, ","), reasmFails(t)-before)
}

func reasmFails(t *testing.T) int {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if strings.HasPrefix(lines[i], "Ip: ") && strings.HasPrefix(lines[i+1], "Ip: ") {
			names, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
			for j, n := range names {
				if n == "ReasmFails" && j < len(vals) {
					v, _ := strconv.Atoi(vals[j])
					return v
				}
			}
		}
	}
	t.Fatal("no Ip ReasmFails in /proc/net/snmp")
	return 0
}
