package correlate

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
)

// Code is an SMC fallback or decline reason code (smc-protocol.md 7.2).
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
	// Window is the time of the first and last packet of the capture.
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
}

// UDPObserved is what the capture showed about UDP streams.
type UDPObserved struct {
	Streams []UDPStream
	// CaptureDrops is the capture's own drop count (pcapng ISB
	// isb_osdrop/ifdrop, tcpdump "dropped by kernel").
	CaptureDrops uint64
	Window       [2]time.Time
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
	KindWindow          = "snapshots-do-not-bracket-capture"
	KindSocketOverflow  = "socket-buffer-overflow"
	KindUDPMem          = "udp-mem-exhausted"
	KindReassembly      = "reassembly-failure"
	KindNotDelivered    = "rp-filter-or-not-joined"
	KindNICRing         = "nic-ring-overflow"
	KindBacklog         = "cpu-backlog-overflow"
	KindSqueeze         = "softirq-squeeze"
	KindCaptureArtefact = "capture-artefact"
	KindBeforeHost      = "loss-before-receiver"
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

func bracketCheck(before, after *kstat.Snapshot, w [2]time.Time) []Verdict {
	if w[0].IsZero() || w[1].IsZero() {
		return nil
	}
	if !before.TakenAt.After(w[0]) && !after.TakenAt.Before(w[1]) {
		return nil
	}
	return []Verdict{{
		Kind: KindWindow,
		Text: fmt.Sprintf("the snapshots (%s .. %s) do not bracket the capture (%s .. %s): counts outside the window are missing or extra",
			before.TakenAt.UTC().Format(time.RFC3339), after.TakenAt.UTC().Format(time.RFC3339), w[0].UTC().Format(time.RFC3339), w[1].UTC().Format(time.RFC3339)),
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

// UDP returns one verdict per stream with loss (or one "no-loss" verdict),
// following multicast-udp.md section 5, from the counter deltas between
// before and after (receiver snapshots) and the capture's findings.
func UDP(before, after *kstat.Snapshot, obs UDPObserved) []Verdict {
	out := bracketCheck(before, after, obs.Window)
	d := kstat.Diff(before, after)
	c := counters{d}
	rcvbuf := c.get("snmp.Udp.RcvbufErrors", "snmp6.Udp6RcvbufErrors")
	memErr := c.get("snmp.Udp.MemErrors", "snmp6.Udp6MemErrors")
	inErr := c.get("snmp.Udp.InErrors", "snmp6.Udp6InErrors")
	reasm := c.get("snmp.Ip.ReasmFails", "snmp.Ip.ReasmTimeout", "snmp6.Ip6ReasmFails", "snmp6.Ip6ReasmTimeout")
	rpf := c.get("netstat.TcpExt.IPReversePathFilter")
	ignored := c.get("snmp.Udp.IgnoredMulti", "snmp6.Udp6IgnoredMulti")
	noPorts := c.get("snmp.Udp.NoPorts", "snmp6.Udp6NoPorts")
	sndbuf := c.get("snmp.Udp.SndbufErrors", "snmp6.Udp6SndbufErrors")
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
		"IPReversePathFilter": int64(rpf), "IgnoredMulti": int64(ignored), "NoPorts": int64(noPorts),
		"dev rx_drop": int64(devDrop), "dev rx_fifo": int64(devFifo), "NIC driver drops": int64(nicDrv),
		"softnet dropped+flow_limit": int64(backlog), "softnet time_squeeze": int64(squeeze), "capture drops": int64(obs.CaptureDrops),
		"SndbufErrors": int64(sndbuf),
	}
	anyLoss := false
	// Streams with no loss in the capture and no receiving socket in the
	// after snapshot: candidates for RcvbufErrors no socket accounts for.
	var closedQuiet []UDPStream
	for _, st := range obs.Streams {
		subj := st.Src.String() + " -> " + st.Dst.String()
		dst := st.Dst.String()
		// Per-socket drops of the receiving sockets: same port, and the
		// group (or a wildcard) as local address.
		var sockDrops uint64
		k := 0
		for _, s := range d.Sockets {
			if !strings.HasPrefix(s.Socket.Proto, "udp") || s.Socket.Local.Port() != st.Dst.Port() {
				continue
			}
			if la := s.Socket.Local.Addr(); !la.IsUnspecified() && la != st.Dst.Addr() && !st.Dst.Addr().IsMulticast() {
				continue
			}
			k++
			switch {
			case s.DropsDelta != nil:
				sockDrops += *s.DropsDelta
			case s.New && s.Socket.Drops != nil:
				// opened after the first snapshot: every drop it counts
				// happened in the window
				sockDrops += *s.Socket.Drops
			}
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
			if k == 0 {
				closedQuiet = append(closedQuiet, st)
			}
			continue
		}
		anyLoss = true
		if g == 0 && n == 0 {
			// The application did not say; the socket did.
			n = sockDrops
		}
		v := Verdict{Subject: subj, Numbers: numbers(nums)}
		switch {
		case g > 0 && obs.CaptureDrops >= g:
			v.Kind, v.Confidence = KindCaptureArtefact, match(obs.CaptureDrops, g)
			v.Text = fmt.Sprintf("capture artefact: the capture itself dropped %d packets, at least the %d missing in %s; the wire may be fine → bigger capture buffer (-B), smaller snaplen, a filter, faster storage",
				obs.CaptureDrops, g, dst)
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
		case g == 0 && (rpf > 0 || ignored > 0 || noPorts > 0):
			v.Kind, v.Confidence = KindNotDelivered, Medium
			v.Text = fmt.Sprintf("captured but not delivered to a socket for %s: IPReversePathFilter +%d, IgnoredMulti +%d, NoPorts +%d → rp_filter 2 or 0 on that interface, or fix the bind / IP_ADD_MEMBERSHIP interface", dst, rpf, ignored, noPorts)
		case g == 0:
			v.Kind, v.Confidence = KindUnexplained, Low
			v.Text = fmt.Sprintf("%d missing at the application for %s but the capture is complete and no receive counter moved: the application lost them itself, or the snapshots come from another host or namespace", n, dst)
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
			v.Text = fmt.Sprintf("loss before the receiver host: %d missing in the capture of %s, all receive counters and capture drops unchanged → check switch ifOutDiscards/CRC, capture on the sender or a SPAN, check the sender's SndbufErrors", g, dst)
		}
		out = append(out, v)
	}
	if squeeze > 0 && backlog == 0 && devDrop+devFifo+nicDrv == 0 {
		out = append(out, Verdict{Kind: KindSqueeze, Confidence: Medium, Numbers: numbers(map[string]int64{"softnet time_squeeze": int64(squeeze)}),
			Text: fmt.Sprintf("softirq CPU starvation: time_squeeze +%d with no drops yet, a warning sign of NIC ring overflow → netdev_budget / netdev_budget_usecs, more queues/CPUs", squeeze)})
	}
	if !anyLoss && rcvbuf > 0 {
		// RcvbufErrors rose but no socket of a captured stream shows drops
		// (multicast-udp.md section 5, row 1, without per-socket drops).
		nums := map[string]int64{"RcvbufErrors": int64(rcvbuf), "capture gap": 0, "streams": int64(len(obs.Streams))}
		if len(closedQuiet) == 1 && len(obs.Streams) == 1 {
			// The only stream is complete in the capture and its receiving
			// socket was closed before the after snapshot: its drops are
			// the likeliest, but the per-socket counter cannot confirm it.
			st := closedQuiet[0]
			out = append(out, Verdict{Kind: KindSocketOverflow, Subject: st.Src.String() + " -> " + st.Dst.String(), Confidence: Medium, Numbers: numbers(nums),
				Text: fmt.Sprintf("socket receive buffer overflow: RcvbufErrors +%d, capture of %s complete; the receiving socket was closed before the after snapshot, so its own drop count cannot confirm the number (keep the receiver running until the capture ends) → raise SO_RCVBUF and net.core.rmem_max%s or read faster",
					rcvbuf, st.Dst, rmemMax)})
			return out
		}
		out = append(out, Verdict{Kind: KindSocketOverflow, Confidence: Low, Numbers: numbers(nums),
			Text: fmt.Sprintf("RcvbufErrors +%d in this namespace, but no socket of the %d captured streams shows drops: a socket outside the capture overflowed, or one was closed before the after snapshot", rcvbuf, len(obs.Streams))})
	}
	if !anyLoss {
		out = append(out, Verdict{Kind: KindNoLoss, Confidence: High, Numbers: numbers(map[string]int64{"streams": int64(len(obs.Streams)), "RcvbufErrors": int64(rcvbuf)}),
			Text: fmt.Sprintf("no loss: %d streams without gaps and no socket drops", len(obs.Streams))})
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
	out := bracketCheck(before, after, obs.Window)
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
	return out
}
