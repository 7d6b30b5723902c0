// Package report is the analysis result: the Report model (files,
// summary, fallback groups, rollups, connections, RoCE, multicast, kernel
// counters), its text and JSON renderings, the aggregate that keeps its
// counts exact over every connection, and the --fail-on gates (Check).
package report

import (
	"sort"
	"time"

	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// Report is the result of analyzing one or more capture files.
type Report struct {
	Schema      string          `json:"schema"`
	Files       []FileInfo      `json:"files"`
	Summary     Summary         `json:"summary"`
	Fallbacks   []FallbackGroup `json:"fallbacks"`
	Services    []Rollup        `json:"services"`
	PeerPairs   []Rollup        `json:"peer_pairs"`
	Connections []*smcflow.Conn `json:"connections"`
	// Rows are the listed connections after Connections (beyond the
	// first smcflow.DefaultDetail, up to Config.MaxConnections) as compact
	// rows, for the text report; WriteJSON counts them in
	// summary.not_listed (the JSON report of smcdump streams every
	// connection instead, analyze.Config.OnListed).
	Rows *RowTable   `json:"-"`
	RoCE RoCESummary `json:"roce"`
	// Multicast is the UDP stream analysis (gaps, duplicates, reordering).
	Multicast *mcast.Report `json:"multicast,omitempty"`
	// Counters correlates kernel counter snapshots with the capture.
	Counters *Counters `json:"counters,omitempty"`

	// Limits lists the memory bounds (docs/architecture.md "Memory
	// bounds") that this analysis reached, and what each means for the
	// report; empty when none was reached.
	Limits []Limit `json:"limits,omitempty"`

	// FileOrder says in which order several files were analyzed, and
	// where time goes back between them; nil for one file.
	FileOrder *FileOrder `json:"file_order,omitempty"`

	// LinkUnverified counts the link-unverified connections, listed or
	// not, for Check; it is not part of the JSON report.
	LinkUnverified int `json:"-"`
}

// SchemaVersion identifies the JSON report format (README "JSON output").
// v2: the connections come right after the schema, all of them (not only
// --keep), in the order the analysis finished them, numbered in that order.
const SchemaVersion = "smcdump.analyze/v2"

// FilterSkip is an interface of a file whose link type the filter cannot
// be compiled for ("vlan" on a cooked capture), while it can for another
// interface of the file: its packets did not match.
type FilterSkip struct {
	Interface int    `json:"interface"`
	Name      string `json:"name,omitempty"`
	LinkType  string `json:"link_type"`
	Error     string `json:"error"`
	// Text is the whole message (interface, link type, error).
	Text string `json:"-"`
}

// FileInfo describes one input file.
type FileInfo struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	// Variant names the pcap variant of a file written by an old or a
	// vendor tool (docs/capture.md §3.2.1), e.g. "SuSE 6.3 variant: magic
	// a1b2cd34, 28-byte record headers"; empty for standard pcap and
	// pcapng.
	Variant string `json:"variant,omitempty"`
	// Compression is the container the file was read through (gzip,
	// zstd, lz4, bzip2); Problems' offsets are then in the decompressed
	// data.
	Compression string               `json:"compression,omitempty"`
	Packets     int                  `json:"packets"`
	First       *time.Time           `json:"first,omitempty"`
	Last        *time.Time           `json:"last,omitempty"`
	Interfaces  []pcapfile.Interface `json:"interfaces"`
	Undecoded   []Count              `json:"undecoded,omitempty"`
	// Tunnels lists the tunnels whose frames were analyzed inside them
	// (decode.DecodeInner), the most frames first: the first MaxTunnels
	// seen, the frames of any others in MoreTunnelFrames.
	Tunnels          []Tunnel `json:"tunnels,omitempty"`
	MoreTunnelFrames int      `json:"more_tunnel_frames,omitempty"`
	Truncated        int      `json:"truncated_frames"`
	Filtered         int      `json:"filtered_out,omitempty"`
	// FilterSkipped lists the interfaces whose link type the filter
	// cannot be compiled for, while it can for another of the file's:
	// their packets did not match (counted in Filtered).
	FilterSkipped []FilterSkip `json:"filter_skipped,omitempty"`
	// Problems and ProblemCount of a merged entry (Inputs) also hold its
	// inputs' problems, each message prefixed with its file's path, as
	// before the inputs were listed (JSON consumers of schema v2 find the
	// damage there); the text shows those only under Inputs.
	Problems     []pcapfile.Problem `json:"problems,omitempty"`
	ProblemCount int                `json:"problem_count"`
	// Notes are what was odd in the file but not damage (an unknown
	// block type skipped, implausible time stamps); NoteCount counts
	// those not listed too.
	Notes        []pcapfile.Problem        `json:"notes,omitempty"`
	NoteCount    int                       `json:"note_count,omitempty"`
	CaptureStats []pcapfile.InterfaceStats `json:"capture_stats,omitempty"`
	// CaptureStatsOmitted counts the statistics blocks not listed (only
	// each interface's first and last are, at most 256);
	// InterfacesShared the interface descriptions beyond 4096 that share
	// an entry of Interfaces.
	CaptureStatsOmitted int    `json:"capture_stats_omitted,omitempty"`
	InterfacesShared    int    `json:"interfaces_shared,omitempty"`
	Error               string `json:"error,omitempty"`
	// DamagedRegions counts the damaged places in the file (one per
	// problem) and SkippedBytes the bytes not read as packets because of
	// them; the rest of the file is analyzed.
	DamagedRegions int   `json:"damaged_regions,omitempty"`
	SkippedBytes   int64 `json:"skipped_bytes,omitempty"`
	// Inputs are, on the entry of files merged packet by packet by time
	// stamp (analyze --merge; the entry is the merged capture), the files
	// merged, in the order they were opened: each with its own problems
	// and notes, at offsets in that file, as the file's own entry would
	// list them. The merged entry's DamagedRegions and SkippedBytes
	// include theirs (its Problems and Notes are the merged capture's
	// own: none). A file that could not be opened has an entry of its own
	// in Report.Files, with its error.
	Inputs []MergedInput `json:"inputs,omitempty"`
}

