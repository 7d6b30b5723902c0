package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// The issue-14 corpora and stress inputs (BENCHMARKS.md "Issue 14"). All are
// synthetic captures (analyze/synth) whose CLC payloads are real: they are
// taken from the lab recordings at generation time (loadLab). Sizes scale
// with -scale (bench/perf.sh quick uses a small one).

// corpusSpec is a mixed capture: bulk TCP, multicast streams and SMC-Rv2
// handshakes at a fixed interval.
type corpusSpec struct {
	frames     int // total frames (at least)
	handshakes int // SMC handshakes (one every frames/handshakes frames)
}

var corpora = map[string]corpusSpec{
	"A": {frames: 600_000, handshakes: 3_000},    // ~443 MB
	"B": {frames: 3_000_000, handshakes: 15_000}, // ~2.2 GB
	"C": {frames: 1_200_000, handshakes: 30_000}, // one handshake every 40 frames
}

// Stress input sizes.
const (
	nSYN       = 500_000   // unanswered SYNs with the SMC option, in 5 s
	nUDPFlows  = 200_000   // UDP flows of 3 datagrams
	nHS        = 1_000_000 // closed / open SMC handshakes
	nSnapshots = 8_640     // 24 h at the default 10 s interval
	nPlain     = 1_000_000 // short plain TCP connections (no SMC option)
	nScan      = 1_000_000 // ports scanned: SYN without the SMC option, RST
	nDNS       = 1_000_000 // DNS queries, each answered
)

const (
	mcastStreams = 8
	mcastPayload = 200 // market-data-sized datagrams
	mcastEvery   = 9   // one datagram per 9 bulk segment+ACK pairs
	bulkConns    = 8
	bulkSeg      = 1448
	frameStep    = 5 * time.Microsecond // capture time per bulk frame (~1.2 Gbit/s)
	declineEvery = 10                   // every 10th handshake is declined
)

type gen struct {
	w     *synth.Writer
	rng   *rand.Rand
	lab   *labPayloads
	hs    int // handshakes written (unique 4-tuples)
	bulk  []*synth.Conn
	bseg  []byte
	mseq  [mcastStreams]uint64
	mbuf  []byte
	round int
}

func newGen(w *synth.Writer, seed int64, lab *labPayloads) *gen {
	g := &gen{w: w, rng: rand.New(rand.NewSource(seed)), lab: lab, mbuf: make([]byte, mcastPayload)}
	g.bseg = make([]byte, bulkSeg)
	g.rng.Read(g.bseg)
	return g
}

// clientOf gives handshake i a unique 4-tuple: 4,096 client hosts, each
// using ports from 32768 up; 8 servers on port 5000.
func clientOf(i int) (netip.AddrPort, netip.AddrPort) {
	h := i % 4096
	port := 32768 + (i/4096)%28000
	n := i / (4096 * 28000)
	cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(16 + n), byte(h >> 8), byte(h)}), uint16(port))
	srv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 6, 0, byte(1 + i%8)}), 5000)
	return cli, srv
}

// handshake writes one SMC-Rv2 handshake with the lab's CLC payloads:
// SYN, SYN-ACK (both with the SMC option), ACK, Proposal, Accept, Confirm,
// the server's ACK and, when closed, FIN, FIN, ACK (10 frames). Every
// declineEvery-th (when decline) is declined by the server after the
// Proposal and closed after a short TCP fallback exchange.
func (g *gen) handshake(closed, decline bool) error {
	i := g.hs
	g.hs++
	cli, srv := clientOf(i)
	c := g.w.TCPConn(cli, srv, g.rng.Uint32(), g.rng.Uint32())
	c.RTT = 40 * time.Microsecond
	if err := c.Handshake(true, true); err != nil {
		return err
	}
	if err := c.Send(true, g.lab.Proposal); err != nil {
		return err
	}
	if decline && i%declineEvery == declineEvery-1 {
		if err := c.Send(false, g.lab.Decline); err != nil {
			return err
		}
		if err := c.ACK(true); err != nil {
			return err
		}
	} else {
		if err := c.Send(false, g.lab.Accept); err != nil {
			return err
		}
		if err := c.Send(true, g.lab.Confirm); err != nil {
			return err
		}
		if err := c.ACK(false); err != nil {
			return err
		}
	}
	if !closed {
		return nil
	}
	if err := c.FIN(true); err != nil {
		return err
	}
	if err := c.FIN(false); err != nil {
		return err
	}
	return c.ACK(true)
}

