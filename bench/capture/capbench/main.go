//go:build linux

// Command capbench compares smcdump's live capture with tcpdump on a veth
// pair inside a network namespace it creates (and deletes) itself.
//
//	capbench run -smcdump ./smcdump -n 2000000 -rates 0 -buffers 2048,65536
//	capbench search -smcdump ./smcdump -n 1000000 -buffers 2048 -budget 10m
//	capbench gen -i va -n 1000000 -pps 0     (used by run, inside the netns)
//
// "gen" offers 60-byte frames (EtherType 0x88B5, local experimental; with
// -flows N, IPv4/UDP frames of N flows, so that PACKET_FANOUT_HASH spreads
// them) with a PACKET_MMAP TX ring (TPACKET_V2, PACKET_QDISC_BYPASS): one
// send() call flushes a whole batch of frames, so the generator is not the
// bottleneck. Nothing leaves the namespace.
//
// "search" finds, per tool and ring size, the highest offered rate at which
// the tool drops nothing and the lowest at which it drops (see searchRates).
// "ladder" offers a fixed list of rates to every tool in turn, rate by rate
// and run by run, so that the tools compared at one rate ran a few seconds
// apart (see ladder).
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: capbench run|gen [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "run":
		err = runBench(os.Args[2:])
	case "search":
		err = searchRates(os.Args[2:])
	case "ladder":
		err = ladder(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "capbench:", err)
		os.Exit(1)
	}
}

// ---- generator

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	ifname := fs.String("i", "va", "interface to send on")
	n := fs.Int("n", 1000000, "frames to send")
	pps := fs.Int("pps", 0, "target rate in packets/s (0 = as fast as possible)")
	size := fs.Int("size", 60, "frame size")
	flows := fs.Int("flows", 1, "UDP flows (1: EtherType 0x88B5 frames without IP)")
	fs.Parse(args)
	ifc, err := net.InterfaceByName(*ifname)
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V2); err != nil {
		return err
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
	const frameSize, frameNr = 2048, 4096
	req := unix.TpacketReq{Block_size: 1 << 20, Block_nr: frameSize * frameNr / (1 << 20), Frame_size: frameSize, Frame_nr: frameNr}
	if err := unix.SetsockoptTpacketReq(fd, unix.SOL_PACKET, unix.PACKET_TX_RING, &req); err != nil {
		return fmt.Errorf("PACKET_TX_RING: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, frameSize*frameNr, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return err
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: 0, Ifindex: ifc.Index}); err != nil {
		return err
	}
	frame := make([]byte, max(*size, 46))
	copy(frame, []byte{2, 0, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0, 0xaa, 0x88, 0xb5})
	seqOff := 14
	if *flows > 1 {
		// IPv4/UDP 10.9.0.1:10000+flow -> 10.9.0.2:5000 (synthetic, no checksums)
		frame[12], frame[13] = 0x08, 0x00
		ip := frame[14:]
		ip[0], ip[8], ip[9] = 0x45, 64, 17
		binary.BigEndian.PutUint16(ip[2:], uint16(len(frame)-14))
		copy(ip[12:], []byte{10, 9, 0, 1, 10, 9, 0, 2})
		binary.BigEndian.PutUint16(ip[22:], 5000)
		binary.BigEndian.PutUint16(ip[24:], uint16(len(frame)-34))
		seqOff = 42
	}
	const dataOff = 32 // TPACKET2_HDRLEN - sizeof(sockaddr_ll)
	start := time.Now()
	cur := 0
	batch := 256
	sent := 0
	for sent < *n {
		k := min(batch, *n-sent)
		for i := 0; i < k; i++ {
			off := cur * frameSize
			st := (*uint32)(unsafe.Pointer(&mem[off]))
			for *(*uint32)(unsafe.Pointer(st)) != unix.TP_STATUS_AVAILABLE {
				// ring full: kick and wait
				_, _, _ = unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), 0, 0, 0, 0, 0)
				time.Sleep(20 * time.Microsecond)
			}
			binary.BigEndian.PutUint32(frame[seqOff:], uint32(sent+i))
			if *flows > 1 {
				binary.BigEndian.PutUint16(frame[34:], uint16(10000+(sent+i)%*flows))
			}
			copy(mem[off+dataOff:], frame)
			binary.NativeEndian.PutUint32(mem[off+4:], uint32(len(frame)))
			*st = unix.TP_STATUS_SEND_REQUEST
			cur = (cur + 1) % frameNr
		}
		if _, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), 0, 0, 0, 0, 0); e != 0 && e != unix.ENOBUFS && e != unix.EAGAIN {
			return fmt.Errorf("send: %v", e)
		}
		sent += k
		if *pps > 0 {
			due := start.Add(time.Duration(float64(sent) / float64(*pps) * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
	}
	// wait for the ring to empty
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		busy := false
		for i := 0; i < frameNr; i++ {
			if *(*uint32)(unsafe.Pointer(&mem[i*frameSize])) != unix.TP_STATUS_AVAILABLE {
				busy = true
				break
			}
		}
		if !busy {
			break
		}
		_, _, _ = unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), 0, 0, 0, 0, 0)
		time.Sleep(time.Millisecond)
	}
	el := time.Since(start)
	fmt.Printf("sent %d frames in %v (%.0f pps)\n", sent, el.Round(time.Millisecond), float64(sent)/el.Seconds())
	return nil
}

