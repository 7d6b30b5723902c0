package bpffilter

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/bpf"
)

// tcpdumpProgram compiles expr with tcpdump (docs/capture.md §2.4). dlt is the
// -y name; iface != "" compiles for that live interface instead. rejectAll
// is true when libpcap reports "expression rejects all packets".
func tcpdumpProgram(t testing.TB, dlt, iface, expr string, noOpt bool) (raw []bpf.RawInstruction, rejectAll bool, err error) {
	t.Helper()
	args := []string{"-ddd"}
	if noOpt {
		args = append(args, "-O")
	}
	switch {
	case iface != "":
		args = append(args, "-i", iface)
	case strings.HasPrefix(dlt, "file:"):
		// A savefile's program (libpcap's rfile): what tcpdump -r runs.
		args = append(args, "-r", strings.TrimPrefix(dlt, "file:"))
	default:
		args = append(args, "-y", dlt)
	}
	args = append(args, "--", expr)
	cmd := exec.Command("tcpdump", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if runErr := cmd.Run(); runErr != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "expression rejects all packets") {
			return []bpf.RawInstruction{{Op: 0x06, K: 0}}, true, nil
		}
		return nil, false, fmt.Errorf("%s", msg)
	}
	raw, err = parseDDD(stdout.String())
	return raw, false, err
}

// emptyPcap writes a synthetic pcap file of link type lt without packets,
// its header in byte order order, for tcpdump -r FILE -ddd: libpcap's
// program for a savefile of that link type and byte order.
func emptyPcap(t testing.TB, dir string, lt LinkType, order binary.AppendByteOrder) string {
	t.Helper()
	h := order.AppendUint32(nil, 0xa1b2c3d4)
	h = order.AppendUint16(h, 2)
	h = order.AppendUint16(h, 4)
	h = order.AppendUint32(h, 0)
	h = order.AppendUint32(h, 0)
	h = order.AppendUint32(h, 262144)
	h = order.AppendUint32(h, uint32(lt))
	path := fmt.Sprintf("%s/synthetic-empty-%d-%s.pcap", dir, uint32(lt), order)
	if err := os.WriteFile(path, h, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// parseDDD parses `tcpdump -ddd` output.
func parseDDD(s string) ([]bpf.RawInstruction, error) {
	sc := bufio.NewScanner(strings.NewReader(s))
	var raw []bpf.RawInstruction
	n := -1
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if n < 0 {
			v, err := strconv.Atoi(f[0])
			if err != nil {
				return nil, fmt.Errorf("bad count line %q", sc.Text())
			}
			n = v
			continue
		}
		if len(f) != 4 {
			return nil, fmt.Errorf("bad line %q", sc.Text())
		}
		var v [4]uint64
		for i := range f {
			x, err := strconv.ParseUint(f[i], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("bad line %q", sc.Text())
			}
			v[i] = x
		}
		raw = append(raw, bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])})
	}
	if n != len(raw) {
		return nil, fmt.Errorf("count %d but %d instructions", n, len(raw))
	}
	return raw, nil
}

func needTcpdump(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump not installed (apt-get install tcpdump): skipping comparison with libpcap")
	}
}

func listing(raw []bpf.RawInstruction) string {
	s, err := FormatRaw(raw, 1)
	if err != nil {
		return err.Error()
	}
	return s
}

// TestDifferentialLibpcap compares verdicts of our programs and tcpdump's,
// both run on the golang.org/x/net/bpf VM, over the generated corpus.
//
// Against libpcap's optimized program (what tcpdump installs) a verdict may
// differ only on a frame where one program stops at an out-of-range load:
// the optimizer reorders loads, and the first out-of-range load rejects.
// Against the unoptimized program (tcpdump -O), whose evaluation order ours
// follows, every verdict must match.
func TestDifferentialLibpcap(t *testing.T) {
	for _, noOpt := range []bool{false, true} {
		name := "optimized"
		if noOpt {
			name = "unoptimized"
		}
		t.Run(name, func(t *testing.T) { differential(t, noOpt) })
	}
}

