package mcast

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Group membership: the IGMP (RFC 2236, RFC 3376) and MLD (RFC 2710, RFC
// 3810) messages a capture holds say which hosts asked for a group and
// when, when they left, and whether a router queried the segment. A gap
// that starts right after a host left the group, or long after the last
// report on a segment nobody queries, is explained by membership, not by
// the network losing datagrams (docs/multicast-udp.md §7).

// MembershipKind is what an IGMP or MLD message says about a group.
type MembershipKind uint8

const (
	// MemberReport: a host reports it wants the group (IGMPv1/v2 report,
	// IGMPv3 or MLDv2 record is_ex or to_ex, is_in, allow or to_in with
	// sources, MLDv1 report).
	MemberReport MembershipKind = iota
	// MemberLeave: a host leaves the group (IGMPv2 leave, MLDv1 done,
	// IGMPv3 or MLDv2 record to_in without sources). Leaving some sources
	// (block, to_in or to_ex with sources) is not one: SourceRecord
	// follows those, per source.
	MemberLeave
	// MemberQuery: a router asks; Group invalid for a general query.
	MemberQuery
)

// Membership bounds: groups followed, hosts named per group, queriers
// named, and the leaves and reports per group looked back over for a gap.
const (
	maxMemberGroups = 1024
	maxMemberHosts  = 8
	maxQueriers     = 8
	memberLogLen    = 32
	// maxRecordSources: the sources of one IGMPv3/MLDv2 group record
	// kept; a record with more says only that the sources kept are in
	// its list (SourceRecord).
	maxRecordSources = 16
)

// leaveWindow: a gap that starts at most this long after a leave of its
// group is annotated with the leave, unless a report of the group came in
// between. A snooping switch or router stops forwarding a group within the
// last member query time after a leave (RFC 3376 §8.9, §8.10: 2 × 1 s by
// default). leaveLate: a leave up to this long after the gap's start still
// counts (the last datagram before the gap may precede the leave by a
// packet interval); a later leave is more likely the gap's consequence
// (an application rejoining because data stopped) than its cause.
const (
	leaveWindow = 10 * time.Second
	leaveLate   = time.Second
)

// membershipInterval is the default group membership interval (RFC 3376
// §8.4, RFC 3810 §9.4: robustness 2 × query interval 125 s + query
// response interval 10 s): a membership not refreshed for this long is
// forgotten by routers and snooping switches.
const membershipInterval = 260 * time.Second

type memberEvent struct {
	t     int64
	frame int
	host  netip.Addr
	what  string // "IGMPv2 leave", "MLDv2 to_in {}", ...
	// srcs: a report that names sources (a group record with a source
	// list), not one for every source of the group
	srcs bool
	// cancel: for a leave or a record that stops sources, the time of the
	// first report for every source of the group after it (0: none yet),
	// noted as reports come, so that it outlives the report log
	cancel int64
}

// sourceRecord is an IGMPv3 or MLDv2 group record with sources (RFC 3376
// §4.2.12, RFC 3810 §5.2.12): its type, the sources kept, and whether
// those are all of its list.
type sourceRecord struct {
	ev       memberEvent
	typ      byte
	srcs     [maxRecordSources]netip.Addr
	n        int
	complete bool
	// ignored: a block or to_ex while an IGMPv1/v2 or MLDv1 host is
	// present (a report of those in the last 260 s): routers then ignore
	// block and take to_ex as to_ex {} (RFC 3376 §7.3.2, RFC 3810 §8.3.2)
	ignored bool
}

func (r *sourceRecord) lists(s netip.Addr) bool { return slices.Contains(r.srcs[:r.n], s) }

// leaves reports whether the record is a change that stops source s (a
// current-state record, is_in or is_ex, changes nothing): block listing s,
// to_ex listing s, to_in whose whole list was kept and does not list it;
// not a record routers ignore.
func (r *sourceRecord) leaves(s netip.Addr) bool {
	switch {
	case r.ignored:
		return false
	case r.typ == 6, r.typ == 4:
		return r.lists(s)
	case r.typ == 3:
		return r.complete && !r.lists(s)
	}
	return false
}

// mayWant reports whether the record may ask for source s: is_in, to_in
// or allow listing it (or with a list not all kept), is_ex or to_ex not
// listing it. Undecided lists count as asking: a cause is named only when
// nothing may have undone it.
func (r *sourceRecord) mayWant(s netip.Addr) bool {
	if r.ignored && r.typ == 4 {
		return true // routers take it as to_ex {}: every source
	}
	switch r.typ {
	case 1, 3, 5:
		return r.lists(s) || !r.complete
	case 2, 4:
		return !r.lists(s)
	}
	return false
}

// sourceLogs are a group's last records with sources: the changes (to_in,
// to_ex, allow, block) apart from the current-state answers to queries
// (is_in, is_ex), so that periodic answers do not push out the changes.
type sourceLogs struct {
	changes, states   [memberLogLen]sourceRecord
	nChanges, nStates int
}

// covers reports whether the records kept include every record after ev:
// neither log has dropped one since.
func (l *sourceLogs) covers(ev *memberEvent) bool {
	if l == nil {
		return true
	}
	if l.nChanges > memberLogLen && later(&l.changes[l.nChanges%memberLogLen].ev, ev) {
		return false
	}
	return l.nStates <= memberLogLen || !later(&l.states[l.nStates%memberLogLen].ev, ev)
}

// later reports whether a came after b in the capture: a later time, or
// the same time and a later frame.
func later(a, b *memberEvent) bool {
	return a.t > b.t || a.t == b.t && a.frame > b.frame
}

// each calls f with every record kept, changes and states.
func (l *sourceLogs) each(f func(*sourceRecord)) {
	if l == nil {
		return
	}
	for i := max(0, l.nChanges-memberLogLen); i < l.nChanges; i++ {
		f(&l.changes[i%memberLogLen])
	}
	for i := max(0, l.nStates-memberLogLen); i < l.nStates; i++ {
		f(&l.states[i%memberLogLen])
	}
}

type groupMembers struct {
	reports, leaves, queries uint64
	firstReport, lastReport  memberEvent
	lastLeave                memberEvent
	hosts                    []netip.Addr
	hostsMore                bool
	leaveLog, reportLog      [memberLogLen]memberEvent
	nLeaveLog, nReportLog    int         // entries written (ring)
	src                      *sourceLogs // with the group's first record with sources
	lastOld                  int64       // time of the last IGMPv1/v2 or MLDv1 report
}

// groupKey is a group on one link: memberships are per link (interface
// and VLAN as captured).
type groupKey struct {
	group netip.Addr
	vlan  uint16
	ifc   int
}

type membership struct {
	groups        map[groupKey]*groupMembers
	groupsOmitted uint64        // messages about groups beyond maxMemberGroups
	linkLocal     uint64        // messages about link-local groups (not followed)
	q             [2]queryStats // general queries: IGMP, MLD
	reports       [2]uint64     // reports about IPv4, IPv6 groups
	first, last   int64         // times of the first and last message
}

// queryStats follows the general queries of one family.
type queryStats struct {
	n           uint64
	queriers    []netip.Addr
	first, last memberEvent
	maxGap      int64
}

func family(a netip.Addr) int {
	if a.Is4() || a.Is4In6() {
		return 0
	}
	return 1
}

// Membership records an IGMP or MLD message: kind, the group (invalid for
// a general query), the host or router that sent it, what it is ("IGMPv3
// to_ex", ...), the VLAN and interface it was captured on, its time and
// frame. A report or leave of an address that is not a multicast group is
// not counted.
func (t *Tracker) Membership(kind MembershipKind, group, host netip.Addr, what string, vlan uint16, ifc int, ts time.Time, frame int) {
	t.member(kind, true, group, host, what, vlan, ifc, ts, frame, false)
}

// member is Membership; counted false records only the host and time (a
// record that says nothing about the group as a whole); srcs marks a
// report that names sources. It returns the group's state (nil: not
// followed).
func (t *Tracker) member(kind MembershipKind, counted bool, group, host netip.Addr, what string, vlan uint16, ifc int, ts time.Time, frame int, srcs bool) *groupMembers {
	m := &t.members
	ns := ts.UnixNano()
	if m.first == 0 || ns < m.first {
		m.first = ns
	}
	m.last = max(m.last, ns)
	ev := memberEvent{t: ns, frame: frame, host: host, what: what}
	if kind == MemberQuery {
		q := &m.q[family(host)]
		if !slices.Contains(q.queriers, host) && len(q.queriers) < maxQueriers {
			q.queriers = append(q.queriers, host)
		}
		if !group.IsValid() || group.IsUnspecified() {
			if q.n == 0 {
				q.first = ev
			} else {
				q.maxGap = max(q.maxGap, ns-q.last.t)
			}
			q.n++
			q.last = ev
			return nil
		}
	}
	g := m.group(group, vlan, ifc)
	if g == nil {
		return nil
	}
	ev.srcs = srcs
	switch {
	case !counted:
	case kind == MemberQuery:
		g.queries++
		return g
	case kind == MemberReport:
		m.reports[family(group)]++
		if g.reports == 0 {
			g.firstReport = ev
		}
		g.reports++
		g.lastReport = ev
		g.reportLog[g.nReportLog%memberLogLen] = ev
		g.nReportLog++
		if !srcs {
			g.cancelBefore(ns, frame)
			if strings.HasPrefix(what, "IGMPv1 ") || strings.HasPrefix(what, "IGMPv2 ") || strings.HasPrefix(what, "MLDv1 ") {
				g.lastOld = ns
			}
		}
	case kind == MemberLeave:
		g.leaves++
		g.lastLeave = ev
		g.leaveLog[g.nLeaveLog%memberLogLen] = ev
		g.nLeaveLog++
	}
	if !slices.Contains(g.hosts, host) {
		if len(g.hosts) < maxMemberHosts {
			g.hosts = append(g.hosts, host)
		} else {
			g.hostsMore = true
		}
	}
	return g
}

// cancelBefore notes a report for every source of the group at ns (frame)
// on the leaves and source-stopping records before it not yet undone.
func (g *groupMembers) cancelBefore(ns int64, frame int) {
	r := memberEvent{t: ns, frame: frame}
	note := func(e *memberEvent) {
		if later(&r, e) && (e.cancel == 0 || ns < e.cancel) {
			e.cancel = ns
		}
	}
	for i := max(0, g.nLeaveLog-memberLogLen); i < g.nLeaveLog; i++ {
		note(&g.leaveLog[i%memberLogLen])
	}
	if g.src == nil {
		return
	}
	for i := max(0, g.src.nChanges-memberLogLen); i < g.src.nChanges; i++ {
		note(&g.src.changes[i%memberLogLen].ev)
	}
}

// group returns the group's state on a link, created on first use; nil for
// what is not followed: not a group (MLD about an IPv4-mapped address
// neither), a link-local group (224.0.0.0/24, ffx2::/16, ffx1::/16: never
// routed, not a feed; counted), a group beyond maxMemberGroups (counted).
func (m *membership) group(group netip.Addr, vlan uint16, ifc int) *groupMembers {
	if !group.IsMulticast() || group.Is4In6() {
		return nil
	}
	if group.IsLinkLocalMulticast() || group.IsInterfaceLocalMulticast() {
		m.linkLocal++
		return nil
	}
	k := groupKey{group, vlan, ifc}
	g := m.groups[k]
	if g == nil {
		if len(m.groups) >= maxMemberGroups {
			m.groupsOmitted++
			return nil
		}
		if m.groups == nil {
			m.groups = make(map[groupKey]*groupMembers)
		}
		g = &groupMembers{}
		m.groups[k] = g
	}
	return g
}

// SourceRecord records an IGMPv3 or MLDv2 group record with sources: what
// it says about the group as a whole (kind, when counted: a report for
// is_in, is_ex, to_in, to_ex, allow; block says nothing about the group),
// its type (RFC 3376 §4.2.12: 1 is_in, 2 is_ex, 3 to_in, 4 to_ex, 5 allow,
// 6 block), the group, the host that sent it, the sources captured of its
// list (at most maxRecordSources are kept), whether those are its whole
// list, what it is ("IGMPv3 block"), the link, time and frame. The sources
// are kept for the gaps of a stream from one of them.
func (t *Tracker) SourceRecord(kind MembershipKind, counted bool, typ byte, group, host netip.Addr, srcs []netip.Addr, complete bool, what string, vlan uint16, ifc int, ts time.Time, frame int) {
	g := t.member(kind, counted, group, host, what, vlan, ifc, ts, frame, true)
	if g == nil || typ < 1 || typ > 6 {
		return
	}
	if g.src == nil {
		g.src = &sourceLogs{}
	}
	ns := ts.UnixNano()
	var r *sourceRecord
	if typ <= 2 {
		r = &g.src.states[g.src.nStates%memberLogLen]
		g.src.nStates++
	} else {
		r = &g.src.changes[g.src.nChanges%memberLogLen]
		g.src.nChanges++
	}
	*r = sourceRecord{ev: memberEvent{t: ns, frame: frame, host: host, what: what, srcs: true}, typ: typ,
		complete: complete && len(srcs) <= maxRecordSources,
		ignored:  (typ == 4 || typ == 6) && g.lastOld != 0 && ns-g.lastOld <= int64(membershipInterval)}
	r.n = copy(r.srcs[:], srcs)
	for i := range r.n {
		r.srcs[i] = r.srcs[i].Unmap()
	}
}

// MembershipReport is what the capture's IGMP and MLD messages say.
type MembershipReport struct {
	Groups        []GroupMembership `json:"groups"`                   // by group address
	GroupsOmitted uint64            `json:"groups_omitted,omitempty"` // messages about groups beyond the first 1,024 (not listed)
	LinkLocal     uint64            `json:"link_local,omitempty"`     // messages about link-local groups (224.0.0.0/24, ff02::/16: neighbour discovery, routing protocols), not listed
	Queries       []Queries         `json:"queries"`                  // general queries: IGMP, then MLD (those seen)
	Notes         []string          `json:"notes,omitempty"`
}

// Queries are the general queries of one protocol (IGMP or MLD).
type Queries struct {
	Protocol string     `json:"protocol"`            // "IGMP" or "MLD"
	General  uint64     `json:"general"`             // general queries (all groups)
	Queriers []string   `json:"queriers,omitempty"`  // routers that queried, group-specific queries too (at most 8)
	First    *time.Time `json:"first,omitempty"`     // first general query
	Last     *time.Time `json:"last,omitempty"`      // last general query
	MaxGapS  float64    `json:"max_gap_s,omitempty"` // longest time between two general queries
	Reports  uint64     `json:"reports"`             // reports about the protocol's groups (listed ones)
}

// GroupMembership is one group's membership messages.
type GroupMembership struct {
	Group       string     `json:"group"`
	VLAN        uint16     `json:"vlan"`                   // outermost VLAN ID, 0 = none
	Interface   int        `json:"interface"`              // capture interface index
	Reports     uint64     `json:"reports"`                // reports (joins and refreshes)
	Leaves      uint64     `json:"leaves"`                 // leaves of the group (not blocks of sources)
	Queries     uint64     `json:"queries"`                // group-specific queries
	Hosts       []string   `json:"hosts"`                  // hosts that reported or left (at most 8)
	HostsMore   bool       `json:"hosts_more,omitempty"`   // more hosts than listed
	FirstReport *time.Time `json:"first_report,omitempty"` // first report
	LastReport  *time.Time `json:"last_report,omitempty"`  // last report
	LastLeave   *time.Time `json:"last_leave,omitempty"`   // last leave
	LastLeaveBy string     `json:"last_leave_by,omitempty"`
}

func evTime(e memberEvent) *time.Time {
	if e.t == 0 {
		return nil
	}
	x := nsTime(e.t)
	return &x
}

// membershipReport builds the report's membership section, or nil when
// the capture holds no IGMP or MLD message.
func (t *Tracker) membershipReport() *MembershipReport {
	m := &t.members
	// Only link-local housekeeping (neighbour discovery's MLD reports, a
	// router's queries on a segment without feeds) says nothing about a
	// feed: no section then.
	if len(m.groups) == 0 && m.groupsOmitted == 0 && (m.q[0].n+m.q[1].n == 0 || !t.anyMulticast()) {
		return nil
	}
	r := &MembershipReport{Groups: []GroupMembership{}, GroupsOmitted: m.groupsOmitted, LinkLocal: m.linkLocal, Queries: []Queries{}}
	span := time.Duration(t.spanLast() - t.spanFirst())
	for i, name := range [2]string{"IGMP", "MLD"} {
		q := &m.q[i]
		if q.n == 0 && len(q.queriers) == 0 && m.reports[i] == 0 {
			continue
		}
		x := Queries{Protocol: name, General: q.n, First: evTime(q.first), Last: evTime(q.last), MaxGapS: float64(q.maxGap) / 1e9, Reports: m.reports[i]}
		for _, a := range q.queriers {
			x.Queriers = append(x.Queriers, a.String())
		}
		r.Queries = append(r.Queries, x)
		if m.reports[i] > 0 && q.n == 0 && span >= membershipInterval {
			r.Notes = append(r.Notes, fmt.Sprintf("no %s general query in %.0f s of capture although hosts report memberships: no querier on this segment? "+
				"Routers and snooping switches forget a membership not refreshed for %.0f s (RFC 3376 §8.4, RFC 3810 §9.4) and then stop forwarding the group; hosts refresh only when queried",
				name, span.Seconds(), membershipInterval.Seconds()))
		}
		if q.n > 1 && time.Duration(q.maxGap) > membershipInterval {
			r.Notes = append(r.Notes, fmt.Sprintf("%.0f s between two %s general queries, more than the %.0f s a membership lasts without one: memberships may have expired in between",
				float64(q.maxGap)/1e9, name, membershipInterval.Seconds()))
		}
	}
	type keyed struct {
		k  groupKey
		gm GroupMembership
	}
	var gs []keyed
	for k, g := range m.groups {
		gm := GroupMembership{Group: k.group.String(), VLAN: k.vlan, Interface: k.ifc, Reports: g.reports, Leaves: g.leaves, Queries: g.queries,
			Hosts: []string{}, HostsMore: g.hostsMore, FirstReport: evTime(g.firstReport), LastReport: evTime(g.lastReport), LastLeave: evTime(g.lastLeave)}
		if g.leaves > 0 {
			gm.LastLeaveBy = g.lastLeave.host.String()
		}
		for _, h := range g.hosts {
			gm.Hosts = append(gm.Hosts, h.String())
		}
		gs = append(gs, keyed{k, gm})
	}
	slices.SortFunc(gs, func(a, b keyed) int {
		if c := a.k.group.Compare(b.k.group); c != 0 {
			return c
		}
		if c := cmp.Compare(a.k.ifc, b.k.ifc); c != 0 {
			return c
		}
		return cmp.Compare(a.k.vlan, b.k.vlan)
	})
	for _, g := range gs {
		r.Groups = append(r.Groups, g.gm)
	}
	return r
}

// anyMulticast reports whether a tracked stream goes to a multicast group.
func (t *Tracker) anyMulticast() bool {
	for _, st := range t.order {
		if st.key.dst.Addr().IsMulticast() {
			return true
		}
	}
	for _, x := range t.fin.kept {
		if x.s.Multicast {
			return true
		}
	}
	return t.fin.omitted.Multicast > 0
}

// spanFirst and spanLast are the times of the first and last message or
// datagram the tracker saw (streams finished early too).
func (t *Tracker) spanFirst() int64 {
	f := t.members.first
	first := func(x int64) {
		if x != 0 && (f == 0 || x < f) {
			f = x
		}
	}
	for _, st := range t.order {
		if st.packets > 0 {
			first(st.firstT)
		}
	}
	for _, x := range t.fin.kept {
		first(x.s.First.UnixNano())
	}
	if o := t.fin.omitted; !o.First.IsZero() {
		first(o.First.UnixNano())
	}
	return f
}

func (t *Tracker) spanLast() int64 {
	l := t.members.last
	for _, st := range t.order {
		l = max(l, st.lastT)
	}
	for _, x := range t.fin.kept {
		l = max(l, x.s.Last.UnixNano())
	}
	if o := t.fin.omitted; !o.Last.IsZero() {
		l = max(l, o.Last.UnixNano())
	}
	return l
}

// gapMembership explains a gap of the stream from src to group k by a
// membership message: the leave or source-stopping record that came last
// before the gap and nothing undid (gapCause), or an expired membership.
func (t *Tracker) gapMembership(k groupKey, src netip.Addr, start, end int64) *GapMembership {
	g := t.members.groups[k]
	if g == nil {
		return nil
	}
	if c := g.gapCause(src, start, end); c != nil {
		return c.text(src, start)
	}
	if t.members.q[family(k.group)].n > 0 {
		return nil // queried: hosts refresh their memberships
	}
	var last *memberEvent
	for i := max(0, g.nReportLog-memberLogLen); i < g.nReportLog; i++ {
		if e := &g.reportLog[i%memberLogLen]; e.t <= start && (last == nil || e.t > last.t) {
			last = e
		}
	}
	if last != nil && start-last.t > int64(membershipInterval) {
		return &GapMembership{Cause: "expired", Host: last.host.String(), Frame: last.frame,
			Text: fmt.Sprintf("last report for the group (%s from %s at frame %d) %.0f s before the gap, and no query in the capture: the membership may have expired (%.0f s without a refresh)",
				last.what, last.host, last.frame, float64(start-last.t)/1e9, membershipInterval.Seconds())}
	}
	return nil
}

// gapCause is a message that may explain a gap: a leave of the group
// (rec nil) or a record that stopped the stream's source.
type gapCause struct {
	ev  *memberEvent
	rec *sourceRecord
}

// gapCause finds the gap's cause among the group's leaves (of the last 32)
// and, when the stream's source is known, its records that stopped that
// source (block or to_ex listing it, to_in without it; of the last 32
// changes), from leaveWindow before the gap to leaveLate into it: the
// latest before the gap that nothing undid before the gap (a report for
// every source, or a record that may ask for the stream's source), or if
// there is none, the first after the gap's start.
func (g *groupMembers) gapCause(src netip.Addr, start, end int64) *gapCause {
	lo, hi := start-int64(leaveWindow), min(end, start+int64(leaveLate))
	var best *gapCause
	consider := func(ev *memberEvent, rec *sourceRecord) {
		if ev.t < lo || ev.t > hi || ev.t <= start && (g.undone(ev, src, start) || !g.src.covers(ev)) {
			// undone, or what might have undone it is no longer kept
			// (more records with sources came after it than the logs
			// hold): not named rather than named wrongly
			return
		}
		if best == nil || closerCause(ev.t, best.ev.t, start) {
			best = &gapCause{ev, rec}
		}
	}
	for i := max(0, g.nLeaveLog-memberLogLen); i < g.nLeaveLog; i++ {
		consider(&g.leaveLog[i%memberLogLen], nil)
	}
	if src.IsValid() && g.src != nil {
		for i := max(0, g.src.nChanges-memberLogLen); i < g.src.nChanges; i++ {
			if r := &g.src.changes[i%memberLogLen]; r.leaves(src) {
				consider(&r.ev, r)
			}
		}
	}
	return best
}

// undone reports whether something after ev and before the gap's start
// undid it: a report for every source of the group (noted as it came), or
// a record with sources that may ask for src (any, when src is unknown).
func (g *groupMembers) undone(ev *memberEvent, src netip.Addr, start int64) bool {
	if ev.cancel != 0 && ev.cancel <= start {
		return true
	}
	undone := false
	g.src.each(func(r *sourceRecord) {
		if later(&r.ev, ev) && r.ev.t <= start && (!src.IsValid() || r.mayWant(src)) {
			undone = true
		}
	})
	return undone
}

// text is the gap's membership line for cause c.
func (c *gapCause) text(src netip.Addr, start int64) *GapMembership {
	when := "before the gap"
	d := start - c.ev.t
	if d < 0 {
		when, d = "after the last datagram before the gap", -d
	}
	if c.rec == nil {
		return &GapMembership{Cause: "leave", Host: c.ev.host.String(), Frame: c.ev.frame,
			Text: fmt.Sprintf("%s from %s at frame %d, %.3f s %s, and no report of the group since: where no member is left, the group is no longer forwarded",
				c.ev.what, c.ev.host, c.ev.frame, float64(d)/1e9, when)}
	}
	r := c.rec
	list := make([]string, r.n)
	for i := range r.n {
		list[i] = r.srcs[i].String()
	}
	if !r.complete {
		list = append(list, "…")
	}
	how := "stops source " + src.String()
	if r.typ == 3 {
		how = "leaves source " + src.String() + " out"
	}
	return &GapMembership{Cause: "source-leave", Host: r.ev.host.String(), Frame: r.ev.frame,
		Text: fmt.Sprintf("%s {%s} from %s at frame %d, %.3f s %s, %s, and nothing asks for that source since: a router or snooping switch that filters by source no longer forwards it there",
			r.ev.what, strings.Join(list, ", "), r.ev.host, r.ev.frame, float64(d)/1e9, when, how)}
}

// closerCause reports whether a message at t is the better cause of a gap
// starting at start than one at than: the latest before the gap, or if
// none, the first after it (a host repeats a state change: RFC 3376
// §8.1's robustness retransmissions come a second or so apart).
func closerCause(t, than, start int64) bool {
	switch {
	case t <= start && than <= start:
		return t > than
	case t <= start:
		return true
	case than <= start:
		return false
	}
	return t < than
}

// gapWhy is a multicast stream's group on its link and its source: what
// its gaps are explained by (gapMembership). A gap is explained when it
// is booked, not at the end of the capture, so that the group's logs
// (the last 32 leaves and records) still hold the messages around it
// however long the capture runs.
type gapWhy struct {
	t   *Tracker
	k   groupKey
	src netip.Addr
}

// why returns the stream's gapWhy, made on first use; nil for a stream
// that does not go to a multicast group.
func (t *Tracker) why(st *stream) *gapWhy {
	if st.why == nil && st.key.dst.Addr().IsMulticast() {
		st.whyV = gapWhy{t: t, k: groupKey{st.key.dst.Addr().Unmap(), st.key.vlan, st.key.ifc}, src: st.key.src.Addr().Unmap()}
		st.why = &st.whyV
	}
	return st.why
}

// explain is the membership message that explains a gap from start to
// end, as far as the messages captured so far tell (nil w: none).
func (w *gapWhy) explain(start, end int64) *GapMembership {
	if w == nil || len(w.t.members.groups) == 0 {
		return nil
	}
	return w.t.gapMembership(w.k, w.src, start, end)
}

// LiveQueries are one protocol's general queries so far.
type LiveQueries struct {
	General uint64
	Last    time.Time // zero: none yet
}

// LiveGroup is one group's membership messages so far, summed over the
// links it was seen on.
type LiveGroup struct {
	Group           netip.Addr
	Reports, Leaves uint64
}

// LiveMembership appends the followed groups' counts to gs, sorted by
// group, and returns them with the IGMP and MLD general queries (for
// smcdump monitor's metrics).
func (t *Tracker) LiveMembership(gs []LiveGroup) ([]LiveGroup, [2]LiveQueries) {
	m := &t.members
	var q [2]LiveQueries
	for i := range q {
		q[i].General = m.q[i].n
		if m.q[i].n > 0 {
			q[i].Last = nsTime(m.q[i].last.t)
		}
	}
	start := len(gs)
	for k, g := range m.groups {
		gs = append(gs, LiveGroup{Group: k.group, Reports: g.reports, Leaves: g.leaves})
	}
	own := gs[start:]
	slices.SortFunc(own, func(a, b LiveGroup) int { return a.Group.Compare(b.Group) })
	// one entry per group: links summed
	out := own[:0]
	for _, g := range own {
		if n := len(out); n > 0 && out[n-1].Group == g.Group {
			out[n-1].Reports += g.Reports
			out[n-1].Leaves += g.Leaves
			continue
		}
		out = append(out, g)
	}
	return gs[:start+len(out)], q
}
