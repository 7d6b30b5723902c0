package mcast

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestMembership: reports, leaves and queries are counted per group (link-
// local groups only in a count), hosts and groups within their bounds, and
// the notes name a segment nobody queries and queries too far apart.
func TestMembership(t *testing.T) {
	tr := NewTracker(Config{})
	t0 := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	g := netip.MustParseAddr("239.1.1.1")
	h := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}) }
	for i := range maxMemberHosts + 2 {
		tr.Membership(MemberReport, g, h(i+1), "IGMPv3 to_ex", 0, 0, t0.Add(time.Duration(i)*time.Second), i+1)
	}
	tr.Membership(MemberLeave, g, h(1), "IGMPv2 leave", 0, 0, t0.Add(20*time.Second), 50)
	tr.Membership(MemberQuery, g, h(254), "IGMPv2 query", 0, 0, t0.Add(21*time.Second), 51)
	tr.Membership(MemberReport, netip.MustParseAddr("224.0.0.251"), h(1), "IGMPv2 report", 0, 0, t0, 52)
	tr.Membership(MemberReport, netip.MustParseAddr("ff02::fb"), netip.MustParseAddr("fe80::1"), "MLDv2 to_ex", 0, 0, t0, 53)
	tr.Membership(MemberReport, g, h(1), "IGMPv3 to_ex", 0, 0, t0.Add(400*time.Second), 54)
	r := tr.membershipReport()
	if r == nil || len(r.Groups) != 1 || r.LinkLocal != 2 {
		t.Fatalf("membership %+v: want one group, two link-local messages", r)
	}
	m := r.Groups[0]
	if m.Group != "239.1.1.1" || m.Reports != maxMemberHosts+3 || m.Leaves != 1 || m.Queries != 1 || len(m.Hosts) != maxMemberHosts || !m.HostsMore ||
		m.LastLeaveBy != "10.0.0.1" || !m.LastLeave.Equal(t0.Add(20*time.Second)) || !m.FirstReport.Equal(t0) {
		t.Errorf("group %+v", m)
	}
	// no general query in 400 s of reports: the segment has no querier
	if len(r.Queries) != 1 || r.Queries[0].Protocol != "IGMP" || r.Queries[0].General != 0 || len(r.Queries[0].Queriers) != 1 {
		t.Errorf("queries %+v", r.Queries)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "no IGMP general query in 400 s") {
		t.Errorf("notes %q", r.Notes)
	}
	// general queries 300 s apart: memberships may expire in between
	for i, at := range []time.Duration{500, 800} {
		tr.Membership(MemberQuery, netip.Addr{}, h(254), "IGMPv3 query", 0, 0, t0.Add(at*time.Second), 60+i)
	}
	r = tr.membershipReport()
	if q := r.Queries[0]; q.General != 2 || q.MaxGapS != 300 {
		t.Errorf("queries %+v", q)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "300 s between two IGMP general queries") {
		t.Errorf("notes %q", r.Notes)
	}
	// not a group: not counted
	tr.Membership(MemberReport, netip.MustParseAddr("10.1.1.1"), h(1), "IGMPv2 report", 0, 0, t0, 70)
	tr.Membership(MemberReport, netip.MustParseAddr("0.0.0.0"), h(1), "IGMPv2 report", 0, 0, t0, 71)
	tr.Membership(MemberReport, netip.MustParseAddr("::ffff:239.5.5.5"), netip.MustParseAddr("fe80::1"), "MLDv2 to_ex", 0, 0, t0, 72)
	if r = tr.membershipReport(); len(r.Groups) != 1 {
		t.Errorf("groups %+v: addresses that are not groups were counted", r.Groups)
	}
	// per link: the same group on another VLAN is another membership
	tr.Membership(MemberReport, g, h(1), "IGMPv2 report", 5, 0, t0, 73)
	if r = tr.membershipReport(); len(r.Groups) != 2 || r.Groups[1].VLAN != 5 || r.Groups[1].Reports != 1 {
		t.Errorf("groups %+v: want 239.1.1.1 twice, the second on VLAN 5", r.Groups)
	}
	// the monitor's counts sum the links
	live, q := tr.LiveMembership(nil)
	if len(live) != 1 || live[0].Reports != r.Groups[0].Reports+1 || live[0].Leaves != 1 || q[0].General != 2 || q[1].General != 0 {
		t.Errorf("live %+v, queries %+v", live, q)
	}
	// bounded: groups beyond maxMemberGroups are counted, not followed
	for i := range maxMemberGroups + 5 {
		tr.Membership(MemberReport, netip.AddrFrom4([4]byte{239, 2, byte(i >> 8), byte(i)}), h(1), "IGMPv2 report", 0, 0, t0, 100+i)
	}
	if r = tr.membershipReport(); len(r.Groups) != maxMemberGroups || r.GroupsOmitted != 7 {
		t.Errorf("%d groups, %d omitted; want %d and 7", len(r.Groups), r.GroupsOmitted, maxMemberGroups)
	}
}

