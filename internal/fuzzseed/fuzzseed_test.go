package fuzzseed

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestEntryRoundTrip(t *testing.T) {
	vals := []any{[]byte("a\x00\xff\"b"), "s\n", true, uint8(7), uint32(1 << 31), int64(-5), int(3)}
	b, err := EncodeEntry(vals...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEntry(b)
	if err != nil {
		t.Fatal(err)
	}
	want := "[[97 0 255 34 98] s\n true 7 2147483648 -5 3]"
	if fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
	// What go test writes for other types.
	got, err = DecodeEntry([]byte("go test fuzz v1\nbyte('a')\nrune('\\n')\nfloat64(-1.5)\nuint16(0x10)\n"))
	if err != nil || fmt.Sprint(got) != "[97 10 -1.5 16]" {
		t.Errorf("got %v, %v", got, err)
	}
}

// TestCheckedInCorpora: every corpus file in the module parses.
func TestCheckedInCorpora(t *testing.T) {
	n := 0
	err := filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(filepath.Dir(filepath.Dir(p))) != "fuzz" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := DecodeEntry(b); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no corpus files found")
	}
}

func TestReadLabTrace(t *testing.T) {
	fs, err := ReadFrames("../../testdata/lab/out/6.12/a-peer-no-smc.pcapng")
	if err != nil {
		t.Skip(err)
	}
	tcp := 0
	for _, f := range fs {
		if p, ok := DecodeFrame(f); ok && p.Proto == 6 {
			tcp++
		}
	}
	if len(fs) == 0 || tcp == 0 {
		t.Errorf("%d frames, %d TCP", len(fs), tcp)
	}
}
