package report

import (
	"io"
	"net/netip"
	"testing"

	"github.com/smcdump/smcdump/internal/textio"
)

// BenchmarkWriteConnections: the connection table of 20,000 listed
// connections (the default --keep), the first 1,000 in detail and the
// rest as compact rows, as the text report writes it.
func BenchmarkWriteConnections(b *testing.B) {
	r := &Report{Rows: &RowTable{}, Summary: Summary{TCPConnections: 20000}}
	cases := rowCases()
	for i := range 20000 {
		c := *cases[i%len(cases)]
		c.ID = i + 1
		c.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(i))
		if i < 1000 {
			r.Connections = append(r.Connections, &c)
		} else {
			r.Rows.Add(&c)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		r.writeConnections(textio.New(io.Discard), TextOptions{})
	}
}
