package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/analyze/synth"
)

var update = flag.Bool("update", false, "rewrite synthetic traces and golden files")

const (
	synthDir  = "../../testdata/synthetic"
	goldenDir = "../../testdata/golden"
)

// run executes the CLI in-process and returns stdout, stderr and the exit
// code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func scenarioPath(s synth.Scenario) string {
	ext := ".pcap"
	if s.Pcapng() {
		ext = ".pcapng"
	}
	return filepath.Join(synthDir, s.Name+ext)
}

func writeScenario(t *testing.T, s synth.Scenario, path string) {
	t.Helper()
	b, err := s.Capture()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// golden compares got with the golden file, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/smcdump -run %s -update)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", name, lineDiff(string(want), got))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, a, c)
			if b.Len() > 4000 {
				break
			}
		}
	}
	return b.String()
}

// TestSyntheticTraces runs analyze (text and JSON) and read -v over every
// synthetic scenario (testdata/synthetic, labelled synthetic: built from the
// smcproto encoders, not by a kernel) and checks the expected verdicts.
func TestSyntheticTraces(t *testing.T) {
	// SLL2 frames name their interface by the local system's ifindex (as
	// tcpdump does); the goldens must not depend on the machine.
	defer func(f func(int) string) { ifNameByIndex = f }(ifNameByIndex)
	ifNameByIndex = func(int) string { return "" }
	for _, s := range synth.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			path := scenarioPath(s)
			if *update {
				writeScenario(t, s, path)
			}
			out, stderr, code := run(t, "analyze", path)
			if code != 0 {
				t.Fatalf("analyze exit %d: %s", code, stderr)
			}
			golden(t, s.Name+".analyze.txt", out)
			js, _, _ := run(t, "analyze", "--json", path)
			golden(t, s.Name+".analyze.json", js)
			var rep report.Report
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range rep.Connections {
				got = append(got, string(c.Outcome)+"/"+c.Reason)
			}
			if strings.Join(got, " ") != strings.Join(s.Expect, " ") {
				t.Errorf("verdicts %v, want %v", got, s.Expect)
			}
			rd, stderr, code := run(t, "read", "-r", path, "-v")
			if code != 0 {
				t.Fatalf("read exit %d: %s", code, stderr)
			}
			golden(t, s.Name+".read.txt", rd)
		})
	}
}

const labDir = "../../testdata/lab/out"

// TestLabTraces runs analyze over every real-kernel trace recorded by the
// SMC lab (testdata/lab, Linux under qemu) and compares with golden files.
func TestLabTraces(t *testing.T) {
	traces, _ := filepath.Glob(filepath.Join(labDir, "*", "*.pcap"))
	ng, _ := filepath.Glob(filepath.Join(labDir, "*", "*.pcapng"))
	traces = append(traces, ng...)
	if len(traces) == 0 {
		t.Skip("no lab traces in testdata/lab/out (run testdata/lab/run.sh)")
	}
	for _, tr := range traces {
		kernel := filepath.Base(filepath.Dir(tr))
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(tr), ".pcapng"), ".pcap")
		t.Run(kernel+"/"+name, func(t *testing.T) {
			out, stderr, code := run(t, "analyze", "--evidence=yes", tr)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden(t, "lab-"+kernel+"-"+name+".analyze.txt", out)
		})
	}
}

// labExpect is one expected verdict of the lab manifest (testdata/lab
// README): derived from what the kernel reported, never from the pcap.
type labExpect struct {
	Client     string `json:"client"`
	Server     string `json:"server"`
	Outcome    string `json:"outcome"`
	SMC        string `json:"smc"`
	Version    int    `json:"version"`
	Reason     string `json:"reason"`
	Code       string `json:"code"`
	DeclinedBy string `json:"declined_by"`
	Late       *bool  `json:"late"`
	Link       string `json:"link"`
}