// ---- driver

type result struct {
	tool             string
	bufKiB           int
	offered, pps     int
	achieved         float64
	captured, recv   int64
	dropped          int64
	user, sys, total float64
	// CPU time of the tool's threads from /proc/PID/task/*/schedstat
	// (nanosecond run time, not tick samples) between the moment the
	// generator starts and the end of the drain: what the traffic cost,
	// without start-up and exit. 0 when unreadable.
	trafficNS int64
	fileBytes int64
	rep       int
	// With -cpu-quota: the CFS periods of the traffic phase (from 300 ms
	// after the tool's banner until 1.5 s after the generator ended), in
	// how many the tool was throttled, and for how long in all (the
	// cgroup's cpu.stat).
	periods, throttled int64
	throttledNS        int64
}

// schedNS is the run time in nanoseconds of each thread of pid, by thread
// ID (the first field of /proc/PID/task/TID/schedstat), or nil.
func schedNS(pid int) map[string]int64 {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	m := make(map[string]int64, len(ents))
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue // thread exited
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return nil
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil
		}
		m[e.Name()] = v
	}
	return m
}

// schedDelta is the run time the threads alive at the second reading
// spent since the first (all of it for threads started in between), and
// the number of threads of the first reading that exited in between (their
// run time since the first reading is not counted); -1 when a reading
// failed.
func schedDelta(before, after map[string]int64) (ns int64, exited int) {
	if before == nil || after == nil {
		return -1, 0
	}
	for tid, v := range after {
		ns += v - before[tid]
	}
	for tid := range before {
		if _, ok := after[tid]; !ok {
			exited++
		}
	}
	return ns, exited
}

// perPacketNS is the traffic-phase CPU per captured packet in ns, or 0.
func (r result) perPacketNS() float64 {
	if r.trafficNS <= 0 || r.captured <= 0 {
		return 0
	}
	return float64(r.trafficNS) / float64(r.captured)
}

var sumRE = regexp.MustCompile(`(\d+) packets? (captured|received by filter|dropped by kernel)`)

func sh(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %v: %s", args, err, out)
	}
	return nil
}

// bench holds what every run of a mode shares.
type bench struct {
	ns, self     string
	smc, tcpdump string
	outDir       string
	flows        int
	// cpuQuota, when positive, limits the tool to that fraction of one
	// CPU per cpuPeriod (all its threads together), as a busy host leaves
	// a capture: the lossless rate then depends on the CPU the tool needs
	// per packet, not on the machine's spare cores (cpuLimit).
	cpuQuota  float64
	cpuPeriod time.Duration
}

// setup creates the namespace and the veth pair; the caller deletes the
// namespace with cleanup.
func (b *bench) setup() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	b.self = self
	b.ns = fmt.Sprintf("capbench%d", os.Getpid())
	if err := sh("ip", "netns", "add", b.ns); err != nil {
		return err
	}
	ns := b.ns
	_ = exec.Command("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").Run()
	for _, c := range [][]string{
		{"ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb"},
		{"ip", "-n", ns, "link", "set", "va", "up"},
		{"ip", "-n", ns, "link", "set", "vb", "up"},
	} {
		if err := sh(c...); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) cleanup() { _ = exec.Command("ip", "netns", "del", b.ns).Run() }

