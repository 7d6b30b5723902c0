package analyze

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"github.com/smcdump/smcdump/internal/tunnelwrap"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// frameBytes renders synthetic frames for seeding decoder fuzzing.
func frameBytes(t testing.TB, link synth.Link, build func(w *synth.Writer) error) [][]byte {
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, link, synth.Start, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := build(w); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()[24:]
	var out [][]byte
	for len(b) >= 16 {
		n := int(binary.LittleEndian.Uint32(b[8:]))
		out = append(out, b[16:16+n])
		b = b[16+n:]
	}
	return out
}

func FuzzDecodeFrame(f *testing.F) {
	for _, s := range synth.Scenarios() {
		for _, fr := range frameBytes(f, s.Link, s.Build) {
			f.Add(uint32(s.Link.LinkType()), fr)
		}
	}
	for _, fr := range tunnelSeeds(f) {
		f.Add(uint32(pcapfile.LinkTypeEthernet), fr)
	}
	f.Fuzz(func(t *testing.T, lt uint32, b []byte) {
		var fr decode.Frame
		decode.DecodeInner(pcapfile.LinkType(lt%300), b, &fr)
		if fr.Status == decode.StatusOK && len(fr.Payload) > fr.PayloadLen && fr.PayloadLen >= 0 {
			t.Fatalf("payload %d bytes > wire length %d", len(fr.Payload), fr.PayloadLen)
		}
		if fr.Tunnel.Depth > decode.MaxTunnelDepth || (fr.Tunnel.Depth == 0) != (fr.Tunnel.Kind == decode.TunnelNone) {
			t.Fatalf("tunnel %+v", fr.Tunnel)
		}
		// The analysis filter's view of the frame inside (innerFilter).
		var scratch decode.Frame
		if in, ok := decode.Innermost(pcapfile.LinkType(lt%300), b, &scratch); ok {
			if len(in.Data) >= len(b) || in.WireLen < 0 {
				t.Fatalf("inner frame of %d bytes (wire %d) in a frame of %d", len(in.Data), in.WireLen, len(b))
			}
			if fr.Tunnel.Depth == 0 {
				t.Fatalf("Innermost opened a tunnel DecodeInner did not")
			}
		}
	})
}

// FuzzTrackerCLC feeds arbitrary payload segments into a connection that
// agreed on SMC: the tracker must never panic and always reach a verdict.
func FuzzTrackerCLC(f *testing.F) {
	f.Add(synth.ProposalV2R(), []byte{}, uint8(7))
	f.Add(synth.ProposalV1R(), synth.ProposalV2D(), uint8(50))
	f.Add([]byte("E2D4"), []byte{0xE2, 0xD4, 0xC3, 0xD9, 4, 0, 28, 0x10}, uint8(3))
	f.Fuzz(func(t *testing.T, c2s, s2c []byte, mss uint8) {
		tr := smcflow.NewTracker()
		cli := netip.MustParseAddrPort("10.0.0.1:1000")
		srv := netip.MustParseAddrPort("10.0.0.2:80")
		ts := time.Unix(1, 0)
		opt := []byte{1, 1, 254, 6, 0xE2, 0xD4, 0xC3, 0xD9}
		seg := func(fromC bool, flags uint8, seq uint32, p []byte, o []byte) {
			fr := decode.Frame{IPVer: 4, Proto: decode.ProtoTCP, Flags: flags, Seq: seq, TCPOpts: o, Payload: p, PayloadLen: len(p)}
			if fromC {
				fr.Src, fr.SrcPort, fr.Dst, fr.DstPort = cli.Addr(), cli.Port(), srv.Addr(), srv.Port()
			} else {
				fr.Src, fr.SrcPort, fr.Dst, fr.DstPort = srv.Addr(), srv.Port(), cli.Addr(), cli.Port()
			}
			ts = ts.Add(time.Millisecond)
			tr.HandleTCP(&fr, 1, ts)
		}
		seg(true, decode.TCPSYN, 1000, nil, opt)
		seg(false, decode.TCPSYN|decode.TCPACK, 5000, nil, opt)
		step := int(mss)%64 + 1
		cs, ss := uint32(1001), uint32(5001)
		for i, j := 0, 0; i < len(c2s) || j < len(s2c); {
			if i < len(c2s) {
				n := min(step, len(c2s)-i)
				seg(true, decode.TCPACK, cs, c2s[i:i+n], nil)
				cs += uint32(n)
				i += n
			}
			if j < len(s2c) {
				n := min(step, len(s2c)-j)
				seg(false, decode.TCPACK, ss, s2c[j:j+n], nil)
				ss += uint32(n)
				j += n
			}
		}
		conns := tr.Finish()
		if len(conns) != 1 || conns[0].Outcome == "" || conns[0].Summary == "" {
			t.Fatalf("no verdict: %+v", conns)
		}
	})
}

