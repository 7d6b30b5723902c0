//go:build linux

package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/bpffilter"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

func seqOf(t *testing.T, p pcapfile.Packet, off int) uint32 {
	t.Helper()
	if len(p.Data) < off+4 {
		t.Fatalf("packet too short: %d", len(p.Data))
	}
	return binary.BigEndian.Uint32(p.Data[off:])
}

// TestVethAllArriveInOrder injects frames on va and captures them on vb:
// all arrive, in order, with the right lengths and plausible timestamps.
func TestVethAllArriveInOrder(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 4096})
	inj := newInjector(t, ns, "va")
	const n = 500
	before := time.Now()
	var sent [][]byte
	for i := range n {
		f := testFrame(60+(i*37)%1400, uint32(i))
		sent = append(sent, f)
		inj.send(t, f)
	}
	after := time.Now()
	pkts := drain(t, h)
	if len(pkts) != n {
		t.Fatalf("captured %d packets, want %d", len(pkts), n)
	}
	var last time.Time
	for i, p := range pkts {
		if got := seqOf(t, p, 14); got != uint32(i) {
			t.Fatalf("packet %d: seq %d (out of order)", i, got)
		}
		if !bytes.Equal(p.Data, sent[i]) {
			t.Fatalf("packet %d: data differs (len %d vs %d)", i, len(p.Data), len(sent[i]))
		}
		if p.Info.CaptureLength != len(sent[i]) || p.Info.Length != len(sent[i]) {
			t.Fatalf("packet %d: caplen %d len %d, want %d", i, p.Info.CaptureLength, p.Info.Length, len(sent[i]))
		}
		ts := p.Info.Timestamp
		if ts.Before(before.Add(-time.Second)) || ts.After(after.Add(time.Second)) || ts.Before(last) {
			t.Fatalf("packet %d: timestamp %v outside [%v, %v] or before previous %v", i, ts, before, after, last)
		}
		last = ts
		if p.Direction == pcapfile.DirectionOut || p.Info.InterfaceIndex != 0 {
			t.Fatalf("packet %d: direction %v iface %d", i, p.Direction, p.Info.InterfaceIndex)
		}
	}
	st, err := h.Stats()
	if err != nil {
		t.Fatal(err)
	}
	tot := st.Total()
	if _, err := h.Next(); err != io.EOF {
		t.Fatalf("Next after the drain: %v, want io.EOF", err)
	}
	if tot.Received != n || tot.Dropped != 0 || tot.Captured != n {
		t.Fatalf("stats %+v, want received=captured=%d dropped=0", tot, n)
	}
}

func TestSnaplenTruncation(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"vb"}, Snaplen: 100, BufferKiB: 1024})
	inj := newInjector(t, ns, "va")
	for i := range 20 {
		inj.send(t, testFrame(500, uint32(i)))
	}
	pkts := drain(t, h)
	if len(pkts) != 20 {
		t.Fatalf("captured %d, want 20", len(pkts))
	}
	for _, p := range pkts {
		if p.Info.CaptureLength != 100 || len(p.Data) != 100 || p.Info.Length != 500 {
			t.Fatalf("caplen %d len %d data %d, want 100/500", p.Info.CaptureLength, p.Info.Length, len(p.Data))
		}
	}
}

// TestVLANRestored: veth strips the 802.1Q tag into metadata (rx-vlan
// offload); the engine must put it back, as libpcap does.
func TestVLANRestored(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 1024})
	inj := newInjector(t, ns, "va")
	sent := vlanFrame(100, 100, 7)
	inj.send(t, sent)
	pkts := drain(t, h)
	if len(pkts) != 1 {
		t.Fatalf("captured %d, want 1", len(pkts))
	}
	p := pkts[0]
	if !bytes.Equal(p.Data, sent) {
		t.Fatalf("VLAN frame not restored:\n got %x\nwant %x", p.Data, sent)
	}
	if p.Info.Length != len(sent) {
		t.Fatalf("len %d, want %d", p.Info.Length, len(sent))
	}
}

// TestLoopbackOnce: on lo AF_PACKET sees each packet twice; smcdump shows it
// once, like tcpdump.
func TestLoopbackOnce(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"lo"}, BufferKiB: 1024})
	inj := newInjector(t, ns, "lo")
	for i := range 10 {
		inj.send(t, testFrame(80, uint32(i)))
	}
	pkts := drain(t, h)
	if len(pkts) != 10 {
		t.Fatalf("captured %d on lo, want 10 (each once)", len(pkts))
	}
	for i, p := range pkts {
		if seqOf(t, p, 14) != uint32(i) || p.Direction == pcapfile.DirectionOut {
			t.Fatalf("packet %d: seq %d direction %v", i, seqOf(t, p, 14), p.Direction)
		}
	}
	st, _ := h.Stats()
	if st.Total().Received != 10 {
		t.Fatalf("received by filter %d, want 10", st.Total().Received)
	}
}

