package smcflow

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/analyze/synth"
)

// seg is one TCP segment of a verdict table case. cut > 0 keeps only the
// first cut-1 payload bytes (the rest was cut by the snaplen; cut == 1
// keeps none).
type seg struct {
	fromServer bool
	flags      uint8
	payload    []byte
	cut        int
	noOpt      bool // SYN/SYN-ACK without the SMC option
	optCut     bool // SYN/SYN-ACK whose options the snaplen cut after two bytes
}

// runSegs drives a tracker through the segments of one connection
// (10.0.0.1:40000 → 10.0.0.2:80), tracking sequence numbers, and returns
// the verdict.
func runSegs(t *testing.T, segs []seg) *Conn {
	t.Helper()
	tr := NewTracker()
	runSegsOn(tr, segs)
	done := tr.Finish()
	if len(done) != 1 {
		t.Fatalf("%d connections, want 1", len(done))
	}
	return done[0]
}

// runSegsOn feeds the segments to tr.
func runSegsOn(tr *Tracker, segs []seg) {
	cli := netip.MustParseAddrPort("10.0.0.1:40000")
	srv := netip.MustParseAddrPort("10.0.0.2:80")
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opt := []byte{1, 1, 254, 6, 0xE2, 0xD4, 0xC3, 0xD9}
	next := [2]uint32{1000, 5000} // client, server
	for i, s := range segs {
		d := 0
		fr := decode.Frame{IPVer: 4, Proto: decode.ProtoTCP, Flags: s.flags, Payload: s.payload, PayloadLen: len(s.payload)}
		if s.fromServer {
			d = 1
			fr.Src, fr.SrcPort, fr.Dst, fr.DstPort = srv.Addr(), srv.Port(), cli.Addr(), cli.Port()
		} else {
			fr.Src, fr.SrcPort, fr.Dst, fr.DstPort = cli.Addr(), cli.Port(), srv.Addr(), srv.Port()
		}
		if s.cut > 0 {
			fr.Payload = s.payload[:s.cut-1]
		}
		fr.Seq, fr.Ack = next[d], next[1-d]
		if s.flags&decode.TCPSYN != 0 {
			if !s.noOpt {
				fr.TCPOpts = opt
			}
			if s.optCut {
				fr.TCPOpts = opt[:2]
				fr.L4 = make([]byte, 22)
				fr.L4[12] = byte(20+len(opt)) / 4 << 4
			}
			next[d]++
		}
		if s.flags&decode.TCPFIN != 0 {
			next[d]++
		}
		next[d] += uint32(len(s.payload))
		ts = ts.Add(time.Millisecond)
		tr.HandleTCP(&fr, i+1, ts)
	}
}

