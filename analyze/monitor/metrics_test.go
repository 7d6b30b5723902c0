package monitor

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// exposition returns what /metrics serves.
func exposition(t *testing.T, e *Engine) string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(e.Registry(), promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func feedFile(t *testing.T, e *Engine, path string) {
	t.Helper()
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	for {
		p, err := fr.Next()
		if err != nil {
			break
		}
		q := *p
		e.Packet(&q)
	}
}

// TestMetricsFromTraces: the lab traces' verdicts reach the metrics (the
// multicast-loss trace's 5 lost datagrams on the msend stream, the
// peer-no-smc fallback with its code), the exposition passes `promtool
// check metrics`, and every metric is documented in the README.
func TestMetricsFromTraces(t *testing.T) {
	e := New(Config{})
	e.Interfaces([]string{"eth1"}) // the capture interface series
	feedFile(t, e, "../../testdata/mcast/lab/nft-loss.pcapng")
	feedFile(t, e, "../../testdata/lab/out/6.12/a-peer-no-smc.pcapng")
	feedFile(t, e, "../../testdata/lab/out/6.12/c-smcr-link.pcapng")
	// real kernels' ICMP errors: port unreachable and TTL exceeded about
	// four UDP streams (two IPv4, two IPv6)
	feedFile(t, e, "../../testdata/icmp/diag.pcap")
	e.Close()
	text := exposition(t, e)
	for _, want := range []string{
		`smcdump_udp_stream_icmp_errors_total{group="10.2.0.1",interface="eth1",port="5555",src="10.1.0.1"} 1`,
		// traceroute's probes (port 33434): expected errors, not discards
		`smcdump_udp_stream_icmp_errors_total{group="10.2.0.1",interface="eth1",port="33434",src="10.1.0.1"} 0`,
		`smcdump_udp_icmp_errors_total 2`,
		`smcdump_udp_stream_lost_datagrams_total{group="239.77.1.1",interface="eth1",port="14400",src="10.77.0.1"} 5`,
		`smcdump_udp_lost_datagrams_total 5`,
		`smcdump_udp_gaps_total 5`,
		`smcdump_monitor_events_total{type="gap"} 5`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("exposition lacks %q:\n%s", want, grep(text, "smcdump_udp"))
		}
	}
	if !regexp.MustCompile(`(?m)^smcdump_smc_handshakes_total\{code="0x03010000",outcome="fallback",reason="peer-no-smc",server="[^"]+"\} 1$`).MatchString(text) {
		t.Errorf("no peer-no-smc fallback in the handshake counters:\n%s", grep(text, "smcdump_smc_handshakes_total"))
	}
	if !regexp.MustCompile(`(?m)^smcdump_smc_handshake_duration_seconds_count\{outcome="smc"\} [1-9]`).MatchString(text) {
		t.Errorf("handshake latency not observed:\n%s", grep(text, "smcdump_smc_handshake_duration"))
	}

	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range metricNames(text) {
		if !bytes.Contains(readme, []byte("`"+name+"`")) {
			t.Errorf("metric %s not documented in the README", name)
		}
	}

	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skip("promtool not installed (Debian package prometheus): exposition not checked")
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestKernelMetricsDocumented: the kernel-counter metrics (from a recorded
// snapshot of the lab, with SMC counters) are documented and pass promtool.
func TestKernelMetricsDocumented(t *testing.T) {
	var evs int
	e := New(Config{Emit: func(*Event) { evs++ }})
	_ = runEngineInto(t, e, "../../testdata/lab/out/6.12/b-no-device.pcapng")
	text := exposition(t, e)
	if !strings.Contains(text, "smcdump_kernel_smc_fallbacks_total{") {
		t.Fatalf("no kernel SMC fallback counters from the lab snapshots:\n%s", grep(text, "smcdump_kernel_smc"))
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range metricNames(text) {
		if !bytes.Contains(readme, []byte("`"+name+"`")) {
			t.Errorf("metric %s not documented in the README", name)
		}
	}
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skip("promtool not installed (Debian package prometheus)")
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestRulesAndDashboard: the shipped alerting rules pass `promtool check
// rules`, and the rules and the Grafana dashboard only use metrics the
// monitor exports.
func TestRulesAndDashboard(t *testing.T) {
	e := New(Config{})
	e.Interfaces([]string{"eth1"}) // the capture interface series
	feedFile(t, e, "../../testdata/mcast/lab/nft-loss.pcapng")
	_ = runEngineInto(t, e, "../../testdata/lab/out/6.12/b-no-device.pcapng")
	names := map[string]bool{"up": true}
	for _, n := range metricNames(exposition(t, e)) {
		names[n] = true
	}
	// series that only appear with traffic of their kind
	for _, n := range []string{"smcdump_kernel_smc_sockets", "smcdump_kernel_smc_connections_total", "smcdump_kernel_smc_buffer_full_total", "smcdump_capture_dropped_packets_total", "process_resident_memory_bytes"} {
		names[n] = true
	}
	re := regexp.MustCompile(`\b(smcdump_[a-z0-9_]+|process_[a-z_]+)\b`)
	for _, f := range []string{"../../docs/monitoring/smcdump-rules.yml", "../../docs/monitoring/grafana-dashboard.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllString(string(b), -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_count"), "_sum")
			if !names[m] && !names[base] {
				t.Errorf("%s uses %s, which the monitor does not export", f, m)
			}
		}
	}
	var d map[string]any
	b, _ := os.ReadFile("../../docs/monitoring/grafana-dashboard.json")
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skip("promtool not installed (Debian package prometheus): rules not checked")
	}
	if out, err := exec.Command("promtool", "check", "rules", "../../docs/monitoring/smcdump-rules.yml").CombinedOutput(); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
	// The multicast loss alerts, with and without capture drops.
	if out, err := exec.Command("promtool", "test", "rules", "testdata/rules_test.yml").CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}

