package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Time stamps out of line (pcapfile.HoldImplausibleTimes, docs/capture.md
// §3.3.2). Every capture here is synthetic: built with analyze/synth, the
// times made up for each case.

// timedFrame is a frame and the time it is written at.
type timedFrame struct {
	at   time.Time
	data []byte
}

// recordFrames runs build on a synthetic writer and returns its frames with
// their times.
func recordFrames(t testing.TB, build func(w *synth.Writer) error) []timedFrame {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, synth.Ethernet, synth.Start, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := build(w); err != nil {
		t.Fatal(err)
	}
	fr, err := pcapfile.NewFileReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var out []timedFrame
	for {
		p, err := fr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, timedFrame{p.Info.Timestamp, bytes.Clone(p.Data)})
	}
}

// writeTimed writes frames as a nanosecond pcap file.
func writeTimed(t testing.TB, frames []timedFrame) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, synth.Ethernet, synth.Start, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		w.Now = f.at
		if err := w.WriteFrame(f.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// analyzeBytes analyzes a capture held in memory with threads goroutines.
func analyzeBytes(t testing.TB, file []byte, threads int) *report.Report {
	t.Helper()
	return analyzeMemory(t, "synthetic.pcap", file, Config{Threads: threads})
}

// analyzeMemory analyzes a capture held in memory, named name, with cfg.
func analyzeMemory(t testing.TB, name string, file []byte, cfg Config) *report.Report {
	t.Helper()
	fr, err := pcapfile.NewFileReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(cfg)
	if err := a.AnalyzeReader(context.Background(), name, fr); err != nil {
		t.Fatal(err)
	}
	return a.Finish()
}

var (
	jumpSrc   = netip.MustParseAddrPort("10.2.0.1:40000")
	jumpGroup = netip.MustParseAddrPort("239.1.1.1:5000")
	jumpOther = [2]netip.AddrPort{netip.MustParseAddrPort("10.9.9.1:7000"), netip.MustParseAddrPort("10.9.9.2:7001")}
)

const jumpYear = 365 * 24 * time.Hour

// mtoolsReorder is an mtools stream of 12 messages 10 ms apart in which
// message 5 comes after 7 (reordered: not lost); at(i, seq) is the time of
// the i-th datagram (seq is its message).
func mtoolsReorder(t testing.TB, at func(i, seq int) time.Time) []timedFrame {
	var out []timedFrame
	for i, seq := range []int{0, 1, 2, 3, 4, 6, 7, 5, 8, 9, 10, 11} {
		msg := make([]byte, 200)
		copy(msg, fmt.Sprintf("Message %x\x00", seq)) // msend's
		fs := recordFrames(t, func(w *synth.Writer) error { return w.UDP(jumpSrc, jumpGroup, msg) })
		fs[0].at = at(i, seq)
		out = append(out, fs...)
	}
	return out
}

// proposalPending is an SMC handshake whose Proposal is not answered,
// followed by unrelated datagrams at the times of after (seconds after the
// Proposal; a time.Duration to be exact).
func proposalPending(t testing.TB, after ...time.Duration) []timedFrame {
	fs := recordFrames(t, func(w *synth.Writer) error {
		c := w.TCPConn(netip.MustParseAddrPort("10.1.1.10:40001"), netip.MustParseAddrPort("10.1.1.20:5000"), 1000, 5000)
		if err := c.Handshake(true, true); err != nil {
			return err
		}
		return c.Send(true, synth.ProposalV2R())
	})
	prop := fs[len(fs)-1].at
	for _, d := range after {
		u := recordFrames(t, func(w *synth.Writer) error { return w.UDP(jumpOther[0], jumpOther[1], []byte("keep-alive")) })
		u[0].at = prop.Add(d)
		fs = append(fs, u...)
	}
	return fs
}

// smcEstablished is the frames of the synthetic smcr-v1 scenario (an SMC-R
// handshake that succeeds), and the Accept's index among them.
func smcEstablished(t testing.TB) ([]timedFrame, int) {
	for _, s := range synth.Scenarios() {
		if s.Name == "smcr-v1" {
			fs := recordFrames(t, s.Build)
			return fs, 4 // SYN, SYN-ACK, ACK, Proposal, Accept, Confirm, …
		}
	}
	t.Fatal("no smcr-v1 scenario")
	return nil, 0
}

// TestTimeJumps: one frame (or two) stamped far ahead of or behind the
// frames around it does not move the analysis' clock, so nothing expires
// because of it; a real pause in the traffic, which the frames after it
// confirm, still expires what waited as before. The report notes each frame
// taken at another time than its own, with its frame number, as a file note
// (not damage).
func TestTimeJumps(t *testing.T) {
	t0 := synth.Start
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, tc := range []struct {
		name   string
		frames func(t testing.TB) []timedFrame
		check  func(t *testing.T, r *report.Report)
		notes  []string // each in a note of its own, in this order
	}{
		{
			name: "multicast reordering, no jump",
			frames: func(t testing.TB) []timedFrame {
				return mtoolsReorder(t, func(i, _ int) time.Time { return t0.Add(ms(10 * i)) })
			},
			check: streamLoss(0, 1),
		},
		{
			name: "multicast reordering, one datagram a year ahead",
			frames: func(t testing.TB) []timedFrame {
				return mtoolsReorder(t, func(i, seq int) time.Time {
					if seq == 7 { // after the hole at 5, before 5 comes
						return t0.Add(jumpYear)
					}
					return t0.Add(ms(10 * i))
				})
			},
			check: streamLoss(0, 1),
			notes: []string{"frame 7: timestamp 2027-11-22 07:00:00.000000 is 365 days ahead of the frames around it; analyzed at 2026-11-22 07:00:00.050000"},
		},
		{
			name: "multicast reordering, two datagrams ahead",
			frames: func(t testing.TB) []timedFrame {
				return mtoolsReorder(t, func(i, seq int) time.Time {
					if seq == 6 || seq == 7 {
						return t0.Add(3 * time.Hour).Add(ms(i))
					}
					return t0.Add(ms(10 * i))
				})
			},
			check: streamLoss(0, 1),
			notes: []string{"frame 6: timestamp 2026-11-22 10:00:00.005000 is 2h59m59.965s ahead of the frames around it; analyzed at 2026-11-22 07:00:00.040000; likewise 1 more frame (7)"},
		},
		{
			name: "multicast reordering, a datagram a year behind",
			frames: func(t testing.TB) []timedFrame {
				return mtoolsReorder(t, func(i, seq int) time.Time {
					if seq == 7 {
						return t0.Add(-jumpYear)
					}
					return t0.Add(ms(10 * i))
				})
			},
			check: func(t *testing.T, r *report.Report) {
				streamLoss(0, 1)(t, r)
				st := r.Multicast.Streams[0]
				if ia := st.InterArrival; ia.Negative != 0 || ia.MaxUS > 20e3 || st.DurationSec < 0.1 || st.DurationSec > 0.12 {
					t.Errorf("duration %.3f s, inter-arrival %+v: the frame behind counted at its own time", st.DurationSec, ia)
				}
			},
			notes: []string{"frame 7: timestamp 2025-11-22 07:00:00.000000 is 365 days behind the frames around it; analyzed at 2026-11-22 07:00:00.050000"},
		},
		{
			name: "multicast reordering across a real pause",
			frames: func(t testing.TB) []timedFrame {
				return mtoolsReorder(t, func(i, _ int) time.Time {
					if i >= 6 { // from message 7 on, an hour later: 5 comes too late
						return t0.Add(time.Hour).Add(ms(10 * i))
					}
					return t0.Add(ms(10 * i))
				})
			},
			check: streamLoss(1, 0),
		},
		{
			name:   "Proposal pending, capture ends",
			frames: func(t testing.TB) []timedFrame { return proposalPending(t, ms(100), ms(200), ms(300)) },
			check:  verdict("unknown/capture-ended"),
		},
		{
			name:   "Proposal pending, one frame a year ahead",
			frames: func(t testing.TB) []timedFrame { return proposalPending(t, ms(100), jumpYear, ms(200), ms(300)) },
			check:  verdict("unknown/capture-ended"),
			notes:  []string{"frame 6: timestamp 2027-11-22"},
		},
		{
			name:   "Proposal pending, the last frame a year ahead",
			frames: func(t testing.TB) []timedFrame { return proposalPending(t, ms(100), ms(200), jumpYear) },
			check:  verdict("unknown/capture-ended"),
			notes:  []string{"frame 7: timestamp 2027-11-22"},
		},
		{
			name: "Proposal pending, the server's ACK a year ahead",
			frames: func(t testing.TB) []timedFrame {
				fs := proposalPending(t, ms(100), ms(200))
				ack := recordFrames(t, func(w *synth.Writer) error {
					c := w.TCPConn(netip.MustParseAddrPort("10.1.1.10:40001"), netip.MustParseAddrPort("10.1.1.20:5000"), 1000, 5000)
					c.CSeq, c.SSeq = 1001+uint32(len(synth.ProposalV2R())), 5001
					return c.ACK(false)
				})
				ack[0].at = fs[4].at.Add(jumpYear)
				return append(fs[:5], append(ack, fs[5:]...)...)
			},
			check: verdict("unknown/capture-ended"),
			notes: []string{"frame 6: timestamp 2027-11-22"},
		},
		{
			name: "Proposal pending over a real pause",
			frames: func(t testing.TB) []timedFrame {
				return proposalPending(t, ms(100), time.Hour, time.Hour+ms(100), time.Hour+ms(200))
			},
			check: verdict("handshake-error/no-accept"),
		},
		{
			name: "Proposal pending, a pause before the last frames",
			frames: func(t testing.TB) []timedFrame {
				return proposalPending(t, ms(100), 10*time.Second, 10*time.Second+ms(100))
			},
			check: verdict("handshake-error/no-accept"), // believed at the end (JumpBelieveAtEnd)
		},
		{
			// A capture left running: its last frame, hours after the
			// Proposal, shows that the capture went on (an hour's
			// limit once made this "the capture ended").
			name: "Proposal pending, the capture's last frame two hours later",
			frames: func(t testing.TB) []timedFrame {
				return proposalPending(t, ms(100), ms(200), 2*time.Hour)
			},
			check: verdict("handshake-error/no-accept"),
		},
		{
			name: "SMC handshake, the Accept a year behind",
			frames: func(t testing.TB) []timedFrame {
				fs, acc := smcEstablished(t)
				fs[acc].at = fs[acc].at.Add(-jumpYear)
				return fs
			},
			check: func(t *testing.T, r *report.Report) {
				verdict("smc/")(t, r)
				c := r.Connections[0]
				if l := c.Latency.CLCMS; l == nil || *l < 0 || *l > 10 {
					t.Errorf("CLC latency %v ms", l)
				}
				for _, e := range c.Evidence {
					if e.Time.Before(c.Times.First) || e.Time.After(c.Times.Last) {
						t.Errorf("evidence %+v outside the connection's %v – %v", e, c.Times.First, c.Times.Last)
					}
				}
			},
			notes: []string{"frame 5: timestamp 2025-11-22"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeTimed(t, tc.frames(t))
			for _, threads := range []int{1, 2} {
				r := analyzeBytes(t, file, threads)
				tc.check(t, r)
				f := r.Files[0]
				if len(f.Notes) != len(tc.notes) || f.NoteCount != len(tc.notes) || f.DamagedRegions != 0 || f.ProblemCount != 0 {
					t.Fatalf("threads %d: notes %v (count %d), want %d; damage %d", threads, f.Notes, f.NoteCount, len(tc.notes), f.DamagedRegions)
				}
				for i, n := range tc.notes {
					if !strings.Contains(f.Notes[i].Msg, n) {
						t.Errorf("note %q, want %q", f.Notes[i].Msg, n)
					}
				}
				if r.Summary.DamagedRegions != 0 {
					t.Errorf("damaged regions %d", r.Summary.DamagedRegions)
				}
			}
		})
	}
}

// streamLoss checks the one multicast stream's loss and reordered count.
func streamLoss(lost, reordered uint64) func(t *testing.T, r *report.Report) {
	return func(t *testing.T, r *report.Report) {
		t.Helper()
		if r.Multicast == nil || len(r.Multicast.Streams) != 1 {
			t.Fatalf("streams %+v", r.Multicast)
		}
		st := r.Multicast.Streams[0]
		if st.Format != "mtools" || st.Lost != lost || len(st.Sequences) != 1 || st.Sequences[0].Reordered != reordered {
			t.Errorf("format %s, lost %d, sequences %+v: want %d lost, %d reordered", st.Format, st.Lost, st.Sequences, lost, reordered)
		}
	}
}

// verdict checks the one connection's outcome/reason (reason may be "").
func verdict(want string) func(t *testing.T, r *report.Report) {
	return func(t *testing.T, r *report.Report) {
		t.Helper()
		var got []string
		for _, c := range r.Connections {
			got = append(got, fmt.Sprintf("%s/%s", c.Outcome, c.Reason))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("verdicts %v, want %s", got, want)
		}
	}
}

// TestTimeJumpNoteInReports: the note is in the text report's file section
// and in the JSON's files[].notes, with its offset, and is no damage.
func TestTimeJumpNoteInReports(t *testing.T) {
	r := analyzeBytes(t, writeTimed(t, proposalPending(t, 100*time.Millisecond, jumpYear, 200*time.Millisecond)), 1)
	var text strings.Builder
	if err := r.WriteText(&text, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	const note = "frame 6: timestamp 2027-11-22 07:00:00.000100 is 365 days ahead of the frames around it; analyzed at 2026-11-22 07:00:00.100100"
	if !strings.Contains(text.String(), "file note at offset 584: "+note) {
		t.Errorf("text report:\n%s", text.String())
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Files []struct {
			Notes []struct {
				Offset  int64  `json:"offset"`
				Message string `json:"message"`
			} `json:"notes"`
			NoteCount int `json:"note_count"`
		} `json:"files"`
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if f := back.Files[0]; len(f.Notes) != 1 || f.Notes[0].Message != note || f.Notes[0].Offset != 584 || f.NoteCount != 1 {
		t.Errorf("JSON files[0]: %+v", f)
	}
}

// TestTimeJumpMerged: the inputs of --merge hold their time stamps in line
// too (as AnalyzeReader does). A datagram stamped a year ahead in one file
// would otherwise be merged after every packet of the other file, with the
// rest of its own file behind it. The note is on the input's entry, with
// the input's frame number and offset.
func TestTimeJumpMerged(t *testing.T) {
	frames := mtoolsReorder(t, func(i, seq int) time.Time {
		if seq == 7 {
			return synth.Start.Add(jumpYear)
		}
		return synth.Start.Add(time.Duration(i) * 600 * time.Millisecond)
	})
	var split [2][]timedFrame // datagrams dealt alternately
	for i, f := range frames {
		split[i%2] = append(split[i%2], f)
	}
	dir := t.TempDir()
	var paths []string
	for i, fs := range split {
		p := fmt.Sprintf("%s/part%d.pcap", dir, i)
		if err := os.WriteFile(p, writeTimed(t, fs), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	r, err := Run(context.Background(), Config{Merge: true}, paths)
	if err != nil {
		t.Fatal(err)
	}
	if r.Multicast == nil || len(r.Multicast.Streams) != 1 || r.Multicast.Streams[0].Lost != 0 {
		t.Fatalf("merged: streams %+v, want one without loss", r.Multicast)
	}
	f := r.Files[0]
	if f.NoteCount != 0 || len(f.Inputs) != 2 {
		t.Fatalf("merged: notes %v, inputs %+v", f.Notes, f.Inputs)
	}
	const note = "frame 4: timestamp 2027-11-22 07:00:00.000000 is 365 days ahead of the frames around it; analyzed at 2026-11-22 07:00:02.400000"
	if in := f.Inputs[0]; in.Path != paths[0] || in.NoteCount != 1 || len(in.Notes) != 1 || in.Notes[0].Msg != note || in.DamagedRegions != 0 || f.DamagedRegions != 0 {
		t.Errorf("merged: input %+v", in)
	}
	if in := f.Inputs[1]; in.NoteCount != 0 {
		t.Errorf("merged: input %+v", in)
	}
}
