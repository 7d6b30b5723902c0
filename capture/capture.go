package capture

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/net/bpf"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// DefaultSnaplen is the snapshot length used when Config.Snaplen is 0, as in
// tcpdump (docs/capture.md §5.1).
const DefaultSnaplen = pcapfile.DefaultSnaplen

// DefaultBufferKiB is the default ring size in KiB (64 MiB). docs/capture.md §0 and
// §1.4: ring size decides drops; 2 MiB dropped, 64 MiB dropped nothing.
const DefaultBufferKiB = 64 * 1024

// DefaultBlockTimeout is the default TPACKET_V3 block-retire timeout
// (docs/capture.md §1.4 recommends 10–100 ms).
const DefaultBlockTimeout = 20 * time.Millisecond

// Direction selects packets by direction, like tcpdump -Q.
type Direction int

const (
	// DirectionInOut captures both directions (the default).
	DirectionInOut Direction = iota
	// DirectionIn captures packets received by the host only.
	DirectionIn
	// DirectionOut captures packets sent by the host only.
	DirectionOut
)

// ParseDirection parses a tcpdump -Q argument ("in", "out", "inout").
func ParseDirection(s string) (Direction, error) {
	switch s {
	case "", "inout":
		return DirectionInOut, nil
	case "in":
		return DirectionIn, nil
	case "out":
		return DirectionOut, nil
	}
	return 0, fmt.Errorf("invalid direction %q (want in, out or inout)", s)
}

// String returns the tcpdump -Q spelling of d.
func (d Direction) String() string {
	switch d {
	case DirectionIn:
		return "in"
	case DirectionOut:
		return "out"
	}
	return "inout"
}

// Filter is a compiled capture filter. The capture engine asks it for a
// kernel program per interface link type (attached before bind, docs/capture.md
// §1.3) and, where the kernel cannot run the program on the frame as written
// (the cooked SLL2 frames of "-i any"), for a userland matcher. The cmd
// package implements it with capture/bpffilter.
type Filter interface {
	// Expression returns the filter text (written to pcapng if_filter).
	Expression() string
	// KernelProgram returns the program the kernel runs on frames of
	// linkType (live mode). The program's accept value must be snaplen.
	KernelProgram(linkType pcapfile.LinkType, snaplen int) ([]bpf.Instruction, error)
	// Matcher returns a function that evaluates the filter on a frame of
	// linkType as it is written to the file (offline mode).
	Matcher(linkType pcapfile.LinkType, snaplen int) (func(data []byte, wireLen int) bool, error)
}

// LiveMatcher is implemented by a Filter whose kernel program can also run
// in userland as the kernel runs it: on the frame a socket filter sees
// (without the outer VLAN tag) with the metadata its ancillary loads read.
// Following IP fragments (Config.NoFollowFragments) needs it.
type LiveMatcher interface {
	LiveMatcher(linkType pcapfile.LinkType, snaplen int) (func(data []byte, wireLen int, vlanPresent bool, vlanTCI uint16, pktType uint8, ifindex int) bool, error)
}

