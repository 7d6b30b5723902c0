package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// rotation returns n synthetic files of 100 packets, each second i to i+1.
func rotation(n int) []FileInfo {
	t0 := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	var fs []FileInfo
	for i := range n {
		first, last := t0.Add(time.Duration(i)*time.Second), t0.Add(time.Duration(i)*time.Second+900*time.Millisecond)
		name := "cap.pcapng"
		if i > 0 {
			name += fmt.Sprint(i)
		}
		fs = append(fs, FileInfo{Path: name, Format: "pcapng", Packets: 100, First: &first, Last: &last,
			Interfaces: []pcapfile.Interface{{Name: "eth1", LinkType: pcapfile.LinkTypeEthernet}}})
	}
	return fs
}

func TestNewFileOrder(t *testing.T) {
	if fo := NewFileOrder(rotation(1), "first-packet-time", false); fo != nil {
		t.Errorf("one file: %+v", fo)
	}
	// One file read and one that could not be: nothing about the order
	// (not "analyzed in the order of their first packets' times").
	if fo := NewFileOrder(append(rotation(1), FileInfo{Path: "missing", Error: "no such file"}), "first-packet-time", true); fo != nil {
		t.Errorf("one file read: %+v", fo)
	}
	fs := rotation(5)
	fo := NewFileOrder(fs, "first-packet-time", true)
	if fo == nil || !fo.Reordered || len(fo.Overlaps) != 0 || fo.MoreOverlaps != 0 {
		t.Fatalf("rotation in order: %+v", fo)
	}
	// Given out of order: 0 1 3 2 4. Time goes back once, at file 2,
	// behind file 3 (the newest read before it).
	fs[2], fs[3] = fs[3], fs[2]
	fo = NewFileOrder(fs, "given", false)
	if len(fo.Overlaps) != 1 {
		t.Fatalf("one swap: %+v", fo)
	}
	if o := fo.Overlaps[0]; o.File != "cap.pcapng2" || o.Previous != "cap.pcapng3" || o.BackSeconds != 1.9 {
		t.Errorf("overlap %+v", o)
	}
	// Files without packets or with errors are not boundaries.
	fs = rotation(3)
	fs[1] = FileInfo{Path: "broken", Error: "broken: not a pcap or pcapng file"}
	fs = append(fs, FileInfo{Path: "empty", Format: "pcap"})
	if fo := NewFileOrder(fs, "given", false); len(fo.Overlaps) != 0 {
		t.Errorf("error and empty files: %+v", fo)
	}
	// Bounded: captures of two interfaces at the same time, file by file.
	var both []FileInfo
	a, b := rotation(MaxFileOverlaps+10), rotation(MaxFileOverlaps+10)
	for i := range a {
		b[i].Path = "other" + b[i].Path
		both = append(both, a[i], b[i])
	}
	fo = NewFileOrder(both, "first-packet-time", false)
	if len(fo.Overlaps) != MaxFileOverlaps || fo.MoreOverlaps != len(a)-MaxFileOverlaps {
		t.Errorf("%d overlaps listed, %d more; want %d, %d", len(fo.Overlaps), fo.MoreOverlaps, MaxFileOverlaps, len(a)-MaxFileOverlaps)
	}
}

