package smcflow

import (
	"fmt"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/smcproto"
)

// clcHandshake builds a synthetic SMC-Rv2 handshake whose Proposal EID,
// Accept/Confirm EID and hostnames name connection i.
func clcHandshake(t testing.TB, i int) (prop, acc, conf []byte) {
	eid := fmt.Sprintf("EID-%d", i)
	p := &smcproto.Proposal{
		Header: smcproto.Header{Version: 2, Flags: uint8(smcproto.PathR) << 2}, // typev2 SMC-R, typev1 none
		V2:     &smcproto.ProposalV2Ext{EIDs: []string{eid}},
	}
	ac := smcproto.AcceptConfirm{
		Header: smcproto.Header{Version: 2, Flags: 0x08 | uint8(smcproto.PathR)}, // first contact, SMC-R
		EID:    eid, QPN: uint32(i), MTUCode: 3,
		FCE: &smcproto.FirstContactExt{OSType: 2, Hostname: fmt.Sprintf("server-%d", i)},
	}
	var err error
	if prop, err = p.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	if acc, err = (&smcproto.Accept{AcceptConfirm: ac}).MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	cf := ac
	cf.FCE = &smcproto.FirstContactExt{OSType: 2, Hostname: fmt.Sprintf("client-%d", i)}
	if conf, err = (&smcproto.Confirm{AcceptConfirm: cf}).MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	return prop, acc, conf
}

// feedHandshake feeds connection i: SYN, SYN-ACK, Proposal, Accept,
// Confirm, RST (in fs, reused: the tracker keeps no frame).
func feedHandshake(tr *Tracker, fs *[6]decode.Frame, i int, prop, acc, conf []byte) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	k := tupleKey(i)
	n := 0
	seg := func(fromClient bool, flags uint8, seq, ack uint32, payload []byte) {
		f := &fs[n]
		*f = decode.Frame{Flags: flags, Seq: seq, Ack: ack, Payload: payload, PayloadLen: len(payload)}
		src, dst := k.a, k.b
		if !fromClient {
			src, dst = dst, src
		}
		f.Src, f.SrcPort, f.Dst, f.DstPort = src.Addr(), src.Port(), dst.Addr(), dst.Port()
		if flags&decode.TCPSYN != 0 {
			f.TCPOpts = smcOptBytes
		}
		n++
		ts := t0.Add(time.Duration(n) * time.Microsecond)
		tr.Advance(ts)
		tr.HandleTCP(f, 6*i+n, ts)
	}
	seg(true, decode.TCPSYN, 1000, 0, nil)
	seg(false, decode.TCPSYN|decode.TCPACK, 5000, 1001, nil)
	seg(true, decode.TCPACK|decode.TCPPSH, 1001, 5001, prop)
	seg(false, decode.TCPACK|decode.TCPPSH, 5001, 1001+uint32(len(prop)), acc)
	seg(true, decode.TCPACK|decode.TCPPSH, 1001+uint32(len(prop)), 5001+uint32(len(acc)), conf)
	seg(true, decode.TCPRST|decode.TCPACK, 1001+uint32(len(prop)+len(conf)), 0, nil)
}

var smcOptBytes = []byte{1, 1, 254, 6, 0xe2, 0xd4, 0xc3, 0xd9}

// TestCLCScratchDoesNotAlias: connections decode their CLC messages into
// scratch storage that is reused when they are recycled; the records kept
// in detail must keep their own EIDs and hostnames (synthetic handshakes,
// each with its own EID and hostnames).
func TestCLCScratchDoesNotAlias(t *testing.T) {
	tr := NewTracker()
	tr.MaxOpen = 16
	tr.Detail = 1 << 20
	const n = 200
	var fs [6]decode.Frame
	for i := 0; i < n; i++ {
		prop, acc, conf := clcHandshake(t, i)
		feedHandshake(tr, &fs, i, prop, acc, conf)
	}
	if len(tr.free) == 0 && tr.evicted == 0 {
		t.Fatal("nothing was finished early: the test does not exercise recycling")
	}
	done := tr.Finish()
	if len(done) != n {
		t.Fatalf("%d connections, want %d", len(done), n)
	}
	for _, r := range done {
		if r.SMC == nil || r.ClientInfo == nil || r.ServerInfo == nil {
			t.Fatalf("connection %v: %s: no SMC detail", r.Client, r.Summary)
		}
		var id int
		if _, err := fmt.Sscanf(r.SMC.EID, "EID-%d", &id); err != nil {
			t.Fatalf("connection %v: EID %q", r.Client, r.SMC.EID)
		}
		want := fmt.Sprintf("EID-%d", id)
		if len(r.ClientInfo.EIDs) != 1 || r.ClientInfo.EIDs[0] != want {
			t.Errorf("connection %v (%s): proposal EIDs %q", r.Client, want, r.ClientInfo.EIDs)
		}
		if h := r.ServerInfo.Hostname; h != fmt.Sprintf("server-%d", id) {
			t.Errorf("connection %v (%s): server hostname %q", r.Client, want, h)
		}
		if h := r.ClientInfo.Hostname; h != fmt.Sprintf("client-%d", id) {
			t.Errorf("connection %v (%s): client hostname %q", r.Client, want, h)
		}
		if k := tupleKey(id); r.Client != k.a && r.Client != k.b {
			t.Errorf("connection %v carries the EID of connection %d", r.Client, id)
		}
	}
}

// BenchmarkTrackerCLCHandshake: a stream of closed SMC-Rv2 handshakes
// (SYN, SYN-ACK, Proposal, Accept, Confirm, RST) through the tracker in
// lean mode (the detail list is full, as in a large capture), CLC decode
// included. Records are kept: allocations per handshake include the
// compact record.
func BenchmarkTrackerCLCHandshake(b *testing.B) {
	prop, acc, conf := clcHandshake(b, 1)
	tr := NewTracker()
	tr.Detail = 1 // the rest are lean, as in a large capture
	var fs [6]decode.Frame
	i := 0
	// Warm up past the first connections (in detail, and lingering until
	// maxLingering close after them): measure the steady state.
	for ; i < 4*maxLingering; i++ {
		feedHandshake(tr, &fs, i, prop, acc, conf)
	}
	b.ReportAllocs()
	for b.Loop() {
		feedHandshake(tr, &fs, i, prop, acc, conf)
		i++
	}
}