func runEngineInto(t *testing.T, e *Engine, path string) error {
	t.Helper()
	evs := runEngineWith(t, e, path)
	_ = evs
	return nil
}

func metricNames(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "# TYPE smcdump_") {
			continue
		}
		f := strings.Fields(l)
		if !seen[f[2]] {
			seen[f[2]] = true
			out = append(out, f[2])
		}
	}
	return out
}

func grep(text, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// Synthetic frames (labelled synthetic): Ethernet + IPv4 + UDP or TCP SYN,
// for the limits tests, where many distinct flows are needed.
func synthFrame(src, dst netip.AddrPort, proto byte, payload []byte) []byte {
	b := make([]byte, 14, 14+20+20+len(payload))
	b[12], b[13] = 0x08, 0x00
	ip := make([]byte, 20)
	ip[0] = 0x45
	l4len := 8 + len(payload)
	if proto == 6 {
		l4len = 20
	}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+l4len))
	ip[8], ip[9] = 64, proto
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:], s4[:])
	copy(ip[16:], d4[:])
	b = append(b, ip...)
	if proto == 17 {
		u := make([]byte, 8)
		binary.BigEndian.PutUint16(u[0:], src.Port())
		binary.BigEndian.PutUint16(u[2:], dst.Port())
		binary.BigEndian.PutUint16(u[4:], uint16(l4len))
		b = append(append(b, u...), payload...)
		return b
	}
	tc := make([]byte, 20)
	binary.BigEndian.PutUint16(tc[0:], src.Port())
	binary.BigEndian.PutUint16(tc[2:], dst.Port())
	binary.BigEndian.PutUint32(tc[4:], 1000)
	tc[12] = 5 << 4
	tc[13] = 0x02 // SYN
	return append(b, tc...)
}

func synthPacket(ts time.Time, data []byte) *pcapfile.Packet {
	p := &pcapfile.Packet{LinkType: pcapfile.LinkType(1), Data: data}
	p.Info.Timestamp = ts
	p.Info.CaptureLength = len(data)
	p.Info.Length = len(data)
	return p
}

// TestStateBounded (synthetic flows): the open connections and tracked
// streams never exceed their limits, idle streams leave memory, and the
// exported stream series stay within their cap.
func TestStateBounded(t *testing.T) {
	e := New(Config{MaxConnections: 100, MaxStreams: 20, StreamIdle: 2 * time.Second, MaxExportedStreams: 5})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	maxConns, maxStreams := 0, 0
	for i := 0; i < 20000; i++ {
		ts := t0.Add(time.Duration(i) * time.Millisecond)
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(1024+i%50000))
		e.Packet(synthPacket(ts, synthFrame(src, netip.MustParseAddrPort("10.2.0.1:443"), 6, nil)))
		var seq [8]byte
		binary.BigEndian.PutUint64(seq[:], uint64(i))
		grp := netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 1, byte(i / 500), 1}), 5000)
		e.Packet(synthPacket(ts, synthFrame(netip.MustParseAddrPort("10.3.0.1:4000"), grp, 17, seq[:])))
		c, s := e.Stats()
		maxConns, maxStreams = max(maxConns, c), max(maxStreams, s)
	}
	// the shedding runs every 256 frames: at most that many over the limit
	if maxConns > 100+256 {
		t.Errorf("open connections reached %d (limit 100)", maxConns)
	}
	if maxStreams > 20 {
		t.Errorf("streams reached %d (limit 20)", maxStreams)
	}
	e.Tick(t0.Add(time.Hour))
	if c, s := e.Stats(); s != 0 {
		t.Errorf("after an idle hour: %d connections, %d streams still tracked", c, s)
	}
	text := exposition(t, e)
	if n := strings.Count(text, "\nsmcdump_udp_stream_received_datagrams_total{"); n > 5 {
		t.Errorf("%d exported stream series (cap 5)", n)
	}
	if len(e.export) > 5 || len(e.pending) > 100+256 {
		t.Errorf("export table %d, pending verdicts %d", len(e.export), len(e.pending))
	}
	fmt.Fprint(io.Discard, text)
}