// A long rotation: one line for all files, the first and last files, the
// others summed except a damaged one and one with a note, which are
// always described.
func TestHeaderLongRotation(t *testing.T) {
	fs := rotation(40)
	fs[20].DamagedRegions, fs[20].SkippedBytes, fs[20].ProblemCount = 1, 96, 1
	fs[20].Problems = []pcapfile.Problem{{Offset: 4096, Msg: "block length 7 is not a multiple of 4"}}
	fs[30].NoteCount = 1
	fs[30].Notes = []pcapfile.Problem{{Offset: 512, Msg: "block type 0x00001234 (16 bytes) is not one smcdump knows: skipped"}}
	r := &Report{Files: fs, FileOrder: NewFileOrder(fs, "first-packet-time", true)}
	var buf bytes.Buffer
	if err := r.WriteText(&buf, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	head, _, _ := strings.Cut(out, "SMC summary")
	for _, want := range []string{
		"40 files, 4000 packets, 2026-12-05 09:00:00.000000 – 09:00:39.900000 UTC (39.900 s)\n",
		"Files analyzed in the order of their first packets' times, not as given",
		"cap.pcapng: pcapng, 100 packets",
		"cap.pcapng2: pcapng, 100 packets",
		"... 17 more files (cap.pcapng3 … cap.pcapng19): 1700 packets, 2026-12-05 09:00:03.000000 – 09:00:19.900000 UTC\n",
		"cap.pcapng20: pcapng, 100 packets",
		"  file problem at offset 4096: block length 7 is not a multiple of 4\n",
		"... 9 more files (cap.pcapng21 … cap.pcapng29): 900 packets",
		"cap.pcapng30: pcapng, 100 packets",
		"  file note at offset 512: block type 0x00001234 (16 bytes) is not one smcdump knows: skipped\n",
		"... 7 more files (cap.pcapng31 … cap.pcapng37): 700 packets",
		"cap.pcapng38: pcapng",
		"cap.pcapng39: pcapng",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("header lacks %q:\n%s", want, head)
		}
	}
	if n := strings.Count(head, "\n"); n > 24 {
		t.Errorf("header of %d lines for 40 files:\n%s", n, head)
	}
	// Twelve files or fewer: every file described, no total line.
	r = &Report{Files: rotation(12)}
	buf.Reset()
	if err := r.WriteText(&buf, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "more file") || strings.Contains(buf.String(), "12 files,") || !strings.Contains(buf.String(), "cap.pcapng11: pcapng") {
		t.Errorf("12 files:\n%s", buf.String())
	}
}

