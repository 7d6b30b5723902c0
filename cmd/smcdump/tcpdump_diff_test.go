package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The differential test: real tcpdump and smcdump read the same traces with
// the same flags, and their output is compared packet by packet. smcdump's
// per-packet printer promises tcpdump's format; what it deliberately prints
// differently is listed in intendedDiffs, each with its reason. Everything
// else must be identical.

// diffFlags is the flag matrix. Every run also gets -# so that the output can
// be cut into packets (a packet's text can span several lines).
var diffFlags = [][]string{
	{"-n"},
	{"-nn"},
	{"-nn", "-e"},
	{"-nn", "-v"},
	{"-nn", "-vv"},
	{"-nn", "-t"},
	{"-nn", "-tt"},
	{"-nn", "-ttt"},
	{"-nn", "-tttt"},
	{"-nn", "-ttttt"},
	{"-nn", "--nano"},
	{"-nn", "-x"},
	{"-nn", "-xx"},
	{"-nn", "-X"},
	{"-nn", "-XX"},
	{"-nn", "-A"},
	{"-nn", "-q"},
	{"-nn", "-S"},
	{"-nn", "-e", "-vv", "-K"},
}

// diffPackets bounds the packets compared per trace and flag set (-c), to
// keep the test fast.
const diffPackets = "150"

// intendedDiff is a deliberate difference between tcpdump's and smcdump's
// text of one packet. Both texts are normalized first (normalizeTcpdump,
// normalizeSmcdump) and compared line by line; accept reports whether a
// differing line pair is this difference. After an accepted line, tcpdump's
// further decode lines (not hex dump lines) up to the next common line are
// part of the same difference.
type intendedDiff struct {
	name, reason string
	accept       func(td, sd string) bool
}

// undecoded marks protocols smcdump names but does not take apart: it prints
// the protocol and its length where tcpdump prints the protocol's fields.
var undecoded = regexp.MustCompile(`(?:^|\s)(ICMP6?, length \d+|ARP, length \d+|ip-proto-\d+ .*|ethertype 0x[0-9a-f]+, length \d+|\[\S+ not decoded\], length \d+|RoCEv[12] .*)$`)

var intendedDiffs = []intendedDiff{
	{
		name:   "application payload",
		reason: "tcpdump decodes some application protocols in the payload (HTTP, SSH, DNS, ...) after the length; smcdump decodes SMC only (its SMC/CLC decode is removed before comparing)",
		accept: func(td, sd string) bool {
			return strings.HasPrefix(td, sd) && (strings.HasPrefix(td[len(sd):], ": ") || strings.HasPrefix(td[len(sd):], " "))
		},
	},
	{
		name:   "undecoded protocols",
		reason: "ICMP, ICMPv6, ARP, IPv6 extension headers, unknown ethertypes and IP protocols: smcdump prints the protocol name and length only; UDP port 4791 is RoCEv2 to smcdump (tcpdump guesses BCM-LI-SHIM); the packet number, time stamp, link-level header, IP header and addresses before it must match",
		accept: func(td, sd string) bool {
			m := undecoded.FindStringSubmatchIndex(sd)
			if m == nil {
				return false
			}
			return strings.HasPrefix(td, sd[:m[2]])
		},
	},
}

// comparePacket compares one packet's normalized texts; it returns the
// names of the intended differences used, or ok false.
func comparePacket(td, sd string) (used []string, ok bool) {
	tl, sl := strings.Split(td, "\n"), strings.Split(sd, "\n")
	i, j := 0, 0
	for j < len(sl) {
		if i >= len(tl) {
			return nil, false
		}
		if tl[i] == sl[j] {
			i, j = i+1, j+1
			continue
		}
		matched := false
		for _, d := range intendedDiffs {
			if d.accept(tl[i], sl[j]) {
				used = append(used, d.name)
				matched = true
				break
			}
		}
		if !matched {
			return nil, false
		}
		i, j = i+1, j+1
		// tcpdump's further decode lines belong to the same difference.
		for i < len(tl) && !strings.HasPrefix(tl[i], "\t0x") && (j >= len(sl) || tl[i] != sl[j]) {
			i++
		}
	}
	return used, i == len(tl)
}

// normalizeTcpdump rewrites what is the same thing spelled differently:
// tcpdump calls the SMC TCP option (experimental option, ExID 0xE2D4C3D9) by
// its ExID "exp-e2d4", smcdump names it "smc".
func normalizeTcpdump(s string) string {
	return strings.ReplaceAll(s, "exp-e2d4", "smc")
}

