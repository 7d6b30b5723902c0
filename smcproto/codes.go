package smcproto

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Code is an SMC decline / fallback reason code (SMC_CLC_DECL_*), as carried
// in a Decline's peer diagnosis field and reported by smc_diag, smcss and the
// SMC netlink fallback statistics (docs/smc-protocol.md section 7).
type Code uint32

// String returns the code as smcss prints it: "0x" and 8 lower-case hex
// digits, e.g. "0x03010000".
func (c Code) String() string {
	const hexd = "0123456789abcdef"
	var b [10]byte
	b[0], b[1] = '0', 'x'
	for i := 0; i < 8; i++ {
		b[9-i] = hexd[(c>>(4*i))&0xF]
	}
	return string(b[:])
}

// Class returns the meaning of the class byte (bits 31-24), section 7.1:
// "Insufficient resources", "Timeout", "Configuration / capability mismatch",
// "Synchronisation error", "Peer declined", "Internal error" (0x09 and the
// old 0x99), "None" for 0, "Unknown class 0xNN" otherwise.
func (c Code) Class() string {
	switch c >> 24 {
	case 0:
		if c == 0 {
			return "None"
		}
	case 0x01:
		return "Insufficient resources"
	case 0x02:
		return "Timeout"
	case 0x03:
		return "Configuration / capability mismatch"
	case 0x04:
		return "Synchronisation error"
	case 0x05:
		return "Peer declined"
	case 0x06:
		return "Reply to a decline (historical)"
	case 0x07:
		return "Send failure (historical)"
	case 0x09, 0x99:
		return "Internal error"
	}
	return fmt.Sprintf("Unknown class 0x%02x", uint32(c>>24))
}

// Side says which side of a connection normally produces a code.
type Side string

// Sides.
const (
	SideClient Side = "client"
	SideServer Side = "server"
	SideBoth   Side = "both"
	SideLocal  Side = "local" // local bookkeeping, never sent
	SideNone   Side = "-"     // defined but not produced by Linux
)

// CodeInfo describes one decline / fallback reason code.
type CodeInfo struct {
	Code Code
	// Name is the kernel name, e.g. "SMC_CLC_DECL_PEERNOSMC".
	Name string
	// Short is Name without the SMC_CLC_DECL_ prefix, e.g. "PEERNOSMC".
	Short string
	// ToolsName is the name smc-tools prints in `smcr stats -d` / `smcd stats
	// -d` (docs/smc-protocol.md section 13.2), e.g. "PEER_NO_SMC"; "" if none.
	ToolsName string
	// Class is Code.Class().
	Class string
	// Meaning explains the code in one sentence.
	Meaning string
	// Side is who normally produces the code.
	Side Side
	// OnWire is true when the code can appear in a Decline message.
	OnWire bool
	// Remedy is a concrete action an operator can take.
	Remedy string
	// Historical marks values used only by old kernels (section 7.3).
	Historical bool
}

// codeAliases are further names ParseCode accepts for a code.
var codeAliases = map[Code][]string{
	0x09990003: {"ERR_REGRMB", "SMC_CLC_DECL_ERR_REGRMB"}, // former name of ERR_REGBUF
}