func differential(t *testing.T, noOpt bool) {
	needTcpdump(t)
	frames := append(append(append(genFrames(3000), genShimFrames(1200)...), genLLCFrames(1000)...), genGeneveFrames(1500)...)
	type job struct {
		lt    LinkType
		exprs []string
		ref   string                 // tcpdump's -y name, or "file:PATH" for a savefile's program
		order binary.AppendByteOrder // of a NULL savefile
	}
	dir := t.TempDir()
	jobs := []job{
		{lt: Ethernet, exprs: diffExprs},
		{lt: LinuxSLL, exprs: diffExprsCooked},
		{lt: LinuxSLL2, exprs: diffExprsCooked},
		{lt: Raw, exprs: diffExprsCooked},
		{lt: rawDLT12, exprs: diffExprsCooked, ref: "RAW"}, // DLT_RAW on Linux
		{lt: IPv4, exprs: diffExprsCooked},
		{lt: IPv6, exprs: diffExprsCooked},
		// Loopback: the savefile program (libpcap tests the three BSD
		// values of AF_INET6 and, for NULL, the file's byte order).
		{lt: Null, exprs: diffExprsCooked, ref: "file:" + emptyPcap(t, dir, Null, binary.LittleEndian), order: binary.LittleEndian},
		{lt: Null, exprs: diffExprsCooked, ref: "file:" + emptyPcap(t, dir, Null, binary.BigEndian), order: binary.BigEndian},
		{lt: Loop, exprs: diffExprsCooked, ref: "file:" + emptyPcap(t, dir, Loop, binary.LittleEndian), order: binary.BigEndian},
	}
	for i := range jobs {
		if jobs[i].ref == "" {
			jobs[i].ref = jobs[i].lt.String()
		}
	}
	// Compile everything with tcpdump first, a few processes at a time
	// (each run is mostly process start-up).
	type refResult struct {
		raw []bpf.RawInstruction
		err error
	}
	refs := map[string]refResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, j := range jobs {
		for _, expr := range j.exprs {
			wg.Add(1)
			go func(dlt, expr string) {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				raw, _, err := tcpdumpProgram(t, dlt, "", expr, noOpt)
				mu.Lock()
				refs[dlt+"\x00"+expr] = refResult{raw, err}
				mu.Unlock()
			}(j.ref, expr)
		}
	}
	wg.Wait()
	total, orderDiffs := 0, 0
	for _, j := range jobs {
		var fr []testFrame
		for _, f := range frames {
			if c, ok := cookedIn(f, j.lt, j.order); ok {
				fr = append(fr, c)
			}
		}
		for _, expr := range j.exprs {
			rr := refs[j.ref+"\x00"+expr]
			ref, refErr := rr.raw, rr.err
			prog, err := Compile(expr, Options{LinkType: j.lt})
			if refErr != nil || err != nil {
				// Deliberate: libpcap emits a kernel-only ancillary load
				// for inbound/outbound on a dead handle; offline we
				// refuse instead (libpcap refuses for savefiles too).
				if refErr == nil && err != nil && strings.Contains(err.Error(), "when reading a file") {
					continue
				}
				if (refErr == nil) != (err == nil) {
					t.Errorf("[%s] %q: libpcap error %v, ours %v", j.lt, expr, refErr, err)
				}
				continue
			}
			ours, err := bpf.Assemble(prog)
			if err != nil {
				t.Errorf("[%s] %q: assemble: %v", j.lt, expr, err)
				continue
			}
			refIns, _ := bpf.Disassemble(ref)
			refVM, err := bpf.NewVM(refIns)
			if err != nil {
				t.Errorf("[%s] %q: libpcap program rejected by VM: %v", j.lt, expr, err)
				continue
			}
			ourVM, err := bpf.NewVM(prog)
			if err != nil {
				t.Errorf("[%s] %q: our program rejected by VM: %v\n%s", j.lt, expr, err, listing(ours))
				continue
			}
			bad := 0
			for _, f := range fr {
				rv, err1 := refVM.Run(f.data)
				ov, err2 := ourVM.Run(f.data)
				if err1 != nil || err2 != nil {
					t.Fatalf("[%s] %q: VM error %v / %v", j.lt, expr, err1, err2)
				}
				// Our own VM must agree with x/net/bpf too (len = len(data) here).
				if mv := runVM(ours, f.data, len(f.data), nil); (mv > 0) != (ov > 0) {
					t.Errorf("[%s] %q: own VM %d vs x/net/bpf %d on %x", j.lt, expr, mv, ov, f.data)
				}
				if (rv > 0) != (ov > 0) {
					_, oob1 := runVMx(ref, f.data, len(f.data), nil)
					_, oob2 := runVMx(ours, f.data, len(f.data), nil)
					if (oob1 || oob2) && !noOpt {
						// An out-of-range load ends the program with
						// "reject"; which load comes first depends on
						// libpcap's optimizer, which we do not copy.
						orderDiffs++
						continue
					}
					bad++
					if bad == 1 {
						t.Errorf("[%s] %q: verdict mismatch: libpcap %d, ours %d\nframe %s\nlibpcap:\n%sours:\n%s",
							j.lt, expr, rv, ov, hex.EncodeToString(f.data), listing(ref), listing(ours))
					}
				}
			}
			if bad > 1 {
				t.Errorf("[%s] %q: %d mismatching frames of %d", j.lt, expr, bad, len(fr))
			}
			total++
		}
	}
	t.Logf("compared %d expressions with libpcap over %d frames; %d verdicts differed only because an out-of-range load on a short frame came first in one program", total, len(frames), orderDiffs)
	if os.Getenv("BPFFILTER_VERBOSE") != "" {
		t.Logf("exprs: %d ethernet, %d cooked", len(diffExprs), len(diffExprsCooked))
	}
}

