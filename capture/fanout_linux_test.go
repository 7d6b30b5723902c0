//go:build linux

package capture

import (
	"encoding/binary"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// udpFrame builds an Ethernet/IPv4/UDP frame of flow flow (source port
// 10000+flow) to dport carrying seq at offset 42 (synthetic; checksums are
// not filled in: capture does not look at them).
func udpFrame(flow int, dport uint16, seq uint32) []byte {
	const payload = 32
	f := make([]byte, 14+20+8+payload)
	copy(f[0:6], []byte{0x02, 0, 0, 0, 0, 0xbb})
	copy(f[6:12], []byte{0x02, 0, 0, 0, 0, 0xaa})
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+payload))
	ip[8] = 64
	ip[9] = 17
	copy(ip[12:16], []byte{10, 9, 0, 1})
	copy(ip[16:20], []byte{10, 9, 0, 2})
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:], uint16(10000+flow))
	binary.BigEndian.PutUint16(udp[2:], dport)
	binary.BigEndian.PutUint16(udp[4:], 8+payload)
	binary.BigEndian.PutUint32(f[42:], seq)
	return f
}

// TestFanoutEveryFrameOnce sends frames of 64 UDP flows through a veth pair
// in a namespace and captures them twice at the same time: with two fanout
// rings (and a filter, attached to both sockets) and with a single ring.
// Every frame the filter accepts arrives exactly once in the fanout capture
// or is counted as dropped by the kernel (a loaded machine, as when the
// test packages run in parallel, can starve the readers: the sender pauses
// every 1,000 frames to make that rare), both rings carry traffic, the
// merged output is in time order except for frames counted as late, and
// the per-ring counters sum to the interface's.
func TestFanoutEveryFrameOnce(t *testing.T) {
	ns := newNetns(t)
	hf := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 4096, Fanout: 2,
		Filter: bpfFilter("udp and dst port 5000")})
	hs := openIn(t, ns, Config{Interfaces: []string{"vb"}, BufferKiB: 4096})
	if got := len(hf.rings); got != 2 {
		t.Fatalf("%d rings, want 2", got)
	}
	if got := len(hf.Interfaces()); got != 1 {
		t.Fatalf("%d interfaces, want 1 (the rings share one)", got)
	}
	inj := newInjector(t, ns, "va")
	// Read while sending: 20,000 frames do not fit in rings nobody reads
	// (each partly filled block retires after the block timeout).
	cf, cs := collect(hf), collect(hs)
	const n, flows = 20000, 64
	want := 0
	for i := range n {
		dport := uint16(5000)
		if i%5 == 4 {
			dport = 5001 // filtered out
		} else {
			want++
		}
		inj.send(t, udpFrame(i%flows, dport, uint32(i)))
		if i%1000 == 999 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	pf := cf(t)
	ps := cs(t)
	sst, err := hs.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if sd := sst.Interfaces[0].Dropped; uint64(len(ps))+sd != n {
		t.Fatalf("single ring captured %d frames and dropped %d, want %d in all", len(ps), sd, n)
	}
	fst, err := hf.Stats()
	if err != nil {
		t.Fatal(err)
	}
	fd := fst.Interfaces[0].Dropped
	if uint64(len(pf))+fd != uint64(want) {
		t.Fatalf("stats %+v; fanout captured %d frames and dropped %d, want %d in all (single ring: %d of %d)", fst, len(pf), fd, want, len(ps), n)
	}
	if fd > 0 {
		t.Logf("the kernel dropped %d frames (the machine is loaded): checking the others", fd)
	}
	seen := make([]bool, n)
	inversions := 0
	for i, p := range pf {
		if len(p.Data) < 46 || binary.BigEndian.Uint16(p.Data[36:]) != 5000 {
			t.Fatalf("frame %d: not one the filter accepts: %x", i, p.Data)
		}
		s := binary.BigEndian.Uint32(p.Data[42:])
		if s >= n || seen[s] {
			t.Fatalf("frame %d: seq %d duplicated or out of range", i, s)
		}
		seen[s] = true
		if i > 0 && p.Info.Timestamp.Before(pf[i-1].Info.Timestamp) {
			inversions++
		}
		if p.Info.InterfaceIndex != 0 || p.Interface != "vb" {
			t.Fatalf("frame %d: interface %d %q", i, p.Info.InterfaceIndex, p.Interface)
		}
		if p.Frame != i+1 {
			t.Fatalf("frame %d numbered %d", i, p.Frame)
		}
	}
	st, err := hf.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Interfaces) != 1 || len(st.Rings) != 2 {
		t.Fatalf("stats: %d interfaces, %d rings", len(st.Interfaces), len(st.Rings))
	}
	var recv, drop, capt uint64
	for _, r := range st.Rings {
		t.Logf("ring %d: received %d dropped %d captured %d", r.Ring, r.Received, r.Dropped, r.Captured)
		if r.Captured == 0 {
			t.Errorf("ring %d got no frame: the flows were not spread", r.Ring)
		}
		recv += r.Received
		drop += r.Dropped
		capt += r.Captured
	}
	c := st.Interfaces[0]
	if c.Received != recv || c.Dropped != drop || c.Captured != capt {
		t.Fatalf("interface counters %+v are not the sum of the rings' (%d, %d, %d)", c, recv, drop, capt)
	}
	if c.Received != uint64(want) || c.Captured != uint64(len(pf)) {
		t.Fatalf("counters %+v, want received=%d captured=%d", c, want, len(pf))
	}
	if uint64(inversions) > c.Late {
		t.Fatalf("%d frames out of time order, %d counted late", inversions, c.Late)
	}
	t.Logf("late: %d", c.Late)
	isb := st.ISBs()
	if len(isb) != 1 || *isb[0].IfRecv != recv || *isb[0].OSDrop != drop || *isb[0].UsrDeliv != capt {
		t.Fatalf("ISB %+v", isb)
	}
}