// codeTable holds every code of docs/smc-protocol.md sections 7.2 and 7.3, sorted
// by Code. Sources: Linux net/smc/smc_clc.h (newest and 4.11), smc-tools
// v1.8.5 stats.c (ToolsName).
var codeTable = []CodeInfo{
	{Code: 0x01010000, Short: "MEM", ToolsName: "MEMORY", Side: SideBoth, OnWire: true,
		Meaning: "Out of memory: allocating a buffer, queue pair or link failed on the sender.",
		Remedy:  "Check `dmesg` on the decliner for smc/RDMA allocation failures and its free memory; lower buffer demand (sysctls net.smc.rmem / net.smc.wmem, fewer parallel SMC connections, net.smc.smcr_max_conns_per_lgr), and check RDMA resource usage with `rdma resource show` and the memlock limit (`ulimit -l`)."},
	{Code: 0x02000000, Short: "TIMEOUT", Side: SideBoth, OnWire: true, Historical: true,
		Meaning: "Generic handshake timeout (Linux 4.11 numbering).",
		Remedy:  "Treat like 0x02010000: check the RoCE path between the peers (`rdma link`, `smcr device`, VLAN/PFC/MTU on both ports); upgrade the kernel to get a more specific code."},
	{Code: 0x02010000, Short: "TIMEOUT_CL", ToolsName: "TIMEOUT_CL", Side: SideServer, OnWire: true,
		Meaning: "LLC CONFIRM LINK over RoCE did not complete in time (no response within 2 s, no Decline within a further 1 s): TCP works, the RDMA path does not.",
		Remedy:  "Check RoCE connectivity between the two RNICs: `rdma link` shows both ports ACTIVE/LINK_UP, `smcr device` lists the device with the right PNET ID, both hosts are in the same L2 segment/VLAN for SMC-Rv1 (routed reachability for SMC-Rv2), PFC/flow control and MTU match on hosts and switch ports, and no firewall drops UDP port 4791 (RoCEv2)."},
	{Code: 0x02020000, Short: "TIMEOUT_AL", ToolsName: "TIMEOUT_AL", Side: SideBoth, OnWire: true,
		Meaning: "LLC ADD LINK over RoCE timed out (only produced by old kernels, up to about 5.6).",
		Remedy:  "The second RoCE device/port cannot reach the peer: check it with `smcr device` and `rdma link`, its cabling, VLAN and PNET ID; or upgrade the kernel."},
	{Code: 0x02040000, Short: "TCL", Side: SideBoth, OnWire: true, Historical: true,
		Meaning: "Timeout waiting for the QP CONFIRM LINK (Linux 4.11 numbering of TIMEOUT_CL).",
		Remedy:  "Same checks as 0x02010000: RoCE port state (`rdma link`), `smcr device` PNET IDs, VLAN/PFC/MTU on the RoCE path."},
	{Code: 0x03000000, Short: "CNFERR", ToolsName: "CNF_ERR", Side: SideBoth, OnWire: true,
		Meaning: "Generic configuration error (e.g. the client cannot build a prefix list and has no SMCv2; ISM VLAN cleanup).",
		Remedy:  "Check `dmesg` on the decliner; make sure the interface used by the TCP connection has an IPv4 address or a non-link-local IPv6 prefix (`ip addr`), PNET IDs are set (`smc_pnet -s`), and the VLAN setup of ISM devices is valid (`smcd device`)."},
	{Code: 0x03010000, Short: "PEERNOSMC", ToolsName: "PEER_NO_SMC", Side: SideLocal, OnWire: false,
		Meaning: "The peer did not send the SMC TCP option (kind 254, ExID 0xE2D4C3D9) in its SYN / SYN-ACK; no CLC message is exchanged.",
		Remedy:  "The server is not an SMC listener: start the server application with SMC (smc_run / AF_SMC / IPPROTO_SMC sockets), check that the smc module is loaded on the server (`lsmod | grep smc`, `modprobe smc`) and that the listener appears in `smcss -l`; check that no firewall, load balancer or middlebox strips TCP option 254 (compare the SYN-ACK in captures on both hosts); SYN cookies (net.ipv4.tcp_syncookies under SYN flood) and the SMC handshake limitation (net.smc.limit_smc_hs, `smcr info`) also suppress the option."},
	{Code: 0x03020000, Short: "IPSEC", ToolsName: "IPSEC", Side: SideBoth, OnWire: true,
		Meaning: "IPsec (an xfrm policy) applies to the TCP connection; SMC cannot carry it.",
		Remedy:  "Check `ip xfrm policy` on the decliner; exempt this traffic from IPsec if SMC is wanted (protect it with TLS in the application instead), or accept the TCP fallback."},
	{Code: 0x03030000, Short: "NOSMCDEV", ToolsName: "NOSMCDEV", Side: SideBoth, OnWire: true,
		Meaning: "No usable SMC device (neither SMC-R nor SMC-D) for this connection. In Linux 4.11 this value meant IPSEC.",
		Remedy:  "On both hosts check `smcr device` / `smcd device` (device present, port ACTIVE, PNET ID set), that the PNET ID of the RoCE/ISM device matches the netdev carrying the TCP connection (`smc_pnet -s`, add with `smc_pnet -a <pnetid> -I <netdev> -D <ibdev>`), `rdma link` state, for SMC-D the ism or smc_loopback module (loopback-ism, kernel >= 6.9), and for SMC-Rv2 that the RNIC has a RoCEv2 GID for the connection's IP address (`ibv_devinfo -v`)."},
	{Code: 0x03030001, Short: "NOSMCDDEV", ToolsName: "NOSMCDDEV", Side: SideServer, OnWire: true,
		Meaning: "The server has no SMC-D (ISM) device matching the client's offer.",
		Remedy:  "On the server check `smcd device` (ISM device, or loopback-ism via `modprobe smc_loopback` on kernel >= 6.9 for same-host traffic), that PNET ID / CHID match the client's, and that both systems share the ISM network (same CPC for s390 ISM)."},
	{Code: 0x03030002, Short: "NOSMCRDEV", ToolsName: "NOSMCRDEV", Side: SideServer, OnWire: true,
		Meaning: "The server has no SMC-R (RoCE) device usable for this connection.",
		Remedy:  "On the server check `smcr device` (port ACTIVE, PNET ID matching the netdev of the TCP connection; set with `smc_pnet -a <pnetid> -I <netdev> -D <ibdev>`), `rdma link`, and for SMC-Rv2 that the RNIC has a RoCEv2 GID for the server's IP address (`ibv_devinfo -v`)."},
	{Code: 0x03030003, Short: "NOISM2SUPP", ToolsName: "NOISM2SUPP", Side: SideServer, OnWire: true,
		Meaning: "The server has no ISMv2 (SMC-Dv2) support.",
		Remedy:  "Upgrade the server kernel/firmware for ISMv2 or load loopback-ism (`modprobe smc_loopback`, kernel >= 6.9); check `smcd device` and `smcd info`; otherwise offer SMC-Dv1 or SMC-R."},
	{Code: 0x03030004, Short: "NOV2EXT", ToolsName: "NOV2EXT", Side: SideServer, OnWire: true,
		Meaning: "The Proposal lacks the v2 extension the server needs.",
		Remedy:  "Upgrade the client to an SMCv2-capable kernel (>= 5.10) or keep SMCv1 devices (same subnet, PNET IDs) on the server; compare `smcd info` / `smcr info` on both hosts."},
	{Code: 0x03030005, Short: "NOV2DEXT", ToolsName: "NOV2DEXT", Side: SideServer, OnWire: true,
		Meaning: "The Proposal lacks the SMC-Dv2 extension the server needs.",
		Remedy:  "Give the client an ISMv2 / loopback-ism device (`smcd device`) or upgrade its kernel so it offers SMC-Dv2."},
	{Code: 0x03030006, Short: "NOSEID", ToolsName: "NOSEID", Side: SideNone, OnWire: true,
		Meaning: "System EID (SEID) missing (defined, not produced by Linux).",
		Remedy:  "On s390 check `smcd seid show` on both hosts and enable the SEID (`smcd seid enable`), or define a common UEID (`smcd ueid add <EID>`)."},
	{Code: 0x03030007, Short: "NOSMCD2DEV", ToolsName: "NOSMCD2DEV", Side: SideServer, OnWire: true,
		Meaning: "No SMC-Dv2 device matches the client's GID/CHID list.",
		Remedy:  "Check `smcd device` on both hosts: they need ISM devices on the same ISM network (same CHID) or loopback-ism for same-host traffic, plus a common EID (`smcd ueid show`, `smcd seid show`)."},
	{Code: 0x03030008, Short: "NOUEID", Side: SideServer, OnWire: true,
		Meaning: "Client and server have no common user EID (and no usable system EID).",
		Remedy:  "Compare `smcd ueid show` (or `smcr ueid show`) on both hosts and add the same UEID on both with `smcd ueid add <EID>`, or enable the SEID on both (`smcd seid enable`)."},
	{Code: 0x03030009, Short: "RELEASEERR", Side: SideBoth, OnWire: true,
		Meaning: "SMC release negotiation mismatch (v2.0 vs v2.1) between Accept and Confirm.",
		Remedy:  "Run kernels with consistent SMC releases on both hosts (compare `smcd info` / `smcr info`); upgrade the side with the older or buggy implementation."},
	{Code: 0x0303000a, Short: "MAXCONNERR", Side: SideBoth, OnWire: true,
		Meaning: "max_conns negotiation failed (SMC v2.1): the Confirm did not echo the Accept's value.",
		Remedy:  "Set compatible limits with sysctl net.smc.smcr_max_conns_per_lgr (16..255) on both hosts, or upgrade the peer whose Confirm does not echo the value."},
	{Code: 0x0303000b, Short: "MAXLINKERR", Side: SideBoth, OnWire: true,
		Meaning: "max_links negotiation failed (SMC v2.1): the Confirm did not echo the Accept's value.",
		Remedy:  "Set compatible limits with sysctl net.smc.smcr_max_links_per_lgr (1..2) on both hosts, or upgrade the peer."},
	{Code: 0x03040000, Short: "MODEUNSUPP", ToolsName: "MODEUNSUPP", Side: SideClient, OnWire: true,
		Meaning: "The Accept chose a mode (SMC-R/SMC-D, version) the client did not propose.",
		Remedy:  "Peer implementation problem: compare the Proposal and the Accept in the capture, compare kernel versions (`uname -r`) and upgrade the older side; report it with the capture if both are current."},
	{Code: 0x03050000, Short: "RMBE_EC", ToolsName: "RMBE_EC", Side: SideBoth, OnWire: true,
		Meaning: "Evaluating the peer's RMBE eyecatcher / LLC CONFIRM LINK failed (e.g. the 'no RMBE eyecatcher' flags are missing).",
		Remedy:  "Usually an interoperability problem between SMC-R implementations (Linux vs z/OS or an old kernel): upgrade the older side and check `dmesg` on both hosts."},
	{Code: 0x03060000, Short: "OPTUNSUPP", ToolsName: "OPTUNSUPP", Side: SideLocal, OnWire: false,
		Meaning: "The socket uses an option SMC does not support (TCP Fast Open), so it fell back before any CLC message.",
		Remedy:  "Disable TCP Fast Open for this application (its TCP_FASTOPEN / MSG_FASTOPEN use, or sysctl net.ipv4.tcp_fastopen) if SMC is wanted."},
	{Code: 0x03070000, Short: "DIFFPREFIX", ToolsName: "DIFFPREFIX", Side: SideServer, OnWire: true,
		Meaning: "SMCv1 needs both peers in the same IP subnet; the server found no common prefix in the Proposal.",
		Remedy:  "Put both hosts' interfaces in the same subnet/VLAN (compare `ip addr` prefixes of the interfaces used), or use SMC-Rv2 / SMC-Dv2, which work across subnets (kernel >= 5.10 on both hosts, a common UEID via `smcr ueid add`)."},
	{Code: 0x03080000, Short: "GETVLANERR", ToolsName: "GETVLANERR", Side: SideBoth, OnWire: true,
		Meaning: "Looking up the VLAN ID of the connection's netdev failed.",
		Remedy:  "Check the netdev stack of the interface used (`ip -d link show`): SMC handles a plain interface or one VLAN level over the RoCE/ISM port; nested VLANs, macvlan or unusual bonding setups fail."},
	{Code: 0x03090000, Short: "ISMVLANERR", ToolsName: "ISMVLANERR", Side: SideBoth, OnWire: true,
		Meaning: "Registering the VLAN with the ISM device failed.",
		Remedy:  "Check the VLAN configuration of the netdev (`ip -d link show`) and the number of VLANs in use on the ISM device (`smcd device`); see `dmesg` for the ISM driver error."},
	{Code: 0x030a0000, Short: "NOACTLINK", ToolsName: "NOACTLINK", Side: SideBoth, OnWire: true,
		Meaning: "The SMC-R link group has no active link.",
		Remedy:  "Check `smcr linkgroup link-show` and the RoCE port state (`rdma link`), cabling and switch ports; the link group recovers once a link is up."},
	{Code: 0x030b0000, Short: "NOSRVLINK", ToolsName: "NOSRVLINK", Side: SideClient, OnWire: true,
		Meaning: "The client did not find the server's link in the existing SMC-R link group (stale link-group state).",
		Remedy:  "Compare `smcr linkgroup show` on both hosts; the stale link group is usually removed automatically, otherwise bounce the RoCE port (`ip link set <netdev> down/up`) and check `dmesg`."},
	{Code: 0x030c0000, Short: "VERSMISMAT", ToolsName: "VERSMISMAT", Side: SideBoth, OnWire: true,
		Meaning: "No common SMC version (e.g. a v2-only peer and a v1-only peer).",
		Remedy:  "Upgrade the older peer (SMCv2 needs Linux >= 5.10) or enable the missing version/devices; compare `smcd info` / `smcr info` on both hosts."},
	{Code: 0x030d0000, Short: "MAX_DMB", ToolsName: "MAX_DMB", Side: SideBoth, OnWire: true,
		Meaning: "The SMC-D DMB limit of the ISM device is reached.",
		Remedy:  "Too many concurrent SMC-D connections: reduce them or spread the load; check `smcd linkgroup show` and `smcd stats`."},
	{Code: 0x030e0000, Short: "NOROUTE", Side: SideClient, OnWire: true,
		Meaning: "SMC-Rv2 found no route / gateway to the peer for the RoCE path.",
		Remedy:  "Check `ip route get <peer-ip>` for the RoCE netdev, the gateway's reachability on that interface (`ip neigh`), and that the RNIC's GID table holds the local IP (`ibv_devinfo -v`)."},
	{Code: 0x030f0000, Short: "NOINDIRECT", Side: SideClient, OnWire: true,
		Meaning: "Indirect (routed) SMC-Rv2 is not supported by the peer.",
		Remedy:  "Put both RoCE interfaces in the same IP subnet so the path is direct, or upgrade the peer to a release that supports routed SMC-Rv2."},
	{Code: 0x04000000, Short: "SYNCERR", ToolsName: "SYNCERR", Side: SideClient, OnWire: true,
		Meaning: "Link-group state is out of sync between the peers; sent with the out-of-sync flag, the receiver tears the link group down.",
		Remedy:  "The link group is rebuilt automatically; if it recurs, check RoCE link stability (`rdma link`, `dmesg` for link flaps) and upgrade both kernels."},
	{Code: 0x05000000, Short: "PEERDECL", ToolsName: "PEERDECL", Side: SideLocal, OnWire: false,
		Meaning: "A Decline was received; the peer's own reason is its peer diagnosis.",
		Remedy:  "Look up the peer's code (second value of `smcss` 'TCP 0x05000000/0x…', or the Decline's diagnosis in the capture) and apply that code's remedy on the peer."},
	{Code: 0x06000000, Short: "REPLY", Side: SideBoth, OnWire: true, Historical: true,
		Meaning: "Reply to a received Decline (Linux 4.11).",
		Remedy:  "Look at the Decline that came before in the capture; upgrade the kernel for more specific codes."},
	{Code: 0x07000000, Short: "SEND", Side: SideBoth, OnWire: true, Historical: true,
		Meaning: "Sending a CLC message failed (Linux 4.11).",
		Remedy:  "Check the TCP connection (resets, MTU/MSS problems) in the capture and `dmesg`; upgrade the kernel."},
	{Code: 0x09990000, Short: "INTERR", Side: SideBoth, OnWire: true,
		Meaning: "Internal error in the SMC code.",
		Remedy:  "Collect `dmesg`, the kernel version and a capture and report it to the distribution / netdev list; upgrade the kernel."},
	{Code: 0x09990001, Short: "ERR_RTOK", Side: SideBoth, OnWire: true,
		Meaning: "Handling the peer's rkey (rtoken) failed.",
		Remedy:  "RDMA memory registration problem: check `dmesg` for RNIC driver errors, `rdma resource show`, the memlock limit, and RNIC firmware/kernel levels."},
	{Code: 0x09990002, Short: "ERR_RDYLNK", Side: SideBoth, OnWire: true,
		Meaning: "The SMC-R link was not ready (the QP could not be brought up).",
		Remedy:  "Check the RoCE port (`rdma link`), GID table and MTU settings, and `dmesg` for QP state errors."},
	{Code: 0x09990003, Short: "ERR_REGBUF", Side: SideBoth, OnWire: true,
		Meaning: "Registering the RMB/DMB buffer with the device failed (smc-tools: ERR_REGRMB).",
		Remedy:  "Check `dmesg` for memory registration/IOMMU errors, RDMA resources (`rdma resource show`), the memlock limit, and lower net.smc.rmem / net.smc.wmem."},
	{Code: 0x99990000, Short: "INTERR", Side: SideBoth, OnWire: true, Historical: true,
		Meaning: "Internal error (old class byte 0x99, later renumbered to 0x09990000).",
		Remedy:  "Collect `dmesg` and the kernel version; upgrade the kernel."},
	{Code: 0x99990001, Short: "ERR_RTOK", Side: SideBoth, OnWire: true, Historical: true,
		Meaning: "rtoken handling failed (old numbering of 0x09990001).",
		Remedy:  "As for 0x09990001: check RDMA registration errors in `dmesg`; upgrade the kernel."},
	{Code: 0x99990002, Short: "ERR_RDYLNK", Side: SideBoth, OnWire: true, Historical: true,
		Meaning: "Link not ready (old numbering of 0x09990002).",
		Remedy:  "As for 0x09990002: check the RoCE port with `rdma link`; upgrade the kernel."},
	{Code: 0x99990003, Short: "ERR_REGRMB", Side: SideBoth, OnWire: true, Historical: true,
		Meaning: "RMB registration failed (old numbering of 0x09990003).",
		Remedy:  "As for 0x09990003: check memory registration errors in `dmesg`; upgrade the kernel."},
}

