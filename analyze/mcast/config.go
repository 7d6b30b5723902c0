package mcast

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Datagram is one UDP datagram as the caller decoded it from a capture.
type Datagram struct {
	Frame     int            // 1-based frame number in the capture
	Time      time.Time      // packet timestamp (UTC)
	Src, Dst  netip.AddrPort // UDP source and destination
	VLAN      uint16         // outermost VLAN ID, 0 = none
	Interface int            // capture interface index (pcapng), 0 for pcap
	// LinkIf is the interface index a Linux cooked v2 header carries
	// (captures on "any"), 0 otherwise: the copies of a datagram seen on
	// several interfaces (a bond and its ports, a bridge and its
	// members) are different streams, not duplicates of one.
	LinkIf    uint32
	Payload   []byte // UDP payload as captured; not retained by the Tracker
	Length    int    // UDP payload length on the wire (from the UDP header)
	Truncated bool   // payload cut by the snaplen (len(Payload) < Length)
	// Zone is the address space of a datagram seen inside a tunnel
	// (decode.Frame.Zone), 0 outside: datagrams with the same
	// addresses inside different tunnels are different streams.
	Zone uint64
}

// FormatKind names a sequence format.
type FormatKind uint8

// Sequence formats, see the package documentation.
const (
	FormatAuto      FormatKind = iota // detect per stream
	FormatNone                        // no sequence numbers: count only
	FormatMtools                      // msend "Message <hex>"
	FormatMtoolsDec                   // msend -d "Message <decimal>"
	FormatRTP                         // RTP sequence per SSRC
	FormatTS                          // MPEG-TS CC per PID
	FormatRTPTS                       // RTP + MPEG-TS
	FormatMold                        // MoldUDP64
	FormatMDP3                        // CME MDP 3.0
	FormatOffset                      // generic fixed-offset counter
)

var formatNames = [...]string{
	FormatAuto:      "auto",
	FormatNone:      "none",
	FormatMtools:    "mtools",
	FormatMtoolsDec: "mtools-dec",
	FormatRTP:       "rtp",
	FormatTS:        "ts",
	FormatRTPTS:     "rtp-ts",
	FormatMold:      "moldudp64",
	FormatMDP3:      "mdp3",
	FormatOffset:    "offset",
}

// String returns the format's name as used on the command line.
func (k FormatKind) String() string {
	if int(k) < len(formatNames) {
		return formatNames[k]
	}
	return "unknown"
}

// Format is a sequence format with the parameters of the generic extractor.
type Format struct {
	Kind      FormatKind // which extractor
	Offset    int        // FormatOffset: byte offset of the counter in the UDP payload
	Width     int        // FormatOffset: counter width in bytes (1, 2, 4 or 8)
	BigEndian bool       // FormatOffset: byte order
}

// String returns the format in command-line syntax, e.g. "rtp" or "offset:4:4:le".
func (f Format) String() string {
	if f.Kind == FormatOffset {
		o := "le"
		if f.BigEndian {
			o = "be"
		}
		return fmt.Sprintf("offset:%d:%d:%s", f.Offset, f.Width, o)
	}
	return f.Kind.String()
}

// ParseFormat parses a FORMAT of the --seq flag: mtools, mtools-dec, rtp, ts,
// rtp-ts, moldudp64, mdp3, offset:O:W:be|le, none or auto.
func ParseFormat(s string) (Format, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "offset:"); ok {
		p := strings.Split(rest, ":")
		if len(p) != 3 {
			return Format{}, fmt.Errorf("sequence format %q: want offset:OFFSET:WIDTH:be|le", s)
		}
		off, err := strconv.Atoi(p[0])
		if err != nil || off < 0 || off > 65535 {
			return Format{}, fmt.Errorf("sequence format %q: offset %q is not a number in 0..65535", s, p[0])
		}
		w, err := strconv.Atoi(p[1])
		if err != nil || (w != 1 && w != 2 && w != 4 && w != 8) {
			return Format{}, fmt.Errorf("sequence format %q: width %q must be 1, 2, 4 or 8", s, p[1])
		}
		var be bool
		switch p[2] {
		case "be":
			be = true
		case "le":
		default:
			return Format{}, fmt.Errorf("sequence format %q: byte order %q must be be or le", s, p[2])
		}
		return Format{Kind: FormatOffset, Offset: off, Width: w, BigEndian: be}, nil
	}
	for k, n := range formatNames {
		if n == s && FormatKind(k) != FormatOffset {
			return Format{Kind: FormatKind(k)}, nil
		}
	}
	switch s {
	case "mold", "moldudp":
		return Format{Kind: FormatMold}, nil
	case "mpegts", "mp2t":
		return Format{Kind: FormatTS}, nil
	}
	return Format{}, fmt.Errorf("unknown sequence format %q (want mtools, mtools-dec, rtp, ts, rtp-ts, moldudp64, mdp3, offset:O:W:be|le, none)", s)
}

