package main

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// sharedStderrCapture writes a pcapng with a Linux cooked v2 interface
// (one packet: "vlan" has no program for that link type, so the filter
// skips it with a message on standard error) and an Ethernet one carrying
// the frames of the lab's g-many recording (200 SMC connections).
func sharedStderrCapture(t *testing.T) string {
	t.Helper()
	f, err := os.Open("../../testdata/lab/out/6.12/g-many.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fr, err := pcapfile.NewFileReader(f)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	block := func(typ uint32, body []byte) []byte {
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		n := uint32(12 + len(body))
		return le.AppendUint32(append(le.AppendUint32(le.AppendUint32(nil, typ), n), body...), n)
	}
	idb := func(lt uint16, name string) []byte {
		opt := le.AppendUint16(le.AppendUint16(nil, 2), uint16(len(name)))
		opt = append(opt, name...)
		for len(opt)%4 != 0 {
			opt = append(opt, 0)
		}
		return block(1, cat(le.AppendUint16(le.AppendUint16(nil, lt), 0), le.AppendUint32(nil, 65535), opt, make([]byte, 4)))
	}
	epb := func(iface uint32, us uint64, data []byte) []byte {
		return block(6, cat(le.AppendUint32(nil, iface), le.AppendUint32(le.AppendUint32(nil, uint32(us>>32)), uint32(us)),
			le.AppendUint32(le.AppendUint32(nil, uint32(len(data))), uint32(len(data))), data))
	}
	out := block(0x0a0d0d0a, cat(le.AppendUint32(nil, 0x1a2b3c4d), le.AppendUint16(le.AppendUint16(nil, 1), 0), le.AppendUint64(nil, ^uint64(0))))
	out = append(out, idb(uint16(pcapfile.LinkTypeLinuxSLL2), "any")...)
	out = append(out, idb(uint16(pcapfile.LinkTypeEthernet), "eth0")...)
	first := true
	n := 0
	for {
		p, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		us := uint64(p.Info.Timestamp.UnixMicro())
		if first {
			ip := synIP4(17, "10.0.0.2", "10.0.0.3", cat(u16(u16(nil, 1234), 53), u16(u16(nil, 8+5), 0), []byte("hello")))
			out = append(out, epb(0, us, cat(u16(nil, 0x0800), u16(nil, 0), u32(nil, 2), u16(nil, 1), []byte{0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, ip))...)
			first = false
		}
		out = append(out, epb(1, us, p.Data)...)
		n++
	}
	path := filepath.Join(t.TempDir(), "shared-stderr.pcapng")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d frames in g-many.pcapng", n)
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
