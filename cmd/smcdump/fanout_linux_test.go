//go:build linux

package main

import (
	"encoding/binary"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// injectFlows sends n IPv4/UDP frames of flows flows (source ports
// 10000+i%flows, synthetic, no checksums) out of va in namespace ns,
// carrying their sequence number at offset 42.
func injectFlows(t *testing.T, ns string, n, flows int) {
	t.Helper()
	frame := make([]byte, 80)
	copy(frame, []byte{2, 0, 0, 0, 0, 0xbb, 2, 0, 0, 0, 0, 0xaa, 0x08, 0x00})
	ip := frame[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	copy(ip[12:], []byte{10, 9, 0, 1, 10, 9, 0, 2})
	binary.BigEndian.PutUint16(ip[22:], 5000)
	binary.BigEndian.PutUint16(ip[24:], uint16(len(ip)-20))
	sendFrames(t, ns, n, frame, func(i int) {
		binary.BigEndian.PutUint16(ip[20:], uint16(10000+i%flows))
		binary.BigEndian.PutUint32(frame[42:], uint32(i))
	})
}

// readSeqs reads a capture file: the sequence numbers of the UDP frames
// in file order, whether the time stamps never go back, and the file's last
// Interface Statistics Block of interface 0.
func readSeqs(t *testing.T, path string) (seqs []uint32, ordered bool, isb pcapfile.InterfaceStats) {
	t.Helper()
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	ordered = true
	var last time.Time
	for {
		p, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Data) < 46 || binary.BigEndian.Uint16(p.Data[12:]) != 0x0800 {
			continue
		}
		seqs = append(seqs, binary.BigEndian.Uint32(p.Data[42:]))
		if p.Info.Timestamp.Before(last) {
			ordered = false
		}
		last = p.Info.Timestamp
	}
	for _, s := range fr.Stats() {
		if s.Interface == 0 {
			isb = s
		}
	}
	return seqs, ordered, isb
}

// TestFanoutCLI: "smcdump --fanout 2 -w" and a single-ring capture run at
// the same time on a veth pair while frames of 64 flows are offered: both
// files hold every frame exactly once, the fanout file in time order (or
// the summary says how many were written late), its ISB counts what both
// rings received, and the summary lists each ring.
func TestFanoutCLI(t *testing.T) {
	ns := testNetns(t)
	dir := t.TempDir()
	one, two := filepath.Join(dir, "one.pcapng"), filepath.Join(dir, "two.pcapng")
	r1 := startIn(t, ns, "-i", "vb", "--fanout", "1", "-w", one)
	r2 := startIn(t, ns, "-i", "vb", "--fanout", "2", "-w", two)
	const n, flows = 20000, 64
	injectFlows(t, ns, n, flows)
	time.Sleep(300 * time.Millisecond)
	for _, r := range []*running{r1, r2} {
		if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*running{r1, r2} {
		if err := r.wait(t); err != nil {
			t.Fatalf("exit: %v\n%s", err, r.stderr.String())
		}
	}
	se := r2.stderr.String()
	s1, _, _ := readSeqs(t, one)
	s2, ordered, isb := readSeqs(t, two)
	if len(s1) != n || len(s2) != n {
		t.Fatalf("single ring wrote %d frames, fanout %d, %d sent\n%s", len(s1), len(s2), n, se)
	}
	seen := make([]bool, n)
	for _, s := range s2 {
		if s >= n || seen[s] {
			t.Fatalf("seq %d duplicated or out of range", s)
		}
		seen[s] = true
	}
	if !ordered && !strings.Contains(se, "written out of time order") {
		t.Fatalf("fanout file not in time order and no late frames reported:\n%s", se)
	}
	m := regexp.MustCompile(`2 fanout rings on vb: (\d+) \+ (\d+) received by filter, (\d+) \+ (\d+) dropped by kernel`).FindStringSubmatch(se)
	if m == nil {
		t.Fatalf("no per-ring line in the summary:\n%s", se)
	}
	var v [4]uint64
	for i := range v {
		v[i], _ = strconv.ParseUint(m[i+1], 10, 64)
	}
	if v[0] == 0 || v[1] == 0 {
		t.Errorf("one ring got nothing: %s", m[0])
	}
	if isb.IfRecv == nil || isb.OSDrop == nil || *isb.IfRecv != v[0]+v[1] || *isb.OSDrop != v[2]+v[3] {
		t.Fatalf("ISB %+v does not sum the rings (%s)", isb, m[0])
	}
	if *isb.IfRecv < n || *isb.OSDrop != 0 {
		t.Fatalf("ISB: received %d, dropped %d; %d sent", *isb.IfRecv, *isb.OSDrop, n)
	}
}
