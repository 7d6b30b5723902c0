// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package bzip2 is the standard library's bzip2 decoder (compress/bzip2,
// Go 1.26, BSD licence: LICENSE), made about twice as fast with the same
// behaviour: read by read, the same bytes, then the same error, for every
// input and any read sizes, and its input read the same way (the same
// Read calls of an io.Reader, the same bytes taken from an io.ByteReader).
// The tests compare the two on real files, damaged ones and fuzzed input.
//
// What changed, each marked "smcdump" where it is:
//
//   - Huffman codes are decoded through a lookup table of lutBits bits
//     built from the standard library's own tree (a longer code goes on
//     down the tree from the node the table names), when enough bits are
//     at hand; near the end of the input the tree is walked a bit at a
//     time, as before.
//   - For that, the bit reader buffers its input itself, as bufio.Reader
//     does (4096-byte reads, when a byte is needed and none is buffered),
//     and takes buffered bytes ahead of need; with a caller's
//     io.ByteReader it takes none ahead. NewSliceReader reads a slice as
//     compress/bzip2 reads an io.ByteReader over it, and Consumed says
//     how much of it that reader would have read.
//   - The inverse Burrows–Wheeler transform (following the transform's
//     vector from the original row: one memory load per byte, each
//     waiting on the last) is cut at about 256 sampled rows into segments
//     followed 16 at a time (walk): once to measure them, then, in order
//     from the original row, to write them, so that 16 loads are in
//     flight. A vector with a cycle shorter than the block (damage) gives
//     that cycle's bytes repeated, as the standard library's walk does.
//   - Runs are written at once; eight bytes are copied at once when no
//     run can begin among them; the CRC goes through hash/crc32 (the same
//     polynomial, bits reversed); storage is kept from block to block
//     (ResetSlice).
//
// Errors are the standard library's StructuralError values.
package bzip2
