// Package multipoint joins captures of the same traffic taken at several
// points of a path (client, router, server; sender, switch, receivers) and
// says where a problem happened: the SMC TCP option stripped or added
// between two points, a CLC message altered or lost, a connection seen at
// one point only, UDP datagrams lost, duplicated or reordered by a hop.
//
// The same packet is matched across points without trusting the clocks:
// TCP by 4-tuple, sequence and acknowledgment numbers, flags and payload
// length; UDP by 5-tuple, IP ID and a hash of the payload (which contains
// any sequence number the application puts there); packets left over are
// matched by payload hash alone, which tolerates address and port
// translation. The direction a packet travels is read from the IP TTL
// (decremented by each routing hop), not from the clocks. Matched packets
// then give the clock offset between adjacent points (from the minimum
// one-way delay in each direction), its drift, and the per-hop delay.
//
// Memory is bounded by Config.MaxPackets per point; the report says when
// the limit was reached. The package depends only on the capture reader
// (pcapfile.OpenFile) and, for the per-point summaries, analyze.Run.
package multipoint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/netip"
	"strings"

	"github.com/smcdump/smcdump/analyze"
	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// SchemaVersion identifies the JSON report format.
const SchemaVersion = "smcdump.multipoint/v1"

// DefaultMaxPackets is the default number of packets kept per point for
// matching (64 bytes each, about 160 with the matching indexes).
const DefaultMaxPackets = 2_000_000

// Point is one capture point: a name and its files, read as one capture
// (rotated files), in the order of their first packets' times unless
// Config.GivenOrder.
type Point struct {
	Name  string
	Files []string
}

// Config configures a multi-point analysis.
type Config struct {
	// Points in path order (e.g. client, router, server).
	Points []Point
	// MaxPackets bounds the packets kept per point for matching: 0 means
	// DefaultMaxPackets. Packets beyond it are counted, not matched, and
	// the report says so.
	MaxPackets int
	// PerPoint, when set, is the configuration of the single-point
	// analysis (analyze.Run) run at each point for its summary; nil skips it.
	PerPoint *analyze.Config
	// Stdin is read for the file "-" (nil: "-" is an error).
	Stdin io.Reader
	// GivenOrder reads each point's files in the order given; by default
	// they are ordered by their first packets' times (pcapfile.TimeOrder).
	GivenOrder bool
}

// ParsePoint parses NAME=FILE[,FILE...].
func ParsePoint(s string) (Point, error) {
	name, files, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || files == "" {
		return Point{}, fmt.Errorf("--point %q: want NAME=FILE[,FILE...]", s)
	}
	var p Point
	p.Name = name
	for _, f := range strings.Split(files, ",") {
		if f = strings.TrimSpace(f); f != "" {
			p.Files = append(p.Files, f)
		}
	}
	if len(p.Files) == 0 {
		return Point{}, fmt.Errorf("--point %q: no file", s)
	}
	return p, nil
}

// flow is one direction of a transport flow.
type flow struct {
	proto    uint8
	src, dst netip.AddrPort
}

func (f flow) String() string {
	p := "tcp"
	if f.proto == 17 {
		p = "udp"
	}
	return fmt.Sprintf("%s %s > %s", p, f.src, f.dst)
}

// compare orders flows by protocol (TCP first), then numerically by
// source and destination address and port, the order listings use.
func (f flow) compare(g flow) int {
	if f.proto != g.proto {
		return cmp.Compare(f.proto, g.proto)
	}
	if c := f.src.Compare(g.src); c != 0 {
		return c
	}
	return f.dst.Compare(g.dst)
}

// conn is the direction-free identity of a flow.
func (f flow) conn() flow {
	if f.dst.Addr().Less(f.src.Addr()) || f.dst.Addr() == f.src.Addr() && f.dst.Port() < f.src.Port() {
		f.src, f.dst = f.dst, f.src
	}
	return f
}

// rec is one packet kept for matching.
type rec struct {
	ts     int64 // UnixNano at this point's clock
	key    uint64
	alt    uint64 // payload hash (0: none)
	frame  int32
	flow   int32
	payLen int32
	ttl    uint8
	flags  uint8
	clc    uint8
	smc    bool
	full   bool
	pdir   uint8  // pcapng epb_flags direction: 0 unknown, 1 inbound, 2 outbound
	file   uint16 // index into the point's files
	ipID   uint16 // IPv4 identification (TCP: tells a retransmission from the original)
	seq    uint32 // TCP sequence number (resegmentation, resegment.go)
	// held: the reader gave the packet another time than its own (out of
	// line with the frames around it, or implausible): matched, but no
	// delay or clock sample
	held bool
	payH uint64
}

