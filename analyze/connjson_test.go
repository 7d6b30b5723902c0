package analyze

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/internal/publicdata"
)

// TestConnJSONSameAsEncodingJSON checks the report's hand-written
// connection encoding (report.AppendConnJSON) against encoding/json on every
// connection of every trace in the repository (and the public samples when
// present), as listed and as the tracker finishes them.
func TestConnJSONSameAsEncodingJSON(t *testing.T) {
	var traces []string
	err := filepath.WalkDir("../testdata", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && slices.Contains([]string{".pcap", ".pcapng", ".cap"}, filepath.Ext(p)) {
			traces = append(traces, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	traces = append(traces, publicdata.Glob(t, "*.pcap")...)
	traces = append(traces, publicdata.Glob(t, "*.pcapng")...)
	n := 0
	check := func(p string, c *smcflow.Conn) {
		n++
		want, err := json.MarshalIndent(c, "    ", "  ")
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got, err := report.AppendConnJSON(nil, c, "    ")
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: connection %d:\n got %s\nwant %s", p, c.ID, got, want)
		}
	}
	for _, p := range traces {
		rep, _ := Run(context.Background(), Config{All: true, MaxConnections: -1}, []string{p})
		for _, c := range rep.Connections {
			check(p, c)
		}
		// Every connection as the tracker finishes it, with full detail.
		Run(context.Background(), Config{All: true, OnConnection: func(c *smcflow.Conn) { check(p, c) }}, []string{p})
	}
	if n == 0 {
		t.Fatal("no connections checked")
	}
	t.Logf("%d connections in %d traces", n, len(traces))
}