// MergedInput is one file of a merged analysis (FileInfo.Inputs), as it
// was read: the fields mean what FileInfo's of the same names do for a
// file analyzed on its own.
// maxMergedProblems bounds the inputs' problems a merged entry lists
// itself (AddInput); each input lists its own (up to the reader's 1000).
const maxMergedProblems = 100

// AddInput adds a merged input to f: listed in Inputs, its damage added to
// f's, and its problems to f's list (path-prefixed, while the inputs have
// listed fewer than maxMergedProblems there) and count.
func (f *FileInfo) AddInput(in MergedInput) {
	listed, _ := f.inputProblems()
	f.Inputs = append(f.Inputs, in)
	f.DamagedRegions += in.DamagedRegions
	f.SkippedBytes += in.SkippedBytes
	for _, p := range in.Problems[:min(len(in.Problems), max(0, maxMergedProblems-listed))] {
		text := p.String()
		if in.Compression != "" {
			text = "decompressed " + text
		}
		p.Msg = in.Path + ": " + text
		f.Problems = append(f.Problems, p)
	}
	f.ProblemCount += in.ProblemCount
}

// inputProblems returns how many of f's Problems, and of its
// ProblemCount, are its inputs' (AddInput): the last ones listed.
func (f *FileInfo) inputProblems() (listed, count int) {
	for _, in := range f.Inputs {
		listed += len(in.Problems)
		count += in.ProblemCount
	}
	return min(listed, maxMergedProblems), count
}

// OwnProblems returns f's problems and their count without its merged
// inputs' (which each input lists itself): the text and the HTML report
// show those under the inputs only.
func (f *FileInfo) OwnProblems() ([]pcapfile.Problem, int) {
	listed, count := f.inputProblems()
	return f.Problems[:max(0, len(f.Problems)-listed)], max(0, f.ProblemCount-count)
}

type MergedInput struct {
	Path         string               `json:"path"`
	Format       string               `json:"format"`
	Variant      string               `json:"variant,omitempty"`
	Compression  string               `json:"compression,omitempty"` // Problems' and Notes' offsets are then in the decompressed data
	Packets      int                  `json:"packets"`
	First        *time.Time           `json:"first,omitempty"`
	Last         *time.Time           `json:"last,omitempty"`
	Interfaces   []pcapfile.Interface `json:"interfaces"`
	Problems     []pcapfile.Problem   `json:"problems,omitempty"`
	ProblemCount int                  `json:"problem_count"`
	Notes        []pcapfile.Problem   `json:"notes,omitempty"`
	NoteCount    int                  `json:"note_count,omitempty"`
	// Error is why reading the file stopped before its end.
	Error          string `json:"error,omitempty"`
	DamagedRegions int    `json:"damaged_regions,omitempty"`
	SkippedBytes   int64  `json:"skipped_bytes,omitempty"`
}

