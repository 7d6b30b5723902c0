package mcast

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Report is the result of a Tracker: one entry per stream, sorted by
// destination, source, VLAN and interface. Its JSON encoding (the field tags
// below) is smcdump's documented, stable schema. Times are UTC (RFC 3339 in
// JSON), durations in microseconds, sequence numbers extended to 64 bits.
type Report struct {
	Streams      []Stream             `json:"streams"`                 // every UDP stream
	Pairs        []Pair               `json:"pairs,omitempty"`         // A/B leg pairs (--pair or automatic)
	CaptureDrops []CaptureDropReading `json:"capture_drops,omitempty"` // the capture's own drop counters, cumulative
	TotalLost    uint64               `json:"total_lost"`              // same as Lost()
	// Retransmissions lists the RTP retransmission flows (RFC 4588, RIST)
	// and what they recovered of the flow they protect. A retransmission
	// flow's own numbering has no gaps and adds nothing to the loss.
	Retransmissions []Retransmission `json:"retransmissions,omitempty"`
	// SnaplenCutStreams counts the streams whose sequence analysis was
	// impossible because the capture cut their datagrams (Stream.SnaplenCut).
	SnaplenCutStreams int `json:"snaplen_cut_streams,omitempty"`
	// UnsequencedStreams counts the listed streams of at least 8
	// datagrams in which no sequence number was found (format "none",
	// not forced, not cut by the snaplen): their loss is not measured.
	UnsequencedStreams int `json:"unsequenced_streams,omitempty"`
	// Limits is set when a stream bound (Config.MaxStreams with
	// FinishWhenFull, Config.KeepStreams) was reached: what was finished
	// early and what is not listed.
	Limits *StreamLimits `json:"limits,omitempty"`
	// Membership: what the capture's IGMP and MLD messages say (reports,
	// leaves, queries per group; the queriers), when it holds any.
	Membership *MembershipReport `json:"membership,omitempty"`
}

// Stream is one UDP flow: source, destination (group), ports, VLAN and
// capture interface.
type Stream struct {
	ID            int           `json:"id"`                // 1-based position in Report.Streams
	Src           string        `json:"src"`               // source address:port
	Dst           string        `json:"dst"`               // destination (group) address:port
	VLAN          uint16        `json:"vlan"`              // outermost VLAN ID, 0 = none
	Interface     int           `json:"interface"`         // capture interface index
	IfIndex       uint32        `json:"ifindex,omitempty"` // interface index of a Linux cooked v2 capture (-i any): Datagram.LinkIf
	Tunnel        string        `json:"tunnel,omitempty"`  // the tunnel it was seen inside, e.g. "VXLAN vni 42 192.0.2.1 > 192.0.2.2"
	zone          uint64        // Datagram.Zone
	Multicast     bool          `json:"multicast"`             // destination is a multicast address
	Packets       uint64        `json:"packets"`               // datagrams, including control and duplicates
	Bytes         uint64        `json:"bytes"`                 // UDP payload bytes on the wire
	Truncated     uint64        `json:"truncated"`             // datagrams cut by the snaplen
	First         time.Time     `json:"first"`                 // time of the first datagram
	Last          time.Time     `json:"last"`                  // time of the last datagram
	FirstFrame    int           `json:"first_frame"`           // frame number of the first datagram
	LastFrame     int           `json:"last_frame"`            // frame number of the last datagram
	DurationSec   float64       `json:"duration_s"`            // Last - First in seconds
	PacketsPerSec float64       `json:"packets_per_s"`         // (Packets-1) / DurationSec
	BitsPerSec    float64       `json:"bits_per_s"`            // Bytes*8 / DurationSec
	InterArrival  InterArrival  `json:"inter_arrival"`         // time between consecutive datagrams
	Format        string        `json:"format"`                // sequence format, "none" if not sequenced
	Confidence    float64       `json:"confidence"`            // detection confidence 0..1, 1 when forced
	Forced        bool          `json:"forced"`                // format from a --seq rule
	Undecodable   uint64        `json:"undecodable"`           // datagrams the format could not decode
	FirstError    string        `json:"first_error,omitempty"` // "frame N: <decode error>" of the first undecodable datagram
	Lost          uint64        `json:"lost"`                  // units lost: sum over Sequences, or TS packets (CC) for bare MPEG-TS
	Sequences     []Sequence    `json:"sequences,omitempty"`   // sequence spaces (one, or one per RTP SSRC)
	TS            *TSReport     `json:"ts,omitempty"`          // MPEG-TS continuity check (ts, rtp-ts)
	Mtools        *MtoolsReport `json:"mtools,omitempty"`      // msend sessions (mtools, mtools-dec)
	Mold          *MoldReport   `json:"moldudp64,omitempty"`   // MoldUDP64 sessions
	Notes         []string      `json:"notes,omitempty"`       // other remarks
	SnaplenCut    *SnaplenCut   `json:"snaplen_cut,omitempty"` // datagrams cut by the capture's snaplen, and what that did to the analysis
	// ICMPErrors: the capture holds ICMP errors about the stream's
	// datagrams (a host without a socket on the port, a router without a
	// route or whose TTL count ran out), by kind and sender, in the order
	// first seen: they were discarded after the capture point.
	ICMPErrors []ICMPErrors `json:"icmp_errors,omitempty"`
	// ICMPDiscards counts the ICMP errors, listed or not, that say
	// datagrams of the stream were discarded after the capture point
	// (all but those about traceroute's probes): --fail-on icmp.
	ICMPDiscards uint64 `json:"icmp_discards,omitempty"`
}

