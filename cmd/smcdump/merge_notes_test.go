package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/multipoint"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// oddFiles writes synthetic captures (analyze/synth OddPcapng, OddPcap)
// that overlap in time, each with a damaged region and notes at known
// offsets: two pcapng files (an unknown block, an implausible time stamp)
// and a pcap file (a time stamp fraction out of range).
func oddFiles(t *testing.T) ([]string, map[string]synth.Oddities) {
	t.Helper()
	dir := t.TempDir()
	a, oa := synth.OddPcapng("eth0", synth.Start, 0x0000abcd)
	b, ob := synth.OddPcapng("eth1", synth.Start.Add(time.Millisecond), 0x00123456)
	c, oc := synth.OddPcap(synth.Start.Add(500 * time.Microsecond))
	odd := map[string]synth.Oddities{}
	var paths []string
	for _, f := range []struct {
		name string
		data []byte
		odd  synth.Oddities
	}{{"a.pcapng", a, oa}, {"b.pcapng", b, ob}, {"c.pcap", c, oc}} {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		odd[p] = f.odd
	}
	return paths, odd
}

// fileLines returns the damage, problem and note lines analyze prints for
// a file analyzed on its own.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	out, stderr, code := run(t, "analyze", "--evidence=no", path)
	if code != codeDamaged {
		t.Fatalf("analyze %s: exit %d, want %d: %s", path, code, codeDamaged, stderr)
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "  damaged file: ") || strings.HasPrefix(l, "  file problem at ") || strings.HasPrefix(l, "  file note at ") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 3 {
		t.Fatalf("analyze %s: %d damage and note lines:\n%s", path, len(lines), out)
	}
	return lines
}

// analyze --merge (synthetic inputs, oddFiles): each input's damage and
// notes are in the report under the input's name, the lines exactly those
// of the file analyzed on its own, and in the JSON (files[].inputs) at the
// offsets synth put them; the exit status says the input was damaged (4),
// and 1 when a file could not be opened (the others still reported).
func TestAnalyzeMergeKeepsInputNotes(t *testing.T) {
	paths, odd := oddFiles(t)
	out, stderr, code := run(t, append([]string{"analyze", "--evidence=no", "--merge"}, paths...)...)
	if code != codeDamaged || !strings.Contains(stderr, "damaged input: 3 damaged region(s), 48 bytes skipped") {
		t.Fatalf("analyze --merge: exit %d, want %d: %s", code, codeDamaged, stderr)
	}
	head, _, _ := strings.Cut(out, "SMC summary")
	for _, p := range paths {
		// The file's section: from its line to the next file's.
		_, sec, ok := strings.Cut(head, "\n  merged from "+p+": ")
		if !ok {
			t.Fatalf("no section for %s:\n%s", p, head)
		}
		sec, _, _ = strings.Cut(sec, "\n  merged from ")
		sec = strings.TrimRight(sec, "\n") + "\n"
		for _, l := range fileLines(t, p) {
			if !strings.Contains(sec, "\n  "+l+"\n") {
				t.Errorf("%s: merged report lacks %q in its section:\n%s", p, "  "+l, sec)
			}
		}
	}

	js, stderr, code := run(t, append([]string{"analyze", "--json", "--merge"}, paths...)...)
	if code != codeDamaged {
		t.Fatalf("analyze --json --merge: exit %d: %s", code, stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || len(rep.Files[0].Inputs) != 3 || rep.Summary.DamagedRegions != 3 || rep.Summary.SkippedBytes != 3*synth.GarbageLen {
		t.Fatalf("JSON: files %+v, summary %+v", rep.Files, rep.Summary)
	}
	for _, in := range rep.Files[0].Inputs {
		o, ok := odd[in.Path]
		if !ok {
			t.Fatalf("input %q: not one of the files", in.Path)
		}
		has := func(list []pcapfile.Problem, off int64, text string) bool {
			for _, p := range list {
				if p.Offset == off && strings.Contains(p.Msg, text) {
					return true
				}
			}
			return false
		}
		if in.DamagedRegions != 1 || in.ProblemCount != 1 || !has(in.Problems, o.Garbage, "skipped 16 bytes") {
			t.Errorf("%s: damage %d, problems %+v; want one at offset %d", in.Path, in.DamagedRegions, in.Problems, o.Garbage)
		}
		want := map[int64]string{o.Unknown: "is not one smcdump knows", o.BadTime: "implausible timestamp"}
		if o.Fraction != 0 {
			want = map[int64]string{o.Fraction: "timestamp fraction 1500000 out of range"}
		}
		for off, text := range want {
			if !has(in.Notes, off, text) || in.NoteCount != len(want) {
				t.Errorf("%s: notes %+v (%d); want %q at offset %d", in.Path, in.Notes, in.NoteCount, text, off)
			}
		}
	}

	// A file that cannot be opened: exit 1, and the others' damage and
	// notes still reported.
	missing := filepath.Join(t.TempDir(), "missing.pcapng")
	out, stderr, code = run(t, append([]string{"analyze", "--evidence=no", "--merge", missing}, paths...)...)
	if code != codeError || !strings.Contains(out, "error: stat "+missing) ||
		!strings.Contains(out, fmt.Sprintf("    file note at offset %d: block type 0x0000abcd", odd[paths[0]].Unknown)) {
		t.Errorf("with a missing file: exit %d, want %d: %s\n%s", code, codeError, stderr, out)
	}
}

// analyze --point (synthetic inputs, oddFiles): each point lists its
// files' damage and notes, naming the file and the offset, in the text and
// the JSON; the exit status says the input was damaged.
func TestMultipointKeepsNotes(t *testing.T) {
	paths, odd := oddFiles(t)
	a, b := paths[0], paths[1]
	out, stderr, code := run(t, "analyze", "--point", "x="+a, "--point", "y="+b)
	if code != codeDamaged {
		t.Fatalf("analyze --point: exit %d, want %d: %s", code, codeDamaged, stderr)
	}
	for _, p := range []string{a, b} {
		for _, want := range []string{
			fmt.Sprintf("damaged: %s: offset %d: corrupt block", p, odd[p].Garbage),
			fmt.Sprintf("note: %s: offset %d: block type 0x", p, odd[p].Unknown),
			fmt.Sprintf("note: %s: offset %d: interface 0 (eth", p, odd[p].BadTime),
		} {
			if !strings.Contains(out, want) {
				t.Errorf("text lacks %q:\n%s", want, out)
			}
		}
	}
	js, _, code := run(t, "analyze", "--json", "--point", "x="+a, "--point", "y="+b)
	if code != codeDamaged {
		t.Fatalf("analyze --json --point: exit %d", code)
	}
	var rep multipoint.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Points) != 2 || len(rep.Points[0].Notes) != 2 || len(rep.Points[1].Notes) != 2 ||
		!strings.HasPrefix(rep.Points[1].Notes[0], fmt.Sprintf("%s: offset %d: block type 0x00123456", b, odd[b].Unknown)) {
		t.Errorf("JSON points: %+v", rep.Points)
	}
}
