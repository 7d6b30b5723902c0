package report

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"time"
	"unsafe"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/internal/hll"
	"github.com/smcdump/smcdump/internal/mix"
	"github.com/smcdump/smcdump/internal/prefetch"
	"github.com/smcdump/smcdump/internal/selectk"
	"github.com/smcdump/smcdump/smcproto"
)

// aggregate accumulates the report's counts, fallback groups and rollups
// as connections finish, so they stay exact when only the first
// Config.MaxConnections connections are kept in detail.
type Aggregate struct {
	outcomes    [5]int  // by outcomeOrder (an outcome not in it is not counted)
	variants    []Count // negotiated variants: a handful of names, searched in order
	unknown     []Count // the reasons of the unknown outcomes (the verdict table's names: bump bounds them)
	smcAttempts int
	groups      map[fbKey]*FallbackGroup
	services    rollTable
	peers       rollTable
	otherGroups int // connections of causes beyond MaxFallbackGroups
	otherCodes  int // codes beyond maxObservedCodes, not correlated
	obs         correlate.SMCObserved
	// smcWindow spans the SMC handshakes (first packet to the last CLC
	// message, or the end of a failed handshake): what the kernel's
	// fallback and handshake-error counters count, so what the snapshots
	// must bracket.
	smcWindow [2]time.Time
	// winS and winN are smcWindow's bounds in Unix seconds and
	// nanoseconds, compared in their place (widenSMCWindow).
	winS [2]int64
	winN [2]int
}

type fbKey struct {
	o                      smcflow.Outcome
	reason, code, by, name string
}

// rollAcc is one rollup row while counting: compact (no maps), so that a
// table of MaxRollups rows stays small.
type rollAcc struct {
	key  rollKey
	hash uint64 // key.hash(): compaction's tie order
	slot uint64 // key.slotHash(): the row's place in rollTable.idx
	// name is the key's text (rollTable.text), formatted only for the
	// report (compaction breaks ties by hash).
	name            []byte
	named           bool
	total, problems int
	out             [5]int // by outcomeOrder
	vars, reasons   []Count
}

// rollKey is a rollup row's key, hashed as is (no text per connection): a
// service is (a, port), a peer pair (a → b).
type rollKey struct {
	a, b netip.Addr
	port uint16
}

// hash mixes the key's addresses and port into 64 bits (keys that differ
// only in an address's zone or 4-in-6 form share a hash; rollTable
// compares the whole key).
func (k rollKey) hash() uint64 {
	a, b := k.a.As16(), k.b.As16()
	return mix.Hash5(binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:]),
		binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]), uint64(k.port))
}

// slotHash is the hash that places the key in rollTable.idx: hash seeded
// per process (slotSeed, into every word before it is multiplied). The
// tie order of compaction needs a fixed hash (the report must not change
// from run to run), but a fixed hash can be aimed at: Hash5 can be inverted
// word by word, so a crafted capture could give thousands of peer pairs
// one hash and make every new row walk them all.
func (k rollKey) slotHash() uint64 {
	a, b := k.a.As16(), k.b.As16()
	s := slotSeed
	return mix.Hash5(binary.BigEndian.Uint64(a[:8])^s, binary.BigEndian.Uint64(a[8:])^s,
		binary.BigEndian.Uint64(b[:8])^s, binary.BigEndian.Uint64(b[8:])^s, uint64(k.port)^s)
}

// slotSeed is slotHash's seed, random per process.
var slotSeed = rand.Uint64()

// eq reports whether k and o are the same key, field by field: comparing
// the structs whole calls the runtime's memequal (two calls per finished
// connection, and more in each compaction).
func (k *rollKey) eq(o *rollKey) bool {
	return k.a == o.a && k.b == o.b && k.port == o.port
}

// outcomeIndex is o's index in outcomeOrder (the last for any other
// outcome): a switch on the constants, not a search of the slice, whose
// string comparisons call the runtime's memequal for every finished
// connection (TestOutcomeIndex checks it against outcomeOrder).
func outcomeIndex(o smcflow.Outcome) int {
	switch o {
	case smcflow.OutcomeSMC:
		return 0
	case smcflow.OutcomeFallback:
		return 1
	case smcflow.OutcomeHandshakeError:
		return 2
	case smcflow.OutcomeUnknown:
		return 3
	}
	return 4
}

