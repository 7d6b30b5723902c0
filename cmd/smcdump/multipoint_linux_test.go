//go:build linux

package main

// Several capture points, real (issue 13): three network namespaces
// joined by veth pairs, the middle one forwarding (ip_forward=1) with an
// nftables forward-chain rule, smcdump capturing on every interface, and
// "smcdump analyze --point ..." asked where the problem happened:
//
//	client 10.88.1.1 — vl/vrl [router] vrr/vr — server 10.88.2.1
//
//	a. the router's rule "tcp flags syn reset tcp option 254" turns the SMC
//	   option into NOPs; testdata/multipoint/synsend sends SYNs with the
//	   option from a raw socket (what an AF_SMC socket sends, without the
//	   smc module), the server's kernel answers RST. Expected: "stripped
//	   between client and router" with every SYN as evidence (router = the
//	   capture on the router's server-side interface, after forwarding);
//	   with the router's client-side capture as its own point the strip is
//	   localized inside the router. Clock offset between the points (all
//	   one kernel clock): within ±2 ms of zero.
//	b. the router's rule "udp dport 14400 numgen inc mod 10 0 counter drop"
//	   drops every tenth datagram of the msend-compatible sender
//	   (testdata/mcastlab/msend, unicast): "lost between sender and
//	   router: N" with N the nftables counter, exactly.
//	c. a fixed 20 ms delay in the router, from a user-space forwarder
//	   (testdata/multipoint/udpdelay: the datagrams leave with the
//	   router's address, so they are matched by payload alone): the
//	   sender—router delay is 20 ms to 22 ms (one direction only, so it
//	   includes the clock offset, here zero: one kernel clock).
//	d. the same 20 ms from "tc qdisc ... netem delay 20ms" on both router
//	   interfaces, with TCP both ways: offset within ±2 ms of 0, delay
//	   20 ms to 22 ms each way; skipped with a message when the kernel has
//	   no sch_netem.
//	e. segmentation offloads: 16 MiB over one TCP connection
//	   (testdata/multipoint/tcpbulk), the client's capture holding the
//	   64 KB super-segments its veth passes on (TSO), the router's
//	   server-side veth without TSO/GSO (the kernel cuts them to the MTU),
//	   the server's veth without GRO (GRO would merge the pieces again,
//	   often at the same boundaries: then they match one to one).
//	   Expected: the segments counted as resegmented, not lost; a segment
//	   reported lost only where the client sent its bytes again (a real
//	   drop in the router, which a busy machine does make); the server got
//	   every byte. Skipped with a message without ethtool.
//
// With -update the recorded captures and the reports are written to
// testdata/multipoint (the analyze/multipoint golden tests read them).
// Traffic stays inside the namespaces; each scenario takes a few seconds.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/multipoint"
)

type mpBins struct{ smcdump, synsend, msend, udpdelay, tcpbulk string }

func mpBuild(t *testing.T) mpBins {
	t.Helper()
	dir := t.TempDir()
	goTool := "go" // go test puts GOROOT/bin first in PATH
	b := mpBins{filepath.Join(dir, "smcdump"), filepath.Join(dir, "synsend"), filepath.Join(dir, "msend"), filepath.Join(dir, "udpdelay"), filepath.Join(dir, "tcpbulk")}
	for _, p := range [][2]string{{b.smcdump, "."}, {b.synsend, "../../testdata/multipoint/synsend"}, {b.msend, "../../testdata/mcastlab/msend"}, {b.udpdelay, "../../testdata/multipoint/udpdelay"}, {b.tcpbulk, "../../testdata/multipoint/tcpbulk"}} {
		cmd := exec.Command(goTool, "build", "-o", p[0], p[1])
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", p[1], err, out)
		}
	}
	return b
}

// mpLab is client — router — server. It reuses the loss lab's process
// helpers (lossLab.start, llProc).
type mpLab struct {
	*lossLab
	nsL, nsM, nsR string // left, middle (router), right
	vL, vML       string // left veth pair: client side, router side
	vMR, vR       string // right veth pair: router side, server side
	dir           string
}

