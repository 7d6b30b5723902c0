package capture

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Synthetic /proc and cgroup trees (the layouts of a cgroup v1 docker
// host, a v2 systemd host, a v2 container with its own cgroup namespace,
// and a hybrid host), for the real kernel see TestCPULimitRealCgroup.
func TestCgroupCPULimit(t *testing.T) {
	const v1Mount = "30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
	const v2Mount = "29 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
	cases := []struct {
		name  string
		files map[string]string
		want  float64 // 0: no limit
	}{
		{"no cgroup files", map[string]string{}, 0},
		{"v2 unlimited", map[string]string{
			"/proc/self/cgroup":                                 "0::/user.slice/session-1.scope\n",
			"/proc/self/mountinfo":                              v2Mount,
			"/sys/fs/cgroup/user.slice/cpu.max":                 "max 100000\n",
			"/sys/fs/cgroup/user.slice/session-1.scope/cpu.max": "max 100000\n",
		}, 0},
		{"v2 limit on the group", map[string]string{
			"/proc/self/cgroup":                        "0::/kubepods/pod1/ctr\n",
			"/proc/self/mountinfo":                     v2Mount,
			"/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max": "150000 100000\n",
		}, 1.5},
		{"v2 limit on an ancestor is smaller", map[string]string{
			"/proc/self/cgroup":            "0::/a/b/c\n",
			"/proc/self/mountinfo":         v2Mount,
			"/sys/fs/cgroup/a/cpu.max":     "25000 100000\n",
			"/sys/fs/cgroup/a/b/c/cpu.max": "400000 100000\n",
		}, 0.25},
		{"v2 quota without period", map[string]string{
			"/proc/self/cgroup":      "0::/\n",
			"/proc/self/mountinfo":   v2Mount,
			"/sys/fs/cgroup/cpu.max": "50000\n",
		}, 0.5},
		{"v2 container with its own namespace", map[string]string{
			"/proc/self/cgroup": "0::/\n",
			// the mount shows the container's group as its root
			"/proc/self/mountinfo":   "700 650 0:26 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n",
			"/sys/fs/cgroup/cpu.max": "200000 100000\n",
		}, 2},
		{"v1 docker without namespace", map[string]string{
			"/proc/self/cgroup":                            "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n",
			"/proc/self/mountinfo":                         strings.Replace(v1Mount, " / /sys", " /docker/abc /sys", 1),
			"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us":  "50000\n",
			"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
		}, 0.5},
		{"v1 unlimited (-1)", map[string]string{
			"/proc/self/cgroup":                              "4:cpu,cpuacct:/x\n",
			"/proc/self/mountinfo":                           v1Mount,
			"/sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_quota_us":  "-1\n",
			"/sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_period_us": "100000\n",
		}, 0},
		{"v1 group outside the mount", map[string]string{
			"/proc/self/cgroup":                            "4:cpu,cpuacct:/elsewhere\n",
			"/proc/self/mountinfo":                         strings.Replace(v1Mount, " / /sys", " /docker/abc /sys", 1),
			"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us":  "50000\n",
			"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
		}, 0},
		{"hybrid: the smaller of v1 and v2", map[string]string{
			"/proc/self/cgroup":                      "1:cpu:/g\n0::/g\n",
			"/proc/self/mountinfo":                   "30 25 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n31 25 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
			"/sys/fs/cgroup/cpu/g/cpu.cfs_quota_us":  "300000\n",
			"/sys/fs/cgroup/cpu/g/cpu.cfs_period_us": "100000\n",
			"/sys/fs/cgroup/unified/g/cpu.max":       "max 100000\n",
		}, 3},
		{"escaped mount point", map[string]string{
			"/proc/self/cgroup":    "0::/g\n",
			"/proc/self/mountinfo": `29 25 0:26 / /mnt/cg\040x rw - cgroup2 cgroup2 rw` + "\n",
			"/mnt/cg x/g/cpu.max":  "10000 10000\n",
		}, 1},
		{"garbage", map[string]string{
			"/proc/self/cgroup":    "::::\n0:\n\x00",
			"/proc/self/mountinfo": " - \n1 2 - cgroup2\n",
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			read := func(p string) ([]byte, error) {
				if s, ok := c.files[p]; ok {
					return []byte(s), nil
				}
				return nil, fs.ErrNotExist
			}
			got, ok := cgroupCPULimit(read)
			if c.want == 0 {
				if ok {
					t.Fatalf("limit %v, want none", got)
				}
				return
			}
			if !ok || math.Abs(got-c.want) > 1e-9 {
				t.Fatalf("limit %v (%v), want %v", got, ok, c.want)
			}
		})
	}
}

// TestCPULimitRealCgroup runs a child process inside a cgroup this test
// creates, with a limit of 1.5 CPUs on the parent group and none on the
// child's own, and checks what the child reads: the limit and one usable
// CPU (so the default capture opens one ring, see FanoutRings).
func TestCPULimitRealCgroup(t *testing.T) {
	if os.Getenv("SMCDUMP_CPULIMIT_CHILD") != "" {
		l, ok := CPULimit()
		fmt.Printf("limit=%v ok=%v usable=%d\n", l, ok, UsableCPUs())
		return
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to create a cgroup")
	}
	var parent string
	var limit func(dir string) error
	switch {
	case fileExists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"):
		parent = fmt.Sprintf("/sys/fs/cgroup/cpu/smcdump-test-%d", os.Getpid())
		limit = func(dir string) error {
			return errors.Join(os.WriteFile(filepath.Join(dir, "cpu.cfs_period_us"), []byte("100000"), 0o644),
				os.WriteFile(filepath.Join(dir, "cpu.cfs_quota_us"), []byte("150000"), 0o644))
		}
	case fileExists("/sys/fs/cgroup/cgroup.subtree_control"):
		parent = fmt.Sprintf("/sys/fs/cgroup/smcdump-test-%d", os.Getpid())
		limit = func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "cpu.max"), []byte("150000 100000"), 0o644)
		}
	default:
		t.Skip("no cgroup v1 cpu controller or cgroup v2 mounted at /sys/fs/cgroup")
	}
	child := filepath.Join(parent, "inner")
	if err := os.Mkdir(parent, 0o755); err != nil {
		t.Skipf("cannot create a cgroup: %v", err)
	}
	defer removeCgroup(parent)
	if err := limit(parent); err != nil {
		t.Skipf("cannot set a CPU limit (cpu controller not enabled?): %v", err)
	}
	if strings.HasPrefix(parent, "/sys/fs/cgroup/smcdump") {
		_ = os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+cpu"), 0o644)
	}
	if err := os.Mkdir(child, 0o755); err != nil {
		t.Fatal(err)
	}
	defer removeCgroup(child)
	// The shell joins the group, then becomes the test binary.
	cmd := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && shift && exec "$@"`, "sh", child, os.Args[0], "-test.run=^TestCPULimitRealCgroup$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SMCDUMP_CPULIMIT_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	want := "limit=1.5 ok=true usable=1"
	if !strings.Contains(string(out), want) {
		t.Fatalf("child printed %q, want %q", out, want)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// removeCgroup removes an emptied group (its processes may take a moment to
// be reaped).
func removeCgroup(dir string) {
	for range 50 {
		if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/a\040b`: "/a b", `/a\\b`: `/a\\b`, `x\0`: `x\0`, `\134`: `\`, "": ""} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}
