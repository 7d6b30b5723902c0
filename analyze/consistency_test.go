package analyze

import (
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
)

// TestReportContradictions: the counters section against the multicast
// section (SYNTHETIC reports; the rules of correlate.Contradictions are
// tested in that package).
func TestReportContradictions(t *testing.T) {
	const subj = "10.0.0.1:4000 -> 239.1.1.1:5000"
	stream := func(lost uint64, gaps ...mcast.Gap) *mcast.Report {
		return &mcast.Report{Streams: []mcast.Stream{{Src: "10.0.0.1:4000", Dst: "239.1.1.1:5000", Lost: lost,
			Sequences: []mcast.Sequence{{Lost: lost, Gaps: gaps}}}}}
	}
	v := func(kind string, conf correlate.Confidence, nums ...correlate.Number) correlate.Verdict {
		s := subj
		if kind == correlate.KindNoLoss {
			s = ""
		}
		return correlate.Verdict{Kind: kind, Subject: s, Text: "t", Confidence: conf, Numbers: nums}
	}
	network := mcast.Gap{Count: 20, Verdict: "network"}
	capture := mcast.Gap{Count: 20, Verdict: "capture"}
	tests := []struct {
		name string
		mc   *mcast.Report
		vs   []correlate.Verdict
		want string
	}{
		{"no-loss with a lost stream", stream(20, network), []correlate.Verdict{v(correlate.KindNoLoss, correlate.Medium)}, "no-loss while " + subj + " lost 20"},
		{"gap number differs", stream(20, network), []correlate.Verdict{v(correlate.KindBeforeHost, correlate.High, correlate.Number{Name: "capture gap", Value: 19})}, "says capture gap 19, the stream lost 20"},
		{"capture artefact, every gap network", stream(20, network), []correlate.Verdict{v(correlate.KindCaptureArtefact, correlate.Medium)}, "every gap of the stream has gap verdict network"},
		{"before the host, every gap capture", stream(20, capture), []correlate.Verdict{v(correlate.KindBeforeHost, correlate.Medium)}, "every gap of the stream has gap verdict capture"},
		{"no-loss counts too many streams", stream(0), []correlate.Verdict{v(correlate.KindNoLoss, correlate.High, correlate.Number{Name: "streams", Value: 2})}, "no-loss counts 2 streams, the report has 1"},
		{"consistent", stream(20, capture), []correlate.Verdict{v(correlate.KindCaptureArtefact, correlate.High, correlate.Number{Name: "capture gap", Value: 20})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &report.Report{Multicast: tt.mc, Counters: &report.Counters{Verdicts: tt.vs}}
			got := r.Contradictions()
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("contradictions %v, want none", got)
			case tt.want != "" && (len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tt.want)):
				t.Errorf("contradictions %v, want %q", got, tt.want)
			}
		})
	}
	if c := (&report.Report{}).Contradictions(); c != nil {
		t.Errorf("empty report: %v", c)
	}
}
