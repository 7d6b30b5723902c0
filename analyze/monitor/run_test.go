package monitor

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRunStatsOnly: --no-capture serves the kernel counters (collected from
// this host's /proc and netlink, no capture), none of the series a capture
// feeds, and no counters event for an interval with nothing to correlate;
// Run returns when its context ends.
func TestRunStatsOnly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addrCh := make(chan net.Addr, 1)
	var events, stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunConfig{Listen: "127.0.0.1:0", StatsInterval: time.Second, Events: &events, JSON: true, Stderr: &stderr,
			Listening: func(a net.Addr) { addrCh <- a }})
	}()
	var addr net.Addr
	select {
	case addr = <-addrCh:
	case err := <-done:
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	}
	var text string
	for ctx.Err() == nil {
		resp, err := http.Get("http://" + addr.String() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text = string(b)
		if strings.Contains(text, "smcdump_kernel_udp_received_datagrams_total{") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(text, "smcdump_kernel_udp_received_datagrams_total{") || !strings.Contains(text, "smcdump_kernel_snapshot_timestamp_seconds ") {
		t.Errorf("no kernel counters in the exposition:\n%s", grep(text, "smcdump_"))
	}
	for _, name := range []string{"smcdump_capture_received_packets_total", "smcdump_udp_lost_datagrams_total", "smcdump_udp_streams ", "smcdump_tcp_plain_connections_total", "smcdump_tcp_open_connections"} {
		if strings.Contains(text, name) {
			t.Errorf("stats-only mode exports %s, which only a capture feeds (a 0 reads as no loss)", name)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if strings.Contains(events.String(), `"verdicts":[]`) {
		t.Errorf("a counters event with nothing to correlate: %q", events.String())
	}
}
