package analyze

import (
	"github.com/smcdump/smcdump/analyze/decode"
	"github.com/smcdump/smcdump/capture/pcapfile"
)

// The link-layer control traffic of physical NICs and bonds as tcpdump
// 4.99.3 prints it: LLDP (ethertype 0x88cc), Slow Protocols (0x8809:
// LACP, Marker, OAM), PTP (0x88f7, and UDP ports 319 and 320) and CDP
// (802.2 SNAP, OUI Cisco, PID 0x2000). The printers are in printer_lldp.go,
// printer_slow.go, printer_ptp.go and printer_cdp.go; this file hooks them
// into the dispatch.

// l2ctlRun runs one of the printers over b (the captured bytes of the
// protocol's data) and returns its text; when the printer ran out of
// captured bytes (tcpdump's longjmp) the text ends with " [|proto]" and
// -x/-X/-A dump the whole frame.
func (p *Printer) l2ctlRun(proto string, b []byte, fn func(n *ndPrinter)) string {
	n := &ndPrinter{b: b}
	if n.run(func() { fn(n) }) {
		n.print(" [|" + proto + "]")
		p.cutShort()
	}
	return n.s.String()
}

// l2ctlLine is the text of an LLDP, Slow Protocols or PTP frame on
// Ethernet or in a Linux cooked capture (after VLAN tags), false for
// other frames.
func (p *Printer) l2ctlLine(pkt *pcapfile.Packet, f *decode.Frame) (string, bool) {
	switch pkt.LinkType {
	case pcapfile.LinkTypeEthernet, pcapfile.LinkTypeLinuxSLL, pcapfile.LinkTypeLinuxSLL2:
	default:
		return "", false
	}
	if f.LLCOff != 0 || f.L2Len <= 0 || f.L2Len > len(pkt.Data) {
		return "", false
	}
	b, length := pkt.Data[f.L2Len:], max(pkt.Info.Length-f.L2Len, 0)
	if len(b) > length {
		b = b[:length]
	}
	v := p.opts.Verbose
	switch f.EtherType {
	case 0x88cc:
		return p.l2ctlRun("lldp", b, func(n *ndPrinter) { lldpPrint(n, length, v) }), true
	case 0x8809:
		return p.l2ctlRun("slow", b, func(n *ndPrinter) { slowPrint(n, length, v) }), true
	case 0x88f7:
		return p.l2ctlRun("ptp", b, func(n *ndPrinter) { ptpPrint(n, length) }), true
	}
	return "", false
}

// cdpText is the text of a CDP message behind a SNAP header: b its
// captured bytes, length its length.
func (p *Printer) cdpText(b []byte, length int) string {
	v := p.opts.Verbose
	return p.l2ctlRun("cdp", b, func(n *ndPrinter) { cdpPrint(n, length, v) })
}

// ptpUDP is the text of a UDP datagram's payload tcpdump hands to
// ptp_print, false for other datagrams.
func (p *Printer) ptpUDP(f *decode.Frame) (string, bool) {
	if !ptpUDPPort(f.SrcPort, f.DstPort, f.Payload) {
		return "", false
	}
	return p.l2ctlRun("ptp", f.Payload, func(n *ndPrinter) { ptpPrint(n, f.PayloadLen) }), true
}
