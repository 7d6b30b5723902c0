package analyze

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// BenchmarkEmbeddedSnapshot decodes one embedded kernel counter snapshot (a
// real kernel's, from the lab recording) completely, as the earliest and
// latest kept snapshots are.
func BenchmarkEmbeddedSnapshot(b *testing.B) {
	cb := snapBlock(b, stressSnapshot(b), 0, "h", nil)
	b.SetBytes(int64(len(cb.Data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := decodeEmbeddedSnapshot(cb); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkEmbeddedSnapshots8640 analyzes a capture holding a day of
// embedded snapshots (8,640, one every 10 s, no packets: the stress input
// snapshots-8640.pcapng), generated into a pipe while it is read. The
// "eager" case decodes every block completely, as before lazy decoding.
func BenchmarkEmbeddedSnapshots8640(b *testing.B) {
	base := stressSnapshot(b)
	js, err := json.Marshal(base)
	if err != nil {
		b.Fatal(err)
	}
	for _, eager := range []bool{false, true} {
		name := "lazy"
		if eager {
			name = "eager"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(8640 * len(js)))
			b.ReportAllocs()
			for b.Loop() {
				pr, pw := io.Pipe()
				go func() {
					bw := bufio.NewWriterSize(pw, 1<<20)
					err := writeSnapshots(bw, base, 8640)
					if err == nil {
						err = bw.Flush()
					}
					pw.CloseWithError(err)
				}()
				fr, err := pcapfile.NewFileReader(pr)
				if err != nil {
					b.Fatal(err)
				}
				a := NewAnalyzer(Config{})
				a.embedded.eager = eager
				if err := a.AnalyzeReader(context.Background(), "stress", fr); err != nil {
					b.Fatal(err)
				}
				if r := a.Finish(); r.Counters == nil || r.Counters.After == nil {
					b.Fatal("no span")
				}
				pr.Close()
			}
		})
	}
}
