package mcast

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Synthetic, project-made payloads in the msend wire format
// (docs/multicast-udp.md section 1.3); not captured traffic.
func msendData(n uint64, decimal bool, m int) []byte {
	var s string
	if decimal {
		s = fmt.Sprintf("Message %d", n)
	} else {
		s = fmt.Sprintf("Message %x", n)
	}
	b := []byte(s)
	if m > 0 {
		if m < len(b) {
			return b[:m]
		}
		b = append(b, make([]byte, m-len(b))...)
	}
	return b
}

func msendEcho(cmd string) []byte {
	return append([]byte("echo sender equiv cmd: "+cmd), 0)
}

func msendRun(seqs []uint64, decimal bool, m int, echo string, stat int) [][]byte {
	var out [][]byte
	if echo != "" {
		out = append(out, msendEcho(echo))
	}
	for _, s := range seqs {
		out = append(out, msendData(s, decimal, m))
	}
	if stat >= 0 {
		out = append(out, []byte(fmt.Sprintf("stat %d", stat)))
	}
	return out
}

func span(a, b uint64, skip ...uint64) []uint64 {
	var out []uint64
	for i := a; i <= b; i++ {
		ok := true
		for _, s := range skip {
			ok = ok && s != i
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

func TestMtools(t *testing.T) {
	cat := func(parts ...[][]byte) [][]byte {
		var out [][]byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name     string
		cfg      Config
		payloads [][]byte
		want     seqSummary
		radix    int
		sessions []MtoolsSession
	}{
		{"hex, m 0, gaps", Config{}, msendRun(span(0, 40, 10, 11, 30), false, 0, "msend -b100 -m0 -n1 -p100 -s2000 239.1.2.3 14400", 41),
			seqSummary{Format: "mtools", Expected: 41, Received: 38, Lost: 3, Gaps: []gapT{{10, 2}, {30, 1}}}, 16,
			[]MtoolsSession{{Frame: 1, Echo: "echo sender equiv cmd: msend -b100 -m0 -n1 -p100 -s2000 239.1.2.3 14400", StatSent: 41, Received: 38, Missing: 3}}},
		{"hex, m 8192 padded", Config{}, msendRun(span(0, 20, 5), false, 8192, "msend -m8192 239.1.2.3 14400", -1),
			seqSummary{Format: "mtools", Expected: 21, Received: 20, Lost: 1, Gaps: []gapT{{5, 1}}}, 16,
			[]MtoolsSession{{Frame: 1, Echo: "echo sender equiv cmd: msend -m8192 239.1.2.3 14400", StatSent: -1, Received: 20}}},
		{"decimal from echo -d", Config{}, msendRun(span(0, 25, 19), true, 20, "msend -d -m20 239.1.2.3 14400", 26),
			seqSummary{Format: "mtools", Expected: 26, Received: 25, Lost: 1, Gaps: []gapT{{19, 1}}}, 10,
			[]MtoolsSession{{Frame: 1, Echo: "echo sender equiv cmd: msend -d -m20 239.1.2.3 14400", Decimal: true, StatSent: 26, Received: 25, Missing: 1}}},
		{"decimal inferred (no echo)", Config{}, msendRun(span(0, 35, 12, 13, 14), true, 0, "", -1),
			seqSummary{Format: "mtools", Expected: 36, Received: 33, Lost: 3, Gaps: []gapT{{12, 3}}}, 10,
			[]MtoolsSession{{Frame: 1, Decimal: true, StatSent: -1, Received: 33}}},
		{"decimal inferred across hole", Config{}, msendRun(span(0, 25, 9), true, 0, "", -1),
			seqSummary{Format: "mtools", Expected: 26, Received: 25, Lost: 1, Gaps: []gapT{{9, 1}}}, 10,
			[]MtoolsSession{{Frame: 1, Decimal: true, StatSent: -1, Received: 25}}},
		{"forced decimal", Config{Seq: []SeqRule{mustRule("239.1.2.3:14400=mtools-dec")}}, msendRun(span(0, 12, 3), true, 0, "", -1),
			seqSummary{Format: "mtools-dec", Expected: 13, Received: 12, Lost: 1, Gaps: []gapT{{3, 1}}}, 10,
			[]MtoolsSession{{Frame: 1, Decimal: true, StatSent: -1, Received: 12}}},
		{"two runs (counter restart), tail loss shown by stat", Config{},
			cat(msendRun(span(0, 9), false, 0, "msend 239.1.2.3 14400", 10), msendRun(span(0, 7), false, 0, "msend 239.1.2.3 14400", 10)),
			seqSummary{Format: "mtools", Expected: 20, Received: 18, Lost: 2, Resets: 1, Gaps: []gapT{{8, 2}}}, 16,
			[]MtoolsSession{{Frame: 1, Echo: "echo sender equiv cmd: msend 239.1.2.3 14400", StatSent: 10, Received: 10}, {Frame: 13, Echo: "echo sender equiv cmd: msend 239.1.2.3 14400", StatSent: 10, Received: 8, Missing: 2}}},
		{"duplicates and reordering", Config{}, msendRun([]uint64{0, 1, 2, 4, 3, 5, 5, 6, 7}, false, 0, "msend 239.1.2.3 14400", 8),
			seqSummary{Format: "mtools", Expected: 8, Received: 8, Dups: 1, Reord: 1}, 16,
			[]MtoolsSession{{Frame: 1, Echo: "echo sender equiv cmd: msend 239.1.2.3 14400", StatSent: 8, Received: 8}}},
		{"message 0 lost after echo (expected restarts at 0)", Config{}, msendRun(span(1, 9), false, 20, "msend -m20 239.1.2.3 14400", 10),
			seqSummary{Format: "mtools", Expected: 10, Received: 9, Lost: 1, Gaps: []gapT{{0, 1}}}, 16,
			[]MtoolsSession{{Frame: 1, Echo: "echo sender equiv cmd: msend -m20 239.1.2.3 14400", StatSent: 10, Received: 9, Missing: 1}}},
		{"-P count only", Config{}, cat([][]byte{msendEcho("msend -P0102 239.1.2.3 14400")}, [][]byte{{1, 2}, {1, 2}, {1, 2}}, [][]byte{[]byte("stat 5")}),
			seqSummary{Format: "mtools"}, 16,
			[]MtoolsSession{{Frame: 1, Echo: "echo sender equiv cmd: msend -P0102 239.1.2.3 14400", StatSent: 5, Received: 3, Missing: 2}}},
		// (Stream.Lost counts these 2, see TestCountOnlyLost)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.cfg, synth(tc.payloads...))
			if len(r.Streams) != 1 {
				t.Fatalf("%d streams", len(r.Streams))
			}
			s := r.Streams[0]
			if d := cmp.Diff(tc.want, summarize(s)); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if s.Mtools == nil {
				t.Fatalf("no mtools report")
			}
			if s.Mtools.Radix != tc.radix {
				t.Errorf("radix %d, want %d", s.Mtools.Radix, tc.radix)
			}
			var got []MtoolsSession
			for _, ss := range s.Mtools.Sessions {
				ss.Time = ss.Time.UTC()
				ss.Time = ss.Time.Truncate(1 << 62)
				got = append(got, MtoolsSession{Frame: ss.Frame, Echo: ss.Echo, Decimal: ss.Decimal, StatSent: ss.StatSent, Received: ss.Received, Missing: ss.Missing})
			}
			if d := cmp.Diff(tc.sessions, got); d != "" {
				t.Errorf("sessions (-want +got)\n%s", d)
			}
		})
	}
	// golden for the text report of an msend run
	r := run(Config{}, synth(cat(msendRun(span(0, 300, 10, 11, 100, 200), false, 20, "msend -b100 -m20 -n3 -p100 -s2000 239.1.2.3 14400", 301))...))
	golden(t, "mtools-synthetic", r)
}

func mustRule(s string) SeqRule {
	r, err := ParseSeqRule(s)
	if err != nil {
		panic(err)
	}
	return r
}

func moldPkt(session string, seq uint64, msgs ...[]byte) []byte {
	b := make([]byte, 20)
	copy(b, fmt.Sprintf("%-10s", session))
	binary.BigEndian.PutUint64(b[10:], seq)
	binary.BigEndian.PutUint16(b[18:], uint16(len(msgs)))
	for _, m := range msgs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(m)))
		b = append(b, m...)
	}
	return b
}

