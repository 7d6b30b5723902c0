package mcast

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Synthetic RTP retransmission fixtures (project-made, labelled synthetic in
// their names: testdata/mcast/synthetic-rtx-*.pcap, rewritten with -update).
// A 90 kHz RTP flow of 200 packets, 1 ms apart, from 10.9.0.1:5000 to
// 239.9.0.1:6000; seq 1000..1199; packets 1020, 1021, 1050, 1120-1122 and 1180
// are lost on the primary. 30 ms after each loss (as a receiver's NACK and
// the sender's answer would take) the retransmission flow carries 1020,
// 1021, 1050, 1120 and 1121 again, plus one needless repeat of 1060 (which
// the primary had); 1122 and 1180 are never retransmitted: 7 lost, 5
// recovered, 2 unrecoverable.
var (
	rtxLost      = []uint16{1020, 1021, 1050, 1120, 1121, 1122, 1180}
	rtxResent    = []uint16{1020, 1021, 1050, 1060, 1120, 1121}
	rtxBase      = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	rtxSrc       = netip.MustParseAddrPort("10.9.0.1:5000")
	rtxDst       = netip.MustParseAddrPort("239.9.0.1:6000")
	rtxDstSess   = netip.MustParseAddrPort("239.9.0.1:6002")
	rtxPrimSSRC  = uint32(0x5a5a0000)
	rtxOtherSSRC = uint32(0x13572468)
)

func rtpPacket(pt uint8, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	b := make([]byte, 12, 12+len(payload))
	b[0], b[1] = 0x80, pt
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return append(b, payload...)
}

func rtxPayload(seq uint16) []byte {
	p := make([]byte, 40)
	for i := range p {
		p[i] = byte(seq) + byte(i)
	}
	return p
}

// rtxScenario builds the datagrams of one fixture: kind "rist" (TR-06-1:
// same packet, SSRC|1), "rfc4588-ssrc" (own SSRC and PT 97, own sequence
// numbers from 7000, OSN first), "rfc4588-session" (the same on port 6002
// with the primary's SSRC) or "restart" (no retransmission: the sender
// restarts with a new SSRC at seq 1100, whose loss must stay loss).
func rtxScenario(kind string) []Datagram {
	type ev struct {
		t   time.Duration
		dst netip.AddrPort
		p   []byte
	}
	var evs []ev
	rtxSeq := uint16(7000)
	for i := 0; i < 200; i++ {
		seq := uint16(1000 + i)
		at := time.Duration(i) * time.Millisecond
		ssrc := rtxPrimSSRC
		if kind == "restart" && seq >= 1100 {
			ssrc = rtxOtherSSRC
		}
		if !slices.Contains(rtxLost, seq) {
			evs = append(evs, ev{at, rtxDst, rtpPacket(96, seq, uint32(i)*90, ssrc, rtxPayload(seq))})
		}
		if kind == "restart" || !slices.Contains(rtxResent, seq) {
			continue
		}
		orig := rtpPacket(96, seq, uint32(i)*90, rtxPrimSSRC, rtxPayload(seq))
		var p []byte
		dst := rtxDst
		osn := binary.BigEndian.AppendUint16(nil, seq)
		switch kind {
		case "rist":
			p = slices.Clone(orig)
			binary.BigEndian.PutUint32(p[8:], rtxPrimSSRC|1)
		case "rfc4588-ssrc":
			p = rtpPacket(97, rtxSeq, uint32(i)*90, rtxOtherSSRC, append(osn, rtxPayload(seq)...))
			rtxSeq++
		case "rfc4588-session":
			p = rtpPacket(97, rtxSeq, uint32(i)*90, rtxPrimSSRC, append(osn, rtxPayload(seq)...))
			rtxSeq++
			dst = rtxDstSess
		}
		evs = append(evs, ev{at + 30*time.Millisecond + 100*time.Microsecond, dst, p})
	}
	slices.SortStableFunc(evs, func(a, b ev) int { return int(a.t - b.t) })
	out := make([]Datagram, len(evs))
	for i, e := range evs {
		out[i] = Datagram{Frame: i + 1, Time: rtxBase.Add(e.t), Src: rtxSrc, Dst: e.dst, Payload: e.p, Length: len(e.p)}
	}
	return out
}

// writePcap writes datagrams as Ethernet/IPv4/UDP frames.
func writePcap(t *testing.T, path string, ds []Datagram) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriterNanos(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		dst := d.Dst.Addr().As4()
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{1, 0, 0x5e, dst[1] & 0x7f, dst[2], dst[3]}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 8, Protocol: layers.IPProtocolUDP, SrcIP: d.Src.Addr().AsSlice(), DstIP: d.Dst.Addr().AsSlice()}
		udp := &layers.UDP{SrcPort: layers.UDPPort(d.Src.Port()), DstPort: layers.UDPPort(d.Dst.Port())}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(d.Payload)); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: d.Time, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 9 item 6: a retransmission flow is reported as such, with what it
