package kstat

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// netstat -s texts (multicast-udp.md 4.3) for the Udp section.
var udpTexts = []struct{ field, text string }{
	{"InDatagrams", "packets received"}, {"NoPorts", "packets to unknown port received"},
	{"InErrors", "packet receive errors"}, {"OutDatagrams", "packets sent"},
	{"RcvbufErrors", "receive buffer errors"}, {"SndbufErrors", "send buffer errors"},
}

// WriteText prints s for people: an SMC section in the style of `smcr stats
// -d` (or a plain statement that the module is absent), UDP/IP counters in
// the style of `netstat -s`, sockets with queued data or drops, interface
// and softnet drops.
func (s *Snapshot) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Kernel counters at %s", s.TakenAt.UTC().Format(time.RFC3339))
	if s.Hostname != "" {
		ew.printf(" on %s", s.Hostname)
	}
	if s.Kernel != "" {
		ew.printf(" (Linux %s)", s.Kernel)
	}
	if s.NetNS != "" {
		ew.printf(", netns %s", s.NetNS)
	}
	if s.Source != "" && s.Source != "live" {
		ew.printf(", read from %s", s.Source)
	}
	ew.printf("\n\n")
	if len(s.SourceErrors) > 0 {
		what := "the other sources are complete"
		if s.Failed() {
			what = "no source could be used"
		}
		ew.printf("Sources not used: %d (%s)\n", len(s.SourceErrors), what)
		for _, e := range s.SourceErrors {
			ew.printf("    %s: %s error: %s\n", e.Source, e.Stage, e.Error)
		}
		ew.printf("\n")
	}
	s.writeSMC(ew)
	s.writeProc(ew)
	for _, e := range s.Errors {
		ew.printf("warning: %s\n", e)
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}

func (s *Snapshot) writeSMC(ew *errWriter) {
	ew.printf("SMC:\n")
	if !s.SMC.Available {
		note := s.SMC.Note
		if note == "" {
			note = "no SMC data in this snapshot"
		}
		ew.printf("    %s\n\n", note)
		return
	}
	in := s.SMC.Info
	if in == nil {
		in = &smcnl.Info{}
	}
	if si := in.SysInfo; si != nil {
		ew.printf("    SMC version %d.%d, hostname %q, SEID %q\n", si.Version, si.Release, si.LocalHost, si.SEID)
	}
	if len(s.SMC.Unsupported) > 0 {
		ew.printf("    not supported by this kernel: %s\n", strings.Join(s.SMC.Unsupported, ", "))
	}
	var hsC, hsS uint64
	if in.Stats != nil {
		hsC, hsS = in.Stats.ClientHSErrors, in.Stats.ServerHSErrors
	}
	var fb smcnl.FallbackStats
	if in.Fallback != nil {
		fb = *in.Fallback
	}
	for _, tt := range []struct {
		name string
		t    *smcnl.TechStats
	}{{"SMC-R", statsTech(in, false)}, {"SMC-D", statsTech(in, true)}} {
		if tt.t == nil {
			continue
		}
		t := tt.t
		cl, sv := t.ClientV1Succ+t.ClientV2Succ, t.ServerV1Succ+t.ServerV2Succ
		ew.printf("%s Connections Summary\n", tt.name)
		ew.printf("  Total connections handled   %12d\n", cl+sv+hsC+hsS+fb.ClientTotal+fb.ServerTotal)
		ew.printf("  SMC connections             %12d (client %d, server %d)\n", cl+sv, cl, sv)
		ew.printf("    v1                        %12d\n", t.ClientV1Succ+t.ServerV1Succ)
		ew.printf("    v2                        %12d\n", t.ClientV2Succ+t.ServerV2Succ)
		ew.printf("  Handshake errors            %12d (client %d, server %d)\n", hsC+hsS, hsC, hsS)
		ew.printf("  TCP fallback                %12d (client %d, server %d)\n", fb.ClientTotal+fb.ServerTotal, fb.ClientTotal, fb.ServerTotal)
		ew.printf("  RX bytes %d, requests %d, buffer full %d\n", t.RxBytes, t.RxCount, t.RxRMB.Full)
		ew.printf("  TX bytes %d, requests %d, buffer full %d (remote %d), too small %d (remote %d)\n",
			t.TxBytes, t.TxCount, t.TxRMB.Full, t.TxRMB.FullPeer, t.TxRMB.SizeSmall, t.TxRMB.SizeSmallPeer)
	}
	for _, side := range []struct {
		name string
		r    []smcnl.ReasonCount
	}{{"Server", fb.Server}, {"Client", fb.Client}} {
		if len(side.r) == 0 {
			continue
		}
		r := append([]smcnl.ReasonCount(nil), side.r...)
		sort.SliceStable(r, func(i, j int) bool { return r[i].Count > r[j].Count })
		ew.printf("  Fallback reasons (%s)\n", side.name)
		for _, x := range r {
			ew.printf("     0x%08x %-12s %12d\n", x.Code, reasonName(x.Code), x.Count)
		}
	}
	ew.printf("  Link groups: %d SMC-R, %d SMC-D; devices: %d SMC-R, %d SMC-D; sockets: %d\n\n",
		len(in.LinkGroupsR), len(in.LinkGroupsD), len(in.DevicesR), len(in.DevicesD), len(s.SMC.Sockets))
}

