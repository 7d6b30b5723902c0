package multipoint

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
)

// Report is the result of a multi-point analysis.
type Report struct {
	Schema   string        `json:"schema"`
	Points   []PointReport `json:"points"`
	Limits   Limits        `json:"limits"`
	Hops     []Hop         `json:"hops"`
	UDPFlows []UDPFlow     `json:"udp_flows"`
	Verdicts []Verdict     `json:"verdicts"`
}

// PointReport describes one capture point.
type PointReport struct {
	Name      string     `json:"name"`
	Files     []string   `json:"files"`
	Packets   int        `json:"packets"`
	Undecoded int        `json:"not_tcp_udp"`
	Kept      int        `json:"kept"`
	NotKept   int        `json:"not_kept,omitempty"`
	First     *time.Time `json:"first,omitempty"`
	Last      *time.Time `json:"last,omitempty"`
	Problems  []string   `json:"problems,omitempty"`
	// Notes are what was odd in the point's files but no damage (an
	// unknown pcapng block skipped, implausible time stamps), each
	// "FILE: offset N: what", as analyze lists them for the file.
	Notes  []string     `json:"notes,omitempty"`
	Single *SinglePoint `json:"single,omitempty"`
}

// SinglePoint summarizes the single-point analysis of a point's files.
type SinglePoint struct {
	SMCAttempts  int            `json:"smc_attempts"`
	ByOutcome    []report.Count `json:"by_outcome"`
	UDPDatagrams int            `json:"udp_datagrams"`
	UDPStreams   int            `json:"udp_streams"`
	UDPSeqLost   uint64         `json:"udp_sequence_lost"`
	// HostCounters are the kernel-counter verdicts of the point's host
	// (snapshots embedded in smcdump's capture): where the point is the
	// receiver, what happened between its capture and the application.
	HostCounters []string `json:"host_counters,omitempty"`
}

// Limits states the memory bound and whether it was reached.
type Limits struct {
	MaxPacketsPerPoint int    `json:"max_packets_per_point"`
	Reached            bool   `json:"reached"`
	Note               string `json:"note,omitempty"`
}

// Hop is what happened between two adjacent points. Forward is the path
// order (From → To), Reverse the other way.
type Hop struct {
	From             string `json:"from"`
	To               string `json:"to"`
	Matched          int    `json:"matched"`
	MatchedByPayload int    `json:"matched_by_payload_only"`
	UnmatchedFrom    int    `json:"unmatched_at_from"`
	UnmatchedTo      int    `json:"unmatched_at_to"`
	// ResegmentedFrom/To count TCP segments not matched one to one whose
	// bytes are all at the other point, cut differently (TSO/GSO, GRO, a
	// router segmenting): not lost, not counted as unmatched.
	ResegmentedFrom int       `json:"resegmented_at_from,omitempty"`
	ResegmentedTo   int       `json:"resegmented_at_to,omitempty"`
	Clock           Clock     `json:"clock"`
	Forward         Direction `json:"forward"`
	Reverse         Direction `json:"reverse"`
}

