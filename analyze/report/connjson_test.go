package report

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

func ptr[T any](v T) *T { return &v }

// connJSONCases are synthetic connections with the edge values of each
// field (omitted, zero, escaped strings, zones, float forms).
func connJSONCases() []*smcflow.Conn {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	full := &smcflow.Conn{
		ID: 7, Client: netip.MustParseAddrPort("[fe80::1%eth0]:40000"), Server: netip.MustParseAddrPort("10.0.0.2:445"),
		RolesGuessed: true, VLAN: 100, Outcome: smcflow.OutcomeFallback, Reason: smcflow.ReasonDecline,
		Summary:   "a <b> & \"c\" \\ d\n\t\u2028 é \x01 \xff → x",
		SYNOption: ptr(true), SYNACKOption: ptr(false),
		SMC:        &smcflow.SMCInfo{Type: "SMC-R", Version: 2, Variant: "SMC-Rv2", Release: ptr(1), FirstContact: true, EID: "E<1>", Direct: ptr(false), MaxConns: 255, MaxLinks: 3},
		Decline:    &smcflow.DeclineInfo{By: "server", Code: "0x03030000", Name: "n", Meaning: "m", Remedy: "r", Stage: "after-proposal", Late: true, DelayMS: ptr(1e-7), OutOfSync: true, Version: 2, Frame: 9, Time: t0, Extra: []string{"0x1", "0x2"}},
		Link:       &smcflow.LinkInfo{State: "confirmed", ConfirmedAt: ptr(t0), ConfirmFrame: 3, LLC: []smcflow.LLCCount{{Type: "ADD_LINK", Count: 2}}, CDCMessages: 4, RDMAWrites: 5, RDMABytes: 6, FirstRoCE: ptr(t0.Add(time.Second)), RoCEPackets: 7, ClientQPN: "0x000001", ServerQPN: "0x000002", DeleteReasons: []string{"0x00010000"}},
		ClientInfo: &smcflow.Endpoint{PeerID: "p", GID: "g", BufferBytes: 65536, Release: ptr(1), GIDList: []string{"a", "b"}},
		ServerInfo: &smcflow.Endpoint{
			PeerID: "58392@52:54:00:5c:00:01", GID: "::ffff:10.0.0.1", MAC: "52:54:00:5c:00:01", QPN: "0x000011", RKey: "0x000003e2", Token: "0x00000002",
			BufferBytes: -1, MTU: 1024, PSN: "0x5c5471", ISMGID: "i", DMBToken: "d", CHID: "c", LinkID: "l", Hostname: "h<>", OS: "o", Release: ptr(0),
			GIDList: []string{"x"}, Offered: "v1:N v2:R", EIDs: []string{"SMCDUMP-LAB-UEID", `é\`}, SEID: "s", RoCEv2GID: "r", IPv4Prefix: "10.0.0.0/8",
			IPv6Prefixes: []string{"2001:db8::/32"}, ISMGIDs: []string{"0x0000000000000001/chid 0x0001"},
		},
		Times:   smcflow.Times{SYN: ptr(t0), SYNACK: ptr(t0), Proposal: ptr(t0), Accept: ptr(t0), Confirm: ptr(t0), Decline: ptr(t0), FirstData: ptr(t0), End: ptr(t0), First: t0, Last: t0.Add(time.Hour)},
		Latency: smcflow.Latency{HandshakeMS: ptr(0.123456), CLCMS: ptr(1e21)},
		Packets: 10, Bytes: 1 << 40,
		Evidence: []smcflow.Evidence{{File: "a.pcap", Frame: 1, Time: t0, Dir: "C>S", What: "SYN"}, {Frame: 2, Time: t0, Dir: "S>C", What: "x"}},
		Notes:    []string{"n1", ""}, DetailOmitted: true,
	}
	return []*smcflow.Conn{
		{},
		{Evidence: []smcflow.Evidence{}, Link: &smcflow.LinkInfo{}, SMC: &smcflow.SMCInfo{}, Decline: &smcflow.DeclineInfo{}},
		full,
		{Latency: smcflow.Latency{HandshakeMS: ptr(math.Copysign(0, -1)), CLCMS: ptr(123456789.5)}, Times: smcflow.Times{First: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{Latency: smcflow.Latency{HandshakeMS: ptr(1e-300), CLCMS: ptr(-2.5e-7)}, ClientInfo: &smcflow.Endpoint{}, ServerInfo: &smcflow.Endpoint{EIDs: []string{}}},
		{Times: smcflow.Times{First: time.Date(9999, 12, 31, 23, 59, 59, 100, time.UTC), Last: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 5400)), End: ptr(time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC))}},
	}
}

func TestConnJSONCases(t *testing.T) {
	// The report's prefix (blanks: indentation sliced from nlBlanks), none,
	// one that is not blanks, and one deeper than nlBlanks reaches.
	for _, prefix := range []string{"    ", "", "\t# ", strings.Repeat(" ", 200)} {
		for i, c := range connJSONCases() {
			want, err := json.MarshalIndent(c, prefix, "  ")
			if err != nil {
				t.Fatal(err)
			}
			got, err := AppendConnJSON(nil, c, prefix)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("prefix %q, case %d:\n got %s\nwant %s", prefix, i, got, want)
			}
		}
	}
	// NaN is an error, as with encoding/json.
	if _, err := AppendConnJSON(nil, &smcflow.Conn{Latency: smcflow.Latency{CLCMS: ptr(math.NaN())}}, ""); err == nil {
		t.Error("NaN: no error")
	}
}

// FuzzConnJSON compares AppendConnJSON with encoding/json on connections
// built from the fuzz input (strings, numbers, times, addresses).
func FuzzConnJSON(f *testing.F) {
	for _, c := range connJSONCases() {
		b, _ := json.Marshal(c.Summary)
		f.Add(b, uint64(c.ID), 0.5)
	}
	f.Add([]byte("\x00<&>\u2029\xc3"), uint64(1)<<63, 1e22)
	f.Fuzz(func(t *testing.T, s []byte, n uint64, fl float64) {
		if math.IsNaN(fl) || math.IsInf(fl, 0) {
			return
		}
		var a16 [16]byte
		binary.LittleEndian.PutUint64(a16[:], n)
		binary.LittleEndian.PutUint64(a16[8:], n*0x9e3779b97f4a7c15)
		// Any second of the years 0 to 9999 and just beyond, the last
		// time on another day.
		ts := time.Unix(unixYear0-1000+int64(n>>3%uint64(unixYear10000-unixYear0+2000)), int64(n%1_000_000_000)).UTC()
		str := string(s)
		c := &smcflow.Conn{
			ID: int(n >> 1), Client: netip.AddrPortFrom(netip.AddrFrom16(a16).WithZone(str), uint16(n)),
			Server: netip.AddrPortFrom(netip.AddrFrom4([4]byte(a16[:4])), uint16(n>>16)),
			VLAN:   uint16(n >> 32), Outcome: smcflow.Outcome(str), Reason: str, Summary: str,
			SMC:     &smcflow.SMCInfo{Type: str, Version: int(int32(n)), Variant: str, EID: str, MaxConns: int(n & 0xff)},
			Decline: &smcflow.DeclineInfo{By: str, Code: str, Name: str, DelayMS: ptr(fl), Time: ts, Extra: []string{str}},
			Link:    &smcflow.LinkInfo{State: str, LLC: []smcflow.LLCCount{{Type: str, Count: int(n)}}, RDMABytes: int64(n), DeleteReasons: []string{str}},
			Times:   smcflow.Times{First: ts, Last: ts.Add(time.Duration(n&0xffffff) * time.Second), End: ptr(ts)},
			Latency: smcflow.Latency{HandshakeMS: ptr(fl), CLCMS: ptr(fl / 3)},
			Packets: int(n), Bytes: int64(n),
			Evidence: []smcflow.Evidence{{File: str, Frame: int(n), Time: ts, Dir: str, What: str}},
			Notes:    []string{str},
		}
		if n&1 != 0 {
			c.ClientInfo = &smcflow.Endpoint{PeerID: str, GID: str, MAC: str, BufferBytes: int(n >> 3), MTU: int(n & 7), PSN: str, Release: ptr(int(n & 3)), GIDList: []string{str}, Offered: str, EIDs: []string{str, str}, IPv6Prefixes: []string{str}}
			c.ServerInfo = &smcflow.Endpoint{QPN: str, RKey: str, Token: str, ISMGID: str, DMBToken: str, CHID: str, LinkID: str, Hostname: str, OS: str, SEID: str, RoCEv2GID: str, IPv4Prefix: str, ISMGIDs: []string{str}}
		}
		want, err := json.MarshalIndent(c, "    ", "  ")
		if err != nil {
			return
		}
		got, err := AppendConnJSON(nil, c, "    ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	})
}

// TestJSONTimeSameAsEncodingJSON: times are written as encoding/json
// writes them (RFC 3339 with the fraction's trailing zeros dropped), in
// UTC and in other zones, at the ends of the years 0 to 9999 and beyond.
func TestJSONTimeSameAsEncodingJSON(t *testing.T) {
	zone := time.FixedZone("west", -7*3600-30*60)
	times := []time.Time{
		{}, time.Unix(0, 0).UTC(), time.Unix(0, 1).UTC(), time.Unix(-1, 999_999_999).UTC(), time.Unix(1_700_000_000, 120_000_000).UTC(),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 3, 4, 5_000, zone), time.Unix(1_700_000_000, 0).Local(),
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 24*3600)), // an offset encoding/json refuses
	}
	for i := range 3000 {
		times = append(times, time.Unix(int64(i)*7_777_777_777%253_402_300_800, int64(i)*123_457%1_000_000_000*int64(i%3)).UTC())
	}
	// Times around midnight, before and after 1970, one after the other
	// through one encoder (its date of the day is reused).
	for _, day := range []int64{-1, 0, 1, 19000} {
		for _, off := range []int64{-1, 0, 1, 86399, 86400} {
			times = append(times, time.Unix(day*86400+off, int64(off&1)*500).UTC())
		}
	}
	var shared jsonEnc
	for _, tm := range times {
		want, werr := json.Marshal(tm)
		var e jsonEnc
		e.time(tm)
		shared.b, shared.err = shared.b[:0], nil
		shared.time(tm)
		if werr != nil {
			if e.err == nil || shared.err == nil {
				t.Errorf("%v: no error, encoding/json: %v", tm, werr)
			}
			continue
		}
		if !bytes.Equal(e.b, want) || e.err != nil {
			t.Errorf("%v: got %s (%v), want %s", tm, e.b, e.err, want)
		}
		if !bytes.Equal(shared.b, want) || shared.err != nil {
			t.Errorf("%v, after other times: got %s (%v), want %s", tm, shared.b, shared.err, want)
		}
	}
}

// TestJSONStrSameAsEncodingJSON: the string encoder escapes as
// encoding/json does (quotes, backslash, control characters, HTML
// characters, U+2028/U+2029, invalid UTF-8, multi-byte characters).
func TestJSONStrSameAsEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `a"b\c`, "\x00\x01\x1f\x7f", "\b\f\n\r\t", "<&>", "C>S", "→ é 日本",
		"\u2028x\u2029", "\xff", "a\xc3", "\xc3\x28", "\xed\xa0\x80", "\xf0\x9f\x98\x80", "x\u2027\u202a"} {
		want, _ := json.Marshal(s)
		e := jsonEnc{}
		e.str(s)
		if !bytes.Equal(e.b, want) {
			t.Errorf("%q: got %s, want %s", s, e.b, want)
		}
	}
}

// TestJSONStrLong: longer strings with every byte that needs escaping, and
// multi-byte characters, at every position.
func TestJSONStrLong(t *testing.T) {
	for _, c := range []string{"\"", "\\", "<", ">", "&", "\x00", "\x1f", "\n", "\x7f", "é", "\u2028", "\xff", "日"} {
		for p := range 25 {
			s := strings.Repeat("abcdefgh", 3)
			s = s[:p] + c + s[p:]
			want, _ := json.Marshal(s)
			e := jsonEnc{}
			e.str(s)
			if !bytes.Equal(e.b, want) {
				t.Errorf("%q: got %s, want %s", s, e.b, want)
			}
		}
	}
}
