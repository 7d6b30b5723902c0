package mcast

// Loss lab on the real kernel (issue #5 item 5; docs/multicast-udp.md
// sections 0 and 5, docs/capture.md section 7.2): two network namespaces
// joined by a veth pair that the test creates (unique names, deleted on
// exit), msend-compatible traffic only inside them, a capture with tcpdump
// on the receiver's veth, and smcdump's Tracker on the capture.
//
//   a. tiny SO_RCVBUF + slow reader: the capture is complete, the receiver
//      misses messages, and Udp RcvbufErrors rises by exactly the number of
//      datagrams the receiver did not read;
//   b. nftables netdev egress rule on the sender's veth dropping every 100th
//      data datagram: the capture shows exactly those gaps.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	labGroup = "239.77.1.1"
	labPort  = "14400"
	labCount = 5000
)

type lab struct {
	t        *testing.T
	dir      string
	msend    string
	mrecv    string
	nsS, nsR string
	vS, vR   string
}

func labSkip(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("loss lab skipped in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("loss lab needs root (network namespaces, nftables, tcpdump); CI runs as root")
	}
	for _, tool := range []string{"ip", "nft", "tcpdump"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("loss lab needs %s (Debian packages iproute2, nftables, tcpdump): %v", tool, err)
		}
	}
}

func labBuild(t *testing.T) (msend, mrecv string) {
	t.Helper()
	dir := t.TempDir()
	goBin := "go" // go test puts GOROOT/bin first in PATH
	for _, p := range []string{"msend", "mrecv"} {
		cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, p), "./testdata/mcastlab/"+p)
		cmd.Dir = filepath.Join("..", "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", p, err, out)
		}
	}
	return filepath.Join(dir, "msend"), filepath.Join(dir, "mrecv")
}

func (l *lab) sh(args ...string) string {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func newLab(t *testing.T, tag, msend, mrecv string) *lab {
	id := fmt.Sprintf("%d%s", os.Getpid()%100000, tag)
	l := &lab{t: t, dir: t.TempDir(), msend: msend, mrecv: mrecv,
		nsS: "smcdlab-s" + id, nsR: "smcdlab-r" + id, vS: "mls" + id, vR: "mlr" + id}
	t.Cleanup(func() {
		// deleting a namespace deletes its end of the veth pair and the peer
		exec.Command("ip", "netns", "del", l.nsS).Run()
		exec.Command("ip", "netns", "del", l.nsR).Run()
	})
	l.sh("ip", "netns", "add", l.nsS)
	l.sh("ip", "netns", "add", l.nsR)
	l.sh("ip", "link", "add", l.vS, "netns", l.nsS, "type", "veth", "peer", "name", l.vR, "netns", l.nsR)
	for _, c := range [][]string{
		{"-n", l.nsS, "addr", "add", "10.77.0.1/24", "dev", l.vS},
		{"-n", l.nsR, "addr", "add", "10.77.0.2/24", "dev", l.vR},
		{"-n", l.nsS, "link", "set", "lo", "up"},
		{"-n", l.nsR, "link", "set", "lo", "up"},
		{"-n", l.nsS, "link", "set", l.vS, "up"},
		{"-n", l.nsR, "link", "set", l.vR, "up"},
		{"-n", l.nsS, "route", "add", "224.0.0.0/4", "dev", l.vS},
	} {
		l.sh(append([]string{"ip"}, c...)...)
	}
	return l
}

// udpCounter reads one Udp counter of the receiver's namespace by name
// (docs/multicast-udp.md section 4.1: zip header and value lines).
func (l *lab) udpCounter(name string) uint64 {
	out := l.sh("ip", "netns", "exec", l.nsR, "cat", "/proc/net/snmp")
	var hdr []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if hdr == nil {
			hdr = f
			continue
		}
		for i := range min(len(f), len(hdr)) {
			if hdr[i] == name {
				v, _ := strconv.ParseUint(f[i], 10, 64)
				return v
			}
		}
	}
	l.t.Fatalf("no Udp %s in /proc/net/snmp of %s", name, l.nsR)
	return 0
}

type bg struct {
	cmd   *exec.Cmd
	lines chan string
	all   []string
	done  chan error
}

