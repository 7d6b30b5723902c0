package monitor

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestStreamCopiesPerInterface (synthetic, Linux cooked v2 frames): a
// capture on "any" sees every datagram of a feed twice, on a bond
// (ifindex 5) and on its port (ifindex 2), one datagram lost on the wire.
// Each copy is a series of its own with the interface label (the series
// used to add them up: 198 received, 2 lost), and the stream events name
// the interface.
func TestStreamCopiesPerInterface(t *testing.T) {
	var evs []*Event
	names := map[int]string{2: "eth0", 5: "bond0"}
	e := New(Config{Emit: func(ev *Event) { c := *ev; evs = append(evs, &c) },
		InterfaceName: func(i int) string { return names[i] }})
	e.Interfaces([]string{"any"})
	src, grp := netip.MustParseAddrPort("10.0.0.1:4000"), netip.MustParseAddrPort("239.1.1.1:5000")
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for seq := uint64(0); seq < 100; seq++ {
		if seq == 50 {
			continue
		}
		var p [8]byte
		binary.BigEndian.PutUint64(p[:], seq)
		ip := synthFrame(src, grp, 17, p[:])[14:]
		for _, lif := range []uint32{2, 5} {
			h := make([]byte, 20, 20+len(ip))
			binary.BigEndian.PutUint16(h[0:], 0x0800)
			binary.BigEndian.PutUint32(h[4:], lif)
			binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
			h[11] = 6
			d := append(h, ip...)
			pk := &pcapfile.Packet{LinkType: pcapfile.LinkType(276), Data: d}
			pk.Info.Timestamp = t0.Add(time.Duration(seq) * time.Millisecond)
			pk.Info.CaptureLength, pk.Info.Length = len(d), len(d)
			e.Packet(pk)
		}
	}
	e.Close()
	text := exposition(t, e)
	for _, ifc := range []string{"eth0", "bond0"} {
		for _, want := range []string{
			fmt.Sprintf(`smcdump_udp_stream_received_datagrams_total{group="239.1.1.1",interface="%s",port="5000",src="10.0.0.1"} 99`, ifc),
			fmt.Sprintf(`smcdump_udp_stream_lost_datagrams_total{group="239.1.1.1",interface="%s",port="5000",src="10.0.0.1"} 1`, ifc),
		} {
			if !strings.Contains(text, want+"\n") {
				t.Errorf("exposition lacks %q:\n%s", want, grep(text, "smcdump_udp_stream"))
			}
		}
	}
	var on []string
	for _, ev := range evs {
		if ev.Type == EventStreamStart {
			on = append(on, ev.Stream.Interface)
		}
	}
	if strings.Join(on, ",") != "eth0,bond0" {
		t.Errorf("stream-start events on %q, want eth0,bond0", on)
	}
}

// TestStreamResetEvent (synthetic): a +1 counter feed whose sender
// restarts from 0 after 300 datagrams: one stream-reset event (text and
// JSON) and the resets counters, no loss.
func TestStreamResetEvent(t *testing.T) {
	var evs []*Event
	e := New(Config{Emit: func(ev *Event) { c := *ev; evs = append(evs, &c) }})
	e.Interfaces([]string{"eth1"})
	src, grp := netip.MustParseAddrPort("10.0.0.1:4000"), netip.MustParseAddrPort("239.1.1.2:5000")
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	i := 0
	for _, run := range []uint64{300, 200} {
		for seq := range run {
			var p [8]byte
			binary.BigEndian.PutUint64(p[:], seq)
			e.Packet(synthPacket(t0.Add(time.Duration(i)*time.Millisecond), synthFrame(src, grp, 17, p[:])))
			i++
			if i%100 == 0 {
				e.Tick(t0.Add(time.Duration(i) * time.Millisecond))
			}
		}
	}
	e.Close()
	var resets []*Event
	for _, ev := range evs {
		if ev.Type == EventStreamReset {
			resets = append(resets, ev)
		}
		if ev.Type == EventGap {
			t.Errorf("gap event %+v", ev.Gap)
		}
	}
	if len(resets) != 1 || resets[0].Reset.From != 299 || resets[0].Reset.To != 0 {
		t.Fatalf("reset events %+v", resets)
	}
	var b strings.Builder
	_ = resets[0].WriteText(&b)
	if !strings.Contains(b.String(), " stream-reset 10.0.0.1:4000 -> 239.1.1.2:5000 from=299 to=0 reason=") {
		t.Errorf("text %q", b.String())
	}
	text := exposition(t, e)
	for _, want := range []string{
		`smcdump_udp_stream_resets_total{group="239.1.1.2",interface="eth1",port="5000",src="10.0.0.1"} 1`,
		`smcdump_udp_resets_total 1`,
		`smcdump_udp_lost_datagrams_total 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("exposition lacks %q:\n%s", want, grep(text, "smcdump_udp"))
		}
	}
}