func moldCtl(session string, seq uint64, count uint16) []byte {
	b := moldPkt(session, seq)
	binary.BigEndian.PutUint16(b[18:], count)
	return b
}

func mdp3Pkt(seq uint32) []byte {
	b := make([]byte, 12, 32)
	binary.LittleEndian.PutUint32(b, seq)
	binary.LittleEndian.PutUint64(b[4:], 1767225600e9+uint64(seq)*1000)
	msg := make([]byte, 20) // MsgSize 20 incl. itself, SBE header, body
	binary.LittleEndian.PutUint16(msg, 20)
	return append(b, msg...)
}

func TestFormats(t *testing.T) {
	m := []byte("ABCDEFGH")
	var mdp [][]byte
	for _, s := range []uint32{4294967293, 4294967294, 4294967295, 0, 2, 3} { // wrap, 1 lost
		mdp = append(mdp, mdp3Pkt(s))
	}
	var u32le [][]byte
	for _, s := range span(1000, 1010, 1004) {
		b := make([]byte, 16)
		binary.BigEndian.PutUint32(b[8:], uint32(s)) // iperf3-style u32 BE @8
		binary.BigEndian.PutUint32(b[0:], 77)
		u32le = append(u32le, b)
	}
	tests := []struct {
		name     string
		cfg      Config
		payloads [][]byte
		want     seqSummary
	}{
		{"moldudp64 counts messages, heartbeat shows gap", Config{}, [][]byte{
			moldPkt("SESS1", 1, m, m), moldPkt("SESS1", 3, m), moldPkt("SESS1", 4, m, m, m), moldPkt("SESS1", 9, m),
			moldCtl("SESS1", 10, 0), moldCtl("SESS1", 12, 0), moldPkt("SESS1", 12, m), moldPkt("SESS1", 13, m), moldCtl("SESS1", 14, 0xffff)},
			seqSummary{Format: "moldudp64", Expected: 13, Received: 10, Lost: 3, Gaps: []gapT{{7, 2}, {10, 2}}[:1]}},
		{"moldudp64 session change is a reset", Config{}, [][]byte{
			moldPkt("A", 1, m), moldPkt("A", 2, m), moldPkt("A", 3, m), moldPkt("B", 1, m), moldPkt("B", 2, m), moldPkt("B", 4, m)},
			seqSummary{Format: "moldudp64", Expected: 7, Received: 6, Lost: 1, Resets: 1, Gaps: []gapT{{3, 1}}}},
		{"mdp3 u32 LE with wrap", Config{}, mdp,
			seqSummary{Format: "mdp3", Expected: 7, Received: 6, Lost: 1, Gaps: []gapT{{1<<32 + 1, 1}}}},
		{"generic auto (u32 BE @8)", Config{}, u32le,
			seqSummary{Format: "offset:8:4:be", Expected: 11, Received: 10, Lost: 1, Gaps: []gapT{{1004, 1}}}},
		{"generic forced", Config{Seq: []SeqRule{mustRule("offset:8:4:be")}}, u32le,
			seqSummary{Format: "offset:8:4:be", Expected: 11, Received: 10, Lost: 1, Gaps: []gapT{{1004, 1}}}},
		{"none forced", Config{Seq: []SeqRule{mustRule("none")}}, u32le, seqSummary{Format: "none"}},
		{"unknown payload", Config{}, [][]byte{{1}, {2, 3}, {9, 9, 9}}, seqSummary{Format: "none"}},
	}
	tests[0].want.Gaps = []gapT{{7, 2}, {10, 2}}
	tests[0].want.Lost = 4
	tests[0].want.Expected = 13
	tests[0].want.Received = 9
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.cfg, synth(tc.payloads...))
			if d := cmp.Diff(tc.want, summarize(r.Streams[0])); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}

