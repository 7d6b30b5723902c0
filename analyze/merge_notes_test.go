package analyze

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/synth"
)

// oddInputs writes four synthetic captures (analyze/synth OddPcapng and
// OddPcap) that overlap in time, each with a damaged region and notes at
// known offsets: two pcapng files with an unknown block and an
// implausible time stamp, a pcap file with a time stamp fraction out of
// range, and a gzip-compressed pcapng file (offsets in its decompressed
// data). It returns their paths and oddities.
func oddInputs(t *testing.T, dir string) ([]string, []synth.Oddities) {
	t.Helper()
	a, oa := synth.OddPcapng("eth0", synth.Start, 0x0000abcd)
	b, ob := synth.OddPcapng("eth1", synth.Start.Add(time.Millisecond), 0x00123456)
	c, oc := synth.OddPcap(synth.Start.Add(500 * time.Microsecond))
	d, od := synth.OddPcapng("eth2", synth.Start.Add(1500*time.Microsecond), 0x00abcdef)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(d); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name string
		data []byte
	}{{"a.pcapng", a}, {"b.pcapng", b}, {"c.pcap", c}, {"d.pcapng.gz", gz.Bytes()}}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths, []synth.Oddities{oa, ob, oc, od}
}

// asInput is what a file's own entry says about it that a merged input's
// entry says too.
func asInput(f report.FileInfo) report.MergedInput {
	return report.MergedInput{Path: f.Path, Format: f.Format, Variant: f.Variant, Compression: f.Compression, Packets: f.Packets,
		First: f.First, Last: f.Last, Interfaces: f.Interfaces, Problems: f.Problems, ProblemCount: f.ProblemCount,
		Notes: f.Notes, NoteCount: f.NoteCount, Error: f.Error, DamagedRegions: f.DamagedRegions, SkippedBytes: f.SkippedBytes}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Files merged by time (--merge; synthetic inputs, oddInputs): each input's
// problems and notes are on its own entry under the merged one (Inputs),
// at offsets in that file, exactly as analyzing the file on its own lists
// them (and its packets, times and interfaces); its damage counts in the
// merged entry's and the summary's; the text report lists them under the
// merged entry. One goroutine or two, the same.
func TestMergeKeepsInputNotes(t *testing.T) {
	paths, odd := oddInputs(t, t.TempDir())
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("threads=%d", threads), func(t *testing.T) {
			got, err := Run(context.Background(), Config{Merge: true, Threads: threads}, paths)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Files) != 1 {
				t.Fatalf("files: %+v", got.Files)
			}
			m := got.Files[0]
			if len(m.Inputs) != len(paths) {
				t.Fatalf("%d inputs, want %d: %+v", len(m.Inputs), len(paths), m.Inputs)
			}
			regions, skipped := 0, int64(0)
			for _, p := range paths {
				alone, err := Run(context.Background(), Config{Threads: threads}, []string{p})
				if err != nil {
					t.Fatal(err)
				}
				want := asInput(alone.Files[0])
				var in *report.MergedInput
				for i := range m.Inputs {
					if m.Inputs[i].Path == p {
						in = &m.Inputs[i]
					}
				}
				if in == nil {
					t.Fatalf("%s is not among the merged inputs", p)
				}
				if d := cmp.Diff(jsonText(t, want), jsonText(t, *in)); d != "" {
					t.Errorf("%s merged differs from the file alone (-alone +merged):\n%s", p, d)
				}
				regions, skipped = regions+in.DamagedRegions, skipped+in.SkippedBytes
			}
			if regions != len(paths) || skipped != int64(len(paths)*synth.GarbageLen) ||
				m.DamagedRegions != regions || m.SkippedBytes != skipped ||
				got.Summary.DamagedRegions != regions || got.Summary.SkippedBytes != skipped || !got.Damaged() {
				t.Errorf("damage: inputs %d regions %d bytes, merged entry %d %d, summary %d %d", regions, skipped,
					m.DamagedRegions, m.SkippedBytes, got.Summary.DamagedRegions, got.Summary.SkippedBytes)
			}
			// The merged capture itself is clean: the implausible time
			// stamps were taken at their file's previous packet's time.
			// Its problems are its inputs', each named by its file (the
			// JSON of schema v2 had them there before Inputs).
			own, ownCount := m.OwnProblems()
			if len(own) != 0 || ownCount != 0 || m.ProblemCount != regions || len(m.Problems) != regions ||
				m.NoteCount != 0 || m.Packets != len(paths)*synth.OddPackets || m.Last.Year() != synth.Start.Year() {
				t.Errorf("merged entry: %d problems (%d own), %d notes, %d packets, last %v", m.ProblemCount, ownCount, m.NoteCount, m.Packets, m.Last)
			}
			for i, p := range m.Problems {
				if in := m.Inputs[i]; !strings.HasPrefix(p.Msg, in.Path+": ") || p.Offset != in.Problems[0].Offset {
					t.Errorf("merged entry's problem %d %+v: not input %s's %+v", i, p, in.Path, in.Problems[0])
				}
			}

			// The offsets are where synth put each oddity.
			find := func(in report.MergedInput, notes bool, off int64, text string) {
				t.Helper()
				list := in.Problems
				if notes {
					list = in.Notes
				}
				for _, p := range list {
					if p.Offset == off && strings.Contains(p.Msg, text) {
						return
					}
				}
				t.Errorf("%s: no %q at offset %d in %+v", in.Path, text, off, list)
			}
			// Inputs are in the order the merge opened them: by their
			// first packets' times (a, c, b, d).
			var order []string
			for _, in := range m.Inputs {
				order = append(order, filepath.Base(in.Path))
			}
			if want := []string{"a.pcapng", "c.pcap", "b.pcapng", "d.pcapng.gz"}; !cmp.Equal(order, want) {
				t.Errorf("inputs in the order %v, want %v", order, want)
			}
			for _, in := range m.Inputs {
				o := odd[slices.Index(paths, in.Path)]
				find(in, false, o.Garbage, "")
				if o.Unknown != 0 {
					find(in, true, o.Unknown, "is not one smcdump knows")
					find(in, true, o.BadTime, "implausible timestamp")
				}
				if o.Fraction != 0 {
					find(in, true, o.Fraction, "timestamp fraction 1500000 out of range")
				}
			}

			var text bytes.Buffer
			if err := got.WriteText(&text, report.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"  damaged input: 4 damaged regions, 64 bytes skipped (offsets below, in the merged files)",
				"  merged from " + paths[0] + ": pcapng, 5 packets,",
				fmt.Sprintf("    file note at offset %d: block type 0x0000abcd (36 bytes) is not one smcdump knows: skipped\n", odd[0].Unknown),
				fmt.Sprintf("    file note at offset %d: interface 0 (eth1): implausible timestamp 2223-07-06 14:13:20", odd[1].BadTime),
				fmt.Sprintf("    file note at offset %d: record: timestamp fraction 1500000 out of range\n", odd[2].Fraction),
				fmt.Sprintf("    file problem at offset %d: ", odd[2].Garbage),
				"  merged from " + paths[3] + ": pcapng (gzip-compressed), 5 packets,",
				fmt.Sprintf("    file note at decompressed offset %d: block type 0x00abcdef", odd[3].Unknown),
				"    damaged file: 1 damaged region, 16 bytes skipped (offsets below); the rest was analyzed\n",
			} {
				if !strings.Contains(text.String(), want) {
					t.Errorf("text report lacks %q:\n%s", want, text.String())
				}
			}
		})
	}
}