// countName adds one to name's count in cs (a short list: the variants).
func countName(cs []Count, name string) []Count {
	for i := range cs {
		if cs[i].Name == name {
			cs[i].Count++
			return cs
		}
	}
	return append(cs, Count{name, 1})
}

// bump adds one to name's count in cs (a short list, linear search); past
// maxRollupDetail names the rest count as "other".
func bump(cs []Count, name string) []Count {
	for i := range cs {
		if cs[i].Name == name {
			cs[i].Count++
			return cs
		}
	}
	if len(cs) >= maxRollupDetail {
		name = "other"
		for i := range cs {
			if cs[i].Name == name {
				cs[i].Count++
				return cs
			}
		}
	}
	return append(cs, Count{name, 1})
}

// Memory bounds of the aggregate (docs/architecture.md "Memory bounds").
const (
	// MaxRollups is the number of services and of peer pairs kept in
	// each rollup table: when a table reaches 2×MaxRollups rows, it keeps
	// the MaxRollups/2 with the most connections and the MaxRollups/2 with
	// the most problems (fallbacks, errors, unknown) and folds the others
	// into its "other" counts (Report.Limits says so).
	MaxRollups = 1000
	// maxRollupDetail bounds the variant and reason names per rollup row.
	maxRollupDetail = 16
	// MaxFallbackGroups bounds the distinct fallback causes (outcome,
	// reason, code, side); further causes are counted as one "other" group.
	MaxFallbackGroups = 256
	// maxObservedCodes bounds the distinct CLC codes counted for the kernel
	// counter correlation (wire values: a damaged capture may hold any).
	maxObservedCodes = 1024
)

// rollTable is a bounded rollup table: the rows in one slice, found
// through an open-addressing index of their key hashes (linear probing, at
// most half full). A Go map of rows keyed by the 56-byte rollKey (hashed
// and compared field by field), and then by its hash with rows chained and
// allocated one by one, cost a tenth of the CPU on a million handshakes
// among 4,096 peer pairs, where almost every connection brings a new pair:
// the index and the rows are now contiguous, and compaction moves rows
// within the slice instead of rebuilding a map.
type rollTable struct {
	peers bool      // keys are peer pairs ("client → server"), else services
	rows  []rollAcc // rows[:n] are the table's; the others are folded rows kept for their slices
	n     int
	// idx holds, by hash slot, the row index + 1 in the low 32 bits (0:
	// free) and the high 32 bits of the row's slotHash above them, so that
	// a probe passes other rows without reading them (each row read is a
	// cache miss when the table is large); len a power of two ≥ 2n.
	idx []uint64
	// foldedRows counts the rows folded away, foldedConns their connections.
	foldedRows, foldedConns int
	// distinct estimates how many keys there were in all (the fixed hash
	// of each new row's key: the same estimate run after run), which the
	// report gives when rows were folded: foldedRows counts a key folded,
	// seen again and folded again each time.
	distinct hll.Sketch
	otherOut [5]int
	sel      []selectk.Key // compact's scratch
	kept     []bool        // compact's scratch
}

func newRollTable(peers bool) rollTable {
	return rollTable{peers: peers}
}

// get returns key's row, adding it. The pointer is valid until the next get.
func (rt *rollTable) get(key rollKey) *rollAcc { return rt.getHashed(key, key.slotHash()) }

// prefetch asks for the index slot of slotHash h and for the row a new key
// would take, ahead of getHashed(key, h). With thousands of peer pairs
// almost every connection brings a new key: its probe reads an index slot
// and its new row writes one that the capture streamed through the caches
// has evicted since the table last touched it (perf on a million
// handshakes: a third of get's time on the first probe's load).
func (rt *rollTable) prefetch(h uint64) {
	if mask := len(rt.idx) - 1; mask >= 0 {
		prefetch.Addr((*byte)(unsafe.Pointer(&rt.idx[int(h)&mask])), 8)
	}
	if rt.n < len(rt.rows) {
		prefetch.AddrW((*byte)(unsafe.Pointer(&rt.rows[rt.n])), int(unsafe.Sizeof(rollAcc{})))
	}
}