// TestTunnelMetric: frames analyzed inside tunnels are counted by kind
// (a recorded capture fed three times: plain and inside two VXLAN VNIs).
func TestTunnelMetric(t *testing.T) {
	e := New(Config{})
	feedFile(t, e, zoneTraces(t)[1])
	e.Close()
	text := exposition(t, e)
	if want := `smcdump_tunnel_frames_total{kind="vxlan"} 902`; !strings.Contains(text, want+"\n") {
		t.Errorf("exposition lacks %q:\n%s", want, grep(text, "smcdump_tunnel"))
	}
}

// TestMembershipMetrics: the IGMP messages of a receiver that leaves its
// group and joins again behind a snooping bridge (real kernels,
// testdata/membership/leave-rejoin.pcapng) give the group's reports and
// leaves and the bridge's general queries with the time of the last.
func TestMembershipMetrics(t *testing.T) {
	e := New(Config{})
	feedFile(t, e, "../../testdata/membership/leave-rejoin.pcapng")
	e.Close()
	text := exposition(t, e)
	for _, want := range []string{
		`smcdump_multicast_general_queries_total{protocol="IGMP"} 1`,
		`smcdump_multicast_general_queries_total{protocol="MLD"} 0`,
		`smcdump_multicast_group_reports_total{group="239.79.1.1"} 2`,
		`smcdump_multicast_group_leaves_total{group="239.79.1.1"} 2`,
		`smcdump_multicast_last_general_query_timestamp_seconds{protocol="IGMP"} 1.79`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, `smcdump_multicast_last_general_query_timestamp_seconds{protocol="MLD"}`) {
		t.Error("a last MLD query time without an MLD query")
	}
}

// TestBurstDoesNotHideFeed (synthetic): a burst of short flows (a port
// scan) fills --max-streams; a feed that starts during the burst is still
// tracked (the least recently active streams stop to make room), and its
// loss reaches the metrics and the events, while the short flows stop
// without events of their own.
func TestBurstDoesNotHideFeed(t *testing.T) {
	var evs []*Event
	e := New(Config{MaxStreams: 50, Emit: func(ev *Event) { evs = append(evs, ev) }})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feed := netip.MustParseAddrPort("10.3.0.1:4000")
	grp := netip.MustParseAddrPort("239.1.1.9:5009")
	n := 0
	for i := range 3000 {
		ts := t0.Add(time.Duration(i) * 100 * time.Microsecond)
		scan := netip.AddrPortFrom(netip.MustParseAddr("10.9.0.1"), uint16(2000+i))
		e.Packet(synthPacket(ts, synthFrame(scan, netip.MustParseAddrPort("239.7.7.7:7000"), 17, []byte("x"))))
		if i >= 1000 && i%2 == 0 {
			if n++; n != 500 { // message 500 lost
				var seq [4]byte
				binary.BigEndian.PutUint32(seq[:], uint32(n))
				e.Packet(synthPacket(ts, synthFrame(feed, grp, 17, append(seq[:], make([]byte, 20)...))))
			}
		}
	}
	e.Close()
	text := exposition(t, e)
	if got := grep(text, "smcdump_udp_lost_datagrams_total"); got != "smcdump_udp_lost_datagrams_total 1\n" {
		t.Errorf("lost: %q", got)
	}
	if grep(text, "smcdump_udp_streams_finished_early_total") == "smcdump_udp_streams_finished_early_total 0\n" {
		t.Error("no stream finished early")
	}
	gaps, stops := 0, 0
	for _, ev := range evs {
		switch ev.Type {
		case EventGap:
			gaps++
		case EventStreamStop:
			stops++
		}
	}
	if gaps != 1 || stops > 60 {
		t.Errorf("%d gap events (want 1), %d stream-stop events for a burst of 3000 one-datagram flows", gaps, stops)
	}
}
