package analyze

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites this package's checked-in seed corpora
// (testdata/fuzz/FuzzX/seed-*) from the real-kernel lab traces
// (testdata/lab/out). Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	traces := fuzzseed.Glob("../testdata/lab/out/*/*.pcapng")
	if len(traces) == 0 {
		t.Fatal("no lab traces")
	}
	type trace struct {
		label  string
		raw    []byte
		frames []fuzzseed.Frame
	}
	var ts []trace
	for _, p := range traces {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := fuzzseed.ParseFrames(raw)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		label := filepath.Base(filepath.Dir(p)) + "-" + strings.TrimSuffix(filepath.Base(p), ".pcapng")
		ts = append(ts, trace{label, raw, fs})
	}
	done := func(w *fuzzseed.Writer) {
		t.Helper()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// FuzzDecodeFrame: one frame of each kind (link type, protocol, TCP
	// flags, CLC or RoCE payload, IPv6, fragment). (FuzzFileReader's seeds
	// are written by pcapfile's TestWriteFuzzSeeds.)
	w := fuzzseed.NewWriter(".", "FuzzDecodeFrame", 40)
	seen := map[string]bool{}
	for _, tr := range ts {
		for _, f := range tr.frames {
			k := frameKind(f)
			if !seen[k] {
				seen[k] = true
				w.Add(tr.label+"-"+k, f.LinkType, f.Data)
			}
		}
	}
	done(w)

	// FuzzPrintFrame: the same kinds of frame, with option bits.
	w = fuzzseed.NewWriter(".", "FuzzPrintFrame", 40)
	seen = map[string]bool{}
	for _, tr := range ts {
		for _, f := range tr.frames {
			k := frameKind(f)
			if !seen[k] {
				seen[k] = true
				w.Add(tr.label+"-"+k, f.LinkType, f.Data, uint8(len(seen)*53))
			}
		}
	}
	done(w)

	// Frame sequences: the first frames of each trace (Ethernet, cut at
	// 255 bytes, at most 4 KiB); the printer and report targets take every
	// other trace.
	seqs := map[string][]byte{}
	var order []string
	for _, tr := range ts {
		var fr [][]byte
		n := 0
		for _, f := range tr.frames {
			e := ethernetize(f)
			if e == nil {
				continue
			}
			if n += 1 + min(len(e), 255); n > 4<<10 {
				break
			}
			fr = append(fr, e)
		}
		seqs[tr.label] = fuzzSeq(fr)
		order = append(order, tr.label)
	}
	for _, target := range []string{"FuzzAnalyzer", "FuzzPrinter", "FuzzReportText", "FuzzReportJSON"} {
		w = fuzzseed.NewWriter(".", target, 30)
		for i, l := range order {
			if target != "FuzzAnalyzer" && i%2 != 0 {
				continue
			}
			switch target {
			case "FuzzPrinter":
				w.Add(l, seqs[l], uint8(i*37))
			case "FuzzReportText":
				w.Add(l, seqs[l], uint8(i))
			default:
				w.Add(l, seqs[l])
			}
		}
		done(w)
	}

	// FuzzTrackerCLC: the in-order payload of both directions of the
	// connections that carry CLC messages (at most 2 KiB each way).
	w = fuzzseed.NewWriter(".", "FuzzTrackerCLC", 30)
	for _, tr := range ts {
		for i, c := range clcStreams(tr.frames, 2) {
			w.Add(fmt.Sprintf("%s-%d", tr.label, i), c[0], c[1], uint8(7+56*(i%2)))
		}
	}
	done(w)
}

func frameKind(f fuzzseed.Frame) string {
	p, ok := fuzzseed.DecodeFrame(f)
	if !ok {
		return fmt.Sprintf("lt%d-other", f.LinkType)
	}
	k := fmt.Sprintf("lt%d-p%d", f.LinkType, p.Proto)
	if p.IPv6 {
		k += "-v6"
	}
	if p.Fragment {
		k += "-frag"
	}
	switch p.Proto {
	case 6:
		k += fmt.Sprintf("-f%02x", p.Flags&0x17)
		if len(p.Options) > 0 && p.Flags&0x02 != 0 {
			k += "-opt" + fmt.Sprint(len(p.Options))
		}
		if len(p.Payload) >= 8 && (bytes.HasPrefix(p.Payload, []byte{0xE2, 0xD4, 0xC3, 0xD9}) || bytes.HasPrefix(p.Payload, []byte{0xE2, 0xD4, 0xC3, 0xC4})) {
			k += fmt.Sprintf("-clc%d", p.Payload[4])
		}
	case 17:
		if p.DstPort == 4791 && len(p.Payload) > 12 {
			k += fmt.Sprintf("-roce%02x", p.Payload[0])
			if len(p.Payload) > 13 {
				k += fmt.Sprintf("-%02x", p.Payload[12])
			}
		}
	}
	return k
}

// ethernetize returns the frame with an Ethernet header in place of its
// link header (nil when it carries no IP).
func ethernetize(f fuzzseed.Frame) []byte {
	if f.LinkType == 1 {
		return f.Data
	}
	p, ok := fuzzseed.DecodeFrame(f)
	if !ok {
		return nil
	}
	h := []byte{0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00}
	if p.IPv6 {
		h[12], h[13] = 0x86, 0xDD
	}
	return append(h, p.L3...)
}

// clcStreams returns, for up to max connections whose client sends a CLC
// message, the in-order payload of each direction (at most 2 KiB).
func clcStreams(frames []fuzzseed.Frame, max int) [][2][]byte {
	type half struct {
		next uint32
		init bool
		data []byte
	}
	type conn struct{ h [2]half }
	key := func(p fuzzseed.Packet) string {
		return fmt.Sprint(p.Src, p.SrcPort, p.Dst, p.DstPort)
	}
	conns := map[string]*conn{}
	dir := map[string]int{}
	var order []*conn
	for _, f := range frames {
		p, ok := fuzzseed.DecodeFrame(f)
		if !ok || p.Proto != 6 {
			continue
		}
		k := key(p)
		c := conns[k]
		if c == nil && p.Flags&0x12 == 0x02 { // SYN: a new connection
			c = &conn{}
			rk := fmt.Sprint(p.Dst, p.DstPort, p.Src, p.SrcPort)
			conns[k], conns[rk] = c, c
			dir[k], dir[rk] = 0, 1
			order = append(order, c)
		}
		if c == nil {
			continue
		}
		h := &c.h[dir[k]]
		if p.Flags&0x02 != 0 {
			h.next, h.init = p.Seq+1, true
			continue
		}
		if h.init && p.Seq == h.next && len(p.Payload) > 0 && len(h.data) < 2<<10 {
			h.data = append(h.data, p.Payload...)
			h.next += uint32(len(p.Payload))
		}
	}
	var out [][2][]byte
	for _, c := range order {
		if len(out) >= max {
			break
		}
		if bytes.HasPrefix(c.h[0].data, []byte{0xE2, 0xD4, 0xC3, 0xD9}) {
			out = append(out, [2][]byte{c.h[0].data[:min(len(c.h[0].data), 2<<10)], c.h[1].data[:min(len(c.h[1].data), 2<<10)]})
		}
	}
	return out
}