// ICMPErrors are the ICMP or ICMPv6 errors of one kind from one sender
// (destination unreachable, time exceeded, packet too big) the capture
// holds about a stream's datagrams. Hosts and routers rate-limit these
// errors (Linux: a burst of 6 per destination, then one per
// net.ipv4.icmp_ratelimit, 1 s; IPv6 by route prefix length), so Count is
// a lower bound of the datagrams discarded (docs/multicast-udp.md §5).
type ICMPErrors struct {
	Kind       string    `json:"kind"`        // "port unreachable", "host unreachable", "time exceeded", ...
	Sender     string    `json:"sender"`      // the address that sent them
	Count      uint64    `json:"count"`       // errors captured (a lower bound of the datagrams discarded)
	First      time.Time `json:"first"`       // time of the first one
	FirstFrame int       `json:"first_frame"` // its frame
	Meaning    string    `json:"meaning"`     // what they say about the datagrams
	// Expected: they are part of how the datagrams work (traceroute's
	// probes), not a sign of discarded data; not in Stream.ICMPDiscards.
	Expected bool `json:"expected,omitempty"`
}

// RateLimitNote is what a report says after the meaning of unexpected ICMP
// errors.
const RateLimitNote = "hosts rate-limit ICMP errors, so more datagrams may have been discarded"

// expectedICMP reports whether an ICMP error of kind about a datagram to
// port dport is expected rather than a sign of discarded data: UDP
// traceroute's probes (destination ports 33434–33534), whose TTL runs out
// at every hop but the last, where the destination answers port
// unreachable.
func expectedICMP(kind string, dport uint16) bool {
	return (kind == "time exceeded" || kind == "port unreachable") && dport >= 33434 && dport <= 33534
}

// icmpMeaning says what an ICMP error of kind about a datagram to port
// dport means.
func icmpMeaning(kind string, dport uint16) string {
	if expectedICMP(kind, dport) {
		return "traceroute probes (ports 33434 and up): their TTL runs out by design, and the destination answers port unreachable"
	}
	switch kind {
	case "port unreachable":
		return "the receiving host discarded the datagrams: no socket on the destination port, or a firewall rule rejecting them (iptables/nftables REJECT answers the same); start the receiver or fix the port"
	case "time exceeded":
		return "a router discarded the datagrams: their TTL ran out on the way (raise the sender's TTL or look for a routing loop)"
	case "need to frag", "packet too big":
		return "a router discarded the datagrams: larger than the next link's MTU, and not to be fragmented (DF, or IPv6)"
	case "admin prohibited", "filter prohibited":
		return "a firewall or access list refused the datagrams"
	case "reassembly time exceeded":
		return "the receiving host gave up reassembling datagrams whose fragments did not all arrive"
	case "protocol unreachable":
		return "the receiving host does not speak UDP (or UDP-Lite) on that address"
	}
	return "the datagrams could not be delivered: no route or no host on the way"
}

// SnaplenCut says how the capture's snapshot length cut a stream's
// datagrams. Cut datagrams are never counted as lost: when the sequence
// numbers are not in the captured bytes, the stream is not analyzed.
type SnaplenCut struct {
	Datagrams        uint64 `json:"datagrams"`            // datagrams cut by the snaplen (same as Stream.Truncated)
	CapturedMax      int    `json:"captured_payload_max"` // most UDP payload bytes captured of a cut datagram
	Undecodable      uint64 `json:"undecodable"`          // cut datagrams the sequence format could not decode
	SequenceAnalysis string `json:"sequence_analysis"`    // "impossible" (no sequence numbers in the captured bytes), "partial" (some cut datagrams undecodable), "complete" (every sequence number was captured), "unsequenced" (no sequence format in the whole datagrams either)
	Advice           string `json:"advice"`               // e.g. "capture again with -s 0 (whole packets)"
}

// InterArrival summarises the time between consecutive datagrams of a
// stream, in microseconds. P99 comes from a fixed-size log-linear histogram
// (the middle of the bucket holding the 99th percentile: within about 6%
// of the true value, and within the smallest and largest interval).
type InterArrival struct {
	Samples  uint64  `json:"samples"`  // number of intervals
	MinUS    float64 `json:"min_us"`   // smallest interval
	MeanUS   float64 `json:"mean_us"`  // mean interval
	P99US    float64 `json:"p99_us"`   // 99th percentile (histogram estimate)
	MaxUS    float64 `json:"max_us"`   // largest interval
	Negative uint64  `json:"negative"` // timestamps that went backwards (counted as 0)
}