// TestProtochainLibpcap compares protochain with libpcap's program, run
// with its backward jumps (runVMcore), on chains of IPv6 extension and AH
// headers. Frames whose chain passes an AH header are left out (libpcap
// loses the offset there; TestProtochainAH checks them) and so are chains
// longer than protochainHeaders (smcdump stops following them).
func TestProtochainLibpcap(t *testing.T) {
	needTcpdump(t)
	frames := append(genChainFrames(3000), genFrames(1500)...)
	compared := 0
	for _, expr := range protochainExprs {
		ref, _, err := tcpdumpProgram(t, "EN10MB", "", expr, true)
		if err != nil {
			t.Fatalf("%q: libpcap: %v", expr, err)
		}
		ours := compileRaw(t, expr, Options{LinkType: Ethernet})
		bad := 0
		for _, f := range frames {
			if chainHasAH(f.data) || chainLonger(f.data, protochainHeaders) {
				continue
			}
			rv, _ := runVMcore(ref, f.data, f.wireLen, nil, true)
			ov := runVM(ours, f.data, f.wireLen, nil)
			if (rv > 0) != (ov > 0) {
				if bad++; bad == 1 {
					t.Errorf("%q: libpcap %d, ours %d on %x\nours:\n%s", expr, rv, ov, f.data, listing(ours))
				}
			}
			compared++
		}
		if bad > 1 {
			t.Errorf("%q: %d mismatches", expr, bad)
		}
	}
	t.Logf("%d verdicts compared", compared)
}

// compileRaw compiles expr, assembles and validates the program; any
// failure ends the test.
func compileRaw(t *testing.T, expr string, opts Options) []bpf.RawInstruction {
	t.Helper()
	prog, err := Compile(expr, opts)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		t.Fatalf("%q: assemble: %v", expr, err)
	}
	if err := validate(raw); err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	return raw
}