type pointData struct {
	name      string
	files     []string
	recs      []rec
	flows     []flow
	flowIdx   map[flow]int32
	packets   int // frames read
	undecoded int // not IPv4/IPv6 TCP/UDP (or not the first fragment)
	dropped   int // beyond MaxPackets
	first     int64
	last      int64
	problems  []string
	notes     []string // odd but no damage (pcapfile.FileReader.Notes)
	// moreProblems, moreNotes count the messages beyond maxPointMessages.
	moreProblems, moreNotes int
	damaged                 bool
	// capture window from the capture's statistics blocks
	hasWin            bool
	winFirst, winLast int64
}

// maxPointMessages bounds the problems and the notes a point keeps over all
// its files (each file's reader keeps up to 1,000 of each): those beyond
// are counted, and the point's last message says how many.
const maxPointMessages = 1000

// problem keeps a problem message, or counts it beyond maxPointMessages.
func (d *pointData) problem(msg string) {
	if len(d.problems) < maxPointMessages {
		d.problems = append(d.problems, msg)
		return
	}
	d.moreProblems++
}

// note keeps a note, or counts it beyond maxPointMessages.
func (d *pointData) note(msg string) {
	if len(d.notes) < maxPointMessages {
		d.notes = append(d.notes, msg)
		return
	}
	d.moreNotes++
}

// endMessages closes the point's lists with the count of the messages
// not kept.
func (d *pointData) endMessages() {
	if d.moreProblems > 0 {
		d.problems = append(d.problems, fmt.Sprintf("%d more problems in this point's files (at most %d are listed per point)", d.moreProblems, maxPointMessages))
	}
	if d.moreNotes > 0 {
		d.notes = append(d.notes, fmt.Sprintf("%d more notes in this point's files (at most %d are listed per point)", d.moreNotes, maxPointMessages))
	}
}

// window returns the span the point's capture covered: its packets, and
// the start and end its statistics blocks give.
func (d *pointData) window() (int64, int64, bool) {
	lo, hi, ok := d.first, d.last, len(d.recs) > 0
	if d.hasWin {
		if !ok {
			lo, hi, ok = d.winFirst, d.winLast, true
		}
		if d.winFirst != 0 {
			lo = min(lo, d.winFirst)
		}
		if d.dropped == 0 { // beyond the limit nothing was kept
			hi = max(hi, d.winLast)
		}
	}
	return lo, hi, ok
}

var seed = maphash.MakeSeed()

func strictKey(p *pkt) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	b := p.src.As16()
	h.Write(b[:])
	b = p.dst.As16()
	h.Write(b[:])
	var x [24]byte
	x[0] = p.proto
	x[1], x[2] = byte(p.sport>>8), byte(p.sport)
	x[3], x[4] = byte(p.dport>>8), byte(p.dport)
	if p.proto == 6 {
		put32(x[5:], p.seq)
		if p.flags&tcpACK != 0 {
			put32(x[9:], p.ack)
		}
		x[13] = p.flags &^ 0xC0 // ECN bits may be rewritten on the way
		put32(x[14:], uint32(p.payloadLen))
	} else {
		put32(x[5:], p.ipID)
		put32(x[9:], uint32(p.payloadLen))
		put64(x[13:], p.payHash)
	}
	h.Write(x[:])
	return h.Sum64()
}

func altKey(p *pkt) uint64 {
	if p.payHash == 0 || !p.payFull {
		return 0
	}
	var h maphash.Hash
	h.SetSeed(seed)
	var x [13]byte
	x[0] = p.proto
	put32(x[1:], uint32(p.payloadLen))
	put64(x[5:], p.payHash)
	h.Write(x[:])
	return h.Sum64() | 1
}

func put32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}
func put64(b []byte, v uint64) { put32(b, uint32(v>>32)); put32(b[4:], uint32(v)) }