// Sequence is one sequence space of a stream: the whole stream, one RTP
// SSRC, or one MoldUDP64 stream across sessions.
type Sequence struct {
	Key        string `json:"key"`                  // "" or e.g. "ssrc=0x05060000"
	Unit       string `json:"unit"`                 // what a sequence number counts: "datagram" or "message"
	First      uint64 `json:"first"`                // first sequence number of the current epoch
	Last       uint64 `json:"last"`                 // highest sequence number (or announced by a heartbeat/stat)
	Expected   uint64 `json:"expected"`             // units from first to last, summed over epochs
	Received   uint64 `json:"received"`             // distinct units received
	Lost       uint64 `json:"lost"`                 // Expected - Received: units in gaps
	Duplicates uint64 `json:"duplicates"`           // datagrams already received (never subtracted from loss)
	Reordered  uint64 `json:"reordered"`            // late datagrams that filled a gap (not loss)
	Stale      uint64 `json:"stale"`                // datagrams too far behind, or jumps not confirmed by the next datagram
	Heartbeats uint64 `json:"heartbeats,omitempty"` // MoldUDP64 heartbeats / end-of-session, msend stat
	Wraps      uint64 `json:"wraps"`                // wraparounds of the on-wire counter (16-bit RTP, 32-bit MDP3, ...)
	// Bits is the width of the on-wire counter when below 64 (16 for RTP,
	// 32 for MDP3, ...): First, Last and the gaps' FirstMissing count on
	// past its wraps (RFC 3550 appendix A.1), their wire values are
	// modulo 2^Bits (the text shows those)
	Bits        uint      `json:"bits,omitempty"`
	ResetCount  uint64    `json:"reset_count"`      // sender restarts / new sessions
	Resets      []Reset   `json:"resets,omitempty"` // the first 1000 resets
	GapCount    uint64    `json:"gap_count"`        // number of gaps
	GapsOmitted uint64    `json:"gaps_omitted"`     // gaps beyond Config.MaxGaps (counted, not listed)
	MaxGap      uint64    `json:"max_gap"`          // largest gap
	GapSizes    [8]uint64 `json:"gap_sizes"`        // gap size histogram: 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64-127, >=128
	Pattern     string    `json:"pattern"`          // "none", "isolated single losses", "periodic: ...", "bursts: ..."
	Gaps        []Gap     `json:"gaps"`             // gaps in sequence order within each epoch
	// Role is "primary" for a flow protected by a retransmission flow,
	// "retransmission" for the retransmission flow (Report.Retransmissions).
	Role string `json:"role,omitempty"`
	// SnaplenCut counts datagrams that arrived inside gaps but cut by the
	// snaplen before their sequence number: they were not lost, so they
	// are taken out of Lost (their gaps get the verdict "snaplen").
	SnaplenCut uint64 `json:"snaplen_cut,omitempty"`
	// Points is a decimated sample of (time, sequence) for WritePlot; only
	// filled with Config.Plot and not part of the JSON schema.
	Points []PlotPoint `json:"-"`
	// DuplicatePoints and LatePoints are the first 256 duplicates and late
	// (reordered) arrivals, for the plot (Config.Plot; not in the JSON).
	DuplicatePoints []PlotPoint `json:"-"`
	LatePoints      []PlotPoint `json:"-"`
}

// PlotPoint is one sampled datagram: its time and (highest) sequence number.
type PlotPoint struct {
	Time time.Time // datagram time
	Seq  uint64    // its highest sequence number
}

// Reset is a sender restart or new session: the sequence started again and
// no loss is counted across it.
type Reset struct {
	Frame  int       `json:"frame"`  // frame of the first datagram of the new epoch
	Time   time.Time `json:"time"`   // its time
	From   uint64    `json:"from"`   // highest sequence before the reset
	To     uint64    `json:"to"`     // first sequence after it
	Reason string    `json:"reason"` // e.g. "mtools echo (msend start)", "sequence jump", "MoldUDP64 session A -> B"
}

// Gap is a run of missing sequence numbers.
type Gap struct {
	Stream       int    `json:"stream"`        // Stream.ID
	Key          string `json:"key"`           // Sequence.Key
	FirstMissing uint64 `json:"first_missing"` // first missing sequence number (counting on past wraps: Sequence.Bits)
	// FirstMissingWire is FirstMissing as on the wire, when the counter
	// wrapped before the gap
	FirstMissingWire *uint64   `json:"first_missing_wire,omitempty"`
	Count            uint64    `json:"count"`                   // missing units
	Start            time.Time `json:"start"`                   // time of the last datagram before the gap
	End              time.Time `json:"end"`                     // time of the datagram that revealed it
	DurationUS       float64   `json:"duration_us"`             // End - Start
	PrevFrame        int       `json:"prev_frame"`              // frame of the last datagram before the gap
	Frame            int       `json:"frame"`                   // frame of the datagram that revealed the gap
	CaptureDrops     *GapDrops `json:"capture_drops,omitempty"` // the capture's drops around the gap, if known
	SnaplenCut       uint64    `json:"snaplen_cut,omitempty"`   // datagrams inside the gap that arrived cut by the snaplen before their sequence number (not lost)
	// Verdict: "capture" (the capture dropped at least Count packets in a
	// window covering the gap: a capture artefact), "capture?" (it dropped
	// some, fewer than Count), "network" (drop counters exist and show none:
	// lost before the capture tap), "unverified" (no drop counters), and
	// "both legs" for Pair.Gaps.
	Verdict string `json:"verdict"`
	// Membership: what the group's IGMP/MLD messages say about the gap (a
	// host left the group just before it; the last report is older than
	// a membership lasts and nobody queries), multicast streams only.
	Membership *GapMembership `json:"membership,omitempty"`
	// Files is set when the gap spans the boundary between two capture
	// files with no packet at all between them for most of the gap: a
	// file missing from the set, or the capture paused.
	Files *GapFiles `json:"files,omitempty"`
}

