package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Interfaces that go down under a running monitor (real components): two
// veth pairs in a test-owned network namespace, ma1-mb1 and ma2-mb2; the
// monitor captures on mb1 and mb2 and serves its metrics on the
// namespace's loopback; a sender in the namespace puts one synthetic
// multicast stream (an 8-byte counter per datagram, 100 a second) on each
// pair, bounded to 60 s. Nothing leaves the namespace.

// TestMonitorInterfaceDownUp: mb1 is set down, then up again (JSON
// events).
func TestMonitorInterfaceDownUp(t *testing.T) {
	testMonitorOutage(t, "mb1", false, true)
}

// TestMonitorInterfaceDeletedRecreated: the mb2 pair is deleted, then
// created again under the same names (a new ifindex; text events).
func TestMonitorInterfaceDeletedRecreated(t *testing.T) {
	testMonitorOutage(t, "mb2", true, false)
}

// monEvent is an event line, JSON or text, reduced to what the test checks.
type monEvent struct {
	Type      string // interface, gap, outage-gap, stream-stop, counters, ...
	Name      string // interface: its name
	State     string // interface: down, up
	Dst       string // gap, outage-gap, stream-stop
	Count     uint64 // gap, outage-gap
	Lost      uint64 // stream-stop
	Unobs     uint64 // stream-stop
	Interface string // outage-gap
	Text      string // the line
}

var (
	reIfText    = regexp.MustCompile(`^\S+ interface (\S+) (down|up)\b`)
	reGapText   = regexp.MustCompile(`^\S+ (gap|outage-gap) \S+ -> (\S+) .*count=(\d+)(?: interface=(\S+))?`)
	reStopText  = regexp.MustCompile(`^\S+ stream-stop \S+ -> (\S+) .* lost=(\d+) .*?(?:unobserved=(\d+))?$`)
	reOtherText = regexp.MustCompile(`^\S+ (\S+) `)
)

func parseMonEvent(t *testing.T, line string, jsonLines bool) monEvent {
	t.Helper()
	ev := monEvent{Text: line}
	if jsonLines {
		var j struct {
			Event     string
			Interface *struct{ Name, State string }
			Gap       *struct {
				Dst       string
				Count     uint64
				Interface string
			}
			Stream *struct {
				Dst              string
				Lost, Unobserved uint64
			}
		}
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("event line %q: %v", line, err)
		}
		ev.Type = j.Event
		switch {
		case j.Interface != nil:
			ev.Name, ev.State = j.Interface.Name, j.Interface.State
		case j.Gap != nil:
			ev.Dst, ev.Count, ev.Interface = j.Gap.Dst, j.Gap.Count, j.Gap.Interface
		case j.Stream != nil:
			ev.Dst, ev.Lost, ev.Unobs = j.Stream.Dst, j.Stream.Lost, j.Stream.Unobserved
		}
		return ev
	}
	u := func(s string) uint64 { v, _ := strconv.ParseUint(s, 10, 64); return v }
	if m := reIfText.FindStringSubmatch(line); m != nil {
		ev.Type, ev.Name, ev.State = "interface", m[1], m[2]
	} else if m := reGapText.FindStringSubmatch(line); m != nil {
		ev.Type, ev.Dst, ev.Count, ev.Interface = m[1], m[2], u(m[3]), m[4]
	} else if m := reStopText.FindStringSubmatch(line); m != nil {
		ev.Type, ev.Dst, ev.Lost, ev.Unobs = "stream-stop", m[1], u(m[2]), u(m[3])
	} else if m := reOtherText.FindStringSubmatch(line); m != nil {
		ev.Type = m[1]
	}
	return ev
}

