package mcast

import (
	"encoding/binary"
	"github.com/smcdump/smcdump/internal/publicdata"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// seedPublic adds the first payloads of the public RTP/TS capture, if present.
func seedPublic(f *testing.F, n int, fn func(p []byte)) {
	d := publicdata.Dir()
	if d == "" {
		return
	}
	p := filepath.Join(d, "test-162.pcap")
	if _, err := os.Stat(p); err != nil {
		return
	}
	ds, _ := readCapture(f, p)
	for i := 0; i < n && i < len(ds); i++ {
		fn(ds[i].Payload)
	}
}

func FuzzExtractMtools(f *testing.F) {
	f.Add([]byte("Message 1a"))
	f.Add(msendData(26, false, 20))
	f.Add([]byte("Message "))
	f.Add(msendEcho("msend -d 239.1.2.3 14400"))
	f.Add([]byte("stat 5000"))
	f.Add([]byte("Message ffffffffffffffffff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMtools(b)
		if err == nil && m.Kind == 0 {
			t.Fatal("no kind without error")
		}
		r := run(Config{Seq: []SeqRule{mustRule("mtools")}}, synth(b, b, []byte("Message 0"), b))
		_ = r.Lost()
	})
}

func FuzzRTP(f *testing.F) {
	// real RTP header + the first two TS packets (short seeds fuzz faster)
	seedPublic(f, 2, func(p []byte) { f.Add(p[:min(len(p), 12+2*188)]) })
	f.Add([]byte{0x80, 0x21, 0xff, 0xff, 0, 0, 0, 1, 5, 6, 0, 0})
	f.Add([]byte{0xbf, 0xc8, 0, 1, 0, 0, 0, 1, 5, 6, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeRTP(b)
		if err == nil && (h.HeaderLen < 12 || h.HeaderLen > len(b)) {
			t.Fatalf("header length %d of %d", h.HeaderLen, len(b))
		}
		format := "rtp"
		if len(b) > 1 && b[1]&0x7f == 33 { // MP2T payload type: also run the TS check
			format = "rtp-ts"
		}
		checkInvariant(t, Config{Seq: []SeqRule{mustRule(format)}}, b)
	})
}

func FuzzTS(f *testing.F) {
	seedPublic(f, 1, func(p []byte) {
		if len(p) > 12+188 {
			f.Add(p[12 : 12+188])
			f.Add(p[12 : 12+2*188])
		}
	})
	f.Add(append([]byte{0x47, 0x1f, 0xff, 0x10}, make([]byte, 184)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeTS(b)
		r := run(Config{Seq: []SeqRule{mustRule("ts")}}, synth(b, b, b[:len(b)/2], b))
		_ = r.Lost()
	})
}

func FuzzMold(f *testing.F) {
	f.Add(moldPkt("SESSION1", 1, []byte("AB"), []byte("CDE")))
	f.Add(moldCtl("SESSION1", 10, 0))
	f.Add(moldCtl("SESSION1", 10, 0xffff))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeMold(b)
		checkInvariant(t, Config{Seq: []SeqRule{mustRule("moldudp64")}}, b)
	})
}

func FuzzMDP3(f *testing.F) {
	f.Add(mdp3Pkt(7))
	f.Add(mdp3Pkt(0xffffffff))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeMDP3(b)
		checkInvariant(t, Config{Seq: []SeqRule{mustRule("mdp3")}}, b)
	})
}

func FuzzCounter(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 2}, uint8(0), uint8(4), true)
	f.Fuzz(func(t *testing.T, b []byte, off, w uint8, be bool) {
		width := []int{1, 2, 4, 8}[w&3]
		fm := Format{Kind: FormatOffset, Offset: int(off % 16), Width: width, BigEndian: be}
		_, _ = DecodeCounter(b, fm)
		checkInvariant(t, Config{Seq: []SeqRule{{Selector: Selector{AnyVLAN: true}, Format: fm}}}, b)
	})
}

// FuzzTracker feeds a byte string as a sequence of counters (u16 BE each)
// through the generic extractor and checks the bookkeeping invariant.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 0, 4, 0, 3, 0, 3, 0xff, 0xff, 0, 0})
	f.Add([]byte{0, 0, 0x80, 0, 0x80, 1, 0, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		var ps [][]byte
		for i := 0; i+1 < len(b) && len(ps) < 512; i += 2 {
			ps = append(ps, b[i:i+2])
		}
		for _, rule := range []string{"offset:0:2:be", "offset:0:1:le"} {
			r := run(Config{Seq: []SeqRule{mustRule(rule)}, ReorderWindow: 8}, synth(ps...))
			for _, s := range r.Streams {
				for _, q := range s.Sequences {
					if q.Expected != q.Received+q.Lost {
						t.Fatalf("%s: expected %d != received %d + lost %d", rule, q.Expected, q.Received, q.Lost)
					}
				}
			}
		}
	})
}

// checkInvariant runs b mutated into a short stream (original, +1 counter,
// duplicate, jump) and checks expected == received + lost.
func checkInvariant(t *testing.T, cfg Config, b []byte) {
	t.Helper()
	b2 := append([]byte(nil), b...)
	for i := range min(len(b2), 24) {
		b2[i] ^= byte(i)
	}
	tr := NewTracker(cfg)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, p := range [][]byte{b, b2, b, b2, b} {
		d := synth(p)[0]
		d.Frame = i + 1
		d.Time = base.Add(time.Duration(i) * time.Millisecond)
		tr.Add(&d)
	}
	r := tr.Report()
	for _, s := range r.Streams {
		for _, q := range s.Sequences {
			if q.Expected != q.Received+q.Lost {
				t.Fatalf("expected %d != received %d + lost %d", q.Expected, q.Received, q.Lost)
			}
		}
	}
	_ = binary.BigEndian
}
