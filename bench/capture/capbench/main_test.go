//go:build linux

package main

import (
	"os"
	"testing"
)

func TestSchedDelta(t *testing.T) {
	for _, c := range []struct {
		name          string
		before, after map[string]int64
		ns            int64
		exited        int
	}{
		{"same threads", map[string]int64{"1": 100, "2": 50}, map[string]int64{"1": 130, "2": 60}, 40, 0},
		{"thread started", map[string]int64{"1": 100}, map[string]int64{"1": 130, "2": 7}, 37, 0},
		{"thread exited", map[string]int64{"1": 100, "2": 50}, map[string]int64{"1": 130}, 30, 1},
		{"unreadable", nil, map[string]int64{"1": 1}, -1, 0},
	} {
		ns, exited := schedDelta(c.before, c.after)
		if ns != c.ns || exited != c.exited {
			t.Errorf("%s: got %d ns, %d exited; want %d, %d", c.name, ns, exited, c.ns, c.exited)
		}
	}
}

func TestSchedNSSelf(t *testing.T) {
	m := schedNS(os.Getpid())
	if m == nil {
		t.Skip("no /proc/PID/task/*/schedstat on this kernel (CONFIG_SCHED_INFO)")
	}
	if len(m) == 0 {
		t.Fatal("no threads read")
	}
}