func TestDirection(t *testing.T) {
	ns := newNetns(t)
	hin := openIn(t, ns, Config{Interfaces: []string{"va"}, Direction: DirectionIn, BufferKiB: 1024})
	hout := openIn(t, ns, Config{Interfaces: []string{"va"}, Direction: DirectionOut, BufferKiB: 1024})
	inj := newInjector(t, ns, "va")
	back := newInjector(t, ns, "vb")
	for i := range 5 {
		inj.send(t, testFrame(64, uint32(i))) // outgoing on va
	}
	for i := range 3 {
		back.send(t, testFrame(64, uint32(100+i))) // incoming on va
	}
	in, out := drain(t, hin), drain(t, hout)
	if len(in) != 3 || len(out) != 5 {
		t.Fatalf("-Q in got %d (want 3), -Q out got %d (want 5)", len(in), len(out))
	}
	for _, p := range out {
		if !p.Direction.Outbound() || p.Direction.EPBFlags()&3 != 2 {
			t.Fatalf("outbound packet has direction %v", p.Direction)
		}
	}
	for _, p := range in {
		if p.Direction.Outbound() || p.Direction.EPBFlags()&3 != 1 {
			t.Fatalf("inbound packet has direction %v", p.Direction)
		}
	}
}

// TestAnySLL2: "-i any" writes cooked SLL2 frames; a frame sent on va is seen
// leaving va and arriving on vb.
func TestAnySLL2(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"any"}, BufferKiB: 1024})
	if h.LinkType(0) != pcapfile.LinkTypeLinuxSLL2 {
		t.Fatalf("link type %d", h.LinkType(0))
	}
	inj := newInjector(t, ns, "va")
	var vaIdx, vbIdx int
	inNetns(t, ns, func() {
		a, _ := netInterfaceIndex("va")
		b, _ := netInterfaceIndex("vb")
		vaIdx, vbIdx = a, b
	})
	sent := testFrame(90, 42)
	inj.send(t, sent)
	pkts := drain(t, h)
	var sawOut, sawIn bool
	for _, p := range pkts {
		d := p.Data
		if len(d) < 20 || binary.BigEndian.Uint16(d[0:]) != testEtherType {
			continue
		}
		ifidx := int(binary.BigEndian.Uint32(d[4:]))
		if !bytes.Equal(d[20:], sent[14:]) || p.Info.Length != 20+len(sent)-14 {
			t.Fatalf("payload mismatch: %x", d)
		}
		if binary.BigEndian.Uint16(d[8:]) != 1 || d[11] != 6 {
			t.Fatalf("hatype/halen wrong: %x", d[:20])
		}
		switch {
		case ifidx == vaIdx && d[10] == unix.PACKET_OUTGOING:
			sawOut = true
		case ifidx == vbIdx && d[10] != unix.PACKET_OUTGOING:
			sawIn = true
		}
	}
	if !sawOut || !sawIn {
		t.Fatalf("any: saw outgoing on va %v, incoming on vb %v (%d packets)", sawOut, sawIn, len(pkts))
	}
}

func TestMultipleInterfaces(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"va", "vb"}, Direction: DirectionIn, BufferKiB: 1024})
	a := newInjector(t, ns, "va")
	b := newInjector(t, ns, "vb")
	a.send(t, testFrame(64, 1)) // arrives on vb
	b.send(t, testFrame(64, 2)) // arrives on va
	pkts := drain(t, h)
	if len(pkts) != 2 {
		t.Fatalf("got %d packets, want 2", len(pkts))
	}
	got := map[uint32]int{}
	for _, p := range pkts {
		got[seqOf(t, p, 14)] = p.Info.InterfaceIndex
	}
	if got[1] != 1 || got[2] != 0 {
		t.Fatalf("interface ids: %v (want seq1→1 (vb), seq2→0 (va))", got)
	}
}