// getHashed is get for a key whose slotHash is h.
func (rt *rollTable) getHashed(key rollKey, h uint64) *rollAcc {
	if mask := len(rt.idx) - 1; mask >= 0 {
		tag := h >> 32 << 32
		for i := int(h) & mask; rt.idx[i] != 0; i = (i + 1) & mask {
			if e := rt.idx[i]; e&^0xffffffff == tag {
				if a := &rt.rows[uint32(e)-1]; a.slot == h && a.key.eq(&key) {
					return a
				}
			}
		}
	}
	if rt.n >= 2*MaxRollups {
		rt.compact()
	}
	if 2*(rt.n+1) > len(rt.idx) {
		rt.reindex(max(16, 2*len(rt.idx)))
	}
	if rt.n == len(rt.rows) {
		rt.rows = append(rt.rows, rollAcc{})
	}
	a := &rt.rows[rt.n]
	*a = rollAcc{key: key, hash: key.hash(), slot: h, name: a.name[:0], vars: a.vars[:0], reasons: a.reasons[:0]}
	// every key has had a row, so the sketch sees every distinct key (a
	// key folded and seen again is added again, which it ignores)
	rt.distinct.Add(a.hash)
	rt.n++
	rt.place(h, rt.n)
	return a
}

// place puts row index+1 j, tagged with h's high bits, at h's first free
// slot.
func (rt *rollTable) place(h uint64, j int) {
	mask := len(rt.idx) - 1
	i := int(h) & mask
	for rt.idx[i] != 0 {
		i = (i + 1) & mask
	}
	rt.idx[i] = h>>32<<32 | uint64(uint32(j))
}

// reindex rebuilds the index with size slots (a power of two).
func (rt *rollTable) reindex(size int) {
	if len(rt.idx) == size {
		clear(rt.idx)
	} else {
		rt.idx = make([]uint64, size)
	}
	for j := range rt.n {
		rt.place(rt.rows[j].slot, j+1)
	}
}

// text returns a's key as the report prints it: "addr:port" for a
// service, "client → server" for a peer pair.
func (rt *rollTable) text(a *rollAcc) []byte {
	if !a.named {
		if rt.peers {
			a.name = a.key.a.AppendTo(a.name[:0])
			a.name = append(a.name, " → "...)
			a.name = a.key.b.AppendTo(a.name)
		} else {
			a.name = netip.AddrPortFrom(a.key.a, a.key.port).AppendTo(a.name[:0])
		}
		a.named = true
	}
	return a.name
}

// cmpRollKey orders keys by their addresses (netip.Addr.Compare), then port.
func cmpRollKey(x, y rollKey) int {
	if c := x.a.Compare(y.a); c != 0 {
		return c
	}
	if c := x.b.Compare(y.b); c != 0 {
		return c
	}
	return int(x.port) - int(y.port)
}

// compact keeps the MaxRollups/2 rows with the most connections and the
// MaxRollups/2 with the most problems, folding the others. It selects
// (linear time on average) rather than sorts: the rows kept are the same
// as with a full sort by the same total orders. Ties are broken by a
// fixed hash of the key (deterministic, and it spreads the rows kept over
// the address space), then by address order (cmpRollKey, for keys sharing
// a hash), not by the keys' text: formatting it for every new row was most
// of the compaction's cost when many rows tie, as with thousands of peer
// pairs of one connection each. The orders are read once into
// selectk.Keys (compared inline: with a comparison function per pair, the
// selection was two thirds of the compaction on a million handshakes
// among 32,768 peer pairs). The rows kept move to the front of the slice
// (the folded ones swap behind them, keeping their slices for the rows
// that reuse them) and the index is rebuilt.
func (rt *rollTable) compact() {
	sel := rt.sel[:0]
	for i := range rt.n {
		a := &rt.rows[i]
		// Most connections first (the complement orders descending),
		// then the smaller hash.
		sel = append(sel, selectk.Key{K: [3]uint64{^uint64(a.total), a.hash}, I: i})
	}
	tie := func(i, j int) int { return cmpRollKey(rt.rows[i].key, rt.rows[j].key) }
	k := min(MaxRollups/2, len(sel))
	selectk.FirstKeys(sel, k, tie)
	// The rest by most problems, then as above.
	for j := range sel[k:] {
		x := &sel[k+j]
		x.K = [3]uint64{^uint64(rt.rows[x.I].problems), x.K[0], x.K[1]}
	}
	keep := min(MaxRollups, len(sel))
	selectk.FirstKeys(sel[k:], keep-k, tie)
	kept := rt.kept
	if cap(kept) < rt.n {
		kept = make([]bool, rt.n)
	} else {
		kept = kept[:rt.n]
		clear(kept)
	}
	for _, x := range sel[:keep] {
		kept[x.I] = true
	}
	w := 0
	for i := range rt.n {
		if !kept[i] {
			a := &rt.rows[i]
			rt.foldedRows++
			rt.foldedConns += a.total
			for o, n := range a.out {
				rt.otherOut[o] += n
			}
			continue
		}
		if i != w {
			rt.rows[w], rt.rows[i] = rt.rows[i], rt.rows[w]
		}
		w++
	}
	rt.n = w
	rt.sel, rt.kept = sel[:0], kept[:0]
	rt.reindex(len(rt.idx))
}

