package analyze

import (
	"bytes"
	"context"
	"fmt"
	"github.com/smcdump/smcdump/internal/publicdata"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestEveryInputTerminates replays every capture file in the module's
// testdata (synthetic, lab, and the public sample captures when present)
// and every fuzz corpus entry of every package through the whole analyzer
// (text and JSON reports) and the read -r printer, each under a deadline
// proportional to its size. The deadline is generous (5 s + 2 s per MB): it
// catches a hang, it is not a performance assertion. Corpus entries are
// tried both as a capture file and as a frame sequence (the input format of
// FuzzAnalyzer), whichever target they belong to.
func TestEveryInputTerminates(t *testing.T) {
	root := ".."
	var traces, corpus []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case filepath.Base(filepath.Dir(filepath.Dir(p))) == "fuzz":
			corpus = append(corpus, p)
		case slices.Contains([]string{".pcap", ".pcapng", ".cap"}, filepath.Ext(p)):
			traces = append(traces, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	traces = append(traces, publicdata.Glob(t, "*.pcap")...)
	traces = append(traces, publicdata.Glob(t, "*.pcapng")...)
	if len(traces) == 0 || len(corpus) == 0 {
		t.Fatalf("found %d traces and %d corpus entries", len(traces), len(corpus))
	}
	for _, p := range traces {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		within(t, p, len(b), func() { runEverything(p, b) })
	}
	for _, p := range corpus {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		vals, err := fuzzseed.DecodeEntry(b)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		for i, v := range vals {
			var in []byte
			switch x := v.(type) {
			case []byte:
				in = x
			case string:
				in = []byte(x)
			default:
				continue
			}
			name := fmt.Sprintf("%s (value %d)", p, i+1)
			within(t, name, len(in), func() {
				runEverything(name, in)
				runEverything(name+" as frames", fuzzPcap(fuzzFrames(in)))
			})
		}
	}
	t.Logf("%d traces and %d corpus entries terminated", len(traces), len(corpus))
}

// within runs fn and fails the test naming the input if it does not return
// within 5 s + 2 s per MB of input.
func within(t *testing.T, name string, size int, fn func()) {
	t.Helper()
	limit := 5*time.Second + time.Duration(size)*2*time.Second/(1<<20)
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fn()
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("%s: panic: %v", name, p)
		}
	case <-time.After(limit):
		t.Fatalf("%s: did not finish within %v (%d bytes): a loop without progress?", name, limit, size)
	}
}

// runEverything analyzes and prints one capture file's bytes the way the
// analyze and read -r commands do.
func runEverything(name string, b []byte) {
	fr, err := pcapfile.NewFileReader(bytes.NewReader(b))
	if err == nil {
		a := NewAnalyzer(Config{All: true})
		_ = a.AnalyzeReader(context.Background(), name, fr)
		rep := a.Finish()
		_ = rep.WriteText(io.Discard, report.TextOptions{Evidence: true})
		_ = rep.WriteJSON(io.Discard)
	}
	fr, err = pcapfile.NewFileReader(bytes.NewReader(b))
	if err != nil {
		return
	}
	var sb strings.Builder
	p := NewPrinter(&sb, PrintOptions{Verbose: 2, LinkHeader: true})
	for {
		pkt, err := fr.Next()
		if err != nil {
			break
		}
		_ = p.PrintPacket(pkt)
		if sb.Len() > 1<<20 {
			sb.Reset()
		}
	}
}