// Selector picks streams. The zero Selector matches every stream. Syntax
// (ParseSelector): [SRC[:PORT]>]DST[:PORT][@VLAN], where DST may be "*" or
// empty (":5000" selects destination port 5000 on any address) and IPv6
// addresses with a port are written in brackets ("[ff3e::1]:5000").
type Selector struct {
	Src, Dst         netip.Addr // invalid = any
	SrcPort, DstPort uint16     // 0 = any
	VLAN             int        // -1 or 0 with AnyVLAN = any
	AnyVLAN          bool       // true when no @VLAN was given
	text             string
}

// String returns the selector as it was parsed ("" for the match-all selector).
func (s Selector) String() string { return s.text }

// Match reports whether the stream with the given key fields matches.
func (s Selector) Match(src, dst netip.AddrPort, vlan uint16) bool {
	if s.Src.IsValid() && s.Src != src.Addr().Unmap() {
		return false
	}
	if s.SrcPort != 0 && s.SrcPort != src.Port() {
		return false
	}
	if s.Dst.IsValid() && s.Dst != dst.Addr().Unmap() {
		return false
	}
	if s.DstPort != 0 && s.DstPort != dst.Port() {
		return false
	}
	if !s.AnyVLAN && uint16(s.VLAN) != vlan {
		return false
	}
	return true
}

// ParseSelector parses a stream selector, see Selector.
func ParseSelector(s string) (Selector, error) {
	sel := Selector{AnyVLAN: true, text: s}
	rest := strings.TrimSpace(s)
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		v, err := strconv.Atoi(rest[i+1:])
		if err != nil || v < 0 || v > 4095 {
			return Selector{}, fmt.Errorf("stream selector %q: VLAN %q at offset %d is not in 0..4095", s, rest[i+1:], i+1)
		}
		sel.VLAN, sel.AnyVLAN = v, false
		rest = rest[:i]
	}
	dst := rest
	if i := strings.IndexByte(rest, '>'); i >= 0 {
		a, p, err := parseHostPort(rest[:i])
		if err != nil {
			return Selector{}, fmt.Errorf("stream selector %q: source: %v", s, err)
		}
		sel.Src, sel.SrcPort = a, p
		dst = rest[i+1:]
	}
	a, p, err := parseHostPort(dst)
	if err != nil {
		return Selector{}, fmt.Errorf("stream selector %q: destination: %v", s, err)
	}
	sel.Dst, sel.DstPort = a, p
	return sel, nil
}

func parseHostPort(s string) (netip.Addr, uint16, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return netip.Addr{}, 0, nil
	}
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		i := strings.IndexByte(s, ']')
		if i < 0 {
			return netip.Addr{}, 0, fmt.Errorf("%q: missing ']'", s)
		}
		host = s[1:i]
		if r := s[i+1:]; r != "" {
			if r[0] != ':' {
				return netip.Addr{}, 0, fmt.Errorf("%q: want ':' after ']'", s)
			}
			port = r[1:]
		}
	case strings.Count(s, ":") == 1:
		host, port, _ = strings.Cut(s, ":")
	}
	var a netip.Addr
	if host != "" && host != "*" {
		var err error
		a, err = netip.ParseAddr(host)
		if err != nil {
			return netip.Addr{}, 0, fmt.Errorf("%q is not an IP address", host)
		}
		a = a.Unmap()
	}
	var p uint64
	if port != "" && port != "*" {
		var err error
		p, err = strconv.ParseUint(port, 10, 16)
		if err != nil || p == 0 {
			return netip.Addr{}, 0, fmt.Errorf("port %q is not in 1..65535", port)
		}
	}
	return a, uint16(p), nil
}

// SeqRule forces a sequence format on the streams a selector matches.
type SeqRule struct {
	Selector Selector // streams the rule applies to
	Format   Format   // format forced on them
}

// String returns the rule in flag syntax.
func (r SeqRule) String() string {
	if r.Selector.text == "" {
		return r.Format.String()
	}
	return r.Selector.text + "=" + r.Format.String()
}

