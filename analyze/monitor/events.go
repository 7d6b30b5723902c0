package monitor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/smcdump/smcdump/analyze/correlate"
	"github.com/smcdump/smcdump/analyze/mcast"
	"github.com/smcdump/smcdump/analyze/smcflow"
)

// EventSchema identifies the JSON event format (README "Monitoring").
const EventSchema = "smcdump.monitor/v1"

// Event types.
const (
	EventConnection   = "connection"    // a connection's SMC verdict (its handshake resolved and the analysis finished it)
	EventGap          = "gap"           // a multicast/UDP sequence gap
	EventStreamStart  = "stream-start"  // a UDP stream's first datagram was analyzed
	EventStreamStop   = "stream-stop"   // a UDP stream went idle (or the capture ended): its final counts
	EventCaptureDrops = "capture-drops" // the capture itself dropped packets (ring full)
	EventCounters     = "counters"      // kernel-counter verdicts over one stats interval
	EventInterface    = "interface"     // a capture interface went down or away, or the capture resumed on it
	EventOutageGap    = "outage-gap"    // a sequence gap spanning an outage of the capture interface: not seen, not lost
	EventStreamReset  = "stream-reset"  // a UDP stream's sender restarted or began a new session
)

// Event is one thing the monitor found. Exactly one of the detail fields
// is set, as Type says.
type Event struct {
	Schema     string          `json:"schema"`
	Time       time.Time       `json:"time"`
	Type       string          `json:"event"`
	Connection *ConnEvent      `json:"connection,omitempty"`
	Gap        *GapEvent       `json:"gap,omitempty"`
	Stream     *StreamEvent    `json:"stream,omitempty"`
	Drops      *DropsEvent     `json:"capture_drops,omitempty"`
	Counters   *CountersEvent  `json:"counters,omitempty"`
	Interface  *InterfaceEvent `json:"interface,omitempty"`
	Reset      *ResetEvent     `json:"reset,omitempty"`
}

// ResetEvent says a stream's sequence started again: the sender restarted
// (an mtools echo, a sequence from 0 again), a new MoldUDP64 session, or a
// jump too large to be loss. No loss is counted across it.
type ResetEvent struct {
	Src       string `json:"src"`
	Dst       string `json:"dst"`
	Interface string `json:"interface,omitempty"` // as StreamEvent.Interface
	From      uint64 `json:"from"`                // highest sequence before the reset
	To        uint64 `json:"to"`                  // first sequence after it
	Reason    string `json:"reason"`
	Frame     int    `json:"frame,omitempty"` // first datagram of the new sequence (the monitor's numbering)
}

// InterfaceEvent says a capture interface went down (set down, or its
// device deleted) or is captured on again. While it is down the capture
// goes on on the other interfaces; the gaps of its streams that span the
// outage are outage-gap events, not gaps.
type InterfaceEvent struct {
	Name  string `json:"name"`
	State string `json:"state"` // "down" or "up"
	// Gone: the device was deleted (the capture resumes on a device
	// created again under the same name).
	Gone    bool   `json:"gone,omitempty"`
	Reason  string `json:"reason,omitempty"` // down: the error the capture socket reported
	Ifindex int    `json:"ifindex"`          // the kernel's interface index (up: a new one when the device was re-created)
	// DownSeconds (up): how long the interface was down, as the capture
	// noticed it (looked up every second).
	DownSeconds *float64 `json:"down_seconds,omitempty"`
}

// ConnEvent is a connection's SMC verdict, as `smcdump analyze` gives it.
type ConnEvent struct {
	Client  string          `json:"client"`
	Server  string          `json:"server"`
	Tunnel  string          `json:"tunnel,omitempty"` // the tunnel the connection was seen inside
	Outcome smcflow.Outcome `json:"outcome"`
	Reason  string          `json:"reason,omitempty"`
	Variant string          `json:"variant,omitempty"` // e.g. SMC-Rv2, when SMC was used
	Code    string          `json:"code,omitempty"`    // decline/fallback code, 0x03010000 for a peer without SMC
	Name    string          `json:"code_name,omitempty"`
	By      string          `json:"by,omitempty"` // side that declined or fell back
	// LatencySeconds is SYN to Confirm (SMC) or to the Decline, when measurable.
	LatencySeconds *float64 `json:"latency_seconds,omitempty"`
	Summary        string   `json:"summary"`
	// Revised is set when the connection's final verdict (when it ended)
	// differs from the one reported when its handshake resolved: this
	// event replaces that one.
	Revised bool `json:"revised,omitempty"`
}

