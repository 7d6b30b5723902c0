package analyze

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/tunnelwrap"
)

// Tunnels: every real-kernel trace of the lab (SMC-R, SMC-D, fallbacks,
// IPv6) and of the multicast loss lab, each frame wrapped in a tunnel
// header (SYNTHETIC encapsulation of real frames: VXLAN on both ports,
// Geneve with an option, GRE with IP or Ethernet inside, ERSPAN types I,
// II and III, IP-in-IP, over IPv4 and IPv6), must give the same report
// as the frames unwrapped: the same connections, verdicts, streams and
// gaps, frame for frame. The file section differs only in its tunnel
// counts, which must account for every frame.

// tunnelKind wraps one Ethernet frame (wire length wire, captured bytes
// eth) in a tunnel; it returns the new frame's captured bytes and wire
// length.
type tunnelKind struct {
	name string
	// ipOnly: the tunnel carries IP, not Ethernet (the Ethernet header
	// and VLAN tags are removed first; frames that are not IP stay as
	// they are).
	ipOnly bool
	v6     bool   // outer IPv6
	proto  uint8  // outer IP protocol (17: UDP to port)
	port   uint16 // UDP tunnels
	header func(inner []byte) []byte
	kind   string // report.Tunnel.Kind
	// outer, when set, wraps the result again (a tunnel inside a tunnel).
	outer *tunnelKind
}