// Files merged by time (--merge): the merged entry lists its inputs under
// it, each with its damage, problems and notes as its own entry would
// (offsets in the decompressed data of a compressed one); beyond twelve,
// the first three and last two and every one with a problem, a note or an
// error are described, the others summed on one line. A merged stream
// that could not be read still lists the inputs read.
func TestHeaderMergedInputs(t *testing.T) {
	var ins []MergedInput
	for _, f := range rotation(20) {
		ins = append(ins, MergedInput{Path: f.Path, Format: f.Format, Packets: f.Packets, First: f.First, Last: f.Last, Interfaces: f.Interfaces})
	}
	ins[5].DamagedRegions, ins[5].SkippedBytes, ins[5].ProblemCount = 1, 16, 1
	ins[5].Problems = []pcapfile.Problem{{Offset: 244, Msg: "corrupt block (invalid block length 4008636142 (type 0xeeeeeeee)): skipped 16 bytes to the next valid block", Skipped: 16}}
	ins[10].Compression, ins[10].NoteCount = "gzip", 3
	ins[10].Notes = []pcapfile.Problem{{Offset: 140, Msg: "block type 0x0000abcd (36 bytes) is not one smcdump knows: skipped"}}
	ins[12].Error = "read error"
	first, last := *ins[0].First, *ins[19].Last
	merged := FileInfo{Path: "20 files merged by time (cap.pcapng … cap.pcapng19)", Format: "pcapng", Packets: 2000, First: &first, Last: &last,
		DamagedRegions: 1, SkippedBytes: 16, Inputs: ins}
	r := &Report{Files: []FileInfo{merged}, FileOrder: &FileOrder{By: "merged"}}
	var buf bytes.Buffer
	if err := r.WriteText(&buf, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(buf.String(), "SMC summary")
	want := `Files merged packet by packet by time stamp (--merge): frame numbers are those of the merged capture
20 files merged by time (cap.pcapng … cap.pcapng19): pcapng, 2000 packets, 2026-12-05 09:00:00.000000 – 09:00:19.900000 UTC (19.900 s)
  damaged input: 1 damaged region, 16 bytes skipped (offsets below, in the merged files); the rest was analyzed
  merged from cap.pcapng: pcapng, 100 packets, 2026-12-05 09:00:00.000000 – 09:00:00.900000 UTC (0.900 s)
    interfaces: eth1 EN10MB
  merged from cap.pcapng1: pcapng, 100 packets, 2026-12-05 09:00:01.000000 – 09:00:01.900000 UTC (0.900 s)
    interfaces: eth1 EN10MB
  merged from cap.pcapng2: pcapng, 100 packets, 2026-12-05 09:00:02.000000 – 09:00:02.900000 UTC (0.900 s)
    interfaces: eth1 EN10MB
  ... 2 more merged files (cap.pcapng3 … cap.pcapng4): 200 packets, 2026-12-05 09:00:03.000000 – 09:00:04.900000 UTC
  merged from cap.pcapng5: pcapng, 100 packets, 2026-12-05 09:00:05.000000 – 09:00:05.900000 UTC (0.900 s)
    damaged file: 1 damaged region, 16 bytes skipped (offsets below); the rest was analyzed
    interfaces: eth1 EN10MB
    file problem at offset 244: corrupt block (invalid block length 4008636142 (type 0xeeeeeeee)): skipped 16 bytes to the next valid block
  ... 4 more merged files (cap.pcapng6 … cap.pcapng9): 400 packets, 2026-12-05 09:00:06.000000 – 09:00:09.900000 UTC
  merged from cap.pcapng10: pcapng (gzip-compressed), 100 packets, 2026-12-05 09:00:10.000000 – 09:00:10.900000 UTC (0.900 s)
    interfaces: eth1 EN10MB
    file note at decompressed offset 140: block type 0x0000abcd (36 bytes) is not one smcdump knows: skipped
    ... 2 more file notes
  ... 1 more merged file (cap.pcapng11): 100 packets, 2026-12-05 09:00:11.000000 – 09:00:11.900000 UTC
  merged from cap.pcapng12: pcapng, 100 packets, 2026-12-05 09:00:12.000000 – 09:00:12.900000 UTC (0.900 s)
    interfaces: eth1 EN10MB
    error: read error
  ... 5 more merged files (cap.pcapng13 … cap.pcapng17): 500 packets, 2026-12-05 09:00:13.000000 – 09:00:17.900000 UTC
  merged from cap.pcapng18: pcapng, 100 packets, 2026-12-05 09:00:18.000000 – 09:00:18.900000 UTC (0.900 s)
    interfaces: eth1 EN10MB
  merged from cap.pcapng19: pcapng, 100 packets, 2026-12-05 09:00:19.000000 – 09:00:19.900000 UTC (0.900 s)
    interfaces: eth1 EN10MB

`
	if head != want {
		t.Errorf("merged header:\n%s\nwant:\n%s", head, want)
	}

	r.Files[0] = FileInfo{Path: merged.Path, Error: "the merge stopped", Inputs: ins[:1]}
	buf.Reset()
	if err := r.WriteText(&buf, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "error: the merge stopped\n  merged from cap.pcapng: pcapng, 100 packets") {
		t.Errorf("merged stream not read: the input is not listed:\n%s", buf.String())
	}
}

// The JSON report carries file_order after files, for several files only.
func TestFileOrderJSON(t *testing.T) {
	fs := rotation(3)
	fs[1], fs[2] = fs[2], fs[1]
	r := &Report{Files: fs, FileOrder: NewFileOrder(fs, "given", false)}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		FileOrder *FileOrder `json:"file_order"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if got.FileOrder == nil || got.FileOrder.By != "given" || len(got.FileOrder.Overlaps) != 1 || got.FileOrder.Overlaps[0].File != "cap.pcapng1" {
		t.Errorf("file_order: %+v", got.FileOrder)
	}
	r = &Report{Files: rotation(1)}
	buf.Reset()
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "file_order") {
		t.Errorf("one file has file_order:\n%s", buf.String())
	}
}