// readPoint reads one point's files.
func readPoint(ctx context.Context, pt Point, limit int, stdin io.Reader) (*pointData, error) {
	d := &pointData{name: pt.Name, files: pt.Files, flowIdx: map[flow]int32{}}
	var p pkt
	var df decode.Frame
	if len(pt.Files) > 1<<16 {
		return d, fmt.Errorf("point %s: more than %d files", pt.Name, 1<<16)
	}
	for fileIdx, path := range pt.Files {
		fr, err := pcapfile.OpenFile(path, stdin)
		if err != nil {
			return d, fmt.Errorf("point %s: %w", pt.Name, err)
		}
		// Times in line (FileReader): an implausible time stamp, or one
		// far ahead of the frames around it, would stretch the point's
		// window and skew the clock estimate.
		fr.HoldImplausibleTimes = true
		for {
			if d.packets%4096 == 0 && ctx.Err() != nil {
				fr.Close()
				return d, ctx.Err()
			}
			pk, err := fr.Next()
			if err != nil {
				if err != io.EOF {
					d.problem(fmt.Sprintf("%s: offset %d: %v (the rest of the file is not read)", path, fr.Offset(), err))
				}
				break
			}
			d.packets++
			decodePacket(pk.LinkType, pk.Data, &df, &p)
			if !p.ok {
				d.undecoded++
				continue
			}
			if len(d.recs) >= limit {
				d.dropped++
				continue
			}
			f := flow{p.proto, netip.AddrPortFrom(p.src, p.sport), netip.AddrPortFrom(p.dst, p.dport)}
			fi, ok := d.flowIdx[f]
			if !ok {
				fi = int32(len(d.flows))
				d.flows = append(d.flows, f)
				d.flowIdx[f] = fi
			}
			ts := pk.Info.Timestamp.UnixNano()
			if len(d.recs) == 0 || ts < d.first {
				d.first = ts
			}
			if ts > d.last {
				d.last = ts
			}
			d.recs = append(d.recs, rec{ts: ts, key: strictKey(&p), alt: altKey(&p), frame: int32(pk.Frame),
				flow: fi, payLen: int32(p.payloadLen), ttl: p.ttl, flags: p.flags, clc: p.clc, smc: p.smcOpt,
				full: p.payFull, payH: p.payHash, pdir: uint8(pk.Direction & 3), file: uint16(fileIdx), seq: p.seq,
				held: fr.TimeHeld(pk)})
			if p.src.Is4() {
				d.recs[len(d.recs)-1].ipID = uint16(p.ipID)
			}
		}
		// The capture's own start and end (pcapng ISB isb_starttime and
		// isb_endtime) widen the window beyond the first and last packet.
		for _, st := range fr.Stats() {
			if st.Start != nil && (!d.hasWin || st.Start.UnixNano() < d.winFirst) {
				d.winFirst = st.Start.UnixNano()
				d.hasWin = true
			}
			if st.End != nil && (!d.hasWin || st.End.UnixNano() > d.winLast) {
				d.winLast = st.End.UnixNano()
				d.hasWin = true
			}
		}
		if n := fr.ProblemCount(); n > 0 {
			d.damaged = true
			for _, pr := range fr.Problems() {
				d.problem(path + ": " + fr.ProblemText(pr))
			}
			if more := n - len(fr.Problems()); more > 0 {
				d.problem(fmt.Sprintf("%s: %d more problems", path, more))
			}
		}
		// What is odd but no damage, as analyze lists it for the file.
		for _, nt := range fr.Notes() {
			d.note(path + ": " + fr.ProblemText(nt))
		}
		if more := fr.NoteCount() - len(fr.Notes()); more > 0 {
			d.note(fmt.Sprintf("%s: %d more notes", path, more))
		}
		fr.Close()
	}
	d.endMessages()
	return d, nil
}