// recovered; its own numbering adds nothing to the loss.
func TestRetransmissionFlows(t *testing.T) {
	for _, tc := range []struct {
		kind          string
		streams       int
		rtx           bool
		lost          uint64 // Report.Lost()
		recovered     uint64
		unrecoverable uint64
	}{
		{"rist", 1, true, 7, 5, 2},
		{"rfc4588-ssrc", 1, true, 7, 5, 2},
		{"rfc4588-session", 2, true, 7, 5, 2},
		{"restart", 1, false, 7, 0, 0},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			path := filepath.Join(goldenDir, "synthetic-rtx-"+tc.kind+".pcap")
			if *update {
				writePcap(t, path, rtxScenario(tc.kind))
			}
			ds, _ := readCapture(t, path)
			r := run(Config{}, ds)
			if len(r.Streams) != tc.streams || r.Lost() != tc.lost || r.TotalLost != tc.lost {
				t.Fatalf("%d streams, lost %d (total %d); want %d streams, lost %d", len(r.Streams), r.Lost(), r.TotalLost, tc.streams, tc.lost)
			}
			if !tc.rtx {
				if len(r.Retransmissions) != 0 {
					t.Fatalf("retransmissions %+v in a capture without any", r.Retransmissions)
				}
				golden(t, "synthetic-rtx-"+tc.kind, r)
				return
			}
			if len(r.Retransmissions) != 1 {
				t.Fatalf("retransmissions: %+v", r.Retransmissions)
			}
			x := r.Retransmissions[0]
			got := []any{x.Kind, x.Lost, x.Recovered, x.Unrecoverable, x.Retransmitted, x.Useless, x.DelayMinUS, x.DelayMedianUS, x.DelayMaxUS}
			// 30.1 ms after the lost packet's slot; the gap is revealed by
			// the next packet 1 ms (2, 3 ms for bursts) after the loss
			want := []any{tc.kind, uint64(7), uint64(5), uint64(2), uint64(6), uint64(1), 27100.0, 28100.0, 29100.0}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("retransmission (-want +got)\n%s", d)
			}
			for _, s := range r.Streams {
				for _, q := range s.Sequences {
					if q.Role == "retransmission" && (q.Lost != 0 || len(q.Gaps) != 0) {
						t.Errorf("retransmission flow %s of stream %d shows loss %d", q.Key, s.ID, q.Lost)
					}
				}
			}
			golden(t, "synthetic-rtx-"+tc.kind, r)
		})
	}
}