// TestGapMembership: a gap is explained by a leave of its group at most
// 10 s before it starts (or during it), by an expired membership when the
// last report is older than 260 s and nobody queries; otherwise not.
func TestGapMembership(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	g := netip.MustParseAddr("239.1.1.1")
	host := netip.MustParseAddr("10.0.0.5")
	ns := func(d time.Duration) int64 { return t0.Add(d).UnixNano() }
	for _, c := range []struct {
		name       string
		events     func(tr *Tracker)
		start, end time.Duration
		want       string
	}{
		{"leave just before", func(tr *Tracker) {
			tr.Membership(MemberReport, g, host, "IGMPv3 to_ex", 0, 0, t0, 1)
			tr.Membership(MemberLeave, g, host, "IGMPv3 to_in {}", 0, 0, t0.Add(5*time.Second), 2)
		}, 5200 * time.Millisecond, 8 * time.Second, "leave"},
		{"leave during the gap", func(tr *Tracker) {
			tr.Membership(MemberLeave, g, host, "IGMPv2 leave", 0, 0, t0.Add(6*time.Second), 2)
		}, 5 * time.Second, 8 * time.Second, "leave"},
		{"leave undone by the host's new report", func(tr *Tracker) {
			tr.Membership(MemberLeave, g, host, "IGMPv2 leave", 0, 0, t0, 2)
			tr.Membership(MemberReport, g, host, "IGMPv2 report", 0, 0, t0.Add(500*time.Millisecond), 3)
		}, 8 * time.Second, 9 * time.Second, ""},
		{"another host's leave answered by a member's report", func(tr *Tracker) {
			tr.Membership(MemberLeave, g, netip.MustParseAddr("10.0.0.6"), "IGMPv2 leave", 0, 0, t0, 2)
			tr.Membership(MemberReport, g, host, "IGMPv2 report", 0, 0, t0.Add(time.Second), 3)
		}, 5 * time.Second, 6 * time.Second, ""},
		{"leave long after the gap started: its consequence", func(tr *Tracker) {
			tr.Membership(MemberLeave, g, host, "IGMPv2 leave", 0, 0, t0.Add(50*time.Second), 2)
		}, 0, 60 * time.Second, ""},
		{"leave on another VLAN", func(tr *Tracker) {
			tr.Membership(MemberLeave, g, host, "IGMPv2 leave", 7, 0, t0.Add(5*time.Second), 2)
		}, 5200 * time.Millisecond, 8 * time.Second, ""},
		{"leave long before", func(tr *Tracker) {
			tr.Membership(MemberLeave, g, host, "IGMPv2 leave", 0, 0, t0, 2)
		}, 30 * time.Second, 31 * time.Second, ""},
		{"another group's leave", func(tr *Tracker) {
			tr.Membership(MemberLeave, netip.MustParseAddr("239.1.1.2"), host, "IGMPv2 leave", 0, 0, t0.Add(5*time.Second), 2)
		}, 5200 * time.Millisecond, 8 * time.Second, ""},
		{"expired, nobody queries", func(tr *Tracker) {
			tr.Membership(MemberReport, g, host, "IGMPv2 report", 0, 0, t0, 1)
		}, 300 * time.Second, 301 * time.Second, "expired"},
		{"queried: refreshed", func(tr *Tracker) {
			tr.Membership(MemberReport, g, host, "IGMPv2 report", 0, 0, t0, 1)
			tr.Membership(MemberQuery, netip.Addr{}, netip.MustParseAddr("10.0.0.254"), "IGMPv2 query", 0, 0, t0.Add(time.Second), 2)
		}, 300 * time.Second, 301 * time.Second, ""},
		{"recent report", func(tr *Tracker) {
			tr.Membership(MemberReport, g, host, "IGMPv2 report", 0, 0, t0.Add(100*time.Second), 1)
		}, 300 * time.Second, 301 * time.Second, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTracker(Config{})
			c.events(tr)
			got := tr.gapMembership(groupKey{group: g}, netip.Addr{}, ns(c.start), ns(c.end))
			switch {
			case c.want == "" && got != nil:
				t.Errorf("got %+v, want nothing", got)
			case c.want != "" && (got == nil || got.Cause != c.want || got.Host != host.String() || got.Text == ""):
				t.Errorf("got %+v, want cause %s from %s", got, c.want, host)
			}
		})
	}
	// the leave log is a ring: the latest leaves are kept
	tr := NewTracker(Config{})
	for i := range memberLogLen + 10 {
		tr.Membership(MemberLeave, g, host, fmt.Sprintf("leave %d", i), 0, 0, t0.Add(time.Duration(i)*time.Minute), i)
	}
	last := time.Duration(memberLogLen+9) * time.Minute
	if got := tr.gapMembership(groupKey{group: g}, netip.Addr{}, ns(last+time.Second), ns(last+2*time.Second)); got == nil || got.Frame != memberLogLen+9 {
		t.Errorf("latest leave: %+v", got)
	}
}