// collect reads h in a goroutine (copying the packets) until the returned
// function is called, which waits for the kernel's counters to settle,
// stops h and returns what was read.
func collect(h *Handle) func(testing.TB) []pcapfile.Packet {
	var out []pcapfile.Packet
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			p, err := h.Next()
			if err != nil {
				return
			}
			p.Data = append([]byte(nil), p.Data...)
			out = append(out, p)
		}
	}()
	return func(t testing.TB) []pcapfile.Packet {
		last, stable := uint64(0), 0
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && stable < 5; {
			time.Sleep(20 * time.Millisecond)
			st, _ := h.Stats()
			if r := st.Total().Received; r == last && r > 0 {
				stable++
			} else {
				last, stable = r, 0
			}
		}
		h.Stop()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("capture did not end after Stop")
		}
		return out
	}
}

// TestFanoutAny: "-i any" with fanout (cooked frames, userland SLL2
// header) still delivers each frame once.
func TestFanoutAny(t *testing.T) {
	ns := newNetns(t)
	h := openIn(t, ns, Config{Interfaces: []string{"any"}, BufferKiB: 2048, Fanout: 2, Direction: DirectionIn})
	inj := newInjector(t, ns, "va")
	const n = 2000
	for i := range n {
		inj.send(t, udpFrame(i%32, 5000, uint32(i)))
	}
	pkts := drain(t, h)
	seen := map[uint32]bool{}
	for _, p := range pkts {
		// SLL2 header, then the IPv4 packet (no Ethernet header on "any")
		if p.LinkType != pcapfile.LinkTypeLinuxSLL2 || len(p.Data) < 20+32 {
			continue
		}
		s := binary.BigEndian.Uint32(p.Data[20+28:])
		if seen[s] {
			t.Fatalf("seq %d twice", s)
		}
		seen[s] = true
	}
	if len(seen) != n {
		t.Fatalf("%d of %d frames", len(seen), n)
	}
}

// mergeRing is a ring of one synthetic block (see synthBlock) whose frames
// carry the time stamps ts (ns since 1700000000 s); ready says whether the
// kernel handed the block over.
func mergeRing(idx int, ts []int64, ready bool) *ring {
	var frames [][]byte
	for i := range ts {
		frames = append(frames, testFrame(60, uint32(idx<<16|i)))
	}
	const bs = 1 << 14
	m := synthBlock(bs, frames, 0)
	ne := binary.NativeEndian
	off := 48
	for _, t := range ts {
		ne.PutUint32(m[off+phSec:], uint32(1700000000+t/1e9))
		ne.PutUint32(m[off+phNsec:], uint32(t%1e9))
		off += int(ne.Uint32(m[off+phNext:]))
	}
	if ready {
		ne.PutUint32(m[bdBlockStatus:], unix.TP_STATUS_USER)
	}
	return &ring{mem: m, blockSize: bs, blockNr: 1, linkType: pcapfile.LinkTypeEthernet,
		snaplen: DefaultSnaplen, name: "synth", fd: -1}
}