// GapEvent is a run of missing sequence numbers of one stream.
type GapEvent struct {
	Src          string `json:"src"`
	Dst          string `json:"dst"`
	Key          string `json:"key,omitempty"` // RTP: ssrc=0x...
	FirstMissing uint64 `json:"first_missing"`
	Count        uint64 `json:"count"`
	Frame        int    `json:"frame,omitempty"` // frame (of the monitor's numbering) that revealed it
	// Unlisted counts gaps beyond the per-stream list limit, found since
	// the previous look (FirstMissing and Count are then 0).
	Unlisted uint64 `json:"unlisted,omitempty"`
	// Membership: the IGMP/MLD message of the stream's group that explains
	// the gap (a leave, a record that stopped the source, an expired
	// membership), as in the analyze report
	Membership *mcast.GapMembership `json:"membership,omitempty"`
	// Interface (outage-gap only): the capture interface that was down
	// while the missing datagrams would have come.
	Interface string `json:"interface,omitempty"`
}

// StreamEvent is a UDP stream starting or stopping.
type StreamEvent struct {
	Src  string `json:"src"`
	Dst  string `json:"dst"`
	VLAN uint16 `json:"vlan,omitempty"`
	// Interface names the capture interface when the monitor captures on
	// several, or on "any" (then the interface of the stream's packets):
	// each interface's copy of a stream is a stream of its own.
	Interface string `json:"interface,omitempty"`
	Format    string `json:"format,omitempty"`
	Packets   uint64 `json:"packets"`
	Received  uint64 `json:"received"`
	Lost      uint64 `json:"lost"`
	Dups      uint64 `json:"duplicates"`
	Reordered uint64 `json:"reordered"`
	Gaps      uint64 `json:"gaps"`
	// Unobserved (stream-stop): units missing in gaps that spanned an
	// outage of the capture interface, not counted in Lost and Gaps
	// (their gaps in Final have the verdict "outage").
	Unobserved uint64 `json:"unobserved,omitempty"`
	// Final is the stream's complete analysis (stream-stop only), as in
	// the multicast section of `smcdump analyze --json`.
	Final *mcast.Stream `json:"final,omitempty"`
}

// DropsEvent says the capture dropped packets.
type DropsEvent struct {
	Interface string `json:"interface"`
	Dropped   uint64 `json:"dropped"` // since the previous reading
	Total     uint64 `json:"total"`   // since the capture started
}

// CountersEvent holds the kernel-counter verdicts of one interval.
type CountersEvent struct {
	From     time.Time           `json:"from"`
	To       time.Time           `json:"to"`
	Verdicts []correlate.Verdict `json:"verdicts"`
}

func connEvent(c *smcflow.Conn) *ConnEvent {
	ce := &ConnEvent{Client: c.Client.String(), Server: c.Server.String(), Tunnel: c.Tunnel, Outcome: c.Outcome, Reason: c.Reason, Summary: c.Summary}
	if c.SMC != nil && c.Outcome == smcflow.OutcomeSMC {
		ce.Variant = c.SMC.Variant
	}
	switch {
	case c.Decline != nil:
		ce.Code, ce.Name, ce.By = c.Decline.Code, c.Decline.Name, c.Decline.By
	case c.Reason == smcflow.ReasonPeerNoSMC:
		ce.Code, ce.Name, ce.By = "0x03010000", "SMC_CLC_DECL_PEERNOSMC", "client"
	}
	if ms := c.Latency.HandshakeMS; ms != nil {
		s := *ms / 1000
		ce.LatencySeconds = &s
	}
	return ce
}

func gapEvent(src, dst netip.AddrPort, g *mcast.Gap) *GapEvent {
	return &GapEvent{Src: src.String(), Dst: dst.String(), Key: g.Key, FirstMissing: g.FirstMissing, Count: g.Count, Frame: g.Frame, Membership: g.Membership}
}

func streamEvent(ls *mcast.LiveStream, final *mcast.Stream) *StreamEvent {
	return &StreamEvent{Src: ls.Src.String(), Dst: ls.Dst.String(), VLAN: ls.VLAN, Format: ls.Format, Packets: ls.Packets,
		Received: ls.Received, Lost: ls.Lost, Dups: ls.Dups, Reordered: ls.Reordered, Gaps: ls.Gaps, Final: final}
}