// protochainExprs are compared with libpcap by TestProtochainLibpcap (not
// in diffExprs: x/net/bpf refuses libpcap's backward jumps).
var protochainExprs = []string{"protochain 6", "ip6 protochain 6", "ip protochain 17", "ip6 protochain 58",
	"protochain 59", "ip6 protochain 44", "protochain 51", "ip6 protochain 0", "protochain \\tcp",
	"ip6 protochain \\udp", "not protochain 6", "protochain 6 or protochain 17", "vlan and ip6 protochain 6",
	"ip6 protochain 6 and tcp[13] & 2 != 0", "protochain 103 and host 10.1.1.10",
	"protochain 6 or protochain 17 or protochain 58 or protochain 132",
}

// chainLonger reports whether an Ethernet frame's IPv6 chain has more than
// n extension headers.
func chainLonger(f []byte, n int) bool {
	if len(f) < 54 || binary.BigEndian.Uint16(f[12:]) != 0x86dd {
		return false
	}
	proto, off := f[20], 54
	for i := 0; off+2 <= len(f); i++ {
		switch proto {
		case 0, 60, 43, 44:
			if i >= n {
				return true
			}
			proto, off = f[off], off+(int(f[off+1])+1)*8
		default:
			return false
		}
	}
	return false
}

// TestProtochainAH: protochain follows AH headers by their length (libpcap
// 1.10 replaces the offset with the AH header's length instead of adding
// it), in the kernel and in userland alike.
func TestProtochainAH(t *testing.T) {
	eth := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}
	ah := func(next byte) []byte { return []byte{next, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0} } // 16 bytes
	v4 := func(proto byte, body []byte) []byte {
		h := make([]byte, 20)
		h[0], h[9] = 0x45, proto
		binary.BigEndian.PutUint16(h[2:], uint16(20+len(body)))
		return append(append(append([]byte{}, eth...), 0x08, 0x00), append(h, body...)...)
	}
	v6 := func(next byte, body []byte) []byte {
		h := make([]byte, 40)
		h[0], h[6] = 0x60, next
		binary.BigEndian.PutUint16(h[4:], uint16(len(body)))
		return append(append(append([]byte{}, eth...), 0x86, 0xdd), append(h, body...)...)
	}
	tcp := make([]byte, 20)
	hbh := func(next byte) []byte { return []byte{next, 0, 1, 4, 0, 0, 0, 0} }
	for _, tt := range []struct {
		name  string
		frame []byte
		expr  string
		want  bool
	}{
		{"ipv4 ah tcp", v4(51, append(ah(6), tcp...)), "ip protochain 6", true},
		{"ipv4 ah ah tcp", v4(51, append(append(ah(51), ah(6)...), tcp...)), "protochain 6", true},
		{"ipv4 ah udp", v4(51, append(ah(17), tcp...)), "protochain 6", false},
		{"ipv6 hbh ah tcp", v6(0, append(append(hbh(51), ah(6)...), tcp...)), "ip6 protochain 6", true},
		{"ipv6 ah hbh tcp", v6(51, append(append(ah(0), hbh(6)...), tcp...)), "ip6 protochain 6", true},
		{"ipv6 ah cut", v6(51, ah(6)[:1]), "ip6 protochain 6", false},
		{"ipv6 ah itself", v6(51, append(ah(6), tcp...)), "ip6 protochain 51", true},
	} {
		for _, mode := range []Mode{Offline, Live} {
			prog, err := Compile(tt.expr, Options{LinkType: Ethernet, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := bpf.Assemble(prog)
			if got := runVM(raw, tt.frame, len(tt.frame), nil) > 0; got != tt.want {
				t.Errorf("%s: %q = %v, want %v", tt.name, tt.expr, got, tt.want)
			}
		}
	}
}
