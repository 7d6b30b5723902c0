package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Lazy decoding of embedded snapshots (SnapshotSpan.AddBlock) against the
// eager decoding it replaced (every block decoded at once: the span's eager
// mode). Blocks carry a real kernel's counters (the lab recording) at
// synthetic times.

// snapBlock is a kernel counter custom block: base taken sec seconds after
// a fixed time on host, its JSON passed through damage (nil: none).
func snapBlock(t testing.TB, base *kstat.Snapshot, sec int, host string, damage func([]byte) []byte) pcapfile.CustomBlock {
	t.Helper()
	s := *base
	s.TakenAt = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(sec) * time.Second)
	s.Hostname = host
	js, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	if damage != nil {
		js = damage(js)
	}
	return pcapfile.CustomBlock{Offset: int64(1000 + sec), PEN: pcapfile.KstatPEN, Data: append([]byte(pcapfile.KstatTag), js...)}
}

// Damage of a block.
var (
	cutBlock    = func(b []byte) []byte { return b[:len(b)/2] }
	notJSON     = func(b []byte) []byte { return append([]byte("garbage "), b...) }
	newerSchema = func(b []byte) []byte { return bytes.Replace(b, []byte("kstat/v1"), []byte("kstat/v2"), 1) }
	// wrongType is valid JSON with a member of the wrong type: only the
	// complete decode sees it.
	wrongType = func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"available":true`), []byte(`"available":"yes"`), 1)
	}
)

type spanResult struct {
	errs             []string
	earliest, latest string // JSON of the snapshots
	several, empty   bool
}

func readSpan(t *testing.T, eager bool, blocks []pcapfile.CustomBlock) spanResult {
	t.Helper()
	sp := SnapshotSpan{eager: eager}
	var r spanResult
	for _, cb := range blocks {
		ok, err := sp.AddBlock("f", cb)
		if !ok {
			t.Fatal("not a kernel counter block")
		}
		if err != nil {
			r.errs = append(r.errs, BlockError{File: "f", Offset: cb.Offset, Err: err}.Error())
		}
	}
	for _, e := range sp.BlockErrors() {
		r.errs = append(r.errs, e.Error())
	}
	js := func(s *kstat.Snapshot) string {
		if s == nil {
			return "nil"
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	r.earliest, r.latest, r.several, r.empty = js(sp.Earliest()), js(sp.Latest()), sp.Several(), sp.Empty()
	return r
}

// TestSnapshotSpanBlocks: the span of embedded blocks is the eager one's,
// damaged blocks included, except for the one documented difference: a
// block with a member of the wrong type is reported only when kept.
func TestSnapshotSpanBlocks(t *testing.T) {
	base := stressSnapshot(t)
	blk := func(sec int, host string, damage func([]byte) []byte) pcapfile.CustomBlock {
		return snapBlock(t, base, sec, host, damage)
	}
	same := []struct {
		name   string
		blocks []pcapfile.CustomBlock
	}{
		{"one", []pcapfile.CustomBlock{blk(0, "a", nil)}},
		{"in order", []pcapfile.CustomBlock{blk(0, "a", nil), blk(10, "a", nil), blk(20, "a", nil), blk(30, "a", nil)}},
		{"out of order", []pcapfile.CustomBlock{blk(20, "a", nil), blk(0, "a", nil), blk(30, "a", nil), blk(10, "a", nil)}},
		{"copies (rotated files)", []pcapfile.CustomBlock{blk(0, "a", nil), blk(0, "a", nil), blk(10, "a", nil), blk(10, "a", nil)}},
		{"ties: last distinct wins, first earliest", []pcapfile.CustomBlock{blk(0, "a", nil), blk(0, "b", nil), blk(20, "a", nil), blk(20, "b", nil), blk(20, "a", nil)}},
		{"cut, not JSON, newer schema: reported at once", []pcapfile.CustomBlock{blk(0, "a", cutBlock), blk(10, "a", nil), blk(20, "a", notJSON), blk(30, "a", nil), blk(40, "a", newerSchema)}},
		{"only damaged", []pcapfile.CustomBlock{blk(0, "a", cutBlock), blk(10, "a", notJSON)}},
		{"wrong type, kept alone", []pcapfile.CustomBlock{blk(0, "a", wrongType)}},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			lazy, eager := readSpan(t, false, tt.blocks), readSpan(t, true, tt.blocks)
			if fmt.Sprint(lazy.errs) != fmt.Sprint(eager.errs) || lazy.earliest != eager.earliest || lazy.latest != eager.latest || lazy.several != eager.several || lazy.empty != eager.empty {
				t.Errorf("lazy errors %q several %v empty %v, eager %q %v %v (or the snapshots differ)", lazy.errs, lazy.several, lazy.empty, eager.errs, eager.several, eager.empty)
			}
		})
	}

	t.Run("the caller may reuse a block's bytes", func(t *testing.T) {
		want := readSpan(t, false, []pcapfile.CustomBlock{blk(0, "a", nil), blk(10, "a", nil)})
		var sp SnapshotSpan
		for _, sec := range []int{0, 10} {
			cb := blk(sec, "a", nil)
			if ok, err := sp.AddBlock("f", cb); !ok || err != nil {
				t.Fatal(ok, err)
			}
			clear(cb.Data)
		}
		if sp.Earliest() == nil || sp.Latest() == nil || !sp.Several() || len(sp.BlockErrors()) != 0 {
			t.Fatal("blocks lost")
		}
		if got, _ := json.Marshal(sp.Latest()); string(got) != want.latest {
			t.Error("latest differs")
		}
	})

	// The documented difference.
	t.Run("wrong type in a block not kept: not reported", func(t *testing.T) {
		blocks := []pcapfile.CustomBlock{blk(0, "a", nil), blk(10, "a", wrongType), blk(20, "a", nil)}
		lazy, eager := readSpan(t, false, blocks), readSpan(t, true, blocks)
		if len(lazy.errs) != 0 || len(eager.errs) != 1 {
			t.Errorf("lazy errors %q, eager %q", lazy.errs, eager.errs)
		}
		if lazy.earliest != eager.earliest || lazy.latest != eager.latest || !lazy.several {
			t.Error("the kept snapshots differ")
		}
	})
	t.Run("wrong type in the kept latest: reported, the earliest stands alone", func(t *testing.T) {
		blocks := []pcapfile.CustomBlock{blk(0, "a", nil), blk(10, "a", nil), blk(20, "a", wrongType)}
		lazy, eager := readSpan(t, false, blocks), readSpan(t, true, blocks)
		if fmt.Sprint(lazy.errs) != fmt.Sprint(eager.errs) || len(lazy.errs) != 1 {
			t.Errorf("lazy errors %q, eager %q", lazy.errs, eager.errs)
		}
		if lazy.earliest != eager.earliest || lazy.latest != lazy.earliest || lazy.several {
			t.Errorf("lazy: latest is not the earliest alone (several %v)", lazy.several)
		}
	})
	t.Run("wrong type in the kept earliest: reported, the latest stands alone", func(t *testing.T) {
		blocks := []pcapfile.CustomBlock{blk(0, "a", wrongType), blk(10, "a", nil), blk(20, "a", nil)}
		lazy, eager := readSpan(t, false, blocks), readSpan(t, true, blocks)
		if fmt.Sprint(lazy.errs) != fmt.Sprint(eager.errs) || len(lazy.errs) != 1 {
			t.Errorf("lazy errors %q, eager %q", lazy.errs, eager.errs)
		}
		if lazy.latest != eager.latest || lazy.earliest != lazy.latest || lazy.several {
			t.Errorf("lazy: earliest is not the latest alone (several %v)", lazy.several)
		}
	})
}

// analyzeEmbedded analyzes the capture write produces, decoding embedded
// snapshots lazily or eagerly, and returns the JSON and text reports.
func analyzeEmbedded(t *testing.T, eager bool, open func() (*pcapfile.FileReader, error)) string {
	t.Helper()
	fr, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	a := NewAnalyzer(Config{})
	a.embedded.eager = eager
	if err := a.AnalyzeReader(context.Background(), "capture", fr); err != nil {
		t.Fatal(err)
	}
	r := a.Finish()
	var sb strings.Builder
	if err := json.NewEncoder(&sb).Encode(r); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteText(&sb, report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

// TestEmbeddedSnapshotsReportUnchanged: the report (JSON and text) of
// captures with many embedded snapshots is the one eager decoding gives:
// the lab recordings with their packets, and a synthetic capture of 60
// snapshots out of order with copies and damaged blocks.
func TestEmbeddedSnapshotsReportUnchanged(t *testing.T) {
	labs, err := filepath.Glob(filepath.Join("..", "testdata", "lab", "out", "*", "*.pcapng"))
	if err != nil || len(labs) == 0 {
		t.Fatalf("no lab recordings (%v)", err)
	}
	for _, p := range labs {
		open := func() (*pcapfile.FileReader, error) { return pcapfile.OpenFile(p, nil) }
		if lazy, eager := analyzeEmbedded(t, false, open), analyzeEmbedded(t, true, open); lazy != eager {
			t.Errorf("%s: lazy report differs from eager:\n%s\n---\n%s", p, lazy, eager)
		}
	}

	base := stressSnapshot(t)
	var buf bytes.Buffer
	nw, err := pcapfile.NewNgWriter(&buf, pcapfile.SectionInfo{Application: "smcdump test (synthetic)"},
		[]pcapfile.Interface{{Name: "eth0", LinkType: pcapfile.LinkType(1)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		sec := (i * 37) % 60 * 10 // every time once, out of order
		var damage func([]byte) []byte
		switch i % 13 {
		case 5:
			damage = cutBlock
		case 9:
			damage = notJSON
		}
		cb := snapBlock(t, base, sec, "h", damage)
		for k := 0; k < 1+i%4/3; k++ { // some twice (rotation copies)
			if err := nw.WriteCustom(cb.PEN, cb.Data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := nw.Flush(); err != nil {
		t.Fatal(err)
	}
	open := func() (*pcapfile.FileReader, error) { return pcapfile.NewFileReader(bytes.NewReader(buf.Bytes())) }
	lazy, eager := analyzeEmbedded(t, false, open), analyzeEmbedded(t, true, open)
	if lazy != eager {
		t.Errorf("lazy report differs from eager:\n%s\n---\n%s", lazy, eager)
	}
	if !strings.Contains(lazy, "kernel counter block at offset") || !strings.Contains(lazy, "2026-01-02 00:00:00") || !strings.Contains(lazy, "2026-01-02 00:09:50") {
		t.Errorf("the damaged blocks are not reported, or the span is not 00:00:00 to 00:09:50:\n%s", lazy)
	}
}

// FuzzSnapshotSpanBlock: a single embedded block is always kept, so lazy
// decoding reports it exactly as eager decoding (error or snapshot), for
// any bytes. Seeded with a real kernel's snapshot, whole, cut and damaged.
func FuzzSnapshotSpanBlock(f *testing.F) {
	cb := snapBlock(f, stressSnapshot(f), 0, "h", nil)
	js := cb.Data[len(pcapfile.KstatTag):]
	for _, d := range []func([]byte) []byte{nil, cutBlock, notJSON, newerSchema, wrongType} {
		b := append([]byte(nil), js...)
		if d != nil {
			b = d(b)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"schema":"smcdump.kstat/v1","taken_at":"2026-01-02T03:04:05Z","raw":[{"kind":"genl","name":"GET_STATS","base64":"!"}]}`))
	f.Fuzz(func(t *testing.T, js []byte) {
		blocks := []pcapfile.CustomBlock{{PEN: pcapfile.KstatPEN, Data: append([]byte(pcapfile.KstatTag), js...)}}
		lazy, eager := readSpan(t, false, blocks), readSpan(t, true, blocks)
		if fmt.Sprint(lazy.errs) != fmt.Sprint(eager.errs) || lazy.earliest != eager.earliest || lazy.latest != eager.latest || lazy.several != eager.several || lazy.empty != eager.empty {
			t.Errorf("lazy errors %q empty %v, eager %q %v (or the snapshots differ)", lazy.errs, lazy.empty, eager.errs, eager.empty)
		}
	})
}