func NewAggregate() *Aggregate {
	return &Aggregate{
		groups:   map[fbKey]*FallbackGroup{},
		services: newRollTable(false), peers: newRollTable(true),
		obs: correlate.SMCObserved{
			FallbacksByCode: map[correlate.Code]correlate.SideCounts{},
			Declines:        map[correlate.Code]correlate.SideCounts{},
		},
	}
}

func addSide(m map[correlate.Code]correlate.SideCounts, code uint32, side string) {
	sc := m[code]
	if side == "client" {
		sc.Client++
	} else {
		sc.Server++
	}
	m[code] = sc
}

// widenSMCWindow widens the window of SMC handshakes to c's first packet
// and its last handshake step. The latest step is found by comparing
// seconds and nanoseconds in place, not with time.Time.After (a call per
// step, which the compiler does not inline: a fifth of the aggregate's
// instructions per connection); for packet timestamps, which carry no
// monotonic clock reading, the two compare the same.
//
// The window's own bounds are kept as seconds and nanoseconds too (winS,
// winN), and the steps are compared one by one rather than collected into
// an array first: 245 instructions per connection became 113 (callgrind).
func (g *Aggregate) widenSMCWindow(c *smcflow.Conn) {
	t := &c.Times
	if t.First.IsZero() {
		return
	}
	fs, fn := t.First.Unix(), t.First.Nanosecond()
	last, ls, ln := &t.First, fs, fn
	later := func(m *time.Time) {
		if m != nil {
			if s, n := m.Unix(), m.Nanosecond(); s > ls || s == ls && n > ln {
				last, ls, ln = m, s, n
			}
		}
	}
	later(t.SYNACK)
	later(t.Proposal)
	later(t.Accept)
	later(t.Confirm)
	later(t.Decline)
	if c.Outcome == smcflow.OutcomeHandshakeError {
		later(t.End)
		later(&t.Last)
	}
	if g.smcWindow[0].IsZero() || fs < g.winS[0] || fs == g.winS[0] && fn < g.winN[0] {
		g.smcWindow[0], g.winS[0], g.winN[0] = t.First, fs, fn
	}
	if g.smcWindow[1].IsZero() || ls > g.winS[1] || ls == g.winS[1] && ln > g.winN[1] {
		g.smcWindow[1], g.winS[1], g.winN[1] = *last, ls, ln
	}
}

