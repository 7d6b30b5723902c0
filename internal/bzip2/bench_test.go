package bzip2

import (
	"bytes"
	stdbzip2 "compress/bzip2"
	"io"
	"os"
	"testing"
)

// BenchmarkFile decodes the file SMCDUMP_BZ2 names (skipped without it)
// with this package and with compress/bzip2, in one goroutine:
// SMCDUMP_BZ2=A.pcap.bz2 go test ./internal/bzip2 -bench File -benchtime 2x
func BenchmarkFile(b *testing.B) {
	name := os.Getenv("SMCDUMP_BZ2")
	if name == "" {
		b.Skip("SMCDUMP_BZ2 names no file")
	}
	in, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		new  func(io.Reader) io.Reader
	}{
		{"smcdump", func(r io.Reader) io.Reader { return NewReader(r) }},
		{"stdlib", stdbzip2.NewReader},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// Behind an io.MultiReader, as pcapfile hands it over:
				// not an io.ByteReader, so the input is buffered (and, in
				// this package, read ahead).
				n, err := io.Copy(io.Discard, c.new(io.MultiReader(bytes.NewReader(in))))
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(n)
			}
		})
	}
}
