package multipoint

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/multipoint")

// The recorded captures come from cmd/smcdump's TestMultipointLab (real
// network namespaces; see testdata/multipoint/README.md).
const td = "../../testdata/multipoint"

func points(scenario string, names ...string) []Point {
	var out []Point
	for _, n := range names {
		file := n
		if i := strings.IndexByte(n, '='); i >= 0 {
			n, file = n[:i], n[i+1:]
		}
		out = append(out, Point{Name: n, Files: []string{filepath.Join(td, scenario+"-"+file+".pcapng")}})
	}
	return out
}

func run(t *testing.T, pts []Point) *Report {
	t.Helper()
	rep, err := Run(context.Background(), Config{Points: pts})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func golden(t *testing.T, name string, rep *Report) {
	t.Helper()
	var text, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for ext, got := range map[string][]byte{".txt": text.Bytes(), ".json": js.Bytes()} {
		p := filepath.Join(td, "golden", name+ext)
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file; got:\n%s", p, got)
		}
	}
}

func verdicts(rep *Report, kind string) []Verdict {
	var out []Verdict
	for _, v := range rep.Verdicts {
		if v.Kind == kind {
			out = append(out, v)
		}
	}
	return out
}

func TestGoldenStripped(t *testing.T) {
	rep := run(t, points("stripped", "client", "router", "server"))
	golden(t, "stripped-3", rep)
	vs := verdicts(rep, "stripped")
	if len(vs) != 1 || vs[0].From != "client" || vs[0].To != "router" || vs[0].Count != 20 || len(rep.Verdicts) != 1 {
		t.Errorf("verdicts %+v", rep.Verdicts)
	}
	rep = run(t, points("stripped", "client", "router-in", "router", "server"))
	golden(t, "stripped-4", rep)
	vs = verdicts(rep, "stripped")
	if len(vs) != 1 || vs[0].From != "router-in" || vs[0].To != "router" || vs[0].Count != 20 {
		t.Errorf("verdicts %+v", rep.Verdicts)
	}
}

func TestGoldenUDPLost(t *testing.T) {
	rep := run(t, points("udp-lost", "sender", "router", "receiver"))
	golden(t, "udp-lost-3", rep)
	vs := verdicts(rep, "lost-between")
	// 502 datagrams sent (echo, 500 data, stat); nftables dropped every tenth
	if len(vs) != 1 || vs[0].From != "sender" || vs[0].To != "router" || vs[0].Count != 51 || len(rep.Verdicts) != 1 {
		t.Errorf("verdicts %+v", rep.Verdicts)
	}
	rep = run(t, points("udp-lost", "sender", "router-in", "router", "receiver"))
	vs = verdicts(rep, "lost-between")
	if len(vs) != 1 || vs[0].From != "router-in" || vs[0].To != "router" || vs[0].Count != 51 {
		t.Errorf("4 points: verdicts %+v", rep.Verdicts)
	}
}

