//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/smcdump/smcdump/capture/pcapfile"
)

// TPACKET_V3 layout offsets (linux/if_packet.h). Block descriptor:
// version u32, offset_to_priv u32, then tpacket_hdr_v1 {block_status u32,
// num_pkts u32, offset_to_first_pkt u32, blk_len u32, seq_num u64,
// ts_first_pkt {sec u32, nsec u32}, ts_last_pkt}.
const (
	bdBlockStatus = 8
	bdNumPkts     = 12
	bdFirstPkt    = 16
	bdTsFirstSec  = 32
	bdTsFirstNsec = 36

	// tpacket3_hdr: next_offset u32, sec u32, nsec u32, snaplen u32, len u32,
	// status u32, mac u16, net u16, hv1 {rxhash u32, vlan_tci u32,
	// vlan_tpid u16, padding u16}, padding[8]; sockaddr_ll follows at
	// TPACKET_ALIGN(sizeof(tpacket3_hdr)) = 48.
	phNext     = 0
	phSec      = 4
	phNsec     = 8
	phSnaplen  = 12
	phLen      = 16
	phStatus   = 20
	phMac      = 24
	phVlanTCI  = 32
	phVlanTPID = 36
	phSLL      = 48

	sllProtocol = 2
	sllIfindex  = 4
	sllHatype   = 8
	sllPkttype  = 10
	sllHalen    = 11
	sllAddr     = 12

	sll2HeaderLen = 20
	vlanTagLen    = 4
)

// drainMax bounds how long Next keeps draining after Stop.
const drainMax = time.Second

// Handle is an open live capture on one or more interfaces, each with its own
// AF_PACKET TPACKET_V3 ring. Next must be called from one goroutine at a time;
// Stats, Stop and Close may be called from any goroutine.
type Handle struct {
	cfg    Config
	rings  []*ring
	ifaces []pcapfile.Interface
	evfd   int
	pfds   []unix.PollFd
	// With several rings, an epoll instance over their sockets is itself put
	// on the Go netpoller, so waiting never blocks a thread in ppoll.
	epFile *os.File
	epFD   int // never call epFile.Fd(): it would switch the fd to blocking
	epRC   syscall.RawConn
	epEvts []unix.EpollEvent

	readMu    sync.Mutex // held by Next; Close takes it to unmap safely
	statsMu   sync.Mutex
	closed    atomic.Bool
	stopping  atomic.Bool
	woken     atomic.Bool // Stop/Close asked a netpoller wait to return
	drainEnd  time.Time
	drainHard time.Time
	gotBlock  bool
	// errChecked is when the rings' SO_ERROR was last read (waitEpoll).
	errChecked time.Time

	// Interfaces that went down (Config.OnLink, link.go): per interface
	// whether it is down and whether its device was deleted, how many are
	// down, and when they are looked up next. ctlFD is a socket of the
	// capture's network namespace for the look-ups by name (-1: none).
	ifDown    []bool
	ifGone    []bool
	ifRetry   []string // the last reason a resume failed (reported once)
	nDown     int
	nextLook  time.Time
	linkRetry time.Duration
	ctlFD     int

	cur     *ring // ring whose block is being read
	frames  int   // packets delivered (Packet.Frame of the last one)
	scratch []byte
	// follow is the table of IP datagrams whose fragments are followed
	// (fragfollow.go), shared by the rings: a datagram's fragments may
	// reach different rings.
	follow      fragFollower
	fragScratch fragInfo
	viewBuf     []byte // unfragmentedView's frame
	kview       kernelView
	start       time.Time

	// merge state of a multi-ring handle (nextMerged)
	window    time.Duration // MergeWindow
	lastNS    int64         // time stamp of the last packet delivered
	holdSince time.Time     // when the merge started waiting for a lagging ring
	flushing  bool          // drain over: hand out what is held, then EOF

	ifd *ifDropper // interface drop counters (nil if unavailable)
}

type ring struct {
	idx       int                  // interface index (pcapng interface id)
	fan       int                  // ring number within the interface's fanout group
	name      string               // interface name (Packet.Interface)
	prog      []bpf.RawInstruction // kernel filter, attached after the fanout join
	fd        int
	mem       []byte
	blockSize int
	blockNr   int
	block     int // current block index
	// state of the block being read
	reading   bool
	remaining int
	off       int // offset of the next packet header in mem

	linkType  pcapfile.LinkType
	cooked    bool // SOCK_DGRAM, SLL2 header built in userland
	ifindex   int
	loIfindex int // ifindex of the loopback device, for duplicate removal
	isLo      bool
	matcher   func([]byte, int) bool
	// follow: this ring follows IP fragments (fragfollow.go); fragMatch
	// is the kernel program's filter run in userland (LiveMatcher), for
	// the fragments the program's fragment prefix let through unjudged
	// (nil on cooked rings, whose matcher is the filter).
	follow    bool
	fragMatch func(data []byte, wireLen int, vlanPresent bool, vlanTCI uint16, pktType uint8, ifindex int) bool
	snaplen   int
	maxPacket int // largest packet the interface delivers (GRO included)

	// file and rc put the socket on the Go netpoller (single-ring handles):
	// waiting there instead of in a blocking ppoll avoids the runtime's
	// syscall hand-off and sysmon churn at every wait.
	file *os.File
	rc   syscall.RawConn

	captured     atomic.Uint64 // published copy of nCaptured (per block)
	userFiltered atomic.Uint64
	nCaptured    uint64 // reader-owned
	nFiltered    uint64
	received     uint64 // Σ tp_packets, under Handle.statsMu
	dropped      uint64
	freeze       uint64
	// interface drops (rx_missed + rx_fifo) when the capture started and
	// the latest delta; ifKnown tells whether they could be read
	ifBase    uint64
	ifDropped uint64
	ifKnown   bool
	// ifAcc: interface drops of the devices the ring was bound to before
	// (a deleted and re-created interface counts from 0 again)
	ifAcc uint64

	// merge state (multi-ring handles): time stamp of the packet at r.off,
	// of the last packet read, and the blocks read but not yet returned to
	// the kernel (the ones before r.block; their packets are still in the
	// caller's batch).
	headNS   int64
	lastNS   int64
	relCount int
	nLate    uint64
	late     atomic.Uint64
	// nUnordered, unordered: Counters.Unordered of this ring
	nUnordered uint64
	unordered  atomic.Uint64
}

