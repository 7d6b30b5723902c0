package monitor

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/capture/kstat"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// Prometheus metrics (README "Monitoring" documents every one). Naming:
// smcdump_ prefix, base units, _total for counters; label sets are
// bounded (servers and streams by Config limits, the rest by the kernel's
// own enumerations).

type metrics struct {
	e          *Engine
	reg        *prometheus.Registry
	handshakes *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	events     *prometheus.CounterVec
	plainTCP   prometheus.Counter
	shed       prometheus.Counter
	revised    prometheus.Counter

	servers map[string]bool

	udpAll [7]uint64 // received, lost, duplicated, reordered, gaps, ICMP errors, resets over all streams
	// unobserved: units missing in gaps that spanned an outage of the
	// capture interface (outage.go)
	unobserved uint64
	kflat      map[string]uint64
	ksocks     map[string]int
	kTime      float64
	kErrs      int
}

const maxDevices = 64

func newMetrics(e *Engine) *metrics {
	m := &metrics{e: e, reg: prometheus.NewRegistry(), servers: map[string]bool{}}
	m.handshakes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "smcdump_smc_handshakes_total",
		Help: "SMC handshakes seen by the capture, by verdict: outcome (smc, fallback, handshake-error, unknown), reason, decline/fallback code and server address:port.",
	}, []string{"outcome", "reason", "code", "server"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "smcdump_smc_handshake_duration_seconds",
		Help:    "SMC handshake latency: SYN to CLC Confirm (smc) or to the Decline (fallback).",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9),
	}, []string{"outcome"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "smcdump_monitor_events_total",
		Help: "Events reported by smcdump monitor, by type.",
	}, []string{"type"})
	m.plainTCP = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "smcdump_tcp_plain_connections_total",
		Help: "TCP connections without the SMC option on the SYN (plain TCP).",
	})
	m.shed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "smcdump_monitor_connections_shed_total",
		Help: "Connections finished early because more than --max-connections were open.",
	})

	m.revised = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "smcdump_smc_verdicts_revised_total",
		Help: "Connections whose final verdict differed from the one counted when the handshake resolved (the handshake counters keep the first).",
	})
	m.reg.MustRegister(m.events, (*engineCollector)(m),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if !e.cfg.NoCapture {
		m.reg.MustRegister(m.handshakes, m.latency, m.plainTCP, m.shed, m.revised)
	}
	return m
}

// handshake counts one finished SMC connection.
func (m *metrics) handshake(c *ConnEvent, maxServers int) {
	server := c.Server
	if !m.servers[server] {
		if len(m.servers) >= maxServers {
			server = "other"
		} else {
			m.servers[server] = true
		}
	}
	m.handshakes.WithLabelValues(string(c.Outcome), c.Reason, c.Code, server).Inc()
	if c.LatencySeconds != nil {
		m.latency.WithLabelValues(string(c.Outcome)).Observe(*c.LatencySeconds)
	}
}

// setKernel keeps the values of the newest kernel snapshot.
func (m *metrics) setKernel(s *kstat.Snapshot) {
	m.kflat = s.Flat()
	m.ksocks = map[string]int{}
	for _, so := range s.SMC.Sockets {
		m.ksocks[smcnl.DiagModeName(so.Mode)]++
	}
	for mode, n := range s.SMC.SocketsOmitted { // left out of a bounded snapshot
		m.ksocks[mode] += n
	}
	m.kTime = float64(s.TakenAt.UnixNano()) / 1e9
	m.kErrs = len(s.SourceErrors)
}

// Registry returns the Prometheus registry with the engine's metrics.
func (e *Engine) Registry() *prometheus.Registry { return e.m.reg }

// engineCollector exports the state the engine keeps itself: streams,
// capture and kernel counters (an unchecked collector: the series change).
type engineCollector metrics

func (c *engineCollector) Describe(chan<- *prometheus.Desc) {}