// FileOrder is how the files of one analysis were ordered (they are one
// capture, continued from file to file: a rotation).
type FileOrder struct {
	// By is "first-packet-time" (the default: pcapfile.TimeOrder),
	// "given" (analyze --order given, as mergecap -a joins files) or
	// "merged" (analyze --merge: packet by packet by time stamp).
	By string `json:"by"`
	// Reordered is set when that order differs from the order given.
	Reordered bool `json:"reordered"`
	// Overlaps lists the boundaries where time goes back: a file whose
	// first packet is older than the newest packet read before it. At most
	// MaxFileOverlaps are listed; MoreOverlaps counts the others.
	Overlaps     []FileOverlap `json:"overlaps,omitempty"`
	MoreOverlaps int           `json:"more_overlaps,omitempty"`
}

// FileOverlap is a file boundary where time goes back.
type FileOverlap struct {
	File        string    `json:"file"`
	Start       time.Time `json:"start"`        // File's first packet
	Previous    string    `json:"previous"`     // the file read before it with the newest packet
	PreviousEnd time.Time `json:"previous_end"` // that newest packet
	BackSeconds float64   `json:"back_s"`
}

// MaxFileOverlaps bounds FileOrder.Overlaps.
const MaxFileOverlaps = 100

// NewFileOrder describes the order of files (as analyzed) for the report:
// by ("first-packet-time" or "given"), whether it differs from the order
// given, and the boundaries where time goes back. Files without packets
// or that could not be read are skipped. Nil for fewer than two files.
func NewFileOrder(files []FileInfo, by string, reordered bool) *FileOrder {
	read := 0
	for _, f := range files {
		if f.Error == "" {
			read++
		}
	}
	if read < 2 {
		return nil // one file read (the others could not be): no order to speak of
	}
	fo := &FileOrder{By: by, Reordered: reordered}
	var newest time.Time
	var newestFile string
	for _, f := range files {
		if f.First == nil || f.Last == nil || f.Error != "" {
			continue
		}
		if newestFile != "" && f.First.Before(newest) {
			if len(fo.Overlaps) < MaxFileOverlaps {
				fo.Overlaps = append(fo.Overlaps, FileOverlap{File: f.Path, Start: *f.First, Previous: newestFile,
					PreviousEnd: newest, BackSeconds: newest.Sub(*f.First).Seconds()})
			} else {
				fo.MoreOverlaps++
			}
		}
		last := *f.Last
		if last.Before(*f.First) {
			last = *f.First
		}
		if newestFile == "" || last.After(newest) {
			newest, newestFile = last, f.Path
		}
	}
	return fo
}

// Tunnel counts the frames of one file analyzed inside one tunnel: its
// kind, outer UDP port, identifier and outer addresses.
type Tunnel struct {
	Kind string `json:"kind"` // VXLAN, VXLAN-GPE, Geneve, GRE, ERSPAN type I/II/III, IP-in-IP
	// Port is the outer UDP destination port (UDP tunnels).
	Port uint16 `json:"port,omitempty"`
	// ID is the VNI (VXLAN, Geneve), the GRE key or the ERSPAN session ID.
	ID *uint32 `json:"id,omitempty"`
	// Depth is the number of tunnel headers around the frames (2: a
	// tunnel inside this one).
	Depth  int    `json:"depth"`
	Src    string `json:"outer_src"`
	Dst    string `json:"outer_dst"`
	Frames int    `json:"frames"`
}

// MaxTunnels bounds FileInfo.Tunnels.
const MaxTunnels = 64

// SortTunnels orders tunnels by frames (most first), then kind, port, ID
// and addresses: deterministic output.
func SortTunnels(ts []Tunnel) {
	id := func(t Tunnel) int64 {
		if t.ID == nil {
			return -1
		}
		return int64(*t.ID)
	}
	sort.Slice(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		switch {
		case a.Frames != b.Frames:
			return a.Frames > b.Frames
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		case a.Port != b.Port:
			return a.Port < b.Port
		case id(a) != id(b):
			return id(a) < id(b)
		case a.Depth != b.Depth:
			return a.Depth < b.Depth
		case a.Src != b.Src:
			return a.Src < b.Src
		}
		return a.Dst < b.Dst
	})
}

