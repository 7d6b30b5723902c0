//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// linkWatch collects a capture's OnLink events and its packets (interface
// index and sequence number of the test frames), read by a goroutine until
// Next fails.
type linkWatch struct {
	events chan LinkEvent
	pkts   chan [2]int // interface index, seq
	errc   chan error
}

func newLinkWatch() *linkWatch {
	return &linkWatch{events: make(chan LinkEvent, 64), pkts: make(chan [2]int, 4096), errc: make(chan error, 1)}
}

func (w *linkWatch) onLink(ev LinkEvent) {
	select {
	case w.events <- ev:
	default:
	}
}

func (w *linkWatch) read(t *testing.T, h *Handle) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			p, err := h.Next()
			if err != nil {
				w.errc <- err
				return
			}
			proto, seq := 12, 14 // Ethernet
			if p.LinkType == pcapfile.LinkTypeLinuxSLL2 {
				proto, seq = 0, sll2HeaderLen
			}
			if len(p.Data) >= seq+4 && binary.BigEndian.Uint16(p.Data[proto:]) == testEtherType {
				select {
				case w.pkts <- [2]int{p.Info.InterfaceIndex, int(binary.BigEndian.Uint32(p.Data[seq:]))}:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { h.Close(); wg.Wait() })
}

// event waits for the next link event (failure bound 10 s).
func (w *linkWatch) event(t *testing.T) LinkEvent {
	t.Helper()
	select {
	case ev := <-w.events:
		return ev
	case err := <-w.errc:
		t.Fatalf("the capture ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no link event")
	}
	return LinkEvent{}
}

// packet waits for the test frame seq on interface ifc (failure bound
// 10 s), sending it again every 100 ms through inj (a frame sent before
// the link is up again is lost on the veth).
func (w *linkWatch) packet(t *testing.T, inj func() *injector, ifc, seq int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	inj().send(t, testFrame(64, uint32(seq)))
	for {
		select {
		case p := <-w.pkts:
			if p == [2]int{ifc, seq} {
				return
			}
		case <-tick.C:
			inj().send(t, testFrame(64, uint32(seq)))
		case err := <-w.errc:
			t.Fatalf("the capture ended: %v", err)
		case <-deadline:
			t.Fatalf("frame %d never captured on interface %d", seq, ifc)
		}
	}
}

func (w *linkWatch) noEvent(t *testing.T) {
	t.Helper()
	select {
	case ev := <-w.events:
		t.Fatalf("unexpected link event %+v", ev)
	default:
	}
}

// TestLinkDownUpKeepsCapturing: with OnLink, a capture on two interfaces
// (the merge of several rings) reports the one set down, goes on
// delivering the other's packets, and captures on it again once it is up
// (the same ifindex: the kernel hooks the socket up again). A capture on
// "any" is not affected.
func TestLinkDownUpKeepsCapturing(t *testing.T) {
	ns := newNetns(t)
	run(t, "ip", "-n", ns, "link", "add", "vc", "type", "veth", "peer", "name", "vd")
	run(t, "ip", "-n", ns, "link", "set", "vc", "up")
	run(t, "ip", "-n", ns, "link", "set", "vd", "up")
	waitLinkUp(t, ns, "vc", "vd")
	w, wa := newLinkWatch(), newLinkWatch()
	h := openIn(t, ns, Config{Interfaces: []string{"vb", "vd"}, BufferKiB: 1024, Fanout: 1, OnLink: w.onLink, PollTimeout: 200 * time.Millisecond})
	ha := openIn(t, ns, Config{Interfaces: []string{"any"}, BufferKiB: 1024, OnLink: wa.onLink})
	w.read(t, h)
	wa.read(t, ha)
	injA, injC := newInjector(t, ns, "va"), newInjector(t, ns, "vc")
	viaA := func() *injector { return injA }
	viaC := func() *injector { return injC }
	w.packet(t, viaC, 1, 1)
	vdIndex := 0
	inNetns(t, ns, func() { vdIndex, _ = netInterfaceIndex("vd") })

	run(t, "ip", "-n", ns, "link", "set", "vd", "down")
	ev := w.event(t)
	if ev.Up || ev.Interface != 1 || ev.Name != "vd" || ev.Gone || !errors.Is(ev.Err, unix.ENETDOWN) || ev.Ifindex != vdIndex {
		t.Fatalf("down event %+v", ev)
	}
	w.packet(t, viaA, 0, 2) // the other interface goes on
	w.noEvent(t)

	run(t, "ip", "-n", ns, "link", "set", "vd", "up")
	waitLinkUp(t, ns, "vc", "vd")
	ev = w.event(t)
	if !ev.Up || ev.Interface != 1 || ev.Name != "vd" || ev.Ifindex != vdIndex || ev.Err != nil {
		t.Fatalf("up event %+v", ev)
	}
	w.packet(t, viaC, 1, 3)
	w.packet(t, viaA, 0, 4)
	wa.packet(t, viaA, 0, 5) // "any" went on all along
	wa.noEvent(t)
	st, _ := h.Stats()
	if len(st.Interfaces) != 2 || st.Interfaces[1].Captured == 0 {
		t.Fatalf("stats after the outage: %+v", st)
	}
}

