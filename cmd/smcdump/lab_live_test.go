//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smcdump/smcdump/analyze/report"
	"github.com/smcdump/smcdump/analyze/smcflow"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// liveLabScenarios are the scenarios TestLabLive records: the four
// single-link cases of issue #6 (peer without SMC, no device, a working
// SMC-R v2 link, RoCE blocked).
var liveLabScenarios = []string{"a-peer-no-smc", "b-no-device", "c-smcr-link", "d-roce-blocked"}

// TestLabLive runs the real-kernel SMC lab (testdata/lab/run.sh: Linux 6.12
// under qemu, captured inside the VM by smcdump itself) into a temporary
// directory and checks smcdump against what the kernel reported: every
// trace's analysis against the run's fresh manifest (checkExpect, as
// TestLabManifest does for the committed recording), and every kernel
// counter snapshot (embedded in the pcapng by the capture, and written by
// `smcdump stats --json -o` before/after each scenario on both sides) decodes
// and shows SMC available with fallback counters.
//
// It needs root (qemu, apt-get on a fresh machine). SMCDUMP_LAB selects how
// it runs:
//
//   - unset: skipped;
//   - "kvm" (what .ci/run sets when /dev/kvm exists): run.sh --accel kvm; the
//     test is skipped with run.sh's reason when KVM cannot boot the lab
//     kernel (run.sh exits 3 after a ~15 s probe boot), so CI pays for the lab
//     only where it is cheap;
//   - "1": run.sh --accel auto (KVM when usable, else TCG: about 80 s on a
//     2-core machine).
//
// The first run also installs qemu and downloads the 6.12 kernel (~110 MB).
func TestLabLive(t *testing.T) {
	mode := os.Getenv("SMCDUMP_LAB")
	if mode != "1" && mode != "kvm" {
		t.Skip("set SMCDUMP_LAB=1 (KVM or TCG, ~80 s without KVM) or SMCDUMP_LAB=kvm (only with a usable KVM) to run the qemu SMC lab")
	}
	if os.Geteuid() != 0 {
		t.Skip("the SMC lab needs root (qemu, apt-get)")
	}
	accel := "auto"
	if mode == "kvm" {
		accel = "kvm"
	}
	runSh, err := filepath.Abs("../../testdata/lab/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, runSh, "--kernel", "6.12", "--accel", accel, "--scenario", strings.Join(liveLabScenarios, ","), "--out", out)
	// On timeout send SIGTERM, so run.sh's EXIT trap kills its qemu VMs.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	err = cmd.Run()
	t.Logf("run.sh --accel %s took %s", accel, time.Since(start).Round(time.Second))
	var ee *exec.ExitError
	if mode == "kvm" && errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skipf("SMCDUMP_LAB=kvm: %s", labKVMWhy(log.String()))
	}
	if err != nil {
		t.Fatalf("run.sh: %v\n%s", err, labTail(log.String(), 4000))
	}
	dir := filepath.Join(out, "6.12")

	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, labTail(log.String(), 4000))
	}
	var m struct {
		Scenarios []struct {
			Name     string      `json:"name"`
			Trace    string      `json:"trace"`
			Expected []labExpect `json:"connections"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	seen := map[string]bool{}
	for _, sc := range m.Scenarios {
		seen[sc.Name] = true
		t.Run(sc.Name, func(t *testing.T) {
			if !strings.HasSuffix(sc.Trace, ".pcapng") {
				t.Fatalf("trace %q: want the smcdump capture (<scenario>.pcapng)", sc.Trace)
			}
			if len(sc.Expected) == 0 {
				t.Fatal("the manifest lists no connection with a verdict the kernel reported")
			}
			trace := filepath.Join(dir, sc.Trace)
			js, stderr, code := run(t, "analyze", "--json", trace)
			if code != 0 {
				t.Fatalf("analyze exit %d: %s", code, stderr)
			}
			var rep report.Report
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				t.Fatal(err)
			}
			byClient := map[string]*smcflow.Conn{}
			for _, c := range rep.Connections {
				byClient[c.Client.String()+">"+c.Server.String()] = c
			}
			for _, e := range sc.Expected {
				c := byClient[e.Client+">"+e.Server]
				if c == nil {
					t.Errorf("%s → %s: not in the analysis", e.Client, e.Server)
					continue
				}
				checkExpect(t, e, c)
			}

			// Snapshots embedded by the capture: at least start and end.
			embedded := embeddedSnapshots(t, trace)
			if len(embedded) < 2 {
				t.Errorf("%s: %d embedded kernel counter snapshots, want at least 2 (start, end)", sc.Trace, len(embedded))
			}
			for i, s := range embedded {
				checkLabSnapshot(t, fmt.Sprintf("%s embedded snapshot %d", sc.Trace, i+1), s)
			}
			// `smcdump stats --json -o` before/after on both sides.
			for _, name := range []string{"client-before", "client-after", "server-before", "server-after"} {
				p := filepath.Join(dir, "snap", sc.Name, name+".json")
				f, err := os.Open(p)
				if err != nil {
					t.Error(err)
					continue
				}
				s, err := kstat.ReadSnapshot(f)
				f.Close()
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				checkLabSnapshot(t, name+".json", s)
			}
		})
	}
	for _, s := range liveLabScenarios {
		if !seen[s] {
			t.Errorf("scenario %s missing from the manifest", s)
		}
	}
}

// embeddedSnapshots returns the kernel counter snapshots smcdump's capture
// stored in a pcapng file (custom blocks, capture/PCAPNG.md).
func embeddedSnapshots(t *testing.T, path string) []*kstat.Snapshot {
	t.Helper()
	fr, err := pcapfile.OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	var snaps []*kstat.Snapshot
	fr.OnCustom = func(cb pcapfile.CustomBlock) {
		const tag = "smcdump.kstat/v1\n"
		if cb.PEN != 32473 || !bytes.HasPrefix(cb.Data, []byte(tag)) {
			return
		}
		s, err := kstat.ReadSnapshot(bytes.NewReader(bytes.TrimRight(cb.Data[len(tag):], "\x00")))
		if err != nil {
			t.Errorf("%s: custom block at offset %d: %v", path, cb.Offset, err)
			return
		}
		snaps = append(snaps, s)
	}
	for {
		if _, err := fr.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return snaps
}

// checkLabSnapshot checks that a snapshot taken in the lab guest shows the
// SMC module with its fallback counters (SMC_NETLINK_GET_FBACK_STATS).
func checkLabSnapshot(t *testing.T, what string, s *kstat.Snapshot) {
	t.Helper()
	if !s.SMC.Available || s.SMC.Info == nil || s.SMC.Info.SysInfo == nil {
		t.Errorf("%s: SMC not available in the snapshot: %+v", what, s.SMC)
		return
	}
	if s.SMC.Info.Fallback == nil {
		t.Errorf("%s: no SMC fallback counters", what)
	}
}

// labKVMWhy returns run.sh's "KVM not usable" line.
func labKVMWhy(log string) string {
	for _, l := range strings.Split(log, "\n") {
		if i := strings.Index(l, "KVM not usable"); i >= 0 {
			return l[i:]
		}
	}
	return "KVM not usable (run.sh exit 3)"
}

func labTail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