func testMonitorOutage(t *testing.T, victim string, deleteIt, jsonLines bool) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root (network namespace, veth, capture); CI runs as root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping: needs the ip command (Debian package iproute2)")
	}
	bin := smcdumpBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second) // failure bound
	defer cancel()
	ns := fmt.Sprintf("smcdmon%d_%d", os.Getpid(), nsSeq.Add(1))
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
	sh("ip", "-n", ns, "link", "set", "lo", "up")
	pair := func(k string) {
		t.Helper()
		sh("ip", "-n", ns, "link", "add", "ma"+k, "type", "veth", "peer", "name", "mb"+k)
		sh("ip", "-n", ns, "link", "set", "ma"+k, "up")
		sh("ip", "-n", ns, "link", "set", "mb"+k, "up")
		waitOperUp(t, ns, "ma"+k, "mb"+k)
	}
	pair("1")
	pair("2")
	k := victim[len(victim)-1:] // "1" or "2"
	other := map[string]string{"1": "mb2", "2": "mb1"}[k]
	grp := func(ifc string) string { return "239.9.0." + ifc[len(ifc)-1:] }

	// The monitor, its metrics on the namespace's loopback.
	args := []string{"netns", "exec", ns, bin, "monitor", "-i", "mb1", "-i", "mb2", "--listen", "127.0.0.1:9797",
		"--stats-interval", "1s", "--stream-idle", "30s", "udp"}
	if jsonLines {
		args = append(args, "--json")
	}
	mon := exec.CommandContext(ctx, "ip", args...)
	out, se := &lockedBuf{}, &lockedBuf{}
	mon.Stdout, mon.Stderr = out, se
	if err := mon.Start(); err != nil {
		t.Fatal(err)
	}
	monDone := make(chan error, 1)
	go func() { monDone <- mon.Wait() }()
	t.Cleanup(func() { _ = mon.Process.Kill() })
	defer func() {
		if t.Failed() {
			t.Logf("events:\n%s\nstderr:\n%s", out.String(), se.String())
		}
	}()
	metrics := nsMetrics(ns, "http://127.0.0.1:9797/metrics")
	// waitFor polls cond every 100 ms until it holds (failure bound 20 s);
	// the monitor must still run meanwhile.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
			select {
			case err := <-monDone:
				t.Fatalf("the monitor stopped (%v) while waiting for %s", err, what)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	metric := func(series string) (float64, bool) {
		text, err := metrics()
		if err != nil {
			return 0, false
		}
		for _, l := range strings.Split(text, "\n") {
			if v, ok := strings.CutPrefix(l, series+" "); ok {
				f, err := strconv.ParseFloat(v, 64)
				return f, err == nil
			}
		}
		return 0, false
	}
	received := func(ifc string) float64 {
		v, _ := metric(`smcdump_udp_stream_received_datagrams_total{group="` + grp(ifc) + `",interface="` + ifc + `",port="5000",src="10.9.0.1"}`)
		return v
	}
	events := func() []monEvent {
		var evs []monEvent
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if sc.Text() != "" {
				evs = append(evs, parseMonEvent(t, sc.Text(), jsonLines))
			}
		}
		return evs
	}
	hasEvent := func(typ, name, state string) bool {
		for _, ev := range events() {
			if ev.Type == typ && ev.Name == name && ev.State == state {
				return true
			}
		}
		return false
	}

	// The traffic: 100 datagrams a second on each pair, at most 60 s.
	stop := make(chan struct{})
	senderDone := make(chan struct{})
	var sent atomic.Int64
	go mcastSender(ns, stop, senderDone, &sent)
	defer func() { close(stop); <-senderDone }()

	waitFor("both streams", func() bool { return received("mb1") >= 100 && received("mb2") >= 100 })

	// The outage.
	if deleteIt {
		sh("ip", "-n", ns, "link", "del", victim) // takes its peer along
	} else {
		sh("ip", "-n", ns, "link", "set", victim, "down")
	}
	waitFor("the down event", func() bool { return hasEvent("interface", victim, "down") })
	waitFor("the gauge at 0", func() bool {
		v, ok := metric(`smcdump_capture_interface_up{interface="` + victim + `"}`)
		return ok && v == 0
	})
	if v, _ := metric(`smcdump_capture_interface_outages_total{interface="` + victim + `"}`); v != 1 {
		t.Errorf("outages of %s: %v, want 1", victim, v)
	}
	// The other interface's stream goes on being captured and judged.
	r0 := received(other)
	waitFor("the other stream during the outage", func() bool { return received(other) >= r0+150 })
	if v, ok := metric(`smcdump_capture_interface_up{interface="` + other + `"}`); !ok || v != 1 {
		t.Errorf("the gauge of %s: %v (%v), want 1", other, v, ok)
	}

	// Back.
	if deleteIt {
		pair(k)
	} else {
		sh("ip", "-n", ns, "link", "set", victim, "up")
		waitOperUp(t, ns, "ma"+k, victim)
	}
	waitFor("the up event", func() bool { return hasEvent("interface", victim, "up") })
	waitFor("the gauge at 1", func() bool {
		v, ok := metric(`smcdump_capture_interface_up{interface="` + victim + `"}`)
		return ok && v == 1
	})
	r1 := received(victim)
	waitFor("the stream of "+victim+" again", func() bool { return received(victim) >= r1+100 })
	waitFor("the outage gap", func() bool {
		for _, ev := range events() {
			if ev.Type == "outage-gap" {
				return true
			}
		}
		return false
	})
	waitFor("the unobserved datagrams counted", func() bool {
		v, ok := metric("smcdump_udp_unobserved_datagrams_total")
		return ok && v > 0
	})
	lost, ok := metric("smcdump_udp_lost_datagrams_total")
	if !ok || lost != 0 {
		t.Errorf("smcdump_udp_lost_datagrams_total %v (%v), want 0: the outage counted as loss", lost, ok)
	}

	// The end: the monitor stops on SIGTERM with status 0.
	close(stop)
	<-senderDone
	stop = make(chan struct{}) // for the deferred close
	_ = mon.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-monDone:
		if err != nil {
			t.Fatalf("monitor exit: %v\n%s", err, se.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the monitor did not stop on SIGTERM")
	}

	var ifEvents []string
	var unobs uint64
	stops := map[string]bool{}
	for _, ev := range events() {
		switch ev.Type {
		case "interface":
			ifEvents = append(ifEvents, ev.Name+" "+ev.State)
		case "gap":
			t.Errorf("gap reported as loss: %s", ev.Text)
		case "outage-gap":
			if ev.Dst != grp(victim)+":5000" || ev.Interface != victim || ev.Count == 0 {
				t.Errorf("outage gap: %s", ev.Text)
			}
		case "stream-stop":
			stops[ev.Dst] = true
			if ev.Lost != 0 {
				t.Errorf("stream-stop with loss: %s", ev.Text)
			}
			if ev.Dst == grp(victim)+":5000" {
				unobs = ev.Unobs
			} else if ev.Unobs != 0 {
				t.Errorf("unobserved datagrams on the other stream: %s", ev.Text)
			}
		case "counters":
			// No interval verdict may call the outage a loss.
			if strings.Contains(ev.Text, grp(victim)) && regexp.MustCompile(`loss-before-receiver|capture-artefact|unexplained`).MatchString(ev.Text) {
				t.Errorf("interval verdict: %s", ev.Text)
			}
		}
	}
	if strings.Join(ifEvents, ",") != victim+" down,"+victim+" up" {
		t.Errorf("interface events %v, want %s down then up", ifEvents, victim)
	}
	if !stops[grp("mb1")+":5000"] || !stops[grp("mb2")+":5000"] || unobs == 0 {
		t.Errorf("stream stops %v, unobserved on %s: %d", stops, victim, unobs)
	}
	what := "went down"
	if deleteIt {
		what = "was deleted"
	}
	for _, want := range []string{"smcdump: " + victim + " " + what, "smcdump: " + victim + " is up again"} {
		if !strings.Contains(se.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
}

// TestCaptureInterfaceDownExits: the capture (tcpdump's mode) still ends
// when its interface goes down, as tcpdump does.
func TestCaptureInterfaceDownExits(t *testing.T) {
	ns := testNetns(t)
	cmd, se := startLive(t, ns, io.Discard, smcdumpBinary(t), "-i", "vb", "-n")
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "vb", "down").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 || !strings.Contains(se.String(), "smcdump: capture: vb: The interface went down") {
			t.Fatalf("exit %v, stderr:\n%s", err, se.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the capture did not stop when its interface went down")
	}
}

// waitOperUp waits until the links report operstate UP (failure bound
// 10 s): until then a veth drops what it is given.
func waitOperUp(t *testing.T, ns string, links ...string) {
	t.Helper()
	for _, l := range links {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			out, _ := exec.Command("ip", "-n", ns, "-o", "link", "show", l).Output()
			if strings.Contains(string(out), "state UP") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not come up: %s", l, out)
			}
		}
	}
}