func tunnelKinds() []tunnelKind {
	u32 := func(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
	u16 := func(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
	ipType := func(inner []byte) uint16 {
		if len(inner) > 0 && inner[0]>>4 == 6 {
			return 0x86DD
		}
		return 0x0800
	}
	return []tunnelKind{
		{name: "vxlan", proto: 17, port: 4789, kind: "VXLAN", header: func([]byte) []byte { return u32(u32(nil, 0x08000000), 42<<8) }},
		{name: "vxlan-linux-port", proto: 17, port: 8472, kind: "VXLAN", header: func([]byte) []byte { return u32(u32(nil, 0x08000000), 7<<8) }},
		{name: "vxlan-ipv6", v6: true, proto: 17, port: 4789, kind: "VXLAN", header: func([]byte) []byte { return u32(u32(nil, 0x08000000), 43<<8) }},
		{name: "geneve-option", proto: 17, port: 6081, kind: "Geneve", header: func([]byte) []byte {
			h := u32(u16([]byte{2, 0}, 0x6558), 99<<8)
			return u32(append(u16(h, 0x0102), 0x03, 1), 0xdeadbeef)
		}},
		{name: "geneve-ip", ipOnly: true, proto: 17, port: 6081, kind: "Geneve", header: func(in []byte) []byte { return u32(u16([]byte{0, 0}, ipType(in)), 98<<8) }},
		{name: "gre-ip", ipOnly: true, proto: 47, kind: "GRE", header: func(in []byte) []byte { return u16(u16(nil, 0), ipType(in)) }},
		{name: "gretap-key-seq-csum", proto: 47, kind: "GRE", header: func([]byte) []byte { return u32(u32(u32(u16(u16(nil, 0xb000), 0x6558), 0), 5), 77) }},
		{name: "erspan1", proto: 47, kind: "ERSPAN type I", header: func([]byte) []byte { return u16(u16(nil, 0), 0x88be) }},
		{name: "erspan2", proto: 47, kind: "ERSPAN type II", header: func([]byte) []byte {
			return u32(u16(u16(u32(u16(u16(nil, 0x1000), 0x88be), 9), 0x1000|100), 123), 7)
		}},
		{name: "erspan3-platform", v6: true, proto: 47, kind: "ERSPAN type III", header: func([]byte) []byte {
			h := u32(u16(u16(nil, 0x1000), 0x22eb), 10)
			h = u32(u16(u16(h, 0x2000|100), 124), 0x12345678)
			return append(u16(u16(h, 0), 7<<4|1<<3|1), make([]byte, 8)...)
		}},
		{name: "ipip", ipOnly: true, kind: "IP-in-IP", header: func([]byte) []byte { return nil }},
	}
}

// ipStart returns the offset of the IP header in an Ethernet frame (after
// VLAN tags), or -1.
func ipStart(eth []byte) int {
	if len(eth) < 14 {
		return -1
	}
	off, et := 14, binary.BigEndian.Uint16(eth[12:])
	for (et == 0x8100 || et == 0x88a8) && len(eth) >= off+4 {
		et = binary.BigEndian.Uint16(eth[off+2:])
		off += 4
	}
	if et != 0x0800 && et != 0x86DD || len(eth) <= off {
		return -1
	}
	return off
}

// wrap encapsulates one frame; ok false leaves it as it is.
func (k tunnelKind) wrap(eth []byte, wire int) ([]byte, int, bool) {
	if k.outer != nil {
		inner := k
		inner.outer = nil
		b, w, ok := inner.wrap(eth, wire)
		if !ok {
			return eth, wire, false
		}
		return k.outer.wrap(b, w)
	}
	inner := eth
	if k.ipOnly {
		off := ipStart(eth)
		if off < 0 {
			return eth, wire, false
		}
		inner, wire = eth[off:], wire-off
	}
	proto := k.proto
	if k.name == "ipip" {
		proto = 4
		if inner[0]>>4 == 6 {
			proto = 41
		}
	}
	h := k.header(inner)
	l4wire := len(h) + wire
	var l4 []byte
	if proto == 17 {
		l4wire += 8
		l4 = binary.BigEndian.AppendUint16(nil, 50000)
		l4 = binary.BigEndian.AppendUint16(l4, k.port)
		l4 = binary.BigEndian.AppendUint16(l4, uint16(l4wire))
		l4 = append(l4, 0, 0)
	}
	l4 = append(append(l4, h...), inner...)
	out := []byte{0x02, 0, 0, 0, 0, 0xb, 0x02, 0, 0, 0, 0, 0xa}
	if k.v6 {
		out = binary.BigEndian.AppendUint16(out, 0x86DD)
		out = binary.BigEndian.AppendUint32(out, 0x60000000)
		out = binary.BigEndian.AppendUint16(out, uint16(l4wire))
		out = append(out, proto, 64)
		out = append(out, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
		out = append(out, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)
		return append(out, l4...), 14 + 40 + l4wire, true
	}
	out = binary.BigEndian.AppendUint16(out, 0x0800)
	out = append(out, 0x45, 0)
	out = binary.BigEndian.AppendUint16(out, uint16(20+l4wire))
	out = append(out, 0, 1, 0x40, 0, 64, proto, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2)
	return append(out, l4...), 14 + 20 + l4wire, true
}

// writeTunnelPcap writes the packets of src to a nanosecond pcap at dst,
// each once per kind in ks, wrapped by it (nil: unwrapped); it returns the
// frames wrapped.
func writeTunnelPcap(t *testing.T, src, dst string, ks ...*tunnelKind) int {
	t.Helper()
	if len(ks) == 0 {
		ks = []*tunnelKind{nil}
	}
	wrapped := 0
	tunnelwrap.Rewrite(t, src, dst, func(eth []byte, wire int, emit func([]byte, int)) {
		for _, k := range ks {
			data, w := eth, wire
			if k != nil {
				var ok bool
				if data, w, ok = k.wrap(eth, wire); ok {
					wrapped++
				}
			}
			emit(data, w)
		}
	})
	return wrapped
}

// reportWithoutFiles is the JSON of a report without its file section.
func reportWithoutFiles(t *testing.T, path string) (string, map[string]any) {
	t.Helper()
	return reportWithoutFilesCfg(t, Config{}, path)
}

func reportWithoutFilesCfg(t *testing.T, cfg Config, path string) (string, map[string]any) {
	t.Helper()
	r, err := Run(context.Background(), cfg, []string{path})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	files := m["files"].([]any)[0].(map[string]any)
	delete(m, "files")
	files["named_tunnels"] = stripTunnelNames(m)
	named := 0
	if cs, ok := m["connections"].([]any); ok {
		named += len(cs)
	}
	if mc, ok := m["multicast"].(map[string]any); ok {
		if ss, ok := mc["streams"].([]any); ok {
			named += len(ss)
		}
	}
	files["connections_and_streams"] = named
	out, _ := json.Marshal(m)
	return string(out), files
}

// stripTunnelNames removes the "tunnel" names of connections and streams
// (the only difference a tunnel makes to them) and counts them.
func stripTunnelNames(v any) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["tunnel"].(string); ok {
			delete(x, "tunnel")
			n++
		}
		for _, y := range x {
			n += stripTunnelNames(y)
		}
	case []any:
		for _, y := range x {
			n += stripTunnelNames(y)
		}
	}
	return n
}

// eachLabTrace calls fn with every lab trace (the first four with -short),
// its name, a scratch directory, and the report of its frames rewritten
// unchanged (reportWithoutFiles): what a rewritten variant must give.
func eachLabTrace(t *testing.T, fn func(name, tr, dir, want string, wantFile map[string]any)) {
	t.Helper()
	var traces []string
	for _, g := range []string{"../testdata/lab/out/*/*.pcapng", "../testdata/losslab/*.pcapng"} {
		m, _ := filepath.Glob(g)
		traces = append(traces, m...)
	}
	if len(traces) < 20 {
		t.Fatalf("only %d lab traces", len(traces))
	}
	if testing.Short() {
		traces = traces[:4]
	}
	dir := t.TempDir()
	for _, tr := range traces {
		name := filepath.Base(filepath.Dir(tr)) + "/" + strings.TrimSuffix(filepath.Base(tr), ".pcapng")
		plain := filepath.Join(dir, "plain.pcap")
		writeTunnelPcap(t, tr, plain, nil)
		want, wantFile := reportWithoutFiles(t, plain)
		fn(name, tr, dir, want, wantFile)
	}
}

func TestTunnelEquivalence(t *testing.T) {
	eachLabTrace(t, func(name, tr, dir, want string, wantFile map[string]any) {
		for _, k := range tunnelKinds() {
			t.Run(name+"/"+k.name, func(t *testing.T) {
				p := filepath.Join(dir, "tunnel.pcap")
				n := writeTunnelPcap(t, tr, p, &k)
				got, file := reportWithoutFiles(t, p)
				if got != want {
					t.Errorf("the report inside %s differs from the unwrapped one:\n got  %.3000s\n want %.3000s", k.name, got, want)
				}
				frames := 0
				tunnels, _ := file["tunnels"].([]any)
				for _, x := range tunnels {
					tu := x.(map[string]any)
					if tu["kind"] != k.kind {
						t.Errorf("tunnel %v, want kind %s", tu, k.kind)
					}
					frames += int(tu["frames"].(float64))
				}
				if frames != n {
					t.Errorf("tunnels count %d frames, %d were wrapped: %v", frames, n, tunnels)
				}
				if wantFile["named_tunnels"] != 0 || file["named_tunnels"] != file["connections_and_streams"] {
					t.Errorf("connections and streams named with their tunnel: %v of %v, unwrapped %v", file["named_tunnels"], file["connections_and_streams"], wantFile["named_tunnels"])
				}
				if file["truncated_frames"] != wantFile["truncated_frames"] || file["packets"] != wantFile["packets"] {
					t.Errorf("packets %v truncated %v, unwrapped %v and %v", file["packets"], file["truncated_frames"], wantFile["packets"], wantFile["truncated_frames"])
				}
			})
		}
	})
}

// tunnelSeeds are fuzzing seeds: real-kernel lab frames (an SMC CLC
// proposal, a multicast datagram) wrapped in each kind of tunnel, in VXLAN
// inside GRE, and behind MPLS labels or PPPoE (shimKinds).
// TestTunnelZones: the same traffic inside two VXLAN VNIs and outside any
// tunnel, interleaved frame by frame in one capture (as when tenants'
// addresses overlap, or one flow is mirrored twice), is three sets of
// connections and streams, each with the unwrapped trace's counts and
// losses, named by their tunnels; not one set with every packet seen three
// times.
func TestTunnelZones(t *testing.T) {
	lab, _ := filepath.Glob("../testdata/lab/out/6.12/c-smcr-link.pcapng")
	loss, _ := filepath.Glob("../testdata/multipoint/udp-lost-receiver.pcapng") // real veth capture with losses
	if len(lab) == 0 || len(loss) == 0 {
		t.Fatal("lab traces missing")
	}
	vx42 := tunnelKinds()[0]
	vx43 := vx42
	vx43.header = func([]byte) []byte {
		return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 0x08000000), 43<<8)
	}
	dir := t.TempDir()
	// figures: connections, streams, datagrams and losses of a report,
	// and how many connections and streams are named with a tunnel.
	figures := func(path string) ([4]float64, int) {
		r, err := Run(context.Background(), Config{}, []string{path})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(r)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		cs, _ := m["connections"].([]any)
		mc, _ := m["multicast"].(map[string]any)
		ss, _ := mc["streams"].([]any)
		f := [4]float64{float64(len(cs)), float64(len(ss))}
		for _, x := range ss {
			st := x.(map[string]any)
			f[2] += st["packets"].(float64)
			f[3] += st["lost"].(float64)
		}
		return f, stripTunnelNames(m)
	}
	// (and a synthetic trace of fragmented datagrams: fragments are
	// reassembled per zone)
	for _, tr := range []string{lab[0], loss[0], "../testdata/synthetic/frag-id-reuse.pcapng"} {
		plain := filepath.Join(dir, "plain.pcap")
		writeTunnelPcap(t, tr, plain)
		zones := filepath.Join(dir, "zones.pcap")
		writeTunnelPcap(t, tr, zones, nil, &vx42, &vx43)
		want, _ := figures(plain)
		got, named := figures(zones)
		t.Logf("%s: %v connections, %v streams, %v datagrams, %v lost; three times: %v", filepath.Base(tr), want[0], want[1], want[2], want[3], got)
		if want[0]+want[1] == 0 {
			t.Fatalf("%s: nothing to compare", tr)
		}
		if got != [4]float64{3 * want[0], 3 * want[1], 3 * want[2], 3 * want[3]} {
			t.Errorf("%s three times: connections, streams, datagrams, lost %v; want 3 × %v", filepath.Base(tr), got, want)
		}
		if float64(named) != 2*(want[0]+want[1]) {
			t.Errorf("%d connections and streams named with a tunnel, want %v", named, 2*(want[0]+want[1]))
		}
	}

	// The same two VNIs mirrored in one ERSPAN session (an underlay port
	// mirrored to a collector): still two zones, named layer by layer.
	erspan := tunnelKinds()[8]
	if erspan.name != "erspan2" {
		t.Fatalf("kind %s", erspan.name)
	}
	m42, m43 := vx42, vx43
	m42.outer, m43.outer = &erspan, &erspan
	plain := filepath.Join(dir, "plain.pcap")
	writeTunnelPcap(t, lab[0], plain)
	nested := filepath.Join(dir, "nested.pcap")
	writeTunnelPcap(t, lab[0], nested, &m42, &m43)
	want, _ := figures(plain)
	got, named := figures(nested)
	if got[0] != 2*want[0] || float64(named) != 2*want[0] {
		t.Errorf("two VNIs in one ERSPAN session: %v connections (%d named), want 2 × %v", got[0], named, want[0])
	}
	r, err := Run(context.Background(), Config{}, []string{nested})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Connections {
		if !strings.HasPrefix(c.Tunnel, "VXLAN vni 4") || !strings.Contains(c.Tunnel, " in ERSPAN type II session ") {
			t.Errorf("connection %d named %q", c.ID, c.Tunnel)
		}
	}
}