func TestRunOnMissingAndGoodFiles(t *testing.T) {
	rep, err := Run(context.Background(), Config{}, []string{"../testdata/synthetic/peer-no-smc.pcapng", "/nonexistent.pcap"})
	if err == nil {
		t.Fatal("missing file gave no error")
	}
	if len(rep.Connections) != 1 || rep.Connections[0].Reason != smcflow.ReasonPeerNoSMC {
		t.Fatalf("good file not analyzed: %+v", rep.Connections)
	}
}

func BenchmarkAnalyzeSMC(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "synthetic", "smcr-v2-link.pcapng"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		fr, _ := pcapfile.NewFileReader(bytes.NewReader(data))
		a := NewAnalyzer(Config{})
		a.AnalyzeReader(context.Background(), "x", fr)
		a.Finish()
	}
}

// TestRotatedFiles: a connection that continues into the next file (tcpdump
// -C/-G rotation) is one connection; stages and evidence follow packet
// order across files, and evidence names the file of each frame.
func TestRotatedFiles(t *testing.T) {
	fr, err := pcapfile.OpenFile("../testdata/synthetic/decline-after-confirm.pcapng", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var parts [2]bytes.Buffer
	var ws [2]*synth.Writer
	for i := range ws {
		if ws[i], err = synth.NewPcap(&parts[i], synth.Ethernet, synth.Start, true); err != nil {
			t.Fatal(err)
		}
	}
	for {
		p, err := fr.Next()
		if err != nil {
			break
		}
		i := 0
		if p.Frame >= 7 { // the late Decline goes into the second file
			i = 1
		}
		ws[i].Now = p.Info.Timestamp
		if err := ws[i].WriteFrame(p.Data); err != nil {
			t.Fatal(err)
		}
	}
	fr.Close()
	names := []string{filepath.Join(dir, "rot0.pcap"), filepath.Join(dir, "rot1.pcap")}
	for i, n := range names {
		if err := os.WriteFile(n, parts[i].Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Run(context.Background(), Config{}, names)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Connections) != 1 {
		t.Fatalf("%d connections", len(rep.Connections))
	}
	c := rep.Connections[0]
	if c.Reason != smcflow.ReasonLateDecline || c.Decline == nil || c.Decline.Stage != "after-confirm" {
		t.Fatalf("verdict %s/%s %+v", c.Outcome, c.Reason, c.Decline)
	}
	last := c.Evidence[len(c.Evidence)-1]
	if last.File != names[1] || last.Frame != 1 || c.Evidence[0].File != names[0] {
		t.Errorf("evidence files: first %q, last %q frame %d", c.Evidence[0].File, last.File, last.Frame)
	}
}

// BenchmarkBenchCorpus runs the analysis over the benchmark capture made by
// bench/gen (SMCDUMP_BENCH_FILE), with and without the UDP gap analysis,
// to measure its share (goal: at most 20% more time).
func BenchmarkBenchCorpus(b *testing.B) {
	path := os.Getenv("SMCDUMP_BENCH_FILE")
	if path == "" {
		b.Skip("set SMCDUMP_BENCH_FILE to a capture made by go run ./bench/gen")
	}
	for _, noUDP := range []bool{false, true} {
		name := "with-udp"
		if noUDP {
			name = "no-udp"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				a := NewAnalyzer(Config{NoUDP: noUDP})
				if err := a.AnalyzeFile(context.Background(), path); err != nil {
					b.Fatal(err)
				}
				a.Finish()
			}
		})
	}
}

