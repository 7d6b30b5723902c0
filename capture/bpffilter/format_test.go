package bpffilter

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

func tcpdumpText(t *testing.T, flag string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("tcpdump", append([]string{flag}, args...)...).Output()
	return string(out), err
}

// TestFormatMatchesTcpdump round-trips tcpdump's own programs through
// bpf.Disassemble and Format and requires the exact -d/-dd/-ddd text.
func TestFormatMatchesTcpdump(t *testing.T) {
	needTcpdump(t)
	exprs := append([]string{"", "ip[0]*ip[1]-ip[2]/ip[3]%ip[4]+ip[5]<<ip[6]>>ip[7] > len",
		"ip[0] + 0xfffffff0 = 1 or ip[1] - 3 > 2 or ip[1] * 3000000000 > 2 or ip[2] & 0x80000000 = 0x80000000 or ip[4] >> 3 = 1 or ip[5] % 7 = 3 or ip[1]/5=2 or ip[3] ^ 5 = 1 or ip[3] | 0x80 = 0x85",
		"less 60", "ip[ip[0] & 0xf] = 1"}, diffExprs[:60]...)
	for _, expr := range exprs {
		ddd, err := tcpdumpText(t, "-ddd", "-y", "EN10MB", "--", expr)
		if err != nil {
			continue // e.g. "expression rejects all packets"
		}
		raw, err := parseDDD(ddd)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		prog, ok := bpf.Disassemble(raw)
		if !ok {
			t.Errorf("%q: Disassemble fell back to raw instructions", expr)
		}
		for level, flag := range map[int]string{1: "-d", 2: "-dd", 3: "-ddd"} {
			want, err := tcpdumpText(t, flag, "-y", "EN10MB", "--", expr)
			if err != nil {
				t.Fatal(err)
			}
			// FormatRaw on tcpdump's own instructions: exact text.
			got, err := FormatRaw(raw, level)
			if err != nil || got != want {
				t.Errorf("%q: FormatRaw level %d (%v):\n got:\n%s\nwant:\n%s", expr, level, err, got, want)
			}
			// Format after bpf.Disassemble: exact except that libpcap
			// leaves a stale k in tax/txa, which x/net/bpf's TAX/TXA
			// cannot carry (it assembles k = 0).
			norm := append([]bpf.RawInstruction{}, raw...)
			for i := range norm {
				if norm[i].Op&0x07 == 0x07 {
					norm[i].K = 0
				}
			}
			want2, _ := FormatRaw(norm, level)
			if level == 1 && want2 != want {
				t.Fatalf("%q: -d listing depends on tax k", expr)
			}
			got, err = Format(prog, level)
			if err != nil {
				t.Fatalf("%q: Format: %v", expr, err)
			}
			if got != want2 {
				t.Errorf("%q: Format level %d:\n got:\n%s\nwant:\n%s", expr, level, got, want2)
			}
		}
	}
}

// TestFormatLiveListing checks the names of ancillary loads ([vlanp],
// [vlan_tci]) against tcpdump's listing for a live handle.
func TestFormatLiveListing(t *testing.T) {
	needTcpdump(t)
	if os.Geteuid() != 0 {
		t.Skip("tcpdump -i lo needs root")
	}
	for _, expr := range []string{"vlan 100 and tcp port 80", "vlan and vlan 200 and ip"} {
		ddd, err := tcpdumpText(t, "-ddd", "-i", "lo", "--", expr)
		if err != nil {
			t.Skipf("tcpdump -i lo: %v", err)
		}
		raw, err := parseDDD(ddd)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := tcpdumpText(t, "-d", "-i", "lo", "--", expr)
		got, err := FormatRaw(raw, 1)
		if err != nil || got != want {
			t.Errorf("%q:\n got:\n%s\nwant:\n%s", expr, got, want)
		}
	}
}

func TestFormatErrors(t *testing.T) {
	if _, err := Format([]bpf.Instruction{bpf.RetA{}}, 4); err == nil {
		t.Error("level 4 accepted")
	}
	if _, err := Format([]bpf.Instruction{bpf.LoadScratch{N: 99}}, 1); err == nil {
		t.Error("invalid instruction accepted")
	}
	prog, err := Compile("vlan 100", Options{LinkType: Ethernet, Mode: Live})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Format(prog, 1)
	if err != nil || !strings.Contains(s, "ldb      [vlanp]") || !strings.Contains(s, "[vlan_tci]") {
		t.Errorf("live listing lacks ancillary names:\n%s", s)
	}
}