func TestParseSeqRule(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"rtp", "rtp", false},
		{"mtools", "mtools", false},
		{"239.1.1.1:5000=mtools-dec", "239.1.1.1:5000=mtools-dec", false},
		{":5000=offset:4:8:le", ":5000=offset:4:8:le", false},
		{"10.0.0.1>239.1.1.1:5000@12=mdp3", "10.0.0.1>239.1.1.1:5000@12=mdp3", false},
		{"[ff3e::1]:5000=rtp-ts", "[ff3e::1]:5000=rtp-ts", false},
		{"offset:4:3:be", "", true},
		{"offset:4:4:xx", "", true},
		{"bogus", "", true},
		{"239.1.1.1:99999=rtp", "", true},
		{"", "", true},
	}
	for _, tc := range tests {
		r, err := ParseSeqRule(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && r.String() != tc.want {
			t.Errorf("%q: got %q want %q", tc.in, r.String(), tc.want)
		}
	}
	sel, _ := ParseSelector("10.0.0.1>239.1.1.1:5000@12")
	if !sel.Match(mustAP("10.0.0.1:1"), mustAP("239.1.1.1:5000"), 12) || sel.Match(mustAP("10.0.0.1:1"), mustAP("239.1.1.1:5000"), 0) || sel.Match(mustAP("10.0.0.2:1"), mustAP("239.1.1.1:5000"), 12) {
		t.Error("selector match wrong")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		trunc bool
	}{
		{"rtp short", second(DecodeRTP([]byte{0x80, 33})), true},
		{"rtp version", second(DecodeRTP(make([]byte, 12))), false},
		{"rtp csrc past end", second(DecodeRTP([]byte{0x8f, 33, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})), true},
		{"mold short", second(DecodeMold([]byte("SESS"))), true},
		{"mold extra bytes", second(DecodeMold(append(moldPkt("S", 1, []byte("x")), 9))), false},
		{"mold block past end", second(DecodeMold(moldPkt("S", 1, []byte("xyz"))[:24])), true},
		{"mdp3 short", second(DecodeMDP3([]byte{1, 2, 3})), true},
		{"mdp3 bad size", second(DecodeMDP3(append(mdp3Pkt(1)[:12], 3, 0))), false},
		{"mtools other", second(DecodeMtools([]byte("hello world"))), false},
		{"mtools bad stat", second(DecodeMtools([]byte("stat x"))), false},
		{"ts sync", second(DecodeTS(make([]byte, 188))), false},
		{"ts short", second(DecodeTS([]byte{0x47})), true},
		{"counter", second(DecodeCounter([]byte{1}, Format{Kind: FormatOffset, Offset: 0, Width: 4})), true},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if errors.Is(tc.err, ErrTruncated) != tc.trunc || errors.Is(tc.err, ErrMalformed) == tc.trunc {
			t.Errorf("%s: %v: truncated=%v, want %v", tc.name, tc.err, errors.Is(tc.err, ErrTruncated), tc.trunc)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestTruncated(t *testing.T) {
	// synthetic: msend -m 0 cut by a 9-byte snaplen: "Message 1" of "Message 1a"
	ds := synth(msendRun(span(0x18, 0x1c), false, 0, "msend 239.1.2.3 14400", -1)...)
	cut := ds[3] // "Message 1a"
	cut.Payload, cut.Truncated = cut.Payload[:9], true
	ds[3] = cut
	r := run(Config{}, ds)
	s := r.Streams[0]
	if s.Undecodable != 1 || s.Truncated != 1 {
		t.Fatalf("undecodable %d truncated %d, want 1 1: %s", s.Undecodable, s.Truncated, s.FirstError)
	}
	// the cut datagram is not read as seq 1; the counter's gap is listed,
	// but the datagram arrived: it is not counted as lost (issue 9 item 7)
	if d := cmp.Diff(seqSummary{Format: "mtools", Expected: 0x1d, Received: 4, Lost: 0x18, Gaps: []gapT{{0, 0x18}, {0x1a, 1}}}, summarize(s)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if g := s.Sequences[0].Gaps[1]; g.Verdict != "snaplen" || g.SnaplenCut != 1 {
		t.Errorf("gap %+v, want verdict snaplen", g)
	}
}

func TestCountOnlyLost(t *testing.T) {
	ps := [][]byte{msendEcho("msend -P0102 239.1.2.3 14400"), {1, 2}, {1, 2}, {1, 2}, []byte("stat 5")}
	r := run(Config{}, synth(ps...))
	if r.Lost() != 2 || len(r.Streams[0].Notes) != 1 {
		t.Errorf("lost %d notes %v, want 2 and a note", r.Lost(), r.Streams[0].Notes)
	}
}

func TestParsePair(t *testing.T) {
	p, err := ParsePair("239.1.1.1:5000, 239.1.1.2:5000")
	if err != nil || p != [2]string{"239.1.1.1:5000", "239.1.1.2:5000"} {
		t.Errorf("got %v %v", p, err)
	}
	for _, bad := range []string{"239.1.1.1", "a,b", ",239.1.1.1", "239.1.1.1:0,239.1.1.2"} {
		if _, err := ParsePair(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