// ipv4Fragments builds Ethernet frames carrying one UDP datagram split into
// IPv4 fragments of at most mtu payload bytes (synthetic: hand-built headers).
func ipv4Fragments(id uint16, src, dst netip.AddrPort, payload []byte, mtu int) [][]byte {
	udp := binary.BigEndian.AppendUint16(nil, src.Port())
	udp = binary.BigEndian.AppendUint16(udp, dst.Port())
	udp = binary.BigEndian.AppendUint16(udp, uint16(8+len(payload)))
	udp = append(udp, 0, 0)
	udp = append(udp, payload...)
	var frames [][]byte
	for off := 0; off < len(udp); off += mtu {
		end := min(off+mtu, len(udp))
		ip := make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+end-off))
		binary.BigEndian.PutUint16(ip[4:], id)
		fo := uint16(off / 8)
		if end < len(udp) {
			fo |= 0x2000 // MF
		}
		binary.BigEndian.PutUint16(ip[6:], fo)
		ip[8], ip[9] = 64, 17
		s4, d4 := src.Addr().As4(), dst.Addr().As4()
		copy(ip[12:], s4[:])
		copy(ip[16:], d4[:])
		eth := []byte{0x01, 0x00, 0x5e, 0x01, 0x01, 0x01, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00}
		frames = append(frames, append(append(eth, ip...), udp[off:end]...))
	}
	return frames
}

// analyzeFrames analyzes Ethernet frames written 1 µs apart into a pcap
// (the synthetic traces of the fragment tests) and returns the report.
func analyzeFrames(t *testing.T, frames [][]byte) *report.Report {
	t.Helper()
	return analyzeLinkFrames(t, synth.Ethernet, frames)
}

// analyzeLinkFrames is analyzeFrames for frames of another link type.
func analyzeLinkFrames(t *testing.T, link synth.Link, frames [][]byte) *report.Report {
	t.Helper()
	var buf bytes.Buffer
	w, err := synth.NewPcap(&buf, link, synth.Start, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		w.Advance(time.Microsecond)
		if err := w.WriteFrame(fr); err != nil {
			t.Fatal(err)
		}
	}
	fr, err := pcapfile.NewFileReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnalyzer(Config{})
	if err := a.AnalyzeReader(context.Background(), "synthetic", fr); err != nil {
		t.Fatal(err)
	}
	return a.Finish()
}

// TestUDPFragmentReassembly: msend-style datagrams larger than the MTU are
// reassembled before the gap analysis; a datagram whose middle fragment is
// missing never reached a socket and shows as a gap, out-of-order
// fragments are fine.
func TestUDPFragmentReassembly(t *testing.T) {
	src := netip.MustParseAddrPort("10.2.0.1:40000")
	dst := netip.MustParseAddrPort("239.1.1.1:5000")
	var frames [][]byte
	for seq := 0; seq < 10; seq++ {
		msg := make([]byte, 3000)
		copy(msg, fmt.Sprintf("Message %x\x00", seq))
		frags := ipv4Fragments(uint16(100+seq), src, dst, msg, 1480)
		switch seq {
		case 4:
			frags = append(frags[:1], frags[2:]...) // middle fragment lost
		case 6:
			frags[0], frags[2] = frags[2], frags[0] // out of order
		}
		frames = append(frames, frags...)
	}
	rep := analyzeFrames(t, frames)
	if rep.Summary.UDPDatagrams != 9 || rep.Summary.UDPIncomplete != 1 {
		t.Fatalf("datagrams %d incomplete %d, want 9 and 1", rep.Summary.UDPDatagrams, rep.Summary.UDPIncomplete)
	}
	if rep.Multicast == nil || len(rep.Multicast.Streams) != 1 {
		t.Fatalf("streams: %+v", rep.Multicast)
	}
	st := rep.Multicast.Streams[0]
	if st.Format != "mtools" || st.Lost != 1 || st.Truncated != 0 {
		t.Errorf("stream format %s lost %d truncated %d, want mtools, 1 lost (seq 4), 0 truncated", st.Format, st.Lost, st.Truncated)
	}
}