// FuzzRTX drives the retransmission detection (and both plot printers) with
// arbitrary RTP flows:
// records of [length][destination selector][datagram], seeded with the
// synthetic fixtures' datagrams.
func FuzzRTX(f *testing.F) {
	for _, kind := range []string{"rist", "rfc4588-ssrc", "rfc4588-session", "restart"} {
		var seed []byte
		for i, d := range rtxScenario(kind) {
			if i >= 60 && i < 140 { // keep the seeds short: the losses at 1020-1060 and 1120-1121
				continue
			}
			p := d.Payload[:min(len(d.Payload), 24)]
			seed = append(seed, byte(len(p)), byte(d.Dst.Port()&1))
			seed = append(seed, p...)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// Rasterising costs milliseconds: one input in 16 (chosen by its
		// last byte) also draws the PNG, so the target keeps its speed.
		drawPNG := len(b) > 0 && b[len(b)-1]&15 == 0
		var ds []Datagram
		for len(b) >= 2 {
			n := min(int(b[0]), len(b)-2)
			dst := rtxDst
			if b[1]&1 == 1 {
				dst = rtxDstSess
			}
			p := b[2 : 2+n]
			b = b[2+n:]
			ds = append(ds, Datagram{Frame: len(ds) + 1, Time: rtxBase.Add(time.Duration(len(ds)) * time.Millisecond), Src: rtxSrc, Dst: dst, Payload: p, Length: len(p)})
		}
		r := run(Config{Seq: []SeqRule{mustRule("rtp")}, Plot: true}, ds)
		if err := r.WritePlot(io.Discard); err != nil {
			t.Fatal(err)
		}
		panels := 0
		for _, s := range r.Streams {
			panels += len(s.Sequences)
		}
		if drawPNG && panels <= 4 { // a panel per sequence: keep the image small
			if err := r.WritePlotPNG(io.Discard); err != nil {
				t.Fatal(err)
			}
		}
		var lost uint64
		for _, s := range r.Streams {
			lost += s.Lost
			for _, q := range s.Sequences {
				if q.Role == "retransmission" && (q.Lost != 0 || len(q.Gaps) != 0) {
					t.Fatalf("retransmission flow with loss: %+v", q)
				}
			}
		}
		if lost != r.TotalLost {
			t.Fatalf("total lost %d, streams %d", r.TotalLost, lost)
		}
		for _, x := range r.Retransmissions {
			if x.Recovered > x.Lost || x.Unrecoverable != x.Lost-x.Recovered || x.DelayMinUS > x.DelayMedianUS || x.DelayMedianUS > x.DelayMaxUS {
				t.Fatalf("inconsistent retransmission report %+v", x)
			}
		}
	})
}

// Issue 9 item 7 (synthetic datagrams): datagrams cut by the snaplen are
// never a loss. Cut before any sequence number: the stream says the
// analysis was impossible; some cut before their number inside a
// sequenced stream: those are not counted in the gaps they fill.
func TestSnaplenCut(t *testing.T) {
	t.Run("impossible", func(t *testing.T) {
		var ps [][]byte
		for i := 0; i < 50; i++ {
			if i%10 == 9 {
				continue // really lost: still nothing can be said
			}
			ps = append(ps, msendData(uint64(i), false, 20)[:6])
		}
		ds := synth(ps...)
		for i := range ds {
			ds[i].Length, ds[i].Truncated = 28, true
		}
		r := run(Config{}, ds)
		s := r.Streams[0]
		if r.Lost() != 0 || r.SnaplenCutStreams != 1 || s.SnaplenCut == nil || s.SnaplenCut.SequenceAnalysis != "impossible" || s.SnaplenCut.Datagrams != 45 || s.SnaplenCut.CapturedMax != 6 {
			t.Fatalf("lost %d, cut streams %d, %+v", r.Lost(), r.SnaplenCutStreams, s.SnaplenCut)
		}
		var txt strings.Builder
		if err := r.WriteText(&txt); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"1 not analyzed: datagrams cut by the snaplen (capture with -s 0)", "none(cut)", "45 of 45 datagrams cut by the snaplen (at most 6 payload bytes captured, no sequence number in them): sequence analysis impossible"} {
			if !strings.Contains(txt.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, txt.String())
			}
		}
	})
	t.Run("unsequenced", func(t *testing.T) {
		// no sequence numbers in whole datagrams; a few later ones cut:
		// the snaplen is not why the stream is not analyzed
		var ps [][]byte
		for i := 0; i < 30; i++ {
			ps = append(ps, []byte{byte(i * 37), byte(i * 91), 0xaa, 0x55, byte(i * 13), 7, 7, 7, 7, 7, 7, 7})
		}
		ds := synth(ps...)
		for i := 20; i < 23; i++ {
			ds[i].Payload, ds[i].Truncated = ds[i].Payload[:4], true
		}
		r := run(Config{}, ds)
		s := r.Streams[0]
		if s.Format != "none" || r.SnaplenCutStreams != 0 || s.SnaplenCut == nil || s.SnaplenCut.SequenceAnalysis != "unsequenced" || s.SnaplenCut.Datagrams != 3 {
			t.Fatalf("format %s, cut streams %d, %+v", s.Format, r.SnaplenCutStreams, s.SnaplenCut)
		}
	})
	t.Run("partial", func(t *testing.T) {
		// RTP seq 100..139; 110-112 arrive cut to 8 bytes (no full RTP
		// header), 120 is really lost.
		var ds []Datagram
		for i := 0; i < 40; i++ {
			if i == 20 {
				continue
			}
			p := rtpPacket(96, uint16(100+i), uint32(i)*90, 0x01020304, rtxPayload(uint16(i)))
			ds = append(ds, synth(p)[0])
			d := &ds[len(ds)-1]
			d.Frame, d.Time = len(ds), d.Time.Add(time.Duration(i)*time.Millisecond)
			if i >= 10 && i < 13 {
				d.Payload, d.Truncated = p[:8], true
			}
		}
		r := run(Config{}, ds)
		s := r.Streams[0]
		if s.Format != "rtp" || r.Lost() != 1 || s.Sequences[0].SnaplenCut != 3 || s.SnaplenCut == nil || s.SnaplenCut.SequenceAnalysis != "partial" || s.SnaplenCut.Undecodable != 3 {
			t.Fatalf("format %s lost %d, %+v, %+v", s.Format, r.Lost(), s.Sequences, s.SnaplenCut)
		}
		var verdicts []string
		for _, g := range r.Gaps() {
			verdicts = append(verdicts, fmt.Sprintf("%d+%d %s", g.FirstMissing, g.Count, g.Verdict))
		}
		if d := cmp.Diff([]string{"110+3 snaplen", "120+1 unverified"}, verdicts); d != "" {
			t.Errorf("gaps (-want +got)\n%s", d)
		}
		golden(t, "synthetic-snaplen-partial", r)
	})
}

