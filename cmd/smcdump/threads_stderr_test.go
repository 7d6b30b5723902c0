package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// sharedStderrCapture writes a pcapng with a Linux cooked v2 interface
// (one packet: "vlan" has no program for that link type, so the filter
// skips it with a message on standard error) and an Ethernet one carrying
// the frames of the lab's g-many recording (200 SMC connections).
func sharedStderrCapture(t *testing.T) string {
	t.Helper()
	frames, err := fuzzseed.ReadFrames("../../testdata/lab/out/6.12/g-many.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) < 100 {
		t.Fatalf("only %d frames in g-many.pcapng", len(frames))
	}
	out := cat(ngSHB(), ngIDB(uint16(pcapfile.LinkTypeLinuxSLL2), "any"), ngIDB(uint16(pcapfile.LinkTypeEthernet), "eth0"))
	for i, f := range frames {
		us := uint64(f.Time.UnixMicro())
		if i == 0 {
			ip := synIP4(17, "10.0.0.2", "10.0.0.3", cat(u16(u16(nil, 1234), 53), u16(u16(nil, 8+5), 0), []byte("hello")))
			out = append(out, ngEPB(0, us, cat(u16(nil, 0x0800), u16(nil, 0), u32(nil, 2), u16(nil, 1), []byte{0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, ip))...)
		}
		out = append(out, ngEPB(1, us, f.Data)...)
	}
	path := filepath.Join(t.TempDir(), "shared-stderr.pcapng")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAnalyzeThreadsSharedStderr: with --json and --html - the JSON report
// goes to standard error, where the filter's messages go too; its
// connections are written by a goroutine of their own with --threads 2,
// which must have written them before the messages (as --threads 1 has):
// standard output, standard error and the exit status are the same.
func TestAnalyzeThreadsSharedStderr(t *testing.T) {
	p := sharedStderrCapture(t)
	type result struct {
		out, errs string
		code      int
	}
	var res [2]result
	for i, th := range []string{"1", "2"} {
		out, errs, code := run(t, "analyze", "--threads", th, "--json", "--html", "-", p, "--", "not vlan")
		res[i] = result{out, errs, code}
	}
	if !strings.Contains(res[0].errs, "smcdump: ") || strings.Count(res[0].errs, `"id":`) < 100 {
		t.Fatalf("--threads 1: no filter message or fewer than 100 connections on standard error (exit %d):\n%.500s", res[0].code, res[0].errs)
	}
	if res[0] != res[1] {
		i := 0
		for i < min(len(res[0].errs), len(res[1].errs)) && res[0].errs[i] == res[1].errs[i] {
			i++
		}
		t.Fatalf("--threads 1 and 2 differ (exit %d and %d, stdout %d and %d bytes, stderr from byte %d):\n%.200q\n%.200q",
			res[0].code, res[1].code, len(res[0].out), len(res[1].out), i, res[0].errs[i:], res[1].errs[i:])
	}
}
