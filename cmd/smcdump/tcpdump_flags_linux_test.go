package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestInterfaceColumnLive: with several -i, and with -i any, each packet
// line starts with the interface name and the direction, as tcpdump 4.99
// prints "-i any" packets ("va    Out "; the injected frames are not
// addressed to vb: "vb    P   ", another host's).
func TestInterfaceColumnLive(t *testing.T) {
	ns := testNetns(t)
	bin := smcdumpBinary(t)
	for _, ifs := range [][]string{{"-i", "va", "-i", "vb"}, {"-i", "any"}} {
		t.Run(strings.Join(ifs, " "), func(t *testing.T) {
			args := append([]string{"netns", "exec", ns, bin}, ifs...)
			args = append(args, "-c", "6", "-nn", "-t", "ether", "proto", "0x88b5")
			cmd := exec.Command("ip", args...)
			var stdout bytes.Buffer
			se := &lockedBuf{}
			cmd.Stdout, cmd.Stderr = &stdout, se
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			for deadline := time.Now().Add(10 * time.Second); strings.Count(se.String(), "listening on") < len(ifs)/2; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no banner: %s", se.String())
				}
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			for i := 0; i < 10; i++ {
				inject(t, ns, 3, 64)
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("exit: %v\n%s", err, se.String())
					}
					i = 10
				case <-time.After(300 * time.Millisecond):
				}
			}
			out := stdout.String()
			if !strings.Contains(out, "va    Out ") || !strings.Contains(out, "vb    P   ") {
				t.Fatalf("no interface/direction column:\n%s\n%s", out, se.String())
			}
		})
	}
}

// TestDatalinkFlags: -L lists the interface's data link type; -y accepts it
// and rejects another with a clear usage error.
func TestDatalinkFlags(t *testing.T) {
	ns := testNetns(t)
	bin := smcdumpBinary(t)
	out, err := exec.Command("ip", "netns", "exec", ns, bin, "-i", "va", "-L").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Data link types for va (use option -y to set):\n  EN10MB (Ethernet)\n") {
		t.Fatalf("-L: %v\n%s", err, out)
	}
	out, err = exec.Command("ip", "netns", "exec", ns, bin, "-i", "va", "-y", "LINUX_SLL2", "-c", "1").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != codeUsage || !strings.Contains(string(out), "not supported on va") {
		t.Fatalf("-y LINUX_SLL2: %v\n%s", err, out)
	}
	r := startIn(t, ns, "-i", "va", "-y", "EN10MB", "-c", "1", "-w", t.TempDir()+"/x.pcapng")
	inject(t, ns, 3, 64)
	if err := r.wait(t); err != nil {
		t.Fatalf("-y EN10MB: %v\n%s", err, r.stderr.String())
	}
}

// TestPrintWithWrite: --print prints the packets that -w writes.
func TestPrintWithWrite(t *testing.T) {
	ns := testNetns(t)
	bin := smcdumpBinary(t)
	path := t.TempDir() + "/p.pcapng"
	var stdout bytes.Buffer
	cmd, se := startLive(t, ns, &stdout, bin, "-i", "vb", "-c", "3", "-w", path, "--print", "-t")
	inject(t, ns, 10, 64)
	waitLive(t, cmd, se, "-c 3")
	n := 0
	for _, l := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(l, "02:00:00:00:00:aa > ") {
			n++
		}
	}
	if n != 3 || !strings.Contains(se.String(), "3 packets captured") {
		t.Fatalf("--print printed %d packets:\n%s\n%s", n, stdout.String(), se.String())
	}
	checkWithReader(t, path, 3, false)
}