// groupBlockTimeout is the default block-retire timeout of each ring of a
// capture with rings rings (fanout rings of every interface): the default
// timeout times the number of rings, at most 4x. Below the rate that fills
// a block within the timeout, each ring retires a partly filled block per
// timeout on its own clock, and every retired block wakes the reader; with
// the longer timeout the rings together wake it about as often as one ring
// would (BENCHMARKS.md, issue 14, goal 4). Partly filled blocks then wait up
// to 80 ms instead of 20 before they are written.
func groupBlockTimeout(rings int) time.Duration {
	return DefaultBlockTimeout * time.Duration(min(max(rings, 1), 4))
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Open opens a live capture as described by cfg. The set-up order follows
// docs/capture.md §1.3: socket with protocol 0, filter attached, ring mapped, and
// only then bind, so no unfiltered packet enters the ring.
func Open(cfg Config) (*Handle, error) {
	if len(cfg.Interfaces) == 0 {
		return nil, errors.New("capture: no interface given")
	}
	if cfg.Snaplen <= 0 {
		cfg.Snaplen = DefaultSnaplen
	}
	if cfg.BufferKiB <= 0 {
		cfg.BufferKiB = DefaultBufferKiB
	}
	nFan := FanoutRings(cfg.Fanout, len(cfg.Interfaces), UsableCPUs())
	if cfg.BlockTimeout <= 0 {
		cfg.BlockTimeout = groupBlockTimeout(nFan * len(cfg.Interfaces))
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = time.Second
	}
	if cfg.LinkRetry <= 0 {
		cfg.LinkRetry = DefaultLinkRetry
	}
	h := &Handle{cfg: cfg, evfd: -1, ctlFD: -1, start: time.Now(), linkRetry: cfg.LinkRetry}
	ok := false
	defer func() {
		if !ok {
			h.closeAll()
		}
	}()
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("capture: eventfd: %w", err)
	}
	h.evfd = efd
	loIdx := 0
	if lo, err := loopbackIfindex(); err == nil {
		loIdx = lo
	}
	h.window = MergeWindow(cfg.BlockTimeout)
	seen := map[string]bool{}
	for _, name := range cfg.Interfaces {
		if seen[name] {
			return nil, fmt.Errorf("capture: interface %q given twice", name)
		}
		seen[name] = true
		rs, info, err := openIface(&cfg, name, loIdx, nFan, &h.rings)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			r.idx = len(h.ifaces)
		}
		info.Index = len(h.ifaces)
		h.ifaces = append(h.ifaces, info)
	}
	if cfg.OnLink != nil {
		if err := h.openLinkWatch(); err != nil {
			return nil, err
		}
	}
	if d, err := newIfDropper(); err == nil {
		h.ifd = d
		for _, r := range h.rings {
			if r.ifindex > 0 {
				if v, err := d.drops(r.ifindex); err == nil {
					r.ifBase, r.ifKnown = v, true
				}
			}
		}
	}
	for _, r := range h.rings {
		h.pfds = append(h.pfds, unix.PollFd{Fd: int32(r.fd), Events: unix.POLLIN | unix.POLLERR})
	}
	if len(h.rings) > 1 {
		h.setupEpoll()
	}
	if len(h.rings) == 1 {
		r := h.rings[0]
		if err := unix.SetNonblock(r.fd, true); err == nil {
			f := os.NewFile(uintptr(r.fd), "packet:"+h.ifaces[0].Name)
			if rc, err := f.SyscallConn(); err == nil && f.SetReadDeadline(time.Time{}) == nil {
				r.file, r.rc = f, rc
			} else {
				// Not pollable: keep ppoll. Detach the fd from f first.
				_ = unix.SetNonblock(r.fd, false)
				r.file = nil
			}
		}
	}
	h.pfds = append(h.pfds, unix.PollFd{Fd: int32(h.evfd), Events: unix.POLLIN})
	ok = true
	return h, nil
}

func loopbackIfindex() (int, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return 0, err
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 {
			return ifc.Index, nil
		}
	}
	return 0, errors.New("no loopback")
}

// linkTypeFor maps an ARPHRD type to the link type written to the file and
// whether the interface must be captured cooked (SLL2).
func linkTypeFor(hatype uint16) (pcapfile.LinkType, bool) {
	switch hatype {
	case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK:
		return pcapfile.LinkTypeEthernet, false
	case unix.ARPHRD_NONE:
		return pcapfile.LinkTypeRaw, false
	}
	return pcapfile.LinkTypeLinuxSLL2, true
}

func ifaceHatype(name string) (uint16, error) {
	b, err := os.ReadFile("/sys/class/net/" + name + "/type")
	if err != nil {
		return 0, err
	}
	var v int
	if _, err := fmt.Sscanf(string(b), "%d", &v); err != nil {
		return 0, err
	}
	return uint16(v), nil
}