// TestGapSourceLeave: a gap of the stream from source S starts right after
// a host stopped asking for S (IGMPv3 block or to_ex listing S, to_in
// without it), and nothing asked for S again before it.
func TestGapSourceLeave(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	ns := func(d time.Duration) int64 { return t0.Add(d).UnixNano() }
	g := netip.MustParseAddr("232.1.1.1")
	host := netip.MustParseAddr("10.0.0.5")
	s1, s2 := netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.9.0.2")
	rec := func(tr *Tracker, typ byte, what string, at time.Duration, frame int, srcs ...netip.Addr) {
		tr.SourceRecord(MemberReport, typ != 6, typ, g, host, srcs, true, what, 0, 0, t0.Add(at), frame)
	}
	for _, c := range []struct {
		name   string
		events func(*Tracker)
		src    netip.Addr
		want   string
	}{
		{"block of the stream's source", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 4*time.Second, 7, s1)
		}, s1, "source-leave"},
		{"block of another source", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 4*time.Second, 7, s2)
		}, s1, ""},
		{"to_in without the source", func(tr *Tracker) {
			rec(tr, 3, "IGMPv3 to_in", 4*time.Second, 7, s2)
		}, s1, "source-leave"},
		{"to_in with it", func(tr *Tracker) {
			rec(tr, 3, "IGMPv3 to_in", 4*time.Second, 7, s1, s2)
		}, s1, ""},
		{"to_ex listing it", func(tr *Tracker) {
			rec(tr, 4, "IGMPv3 to_ex", 4*time.Second, 7, s1)
		}, s1, "source-leave"},
		{"current state is_in without it: a change of nothing", func(tr *Tracker) {
			rec(tr, 1, "IGMPv3 is_in", 4*time.Second, 7, s2)
		}, s1, ""},
		{"blocked, then allowed again", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 3*time.Second, 7, s1)
			rec(tr, 5, "IGMPv3 allow", 4*time.Second, 8, s1)
		}, s1, ""},
		{"blocked, then another host's IGMPv2 report for every source", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 3*time.Second, 7, s1)
			tr.Membership(MemberReport, g, netip.MustParseAddr("10.0.0.6"), "IGMPv2 report", 0, 0, t0.Add(4*time.Second), 8)
		}, s1, ""},
		{"blocked, then to_ex {S1, S2}: a stop again", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 3*time.Second, 7, s1)
			rec(tr, 4, "IGMPv3 to_ex", 4*time.Second, 8, s1, s2)
		}, s1, "source-leave"},
		{"blocked, then to_ex of another source: asks for this one", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 3*time.Second, 7, s1)
			rec(tr, 4, "IGMPv3 to_ex", 4*time.Second, 8, s2)
		}, s1, ""},
		{"block long before the gap", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", -30*time.Second, 7, s1)
		}, s1, ""},
		{"an IGMPv2 host present: routers ignore block (RFC 3376 §7.3.2)", func(tr *Tracker) {
			tr.Membership(MemberReport, g, netip.MustParseAddr("10.0.0.6"), "IGMPv2 report", 0, 0, t0.Add(-60*time.Second), 3)
			rec(tr, 6, "IGMPv3 block", 4*time.Second, 7, s1)
		}, s1, ""},
		{"an IGMPv2 host gone for longer than 260 s: block counts", func(tr *Tracker) {
			tr.Membership(MemberReport, g, netip.MustParseAddr("10.0.0.6"), "IGMPv2 report", 0, 0, t0.Add(-300*time.Second), 3)
			rec(tr, 6, "IGMPv3 block", 4*time.Second, 7, s1)
		}, s1, "source-leave"},
		{"blocked, undone by a report that many later reports pushed out of the log", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 4*time.Second, 7, s1)
			tr.Membership(MemberReport, g, netip.MustParseAddr("10.0.0.6"), "IGMPv2 report", 0, 0, t0.Add(4500*time.Millisecond), 8)
			for i := range 2 * memberLogLen {
				tr.Membership(MemberReport, g, netip.MustParseAddr("10.0.0.6"), "IGMPv2 report", 0, 0, t0.Add(time.Duration(10+i)*time.Second), 9+i)
			}
		}, s1, ""},
		{"blocked, then more answers to queries than the log holds: what undid it may be lost, not named", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 4*time.Second, 7, s1)
			tr.SourceRecord(MemberReport, true, 1, g, netip.MustParseAddr("10.0.0.6"), []netip.Addr{s1}, true, "IGMPv3 is_in", 0, 0, t0.Add(4500*time.Millisecond), 8)
			for i := range memberLogLen {
				tr.SourceRecord(MemberReport, true, 1, g, netip.MustParseAddr("10.0.0.7"), []netip.Addr{s2}, true, "IGMPv3 is_in", 0, 0, t0.Add(time.Duration(10+i)*time.Second), 9+i)
			}
		}, s1, ""},
		{"blocked, then answers that fill the log but not past it", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 4*time.Second, 7, s1)
			for i := range memberLogLen {
				tr.SourceRecord(MemberReport, true, 1, g, netip.MustParseAddr("10.0.0.7"), []netip.Addr{s2}, true, "IGMPv3 is_in", 0, 0, t0.Add(time.Duration(10+i)*time.Second), 9+i)
			}
		}, s1, "source-leave"},
		{"an IGMPv2 host present: to_ex {S1} asks for every source", func(tr *Tracker) {
			tr.Membership(MemberReport, g, netip.MustParseAddr("10.0.0.7"), "IGMPv2 report", 0, 0, t0.Add(-60*time.Second), 3)
			rec(tr, 6, "IGMPv3 block", 2*time.Second, 6, s1) // ignored too
			tr.Membership(MemberLeave, g, netip.MustParseAddr("10.0.0.7"), "IGMPv2 leave", 0, 0, t0.Add(3*time.Second), 7)
			rec(tr, 4, "IGMPv3 to_ex", 4*time.Second, 8, s1)
		}, s1, ""},
		{"blocked, then allow at the same time in a later frame", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 4*time.Second, 7, s1)
			rec(tr, 5, "IGMPv3 allow", 4*time.Second, 8, s1)
		}, s1, ""},
		{"blocked, then an allow whose list was not all kept", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 3*time.Second, 7, s1)
			tr.SourceRecord(MemberReport, true, 5, g, netip.MustParseAddr("10.0.0.7"), []netip.Addr{s2}, false, "IGMPv3 allow", 0, 0, t0.Add(4*time.Second), 8)
		}, s1, ""},
		{"blocked, then another host's is_ex whose list was not all kept", func(tr *Tracker) {
			rec(tr, 6, "IGMPv3 block", 3*time.Second, 7, s1)
			tr.SourceRecord(MemberReport, true, 2, g, netip.MustParseAddr("10.0.0.7"), []netip.Addr{s2}, false, "IGMPv3 is_ex", 0, 0, t0.Add(4*time.Second), 8)
		}, s1, ""},
		{"a list cut short: only what was kept counts", func(tr *Tracker) {
			tr.SourceRecord(MemberReport, true, 3, g, host, []netip.Addr{s2}, false, "IGMPv3 to_in", 0, 0, t0.Add(4*time.Second), 7)
		}, s1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTracker(Config{})
			c.events(tr)
			got := tr.gapMembership(groupKey{group: g}, c.src, ns(5*time.Second), ns(6*time.Second))
			switch {
			case c.want == "" && got != nil:
				t.Errorf("got %+v, want nothing", got)
			case c.want != "" && (got == nil || got.Cause != c.want || got.Host != host.String() || !strings.Contains(got.Text, c.src.String())):
				t.Errorf("got %+v, want cause %s", got, c.want)
			}
		})
	}
}

