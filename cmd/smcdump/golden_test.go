package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/analyze"
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
	if s.Link == synth.Ethernet && len(s.VLANs) == 0 && s.SnapLen == 0 {
		ext = ".pcapng"
	}
	return filepath.Join(synthDir, s.Name+ext)
}

func writeScenario(t *testing.T, s synth.Scenario, path string) {
	t.Helper()
	var buf bytes.Buffer
	var w *synth.Writer
	var err error
	if strings.HasSuffix(path, ".pcapng") {
		w, err = synth.NewPcapng(&buf, s.Link, "eth0", synth.Start)
	} else {
		w, err = synth.NewPcap(&buf, s.Link, synth.Start, s.Nano)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.VLANs, w.SnapLen = s.VLANs, s.SnapLen
	if err := s.Build(w); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
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
			var rep analyze.Report
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
