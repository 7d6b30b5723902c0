package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/synth"
)

// Real tcpdump rotates a capture with -C 1 (files of 1,000,000 bytes named
// rot, rot1, …, rot13: no padding without -W); analyze given the files as a
// shell glob lists them (rot, rot1, rot10, …, rot13, rot2, …) finds the
// same UDP stream, losses and gaps as in the whole capture. The capture is
// synthetic (an msend-style feed of 1,200-byte datagrams, sequence numbers
// 1000, 5000-5002 and 9000 missing); the rotation is tcpdump's own.
func TestTcpdumpRotationGlob(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("skipping: needs tcpdump (Debian package tcpdump) to rotate a capture")
	}
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.pcap")
	f, err := os.Create(whole)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := synth.NewPcap(bw, synth.Ethernet, time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), false)
	if err != nil {
		t.Fatal(err)
	}
	src, dst := netip.MustParseAddrPort("10.1.1.10:4444"), netip.MustParseAddrPort("239.1.1.1:5000")
	payload := make([]byte, 1200)
	for seq := range 11000 {
		if seq == 1000 || seq >= 5000 && seq <= 5002 || seq == 9000 {
			continue
		}
		clear(payload)
		copy(payload, fmt.Sprintf("Message %x\x00", seq))
		for _, ip := range synth.IPv4Fragments(uint16(seq), src, dst, payload, 1500) {
			if err := w.WriteIP(ip); err != nil {
				t.Fatal(err)
			}
		}
		w.Advance(100 * time.Microsecond)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rot := filepath.Join(dir, "rot")
	args := []string{"-r", whole, "-w", rot, "-C", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-Z", "root") // as root, tcpdump -C would switch to user tcpdump, who cannot write here
	}
	if out, err := exec.Command(tcpdump, args...).CombinedOutput(); err != nil {
		t.Fatalf("tcpdump -r -w -C 1: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(rot + "*")
	sort.Strings(files) // as a shell glob lists them
	if len(files) < 11 {
		t.Fatalf("tcpdump wrote %d files: want more than 10, for rot10 to sort before rot2", len(files))
	}

	multicast := func(args ...string) map[string]any {
		t.Helper()
		out, stderr, code := run(t, append([]string{"analyze", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("analyze %v: exit %d: %s", args, code, stderr)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		m, _ := doc["multicast"].(map[string]any)
		if m == nil {
			t.Fatalf("analyze %v: no multicast section", args)
		}
		return m
	}
	want := multicast(whole)
	if lost := want["streams"].([]any)[0].(map[string]any)["sequences"].([]any)[0].(map[string]any)["lost"]; lost != 5.0 {
		t.Fatalf("whole capture: lost %v, want 5", lost)
	}
	if got := multicast(files...); !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("tcpdump's rotation, glob order:\n%s\nwant as the whole capture:\n%s", g, wj)
	}
	// Read as listed, the stream would look broken: what the order prevents.
	if reflect.DeepEqual(multicast(append([]string{"--order", "given"}, files...)...), want) {
		t.Errorf("--order given matches the whole capture too: the test shows nothing")
	}
}