var (
	descStream = func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"src", "group", "port", "interface"}, nil)
	}
	dStreamRecv  = descStream("smcdump_udp_stream_received_datagrams_total", "Datagrams of the UDP stream received (including duplicates).")
	dStreamLost  = descStream("smcdump_udp_stream_lost_datagrams_total", "Sequence units (datagrams; messages for MoldUDP64) missing in the stream's finalized gaps.")
	dStreamDup   = descStream("smcdump_udp_stream_duplicated_datagrams_total", "Duplicate datagrams of the stream.")
	dStreamReord = descStream("smcdump_udp_stream_reordered_datagrams_total", "Late datagrams of the stream that filled a hole (reordered, not lost).")
	dStreamGaps  = descStream("smcdump_udp_stream_gaps_total", "Sequence gaps of the stream.")
	dStreamICMP  = descStream("smcdump_udp_stream_icmp_errors_total", "ICMP errors captured about the stream's datagrams (port unreachable, time exceeded, no route, ...): discarded after the capture point; rate-limited by their senders, a lower bound.")

	dStreamResets = descStream("smcdump_udp_stream_resets_total", "Sender restarts or new sessions of the stream: its sequence started again (no loss is counted across a reset).")

	dAll = [7]*prometheus.Desc{
		prometheus.NewDesc("smcdump_udp_received_datagrams_total", "Datagrams of all tracked UDP streams.", nil, nil),
		prometheus.NewDesc("smcdump_udp_lost_datagrams_total", "Sequence units missing in the gaps of all UDP streams (exported or not).", nil, nil),
		prometheus.NewDesc("smcdump_udp_duplicated_datagrams_total", "Duplicate datagrams of all UDP streams.", nil, nil),
		prometheus.NewDesc("smcdump_udp_reordered_datagrams_total", "Reordered datagrams of all UDP streams.", nil, nil),
		prometheus.NewDesc("smcdump_udp_gaps_total", "Sequence gaps of all UDP streams.", nil, nil),
		prometheus.NewDesc("smcdump_udp_icmp_errors_total", "ICMP errors captured about the datagrams of all UDP streams.", nil, nil),
		prometheus.NewDesc("smcdump_udp_resets_total", "Sender restarts or new sessions of all UDP streams.", nil, nil),
	}
	dMemberQueries = prometheus.NewDesc("smcdump_multicast_general_queries_total", "IGMP or MLD general queries captured (a querier on the link keeps memberships alive).", []string{"protocol"}, nil)
	dMemberLastQ   = prometheus.NewDesc("smcdump_multicast_last_general_query_timestamp_seconds", "Time of the last IGMP or MLD general query captured: without one for 260 s (the group membership interval, RFC 3376 §8.4) snooping switches forget memberships.", []string{"protocol"}, nil)
	dMemberReports = prometheus.NewDesc("smcdump_multicast_group_reports_total", "IGMP or MLD reports of the group captured (joins and refreshes; link-local groups not counted; at most 1,024 groups).", []string{"group"}, nil)
	dMemberLeaves  = prometheus.NewDesc("smcdump_multicast_group_leaves_total", "IGMP or MLD leaves of the group captured (IGMPv2 leave, MLDv1 done, to_in {}).", []string{"group"}, nil)
	dStreams       = prometheus.NewDesc("smcdump_udp_streams", "UDP streams tracked now.", nil, nil)
	dUnexported    = prometheus.NewDesc("smcdump_udp_streams_unexported", "Tracked UDP streams without their own series (--max-exported-streams series, all held by live streams).", nil, nil)
	dUntracked     = prometheus.NewDesc("smcdump_udp_untracked_datagrams_total", "Datagrams of new streams not tracked because --max-streams were tracked.", nil, nil)
	dFinishedEarly = prometheus.NewDesc("smcdump_udp_streams_finished_early_total", "Streams stopped before going idle to make room for new ones (--max-streams were tracked).", nil, nil)
	dOpenConns     = prometheus.NewDesc("smcdump_tcp_open_connections", "TCP connections being followed now.", nil, nil)
	dTunnel        = prometheus.NewDesc("smcdump_tunnel_frames_total", "Frames analyzed inside tunnels (VXLAN, Geneve, GRE, ERSPAN, IP-in-IP), by the kind of the outermost tunnel.", []string{"kind"}, nil)
	dCapRecv       = prometheus.NewDesc("smcdump_capture_received_packets_total", "Packets that passed the capture filter (tp_packets).", []string{"interface"}, nil)
	dUnobserved    = prometheus.NewDesc("smcdump_udp_unobserved_datagrams_total", "Sequence units missing in gaps of all UDP streams that spanned an outage of their capture interface (down or deleted): not seen by the capture, not counted as lost.", nil, nil)
	dIfUp          = prometheus.NewDesc("smcdump_capture_interface_up", "1 while the capture interface is captured on, 0 while it is down or deleted (the monitor goes on on the other interfaces and resumes when it is back).", []string{"interface"}, nil)
	dIfOutages     = prometheus.NewDesc("smcdump_capture_interface_outages_total", "Times the capture interface went down or was deleted while monitored.", []string{"interface"}, nil)
	dIfDownSecs    = prometheus.NewDesc("smcdump_capture_interface_down_seconds_total", "Time the capture interface was down or deleted while monitored (as the capture noticed it: looked up every second).", []string{"interface"}, nil)
	dCapDrop       = prometheus.NewDesc("smcdump_capture_dropped_packets_total", "Packets the capture ring had no room for (tp_drops).", []string{"interface"}, nil)
	dKConn         = prometheus.NewDesc("smcdump_kernel_smc_connections_total", "Kernel SMC connections established (SMC_GEN_STATS), by technology, side and SMC version.", []string{"technology", "side", "version"}, nil)
	dKFallback     = prometheus.NewDesc("smcdump_kernel_smc_fallbacks_total", "Kernel SMC fallbacks to TCP (SMC_GEN_FBACK_STATS), by side and reason code.", []string{"side", "reason"}, nil)
	dKHSErr        = prometheus.NewDesc("smcdump_kernel_smc_handshake_errors_total", "Kernel SMC handshake errors, by side.", []string{"side"}, nil)
	dKBufFull      = prometheus.NewDesc("smcdump_kernel_smc_buffer_full_total", "Kernel SMC: times a send or receive buffer (RMB) was full, by technology and buffer (rx, tx, tx_peer).", []string{"technology", "buffer"}, nil)
	dKBufSmall     = prometheus.NewDesc("smcdump_kernel_smc_buffer_too_small_total", "Kernel SMC: sends larger than the buffer (RMB too small), by technology and buffer (tx, tx_peer).", []string{"technology", "buffer"}, nil)
	dKSockets      = prometheus.NewDesc("smcdump_kernel_smc_sockets", "SMC sockets now (smc_diag), by mode (smcr, smcd, fallback).", []string{"mode"}, nil)
	dKSnapTime     = prometheus.NewDesc("smcdump_kernel_snapshot_timestamp_seconds", "When the newest kernel counter snapshot was taken (Unix time).", nil, nil)
	dKSnapErrs     = prometheus.NewDesc("smcdump_kernel_snapshot_source_errors", "Sources of the newest kernel counter snapshot that could not be read.", nil, nil)
	dKSoftDrop     = prometheus.NewDesc("smcdump_kernel_softnet_dropped_packets_total", "Packets dropped because a CPU's input backlog was full (/proc/net/softnet_stat, all CPUs).", nil, nil)
	dKSoftSqueeze  = prometheus.NewDesc("smcdump_kernel_softnet_time_squeeze_total", "Times the receive softirq ran out of budget with work left (/proc/net/softnet_stat).", nil, nil)
	dKDevDrop      = prometheus.NewDesc("smcdump_kernel_netdev_receive_dropped_packets_total", "Received packets dropped by the device or its driver (/proc/net/dev rx drop).", []string{"device"}, nil)
	dKDevFifo      = prometheus.NewDesc("smcdump_kernel_netdev_receive_fifo_errors_total", "Receive FIFO (ring) overruns of the device (/proc/net/dev rx fifo).", []string{"device"}, nil)
)