// GapFiles names the two capture files a gap spans and the time between
// the last packet of one and the first of the other.
type GapFiles struct {
	Before string  `json:"before"`
	After  string  `json:"after"`
	HoleUS float64 `json:"hole_us"`
}

// FileBoundary is the end of one capture file and the start of the next
// (in time), with no packet of either between Last and First.
type FileBoundary struct {
	Before, After string
	Last, First   time.Time
}

// MarkFileBoundaries sets Gap.Files on every gap that spans one of the
// boundaries (bs in time order, as consecutive files give them) when the
// time without packets there is at least half of
// the gap's own duration, 100 ms or more, and ten of the stream's mean
// inter-arrival times or more: consecutive files of a rotation are an
// inter-arrival time apart (where the only traffic is the stream itself,
// that is the gap: not a sign of anything), a missing file leaves its
// whole span empty.
func (r *Report) MarkFileBoundaries(bs []FileBoundary) {
	if len(bs) == 0 {
		return
	}
	for i := range r.Streams {
		minHole := max(100*time.Millisecond, time.Duration(10*r.Streams[i].InterArrival.MeanUS*1e3))
		for j := range r.Streams[i].Sequences {
			gs := r.Streams[i].Sequences[j].Gaps
			for k := range gs {
				g := &gs[k]
				// bs is in time order: from the first boundary that ends
				// at or after the gap's start, while they start before its
				// end (a binary search, not every boundary per gap)
				from := sort.Search(len(bs), func(x int) bool { return !bs[x].Last.Before(g.Start) })
				for _, b := range bs[from:] {
					if b.First.After(g.End) {
						break
					}
					hole := b.First.Sub(b.Last)
					if 2*hole < g.End.Sub(g.Start) || hole < minHole {
						continue
					}
					g.Files = &GapFiles{Before: b.Before, After: b.After, HoleUS: float64(hole.Nanoseconds()) / 1e3}
					break
				}
			}
		}
	}
}

// GapMembership is the group membership message that explains a gap.
type GapMembership struct {
	// Cause: "leave" (a host on the stream's link left the group at most
	// 10 s before the gap started, or up to 1 s after, and no report of
	// the group came in between), "source-leave" (in the same window an
	// IGMPv3/MLDv2 record stopped the stream's source: block or to_ex
	// listing it, to_in without it; and nothing asked for it since) or
	// "expired" (the group's last report is older than a membership
	// lasts, 260 s, and no general query was captured before the gap was
	// booked). Gaps are explained when booked (docs/multicast-udp.md §7).
	Cause string `json:"cause"`
	Host  string `json:"host"`  // the host that left or last reported
	Frame int    `json:"frame"` // its message's frame
	Text  string `json:"text"`
}

// GapDrops is the capture's own drop count in the window around a gap.
type GapDrops struct {
	Interface int       `json:"interface"` // capture interface index
	From      time.Time `json:"from"`      // reading before the gap (zero: capture start)
	To        time.Time `json:"to"`        // reading after the gap
	Dropped   uint64    `json:"dropped"`   // max of the if_drop and os_drop deltas between From and To
}

// TSReport is the MPEG-TS continuity check of a stream.
type TSReport struct {
	Packets            uint64      `json:"packets"`             // TS packets checked
	DuplicateDatagrams uint64      `json:"duplicate_datagrams"` // whole datagrams removed before the check (bare TS)
	SyncErrors         uint64      `json:"sync_errors"`         // datagrams with a TS packet not starting with 0x47
	PartialPackets     uint64      `json:"partial_packets"`     // datagrams ending in a partial TS packet (snaplen)
	Missing            uint64      `json:"missing"`             // TS packets missing by CC (mod 16, per PID)
	PIDs               []PIDReport `json:"pids"`                // per PID, sorted
	Errors             []TSError   `json:"errors,omitempty"`    // the first 1000 continuity errors
	ErrorsOmitted      uint64      `json:"errors_omitted"`      // errors beyond those listed
}

// PIDReport is the continuity summary of one PID.
type PIDReport struct {
	PID             uint16 `json:"pid"`             // packet identifier
	Packets         uint64 `json:"packets"`         // TS packets of this PID
	CCErrors        uint64 `json:"cc_errors"`       // continuity errors
	Missing         uint64 `json:"missing"`         // packets missing by CC
	Duplicates      uint64 `json:"duplicates"`      // repeated packets (one repeat is legal)
	Discontinuities uint64 `json:"discontinuities"` // discontinuity_indicator set
}