// inNS runs fn on a thread that joined namespace ns (the thread is never
// unlocked: the runtime discards it).
func inNS(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
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
		errc <- fn()
	}()
	return <-errc
}

// nsMetrics returns a function that fetches url from inside namespace ns
// (the connection's socket is made there).
func nsMetrics(ns, url string) func() (string, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var conn net.Conn
			err := inNS(ns, func() error {
				var d net.Dialer
				var err error
				conn, err = d.DialContext(ctx, network, addr)
				return err
			})
			return conn, err
		},
	}}
	return func() (string, error) {
		resp, err := c.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
}

// mcastSender sends, inside namespace ns, a datagram every 10 ms out of
// ma1 (to 239.9.0.1:5000) and ma2 (to 239.9.0.2:5000), each with the
// next value of its 8-byte counter (the counter goes on while an
// interface is down or missing), until stop or 60 s (6,000 each).
func mcastSender(ns string, stop <-chan struct{}, done chan<- struct{}, sent *atomic.Int64) {
	defer close(done)
	_ = inNS(ns, func() error {
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		ifindex := [2]int{}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for seq := uint64(1); seq <= 6000; seq++ {
			select {
			case <-stop:
				return nil
			case <-tick.C:
			}
			for k := range 2 {
				name := fmt.Sprintf("ma%d", k+1)
				if ifindex[k] == 0 {
					if ifc, err := net.InterfaceByName(name); err == nil {
						ifindex[k] = ifc.Index
					} else {
						continue // deleted: not there yet
					}
				}
				frame := mcastFrame(byte(k+1), seq)
				sa := &unix.SockaddrLinklayer{Ifindex: ifindex[k], Halen: 6}
				copy(sa.Addr[:], frame[:6])
				if err := unix.Sendto(fd, frame, 0, sa); err != nil {
					ifindex[k] = 0 // look the interface up again (re-created)
					continue
				}
				sent.Add(1)
			}
		}
		return nil
	})
}

// mcastFrame is an Ethernet + IPv4 + UDP datagram (synthetic) from
// 10.9.0.1:4000 to 239.9.0.g:5000 carrying seq as an 8-byte counter.
func mcastFrame(g byte, seq uint64) []byte {
	f := make([]byte, 14+20+8+8)
	copy(f, []byte{0x01, 0x00, 0x5e, 0x09, 0x00, g, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00})
	ip := f[14:34]
	ip[0], ip[8], ip[9] = 0x45, 1, 17
	binary.BigEndian.PutUint16(ip[2:], 20+8+8)
	copy(ip[12:], []byte{10, 9, 0, 1})
	copy(ip[16:], []byte{239, 9, 0, g})
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	u := f[34:42]
	binary.BigEndian.PutUint16(u[0:], 4000)
	binary.BigEndian.PutUint16(u[2:], 5000)
	binary.BigEndian.PutUint16(u[4:], 16)
	binary.BigEndian.PutUint64(f[42:], seq)
	return f
}