// TestLabManifest checks the analyzer's verdict for every connection the
// lab's manifest lists against what the kernels reported.
func TestLabManifest(t *testing.T) {
	manifests, _ := filepath.Glob(filepath.Join(labDir, "*", "manifest.json"))
	if len(manifests) == 0 {
		t.Skip("no lab manifest in testdata/lab/out")
	}
	checked := 0
	defer func() {
		if checked == 0 {
			t.Error("the lab manifests list no connection with an expected verdict")
		}
	}()
	for _, mf := range manifests {
		b, err := os.ReadFile(mf)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Scenarios []struct {
				Name     string      `json:"name"`
				Trace    string      `json:"trace"`
				Produced *bool       `json:"produced"`
				Expected []labExpect `json:"connections"`
				// further capture points (e.g. the server's side of a
				// middlebox), each with the verdict its side's kernel implies
				Other []struct {
					Trace    string      `json:"trace"`
					Expected []labExpect `json:"connections"`
				} `json:"other_traces"`
			} `json:"scenarios"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", mf, err)
		}
		dir := filepath.Dir(mf)
		type point struct {
			name, trace string
			expected    []labExpect
		}
		var points []point
		for _, sc := range m.Scenarios {
			points = append(points, point{sc.Name, sc.Trace, sc.Expected})
			for _, o := range sc.Other {
				points = append(points, point{strings.TrimSuffix(strings.TrimSuffix(o.Trace, ".pcapng"), ".pcap"), o.Trace, o.Expected})
			}
		}
		for _, sc := range points {
			if sc.trace == "" || len(sc.expected) == 0 {
				continue
			}
			t.Run(filepath.Base(dir)+"/"+sc.name, func(t *testing.T) {
				js, stderr, code := run(t, "analyze", "--json", filepath.Join(dir, sc.trace))
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				var rep report.Report
				if err := json.Unmarshal([]byte(js), &rep); err != nil {
					t.Fatal(err)
				}
				byClient := map[string]*smcflow.Conn{}
				for _, c := range rep.Connections {
					byClient[c.Client.String()+">"+c.Server.String()] = c
				}
				checked++
				notSMC := 0
				for _, e := range sc.expected {
					c := byClient[e.Client+">"+e.Server]
					if c == nil && e.Outcome == "not-smc" {
						// the report lists only connections with SMC
						// involvement; plain TCP is counted
						notSMC++
						continue
					}
					if c == nil {
						t.Errorf("%s → %s: not in the analysis", e.Client, e.Server)
						continue
					}
					checkExpect(t, e, c)
				}
				if rep.Summary.PlainTCP < notSMC {
					t.Errorf("%d plain TCP connections in the analysis, the kernel says %d saw no SMC attempt at this point", rep.Summary.PlainTCP, notSMC)
				}
			})
		}
	}
}

func checkExpect(t *testing.T, e labExpect, c *smcflow.Conn) {
	t.Helper()
	id := e.Client + " → " + e.Server
	if e.Reason == "stalled-after-confirm" && c.Times.Confirm != nil {
		// The kernel hung after the Confirm (Linux 6.1 + soft-RoCE). A
		// capture without RoCE frames cannot tell that from a healthy
		// link over invisible hardware RoCE: the analyzer must say the
		// link is unverified, not that it worked or failed.
		if c.Outcome != smcflow.OutcomeSMC || c.Reason != smcflow.ReasonLinkUnverified {
			t.Errorf("%s: %s/%s (%s), kernel says stalled after Confirm: want smc/link-unverified", id, c.Outcome, c.Reason, c.Summary)
		}
		return
	}
	if e.Outcome != "" && string(c.Outcome) != e.Outcome {
		t.Errorf("%s: outcome %s (%s), kernel says %s", id, c.Outcome, c.Summary, e.Outcome)
		return
	}
	if e.SMC != "" && (c.SMC == nil || c.SMC.Type != e.SMC) {
		t.Errorf("%s: SMC type %+v, kernel says %s", id, c.SMC, e.SMC)
	}
	if e.Version != 0 && c.SMC != nil && c.SMC.Version != e.Version && e.Outcome == "smc" {
		t.Errorf("%s: version %d, kernel says %d", id, c.SMC.Version, e.Version)
	}
	reason := e.Reason
	if reason == "decline" && e.Late != nil && *e.Late {
		reason = smcflow.ReasonLateDecline // the manifest marks lateness separately
	}
	// Reasons of handshake errors are the lab's own words (connect-error,
	// stalled-after-confirm); fallback reasons share the vocabulary.
	if reason != "" && e.Outcome == "fallback" && c.Reason != reason {
		t.Errorf("%s: reason %q, kernel says %q", id, c.Reason, reason)
	}
	if e.Code != "" && e.Reason != "peer-no-smc" {
		if c.Decline == nil || c.Decline.Code != e.Code {
			t.Errorf("%s: decline %+v, kernel says code %s", id, c.Decline, e.Code)
		} else if e.DeclinedBy != "" && c.Decline.By != e.DeclinedBy {
			t.Errorf("%s: declined by %s, kernel says %s", id, c.Decline.By, e.DeclinedBy)
		}
	}
	if e.Late != nil && c.Decline != nil && c.Decline.Late != *e.Late {
		t.Errorf("%s: late %v, kernel says %v", id, c.Decline.Late, *e.Late)
	}
	if e.Link != "" && c.Link != nil && c.Link.State != e.Link {
		t.Errorf("%s: link %s, kernel says %s", id, c.Link.State, e.Link)
	}
}

// TestLabCorrelation joins a real-kernel trace with the server's kernel
// counter snapshots taken around it (raw netlink and /proc files).
func TestLabCorrelation(t *testing.T) {
	snap := filepath.Join(labDir, "6.12", "snap", "d-roce-blocked")
	traces, _ := filepath.Glob(filepath.Join(labDir, "6.12", "d-roce-blocked.pcap*"))
	if len(traces) == 0 {
		t.Skip("lab trace not present")
	}
	trace := traces[0]
	if _, err := os.Stat(filepath.Join(snap, "server-after")); err != nil {
		t.Skip("lab snapshots not present")
	}
	out, stderr, code := run(t, "analyze", "--evidence=no", trace, "--stats", filepath.Join(snap, "server-before"), "--stats", filepath.Join(snap, "server-after"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden(t, "lab-6.12-d-roce-blocked.correlate.txt", out)
	if !strings.Contains(out, "1 server fallbacks with reason 0x02010000 TIMEOUT_CL: kernel +1") {
		t.Errorf("correlation does not match the kernel's TIMEOUT_CL count:\n%s", out)
	}
}

// TestLabIPProtoSMCKernels checks what the lab recorded for
// socket(AF_INET, SOCK_STREAM, IPPROTO_SMC) (scenario l-ipproto-smc): Linux
// 6.12 creates such sockets and runs the SMC handshake (its connection is
// checked by TestLabManifest); Linux 6.1 (IPPROTO_SMC is 6.11+) refuses them
// with EPROTONOSUPPORT, so its trace holds no TCP connection at all.
func TestLabIPProtoSMCKernels(t *testing.T) {
	type scen struct {
		Name        string            `json:"name"`
		Trace       string            `json:"trace"`
		Connections []json.RawMessage `json:"connections"`
		Notes       []string          `json:"notes"`
	}
	load := func(kernel string) *scen {
		b, err := os.ReadFile(filepath.Join(labDir, kernel, "manifest.json"))
		if err != nil {
			t.Skipf("lab manifest not present: %v", err)
		}
		var m struct {
			Scenarios []scen `json:"scenarios"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for i := range m.Scenarios {
			if m.Scenarios[i].Name == "l-ipproto-smc" {
				return &m.Scenarios[i]
			}
		}
		t.Fatalf("%s manifest has no l-ipproto-smc scenario", kernel)
		return nil
	}
	if s := load("6.12"); len(s.Connections) != 1 {
		t.Errorf("6.12: %d connections, want 1 IPPROTO_SMC connection", len(s.Connections))
	}
	s := load("6.1")
	if len(s.Connections) != 0 {
		t.Errorf("6.1: %d connections, want none (socket() fails)", len(s.Connections))
	}
	for _, side := range []string{"client", "server"} {
		want := side + ": socket(AF_INET/IPPROTO_SMC) failed: socket: protocol not supported"
		if !slices.Contains(s.Notes, want) {
			t.Errorf("6.1: notes %q lack %q", s.Notes, want)
		}
	}
	js, stderr, code := run(t, "analyze", "--json", filepath.Join(labDir, "6.1", s.Trace))
	if code != 0 {
		t.Fatalf("analyze exit %d: %s", code, stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.TCPConnections != 0 {
		t.Errorf("6.1 l-ipproto-smc trace: %d TCP connections, want 0", rep.Summary.TCPConnections)
	}
}
