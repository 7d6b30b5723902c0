package bpffilter

import (
	"bytes"
	"errors"
	"github.com/smcdump/smcdump/internal/publicdata"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket/pcapgo"
)

// readCapture returns the packets (captured bytes, wire length) of a pcap or
// pcapng file with Ethernet link type.
func readCapture(t *testing.T, path string) (data [][]byte, wire []int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("capture not available: %v", err)
	}
	if strings.HasSuffix(path, ".pcapng") {
		r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		for {
			d, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, wire = append(data, d), append(wire, ci.Length)
		}
	}
	r, err := pcapgo.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		data, wire = append(data, d), append(wire, ci.Length)
	}
}

// TestPublicCaptures counts matches of Filter over the public sample
// captures and compares with `tcpdump -r FILE EXPR` (libpcap's own offline
// filtering).
func TestPublicCaptures(t *testing.T) {
	needTcpdump(t)
	files, _ := filepath.Glob(filepath.Join(publicdata.Require(t), "*.pcap*"))
	if len(files) == 0 {
		t.Skipf("no public sample captures in %s (set %s)", publicdata.Dir(), publicdata.EnvVar)
	}
	exprs := []string{"", "udp", "vlan", "vlan 123", "vlan 123 and udp port 2000", "ip multicast",
		"dst net 235.0.0.0/8", "ip6", "udp port 8888", "udp port 7777 or 8888", "greater 1000",
		"less 1000", "ip6 and udp dst port 8888", "host 192.168.233.10", "src host 192.168.233.2",
		"udp[8] = 0x80", "udp[9] & 0x7f = 33", "ether multicast", "not ip", "vlan and ip multicast",
		"net fdb2:2c26:f4e4:1::/64", "len > 1300 and udp"}
	for _, file := range files {
		data, wire := readCapture(t, file)
		for _, expr := range exprs {
			out, err := exec.Command("tcpdump", "-nn", "-r", file, "--", expr).Output()
			if err != nil {
				t.Fatalf("tcpdump -r %s %q: %v", file, expr, err)
			}
			want := 0
			if s := strings.TrimSpace(string(out)); s != "" {
				want = len(strings.Split(s, "\n"))
			}
			f, err := NewFilter(expr, Options{LinkType: Ethernet})
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for i := range data {
				if f.Match(data[i], wire[i]) {
					got++
				}
			}
			if got != want {
				t.Errorf("%s %q: %d matches, tcpdump %d", filepath.Base(file), expr, got, want)
			}
		}
		t.Logf("%s: %d packets", filepath.Base(file), len(data))
	}
}
