package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/internal/textio"
)

// Counters is the correlation section of the report.
type Counters struct {
	// Source says where the snapshots came from ("files", "capture").
	Source   string              `json:"source"`
	Before   *SnapshotInfo       `json:"before,omitempty"`
	After    *SnapshotInfo       `json:"after,omitempty"`
	Verdicts []correlate.Verdict `json:"verdicts"`
	Notes    []string            `json:"notes,omitempty"`
}

// SnapshotInfo identifies one snapshot.
type SnapshotInfo struct {
	Time     string `json:"time"` // "" when the snapshot does not say
	Hostname string `json:"hostname,omitempty"`
	NetNS    string `json:"netns,omitempty"`
}

// snapTime is a snapshot's time for the text report.
func snapTime(s *SnapshotInfo) string {
	if s.Time == "" {
		return "(time not recorded)"
	}
	return s.Time + " UTC"
}

// WriteText renders the correlation section.
func (c *Counters) WriteText(w io.Writer) error {
	ew := textio.New(w)
	ew.Printf("Kernel counters (snapshots from %s)\n", c.Source)
	if c.Before != nil {
		ew.Printf("  before: %s %s\n", snapTime(c.Before), hostNS(c.Before))
	}
	if c.After != nil {
		ew.Printf("  after:  %s %s\n", snapTime(c.After), hostNS(c.After))
	}
	for _, v := range c.Verdicts {
		subj := ""
		if v.Subject != "" {
			subj = " [" + v.Subject + "]"
		}
		ew.Printf("  %s%s (confidence %s): %s\n", v.Kind, subj, v.Confidence, v.Text)
		if len(v.Numbers) > 0 {
			var nums []string
			for _, n := range v.Numbers {
				nums = append(nums, fmt.Sprintf("%s=%d", n.Name, n.Value))
			}
			ew.Printf("      numbers: %s\n", strings.Join(nums, ", "))
		}
	}
	if len(c.Verdicts) == 0 && len(c.Notes) == 0 {
		ew.Printf("  nothing to correlate: the capture shows no SMC attempt and no UDP stream\n")
	}
	for _, n := range c.Notes {
		ew.Printf("  note: %s\n", n)
	}
	ew.Printf("\n")
	return ew.Err
}

func hostNS(s *SnapshotInfo) string {
	out := ""
	if s.Hostname != "" {
		out += "host " + s.Hostname
	}
	if s.NetNS != "" {
		out += " netns " + s.NetNS
	}
	return out
}

// Contradictions returns the statements of r that cannot all hold: the
// rules of correlate.Contradictions over the kernel-counter verdicts, and
// their agreement with the multicast section (a stream with messages lost
// in the capture has no no-loss verdict, a verdict's "capture gap" is the
// stream's loss, no-loss counts no more streams than the report has).
// Tests run it over every golden output and lab trace; empty means
// consistent.
func (r *Report) Contradictions() []string {
	if r == nil || r.Counters == nil {
		return nil
	}
	out := correlate.Contradictions(r.Counters.Verdicts)
	if r.Multicast == nil {
		return out
	}
	lost := map[string]uint64{}
	dup := map[string]bool{}
	for _, st := range r.Multicast.Streams {
		subj := st.Src + " -> " + st.Dst
		if _, ok := lost[subj]; ok {
			dup[subj] = true // same addresses on two VLANs or interfaces
		}
		lost[subj] += st.Lost
	}
	streams := map[string]*mcast.Stream{}
	for i := range r.Multicast.Streams {
		st := &r.Multicast.Streams[i]
		streams[st.Src+" -> "+st.Dst] = st
	}
	for _, v := range r.Counters.Verdicts {
		if st := streams[v.Subject]; st != nil && !dup[v.Subject] && st.Lost > 0 {
			// The counters' verdict about where the gap happened agrees
			// with the gap verdicts of the multicast section.
			if c, n, ok := GapVerdicts(st); ok {
				switch v.Kind {
				case correlate.KindCaptureArtefact:
					if n == st.Lost {
						out = append(out, fmt.Sprintf("%s [%s] while every gap of the stream has gap verdict network", v.Kind, v.Subject))
					}
				case correlate.KindBeforeHost, correlate.KindNICRing, correlate.KindBacklog, correlate.KindSenderDrop:
					if c == st.Lost {
						out = append(out, fmt.Sprintf("%s [%s] while every gap of the stream has gap verdict capture", v.Kind, v.Subject))
					}
				}
			}
		}
		if v.Kind == correlate.KindNoLoss {
			for subj, n := range lost {
				if n > 0 {
					out = append(out, fmt.Sprintf("no-loss while %s lost %d messages in the capture", subj, n))
				}
			}
			if n, ok := v.Num("streams"); ok && n > int64(len(r.Multicast.Streams)) {
				out = append(out, fmt.Sprintf("no-loss counts %d streams, the report has %d", n, len(r.Multicast.Streams)))
			}
			continue
		}
		if v.Subject == "" || dup[v.Subject] {
			continue
		}
		n, known := lost[v.Subject]
		if g, ok := v.Num("capture gap"); ok && known && uint64(g) != n {
			out = append(out, fmt.Sprintf("%s [%s] says capture gap %d, the stream lost %d", v.Kind, v.Subject, g, n))
		}
	}
	sort.Strings(out)
	return out
}

// gapVerdicts sums the missing units of a stream's gaps by gap verdict
// ("capture", "network"); ok is false when some gaps are not listed
// (beyond the gap limit, or loss not counted in sequence gaps).
func GapVerdicts(st *mcast.Stream) (capture, network uint64, ok bool) {
	var listed uint64
	for _, q := range st.Sequences {
		if q.GapsOmitted > 0 {
			return 0, 0, false
		}
		for _, g := range q.Gaps {
			listed += g.Count
			switch g.Verdict {
			case "capture":
				capture += g.Count
			case "network":
				network += g.Count
			}
		}
	}
	if listed != st.Lost {
		return 0, 0, false
	}
	return capture, network, true
}
