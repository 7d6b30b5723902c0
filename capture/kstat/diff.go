package kstat

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/smcdump/smcdump/capture/kstat/procnet"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
)

// Flat returns every numeric counter of s under a dotted name:
// "snmp.Udp.RcvbufErrors", "snmp6.Udp6InErrors", "netstat.TcpExt.ListenDrops",
// "dev.eth0.rx_drop", "softnet.dropped" (sum over CPUs), "sysctl.rmem_max",
// "smc.hs_errors.client", "smc.fallback.server.0x05000000",
// "smc.smcr.rx_bytes", "ethtool.rx_drops".
func (s *Snapshot) Flat() map[string]uint64 {
	m := map[string]uint64{}
	if p := s.Proc; p != nil {
		for sec, f := range p.SNMP {
			for k, v := range f {
				m["snmp."+sec+"."+k] = v
			}
		}
		for k, v := range p.SNMP6[""] {
			m["snmp6."+k] = v
		}
		for sec, f := range p.Netstat {
			for k, v := range f {
				m["netstat."+sec+"."+k] = v
			}
		}
		for _, d := range p.Dev {
			for k, v := range devFields(d) {
				m["dev."+d.Name+"."+k] = v
			}
		}
		if len(p.Softnet) > 0 {
			var proc, drop, sq, fl uint64
			for _, c := range p.Softnet {
				proc += c.Processed
				drop += c.Dropped
				sq += c.TimeSqueeze
				if c.FlowLimit != nil {
					fl += *c.FlowLimit
				}
			}
			m["softnet.processed"], m["softnet.dropped"], m["softnet.time_squeeze"], m["softnet.flow_limit"] = proc, drop, sq, fl
		}
		if p.RmemMax != nil {
			m["sysctl.rmem_max"] = *p.RmemMax
		}
		if p.RmemDef != nil {
			m["sysctl.rmem_default"] = *p.RmemDef
		}
	}
	if in := s.SMC.Info; in != nil {
		if st := in.Stats; st != nil {
			m["smc.hs_errors.client"], m["smc.hs_errors.server"] = st.ClientHSErrors, st.ServerHSErrors
			techFlat(m, "smc.smcr.", st.SMCR)
			techFlat(m, "smc.smcd.", st.SMCD)
		}
		if fb := in.Fallback; fb != nil {
			m["smc.fallback.server_total"], m["smc.fallback.client_total"] = fb.ServerTotal, fb.ClientTotal
			for _, r := range fb.Server {
				m[fmt.Sprintf("smc.fallback.server.0x%08x", r.Code)] = r.Count
			}
			for _, r := range fb.Client {
				m[fmt.Sprintf("smc.fallback.client.0x%08x", r.Code)] = r.Count
			}
		}
	}
	if s.Tools != nil {
		for k, v := range s.Tools.Ethtool {
			m["ethtool."+k] = v
		}
	}
	return m
}

func devFields(d procnet.Interface) map[string]uint64 {
	return map[string]uint64{
		"rx_bytes": d.RxBytes, "rx_packets": d.RxPackets, "rx_errs": d.RxErrs, "rx_drop": d.RxDrop, "rx_fifo": d.RxFifo,
		"rx_frame": d.RxFrame, "rx_multicast": d.RxMulticast, "tx_bytes": d.TxBytes, "tx_packets": d.TxPackets,
		"tx_errs": d.TxErrs, "tx_drop": d.TxDrop, "tx_fifo": d.TxFifo, "tx_carrier": d.TxCarrier,
	}
}

func techFlat(m map[string]uint64, p string, t *smcnl.TechStats) {
	if t == nil {
		return
	}
	for k, v := range map[string]uint64{
		"rx_bytes": t.RxBytes, "tx_bytes": t.TxBytes, "rx_count": t.RxCount, "tx_count": t.TxCount,
		"client_v1_success": t.ClientV1Succ, "client_v2_success": t.ClientV2Succ, "server_v1_success": t.ServerV1Succ,
		"server_v2_success": t.ServerV2Succ, "rx_rmb_full": t.RxRMB.Full, "tx_rmb_full": t.TxRMB.Full,
		"tx_rmb_full_peer": t.TxRMB.FullPeer, "tx_rmb_size_small": t.TxRMB.SizeSmall, "tx_rmb_size_small_peer": t.TxRMB.SizeSmallPeer,
		"rx_rmb_alloc": t.RxRMB.Alloc, "tx_rmb_alloc": t.TxRMB.Alloc, "rx_rmb_downgrade": t.RxRMB.Downgrade, "tx_rmb_downgrade": t.TxRMB.Downgrade,
	} {
		m[p+k] = v
	}
}

// CounterDelta is the change of one counter between two snapshots.
type CounterDelta struct {
	Name   string `json:"name"`
	Before uint64 `json:"before"`
	After  uint64 `json:"after"`
	Delta  uint64 `json:"delta"`
	// Reset is set when the counter went down by more than a 32-bit wrap
	// explains (module reload, namespace recreated); Delta is then After.
	Reset bool `json:"reset,omitempty"`
}

// SocketDelta is the change of one socket (matched by protocol, addresses
// and inode) between two snapshots.
type SocketDelta struct {
	Socket     procnet.Socket `json:"socket"`
	RxBefore   uint64         `json:"rx_queue_before"`
	TxBefore   uint64         `json:"tx_queue_before"`
	DropsDelta *uint64        `json:"drops_delta,omitempty"`
	// New: not in the first snapshot (or left out of its bounded table,
	// which then left out only idle sockets: nothing queued, no drops).
	New bool `json:"new,omitempty"`
	// Unknown: not in the first snapshot, whose table of this protocol
	// was kept to a bound and left out busy sockets too (more than the
	// bound): neither its queues nor its drops before are known.
	Unknown bool `json:"before_unknown,omitempty"`
}

