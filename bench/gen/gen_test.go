package main

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/smcproto"
)

const labGlob = "../../testdata/lab/out/6.12/*.pcapng"

// TestLoadLab: the lab traces (real Linux 6.12) yield an SMC-Rv2
// Proposal/Accept/Confirm exchange, a server Decline and a snapshot, each
// decodable.
func TestLoadLab(t *testing.T) {
	lp, err := loadLab(labGlob)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		b   []byte
		typ smcproto.MsgType
	}{{lp.Proposal, smcproto.TypeProposal}, {lp.Accept, smcproto.TypeAccept}, {lp.Confirm, smcproto.TypeConfirm}, {lp.Decline, smcproto.TypeDecline}} {
		if _, err := smcproto.Decode(want.b); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if h, _ := smcproto.ParseHeader(want.b); h.Type != want.typ || (want.typ == smcproto.TypeAccept && (h.Version < 2 || h.TypeV1() != smcproto.PathR)) {
			t.Fatalf("message %d: header %+v, want %v (SMC-Rv2)", i, h, want.typ)
		}
	}
	if lp.Snapshot == nil {
		t.Fatal("no snapshot")
	}
}

// TestKinds writes every kind at a small scale and reads it back: the frame
// and handshake counts are as specified and every frame decodes.
func TestKinds(t *testing.T) {
	dir := t.TempDir()
	const scale = 0.002
	for _, tc := range []struct {
		kind           string
		frames, blocks int // frames at least; custom blocks exactly
		syns           int // SYNs with the SMC option
	}{
		{"A", 1200, 0, 6}, {"C", 2400, 0, 60}, {"syn", 1000, 0, 1000}, {"udp", 1200, 0, 0}, {"dns", 4000, 0, 0},
		{"hs-closed", 20000, 0, 2000}, {"hs-open", 14000, 0, 2000}, {"bulk-hs", 20000 - 8, 0, 0}, {"kstat", 0, 17, 0},
	} {
		path := filepath.Join(dir, tc.kind)
		if err := runKind(path, tc.kind, labGlob, scale, 1, synth.Ethernet); err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		fr, err := pcapfile.OpenFile(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, syns := 0, 0
		var f decode.Frame
		for {
			p, err := fr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
			decode.Decode(p.LinkType, p.Data, &f)
			if f.Status != decode.StatusOK {
				t.Fatalf("%s frame %d: %s", tc.kind, n, f.Reason)
			}
			if f.Proto == decode.ProtoTCP && f.Flags&(decode.TCPSYN|decode.TCPACK) == decode.TCPSYN {
				if o, err := smcproto.ParseTCPOptions(f.TCPOpts); err == nil && o.SMC {
					syns++
				}
			}
		}
		if n < tc.frames || n > tc.frames+tc.frames/50+20 || len(fr.CustomBlocks()) != tc.blocks || syns != tc.syns {
			t.Errorf("%s: %d frames (want about %d), %d custom blocks (want %d), %d SMC SYNs (want %d)", tc.kind, n, tc.frames, len(fr.CustomBlocks()), tc.blocks, syns, tc.syns)
		}
		fr.Close()
	}
}
