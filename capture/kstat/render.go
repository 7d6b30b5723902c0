package kstat

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/smcdump/smcdump/capture/kstat/procnet"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
	"github.com/smcdump/smcdump/internal/textio"
)

// netstat -s texts (docs/multicast-udp.md 4.3) for the Udp section.
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
	ew := textio.New(w)
	if s.TakenAt.IsZero() {
		ew.Printf("Kernel counters (time unknown: saved tool text carries no timestamp)")
	} else {
		ew.Printf("Kernel counters at %s", s.TakenAt.UTC().Format(time.RFC3339))
	}
	if s.Hostname != "" {
		ew.Printf(" on %s", s.Hostname)
	}
	if s.Kernel != "" {
		ew.Printf(" (Linux %s)", s.Kernel)
	}
	if s.NetNS != "" {
		ew.Printf(", netns %s", s.NetNS)
	}
	if s.Source != "" && s.Source != "live" {
		ew.Printf(", read from %s", s.Source)
	}
	ew.Printf("\n\n")
	if len(s.SourceErrors) > 0 {
		what := "the other sources are complete"
		if s.Failed() {
			what = "no source could be used"
		}
		ew.Printf("Sources not used: %d (%s)\n", len(s.SourceErrors), what)
		for _, e := range s.SourceErrors {
			ew.Printf("    %s: %s error: %s\n", e.Source, e.Stage, e.Error)
		}
		ew.Printf("\n")
	}
	s.writeSMC(ew)
	s.writeProc(ew)
	for _, e := range s.Errors {
		ew.Printf("warning: %s\n", e)
	}
	return ew.Err
}

func (s *Snapshot) writeSMC(ew *textio.Writer) {
	ew.Printf("SMC:\n")
	if !s.SMC.Available && len(s.SMC.Sockets) == 0 && (s.Tools == nil || !s.Tools.HasSMC()) {
		note := s.SMC.Note
		if note == "" {
			note = "no SMC data in this snapshot"
		}
		ew.Printf("    %s\n\n", note)
		return
	}
	if !s.SMC.Available && s.SMC.Note != "" {
		ew.Printf("    %s\n", s.SMC.Note)
	}
	if len(s.SMC.Unsupported) > 0 {
		ew.Printf("    not supported by this kernel: %s\n", strings.Join(s.SMC.Unsupported, ", "))
	}
	o := s.defaultTables()
	if ew.Err == nil {
		ew.Err = s.WriteTables(ew.W, o)
	}
	ew.Printf("\n")
}

// defaultTables selects what `smcdump stats` shows without selectors: every
// table the snapshot has data for.
func (s *Snapshot) defaultTables() TableSet {
	o := AllTables()
	in := s.SMC.Info
	if in == nil {
		in = &smcnl.Info{}
	}
	tl := s.Tools
	if tl == nil {
		tl = &toolfmt.Data{}
	}
	o.Info = in.SysInfo != nil || tl.Info != nil
	o.EID = len(in.UEIDs) > 0 || in.SEID != nil || len(tl.UEIDs) > 0 || tl.SEID != nil
	o.PNET = len(s.SMC.PNET) > 0 || len(tl.PNET) > 0
	o.Devices = in.DevicesR != nil || in.DevicesD != nil || len(tl.DevicesR)+len(tl.DevicesD) > 0 || s.fromKernel(KindGenl)
	o.LinkGroups = len(in.LinkGroupsR)+len(in.LinkGroupsD) > 0 || len(tl.LinkGroupsR)+len(tl.LinkGroupsD) > 0 || s.fromKernel(KindGenl)
	o.Links = len(in.LinkGroupsR) > 0 || len(tl.Links) > 0
	o.SMCRStats = s.StatsTable(false, true) != nil
	o.SMCDStats = s.StatsTable(true, true) != nil
	o.Sockets = s.fromKernel(KindSockDiag) || len(s.SMC.Sockets) > 0
	return o
}

