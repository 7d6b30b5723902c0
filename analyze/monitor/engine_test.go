package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/tunnelwrap"
)

// traces are the recorded (real kernel) captures the live engine is
// compared with `analyze` on.
func traces(t *testing.T) []string {
	var out []string
	for _, g := range []string{"../../testdata/lab/out/6.12/*.pcapng", "../../testdata/losslab/*.pcapng", "../../testdata/mcast/lab/*.pcapng"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 10 {
		t.Fatalf("recorded traces missing: %d found", len(out))
	}
	return out
}

// runEngine feeds the frames of path through an engine, as a live capture
// would (frame by frame), and returns its events. The kernel counter
// snapshots embedded in the file are given to Counters as they come.
func runEngine(t *testing.T, path string) []*Event {
	t.Helper()
	var evs []*Event
	e := New(Config{Emit: func(ev *Event) { c := *ev; evs = append(evs, &c) }})
	runEngineWith(t, e, path)
	return evs
}

// runEngineWith feeds path through e and closes it.
func runEngineWith(t *testing.T, e *Engine, path string) *Engine {
	t.Helper()
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	fr.OnCustom = func(cb pcapfile.CustomBlock) {
		const tag = "smcdump.kstat/v1\n"
		if cb.PEN != 32473 || !bytes.HasPrefix(cb.Data, []byte(tag)) {
			return
		}
		s, err := kstat.ReadSnapshot(bytes.NewReader(bytes.TrimRight(cb.Data[len(tag):], "\x00")))
		if err == nil {
			e.Counters(s)
		}
	}
	for {
		p, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		q := *p
		q.Data = append([]byte(nil), p.Data...)
		e.Packet(&q)
	}
	e.Close()
	return e
}

func connKey(client, server string, o smcflow.Outcome, reason, code string) string {
	return fmt.Sprintf("%s > %s %s %s %s", client, server, o, reason, code)
}

// TestLiveVerdictsMatchAnalyze: the verdicts the monitor reports live, frame
// by frame, are the ones `analyze` gives on the same capture: every SMC
// connection's outcome, reason and code; every stream's received, lost,
// duplicated and reordered counts; every gap.
func TestLiveVerdictsMatchAnalyze(t *testing.T) {
	for _, path := range append(traces(t), zoneTraces(t)...) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rep, err := analyze.Run(context.Background(), analyze.Config{}, []string{path})
			if err != nil {
				t.Fatal(err)
			}
			evs := runEngine(t, path)

			var want, got []string
			for _, c := range rep.Connections {
				if c.Outcome == smcflow.OutcomeNotSMC {
					continue
				}
				ce := connEvent(c)
				want = append(want, connKey(ce.Client, ce.Server, ce.Outcome, ce.Reason, ce.Code))
			}
			var wantGaps, gotGaps, wantStreams, gotStreams []string
			if rep.Multicast != nil {
				for _, s := range rep.Multicast.Streams {
					var rcv, dup, reo, gaps uint64
					for _, q := range s.Sequences {
						rcv += q.Received
						dup += q.Duplicates
						reo += q.Reordered
						gaps += q.GapCount
						for _, g := range q.Gaps {
							wantGaps = append(wantGaps, fmt.Sprintf("%s>%s %s %d+%d", s.Src, s.Dst, g.Key, g.FirstMissing, g.Count))
						}
					}
					wantStreams = append(wantStreams, fmt.Sprintf("%s>%s %s pk=%d rcv=%d lost=%d dup=%d reo=%d gaps=%d", s.Src, s.Dst, s.Format, s.Packets, rcv, s.Lost, dup, reo, gaps))
				}
			}
			counters := 0
			liveKinds := map[string]bool{}
			for _, ev := range evs {
				switch ev.Type {
				case EventConnection:
					c := ev.Connection
					k := connKey(c.Client, c.Server, c.Outcome, c.Reason, c.Code)
					if c.Revised {
						// replaces the verdict reported at handshake time
						for i := len(got) - 1; i >= 0; i-- {
							if strings.HasPrefix(got[i], c.Client+" > "+c.Server+" ") {
								got = append(got[:i], got[i+1:]...)
								break
							}
						}
					}
					got = append(got, k)
				case EventGap:
					g := ev.Gap
					gotGaps = append(gotGaps, fmt.Sprintf("%s>%s %s %d+%d", g.Src, g.Dst, g.Key, g.FirstMissing, g.Count))
				case EventStreamStop:
					s := ev.Stream
					gotStreams = append(gotStreams, fmt.Sprintf("%s>%s %s pk=%d rcv=%d lost=%d dup=%d reo=%d gaps=%d", s.Src, s.Dst, s.Format, s.Packets, s.Received, s.Lost, s.Dups, s.Reordered, s.Gaps))
				case EventCounters:
					counters++
					for _, v := range ev.Counters.Verdicts {
						liveKinds[v.Kind] = true
					}
					if rep.Counters != nil && counters == 1 && len(rep.Counters.Verdicts) > 0 {
						// One interval between the file's first two snapshots;
						// when the file has exactly two, it is the whole capture
						// and the verdicts are analyze's.
						if nsnap := strings.Count(rep.Counters.Before.Time+rep.Counters.After.Time, ":"); nsnap > 0 && isTwoSnapshots(t, path) {
							if g, w := verdictKinds(ev.Counters), verdictKinds(&CountersEvent{Verdicts: rep.Counters.Verdicts}); g != w {
								t.Errorf("interval verdicts %s, analyze %s", g, w)
							}
						}
					}
				}
			}
			if rep.Counters != nil {
				// Every problem analyze finds over the whole capture is
				// found live in the interval it happened in.
				for _, v := range rep.Counters.Verdicts {
					switch v.Kind {
					case "no-loss", "snapshots-do-not-bracket-capture", "loss-not-judged":
						continue
					}
					if !liveKinds[v.Kind] {
						t.Errorf("analyze verdict %s (%s) not found in any interval: %v", v.Kind, v.Subject, liveKinds)
					}
				}
			}
			for _, l := range [][]string{want, got, wantGaps, gotGaps, wantStreams, gotStreams} {
				sort.Strings(l)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("connections:\nlive:\n%s\nanalyze:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if strings.Join(gotGaps, "\n") != strings.Join(wantGaps, "\n") {
				t.Errorf("gaps:\nlive:\n%s\nanalyze:\n%s", strings.Join(gotGaps, "\n"), strings.Join(wantGaps, "\n"))
			}
			if strings.Join(gotStreams, "\n") != strings.Join(wantStreams, "\n") {
				t.Errorf("streams:\nlive:\n%s\nanalyze:\n%s", strings.Join(gotStreams, "\n"), strings.Join(wantStreams, "\n"))
			}
			t.Logf("%d connections, %d streams, %d gaps, %d counter intervals", len(got), len(gotStreams), len(gotGaps), counters)
		})
	}
}

