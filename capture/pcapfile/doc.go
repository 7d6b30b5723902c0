// Package pcapfile owns the capture-file model shared by live capture and
// offline analysis: the link type (LINKTYPE_*), the packet (Packet,
// CaptureInfo, Direction), the capture interfaces (Interface) and their
// statistics (InterfaceStats, a pcapng Interface Statistics Block), the
// pcap/pcapng reader (FileReader, which also reads gzip-, zstd-, lz4- and
// bzip2-compressed files) and both writers (PcapWriter, NgWriter).
//
// The live capture engine (package capture) produces the same Packet the
// reader produces, so the analysis pipeline consumes either source without
// conversion. The package depends on the standard library and, for
// decompression only, on github.com/klauspost/compress (gzip, zstd) and
// github.com/pierrec/lz4.
package pcapfile