// TestGapCauseRepeated: of a state change the host repeats (RFC 3376
// robustness), the message before the gap is named, not its repetition
// after the gap started; with none before, the first after.
func TestGapCauseRepeated(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	g := netip.MustParseAddr("232.1.1.1")
	host, s1 := netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("10.9.0.1")
	start, end := t0.Add(5*time.Second).UnixNano(), t0.Add(8*time.Second).UnixNano()
	tr := NewTracker(Config{})
	for i, at := range []time.Duration{4 * time.Second, 5500 * time.Millisecond} {
		tr.SourceRecord(MemberReport, false, 6, g, host, []netip.Addr{s1}, true, "IGMPv3 block", 0, 0, t0.Add(at), 7+i)
		tr.Membership(MemberLeave, netip.MustParseAddr("232.1.1.2"), host, "IGMPv2 leave", 0, 0, t0.Add(at+200*time.Millisecond), 9+i)
	}
	if got := tr.gapMembership(groupKey{group: g}, s1, start, end); got == nil || got.Frame != 7 {
		t.Errorf("block: %+v, want frame 7 (before the gap)", got)
	}
	if got := tr.gapMembership(groupKey{group: netip.MustParseAddr("232.1.1.2")}, netip.Addr{}, t0.Add(5*time.Second).UnixNano(), end); got == nil || got.Frame != 9 {
		t.Errorf("leave: %+v, want frame 9 (before the gap)", got)
	}
	if got := tr.gapMembership(groupKey{group: netip.MustParseAddr("232.1.1.2")}, netip.Addr{}, t0.Add(4100*time.Millisecond).UnixNano(), end); got == nil || got.Frame != 9 {
		t.Errorf("leave after the gap's start: %+v, want the first after it, frame 9", got)
	}
	// two leaves after the gap's start: the first
	tr = NewTracker(Config{})
	g3 := netip.MustParseAddr("232.1.1.3")
	tr.Membership(MemberLeave, g3, host, "IGMPv2 leave", 0, 0, t0.Add(5300*time.Millisecond), 20)
	tr.Membership(MemberLeave, g3, host, "IGMPv2 leave", 0, 0, t0.Add(5200*time.Millisecond), 21)
	if got := tr.gapMembership(groupKey{group: g3}, netip.Addr{}, start, end); got == nil || got.Frame != 21 {
		t.Errorf("two leaves after the start: %+v, want the first, frame 21", got)
	}
}