// FuzzAnalyzer feeds arbitrary frame sequences (1-byte length prefixes,
// Ethernet) through the whole per-frame pipeline: decoding, TCP/CLC
// tracking, UDP reassembly and the gap analysis. It must never panic.
// Seeds: fragment trains (fragTrainSeeds: ID reuse, overlaps, duplicates,
// out-of-order, lost first/last fragment, past 64 KiB), synthetic
// scenarios, and real lab frames in testdata/fuzz/FuzzAnalyzer.
func FuzzAnalyzer(f *testing.F) {
	for _, fr := range ipv4Fragments(7, netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("239.0.0.1:2"), []byte("Message 1\x00padding"), 8) {
		f.Add(append([]byte{byte(len(fr))}, fr...))
	}
	for _, s := range fragTrainSeeds() {
		f.Add(s)
	}
	// real lab frames in VXLAN, in IP fragments (reassembledTunnel)
	var vx []byte
	for i, fr := range tunnelSeeds(f)[:6] {
		b, w := tunnelwrap.VXLAN(7, fr, len(fr))
		for _, p := range tunnelwrap.Fragment(b, w, 120, uint16(i+1)) {
			if len(p) < 256 {
				vx = append(append(vx, byte(len(p))), p...)
			}
		}
	}
	f.Add(vx)
	// the same in GRE and in IP in IP, and bare (TCP in fragments:
	// reassembledIP)
	for _, wrap := range []func(fr []byte) ([]byte, int){
		func(fr []byte) ([]byte, int) {
			return tunnelwrap.IPv4(47, append([]byte{0, 0, 0x65, 0x58}, fr...), 4+len(fr))
		},
		func(fr []byte) ([]byte, int) { return tunnelwrap.IPv4(4, fr[14:], len(fr)-14) },
		func(fr []byte) ([]byte, int) { return fr, len(fr) },
	} {
		var seq []byte
		for i, fr := range tunnelSeeds(f)[:6] {
			b, w := wrap(fr)
			for _, p := range tunnelwrap.Fragment(b, w, 100, uint16(i+1)) {
				if len(p) < 256 {
					seq = append(append(seq, byte(len(p))), p...)
				}
			}
		}
		f.Add(seq)
	}
	// ICMP errors about UDP datagrams (icmpError), IGMP and MLD
	// (membership) from real kernels; the first 300 frames of the
	// membership lab's leave and rejoin
	for _, name := range []string{"icmp/diag.pcap", "icmp/nd.pcap", "membership/leave-rejoin.pcapng"} {
		r, err := pcapfile.OpenFile("../testdata/"+name, nil)
		if err != nil {
			continue
		}
		var seq []byte
		for i := 0; i < 300; i++ {
			p, err := r.Next()
			if err != nil {
				break
			}
			if len(p.Data) < 256 {
				seq = append(append(seq, byte(len(p.Data))), p.Data...)
			}
		}
		r.Close()
		f.Add(seq)
	}
	for _, s := range synth.Scenarios()[:4] {
		var seq []byte
		for _, fr := range frameBytes(f, synth.Ethernet, s.Build) {
			if len(fr) < 256 {
				seq = append(append(seq, byte(len(fr))), fr...)
			}
		}
		f.Add(seq)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		a := NewAnalyzer(Config{})
		fi := &report.FileInfo{}
		und := map[string]int{}
		ts := time.Unix(1, 0)
		for n := 1; len(b) > 0; n++ {
			l := int(b[0])
			b = b[1:]
			if l > len(b) {
				l = len(b)
			}
			ts = ts.Add(time.Duration(l) * time.Millisecond)
			p := &pcapfile.Packet{Frame: n, LinkType: pcapfile.LinkTypeEthernet, Data: b[:l], Info: pcapfile.CaptureInfo{Timestamp: ts, CaptureLength: l, Length: l}}
			a.frame(fi, und, p, 0)
			b = b[l:]
		}
		a.Finish()
	})
}

// ipv6Fragments is ipv4Fragments for IPv6 (SYNTHETIC): the UDP datagram,
// behind a destination options header when destOpts, split into fragments
// of at most mtu bytes (a multiple of 8) after the fragment header.
func ipv6Fragments(id uint32, src, dst netip.AddrPort, payload []byte, mtu int, destOpts bool) [][]byte {
	be := binary.BigEndian
	udp := be.AppendUint16(be.AppendUint16(nil, src.Port()), dst.Port())
	udp = append(be.AppendUint16(udp, uint16(8+len(payload))), 0, 0)
	part, first := append(udp, payload...), uint8(17)
	if destOpts {
		// next header UDP, length 0 (8 bytes), a PadN option of 4
		part, first = append([]byte{17, 0, 1, 4, 0, 0, 0, 0}, part...), 60
	}
	var frames [][]byte
	for off := 0; off < len(part); off += mtu {
		end := min(off+mtu, len(part))
		ip := []byte{0x60, 0, 0, 0, 0, 0, 44, 64}
		be.PutUint16(ip[4:], uint16(8+end-off))
		s, d := src.Addr().As16(), dst.Addr().As16()
		ip = append(append(ip, s[:]...), d[:]...)
		fo := uint16(off/8) << 3
		if end < len(part) {
			fo |= 1 // M
		}
		ip = be.AppendUint32(be.AppendUint16(append(ip, first, 0), fo), id)
		eth := []byte{0x33, 0x33, 0, 0, 1, 1, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd}
		frames = append(frames, append(append(eth, ip...), part[off:end]...))
	}
	return frames
}