// openIface opens the n rings of one interface and appends them to *all
// (which Open's clean-up closes on failure). With n > 1 the sockets join one
// PACKET_FANOUT_HASH group. The kernel only lets a bound (running) socket
// join a group (fanout_add in net/packet/af_packet.c), so each socket is
// bound with a filter that rejects everything, joins the group, and gets the
// real filter only once every socket of the group has joined: no packet is
// delivered twice (to a bound socket not yet in the group) and none passes
// unfiltered. The kernel picks the group id (PACKET_FANOUT_FLAG_UNIQUEID,
// unique in the network namespace); on kernels without it the id is derived
// from the process id.
func openIface(cfg *Config, name string, loIdx, n int, all *[]*ring) ([]*ring, pcapfile.Interface, error) {
	total := cfg.BufferKiB * 1024
	if n <= 1 {
		r, info, err := openRing(cfg, name, loIdx, total, nil)
		if err != nil {
			return nil, info, err
		}
		*all = append(*all, r)
		return []*ring{r}, info, nil
	}
	var rs []*ring
	var info pcapfile.Interface
	fj := &fanoutJoin{defrag: cfg.FanoutDefrag}
	for k := 0; k < n; k++ {
		fj.k = k
		r, inf, err := openRing(cfg, name, loIdx, total/n, fj)
		if err != nil {
			return nil, inf, err
		}
		r.fan = k
		info = inf
		rs = append(rs, r)
		*all = append(*all, r)
	}
	for _, r := range rs {
		if err := attachFilter(r.fd, r.prog); err != nil {
			return nil, info, fmt.Errorf("capture: SO_ATTACH_FILTER on %s: %w", name, err)
		}
		_ = unix.SetsockoptInt(r.fd, unix.SOL_SOCKET, unix.SO_LOCK_FILTER, 1)
	}
	for _, r := range rs {
		// Count only what passed the real filter.
		_, _ = unix.GetsockoptTpacketStatsV3(r.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	}
	return rs, info, nil
}

// fanoutJoin carries the group of an interface's rings through openRing.
type fanoutJoin struct {
	k      int    // ring number; 0 creates the group
	id     uint16 // group id, known once ring 0 joined
	defrag bool
}

// rejectAll is the filter a fanout socket has until its group is complete.
var rejectAll = []bpf.RawInstruction{{Op: 0x06, K: 0}} // ret #0

func (fj *fanoutJoin) join(fd int) error {
	// ROLLOVER: a flow stays on its ring unless that ring is nearly full
	// (less than a quarter free and the flow is most of its traffic, or no
	// room at all); then the kernel puts the packet on another ring of the
	// group instead of dropping it, so the group uses its whole memory
	// under an uneven load. The merge restores the order either way.
	typ := unix.PACKET_FANOUT_HASH | unix.PACKET_FANOUT_FLAG_ROLLOVER
	if fj.defrag {
		typ |= unix.PACKET_FANOUT_FLAG_DEFRAG
	}
	if fj.k > 0 {
		return unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, int(fj.id)|typ<<16)
	}
	err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, (typ|unix.PACKET_FANOUT_FLAG_UNIQUEID)<<16)
	if err == nil {
		v, err := unix.GetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT)
		if err != nil {
			return err
		}
		fj.id = uint16(v)
		return nil
	}
	// Kernels before 4.4 lack UNIQUEID: an id from the process id; a group
	// of another type or with other flags answers EINVAL, then try the next.
	base := uint16(os.Getpid())
	for i := uint16(0); i < 64; i++ {
		id := base + i*0x0101
		err = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, int(id)|typ<<16)
		if err == nil {
			fj.id = id
			return nil
		}
		if !errors.Is(err, unix.EINVAL) {
			break
		}
	}
	return err
}

func openRing(cfg *Config, name string, loIdx, ringBytes int, fj *fanoutJoin) (*ring, pcapfile.Interface, error) {
	r := &ring{fd: -1, name: name, snaplen: cfg.Snaplen, loIfindex: loIdx, maxPacket: 65535}
	info := pcapfile.Interface{Name: name, SnapLen: uint32(cfg.Snaplen), OS: pcapfile.HostOS()}
	if cfg.Filter != nil {
		info.Filter = cfg.Filter.Expression()
	}
	sockType := unix.SOCK_RAW
	if name == "any" {
		r.cooked = true
		r.linkType = pcapfile.LinkTypeLinuxSLL2
		info.Description = "Pseudo-device that captures on all interfaces"
		if ifs, err := net.Interfaces(); err == nil {
			for _, ifc := range ifs {
				r.maxPacket = max(r.maxPacket, ifc.MTU+18)
			}
		}
		sockType = unix.SOCK_DGRAM
	} else {
		ifc, err := net.InterfaceByName(name)
		if err != nil {
			return nil, info, &InterfaceError{Name: name, Reason: "no such device exists (smcdump -D lists the interfaces)"}
		}
		if ifc.Flags&net.FlagUp == 0 {
			return nil, info, &InterfaceError{Name: name, Reason: "that device is not up"}
		}
		r.ifindex = ifc.Index
		info.KernelIfindex = ifc.Index
		r.maxPacket = max(ifc.MTU+18, 65535)
		r.isLo = ifc.Flags&net.FlagLoopback != 0
		hatype, err := ifaceHatype(name)
		if err != nil {
			hatype = unix.ARPHRD_ETHER
			if r.isLo {
				hatype = unix.ARPHRD_LOOPBACK
			}
		}
		r.linkType, r.cooked = linkTypeFor(hatype)
		if r.cooked {
			sockType = unix.SOCK_DGRAM
		}
	}
	info.LinkType = r.linkType

	// 1. socket with protocol 0: receives nothing until bound.
	fd, err := unix.Socket(unix.AF_PACKET, sockType|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, info, &PermissionError{Err: err}
		}
		return nil, info, fmt.Errorf("capture: socket: %w", err)
	}
	r.fd = fd
	fail := func(step string, err error) (*ring, pcapfile.Interface, error) {
		r.close()
		if errors.Is(err, unix.EPERM) {
			return nil, info, &PermissionError{Err: fmt.Errorf("%s: %w", step, err)}
		}
		return nil, info, fmt.Errorf("capture: %s on %s: %w", step, name, err)
	}
	// 2. TPACKET_V3 before the ring request.
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fail("PACKET_VERSION", err)
	}
	// 3. filter (which also enforces the snaplen, docs/capture.md §1.6 #1).
	prog, err := r.buildProgram(cfg, name)
	if err != nil {
		r.close()
		return nil, info, err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		r.close()
		return nil, info, fmt.Errorf("capture: assembling filter for %s: %w", name, err)
	}
	r.prog = raw
	if fj != nil {
		// The real filter follows once the whole fanout group has joined.
		raw = rejectAll
	}
	if err := attachFilter(fd, raw); err != nil {
		return fail("SO_ATTACH_FILTER", err)
	}
	if fj == nil {
		// Lock the filter so it cannot be replaced after privileges are dropped.
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_LOCK_FILTER, 1)
	}
	// 4+5. ring.
	if err := r.setupRing(cfg, ringBytes); err != nil {
		return fail("PACKET_RX_RING", err)
	}
	// Promiscuous mode (never on "any", like libpcap); one membership per
	// interface is enough.
	if !cfg.NoPromisc && name != "any" && (fj == nil || fj.k == 0) {
		mreq := unix.PacketMreq{Ifindex: int32(r.ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fail("PACKET_ADD_MEMBERSHIP", err)
		}
	}
	// 6. bind: packets start flowing now, all of them filtered.
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: r.ifindex}
	if err := unix.Bind(fd, sa); err != nil {
		if errors.Is(err, unix.ENETDOWN) {
			r.close()
			return nil, info, &InterfaceError{Name: name, Reason: "that device is not up"}
		}
		return fail("bind", err)
	}
	// 7. fanout: only a bound socket may join.
	if fj != nil {
		if err := fj.join(fd); err != nil {
			return fail("PACKET_FANOUT", err)
		}
	}
	// Reset the counters so that only packets after bind are counted.
	_, _ = unix.GetsockoptTpacketStatsV3(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	return r, info, nil
}