// Config configures a live capture.
type Config struct {
	// Interfaces to capture on; "any" captures on all interfaces with cooked
	// SLL2 headers. At least one is required.
	Interfaces []string
	// Snaplen is the maximum bytes kept per packet; 0 means DefaultSnaplen.
	Snaplen int
	// BufferKiB is the ring size per interface in KiB; 0 means DefaultBufferKiB.
	BufferKiB int
	// BlockSize overrides the ring block size in bytes (a multiple of the page
	// size); 0 chooses 1–4 MiB from BufferKiB and Snaplen.
	BlockSize int
	// BlockTimeout is the block-retire timeout of each ring; 0 means
	// DefaultBlockTimeout, times the number of rings read (fanout rings of
	// every interface) up to 4x, so that several rings wake the reader about
	// as often as one.
	BlockTimeout time.Duration
	// NoPromisc disables promiscuous mode (tcpdump -p).
	NoPromisc bool
	// Direction filters by packet direction (tcpdump -Q).
	Direction Direction
	// Filter is the capture filter; nil captures everything.
	Filter Filter
	// PollTimeout bounds how long Next waits in one wait for packets; 0
	// means 1 s. Stop and Close wake a wait at once (a deadline on the
	// netpoller, an eventfd in ppoll), and the kernel hands over a partly
	// filled block after BlockTimeout: the timeout only paces the check for
	// a device that went down or away (SO_ERROR: after a wait that timed
	// out, and with several rings at least once per timeout while others
	// keep delivering).
	// Shorter timeouts cost an idle capture wake-ups (100 ms: 74 context
	// switches and 4 ms of CPU per second on a 2-vCPU VM; 1 s: 15 and 1 ms).
	PollTimeout time.Duration
	// Fanout is the number of rings per interface, joined in one
	// PACKET_FANOUT_HASH group so that a flow stays on one ring; the
	// packets of all rings are merged back into time order (see
	// docs/capture.md, "Fanout"). 0 or 1: a single ring (no fanout);
	// FanoutAuto: one ring per usable CPU (UsableCPUs: fewer under a cgroup
	// CPU limit) when capturing on one interface, a single ring otherwise. BufferKiB is the total of an interface's rings: each
	// gets BufferKiB/Fanout (at least two blocks). At most MaxFanout.
	Fanout int
	// FanoutDefrag sets PACKET_FANOUT_FLAG_DEFRAG: the kernel reassembles
	// IPv4 fragments before choosing the ring, so all fragments of a
	// datagram land on one ring — and the capture sees the reassembled
	// datagram instead of the fragments. Off by default for that reason.
	FanoutDefrag bool
	// NoFollowFragments turns off following IP fragments (docs/capture.md
	// §1.8): by default, when a filter selects the first fragment of an
	// IPv4 or IPv6 datagram, its other fragments are captured too, although
	// they lack the ports the filter names; with NoFollowFragments the
	// filter decides each fragment on its own, as tcpdump's does.
	NoFollowFragments bool
	// OnLink, when set, keeps the capture going when one of its
	// interfaces goes down or away (its socket reports ENETDOWN or
	// ENODEV: "ip link set X down", the device deleted): OnLink gets a
	// LinkEvent with Up false, the other interfaces go on delivering
	// packets, the interface is looked up every LinkRetry (by name, in
	// the network namespace the capture was opened in) and the capture
	// resumes on it once it is up again, also when it was deleted and
	// created again under the same name with a new ifindex (the socket is
	// bound to the new device; not possible for Fanout rings, whose
	// sockets cannot leave their group: OnLink then reports the failure
	// in LinkEvent.Err and the interface stays down); OnLink then gets
	// Up true. Packets the ring held when the interface went down are
	// still delivered. OnLink runs on the goroutine calling Next, during
	// Next: it must not call Next or Close. The "any" pseudo-device never
	// goes down. Nil: Next returns an *InterfaceDownError, and the
	// capture ends as tcpdump's does ("The interface went down").
	OnLink func(LinkEvent)
	// LinkRetry is how often an interface that is down is looked up
	// (OnLink); 0 means DefaultLinkRetry.
	LinkRetry time.Duration
}

// DefaultLinkRetry is how often a capture with Config.OnLink looks up an
// interface that went down.
const DefaultLinkRetry = time.Second

// LinkEvent reports an interface of a capture going down or away, or
// coming back (Config.OnLink).
type LinkEvent struct {
	Interface int    // index into Handle.Interfaces (pcapng interface id)
	Name      string // interface name
	Up        bool   // false: down or deleted; true: capturing again
	// Gone: the device was deleted (ENODEV), not only set down.
	Gone bool
	// Ifindex is the kernel's interface index: the one the capture was
	// bound to when it went down, the new one when it is up again (it
	// differs when the device was deleted and created again).
	Ifindex int
	// Err: when going down, the socket error that reported it
	// (ENETDOWN, ENODEV); with Up false and Retry set, why the capture
	// could not resume on the interface although it is back.
	Err error
	// Retry is set on an event that does not change the state: the
	// interface is back but the capture could not resume on it (Err).
	Retry bool
	// Time is when the capture noticed.
	Time time.Time
}