// TSError is one continuity error.
type TSError struct {
	PID      uint16    `json:"pid"`         // packet identifier
	Frame    int       `json:"frame"`       // frame of the datagram
	Time     time.Time `json:"time"`        // its time
	Expected uint8     `json:"expected_cc"` // expected continuity counter
	Got      uint8     `json:"got_cc"`      // continuity counter seen
	Missing  uint64    `json:"missing"`     // packets missing ((got - expected) mod 16)
	Kind     string    `json:"kind"`        // "missing packets", "duplicate packets", "CC changed without payload"
}

// MtoolsReport describes an msend stream.
type MtoolsReport struct {
	Radix           int             `json:"radix"`            // 16, or 10 (msend -d)
	RadixInferred   bool            `json:"radix_inferred"`   // decimal inferred from the counter (no echo with -d)
	CountOnly       uint64          `json:"count_only"`       // data datagrams without a counter (msend -P or short -m)
	Echoes          uint64          `json:"echoes"`           // echo datagrams (msend starts)
	Stats           uint64          `json:"stats"`            // stat datagrams (msend ends)
	Sessions        []MtoolsSession `json:"sessions"`         // msend runs, the last 100
	SessionsOmitted uint64          `json:"sessions_omitted"` // older runs not listed
}

// MtoolsSession is one msend run (from its echo datagram to its stat).
type MtoolsSession struct {
	Frame     int       `json:"frame"`          // frame of the echo (or first datagram)
	Time      time.Time `json:"time"`           // its time
	Echo      string    `json:"echo,omitempty"` // echo text ("echo sender equiv cmd: ..."), cut at 160 bytes
	Decimal   bool      `json:"decimal"`        // counter is decimal (msend -d)
	StatSent  int64     `json:"stat_sent"`      // the sender's total from "stat N"; -1 if none
	Received  uint64    `json:"received"`       // distinct data datagrams captured (plus count-only)
	CountOnly uint64    `json:"count_only"`     // data datagrams without a counter in this run
	Missing   int64     `json:"missing"`        // StatSent - Received; only meaningful when StatSent >= 0
}

// MoldReport describes a MoldUDP64 stream.
type MoldReport struct {
	Session      string `json:"session"`        // current session name
	Sessions     uint64 `json:"sessions"`       // sessions seen
	Messages     uint64 `json:"messages"`       // messages in data packets (including duplicates)
	EndOfSession uint64 `json:"end_of_session"` // end-of-session packets (count 0xFFFF)
}

// Pair is an A/B leg pair: the same sequence numbers on two streams. Only
// a number missing on both legs is lost for the application (SMPTE 2022-7).
type Pair struct {
	StreamA  int    `json:"a"`           // Stream.ID of leg A
	StreamB  int    `json:"b"`           // Stream.ID of leg B
	Auto     bool   `json:"auto"`        // paired automatically (same payloads at the same sequence numbers)
	LostA    uint64 `json:"lost_a"`      // lost on leg A (recoverable when B has it)
	LostB    uint64 `json:"lost_b"`      // lost on leg B
	LostBoth uint64 `json:"lost_both"`   // unrecoverable: missing on both legs
	Gaps     []Gap  `json:"gaps"`        // ranges missing on both legs
	Approx   bool   `json:"approximate"` // gap lists truncated by MaxGaps, or resets on a leg
}

// CaptureDropReading is a normalised (cumulative) capture drop reading.
type CaptureDropReading struct {
	Time      time.Time `json:"time"`      // when the counters were read
	Interface int       `json:"interface"` // capture interface index
	IfDrop    uint64    `json:"if_drop"`   // cumulative isb_ifdrop
	OSDrop    uint64    `json:"os_drop"`   // cumulative isb_osdrop
}

// Lost returns the total number of sequence units lost over all streams
// (both legs of A/B pairs count; streams not listed too), for --fail-on
// loss[=N].
func (r *Report) Lost() uint64 {
	var n uint64
	// The copies of one stream a capture on "any" saw on several
	// interfaces (Stream.IfIndex) count once, with the most lost: a
	// datagram lost before the host is missing from every copy, one lost
	// on one port from that copy only.
	type copies struct {
		src, dst, tunnel string
		vlan             uint16
		ifc              int
		zone             uint64
	}
	var most map[copies]uint64
	for i := range r.Streams {
		s := &r.Streams[i]
		if s.IfIndex == 0 {
			n += s.Lost
			continue
		}
		if most == nil {
			most = map[copies]uint64{}
		}
		k := copies{s.Src, s.Dst, s.Tunnel, s.VLAN, s.Interface, s.zone}
		most[k] = max(most[k], s.Lost)
	}
	for _, l := range most {
		n += l
	}
	if r.Limits != nil && r.Limits.Omitted != nil {
		n += r.Limits.Omitted.Lost
	}
	return n
}