// TestGapCauseChoice: of several messages the latest before the gap that
// nothing undid is named, a leave after the gap's start when the one
// before was undone, a group leave undone only by what may ask for the
// stream's source; records with sources count once.
func TestGapCauseChoice(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	g := netip.MustParseAddr("232.1.1.1")
	host := netip.MustParseAddr("10.0.0.5")
	s1, s2 := netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.9.0.2")
	gap := func(tr *Tracker, src netip.Addr, start time.Duration) *GapMembership {
		return tr.gapMembership(groupKey{group: g}, src, at(start).UnixNano(), at(start+3*time.Second).UnixNano())
	}
	// leave, rejoin, leave again just after the gap started
	tr := NewTracker(Config{})
	tr.Membership(MemberLeave, g, host, "IGMPv2 leave", 0, 0, at(5*time.Second), 1)
	tr.Membership(MemberReport, g, host, "IGMPv2 report", 0, 0, at(7*time.Second), 2)
	tr.Membership(MemberLeave, g, host, "IGMPv2 leave", 0, 0, at(10500*time.Millisecond), 3)
	if got := gap(tr, netip.Addr{}, 10*time.Second); got == nil || got.Frame != 3 {
		t.Errorf("undone leave, then a leave after the start: %+v, want frame 3", got)
	}
	// to_in {} (a group leave), then allow of another source
	tr = NewTracker(Config{})
	tr.Membership(MemberLeave, g, host, "IGMPv3 to_in {}", 0, 0, at(3*time.Second), 1)
	tr.SourceRecord(MemberReport, true, 5, g, host, []netip.Addr{s2}, true, "IGMPv3 allow", 0, 0, at(4*time.Second), 2)
	if got := gap(tr, s1, 5*time.Second); got == nil || got.Frame != 1 || got.Cause != "leave" {
		t.Errorf("group leave, allow of another source: %+v, want the leave", got)
	}
	if got := gap(tr, s2, 5*time.Second); got != nil {
		t.Errorf("the allowed source's stream: %+v, want nothing", got)
	}
	// a block before the gap and a group leave after its start: the block
	tr = NewTracker(Config{})
	tr.SourceRecord(MemberReport, false, 6, g, host, []netip.Addr{s1}, true, "IGMPv3 block", 0, 0, at(3*time.Second), 1)
	tr.Membership(MemberLeave, g, host, "IGMPv3 to_in {}", 0, 0, at(5500*time.Millisecond), 2)
	if got := gap(tr, s1, 5*time.Second); got == nil || got.Frame != 1 || got.Cause != "source-leave" || !strings.Contains(got.Text, "stops source 10.9.0.1,") {
		t.Errorf("block before, leave after: %+v, want the block", got)
	}
	// a record with sources about a link-local group counts once
	tr = NewTracker(Config{})
	tr.SourceRecord(MemberReport, true, 5, netip.MustParseAddr("224.0.0.251"), host, []netip.Addr{s1}, true, "IGMPv3 allow", 0, 0, at(0), 1)
	if tr.members.linkLocal != 1 {
		t.Errorf("link-local records counted %d times", tr.members.linkLocal)
	}
	// a group seen only in a block names its host
	tr = NewTracker(Config{})
	tr.SourceRecord(MemberReport, false, 6, g, host, []netip.Addr{s1}, true, "IGMPv3 block", 0, 0, at(0), 1)
	if gm := tr.members.groups[groupKey{group: g}]; gm == nil || len(gm.hosts) != 1 || gm.reports != 0 {
		t.Errorf("block-only group: %+v", gm)
	}
}