// add records one finished connection.
func (g *Aggregate) Add(c *smcflow.Conn) {
	if i := outcomeIndex(c.Outcome); outcomeOrder[i] == c.Outcome {
		g.outcomes[i]++
	}
	if c.Outcome == smcflow.OutcomeNotSMC {
		return
	}
	// The rollup keys first: their rows' memory is asked for now and read
	// after the work below (rollTable.prefetch).
	sk, pk := rollKey{a: c.Server.Addr(), port: c.Server.Port()}, rollKey{a: c.Client.Addr(), b: c.Server.Addr()}
	sh, ph := sk.slotHash(), pk.slotHash()
	g.services.prefetch(sh)
	g.peers.prefetch(ph)
	if c.SYNOption != nil && *c.SYNOption || c.Times.Proposal != nil || c.Decline != nil {
		g.smcAttempts++
		g.widenSMCWindow(c)
	}
	if c.SMC != nil && c.Outcome == smcflow.OutcomeSMC {
		g.variants = countName(g.variants, c.SMC.Variant)
	}
	if c.Outcome == smcflow.OutcomeUnknown && c.Reason != "" {
		g.unknown = bump(g.unknown, c.Reason)
	}
	if len(g.obs.FallbacksByCode) < maxObservedCodes && len(g.obs.Declines) < maxObservedCodes {
		ObserveSMC(&g.obs, c)
	} else {
		obs := correlate.SMCObserved{FallbacksByCode: map[correlate.Code]correlate.SideCounts{}, Declines: map[correlate.Code]correlate.SideCounts{}}
		ObserveSMC(&obs, c)
		g.obs.HandshakeErrors += obs.HandshakeErrors
		for code, sc := range obs.FallbacksByCode {
			if _, ok := g.obs.FallbacksByCode[code]; ok {
				x := g.obs.FallbacksByCode[code]
				x.Client += sc.Client
				x.Server += sc.Server
				g.obs.FallbacksByCode[code] = x
			} else {
				g.otherCodes++
			}
		}
		for code, sc := range obs.Declines {
			if x, ok := g.obs.Declines[code]; ok {
				x.Client += sc.Client
				x.Server += sc.Server
				g.obs.Declines[code] = x
			}
		}
	}
	if c.Outcome == smcflow.OutcomeFallback || c.Outcome == smcflow.OutcomeHandshakeError {
		k := fbKey{o: c.Outcome, reason: c.Reason}
		fg := FallbackGroup{Outcome: c.Outcome, Reason: c.Reason}
		switch {
		case c.Decline != nil:
			k.code, k.by, k.name = c.Decline.Code, c.Decline.By, c.Decline.Name
			fg.Code, fg.By, fg.Name, fg.Meaning, fg.Remedy = c.Decline.Code, c.Decline.By, c.Decline.Name, c.Decline.Meaning, c.Decline.Remedy
		case c.Reason == smcflow.ReasonPeerNoSMC:
			code := smcflow.PeerNoSMC()
			k.code, k.by = code.Code, "client"
			fg.Code, fg.By, fg.Name, fg.Meaning, fg.Remedy = code.Code, "client", code.Name, code.Meaning, code.Remedy
		default:
			fg.Meaning, fg.Remedy = smcflow.ReasonText(c.Reason)
		}
		switch {
		case g.groups[k] != nil:
			g.groups[k].Count++
		case len(g.groups) >= MaxFallbackGroups:
			g.otherGroups++
		default:
			fg.Connections = []int{}
			fg.Count = 1
			g.groups[k] = &fg
		}
	}
	var reason string
	if c.Outcome == smcflow.OutcomeFallback || c.Outcome == smcflow.OutcomeHandshakeError {
		reason = c.Reason
		if c.Decline != nil {
			reason = c.Decline.Code + " " + smcflow.ShortName(c.Decline.Name) + " by " + c.Decline.By
		} else if c.Reason == smcflow.ReasonPeerNoSMC {
			reason = "0x03010000 PEERNOSMC"
		}
	}
	roll := func(rt *rollTable, key rollKey, h uint64) {
		a := rt.getHashed(key, h)
		a.total++
		a.out[outcomeIndex(c.Outcome)]++
		if c.Outcome != smcflow.OutcomeSMC {
			a.problems++
		}
		if c.Outcome == smcflow.OutcomeSMC && c.SMC != nil {
			a.vars = bump(a.vars, c.SMC.Variant)
		}
		if reason != "" {
			a.reasons = bump(a.reasons, reason)
		}
	}
	roll(&g.services, sk, sh)
	roll(&g.peers, pk, ph)
}

