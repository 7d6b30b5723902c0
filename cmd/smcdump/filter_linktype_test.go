package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// writePcapOrder writes a synthetic pcap (built here, not captured) of
// link type lt with its header and record headers in byte order order.
func writePcapOrder(t *testing.T, name string, order binary.AppendByteOrder, lt pcapfile.LinkType, frames [][]byte) string {
	t.Helper()
	b := order.AppendUint32(nil, 0xa1b2c3d4)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = order.AppendUint32(order.AppendUint32(b, 0), 0)
	b = order.AppendUint32(order.AppendUint32(b, 65535), uint32(lt))
	for i, f := range frames {
		ts := moreTimes(len(frames))[i]
		b = order.AppendUint32(order.AppendUint32(b, uint32(ts.Unix())), uint32(ts.Nanosecond()/1000))
		b = order.AppendUint32(order.AppendUint32(b, uint32(len(f))), uint32(len(f)))
		b = append(b, f...)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// filterLinkTraces are synthetic traces of the link types whose filtering
// differs from Ethernet's: BSD loopback in both byte orders (IPv4, IPv6
// with the BSD, FreeBSD, Darwin and Linux values of AF_INET6, other
// families), OpenBSD loopback, raw IP as link type 12, raw IPv4 and IPv6,
// and Linux cooked v1 and v2 with every packet type and two ifindexes.
func filterLinkTraces(t *testing.T) []string {
	t.Helper()
	tcp := func(dport uint16) []byte {
		return cat(u16(nil, 40000), u16(nil, dport), u32(nil, 1), u32(nil, 0), []byte{0x50, 0x02}, u16(nil, 1000), u32(nil, 0))
	}
	udp := cat(u16(u16(nil, 1234), 53), u16(u16(nil, 8+5), 0), []byte("hello"))
	ip4 := [][]byte{synIP4(6, "10.0.0.1", "10.0.0.2", tcp(80)), synIP4(17, "10.0.0.2", "10.0.0.3", udp), synIP4(6, "10.0.0.3", "10.0.0.1", tcp(7000))}
	ip6 := [][]byte{synIP6(6, "2001::1", "2001::2", tcp(80)), synIP6(17, "2001::2", "2001::1", udp), synIP6(6, "fe80::1", "2001::2", tcp(22))}
	var out []string
	for _, o := range []struct {
		name  string
		order binary.AppendByteOrder
		lt    pcapfile.LinkType
	}{
		{"null-le", binary.LittleEndian, pcapfile.LinkTypeNull},
		{"null-be", binary.BigEndian, pcapfile.LinkTypeNull},
		{"loop", binary.LittleEndian, pcapfile.LinkTypeLoop},
	} {
		afOrder := o.order
		if o.lt == pcapfile.LinkTypeLoop {
			afOrder = binary.BigEndian // network byte order in any file
		}
		af := func(v uint32, p []byte) []byte { return cat(afOrder.AppendUint32(nil, v), p) }
		frames := [][]byte{
			af(2, ip4[0]), af(24, ip6[0]), af(28, ip6[1]), af(30, ip6[2]), af(2, ip4[1]),
			af(10, ip6[0]), af(0, ip4[2]), af(23, []byte("ab")), af(2, ip4[2]),
		}
		out = append(out, writePcapOrder(t, o.name+"-synthetic.pcap", o.order, o.lt, frames))
	}
	mixed := [][]byte{ip4[0], ip6[0], ip4[1], ip6[1], ip4[2], ip6[2]}
	out = append(out, writePcapOrder(t, "raw12-synthetic.pcap", binary.LittleEndian, 12, mixed))
	out = append(out, writePcapOrder(t, "ipv4-synthetic.pcap", binary.LittleEndian, pcapfile.LinkTypeIPv4, ip4))
	out = append(out, writePcapOrder(t, "ipv6-synthetic.pcap", binary.BigEndian, pcapfile.LinkTypeIPv6, ip6))
	var sll, sll2 [][]byte
	for i, p := range mixed {
		et := uint16(0x0800)
		if p[0]>>4 == 6 {
			et = 0x86dd
		}
		pkttype := uint16(i % 5) // host, broadcast, multicast, other host, outgoing
		sll = append(sll, cat(u16(nil, pkttype), u16(nil, 1), u16(nil, 6), []byte{2, 0, 0, 0, 0, 1, 0, 0}, u16(nil, et), p))
		sll2 = append(sll2, cat(u16(nil, et), u16(nil, 0), u32(nil, uint32(2+i%2)), u16(nil, 1), []byte{byte(pkttype), 6, 2, 0, 0, 0, 0, 1, 0, 0}, p))
	}
	out = append(out, writePcapOrder(t, "sll-synthetic.pcap", binary.LittleEndian, pcapfile.LinkTypeLinuxSLL, sll))
	out = append(out, writePcapOrder(t, "sll2-synthetic.pcap", binary.LittleEndian, pcapfile.LinkTypeLinuxSLL2, sll2))
	return out
}

// TestFilterLinkTypesTcpdump: on each link type, the filter selects the
// packets tcpdump's (libpcap's savefile program) selects, and refuses what
// tcpdump refuses (a primitive the link type does not have, a program
// that rejects every packet).
func TestFilterLinkTypesTcpdump(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump is not installed (apt-get install tcpdump): comparison with libpcap skipped")
	}
	filters := []string{
		"ip", "ip6", "tcp", "udp", "not ip", "ip or ip6", "host 10.0.0.2", "host 2001::2", "port 80",
		"tcp port 7000 or udp", "ip6 and tcp port 22", "inbound", "outbound", "not inbound and ip6",
		"ifindex 3", "ifindex 2 and ip", "link[0] = 2", "len > 50", "ether host 2:0:0:0:0:1", "vlan",
	}
	for _, tr := range append(filterLinkTraces(t), "../../testdata/synthetic/smcd-v2-ipv6.pcap", "../../testdata/synthetic/smcd-v1-sll2.pcap") {
		for _, f := range filters {
			cmd := exec.Command(tcpdump, "-r", tr, "-n", "-tt", f)
			cmd.Env = append(os.Environ(), "TZ=UTC")
			var tout, terr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &tout, &terr
			terrRun := cmd.Run()
			sout, serr, code := run(t, "read", "-r", tr, "-n", "-tt", f)
			name := filepath.Base(tr) + " [" + f + "]"
			if terrRun != nil {
				if code == 0 {
					t.Errorf("%s: tcpdump refuses (%s), smcdump prints %d packets", name, strings.TrimSpace(terr.String()), strings.Count(sout, "\n"))
				}
				continue
			}
			if code != 0 {
				t.Errorf("%s: smcdump exit %d: %s", name, code, serr)
				continue
			}
			if tt, st := stamps(tout.String()), stamps(sout); tt != st {
				t.Errorf("%s: tcpdump selects %s, smcdump %s", name, tt, st)
			}
		}
	}
}

// stamps is the first field (the -tt time stamp) of each line.
func stamps(s string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return strings.Join(out, " ")
}

// multiLinkPcapng writes a synthetic pcapng with an Ethernet interface
// (eth0: IPv4 TCP, one frame VLAN-tagged) and a Linux cooked v1 one (any:
// IPv4 TCP in and out), packets alternating.
func multiLinkPcapng(t *testing.T) string {
	t.Helper()
	tcp := cat(u16(nil, 40000), u16(nil, 80), u32(nil, 1), u32(nil, 0), []byte{0x50, 0x02}, u16(nil, 1000), u32(nil, 0))
	ip := synIP4(6, "10.0.0.1", "10.0.0.2", tcp)
	eth := synEth(0x0800, ip)
	vlan := cat(eth[:12], []byte{0x81, 0, 0, 5}, eth[12:])
	sll := func(pkttype uint16) []byte {
		return cat(u16(nil, pkttype), u16(nil, 1), u16(nil, 6), []byte{2, 0, 0, 0, 0, 1, 0, 0}, u16(nil, 0x0800), ip)
	}
	file := cat(ngSHB(), ngIDB(1, "eth0"), ngIDB(113, "any"))
	for i, p := range []struct {
		iface uint32
		data  []byte
	}{{0, eth}, {1, sll(0)}, {0, vlan}, {1, sll(4)}, {0, eth}, {1, sll(0)}} {
		us := uint64(time.Unix(1795330800+int64(i), 0).UnixMicro())
		file = append(file, ngEPB(p.iface, us, p.data)...)
	}
	path := filepath.Join(t.TempDir(), "multilink-synthetic.pcapng")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFilterMultiLinkRead: a filter that cannot be compiled for one
// interface's link type leaves that interface's packets out, said once on
// standard error, and the other interfaces are filtered (tcpdump refuses
// files with several link types); when it can be compiled for none, the
// error.
func TestFilterMultiLinkRead(t *testing.T) {
	path := multiLinkPcapng(t)
	for _, c := range []struct {
		filter  string
		packets int
		stderr  string // substring, "" for none
		code    int
	}{
		{"vlan", 1, `interface 1 (any), link type LINUX_SLL: syntax error at column 1 near "vlan": no VLAN support for link type LINUX_SLL; its packets do not match the filter`, 0},
		{"not vlan", 2, "interface 1 (any), link type LINUX_SLL", 0},
		{"inbound", 2, "interface 0 (eth0), link type EN10MB", 0},
		{"outbound", 1, "interface 0 (eth0)", 0},
		{"tcp", 5, "", 0}, // not the VLAN-tagged frame (as libpcap)
		// Valid on neither link type: refused before reading (Ethernet's error).
		{"vlan and inbound", 0, `syntax error at column 10 near "inbound": inbound/outbound not supported on link type EN10MB when reading a file`, codeUsage},
		// A file of one link type the filter has no program for: the error.
		{"ifindex 2", 0, `near "ifindex": ifindex not supported on link type EN10MB`, codeUsage},
	} {
		out, errs, code := run(t, "read", "-r", path, "-n", c.filter)
		if code != c.code {
			t.Errorf("%q: exit %d, want %d: %s", c.filter, code, c.code, errs)
		}
		if n := strings.Count(out, "\n"); n != c.packets {
			t.Errorf("%q: %d packets, want %d:\n%s", c.filter, n, c.packets, out)
		}
		if c.stderr == "" && errs != "" || c.stderr != "" && strings.Count(errs, c.stderr) != 1 {
			t.Errorf("%q: stderr %q, want %q once", c.filter, errs, c.stderr)
		}
	}
	// Rewriting (-r -w) filters the same way.
	w := filepath.Join(t.TempDir(), "out.pcapng")
	if _, errs, code := run(t, "-r", path, "-w", w, "vlan"); code != 0 || strings.Count(errs, "interface 1 (any), link type LINUX_SLL") != 1 {
		t.Errorf("-r -w vlan: exit %d: %s", code, errs)
	}
	if out, _, _ := run(t, "read", "-r", w, "-n"); strings.Count(out, "\n") != 1 {
		t.Errorf("-r -w vlan wrote:\n%s", out)
	}
}

// TestFilterMultiLinkAnalyze: the analysis of a multi-link-type file with
// such a filter reads the whole file, lists it once, and says which
// interface's packets did not match and why.
func TestFilterMultiLinkAnalyze(t *testing.T) {
	path := multiLinkPcapng(t)
	out, errs, code := run(t, "analyze", "--json", path, "--", "vlan")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count(errs, "interface 1 (any), link type LINUX_SLL") != 1 {
		t.Errorf("stderr: %q", errs)
	}
	var rep struct {
		Files []struct {
			Path          string `json:"path"`
			Packets       int    `json:"packets"`
			Filtered      int    `json:"filtered_out"`
			Error         string `json:"error"`
			FilterSkipped []struct {
				Interface int    `json:"interface"`
				Name      string `json:"name"`
				LinkType  string `json:"link_type"`
				Error     string `json:"error"`
			} `json:"filter_skipped"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 {
		t.Fatalf("files: %+v", rep.Files)
	}
	f := rep.Files[0]
	if f.Packets != 6 || f.Filtered != 5 || f.Error != "" || len(f.FilterSkipped) != 1 ||
		f.FilterSkipped[0].Interface != 1 || f.FilterSkipped[0].Name != "any" || f.FilterSkipped[0].LinkType != "LINUX_SLL" ||
		!strings.Contains(f.FilterSkipped[0].Error, "no VLAN support") {
		t.Errorf("file: %+v", f)
	}
	// On a cooked capture of its own, inbound is the packet type field.
	_, errs, code = run(t, "analyze", "../../testdata/synthetic/smcd-v1-sll2.pcap", "--", "inbound")
	if code != 0 {
		t.Errorf("analyze sll2 -- inbound: exit %d: %s", code, errs)
	}
	// A filter for none of a file's link types: that file's error, the
	// file listed once.
	eth := "../../testdata/synthetic/plain-tcp.pcapng"
	out, errs, code = run(t, "analyze", "--json", "--order", "given", "../../testdata/synthetic/smcd-v1-sll2.pcap", eth, "--", "inbound")
	if code != codeError {
		t.Errorf("analyze sll2 ethernet -- inbound: exit %d: %s", code, errs)
	}
	rep.Files = nil
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 2 || rep.Files[0].Error != "" || !strings.Contains(rep.Files[1].Error, "inbound/outbound not supported on link type EN10MB") {
		t.Errorf("files: %+v", rep.Files)
	}
}
