//go:build linux

package capture

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites this package's checked-in seed corpora
// (testdata/fuzz/FuzzX/seed-*) from the real-kernel lab traces: frames of
// every size class with their capture times for the pcapng writer, and ring
// blocks (TPACKET_V3 layout, synthBlock) holding real frames for the block
// parser. Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	traces := fuzzseed.Glob("../testdata/lab/out/*/*.pcapng")
	if len(traces) == 0 {
		t.Fatal("no lab traces")
	}
	ng := fuzzseed.NewWriter(".", "FuzzNgWriterRoundTrip", 24)
	blk := fuzzseed.NewWriter(".", "FuzzParseBlock", 24)
	sizes := map[int]bool{}
	for ti, p := range traces {
		fs, err := fuzzseed.ReadFrames(p)
		if err != nil {
			t.Fatal(err)
		}
		label := filepath.Base(filepath.Dir(p)) + "-" + strings.TrimSuffix(filepath.Base(p), ".pcapng")
		for i, f := range fs {
			class := len(f.Data) / 64
			if !sizes[class] && len(f.Data) <= 1600 {
				sizes[class] = true
				ng.Add(fmt.Sprintf("%s-%d", label, i+1), f.Data, uint32(f.Wire), f.Time.UnixNano(), uint8(i%5))
			}
		}
		if ti%2 == 0 { // every other trace: one block of its first frames
			var frames [][]byte
			for _, f := range fs {
				if blockNeed(append(frames, f.Data)) > 4096 {
					break
				}
				frames = append(frames, f.Data)
			}
			blk.Add(label, synthBlock(blockNeed(frames), frames, 0), false)
			if len(frames) > 2 {
				blk.Add(label+"-vlan", synthBlock(blockNeed(frames[:2]), frames[:2], uint16(ti+1)), ti%4 == 0)
			}
		}
	}
	for _, w := range []*fuzzseed.Writer{ng, blk} {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// blockNeed is the block size synthBlock needs for the frames (at least 64,
// the fuzz target's minimum).
func blockNeed(frames [][]byte) int {
	n := 48
	for _, f := range frames {
		n += (82 + len(f) + 15) &^ 15
	}
	return max(n, 64)
}