// startBulk opens the long-lived bulk connections (plain TCP, server sends).
func (g *gen) startBulk(seg int) error {
	g.bseg = g.bseg[:0]
	for len(g.bseg) < seg {
		g.bseg = append(g.bseg, byte(g.rng.Intn(256)))
	}
	for k := 0; k < bulkConns; k++ {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 3, 0, byte(1 + k)}), uint16(50000+k))
		srv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 4, 0, 1}), 443)
		c := g.w.TCPConn(cli, srv, g.rng.Uint32(), g.rng.Uint32())
		c.RTT = 20 * time.Microsecond
		if err := c.Handshake(false, false); err != nil {
			return err
		}
		g.bulk = append(g.bulk, c)
	}
	return nil
}

// bulkPair writes one data segment of a bulk connection and the receiver's
// ACK (2 frames).
func (g *gen) bulkPair() error {
	c := g.bulk[g.round%len(g.bulk)]
	g.round++
	if err := c.SendAt(false, 0, g.bseg); err != nil {
		return err
	}
	g.w.Advance(frameStep)
	if err := c.ACK(true); err != nil {
		return err
	}
	g.w.Advance(frameStep)
	return nil
}

func (g *gen) endBulk() error {
	for _, c := range g.bulk {
		if err := c.FIN(false); err != nil {
			return err
		}
		if err := c.FIN(true); err != nil {
			return err
		}
	}
	return nil
}

// mcast writes one msend-style datagram ("Message <hex>") of stream s.
func (g *gen) mcast(s int) error {
	g.mseq[s]++
	clear(g.mbuf)
	copy(g.mbuf, "Message "+strconv.FormatUint(g.mseq[s], 16)+"\x00")
	src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, 0, byte(1 + s)}), 40000)
	dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 1, 1, byte(1 + s)}), 5000)
	return g.w.UDP(src, dst, g.mbuf)
}

// corpus writes a mixed capture: bulk TCP (8 connections, 1448-byte
// segments each ACKed), 8 multicast streams of 200-byte datagrams (one per
// 9 segment+ACK pairs), and an SMC-Rv2 handshake every frames/handshakes
// frames (10 frames each; every 10th declined).
func (g *gen) corpus(spec corpusSpec) error {
	if err := g.startBulk(bulkSeg); err != nil {
		return err
	}
	interval := spec.frames / max(spec.handshakes, 1)
	next := interval / 2
	pairs := 0
	for g.w.Frames() < spec.frames {
		if g.hs < spec.handshakes && g.w.Frames() >= next {
			if err := g.handshake(true, true); err != nil {
				return err
			}
			next += interval
			continue
		}
		if err := g.bulkPair(); err != nil {
			return err
		}
		pairs++
		if pairs%mcastEvery == 0 {
			if err := g.mcast(pairs / mcastEvery % mcastStreams); err != nil {
				return err
			}
		}
	}
	return g.endBulk()
}

// handshakes writes n SMC-Rv2 handshakes back to back (1 µs apart), all
// completed; closed ones also end with FIN, FIN, ACK.
func (g *gen) handshakes(n int, closed bool) error {
	for i := 0; i < n; i++ {
		if err := g.handshake(closed, false); err != nil {
			return err
		}
		g.w.Advance(time.Microsecond)
	}
	return nil
}

// hsFrameLen is the mean frame length of a closed handshake, so the bulk
// reference can match the handshake capture's bytes as well as its frames.
func (g *gen) hsFrameLen() int {
	const base = 14 + 20 + 20
	sum := 10*base + 2*12 + len(g.lab.Proposal) + len(g.lab.Accept) + len(g.lab.Confirm)
	return sum / 10
}

// bulkFrames writes bulk TCP only, n frames, segments sized so the mean
// frame length equals a closed handshake's (the reference for "1M
// handshakes cost at most 2× the CPU of bulk traffic with the same frames").
func (g *gen) bulkFrames(n int) error {
	seg := 2*(g.hsFrameLen()-54) + 0
	if seg < 1 {
		seg = 1
	}
	if err := g.startBulk(seg); err != nil {
		return err
	}
	for g.w.Frames() < n-2*bulkConns {
		if err := g.bulkPair(); err != nil {
			return err
		}
	}
	return g.endBulk()
}