func TestVerdictOptionEchoed(t *testing.T) {
	prop := synth.ProposalV2R()
	syn := seg{flags: decode.TCPSYN}
	synack := seg{fromServer: true, flags: decode.TCPSYN | decode.TCPACK}
	ack := seg{flags: decode.TCPACK}
	data := func(fromServer bool, b []byte) seg {
		return seg{fromServer: fromServer, flags: decode.TCPACK | decode.TCPPSH, payload: b}
	}
	http400 := []byte("HTTP/1.1 400 Bad Request\r\n\r\n")
	finS := seg{fromServer: true, flags: decode.TCPFIN | decode.TCPACK}
	rstC := seg{flags: decode.TCPRST | decode.TCPACK}
	cases := []struct {
		name    string
		segs    []seg
		want    string // outcome/reason
		summary string // substring of the summary
		note    string // substring of a note
	}{
		{"data after proposal", []seg{syn, synack, ack, data(false, prop), data(true, http400), finS, rstC},
			"handshake-error/option-echoed", `non-CLC data (48 54 54 50 2f 31 2e 31 "HTTP/1.1" …) (frame 5)`, "smc_hs_ctrl"},
		{"banner before proposal", []seg{syn, synack, ack, data(true, []byte("SSH-2.0-x\r\n")), data(false, prop), finS},
			"handshake-error/option-echoed", "(frame 4)", ""},
		{"proposal echoed", []seg{syn, synack, ack, data(false, prop), data(true, prop), rstC},
			"handshake-error/option-echoed", "own CLC Proposal back", ""},
		{"short non-CLC reply", []seg{syn, synack, ack, data(false, prop), data(true, []byte("no")), finS},
			"handshake-error/option-echoed", `6e 6f "no"`, ""},
		// Captured bytes prove the stream is not CLC even when the
		// snaplen cut the rest of the segment.
		{"cut reply, one byte captured", []seg{syn, synack, ack, data(false, prop), {fromServer: true, flags: decode.TCPACK, payload: http400, cut: 2}, finS},
			"handshake-error/option-echoed", `48 "H"`, ""},
		// Nothing captured of the reply: cannot tell, never a verdict.
		{"cut reply, nothing captured", []seg{syn, synack, ack, data(false, prop), {fromServer: true, flags: decode.TCPACK, payload: http400, cut: 1}, finS},
			"unknown/truncated", "snaplen", ""},
		// A CLC eyecatcher cut after two bytes: a truncated CLC message.
		{"cut CLC prefix", []seg{syn, synack, ack, data(false, prop), {fromServer: true, flags: decode.TCPACK, payload: prop, cut: 3}, finS},
			"unknown/truncated", "snaplen", ""},
		// A server that closes without any byte: aborted, with a hint.
		{"FIN only", []seg{syn, synack, ack, data(false, prop), finS},
			"handshake-error/aborted", "FIN from the server", "may not be an SMC listener"},
		// Not an echo: a Decline, an Accept, a SYN-ACK without the option.
		{"decline", []seg{syn, synack, ack, data(false, prop), data(true, mustDecline(t)), data(true, []byte("data"))},
			"fallback/decline", "declined", ""},
		{"synack without option", []seg{syn, {fromServer: true, flags: decode.TCPSYN | decode.TCPACK, noOpt: true}, ack, data(false, []byte("GET /")), data(true, http400)},
			"fallback/peer-no-smc", "", ""},
		// The server's stream start is unknown without the SYN-ACK: its
		// data cannot prove anything.
		{"synack not captured", []seg{syn, ack, data(false, prop), data(true, http400)},
			"", "", ""},
		// The client sent application data instead of a Proposal.
		{"client no CLC", []seg{syn, synack, ack, data(false, []byte("HELO")), data(true, http400)},
			"handshake-error/no-clc", "client sent application data", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runSegs(t, c.segs)
			got := string(r.Outcome) + "/" + r.Reason
			if c.want == "" {
				if r.Reason == ReasonOptionEchoed {
					t.Fatalf("verdict %s: %s", got, r.Summary)
				}
				return
			}
			if got != c.want {
				t.Fatalf("verdict %s, want %s: %s", got, c.want, r.Summary)
			}
			if !strings.Contains(r.Summary, c.summary) {
				t.Errorf("summary %q lacks %q", r.Summary, c.summary)
			}
			if c.note != "" && !strings.Contains(strings.Join(r.Notes, "\n"), c.note) {
				t.Errorf("notes %q lack %q", r.Notes, c.note)
			}
			if r.Reason == ReasonOptionEchoed {
				var frames []string
				for _, e := range r.Evidence {
					frames = append(frames, e.Dir+" "+e.What)
				}
				ev := strings.Join(frames, "\n")
				for _, want := range []string{"C>S SYN with SMC option", "S>C SYN-ACK with SMC option", "C>S CLC Proposal", "S>C "} {
					if !strings.Contains(ev, want) {
						t.Errorf("evidence lacks %q:\n%s", want, ev)
					}
				}
				if m, rem := ReasonText(ReasonOptionEchoed); m == "" || !strings.Contains(rem, "smc_hs_ctrl") {
					t.Errorf("no meaning/remedy for option-echoed: %q %q", m, rem)
				}
			}
		})
	}
}

// TestVerdictOptionsCut: a SYN or SYN-ACK whose options the snaplen cut is
// still that segment; without CLC messages the verdict is unknown/truncated,
// never "not SMC" or a fallback; CLC messages still decide.
func TestVerdictOptionsCut(t *testing.T) {
	prop := synth.ProposalV2R()
	syn := seg{flags: decode.TCPSYN}
	synCut := seg{flags: decode.TCPSYN, optCut: true}
	synack := seg{fromServer: true, flags: decode.TCPSYN | decode.TCPACK}
	synackCut := seg{fromServer: true, flags: decode.TCPSYN | decode.TCPACK, optCut: true}
	synackNoOpt := seg{fromServer: true, flags: decode.TCPSYN | decode.TCPACK, noOpt: true}
	ack := seg{flags: decode.TCPACK}
	data := func(fromServer bool, b []byte) seg {
		return seg{fromServer: fromServer, flags: decode.TCPACK | decode.TCPPSH, payload: b}
	}
	for _, c := range []struct {
		name, want string
		segs       []seg
	}{
		{"both cut", "unknown/truncated", []seg{synCut, synackCut, ack}},
		{"SYN-ACK cut", "unknown/truncated", []seg{syn, synackCut, ack, data(false, []byte("GET /"))}},
		{"SYN cut, SYN-ACK without the option", "unknown/truncated", []seg{synCut, synackNoOpt, ack, data(false, []byte("GET /"))}},
		{"SYN cut, SYN-ACK with it: agreed", "handshake-error/no-clc", []seg{synCut, synack, ack, data(false, []byte("GET /"))}},
		{"SYN cut, CLC decides", "fallback/decline", []seg{synCut, synackCut, ack, data(false, prop), data(true, mustDecline(t))}},
	} {
		r := runSegs(t, c.segs)
		if got := string(r.Outcome) + "/" + r.Reason; got != c.want {
			t.Errorf("%s: verdict %s, want %s: %s", c.name, got, c.want, r.Summary)
		}
		if c.want == "unknown/truncated" && !strings.Contains(r.Summary, "snaplen cut the TCP options") {
			t.Errorf("%s: summary %q", c.name, r.Summary)
		}
	}
}