// TestMergeSynthetic (synthetic ring blocks): two rings are merged by time
// stamp; a frame older than one already delivered is still delivered and
// counted late; a ring whose block is still open holds the merge back for
// at most the window.
func TestMergeSynthetic(t *testing.T) {
	newH := func(rs ...*ring) *Handle {
		h := &Handle{cfg: Config{Snaplen: DefaultSnaplen, BlockTimeout: DefaultBlockTimeout, PollTimeout: 10 * time.Millisecond},
			rings: rs, window: MergeWindow(DefaultBlockTimeout), evfd: -1}
		return h
	}
	a := mergeRing(0, []int64{10, 30, 50}, true)
	b := mergeRing(1, []int64{20, 40}, true)
	h := newH(a, b)
	pkts := make([]pcapfile.Packet, 16)
	got, err := h.nextMerged(pkts)
	if err != nil || got != 5 {
		t.Fatalf("got %d, %v", got, err)
	}
	for i := 1; i < got; i++ {
		if pkts[i].Info.Timestamp.Before(pkts[i-1].Info.Timestamp) {
			t.Fatalf("frame %d out of order: %v", i, pkts[:got])
		}
	}
	if a.relCount != 1 || b.relCount != 1 {
		t.Fatalf("blocks held: %d %d", a.relCount, b.relCount)
	}

	// Late: the merge already delivered a frame stamped 100.
	c := mergeRing(0, []int64{200}, true)
	d := mergeRing(1, []int64{50}, true)
	h = newH(c, d)
	h.lastNS = 1700000000e9 + 100
	if got, err := h.nextMerged(pkts); err != nil || got != 2 {
		t.Fatalf("late: got %d, %v", got, err)
	}
	if d.nLate != 1 || c.nLate != 0 {
		t.Fatalf("late counts %d %d, want 0 1", c.nLate, d.nLate)
	}

	// Unordered: one ring delivers a frame older than its own previous
	// one (the kernel stamped them so): not the merge's lateness.
	c = mergeRing(0, []int64{300, 250}, true)
	d = mergeRing(1, []int64{400}, true)
	h = newH(c, d)
	if got, err := h.nextMerged(pkts); err != nil || got != 3 {
		t.Fatalf("unordered: got %d, %v", got, err)
	}
	if c.nUnordered != 1 || c.nLate != 0 || d.nLate != 0 {
		t.Fatalf("unordered %d, late %d %d, want 1, 0 0", c.nUnordered, c.nLate, d.nLate)
	}

	// Hold: ring f has an open block with a frame in it (not handed over):
	// a fresh frame of e waits, at most the window.
	now := time.Now().UnixNano() - 1700000000e9
	e := mergeRing(0, []int64{now}, true)
	f := mergeRing(1, []int64{now - 1}, false)
	h = newH(e, f)
	if !h.head(e) {
		t.Fatal("no head")
	}
	ok, wait := h.mayEmit(e)
	if ok || wait <= 0 || wait > h.window {
		t.Fatalf("open block: mayEmit %v, wait %v (window %v)", ok, wait, h.window)
	}
	// An empty open block does not hold back a frame older than the margin.
	binary.NativeEndian.PutUint32(f.mem[bdNumPkts:], 0)
	g := mergeRing(0, []int64{now - int64(10*emptyMargin)}, true)
	h = newH(g, f)
	h.head(g)
	if ok, _ := h.mayEmit(g); !ok {
		t.Fatal("empty open block held the merge back")
	}
	// The window passed: deliver.
	old := mergeRing(0, []int64{now - int64(2*h.window)}, true)
	binary.NativeEndian.PutUint32(f.mem[bdNumPkts:], 1)
	h = newH(old, f)
	h.head(old)
	if ok, _ := h.mayEmit(old); !ok {
		t.Fatal("a frame older than the window was held")
	}
}

// BenchmarkMerge measures the merge of two rings' blocks into batches; it
// must not allocate.
func BenchmarkMerge(b *testing.B) {
	var ta, tb []int64
	for i := range 90 {
		ta = append(ta, int64(2*i))
		tb = append(tb, int64(2*i+1))
	}
	ra, rb := mergeRing(0, ta, true), mergeRing(1, tb, true)
	h := &Handle{cfg: Config{Snaplen: DefaultSnaplen, BlockTimeout: DefaultBlockTimeout}, rings: []*ring{ra, rb},
		window: MergeWindow(DefaultBlockTimeout), evfd: -1}
	pkts := make([]pcapfile.Packet, 512)
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range h.rings {
			r.relCount, r.block, r.reading, r.lastNS = 0, 0, false, 0
			binary.NativeEndian.PutUint32(r.mem[bdBlockStatus:], unix.TP_STATUS_USER)
		}
		h.lastNS = 0
		if n, err := h.nextMerged(pkts); err != nil || n != 180 {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*180), "ns/packet")
}

func TestGroupBlockTimeout(t *testing.T) {
	for _, c := range []struct {
		rings int
		want  time.Duration
	}{{0, 20 * time.Millisecond}, {1, 20 * time.Millisecond}, {2, 40 * time.Millisecond}, {4, 80 * time.Millisecond}, {64, 80 * time.Millisecond}} {
		if got := groupBlockTimeout(c.rings); got != c.want {
			t.Errorf("groupBlockTimeout(%d) = %v, want %v", c.rings, got, c.want)
		}
	}
	// The merge window follows the ring's timeout.
	if w := MergeWindow(groupBlockTimeout(2)); w != 90*time.Millisecond {
		t.Errorf("MergeWindow(2 rings) = %v, want 90ms", w)
	}
}