func newMPLab(t *testing.T, tag string) *mpLab {
	t.Helper()
	id := fmt.Sprintf("%d%s", os.Getpid(), tag)
	l := &mpLab{lossLab: &lossLab{t: t, dir: t.TempDir()},
		nsL: "smcmp-l" + id, nsM: "smcmp-m" + id, nsR: "smcmp-r" + id,
		vL: "mpl" + id, vML: "mpml" + id, vMR: "mpmr" + id, vR: "mpr" + id}
	l.dir = l.lossLab.dir
	if len(l.vML) > 15 {
		t.Fatalf("interface name %q too long", l.vML)
	}
	t.Cleanup(func() {
		for _, ns := range []string{l.nsL, l.nsM, l.nsR} {
			_ = exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	for _, ns := range []string{l.nsL, l.nsM, l.nsR} {
		l.must("ip", "netns", "add", ns)
		_, _ = llRun(5*time.Second, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	}
	l.must("ip", "link", "add", l.vL, "netns", l.nsL, "type", "veth", "peer", "name", l.vML, "netns", l.nsM)
	l.must("ip", "link", "add", l.vMR, "netns", l.nsM, "type", "veth", "peer", "name", l.vR, "netns", l.nsR)
	for _, c := range [][]string{
		{"-n", l.nsL, "addr", "add", "10.88.1.1/24", "dev", l.vL},
		{"-n", l.nsM, "addr", "add", "10.88.1.254/24", "dev", l.vML},
		{"-n", l.nsM, "addr", "add", "10.88.2.254/24", "dev", l.vMR},
		{"-n", l.nsR, "addr", "add", "10.88.2.1/24", "dev", l.vR},
		{"-n", l.nsL, "link", "set", "lo", "up"},
		{"-n", l.nsM, "link", "set", "lo", "up"},
		{"-n", l.nsR, "link", "set", "lo", "up"},
		{"-n", l.nsL, "link", "set", l.vL, "up"},
		{"-n", l.nsM, "link", "set", l.vML, "up"},
		{"-n", l.nsM, "link", "set", l.vMR, "up"},
		{"-n", l.nsR, "link", "set", l.vR, "up"},
		{"-n", l.nsL, "route", "add", "default", "via", "10.88.1.254"},
		{"-n", l.nsR, "route", "add", "default", "via", "10.88.2.254"},
	} {
		l.must(append([]string{"ip"}, c...)...)
	}
	l.must("ip", "netns", "exec", l.nsM, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	for _, nv := range [][2]string{{l.nsL, l.vL}, {l.nsM, l.vML}, {l.nsM, l.vMR}, {l.nsR, l.vR}} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, _ := llRun(5*time.Second, "ip", "-n", nv[0], "-o", "link", "show", "dev", nv[1])
			if strings.Contains(out, "state UP") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not come up: %s", nv[1], out)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return l
}

// nft loads an nftables ruleset into the router.
func (l *mpLab) nft(rules string) {
	l.t.Helper()
	p := filepath.Join(l.dir, "rules.nft")
	if err := os.WriteFile(p, []byte(rules), 0o644); err != nil {
		l.t.Fatal(err)
	}
	l.must("ip", "netns", "exec", l.nsM, "nft", "-f", p)
}

// capture starts smcdump on every interface; stop ends them.
func (l *mpLab) capture(bins mpBins, filter string, names ...string) (files map[string]string, stop func()) {
	l.t.Helper()
	files = map[string]string{}
	var procs []*llProc
	for i, nv := range [][2]string{{l.nsL, l.vL}, {l.nsM, l.vML}, {l.nsM, l.vMR}, {l.nsR, l.vR}} {
		f := filepath.Join(l.dir, names[i]+".pcapng")
		files[names[i]] = f
		p := l.start(nv[0], false, bins.smcdump, "-i", nv[1], "-w", f, filter)
		p.waitFor(l.t, "listening on "+nv[1], 15*time.Second)
		procs = append(procs, p)
	}
	return files, func() {
		time.Sleep(300 * time.Millisecond) // the last replies
		for _, p := range procs {
			if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
				l.t.Fatal(err)
			}
		}
		for _, p := range procs {
			if err := p.wait(l.t, 15*time.Second); err != nil {
				l.t.Fatalf("capture exit: %v\n%s", err, p.text())
			}
		}
	}
}

func mpRoot(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping the multi-point lab in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping the multi-point lab: needs root (network namespaces, nftables, AF_PACKET, raw sockets); CI runs as root")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping the multi-point lab: needs %s (Debian packages iproute2, nftables): %v", tool, err)
		}
	}
}

// mpAnalyze runs smcdump analyze with points and returns the JSON report,
// the text and the exit code of a --fail-on run.
func mpAnalyze(t *testing.T, bin string, failOn string, points ...string) (*multipoint.Report, string, int) {
	t.Helper()
	var args []string
	for _, p := range points {
		args = append(args, "--point", p)
	}
	js, code := llRun(60*time.Second, append([]string{bin, "analyze", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("analyze --json: exit %d\n%s", code, js)
	}
	var rep multipoint.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatalf("analyze --json: %v\n%s", err, js)
	}
	text, code := llRun(60*time.Second, append([]string{bin, "analyze"}, args...)...)
	if code != 0 {
		t.Fatalf("analyze: exit %d\n%s", code, text)
	}
	_, gate := llRun(60*time.Second, append([]string{bin, "analyze", "--fail-on", failOn}, args...)...)
	return &rep, text, gate
}

func mpVerdicts(rep *multipoint.Report, kind string) []multipoint.Verdict {
	var out []multipoint.Verdict
	for _, v := range rep.Verdicts {
		if v.Kind == kind {
			out = append(out, v)
		}
	}
	return out
}

// mpSave copies the recorded captures and the reports to testdata/multipoint.
func mpSave(t *testing.T, bin, scenario string, files map[string]string, points [][2]string) {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "multipoint")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 200<<10 {
			t.Fatalf("%s: %d bytes, too big to commit", f, len(b))
		}
		if err := os.WriteFile(filepath.Join(dir, scenario+"-"+name+".pcapng"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_ = bin
	_ = points
}

func TestMultipointLab(t *testing.T) {
	mpRoot(t)
	bins := mpBuild(t)

	t.Run("a-option-stripped", func(t *testing.T) {
		l := newMPLab(t, "a")
		l.nft("table inet mp {\n chain fw {\n  type filter hook forward priority 0;\n  tcp flags syn reset tcp option 254\n }\n}\n")
		names := []string{"client", "router-in", "router", "server"}
		files, stop := l.capture(bins, "tcp", names...)
		const n = 20
		out := l.must("ip", "netns", "exec", l.nsL, bins.synsend, "-src", "10.88.1.1", "-dst", "10.88.2.1", "-port", "5000", "-n", strconv.Itoa(n), "-gap", "10ms")
		if !strings.Contains(out, fmt.Sprintf(`"sent": %d`, n)) {
			t.Fatalf("synsend: %s", out)
		}
		stop()
		if *update {
			mpSave(t, bins.smcdump, "stripped", files, nil)
		}

		rep, text, gate := mpAnalyze(t, bins.smcdump, "stripped",
			"client="+files["client"], "router="+files["router"], "server="+files["server"])
		t.Logf("\n%s", text)
		vs := mpVerdicts(rep, "stripped")
		if len(vs) != 1 || vs[0].From != "client" || vs[0].To != "router" || vs[0].Count != n {
			t.Fatalf("stripped verdicts: %+v\n%s", vs, text)
		}
		if !strings.Contains(text, "stripped between client and router") {
			t.Errorf("text lacks %q:\n%s", "stripped between client and router", text)
		}
		if gate != codeGate {
			t.Errorf("--fail-on stripped: exit %d, want %d", gate, codeGate)
		}
		if len(rep.Verdicts) != 1 {
			t.Errorf("verdicts beyond the strip: %+v", rep.Verdicts)
		}
		// The clocks are the same kernel clock: offset 0 within ±2 ms.
		for _, h := range rep.Hops {
			if !h.Clock.Known {
				t.Errorf("hop %s—%s: clock offset not estimated (%s)", h.From, h.To, h.Clock.Note)
				continue
			}
			if off := time.Duration(h.Clock.OffsetNs); off < -2*time.Millisecond || off > 2*time.Millisecond {
				t.Errorf("hop %s—%s: clock offset %v, want within ±2ms of 0", h.From, h.To, off)
			}
			if h.Forward.Packets != n || h.Reverse.Packets != n || h.Forward.Lost != 0 || h.Reverse.Lost != 0 {
				t.Errorf("hop %s—%s: forward %+v reverse %+v, want %d each way, none lost", h.From, h.To, h.Forward, h.Reverse, n)
			}
		}

		// The router's client-side capture as its own point: the strip is
		// inside the router (the forward chain), after its ingress tap.
		rep4, text4, _ := mpAnalyze(t, bins.smcdump, "stripped",
			"client="+files["client"], "router-in="+files["router-in"], "router="+files["router"], "server="+files["server"])
		vs = mpVerdicts(rep4, "stripped")
		if len(vs) != 1 || vs[0].From != "router-in" || vs[0].To != "router" || vs[0].Count != n {
			t.Fatalf("4 points: stripped verdicts: %+v\n%s", vs, text4)
		}
	})

	t.Run("b-udp-lost-between", func(t *testing.T) {
		l := newMPLab(t, "b")
		l.nft("table inet mp {\n chain fw {\n  type filter hook forward priority 0;\n  udp dport 14400 numgen inc mod 10 0 counter drop\n }\n}\n")
		names := []string{"sender", "router-in", "router", "receiver"}
		files, stop := l.capture(bins, "udp", names...)
		out := l.must("ip", "netns", "exec", l.nsL, bins.msend, "-c", "500", "-r", "1000", "-m", "40", "-s", "100", "-E", "100", "-q", "10.88.2.1", "14400", "1", "10.88.1.1")
		if !strings.Contains(out, `"sent": 500`) && !strings.Contains(out, `"sent":500`) {
			t.Fatalf("msend: %s", out)
		}
		stop()
		ruleset := l.must("ip", "netns", "exec", l.nsM, "nft", "list", "ruleset")
		m := regexp.MustCompile(`counter packets (\d+)`).FindStringSubmatch(ruleset)
		if m == nil {
			t.Fatalf("no counter in\n%s", ruleset)
		}
		dropped, _ := strconv.Atoi(m[1])
		if dropped < 50 {
			t.Fatalf("nftables dropped %d datagrams, want at least 50 (500 sent, every tenth)", dropped)
		}
		if *update {
			mpSave(t, bins.smcdump, "udp-lost", files, nil)
		}
		rep, text, gate := mpAnalyze(t, bins.smcdump, "lost-between",
			"sender="+files["sender"], "router="+files["router"], "receiver="+files["receiver"])
		t.Logf("\n%s", text)
		want := fmt.Sprintf("lost between sender and router: %d", dropped)
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
		vs := mpVerdicts(rep, "lost-between")
		if len(vs) != 1 || vs[0].From != "sender" || vs[0].To != "router" || vs[0].Count != dropped {
			t.Fatalf("lost-between verdicts: %+v (nftables dropped %d)\n%s", vs, dropped, text)
		}
		if gate != codeGate {
			t.Errorf("--fail-on lost-between: exit %d, want %d", gate, codeGate)
		}
		if len(rep.Verdicts) != 1 {
			t.Errorf("verdicts beyond the loss: %+v", rep.Verdicts)
		}
		// Nothing is lost between router and receiver.
		if h := rep.Hops[1]; h.Forward.Lost != 0 || h.Forward.Packets == 0 {
			t.Errorf("router—receiver: %+v", h.Forward)
		}
	})

	t.Run("c-delay-user-space-forwarder", func(t *testing.T) {
		l := newMPLab(t, "c")
		names := []string{"sender", "router-in", "router", "receiver"}
		files, stop := l.capture(bins, "udp", names...)
		fwd := l.start(l.nsM, false, bins.udpdelay, "-listen", "10.88.1.254:14500", "-to", "10.88.2.1:14400", "-delay", "20ms", "-idle", "1s")
		fwd.waitFor(t, "ready", 15*time.Second)
		const n = 200
		out := l.must("ip", "netns", "exec", l.nsL, bins.msend, "-c", strconv.Itoa(n), "-r", "200", "-m", "40", "-s", "100", "-E", "100", "-q", "10.88.1.254", "14500", "1", "10.88.1.1")
		if !strings.Contains(out, fmt.Sprintf(`"sent": %d`, n)) && !strings.Contains(out, fmt.Sprintf(`"sent":%d`, n)) {
			t.Fatalf("msend: %s", out)
		}
		if err := fwd.wait(t, 15*time.Second); err != nil {
			t.Fatalf("udpdelay: %v\n%s", err, fwd.text())
		}
		if !strings.Contains(fwd.text(), fmt.Sprintf(`"forwarded": %d`, n+2)) {
			t.Fatalf("udpdelay: %s (want %d forwarded: echo, data, stat)", fwd.text(), n+2)
		}
		stop()
		if *update {
			mpSave(t, bins.smcdump, "delay", files, nil)
		}
		rep, text, _ := mpAnalyze(t, bins.smcdump, "lost-between",
			"sender="+files["sender"], "router="+files["router"], "receiver="+files["receiver"])
		t.Logf("\n%s", text)
		h := rep.Hops[0]
		if h.MatchedByPayload != n+2 || h.Forward.Packets != n+2 || h.Forward.Lost != 0 || len(rep.Verdicts) != 0 {
			t.Fatalf("sender—router: %+v, verdicts %+v", h, rep.Verdicts)
		}
		// Bound: at least the 20 ms the forwarder holds each datagram, at
		// most 2 ms more (the minimum over 202 datagrams).
		if d := h.Forward.Delay; d == nil || d.MinNs < int64(20*time.Millisecond) || d.MinNs > int64(22*time.Millisecond) {
			t.Errorf("sender→router delay %+v, want min 20 ms to 22 ms", d)
		}
		if h := rep.Hops[1]; h.Matched != n+2 || h.MatchedByPayload != 0 {
			t.Errorf("router—receiver: %+v", h)
		}
	})

	t.Run("e-segmentation-offload", func(t *testing.T) {
		if _, err := exec.LookPath("ethtool"); err != nil {
			t.Skip("skipping the segmentation offload case: no ethtool (Debian package ethtool)")
		}
		l := newMPLab(t, "e")
		l.must("ip", "netns", "exec", l.nsM, "ethtool", "-K", l.vMR, "tso", "off", "gso", "off")
		l.must("ip", "netns", "exec", l.nsR, "ethtool", "-K", l.vR, "gro", "off")
		names := []string{"client", "router-in", "router", "server"}
		files, stop := l.capture(bins, "tcp port 5001", names...)
		const n = 16 << 20
		srv := l.start(l.nsR, false, bins.tcpbulk, "-listen", "10.88.2.1:5001")
		srv.waitFor(t, "ready", 15*time.Second)
		out := l.must("ip", "netns", "exec", l.nsL, bins.tcpbulk, "-connect", "10.88.2.1:5001", "-bytes", strconv.Itoa(n))
		if !strings.Contains(out, fmt.Sprintf(`"sent": %d`, n)) {
			t.Fatalf("tcpbulk: %s", out)
		}
		if err := srv.wait(t, 20*time.Second); err != nil || !strings.Contains(srv.text(), fmt.Sprintf(`"received": %d`, n)) {
			t.Fatalf("tcpbulk server: %v %s", err, srv.text())
		}
		stop()
		rep, text, _ := mpAnalyze(t, bins.smcdump, "lost-between",
			"client="+files["client"], "server="+files["server"])
		t.Logf("\n%s", text)
		h := rep.Hops[0]
		if h.ResegmentedFrom == 0 || h.ResegmentedTo == 0 || h.Forward.Resegmented == 0 {
			t.Fatalf("no resegmented segments: %+v\n%s", h, text)
		}
		rtx := bulkRetransmissions(t, bins.smcdump, files["client"])
		if h.Forward.Lost > rtx {
			t.Errorf("client→server: %d segments reported lost, but the client sent bytes again only %d times", h.Forward.Lost, rtx)
		}
		if h.Forward.Appeared != 0 || h.Reverse.Lost != 0 {
			t.Errorf("client→server appeared %d, server→client lost %d; want 0 and 0", h.Forward.Appeared, h.Reverse.Lost)
		}
		// One kernel clock: the offset is 0 (within the ±2 ms the other
		// cases allow), and no delay is negative.
		if !h.Clock.Known {
			t.Errorf("clock not estimated: %s", h.Clock.Note)
		} else if off := time.Duration(h.Clock.OffsetNs); off < -2*time.Millisecond || off > 2*time.Millisecond {
			t.Errorf("clock offset %v, want within ±2 ms of 0", off)
		}
		for _, d := range []*multipoint.Delay{h.Forward.Delay, h.Reverse.Delay} {
			if d != nil && d.MinNs < -int64(2*time.Millisecond) {
				t.Errorf("delay %+v below -2 ms", d)
			}
		}
	})

	t.Run("d-delay-netem", func(t *testing.T) {
		if _, err := exec.LookPath("tc"); err != nil {
			t.Skip("skipping the netem delay case: no tc (Debian package iproute2)")
		}
		l := newMPLab(t, "d")
		for _, dev := range []string{l.vML, l.vMR} {
			if out, code := llRun(10*time.Second, "ip", "netns", "exec", l.nsM, "tc", "qdisc", "add", "dev", dev, "root", "netem", "delay", "20ms"); code != 0 {
				t.Skipf("skipping the netem delay case: the kernel has no sch_netem (%s); case c covers the delay with a user-space forwarder", strings.TrimSpace(out))
			}
		}
		names := []string{"client", "router-in", "router", "server"}
		files, stop := l.capture(bins, "tcp", names...)
		const n = 20
		l.must("ip", "netns", "exec", l.nsL, bins.synsend, "-src", "10.88.1.1", "-dst", "10.88.2.1", "-port", "5000", "-n", strconv.Itoa(n), "-gap", "10ms")
		stop()
		rep, text, _ := mpAnalyze(t, bins.smcdump, "stripped",
			"client="+files["client"], "router-in="+files["router-in"], "router="+files["router"], "server="+files["server"])
		t.Logf("\n%s", text)
		h := rep.Hops[1] // router-in — router: netem on the egress of both
		if !h.Clock.Known {
			t.Fatalf("router-in—router: clock not estimated: %s", h.Clock.Note)
		}
		if off := time.Duration(h.Clock.OffsetNs); off < -2*time.Millisecond || off > 2*time.Millisecond {
			t.Errorf("offset %v, want within ±2 ms of 0", off)
		}
		for _, d := range []*multipoint.Delay{h.Forward.Delay, h.Reverse.Delay} {
			if d == nil || d.MinNs < int64(20*time.Millisecond)-int64(2*time.Millisecond) || d.MinNs > int64(22*time.Millisecond) {
				t.Errorf("delay %+v, want min 20 ms (-2 ms for the offset estimate) to 22 ms", d)
			}
		}
	})
}

// bulkRetransmissions counts the client's data segments that begin below
// the highest sequence number it had sent (sent again), from smcdump read
// -S's "seq A:B" (relative numbers would do too; absolute avoids the
// first-segment base).
func bulkRetransmissions(t *testing.T, bin, file string) int {
	t.Helper()
	out, err := exec.Command(bin, "read", "-r", file, "-S", "src", "host", "10.88.1.1").Output()
	if err != nil {
		t.Fatalf("smcdump read: %v", err)
	}
	re := regexp.MustCompile(`seq (\d+):(\d+),`)
	var hi uint32
	started, n := false, 0
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		a, _ := strconv.ParseUint(m[1], 10, 32)
		b, _ := strconv.ParseUint(m[2], 10, 32)
		if started && int32(uint32(a)-hi) < 0 {
			n++
		}
		if !started || int32(uint32(b)-hi) > 0 {
			hi = uint32(b)
		}
		started = true
	}
	return n
}