// Count is a labelled counter.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Summary counts connections by outcome.
type Summary struct {
	Packets        int     `json:"packets"`
	TCPConnections int     `json:"tcp_connections"`
	SMCAttempts    int     `json:"smc_attempts"`
	PlainTCP       int     `json:"plain_tcp"`
	ByOutcome      []Count `json:"by_outcome"`
	ByVariant      []Count `json:"by_variant"`
	// UnknownByReason counts the connections whose outcome is unknown by
	// their reason (no-synack, incomplete, capture-ended, ...): what kept
	// the verdict open, for every connection, listed or not.
	UnknownByReason []Count `json:"unknown_by_reason,omitempty"`
	UDPDatagrams    int     `json:"udp_datagrams"`
	// UDPIncomplete counts fragmented UDP datagrams given up by the
	// reassembly (a fragment missing from the capture, or fragments a
	// Linux receiver discards; like ReasmFails): never delivered, so not
	// in the streams.
	UDPIncomplete int `json:"udp_incomplete_fragmented,omitempty"`
	// IPIncomplete counts the same for TCP segments, tunnel packets (GRE,
	// IP in IP) and IPv6 datagrams whose fragmentable part starts with
	// destination options (their transport is not known before
	// reassembly) that arrived in IP fragments: what was inside them is
	// not analyzed.
	IPIncomplete int `json:"ip_incomplete_fragmented,omitempty"`
	// NotListed counts connections beyond Config.MaxConnections: counted
	// everywhere, but not in the connection list.
	NotListed int `json:"not_listed,omitempty"`
	// NoHandshake counts connections whose TCP handshake is not in the
	// capture and that show no sign of SMC (no option, no CLC): not
	// analyzed, listed with --all.
	NoHandshake int `json:"no_handshake,omitempty"`
	// DamagedRegions and SkippedBytes add up the files' damage (see
	// FileInfo): the input was damaged but readable.
	DamagedRegions int   `json:"damaged_regions,omitempty"`
	SkippedBytes   int64 `json:"skipped_bytes,omitempty"`
}

// FallbackGroup groups fallbacks and handshake errors by cause.
type FallbackGroup struct {
	Outcome     smcflow.Outcome `json:"outcome"`
	Reason      string          `json:"reason"`
	Code        string          `json:"code,omitempty"`
	Name        string          `json:"name,omitempty"`
	By          string          `json:"by,omitempty"`
	Count       int             `json:"count"`
	Meaning     string          `json:"meaning,omitempty"`
	Remedy      string          `json:"remedy,omitempty"`
	Connections []int           `json:"connections"`
}

// Rollup aggregates verdicts per service (server address:port) or peer pair.
type Rollup struct {
	Key      string  `json:"key"`
	Total    int     `json:"total"`
	Outcomes []Count `json:"outcomes"`
	Variants []Count `json:"variants,omitempty"`
	Reasons  []Count `json:"reasons,omitempty"`
}

// Limit is a memory bound the analysis reached: Name identifies it, Value
// is the bound, Count how many items (connections, tuples) it affected,
// Meaning says in a sentence what the report lacks because of it.
type Limit struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
	Count int    `json:"count"`
	// Estimate is, for the services and peer-pairs rollups, how many
	// there were in all, estimated in fixed memory (HyperLogLog: about
	// 1.6 % standard error): the rollup keeps Value of them.
	Estimate int    `json:"estimate,omitempty"`
	Meaning  string `json:"meaning"`
}

// RoCESummary counts RoCE frames seen.
type RoCESummary struct {
	Frames int        `json:"frames"`
	First  *time.Time `json:"first,omitempty"`
}

// Damaged reports whether an input file was damaged but readable: a
// damaged region was skipped or a field was wrong (Summary.DamagedRegions);
// the rest of the file was still analyzed.
func (r *Report) Damaged() bool { return r.Summary.DamagedRegions > 0 }

// outcomeCounts lists the non-zero counts of a, indexed like outcomeOrder.
func outcomeCounts(a *[5]int) []Count {
	out := []Count{}
	for i, o := range outcomeOrder {
		if a[i] > 0 {
			out = append(out, Count{string(o), a[i]})
		}
	}
	return out
}

// SortCounts sorts by count descending, then name.
func SortCounts(c []Count) {
	sort.Slice(c, func(i, j int) bool {
		if c[i].Count != c[j].Count {
			return c[i].Count > c[j].Count
		}
		return c[i].Name < c[j].Name
	})
}

var outcomeOrder = []smcflow.Outcome{smcflow.OutcomeSMC, smcflow.OutcomeFallback, smcflow.OutcomeHandshakeError, smcflow.OutcomeUnknown, smcflow.OutcomeNotSMC}