// WriteJSON writes ev as one JSON line.
func (ev *Event) WriteJSON(w io.Writer) error {
	ev.Schema = EventSchema
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// WriteText writes ev as one line (a counters event: one line per verdict).
func (ev *Event) WriteText(w io.Writer) error {
	ts := ev.Time.UTC().Format("2006-01-02T15:04:05.000000Z")
	var b strings.Builder
	switch {
	case ev.Connection != nil:
		c := ev.Connection
		fmt.Fprintf(&b, "%s smc %s %s -> %s", ts, c.Outcome, c.Client, c.Server)
		if c.Variant != "" {
			fmt.Fprintf(&b, " %s", c.Variant)
		}
		if c.Reason != "" {
			fmt.Fprintf(&b, " reason=%s", c.Reason)
		}
		if c.Code != "" {
			fmt.Fprintf(&b, " code=%s", c.Code)
			if c.Name != "" {
				fmt.Fprintf(&b, " (%s)", strings.TrimPrefix(c.Name, "SMC_CLC_DECL_"))
			}
		}
		if c.By != "" {
			fmt.Fprintf(&b, " by=%s", c.By)
		}
		if c.LatencySeconds != nil {
			fmt.Fprintf(&b, " latency=%.6fs", *c.LatencySeconds)
		}
		if c.Tunnel != "" {
			fmt.Fprintf(&b, " tunnel=%q", c.Tunnel)
		}
		if c.Revised {
			b.WriteString(" (revised)")
		}
		b.WriteByte('\n')
	case ev.Gap != nil && ev.Type == EventOutageGap:
		g := ev.Gap
		key := ""
		if g.Key != "" {
			key = " " + g.Key
		}
		fmt.Fprintf(&b, "%s outage-gap %s -> %s%s first-missing=%d count=%d interface=%s (not seen: the capture interface was down)\n", ts, g.Src, g.Dst, key, g.FirstMissing, g.Count, g.Interface)
	case ev.Gap != nil:
		g := ev.Gap
		if g.Unlisted > 0 {
			fmt.Fprintf(&b, "%s gap %s -> %s %d more gaps (not listed)\n", ts, g.Src, g.Dst, g.Unlisted)
			break
		}
		key := ""
		if g.Key != "" {
			key = " " + g.Key
		}
		fmt.Fprintf(&b, "%s gap %s -> %s%s first-missing=%d count=%d", ts, g.Src, g.Dst, key, g.FirstMissing, g.Count)
		if m := g.Membership; m != nil {
			fmt.Fprintf(&b, " cause=%s by=%s frame=%d", m.Cause, m.Host, m.Frame)
		}
		b.WriteByte('\n')
	case ev.Stream != nil:
		s := ev.Stream
		on := ""
		if s.Interface != "" {
			on = " on " + s.Interface
		}
		if ev.Type == EventStreamStart {
			fmt.Fprintf(&b, "%s stream-start %s -> %s%s\n", ts, s.Src, s.Dst, on)
			break
		}
		fmt.Fprintf(&b, "%s stream-stop %s -> %s%s format=%s packets=%d received=%d lost=%d gaps=%d duplicates=%d reordered=%d",
			ts, s.Src, s.Dst, on, s.Format, s.Packets, s.Received, s.Lost, s.Gaps, s.Dups, s.Reordered)
		if s.Unobserved > 0 {
			fmt.Fprintf(&b, " unobserved=%d", s.Unobserved)
		}
		b.WriteByte('\n')
	case ev.Reset != nil:
		r := ev.Reset
		on := ""
		if r.Interface != "" {
			on = " on " + r.Interface
		}
		fmt.Fprintf(&b, "%s stream-reset %s -> %s%s from=%d to=%d reason=%q\n", ts, r.Src, r.Dst, on, r.From, r.To, r.Reason)
	case ev.Drops != nil:
		fmt.Fprintf(&b, "%s capture-drops %s dropped=%d total=%d\n", ts, ev.Drops.Interface, ev.Drops.Dropped, ev.Drops.Total)
	case ev.Interface != nil:
		i := ev.Interface
		if i.State == "up" {
			fmt.Fprintf(&b, "%s interface %s up ifindex=%d", ts, i.Name, i.Ifindex)
			if i.DownSeconds != nil {
				fmt.Fprintf(&b, " down=%.3fs", *i.DownSeconds)
			}
			b.WriteString(": capturing again\n")
			break
		}
		fmt.Fprintf(&b, "%s interface %s down", ts, i.Name)
		if i.Gone {
			b.WriteString(" deleted")
		}
		if i.Reason != "" {
			fmt.Fprintf(&b, " (%s)", i.Reason)
		}
		b.WriteString(": not capturing on it until it is back; its streams' gaps meanwhile are outage-gaps, not loss\n")
	case ev.Counters != nil:
		if len(ev.Counters.Verdicts) == 0 {
			fmt.Fprintf(&b, "%s counters nothing to correlate\n", ts)
		}
		for _, v := range ev.Counters.Verdicts {
			subj := ""
			if v.Subject != "" {
				subj = " " + v.Subject + ":"
			}
			fmt.Fprintf(&b, "%s counters %s [%s]%s %s\n", ts, v.Kind, v.Confidence, subj, v.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
