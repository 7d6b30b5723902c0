package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMonitorPrometheusLive (real components): smcdump monitor captures in a
// network namespace on one end of a veth pair, recorded traffic is replayed
// into the other end with tcpreplay (the multicast-loss lab trace: 5
// datagrams lost on the msend stream; a lab SMC trace whose server declined
// with 0x03030000), a real Prometheus scrapes the monitor every second, and
// its HTTP API must return the expected values. The monitor's JSON event
// lines give the verdicts `smcdump analyze` gives on the same files.
func TestMonitorPrometheusLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespace, veth, capture)")
	}
	for _, tool := range []string{"ip", "prometheus", "tcpreplay"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian packages iproute2, prometheus, tcpreplay; .ci/run installs them)", tool)
		}
	}
	deadline := time.Now().Add(55 * time.Second)
	bins := llBuild(t)
	mcastTrace, _ := filepath.Abs("../../testdata/mcast/lab/nft-loss.pcapng")
	smcTrace, _ := filepath.Abs("../../testdata/lab/out/6.12/b-no-device.pcapng")

	// Network: VA (test side) <-> VB in netns NS, where the monitor runs.
	id := os.Getpid() % 100000
	ns := fmt.Sprintf("smcmon%d", id)
	va, vb := fmt.Sprintf("smva%d", id), fmt.Sprintf("smvb%d", id)
	sub := fmt.Sprintf("10.215.%d", id%250)
	run := func(args ...string) {
		t.Helper()
		if out, code := llRun(10*time.Second, args...); code != 0 {
			t.Fatalf("%s: %s", strings.Join(args, " "), out)
		}
	}
	t.Cleanup(func() {
		llRun(5*time.Second, "ip", "link", "del", va)
		llRun(5*time.Second, "ip", "netns", "del", ns)
	})
	run("ip", "netns", "add", ns)
	run("ip", "link", "add", va, "type", "veth", "peer", "name", vb)
	run("ip", "link", "set", vb, "netns", ns)
	run("ip", "addr", "add", sub+".1/30", "dev", va)
	run("ip", "link", "set", va, "up")
	run("ip", "-n", ns, "addr", "add", sub+".2/30", "dev", vb)
	run("ip", "-n", ns, "link", "set", vb, "up")
	run("ip", "-n", ns, "link", "set", "lo", "up")

	// The monitor.
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	target := sub + ".2:9797"
	mon := exec.CommandContext(ctx, "ip", "netns", "exec", ns, bins.smcdump, "monitor", "-i", vb, "--json",
		"--listen", target, "--stats-interval", "1s", "--stream-idle", "2s")
	var events syncBuffer
	var monErr bytes.Buffer
	mon.Stdout, mon.Stderr = &events, &monErr
	if err := mon.Start(); err != nil {
		t.Fatal(err)
	}
	monDone := make(chan error, 1)
	go func() { monDone <- mon.Wait() }()
	var stopOnce sync.Once
	stopMon := func() {
		stopOnce.Do(func() {
			_ = mon.Process.Signal(syscall.SIGTERM)
			select {
			case <-monDone:
			case <-time.After(10 * time.Second):
				_ = mon.Process.Kill()
				<-monDone
			}
		})
	}
	defer stopMon()
	waitHTTP(t, "http://"+target+"/metrics", deadline, func() string { return monErr.String() })

	// Prometheus, scraping the monitor every second.
	dir := t.TempDir()
	port := freePort(t)
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: smcdump\n    static_configs:\n      - targets: ['%s']\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	promAddr := fmt.Sprintf("127.0.0.1:%d", port)
	prom := exec.CommandContext(ctx, "prometheus", "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr)
	var promOut bytes.Buffer
	prom.Stdout, prom.Stderr = &promOut, &promOut
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = prom.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = prom.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = prom.Process.Kill()
			<-done
		}
	}()
	waitHTTP(t, "http://"+promAddr+"/-/ready", deadline, func() string { return promOut.String() })

	// The traffic.
	if out, code := llRun(20*time.Second, "tcpreplay", "-q", "-i", va, "-t", mcastTrace, smcTrace); code != 0 {
		t.Fatalf("tcpreplay: %s", out)
	}

	query := func(q string) (float64, bool) {
		resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return 0, false
		}
		defer resp.Body.Close()
		var r struct {
			Status string
			Data   struct {
				Result []struct {
					Value [2]any
				}
			}
		}
		if json.NewDecoder(resp.Body).Decode(&r) != nil || r.Status != "success" || len(r.Data.Result) != 1 {
			return 0, false
		}
		s, _ := r.Data.Result[0].Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	checks := []struct {
		q    string
		want float64
	}{
		{`sum(smcdump_udp_stream_lost_datagrams_total{group="239.77.1.1",port="14400"})`, 5},
		{`sum(smcdump_udp_stream_gaps_total{group="239.77.1.1",port="14400"})`, 5},
		{`sum(smcdump_smc_handshakes_total{outcome="fallback",reason="decline",code="0x03030000"})`, 1},
		{`sum(smcdump_capture_dropped_packets_total)`, 0},
	}
	for _, c := range checks {
		var got float64
		ok := false
		for time.Now().Before(deadline) {
			if got, ok = query(c.q); ok && got == c.want {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if !ok || got != c.want {
			t.Errorf("Prometheus %s = %v (ok %v), want %v", c.q, got, ok, c.want)
		}
	}

	// The event lines against analyze on the replayed files.
	stopMon()
	want := map[string]bool{}
	for _, f := range []string{mcastTrace, smcTrace} {
		out, code := llRun(20*time.Second, bins.smcdump, "analyze", "--json", f)
		if code != 0 && code != 3 {
			t.Fatalf("analyze %s: %s", f, out)
		}
		var r struct {
			Connections []struct {
				Outcome, Reason string
				Decline         *struct{ Code string }
			}
			Multicast *struct {
				Streams []struct {
					Dst  string
					Lost uint64
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		for _, c := range r.Connections {
			code := ""
			if c.Decline != nil {
				code = c.Decline.Code
			}
			want[fmt.Sprintf("connection %s %s %s", c.Outcome, c.Reason, code)] = true
		}
		if r.Multicast != nil {
			for _, s := range r.Multicast.Streams {
				want[fmt.Sprintf("stream-stop %s lost=%d", s.Dst, s.Lost)] = true
			}
		}
	}
	got := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(events.String()))
	for sc.Scan() {
		var ev struct {
			Event      string
			Connection *struct{ Outcome, Reason, Code string }
			Stream     *struct {
				Dst  string
				Lost uint64
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("event line %q: %v", sc.Text(), err)
		}
		switch {
		case ev.Connection != nil:
			got[fmt.Sprintf("connection %s %s %s", ev.Connection.Outcome, ev.Connection.Reason, ev.Connection.Code)] = true
		case ev.Event == "stream-stop":
			got[fmt.Sprintf("stream-stop %s lost=%d", ev.Stream.Dst, ev.Stream.Lost)] = true
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("analyze says %q, the monitor's events do not", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("the monitor says %q, analyze does not", k)
		}
	}
	if t.Failed() {
		t.Logf("events:\n%s\nmonitor stderr:\n%s", events.String(), monErr.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitHTTP(t *testing.T, u string, deadline time.Time, logs func() string) {
	t.Helper()
	for time.Now().Before(deadline) {
		resp, err := http.Get(u)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s never answered:\n%s", u, logs())
}