// filterTraces are the lab traces the filter equivalence tests rewrite:
// three SMC handshakes of Linux 6.12 and a multicast loss trace.
func filterTraces(t *testing.T) []string {
	t.Helper()
	traces, _ := filepath.Glob("../testdata/lab/out/6.12/*.pcapng")
	more, _ := filepath.Glob("../testdata/losslab/*.pcapng")
	if len(traces) < 3 || len(more) < 1 {
		t.Fatalf("lab traces missing: %d %d", len(traces), len(more))
	}
	return append(traces[:3], more[0])
}

// equivalenceFilters select and exclude by protocol, host and port, with
// positive and only-excluding expressions.
var equivalenceFilters = []string{"tcp", "not tcp", "host 10.0.0.2", "not udp port 4791", "icmp6 or tcp port 5000", "not (icmp6 or arp)"}

// TestTunnelFilter: a filter on the inner frames selects the same frames
// of a tunnelled trace as of the unwrapped one (the analysis filter looks
// inside tunnels, docs/tunnels.md §2), for positive filters (either frame
// may match) and negative ones (both must).
func TestTunnelFilter(t *testing.T) {
	traces := filterTraces(t)
	filters := append(equivalenceFilters, "host not 10.0.0.1")
	dir := t.TempDir()
	// An expression that means nothing for the raw IP inside GRE or
	// IP-in-IP ("vlan", "ether host") is decided by the packet as
	// captured, not an error that stops the file.
	for _, k := range tunnelKinds() {
		if !k.ipOnly {
			continue
		}
		p := filepath.Join(dir, "ip-only.pcap")
		writeTunnelPcap(t, traces[0], p, &k)
		for _, expr := range []string{"vlan or tcp", "not vlan", "ether host 02:00:00:00:00:0a"} {
			if _, file := reportWithoutFilesCfg(t, Config{Filter: mustFilter(t, expr)}, p); file["packets"] == nil {
				t.Errorf("%s, %q: no packets read", k.name, expr)
			}
		}
	}
	excluded := map[string]bool{}
	defer func() {
		for _, expr := range filters {
			if !excluded[expr] {
				t.Errorf("%q filtered nothing out of any trace: the test does not test it", expr)
			}
		}
	}()
	for _, tr := range traces {
		name := strings.TrimSuffix(filepath.Base(tr), ".pcapng")
		plain := filepath.Join(dir, "plain.pcap")
		writeTunnelPcap(t, tr, plain, nil)
		for _, expr := range filters {
			want, wantFile := reportWithoutFilesCfg(t, Config{Filter: mustFilter(t, expr)}, plain)
			if wantFile["filtered_out"] != nil {
				excluded[expr] = true
			}
			for _, k := range tunnelKinds() {
				t.Run(name+"/"+expr+"/"+k.name, func(t *testing.T) {
					p := filepath.Join(dir, "tunnel.pcap")
					writeTunnelPcap(t, tr, p, &k)
					got, file := reportWithoutFilesCfg(t, Config{Filter: mustFilter(t, expr)}, p)
					if got != want {
						t.Errorf("filtered report inside %s differs from the unwrapped one:\n got  %.2000s\n want %.2000s", k.name, got, want)
					}
					if file["filtered_out"] != wantFile["filtered_out"] {
						t.Errorf("%v frames filtered out, unwrapped %v", file["filtered"], wantFile["filtered"])
					}
				})
			}
		}
	}
}