func attachFilter(fd int, raw []bpf.RawInstruction) error {
	if len(raw) == 0 {
		return nil
	}
	fp := unix.SockFprog{Len: uint16(len(raw)), Filter: (*unix.SockFilter)(unsafe.Pointer(&raw[0]))}
	err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp)
	runtime.KeepAlive(raw)
	return err
}

// buildProgram returns the kernel program: a direction / loopback-duplicate
// prefix (docs/capture.md §1.6 #2, #3: done in the kernel with the pkttype
// extension) followed by the user's filter or a bare "ret #snaplen".
func (r *ring) buildProgram(cfg *Config, name string) ([]bpf.Instruction, error) {
	var prog []bpf.Instruction
	reject := bpf.RetConstant{Val: 0}
	rejectOutgoing := cfg.Direction == DirectionIn || r.isLo
	if rejectOutgoing {
		prog = append(prog,
			bpf.LoadExtension{Num: bpf.ExtType},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: unix.PACKET_OUTGOING, SkipTrue: 1},
			reject)
	} else if r.cooked && name == "any" && r.loIfindex > 0 {
		// "any": drop the outgoing copy on lo only.
		prog = append(prog,
			bpf.LoadExtension{Num: bpf.ExtInterfaceIndex},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(r.loIfindex), SkipTrue: 3},
			bpf.LoadExtension{Num: bpf.ExtType},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: unix.PACKET_OUTGOING, SkipTrue: 1},
			reject)
	}
	if cfg.Direction == DirectionOut {
		prog = append(prog,
			bpf.LoadExtension{Num: bpf.ExtType},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.PACKET_OUTGOING, SkipTrue: 1},
			reject)
	}
	kernelSnap := cfg.Snaplen
	if r.cooked {
		// The SLL2 header is added in userland; keep the file's caplen ≤ snaplen.
		kernelSnap = max(cfg.Snaplen-sll2HeaderLen, 1)
	}
	if cfg.Filter == nil {
		return append(prog, bpf.RetConstant{Val: uint32(kernelSnap)}), nil
	}
	if r.cooked {
		// The kernel sees the network header at offset 0 on a SOCK_DGRAM
		// socket, not the SLL2 frame the filter is written for: evaluate the
		// filter in userland on the frame as written.
		m, err := cfg.Filter.Matcher(r.linkType, cfg.Snaplen)
		if err != nil {
			return nil, fmt.Errorf("capture: filter on %s: %w", name, err)
		}
		r.matcher = m
		r.follow = followFragments(cfg)
		return append(prog, bpf.RetConstant{Val: uint32(kernelSnap)}), nil
	}
	user, err := cfg.Filter.KernelProgram(r.linkType, cfg.Snaplen)
	if err != nil {
		return nil, fmt.Errorf("capture: filter on %s: %w", name, err)
	}
	if pre := fragmentPrefix(r.linkType, uint32(kernelSnap)); pre != nil && followFragments(cfg) {
		// Follow IP fragments (fragfollow.go): the kernel lets them
		// through unjudged, the reader keeps those of datagrams the
		// filter selected and runs the same program on the others, on
		// the frame and metadata the kernel has. A filter that cannot
		// run in userland leaves fragments to the kernel's verdict.
		if lm, ok := cfg.Filter.(LiveMatcher); ok {
			if m, err := lm.LiveMatcher(r.linkType, cfg.Snaplen); err == nil {
				prog = append(prog, pre...)
				r.follow, r.fragMatch = true, m
			}
		}
	}
	if len(prog)+len(user) > 4096 {
		return nil, fmt.Errorf("capture: filter on %s: program too long (%d instructions)", name, len(prog)+len(user))
	}
	return append(prog, user...), nil
}

// geometry picks block size and count for a ring of totalBytes (docs/capture.md
// §1.4: 1–4 MiB blocks; a block must hold one frame of snaplen bytes).
//
// Like libpcap, the frame size is bounded by the largest packet the
// interface can deliver (max(MTU, 65535), docs/capture.md §1.4) rather than by a
// large snaplen, so a small ring still has enough blocks to return space to
// the kernel in small steps.
func geometry(totalBytes, snaplen, maxPacket, blockOverride int) (blockSize, blockNr, frameSize int) {
	page := os.Getpagesize()
	frameSize = (phSLL + 32 + vlanTagLen + sll2HeaderLen + min(snaplen, maxPacket) + 15) &^ 15
	blockSize = blockOverride
	if blockSize <= 0 {
		blockSize = 1 << 20
		for blockSize < 4<<20 && totalBytes/blockSize > 32 {
			blockSize <<= 1
		}
		for blockSize > 128<<10 && totalBytes/blockSize < 8 {
			blockSize >>= 1
		}
	}
	for blockSize < frameSize {
		blockSize <<= 1
	}
	blockSize = (blockSize + page - 1) / page * page
	blockNr = max(totalBytes/blockSize, 2)
	return blockSize, blockNr, frameSize
}