// ObserveSMC adds what each side's kernel counts for the finished
// connection c (docs/smc-protocol.md 7.4) to obs, for correlation with the
// kernel's SMC counters (correlate.SMC): the analysis of files and the live
// monitor (analyze/monitor, per stats interval) count the same way. The maps
// of obs must be allocated; obs.Window is left to the caller.
func ObserveSMC(obs *correlate.SMCObserved, c *smcflow.Conn) {
	switch {
	case c.Outcome == smcflow.OutcomeNotSMC:
	case c.Outcome == smcflow.OutcomeHandshakeError:
		obs.HandshakeErrors++
	case c.Reason == smcflow.ReasonPeerNoSMC:
		addSide(obs.FallbacksByCode, 0x03010000, "client")
	case c.Decline != nil:
		if code, err := smcproto.ParseCode(c.Decline.Code); err == nil {
			other := "server"
			if c.Decline.By == "server" {
				other = "client"
			}
			addSide(obs.Declines, uint32(code), c.Decline.By)
			addSide(obs.FallbacksByCode, uint32(code), c.Decline.By)
			addSide(obs.FallbacksByCode, 0x05000000, other)
		}
	}
}

// Listed records the ID of a listed connection (smcflow.Tracker.OnListed)
// in its fallback group, which lists the first 100.
func (g *Aggregate) Listed(c *smcflow.Conn) {
	if c.Outcome != smcflow.OutcomeFallback && c.Outcome != smcflow.OutcomeHandshakeError {
		return
	}
	k := fbKey{o: c.Outcome, reason: c.Reason}
	switch {
	case c.Decline != nil:
		k.code, k.by, k.name = c.Decline.Code, c.Decline.By, c.Decline.Name
	case c.Reason == smcflow.ReasonPeerNoSMC:
		k.code, k.by = smcflow.PeerNoSMC().Code, "client"
	}
	if fg := g.groups[k]; fg != nil && len(fg.Connections) < 100 {
		fg.Connections = append(fg.Connections, c.ID)
	}
}

// fallbackGroups returns the groups, largest first, listing the IDs of the
// listed connections of each (at most 100).
func (g *Aggregate) fallbackGroups() []FallbackGroup {
	out := make([]FallbackGroup, 0, len(g.groups))
	for _, fg := range g.groups {
		out = append(out, *fg)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Outcome != b.Outcome {
			return a.Outcome < b.Outcome
		}
		if a.Reason != b.Reason {
			return a.Reason < b.Reason
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.By != b.By {
			return a.By < b.By
		}
		return a.Name < b.Name
	})
	return out
}

func rollups(rt *rollTable) []Rollup {
	if rt.n > MaxRollups {
		rt.compact()
	}
	// Most connections first, then by address (numerically, as
	// cmpRollKey orders them: 10.0.0.2 before 10.0.0.10), then by text
	// (keys that differ only in how an address is written).
	rows := make([]*rollAcc, 0, rt.n)
	for i := range rt.n {
		rows = append(rows, &rt.rows[i])
	}
	slices.SortFunc(rows, func(a, b *rollAcc) int {
		if a.total != b.total {
			return cmp.Compare(b.total, a.total)
		}
		if c := cmpRollKey(a.key, b.key); c != 0 {
			return c
		}
		return bytes.Compare(rt.text(a), rt.text(b))
	})
	out := make([]Rollup, 0, rt.n)
	for _, a := range rows {
		out = append(out, Rollup{Key: string(rt.text(a)), Total: a.total, Outcomes: outcomeArr(a.out), Variants: sortedCounts(a.vars), Reasons: sortedCounts(a.reasons)})
	}
	return out
}