// runTool offers n frames at pps (0: as fast as the generator goes) to
// tool capturing with a ring of bufKiB.
func (b *bench) runTool(tool string, bufKiB, n, pps int) (result, error) {
	bin := b.tcpdump
	buf := strconv.Itoa(bufKiB)
	file := fmt.Sprintf("%s/capbench-%d.pcap", b.outDir, os.Getpid())
	targs := []string{"-i", "vb", "-B", buf, "-w", file, "-Z", "root"}
	switch tool {
	case "tcpdump":
	case "smcdump": // default: one fanout ring per CPU, -B split across them
		bin = b.smc
		file += "ng"
		targs = []string{"-i", "vb", "-B", buf, "-w", file}
	case "smcdump-1ring":
		bin = b.smc
		file += "ng"
		targs = []string{"-i", "vb", "-B", buf, "-w", file, "--fanout", "1"}
	case "smcdump-pcap":
		bin = b.smc
		targs = []string{"-i", "vb", "-B", buf, "-w", file, "--format", "pcap"}
	default:
		return result{}, fmt.Errorf("unknown tool %q", tool)
	}
	res, err := b.one(bin, targs, n, pps)
	if err != nil {
		return res, fmt.Errorf("%s: %w", tool, err)
	}
	if fi, err := os.Stat(file); err == nil {
		res.fileBytes = fi.Size()
	}
	os.Remove(file)
	res.tool, res.bufKiB = tool, bufKiB
	thr := ""
	if res.periods > 0 {
		thr = fmt.Sprintf(", throttled in %d of %d CPU periods (%.0f ms)", res.throttled, res.periods, float64(res.throttledNS)/1e6)
	}
	fmt.Fprintf(os.Stderr, "%-13s -B %-6d offered %d at %.0f pps (target %d): captured %d, dropped %d, cpu %.2fs, %.0f ns per packet in the traffic phase%s\n",
		tool, bufKiB, res.offered, res.achieved, pps, res.captured, res.dropped, res.total, res.perPacketNS(), thr)
	return res, nil
}

func (b *bench) flags(fs *flag.FlagSet) {
	fs.StringVar(&b.smc, "smcdump", "./smcdump", "smcdump binary")
	fs.StringVar(&b.tcpdump, "tcpdump", "tcpdump", "tcpdump binary")
	fs.StringVar(&b.outDir, "dir", "/dev/shm", "directory both tools write to")
	fs.IntVar(&b.flows, "flows", 1, "UDP flows offered (1: non-IP frames, all on one fanout ring)")
	fs.Float64Var(&b.cpuQuota, "cpu-quota", 0, "limit each tool to this fraction of one CPU (all threads together; CFS bandwidth control of a cgroup), 0: no limit")
	fs.DurationVar(&b.cpuPeriod, "cpu-period", 10*time.Millisecond, "with -cpu-quota: the CFS period the quota applies to")
}