func init() {
	for i := range codeTable {
		e := &codeTable[i]
		e.Name = "SMC_CLC_DECL_" + e.Short
		e.Class = e.Code.Class()
	}
	sort.Slice(codeTable, func(i, j int) bool { return codeTable[i].Code < codeTable[j].Code })
}

// LookupCode returns the description of c. Unknown codes give false; callers
// should still print c.String() and c.Class().
func LookupCode(c Code) (CodeInfo, bool) {
	i := sort.Search(len(codeTable), func(i int) bool { return codeTable[i].Code >= c })
	if i < len(codeTable) && codeTable[i].Code == c {
		return codeTable[i], true
	}
	return CodeInfo{}, false
}

// Codes returns all known codes (sections 7.2 and 7.3), sorted by code.
func Codes() []CodeInfo {
	out := make([]CodeInfo, len(codeTable))
	copy(out, codeTable)
	return out
}

// toolsCodes maps the smc-tools names (CodeInfo.ToolsName) to codes.
var toolsCodes = func() map[string]Code {
	m := map[string]Code{}
	for _, e := range codeTable {
		if e.ToolsName != "" {
			m[e.ToolsName] = e.Code
		}
	}
	return m
}()

// ToolsNameCode returns the code of a fallback reason name as smc-tools
// prints it in `smcr stats -d` / `smcd stats -d` (e.g. "PEER_NO_SMC"), and
// false for any other name. The names are the CodeInfo.ToolsName entries:
// this table is the only list of them in smcdump.
func ToolsNameCode(name string) (Code, bool) {
	c, ok := toolsCodes[name]
	return c, ok
}