// syns writes n SYNs, with the SMC option when smc, never answered, evenly
// over 5 s, each from its own source address (a flood or a scan: as many
// peer pairs as SYNs).
func (g *gen) syns(n int, smc bool) error {
	step := 5 * time.Second / time.Duration(max(n, 1))
	for i := 0; i < n; i++ {
		_, srv := clientOf(i)
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(32 + i>>16), byte(i >> 8), byte(i)}), uint16(40000+i%20000))
		c := g.w.TCPConn(cli, srv, g.rng.Uint32(), 0)
		if err := c.SYN(smc); err != nil {
			return err
		}
		g.w.Advance(step)
	}
	return nil
}

// plainConns writes n short plain TCP connections (8 frames each): SYN and
// SYN-ACK without the SMC option, ACK, a 100-byte request, a 300-byte
// reply, FIN, FIN, ACK; 4,096 clients and 8 servers on port 80, unique
// 4-tuples, one connection starting every 40 µs.
func (g *gen) plainConns(n int) error {
	req, resp := make([]byte, 100), make([]byte, 300)
	for i := 0; i < n; i++ {
		cli, srv := clientOf(i)
		srv = netip.AddrPortFrom(srv.Addr(), 80)
		c := g.w.TCPConn(cli, srv, g.rng.Uint32(), g.rng.Uint32())
		c.RTT = 10 * time.Microsecond
		for _, step := range []func() error{
			func() error { return c.Handshake(false, false) },
			func() error { return c.Send(true, req) },
			func() error { return c.Send(false, resp) },
			func() error { return c.FIN(true) },
			func() error { return c.FIN(false) },
			func() error { return c.ACK(true) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		g.w.Advance(5 * time.Microsecond)
	}
	return nil
}

// scan writes a port scan of n ports: a SYN without the SMC option from
// one of 4,096 clients to a distinct address and port each, answered by
// the target's RST 5 µs later.
func (g *gen) scan(n int) error {
	for i := 0; i < n; i++ {
		cli, _ := clientOf(i)
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 7, byte(i >> 16), byte(i >> 8)}), uint16(1+i%65535))
		c := g.w.TCPConn(cli, dst, g.rng.Uint32(), 0)
		if err := c.SYN(false); err != nil {
			return err
		}
		g.w.Advance(5 * time.Microsecond)
		if err := c.RST(false); err != nil {
			return err
		}
		g.w.Advance(5 * time.Microsecond)
	}
	return nil
}

// udpFlows writes n UDP flows (distinct source and group) of 3 msend-style
// datagrams each: every flow's first datagram, then every second, then
// every third, 10 µs apart.
func (g *gen) udpFlows(n int) error {
	for round := 1; round <= 3; round++ {
		for i := 0; i < n; i++ {
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 8, byte(i >> 8), byte(i)}), uint16(40000+i>>16))
			dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, byte(2 + i>>16), byte(i >> 8), byte(i)}), 5000)
			clear(g.mbuf)
			copy(g.mbuf, "Message "+strconv.FormatInt(int64(round), 16)+"\x00")
			if err := g.w.UDP(src, dst, g.mbuf); err != nil {
				return err
			}
			g.w.Advance(10 * time.Microsecond)
		}
	}
	return nil
}

// dnsQueries writes n DNS queries and their responses as a busy server's
// capture holds them: each from one of 4,096 clients on its own ephemeral
// port to one of 8 servers on port 53, a 40-byte question (A record of a
// name that differs per query), the 56-byte answer 200 µs later with up
// to 20 queries outstanding in between, 10 µs between frames. Every query
// and every response is a UDP flow of one datagram.
func (g *gen) dnsQueries(n int) error {
	const outstanding = 20
	msg := func(id int, answer bool) []byte {
		b := make([]byte, 0, 56)
		flags := []byte{0x01, 0x00} // standard query, recursion desired
		an := byte(0)
		if answer {
			flags, an = []byte{0x81, 0x80}, 1
		}
		b = append(b, byte(id>>8), byte(id))
		b = append(b, flags...)
		b = append(b, 0, 1, 0, an, 0, 0, 0, 0)
		name := fmt.Sprintf("h%07x", id)
		b = append(b, byte(len(name)))
		b = append(b, name...)
		b = append(b, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1)
		if answer {
			b = append(b, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 10, 9, byte(id>>8), byte(id))
		}
		return b
	}
	ends := func(i int) (netip.AddrPort, netip.AddrPort) {
		cli, _ := clientOf(i)
		cli = netip.AddrPortFrom(cli.Addr(), uint16(32768+i%28000))
		return cli, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 53, 0, byte(1 + i%8)}), 53)
	}
	for i := 0; i < n+outstanding; i++ {
		if i < n {
			cli, srv := ends(i)
			if err := g.w.UDP(cli, srv, msg(i, false)); err != nil {
				return err
			}
			g.w.Advance(10 * time.Microsecond)
		}
		if j := i - outstanding; j >= 0 {
			cli, srv := ends(j)
			if err := g.w.UDP(srv, cli, msg(j, true)); err != nil {
				return err
			}
			g.w.Advance(10 * time.Microsecond)
		}
	}
	return nil
}