func statsTech(in *smcnl.Info, d bool) *smcnl.TechStats {
	if in.Stats == nil {
		return nil
	}
	if d {
		return in.Stats.SMCD
	}
	return in.Stats.SMCR
}

// reasonName returns the smc-tools name of a fallback reason code.
func reasonName(code uint32) string {
	names := make([]string, 0, 1)
	for _, n := range reasonNames() {
		if n.code == code {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "[unknown]"
	}
	return names[0]
}

func (s *Snapshot) writeProc(ew *errWriter) {
	p := s.Proc
	if e, bad := s.SourceError("/proc/net/snmp"); bad && (p == nil || p.SNMP["Udp"] == nil) {
		// Say so rather than leave the section out.
		ew.printf("Udp:\n    not in this snapshot: /proc/net/snmp %s error: %s\n", e.Stage, e.Error)
	}
	if p == nil {
		return
	}
	for _, sec := range []string{"Udp", "UdpLite"} {
		m, ok := p.SNMP[sec]
		if !ok {
			continue
		}
		ew.printf("%s:\n", sec)
		done := map[string]bool{}
		for _, t := range udpTexts {
			if v, ok := m[t.field]; ok {
				ew.printf("    %d %s\n", v, t.text)
				done[t.field] = true
			}
		}
		for _, k := range sortedKeys(m) {
			if !done[k] {
				ew.printf("    %s: %d\n", k, m[k])
			}
		}
	}
	if m := p.SNMP6[""]; m != nil {
		ew.printf("Udp6:\n")
		for _, k := range sortedKeys(m) {
			if strings.HasPrefix(k, "Udp6") {
				ew.printf("    %s: %d\n", strings.TrimPrefix(k, "Udp6"), m[k])
			}
		}
	}
	if m, ok := p.SNMP["Ip"]; ok {
		ew.printf("Ip:\n")
		for _, k := range []string{"InReceives", "InHdrErrors", "InAddrErrors", "InDiscards", "InDelivers", "OutRequests", "OutDiscards", "ReasmFails", "ReasmTimeout"} {
			if v, ok := m[k]; ok {
				ew.printf("    %s: %d\n", k, v)
			}
		}
	}
	if m, ok := p.Netstat["IpExt"]; ok {
		ew.printf("IpExt:\n")
		for _, k := range []string{"InMcastPkts", "OutMcastPkts", "InNoRoutes", "InTruncatedPkts", "InCsumErrors"} {
			if v, ok := m[k]; ok {
				ew.printf("    %s: %d\n", k, v)
			}
		}
	}
	if m, ok := p.Netstat["TcpExt"]; ok {
		ew.printf("TcpExt:\n")
		for _, k := range []string{"IPReversePathFilter", "ListenOverflows", "ListenDrops", "TCPBacklogDrop", "TCPRcvQDrop"} {
			if v, ok := m[k]; ok {
				ew.printf("    %s: %d\n", k, v)
			}
		}
	}
	var busy []string
	for _, so := range p.Sockets {
		if so.RxQueue == 0 && so.TxQueue == 0 && (so.Drops == nil || *so.Drops == 0) {
			continue
		}
		line := fmt.Sprintf("    %-4s %s -> %s inode %d rx_queue %d tx_queue %d", so.Proto, so.Local, so.Remote, so.Inode, so.RxQueue, so.TxQueue)
		if so.Drops != nil {
			line += fmt.Sprintf(" drops %d", *so.Drops)
		}
		busy = append(busy, line)
	}
	ew.printf("Sockets with queued data or drops: %d of %d\n", len(busy), len(p.Sockets))
	for _, l := range busy {
		ew.printf("%s\n", l)
	}
	if len(p.Dev) > 0 {
		ew.printf("Interfaces (rx drop = rx_dropped + rx_missed_errors):\n")
		for _, d := range p.Dev {
			ew.printf("    %-12s rx_packets %d rx_errs %d rx_drop %d rx_fifo %d tx_drop %d\n", d.Name, d.RxPackets, d.RxErrs, d.RxDrop, d.RxFifo, d.TxDrop)
		}
	}
	if len(p.Softnet) > 0 {
		var drop, sq uint64
		for _, c := range p.Softnet {
			drop += c.Dropped
			sq += c.TimeSqueeze
		}
		ew.printf("Softnet: dropped %d, time_squeeze %d (sum over %d CPUs)\n", drop, sq, len(p.Softnet))
	}
	if p.RmemMax != nil || p.RmemDef != nil {
		ew.printf("Socket buffers:")
		if p.RmemMax != nil {
			ew.printf(" net.core.rmem_max %d", *p.RmemMax)
		}
		if p.RmemDef != nil {
			ew.printf(" net.core.rmem_default %d", *p.RmemDef)
		}
		ew.printf("\n")
	}
}

func sortedKeys(m map[string]uint64) []string {
	k := make([]string, 0, len(m))
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

// WriteDelta prints d for people: one line per changed counter, then the
// sockets whose drops rose or whose queues changed, then the flagged
// growing queues.
func WriteDelta(w io.Writer, d *Delta, growing []Growing) error {
	ew := &errWriter{w: w}
	ew.printf("--- %s .. %s (%s)\n", d.From.Format("15:04:05.000Z07:00"), d.To.Format("15:04:05.000Z07:00"), d.To.Sub(d.From).Round(time.Millisecond))
	if len(d.Counters) == 0 {
		ew.printf("    no counter changed\n")
	}
	for _, c := range d.Counters {
		note := ""
		if c.Reset {
			note = " (reset)"
		}
		ew.printf("    %-40s %+d%s\n", c.Name, int64(c.Delta), note)
	}
	for _, s := range d.Sockets {
		drops := uint64(0)
		if s.DropsDelta != nil {
			drops = *s.DropsDelta
		}
		if drops == 0 && s.RxBefore == s.Socket.RxQueue && s.TxBefore == s.Socket.TxQueue {
			continue
		}
		ew.printf("    socket %s %s -> %s inode %d: drops %+d, rx_queue %d -> %d, tx_queue %d -> %d\n",
			s.Socket.Proto, s.Socket.Local, s.Socket.Remote, s.Socket.Inode, int64(drops), s.RxBefore, s.Socket.RxQueue, s.TxBefore, s.Socket.TxQueue)
	}
	for _, g := range growing {
		what := "the application is not reading"
		if g.Queue == "tx_queue" {
			what = "the peer is not acknowledging"
		}
		ew.printf("    GROWING %s %s %s -> %s inode %d: %s up in %d consecutive intervals, now %d bytes (%s)\n",
			g.Queue, g.Socket.Proto, g.Socket.Local, g.Socket.Remote, g.Socket.Inode, g.Queue, g.Intervals, g.Now, what)
	}
	return ew.err
}
