package main

import (
	"testing"
)

// Run explicitly: go test ./testdata/lab/labmanifest (testdata is not part of ./...).

func TestDerive(t *testing.T) {
	d := func(mode, rsn, pd string) *diagInfo { return &diagInfo{Mode: mode, Fallback: rsn, PeerDiag: pd} }
	tests := []struct {
		name                            string
		c                               connLog
		s                               *connLog
		outcome, reason, code, by, link string
		late                            *bool
	}{
		{"peer no smc", connLog{Proto: "smc", Diag: d("FALLBACK_TCP", "0x03010000", "0x00000000")}, &connLog{Proto: "tcp"},
			"fallback", "peer-no-smc", "0x03010000", "", "", ptr(false)},
		{"client declines", connLog{Proto: "smc", Diag: d("FALLBACK_TCP", "0x03030000", "0x00000000")},
			&connLog{Proto: "smc", Diag: d("FALLBACK_TCP", "0x05000000", "0x03030000")},
			"fallback", "decline", "0x03030000", "client", "", ptr(false)},
		{"server late decline", connLog{Proto: "smc", Diag: d("FALLBACK_TCP", "0x05000000", "0x02010000")},
			&connLog{Proto: "smc", Diag: d("FALLBACK_TCP", "0x02010000", "0x00000000")},
			"fallback", "decline", "0x02010000", "server", "not-visible", ptr(true)},
		{"smc", connLog{Proto: "smc", Diag: d("SMCR", "0x00000000", "0x00000000")}, nil,
			"smc", "", "", "", "confirmed", nil},
		{"stall", connLog{Proto: "smc", Err: "connect: still blocked after 30s", Diag: d("SMCR", "0x00000000", "0x00000000")}, nil,
			"handshake-error", "stalled-after-confirm", "", "", "stalled", nil},
		{"timeout", connLog{Proto: "smc", Err: "connect: connection timed out"}, nil,
			"handshake-error", "connect-error", "", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := derive(tt.c, tt.s, 0, 1, true, false)
			if v.Outcome != tt.outcome || v.Reason != tt.reason || v.Code != tt.code || v.DeclinedBy != tt.by || v.Link != tt.link {
				t.Fatalf("got %+v", v)
			}
			if (tt.late == nil) != (v.Late == nil) || (tt.late != nil && *tt.late != *v.Late) {
				t.Fatalf("late: got %v want %v", v.Late, tt.late)
			}
			if tt.outcome == "smc" && v.Version != 2 {
				t.Fatalf("version %d", v.Version)
			}
		})
	}
}

func ptr(b bool) *bool { return &b }

func TestHungStack(t *testing.T) {
	lines := []string{
		"[   41.897593] INFO: task peer:148 blocked for more than 20 seconds.",
		"[   41.905242]  smc_wr_drain_cq+0x8d/0xd0 [smc]",
		"[   41.905300]  ? smc_net_init+0x30/0x30 [smc]",
		"[   41.905932]  smc_lgr_free+0xb7/0xc0 [smc]",
		"[   41.906000]  </TASK>",
		"[   62.377545] INFO: task peer:148 blocked for more than 40 seconds.",
	}
	got := hungStack(lines)
	want := "INFO: task peer:148 blocked for more than 20 seconds.: smc_wr_drain_cq <- smc_lgr_free"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if hungStack(nil) != "" {
		t.Fatal("empty log must give empty stack")
	}
}

func TestParseStatsShort(t *testing.T) {
	// Truncated and garbage input must not panic.
	for _, b := range [][]byte{nil, {1, 2, 3}, make([]byte, 15), {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}} {
		parseStats(b, smcrTech)
	}
}
