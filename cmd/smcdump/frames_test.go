package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestParseFrames(t *testing.T) {
	for _, c := range []struct {
		in   string
		want frameSet
		bad  bool
	}{
		{in: "7", want: frameSet{{7, 7}}},
		{in: "9-12, 3", want: frameSet{{3, 3}, {9, 12}}},
		{in: "1,1", want: frameSet{{1, 1}, {1, 1}}},
		{in: "0", bad: true}, {in: "5-3", bad: true}, {in: "x", bad: true}, {in: ",", bad: true},
		{in: "3-", bad: true}, {in: "-3", bad: true}, {in: "2-4-6", bad: true},
	} {
		got, err := parseFrames(c.in)
		if (err != nil) != c.bad {
			t.Errorf("%q: error %v, want error %v", c.in, err, c.bad)
			continue
		}
		if c.bad {
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%q: %v, want %v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: %v, want %v", c.in, got, c.want)
			}
		}
	}
	fs, _ := parseFrames("3,9-12")
	for n, want := range map[int]bool{2: false, 3: true, 4: false, 9: true, 12: true, 13: false} {
		if fs.has(n) != want {
			t.Errorf("has(%d) = %v", n, !want)
		}
	}
	if fs.last() != 12 {
		t.Errorf("last %d, want 12", fs.last())
	}
}

// TestFramesAsWireshark: "read --frames N -#" shows the packet tshark
// numbers N in a file of smcdump's own, where the kernel-counter custom
// blocks take frame numbers too (so the packets' numbers are not their
// count): the evidence analyze gives can be looked up with smcdump.
func TestFramesAsWireshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("skipping: needs tshark (Debian package tshark)")
	}
	f := "../../testdata/multipoint/stripped-client.pcapng"
	cmd := exec.Command("tshark", "-n", "-r", f, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch", "-Y", "frame.number == 5 || frame.number == 12")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("tshark gave %q", out)
	}
	got, _, code := runMain(t, "read", "-r", f, "--frames", "12,5", "-#", "-tt", "--nano")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	gl := strings.Split(strings.TrimSpace(got), "\n")
	if len(gl) != 2 {
		t.Fatalf("smcdump printed %q", got)
	}
	for i, l := range lines {
		num, ts, _ := strings.Cut(l, "\t")
		fields := strings.Fields(gl[i])
		if len(fields) < 2 || fields[0] != num || fields[1] != ts {
			t.Errorf("frame %s at %s (tshark), smcdump printed %q", num, ts, gl[i])
		}
	}
	// without --frames, -# counts the packets as tcpdump does
	all, _, _ := runMain(t, "read", "-r", f, "-#", "-c", "1")
	if !strings.HasPrefix(strings.TrimSpace(all), "1 ") {
		t.Errorf("-# without --frames: %q", all)
	}
	if _, _, code := runMain(t, "-i", "lo", "--frames", "3"); code != codeUsage {
		t.Errorf("--frames with -i: exit %d, want %d", code, codeUsage)
	}
}
