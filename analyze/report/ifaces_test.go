package report

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/smcdump/smcdump/capture/pcapfile"
	"github.com/smcdump/smcdump/internal/textio"
)

// TestWriteIfaces: interfaces described alike (the same interface in each
// section of concatenated pcapng files) are named once, with their count
// and indexes; different ones keep the file's order; the listing stays
// bounded.
func TestWriteIfaces(t *testing.T) {
	eth := func(name string, snap uint32) pcapfile.Interface {
		return pcapfile.Interface{Name: name, LinkType: pcapfile.LinkTypeEthernet, SnapLen: snap}
	}
	many := func(n int, f func(i int) pcapfile.Interface) []pcapfile.Interface {
		var r []pcapfile.Interface
		for i := range n {
			r = append(r, f(i))
		}
		return r
	}
	for _, tc := range []struct {
		name   string
		ifaces []pcapfile.Interface
		want   string
	}{
		{"none", nil, ""},
		{"one", []pcapfile.Interface{eth("eth0", 0)}, "  interfaces: eth0 EN10MB\n"},
		{"distinct", []pcapfile.Interface{eth("eth0", 0), eth("eth1", 96)}, "  interfaces: eth0 EN10MB; eth1 EN10MB snaplen 96\n"},
		{"three sections", []pcapfile.Interface{eth("", 65535), eth("", 65535), eth("", 65535)},
			"  interfaces: EN10MB snaplen 65535 ×3 (interfaces 0–2)\n"},
		{"two interfaces in three sections", []pcapfile.Interface{eth("eth0", 0), eth("eth1", 0), eth("eth0", 0), eth("eth1", 0), eth("eth0", 0), eth("eth1", 0)},
			"  interfaces: eth0 EN10MB ×3 (interfaces 0, 2, 4); eth1 EN10MB ×3 (interfaces 1, 3, 5)\n"},
		{"same name, other snaplen", []pcapfile.Interface{eth("eth0", 0), eth("eth0", 128)},
			"  interfaces: eth0 EN10MB; eth0 EN10MB snaplen 128\n"},
		{"index ranges bounded", many(12, func(i int) pcapfile.Interface { return eth(fmt.Sprint("e", i%2*(i/3)), 0) }),
			"  interfaces: e0 EN10MB ×7 (interfaces 0–2, 4, 6, 8, …, 10); e1 EN10MB ×2 (interfaces 3, 5); e2 EN10MB; e3 EN10MB ×2 (interfaces 9, 11)\n"},
		{"bounded", many(40, func(i int) pcapfile.Interface { return eth(fmt.Sprint("eth", i), 0) }),
			"  interfaces: " + func() string {
				s := ""
				for i := range maxIfacesListed {
					s += fmt.Sprintf("eth%d EN10MB; ", i)
				}
				return s
			}() + "and 8 more\n"},
	} {
		var b bytes.Buffer
		w := textio.New(&b)
		writeIfaces(w, "  ", tc.ifaces)
		if w.Err != nil {
			t.Fatal(w.Err)
		}
		if got := b.String(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
