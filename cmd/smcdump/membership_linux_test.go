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
// -leave-after). The second case is IGMPv3 with source filtering: the
// receiver blocks the feed's source for two seconds (IP_BLOCK_SOURCE, an
// IGMPv3 block record) and unblocks it (allow); the bridge filters by
// source and the gap is named after the block. Needs root and iproute2
// with bridge(8).
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
	for _, c := range []struct {
		name, trace, cause, wantText string
		v3                           bool
		rxArgs                       []string
	}{
		{"leave", membershipTrace, "leave", "leave from 10.79.0.2 at frame", false, nil},
		{"block-source", membershipSourceTrace, "source-leave", "IGMPv3 block {10.79.0.1} from 10.79.0.2 at frame", true, []string{"-block-source", "10.79.0.1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pcap := membershipLab(t, bins, c.v3, c.rxArgs)
			checkMembershipLab(t, bins, pcap, c.cause, c.wantText)
			if *update {
				b, err := os.ReadFile(pcap)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(c.trace, b, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("recorded %s (%d bytes)", c.trace, len(b))
			}
		})
	}
}

// membershipLab runs the lab once (IGMPv3 on the bridge when v3; rxArgs
// added to mrecv's -leave-after 2s -leave-for 2s) and returns the capture.
func membershipLab(t *testing.T, bins llBins, v3 bool, rxArgs []string) string {
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
	// A leave removes the membership after one group query, 0.2 s. With
	// IGMPv3 the bridge's querier sends v3 queries, the receiver's kernel
	// answers in v3, and the bridge keeps the source lists of its ports.
	br := []string{"-n", nsB, "link", "add", "br0", "type", "bridge", "mcast_snooping", "1", "mcast_query_response_interval", "100",
		"mcast_last_member_count", "1", "mcast_last_member_interval", "20", "mcast_startup_query_count", "1"}
	if v3 {
		br = append(br, "mcast_igmp_version", "3")
	}
	for _, c := range [][]string{
		br,
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

	pcap := filepath.Join(l.dir, "membership.pcapng")
	capt := l.start(l.nsR, false, bins.smcdump, "-i", l.vR, "-w", pcap, "udp", "or", "igmp")
	capt.waitFor(t, "listening on "+l.vR, 15*time.Second)
	args := append([]string{bins.mrecv, "-idle", "5s", "-timeout", "25s", "-leave-after", "2s", "-leave-for", "2s"}, rxArgs...)
	rx := l.start(l.nsR, false, append(args, "239.79.1.1", llPort, "10.79.0.2")...)
	rx.waitFor(t, "ready", 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	// 6 s at 500 datagrams/s: the receiver is out of the group (or
	// blocks the source) from 1.5 s to 3.5 s into the feed
	tx := l.start(l.nsS, false, bins.msend, "-c", "3000", "-r", "500", "-m", "20", "-s", "100", "-E", "100", "-q", "239.79.1.1", llPort, "1", "10.79.0.1")
	if err := tx.wait(t, 20*time.Second); err != nil {
		t.Fatalf("sender: %v\n%s", err, tx.text())
	}
	if err := rx.wait(t, 20*time.Second); err != nil {
		t.Fatalf("receiver: %v\n%s", err, rx.text())
	}
	out, back := "left", "joined"
	if len(rxArgs) > 0 {
		out, back = "blocked", "unblocked"
	}
	if !strings.Contains(rx.text(), out) || !strings.Contains(rx.text(), back) {
		t.Fatalf("the receiver did not go out and come back (%s, %s):\n%s", out, back, rx.text())
	}
	if err := capt.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := capt.wait(t, 15*time.Second); err != nil {
		t.Fatalf("capture: %v\n%s", err, capt.text())
	}
	return pcap
}

// checkMembershipLab checks the analysis of a lab capture: one stream, one
// gap of about 1,000 datagrams named after the receiver's message (cause),
// the group's reports and leaves, the bridge's general queries, the
// gap-after-leave verdict, and wantText in the text report.
func checkMembershipLab(t *testing.T, bins llBins, pcap, cause, wantText string) {
	l := &lossLab{t: t, bins: bins}
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
	if g.Membership == nil || g.Membership.Cause != cause || g.Membership.Host != "10.79.0.2" || g.Membership.Frame >= g.Frame {
		t.Errorf("gap %+v: want the receiver's %s (before the gap) named", g, cause)
	}
	var grp *struct{ reports, leaves uint64 }
	for _, m := range rep.Multicast.Membership.Groups {
		if m.Group == "239.79.1.1" {
			grp = &struct{ reports, leaves uint64 }{m.Reports, m.Leaves}
		}
	}
	if grp == nil || grp.reports < 2 || cause == "leave" && grp.leaves < 1 {
		t.Errorf("group 239.79.1.1: %+v; want its join, leave or block and new join (%+v)", grp, rep.Multicast.Membership)
	}
	// the bridge's general queries (IGMPv2); its IGMPv3 start-up query
	// comes before the capture, later ones only every 125 s
	if q := rep.Multicast.Membership.Queries; cause == "leave" && (len(q) == 0 || q[0].Protocol != "IGMP" || q[0].General == 0) {
		t.Errorf("queries %+v: want the bridge's IGMP general queries", q)
	}
	found := false
	for _, v := range rep.Counters.Verdicts {
		if v.Kind == correlate.KindBeforeHost {
			t.Errorf("loss-before-receiver for a gap the membership explains: %s", v.Text)
		}
		if v.Kind == correlate.KindLeftGroup {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s verdict: %+v", correlate.KindLeftGroup, rep.Counters.Verdicts)
	}
	text := l.must(bins.smcdump, "analyze", pcap)
	for _, want := range []string{wantText, "group membership (IGMP/MLD):", "group 239.79.1.1:", "gap-after-leave"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
}
