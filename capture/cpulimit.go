package capture

import (
	"math"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
)

// CPULimit returns the CPU bandwidth limit of the calling process's cgroup
// in CPUs (CFS quota divided by period: 0.5 is half of one CPU), the
// smallest limit on the way from the process's group up to the root of the
// hierarchy it can see, and false when no limit applies (or on a system
// without cgroups). cgroup v2 (cpu.max) and the v1 cpu controller
// (cpu.cfs_quota_us, cpu.cfs_period_us) are read; where both are mounted
// the smaller limit wins. A container's CPU limit (Kubernetes
// resources.limits.cpu, docker --cpus, systemd CPUQuota=) is such a limit.
func CPULimit() (float64, bool) {
	if runtime.GOOS != "linux" {
		return 0, false
	}
	return cgroupCPULimit(os.ReadFile)
}

// UsableCPUs is the number of CPUs the process can keep busy at once: the
// CPUs it may run on (runtime.NumCPU, the affinity mask), or fewer when its
// cgroup limits its CPU bandwidth (CPULimit rounded down, at least 1).
func UsableCPUs() int {
	n := runtime.NumCPU()
	if l, ok := CPULimit(); ok {
		n = min(n, max(1, int(math.Floor(l+1e-9))))
	}
	return max(n, 1)
}

// cgroupCPULimit is CPULimit reading /proc and the cgroup files through
// read (a fake tree in tests).
func cgroupCPULimit(read func(string) ([]byte, error)) (float64, bool) {
	cg, err := read("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	mi, err := read("/proc/self/mountinfo")
	if err != nil {
		return 0, false
	}
	// The process's group in each hierarchy: v1 lines name their
	// controllers ("4:cpu,cpuacct:/path"), the v2 line has none ("0::/path").
	var v1Path, v2Path string
	var hasV1, hasV2 bool
	for _, l := range strings.Split(string(cg), "\n") {
		parts := strings.SplitN(l, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2Path, hasV2 = parts[2], true
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "cpu" {
				v1Path, hasV1 = parts[2], true
			}
		}
	}
	limit, found := math.Inf(1), false
	consider := func(l float64, ok bool) {
		if ok && l < limit {
			limit, found = l, true
		}
	}
	for _, l := range strings.Split(string(mi), "\n") {
		// "36 35 0:30 /root /mnt/point rw,nosuid - cgroup cgroup rw,cpu,cpuacct"
		pre, post, ok := strings.Cut(l, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 {
			continue
		}
		root, mnt := unescapeMount(f[3]), unescapeMount(f[4])
		switch {
		case g[0] == "cgroup2" && hasV2:
			consider(walkLimit(read, mnt, root, v2Path, v2Limit))
		case g[0] == "cgroup" && hasV1 && hasOpt(g[2], "cpu"):
			consider(walkLimit(read, mnt, root, v1Path, v1Limit))
		}
	}
	return limit, found
}

// walkLimit takes the smallest limit of group p and its ancestors up to the
// root of the mount (mounted at mnt, showing the hierarchy from root down).
// A group outside what the mount shows has no readable limit.
func walkLimit(read func(string) ([]byte, error), mnt, root, p string, limitOf func(read func(string) ([]byte, error), dir string) (float64, bool)) (float64, bool) {
	p, root = path.Clean("/"+p), path.Clean("/"+root)
	rel := ""
	switch {
	case root == "/":
		rel = p
	case p == root:
		rel = "/"
	case strings.HasPrefix(p, root+"/"):
		rel = p[len(root):]
	default:
		return 0, false
	}
	best, found := math.Inf(1), false
	for i := 0; i < 256; i++ { // a path has far fewer levels; bounds a malformed one
		if l, ok := limitOf(read, path.Join(mnt, rel)); ok && l < best {
			best, found = l, true
		}
		if rel == "/" {
			break
		}
		rel = path.Dir(rel)
	}
	return best, found
}

// v2Limit reads cgroup v2's cpu.max: "max 100000" or "50000 100000".
func v2Limit(read func(string) ([]byte, error), dir string) (float64, bool) {
	b, err := read(path.Join(dir, "cpu.max"))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 || f[0] == "max" {
		return 0, false
	}
	period := 100000.0 // the kernel's default when only the quota is written
	if len(f) > 1 {
		if v, err := strconv.ParseFloat(f[1], 64); err == nil && v > 0 {
			period = v
		}
	}
	q, err := strconv.ParseFloat(f[0], 64)
	if err != nil || q <= 0 {
		return 0, false
	}
	return q / period, true
}

// v1Limit reads the v1 cpu controller's cpu.cfs_quota_us (-1: no limit)
// and cpu.cfs_period_us.
func v1Limit(read func(string) ([]byte, error), dir string) (float64, bool) {
	qb, err1 := read(path.Join(dir, "cpu.cfs_quota_us"))
	pb, err2 := read(path.Join(dir, "cpu.cfs_period_us"))
	if err1 != nil || err2 != nil {
		return 0, false
	}
	q, err1 := strconv.ParseFloat(strings.TrimSpace(string(qb)), 64)
	p, err2 := strconv.ParseFloat(strings.TrimSpace(string(pb)), 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false
	}
	return q / p, true
}

// hasOpt reports whether the comma-separated option list has o.
func hasOpt(list, o string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == o {
			return true
		}
	}
	return false
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