func tunnelSeeds(t testing.TB) [][]byte {
	var frames [][]byte
	for _, path := range []string{"../testdata/lab/out/6.12/c-smcr-link.pcapng", "../testdata/losslab/discard-not-joined.pcapng"} {
		fr, err := pcapfile.OpenFile(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			p, err := fr.Next()
			if err != nil {
				break
			}
			frames = append(frames, append([]byte{}, p.Data...))
		}
		fr.Close()
	}
	var out [][]byte
	kinds := tunnelKinds()
	for i, f := range frames {
		k := kinds[i%len(kinds)]
		w, _, _ := k.wrap(f, len(f))
		out = append(out, w)
	}
	vx, gre := kinds[0], kinds[6]
	in, _, _ := vx.wrap(frames[0], len(frames[0]))
	both, _, _ := gre.wrap(in, len(in))
	out = append(out, both)
	// and with MPLS labels or a PPPoE session header before IP (shimWrap)
	shims := shimKinds()
	for i, f := range frames {
		w, _, _ := shimWrap(shims[i%len(shims)], f, len(f))
		out = append(out, w)
	}
	return out
}

// TestPrinterTunnelZones: the packet printer decodes the CLC messages of
// the same connection inside two VNIs once per VNI (its tracker keeps the
// zones apart, as the analysis does), not once for both.
func TestPrinterTunnelZones(t *testing.T) {
	src := "../testdata/lab/out/6.12/c-smcr-link.pcapng"
	dir := t.TempDir()
	clcLines := func(path string) int {
		fr, err := pcapfile.OpenFile(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer fr.Close()
		var b bytes.Buffer
		p := NewPrinter(&b, PrintOptions{TimeFormat: 1})
		for {
			pkt, err := fr.Next()
			if err != nil {
				break
			}
			if err := p.PrintPacket(pkt); err != nil {
				t.Fatal(err)
			}
		}
		return strings.Count(b.String(), "SMC: CLC ")
	}
	plain := tunnelwrap.Rewrite(t, src, filepath.Join(dir, "plain.pcap"), func(eth []byte, wire int, emit func([]byte, int)) { emit(eth, wire) })
	two := tunnelwrap.Rewrite(t, src, filepath.Join(dir, "two.pcap"), func(eth []byte, wire int, emit func([]byte, int)) {
		emit(tunnelwrap.VXLAN(42, eth, wire))
		emit(tunnelwrap.VXLAN(43, eth, wire))
	})
	want := clcLines(plain)
	if want == 0 {
		t.Fatal("no CLC message printed for the plain trace")
	}
	if got := clcLines(two); got != 2*want {
		t.Errorf("%d CLC messages printed for the trace in two VNIs, want 2 × %d", got, want)
	}
}

// TestTunnelFragments: VXLAN datagrams larger than the underlay's MTU
// arrive in IP fragments (synthetic fragmentation of real frames wrapped in
// VXLAN, at MTUs of 576 and 1280): once reassembled, the frame inside is
// analyzed as if the datagram had arrived whole — every lab trace gives the
// unwrapped report, and the tunnel is counted once per datagram.
func TestTunnelFragments(t *testing.T) {
	totalFragmented := map[string]int{}
	defer func() {
		for name, n := range totalFragmented {
			if n < 100 {
				t.Errorf("%s: only %d datagrams were fragmented: the test does not test reassembly", name, n)
			}
		}
		t.Logf("datagrams fragmented: %v", totalFragmented)
	}()
	kinds := map[string]tunnelKind{}
	for _, k := range tunnelKinds() {
		kinds[k.name] = k
	}
	// Each way a frame is carried, then fragmented by IPv4 (every MTU for
	// VXLAN, 576 for the others): UDP tunnels, GRE with IP or Ethernet
	// inside, ERSPAN, IP in IP, and the TCP segments themselves ("tcp":
	// no tunnel, a segment larger than a link's MTU without DF).
	wraps := []struct {
		name string
		mtus []int
		wrap func(eth []byte, wire int) ([]byte, int, bool)
	}{
		{"vxlan", []int{576, 1280}, func(eth []byte, wire int) ([]byte, int, bool) {
			b, w := tunnelwrap.VXLAN(42, eth, wire)
			return b, w, true
		}},
		{"gre-ip", []int{576}, kinds["gre-ip"].wrap},
		{"gretap-key-seq-csum", []int{576}, kinds["gretap-key-seq-csum"].wrap},
		{"erspan2", []int{576}, kinds["erspan2"].wrap},
		{"ipip", []int{576}, kinds["ipip"].wrap},
		{"tcp", []int{576, 28}, func(eth []byte, wire int) ([]byte, int, bool) { return eth, wire, false }}, // 28: 8 bytes per fragment, the TCP header in three
	}
	eachLabTrace(t, func(name, tr, dir, want string, wantFile map[string]any) {
		for _, wr := range wraps {
			for _, mtu := range wr.mtus {
				t.Run(fmt.Sprintf("%s/%s/mtu%d", name, wr.name, mtu), func(t *testing.T) {
					p := filepath.Join(dir, "frag.pcap")
					datagrams, fragmented := 0, 0
					id := uint16(0)
					tunnelwrap.Rewrite(t, tr, p, func(eth []byte, wire int, emit func([]byte, int)) {
						b, w, wrapped := wr.wrap(eth, wire)
						if wrapped {
							datagrams++
						}
						id++
						if emitFragments(emit, tunnelwrap.Fragment(b, w, mtu, id), w) {
							fragmented++
						}
					})
					got, file := reportWithoutFiles(t, p)
					// The fragments are frames of their own: frame numbers and
					// the frame count differ, nothing else may.
					g, w := withoutFrameNumbers(t, got), withoutFrameNumbers(t, want)
					if mtu < 68 {
						// Below IPv4's minimum MTU (RFC 791: 68) an ICMP
						// error's first fragment does not reach the quoted
						// ports, which is all the analysis reads of it.
						g, w = withoutKeys(t, g, "icmp_errors", "icmp_discards"), withoutKeys(t, w, "icmp_errors", "icmp_discards")
					}
					if g != w {
						t.Errorf("the report of fragmented %s differs from the unwrapped one:\n got  %.3000s\n want %.3000s", wr.name, g, w)
					}
					frames := 0
					tunnels, _ := file["tunnels"].([]any)
					for _, x := range tunnels {
						frames += int(x.(map[string]any)["frames"].(float64))
					}
					if frames != datagrams {
						t.Errorf("tunnels count %d frames, %d datagrams were sent (%d fragmented)", frames, datagrams, fragmented)
					}
					totalFragmented[wr.name] += fragmented
				})
			}
		}
	})
}

// TestNestedFragments: TCP segments fragmented by a router, each fragment
// then carried in VXLAN and fragmented again by the underlay (MTU 576 both
// times). The segments are reassembled inside the reassembled tunnel
// datagrams and analyzed in the tunnel's zone: the report is the unwrapped
// one, and every VXLAN datagram is counted once as a tunnel frame.
func TestNestedFragments(t *testing.T) {
	inner, outer := 0, 0
	eachLabTrace(t, func(name, tr, dir, want string, wantFile map[string]any) {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, "nested.pcap")
			datagrams := 0
			id := uint16(0)
			tunnelwrap.Rewrite(t, tr, p, func(eth []byte, wire int, emit func([]byte, int)) {
				id++
				frags := tunnelwrap.Fragment(eth, wire, 576, id)
				if len(frags) > 1 {
					inner++
				}
				for i, fr := range frags {
					w := len(fr)
					if len(frags) == 1 {
						w = wire
					}
					b, bw := tunnelwrap.VXLAN(42, fr, w)
					datagrams++
					if emitFragments(emit, tunnelwrap.Fragment(b, bw, 576, id+uint16(i)*7919), bw) {
						outer++
					}
				}
			})
			got, file := reportWithoutFiles(t, p)
			if g, w := withoutFrameNumbers(t, got), withoutFrameNumbers(t, want); g != w {
				t.Errorf("the report of TCP fragments in fragmented VXLAN differs from the unwrapped one:\n got  %.3000s\n want %.3000s", g, w)
			}
			frames := 0
			tunnels, _ := file["tunnels"].([]any)
			for _, x := range tunnels {
				frames += int(x.(map[string]any)["frames"].(float64))
			}
			if frames != datagrams {
				t.Errorf("tunnels count %d frames, %d VXLAN datagrams were sent", frames, datagrams)
			}
		})
	})
	if inner < 100 || outer < 100 {
		t.Errorf("%d segments and %d VXLAN datagrams fragmented: the test does not test nested reassembly", inner, outer)
	}
}