// ToolsNames returns every smc-tools fallback reason name with its code.
func ToolsNames() map[string]Code {
	m := make(map[string]Code, len(toolsCodes))
	for n, c := range toolsCodes {
		m[n] = c
	}
	return m
}

// ParseCode parses a code given as hex ("0x03010000", "03010000", up to 8
// hex digits), as kernel name ("SMC_CLC_DECL_PEERNOSMC"), short name
// ("PEERNOSMC") or smc-tools name ("PEER_NO_SMC"), case-insensitively. Names
// shared by a current and a historical code resolve to the current one.
func ParseCode(s string) (Code, error) {
	t := strings.TrimSpace(s)
	h := t
	if len(h) > 2 && (h[:2] == "0x" || h[:2] == "0X") {
		h = h[2:]
	}
	if len(h) >= 1 && len(h) <= 8 && isHex(h) {
		v, err := strconv.ParseUint(h, 16, 32)
		if err == nil {
			return Code(v), nil
		}
	}
	u := strings.ToUpper(t)
	var found *CodeInfo
	for i := range codeTable {
		e := &codeTable[i]
		if !e.matches(u) {
			continue
		}
		if found == nil || (found.Historical && !e.Historical) {
			found = e
		}
	}
	if found != nil {
		return found.Code, nil
	}
	return 0, fmt.Errorf("smcproto: unknown decline code %q (want hex like 0x03010000 or a name like PEERNOSMC)", s)
}

func (e *CodeInfo) matches(u string) bool {
	if u == "" {
		return false
	}
	if u == e.Name || u == e.Short || (e.ToolsName != "" && u == e.ToolsName) {
		return true
	}
	for _, a := range codeAliases[e.Code] {
		if u == a {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
