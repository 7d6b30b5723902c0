package kstat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/smcdump/smcdump/capture/kstat/procnet"
)

// TestReadSnapshotLongLines: a first line longer than procnet.MaxLine is
// never "empty input": it is read when the format allows (nstat JSON is one
// line), or reported as too long with its line number, or as an
// unrecognized format.
func TestReadSnapshotLongLines(t *testing.T) {
	big := procnet.MaxLine + 1000
	t.Run("nstat JSON on one long line", func(t *testing.T) {
		in := `{"kernel":{"UdpInErrors":5,` + strings.Repeat(" ", big) + `"UdpRcvbufErrors":5}}` + "\n"
		s, err := ReadSnapshot(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if v := s.Flat()["snmp.Udp.RcvbufErrors"]; v != 5 {
			t.Errorf("RcvbufErrors = %d", v)
		}
	})
	t.Run("proc copy with a long header line", func(t *testing.T) {
		in := "Udp:" + strings.Repeat(" InErrors", big/9) + "\nUdp: 1\n"
		_, err := ReadSnapshot(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "net/snmp:1: line 1 longer than 4194304 bytes") || !errors.Is(err, procnet.ErrMalformed) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("netstat -s with a long line", func(t *testing.T) {
		in := "Udp:\n    5 packets received\n    " + strings.Repeat("9", big) + " packets sent\n"
		_, err := ReadSnapshot(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "netstat -s:3: line 3 longer than") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("unrecognized long line", func(t *testing.T) {
		_, err := ReadSnapshot(bytes.NewReader(bytes.Repeat([]byte("x"), big)))
		if err == nil || strings.Contains(err.Error(), "empty input") || !strings.Contains(err.Error(), "input:1: unrecognized format") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("smcss with a long header", func(t *testing.T) {
		in := "State Inode " + strings.Repeat("x", big) + "\n"
		_, err := ReadSnapshot(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "smcss:1: line 1 longer than") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestDecodeSourcesIndependent: Decode decodes every raw source on its
// own, names the ones that fail, and keeps them.
func TestDecodeSourcesIndependent(t *testing.T) {
	raw := []RawSource{
		{Kind: KindProc, Name: "net/snmp", Text: "Udp: InErrors RcvbufErrors\nUdp: 3 3\n"},
		{Kind: KindProc, Name: "net/netstat", Text: "TcpExt: A B\nTcpExt: 1\n"},
		{Kind: KindProc, Name: "net/dev", Text: ""},
		{Kind: KindSockDiag, Name: "smc_diag", Bytes: []byte{1, 2, 3}},
		{Kind: KindProc, Name: "net/softnet_stat", Text: "00000001 00000002 00000003 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"},
	}
	s, err := Decode(raw, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Proc.SNMP.Get("Udp", "RcvbufErrors"); !ok || v != 3 {
		t.Errorf("Udp.RcvbufErrors = %d %v", v, ok)
	}
	if len(s.Proc.Softnet) != 1 {
		t.Errorf("softnet lost")
	}
	var got []string
	for _, e := range s.SourceErrors {
		got = append(got, e.Source)
	}
	if strings.Join(got, " ") != "/proc/net/netstat /proc/net/dev smc_diag" {
		t.Errorf("source errors %v", s.SourceErrors)
	}
	if s.Raw[1].Error == "" || s.Raw[1].Text == "" {
		t.Errorf("failed source not kept with its error: %+v", s.Raw[1])
	}
	if s.Failed() {
		t.Error("Failed() with good sources")
	}
}

// TestReadRawDirMissingFile: a file listed in index.json but absent is one
// failed source, not a failed snapshot.
func TestReadRawDirMissingFile(t *testing.T) {
	fsys := fstest.MapFS{
		"index.json": {Data: []byte(`{"kernel":"6.18","byte_order":"little","files":[
			{"file":"snmp","kind":"proc","source":"/proc/net/snmp"},
			{"file":"gone","kind":"proc","source":"/proc/net/netstat"}]}`)},
		"snmp": {Data: []byte("Udp: InErrors\nUdp: 7\n")},
	}
	s, err := ReadRawDir(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Proc.SNMP.Get("Udp", "InErrors"); v != 7 {
		t.Errorf("Udp.InErrors = %d", v)
	}
	if e, ok := s.SourceError("/proc/net/netstat"); !ok || e.Stage != StageRead {
		t.Errorf("missing file: %+v %v", e, s.SourceErrors)
	}
}