// kernelUDP maps /proc/net/snmp Udp fields to metric names.
var kernelUDP = []struct{ field, name, help string }{
	{"InDatagrams", "smcdump_kernel_udp_received_datagrams_total", "UDP datagrams delivered to sockets (Udp InDatagrams), by protocol (udp, udp6)."},
	{"NoPorts", "smcdump_kernel_udp_no_port_datagrams_total", "UDP datagrams to a port without socket (Udp NoPorts)."},
	{"InErrors", "smcdump_kernel_udp_receive_errors_total", "UDP datagrams not delivered for other reasons than no port (Udp InErrors, includes RcvbufErrors)."},
	{"RcvbufErrors", "smcdump_kernel_udp_receive_buffer_errors_total", "UDP datagrams dropped because the socket receive buffer was full (Udp RcvbufErrors)."},
	{"SndbufErrors", "smcdump_kernel_udp_send_buffer_errors_total", "UDP datagrams not sent because the send buffer was full (Udp SndbufErrors)."},
	{"InCsumErrors", "smcdump_kernel_udp_checksum_errors_total", "UDP datagrams with a bad checksum (Udp InCsumErrors)."},
	{"MemErrors", "smcdump_kernel_udp_memory_errors_total", "UDP datagrams dropped for lack of memory (udp_mem limit; Udp MemErrors)."},
}