// A file the merge opens when its first packet ties with the next packet of
// a file already open (synthetic: OddPcapng 2 ms apart, one 2 ms later):
// the open file's packet goes first, and every packet still counts for
// its own file.
func TestMergeInputCountsOnTies(t *testing.T) {
	dir := t.TempDir()
	a, _ := synth.OddPcapng("eth0", synth.Start, 0x0000abcd)
	b, _ := synth.OddPcapng("eth1", synth.Start.Add(2*time.Millisecond), 0x00123456)
	pa, pb := filepath.Join(dir, "a.pcapng"), filepath.Join(dir, "b.pcapng")
	if err := os.WriteFile(pa, a, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pb, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Run(context.Background(), Config{Merge: true, Threads: 1}, []string{pb, pa})
	if err != nil {
		t.Fatal(err)
	}
	ins := got.Files[0].Inputs
	if len(ins) != 2 || ins[0].Path != pa || ins[1].Path != pb {
		t.Fatalf("inputs %+v", ins)
	}
	for _, in := range ins {
		alone, err := Run(context.Background(), Config{Threads: 1}, []string{in.Path})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(jsonText(t, asInput(alone.Files[0])), jsonText(t, in)); d != "" {
			t.Errorf("%s merged differs from the file alone (-alone +merged):\n%s", in.Path, d)
		}
	}
}
