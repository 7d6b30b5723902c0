package analyze

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/analyze/synth"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TestJSONStreamsEveryConnection: with OnListed (smcdump analyze --json)
// every connection is written, whatever MaxConnections, numbered 1..n in
// finishing order, and none is kept; the text report lists the first
// MaxConnections with the same numbers and verdicts.
func TestJSONStreamsEveryConnection(t *testing.T) {
	const n = 7
	data := silentSMCR(t, n)
	gates, err := report.ParseGates([]string{"unverified"})
	if err != nil {
		t.Fatal(err)
	}
	run := func(cfg Config) *report.Report { return analyzeMemory(t, "silent.pcapng", data, cfg) }
	for _, keep := range []int{1, 3, -1} {
		var buf bytes.Buffer
		jw := report.NewJSONWriter(&buf)
		rep := run(Config{MaxConnections: keep, NoUDP: true, OnListed: jw.Connection, KeepNone: true})
		if err := jw.Finish(rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Connections) != 0 || rep.Rows.Len() != 0 {
			t.Errorf("keep %d: %d connections kept, want none", keep, len(rep.Connections))
		}
		var got struct {
			Schema      string
			Connections []smcflow.Conn
			Summary     map[string]any
		}
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("keep %d: %v\n%s", keep, err, buf.String())
		}
		if got.Schema != report.SchemaVersion || len(got.Connections) != n || got.Summary["not_listed"] != nil {
			t.Fatalf("keep %d: schema %q, %d connections, not_listed %v; want %d, none", keep, got.Schema, len(got.Connections), got.Summary["not_listed"], n)
		}
		if !strings.HasPrefix(buf.String(), "{\n  \"schema\": \""+report.SchemaVersion+"\",\n  \"connections\": [\n") {
			t.Errorf("keep %d: the report does not start with the schema and the connections:\n%.200s", keep, buf.String())
		}
		text := run(Config{MaxConnections: keep, NoUDP: true})
		for i, c := range got.Connections {
			if c.ID != i+1 || c.Reason != smcflow.ReasonLinkUnverified {
				t.Errorf("keep %d: connection %d has ID %d, reason %s", keep, i, c.ID, c.Reason)
			}
			if i < len(text.Connections) {
				tc := text.Connections[i]
				if tc.ID != c.ID || tc.Client != c.Client || tc.Reason != c.Reason {
					t.Errorf("keep %d: text lists #%d %s %s, JSON #%d %s %s", keep, tc.ID, tc.Client, tc.Reason, c.ID, c.Client, c.Reason)
				}
			}
		}
		if got, want := rep.Check(gates), "--fail-on: 7 unverified"; got != want {
			t.Errorf("keep %d: Check = %q, want %q", keep, got, want)
		}
	}
}

// TestFinishOrderDeterministic: connections finished together (here by the
// periodic sweep, many at once: each peer-no-smc connection closed and
// quiet past the linger time) are numbered the same way on every run (the
// sweep used to finish them in map order, harmless while the list was
// sorted at the end). Synthetic capture.
func TestFinishOrderDeterministic(t *testing.T) {
	var buf bytes.Buffer
	w, err := synth.NewPcapng(&buf, synth.Ethernet, "eth0", time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	srv := netip.MustParseAddrPort("10.1.1.20:5000")
	for i := range 4000 { // 5 packets each: the sweep runs every 16384
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(40000+i%1000))
		c := w.TCPConn(cli, srv, uint32(1000+i), 5000)
		if err := c.Handshake(true, false); err != nil {
			t.Fatal(err)
		}
		if err := c.FIN(true); err != nil {
			t.Fatal(err)
		}
		if err := c.FIN(false); err != nil {
			t.Fatal(err)
		}
		if i%500 == 499 {
			w.Advance(6 * time.Second) // past closeLinger
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var first string
	for run := range 4 {
		fr, err := pcapfile.NewFileReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		jw := report.NewJSONWriter(&out)
		a := NewAnalyzer(Config{NoUDP: true, OnListed: jw.Connection, KeepNone: true, Threads: 1 + run%2})
		if err := a.AnalyzeReader(t.Context(), "closed.pcapng", fr); err != nil {
			t.Fatal(err)
		}
		if err := jw.Finish(a.Finish()); err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			first = out.String()
			if n := strings.Count(first, `
    {
      "id": `); n != 4000 {
				t.Fatalf("%d fallbacks listed, want 4000", n)
			}
		} else if out.String() != first {
			t.Fatalf("run %d: output differs from the first run's", run)
		}
	}
}

// TestJSONWriterGoSameOutput: the JSON report of an analysis in two
// goroutines whose connection list is written by a JSONWriter in a third
// (Go, with ListedLag = report.JSONLag, as smcdump analyze --json does) is
// byte-identical to the report of one goroutine doing everything, with
// more connections than keep their detail (the others' compact records
// and links rotate through the tracker's storage) and than JSONLag.
func TestJSONWriterGoSameOutput(t *testing.T) {
	data := silentSMCR(t, 2500)
	write := func(async bool) string {
		var buf bytes.Buffer
		jw := report.NewJSONWriter(&buf)
		cfg := Config{NoUDP: true, OnListed: jw.Connection, KeepNone: true, Threads: 1}
		if async {
			jw.Go()
			cfg.Threads, cfg.ListedLag = 2, report.JSONLag
		}
		if err := jw.Finish(analyzeMemory(t, "silent.pcapng", data, cfg)); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	want := write(false)
	if n := strings.Count(want, `"detail_omitted": true`); n < 1000 || n < report.JSONLag {
		t.Fatalf("%d compact records: the test needs more than %d and than smcflow.DefaultDetail", n, report.JSONLag)
	}
	if !strings.Contains(want, `"state": "not-visible"`) {
		t.Fatal("no link in the records")
	}
	for range 3 {
		if got := write(true); got != want {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("the report differs at byte %d:\n%.300s\nwant\n%.300s", i, got[max(i-100, 0):], want[max(i-100, 0):])
		}
	}
}