// Run reads every point and joins them.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.Points) < 2 {
		return nil, errors.New("multipoint: at least two capture points are needed")
	}
	seen := map[string]bool{}
	for _, p := range cfg.Points {
		if seen[p.Name] {
			return nil, fmt.Errorf("multipoint: point name %q given twice", p.Name)
		}
		seen[p.Name] = true
	}
	if !cfg.GivenOrder {
		pts := make([]Point, len(cfg.Points))
		for i, p := range cfg.Points {
			p.Files, _ = pcapfile.TimeOrder(p.Files)
			pts[i] = p
		}
		cfg.Points = pts
	}
	if cfg.PerPoint != nil {
		per := *cfg.PerPoint
		per.GivenOrder = true // ordered above, or as given
		cfg.PerPoint = &per
	}
	limit := cfg.MaxPackets
	if limit <= 0 {
		limit = DefaultMaxPackets
	}
	var pts []*pointData
	for _, p := range cfg.Points {
		d, err := readPoint(ctx, p, limit, cfg.Stdin)
		if err != nil {
			return nil, err
		}
		pts = append(pts, d)
	}
	rep := join(pts, limit)
	if cfg.PerPoint != nil {
		for i, p := range cfg.Points {
			r, err := analyze.Run(ctx, *cfg.PerPoint, p.Files)
			if r != nil {
				rep.Points[i].Single = summarize(r)
			}
			if err != nil && rep.Points[i].Single == nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

func summarize(r *report.Report) *SinglePoint {
	s := &SinglePoint{SMCAttempts: r.Summary.SMCAttempts, ByOutcome: r.Summary.ByOutcome, UDPDatagrams: r.Summary.UDPDatagrams}
	if r.Multicast != nil {
		s.UDPStreams = len(r.Multicast.Streams)
		s.UDPSeqLost = r.Multicast.TotalLost
	}
	if r.Counters != nil {
		for _, v := range r.Counters.Verdicts {
			s.HostCounters = append(s.HostCounters, v.Kind+": "+v.Text)
		}
	}
	return s
}

// ---- joining ----

// hopData is the matching state of one hop (points a and b = a+1).
type hopData struct {
	a, b    *pointData
	matchAB []int32 // per a record: index of its b match, -1
	matchBA []int32
	byAlt   int
	// resegA/resegB mark TCP segments left unmatched whose bytes the
	// other point's leftovers carry, cut differently (resegment.go)
	resegA, resegB []bool
	// partA/partB: unmatched TCP segments whose bytes the other point's
	// leftovers hold in part: how many bytes are missing
	partA, partB map[int32]int64
	// resegPairs: resegmented leftovers (a, b) that begin with the same
	// byte: delay samples
	resegPairs [][2]int32
	// per-point key sets and the look-up past the hop (set by join)
	keysA, keysB map[uint64]struct{}
	beyond       func(dir int, key uint64) (string, bool)
}

func matchHop(a, b *pointData) *hopData {
	h := &hopData{a: a, b: b, matchAB: make([]int32, len(a.recs)), matchBA: make([]int32, len(b.recs))}
	for i := range h.matchAB {
		h.matchAB[i] = -1
	}
	for i := range h.matchBA {
		h.matchBA[i] = -1
	}
	// Strict, first with the IPv4 identification: a TCP segment sent
	// again (a retransmission: same sequence, acknowledgment, flags and
	// length) has an identification of its own, so the original is not
	// paired with the copy that got through. Then without it: packets
	// without one (IPv6), and every packet when fewer than a tenth of the
	// IPv4 packets matched with it (a middlebox rewrites it).
	// Occurrences in order.
	type idKey struct {
		key uint64
		id  uint16
	}
	idx := make(map[idKey][]int32, len(b.recs))
	for i := range b.recs {
		k := idKey{b.recs[i].key, b.recs[i].ipID}
		idx[k] = append(idx[k], int32(i))
	}
	v4, m1 := 0, 0
	for i := range a.recs {
		k := idKey{a.recs[i].key, a.recs[i].ipID}
		if a.recs[i].ipID != 0 {
			v4++
		}
		if l := idx[k]; len(l) > 0 {
			h.matchAB[i], h.matchBA[l[0]] = l[0], int32(i)
			idx[k] = l[1:]
			if k.id != 0 {
				m1++
			}
		}
	}
	rewritten := 10*m1 < v4
	clear(idx)
	for i := range b.recs {
		if h.matchBA[i] < 0 && (rewritten || b.recs[i].ipID == 0) {
			k := idKey{key: b.recs[i].key}
			idx[k] = append(idx[k], int32(i))
		}
	}
	for i := range a.recs {
		if h.matchAB[i] >= 0 || !rewritten && a.recs[i].ipID != 0 {
			continue
		}
		k := idKey{key: a.recs[i].key}
		if l := idx[k]; len(l) > 0 {
			h.matchAB[i], h.matchBA[l[0]] = l[0], int32(i)
			idx[k] = l[1:]
		}
	}
	idx = nil
	// NAT-tolerant: the payload hash alone among the leftovers, in order,
	// when it occurs as often on both sides (a resent segment, a repeated
	// heartbeat; a payload many connections carry in different numbers
	// cannot say which is which), between flows no strict key matched (a
	// translated flow's addresses or ports differ at every packet).
	strictA, strictB := map[int32]bool{}, map[int32]bool{}
	for i, j := range h.matchAB {
		if j >= 0 {
			strictA[a.recs[i].flow], strictB[b.recs[j].flow] = true, true
		}
	}
	altB := map[uint64][]int32{}
	for i := range b.recs {
		if h.matchBA[i] < 0 && b.recs[i].alt != 0 {
			altB[b.recs[i].alt] = append(altB[b.recs[i].alt], int32(i))
		}
	}
	altA := map[uint64]int{}
	for i := range a.recs {
		if h.matchAB[i] < 0 && a.recs[i].alt != 0 {
			altA[a.recs[i].alt]++
		}
	}
	for i := range a.recs {
		if h.matchAB[i] >= 0 || a.recs[i].alt == 0 {
			continue
		}
		k := a.recs[i].alt
		l := altB[k]
		if len(l) == 0 || len(l) != altA[k] {
			continue
		}
		if strictA[a.recs[i].flow] || strictB[b.recs[l[0]].flow] {
			// A flow that strict keys matched is not translated here:
			// this is another connection carrying the same bytes.
			continue
		}
		h.matchAB[i], h.matchBA[l[0]] = l[0], int32(i)
		altB[k], altA[k] = l[1:], altA[k]-1
		h.byAlt++
	}
	h.resegment()
	return h
}

// Run-wide direction votes per direction-free connection: >0 travels in
// path order (first point towards last), <0 against it. The IP TTL, which
// every routing hop decrements, votes first; the capture direction
// (pcapng epb_flags) where the TTL does not change.
func directionVotes(hops []*hopData) map[flow]int {
	votes := map[flow]int{}
	for _, h := range hops {
		for i, j := range h.matchAB {
			if j < 0 {
				continue
			}
			ra, rb := &h.a.recs[i], &h.b.recs[j]
			f := h.a.flows[ra.flow]
			s := 0
			switch {
			case ra.ttl > rb.ttl:
				s = 1
			case ra.ttl < rb.ttl:
				s = -1
			}
			if s == 0 {
				// No routing hop between the points: the capture's own
				// direction (outbound at the sender's host, inbound at
				// the receiver's) still tells.
				switch {
				case ra.pdir == 2 && rb.pdir == 1:
					s = 1
				case ra.pdir == 1 && rb.pdir == 2:
					s = -1
				default:
					continue
				}
			}
			// vote for the direction of f as written (src→dst)
			c := f.conn()
			if c != f {
				s = -s
			}
			votes[c] += s
		}
	}
	// Neither TTL nor capture direction (two hosts on one link, captured
	// with pcap files): the one-way times still tell, whatever the clocks.
	// For a packet going a→b, b's time minus a's is offset + delay; going
	// b→a it is offset - delay: the direction of a connection whose
	// smallest difference is the larger travels a→b. Needs packets matched
	// (or resegmented: the first byte of a leftover) both ways over one hop.
	for _, h := range hops {
		minDelta := map[flow]int64{}
		sample := func(ra, rb *rec) {
			f := h.a.flows[ra.flow]
			if _, voted := votes[f.conn()]; voted || f != h.b.flows[rb.flow] || ra.held || rb.held {
				return
			}
			if m, ok := minDelta[f]; !ok || rb.ts-ra.ts < m {
				minDelta[f] = rb.ts - ra.ts
			}
		}
		for i, j := range h.matchAB {
			if j >= 0 {
				sample(&h.a.recs[i], &h.b.recs[j])
			}
		}
		for _, p := range h.resegPairs {
			sample(&h.a.recs[p[0]], &h.b.recs[p[1]])
		}
		for f, m := range minDelta {
			c := f.conn()
			if c != f {
				continue // decided from c's side
			}
			rev := flow{c.proto, c.dst, c.src}
			mr, ok := minDelta[rev]
			if !ok || m == mr {
				continue
			}
			if m > mr {
				votes[c]++
			} else {
				votes[c]--
			}
		}
	}
	return votes
}

// dirOf returns +1 when flow f (as written at point d) travels a→b, -1
// when b→a.
func (h *hopData) dirOf(d *pointData, fi int32, votes map[flow]int, countA, countB map[int32]int, atA bool) int {
	f := d.flows[fi]
	c := f.conn()
	v := votes[c]
	if c != f {
		v = -v
	}
	if v > 0 {
		return 1
	}
	if v < 0 {
		return -1
	}
	// no TTL evidence: the point with more packets of the flow is upstream
	var na, nb int
	if atA {
		na = countA[fi]
		if j, ok := h.b.flowIdx[f]; ok {
			nb = countB[j]
		}
	} else {
		nb = countB[fi]
		if j, ok := h.a.flowIdx[f]; ok {
			na = countA[j]
		}
	}
	if nb > na {
		return -1
	}
	return 1
}