// shiftPcapng copies a little-endian pcapng file, adding d to every packet
// and statistics timestamp: a capture point whose clock is off by d.
func shiftPcapng(t *testing.T, src, dst string, d time.Duration) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	var res []float64 // seconds per unit, per interface
	shift := func(o int, ifc uint32) {
		unit := 1e-6
		if int(ifc) < len(res) {
			unit = res[ifc]
		}
		ts := uint64(le.Uint32(b[o:]))<<32 | uint64(le.Uint32(b[o+4:]))
		ts = uint64(int64(ts) + int64(math.Round(d.Seconds()/unit)))
		le.PutUint32(b[o:], uint32(ts>>32))
		le.PutUint32(b[o+4:], uint32(ts))
	}
	for o := 0; o+12 <= len(b); {
		typ, n := le.Uint32(b[o:]), int(le.Uint32(b[o+4:]))
		if n < 12 || o+n > len(b) {
			t.Fatalf("%s: bad block at %d", src, o)
		}
		switch typ {
		case 0x0A0D0D0A:
			if le.Uint32(b[o+8:]) != 0x1A2B3C4D {
				t.Fatalf("%s: not little-endian", src)
			}
		case 1: // IDB: if_tsresol (code 9)
			r := 1e-6
			for p := o + 16; p+4 <= o+n-4; {
				code, l := le.Uint16(b[p:]), int(le.Uint16(b[p+2:]))
				if code == 0 {
					break
				}
				if code == 9 && l == 1 {
					v := b[p+4]
					if v&0x80 != 0 {
						r = math.Pow(2, -float64(v&0x7f))
					} else {
						r = math.Pow(10, -float64(v))
					}
				}
				p += 4 + (l+3)&^3
			}
			res = append(res, r)
		case 6: // EPB
			shift(o+12, le.Uint32(b[o+8:]))
		case 5: // ISB: timestamp, isb_starttime (2), isb_endtime (3)
			ifc := le.Uint32(b[o+8:])
			shift(o+12, ifc)
			for p := o + 20; p+4 <= o+n-4; {
				code, l := le.Uint16(b[p:]), int(le.Uint16(b[p+2:]))
				if code == 0 {
					break
				}
				if (code == 2 || code == 3) && l == 8 {
					shift(p+4, ifc)
				}
				p += 4 + (l+3)&^3
			}
		}
		o += n
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// An artificial clock offset (the client's timestamps moved by +1.234567 s,
// the server's by -0.5 s) is recovered within ±2 ms, and the verdicts do not
// change: matching does not trust the clocks.
func TestClockOffsetRecovered(t *testing.T) {
	dir := t.TempDir()
	pts := points("stripped", "client", "router", "server")
	shiftPcapng(t, pts[0].Files[0], filepath.Join(dir, "client.pcapng"), 1234567*time.Microsecond)
	shiftPcapng(t, pts[2].Files[0], filepath.Join(dir, "server.pcapng"), -500*time.Millisecond)
	base := run(t, pts)
	pts[0].Files[0] = filepath.Join(dir, "client.pcapng")
	pts[2].Files[0] = filepath.Join(dir, "server.pcapng")
	rep := run(t, pts)
	// router relative to client: true offset (about 0 µs in the lab, one
	// kernel clock) minus 1.234567 s; server relative to router: -0.5 s.
	want := []time.Duration{-1234567 * time.Microsecond, -500 * time.Millisecond}
	const bound = 2 * time.Millisecond
	for i, h := range rep.Hops {
		if !h.Clock.Known {
			t.Fatalf("hop %d: offset unknown: %s", i, h.Clock.Note)
		}
		got := time.Duration(h.Clock.OffsetNs)
		if got < want[i]-bound || got > want[i]+bound {
			t.Errorf("hop %s—%s: offset %v, want %v ± %v", h.From, h.To, got, want[i], bound)
		}
		// the delays once the offset is removed are those of the unshifted run
		if a, b := h.Forward.Delay.MinNs, base.Hops[i].Forward.Delay.MinNs; a < b-int64(bound) || a > b+int64(bound) {
			t.Errorf("hop %d: min delay %d ns, unshifted %d ns", i, a, b)
		}
	}
	vs := verdicts(rep, "stripped")
	if len(vs) != 1 || vs[0].From != "client" || vs[0].To != "router" || vs[0].Count != 20 || len(rep.Verdicts) != 1 {
		t.Errorf("verdicts with shifted clocks: %+v", rep.Verdicts)
	}
}

func TestParsePoint(t *testing.T) {
	for _, c := range []struct {
		in    string
		name  string
		files []string
		bad   bool
	}{
		{"client=c.pcapng", "client", []string{"c.pcapng"}, false},
		{"r=a.pcapng,b.pcapng", "r", []string{"a.pcapng", "b.pcapng"}, false},
		{"r= a.pcapng , ,b", "r", []string{"a.pcapng", "b"}, false},
		{"c.pcapng", "", nil, true},
		{"=c.pcapng", "", nil, true},
		{"x=", "", nil, true},
		{"x=,", "", nil, true},
	} {
		p, err := ParsePoint(c.in)
		if (err != nil) != c.bad {
			t.Errorf("%q: err %v", c.in, err)
			continue
		}
		if !c.bad && (p.Name != c.name || strings.Join(p.Files, "|") != strings.Join(c.files, "|")) {
			t.Errorf("%q: %+v", c.in, p)
		}
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(context.Background(), Config{Points: points("stripped", "client")}); err == nil {
		t.Error("one point: no error")
	}
	if _, err := Run(context.Background(), Config{Points: points("stripped", "a=client", "a=server")}); err == nil {
		t.Error("duplicate names: no error")
	}
	if _, err := Run(context.Background(), Config{Points: []Point{{Name: "a", Files: []string{"/nonexistent"}}, {Name: "b", Files: []string{"/nonexistent"}}}}); err == nil {
		t.Error("missing file: no error")
	}
}

// MaxPackets bounds memory: the report says when the limit was reached.
func TestLimitReached(t *testing.T) {
	rep, err := Run(context.Background(), Config{Points: points("udp-lost", "sender", "router"), MaxPackets: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Limits.Reached || rep.Limits.Note == "" || rep.Points[0].Kept != 100 || rep.Points[0].NotKept != 402 {
		t.Errorf("limits %+v, point %+v", rep.Limits, rep.Points[0])
	}
	var text bytes.Buffer
	_ = rep.WriteText(&text)
	if !strings.Contains(text.String(), "LIMIT: only the first 100") {
		t.Errorf("text does not state the limit:\n%s", text.String())
	}
}

// The router held every datagram 20 ms in a user-space forwarder that sends
// from its own address: matched by payload alone, delay 20 ms or more.
func TestGoldenDelay(t *testing.T) {
	rep := run(t, points("delay", "sender", "router", "receiver"))
	golden(t, "delay-3", rep)
	h := rep.Hops[0]
	if h.MatchedByPayload != 202 || len(rep.Verdicts) != 0 || h.Forward.Delay == nil ||
		h.Forward.Delay.MinNs < int64(20*time.Millisecond) || h.Forward.Delay.MinNs > int64(22*time.Millisecond) {
		t.Errorf("sender—router %+v delay %+v, verdicts %+v", h, h.Forward.Delay, rep.Verdicts)
	}
}