// TestLinkDeletedRecreated: a capture on one interface (the single-ring
// wait) whose device is deleted reports it gone, waits, and binds to the
// device created again under the same name (a new ifindex).
func TestLinkDeletedRecreated(t *testing.T) {
	ns := newNetns(t)
	w := newLinkWatch()
	h := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 1024, OnLink: w.onLink, LinkRetry: 200 * time.Millisecond})
	w.read(t, h)
	var mu sync.Mutex
	inj := newInjector(t, ns, "va")
	via := func() *injector { mu.Lock(); defer mu.Unlock(); return inj }
	w.packet(t, via, 0, 1)
	oldIndex := 0
	inNetns(t, ns, func() { oldIndex, _ = netInterfaceIndex("vb") })

	run(t, "ip", "-n", ns, "link", "del", "vb") // takes va along
	ev := w.event(t)
	// The kernel takes a device down before it deletes it: the socket
	// reports ENETDOWN or ENODEV, whichever it is read after; the device
	// is gone either way.
	if ev.Up || ev.Name != "vb" || !ev.Gone || ev.Err == nil || ev.Ifindex != oldIndex {
		t.Fatalf("down event %+v", ev)
	}
	time.Sleep(500 * time.Millisecond) // a few look-ups find nothing
	w.noEvent(t)

	run(t, "ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	run(t, "ip", "-n", ns, "link", "set", "va", "up")
	run(t, "ip", "-n", ns, "link", "set", "vb", "up")
	waitLinkUp(t, ns, "va", "vb")
	ev = w.event(t)
	newIndex := 0
	inNetns(t, ns, func() { newIndex, _ = netInterfaceIndex("vb") })
	if !ev.Up || ev.Name != "vb" || ev.Ifindex != newIndex || newIndex == oldIndex {
		t.Fatalf("up event %+v (ifindex before %d, now %d)", ev, oldIndex, newIndex)
	}
	mu.Lock()
	inj = newInjector(t, ns, "va")
	mu.Unlock()
	w.packet(t, via, 0, 2)
	// Down and up once more: the socket bound again works like the first.
	run(t, "ip", "-n", ns, "link", "set", "vb", "down")
	if ev := w.event(t); ev.Up || ev.Gone {
		t.Fatalf("second down event %+v", ev)
	}
	run(t, "ip", "-n", ns, "link", "set", "vb", "up")
	waitLinkUp(t, ns, "va", "vb")
	if ev := w.event(t); !ev.Up || ev.Ifindex != newIndex {
		t.Fatalf("second up event %+v", ev)
	}
	w.packet(t, via, 0, 3)
}

// TestInterfaceDownError: without OnLink the capture ends with an
// *InterfaceDownError worded as tcpdump's (a deleted device is taken down
// first: either wording).
func TestInterfaceDownError(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 1024})
	errc := nextError(h)
	time.Sleep(100 * time.Millisecond)
	run(t, "ip", "-n", ns, "link", "del", "vb")
	err := waitError(t, errc)
	var de *InterfaceDownError
	if !errors.As(err, &de) || de.Name != "vb" || !strings.Contains(err.Error(), "capture: vb: The interface") {
		t.Fatalf("got %v, want the interface went down or disappeared", err)
	}
}
