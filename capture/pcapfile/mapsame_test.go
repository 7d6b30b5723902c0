package pcapfile

import (
	"os"
	"path/filepath"
	"testing"
)

// sameMapped reads b as a file twice, read (MapOff) and mapped in windows of
// window bytes (MapOn), both with a buffer swap as the analyzer sets one,
// and fails unless both give the same frames, problems and notes: the
// mapped reader takes records in place from its window (contiguous, skip)
// as the read one does from its buffer, and falls back to Peek where a
// record or the next header crosses the window's end.
func sameMapped(t *testing.T, b []byte, window int64) {
	t.Helper()
	if !canMap {
		t.Skip("no mapping on this system")
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	defer SetMapWindow(SetMapWindow(window))
	open := func(m Mapping) *FileReader {
		defer SetMapping(SetMapping(m))
		fr, err := OpenFile(p, nil)
		if err != nil {
			return nil
		}
		fr.SetBufferSwap(ReuseSwap)
		return fr
	}
	rfr, mfr := open(MapOff), open(MapOn)
	if rfr == nil || mfr == nil {
		if (rfr == nil) != (mfr == nil) {
			t.Fatal("only one of the readers opened the file")
		}
		return
	}
	defer rfr.Close()
	defer mfr.Close()
	if !mfr.r.mapped && mfr.Compression() == "" {
		t.Fatal("the file is not mapped")
	}
	sameReads(t, rfr, mfr, len(b)+1, "read", "mapped")
}

// TestMappedSame reads every capture under the repository's testdata read
// and mapped, in windows of one and of three pages (records straddle
// them).
func TestMappedSame(t *testing.T) {
	page := int64(os.Getpagesize())
	for _, name := range testCaptures(t) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			sameMapped(t, b, page)
			sameMapped(t, b, 3*page)
		})
	}
}

// FuzzMappedSame: whatever the bytes, reading them mapped gives what
// reading them does (sameMapped, windows of one page).
func FuzzMappedSame(f *testing.F) {
	for _, n := range []string{"reassembly.pcap", "smcr-v2-link.pcapng", "smcd-v2-ipv6.pcap", "smcd-v1-sll2.pcap", "isb-dumpcap-microseconds.pcapng"} {
		if b := synthFile(f, n); len(b) <= fuzzMaxInput {
			f.Add(b)
		}
	}
	for _, s := range labSeeds(f) {
		f.Add(s)
	}
	f.Add(pcapFile(65535, 1, [][3]uint32{{1_700_000_000, 60, 60}, {1_700_000_001, 0, 0}, {1_700_000_002, 0, 60}, {1_700_000_003, 60, 0}, {1_700_000_004, 0, 0}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > fuzzMaxInput {
			b = b[:fuzzMaxInput]
		}
		sameMapped(t, b, int64(os.Getpagesize()))
	})
}