// start runs a command in a namespace and streams its output lines.
func (l *lab) start(ns string, stderr bool, args ...string) *bg {
	l.t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	var r io.ReadCloser
	var err error
	if stderr {
		r, err = cmd.StderrPipe()
	} else {
		r, err = cmd.StdoutPipe()
	}
	if err != nil {
		l.t.Fatal(err)
	}
	b := &bg{cmd: cmd, lines: make(chan string, 1024), done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	l.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			b.lines <- sc.Text()
		}
		close(b.lines)
		b.done <- cmd.Wait()
	}()
	return b
}

// waitFor reads lines until one contains s.
func (b *bg) waitFor(t *testing.T, s string, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-b.lines:
			if !ok {
				t.Fatalf("%v exited before printing %q: %s", b.cmd.Args, s, strings.Join(b.all, "\n"))
			}
			b.all = append(b.all, line)
			if strings.Contains(line, s) {
				return
			}
		case <-timer.C:
			t.Fatalf("%v: no %q within %v: %s", b.cmd.Args, s, d, strings.Join(b.all, "\n"))
		}
	}
}

// wait collects the remaining lines and waits for the exit.
func (b *bg) wait(t *testing.T, d time.Duration) []string {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-b.lines:
			if !ok {
				if err := <-b.done; err != nil {
					t.Fatalf("%v: %v: %s", b.cmd.Args, err, strings.Join(b.all, "\n"))
				}
				return b.all
			}
			b.all = append(b.all, line)
		case <-timer.C:
			b.cmd.Process.Kill()
			t.Fatalf("%v did not finish within %v: %s", b.cmd.Args, d, strings.Join(b.all, "\n"))
		}
	}
}

type recvSummary struct {
	datagrams, data, distinct, stat, rcvbuf int
	seqs                                    []uint64
}

var jsonInt = regexp.MustCompile(`"(\w+)":(-?\d+)`)

func parseRecv(t *testing.T, lines []string, logPath string) recvSummary {
	t.Helper()
	var s recvSummary
	last := lines[len(lines)-1]
	for _, m := range jsonInt.FindAllStringSubmatch(last, -1) {
		v, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "datagrams":
			s.datagrams = v
		case "data":
			s.data = v
		case "distinct":
			s.distinct = v
		case "stat":
			s.stat = v
		case "rcvbuf":
			s.rcvbuf = v
		}
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(b)) {
		v, _ := strconv.ParseUint(f, 10, 64)
		s.seqs = append(s.seqs, v)
	}
	return s
}

var tcpdumpDrops = regexp.MustCompile(`(\d+) packets dropped by kernel`)

// runLab captures one msend run on the receiver's veth and returns the
// receiver's summary, the RcvbufErrors delta and smcdump's report.
type labRun struct {
	recv    []string // extra mrecv flags
	send    []string // msend rate/size flags
	tcpdump []string // extra tcpdump flags
	count   int
}