// InterfaceDownError is what Next returns when an interface went down or
// away during a capture without Config.OnLink (tcpdump: "The interface
// went down", "The interface disappeared").
type InterfaceDownError struct {
	Name string
	Gone bool  // the device was deleted
	Err  error // the socket error (ENETDOWN, ENODEV)
}

func (e *InterfaceDownError) Error() string {
	what := "The interface went down"
	if e.Gone {
		what = "The interface disappeared"
	}
	return fmt.Sprintf("capture: %s: %s (%v)", e.Name, what, e.Err)
}

func (e *InterfaceDownError) Unwrap() error { return e.Err }

// FanoutAuto as Config.Fanout asks for one ring per usable CPU
// (UsableCPUs) on a capture of one interface.
const FanoutAuto = -1

// MaxFanout bounds Config.Fanout (the kernel allows 256 sockets per group;
// more rings than CPUs only split the ring memory thinner).
const MaxFanout = 64

// FanoutRings resolves Config.Fanout for a capture on nIfaces interfaces
// by a process that can keep ncpu CPUs busy (UsableCPUs): the number of
// rings per interface (≥ 1).
func FanoutRings(fanout, nIfaces, ncpu int) int {
	switch {
	case fanout == FanoutAuto && nIfaces == 1:
		return min(max(ncpu, 1), MaxFanout)
	case fanout <= 1:
		return 1
	}
	return min(fanout, MaxFanout)
}

// MergeWindow is how long a packet is held at most, measured from its time
// stamp, while another ring of a multi-ring capture has not delivered the
// block that may hold older packets: twice the block-retire timeout plus
// 10 ms. A packet that reaches the merge later than that (older than one
// already handed out) is still delivered, out of time order, and counted
// in Counters.Late.
func MergeWindow(blockTimeout time.Duration) time.Duration {
	if blockTimeout <= 0 {
		blockTimeout = DefaultBlockTimeout
	}
	return 2*blockTimeout + 10*time.Millisecond
}

// Counters are the cumulative ring counters of one capture interface. They
// are written to pcapng files as Interface Statistics Blocks (see ISB).
type Counters struct {
	// Received is Σ tp_packets: packets that passed the kernel filter,
	// including the ones dropped for lack of ring space (tcpdump's "received
	// by filter").
	Received uint64
	// Dropped is Σ tp_drops: packets that passed the filter but found no room
	// in the ring (tcpdump's "dropped by kernel"; pcapng isb_osdrop).
	Dropped uint64
	// IfDropped counts packets the interface or its driver dropped since the
	// capture started (rx_missed_errors + rx_fifo_errors, as libpcap's
	// ps_ifdrop; tcpdump's "dropped by interface"; pcapng isb_ifdrop). It
	// counts all packets, not only those the filter accepts. Valid only when
	// IfDropKnown.
	IfDropped   uint64
	IfDropKnown bool
	// FreezeQueue is Σ tp_freeze_q_cnt.
	FreezeQueue uint64
	// Captured is the number of packets delivered by Next.
	Captured uint64
	// UserFiltered counts packets rejected in userland: by the filter of
	// "-i any" (run in userland), by direction checks the kernel did not
	// make, and the IP fragments that the kernel let through unjudged for
	// following (Config.NoFollowFragments) but that neither belong to a
	// datagram the filter selected nor match it. Received counts them too.
	UserFiltered uint64
	// Late counts packets of a multi-ring capture delivered out of time
	// order: their time stamp is older than that of a packet already
	// delivered (they reached the merge after the MergeWindow). They are
	// delivered, never dropped.
	Late uint64
	// Unordered counts packets one ring itself delivered older than the
	// ring's packet before them (the kernel stamped them so: two CPUs
	// receiving for one socket); they are written as they came, not
	// counted in Late.
	Unordered uint64
	// Start and End bound the time the counters cover.
	Start, End time.Time
}

