// Command gen writes the synthetic benchmark captures for BENCHMARKS.md.
// Without -kind: a pcap of mixed traffic (bulk TCP transfers, many short SMC
// handshakes with every outcome, UDP multicast with an msend-style counter)
// of at least the requested size (bench/run.sh). With -kind: the corpora and
// stress inputs of issue 14 (bench/perf.sh), whose SMC-Rv2 CLC payloads and
// kernel-counter snapshot are read at generation time from the lab
// recordings of a real kernel (-lab). Every capture is synthetic
// (analyze/synth) and deterministic for given flags.
//
// Kinds: A, B, C (mixed corpora: 600k frames/3,000 handshakes,
// 3M/15,000, 1.2M/30,000), syn (500,000 unanswered SYNs with the SMC option
// in 5 s), udp (200,000 UDP flows of 3 datagrams), hs-closed and hs-open
// (1,000,000 SMC-Rv2 handshakes, closed or never closed), bulk-hs (bulk TCP
// with hs-closed's frame count and mean frame length), kstat (pcapng with
// 8,640 kernel-counter snapshots and no packets). -scale multiplies every
// count.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand"
	"net/netip"
	"os"
	"time"

	"github.com/smcdump/smcdump/analyze/synth"
)

func main() {
	out := flag.String("o", "bench.pcap", "output file")
	sizeMB := flag.Int("size", 1024, "minimum size in MiB")
	seed := flag.Int64("seed", 1, "random seed")
	kind := flag.String("kind", "", "issue-14 corpus or stress input: A, B, C, syn, synplain, udp, hs-closed, hs-open, bulk-hs, plain, scan, dns, kstat (default: the mixed capture of -size)")
	scale := flag.Float64("scale", 1, "with -kind: multiply every count by this")
	lab := flag.String("lab", "testdata/lab/out/6.12/*.pcapng", "with -kind: lab traces to take the CLC payloads and the snapshot from")
	linkName := flag.String("link", "ethernet", "with -kind: the link layer, ethernet or sll2 (Linux cooked v2, what a capture on \"any\" writes)")
	flag.Parse()
	if *kind != "" {
		link := synth.Ethernet
		switch *linkName {
		case "ethernet":
		case "sll2":
			link = synth.SLL2
		default:
			fmt.Fprintln(os.Stderr, "gen: -link must be ethernet or sll2")
			os.Exit(2)
		}
		if err := runKind(*out, *kind, *lab, *scale, *seed, link); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*out, int64(*sizeMB)<<20, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type countingWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func run(path string, size, seed int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 4<<20)
	cw := &countingWriter{w: bw}
	w, err := synth.NewPcap(cw, synth.Ethernet, synth.Start, true)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(seed))
	bulk := make([]byte, 1448)
	rng.Read(bulk)
	mc := make([]byte, 1400)
	group := netip.MustParseAddrPort("239.1.1.1:5000")
	sender := netip.MustParseAddrPort("10.2.0.1:40000")
	var seq uint64
	conn := 0
	for cw.n < size {
		// A bulk TCP transfer of 2,000 full segments (plain TCP).
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 3, byte(conn >> 8), byte(conn)}), uint16(30000+conn%20000))
		srv := netip.MustParseAddrPort("10.4.0.1:443")
		c := w.TCPConn(cli, srv, rng.Uint32(), rng.Uint32())
		c.RTT = 20 * time.Microsecond
		if err := c.Handshake(false, false); err != nil {
			return err
		}
		for i := 0; i < 2000; i++ {
			if err := c.SendAt(false, 0, bulk); err != nil {
				return err
			}
			if i%2 == 1 {
				if err := c.ACK(true); err != nil {
					return err
				}
			}
			w.Advance(2 * time.Microsecond)
			// interleave multicast datagrams
			if i%4 == 0 {
				seq++
				copy(mc, fmt.Sprintf("Message %x\x00", seq))
				if err := w.UDP(sender, group, mc); err != nil {
					return err
				}
			}
		}
		// 50 short SMC handshakes with varied outcomes.
		for k := 0; k < 50; k++ {
			conn++
			cl := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 5, byte(conn >> 8), byte(conn)}), uint16(40000+conn%20000))
			sv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 6, 0, byte(k % 8)}), 5000)
			hc := w.TCPConn(cl, sv, rng.Uint32(), rng.Uint32())
			hc.RTT = 20 * time.Microsecond
			switch k % 4 {
			case 0:
				err = hc.Handshake(true, true)
				for _, m := range [][]byte{synth.ProposalV2R(), nil} {
					if m != nil && err == nil {
						err = hc.Send(true, m)
					}
				}
				if err == nil {
					err = hc.Send(false, synthDecline(0x03030000))
				}
			case 1:
				err = hc.Handshake(true, false)
			case 2:
				err = hc.Handshake(false, false)
			case 3:
				err = hc.Handshake(true, true)
				if err == nil {
					err = hc.Send(true, synth.ProposalV1R())
				}
			}
			if err != nil {
				return err
			}
			if err := hc.FIN(true); err != nil {
				return err
			}
			if err := hc.FIN(false); err != nil {
				return err
			}
		}
		conn++
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %s: %d bytes, %d frames\n", path, cw.n, w.Frames())
	return nil
}

func synthDecline(code uint32) []byte {
	b := []byte{0xE2, 0xD4, 0xC3, 0xD9, 4, 0, 44, 0x20}
	b = append(b, make([]byte, 8)...)
	b = append(b, byte(code>>24), byte(code>>16), byte(code>>8), byte(code), 0x20, 0, 0, 0)
	b = append(b, make([]byte, 16)...)
	return append(b, 0xE2, 0xD4, 0xC3, 0xD9)
}
