package multipoint

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/tunnelwrap"
)

// mirror writes the packets of the recorded capture src to a pcap file as
// they are (mode "plain") or as a mirror collector receives them
// (synthetic wrapping of real frames): each Ethernet frame inside
// Ethernet, IPv4 and either GRE with ERSPAN type II (session 7, mode
// "erspan") or UDP with VXLAN (VNI 42, mode "vxlan").
func mirror(t *testing.T, src, mode string) string {
	t.Helper()
	seq := uint32(0)
	return tunnelwrap.Rewrite(t, src, filepath.Join(t.TempDir(), "point.pcap"), func(eth []byte, wire int, emit func([]byte, int)) {
		switch mode {
		case "erspan":
			seq++
			emit(tunnelwrap.ERSPAN2(7, seq, eth, wire))
		case "vxlan":
			emit(tunnelwrap.VXLAN(42, eth, wire))
		default:
			emit(eth, wire)
		}
	})
}

// TestMirroredPoint: a point captured on a mirror collector (ERSPAN) or
// an overlay's underlay (VXLAN) is matched with the other points by the
// frames inside: the report is the one of the same point captured
// directly (written to a pcap file the same way, since pcap has no
// capture start and end: recorded lab captures of a packet loss and of a
// middlebox stripping the SMC option).
func TestMirroredPoint(t *testing.T) {
	for _, sc := range []struct{ scenario, a, b, c string }{
		{"udp-lost", "sender", "router", "receiver"},
		{"stripped", "client", "router", "server"},
	} {
		report := func(mode string) string {
			pts := points(sc.scenario, sc.a, sc.b, sc.c)
			pts[1].Files = []string{mirror(t, pts[1].Files[0], mode)}
			var b bytes.Buffer
			if err := run(t, pts).WriteText(&b); err != nil {
				t.Fatal(err)
			}
			return strings.ReplaceAll(b.String(), pts[1].Files[0], "POINT")
		}
		want := report("plain")
		if !strings.Contains(want, "Verdicts:") {
			t.Fatalf("%s: no verdicts:\n%s", sc.scenario, want)
		}
		for _, mode := range []string{"erspan", "vxlan"} {
			if got := report(mode); got != want {
				t.Errorf("%s, %s point %s: report differs from the direct capture's:\n%s\nwant:\n%s", sc.scenario, mode, sc.b, got, want)
			}
		}
	}
}