// TestRingDrops: open a tiny ring, do not read, overflow it; the kernel
// counts the drops, and they reach the stats and the pcapng ISB.
func TestRingDrops(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"vb"}, Snaplen: 64, BufferKiB: 32, BlockSize: 8192})
	inj := newInjector(t, ns, "va")
	const n = 2000
	for i := range n {
		inj.send(t, testFrame(64, uint32(i)))
	}
	pkts := drain(t, h)
	st, err := h.Stats()
	if err != nil {
		t.Fatal(err)
	}
	tot := st.Total()
	if tot.Dropped == 0 || tot.FreezeQueue == 0 {
		t.Fatalf("expected drops and queue freezes, got %+v", tot)
	}
	if tot.Received != n || uint64(len(pkts))+tot.Dropped != n {
		t.Fatalf("received %d (want %d), captured %d + dropped %d != %d", tot.Received, n, len(pkts), tot.Dropped, n)
	}
	// in order, no duplicates
	for i := 1; i < len(pkts); i++ {
		if seqOf(t, pkts[i], 14) <= seqOf(t, pkts[i-1], 14) {
			t.Fatalf("out of order at %d", i)
		}
	}
	// The drop count reaches the file.
	path := filepath.Join(t.TempDir(), "drops.pcapng")
	out, err := pcapfile.NewOutput(pcapfile.OutputConfig{Path: path, Interfaces: h.Interfaces(), Stats: func() ([]pcapfile.InterfaceStats, error) {
		st, err := h.Stats()
		return st.ISBs(), err
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pkts {
		if err := out.WritePacket(&pkts[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	read := 0
	for {
		if _, err := fr.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		read++
	}
	isbs := fr.Stats()
	u := func(p *uint64) uint64 {
		if p == nil {
			return ^uint64(0)
		}
		return *p
	}
	// Ring drops go into isb_osdrop only; isb_ifdrop holds the interface's
	// own drops (none on a veth), never the ring drops.
	if read != len(pkts) || len(isbs) != 1 || u(isbs[0].OSDrop) != tot.Dropped || u(isbs[0].IfDrop) != tot.IfDropped ||
		u(isbs[0].IfRecv) != n || u(isbs[0].UsrDeliv) != uint64(len(pkts)) {
		t.Fatalf("%d packets read back, ISB %+v, want osdrop=%d ifdrop=%d ifrecv=%d usrdeliv=%d", read, isbs, tot.Dropped, tot.IfDropped, n, len(pkts))
	}
	if isbs[0].IfDrop == nil || !tot.IfDropKnown {
		t.Fatalf("interface drops of a veth not read (known %v) or not written: ISB %+v", tot.IfDropKnown, isbs)
	}
}

func TestOpenErrors(t *testing.T) {
	ns := newNetns(t)
	run(t, "ip", "-n", ns, "link", "add", "vdown", "type", "veth", "peer", "name", "vdown2")
	var err1, err2 error
	inNetns(t, ns, func() {
		_, err1 = Open(Config{Interfaces: []string{"nosuch0"}})
		_, err2 = Open(Config{Interfaces: []string{"vdown"}})
	})
	var ie *InterfaceError
	if !errors.As(err1, &ie) || ie.Name != "nosuch0" {
		t.Fatalf("unknown interface: %v", err1)
	}
	if !errors.As(err2, &ie) || ie.Reason != "that device is not up" {
		t.Fatalf("down interface: %v", err2)
	}
}

// bpfFilter adapts capture/bpffilter for the filter-verdict test.
type bpfFilter string

func (f bpfFilter) Expression() string { return string(f) }

func (f bpfFilter) KernelProgram(lt pcapfile.LinkType, snaplen int) ([]bpf.Instruction, error) {
	return bpffilter.Compile(string(f), bpffilter.Options{LinkType: bpffilter.LinkType(lt), Snaplen: uint32(snaplen), Mode: bpffilter.Live})
}

func (f bpfFilter) LiveMatcher(lt pcapfile.LinkType, snaplen int) (func([]byte, int, bool, uint16, uint8, int) bool, error) {
	e, err := bpffilter.NewExpr(string(f), bpffilter.Live)
	if err != nil {
		return nil, err
	}
	return e.LiveMatcher(lt, snaplen)
}

func (f bpfFilter) Matcher(lt pcapfile.LinkType, snaplen int) (func([]byte, int) bool, error) {
	prog, err := bpffilter.Compile(string(f), bpffilter.Options{LinkType: bpffilter.LinkType(lt), Snaplen: uint32(snaplen), Mode: bpffilter.Offline})
	if err != nil {
		return nil, err
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		return nil, err
	}
	return func(b []byte, _ int) bool { n, err := vm.Run(b); return err == nil && n > 0 }, nil
}

// TestKernelFilterVerdicts: the compiled filter is attached before bind and
// only matching frames (even sequence numbers) reach the ring, on a normal
// interface (kernel program) and on "any" (userland program on SLL2).
func TestKernelFilterVerdicts(t *testing.T) {
	ns := newNetns(t)
	const expr = "ether proto 0x88b5 and ether[17] & 1 = 0"
	h := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 1024, Filter: bpfFilter(expr)})
	ha := openIn(t, ns, Config{Interfaces: []string{"any"}, BufferKiB: 1024, Direction: DirectionIn, Filter: bpfFilter("ether proto 0x88b5 and ether[23] & 1 = 0")})
	inj := newInjector(t, ns, "va")
	for i := range 100 {
		inj.send(t, testFrame(64, uint32(i)))
	}
	pkts := drain(t, h)
	if len(pkts) != 50 {
		t.Fatalf("filter %q passed %d of 100 frames, want 50", expr, len(pkts))
	}
	for i, p := range pkts {
		if seqOf(t, p, 14) != uint32(2*i) {
			t.Fatalf("packet %d has seq %d", i, seqOf(t, p, 14))
		}
	}
	st, _ := h.Stats()
	if st.Total().Received != 50 {
		t.Fatalf("received by filter %d, want 50", st.Total().Received)
	}
	if got := drain(t, ha); len(got) != 50 {
		t.Fatalf("-i any with filter passed %d, want 50", len(got))
	}
}

// TestAnyVLAN: on "-i any" the stripped 802.1Q tag is kept too: the SLL2
// protocol field becomes the TPID and TCI + inner EtherType follow the
// header, the same bytes a tagged Ethernet frame carries after its MACs.
// (libpcap drops the tag for SLL2: its vlan_offset is unknown there.)
func TestAnyVLAN(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"any"}, Direction: DirectionIn, BufferKiB: 1024})
	inj := newInjector(t, ns, "va")
	sent := vlanFrame(100, 0x2064, 9) // PCP 1, VID 100
	inj.send(t, sent)
	pkts := drain(t, h)
	if len(pkts) != 1 {
		t.Fatalf("got %d packets", len(pkts))
	}
	d := pkts[0].Data
	if binary.BigEndian.Uint16(d[0:]) != 0x8100 || !bytes.Equal(d[20:], sent[14:]) || pkts[0].Info.Length != len(d) {
		t.Fatalf("SLL2 VLAN frame: %x (len %d)", d, pkts[0].Info.Length)
	}
}

