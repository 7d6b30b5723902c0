package correlate

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
)

// Code is an SMC fallback or decline reason code (docs/smc-protocol.md 7.2).
type Code = uint32

// SideCounts counts per side of the connection.
type SideCounts struct {
	Client int
	Server int
}

// SMCObserved is what the capture showed about SMC handshakes in Window.
type SMCObserved struct {
	// FallbacksByCode counts connections that fell back to TCP, keyed by the
	// reason the falling-back side records locally (what its kernel counts):
	// PEERNOSMC for a client whose peer did not offer SMC, the decliner's
	// own code for the side that sent a Decline, PEERDECL (0x05000000) for
	// the side that received it.
	FallbacksByCode map[Code]SideCounts
	// Declines counts Decline messages on the wire by code and sending side.
	Declines map[Code]SideCounts
	// HandshakeErrors counts handshakes that failed without a fallback
	// (protocol error, reset or timeout during CLC).
	HandshakeErrors int
	// Window spans the SMC handshakes of the capture (or, when unknown,
	// the first and last packet): the snapshots must bracket it.
	Window [2]time.Time
}

// UDPStream is one UDP (multicast) stream of the capture.
type UDPStream struct {
	Src, Dst netip.AddrPort
	// Gap is the number of messages missing in the capture (sequence gaps).
	Gap uint64
	// AppMissing is the number of messages the application reported
	// missing, when known (mdump statistics, application log).
	AppMissing *uint64
	// Packets is the number of datagrams of the stream in the capture
	// (0: unknown). The kernel's discard counters are compared with it.
	Packets uint64
	// GapNetwork and GapCapture split Gap by what the capture's own drop
	// counters say about each gap's time window (the multicast section's
	// gap verdicts "network" and "capture"): GapNetwork missing units were
	// lost while the capture dropped nothing, GapCapture while it dropped
	// at least as many. Both 0 when not known.
	GapNetwork, GapCapture uint64
	// Unanalyzed is set when the stream's sequence numbers could not be
	// read (datagrams cut by the snaplen, or no sequence format): Gap is
	// then unknown, not 0, and the stream can support no "no-loss".
	Unanalyzed bool
	// UnanalyzedWhy says why, for the text and its advice: "snaplen"
	// (datagrams cut by the snaplen: capture again with -s 0), "no
	// sequence format", "format still being detected" (a live stream's
	// first datagrams); "" reads as "snaplen".
	UnanalyzedWhy string
	// ICMPErrors counts the ICMP errors the capture holds saying the
	// stream's datagrams were discarded after the capture point (port
	// unreachable, no route, ...; not traceroute's expected time
	// exceeded): a "no-loss" then speaks for the capture and this host
	// only.
	ICMPErrors uint64
	// GapLeave counts the missing units of Gap in gaps that started right
	// after a host left the group or stopped the stream's source (an IGMP
	// or MLD leave or source record in the capture): not forwarded because
	// nobody asked for them.
	GapLeave uint64
}

// UDPObserved is what the capture showed about UDP streams.
type UDPObserved struct {
	Streams []UDPStream
	// CaptureDrops is the capture's own drop count (pcapng ISB
	// isb_osdrop/ifdrop, tcpdump "dropped by kernel").
	CaptureDrops uint64
	// Window spans the streams' datagrams: the snapshots must bracket it.
	Window [2]time.Time
}

// Confidence says how well the numbers line up.
type Confidence string

// Confidence levels.
const (
	High   Confidence = "high"   // the counters match the loss exactly
	Medium Confidence = "medium" // the counters explain the loss but do not match exactly
	Low    Confidence = "low"    // a plausible explanation; the numbers do not line up
)

// Number is one figure that supports a verdict.
type Number struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// Verdict kinds.
const (
	KindNoLoss          = "no-loss"
	KindNotAnalyzed     = "loss-not-judged" // no stream's sequence numbers were captured
	KindWindow          = "snapshots-do-not-bracket-capture"
	KindSocketOverflow  = "socket-buffer-overflow"
	KindUDPMem          = "udp-mem-exhausted"
	KindReassembly      = "reassembly-failure"
	KindNotDelivered    = "rp-filter-or-not-joined" // app-reported loss, cause not separable
	KindNoSocket        = "discarded-no-socket"
	KindRPFilter        = "discarded-rp-filter"
	KindInErrors        = "discarded-in-errors"
	KindNotJoined       = "discarded-not-joined"
	KindNICRing         = "nic-ring-overflow"
	KindBacklog         = "cpu-backlog-overflow"
	KindSqueeze         = "softirq-squeeze"
	KindCaptureArtefact = "capture-artefact"
	KindBeforeHost      = "loss-before-receiver"
	KindLeftGroup       = "gap-after-leave"
	KindSenderDrop      = "sender-transmit-drop"
	KindUnexplained     = "unexplained-application-loss"
	KindSMCUnavailable  = "smc-counters-unavailable"
	KindSMCFallback     = "smc-fallback"
	KindSMCHandshake    = "smc-handshake-errors"
)

// Verdict is one conclusion with its supporting numbers, sorted by name.
type Verdict struct {
	Kind       string     `json:"kind"`
	Subject    string     `json:"subject,omitempty"` // stream "src -> dst", or "client"/"server"
	Text       string     `json:"text"`
	Numbers    []Number   `json:"numbers"`
	Confidence Confidence `json:"confidence"`
}