var kernelUDPDesc = func() []*prometheus.Desc {
	out := make([]*prometheus.Desc, len(kernelUDP))
	for i, k := range kernelUDP {
		out[i] = prometheus.NewDesc(k.name, k.help, []string{"proto"}, nil)
	}
	return out
}()

// tunnelLabel is the kind label of smcdump_tunnel_frames_total: the
// tunnel's name in lower case, "erspan1" for "ERSPAN type I" and so on.
func tunnelLabel(kind string) string {
	switch kind {
	case "ERSPAN type I":
		return "erspan1"
	case "ERSPAN type II":
		return "erspan2"
	case "ERSPAN type III":
		return "erspan3"
	case "IP-in-IP":
		return "ipip"
	}
	return strings.ToLower(kind)
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	e := c.e
	e.mu.Lock()
	defer e.mu.Unlock()
	m := (*metrics)(c)
	counter := func(d *prometheus.Desc, v uint64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), lv...)
	}
	gauge := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	if !e.cfg.NoCapture {
		c.collectCapture(ch, counter, gauge)
	}
	if m.kflat == nil {
		return
	}
	c.collectKernel(ch, counter, gauge)
}

// collectCapture exports the series the capture feeds: streams,
// membership, limits, tunnels and the capture's own counters.
func (c *engineCollector) collectCapture(ch chan<- prometheus.Metric, counter func(*prometheus.Desc, uint64, ...string), gauge func(*prometheus.Desc, float64, ...string)) {
	e := c.e
	m := (*metrics)(c)
	unexported := 0
	sums := make(map[*exportEntry][7]uint64, len(e.export))
	for _, x := range e.export {
		sums[x] = x.base
	}
	for _, st := range e.streams {
		if st.export == nil {
			unexported++
			continue
		}
		v, c := sums[st.export], liveCounts(&st.live)
		for i := range v {
			v[i] += c[i]
		}
		sums[st.export] = v
	}
	for k, x := range e.export {
		lv := []string{k.src.String(), k.dst.Addr().String(), strconv.Itoa(int(k.dst.Port())), k.ifc}
		v := sums[x]
		for i, d := range []*prometheus.Desc{dStreamRecv, dStreamLost, dStreamDup, dStreamReord, dStreamGaps, dStreamICMP, dStreamResets} {
			counter(d, v[i], lv...)
		}
	}
	for i, d := range dAll {
		counter(d, m.udpAll[i])
	}
	gauge(dStreams, float64(len(e.streams)))
	if e.mc != nil {
		var q [2]mcast.LiveQueries
		e.groups, q = e.mc.LiveMembership(e.groups[:0])
		for i, proto := range [2]string{"IGMP", "MLD"} {
			counter(dMemberQueries, q[i].General, proto)
			if !q[i].Last.IsZero() {
				gauge(dMemberLastQ, float64(q[i].Last.UnixNano())/1e9, proto)
			}
		}
		for _, g := range e.groups {
			counter(dMemberReports, g.Reports, g.Group.String())
			counter(dMemberLeaves, g.Leaves, g.Group.String())
		}
	}
	gauge(dUnexported, float64(unexported))
	if e.mc != nil {
		counter(dUntracked, e.mc.Untracked())
		counter(dFinishedEarly, e.mc.FinishedEarly())
	}
	gauge(dOpenConns, float64(e.a.OpenConnections()))
	e.a.TunnelFrames(func(kind string, n uint64) { counter(dTunnel, n, tunnelLabel(kind)) })
	for i := range e.capRecv {
		counter(dCapRecv, e.capRecv[i], e.capNames[i])
		counter(dCapDrop, e.capDrop[i], e.capNames[i])
	}
	counter(dUnobserved, m.unobserved)
	now := time.Now()
	for i := range e.ifs {
		s := &e.ifs[i]
		if s.name == "" {
			continue
		}
		up, secs := 1.0, s.downSecs
		if s.down {
			up = 0
			secs += max(now.Sub(s.since).Seconds(), 0)
		}
		gauge(dIfUp, up, s.name)
		counter(dIfOutages, s.outages, s.name)
		ch <- prometheus.MustNewConstMetric(dIfDownSecs, prometheus.CounterValue, secs, s.name)
	}
}