// ICMPDiscards returns the number of ICMP errors over all streams (streams
// not listed too) saying datagrams were discarded after the capture point,
// for --fail-on icmp.
func (r *Report) ICMPDiscards() uint64 {
	var n uint64
	for i := range r.Streams {
		n += r.Streams[i].ICMPDiscards
	}
	if r.Limits != nil && r.Limits.Omitted != nil {
		n += r.Limits.Omitted.ICMPDiscards
	}
	return n
}

// Gaps returns every gap of every stream, in stream order.
func (r *Report) Gaps() []Gap {
	var out []Gap
	for i := range r.Streams {
		for j := range r.Streams[i].Sequences {
			out = append(out, r.Streams[i].Sequences[j].Gaps...)
		}
	}
	return out
}

// AddCaptureDrop records a reading of the capture's drop counters.
func (t *Tracker) AddCaptureDrop(cd CaptureDrop) {
	if len(t.drops) < 1<<16 {
		t.drops = append(t.drops, cd)
	}
}

func streamLess(a, b *stream) int { return keyLess(a.key, b.key) }

// Report builds the report. Streams still in format detection are decided
// first. The Tracker can keep receiving datagrams afterwards.
func (t *Tracker) Report() *Report {
	for _, st := range t.order {
		if !st.decided {
			t.decide(st)
		}
	}
	sts := slices.Clone(t.order)
	slices.SortStableFunc(sts, streamLess)
	drops := t.normDrops()
	r := &Report{Streams: make([]Stream, 0, len(sts))}
	for i, st := range sts {
		r.Streams = append(r.Streams, t.streamReport(st, i+1, drops))
	}
	r.CaptureDrops = append(r.CaptureDrops, drops...)
	t.retransmissions(sts, r)
	r.Pairs = t.pairs(sts, r)
	keys := make([]streamKey, len(sts))
	for i, st := range sts {
		keys[i] = st.key
	}
	t.limitReport(r, keys)
	r.Membership = t.membershipReport()
	r.TotalLost = r.Lost()
	for i := range r.Streams {
		if c := r.Streams[i].SnaplenCut; c != nil && c.SequenceAnalysis == "impossible" {
			r.SnaplenCutStreams++
		} else if s := &r.Streams[i]; s.Format == "none" && !s.Forced && s.Packets >= detectN {
			r.UnsequencedStreams++
		}
	}
	if r.Limits != nil && r.Limits.Omitted != nil {
		r.SnaplenCutStreams += int(r.Limits.Omitted.SnaplenCut)
	}
	return r
}

func us(ns uint64) float64 { return float64(ns) / 1e3 }

// Zone is the zone of the datagrams of the stream (Datagram.Zone).
func (s *Stream) Zone() uint64 { return s.zone }

