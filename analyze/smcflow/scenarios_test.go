package smcflow

import (
	"bytes"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestScenarioVerdicts computes the verdicts of every synthetic scenario
// (analyze/synth, labelled synthetic: built from the smcproto encoders, not
// by a kernel) here, in the package that computes them: each capture is
// built in memory, decoded with analyze/decode and fed to the Tracker the
// way the analysis pipeline feeds it (TCP segments, RoCE frames, the clock).
// The CLI's golden tests check the rendered reports.
func TestScenarioVerdicts(t *testing.T) {
	for _, s := range synth.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			var got []string
			for _, c := range track(t, scenarioCapture(t, s)) {
				got = append(got, string(c.Outcome)+"/"+c.Reason)
			}
			if strings.Join(got, " ") != strings.Join(s.Expect, " ") {
				t.Errorf("%s: verdicts %v, want %v", s.Description, got, s.Expect)
			}
		})
	}
}

// scenarioCapture builds scenario s's capture in memory (synth.Scenario.Capture).
func scenarioCapture(t *testing.T, s synth.Scenario) []byte {
	t.Helper()
	b, err := s.Capture()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// track feeds every frame of a capture to a Tracker and returns its
// verdicts (unfragmented TCP and RoCE; the scenarios' UDP feeds carry no
// connection).
func track(t *testing.T, capture []byte) []*Conn {
	t.Helper()
	fr, err := pcapfile.NewFileReader(bytes.NewReader(capture))
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTracker()
	tr.Keep = -1
	var f decode.Frame
	for {
		p, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ts := p.Info.Timestamp
		tr.Advance(ts)
		decode.Decode(p.LinkType, p.Data, &f)
		switch {
		case f.Status == decode.StatusUnsupported && f.EtherType == 0x8915 && f.L2Len > 0 && f.L2Len <= len(p.Data):
			if b, ok := RoCEV1Payload(p.Data[f.L2Len:]); ok {
				tr.HandleRoCE(netip.Addr{}, b, len(b), p.Frame, ts)
			}
		case f.Status != decode.StatusOK || f.Fragment:
		case f.Proto == decode.ProtoTCP:
			tr.HandleTCP(&f, p.Frame, ts)
		case f.Proto == decode.ProtoUDP && f.DstPort == RoCEV2Port:
			tr.HandleRoCE(f.Dst, f.Payload, f.PayloadLen, p.Frame, ts)
		}
	}
	// An open connection holds no reassembly buffer for a direction that
	// is done (docs/architecture.md "Memory bounds").
	for _, c := range tr.conns.appendTo(nil) {
		for d := range c.hs {
			if c.dirDone[d] && cap(c.hs[d].Buf) > 0 {
				t.Errorf("open connection %v: direction %d is done but holds a %d-byte reassembly buffer", c.key, d, cap(c.hs[d].Buf))
			}
		}
	}
	return tr.Finish()
}