func (r *ring) setupRing(cfg *Config, ringBytes int) error {
	override := cfg.BlockSize
	if total := cfg.BufferKiB * 1024; override <= 0 && ringBytes < total {
		// A fanout ring: blocks as large as one ring of the whole buffer
		// would have (but at least four per ring), so the group has about
		// as many blocks as that ring and hands over about as many per
		// second: each block handed over costs the reader a wake-up (half
		// as many wake-ups as with blocks sized for the ring alone).
		override, _, _ = geometry(total, cfg.Snaplen, r.maxPacket, 0)
		for override > 128<<10 && ringBytes/override < 4 {
			override >>= 1
		}
	}
	blockSize, blockNr, frameSize := geometry(ringBytes, cfg.Snaplen, r.maxPacket, override)
	var err error
	for {
		req := unix.TpacketReq3{
			Block_size:     uint32(blockSize),
			Block_nr:       uint32(blockNr),
			Frame_size:     uint32(frameSize),
			Frame_nr:       uint32(blockSize / frameSize * blockNr),
			Retire_blk_tov: uint32(max(cfg.BlockTimeout.Milliseconds(), 1)),
		}
		err = unix.SetsockoptTpacketReq3(r.fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req)
		if err == nil {
			break
		}
		// Like libpcap: on ENOMEM shrink the request and retry.
		if !errors.Is(err, unix.ENOMEM) || blockNr <= 2 {
			return err
		}
		blockNr = blockNr * 3 / 4
	}
	// No MAP_POPULATE: pages are mapped on first use, so a large ring that
	// sees little traffic costs no start-up CPU (tcpdump does the same).
	mem, err := unix.Mmap(r.fd, 0, blockSize*blockNr, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("mmap: %w", err)
	}
	r.mem, r.blockSize, r.blockNr = mem, blockSize, blockNr
	return nil
}

func (r *ring) close() {
	if r.mem != nil {
		_ = unix.Munmap(r.mem)
		r.mem = nil
	}
	if r.file != nil {
		_ = r.file.Close()
		r.file = nil
		r.fd = -1
	}
	if r.fd >= 0 {
		_ = unix.Close(r.fd)
		r.fd = -1
	}
}

func (r *ring) statusPtr(block int) *uint32 {
	return (*uint32)(unsafe.Pointer(&r.mem[block*r.blockSize+bdBlockStatus]))
}

func (r *ring) ready() bool {
	return atomic.LoadUint32(r.statusPtr(r.block))&unix.TP_STATUS_USER != 0
}

func (r *ring) firstTS() (uint32, uint32) {
	b := r.block * r.blockSize
	return binary.NativeEndian.Uint32(r.mem[b+bdTsFirstSec:]), binary.NativeEndian.Uint32(r.mem[b+bdTsFirstNsec:])
}

func (r *ring) beginBlock() {
	b := r.block * r.blockSize
	r.reading = true
	r.remaining = int(binary.NativeEndian.Uint32(r.mem[b+bdNumPkts:]))
	first := int(binary.NativeEndian.Uint32(r.mem[b+bdFirstPkt:]))
	if first < bdTsFirstNsec+4 || first >= r.blockSize {
		r.remaining = 0 // malformed block descriptor: skip the block
	}
	r.remaining = min(r.remaining, r.blockSize/(phSLL+sllAddr+8))
	r.off = b + first
}

func (r *ring) publish() {
	r.captured.Store(r.nCaptured)
	r.userFiltered.Store(r.nFiltered)
	r.late.Store(r.nLate)
	r.unordered.Store(r.nUnordered)
}

// waitable reports whether r has a block ready that the reader has not
// started on (what a wait waits for).
func (r *ring) waitable() bool {
	return !r.reading && r.relCount == 0 && r.ready()
}

func (r *ring) releaseBlock() {
	r.publish()
	atomic.StoreUint32(r.statusPtr(r.block), unix.TP_STATUS_KERNEL)
	r.reading = false
	r.block++
	if r.block == r.blockNr {
		r.block = 0
	}
}

// Interfaces describes the capture interfaces, in pcapng interface-id order.
func (h *Handle) Interfaces() []pcapfile.Interface { return h.ifaces }

// LinkType returns the link type of interface i.
func (h *Handle) LinkType(i int) pcapfile.LinkType { return h.ifaces[i].LinkType }

// Next returns the next packet. Data aliases the ring and is valid until the
// next call to Next or Close. After Stop, Next returns the packets already in
// the ring (waiting one block-retire timeout for partly filled blocks) and
// then io.EOF; after Close it returns ErrClosed.
func (h *Handle) Next() (pcapfile.Packet, error) {
	var one [1]pcapfile.Packet
	_, err := h.NextBatch(one[:])
	return one[0], err
}

// NextBatch fills pkts with up to len(pkts) packets from one ring block and
// returns how many it stored (at least one unless err is set). The packets'
// Data alias the ring and stay valid until the next call to Next, NextBatch
// or Close; the block is returned to the kernel on the next call. Reading a
// block at a time costs one call (and one lock) per block instead of per
// packet. Errors and end of capture are as for Next.
func (h *Handle) NextBatch(pkts []pcapfile.Packet) (int, error) {
	if len(pkts) == 0 {
		return 0, nil
	}
	h.readMu.Lock()
	defer h.readMu.Unlock()
	h.scratch = h.scratch[:0]
	if h.cfg.OnLink != nil {
		// Also while the rings always have packets (no wait, where the
		// socket errors are read and the interfaces that are down looked
		// up): once per PollTimeout.
		if err := h.linkTick(); err != nil {
			return 0, err
		}
	}
	if len(h.rings) > 1 {
		return h.nextMerged(pkts)
	}
	for {
		if h.closed.Load() {
			return 0, ErrClosed
		}
		if r := h.cur; r != nil {
			n := 0
			for r.remaining > 0 && n < len(pkts) {
				if h.parse(r, &pkts[n]) {
					n++
				}
			}
			if n > 0 {
				return n, nil
			}
			r.releaseBlock()
			h.cur = nil
		}
		if r := h.pickReady(); r != nil {
			h.gotBlock = true
			r.beginBlock()
			h.cur = r
			continue
		}
		timeout := h.cfg.PollTimeout
		if h.stopping.Load() {
			left, over := h.drainLeft()
			if over {
				for _, r := range h.rings {
					r.publish()
				}
				return 0, io.EOF
			}
			timeout = min(left, timeout)
		}
		if err := h.wait(timeout); err != nil {
			return 0, err
		}
	}
}

