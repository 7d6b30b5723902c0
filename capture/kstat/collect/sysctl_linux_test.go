package collect

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestCollectSysctls: /proc/sys files report size 0 and answer only a read
// at offset 0; the collector must still read the whole value.
func TestCollectSysctls(t *testing.T) {
	want := map[string]string{"sysctl.rmem_max": "/proc/sys/net/core/rmem_max", "sysctl.rmem_default": "/proc/sys/net/core/rmem_default"}
	s, err := Collect(context.Background(), Options{SkipSMC: true})
	if err != nil {
		t.Fatal(err)
	}
	flat := s.Flat()
	for k, path := range want {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Skipf("%s: %v", path, err)
		}
		v, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if flat[k] != v {
			t.Errorf("%s = %d, %s says %d", k, flat[k], path, v)
		}
	}
}