// collectKernel exports the last kernel snapshot's counters.
func (c *engineCollector) collectKernel(ch chan<- prometheus.Metric, counter func(*prometheus.Desc, uint64, ...string), gauge func(*prometheus.Desc, float64, ...string)) {
	m := (*metrics)(c)
	f := m.kflat
	gauge(dKSnapTime, m.kTime)
	gauge(dKSnapErrs, float64(m.kErrs))
	for _, tech := range []string{"smcr", "smcd"} {
		for _, side := range []string{"client", "server"} {
			for _, v := range []string{"1", "2"} {
				if x, ok := f["smc."+tech+"."+side+"_v"+v+"_success"]; ok {
					counter(dKConn, x, tech, side, v)
				}
			}
		}
		for k, b := range map[string]string{"rx_rmb_full": "rx", "tx_rmb_full": "tx", "tx_rmb_full_peer": "tx_peer"} {
			if x, ok := f["smc."+tech+"."+k]; ok {
				counter(dKBufFull, x, tech, b)
			}
		}
		for k, b := range map[string]string{"tx_rmb_size_small": "tx", "tx_rmb_size_small_peer": "tx_peer"} {
			if x, ok := f["smc."+tech+"."+k]; ok {
				counter(dKBufSmall, x, tech, b)
			}
		}
	}
	for _, side := range []string{"client", "server"} {
		if x, ok := f["smc.hs_errors."+side]; ok {
			counter(dKHSErr, x, side)
		}
	}
	keys := make([]string, 0, 16)
	for k := range f {
		if strings.HasPrefix(k, "smc.fallback.client.0x") || strings.HasPrefix(k, "smc.fallback.server.0x") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts := strings.SplitN(k, ".", 4) // smc fallback side code
		counter(dKFallback, f[k], parts[2], parts[3])
	}
	for mode, n := range m.ksocks {
		gauge(dKSockets, float64(n), mode)
	}
	for i, k := range kernelUDP {
		if x, ok := f["snmp.Udp."+k.field]; ok {
			counter(kernelUDPDesc[i], x, "udp")
		}
		if x, ok := f["snmp6.Udp6"+k.field]; ok {
			counter(kernelUDPDesc[i], x, "udp6")
		}
	}
	if x, ok := f["softnet.dropped"]; ok {
		counter(dKSoftDrop, x)
	}
	if x, ok := f["softnet.time_squeeze"]; ok {
		counter(dKSoftSqueeze, x)
	}
	var devs []string
	for k := range f {
		if strings.HasPrefix(k, "dev.") && strings.HasSuffix(k, ".rx_drop") {
			devs = append(devs, strings.TrimSuffix(strings.TrimPrefix(k, "dev."), ".rx_drop"))
		}
	}
	sort.Strings(devs)
	if len(devs) > maxDevices {
		devs = devs[:maxDevices]
	}
	for _, d := range devs {
		counter(dKDevDrop, f["dev."+d+".rx_drop"], d)
		counter(dKDevFifo, f["dev."+d+".rx_fifo"], d)
	}
}