// drainLeft is the drain after Stop: reading goes on until the rings have
// been quiet for a little over one block-retire timeout (partly filled
// blocks are retired by then), at most drainMax after Stop. It returns the
// time left, or over once the drain is done.
func (h *Handle) drainLeft() (left time.Duration, over bool) {
	now := time.Now()
	quiet := max(2*h.cfg.BlockTimeout, 50*time.Millisecond)
	if h.drainHard.IsZero() {
		h.drainHard = now.Add(drainMax)
	}
	if h.drainEnd.IsZero() || h.gotBlock {
		h.drainEnd = now.Add(quiet)
		if h.drainEnd.After(h.drainHard) {
			h.drainEnd = h.drainHard
		}
		h.gotBlock = false
	}
	if !now.Before(h.drainEnd) {
		return 0, true
	}
	return h.drainEnd.Sub(now), false
}

func (h *Handle) pickReady() *ring {
	var best *ring
	var bs, bn uint32
	for _, r := range h.rings {
		if !r.ready() {
			continue
		}
		if len(h.rings) == 1 {
			return r
		}
		s, n := r.firstTS()
		if best == nil || s < bs || (s == bs && n < bn) {
			best, bs, bn = r, s, n
		}
	}
	return best
}

// setupEpoll prepares netpoller waits for several rings; on failure the
// handle falls back to ppoll.
func (h *Handle) setupEpoll() {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return
	}
	for _, r := range h.rings {
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLERR, Fd: int32(r.fd)}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, r.fd, &ev); err != nil {
			unix.Close(epfd)
			return
		}
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return
	}
	f := os.NewFile(uintptr(epfd), "epoll:capture")
	rc, err := f.SyscallConn()
	if err != nil || f.SetReadDeadline(time.Time{}) != nil {
		f.Close()
		return
	}
	h.epFile, h.epRC, h.epFD = f, rc, epfd
	h.epEvts = make([]unix.EpollEvent, len(h.rings))
}

// waitEpoll is wait for several rings.
func (h *Handle) waitEpoll(timeout time.Duration) error {
	_ = h.epFile.SetReadDeadline(time.Now().Add(timeout))
	epfd := h.epFD
	err := h.epRC.Read(func(uintptr) bool {
		for _, r := range h.rings {
			if r.waitable() {
				return true
			}
		}
		if h.closed.Load() || h.woken.Swap(false) {
			return true
		}
		// Consume the inner readiness so the next retired block wakes us.
		epollPoll(epfd, h.epEvts)
		for _, r := range h.rings {
			if r.waitable() {
				return true
			}
		}
		return false
	})
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		if h.closed.Load() {
			return nil
		}
		return fmt.Errorf("capture: waiting for packets: %w", err)
	}
	// A device that went down or away shows up as a socket error, checked
	// when a wait timed out and, since other rings may keep waking the
	// wait, at least once per PollTimeout.
	if now := time.Now(); err != nil || now.Sub(h.errChecked) >= h.cfg.PollTimeout {
		h.errChecked = now
		return h.checkSockErrs()
	}
	return nil
}

// checkSockErrs reads the socket error of every ring: a device that went
// down or away (sockErr).
func (h *Handle) checkSockErrs() error {
	for _, r := range h.rings {
		if soerr, _ := unix.GetsockoptInt(r.fd, unix.SOL_SOCKET, unix.SO_ERROR); soerr != 0 {
			if err := h.sockErr(r, soerr); err != nil {
				return err
			}
		}
	}
	return nil
}

// epollPoll collects the ready events of epfd without blocking (timeout 0).
// It is a raw system call: a call that cannot block needs no hand-off to
// the scheduler, and unix.EpollWait's would wake the runtime's monitor
// thread out of its idle sleep at every wait (the process was idle before),
// which then polls every 20 µs for a millisecond: on a 2-vCPU VM that cost
// more than the merge itself (BENCHMARKS.md, issue 14, goal 4).
func epollPoll(epfd int, evts []unix.EpollEvent) {
	if len(evts) == 0 {
		return
	}
	_, _, _ = unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&evts[0])), uintptr(len(evts)), 0, 0, 0)
}

// wait blocks until a ring may have a ready block, Stop/Close is called or
// timeout passes.
func (h *Handle) wait(timeout time.Duration) error {
	if h.nDown > 0 {
		// Look the interfaces that are down up on time.
		h.checkLinks(time.Now())
		timeout = min(timeout, max(time.Until(h.nextLook), time.Millisecond))
	}
	if h.epRC != nil {
		return h.waitEpoll(timeout)
	}
	r := h.rings[0]
	if r.rc == nil {
		return h.poll(timeout)
	}
	_ = r.file.SetReadDeadline(time.Now().Add(timeout))
	err := r.rc.Read(func(uintptr) bool {
		return r.ready() || h.closed.Load() || h.woken.Swap(false)
	})
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		if h.closed.Load() {
			return nil
		}
		return fmt.Errorf("capture: waiting on %s: %w", h.ifaces[0].Name, err)
	}
	if err != nil {
		// Timed out: a device that went down or away shows up as a socket
		// error (POLLERR, which edge-triggered waits do not report twice).
		if soerr, _ := unix.GetsockoptInt(r.fd, unix.SOL_SOCKET, unix.SO_ERROR); soerr != 0 {
			return h.sockErr(r, soerr)
		}
	}
	return nil
}

