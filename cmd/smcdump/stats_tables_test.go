package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const labCapture = "../../testdata/lab/out/6.12/c-smcr-link.pcapng"

// TestStatsTablesCapture: a capture with embedded snapshots (REAL lab
// recording) lists them with their times; --snapshot picks one and the
// smc-tools selectors print its tables; N..M prints the deltas.
func TestStatsTablesCapture(t *testing.T) {
	if _, err := os.Stat(labCapture); err != nil {
		t.Skipf("lab recording not present: %v", err)
	}
	out, errs, code := runMain(t, "stats", "-r", labCapture)
	if code != 0 || !strings.Contains(out, "12 kernel counter snapshots") || !strings.Contains(out, "  12  2026-11-22T09:17:13.434730348Z  smclab-server") {
		t.Fatalf("list: exit %d %s\n%s", code, errs, out)
	}
	out, errs, code = runMain(t, "stats", "-r", labCapture, "--snapshot", "last", "--devices", "--linkgroups", "--links", "-d")
	for _, want := range []string{"## smcr -d device\n", "rxe0        1    ACTIVE", "*PNETLAB", "## smcr linkgroup\n", "00000100 SERV     SINGLE      0",
		"## smcr -d linkgroup link-show\n", "LINK_ACTIVE"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("tables lack %q (exit %d %s):\n%s", want, code, errs, out)
		}
	}
	out, _, code = runMain(t, "stats", "-r", labCapture, "--snapshot", "7", "--sockets", "-a", "--json")
	var tb struct {
		TakenAt string `json:"taken_at"`
		Sockets []struct {
			State string `json:"state"`
			Mode  string `json:"mode"`
		} `json:"sockets"`
	}
	if err := json.Unmarshal([]byte(out), &tb); err != nil || code != 0 || len(tb.Sockets) != 2 || tb.TakenAt == "" {
		t.Errorf("sockets JSON (exit %d, %v): %s", code, err, out)
	}
	out, _, code = runMain(t, "stats", "-r", labCapture, "--snapshot", "first..last")
	if code != 0 || !strings.Contains(out, "## smcr stats -d (this interval)") || !strings.Contains(out, "  SMC connections                       2 (client 0, server 2)") {
		t.Errorf("delta:\n%s", out)
	}
	if _, _, code := runMain(t, "stats", "-r", labCapture, "--snapshot", "13"); code != 2 {
		t.Errorf("--snapshot 13 of 12: exit %d, want 2", code)
	}
}

func TestStatsTableFlags(t *testing.T) {
	for _, args := range [][]string{{"-l", "-a"}, {"-R", "-D"}, {"-l", "-d"}, {"-d"}, {"--snapshot", "1"}, {"--sockets", "--watch", "1s"}} {
		if _, _, code := runMain(t, append([]string{"stats"}, args...)...); code != 2 {
			t.Errorf("stats %v: exit %d, want 2", args, code)
		}
	}
	// Saved smc-tools text through the selectors: smcss -a keeps the
	// fallback codes; smcr device read back.
	out, _, code := runMain(t, "stats", "-r", "../../testdata/kstat/tools/smcss-a.synthetic.txt", "--sockets", "-a")
	if code != 0 || !strings.Contains(out, "TCP 0x05000000/0x03030000\n") || !strings.Contains(out, "LISTEN         00000 0040001 0.0.0.0:12345") {
		t.Errorf("smcss -a:\n%s", out)
	}
	out, _, code = runMain(t, "stats", "-r", "../../testdata/kstat/tools/smcr-device.synthetic.txt", "--devices")
	if code != 0 || !strings.Contains(out, "eth1            mlx5_0      1    ACTIVE  RoCE_Express2   No       1  NET1") {
		t.Errorf("smcr device:\n%s", out)
	}
}