var smcSuffix = regexp.MustCompile(` SMC(-R)?: .*$`)

// normalizeSmcdump removes what smcdump adds to tcpdump's text: the SMC
// decode appended to a packet's line (" SMC: CLC Proposal ...", " SMC-R: LLC
// ...") and, with -v, the CLC field lines under it ("\tCLC ...", "\t  ...").
func normalizeSmcdump(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	for i, l := range lines {
		if strings.HasPrefix(l, "\tCLC ") || (strings.HasPrefix(l, "\t  ") && i > 0) {
			continue
		}
		out = append(out, smcSuffix.ReplaceAllString(l, ""))
	}
	return strings.Join(out, "\n")
}

var packetStart = regexp.MustCompile(`(?m)^ {0,4}\d+  `)

// splitPackets cuts -# output into the texts of the packets.
func splitPackets(out string) []string {
	idx := packetStart.FindAllStringIndex(out, -1)
	var pk []string
	for i, m := range idx {
		end := len(out)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		pk = append(pk, strings.TrimRight(out[m[0]:end], "\n"))
	}
	return pk
}

// diffTraces are the traces of the comparison: synthetic, lab recordings
// (real kernels) and the public captures.
func diffTraces(t *testing.T) []string {
	var files []string
	for _, g := range []string{"../../testdata/synthetic/*.pcap*", "../../testdata/lab/out/*/*.pcapng"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if dir := publicCaptures(t); dir != "" {
		m, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		files = append(files, m...)
	}
	return files
}

// publicCaptures finds the shared public sample captures
// (shared/testdata/public above the checkout), "" with a log message when
// they are not there.
func publicCaptures(t *testing.T) string {
	if d := os.Getenv("SMCDUMP_PUBLIC_CAPTURES"); d != "" {
		return d
	}
	dir, _ := filepath.Abs(".")
	for i := 0; i < 6; i++ {
		p := filepath.Join(dir, "shared", "testdata", "public")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		dir = filepath.Dir(dir)
	}
	t.Log("public sample captures (shared/testdata/public) not available: compared without them")
	return ""
}

func TestTcpdumpDifferential(t *testing.T) {
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("tcpdump is not installed (apt-get install tcpdump): differential test skipped")
	}
	traces := diffTraces(t)
	if len(traces) == 0 {
		t.Fatal("no traces")
	}
	accepted := map[string]int{}
	for _, tr := range traces {
		for _, fl := range diffFlags {
			args := append([]string{"-#", "-c", diffPackets}, fl...)
			name := filepath.Base(filepath.Dir(tr)) + "/" + filepath.Base(tr) + "/" + strings.Join(fl, "")
			t.Run(name, func(t *testing.T) {
				cmd := exec.Command(tcpdump, append(append([]string{}, args...), "-r", tr)...)
				cmd.Env = append(os.Environ(), "TZ=UTC")
				var tout, terr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &tout, &terr
				if err := cmd.Run(); err != nil {
					t.Skipf("tcpdump cannot read %s: %v %s", tr, err, terr.String())
				}
				sout, serr, code := run(t, append(append([]string{}, args...), "-r", tr)...)
				if code != 0 {
					t.Fatalf("smcdump exit %d: %s", code, serr)
				}
				tp, sp := splitPackets(tout.String()), splitPackets(sout)
				if len(tp) != len(sp) {
					t.Errorf("tcpdump printed %d packets, smcdump %d", len(tp), len(sp))
				}
				bad := 0
				for i := 0; i < min(len(tp), len(sp)); i++ {
					td, sd := normalizeTcpdump(tp[i]), normalizeSmcdump(sp[i])
					if td == sd {
						continue
					}
					used, ok := comparePacket(td, sd)
					if ok {
						for _, u := range used {
							accepted[u]++
						}
						continue
					}
					bad++
					if bad <= 3 {
						t.Errorf("packet %d differs:\ntcpdump: %q\nsmcdump: %q", i+1, td, sd)
					}
				}
				if bad > 3 {
					t.Errorf("... %d packets differ in all", bad)
				}
			})
		}
	}
	for _, d := range intendedDiffs {
		t.Logf("intended difference %q accepted %d times: %s", d.name, accepted[d.name], d.reason)
	}
}