func (h *Handle) poll(timeout time.Duration) error {
	for i := range h.pfds {
		h.pfds[i].Revents = 0
	}
	ms := int((timeout + time.Millisecond - 1) / time.Millisecond)
	_, err := unix.Poll(h.pfds, ms)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("capture: poll: %w", err)
	}
	ev := h.pfds[len(h.pfds)-1]
	if ev.Revents&unix.POLLIN != 0 {
		var buf [8]byte
		_, _ = unix.Read(h.evfd, buf[:])
	}
	for i, p := range h.pfds[:len(h.pfds)-1] {
		if p.Revents&(unix.POLLERR|unix.POLLNVAL|unix.POLLHUP) != 0 {
			// POLLERR on a packet socket: the device went down or away.
			if soerr, _ := unix.GetsockoptInt(int(p.Fd), unix.SOL_SOCKET, unix.SO_ERROR); soerr != 0 {
				if err := h.sockErr(h.rings[i], soerr); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// acceptFollowing decides a frame of a ring that follows IP fragments
// (fragfollow.go) at time stamp ts (ns): a first fragment the filter
// selects starts following its datagram; a non-first fragment is kept when
// its datagram is followed or the filter matches the fragment itself.
// data and wire are the frame as written; on a ring the kernel filters,
// k is the frame as the kernel's program saw it (without the outer VLAN
// tag, which is in k's metadata), the one the filter is run on here.
func (h *Handle) acceptFollowing(r *ring, data []byte, wire int, k *kernelView, ts int64) bool {
	f := &h.fragScratch
	if r.matcher != nil {
		// Cooked ring: the filter runs here on every frame.
		isFrag := fragmentOf(r.linkType, data, f)
		if r.matcher(data, wire) {
			if isFrag && f.first {
				h.follow.add(f, ts)
			}
			return true
		}
		if !isFrag {
			return false
		}
		if !f.first {
			return h.follow.follows(f, ts)
		}
		if !f.key.v6 {
			return false
		}
		h.viewBuf = unfragmentedView(h.viewBuf, data, f)
		if h.viewBuf != nil && r.matcher(h.viewBuf, wire-8) {
			h.follow.add(f, ts)
			return true
		}
		return false
	}
	// A ring the kernel filters: every frame but the fragments its
	// prefix let through passed the filter there.
	if !fragmentOf(r.linkType, k.data, f) {
		return true
	}
	f.key.ifindex = int32(r.ifindex)
	if k.vlan {
		f.key.vlan = k.tci & 0xfff
	}
	if f.first && !f.key.v6 {
		h.follow.add(f, ts) // the prefix leaves first IPv4 fragments to the filter
		return true
	}
	if !f.first && h.follow.follows(f, ts) {
		return true
	}
	ok := r.fragMatch(k.data, k.wire, k.vlan, k.tci, k.pktType, k.ifindex)
	if !ok && f.first {
		// The first fragment of an IPv6 datagram, as if unfragmented.
		h.viewBuf = unfragmentedView(h.viewBuf, k.data, f)
		ok = h.viewBuf != nil && r.fragMatch(h.viewBuf, k.wire-8, k.vlan, k.tci, k.pktType, k.ifindex)
	}
	if ok && f.first {
		h.follow.add(f, ts)
	}
	return ok
}

// kernelView is a frame as a ring's kernel program saw it.
type kernelView struct {
	data    []byte
	wire    int
	vlan    bool
	tci     uint16
	pktType uint8
	ifindex int
}

// parse decodes the packet at r.off into *p (in place: no struct copies on
// the hot path) and advances. It returns false when the packet was filtered
// out in userland or is malformed.
func (h *Handle) parse(r *ring, p *pcapfile.Packet) bool {
	m := r.mem
	o := r.off
	ne := binary.NativeEndian
	blockEnd := (r.block + 1) * r.blockSize
	if o < 0 || o+phSLL+sllAddr+8 > blockEnd || blockEnd > len(m) {
		r.remaining = 0 // malformed: the header would leave the block
		return false
	}
	next := int(ne.Uint32(m[o+phNext:]))
	r.remaining--
	if next <= 0 {
		r.remaining = 0 // only the last packet of a block has no successor
	}
	r.off = o + next
	sec := ne.Uint32(m[o+phSec:])
	nsec := ne.Uint32(m[o+phNsec:])
	snap := int(ne.Uint32(m[o+phSnaplen:]))
	wire := int(ne.Uint32(m[o+phLen:]))
	status := ne.Uint32(m[o+phStatus:])
	mac := int(ne.Uint16(m[o+phMac:]))
	sll := o + phSLL
	pkttype := m[sll+sllPkttype]
	ifindex := int(int32(ne.Uint32(m[sll+sllIfindex:])))
	if pkttype == unix.PACKET_OUTGOING {
		// tcpdump shows loopback packets once: drop the outgoing copy on lo.
		if r.isLo || ifindex == r.loIfindex || h.cfg.Direction == DirectionIn {
			return false
		}
	} else if h.cfg.Direction == DirectionOut {
		return false
	}
	start := o + mac
	if mac < phSLL || snap < 0 || start+snap > blockEnd {
		return false
	}
	data := m[start : start+snap : start+snap]
	kdata, kwire := data, wire // as the kernel program saw it
	tci := ne.Uint32(m[o+phVlanTCI:])
	hasVLAN := status&unix.TP_STATUS_VLAN_VALID != 0 || tci != 0
	tpid := uint16(0x8100)
	if status&unix.TP_STATUS_VLAN_TPID_VALID != 0 {
		if t := ne.Uint16(m[o+phVlanTPID:]); t != 0 {
			tpid = t
		}
	}
	switch {
	case r.cooked:
		proto := binary.BigEndian.Uint16(m[sll+sllProtocol:])
		mark := len(h.scratch)
		buf := h.scratch
		var hdr [sll2HeaderLen]byte
		binary.BigEndian.PutUint16(hdr[0:], proto)
		binary.BigEndian.PutUint32(hdr[4:], uint32(ifindex))
		// sll_hatype is host order in sockaddr_ll; SLL2 wants network order.
		binary.BigEndian.PutUint16(hdr[8:], ne.Uint16(m[sll+sllHatype:]))
		hdr[10] = pkttype
		hdr[11] = m[sll+sllHalen]
		copy(hdr[12:20], m[sll+sllAddr:sll+sllAddr+8])
		extra := sll2HeaderLen
		if hasVLAN {
			binary.BigEndian.PutUint16(hdr[0:], tpid)
			buf = append(buf, hdr[:]...)
			buf = binary.BigEndian.AppendUint16(buf, uint16(tci))
			buf = binary.BigEndian.AppendUint16(buf, proto)
			extra += vlanTagLen
		} else {
			buf = append(buf, hdr[:]...)
		}
		buf = append(buf, data...)
		h.scratch = buf
		data = buf[mark:len(buf):len(buf)]
		wire += extra
	case hasVLAN && r.linkType == pcapfile.LinkTypeEthernet && len(data) >= 12:
		mark := len(h.scratch)
		buf := append(h.scratch, data[:12]...)
		buf = binary.BigEndian.AppendUint16(buf, tpid)
		buf = binary.BigEndian.AppendUint16(buf, uint16(tci))
		buf = append(buf, data[12:]...)
		h.scratch = buf
		data = buf[mark:len(buf):len(buf)]
		wire += vlanTagLen
	}
	if len(data) > r.snaplen {
		data = data[:r.snaplen]
	}
	if r.follow && (r.matcher != nil || mayBeFragment(r.linkType, kdata)) {
		k := &h.kview
		*k = kernelView{data: kdata, wire: kwire, vlan: hasVLAN, tci: uint16(tci), pktType: pkttype, ifindex: ifindex}
		if !h.acceptFollowing(r, data, wire, k, int64(sec)*1e9+int64(nsec)) {
			r.nFiltered++
			return false
		}
	} else if r.matcher != nil && !r.matcher(data, wire) {
		r.nFiltered++
		return false
	}
	r.nCaptured++
	h.frames++
	// Field by field into the caller's batch (Packet.Set): a composite
	// literal was built on the stack and then copied (BenchmarkParseBlock
	// 850 -> 590-770 ns for 40 packets; parse's share of a live capture's
	// samples -15 %).
	p.Set(h.frames, time.Unix(int64(sec), int64(nsec)).UTC(), len(data), wire, r.idx, r.linkType, r.name,
		pcapfile.DirectionFromPktType(pkttype), ifindex, data)
	return true
}

// Stop asks Next to return the packets already in the rings (waiting up to
// one block-retire timeout for partly filled blocks) and then io.EOF. It is
// safe to call from a signal handler goroutine.
func (h *Handle) Stop() {
	h.stopping.Store(true)
	h.wake()
}

func (h *Handle) wake() {
	h.woken.Store(true)
	if len(h.rings) == 1 && h.rings[0].file != nil {
		_ = h.rings[0].file.SetReadDeadline(time.Now())
	}
	if h.epFile != nil {
		_ = h.epFile.SetReadDeadline(time.Now())
	}
	if h.evfd >= 0 {
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		_, _ = unix.Write(h.evfd, one[:])
	}
}

// Stats returns cumulative counters per interface. PACKET_STATISTICS resets
// on every read (docs/capture.md §1.5), so the handle keeps running totals.
func (h *Handle) Stats() (Stats, error) {
	h.statsMu.Lock()
	defer h.statsMu.Unlock()
	now := time.Now()
	if h.readMu.TryLock() {
		// No Next in progress: the reader-owned counters are stable.
		for _, r := range h.rings {
			r.publish()
		}
		h.readMu.Unlock()
	}
	var firstErr error
	st := Stats{Interfaces: make([]Counters, len(h.ifaces)), Rings: make([]RingCounters, len(h.rings))}
	for i := range st.Interfaces {
		st.Interfaces[i].Start, st.Interfaces[i].End = h.start, now
	}
	for i, r := range h.rings {
		if r.fd >= 0 && !h.closed.Load() {
			s, err := unix.GetsockoptTpacketStatsV3(r.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("capture: PACKET_STATISTICS on %s: %w", r.name, err)
				}
			} else {
				r.received += uint64(s.Packets)
				r.dropped += uint64(s.Drops)
				r.freeze += uint64(s.Freeze_q_cnt)
			}
			if r.ifKnown {
				if v, err := h.ifd.drops(r.ifindex); err == nil && v >= r.ifBase {
					r.ifDropped = r.ifAcc + v - r.ifBase
				}
			}
		}
		captured := r.captured.Load()
		st.Rings[i] = RingCounters{Interface: r.idx, Name: r.name, Ring: r.fan,
			Received: r.received, Dropped: r.dropped, Captured: captured}
		c := &st.Interfaces[r.idx]
		c.Received += r.received
		c.Dropped += r.dropped
		c.FreezeQueue += r.freeze
		c.Captured += captured
		c.UserFiltered += r.userFiltered.Load()
		c.Late += r.late.Load()
		c.Unordered += r.unordered.Load()
		if r.ifKnown && r.fan == 0 {
			// interface counters: once per interface
			c.IfDropped, c.IfDropKnown = r.ifDropped, true
		}
	}
	return st, firstErr
}

// Close stops the capture and releases the rings. A concurrent Next returns
// ErrClosed within one poll timeout.
func (h *Handle) Close() error {
	if h.closed.Load() {
		return nil
	}
	// Take final counters before the sockets go away.
	_, _ = h.Stats()
	h.closed.Store(true)
	h.wake()
	h.readMu.Lock()
	defer h.readMu.Unlock()
	h.closeAll()
	return nil
}

func (h *Handle) closeAll() {
	if h.epFile != nil {
		_ = h.epFile.Close()
		h.epFile, h.epRC = nil, nil
	}
	for _, r := range h.rings {
		r.close()
	}
	h.statsMu.Lock() // Stats may be reading interface drops
	h.ifd.close()
	h.ifd = nil
	h.statsMu.Unlock()
	if h.evfd >= 0 {
		_ = unix.Close(h.evfd)
		h.evfd = -1
	}
	if h.ctlFD >= 0 {
		_ = unix.Close(h.ctlFD)
		h.ctlFD = -1
	}
}