// Fill sets the report's counts, fallback groups and rollups, which cover
// every connection added (Add); the groups list the IDs of the connections
// listed (Listed).
func (g *Aggregate) Fill(r *Report) {
	r.Summary.PlainTCP = g.outcomes[outcomeIndex(smcflow.OutcomeNotSMC)]
	r.Summary.SMCAttempts = g.smcAttempts
	r.Summary.ByOutcome = outcomeCounts(&g.outcomes)
	r.Summary.ByVariant = sortedCounts(g.variants)
	if len(g.unknown) > 0 {
		r.Summary.UnknownByReason = sortedCounts(g.unknown)
	}
	r.Fallbacks = g.fallbackGroups()
	r.Services = rollups(&g.services)
	r.PeerPairs = rollups(&g.peers)
	if g.otherGroups > 0 {
		r.Limits = append(r.Limits, Limit{Name: "fallback-groups", Value: MaxFallbackGroups, Count: g.otherGroups,
			Meaning: fmt.Sprintf("more than %d distinct fallback causes: %d connections with further causes are counted in the summary but in no cause group", MaxFallbackGroups, g.otherGroups)})
	}
	for _, x := range []struct {
		name, what string
		rt         *rollTable
	}{{"services", "services", &g.services}, {"peer-pairs", "peer pairs", &g.peers}} {
		if x.rt.foldedRows > 0 {
			// at least one more than the rollup keeps
			est := max(x.rt.distinct.Estimate(), x.rt.n+1)
			r.Limits = append(r.Limits, Limit{Name: x.name, Value: MaxRollups, Count: x.rt.foldedConns, Estimate: est,
				Meaning: fmt.Sprintf("more than %d %s (about %s in all, estimated): the rollup keeps those with the most connections and with the most problems; %d connections of the others are counted in the summary but not in the rollup (%s)", MaxRollups, x.what, about(est), x.rt.foldedConns, outcomeText(x.rt.otherOut))})
		}
	}
	if g.otherCodes > 0 {
		r.Limits = append(r.Limits, Limit{Name: "observed-codes", Value: maxObservedCodes, Count: g.otherCodes,
			Meaning: fmt.Sprintf("more than %d distinct CLC codes: %d fallbacks with further codes are not correlated with the kernel counters", maxObservedCodes, g.otherCodes)})
	}
}

// about writes an estimate to three significant digits (32768: "32800").
func about(n int) string { return strconv.Itoa(hll.Round(n)) }

func outcomeArr(a [5]int) []Count {
	out := []Count{}
	for i, o := range outcomeOrder {
		if a[i] > 0 {
			out = append(out, Count{string(o), a[i]})
		}
	}
	return out
}

func outcomeText(a [5]int) string { return countsText(outcomeArr(a)) }

func sortedCounts(cs []Count) []Count {
	out := append([]Count{}, cs...)
	SortCounts(out)
	return out
}

// Observed returns what each side's kernel would have counted for the SMC
// handshakes added (for the counter correlation), with their time window
// (zero when no handshake was seen).
func (g *Aggregate) Observed() correlate.SMCObserved {
	obs := g.obs
	obs.Window = g.smcWindow
	return obs
}

// SMCAttempts counts the connections that attempted SMC.
func (g *Aggregate) SMCAttempts() int { return g.smcAttempts }

// TrackerLimits returns the connection tracker's bounds that were reached.
func TrackerLimits(tc smcflow.Counts) []Limit {
	var out []Limit
	if tc.Evicted > 0 {
		out = append(out, Limit{Name: "open-connections", Value: tc.MaxOpen, Count: tc.Evicted,
			Meaning: fmt.Sprintf("more than %d TCP connections were open at once: %d were finished early, %d of them SYNs unanswered for a second (the first chosen; then plain TCP, then resolved SMC handshakes, then the rest, least recently active first), each judged as if the capture ended then, and their later packets not counted; a SYN flood or port scan, or a capture of very many concurrent connections", tc.MaxOpen, tc.Evicted, tc.EvictedUnanswered)})
	}
	if tc.TombstonesEvicted > 0 {
		out = append(out, Limit{Name: "finished-tuples", Value: smcflow.MaxTombstones, Count: tc.TombstonesEvicted,
			Meaning: fmt.Sprintf("the last %d finished 4-tuples are remembered for 2 minutes to absorb their late segments; %d older ones were forgotten sooner, so a late segment of one of them would count as a connection without handshake", smcflow.MaxTombstones, tc.TombstonesEvicted)})
	}
	if tc.ReassemblyRefused > 0 {
		out = append(out, Limit{Name: "reassembly", Value: decode.MaxPendingTotal, Count: tc.ReassemblyRefused,
			Meaning: fmt.Sprintf("the out-of-order TCP segments held until the bytes before them arrive are at most %d MiB for all connections together; %d segments were not kept, and the handshakes they belonged to are judged unknown/incomplete", decode.MaxPendingTotal>>20, tc.ReassemblyRefused)})
	}
	return out
}
