package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/report"
)

// TestMembershipLab: a receiver leaves its multicast group for two seconds
// behind a real Linux bridge that snoops IGMP (querier on, unknown
// multicast not flooded to the receiver's port), as a switch does: the
// bridge stops forwarding the feed after the leave and resumes after the
// next report. smcdump's capture on the receiver's side holds the gap, the
// leave and the report; the analysis names the leave on the gap, lists the
// group's membership and says "gap-after-leave" instead of "loss before
// the receiver" (three network namespaces, mcastlab's msend and mrecv
// -leave-after). Needs root and iproute2 with bridge(8).
func TestMembershipLab(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the membership lab in -short mode")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping the membership lab: needs root (network namespaces, a bridge, AF_PACKET); CI runs as root")
	}
	for _, tool := range []string{"ip", "bridge"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping the membership lab: needs %s (Debian package iproute2): %v", tool, err)
		}
	}
	bins := llBuild(t)
	tag := strconv.Itoa(os.Getpid() % 100000)
	l := &lossLab{t: t, bins: bins, dir: t.TempDir(),
		nsS: "smcdml-s" + tag, nsR: "smcdml-r" + tag, vS: "mls" + tag, vR: "mlr" + tag}
	nsB := "smcdml-b" + tag
	bS, bR := "mlbs"+tag, "mlbr"+tag
	t.Cleanup(func() {
		for _, ns := range []string{l.nsS, l.nsR, nsB} {
			_ = exec.Command("ip", "netns", "del", ns).Run()
		}
	})
	for _, ns := range []string{l.nsS, l.nsR, nsB} {
		l.must("ip", "netns", "add", ns)
		l.must("ip", "-n", ns, "link", "set", "lo", "up")
		_, _ = llRun(5*time.Second, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	}
	l.must("ip", "link", "add", l.vS, "netns", l.nsS, "type", "veth", "peer", "name", bS, "netns", nsB)
	l.must("ip", "link", "add", l.vR, "netns", l.nsR, "type", "veth", "peer", "name", bR, "netns", nsB)
	// The querier is switched on after the response interval is set: the
	// bridge takes the interval of the moment as its start-up delay, and
	// forwards by membership only once a querier exists (br_multicast.c).
	// A leave removes the membership after one group query, 0.2 s.
	for _, c := range [][]string{
		{"-n", nsB, "link", "add", "br0", "type", "bridge", "mcast_snooping", "1", "mcast_query_response_interval", "100",
			"mcast_last_member_count", "1", "mcast_last_member_interval", "20", "mcast_startup_query_count", "1"},
		{"-n", nsB, "link", "set", bS, "master", "br0"},
		{"-n", nsB, "link", "set", bR, "master", "br0"},
		{"-n", nsB, "link", "set", bS, "up"},
		{"-n", nsB, "link", "set", bR, "up"},
		{"-n", nsB, "link", "set", "br0", "up"},
		{"-n", nsB, "link", "set", "br0", "type", "bridge", "mcast_querier", "1"},
		{"-n", l.nsS, "addr", "add", "10.79.0.1/24", "dev", l.vS},
		{"-n", l.nsS, "link", "set", l.vS, "up"},
		{"-n", l.nsS, "route", "add", "224.0.0.0/4", "dev", l.vS},
		{"-n", l.nsR, "addr", "add", "10.79.0.2/24", "dev", l.vR},
		{"-n", l.nsR, "link", "set", l.vR, "up"},
	} {
		l.must(append([]string{"ip"}, c...)...)
	}
	// a snooping switch's port: no unknown multicast, only the groups
	// its host joined
	l.must("ip", "netns", "exec", nsB, "bridge", "link", "set", "dev", bR, "mcast_flood", "off")
	time.Sleep(2 * time.Second) // links up, the querier's start-up delay over

	pcap := filepath.Join(l.dir, "leave.pcapng")
	capt := l.start(l.nsR, false, bins.smcdump, "-i", l.vR, "-w", pcap, "udp", "or", "igmp")
	capt.waitFor(t, "listening on "+l.vR, 15*time.Second)
	rx := l.start(l.nsR, false, bins.mrecv, "-idle", "5s", "-timeout", "25s", "-leave-after", "2s", "-leave-for", "2s", "239.79.1.1", llPort, "10.79.0.2")
	rx.waitFor(t, "ready", 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	// 6 s at 500 datagrams/s: the receiver is out of the group from 1.5 s
	// to 3.5 s into the feed
	tx := l.start(l.nsS, false, bins.msend, "-c", "3000", "-r", "500", "-m", "20", "-s", "100", "-E", "100", "-q", "239.79.1.1", llPort, "1", "10.79.0.1")
	if err := tx.wait(t, 20*time.Second); err != nil {
		t.Fatalf("sender: %v\n%s", err, tx.text())
	}
	if err := rx.wait(t, 20*time.Second); err != nil {
		t.Fatalf("receiver: %v\n%s", err, rx.text())
	}
	if !strings.Contains(rx.text(), "left") || !strings.Contains(rx.text(), "joined") {
		t.Fatalf("the receiver did not leave and join again:\n%s", rx.text())
	}
	if err := capt.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := capt.wait(t, 15*time.Second); err != nil {
		t.Fatalf("capture: %v\n%s", err, capt.text())
	}

	out := l.must(bins.smcdump, "analyze", "--json", pcap)
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if c := rep.Contradictions(); len(c) > 0 {
		t.Errorf("contradicting verdicts: %v", c)
	}
	if rep.Multicast == nil || len(rep.Multicast.Streams) != 1 || rep.Multicast.Membership == nil {
		t.Fatalf("want one stream and the membership section: %.3000s", out)
	}
	st := rep.Multicast.Streams[0]
	gaps := rep.Multicast.Gaps()
	if st.Lost < 500 || len(gaps) != 1 {
		t.Fatalf("want one gap of about 1,000 datagrams (2 s at 500/s): lost %d in %d gaps", st.Lost, len(gaps))
	}
	g := gaps[0]
	if g.Membership == nil || g.Membership.Cause != "leave" || g.Membership.Host != "10.79.0.2" || g.Membership.Frame >= g.Frame {
		t.Errorf("gap %+v: want the receiver's leave (before the gap) named", g)
	}
	var grp *struct{ reports, leaves uint64 }
	for _, m := range rep.Multicast.Membership.Groups {
		if m.Group == "239.79.1.1" {
			grp = &struct{ reports, leaves uint64 }{m.Reports, m.Leaves}
		}
	}
	if grp == nil || grp.reports < 2 || grp.leaves < 1 {
		t.Errorf("group 239.79.1.1: %+v; want its join, leave and new join (%+v)", grp, rep.Multicast.Membership)
	}
	if q := rep.Multicast.Membership.Queries; len(q) == 0 || q[0].Protocol != "IGMP" || q[0].General == 0 {
		t.Errorf("queries %+v: want the bridge's IGMP general queries", q)
	}
	found := false
	for _, v := range rep.Counters.Verdicts {
		if v.Kind == correlate.KindBeforeHost {
			t.Errorf("loss-before-receiver for a gap the leave explains: %s", v.Text)
		}
		if v.Kind == correlate.KindLeftGroup {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s verdict: %+v", correlate.KindLeftGroup, rep.Counters.Verdicts)
	}
	if *update {
		b, err := os.ReadFile(pcap)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(membershipTrace, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %s (%d bytes)", membershipTrace, len(b))
	}
	text := l.must(bins.smcdump, "analyze", pcap)
	for _, want := range []string{"leave from 10.79.0.2 at frame", "group membership (IGMP/MLD):", "group 239.79.1.1:", "gap-after-leave"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
}