// Delta is the difference between two snapshots.
type Delta struct {
	From     time.Time      `json:"from"`
	To       time.Time      `json:"to"`
	Counters []CounterDelta `json:"counters"` // changed counters, sorted by name
	Sockets  []SocketDelta  `json:"sockets"`  // every socket of b, in b's order
	// SMCRStats and SMCDStats are the `smcr stats -d` / `smcd stats -d`
	// tables of the interval (each counter's increase), when b has kernel
	// statistics.
	SMCRStats *toolfmt.SMCStatsText `json:"smcr_stats,omitempty"`
	SMCDStats *toolfmt.SMCStatsText `json:"smcd_stats,omitempty"`
	// NewFallbacks are the SMC sockets that appeared in fallback mode.
	NewFallbacks []FallbackSocket `json:"new_fallbacks,omitempty"`
}

// Get returns the delta of the counter name (see Snapshot.Flat) and whether
// it changed.
func (d *Delta) Get(name string) (uint64, bool) {
	i := sort.Search(len(d.Counters), func(i int) bool { return d.Counters[i].Name >= name })
	if i < len(d.Counters) && d.Counters[i].Name == name {
		return d.Counters[i].Delta, true
	}
	return 0, false
}

// Diff returns the changes from a to b. Counters present in only one
// snapshot are left out. A counter that went down is taken as a 32-bit wrap
// when both values fit in 32 bits (docs/multicast-udp.md 4: /proc/net/udp fields
// and old kernels), otherwise as a reset.
func Diff(a, b *Snapshot) *Delta {
	d := &Delta{From: a.TakenAt.UTC(), To: b.TakenAt.UTC()}
	fa, fb := a.Flat(), b.Flat()
	for name, vb := range fb {
		va, ok := fa[name]
		if !ok || va == vb {
			continue
		}
		d.Counters = append(d.Counters, counterDelta(name, va, vb))
	}
	sort.Slice(d.Counters, func(i, j int) bool { return d.Counters[i].Name < d.Counters[j].Name })
	d.SMCRStats, d.SMCDStats = StatsDelta(a, b, false, true), StatsDelta(a, b, true, true)
	d.NewFallbacks = NewFallbacks(a, b)
	if b.Proc != nil {
		before := map[string]procnet.Socket{}
		if a.Proc != nil {
			for _, s := range a.Proc.Sockets {
				before[s.Key()] = s
			}
		}
		for _, s := range b.Proc.Sockets {
			sd := SocketDelta{Socket: s}
			if p, ok := before[s.Key()]; ok {
				sd.RxBefore, sd.TxBefore = p.RxQueue, p.TxQueue
				if p.Drops != nil && s.Drops != nil {
					v := counterDelta("", *p.Drops, *s.Drops).Delta
					sd.DropsDelta = &v
				}
			} else if a.Proc.Whole(s.Proto) || a.Proc.IdleOmitted(s.Proto) {
				sd.New = true // absent, or idle: queues and drops were 0
				if s.Drops != nil {
					v := *s.Drops // from 0: a socket made in the interval that overflowed in it
					sd.DropsDelta = &v
				}
			} else {
				sd.Unknown = true
			}
			d.Sockets = append(d.Sockets, sd)
		}
	}
	return d
}

func counterDelta(name string, va, vb uint64) CounterDelta {
	c := CounterDelta{Name: name, Before: va, After: vb}
	switch {
	case vb >= va:
		c.Delta = vb - va
	case va <= math.MaxUint32 && vb <= math.MaxUint32:
		c.Delta = uint64(uint32(vb - va))
	default:
		c.Delta, c.Reset = vb, true
	}
	return c
}

// GrowthTracker flags socket queues that keep growing across consecutive
// deltas (--watch): an application not reading (rx_queue) or a peer not
// acknowledging (TCP tx_queue).
type GrowthTracker struct {
	// MinIntervals is how many consecutive growing intervals flag a queue
	// (2 when zero).
	MinIntervals int
	runs         map[string]int
}

// Growing is a flagged socket queue.
type Growing struct {
	Socket    procnet.Socket `json:"socket"`
	Queue     string         `json:"queue"` // "rx_queue" or "tx_queue"
	Intervals int            `json:"intervals"`
	Now       uint64         `json:"now"`
}

// Observe feeds the next delta and returns the queues that grew in at least
// MinIntervals consecutive deltas, sorted by socket key.
func (g *GrowthTracker) Observe(d *Delta) []Growing {
	if g.runs == nil {
		g.runs = map[string]int{}
	}
	min := g.MinIntervals
	if min <= 0 {
		min = 2
	}
	seen := map[string]bool{}
	var out []Growing
	for _, s := range d.Sockets {
		if s.New || s.Unknown {
			continue
		}
		for _, q := range []struct {
			name        string
			before, now uint64
		}{{"rx_queue", s.RxBefore, s.Socket.RxQueue}, {"tx_queue", s.TxBefore, s.Socket.TxQueue}} {
			k := s.Socket.Key() + " " + q.name
			seen[k] = true
			if q.now > q.before {
				g.runs[k]++
			} else {
				g.runs[k] = 0
			}
			if g.runs[k] >= min {
				out = append(out, Growing{Socket: s.Socket, Queue: q.name, Intervals: g.runs[k], Now: q.now})
			}
		}
	}
	for k := range g.runs {
		if !seen[k] {
			delete(g.runs, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ki, kj := out[i].Socket.Key()+out[i].Queue, out[j].Socket.Key()+out[j].Queue
		return ki < kj
	})
	return out
}