// frameRef is a frame number in a report's text: "frame 6", "frames 6..9".
var frameRef = regexp.MustCompile(`frames? \d+(\.\.\d+)?`)

// withoutFrameNumbers is a report's JSON without the frame numbers
// ("frame", "*_frame", and in texts) and the summary's frame count.
func withoutFrameNumbers(t *testing.T, js string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	var strip func(v any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if k == "frame" || strings.HasSuffix(k, "_frame") {
					delete(x, k)
					continue
				}
				if str, ok := y.(string); ok {
					x[k] = frameRef.ReplaceAllString(str, "frame N")
				}
				strip(y)
			}
		case []any:
			for i, y := range x {
				if str, ok := y.(string); ok {
					x[i] = frameRef.ReplaceAllString(str, "frame N")
				}
				strip(y)
			}
		}
	}
	strip(m)
	if s, ok := m["summary"].(map[string]any); ok {
		delete(s, "packets")
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// withoutKeys removes the members named keys from every object of the JSON
// document js.
func withoutKeys(t *testing.T, js string, keys ...string) string {
	t.Helper()
	var m any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	eachObject(m, func(o map[string]any) {
		for _, k := range keys {
			delete(o, k)
		}
	})
	b, _ := json.Marshal(m)
	return string(b)
}

// eachObject calls fn on every object in the decoded JSON value v.
func eachObject(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, y := range x {
			eachObject(y, fn)
		}
	case []any:
		for _, y := range x {
			eachObject(y, fn)
		}
	}
}