// ParseSeqRule parses the value of the --seq flag: FORMAT, or SELECTOR=FORMAT.
func ParseSeqRule(s string) (SeqRule, error) {
	if s == "" {
		return SeqRule{}, errors.New("empty --seq rule")
	}
	sel, fs, ok := strings.Cut(s, "=")
	if !ok {
		f, err := ParseFormat(s)
		if err != nil {
			return SeqRule{}, err
		}
		return SeqRule{Selector: Selector{AnyVLAN: true}, Format: f}, nil
	}
	sl, err := ParseSelector(sel)
	if err != nil {
		return SeqRule{}, err
	}
	f, err := ParseFormat(fs)
	if err != nil {
		return SeqRule{}, fmt.Errorf("--seq %q: %v", s, err)
	}
	return SeqRule{Selector: sl, Format: f}, nil
}

// CaptureDrop is one reading of a capture interface's drop counters, from a
// pcapng Interface Statistics Block (or a live capture's statistics).
type CaptureDrop struct {
	Time       time.Time // when the counters were read (ISB timestamp)
	Interface  int       // capture interface index, as in Datagram.Interface
	IfDrop     uint64    // isb_ifdrop (dumpcap and smcdump put kernel ring drops here)
	OSDrop     uint64    // isb_osdrop
	Cumulative bool      // counters count from the start of the capture (pcapng ISB semantics); false = since the previous reading
	// File numbers the capture file of a reading (0 for the first). A
	// cumulative counter continues across the files of a rotation when it
	// does not go down and its Start does not change; otherwise the
	// writer restarted it with the file and the readings of the file are
	// added to those of the earlier files.
	File  int
	Start time.Time // isb_starttime of the reading, zero if absent
}

// Config configures a Tracker. The zero value auto-detects every stream.
type Config struct {
	// Seq forces formats; the first matching rule wins.
	Seq []SeqRule
	// ZoneLabel, when set, names the tunnel of a zone (Stream.Tunnel).
	ZoneLabel func(zone uint64) string
	// Pairs names A/B legs as pairs of stream selectors (--pair A,B). Streams
	// that carry the same payloads with the same sequence numbers are also
	// paired automatically unless NoAutoPair is set.
	Pairs [][2]string
	// NoAutoPair disables automatic A/B leg pairing.
	NoAutoPair bool
	// MinConfidence is the detection confidence (0..1) below which a stream
	// is only counted; 0 means the default 0.5.
	MinConfidence float64
	// ReorderWindow is how far (in sequence units) the highest sequence may
	// move past a hole before the hole is reported as lost; 0 = 1024 (RTP
	// uses at most 3000, RFC 3550's MAX_DROPOUT).
	ReorderWindow uint64
	// MaxGaps bounds the gaps listed per sequence space (totals stay exact);
	// 0 = 10000.
	MaxGaps int
	// Plot keeps a bounded, decimated sample of (time, sequence) points per
	// sequence space for Report.WritePlot (--plot).
	Plot bool
	// MaxStreams bounds the streams tracked at once (memory); what
	// happens to a datagram of a further stream depends on FinishWhenFull.
	// 0 means no limit.
	MaxStreams int
	// FinishWhenFull chooses what a new stream does when MaxStreams
	// streams are tracked. false (a live monitor, which finishes idle
	// streams itself with Expire): its datagrams are only counted
	// (Tracker.Untracked). true (offline analysis): the least recently
	// active eighth of the streams are finished as Expire would finish
	// them, their final analysis kept for the report (within KeepStreams),
	// and the new stream is tracked. A finished stream that sends again
	// starts a new entry; Report.Limits counts them.
	FinishWhenFull bool
	// OnFinishedEarly, with FinishWhenFull, receives each stream finished
	// to make room, with the gaps its end closed, instead of the report
	// keeping it (a live monitor reports it as it reports idle streams).
	OnFinishedEarly func(s Stream, newGaps []Gap)
	// KeepStreams bounds the streams Report lists in detail: when more
	// were seen, the KeepStreams with the most problems (loss, gaps,
	// undecodable datagrams), then the most traffic, are listed and the
	// rest are summed in Report.Limits.Omitted. Finished streams beyond it
	// are only kept as those sums. 0 means no limit.
	KeepStreams int
}

// ParsePair parses the value of the --pair flag, "A,B" with two stream
// selectors (see Selector), for Config.Pairs.
func ParsePair(s string) ([2]string, error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok || strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return [2]string{}, fmt.Errorf("--pair %q: want A,B (two stream selectors)", s)
	}
	for _, x := range []string{a, b} {
		if _, err := ParseSelector(x); err != nil {
			return [2]string{}, fmt.Errorf("--pair %q: %v", s, err)
		}
	}
	return [2]string{strings.TrimSpace(a), strings.TrimSpace(b)}, nil
}