func (s *Snapshot) writeProc(ew *textio.Writer) {
	p := s.Proc
	if e, bad := s.SourceError("/proc/net/snmp"); bad && (p == nil || p.SNMP["Udp"] == nil) {
		// Say so rather than leave the section out.
		ew.Printf("Udp:\n    not in this snapshot: /proc/net/snmp %s error: %s\n", e.Stage, e.Error)
	}
	if p == nil {
		return
	}
	for _, sec := range []string{"Udp", "UdpLite"} {
		m, ok := p.SNMP[sec]
		if !ok {
			continue
		}
		ew.Printf("%s:\n", sec)
		done := map[string]bool{}
		for _, t := range udpTexts {
			if v, ok := m[t.field]; ok {
				ew.Printf("    %d %s\n", v, t.text)
				done[t.field] = true
			}
		}
		for _, k := range sortedKeys(m) {
			if !done[k] {
				ew.Printf("    %s: %d\n", k, m[k])
			}
		}
	}
	if m := p.SNMP6[""]; m != nil {
		ew.Printf("Udp6:\n")
		for _, k := range sortedKeys(m) {
			if strings.HasPrefix(k, "Udp6") {
				ew.Printf("    %s: %d\n", strings.TrimPrefix(k, "Udp6"), m[k])
			}
		}
	}
	if m, ok := p.SNMP["Ip"]; ok {
		ew.Printf("Ip:\n")
		for _, k := range []string{"InReceives", "InHdrErrors", "InAddrErrors", "InDiscards", "InDelivers", "OutRequests", "OutDiscards", "ReasmFails", "ReasmTimeout"} {
			if v, ok := m[k]; ok {
				ew.Printf("    %s: %d\n", k, v)
			}
		}
	}
	if m, ok := p.Netstat["IpExt"]; ok {
		ew.Printf("IpExt:\n")
		for _, k := range []string{"InMcastPkts", "OutMcastPkts", "InNoRoutes", "InTruncatedPkts", "InCsumErrors"} {
			if v, ok := m[k]; ok {
				ew.Printf("    %s: %d\n", k, v)
			}
		}
	}
	if m, ok := p.Netstat["TcpExt"]; ok {
		ew.Printf("TcpExt:\n")
		for _, k := range []string{"IPReversePathFilter", "ListenOverflows", "ListenDrops", "TCPBacklogDrop", "TCPRcvQDrop"} {
			if v, ok := m[k]; ok {
				ew.Printf("    %s: %d\n", k, v)
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
	ew.Printf("Sockets with queued data or drops: %d of %d%s\n", len(busy), len(p.Sockets), omittedNote(p))
	for _, l := range busy {
		ew.Printf("%s\n", l)
	}
	if len(p.Dev) > 0 {
		ew.Printf("Interfaces (rx drop = rx_dropped + rx_missed_errors):\n")
		for _, d := range p.Dev {
			ew.Printf("    %-12s rx_packets %d rx_errs %d rx_drop %d rx_fifo %d tx_drop %d\n", d.Name, d.RxPackets, d.RxErrs, d.RxDrop, d.RxFifo, d.TxDrop)
		}
	}
	if len(p.Softnet) > 0 {
		var drop, sq uint64
		for _, c := range p.Softnet {
			drop += c.Dropped
			sq += c.TimeSqueeze
		}
		ew.Printf("Softnet: dropped %d, time_squeeze %d (sum over %d CPUs)\n", drop, sq, len(p.Softnet))
	}
	if p.RmemMax != nil || p.RmemDef != nil {
		ew.Printf("Socket buffers:")
		if p.RmemMax != nil {
			ew.Printf(" net.core.rmem_max %d", *p.RmemMax)
		}
		if p.RmemDef != nil {
			ew.Printf(" net.core.rmem_default %d", *p.RmemDef)
		}
		ew.Printf("\n")
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
	ew := textio.New(w)
	if d.From.IsZero() || d.To.IsZero() {
		ew.Printf("--- %s .. %s\n", deltaTime(d.From), deltaTime(d.To))
	} else {
		ew.Printf("--- %s .. %s (%s)\n", deltaTime(d.From), deltaTime(d.To), d.To.Sub(d.From).Round(time.Millisecond))
	}
	if len(d.Counters) == 0 {
		ew.Printf("    no counter changed\n")
	}
	smcTables := statsActive(d.SMCRStats) || statsActive(d.SMCDStats)
	for _, c := range d.Counters {
		if smcTables && strings.HasPrefix(c.Name, "smc.") {
			continue // shown in the smcr stats table below
		}
		note := ""
		if c.Reset {
			note = " (reset)"
		}
		ew.Printf("    %-40s %+d%s\n", c.Name, int64(c.Delta), note)
	}
	for _, s := range d.Sockets {
		drops := uint64(0)
		if s.DropsDelta != nil {
			drops = *s.DropsDelta
		}
		if s.Unknown || drops == 0 && s.RxBefore == s.Socket.RxQueue && s.TxBefore == s.Socket.TxQueue {
			continue
		}
		ew.Printf("    socket %s %s -> %s inode %d: drops %+d, rx_queue %d -> %d, tx_queue %d -> %d\n",
			s.Socket.Proto, s.Socket.Local, s.Socket.Remote, s.Socket.Inode, int64(drops), s.RxBefore, s.Socket.RxQueue, s.TxBefore, s.Socket.TxQueue)
	}
	if ew.Err == nil {
		ew.Err = WriteWatchSMC(ew.W, d)
	}
	for _, g := range growing {
		what := "the application is not reading"
		if g.Queue == "tx_queue" {
			what = "the peer is not acknowledging"
		}
		ew.Printf("    GROWING %s %s %s -> %s inode %d: %s up in %d consecutive intervals, now %d bytes (%s)\n",
			g.Queue, g.Socket.Proto, g.Socket.Local, g.Socket.Remote, g.Socket.Inode, g.Queue, g.Intervals, g.Now, what)
	}
	return ew.Err
}

func deltaTime(t time.Time) string {
	if t.IsZero() {
		return "time unknown"
	}
	return t.UTC().Format("15:04:05.000Z07:00")
}

// omittedNote says how many socket lines a bounded snapshot left out
// (procnet.KeepSockets): "" when every table is whole.
func omittedNote(p *procnet.Tree) string {
	n := 0
	for _, v := range p.Omitted {
		n += v
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for _, k := range []string{"udp", "udp6", "tcp", "tcp6"} {
		if v := p.Omitted[k]; v > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", v, k))
		}
	}
	return fmt.Sprintf(" kept (%d more left out: %s; the snapshot's socket tables were kept to a bound, sockets with queued data or drops first)",
		n, strings.Join(parts, ", "))
}
