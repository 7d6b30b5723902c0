package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTunnelGolden: analyze (text and JSON) and read -v of the synthetic
// tunnel trace of the differential test (every kind of tunnel, an SMC SYN
// inside VXLAN, one multicast stream inside each tunnel: each its own
// stream, named by its tunnel; docs/tunnels.md).
func TestTunnelGolden(t *testing.T) {
	path := tunnelTrace(t)
	dir := filepath.Dir(path)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"tunnels.analyze.txt", []string{"analyze", path}},
		{"tunnels.analyze.json", []string{"analyze", "--json", path}},
		{"tunnels.read.txt", []string{"read", "-r", path, "-v"}},
	} {
		out, stderr, code := run(t, c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		golden(t, c.name, strings.ReplaceAll(out, dir, "synthetic"))
	}
}

// TestShimGolden: analyze and read -v of the synthetic trace of MPLS and
// PPPoE frames of the differential test (shimTrace: label stacks, PPPoE
// sessions and discovery, frames cut on the wire and by the snaplen;
// docs/tunnels.md §4), of its IPv6 fragments (frag6Trace) and of the ICMP,
// ICMPv6 and ARP messages (icmpTrace, testdata/icmp/diag.pcap), and of
// the control messages (controlTrace, testdata/icmp/nd.pcap: neighbour
// discovery, MLD, IGMP, redirects, time stamps), and of PIM, cut ICMPv6
// and impossible headers (pimTrace, icmp6CutTrace, malformedTrace), and of
// IPv6 extension headers (ip6ExtTrace).
func TestShimGolden(t *testing.T) {
	for _, tr := range []struct {
		prefix string
		build  func(*testing.T) string
	}{
		{"shims", shimTrace},
		// and the IPv6 fragments of the differential test (frag6Trace:
		// destination options, a first fragment cut by the snaplen)
		{"frag6", frag6Trace},
		// ICMP, ICMPv6 and ARP: the synthetic messages and the real
		// kernels' trace (testdata/icmp/record.sh)
		{"icmp-synthetic", icmpTrace},
		{"icmp-diag", func(*testing.T) string { return "../../testdata/icmp/diag.pcap" }},
		// control messages: the synthetic ones and the real kernels' and
		// radvd's trace (testdata/icmp/record-nd.sh)
		{"control-synthetic", controlTrace},
		{"icmp-nd", func(*testing.T) string { return "../../testdata/icmp/nd.pcap" }},
		// PIM, ICMPv6 cut in its first bytes, impossible headers (the
		// differential test's exact synthetic traces)
		{"pim-synthetic", pimTrace},
		{"icmp6cut-synthetic", icmp6CutTrace},
		{"malformed-synthetic", malformedTrace},
		{"tcpopts-synthetic", tcpOptsTrace},
		{"link-synthetic", linkTrace},
		// IPv6 extension headers (ip6ExtTrace)
		{"ip6ext-synthetic", ip6ExtTrace},
		// ARP variants, Linux cooked captures, raw IP and null
		// headers (tcpdump_more_test.go)
		{"arp-synthetic", arpTrace},
		{"sll-synthetic", sllTrace},
		{"sll2-synthetic", sll2Trace},
		{"null-synthetic", func(t *testing.T) string { return rawTraces(t)[2] }},
		{"tunmore-synthetic", tunMoreTrace},
		// ESP, AH, UDP port 4500 and SCTP (ipsecTrace)
		{"ipsec-synthetic", ipsecTrace},
	} {
		path := tr.build(t)
		dir := filepath.Dir(path)
		for _, c := range []struct {
			name string
			args []string
		}{
			{tr.prefix + ".analyze.txt", []string{"analyze", path}},
			{tr.prefix + ".read.txt", []string{"read", "-r", path, "-v"}},
		} {
			out, stderr, code := run(t, c.args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
			}
			label := "synthetic"
			if strings.Contains(dir, "testdata") {
				label = "testdata/" + filepath.Base(dir)
			}
			golden(t, c.name, strings.ReplaceAll(out, dir, label))
		}
	}
}

// TestPcapVariantGolden: a synthetic trace rewritten in each pcap variant
// old and vendor tcpdumps wrote (docs/capture.md §3.2.1) is analyzed as
// the original, the file line naming the variant (golden).
func TestPcapVariantGolden(t *testing.T) {
	src := filepath.Join(synthDir, "reassembly.pcap") // little-endian, microseconds, standard records
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := run(t, "analyze", src)
	want = want[strings.IndexByte(want, '\n'):]
	dir := t.TempDir()
	var heads strings.Builder
	for _, v := range []struct {
		name  string
		magic uint32
		extra int // record header bytes after the standard 16
	}{
		{"modified", 0xa1b2cd34, 8},
		{"suse6_3", 0xa1b2cd34, 12},
		{"rh6_1", 0xa1b2c3d4, 8},
		{"nokia", 0xa1b2c3d4, 4},
	} {
		out := binary.LittleEndian.AppendUint32(nil, v.magic)
		out = append(out, b[4:24]...)
		for off := 24; off+16 <= len(b); {
			n := 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
			out = append(out, b[off:off+16]...)
			out = append(out, make([]byte, v.extra)...)
			out = append(out, b[off+16:off+n]...)
			off += n
		}
		path := filepath.Join(dir, v.name+".pcap")
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		got, stderr, code := run(t, "analyze", path)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", v.name, code, stderr)
		}
		i := strings.IndexByte(got, '\n')
		heads.WriteString(strings.ReplaceAll(got[:i+1], dir, "variants"))
		if got[i:] != want {
			t.Errorf("%s: the analysis differs from the standard file's:\n%s", v.name, got)
		}
	}
	golden(t, "pcap-variants.analyze.txt", heads.String())
}
