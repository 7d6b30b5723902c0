package analyze

import (
	"bytes"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/pcapfile"
)

// TestScenarioVerdicts computes the verdicts of every synthetic scenario
// (analyze/synth, labelled synthetic: built from the smcproto encoders, not
// by a kernel) here, in the package that computes them, from a capture built
// in memory; the CLI's golden tests check the rendered reports.
func TestScenarioVerdicts(t *testing.T) {
	for _, s := range synth.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			var buf bytes.Buffer
			var w *synth.Writer
			var err error
			if s.Link == synth.Ethernet && len(s.VLANs) == 0 && s.SnapLen == 0 {
				w, err = synth.NewPcapng(&buf, s.Link, "eth0", synth.Start)
			} else {
				w, err = synth.NewPcap(&buf, s.Link, synth.Start, s.Nano)
			}
			if err != nil {
				t.Fatal(err)
			}
			w.VLANs, w.SnapLen = s.VLANs, s.SnapLen
			if err := s.Build(w); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			fr, err := pcapfile.NewFileReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			a := NewAnalyzer(Config{})
			if err := a.AnalyzeReader(t.Context(), s.Name, fr); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range a.Finish().Connections {
				got = append(got, string(c.Outcome)+"/"+c.Reason)
			}
			if strings.Join(got, " ") != strings.Join(s.Expect, " ") {
				t.Errorf("%s: verdicts %v, want %v", s.Description, got, s.Expect)
			}
		})
	}
}