func (l *lab) run(o labRun) (recvSummary, uint64, uint64, *Report) {
	t := l.t
	if o.count == 0 {
		o.count = labCount
	}
	if o.send == nil {
		o.send = []string{"-r", "5000", "-m", "20"}
	}
	pcap := filepath.Join(l.dir, "rx.pcap")
	seqLog := filepath.Join(l.dir, "seq.log")
	td := l.start(l.nsR, true, append(append([]string{"tcpdump", "-i", l.vR, "-n", "-U", "-Z", "root", "-w", pcap}, o.tcpdump...), "udp", "port", labPort)...)
	td.waitFor(t, "listening on", 15*time.Second)
	args := append([]string{l.mrecv, "-o", seqLog, "-idle", "1500ms", "-timeout", "25s"}, o.recv...)
	args = append(args, labGroup, labPort, "10.77.0.2")
	rx := l.start(l.nsR, false, args...)
	rx.waitFor(t, "ready", 10*time.Second)
	before := l.udpCounter("RcvbufErrors")
	sargs := append([]string{"ip", "netns", "exec", l.nsS, l.msend, "-c", strconv.Itoa(o.count)}, o.send...)
	out := l.sh(append(sargs, "-s", "300", "-E", "300", "-q", labGroup, labPort, "1", "10.77.0.1")...)
	if !strings.Contains(out, fmt.Sprintf(`"sent":%d,"errors":0`, o.count)) {
		t.Fatalf("sender: %s", out)
	}
	rlines := rx.wait(t, 30*time.Second)
	after := l.udpCounter("RcvbufErrors")
	time.Sleep(200 * time.Millisecond)
	td.cmd.Process.Signal(syscall.SIGINT)
	tlines := td.wait(t, 10*time.Second)
	var kdrops uint64
	for _, line := range tlines {
		if m := tcpdumpDrops.FindStringSubmatch(line); m != nil {
			kdrops, _ = strconv.ParseUint(m[1], 10, 64)
		}
	}
	recv := parseRecv(t, rlines, seqLog)
	ds, _ := readCapture(t, pcap)
	tr := NewTracker(Config{})
	for i := range ds {
		tr.Add(&ds[i])
	}
	// tcpdump's end-of-capture "dropped by kernel" (docs section 3.3)
	tr.AddCaptureDrop(CaptureDrop{Time: time.Now().UTC(), IfDrop: kdrops, Cumulative: true})
	r := tr.Report()
	var txt strings.Builder
	r.WriteText(&txt)
	t.Logf("tcpdump: %s\nreceiver: %s\nsmcdump report:\n%s", strings.Join(tlines, "; "), rlines[len(rlines)-1], txt.String())
	return recv, after - before, kdrops, r
}

func labStream(t *testing.T, r *Report) (Stream, Sequence) {
	t.Helper()
	if len(r.Streams) != 1 || len(r.Streams[0].Sequences) != 1 || r.Streams[0].Format != "mtools" {
		t.Fatalf("want one mtools stream, got %+v", r.Streams)
	}
	return r.Streams[0], r.Streams[0].Sequences[0]
}