// Clock is the estimate of the To point's clock relative to the From point's.
type Clock struct {
	// Known: packets matched in both directions, so offset and delay can be
	// separated (assuming the minimum one-way delay is the same both ways).
	Known bool `json:"known"`
	// OffsetNs: To's clock minus From's clock.
	OffsetNs int64 `json:"offset_ns"`
	// DriftPPM: how fast To's clock runs against From's (parts per million);
	// nil when not estimated.
	DriftPPM *float64 `json:"drift_ppm,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// Direction holds one direction of a hop.
type Direction struct {
	Packets    int    `json:"packets"` // matched packets travelling this way
	Delay      *Delay `json:"delay,omitempty"`
	Lost       int    `json:"lost"`
	LostUDP    int    `json:"lost_udp"`
	LostTCP    int    `json:"lost_tcp"`
	OutsideWin int    `json:"outside_capture_window"`
	// ConnNotThere counts TCP packets of connections the downstream point
	// does not show at all (reported as only-at, not as lost).
	ConnNotThere int `json:"connection_not_downstream,omitempty"`
	// MissedAtDown counts packets the downstream point did not show but a
	// point further on did (the capture missed them): not lost.
	MissedAtDown int `json:"missed_by_downstream_capture,omitempty"`
	Duplicated   int `json:"duplicated"`
	Appeared     int `json:"appeared"`
	Reordered    int `json:"reordered"`
	// Resegmented counts TCP segments travelling this way, at either
	// point, whose bytes the other point carries in segments cut at other
	// places (Hop.ResegmentedFrom/To): delivered, without a delay sample.
	Resegmented int `json:"resegmented,omitempty"`
}

// Delay is the one-way delay over a hop, clock offset removed (when
// Clock.Known; otherwise it includes the unknown offset).
type Delay struct {
	OffsetRemoved bool  `json:"offset_removed"`
	MinNs         int64 `json:"min_ns"`
	MedianNs      int64 `json:"median_ns"`
	P99Ns         int64 `json:"p99_ns"`
	MaxNs         int64 `json:"max_ns"`
	JitterNs      int64 `json:"jitter_ns"` // mean |d(i) - d(i-1)|
}

// UDPFlow is one UDP flow across the points.
type UDPFlow struct {
	Flow     string    `json:"flow"`
	PerPoint []int     `json:"per_point"` // datagrams seen at each point
	PerHop   []FlowHop `json:"per_hop"`
}

// FlowHop is a UDP flow over one hop, in the direction it travels.
type FlowHop struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Lost      int    `json:"lost"`
	Gaps      []Gap  `json:"gaps,omitempty"` // first MaxGaps gaps
	GapCount  int    `json:"gap_count"`
	Dup       int    `json:"duplicated"`
	Reordered int    `json:"reordered"`
}

// Gap is a run of consecutive datagrams lost over a hop.
type Gap struct {
	FirstFrame int `json:"first_frame"` // at the upstream point
	Count      int `json:"count"`
}

// Evidence is a frame at a point.
type Evidence struct {
	Point string `json:"point"`
	// File is the point's file holding the frame, when the point has
	// several (frame numbers count per file).
	File  string `json:"file,omitempty"`
	Frame int    `json:"frame"`
	Note  string `json:"note,omitempty"`
}

func evAt(d *pointData, r *rec, note string) Evidence {
	e := Evidence{Point: d.name, Frame: int(r.frame), Note: note}
	if len(d.files) > 1 && int(r.file) < len(d.files) {
		e.File = d.files[r.file]
	}
	return e
}

// Verdict is one localization result.
type Verdict struct {
	Kind     string     `json:"kind"` // stripped, option-added, clc-altered, clc-lost, only-at, lost-between, missed-at, duplicated, reordered
	From     string     `json:"from,omitempty"`
	To       string     `json:"to,omitempty"`
	Count    int        `json:"count"`
	Message  string     `json:"message"`
	Remedy   string     `json:"remedy,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// MaxGaps and maxEvidence bound the lists in the report.
const (
	MaxGaps     = 20
	maxEvidence = 6
)

func tptr(ns int64) *time.Time {
	t := time.Unix(0, ns).UTC()
	return &t
}

func join(pts []*pointData, limit int) *Report {
	rep := &Report{Schema: SchemaVersion, Limits: Limits{MaxPacketsPerPoint: limit}, Hops: []Hop{}, UDPFlows: []UDPFlow{}, Verdicts: []Verdict{}}
	for _, d := range pts {
		pr := PointReport{Name: d.name, Files: d.files, Packets: d.packets, Undecoded: d.undecoded, Kept: len(d.recs), NotKept: d.dropped, Problems: d.problems, Notes: d.notes}
		if len(d.recs) > 0 {
			pr.First, pr.Last = tptr(d.first), tptr(d.last)
		}
		if d.dropped > 0 {
			rep.Limits.Reached = true
		}
		rep.Points = append(rep.Points, pr)
	}
	if rep.Limits.Reached {
		rep.Limits.Note = fmt.Sprintf("only the first %d TCP/UDP packets of each point were matched (--max-packets); later packets are counted, not matched", limit)
	}
	hops := make([]*hopData, len(pts)-1)
	for i := range hops {
		hops[i] = matchHop(pts[i], pts[i+1])
	}
	votes := directionVotes(hops)
	udp := newUDPFlows(pts)
	altConns := map[flow]bool{}
	keys := make([]map[uint64]struct{}, len(pts))
	for i, d := range pts {
		keys[i] = make(map[uint64]struct{}, len(d.recs))
		for j := range d.recs {
			keys[i][d.recs[j].key] = struct{}{}
		}
	}
	for i, h := range hops {
		// beyond: a point past the hop's downstream end (in the travel
		// direction) that saw the packet
		beyond := func(dir int, key uint64) (string, bool) {
			if dir > 0 {
				for k := i + 2; k < len(pts); k++ {
					if _, ok := keys[k][key]; ok {
						return pts[k].name, true
					}
				}
				return "", false
			}
			for k := i - 1; k >= 0; k-- {
				if _, ok := keys[k][key]; ok {
					return pts[k].name, true
				}
			}
			return "", false
		}
		h.keysA, h.keysB, h.beyond = keys[i], keys[i+1], beyond
		hr, vs := h.analyze(votes, udp, i, altConns)
		rep.Hops = append(rep.Hops, hr)
		rep.Verdicts = append(rep.Verdicts, vs...)
	}
	rep.Verdicts = append(rep.Verdicts, onlyAt(pts, altConns)...)
	rep.UDPFlows = udp.list()
	return rep
}

// ---- per-hop analysis ----

type dirState struct {
	delays []int64 // raw: downstream ts - upstream ts
	at     []int64 // upstream ts (for the drift fit)
	held   int     // pairs with a time not its own (rec.held): no sample
}

func (h *hopData) analyze(votes map[flow]int, udp *udpFlows, hopIdx int, altConns map[flow]bool) (Hop, []Verdict) {
	a, b := h.a, h.b
	hr := Hop{From: a.name, To: b.name}
	countA := map[int32]int{}
	countB := map[int32]int{}
	for i := range a.recs {
		countA[a.recs[i].flow]++
	}
	for i := range b.recs {
		countB[b.recs[i].flow]++
	}
	dirCacheA := map[int32]int{}
	dirA := func(fi int32) int {
		d, ok := dirCacheA[fi]
		if !ok {
			d = h.dirOf(a, fi, votes, countA, countB, true)
			dirCacheA[fi] = d
		}
		return d
	}
	dirCacheB := map[int32]int{}
	dirB := func(fi int32) int {
		d, ok := dirCacheB[fi]
		if !ok {
			d = h.dirOf(b, fi, votes, countA, countB, false)
			dirCacheB[fi] = d
		}
		return d
	}
	// delays and matched counts
	var fwd, rev dirState
	sample := func(ra, rb *rec) {
		d := &fwd
		if dirA(ra.flow) <= 0 {
			d = &rev
		}
		switch {
		case ra.held || rb.held:
			d.held++ // not its own time: no delay sample
		case d == &fwd:
			fwd.delays = append(fwd.delays, rb.ts-ra.ts)
			fwd.at = append(fwd.at, ra.ts)
		default:
			rev.delays = append(rev.delays, ra.ts-rb.ts)
			rev.at = append(rev.at, rb.ts)
		}
	}
	for i, j := range h.matchAB {
		if j < 0 {
			if h.resegA != nil && h.resegA[i] {
				hr.ResegmentedFrom++
			} else {
				hr.UnmatchedFrom++
			}
			continue
		}
		hr.Matched++
		ra, rb := &a.recs[i], &b.recs[j]
		sample(ra, rb)
		if f := a.flows[ra.flow]; a.flows[ra.flow] != b.flows[rb.flow] {
			altConns[f.conn()] = true
			altConns[b.flows[rb.flow].conn()] = true
		}
	}
	for j, i := range h.matchBA {
		if i < 0 {
			if h.resegB != nil && h.resegB[j] {
				hr.ResegmentedTo++
			} else {
				hr.UnmatchedTo++
			}
		}
	}
	hr.MatchedByPayload = h.byAlt
	hr.Forward.Packets, hr.Reverse.Packets = len(fwd.delays)+fwd.held, len(rev.delays)+rev.held
	for _, p := range h.resegPairs {
		sample(&a.recs[p[0]], &b.recs[p[1]])
	}
	// clock: drift first (from the slopes, independent of the offset),
	// then the offset at mid-capture from the drift-corrected delays
	var minF, minR int64
	if len(fwd.delays) > 0 {
		minF = minOf(fwd.delays)
	}
	if len(rev.delays) > 0 {
		minR = minOf(rev.delays)
	}
	var off int64
	fwdC, revC := fwd.delays, rev.delays
	switch {
	case len(fwd.delays) > 0 && len(rev.delays) > 0:
		hr.Clock.Known = true
		if d, ok := drift(fwd, rev); ok {
			hr.Clock.DriftPPM = &d
			lo := min(minOf(fwd.at), minOf(rev.at))
			hi := max(maxOf(fwd.at), maxOf(rev.at))
			mid := lo + (hi-lo)/2
			fwdC, revC = detrend(fwd, d, mid, 1), detrend(rev, d, mid, -1)
			hr.Clock.Note = "offset at mid-capture " + time.Unix(0, mid).UTC().Format("15:04:05.000000")
		} else {
			hr.Clock.Note = "drift not estimated (needs 10 matched packets each way over at least 1 s)"
		}
		off = (minOf(fwdC) - minOf(revC)) / 2
		hr.Clock.OffsetNs = off
	case len(fwd.delays) > 0 || len(rev.delays) > 0:
		hr.Clock.Note = "packets matched in one direction only: the clock offset cannot be told from the delay; delays include it"
	default:
		hr.Clock.Note = "no packet matched between these points"
	}
	hr.Forward.Delay = delayStats(fwdC, -off, hr.Clock.Known)
	hr.Reverse.Delay = delayStats(revC, off, hr.Clock.Known)
	// to convert an upstream time to the downstream clock for the
	// capture-window check: + offset + min delay when known
	shiftF, shiftR := int64(0), int64(0)
	if len(fwd.delays) > 0 {
		shiftF = minF
	} else if hr.Clock.Known {
		shiftF = off
	}
	if len(rev.delays) > 0 {
		shiftR = minR
	} else if hr.Clock.Known {
		shiftR = -off
	}

	keysA, keysB := h.keysA, h.keysB

	var vs []Verdict
	lost := map[int]*Verdict{} // +1 / -1
	clcLost := map[int]*Verdict{}
	stripped := map[int]*Verdict{}
	added := map[int]*Verdict{}
	altered := map[int]*Verdict{}
	dupV := map[int]*Verdict{}
	missed := map[int]*Verdict{}
	names := func(dir int) (string, string) {
		if dir > 0 {
			return a.name, b.name
		}
		return b.name, a.name
	}
	add := func(m map[int]*Verdict, dir int, kind string, ev ...Evidence) {
		v := m[dir]
		if v == nil {
			up, down := names(dir)
			v = &Verdict{Kind: kind, From: up, To: down}
			m[dir] = v
		}
		v.Count++
		if len(v.Evidence)+len(ev) <= maxEvidence {
			v.Evidence = append(v.Evidence, ev...)
		}
	}
	dirOut := func(dir int) *Direction {
		if dir > 0 {
			return &hr.Forward
		}
		return &hr.Reverse
	}

	// upstream side unmatched = lost; downstream side unmatched = appeared
	// or duplicated. Walk each side.
	side := func(up bool, self, other *pointData, match []int32, reseg []bool, part map[int32]int64, dirFn func(int32) int, keysOther map[uint64]struct{}) {
		gapState := map[int32]bool{}
		wLo, wHi, wOK := other.window()
		for i := range self.recs {
			r := &self.recs[i]
			dir := dirFn(r.flow)
			isUp := (dir > 0) == up
			if match[i] >= 0 {
				if isUp {
					gapState[r.flow] = false
				}
				continue
			}
			if reseg != nil && reseg[i] {
				dirOut(dir).Resegmented++
				continue
			}
			if isUp {
				// convert to the other point's clock
				t := r.ts
				if dir > 0 {
					t += shiftF
				} else {
					t += shiftR
				}
				d := dirOut(dir)
				if f := self.flows[r.flow]; f.proto == 6 && !other.hasConn(f) {
					// a connection not seen at the other point at all:
					// the only-at verdict tells it (routing, filter)
					d.ConnNotThere++
					continue
				}
				if !wOK || t < wLo || t > wHi {
					d.OutsideWin++
					continue
				}
				upName, downName := names(dir)
				if at, ok := h.beyond(dir, r.key); ok {
					// seen again further on: this point's capture missed
					// it (or it went around the point), not a loss
					d.MissedAtDown++
					add(missed, dir, "missed-at", evAt(self, r, "not at "+downName+", again at "+at))
					continue
				}
				d.Lost++
				note := "not at " + downName
				if m, ok := part[int32(i)]; ok {
					note = fmt.Sprintf("%d of its %d bytes not at %s", m, r.payLen, downName)
				}
				ev := evAt(self, r, note)
				add(lost, dir, "lost-between", ev)
				if self.flows[r.flow].proto == 17 {
					d.LostUDP++
					udp.lost(self.flows[r.flow], hopIdx, upName, downName, int(r.frame), !gapState[r.flow])
					gapState[r.flow] = true
				} else {
					d.LostTCP++
					if r.clc != 0 {
						add(clcLost, dir, "clc-lost", ev)
					}
				}
				continue
			}
			// downstream extra
			d := dirOut(dir)
			if _, ok := keysOther[r.key]; ok {
				d.Duplicated++
				add(dupV, dir, "duplicated", evAt(self, r, "second copy"))
				if self.flows[r.flow].proto == 17 {
					up, down := names(dir)
					udp.hop(self.flows[r.flow], hopIdx, up, down).Dup++
				}
			} else {
				d.Appeared++
			}
		}
	}
	side(true, a, b, h.matchAB, h.resegA, h.partA, dirA, keysB)
	side(false, b, a, h.matchBA, h.resegB, h.partB, dirB, keysA)

	// option and CLC comparisons on matched pairs
	synKinds := map[[2]int]int{} // {dir (×2 for added), ACK bit}: count
	synWords := func(dir int) string {
		var w []string
		if n := synKinds[[2]int{dir, 0}]; n > 0 {
			w = append(w, fmt.Sprintf("%d SYN", n))
		}
		if n := synKinds[[2]int{dir, tcpACK}]; n > 0 {
			w = append(w, fmt.Sprintf("%d SYN-ACK", n))
		}
		return join2(w)
	}
	for i, j := range h.matchAB {
		if j < 0 {
			continue
		}
		ra, rb := &a.recs[i], &b.recs[j]
		dir := dirA(ra.flow)
		up, down := ra, rb
		upP, downP := a, b
		if dir < 0 {
			up, down, upP, downP = rb, ra, b, a
		}
		ev := []Evidence{evAt(upP, up, ""), evAt(downP, down, "")}
		if up.flags&tcpSYN != 0 && up.smc != down.smc {
			what := "SYN"
			if up.flags&tcpACK != 0 {
				what = "SYN-ACK"
			}
			ev[0].Note, ev[1].Note = what+" with the SMC option", what+" without it"
			if up.smc {
				add(stripped, dir, "stripped", ev...)
				synKinds[[2]int{dir, int(up.flags & tcpACK)}]++
			} else {
				ev[0].Note, ev[1].Note = what+" without the SMC option", what+" with it"
				add(added, dir, "option-added", ev...)
				synKinds[[2]int{2 * dir, int(up.flags & tcpACK)}]++
			}
		}
		if (up.clc != 0 || down.clc != 0) && up.full && down.full && up.payH != down.payH {
			ev[0].Note, ev[1].Note = "CLC message as sent", "CLC message changed"
			add(altered, dir, "clc-altered", ev...)
		}
	}
	// reordering per flow, in each direction, in upstream order
	reorder := func(self *pointData, match []int32, dirFn func(int32) int, want int) {
		maxSeen := map[int32]int32{}
		for i := range self.recs {
			j := match[i]
			r := &self.recs[i]
			if j < 0 || dirFn(r.flow) != want {
				continue
			}
			m, ok := maxSeen[r.flow]
			if ok && j < m {
				dirOut(want).Reordered++
				if self.flows[r.flow].proto == 17 {
					up, down := names(want)
					udp.hop(self.flows[r.flow], hopIdx, up, down).Reordered++
				}
				continue
			}
			maxSeen[r.flow] = j
		}
	}
	reorder(a, h.matchAB, dirA, 1)
	reorder(b, h.matchBA, dirB, -1)

	for _, dir := range []int{1, -1} {
		if v := stripped[dir]; v != nil {
			v.Message = fmt.Sprintf("SMC option stripped between %s and %s: %s carry kind 254 at %s and not at %s", v.From, v.To, synWords(dir), v.From, v.To)
			v.Remedy = "a middlebox, firewall or load balancer between " + v.From + " and " + v.To + " removes TCP option 254 (e.g. an nftables 'reset tcp option 254' rule, a TCP normalizer, a proxy): let kind 254 with ExID 0xE2D4C3D9 pass, or use SMC-D/a path without it"
			vs = append(vs, *v)
		}
		if v := added[dir]; v != nil {
			v.Message = fmt.Sprintf("SMC option added between %s and %s: %s carry kind 254 at %s but not at %s", v.From, v.To, synWords(2*dir), v.To, v.From)
			v.Remedy = "a middlebox between " + v.From + " and " + v.To + " adds or echoes TCP option 254: the peers may try SMC without an SMC-capable partner; find the device that echoes options and disable it"
			vs = append(vs, *v)
		}
		if v := altered[dir]; v != nil {
			v.Message = fmt.Sprintf("CLC message altered between %s and %s: %d", v.From, v.To, v.Count)
			v.Remedy = "a device between " + v.From + " and " + v.To + " rewrites TCP payload (proxy, DPI, NAT helper): exempt the SMC connections"
			vs = append(vs, *v)
		}
		if v := clcLost[dir]; v != nil {
			v.Message = fmt.Sprintf("CLC message lost between %s and %s: %d", v.From, v.To, v.Count)
			v.Remedy = "look for drops between " + v.From + " and " + v.To + " (firewall, policer, MTU); the peer retransmits or times out the CLC handshake"
			vs = append(vs, *v)
		}
		if v := lost[dir]; v != nil {
			d := dirOut(dir)
			v.Message = fmt.Sprintf("lost between %s and %s: %d", v.From, v.To, v.Count)
			if d.LostUDP > 0 && d.LostTCP > 0 {
				v.Message += fmt.Sprintf(" (%d UDP, %d TCP)", d.LostUDP, d.LostTCP)
			} else if d.LostTCP > 0 {
				v.Message += " TCP segments"
			} else {
				v.Message += " UDP datagrams"
			}
			v.Remedy = "the packets reached " + v.From + " and not " + v.To + ": check the drop counters of the devices and links between them (interface errors, policers, ACLs, buffer drops)"
			vs = append(vs, *v)
		}
		if v := missed[dir]; v != nil {
			v.Message = fmt.Sprintf("not captured at %s but seen before and after it: %d (not counted as lost)", v.To, v.Count)
			v.Remedy = "the capture at " + v.To + " dropped them (check its capture drop counters), or they took a path around " + v.To
			vs = append(vs, *v)
		}
		if v := dupV[dir]; v != nil {
			v.Message = fmt.Sprintf("duplicated between %s and %s: %d", v.From, v.To, v.Count)
			v.Remedy = "a hop between " + v.From + " and " + v.To + " sends copies (mirroring, redundant paths, a bridging loop)"
			vs = append(vs, *v)
		}
		if d := dirOut(dir); d.Reordered > 0 {
			up, down := names(dir)
			vs = append(vs, Verdict{Kind: "reordered", From: up, To: down, Count: d.Reordered,
				Message: fmt.Sprintf("reordered between %s and %s: %d", up, down, d.Reordered),
				Remedy:  "parallel paths (ECMP, link aggregation) or a queue between " + up + " and " + down + " change the order"})
		}
	}
	return hr, vs
}

func minOf(x []int64) int64 {
	m := x[0]
	for _, v := range x {
		m = min(m, v)
	}
	return m
}

func maxOf(x []int64) int64 {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// detrend removes the drift (ppm) from raw delays measured at times at:
// the downstream clock gains ppm·(t − mid) on the upstream one, which adds
// to the forward delays (sign 1) and takes from the reverse ones (sign -1).
func detrend(s dirState, ppm float64, mid int64, sign int64) []int64 {
	out := make([]int64, len(s.delays))
	for i, d := range s.delays {
		out[i] = d - sign*int64(ppm*1e-6*float64(s.at[i]-mid))
	}
	return out
}

func delayStats(raw []int64, shift int64, known bool) *Delay {
	if len(raw) == 0 {
		return nil
	}
	d := make([]int64, len(raw))
	var jit int64
	for i, v := range raw {
		d[i] = v + shift
		if i > 0 {
			x := d[i] - d[i-1]
			if x < 0 {
				x = -x
			}
			jit += x
		}
	}
	if len(d) > 1 {
		jit /= int64(len(d) - 1)
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	q := func(p float64) int64 { return d[min(len(d)-1, int(p*float64(len(d)-1)+0.5))] }
	return &Delay{OffsetRemoved: known, MinNs: d[0], MedianNs: q(0.5), P99Ns: q(0.99), MaxNs: d[len(d)-1], JitterNs: jit}
}

// drift fits delay against time in each direction: a clock running fast
// adds the same slope to one direction and takes it from the other.
func drift(f, r dirState) (float64, bool) {
	sf, okf := slope(f)
	sr, okr := slope(r)
	if !okf || !okr {
		return 0, false
	}
	return (sf - sr) / 2 * 1e6, true
}

func slope(s dirState) (float64, bool) {
	n := len(s.at)
	if n < 10 {
		return 0, false
	}
	t0 := s.at[0]
	var lo, hi int64 = s.at[0], s.at[0]
	var sx, sy, sxx, sxy float64
	for i := range s.at {
		lo, hi = min(lo, s.at[i]), max(hi, s.at[i])
		x := float64(s.at[i]-t0) / 1e9
		y := float64(s.delays[i]) / 1e9
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	if hi-lo < int64(time.Second) {
		return 0, false
	}
	fn := float64(n)
	den := fn*sxx - sx*sx
	if den == 0 {
		return 0, false
	}
	return (fn*sxy - sx*sy) / den, true
}

// hasConn reports whether the point saw flow f in either direction.
func (d *pointData) hasConn(f flow) bool {
	if _, ok := d.flowIdx[f]; ok {
		return true
	}
	f.src, f.dst = f.dst, f.src
	_, ok := d.flowIdx[f]
	return ok
}

// ---- connections seen at some points only ----

func onlyAt(pts []*pointData, altConns map[flow]bool) []Verdict {
	if len(pts) > 64 {
		return nil
	}
	type info struct {
		mask  uint64
		frame [64]int32
	}
	conns := map[flow]*info{}
	var order []flow
	for pi, d := range pts {
		for i := range d.recs {
			f := d.flows[d.recs[i].flow]
			if f.proto != 6 {
				continue
			}
			c := f.conn()
			in := conns[c]
			if in == nil {
				in = &info{}
				conns[c] = in
				order = append(order, c)
			}
			if in.mask&(1<<pi) == 0 {
				in.mask |= 1 << pi
				in.frame[pi] = int32(i)
			}
		}
	}
	all := uint64(1)<<len(pts) - 1
	var out []Verdict
	groups := map[uint64]*Verdict{}
	var gorder []uint64
	for _, c := range order {
		in := conns[c]
		if in.mask == all || altConns[c] {
			continue
		}
		v := groups[in.mask]
		if v == nil {
			var at, not []string
			for pi, d := range pts {
				if in.mask&(1<<pi) != 0 {
					at = append(at, d.name)
				} else {
					not = append(not, d.name)
				}
			}
			v = &Verdict{Kind: "only-at", From: join2(at), To: join2(not)}
			groups[in.mask] = v
			gorder = append(gorder, in.mask)
		}
		v.Count++
		for pi, d := range pts {
			if in.mask&(1<<pi) != 0 && len(v.Evidence) < maxEvidence {
				v.Evidence = append(v.Evidence, evAt(d, &d.recs[in.frame[pi]], c.String()))
			}
		}
	}
	for _, m := range gorder {
		v := groups[m]
		v.Message = fmt.Sprintf("TCP connections seen only at %s (not at %s): %d", v.From, v.To, v.Count)
		v.Remedy = "asymmetric routing (the packets take another path around " + v.To + "), a filter, or captures that do not cover the same time: compare routes and capture windows"
		out = append(out, *v)
	}
	return out
}

func join2(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// ---- UDP flows ----

type udpFlow struct {
	f        flow
	perPoint []int
	perHop   map[int]*FlowHop
}

type udpFlows struct {
	n     int
	m     map[flow]*udpFlow
	order []flow
}

func newUDPFlows(pts []*pointData) *udpFlows {
	u := &udpFlows{n: len(pts), m: map[flow]*udpFlow{}}
	for pi, d := range pts {
		for i := range d.recs {
			f := d.flows[d.recs[i].flow]
			if f.proto != 17 {
				continue
			}
			x := u.get(f)
			x.perPoint[pi]++
		}
	}
	return u
}

func (u *udpFlows) get(f flow) *udpFlow {
	x := u.m[f]
	if x == nil {
		x = &udpFlow{f: f, perPoint: make([]int, u.n), perHop: map[int]*FlowHop{}}
		u.m[f] = x
		u.order = append(u.order, f)
	}
	return x
}

func (u *udpFlows) hop(f flow, h int, from, to string) *FlowHop {
	x := u.get(f)
	fh := x.perHop[h]
	if fh == nil {
		fh = &FlowHop{From: from, To: to}
		x.perHop[h] = fh
	}
	return fh
}

func (u *udpFlows) lost(f flow, h int, from, to string, frame int, newGap bool) {
	fh := u.hop(f, h, from, to)
	fh.Lost++
	if newGap {
		fh.GapCount++
		if len(fh.Gaps) < MaxGaps {
			fh.Gaps = append(fh.Gaps, Gap{FirstFrame: frame})
		}
	}
	if fh.GapCount <= MaxGaps {
		fh.Gaps[len(fh.Gaps)-1].Count++
	}
}

func (u *udpFlows) list() []UDPFlow {
	slices.SortFunc(u.order, flow.compare)
	out := []UDPFlow{}
	for _, f := range u.order {
		x := u.m[f]
		uf := UDPFlow{Flow: f.String(), PerPoint: x.perPoint, PerHop: []FlowHop{}}
		var hs []int
		for h := range x.perHop {
			hs = append(hs, h)
		}
		sort.Ints(hs)
		for _, h := range hs {
			uf.PerHop = append(uf.PerHop, *x.perHop[h])
		}
		out = append(out, uf)
	}
	return out
}
