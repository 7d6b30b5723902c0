package main

import (
	"testing"

	"github.com/smcdump/smcdump/capture"
)

func TestSummaryLines(t *testing.T) {
	got := summaryLines(1, capture.Counters{Received: 1, Dropped: 0})
	want := "1 packet captured\n1 packet received by filter\n0 packets dropped by kernel\n"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	got = summaryLines(13, capture.Counters{Received: 26, Dropped: 1})
	want = "13 packets captured\n26 packets received by filter\n1 packet dropped by kernel\n"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestParseFileSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "1": 1000000, "10k": 10240, "2M": 2 << 20, "1g": 1 << 30} {
		if got, err := parseFileSize(in); err != nil || got != want {
			t.Errorf("parseFileSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"x", "-1", "0", "k"} {
		if _, err := parseFileSize(bad); err == nil {
			t.Errorf("parseFileSize(%q) accepted", bad)
		}
	}
}
