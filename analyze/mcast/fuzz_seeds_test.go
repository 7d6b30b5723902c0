package mcast

import (
	"encoding/binary"
	"fmt"
	"github.com/smcdump/smcdump/internal/publicdata"
	"path/filepath"
	"testing"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// TestWriteFuzzSeeds rewrites this package's checked-in seed corpora
// (testdata/fuzz/FuzzX/seed-*): real UDP payloads from the public sample
// captures (RTP carrying MPEG-TS, plain MPEG-TS over UDP and IPv6;
// ../shared/testdata/public beside the repository, or $SMCDUMP_PUBLIC_DATA) and
// the lab traces (RoCEv2), cut short so executions stay fast, plus the
// real RTP sequence numbers as FuzzTracker input. Formats no public capture
// carries (mtools, MoldUDP64, MDP3) also get payloads built from their
// layouts, labelled synthetic. Run:
//
//	SMCDUMP_FUZZ_SEEDS=1 go test ./... -run TestWriteFuzzSeeds
func TestWriteFuzzSeeds(t *testing.T) {
	if !fuzzseed.Enabled() {
		t.Skip("set SMCDUMP_FUZZ_SEEDS=1 to rewrite the seed corpora")
	}
	pub := publicdata.Require(t)
	pubFiles := fuzzseed.Glob(filepath.Join(pub, "*.pcap"), filepath.Join(pub, "*.pcapng"))
	if len(pubFiles) == 0 {
		t.Fatalf("public sample captures not found in %s (set SMCDUMP_PUBLIC_DATA)", pub)
	}
	type payload struct {
		label string
		b     []byte
	}
	var pubP, labP []payload
	var rtpSeq []byte
	for _, p := range pubFiles {
		fs, err := fuzzseed.ReadFrames(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range fs {
			pk, ok := fuzzseed.DecodeFrame(f)
			if !ok || pk.Proto != 17 || len(pk.Payload) == 0 {
				continue
			}
			pubP = append(pubP, payload{fmt.Sprintf("%s-%d", filepath.Base(p), i+1), pk.Payload})
			if len(pk.Payload) >= 12 && pk.Payload[0]>>6 == 2 && len(rtpSeq) < 512 {
				rtpSeq = append(rtpSeq, pk.Payload[2:4]...)
			}
		}
	}
	for _, p := range fuzzseed.Glob("../../testdata/lab/out/6.12/c-smcr-link.pcapng") {
		fs, err := fuzzseed.ReadFrames(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range fs {
			if pk, ok := fuzzseed.DecodeFrame(f); ok && pk.Proto == 17 && len(pk.Payload) > 0 && len(labP) < 4 {
				labP = append(labP, payload{fmt.Sprintf("lab-roce-%d", i+1), pk.Payload})
			}
		}
	}
	cut := func(b []byte, n int) []byte { return b[:min(len(b), n)] }
	every := func(ps []payload, k int) []payload { // every k-th, for variety in few seeds
		var out []payload
		for i := 0; i < len(ps); i += k {
			out = append(out, ps[i])
		}
		return out
	}
	close := func(w *fuzzseed.Writer) {
		t.Helper()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}

	w := fuzzseed.NewWriter(".", "FuzzRTP", 20)
	for _, p := range every(pubP, 4) {
		if len(p.b) >= 12 && p.b[0]>>6 == 2 {
			w.Add(p.label, cut(p.b, 12+2*188))
		}
	}
	for _, p := range every(pubP, 7) {
		w.Add(p.label+"-not-rtp", cut(p.b, 64))
	}
	close(w)

	w = fuzzseed.NewWriter(".", "FuzzTS", 20)
	for _, p := range every(pubP, 3) {
		b := p.b
		if len(b) >= 12 && b[0]>>6 == 2 && b[0] != 0x47 {
			b = b[12:] // TS inside RTP
		}
		w.Add(p.label, cut(b, 2*188))
	}
	close(w)

	for _, target := range []string{"FuzzMold", "FuzzMDP3", "FuzzExtractMtools"} {
		w = fuzzseed.NewWriter(".", target, 20)
		for _, p := range every(pubP, 9) {
			w.Add(p.label, cut(p.b, 96))
		}
		for _, p := range labP {
			w.Add(p.label, cut(p.b, 96))
		}
		switch target {
		case "FuzzMold":
			w.Add("synthetic-mold", moldPkt("SESSION1", 1, []byte("AB"), []byte("CDE")))
			w.Add("synthetic-mold-heartbeat", moldCtl("SESSION1", 10, 0))
			w.Add("synthetic-mold-end", moldCtl("SESSION1", 10, 0xffff))
		case "FuzzMDP3":
			w.Add("synthetic-mdp3", mdp3Pkt(7))
			w.Add("synthetic-mdp3-max", mdp3Pkt(0xffffffff))
		case "FuzzExtractMtools":
			w.Add("synthetic-msend-hex", msendData(26, false, 20))
			w.Add("synthetic-msend-dec", msendData(1234567, true, 64))
			w.Add("synthetic-msend-echo", msendEcho("msend -d 239.1.2.3 14400"))
			w.Add("synthetic-stat", []byte("stat 5000"))
		}
		close(w)
	}

	w = fuzzseed.NewWriter(".", "FuzzCounter", 20)
	for i, p := range every(pubP, 5) {
		w.Add(p.label, cut(p.b, 32), uint8(2*(i%3)), uint8(i%4), i%2 == 0)
	}
	close(w)

	w = fuzzseed.NewWriter(".", "FuzzTracker", 10)
	w.Add("public-rtp-seq", rtpSeq)
	// The same numbers with one lost, one duplicated and two swapped.
	if len(rtpSeq) >= 16 {
		v := append([]byte(nil), rtpSeq[:4]...)
		v = append(v, rtpSeq[6:10]...)
		v = append(v, rtpSeq[8:10]...)
		v = append(v, rtpSeq[12:14]...)
		v = append(v, rtpSeq[10:12]...)
		w.Add("public-rtp-seq-edited", v)
	}
	var wrap []byte
	for s := uint16(65530); s != 6; s++ {
		wrap = binary.BigEndian.AppendUint16(wrap, s)
	}
	w.Add("synthetic-wrap", wrap)
	close(w)
}