func isTwoSnapshots(t *testing.T, path string) bool {
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	n := 0
	fr.OnCustom = func(cb pcapfile.CustomBlock) {
		if cb.PEN == 32473 {
			n++
		}
	}
	for {
		if _, err := fr.Next(); err != nil {
			break
		}
	}
	return n == 2
}

func verdictKinds(c *CountersEvent) string {
	var k []string
	for _, v := range c.Verdicts {
		k = append(k, v.Kind+"/"+v.Subject)
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

// zoneTraces writes two recorded traces (an SMC-R handshake, a veth
// capture with losses) three times interleaved, frame by frame: as
// captured and inside VXLAN VNIs 42 and 43 (synthetic wrapping of real
// frames): the same addresses in three tunnel zones, which the engine
// must keep apart as analyze does.
func zoneTraces(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, src := range []string{"../../testdata/lab/out/6.12/c-smcr-link.pcapng", "../../testdata/multipoint/udp-lost-receiver.pcapng"} {
		dst := filepath.Join(t.TempDir(), "zones-"+strings.TrimSuffix(filepath.Base(src), ".pcapng")+".pcap")
		out = append(out, tunnelwrap.Rewrite(t, src, dst,
			func(eth []byte, wire int, emit func([]byte, int)) {
				emit(eth, wire)
				emit(tunnelwrap.VXLAN(42, eth, wire))
				emit(tunnelwrap.VXLAN(43, eth, wire))
			}))
	}
	return out
}