// TestInterfaceDown: when the interface goes down during a capture, Next
// returns an error naming it instead of blocking forever.
func TestInterfaceDown(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 1024})
	errc := nextError(h)
	time.Sleep(100 * time.Millisecond)
	run(t, "ip", "-n", ns, "link", "set", "vb", "down")
	if err := waitError(t, errc); !errors.Is(err, unix.ENETDOWN) || !strings.Contains(err.Error(), "vb: The interface went down") {
		t.Fatalf("got %v, want ENETDOWN naming vb", err)
	}
}

// nextError reads h until Next fails and sends that error.
func nextError(h *Handle) <-chan error {
	errc := make(chan error, 1)
	go func() {
		for {
			if _, err := h.Next(); err != nil {
				errc <- err
				return
			}
		}
	}()
	return errc
}

// waitError waits up to 5 s for the error of nextError.
func waitError(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not notice the interface going away")
		return nil
	}
}

// TestInterfaceDownWhileOtherBusy: a capture on two interfaces notices the
// one that went away even while the other keeps delivering packets (the
// wait then never times out: the socket errors are read at least once per
// PollTimeout all the same).
func TestInterfaceDownWhileOtherBusy(t *testing.T) {
	ns := newNetns(t)
	run(t, "ip", "-n", ns, "link", "add", "vc", "type", "veth", "peer", "name", "vd")
	run(t, "ip", "-n", ns, "link", "set", "vc", "up")
	run(t, "ip", "-n", ns, "link", "set", "vd", "up")
	waitLinkUp(t, ns, "vc", "vd")
	h := openIn(t, ns, Config{Interfaces: []string{"vb", "vd"}, BufferKiB: 1024, Fanout: 1})
	inj := newInjector(t, ns, "va")
	errc := nextError(h)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // packets on vb every 300 ms (under the 1 s timeout), bounded in count
		for i := 0; i < 40; i++ {
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
				inj.send(t, testFrame(64, uint32(i)))
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	run(t, "ip", "-n", ns, "link", "del", "vd")
	if err := waitError(t, errc); !strings.Contains(err.Error(), "vd") {
		t.Fatalf("got %v, want an error naming vd", err)
	}
}

func netInterfaceIndex(name string) (int, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return 0, err
	}
	return ifc.Index, nil
}