func (t *Tracker) streamReport(st *stream, id int, drops []CaptureDropReading) Stream {
	s := Stream{
		ID: id, Src: st.key.src.String(), Dst: st.key.dst.String(), VLAN: st.key.vlan, Interface: st.key.ifc, IfIndex: st.key.lif,
		zone: st.key.zone, Multicast: st.key.dst.Addr().IsMulticast(),
		Packets: st.packets, Bytes: st.bytes, Truncated: st.truncated,
		First: nsTime(st.firstT), Last: nsTime(st.lastT), FirstFrame: st.firstFrame, LastFrame: st.lastFrame,
		Format: st.format.String(), Confidence: round3(st.confidence), Forced: st.forced,
		Undecodable: st.undecodable, FirstError: st.firstErr,
	}
	if st.key.zone != 0 && t.cfg.ZoneLabel != nil {
		s.Tunnel = t.cfg.ZoneLabel(st.key.zone)
	}
	for _, e := range st.icmp {
		s.ICMPErrors = append(s.ICMPErrors, ICMPErrors{Kind: e.kind, Sender: e.sender.String(), Count: e.n, First: nsTime(e.firstT),
			FirstFrame: e.frame, Meaning: icmpMeaning(e.kind, st.key.dst.Port()), Expected: expectedICMP(e.kind, st.key.dst.Port())})
	}
	s.ICMPDiscards = st.icmpDiscards
	var kept uint64
	for _, e := range st.icmp {
		kept += e.n
	}
	if st.icmpN > kept {
		s.Notes = append(s.Notes, fmt.Sprintf("%d more ICMP errors of further kinds or senders not listed", st.icmpN-kept))
	}
	if st.firstErr != "" {
		s.FirstError = fmt.Sprintf("frame %d: %s", st.firstErrFrm, st.firstErr)
	}
	dur := st.lastT - st.firstT
	s.DurationSec = float64(dur) / 1e9
	if dur > 0 {
		s.PacketsPerSec = round3(float64(st.packets-1) / s.DurationSec)
		s.BitsPerSec = round3(float64(st.bytes) * 8 / s.DurationSec)
	}
	if a := &st.ia; a.n > 0 {
		s.InterArrival = InterArrival{Samples: a.n, MinUS: us(a.min), MeanUS: round3(float64(a.sum) / float64(a.n) / 1e3), P99US: us(a.quantile(0.99)), MaxUS: us(a.max), Negative: a.neg}
	}
	add := func(key, unit string, sp *seqSpace) {
		q := t.seqReport(sp, key, unit, id, st.key.ifc, drops)
		if unit == "datagram" && len(st.cuts) > 0 {
			cutGaps(&q, st.cuts)
		}
		s.Lost += q.Lost
		s.Sequences = append(s.Sequences, q)
	}
	switch st.format.Kind {
	case FormatMtools, FormatMtoolsDec:
		add("", "datagram", st.main)
		s.Mtools = mtoolsReport(st)
		for _, ss := range s.Mtools.Sessions {
			// count-only runs (msend -P): only the stat total tells the loss
			if ss.StatSent >= 0 && ss.CountOnly > 0 && ss.Received == ss.CountOnly && ss.Missing > 0 {
				s.Lost += uint64(ss.Missing)
				s.Notes = append(s.Notes, fmt.Sprintf("msend run at frame %d has no counters (count-only): %d of %d messages missing by the sender's stat", ss.Frame, ss.Missing, ss.StatSent))
			}
		}
	case FormatMold:
		add("", "message", st.main)
		s.Mold = &MoldReport{Session: printable(st.mold.session[:]), Sessions: st.mold.sessions, Messages: st.mold.messages, EndOfSession: st.mold.endOfSession}
	case FormatMDP3, FormatOffset:
		add("", "datagram", st.main)
	case FormatRTP, FormatRTPTS:
		for _, src := range st.rtp {
			add(fmt.Sprintf("ssrc=0x%08x", src.ssrc), "datagram", &src.sp)
		}
		if st.rtpOverflow > 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("%d datagrams from more than %d SSRCs were not tracked", st.rtpOverflow, maxSSRC))
		}
	}
	if st.ts != nil {
		s.TS = tsReport(st.ts)
		if st.format.Kind == FormatTS {
			s.Lost += s.TS.Missing
		}
	}
	if s.Truncated > 0 {
		var rcv uint64
		for _, q := range s.Sequences {
			rcv += q.Received
		}
		if s.TS != nil {
			rcv += s.TS.Packets
		}
		s.SnaplenCut = snaplenCut(st, rcv)
		if a := s.SnaplenCut.SequenceAnalysis; a == "complete" || a == "unsequenced" {
			s.Notes = append(s.Notes, fmt.Sprintf("%d datagrams truncated by the snaplen", s.Truncated))
		}
	}
	return s
}

// cutGaps takes the datagrams that arrived cut by the snaplen (sequence
// number unknown) out of the loss of the gaps they arrived in.
func cutGaps(q *Sequence, cuts []cutRec) {
	for i := range q.Gaps {
		g := &q.Gaps[i]
		tp, tn := g.Start.UnixNano(), g.End.UnixNano()
		var n uint64
		for _, c := range cuts {
			after := c.t > tp || c.t == tp && c.frame > g.PrevFrame
			before := c.t < tn || c.t == tn && c.frame < g.Frame
			if after && before {
				n++
			}
		}
		n = min(n, g.Count)
		if n == 0 {
			continue
		}
		g.SnaplenCut = n
		if n == g.Count {
			g.Verdict = "snaplen"
		}
		q.SnaplenCut += n
		q.Lost -= min(q.Lost, n)
	}
}

// snaplenCut describes a stream with datagrams cut by the snaplen.
func snaplenCut(st *stream, received uint64) *SnaplenCut {
	sequenced := st.format.Kind != FormatNone && st.format.Kind != FormatAuto
	c := &SnaplenCut{Datagrams: st.truncated, CapturedMax: st.truncMax, Undecodable: st.truncUndec, SequenceAnalysis: "complete"}
	if !sequenced {
		c.SequenceAnalysis = "unsequenced"
	}
	switch {
	case !sequenced && !st.forced && st.detectCut, sequenced && st.truncUndec > 0 && received == 0:
		c.SequenceAnalysis = "impossible"
		c.Advice = "capture again with -s 0 (whole packets)"
	case st.truncUndec > 0:
		c.SequenceAnalysis = "partial"
		c.Advice = "capture again with -s 0 (whole packets)"
	}
	return c
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}

