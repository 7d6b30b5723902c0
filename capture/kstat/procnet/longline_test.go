package procnet

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// TestLongLineAndEmptyFile: every parser reports a line longer than
// MaxLine with its number (never as the end of the input), and an empty
// file is an error, not an empty section.
func TestLongLineAndEmptyFile(t *testing.T) {
	long := strings.Repeat("7", MaxLine+10)
	cases := []struct {
		name, data, want string
	}{
		{"net/snmp", "Udp: InErrors\nUdp: " + long + "\n", "net/snmp:2: line 2 longer than 4194304 bytes"},
		{"net/snmp6", "Udp6InErrors 1\nUdp6X " + long + "\n", "net/snmp6:2: line 2 longer than"},
		{"net/udp", long + "\n", "net/udp:1: line 1 longer than"},
		{"net/dev", "Inter-|\n face |\n" + long + "\n", "net/dev:3: line 3 longer than"},
		{"net/softnet_stat", long + "\n", "net/softnet_stat:1: line 1 longer than"},
		{"net/snmp", "", "net/snmp:1: empty file"},
		{"net/dev", " \n\n", "net/dev:1: empty file"},
		{"sys/net/core/rmem_max", "", "sys/net/core/rmem_max:1: empty file"},
	}
	for _, c := range cases {
		var tr Tree
		err := tr.Parse(c.name, []byte(c.data), binary.LittleEndian)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %.200v, want %q", c.name, err, c.want)
		}
	}
}