func numbers(m map[string]int64) []Number {
	out := make([]Number, 0, len(m))
	for k, v := range m {
		out = append(out, Number{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// counters sums deltas over names; a name ending in ".*" sums all counters
// with that prefix and "*suffix" all with that suffix.
type counters struct{ d *kstat.Delta }

func (c counters) get(names ...string) uint64 {
	var s uint64
	for _, n := range names {
		v, _ := c.d.Get(n)
		s += v
	}
	return s
}

func (c counters) match(fn func(string) bool) uint64 {
	var s uint64
	for _, x := range c.d.Counters {
		if fn(x.Name) {
			s += x.Delta
		}
	}
	return s
}

// bracketCheck says when the snapshots do not bracket w, the span of what
// is correlated (what: "SMC handshakes", "UDP datagrams").
func bracketCheck(before, after *kstat.Snapshot, w [2]time.Time, what string) []Verdict {
	if w[0].IsZero() || w[1].IsZero() {
		return nil
	}
	if !before.TakenAt.After(w[0]) && !after.TakenAt.Before(w[1]) {
		return nil
	}
	return []Verdict{{
		Kind: KindWindow,
		Text: fmt.Sprintf("the snapshots (%s .. %s) do not bracket the %s of the capture (%s .. %s): counts outside the window are missing or extra",
			before.TakenAt.UTC().Format(time.RFC3339Nano), after.TakenAt.UTC().Format(time.RFC3339Nano), what, w[0].UTC().Format(time.RFC3339Nano), w[1].UTC().Format(time.RFC3339Nano)),
		Numbers:    []Number{},
		Confidence: Low,
	}}
}

// match reports how well got explains want.
func match(got, want uint64) Confidence {
	switch {
	case got == want:
		return High
	case got > want:
		return Medium
	default:
		return Low
	}
}

// socketsKnown reports whether s lists the UDP sockets of its namespace
// (read from /proc/net/udp or udp6, possibly empty), so that "no socket on
// the port" is a fact and not a missing source.
//
// A table kept to a bound (procnet.KeepSockets: a host with more sockets
// than a snapshot keeps) lists the sockets with queued data or drops, but
// a socket missing from it may exist: then nothing is known.
func socketsKnown(s *kstat.Snapshot) bool {
	if s == nil || s.Proc == nil || !udpWhole(s) {
		return false
	}
	for _, so := range s.Proc.Sockets {
		if strings.HasPrefix(so.Proto, "udp") {
			return true
		}
	}
	for _, r := range s.Raw {
		if r.Kind == kstat.KindProc && (r.Name == "net/udp" || r.Name == "net/udp6") {
			return true
		}
	}
	return false
}

// withWholeUDP returns s as if its UDP socket tables were whole (a copy
// whose tree forgets what was left out), for socketsKnown's other checks.
func withWholeUDP(s *kstat.Snapshot) *kstat.Snapshot {
	if s == nil || s.Proc == nil {
		return s
	}
	c, t := *s, *s.Proc
	t.Omitted, t.OmittedBusy = nil, nil
	c.Proc = &t
	return &c
}

// udpWhole reports whether s's UDP socket tables, if any, were kept whole.
func udpWhole(s *kstat.Snapshot) bool {
	return s == nil || s.Proc.Whole("udp") && s.Proc.Whole("udp6")
}

// onPort reports whether socket so can receive datagrams to dst: same port,
// UDP, and the destination (or a wildcard) as local address; for a
// multicast destination any local address (a socket bound to another group
// on the port still sees the group when it joined it).
func onPort(proto string, local netip.AddrPort, dst netip.AddrPort) bool {
	if !strings.HasPrefix(proto, "udp") || local.Port() != dst.Port() {
		return false
	}
	la := local.Addr()
	return la.IsUnspecified() || la == dst.Addr() || dst.Addr().IsMulticast()
}

// isMultiDst reports whether datagrams to a are counted by IgnoredMulti
// rather than NoPorts when no socket takes them (udp.c: multicast and
// broadcast route flags; a subnet broadcast address cannot be told from
// here and counts as unicast).
func isMultiDst(a netip.Addr) bool {
	return a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func sat(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// streamInfo is what UDP works out per stream before the verdicts.
type streamInfo struct {
	st        UDPStream
	subj, dst string
	sockets   int    // sockets on the port in the after snapshot
	ever      bool   // a socket on the port in either snapshot
	sockDrops uint64 // per-socket drops over the window
	discarded bool   // a discarded-* verdict names this stream
}

// UDP returns one verdict per stream with loss (or one "no-loss" verdict),
// following docs/multicast-udp.md section 5, from the counter deltas between
// before and after (receiver snapshots) and the capture's findings.
//
// Besides loss in the capture and in socket queues, it names datagrams that
// reached the host (they are in the capture) but that the kernel discarded
// before any socket (verdicts discarded-*): no socket on the port
// (IgnoredMulti for multicast/broadcast, NoPorts for unicast), the
// reverse-path filter (IPReversePathFilter), other receive errors
// (InErrors not explained by RcvbufErrors/MemErrors, mostly InCsumErrors),
// and multicast to a group the receiving interface has not joined (IP
// InReceives without InDelivers and without IpExt InMcastPkts).
//
// The result obeys the rules of [Contradictions].
func UDP(before, after *kstat.Snapshot, obs UDPObserved) []Verdict {
	out := bracketCheck(before, after, obs.Window, "UDP datagrams")
	d := kstat.Diff(before, after)
	c := counters{d}
	rcvbuf := c.get("snmp.Udp.RcvbufErrors", "snmp6.Udp6RcvbufErrors")
	memErr := c.get("snmp.Udp.MemErrors", "snmp6.Udp6MemErrors")
	inErr := c.get("snmp.Udp.InErrors", "snmp6.Udp6InErrors")
	csum := c.get("snmp.Udp.InCsumErrors", "snmp6.Udp6InCsumErrors")
	reasm := c.get("snmp.Ip.ReasmFails", "snmp.Ip.ReasmTimeout", "snmp6.Ip6ReasmFails", "snmp6.Ip6ReasmTimeout")
	rpf := c.get("netstat.TcpExt.IPReversePathFilter")
	ignored := c.get("snmp.Udp.IgnoredMulti", "snmp6.Udp6IgnoredMulti")
	noPorts := c.get("snmp.Udp.NoPorts", "snmp6.Udp6NoPorts")
	sndbuf := c.get("snmp.Udp.SndbufErrors", "snmp6.Udp6SndbufErrors")
	// InErrors also counts every RcvbufErrors and MemErrors (udp.c
	// __udp_queue_rcv_skb); the rest is checksum errors (InCsumErrors),
	// socket filters and policy drops.
	inOther := sat(inErr, rcvbuf+memErr)
	ipIn := c.get("snmp.Ip.InReceives")
	ipInAll := ipIn + c.get("snmp6.Ip6InReceives")
	ipDeliv := c.get("snmp.Ip.InDelivers")
	mcIn := c.get("netstat.IpExt.InMcastPkts")
	af := after.Flat()
	_, haveMcIn := af["netstat.IpExt.InMcastPkts"]
	_, haveIPIn := af["snmp.Ip.InReceives"]
	devDrop := c.match(func(n string) bool { return strings.HasPrefix(n, "dev.") && strings.HasSuffix(n, ".rx_drop") })
	devFifo := c.match(func(n string) bool { return strings.HasPrefix(n, "dev.") && strings.HasSuffix(n, ".rx_fifo") })
	nicDrv := c.match(func(n string) bool {
		if !strings.HasPrefix(n, "ethtool.") {
			return false
		}
		for _, k := range []string{"drop", "missed", "out_of_buffer", "discard", "no_buffer", "no_dma", "fifo"} {
			if strings.Contains(n, k) {
				return true
			}
		}
		return false
	})
	backlog := c.get("softnet.dropped", "softnet.flow_limit")
	squeeze := c.get("softnet.time_squeeze")
	var rmemMax string
	if after.Proc != nil && after.Proc.RmemMax != nil {
		rmemMax = fmt.Sprintf(" (now %d)", *after.Proc.RmemMax)
	}
	host := map[string]int64{
		"RcvbufErrors": int64(rcvbuf), "MemErrors": int64(memErr), "InErrors": int64(inErr), "ReasmFails+ReasmTimeout": int64(reasm),
		"IPReversePathFilter": int64(rpf), "IgnoredMulti": int64(ignored), "NoPorts": int64(noPorts), "InCsumErrors": int64(csum),
		"dev rx_drop": int64(devDrop), "dev rx_fifo": int64(devFifo), "NIC driver drops": int64(nicDrv),
		"softnet dropped+flow_limit": int64(backlog), "softnet time_squeeze": int64(squeeze), "capture drops": int64(obs.CaptureDrops),
		"SndbufErrors": int64(sndbuf),
	}
	known := socketsKnown(after) && udpWhole(before)
	// Tables kept to a bound list the busy sockets first: a socket on the
	// port may still be among the idle ones left out, so "no socket" is
	// then only a low-confidence reading of the counters.
	bounded := !known && socketsKnown(withWholeUDP(after))
	var beforeSockets []kstat.SocketDelta
	if before.Proc != nil {
		for _, s := range before.Proc.Sockets {
			beforeSockets = append(beforeSockets, kstat.SocketDelta{Socket: s})
		}
	}
	infos := make([]*streamInfo, 0, len(obs.Streams))
	for _, st := range obs.Streams {
		in := &streamInfo{st: st, subj: st.Src.String() + " -> " + st.Dst.String(), dst: st.Dst.String()}
		// Per-socket drops of the receiving sockets.
		for _, s := range d.Sockets {
			if !onPort(s.Socket.Proto, s.Socket.Local, st.Dst) {
				continue
			}
			in.sockets++
			switch {
			case s.DropsDelta != nil:
				in.sockDrops += *s.DropsDelta
			case s.New && s.Socket.Drops != nil:
				// opened after the first snapshot: every drop it counts
				// happened in the window
				in.sockDrops += *s.Socket.Drops
			}
		}
		in.ever = in.sockets > 0
		for _, s := range beforeSockets {
			if onPort(s.Socket.Proto, s.Socket.Local, st.Dst) {
				in.ever = true
			}
		}
		infos = append(infos, in)
	}

	// Datagrams discarded before any socket queue. Each cause's counter is
	// namespace-wide: it is attributed to the streams it can apply to, and
	// the confidence says how well it matches their captured datagrams.
	var discards []Verdict
	var extra map[string]int64 // more numbers for the next attribute call
	attribute := func(kind, counter string, value uint64, cands []*streamInfo, text func(in *streamInfo, total uint64) string) {
		if value == 0 || len(cands) == 0 {
			return
		}
		var total uint64
		for _, in := range cands {
			total += in.st.Packets
		}
		if haveIPIn && ipInAll < total {
			// The captured datagrams did not all reach this namespace's IP
			// layer: the capture shows them leaving (taken on the sender)
			// or passing by (a SPAN), so this host's discards are not
			// theirs.
			return
		}
		for _, in := range cands {
			in.discarded = true
			conf := match(value, total)
			if len(cands) > 1 && value != total {
				conf = Low // cannot tell which of the streams
			}
			nums := map[string]int64{"datagrams captured": int64(in.st.Packets), counter: int64(value),
				"sockets on port": int64(in.sockets), "capture gap": int64(in.st.Gap)}
			for key, v := range host {
				if v != 0 {
					nums[key] = v
				}
			}
			for key, v := range extra {
				nums[key] = v
			}
			if len(cands) > 1 {
				nums["streams sharing the counter"] = int64(len(cands))
				nums["datagrams captured (those streams)"] = int64(total)
			}
			discards = append(discards, Verdict{Kind: kind, Subject: in.subj, Confidence: conf, Numbers: numbers(nums), Text: text(in, total)})
		}
	}
	share := func(value, total uint64) string {
		switch {
		case value == total:
			return "every captured datagram"
		case value > total:
			return fmt.Sprintf("%d more than captured: other traffic in the namespace too", value-total)
		default:
			return fmt.Sprintf("%d of %d captured: part of the window, or other streams", value, total)
		}
	}
	remaining := func(pred func(in *streamInfo) bool) []*streamInfo {
		var r []*streamInfo
		for _, in := range infos {
			if !in.discarded && in.st.Packets > 0 && pred(in) {
				r = append(r, in)
			}
		}
		return r
	}
	// 1. No socket on the port in either snapshot (udp.c: IgnoredMulti for
	//    multicast/broadcast, NoPorts for unicast).
	if known || bounded {
		first := len(discards)
		noSock := func(value uint64, cands []*streamInfo) []*streamInfo {
			if !bounded {
				return cands
			}
			// From bounded tables only a counter that covers every
			// captured datagram speaks: the receiver may be an idle
			// socket left out, and other traffic moves the counter too.
			var total uint64
			for _, in := range cands {
				total += in.st.Packets
			}
			if value < total {
				return nil
			}
			return cands
		}
		attribute(KindNoSocket, "IgnoredMulti", ignored, noSock(ignored, remaining(func(in *streamInfo) bool { return !in.ever && isMultiDst(in.st.Dst.Addr()) })),
			func(in *streamInfo, total uint64) string {
				return fmt.Sprintf("discarded by the kernel, no socket: %d datagrams of %s captured, no socket bound to port %d, IgnoredMulti +%d (%s) → start the receiver, or bind it to port %d and join %s on the receiving interface",
					in.st.Packets, in.dst, in.st.Dst.Port(), ignored, share(ignored, total), in.st.Dst.Port(), in.st.Dst.Addr())
			})
		attribute(KindNoSocket, "NoPorts", noPorts, noSock(noPorts, remaining(func(in *streamInfo) bool { return !in.ever && !isMultiDst(in.st.Dst.Addr()) })),
			func(in *streamInfo, total uint64) string {
				return fmt.Sprintf("discarded by the kernel, no socket: %d datagrams to %s captured, no socket bound to port %d, NoPorts +%d (%s; the host answers ICMP port unreachable) → start the receiver or fix the destination port",
					in.st.Packets, in.dst, in.st.Dst.Port(), noPorts, share(noPorts, total))
			})
		if bounded {
			for i := first; i < len(discards); i++ {
				discards[i].Confidence = Low
				discards[i].Text += " (no socket on the port among those the snapshots kept: their UDP socket tables were kept to a bound, idle sockets left out)"
			}
		}
	}
	// 2. Reverse-path filter, before the UDP demux: fib_frontend.c
	//    __fib_validate_source fails with -EXDEV (SKB_DROP_REASON_IP_RPFILTER
	//    since 6.13) and ip_input.c ip_rcv_finish_core counts
	//    LINUX_MIB_IPRPFILTER ("IPReversePathFilter" in TcpExt), for
	//    multicast too (route.c ip_mc_validate_source; verified on 6.18 by
	//    the loss lab).
	attribute(KindRPFilter, "IPReversePathFilter", rpf, remaining(func(in *streamInfo) bool { return true }),
		func(in *streamInfo, total uint64) string {
			return fmt.Sprintf("discarded by the kernel, reverse-path filter: %d datagrams from %s captured, IPReversePathFilter +%d (%s): the source is not routed back through the receiving interface → set net.ipv4.conf.<if>.rp_filter and net.ipv4.conf.all.rp_filter to 2 (loose) or 0 (the higher of the two applies), or add a route to %s via that interface",
				in.st.Packets, in.st.Src.Addr(), rpf, share(rpf, total), in.st.Src.Addr())
		})
	// 3. Receive errors that are neither a full socket buffer nor udp_mem:
	//    bad checksums (InCsumErrors), socket filters, policy.
	attribute(KindInErrors, "InErrors not RcvbufErrors/MemErrors", inOther, remaining(func(in *streamInfo) bool { return in.ever || !known || !isMultiDst(in.st.Dst.Addr()) }),
		func(in *streamInfo, total uint64) string {
			why := "a socket filter (SO_ATTACH_FILTER) or a policy dropped them"
			if csum > 0 {
				why = fmt.Sprintf("InCsumErrors +%d: bad UDP checksums (corrupted on the way, or the sender or a middlebox writes wrong checksums; check NIC checksum offload and rx_crc_errors)", csum)
				if csum < inOther {
					why += fmt.Sprintf("; %d more by a socket filter or policy", inOther-csum)
				}
			}
			return fmt.Sprintf("discarded by the kernel, receive errors: %d datagrams of %s captured, InErrors +%d of which RcvbufErrors +%d and MemErrors +%d, so %d other errors (%s); %s → find the corruption (sender, NIC offload, cabling) or the filter",
				in.st.Packets, in.dst, inErr, rcvbuf, memErr, inOther, share(inOther, total), why)
		})
	// 4. Multicast to a group the receiving interface has not joined
	//    (route.c ip_route_input: ip_check_mc_rcu fails, the datagram is
	//    dropped with no counter but InReceives): a socket waits on the
	//    port, the datagrams arrived (InReceives) but IP neither delivered
	//    them (InDelivers) nor accepted them as multicast (InMcastPkts).
	if haveMcIn && haveIPIn {
		cands := remaining(func(in *streamInfo) bool {
			return in.ever && in.sockDrops == 0 && in.st.Dst.Addr().Is4() && in.st.Dst.Addr().IsMulticast()
		})
		var total uint64
		for _, in := range cands {
			total += in.st.Packets
		}
		undelivered := sat(ipIn, ipDeliv)
		if missing := sat(total, mcIn); missing > 0 && undelivered >= missing {
			extra = map[string]int64{"IpExt InMcastPkts": int64(mcIn)}
			attribute(KindNotJoined, "IP InReceives-InDelivers", undelivered, cands, func(in *streamInfo, total uint64) string {
				return fmt.Sprintf("discarded by the kernel, group not joined on the receiving interface: %d datagrams of %s captured, IP took in %d more than it delivered and accepted only %d multicast packets (IpExt InMcastPkts), though a socket is bound to port %d → join %s (IP_ADD_MEMBERSHIP) on the interface the stream arrives on, not another one",
					in.st.Packets, in.dst, undelivered, mcIn, in.st.Dst.Port(), in.st.Dst.Addr())
			})
		}
	}

	anyLoss := len(discards) > 0
	// Streams with no loss in the capture and no receiving socket in the
	// after snapshot: candidates for RcvbufErrors no socket accounts for.
	var closedQuiet []*streamInfo
	// rcvbufNamed: a verdict names a socket overflow (RcvbufErrors is
	// accounted for); closedLossy: streams with a capture gap and no
	// receiving socket in the after snapshot (a second loss point may be
	// theirs)
	rcvbufNamed := false
	var closedLossy []*streamInfo
	noSocket := 0
	for _, in := range infos {
		st, dst, k, sockDrops := in.st, in.dst, in.sockets, in.sockDrops
		if k == 0 {
			noSocket++
		}
		n := st.Gap
		appKnown := st.AppMissing != nil
		if appKnown {
			n = *st.AppMissing
		}
		g := st.Gap
		nums := map[string]int64{"capture gap": int64(g), "socket drops": int64(sockDrops), "sockets on port": int64(k)}
		if appKnown {
			nums["missing at application"] = int64(n)
		}
		for key, v := range host {
			if v != 0 {
				nums[key] = v
			}
		}
		if g == 0 && n == 0 && sockDrops == 0 {
			if k == 0 && !in.discarded && udpWhole(after) {
				// (a socket missing from a bounded table may be open)
				closedQuiet = append(closedQuiet, in)
			}
			continue
		}
		if g > 0 && k == 0 && udpWhole(after) {
			closedLossy = append(closedLossy, in)
		}
		anyLoss = true
		if g == 0 && n == 0 {
			// The application did not say; the socket did.
			n = sockDrops
		}
		if st.GapLeave > 0 {
			nums["missing after a leave"] = int64(st.GapLeave)
		}
		v := Verdict{Subject: in.subj, Numbers: numbers(nums)}
		switch {
		case g > 0 && obs.CaptureDrops >= g && st.GapNetwork < g:
			// (not when every gap fell in a window where the capture
			// dropped nothing: its drops were elsewhere)
			v.Kind, v.Confidence = KindCaptureArtefact, match(obs.CaptureDrops, g)
			v.Text = fmt.Sprintf("capture artefact: the capture itself dropped %d packets, at least the %d missing in %s; the wire may be fine → bigger capture buffer (-B), smaller snaplen, a filter, faster storage",
				obs.CaptureDrops, g, dst)
		case g == 0 && in.discarded && rcvbuf == 0 && memErr == 0:
			// the discarded-* verdict names the cause; a socket's own drop
			// count also counts checksum and filter drops (udp.c
			// udp_queue_rcv_one_skb), which is not an overflow
			continue
		case g == 0 && (sockDrops > 0 || rcvbuf > 0):
			v.Kind = KindSocketOverflow
			dropped := sockDrops
			if dropped == 0 {
				dropped = rcvbuf
			}
			v.Confidence = match(dropped, n)
			if rcvbuf < n {
				v.Confidence = Low
			}
			extra := ""
			if k > 1 && rcvbuf >= uint64(k)*n && n > 0 {
				extra = fmt.Sprintf(" (%d sockets on the port, each counted)", k)
				if rcvbuf == uint64(k)*n {
					v.Confidence = High
				}
			} else if rcvbuf > n && n > 0 {
				extra = fmt.Sprintf(" (RcvbufErrors counts %d more: other sockets or traffic on the host)", rcvbuf-n)
			} else if rcvbuf < n {
				extra = fmt.Sprintf(" (%d missing are not explained by RcvbufErrors: a second loss point)", n-rcvbuf)
			}
			v.Text = fmt.Sprintf("socket receive buffer overflow: %d datagrams dropped by the socket for %s, RcvbufErrors +%d%s, capture complete → raise SO_RCVBUF and net.core.rmem_max%s or read faster",
				dropped, dst, rcvbuf, extra, rmemMax)
		case g == 0 && memErr > 0:
			v.Kind, v.Confidence = KindUDPMem, match(memErr, n)
			v.Text = fmt.Sprintf("global UDP memory (net.ipv4.udp_mem) exhausted: MemErrors +%d for %d missing in %s, capture complete → raise udp_mem; find the socket hoarding memory (ss -m, r)", memErr, n, dst)
		case g == 0 && reasm > 0:
			v.Kind, v.Confidence = KindReassembly, match(reasm, n)
			v.Text = fmt.Sprintf("IP reassembly failed: ReasmFails+ReasmTimeout +%d for %d missing in %s (fragmented datagrams) → send datagrams below the MTU or raise ipfrag_high_thresh", reasm, n, dst)
		case g == 0 && in.discarded:
			// the discarded-* verdict names the cause
			continue
		case g == 0 && (rpf > 0 || ignored > 0 || noPorts > 0):
			v.Kind, v.Confidence = KindNotDelivered, Medium
			v.Text = fmt.Sprintf("captured but not delivered to a socket for %s: IPReversePathFilter +%d, IgnoredMulti +%d, NoPorts +%d → rp_filter 2 or 0 on that interface, or fix the bind / IP_ADD_MEMBERSHIP interface", dst, rpf, ignored, noPorts)
		case g == 0:
			v.Kind, v.Confidence = KindUnexplained, Low
			v.Text = fmt.Sprintf("%d missing at the application for %s but the capture is complete and no receive counter moved: the application lost them itself, or the snapshots come from another host or namespace", n, dst)
		case g > 0 && st.GapLeave >= g:
			v.Kind, v.Confidence = KindLeftGroup, High
			if st.GapCapture > 0 {
				v.Confidence = Medium // the capture dropped packets in some of these gaps
			}
			v.Text = fmt.Sprintf("not forwarded after a leave: the %d missing in the capture of %s fell right after a host on the capture's link left the group (or stopped asking for the stream's source), with no report of it since (IGMP/MLD in the capture: each gap's membership line names the message); the switch or router stopped forwarding, as it should → keep the group and source joined while the feed matters (an application that closes or re-creates its socket, or drops the membership, leaves and rejoins); not lost on the way",
				g, dst)
		case devDrop+devFifo+nicDrv > 0 && devDrop+devFifo+nicDrv >= backlog:
			nic := devDrop + devFifo + nicDrv
			v.Kind, v.Confidence = KindNICRing, match(nic, g)
			v.Text = fmt.Sprintf("NIC ring overflow: %d missing in the capture of %s, interface drop/fifo/driver counters +%d → ethtool -G rx <max>, IRQ/RSS affinity, fewer subscribers per host", g, dst, nic)
		case backlog > 0:
			v.Kind, v.Confidence = KindBacklog, match(backlog, g)
			v.Text = fmt.Sprintf("CPU backlog overflow: %d missing in the capture of %s, softnet dropped/flow_limit +%d → raise net.core.netdev_max_backlog, spread RPS", g, dst, backlog)
		case sndbuf > 0:
			v.Kind, v.Confidence = KindSenderDrop, match(sndbuf, g)
			v.Text = fmt.Sprintf("silent drop on the sender's transmit path: SndbufErrors +%d for %d missing in %s (sendto returned OK) → pace bursts, txqueuelen, IP_RECVERR", sndbuf, g, dst)
		default:
			v.Kind = KindBeforeHost
			v.Confidence = Medium
			if obs.CaptureDrops == 0 {
				v.Confidence = High
			}
			below := "all receive counters and capture drops unchanged"
			if rcvbuf > 0 || sockDrops > 0 || memErr > 0 {
				// they count what the socket lost of what the capture
				// holds: a second loss point, below
				below = "the capture's drops and the host's NIC, backlog and sender counters unchanged (the receive counters that moved count datagrams the capture holds)"
			}
			v.Text = fmt.Sprintf("loss before the receiver host: %d missing in the capture of %s, %s → check switch ifOutDiscards/CRC, capture on the sender or a SPAN, check the sender's SndbufErrors", g, dst, below)
		}
		if st.GapLeave > 0 && st.GapLeave < g {
			v.Text += fmt.Sprintf(" (%d of the missing fell right after a host left the group or stopped the stream's source: not forwarded, not lost)", st.GapLeave)
		}
		if v.Kind == KindSocketOverflow {
			rcvbufNamed = true
		}
		out = append(out, v)
		if g > 0 && sockDrops > 0 {
			// Two loss points: the capture lacks g, and the socket
			// dropped datagrams the capture holds.
			rcvbufNamed = true
			conf := match(sockDrops, rcvbuf)
			if rcvbuf < sockDrops {
				conf = Low
			}
			holds := "datagrams the capture holds"
			if v.Kind == KindCaptureArtefact {
				// the ring and the socket may have lost the same ones
				holds = "datagrams (some may be among those the capture's own drops lost too)"
				if conf == High {
					conf = Medium
				}
			}
			out = append(out, Verdict{Kind: KindSocketOverflow, Subject: in.subj, Numbers: numbers(nums), Confidence: conf,
				Text: fmt.Sprintf("socket receive buffer overflow as well: besides the %d missing in the capture of %s, the socket dropped %d %s, RcvbufErrors +%d (a second loss point, after the capture tap) → raise SO_RCVBUF and net.core.rmem_max%s or read faster",
					g, dst, sockDrops, holds, rcvbuf, rmemMax)})
		}
	}
	if rcvbuf > 0 && !rcvbufNamed && len(closedLossy) == 1 && len(closedQuiet) == 0 && len(obs.Streams) == 1 {
		// The only stream lost datagrams before the capture, and RcvbufErrors
		// rose too: its socket, closed before the after snapshot, is the
		// likeliest to have overflowed, which its own count cannot confirm.
		in := closedLossy[0]
		rcvbufNamed = true
		out = append(out, Verdict{Kind: KindSocketOverflow, Subject: in.subj, Confidence: Medium,
			Numbers: numbers(map[string]int64{"RcvbufErrors": int64(rcvbuf), "capture gap": int64(in.st.Gap), "streams": 1}),
			Text: fmt.Sprintf("socket receive buffer overflow as well: besides the %d missing in the capture of %s, RcvbufErrors +%d (a second loss point, after the capture tap); the receiving socket was closed before the after snapshot, so its own drop count cannot confirm the number (keep the receiver running until the capture ends) → raise SO_RCVBUF and net.core.rmem_max%s or read faster",
				in.st.Gap, in.dst, rcvbuf, rmemMax)})
	}
	out = append(out, discards...)
	if squeeze > 0 && backlog == 0 && devDrop+devFifo+nicDrv == 0 {
		out = append(out, Verdict{Kind: KindSqueeze, Confidence: Medium, Numbers: numbers(map[string]int64{"softnet time_squeeze": int64(squeeze)}),
			Text: fmt.Sprintf("softirq CPU starvation: time_squeeze +%d with no drops yet, a warning sign of NIC ring overflow → netdev_budget / netdev_budget_usecs, more queues/CPUs", squeeze)})
	}
	hostDrop := false
	if rcvbuf > 0 && !rcvbufNamed && (!anyLoss || len(closedQuiet) == 0) {
		// RcvbufErrors rose but no socket of a captured stream shows drops
		// (docs/multicast-udp.md section 5, row 1, without per-socket drops).
		var gaps uint64
		for _, st := range obs.Streams {
			gaps += st.Gap
		}
		nums := map[string]int64{"RcvbufErrors": int64(rcvbuf), "capture gap": int64(gaps), "streams": int64(len(obs.Streams))}
		if len(closedQuiet) == 1 && len(obs.Streams) == 1 {
			// The only stream is complete in the capture and its receiving
			// socket was closed before the after snapshot: its drops are
			// the likeliest, but the per-socket counter cannot confirm it.
			st := closedQuiet[0].st
			out = append(out, Verdict{Kind: KindSocketOverflow, Subject: st.Src.String() + " -> " + st.Dst.String(), Confidence: Medium, Numbers: numbers(nums),
				Text: fmt.Sprintf("socket receive buffer overflow: RcvbufErrors +%d, capture of %s complete; the receiving socket was closed before the after snapshot, so its own drop count cannot confirm the number (keep the receiver running until the capture ends) → raise SO_RCVBUF and net.core.rmem_max%s or read faster",
					rcvbuf, st.Dst, rmemMax)})
			return capConfidence(out)
		}
		hostDrop = true
		out = append(out, Verdict{Kind: KindSocketOverflow, Confidence: Low, Numbers: numbers(nums),
			Text: fmt.Sprintf("RcvbufErrors +%d in this namespace, but no socket of the %d captured streams shows drops: a socket outside the capture overflowed, or one was closed before the after snapshot", rcvbuf, len(obs.Streams))})
	}
	unanalyzed := 0
	var whys []string
	for _, st := range obs.Streams {
		if st.Unanalyzed {
			unanalyzed++
			w := st.UnanalyzedWhy
			if w == "" {
				w = "snaplen"
			}
			if !slices.Contains(whys, w) {
				whys = append(whys, w)
			}
		}
	}
	slices.Sort(whys)
	why, advice := "", ""
	for i, w := range whys {
		if i > 0 {
			why += ", "
		}
		switch w {
		case "snaplen":
			why += "datagrams cut by the snaplen"
			advice = "; capture again with -s 0"
		default:
			why += w
		}
	}
	if !anyLoss && unanalyzed > 0 && unanalyzed == len(obs.Streams) {
		// Nothing says whether a datagram is missing: neither no-loss nor
		// a loss verdict may be stated.
		out = append(out, Verdict{Kind: KindNotAnalyzed, Confidence: Low,
			Numbers: numbers(map[string]int64{"streams not sequence-analyzed": int64(unanalyzed), "RcvbufErrors": int64(rcvbuf)}),
			Text:    fmt.Sprintf("loss not judged: none of the %d streams could be sequence-analyzed (%s)%s", unanalyzed, why, advice)})
	}
	if !anyLoss && unanalyzed < len(obs.Streams) {
		analyzed := len(obs.Streams) - unanalyzed
		nums := map[string]int64{"streams": int64(analyzed), "RcvbufErrors": int64(rcvbuf)}
		if noSocket > 0 {
			nums["streams without a socket"] = int64(noSocket)
		}
		v := Verdict{Kind: KindNoLoss, Confidence: High, Numbers: numbers(nums),
			Text: fmt.Sprintf("no loss: %d streams without gaps and no socket drops", analyzed)}
		if unanalyzed > 0 {
			// the streams whose sequence numbers were not captured can
			// hide a loss: no-loss speaks only for the others
			nums["streams not sequence-analyzed"] = int64(unanalyzed)
			v.Numbers = numbers(nums)
			v.Confidence = Medium
			v.Text += fmt.Sprintf("; %d streams could not be sequence-analyzed (%s), so loss in them cannot be ruled out", unanalyzed, why)
		}
		icmpStreams := 0
		for _, st := range obs.Streams {
			if st.ICMPErrors > 0 {
				icmpStreams++
			}
		}
		if icmpStreams > 0 {
			nums["streams with ICMP errors"] = int64(icmpStreams)
			v.Numbers = numbers(nums)
			v.Confidence = Medium
			v.Text += fmt.Sprintf("; but the capture holds ICMP errors about %d streams' datagrams: they were discarded after the capture point (see each stream's ICMP line)", icmpStreams)
		}
		_, haveUDP := af["snmp.Udp.RcvbufErrors"]
		_, haveUDP6 := af["snmp6.Udp6RcvbufErrors"]
		switch {
		case hostDrop:
			v.Confidence = Medium
			v.Text += "; the RcvbufErrors above belong to no captured stream's socket"
		case !haveUDP && !haveUDP6:
			// a snapshot without /proc/net/snmp's Udp lines cannot show
			// socket overflows or discards
			v.Confidence = Low
			v.Text += "; the snapshots have no UDP counters (/proc/net/snmp), so drops in this host cannot be ruled out"
		case noSocket > 0:
			// Nothing on this host may have been meant to receive them (a
			// capture on the sender or of other hosts' groups), or a
			// receiver missed them without a counter saying so.
			v.Confidence = Medium
			if !udpWhole(after) {
				v.Text += fmt.Sprintf("; %d streams have no socket on their port among those the after snapshot kept (its UDP socket tables were kept to a bound, sockets with queued data or drops first), so no receiver on this host confirms the delivery", noSocket)
				break
			}
			v.Text += fmt.Sprintf("; %d streams have no socket on their port in the after snapshot, so no receiver on this host confirms the delivery", noSocket)
		}
		out = append(out, v)
	}
	return capConfidence(out)
}

// capConfidence lowers every high confidence to medium when the snapshots
// do not bracket the capture: counts outside the window may be missing, so
// an exact match proves less.
func capConfidence(out []Verdict) []Verdict {
	window := false
	for _, v := range out {
		if v.Kind == KindWindow {
			window = true
		}
	}
	if !window {
		return out
	}
	for i := range out {
		if out[i].Confidence == High {
			out[i].Confidence = Medium
			out[i].Text += " (confidence capped: the snapshots do not bracket the capture)"
		}
	}
	return out
}

var codeNames = func() map[Code]string {
	m := map[Code]string{}
	for n, c := range toolfmt.ReasonCodes {
		m[c] = n
	}
	return m
}()

// CodeName returns the smc-tools name of a reason code, or its hex form.
func CodeName(c Code) string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("0x%08x", c)
}

// SMC compares the kernel's fallback counters per reason and side over the
// window (before → after, the snapshots of one host and namespace) with the
// fallbacks the capture shows, and relates handshake errors to declines.
func SMC(before, after *kstat.Snapshot, obs SMCObserved) []Verdict {
	out := bracketCheck(before, after, obs.Window, "SMC handshakes")
	if !after.SMC.Available || after.SMC.Info == nil || after.SMC.Info.Fallback == nil {
		note := after.SMC.Note
		if note == "" {
			note = "no SMC fallback counters in the snapshot"
		}
		return append(out, Verdict{Kind: KindSMCUnavailable, Confidence: Low, Numbers: []Number{},
			Text: "kernel SMC counters unavailable (" + note + "): fallbacks are explained from the capture only"})
	}
	d := kstat.Diff(before, after)
	type key struct {
		code Code
		side string
	}
	kern := map[key]uint64{}
	for _, c := range d.Counters {
		var side string
		var code Code
		if _, err := fmt.Sscanf(c.Name, "smc.fallback.%6s.0x%08x", &side, &code); err == nil && (side == "server" || side == "client") {
			kern[key{code, side}] = c.Delta
		}
	}
	// Reasons that are new in after (absent before) show as absent from
	// Diff: add them with their full value.
	bf := before.Flat()
	for name, v := range after.Flat() {
		var side string
		var code Code
		if _, err := fmt.Sscanf(name, "smc.fallback.%6s.0x%08x", &side, &code); err == nil && (side == "server" || side == "client") {
			if _, ok := bf[name]; !ok && v > 0 {
				kern[key{code, side}] = v
			}
		}
	}
	capt := map[key]uint64{}
	for code, sc := range obs.FallbacksByCode {
		if sc.Client > 0 {
			capt[key{code, "client"}] = uint64(sc.Client)
		}
		if sc.Server > 0 {
			capt[key{code, "server"}] = uint64(sc.Server)
		}
	}
	keys := map[key]bool{}
	for k := range kern {
		keys[k] = true
	}
	for k := range capt {
		keys[k] = true
	}
	sorted := make([]key, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].side != sorted[j].side {
			return sorted[i].side > sorted[j].side // server first, as smcr stats
		}
		return sorted[i].code < sorted[j].code
	})
	where := "host " + after.Hostname
	if after.NetNS != "" {
		where += " netns " + after.NetNS
	}
	// A snapshot covers one host (namespace). When its kernel counted no
	// fallback at all on one side while the other side matches, the
	// snapshots were taken on the other host: that side's fallbacks are
	// counted by the peer.
	sideKern := map[string]uint64{}
	sideMatch := map[string]bool{}
	for k, v := range kern {
		sideKern[k.side] += v
	}
	for k := range keys {
		if kern[k] == capt[k] && capt[k] > 0 {
			sideMatch[k.side] = true
		}
	}
	otherSide := map[string]string{"client": "server", "server": "client"}
	for _, k := range sorted {
		kn, cn := kern[k], capt[k]
		v := Verdict{Kind: KindSMCFallback, Subject: k.side,
			Numbers: numbers(map[string]int64{"kernel": int64(kn), "capture": int64(cn)})}
		label := fmt.Sprintf("%s fallbacks with reason 0x%08x %s", k.side, k.code, CodeName(k.code))
		switch {
		case kn == cn:
			v.Confidence = High
			v.Text = fmt.Sprintf("%d %s: kernel +%d on %s, capture %d", cn, label, kn, where, cn)
		case kn > cn && k.side == "server" && k.code == 0x03010000:
			// Real kernels (testdata/lab i-mbox-*, h-listen-pressure,
			// j-syncookies): a server counts PEER_NO_SMC when the SYN
			// reached it without the SMC option (a middlebox stripped it:
			// plain TCP at this point) and when it answered without the
			// option itself (SYN cookies, handshake limitation: the
			// capture shows PEERNOSMC on the client).
			v.Confidence = Medium
			v.Text = fmt.Sprintf("%s: kernel +%d on %s but the capture shows %d: a server counts this when the SYN reached it without the SMC option (stripped on the path: plain TCP in the capture) or when it answered without the option (SYN cookies, handshake limitation: PEERNOSMC on the client in the capture); the rest were outside the capture filter or window",
				label, kn, where, cn)
		case kn > cn:
			v.Confidence = Medium
			v.Text = fmt.Sprintf("%s: kernel +%d on %s but the capture shows %d: %d connections were outside the capture filter or window (the counters cover the whole namespace)",
				label, kn, where, cn, kn-cn)
		case kn == 0 && sideKern[k.side] == 0 && sideMatch[otherSide[k.side]]:
			v.Confidence = Medium
			v.Text = fmt.Sprintf("%s: the capture shows %d; %s is the %s of these connections (its %s counters match the capture), so the %s side's fallbacks are counted on the peer host, not here",
				label, cn, where, otherSide[k.side], otherSide[k.side], k.side)
		default:
			v.Confidence = Low
			v.Text = fmt.Sprintf("%s: the capture shows %d but the kernel on %s counted +%d: %d fell back in another namespace or host (counters are per network namespace), or the snapshots do not bracket the capture",
				label, cn, where, kn, cn-kn)
		}
		out = append(out, v)
	}
	hsC, _ := d.Get("smc.hs_errors.client")
	hsSv, _ := d.Get("smc.hs_errors.server")
	hs := hsC + hsSv
	var declines uint64
	for _, sc := range obs.Declines {
		declines += uint64(sc.Client + sc.Server)
	}
	if hs > 0 || obs.HandshakeErrors > 0 {
		v := Verdict{Kind: KindSMCHandshake, Numbers: numbers(map[string]int64{
			"kernel handshake errors client": int64(hsC), "kernel handshake errors server": int64(hsSv),
			"capture handshake errors": int64(obs.HandshakeErrors), "capture declines": int64(declines)})}
		switch {
		case hs == uint64(obs.HandshakeErrors):
			v.Confidence = High
			v.Text = fmt.Sprintf("%d SMC handshakes failed without falling back (kernel +%d, capture %d): CLC timeout, reset or protocol error, not a Decline (%d Declines seen were fallbacks)", hs, hs, obs.HandshakeErrors, declines)
		case hs > uint64(obs.HandshakeErrors):
			v.Confidence = Medium
			v.Text = fmt.Sprintf("kernel counted %d SMC handshake errors, the capture shows %d: the rest were outside the capture filter or window; handshake errors are not Declines (%d Declines seen)", hs, obs.HandshakeErrors, declines)
		default:
			v.Confidence = Low
			v.Text = fmt.Sprintf("the capture shows %d failed SMC handshakes but the kernel counted %d: they belong to another namespace or host, or the snapshots do not bracket the capture", obs.HandshakeErrors, hs)
		}
		out = append(out, v)
	}
	return capConfidence(out)
}