// TestFragmentFilter: the analysis filter decides on a datagram that
// arrived in IP fragments once it is reassembled, since a fragment shows
// neither its datagram's ports nor the frame inside a tunnel (synthetic
// fragmentation of real frames): the filtered report of the fragmented
// trace is the plain trace's, with VXLAN datagrams fragmented at an MTU of
// 576 and with the plain UDP datagrams fragmented at 300.
func TestFragmentFilter(t *testing.T) {
	dir := t.TempDir()
	var greIP tunnelKind
	for _, k := range tunnelKinds() {
		if k.name == "gre-ip" {
			greIP = k
		}
	}
	fragmented := map[string]int{}
	for _, tr := range filterTraces(t) {
		name := strings.TrimSuffix(filepath.Base(tr), ".pcapng")
		plain := filepath.Join(dir, "plain.pcap")
		writeTunnelPcap(t, tr, plain, nil)
		id := uint16(0)
		vx := tunnelwrap.Rewrite(t, tr, filepath.Join(dir, "vx.pcap"), func(eth []byte, wire int, emit func([]byte, int)) {
			b, w := tunnelwrap.VXLAN(42, eth, wire)
			id++
			if emitFragments(emit, tunnelwrap.Fragment(b, w, 576, id), w) {
				fragmented["vxlan"]++
			}
		})
		udp := tunnelwrap.Rewrite(t, tr, filepath.Join(dir, "udp.pcap"), func(eth []byte, wire int, emit func([]byte, int)) {
			if len(eth) < 34 || eth[12] != 0x08 || eth[13] != 0 || eth[23] != 17 {
				emit(eth, wire)
				return
			}
			id++
			if emitFragments(emit, tunnelwrap.Fragment(eth, wire, 100, id), wire) {
				fragmented["udp"]++
			}
		})
		gre := tunnelwrap.Rewrite(t, tr, filepath.Join(dir, "gre.pcap"), func(eth []byte, wire int, emit func([]byte, int)) {
			b, w, _ := greIP.wrap(eth, wire)
			id++
			if emitFragments(emit, tunnelwrap.Fragment(b, w, 576, id), w) {
				fragmented["gre"]++
			}
		})
		tcp := tunnelwrap.Rewrite(t, tr, filepath.Join(dir, "tcp.pcap"), func(eth []byte, wire int, emit func([]byte, int)) {
			id++
			if emitFragments(emit, tunnelwrap.Fragment(eth, wire, 576, id), wire) {
				fragmented["tcp"]++
			}
		})
		// The link-level header of a fragment counts for its datagram
		// (datagramMatches): "ether multicast" keeps fragmented multicast
		// datagrams, "not ether multicast" the unicast TCP segments.
		for _, expr := range append(equivalenceFilters, "udp port 4791", "udp port 14400", "not udp port 14400", "udp and dst net 224.0.0.0/4",
			"ether multicast", "not ether multicast", "ether[0] & 1 = 0 and tcp") {
			cfg := Config{Filter: mustFilter(t, expr)}
			want, _ := reportWithoutFilesCfg(t, cfg, plain)
			want = withoutFrameNumbers(t, want)
			for _, c := range []struct{ kind, path string }{{"vxlan", vx}, {"udp", udp}, {"gre", gre}, {"tcp", tcp}} {
				if strings.Contains(expr, "ether") && (c.kind == "vxlan" || c.kind == "gre") {
					continue // the frame inside has other link-level headers, or none
				}
				t.Run(name+"/"+expr+"/"+c.kind, func(t *testing.T) {
					got, _ := reportWithoutFilesCfg(t, cfg, c.path)
					if got = withoutFrameNumbers(t, got); got != want {
						t.Errorf("filtered report of the fragmented trace differs from the plain one:\n got  %.2000s\n want %.2000s", got, want)
					}
				})
			}
		}
	}
	if fragmented["vxlan"] == 0 || fragmented["udp"] == 0 || fragmented["gre"] == 0 || fragmented["tcp"] == 0 {
		t.Errorf("fragmented datagrams: %v; the test does not test reassembly", fragmented)
	}
}

// emitFragments emits what tunnelwrap.Fragment returned for a frame of
// wire bytes on the wire: the frame itself (its wire length kept) or its
// fragments (each complete); it reports whether the frame was split.
func emitFragments(emit func([]byte, int), frags [][]byte, wire int) bool {
	if len(frags) == 1 {
		emit(frags[0], wire)
		return false
	}
	for _, f := range frags {
		emit(f, len(f))
	}
	return true
}
