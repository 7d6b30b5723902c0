package correlate

import (
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
)

// TestUDPSocketLifetimes: the receiving socket does not live through both
// snapshots (SYNTHETIC changes to the 4.19 fixture tree, modelled on the
// loss lab in cmd/smcdump/losslab_linux_test.go).
func TestUDPSocketLifetimes(t *testing.T) {
	window := [2]time.Time{t0.Add(time.Second), t0.Add(9 * time.Second)}
	snaps := func(t *testing.T) (before, after *kstat.Snapshot) {
		b := procSnap(t, "linux-4.19-synthetic", t0)
		a := procSnap(t, "linux-4.19-synthetic", t0.Add(10*time.Second))
		b.Proc.SNMP["Udp"]["MemErrors"], a.Proc.SNMP["Udp"]["MemErrors"] = 0, 0
		return b, a
	}

	t.Run("socket opened after the first snapshot", func(t *testing.T) {
		before, after := snaps(t)
		// only socket 1 existed before; socket 0 (drops 59 in the tree)
		// was opened in the window and dropped 4217 more
		before.Proc.Sockets = before.Proc.Sockets[1:]
		*after.Proc.Sockets[0].Drops = 4217
		after.Proc.SNMP["Udp"]["RcvbufErrors"] += 4217
		vs := UDP(before, after, UDPObserved{Streams: []UDPStream{stream}, Window: window})
		if len(vs) != 1 {
			t.Fatalf("verdicts = %+v", vs)
		}
		v := vs[0]
		want := "socket receive buffer overflow: 4217 datagrams dropped by the socket for 239.192.10.11:14400, RcvbufErrors +4217, capture complete"
		if v.Kind != KindSocketOverflow || v.Confidence != High || !strings.HasPrefix(v.Text, want) {
			t.Errorf("got %s/%s %q\nwant prefix %q", v.Kind, v.Confidence, v.Text, want)
		}
	})

	t.Run("socket closed before the last snapshot", func(t *testing.T) {
		before, after := snaps(t)
		after.Proc.Sockets = nil
		after.Proc.SNMP["Udp"]["RcvbufErrors"] += 4217
		vs := UDP(before, after, UDPObserved{Streams: []UDPStream{stream}, Window: window})
		if len(vs) != 1 {
			t.Fatalf("verdicts = %+v", vs)
		}
		v := vs[0]
		if v.Kind != KindSocketOverflow || v.Confidence != Medium || v.Subject != "10.0.0.1:40000 -> 239.192.10.11:14400" ||
			!strings.HasPrefix(v.Text, "socket receive buffer overflow: RcvbufErrors +4217, capture of 239.192.10.11:14400 complete; the receiving socket was closed") {
			t.Errorf("got %s/%s [%s] %q", v.Kind, v.Confidence, v.Subject, v.Text)
		}
		if len(v.Numbers) != 3 || v.Numbers[0] != (Number{"RcvbufErrors", 4217}) || v.Numbers[1] != (Number{"capture gap", 0}) {
			t.Errorf("numbers %+v", v.Numbers)
		}
	})

	t.Run("socket missing from a bounded after snapshot: not closed", func(t *testing.T) {
		before, after := snaps(t)
		after.Proc.Sockets = nil
		after.Proc.NoteOmitted("net/udp", 2, 0) // left out while idle: may be open
		after.Proc.SNMP["Udp"]["RcvbufErrors"] += 4217
		vs := UDP(before, after, UDPObserved{Streams: []UDPStream{stream}, Window: window})
		for _, v := range vs {
			if strings.Contains(v.Text, "the receiving socket was closed") {
				t.Errorf("a socket left out of a bounded table called closed: %s/%s %q", v.Kind, v.Confidence, v.Text)
			}
		}
	})

	t.Run("overflow on a socket outside the capture", func(t *testing.T) {
		before, after := snaps(t)
		// the stream's sockets are there and dropped nothing
		after.Proc.SNMP["Udp"]["RcvbufErrors"] += 12
		vs := UDP(before, after, UDPObserved{Streams: []UDPStream{stream}, Window: window})
		kinds := []string{}
		for _, v := range vs {
			kinds = append(kinds, v.Kind+"/"+string(v.Confidence))
		}
		// no-loss is only medium next to a host-level drop (Contradictions
		// rule 2)
		if strings.Join(kinds, ",") != KindSocketOverflow+"/low,"+KindNoLoss+"/medium" || vs[0].Subject != "" ||
			!strings.Contains(vs[0].Text, "RcvbufErrors +12 in this namespace, but no socket of the 1 captured streams shows drops") {
			t.Errorf("verdicts = %+v", vs)
		}
		if c := Contradictions(vs); len(c) > 0 {
			t.Errorf("contradictions: %v", c)
		}
	})
}