// TestGapMembershipFinishedEarly: the gaps of streams finished early to
// make room (--max-streams) are annotated as those of streams still
// tracked at the end.
func TestGapMembershipFinishedEarly(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, cfg := range []Config{{}, {MaxStreams: 16, FinishWhenFull: true}} {
		cfg.Seq = []SeqRule{mustRule("offset:0:4:be")}
		tr := NewTracker(cfg)
		// limitFeed's stream 3 (239.1.0.3) loses datagrams halfway; its
		// receiver left the group just before
		tr.Membership(MemberLeave, netip.MustParseAddr("239.1.0.3"), netip.MustParseAddr("10.9.0.1"), "IGMPv2 leave", 0, 0, t0, 1)
		limitFeed(tr, 100, 8, func(i int) bool { return i == 3 })
		found := false
		for _, s := range tr.Report().Streams {
			if s.Dst != "239.1.0.3:5000" {
				continue
			}
			for _, g := range s.Sequences[0].Gaps {
				found = true
				if g.Membership == nil || g.Membership.Cause != "leave" {
					t.Errorf("max streams %d: gap %+v not named after the leave", cfg.MaxStreams, g)
				}
			}
		}
		if !found {
			t.Errorf("max streams %d: the stream's gap is missing", cfg.MaxStreams)
		}
	}
}