// mtoolsV6Fragments is 10 mtools messages of 3,000 bytes from
// [2001:db8::1]:40000 to [ff15::1]:5000 in IPv6 fragments (ipv6Fragments,
// 1,232 bytes each), the middle fragment of message lose (-1: none) left
// out, each fragment passed through wrap (nil: as it is).
func mtoolsV6Fragments(destOpts bool, lose int, wrap func([]byte) []byte) [][]byte {
	var frames [][]byte
	for seq := 0; seq < 10; seq++ {
		msg := make([]byte, 3000)
		copy(msg, fmt.Sprintf("Message %x\x00", seq))
		frags := ipv6Fragments(uint32(100+seq), netip.MustParseAddrPort("[2001:db8::1]:40000"), netip.MustParseAddrPort("[ff15::1]:5000"), msg, 1232, destOpts)
		if seq == lose {
			frags = append(frags[:1], frags[2:]...)
		}
		for _, fr := range frags {
			if wrap != nil {
				fr = wrap(fr)
			}
			frames = append(frames, fr)
		}
	}
	return frames
}

// TestIPv6FragmentReassembly: IPv6 datagrams in fragments are reassembled
// with or without a destination options header in their fragmentable part
// (RFC 8200 4.5: fragment offsets count from after the fragment header).
func TestIPv6FragmentReassembly(t *testing.T) {
	for _, destOpts := range []bool{false, true} {
		rep := analyzeFrames(t, mtoolsV6Fragments(destOpts, 4, nil))
		// With destination options the transport is not known before
		// reassembly: the incomplete datagram counts as IP's.
		wantUDP, wantIP := 1, 0
		if destOpts {
			wantUDP, wantIP = 0, 1
		}
		if rep.Summary.UDPDatagrams != 9 || rep.Summary.UDPIncomplete != wantUDP || rep.Summary.IPIncomplete != wantIP {
			t.Errorf("destination options %v: datagrams %d, incomplete UDP %d IP %d; want 9, %d, %d", destOpts, rep.Summary.UDPDatagrams, rep.Summary.UDPIncomplete, rep.Summary.IPIncomplete, wantUDP, wantIP)
		}
		if rep.Multicast == nil || len(rep.Multicast.Streams) != 1 || rep.Multicast.Streams[0].Lost != 1 || rep.Multicast.Streams[0].Format != "mtools" {
			t.Errorf("destination options %v: streams %+v, want one mtools stream with 1 lost", destOpts, rep.Multicast)
		}
	}
}

// TestIPv6FragmentsInTunnel: the IPv6 fragments of TestIPv6FragmentReassembly
// carried in VXLAN: the datagrams behind destination options are
// reassembled and analyzed in the tunnel's zone as those without.
func TestIPv6FragmentsInTunnel(t *testing.T) {
	for _, destOpts := range []bool{false, true} {
		rep := analyzeFrames(t, mtoolsV6Fragments(destOpts, -1, func(fr []byte) []byte {
			b, _ := tunnelwrap.VXLAN(42, fr, len(fr))
			return b
		}))
		if rep.Summary.UDPDatagrams != 10 || rep.Multicast == nil || len(rep.Multicast.Streams) != 1 || rep.Multicast.Streams[0].Lost != 0 {
			t.Errorf("destination options %v: %d datagrams, streams %+v; want 10 in one stream without loss", destOpts, rep.Summary.UDPDatagrams, rep.Multicast)
		}
	}
}

// TestFragmentInsideReassembled: a datagram whose reassembled payload is
// destination options and another fragment header, 500 times nested
// (SYNTHETIC, nothing real does it), is given up at the first level and
// counted as undecoded, not followed layer after layer.
func TestFragmentInsideReassembled(t *testing.T) {
	be := binary.BigEndian
	inner := []byte{}
	for range 500 {
		inner = append(append([]byte{44, 0, 1, 4, 0, 0, 0, 0}, 60, 0, 0, 0, 0, 0, 0, 7), inner...)
	}
	ip := []byte{0x60, 0, 0, 0, 0, 0, 44, 64}
	be.PutUint16(ip[4:], uint16(8+len(inner)))
	ip = append(ip, make([]byte, 32)...)
	ip = append(ip, 60, 0, 0, 0, 0, 0, 0, 9) // fragment header: offset 0, last, next header 60
	frame := append(append([]byte{0x33, 0x33, 0, 0, 1, 1, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd}, ip...), inner...)
	rep := analyzeFrames(t, [][]byte{frame})
	n := 0
	for _, c := range rep.Files[0].Undecoded {
		if c.Name == "fragment inside a reassembled datagram" {
			n = c.Count
		}
	}
	if n != 1 {
		t.Errorf("undecoded %+v, want the datagram given up once", rep.Files[0].Undecoded)
	}
}

