package kstat

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/kstat/procnet"
)

// TestDecodePNETIndependent: a malformed SMC_PNETID_GET dump is one failed
// source (named SMC_PNETID), not a failed snapshot; the other sources are
// still decoded and the tables' JSON lists the failure.
func TestDecodePNETIndependent(t *testing.T) {
	raw := []RawSource{
		{Kind: KindGenl, Name: PNETCommand, Bytes: []byte{0x40, 0, 0, 0, 1, 2}}, // synthetic: nlmsghdr cut
		{Kind: KindProc, Name: "net/snmp", Text: "Udp: InErrors RcvbufErrors\nUdp: 3 3\n"},
	}
	s, err := Decode(raw, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Proc.SNMP.Get("Udp", "RcvbufErrors"); !ok || v != 3 {
		t.Errorf("Udp.RcvbufErrors = %d %v", v, ok)
	}
	e, ok := s.SourceError("SMC_PNETID")
	if !ok || e.Stage != StageParse {
		t.Fatalf("PNET failure not recorded: %+v", s.SourceErrors)
	}
	if s.SMC.PNET != nil || s.Raw[0].Error == "" {
		t.Errorf("PNET %v, raw error %q", s.SMC.PNET, s.Raw[0].Error)
	}
	if s.Failed() {
		t.Error("Failed() with a good /proc source")
	}
	b, err := json.Marshal(s.Tables(TableSet{PNET: true}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"source_errors":[{"source":"SMC_PNETID","stage":"parse"`) {
		t.Errorf("tables JSON: %s", b)
	}
}

// TestReadSnapshotTableLongLine: the smc-tools table readers report a line
// longer than procnet.MaxLine with the format and line number, never as a
// short or empty table.
func TestReadSnapshotTableLongLine(t *testing.T) {
	in := "Net-Dev         IB-Dev   IB-P  IB-State  Type          Crit  #Links  PNET-ID  \n" +
		"eth1            mlx5_0      1    ACTIVE  RoCE_Express2   No       1  NET1" + strings.Repeat(" ", procnet.MaxLine) + "\n"
	_, err := ReadSnapshot(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "smcr device:2: line 2 longer than") {
		t.Errorf("err = %v", err)
	}
}