// cpuLimit creates a cgroup whose CPU bandwidth is quota of one CPU per
// period — the cgroup v1 cpu controller (cpu.cfs_quota_us,
// cpu.cfs_period_us) or cgroup v2's cpu.max — and returns the group's
// directory and a function that removes the group once its process has
// exited.
func cpuLimit(quota float64, period time.Duration) (string, func(), error) {
	per := period.Microseconds()
	q := int64(quota * float64(per))
	if q < 1000 {
		return "", nil, fmt.Errorf("cpu quota %.0f µs per %v is below the kernel's 1 ms minimum", float64(q), period)
	}
	write := func(dir, name, v string) error { return os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644) }
	var dir string
	var err error
	if _, e := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); e == nil {
		dir = fmt.Sprintf("/sys/fs/cgroup/cpu/capbench-%d-%d", os.Getpid(), time.Now().UnixNano())
		if err = os.Mkdir(dir, 0o755); err == nil {
			err = errors.Join(write(dir, "cpu.cfs_period_us", strconv.FormatInt(per, 10)), write(dir, "cpu.cfs_quota_us", strconv.FormatInt(q, 10)))
		}
	} else {
		dir = fmt.Sprintf("/sys/fs/cgroup/capbench-%d-%d", os.Getpid(), time.Now().UnixNano())
		if err = os.Mkdir(dir, 0o755); err == nil {
			err = write(dir, "cpu.max", fmt.Sprintf("%d %d", q, per))
		}
	}
	remove := func() {
		for range 50 { // the group empties when the process is reaped
			if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err != nil {
		remove()
		return "", nil, fmt.Errorf("cpu limit (cgroup %s): %w", dir, err)
	}
	return dir, remove, nil
}

// cgroupRemount returns shell commands that mount this host's CPU cgroup
// hierarchy (the v1 cpu controller's, or cgroup v2) where it is mounted
// here, for a shell inside ip netns exec's private /sys; "" when none is
// found.
func cgroupRemount() string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(l, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 3 || !strings.HasPrefix(f[4], "/sys/fs/cgroup") {
			continue
		}
		mp := f[4]
		base := ""
		if mp != "/sys/fs/cgroup" {
			base = "mount -t tmpfs -o mode=755 none /sys/fs/cgroup && mkdir -p " + mp + " && "
		}
		opts := strings.TrimPrefix(strings.TrimPrefix(g[2], "rw,"), "rw")
		switch {
		case g[0] == "cgroup2":
			return base + "mount -t cgroup2 none " + mp + " && "
		case g[0] == "cgroup" && slices.Contains(strings.Split(opts, ","), "cpu"):
			return base + "mount -t cgroup -o " + opts + " cgroup " + mp + " && "
		}
	}
	return ""
}

// throttling reads a CPU cgroup's cpu.stat: the periods elapsed, those in
// which the group was throttled, and the time it was throttled (v1
// throttled_time in ns, v2 throttled_usec).
func throttling(dir string) (periods, throttled, ns int64) {
	b, _ := os.ReadFile(filepath.Join(dir, "cpu.stat"))
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, " ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "nr_periods":
			periods = n
		case "nr_throttled":
			throttled = n
		case "throttled_time":
			ns = n
		case "throttled_usec":
			ns = n * 1000
		}
	}
	return periods, throttled, ns
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var b bench
	b.flags(fs)
	n := fs.Int("n", 2000000, "frames offered per run")
	rates := fs.String("rates", "0", "comma-separated target rates in pps (0 = generator maximum)")
	bufs := fs.String("buffers", "2048,65536", "comma-separated -B values in KiB (same for both tools)")
	tools := fs.String("tools", "tcpdump,smcdump,smcdump-pcap", "tools to compare (smcdump-pcap = smcdump --format pcap, smcdump-1ring = --fanout 1)")
	reps := fs.Int("reps", 1, "repetitions of each configuration")
	fs.Parse(args)
	if err := b.setup(); err != nil {
		return err
	}
	defer b.cleanup()
	var results []result
	for _, bs := range strings.Split(*bufs, ",") {
		buf, _ := strconv.Atoi(bs)
		for _, r := range strings.Split(*rates, ",") {
			pps, _ := strconv.Atoi(r)
			for rep := 0; rep < *reps; rep++ {
				for _, tool := range strings.Split(*tools, ",") {
					res, err := b.runTool(tool, buf, *n, pps)
					if err != nil {
						return err
					}
					res.rep = rep
					results = append(results, res)
				}
			}
		}
	}
	fmt.Println("| tool | -B KiB | target pps | achieved pps | offered | captured | received by filter | dropped by kernel | CPU user s | CPU sys s | CPU s per M captured | traffic-phase CPU ns per packet |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		per := 0.0
		if r.captured > 0 {
			per = r.total / float64(r.captured) * 1e6
		}
		target := "max"
		if r.pps > 0 {
			target = strconv.Itoa(r.pps)
		}
		fmt.Printf("| %s | %d | %s | %.0f | %d | %d | %d | %d | %.2f | %.2f | %.3f | %.0f |\n",
			r.tool, r.bufKiB, target, r.achieved, r.offered, r.captured, r.recv, r.dropped, r.user, r.sys, per, r.perPacketNS())
	}
	printRatios(results)
	return nil
}

