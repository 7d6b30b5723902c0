package smcproto

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/smcdump/smcdump/internal/fuzzseed"
)

// labCLC returns every distinct CLC message of the real-kernel lab traces
// (testdata/lab/out), or nil when they are absent.
func labCLC(t testing.TB) [][]byte {
	var out [][]byte
	seen := map[string]bool{}
	for _, p := range fuzzseed.Glob("../testdata/lab/out/*/*.pcapng") {
		fs, err := fuzzseed.ReadFrames(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			pk, ok := fuzzseed.DecodeFrame(f)
			if !ok || pk.Proto != 6 {
				continue
			}
			for _, m := range fuzzseed.CLCMessages(pk.Payload) {
				if !seen[string(m)] {
					seen[string(m)] = true
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// checkDecodeInto decodes in with Decode and with DecodeInto into s and
// fails unless both give the same message or both fail with the same error.
func checkDecodeInto(t *testing.T, s *Scratch, in []byte) {
	t.Helper()
	want, werr := Decode(in)
	got, gerr := DecodeInto(in, s)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("errors differ: Decode %v, DecodeInto %v\n% x", werr, gerr, in)
	}
	if werr != nil {
		if got != nil {
			t.Fatalf("DecodeInto returned %+v with error %v", got, gerr)
		}
		return
	}
	if d := cmp.Diff(want, got, cmpOpts...); d != "" {
		t.Fatalf("DecodeInto differs from Decode (-Decode +DecodeInto):\n%s\n% x", d, in)
	}
	if d := cmp.Diff(want, Clone(got), cmpOpts...); d != "" {
		t.Fatalf("Clone differs (-Decode +Clone):\n%s", d)
	}
}

// TestDecodeIntoAgrees: DecodeInto and Decode agree on every lab CLC
// message, the real messages of real_bytes_test.go and the synthetic
// fixtures (with their truncated halves), decoded one after another into
// one Scratch (forwards and backwards, so each message is decoded over
// storage left by different ones), and a Clone kept across later decodes
// is unchanged.
func TestDecodeIntoAgrees(t *testing.T) {
	lab := labCLC(t)
	if len(lab) == 0 {
		t.Log("no lab traces under testdata/lab/out: checking the real and synthetic messages only")
	}
	ins := append(lab, realCLC()...)
	for _, fx := range clcFixtures() {
		ins = append(ins, fx.in, fx.in[:len(fx.in)/2])
	}
	var s Scratch
	var kept []Message
	var keptWant []Message
	for pass := 0; pass < 2; pass++ {
		for i := range ins {
			in := ins[i]
			if pass == 1 {
				in = ins[len(ins)-1-i]
			}
			checkDecodeInto(t, &s, in)
			if m, err := DecodeInto(in, &s); err == nil {
				kept = append(kept, Clone(m))
				w, _ := Decode(in)
				keptWant = append(keptWant, w)
			}
		}
	}
	if d := cmp.Diff(keptWant, kept, cmpOpts...); d != "" {
		t.Fatalf("kept clones changed by later decodes:\n%s", d)
	}
	t.Logf("%d lab CLC messages, %d inputs", len(lab), len(ins))
}

// TestDecodeIntoNoAllocs: decoding the lab's SMC-Rv2 handshake again into
// a used Scratch allocates nothing.
func TestDecodeIntoNoAllocs(t *testing.T) {
	var s Scratch
	for _, in := range realCLC() {
		if _, err := DecodeInto(in, &s); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range realCLC() {
		if n := testing.AllocsPerRun(100, func() {
			if _, err := DecodeInto(in, &s); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			m, _ := Decode(in)
			t.Errorf("DecodeInto of %T (%d bytes): %v allocations, want 0", m, len(in), n)
		}
	}
}

// FuzzDecodeInto checks that DecodeInto agrees with Decode on any input,
// also when the Scratch holds what earlier inputs left (the seed messages
// are decoded into it first, and the input twice).
func FuzzDecodeInto(f *testing.F) {
	for _, fx := range clcFixtures() {
		f.Add(fx.in)
		f.Add(fx.in[:len(fx.in)/2])
	}
	seeds := realCLC()
	for _, b := range seeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var s Scratch
		checkDecodeInto(t, &s, in)
		for _, b := range seeds {
			if _, err := DecodeInto(b, &s); err != nil {
				t.Fatal(err)
			}
		}
		checkDecodeInto(t, &s, in)
		checkDecodeInto(t, &s, in)
	})
}

func BenchmarkDecodeIntoHandshake(b *testing.B) {
	msgs := [][]byte{realProposal156, realAccept160, realConfirm180}
	var s Scratch
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			if _, err := DecodeInto(m, &s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkDecodeHandshake(b *testing.B) {
	msgs := [][]byte{realProposal156, realAccept160, realConfirm180}
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			if _, err := Decode(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestDecodeIntoBadHeaders: DecodeInto picks the decoder by the type byte
// alone and leaves the header checks to it; for every type byte, headers
// that fail each check (eyecatcher, type, version, length, cut short) give
// Decode's error, also over storage a valid decode left.
func TestDecodeIntoBadHeaders(t *testing.T) {
	var s Scratch
	for _, typ := range []byte{0, 1, 2, 3, 4, 5, 0xff} {
		for _, base := range [][]byte{realProposal156, realAccept160, realConfirm180} {
			variants := [][]byte{}
			add := func(f func(b []byte)) {
				b := bytes.Clone(base)
				b[4] = typ
				f(b)
				variants = append(variants, b)
			}
			add(func(b []byte) {})
			add(func(b []byte) { b[0] = 0 })
			add(func(b []byte) { b[7] &= 0x0f })
			add(func(b []byte) { b[5], b[6] = 0, 8 })
			add(func(b []byte) { b[5], b[6] = 0xff, 0xff })
			for _, v := range variants {
				for n := 0; n <= HeaderLen+1; n++ {
					checkDecodeInto(t, &s, v[:n])
				}
				checkDecodeInto(t, &s, v)
				if _, err := DecodeInto(base, &s); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