// ISB returns the counters as the pcapng Interface Statistics Block of
// interface iface: isb_ifrecv = Received (Σ tp_packets: the packets the
// kernel program accepted); isb_filteraccept = Received - UserFiltered
// (the filter's own verdict: the kernel program also lets through what is
// filtered in userland, on "-i any" and the fragments it lets through for
// following); isb_osdrop =
// Dropped (Σ tp_drops: dropped by the operating system because the ring was
// full); isb_ifdrop = IfDropped (dropped by the interface or its driver),
// only when IfDropKnown; isb_usrdeliv = Captured. A zero End means now.
// (Files written before issue 9 carried the ring drops in both isb_ifdrop
// and isb_osdrop; capture/PCAPNG.md says how readers tell them apart.)
func (c Counters) ISB(iface int) pcapfile.InterfaceStats {
	end := c.End
	if end.IsZero() {
		end = time.Now()
	}
	recv, drop, deliv := c.Received, c.Dropped, c.Captured
	// The kernel counts what its program accepted; the filter accepted
	// that less what was rejected in userland (-i any, fragments the
	// kernel let through for following).
	accept := recv - min(recv, c.UserFiltered)
	s := pcapfile.InterfaceStats{Interface: iface, Time: end, End: &end,
		IfRecv: &recv, FilterAccept: &accept, OSDrop: &drop, UsrDeliv: &deliv}
	if !c.Start.IsZero() {
		start := c.Start
		s.Start = &start
	}
	if c.IfDropKnown {
		ifdrop := c.IfDropped
		s.IfDrop = &ifdrop
	}
	return s
}

// Stats are the counters of all interfaces of a Handle, in Interfaces() order.
type Stats struct {
	Interfaces []Counters
	// Rings are the counters of every ring (several per interface with
	// Config.Fanout), interface by interface; Interfaces sums them.
	Rings []RingCounters
}

// RingCounters are the counters of one ring of an interface.
type RingCounters struct {
	Interface int    // index into Stats.Interfaces
	Name      string // interface name
	Ring      int    // ring number within the interface's fanout group
	Received  uint64 // Σ tp_packets
	Dropped   uint64 // Σ tp_drops
	Captured  uint64 // delivered by Next
}

// ISBs returns the counters of every interface as pcapng Interface
// Statistics Blocks (pcapfile.OutputConfig.Stats).
func (s Stats) ISBs() []pcapfile.InterfaceStats {
	out := make([]pcapfile.InterfaceStats, len(s.Interfaces))
	for i, c := range s.Interfaces {
		out[i] = c.ISB(i)
	}
	return out
}

// Total sums the counters of all interfaces.
func (s Stats) Total() Counters {
	var t Counters
	for i, is := range s.Interfaces {
		t.Received += is.Received
		t.Dropped += is.Dropped
		if is.IfDropKnown {
			t.IfDropped += is.IfDropped
			t.IfDropKnown = true
		}
		t.FreezeQueue += is.FreezeQueue
		t.Captured += is.Captured
		t.UserFiltered += is.UserFiltered
		t.Late += is.Late
		t.Unordered += is.Unordered
		if i == 0 || is.Start.Before(t.Start) {
			t.Start = is.Start
		}
		if is.End.After(t.End) {
			t.End = is.End
		}
	}
	return t
}

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("capture: handle closed")

// ErrNotSupported is returned on systems without AF_PACKET.
var ErrNotSupported = errors.New("capture: live capture is only supported on Linux")

// PermissionError reports that the process lacks CAP_NET_RAW.
type PermissionError struct{ Err error }

func (e *PermissionError) Error() string {
	return "capturing needs CAP_NET_RAW (" + e.Err.Error() + "): run as root, or grant it once with: sudo setcap cap_net_raw,cap_net_admin=eip $(which smcdump)"
}

func (e *PermissionError) Unwrap() error { return e.Err }

// InterfaceError reports a problem with a named interface (unknown, down).
type InterfaceError struct {
	Name   string
	Reason string
}

func (e *InterfaceError) Error() string {
	return fmt.Sprintf("%s: %s", e.Name, e.Reason)
}
