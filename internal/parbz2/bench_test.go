package parbz2

import (
	"io"
	"os"
	"testing"
)

// BenchmarkFile decodes the file SMCDUMP_BZ2 names (skipped without it):
// SMCDUMP_BZ2=A.pcap.bz2 go test ./internal/parbz2 -bench File -benchtime 3x
func BenchmarkFile(b *testing.B) {
	name := os.Getenv("SMCDUMP_BZ2")
	if name == "" {
		b.Skip("SMCDUMP_BZ2 names no file")
	}
	f, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(f, fi.Size(), Workers())
		n, err := io.Copy(io.Discard, r)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(n)
		b.ReportMetric(float64(r.Stats().Blocks), "blocks")
		r.Close()
	}
}