// seqReport renders a sequence space; open holes are reported as gaps (the
// capture ended before they were filled) without changing the space.
func (t *Tracker) seqReport(sp *seqSpace, key, unit string, id, ifc int, drops []CaptureDropReading) Sequence {
	c := *sp
	c.holes = slices.Clone(sp.holes)
	c.gaps = slices.Clone(sp.gaps)
	c.resets = slices.Clone(sp.resets)
	if c.pend.valid {
		c.pend.valid = false
		c.stale++
	}
	c.flush()
	exp, lost := c.totals()
	if c.hi+1 == c.first { // anchored epoch (echo, heartbeat) with nothing received yet
		c.hi = c.first
	}
	q := Sequence{
		Key: key, Unit: unit, First: c.first, Last: c.hi, Expected: exp, Received: c.received, Lost: lost,
		Duplicates: c.dups, Reordered: c.late, Stale: c.stale, Heartbeats: c.heartbeats, Wraps: c.wraps,
		ResetCount: c.nResets, GapCount: c.nGaps, GapsOmitted: c.gapsOmit, MaxGap: c.maxGap, GapSizes: c.burst,
		Gaps: make([]Gap, 0, len(c.gaps)),
	}
	if c.p.bits < 64 {
		q.Bits = c.p.bits
	}
	for _, r := range c.resets {
		q.Resets = append(q.Resets, Reset{Frame: r.frame, Time: nsTime(r.t), From: r.from, To: r.to, Reason: r.reason})
	}
	for _, g := range c.gaps {
		gp := Gap{Stream: id, Key: key, FirstMissing: g.first, Count: g.count, Start: nsTime(g.tPrev), End: nsTime(g.tNext),
			DurationUS: us(uint64(max(0, g.tNext-g.tPrev))), PrevFrame: g.prevFrame, Frame: g.frame, Membership: g.memb,
			FirstMissingWire: wireSeq(g.first, c.p.bits)}
		gp.CaptureDrops, gp.Verdict = gapDrops(drops, ifc, g)
		q.Gaps = append(q.Gaps, gp)
	}
	q.Pattern = pattern(&c)
	for _, p := range sp.pts {
		q.Points = append(q.Points, PlotPoint{Time: nsTime(p.t), Seq: p.seq})
	}
	for _, p := range sp.dupPts {
		q.DuplicatePoints = append(q.DuplicatePoints, PlotPoint{Time: nsTime(p.t), Seq: p.seq})
	}
	for _, p := range sp.latePts {
		q.LatePoints = append(q.LatePoints, PlotPoint{Time: nsTime(p.t), Seq: p.seq})
	}
	return q
}

// wireSeq is v as the on-wire counter of bits bits shows it, when it
// differs (the counter wrapped); nil otherwise.
func wireSeq(v uint64, bits uint) *uint64 {
	if bits == 0 || bits >= 64 || v>>bits == 0 {
		return nil
	}
	w := v & (1<<bits - 1)
	return &w
}

// wireValue is v as the counter of a sequence of width bits (0: 64) shows
// it on the wire.
func wireValue(v uint64, bits uint) uint64 {
	if w := wireSeq(v, bits); w != nil {
		return *w
	}
	return v
}

func pattern(c *seqSpace) string {
	switch {
	case c.nGaps == 0:
		return "none"
	case c.nGaps >= 3 && c.periodic && c.maxGap == 1:
		return fmt.Sprintf("periodic: 1 lost every %d", c.gapInterval)
	case c.nGaps >= 3 && c.periodic:
		return fmt.Sprintf("periodic: a gap every %d (max %d)", c.gapInterval, c.maxGap)
	case c.maxGap == 1:
		return "isolated single losses"
	default:
		return fmt.Sprintf("bursts: max %d, mean %.1f", c.maxGap, float64(c.lost)/float64(c.nGaps))
	}
}

func mtoolsReport(st *stream) *MtoolsReport {
	m := st.mt
	r := &MtoolsReport{Radix: m.radix, RadixInferred: m.switched, CountOnly: m.countOnly, Echoes: m.echoes, Stats: m.stats, SessionsOmitted: m.sessOmit}
	if m.radix == 0 && st.main.started {
		r.Radix = 16 // msend's default; no evidence either way
	}
	for i, s := range m.sessions {
		recv := s.recvAtStat
		if s.statSent < 0 {
			recv = st.main.received
			if i+1 < len(m.sessions) {
				recv = m.sessions[i+1].startRecv
			}
		}
		recv -= min(recv, s.startRecv)
		co := m.countOnly - s.startCount
		if i+1 < len(m.sessions) {
			co = m.sessions[i+1].startCount - s.startCount
		}
		ms := MtoolsSession{Frame: s.frame, Time: nsTime(s.t), Echo: s.echo, Decimal: s.decimal, StatSent: s.statSent, Received: recv + co, CountOnly: co}
		if s.statSent >= 0 {
			ms.Missing = s.statSent - int64(ms.Received)
		}
		r.Sessions = append(r.Sessions, ms)
	}
	return r
}

func tsReport(s *tsState) *TSReport {
	r := &TSReport{Packets: s.packets, DuplicateDatagrams: s.dupDatagrams, SyncErrors: s.syncErrors, PartialPackets: s.partial, ErrorsOmitted: s.eventsOmit}
	pids := slices.Clone(s.used)
	slices.Sort(pids)
	for _, pid := range pids {
		p := &s.pids[s.idx[pid]-1]
		r.PIDs = append(r.PIDs, PIDReport{PID: pid, Packets: p.packets, CCErrors: p.ccErrors, Missing: p.missing, Duplicates: p.dups, Discontinuities: p.disc})
		r.Missing += p.missing
	}
	for _, e := range s.events {
		r.Errors = append(r.Errors, TSError{PID: e.pid, Frame: e.frame, Time: nsTime(e.t), Expected: e.expected, Got: e.got, Missing: e.missing, Kind: e.kind})
	}
	return r
}