// TestGapMembershipLongCapture: a gap is explained when it is booked, so
// that the messages after it (more than the group's logs hold, as in a
// long capture of a busy source-specific group) do not hide its cause;
// the live gaps carry the cause too.
func TestGapMembershipLongCapture(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	g := netip.MustParseAddr("232.1.1.1")
	host, other := netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("10.0.0.6")
	s1, s2 := netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.9.0.2")
	tr := NewTracker(Config{Seq: []SeqRule{mustRule("offset:0:4:be")}, ReorderWindow: 16})
	p := make([]byte, 32)
	frame := 0
	send := func(seq uint32, at time.Duration) {
		frame++
		binary.BigEndian.PutUint32(p, seq)
		tr.Add(&Datagram{Payload: p, Length: len(p), Frame: frame, Time: t0.Add(at),
			Src: netip.AddrPortFrom(s1, 4000), Dst: netip.AddrPortFrom(g, 5000)})
	}
	// 10 datagrams a second; the host blocks s1 at 4.85 s, the feed stops
	// reaching it from 5 s to 7 s
	seq := uint32(0)
	for at := time.Duration(0); at < 10*time.Second; at += 100 * time.Millisecond {
		if at == 4900*time.Millisecond {
			frame++
			tr.SourceRecord(MemberReport, false, 6, g, host, []netip.Addr{s1}, true, "IGMPv3 block", 0, 0, t0.Add(4850*time.Millisecond), frame)
		}
		if at < 5*time.Second || at >= 7*time.Second {
			send(seq, at)
		}
		seq++
	}
	var live []Gap
	tr.Live(func(ls *LiveStream) { live = append(live, ls.NewGaps...) })
	if len(live) != 1 || live[0].Membership == nil || live[0].Membership.Cause != "source-leave" {
		t.Fatalf("live gaps %+v, want one named after the block", live)
	}
	// then far more changes and leaves than the logs hold, from another
	// host about another source
	for i := range 3 * memberLogLen {
		frame++
		at := t0.Add(20*time.Second + time.Duration(i)*time.Second)
		tr.SourceRecord(MemberReport, i%2 == 0, byte(5+i%2), g, other, []netip.Addr{s2}, true, "IGMPv3 allow/block", 0, 0, at, frame)
		frame++
		tr.Membership(MemberLeave, g, other, "IGMPv3 to_in {}", 0, 0, at.Add(time.Millisecond), frame)
	}
	var gaps []Gap
	for _, s := range tr.Report().Streams {
		gaps = append(gaps, s.Sequences[0].Gaps...)
	}
	if len(gaps) != 1 || gaps[0].Membership == nil || gaps[0].Membership.Cause != "source-leave" || gaps[0].Membership.Host != host.String() {
		t.Fatalf("gaps %+v, want one named after %s's block", gaps, host)
	}
}