// snapshots writes a pcapng (as `smcdump capture` does: SHB, IDB, custom
// blocks) holding n copies of the lab's real kernel-counter snapshot,
// taken_at 10 s apart, and no packets.
func snapshots(bw *bufio.Writer, n int, lab *labPayloads) error {
	if lab.Snapshot == nil {
		return fmt.Errorf("no kernel-counter snapshot in the lab traces")
	}
	var s kstat.Snapshot
	if err := json.Unmarshal(lab.Snapshot, &s); err != nil {
		return err
	}
	nw, err := pcapfile.NewNgWriter(bw, pcapfile.SectionInfo{Application: "smcdump bench/gen (synthetic)", OS: "Linux", Hardware: "synthetic"},
		[]pcapfile.Interface{{Name: "eth0", LinkType: pcapfile.LinkTypeEthernet}}, 0)
	if err != nil {
		return err
	}
	start := s.TakenAt
	for i := 0; i < n; i++ {
		s.TakenAt = start.Add(time.Duration(i) * 10 * time.Second)
		js, err := s.MarshalJSON()
		if err != nil {
			return err
		}
		if err := nw.WriteKstat(js); err != nil {
			return err
		}
	}
	return nw.Flush()
}

func scaled(n int, scale float64) int { return max(1, int(float64(n)*scale+0.5)) }

// runKind writes the capture of one kind (see the -kind flag).
func runKind(path, kind, labGlob string, scale float64, seed int64, link synth.Link) error {
	lab, err := loadLab(labGlob)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 4<<20)
	cw := &countingWriter{w: bw}
	if kind == "kstat" {
		if err := snapshots(bw, scaled(nSnapshots, scale), lab); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		st, _ := f.Stat()
		fmt.Fprintf(os.Stderr, "gen: wrote %s: %d bytes, %d snapshots (synthetic; snapshot from the lab traces)\n", path, st.Size(), scaled(nSnapshots, scale))
		return f.Close()
	}
	w, err := synth.NewPcap(cw, link, synth.Start, true)
	if err != nil {
		return err
	}
	g := newGen(w, seed, lab)
	switch kind {
	case "A", "B", "C":
		s := corpora[kind]
		err = g.corpus(corpusSpec{frames: scaled(s.frames, scale), handshakes: scaled(s.handshakes, scale)})
	case "syn":
		err = g.syns(scaled(nSYN, scale), true)
	case "synplain":
		err = g.syns(scaled(nSYN, scale), false)
	case "udp":
		err = g.udpFlows(scaled(nUDPFlows, scale))
	case "hs-closed":
		err = g.handshakes(scaled(nHS, scale), true)
	case "hs-open":
		err = g.handshakes(scaled(nHS, scale), false)
	case "bulk-hs":
		err = g.bulkFrames(10 * scaled(nHS, scale))
	case "plain":
		err = g.plainConns(scaled(nPlain, scale))
	case "scan":
		err = g.scan(scaled(nScan, scale))
	case "dns":
		err = g.dnsQueries(scaled(nDNS, scale))
	default:
		err = fmt.Errorf("unknown -kind %q", kind)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %s: %d bytes, %d frames, %d SMC handshakes (synthetic; CLC payloads from %s, Decline from %s)\n",
		path, cw.n, w.Frames(), g.hs, lab.From, lab.DeclineFrom)
	return f.Close()
}