// printRatios prints each tool's traffic-phase CPU per packet relative to
// tcpdump's in the same configuration and repetition.
func printRatios(results []result) {
	type cfg struct{ buf, pps, rep int }
	ref := map[cfg]float64{}
	for _, r := range results {
		if r.tool == "tcpdump" {
			ref[cfg{r.bufKiB, r.pps, r.rep}] = r.perPacketNS()
		}
	}
	fmt.Println()
	fmt.Println("Traffic-phase CPU per packet relative to tcpdump (same -B, rate and repetition):")
	fmt.Println()
	for _, r := range results {
		t := ref[cfg{r.bufKiB, r.pps, r.rep}]
		if r.tool == "tcpdump" || t <= 0 || r.perPacketNS() <= 0 {
			continue
		}
		target := "max"
		if r.pps > 0 {
			target = strconv.Itoa(r.pps)
		}
		fmt.Printf("- %s -B %d at %s pps, repetition %d: %.2fx (%.0f / %.0f ns)\n", r.tool, r.bufKiB, target, r.rep+1, r.perPacketNS()/t, r.perPacketNS(), t)
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

func (b *bench) one(bin string, targs []string, n, pps int) (result, error) {
	ns, self, flows := b.ns, b.self, b.flows
	res := result{offered: n, pps: pps}
	argv := append([]string{"ip", "netns", "exec", ns, bin}, targs...)
	var cg string
	if b.cpuQuota > 0 {
		// The tool starts inside its limited group, as a process in a
		// container does, so that what it reads of its limit at start-up
		// (smcdump's default ring count) is what it would read there.
		dir, remove, err := cpuLimit(b.cpuQuota, b.cpuPeriod)
		if err != nil {
			return res, err
		}
		cg = dir
		defer remove()
		// ip netns exec mounts a fresh /sys, which hides the cgroup
		// file systems: mount the CPU hierarchy again inside, as a
		// container sees its own.
		argv = append([]string{"sh", "-c", `echo $$ > "$1/cgroup.procs" && shift && exec "$@"`, "sh", dir,
			"ip", "netns", "exec", ns, "sh", "-c", cgroupRemount() + `exec "$@"`, "sh", bin}, targs...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	var se lockedBuf
	cmd.Stderr = &se
	if err := cmd.Start(); err != nil {
		return res, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(se.String(), "listening on") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return res, errors.New("no banner: " + se.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	cpu0 := schedNS(cmd.Process.Pid) // ip netns exec execs the tool: same pid
	// Throttling is counted from here: the start-up (a Go runtime's
	// initialisation, smcdump's first kernel-counter snapshot) spends
	// more of a small quota than the traffic does and would hide it.
	var p0, t0, tn0 int64
	if cg != "" {
		p0, t0, tn0 = throttling(cg)
	}
	gout, err := exec.Command("ip", "netns", "exec", ns, self, "gen", "-i", "va", "-n", strconv.Itoa(n), "-pps", strconv.Itoa(pps), "-flows", strconv.Itoa(flows)).CombinedOutput()
	if err != nil {
		cmd.Process.Kill()
		return res, fmt.Errorf("gen: %v: %s", err, gout)
	}
	if m := regexp.MustCompile(`\(([\d.]+) pps\)`).FindSubmatch(gout); m != nil {
		res.achieved, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	time.Sleep(1500 * time.Millisecond) // let both tools drain (tcpdump's timeout is 1 s)
	if cg != "" {
		p1, t1, tn1 := throttling(cg)
		res.periods, res.throttled, res.throttledNS = p1-p0, t1-t0, tn1-tn0
	}
	if ns, exited := schedDelta(cpu0, schedNS(cmd.Process.Pid)); ns > 0 {
		res.trafficNS = ns
		if exited > 0 {
			fmt.Fprintf(os.Stderr, "capbench: %s: %d threads exited during the traffic; their run time is not counted\n", filepath.Base(bin), exited)
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return res, errors.New("did not exit")
	}
	ps := cmd.ProcessState
	res.user, res.sys = ps.UserTime().Seconds(), ps.SystemTime().Seconds()
	res.total = res.user + res.sys
	sc := bufio.NewScanner(strings.NewReader(se.String()))
	for sc.Scan() {
		for _, m := range sumRE.FindAllStringSubmatch(sc.Text(), -1) {
			v, _ := strconv.ParseInt(m[1], 10, 64)
			switch m[2] {
			case "captured":
				res.captured = v
			case "received by filter":
				res.recv = v
			case "dropped by kernel":
				res.dropped = v
			}
		}
	}
	return res, nil
}

// ---- search

// searchRates finds, for each tool and ring size, the highest offered rate
// at which the tool captured every frame (lossless: dropped by kernel 0 and
// captured = offered) and the lowest at which it did not, both as the rate
// the generator achieved (on a loaded machine it falls short of the
// target). It starts at -start pps and doubles the target until a run loses
// frames (or the generator's maximum, offered unpaced from -max on, is
// reached without loss), then bisects between the two until they are within
// -precision of each other, at most -steps rates per tool and ring size
// (each decided by most of -reps runs, the achieved rate their mean); it
// stops early when a lossy rate is found below a lossless one (noise
// decides) or when -budget is spent. Every run is printed.
func searchRates(args []string) error {
	fs := flag.NewFlagSet("search", flag.ExitOnError)
	var b bench
	b.flags(fs)
	n := fs.Int("n", 1000000, "frames offered per run")
	bufs := fs.String("buffers", "2048", "comma-separated -B values in KiB (same for both tools)")
	tools := fs.String("tools", "tcpdump,smcdump", "tools to compare")
	start := fs.Int("start", 200000, "first rate tried, pps")
	maxRate := fs.Int("max", 3200000, "rates at or above this are offered unpaced (the generator's maximum)")
	steps := fs.Int("steps", 7, "rates tried per tool and ring size at most")
	reps := fs.Int("reps", 1, "runs per rate: the rate is lossless when most of its runs are (an odd number avoids ties)")
	precision := fs.Float64("precision", 0.1, "stop when the lossy rate is within this fraction of the lossless one")
	budget := fs.Duration("budget", 15*time.Minute, "stop searching after this long")
	fs.Parse(args)
	if *reps < 1 {
		return fmt.Errorf("-reps %d: at least one run per rate", *reps)
	}
	if err := b.setup(); err != nil {
		return err
	}
	defer b.cleanup()
	deadline := time.Now().Add(*budget)
	type found struct {
		tool                        string
		buf                         int
		lossless, lossy             float64 // achieved pps; 0: none found
		losslessTarget, lossyTarget int
		cpuPerM                     float64 // CPU s per M captured at the lossless rate
		runs, rates                 int
		unpacedLossless             bool
	}
	var all []found
	for _, bs := range strings.Split(*bufs, ",") {
		buf, _ := strconv.Atoi(bs)
		for _, tool := range strings.Split(*tools, ",") {
			f := found{tool: tool, buf: buf}
			lo, hi := 0, 0 // target rates: lossless, lossy (0: unknown)
			rate := *start
			for f.rates < *steps && time.Now().Before(deadline) {
				pps := rate
				if rate >= *maxRate {
					pps = 0
				}
				// Most of up to -reps runs decide: one run descheduled on
				// a shared machine does not end the search.
				good, bad, achSum, cpuPerM := 0, 0, 0.0, 0.0
				for good <= *reps/2 && bad <= *reps/2 && good+bad < *reps {
					res, err := b.runTool(tool, buf, *n, pps)
					if err != nil {
						return err
					}
					f.runs++
					achSum += res.achieved
					if res.dropped == 0 && res.captured == int64(*n) {
						good++
						cpuPerM = res.total / float64(max(res.captured, 1)) * 1e6
					} else {
						bad++
					}
				}
				f.rates++
				ok := good > bad
				achieved := achSum / float64(good+bad)
				// Bracket by the rate the generator achieved: on a loaded
				// machine it falls short of the target.
				ach := int(achieved)
				switch {
				case ok:
					if ach > lo {
						lo = ach
						f.lossless, f.losslessTarget = achieved, rate
						f.cpuPerM = cpuPerM
						f.unpacedLossless = pps == 0
					}
				default:
					if hi == 0 || ach < hi {
						hi = ach
						f.lossy, f.lossyTarget = achieved, rate
					}
				}
				if ok && pps == 0 {
					break // lossless at the generator's maximum
				}
				if lo > 0 && hi > 0 && hi <= lo {
					break // lossy below a lossless rate: noise decides, stop
				}
				if hi == 0 {
					rate = max(rate, lo) * 2
					continue
				}
				if lo == 0 {
					rate = hi / 2
					if rate < 1000 {
						break
					}
					continue
				}
				if float64(hi-lo) <= *precision*float64(lo) {
					break
				}
				rate = (lo + hi) / 2
			}
			all = append(all, f)
		}
	}
	fmt.Println("| tool | -B KiB | highest lossless rate, pps achieved (target) | lowest lossy rate, pps achieved (target) | CPU s per M captured at the lossless rate | runs |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, f := range all {
		ll := "none"
		if f.lossless > 0 && !f.unpacedLossless {
			ll = fmt.Sprintf("%.0f (%d)", f.lossless, f.losslessTarget)
		}
		if f.unpacedLossless {
			ll = fmt.Sprintf("≥ generator max (%.0f)", f.lossless)
		}
		ly := "none found"
		if f.lossy > 0 {
			ly = fmt.Sprintf("%.0f (%d)", f.lossy, f.lossyTarget)
			if f.lossyTarget >= *maxRate {
				ly = fmt.Sprintf("generator max (%.0f)", f.lossy)
			}
		}
		fmt.Printf("| %s | %d | %s | %s | %.3f | %d |\n", f.tool, f.buf, ll, ly, f.cpuPerM, f.runs)
	}
	return nil
}

// ---- ladder

// ladder offers each rate of -rates to every tool of -tools, -reps times,
// the tools alternating run by run (tcpdump, smcdump, tcpdump, smcdump,
// ...): tools compared at one rate ran seconds apart, under the same load,
// where a search ("search") runs one tool's whole bisection before the
// other's. It prints, per tool, ring size and rate, how many runs dropped
// nothing, and per tool the highest rate at which most runs were lossless
// with every lower rate also lossless in most runs.
func ladder(args []string) error {
	fs := flag.NewFlagSet("ladder", flag.ExitOnError)
	var b bench
	b.flags(fs)
	n := fs.Int("n", 1000000, "frames offered per run")
	rates := fs.String("rates", "300000,400000,500000,600000,700000,800000,900000,1000000,1100000,1200000", "comma-separated target rates in pps, ascending")
	bufs := fs.String("buffers", "2048", "comma-separated -B values in KiB (same for every tool)")
	tools := fs.String("tools", "tcpdump,smcdump", "tools to compare")
	reps := fs.Int("reps", 3, "runs per tool and rate")
	fs.Parse(args)
	if *reps < 1 {
		return fmt.Errorf("-reps %d: at least one run per rate", *reps)
	}
	if err := b.setup(); err != nil {
		return err
	}
	defer b.cleanup()
	type key struct {
		tool      string
		buf, rate int
	}
	good := map[key]int{}
	achieved := map[key]float64{}
	toolList, rateList, bufList := strings.Split(*tools, ","), ints(*rates), ints(*bufs)
	for _, buf := range bufList {
		for _, rate := range rateList {
			for rep := 0; rep < *reps; rep++ {
				for _, tool := range toolList {
					res, err := b.runTool(tool, buf, *n, rate)
					if err != nil {
						return err
					}
					k := key{tool, buf, rate}
					if res.dropped == 0 && res.captured == int64(*n) {
						good[k]++
					}
					achieved[k] += res.achieved / float64(*reps)
				}
			}
		}
	}
	fmt.Print("| -B KiB | target pps |")
	for _, t := range toolList {
		fmt.Printf(" %s lossless runs (mean achieved pps) |", t)
	}
	fmt.Println()
	fmt.Print("|---|---|")
	for range toolList {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, buf := range bufList {
		for _, rate := range rateList {
			fmt.Printf("| %d | %d |", buf, rate)
			for _, t := range toolList {
				k := key{t, buf, rate}
				fmt.Printf(" %d of %d (%.0f) |", good[k], *reps, achieved[k])
			}
			fmt.Println()
		}
	}
	fmt.Println()
	for _, buf := range bufList {
		for _, t := range toolList {
			best := 0
			for _, rate := range rateList {
				if 2*good[key{t, buf, rate}] <= *reps {
					break
				}
				best = rate
			}
			fmt.Printf("- %s, -B %d: lossless in most runs up to %d pps (target)\n", t, buf, best)
		}
	}
	return nil
}

// ints parses a comma-separated list of integers (a bad entry is 0).
func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, _ := strconv.Atoi(f)
		out = append(out, v)
	}
	return out
}