func mustDecline(t *testing.T) []byte {
	t.Helper()
	// v1 Decline, 28 bytes: eyecatcher, type 4, length 28, version 1,
	// peer ID, diagnosis 0x03030000 (no SMC device), trailer.
	b := []byte{0xE2, 0xD4, 0xC3, 0xD9, 4, 0, 28, 0x10}
	b = append(b, make([]byte, 8)...)
	b = append(b, 0x03, 0x03, 0, 0, 0, 0, 0, 0)
	return append(b, 0xE2, 0xD4, 0xC3, 0xD9)
}

// TestHexPadMatchesFmt: hexPad and MACString give what fmt gave before.
func TestHexPadMatchesFmt(t *testing.T) {
	vals := []uint64{0, 1, 0xf, 0x10, 0xabc, 0xffff, 0x12345, 0xffffff, 0x1000000, 0xdeadbeef, 1 << 40, 0xffffffffffffffff}
	for _, w := range []int{4, 6, 8, 16} {
		for _, v := range vals {
			if got, want := hexPad(v, w), fmt.Sprintf("%#0*x", w, v); got != want {
				t.Errorf("hexPad(%#x, %d) = %q, want %q", v, w, got, want)
			}
		}
	}
	for _, m := range [][6]byte{{}, {0x98, 0x03, 0x9b, 0xab, 0xcd, 0xef}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
		if got, want := MACString(m), fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]); got != want {
			t.Errorf("MACString = %q, want %q", got, want)
		}
	}
}

// TestPlainConnEvidence: a plain TCP connection (no SMC option on the SYN)
// keeps its evidence wherever its record is read (listed with All, handed
// to OnDone with FullDetail); a tracker that only counts such connections
// builds none (tcpConn.unlisted) and counts it the same.
func TestPlainConnEvidence(t *testing.T) {
	segs := []seg{
		{flags: decode.TCPSYN, noOpt: true},
		{fromServer: true, flags: decode.TCPSYN | decode.TCPACK, noOpt: true},
		{flags: decode.TCPACK},
		{flags: decode.TCPACK | decode.TCPPSH, payload: []byte("GET / HTTP/1.1\r\n\r\n")},
		{fromServer: true, flags: decode.TCPACK | decode.TCPPSH, payload: []byte("HTTP/1.1 200 OK\r\n\r\n")},
		{flags: decode.TCPFIN | decode.TCPACK},
		{fromServer: true, flags: decode.TCPFIN | decode.TCPACK},
		{flags: decode.TCPACK},
	}
	want := "1 C>S SYN without SMC option; 2 S>C SYN-ACK without SMC option; 4 C>S first application data; 6 C>S FIN; 7 S>C FIN"
	evidence := func(c *Conn) string {
		var b []string
		for _, e := range c.Evidence {
			b = append(b, fmt.Sprintf("%d %s %s", e.Frame, e.Dir, e.What))
		}
		return strings.Join(b, "; ")
	}

	tr := NewTracker()
	tr.All = true
	runSegsOn(tr, segs)
	done := tr.Finish()
	if len(done) != 1 || done[0].Outcome != OutcomeNotSMC {
		t.Fatalf("All: %d connections, want 1 not-smc", len(done))
	}
	if got := evidence(done[0]); got != want {
		t.Errorf("All: evidence %q, want %q", got, want)
	}

	tr = NewTracker()
	tr.FullDetail = true
	var got string
	tr.OnDone = func(c *Conn) { got = evidence(c) }
	runSegsOn(tr, segs)
	tr.Finish()
	// OnDone sees the record before judge prepends the SYN's evidence.
	if w := strings.TrimPrefix(want, "1 C>S SYN without SMC option; "); got != w {
		t.Errorf("FullDetail: OnDone saw evidence %q, want %q", got, w)
	}

	tr = NewTracker()
	var outcome Outcome
	tr.OnDone = func(c *Conn) { outcome, got = c.Outcome, evidence(c) }
	runSegsOn(tr, segs)
	if done := tr.Finish(); len(done) != 0 {
		t.Errorf("default: %d connections listed, want 0", len(done))
	}
	if outcome != OutcomeNotSMC || got != "" {
		t.Errorf("default: OnDone saw %s with evidence %q, want not-smc without evidence", outcome, got)
	}
	if c := tr.Counts(); c.TCPConnections != 1 || c.Listed != 0 {
		t.Errorf("default: counts %+v, want 1 connection, none listed", c)
	}
}

// TestSortEvidence: the insertion sort orders as sort.SliceStable by
// packet order did (equal orders keep their places).
func TestSortEvidence(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 70; n++ {
		for range 20 {
			e := make([]Evidence, n)
			for i := range e {
				e[i] = Evidence{Frame: i, seq: int64(rng.IntN(n/2 + 1))}
			}
			want := append([]Evidence(nil), e...)
			sort.SliceStable(want, func(i, j int) bool { return want[i].seq < want[j].seq })
			sortEvidence(e)
			for i := range e {
				if e[i] != want[i] {
					t.Fatalf("n=%d: at %d got frame %d seq %d, want frame %d seq %d", n, i, e[i].Frame, e[i].seq, want[i].Frame, want[i].seq)
				}
			}
		}
	}
}