// TestSLL2InterfacesAreStreams (synthetic): a capture on "any" holds each
// multicast datagram once per interface it crosses (a bridge and its
// ports, a bond and its members); each interface's copies are a stream of
// their own, keyed by the cooked v2 interface index, so a datagram lost on
// one port is a gap there, not hidden by the copy on another.
func TestSLL2InterfacesAreStreams(t *testing.T) {
	src := netip.MustParseAddrPort("10.2.0.1:40000")
	dst := netip.MustParseAddrPort("239.1.1.1:5000")
	var frames [][]byte
	for seq := range 20 {
		msg := make([]byte, 40)
		copy(msg, fmt.Sprintf("Message %x\x00", seq))
		ip := ipv4Fragments(uint16(seq), src, dst, msg, 1480)[0][14:]
		for _, ifindex := range []uint32{3, 7} {
			if ifindex == 7 && seq == 9 {
				continue // lost on the way out of port 7
			}
			sll := make([]byte, 20)
			binary.BigEndian.PutUint16(sll[0:], 0x0800)
			binary.BigEndian.PutUint32(sll[4:], ifindex)
			sll[10], sll[11] = 4, 6 // outgoing, 6-byte address
			frames = append(frames, append(sll, ip...))
		}
	}
	m := analyzeLinkFrames(t, synth.SLL2, frames).Multicast
	if len(m.Streams) != 2 || m.Lost() != 1 {
		t.Fatalf("%d streams, lost %d; want 2 and 1", len(m.Streams), m.Lost())
	}
	for i, want := range []uint32{3, 7} {
		if s := m.Streams[i]; s.IfIndex != want || s.Sequences[0].Duplicates != 0 {
			t.Errorf("stream %d: ifindex %d, %d duplicates", i, s.IfIndex, s.Sequences[0].Duplicates)
		}
	}
}

// TestGapAcrossMissingFile (synthetic): a stream captured in three
// rotated files, the middle one missing from the set: the gap spans the
// boundary between the first and the third file with no packet between
// them, and says so; with every file given, nothing is marked.
func TestGapAcrossMissingFile(t *testing.T) {
	dir := t.TempDir()
	src := netip.MustParseAddrPort("10.2.0.1:40000")
	dst := netip.MustParseAddrPort("239.1.1.1:5000")
	var paths []string
	seq := 0
	for f := range 3 {
		var buf bytes.Buffer
		w, err := synth.NewPcap(&buf, synth.Ethernet, synth.Start.Add(time.Duration(f)*time.Second), true)
		if err != nil {
			t.Fatal(err)
		}
		for range 1000 { // 1 ms apart: a second per file
			msg := make([]byte, 40)
			binary.BigEndian.PutUint32(msg, uint32(seq))
			seq++
			w.Advance(time.Millisecond)
			if err := w.WriteFrame(ipv4Fragments(uint16(seq), src, dst, msg, 1480)[0]); err != nil {
				t.Fatal(err)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("cap-%d.pcap", f))
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	marked := func(paths []string) (n int, lost uint64, files *mcast.GapFiles) {
		rep, err := Run(context.Background(), Config{}, paths)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range rep.Multicast.Gaps() {
			if g.Files != nil {
				n++
				files = g.Files
			}
		}
		return n, rep.Multicast.Lost(), files
	}
	if n, lost, f := marked([]string{paths[0], paths[2]}); n != 1 || lost != 1000 || f.Before != "cap-0.pcap" || f.After != "cap-2.pcap" || f.HoleUS < 900e3 {
		t.Errorf("middle file missing: %d gaps marked, lost %d, files %+v", n, lost, f)
	}
	if n, lost, _ := marked(paths); n != 0 || lost != 0 {
		t.Errorf("every file: %d gaps marked, lost %d", n, lost)
	}
}
