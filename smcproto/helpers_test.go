package smcproto

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// unhex turns an annotated hex dump into bytes. Each line may carry a
// comment after '#'; whitespace is ignored. It panics on bad hex (test
// fixtures only).
func unhex(s string) []byte {
	var sb strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		sb.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(sb.String())
	if err != nil {
		panic(err)
	}
	return b
}

// zeros returns an n-byte zero hex string for use inside unhex dumps.
func zeros(n int) string { return strings.Repeat("00", n) }

// cmpOpts compares netip values by value.
var cmpOpts = []cmp.Option{cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})}

func diff(t *testing.T, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts...); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
}

func netipPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