func TestLab(t *testing.T) {
	labSkip(t)
	msend, mrecv := labBuild(t)

	t.Run("a-socket-buffer-overflow", func(t *testing.T) {
		l := newLab(t, "a", msend, mrecv)
		recv, rcvbufErrs, _, r := l.run(labRun{recv: []string{"-r", "2048", "-delay", "1ms"}})
		s, q := labStream(t, r)
		// the capture taps before the socket: complete
		if q.Expected != labCount || q.Received != labCount || q.Lost != 0 || s.Mtools.Sessions[0].StatSent != labCount || s.Mtools.Sessions[0].Missing != 0 {
			t.Errorf("capture not complete: expected %d received %d lost %d sessions %+v", q.Expected, q.Received, q.Lost, s.Mtools.Sessions)
		}
		missing := labCount - recv.distinct
		if missing <= 0 {
			t.Fatalf("receiver read all %d messages; the slow reader did not overflow its buffer (rcvbuf %d)", recv.distinct, recv.rcvbuf)
		}
		// every datagram that reached the socket but was not read was
		// counted once in RcvbufErrors (echo and stat included)
		if unread := uint64(labCount + 2 - recv.datagrams); rcvbufErrs != unread {
			t.Errorf("RcvbufErrors delta %d, receiver left %d datagrams unread", rcvbufErrs, unread)
		}
		t.Logf("verdict: socket buffer overflow: capture complete (%d of %d), receiver lost %d messages, RcvbufErrors +%d (SO_RCVBUF granted %d)",
			q.Received, labCount, missing, rcvbufErrs, recv.rcvbuf)
	})

	t.Run("b-network-loss-nft-egress", func(t *testing.T) {
		l := newLab(t, "b", msend, mrecv)
		// docs/capture.md section 7.2: netdev egress on the sender's veth;
		// "udp length 28" matches only the 20-byte data datagrams, so the
		// 1st, 101st, ... data datagram (seq 0, 100, ..., 4900) is dropped.
		rules := fmt.Sprintf("table netdev smcdlab {\n chain egress {\n  type filter hook egress device %q priority 0;\n  udp dport %s udp length 28 numgen inc mod 100 0 counter drop\n }\n}\n", l.vS, labPort)
		rf := filepath.Join(l.dir, "rules.nft")
		if err := os.WriteFile(rf, []byte(rules), 0o600); err != nil {
			t.Fatal(err)
		}
		l.sh("ip", "netns", "exec", l.nsS, "nft", "-f", rf)
		// a socket buffer that holds the whole run: the receiver cannot
		// overflow even on a loaded CI machine
		recv, rcvbufErrs, _, r := l.run(labRun{recv: []string{"-r", "16777216", "-R"}})
		_, q := labStream(t, r)
		var truth []uint64
		for i := uint64(0); i < labCount; i += 100 {
			truth = append(truth, i)
		}
		var gapSeqs []uint64
		for _, g := range q.Gaps {
			if g.Count != 1 {
				t.Errorf("gap at %d count %d, want 1", g.FirstMissing, g.Count)
			}
			if g.Verdict != "network" {
				t.Errorf("gap at %d verdict %q, want network (tcpdump dropped nothing)", g.FirstMissing, g.Verdict)
			}
			gapSeqs = append(gapSeqs, g.FirstMissing)
		}
		if !slices.Equal(truth, gapSeqs) || q.Lost != uint64(len(truth)) || q.Expected != labCount {
			t.Errorf("capture gaps %v (lost %d, expected %d), want %v", gapSeqs, q.Lost, q.Expected, truth)
		}
		// ground truth from the receiver: exactly the same messages missing
		got := map[uint64]bool{}
		for _, v := range recv.seqs {
			got[v] = true
		}
		var rmiss []uint64
		for i := uint64(0); i < labCount; i++ {
			if !got[i] {
				rmiss = append(rmiss, i)
			}
		}
		if !slices.Equal(truth, rmiss) {
			t.Errorf("receiver missed %v, want %v", rmiss, truth)
		}
		if rcvbufErrs != 0 {
			t.Errorf("RcvbufErrors +%d, want 0 (receiver counters quiet)", rcvbufErrs)
		}
		if !strings.HasPrefix(q.Pattern, "periodic: 1 lost every 100") {
			t.Errorf("pattern %q", q.Pattern)
		}
		t.Logf("verdict: network loss before the capture tap: %d gaps at seq %d, %d, ... (every 100th), receiver counters quiet", len(gapSeqs), gapSeqs[0], gapSeqs[1])
	})

	t.Run("c-capture-loss", func(t *testing.T) {
		// Stand-in until smcdump's own capture engine is wired in: tcpdump
		// with a tiny buffer (-B 1 KiB) under a fast feed drops packets; the
		// receiver (SO_RCVBUFFORCE 32 MiB, doubled by the kernel: room for
		// the whole run) gets everything. Every gap in the
		// capture must be covered by the capture's own drop counter.
		l := newLab(t, "c", msend, mrecv)
		const n = 20000
		recv, rcvbufErrs, kdrops, r := l.run(labRun{recv: []string{"-r", "33554432", "-R"}, send: []string{"-r", "100000", "-m", "1400"}, tcpdump: []string{"-B", "1"}, count: n})
		if kdrops == 0 {
			t.Skip("tcpdump dropped nothing under this load; capture-loss scenario not exercised on this machine")
		}
		if recv.distinct != n || rcvbufErrs != 0 {
			t.Errorf("receiver got %d of %d (RcvbufErrors +%d); want all, the loss must be in the capture only", recv.distinct, n, rcvbufErrs)
		}
		s, q := labStream(t, r)
		ctrl := s.Mtools.Echoes + s.Mtools.Stats
		if got := q.Received + ctrl; got != uint64(n+2)-kdrops {
			t.Errorf("capture holds %d msend datagrams, tcpdump says %d sent - %d dropped", got, n+2, kdrops)
		}
		if q.Lost == 0 || q.Lost > kdrops {
			t.Errorf("capture lost %d messages, tcpdump dropped %d", q.Lost, kdrops)
		}
		for _, g := range q.Gaps {
			if g.Verdict != "capture" {
				t.Errorf("gap at %d (count %d) verdict %q, want capture", g.FirstMissing, g.Count, g.Verdict)
			}
		}
		t.Logf("verdict: capture artefact: %d messages missing in %d gaps, tcpdump dropped %d, receiver complete (%d)", q.Lost, q.GapCount, kdrops, recv.distinct)
	})
}
