package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// lateBlock is a block of a synthetic pcapng (lateIDBPcapng): an interface
// description (lt set) or a packet on interface iface.
type lateBlock struct {
	lt    pcapfile.LinkType
	name  string
	iface uint32
	data  []byte
}

// lateIDBPcapng writes a synthetic pcapng (built here, not captured) of
// blocks in order, the n-th packet at moreTimes' n-th time (its -tt time
// stamp's seconds are 1795330800+n).
func lateIDBPcapng(t *testing.T, name string, blocks []lateBlock) string {
	t.Helper()
	file := ngSHB()
	npkt := 0
	for _, b := range blocks {
		if b.data == nil {
			continue
		}
		npkt++
	}
	times := moreTimes(npkt)
	n := 0
	for _, b := range blocks {
		if b.data == nil {
			file = append(file, ngIDB(uint16(b.lt), b.name)...)
			continue
		}
		us := uint64(times[n].UnixMicro())
		n++
		file = append(file, ngEPB(b.iface, us, b.data)...)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lateIDBFrames are the packets of lateIDBBlocks: Linux cooked v2 ones
// (in and out, ifindex 2 and 3, TCP and UDP) and Ethernet ones (TCP, TCP
// VLAN-tagged, UDP).
func lateIDBFrames() (sll2, eth [][]byte) {
	tcp := func(dport uint16) []byte {
		return cat(u16(nil, 40000), u16(nil, dport), u32(nil, 1), u32(nil, 0), []byte{0x50, 0x02}, u16(nil, 1000), u32(nil, 0))
	}
	udp := cat(u16(u16(nil, 1234), 53), u16(u16(nil, 8+5), 0), []byte("hello"))
	ipTCP := synIP4(6, "10.0.0.1", "10.0.0.2", tcp(80))
	ipUDP := synIP4(17, "10.0.0.2", "10.0.0.3", udp)
	sll := func(ifindex uint32, pkttype byte, ip []byte) []byte {
		return cat(u16(nil, 0x0800), u16(nil, 0), u32(nil, ifindex), u16(nil, 1), []byte{pkttype, 6, 2, 0, 0, 0, 0, 1, 0, 0}, ip)
	}
	sll2 = [][]byte{sll(2, 0, ipTCP), sll(3, 4, ipUDP), sll(2, 4, ipTCP), sll(3, 0, ipUDP)}
	e := synEth(0x0800, ipTCP)
	eth = [][]byte{e, cat(e[:12], []byte{0x81, 0, 0, 5}, e[12:]), synEth(0x0800, ipUDP), cat(e[:12], []byte{0x81, 0, 0, 7}, e[12:])}
	return sll2, eth
}

// lateIDBBlocks: interface 0 (any, Linux cooked v2) with two packets, then
// interface 1 (eth0, Ethernet) described, then packets of both.
func lateIDBBlocks() (blocks []lateBlock, byIface [2][]int) {
	sll2, eth := lateIDBFrames()
	blocks = []lateBlock{{lt: pcapfile.LinkTypeLinuxSLL2, name: "any"}}
	pkt := func(iface uint32, data []byte) {
		byIface[iface] = append(byIface[iface], len(byIface[0])+len(byIface[1]))
		blocks = append(blocks, lateBlock{iface: iface, data: data})
	}
	pkt(0, sll2[0])
	pkt(0, sll2[1])
	blocks = append(blocks, lateBlock{lt: pcapfile.LinkTypeEthernet, name: "eth0"})
	pkt(1, eth[0])
	pkt(1, eth[1])
	pkt(0, sll2[2])
	pkt(1, eth[2])
	pkt(0, sll2[3])
	pkt(1, eth[3])
	return blocks, byIface
}

// stampIndexes turns the -tt time stamps of s (stamps) into packet numbers
// from 0 (moreTimes).
func stampIndexes(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for _, f := range strings.Fields(stamps(s)) {
		sec, _, _ := strings.Cut(f, ".")
		n, err := strconv.Atoi(sec)
		if err != nil {
			t.Fatalf("time stamp %q: %v", f, err)
		}
		out = append(out, n-1795330800)
	}
	return out
}

// TestFilterLateInterface: a filter that cannot be compiled for a pcapng
// file's first interface (Linux cooked v2: no "vlan") is not refused when
// an interface it can be compiled for (Ethernet) is described after that
// interface's first packets: read, -r -w and analyze leave the first
// interface's packets out (said once) and filter the other's, as when
// every interface is described before the packets. tcpdump refuses files
// of several link types: the expected packets of each interface are
// tcpdump's selection from a pcap of that interface's packets alone (none
// when tcpdump refuses it).
func TestFilterLateInterface(t *testing.T) {
	blocks, byIface := lateIDBBlocks()
	late := lateIDBPcapng(t, "late-idb-synthetic.pcapng", blocks)
	// The same packets with both interfaces described first.
	var early []lateBlock
	for _, b := range blocks {
		if b.data == nil {
			early = append(early, b)
		}
	}
	for _, b := range blocks {
		if b.data != nil {
			early = append(early, b)
		}
	}
	earlyPath := lateIDBPcapng(t, "early-idb-synthetic.pcapng", early)
	sll2, eth := lateIDBFrames()
	tcpdump, _ := exec.LookPath("tcpdump")
	perIface := [2]string{
		writePcapOrder(t, "late-any-synthetic.pcap", binary.LittleEndian, pcapfile.LinkTypeLinuxSLL2, sll2),
		writePcapOrder(t, "late-eth0-synthetic.pcap", binary.LittleEndian, pcapfile.LinkTypeEthernet, eth),
	}
	for _, c := range []struct {
		filter string
		want   []int  // packet numbers, without tcpdump
		skip   string // the interface left out, "" for none
	}{
		{"vlan", []int{3, 7}, "interface 0 (any), link type LINUX_SLL2"},
		{"vlan and tcp", []int{3, 7}, "interface 0 (any), link type LINUX_SLL2"},
		{"not vlan", []int{2, 5}, "interface 0 (any), link type LINUX_SLL2"},
		{"inbound", []int{0, 6}, "interface 1 (eth0), link type EN10MB"},
		{"ifindex 3", []int{1, 6}, "interface 1 (eth0), link type EN10MB"},
		{"tcp", []int{0, 2, 4}, ""}, // not the VLAN-tagged frames (as libpcap)
		{"udp", []int{1, 5, 6}, ""},
	} {
		want := c.want
		if tcpdump != "" {
			want = nil
			for i, tr := range perIface {
				cmd := exec.Command(tcpdump, "-r", tr, "-n", "-tt", c.filter)
				cmd.Env = append(os.Environ(), "TZ=UTC")
				var tout bytes.Buffer
				cmd.Stdout = &tout
				if cmd.Run() != nil {
					continue // refused: that interface's packets do not match
				}
				for _, local := range stampIndexes(t, tout.String()) {
					want = append(want, byIface[i][local])
				}
			}
			slices.Sort(want)
			if !slices.Equal(want, c.want) {
				t.Errorf("%q: tcpdump selects %v per interface, the test expects %v", c.filter, want, c.want)
			}
		}
		wantErr := func(what, errs string) {
			t.Helper()
			if c.skip == "" && errs != "" || c.skip != "" && (strings.Count(errs, c.skip) != 1 || strings.Count(errs, "\n") != 1) {
				t.Errorf("%s %q: stderr %q, want %q once", what, c.filter, errs, c.skip)
			}
		}
		for _, path := range []string{late, earlyPath} {
			what := "read " + filepath.Base(path)
			out, errs, code := run(t, "read", "-r", path, "-n", "-tt", c.filter)
			if code != 0 {
				t.Errorf("%s %q: exit %d: %s", what, c.filter, code, errs)
			}
			if got := stampIndexes(t, out); !slices.Equal(got, want) {
				t.Errorf("%s %q: packets %v, want %v", what, c.filter, got, want)
			}
			wantErr(what, errs)
		}
		// -r -w: the same packets written.
		w := filepath.Join(t.TempDir(), "out.pcapng")
		_, errs, code := run(t, "-r", late, "-w", w, c.filter)
		if code != 0 {
			t.Errorf("-r -w %q: exit %d: %s", c.filter, code, errs)
		}
		wantErr("-r -w", errs)
		out, errs, _ := run(t, "read", "-r", w, "-n", "-tt")
		if got := stampIndexes(t, out); !slices.Equal(got, want) {
			t.Errorf("-r -w %q: wrote %v, want %v (%s)", c.filter, got, want, errs)
		}
		// analyze, in one goroutine and in two.
		for _, threads := range []string{"1", "2"} {
			what := "analyze --threads " + threads
			out, errs, code := run(t, "analyze", "--json", "--threads", threads, late, "--", c.filter)
			if code != 0 {
				t.Errorf("%s %q: exit %d: %s", what, c.filter, code, errs)
				continue
			}
			wantErr(what, errs)
			var rep lateReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			f := rep.Files[0]
			nSkip := 0
			if c.skip != "" {
				nSkip = 1
			}
			if len(rep.Files) != 1 || f.Error != "" || f.Packets != 8 || f.Filtered != 8-len(want) || len(f.FilterSkipped) != nSkip {
				t.Errorf("%s %q: file %+v, want 8 packets, %d filtered out, %d interface left out", what, c.filter, f, 8-len(want), nSkip)
			}
		}
	}

	// An interface the filter can be compiled for described after the
	// last packet of the one it cannot: not refused (nothing matches),
	// said at the end.
	sllOnly := []lateBlock{{lt: pcapfile.LinkTypeLinuxSLL2, name: "any"}, {iface: 0, data: sll2[0]}, {iface: 0, data: sll2[1]}, {lt: pcapfile.LinkTypeEthernet, name: "eth0"}}
	trailing := lateIDBPcapng(t, "trailing-idb-synthetic.pcapng", sllOnly)
	out, errs, code := run(t, "read", "-r", trailing, "-n", "vlan")
	if code != 0 || out != "" || strings.Count(errs, "interface 0 (any), link type LINUX_SLL2") != 1 {
		t.Errorf("read trailing interface: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// --frames stops reading after its last frame: the interfaces
	// described by then decide (frame 3 is eth0's first).
	out, errs, code = run(t, "read", "-r", late, "-n", "-tt", "--frames", "1,4", "vlan")
	if code != 0 || !slices.Equal(stampIndexes(t, out), []int{3}) || strings.Count(errs, "interface 0 (any), link type LINUX_SLL2") != 1 {
		t.Errorf("read --frames 1,4: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	out, errs, code = run(t, "read", "-r", late, "-n", "--frames", "1", "vlan")
	if code != codeUsage || out != "" || !strings.Contains(errs, "no VLAN support for link type LINUX_SLL2") {
		t.Errorf("read --frames 1: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// lateReport is the part of analyze --json's report the filter tests look
// at.
type lateReport struct {
	Files []struct {
		Path          string `json:"path"`
		Packets       int    `json:"packets"`
		Filtered      int    `json:"filtered_out"`
		Error         string `json:"error"`
		FilterSkipped []struct {
			Interface int    `json:"interface"`
			LinkType  string `json:"link_type"`
		} `json:"filter_skipped"`
	} `json:"files"`
}

// TestFilterNoInterfaceJudged: a pcapng file none of whose interfaces the
// filter can be compiled for, one of them described after packets of the
// other, is refused (read and -r -w: exit 2, nothing printed or written;
// analyze: that file's error), with the error for the first packet's link
// type and nothing else.
func TestFilterNoInterfaceJudged(t *testing.T) {
	sll2, _ := lateIDBFrames()
	sll1 := cat(u16(nil, 0), u16(nil, 1), u16(nil, 6), []byte{2, 0, 0, 0, 0, 1, 0, 0}, u16(nil, 0x0800), sll2[0][20:])
	for _, c := range []struct {
		name   string
		blocks []lateBlock
	}{
		{"late", []lateBlock{{lt: pcapfile.LinkTypeLinuxSLL2, name: "any"}, {iface: 0, data: sll2[0]},
			{lt: pcapfile.LinkTypeLinuxSLL, name: "any1"}, {iface: 1, data: sll1}, {iface: 0, data: sll2[1]}}},
		{"one", []lateBlock{{lt: pcapfile.LinkTypeLinuxSLL2, name: "any"}, {iface: 0, data: sll2[0]}, {iface: 0, data: sll2[1]}}},
	} {
		path := lateIDBPcapng(t, c.name+"-noidb-synthetic.pcapng", c.blocks)
		const msg = `smcdump: syntax error at column 1 near "vlan": no VLAN support for link type LINUX_SLL2` + "\n"
		out, errs, code := run(t, "read", "-r", path, "-n", "vlan")
		if code != codeUsage || out != "" || errs != msg {
			t.Errorf("%s: read: exit %d, stdout %q, stderr %q", c.name, code, out, errs)
		}
		w := filepath.Join(t.TempDir(), "out.pcapng")
		_, errs, code = run(t, "-r", path, "-w", w, "vlan")
		if code != codeUsage || errs != msg {
			t.Errorf("%s: -r -w: exit %d, stderr %q", c.name, code, errs)
		}
		if _, err := os.Stat(w); err == nil {
			t.Errorf("%s: -r -w refused but wrote %s", c.name, w)
		}
		// The file's error: exit 1 and no report of it, alone; with a
		// file the filter judges, that one is reported.
		for _, threads := range []string{"1", "2"} {
			out, errs, code = run(t, "analyze", "--threads", threads, path, "--", "vlan")
			if code != codeError || !strings.Contains(errs, "filter for link type LINUX_SLL2") || strings.Contains(errs, "do not match") || strings.Contains(out, "packets") {
				t.Errorf("%s: analyze --threads %s: exit %d, stdout %q, stderr %q", c.name, threads, code, out, errs)
			}
			eth := "../../testdata/synthetic/plain-tcp.pcapng"
			out, errs, code = run(t, "analyze", "--json", "--order", "given", "--threads", threads, path, eth, "--", "vlan")
			if code != codeError {
				t.Errorf("%s: analyze --threads %s with %s: exit %d: %s", c.name, threads, eth, code, errs)
			}
			var rep lateReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Files) != 2 || !strings.Contains(rep.Files[0].Error, "no VLAN support for link type LINUX_SLL2") || rep.Files[1].Error != "" || rep.Files[1].Packets == 0 {
				t.Errorf("%s: analyze --threads %s with %s: files %s", c.name, threads, eth, fmt.Sprint(rep.Files))
			}
		}
	}
}