// RIST over the public RTP/MPEG-TS sample (test-162.pcap, SSRC 0x05060000;
// synthetic variant): frames 5 and 6 lost on the primary and resent 20 ms
// later with SSRC|1. Both are recovered, and the resent TS packets stay out
// of the continuity check (no CC errors).
func TestPublic162RIST(t *testing.T) {
	ds, _ := readCapture(t, publicFile(t, "test-162.pcap"))
	prim := without(ds, 5, 6)
	var all []Datagram
	for _, d := range prim {
		all = append(all, d)
		if d.Frame == 8 { // after the gap was revealed by frame 7 (originally)
			for _, o := range ds[4:6] {
				r := o
				r.Payload = slices.Clone(o.Payload)
				binary.BigEndian.PutUint32(r.Payload[8:], 0x05060001)
				r.Time = o.Time.Add(20 * time.Millisecond)
				all = append(all, r)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b Datagram) int { return a.Time.Compare(b.Time) })
	for i := range all {
		all[i].Frame = i + 1
	}
	r := run(Config{}, all)
	if len(r.Streams) != 1 || len(r.Retransmissions) != 1 {
		t.Fatalf("streams %d, retransmissions %+v", len(r.Streams), r.Retransmissions)
	}
	s, x := r.Streams[0], r.Retransmissions[0]
	if s.Format != "rtp-ts" || x.Kind != "rist" || x.Lost != 2 || x.Recovered != 2 || x.Unrecoverable != 0 || r.Lost() != 2 {
		t.Errorf("format %s, %+v, lost %d", s.Format, x, r.Lost())
	}
	if s.TS == nil || s.TS.Missing != 0 || len(s.TS.Errors) != 0 {
		t.Errorf("retransmitted TS packets reached the CC check: %+v", s.TS)
	}
	golden(t, "test-162-rist", r)
}

// A RIST retransmission flow whose retransmissions were all needless (the
// primary has every packet) is still a retransmission flow: its sparse
// numbers are no loss (synthetic datagrams).
func TestRISTNeedlessRetransmissions(t *testing.T) {
	var ps [][]byte
	for i := 0; i < 100; i++ {
		ps = append(ps, rtpPacket(33, uint16(500+i), uint32(i)*90, 0x0a0b0c0e, rtxPayload(uint16(i))))
		if i == 30 || i == 70 {
			ps = append(ps, rtpPacket(33, uint16(500+i-20), uint32(i-20)*90, 0x0a0b0c0f, rtxPayload(uint16(i-20))))
		}
	}
	r := run(Config{Seq: []SeqRule{mustRule("rtp")}}, synth(ps...))
	if r.Lost() != 0 || len(r.Retransmissions) != 1 || r.Retransmissions[0].Useless != 2 || r.Retransmissions[0].Recovered != 0 {
		t.Fatalf("lost %d, retransmissions %+v", r.Lost(), r.Retransmissions)
	}
}

// Synthetic A/B legs (testdata/mcast/synthetic-ab-legs.pcap, project-made,
// rewritten with -update): the same RTP flow on 239.9.1.1:7000 (A) and
// 239.9.2.1:7000 (B), seq 0..299, 1 ms apart, B 50 us behind A. A misses
// 50-52 and 200, B misses 51 and 120-121: only 51 is lost on both legs.
// The analyze package splits it into rotated files (issue 9 item 2).
func TestABLegsFixture(t *testing.T) {
	path := filepath.Join(goldenDir, "synthetic-ab-legs.pcap")
	if *update {
		a, b := netip.MustParseAddrPort("239.9.1.1:7000"), netip.MustParseAddrPort("239.9.2.1:7000")
		var ds []Datagram
		for i := 0; i < 300; i++ {
			p := rtpPacket(96, uint16(i), uint32(i)*90, 0x0c0c0c00, rtxPayload(uint16(i)))
			at := rtxBase.Add(time.Duration(i) * time.Millisecond)
			if i != 50 && i != 51 && i != 52 && i != 200 {
				ds = append(ds, Datagram{Time: at, Src: rtxSrc, Dst: a, Payload: p, Length: len(p)})
			}
			if i != 51 && i != 120 && i != 121 {
				ds = append(ds, Datagram{Time: at.Add(50 * time.Microsecond), Src: rtxSrc, Dst: b, Payload: p, Length: len(p)})
			}
		}
		writePcap(t, path, ds)
	}
	ds, _ := readCapture(t, path)
	r := run(Config{}, ds)
	if len(r.Pairs) != 1 || r.Pairs[0].LostA != 4 || r.Pairs[0].LostB != 3 || r.Pairs[0].LostBoth != 1 {
		t.Fatalf("pairs %+v", r.Pairs)
	}
	golden(t, "synthetic-ab-legs", r)
}

// TestGapAfterWrapOnWire: a gap after the 16-bit RTP counter wrapped
// keeps its extended first missing number and says the wire's; the text
// shows the wire values (synthetic stream).
func TestGapAfterWrapOnWire(t *testing.T) {
	tr := NewTracker(Config{})
	seq := uint16(65500)
	for i := range 200 {
		if i == 140 || i == 141 {
			seq++
			continue
		}
		tr.Add(&Datagram{Frame: i + 1, Time: rtxBase.Add(time.Duration(i) * time.Millisecond), Src: rtxSrc, Dst: rtxDst,
			Payload: rtpPacket(96, seq, uint32(i)*90, rtxPrimSSRC, rtxPayload(seq)), Length: 52})
		seq++
	}
	r := tr.Report()
	if len(r.Streams) != 1 || len(r.Streams[0].Sequences) != 1 {
		t.Fatalf("report %+v", r.Streams)
	}
	q := r.Streams[0].Sequences[0]
	if q.Bits != 16 || len(q.Gaps) != 1 {
		t.Fatalf("sequence: bits %d, gaps %+v", q.Bits, q.Gaps)
	}
	g := q.Gaps[0]
	if g.FirstMissing != 65640 || g.FirstMissingWire == nil || *g.FirstMissingWire != 104 || g.Count != 2 {
		t.Fatalf("gap %+v (wire %v)", g, g.FirstMissingWire)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ": 65500..163, expected 200") || !strings.Contains(b.String(), "\t104\t") && !strings.Contains(b.String(), " 104  ") {
		t.Errorf("text:\n%s", b.String())
	}
}
