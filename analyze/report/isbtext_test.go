package report

import (
	"strings"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

func TestISBText(t *testing.T) {
	n := func(v uint64) *uint64 { return &v }
	for _, c := range []struct {
		st   pcapfile.InterfaceStats
		want string
	}{
		{pcapfile.InterfaceStats{}, " no counters"},
		{pcapfile.InterfaceStats{IfRecv: n(1154), IfDrop: n(0)}, " received 1154 dropped by interface/kernel (ifdrop) 0"},
		{pcapfile.InterfaceStats{IfRecv: n(10), OSDrop: n(2), FilterAccept: n(9), UsrDeliv: n(7)}, " received 10 dropped by OS (osdrop) 2 accepted by filter 9 delivered 7"},
		{pcapfile.InterfaceStats{IfRecv: n(1154), Microseconds: true}, " received 1154 (times in microseconds, not at the interface's if_tsresol: dumpcap writes them so)"},
	} {
		if got := isbText(c.st); got != c.want {
			t.Errorf("isbText(%+v) = %q, want %q", c.st, got, c.want)
		}
		if strings.Contains(isbText(c.st), "microseconds") != c.st.Microseconds {
			t.Errorf("%+v: the note on microsecond times must appear exactly when they were read so", c.st)
		}
	}
}
