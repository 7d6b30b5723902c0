// Command labmanifest writes manifest.json for one kernel's output directory
// of the smcdump SMC kernel lab (testdata/lab/out/<kernel>/). It runs on the
// host at the end of testdata/lab/run.sh.
//
// The expected verdict of every connection is derived from what the kernel
// itself reported: the smc_diag mode / fallback reason / peer diagnosis that
// the peer program read for each socket while it was open, the kernel's
// SMC_GEN_NETLINK GET_STATS counters before and after the scenario (for the
// SMC version), and kernel log lines. It never reads the pcap (other than its
// size and checksum). Reason codes: docs/smc-protocol.md section 7.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

type diagInfo struct {
	State    uint8  `json:"state"`
	Mode     string `json:"mode"`
	Fallback string `json:"fallback_rsn"`
	PeerDiag string `json:"peer_diagnosis"`
	LinkID   *uint8 `json:"link_id,omitempty"`
	IBName   string `json:"ibname,omitempty"`
}

type connLog struct {
	Time      string    `json:"time"`
	Role      string    `json:"role"`
	Seq       int       `json:"seq"`
	Proto     string    `json:"proto"`
	Socket    string    `json:"socket"`
	Local     string    `json:"local"`
	Remote    string    `json:"remote"`
	BytesSent int       `json:"bytes_sent"`
	BytesRecv int       `json:"bytes_recv"`
	ConnectMS int64     `json:"connect_ms"`
	Err       string    `json:"error"`
	Diag      *diagInfo `json:"diag"`
	DiagErr   string    `json:"diag_error"`
	Event     string    `json:"event"`
}

// verdict is the expected analyzer verdict for one connection.
type verdict struct {
	Client     string `json:"client"`
	Server     string `json:"server"`
	Outcome    string `json:"outcome"` // smc|fallback|handshake-error|not-smc
	SMC        string `json:"smc,omitempty"`
	Version    int    `json:"version,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Code       string `json:"code,omitempty"`
	DeclinedBy string `json:"declined_by,omitempty"`
	Late       *bool  `json:"late,omitempty"`
	Link       string `json:"link,omitempty"`
	Note       string `json:"note,omitempty"`
	// Evidence: the kernel's own view of each side's socket.
	ClientKernel *sideView `json:"client_kernel,omitempty"`
	ServerKernel *sideView `json:"server_kernel,omitempty"`
}

type sideView struct {
	Proto     string `json:"proto"`
	Socket    string `json:"socket,omitempty"`
	Mode      string `json:"smc_diag_mode,omitempty"`
	Fallback  string `json:"fallback_rsn,omitempty"`
	PeerDiag  string `json:"peer_diagnosis,omitempty"`
	BytesSent int    `json:"bytes_sent"`
	BytesRecv int    `json:"bytes_recv"`
	ConnectMS int64  `json:"connect_ms,omitempty"`
	Err       string `json:"error,omitempty"`
}

type scenarioOut struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"` // recorded | not-produced
	// KernelRelease: uname -r of this scenario's VM(s); scenarios recorded by
	// different run.sh invocations may run different Debian point releases.
	KernelRelease string              `json:"kernel_release,omitempty"`
	Why           string              `json:"why,omitempty"`
	Trace         string              `json:"trace,omitempty"`
	TraceBytes    int64               `json:"trace_bytes,omitempty"`
	TraceSHA256   string              `json:"trace_sha256,omitempty"`
	OtherTraces   []pointTrace        `json:"other_traces,omitempty"`
	CapturePoint  string              `json:"capture_point,omitempty"`
	Topology      []string            `json:"topology,omitempty"`
	QemuCommands  map[string]string   `json:"qemu_commands,omitempty"`
	GuestSetup    map[string][]string `json:"guest_commands,omitempty"`
	Snapshots     []string            `json:"snapshots,omitempty"`
	Connections   []verdict           `json:"connections"`
	PeerLog       []json.RawMessage   `json:"peer_log,omitempty"`
	Stats         map[string]any      `json:"kernel_stats_delta,omitempty"`
	KernelLog     map[string][]string `json:"kernel_log,omitempty"`
	Notes         []string            `json:"notes,omitempty"`
}

// pointTrace is a further capture point of a scenario (<scenario>-TAG.pcapng):
// the connections' verdicts are those of the main trace; this trace shows the
// same connections as seen at another point (e.g. the server's side of a
// middlebox).
type pointTrace struct {
	Trace       string `json:"trace"`
	Point       string `json:"point"`
	TraceBytes  int64  `json:"trace_bytes"`
	TraceSHA256 string `json:"trace_sha256"`
	// Connections: the verdict expected at this point, derived from the
	// kernel of the side the point belongs to (srvside: the server's).
	Connections []verdict `json:"connections,omitempty"`
}

type manifest struct {
	Schema        int               `json:"schema"`
	GeneratedBy   string            `json:"generated_by"`
	KernelLabel   string            `json:"kernel_label"`
	KernelPackage string            `json:"kernel_package"`
	KernelRelease string            `json:"kernel_release"`
	KernelVersion string            `json:"kernel_version,omitempty"`
	Vocabulary    map[string]string `json:"vocabulary"`
	Notes         []string          `json:"notes,omitempty"`
	Scenarios     []scenarioOut     `json:"scenarios"`
}

var descriptions = map[string]string{
	"a-peer-no-smc":                 "single VM, two netns + veth: client AF_SMC -> server plain TCP (AF_INET). Server SYN-ACK lacks the SMC option; client falls back locally (PEERNOSMC), no CLC.",
	"b-no-device":                   "single VM, two netns + veth, no RDMA/ISM device: both AF_SMC; the client has no SMC device and sends a CLC Decline instead of a Proposal.",
	"c-smcr-link":                   "two VMs joined by qemu -netdev socket on 127.0.0.1; soft-RoCE rxe0 on eth0, UEID and PNET ID set on both: SMC-R v2 with a working link (LLC CONFIRM_LINK and data over RoCEv2 UDP 4791). Two sequential connections (first contact + link-group reuse).",
	"c-smcr-stall":                  "as c-smcr-link, on Linux 6.1: Proposal/Accept/Confirm v2 and then the handshake stalls; the client's connect is abandoned after 30 s.",
	"d-roce-blocked":                "single VM, two netns + veth with rxe on each veth, UEID + PNET IDs: SMC-R v2 handshake reaches Confirm, but rxe's UDP tunnel socket lives in the initial netns so RoCEv2 frames never cross; the server declines after the LLC confirm-link timeout.",
	"e-ueid-mismatch":               "two VMs as c, but the server and the client have different UEIDs.",
	"e-ueid-missing-server":         "two VMs as c, but the server has no UEID.",
	"e-ueid-missing-client":         "two VMs as c, but the client has no UEID.",
	"e-pnet-missing-server":         "two VMs as c, but the server has no PNET ID entries (neither ethname nor ibname).",
	"e-pnet-missing-client":         "two VMs as c, but the client has no PNET ID entries.",
	"f-ipv6":                        "two VMs as c, connection over IPv6 (fd00::1 -> fd00::2); SMC-R v2 is IPv4-only in Linux.",
	"g-many":                        "two VMs as c, N connections (4 in parallel) to one server: link-group reuse, first contact only once.",
	"h-listen-pressure":             "single VM as d (each server handshake waits ~3 s for the blocked LLC confirm), listener with SMC_LIMIT_HS and backlog 2, 12 parallel clients.",
	"i-mbox-strip-syn":              "single VM, three netns: cli (10.0.1.1) - rtr - srv (10.0.2.2); the router forwards and its nftables rule 'tcp flags syn counter reset tcp option 254' (the issue's rule; 'tcp flags syn' matches SYN and SYN-ACK) overwrites the SMC TCP option with NOPs. Both peers AF_SMC, no SMC device. Main trace on the client's veth (vc), <name>-srvside.pcapng on the server's (vs).",
	"i-mbox-strip-synack":           "as i-mbox-strip-syn, but the rule 'tcp flags & (syn | ack) == syn | ack counter reset tcp option 254' strips the SMC option from SYN-ACKs only: the server's kernel sees SMC requested and answered, the client's does not.",
	"j-syncookies":                  "single VM as d (rxe on both veths, UEID, PNET), the server netns has net.ipv4.tcp_syncookies=2 (every SYN answered with a SYN cookie, no request socket kept).",
	"k-limit-hs-sysctl":             "single VM as h, but the listener gets the handshake limitation from the server netns's net.smc.limit_smc_hs=1 sysctl instead of setsockopt SMC_LIMIT_HS; backlog 2, 12 parallel clients.",
	"m-smcd-lo":                     "kernel 6.12-lo only (linux-source-6.12 with CONFIG_SMC_LO=y): single VM, two netns + veth, no RDMA device, UEID set: both AF_SMC, 2 sequential connections with 16 KiB echoed; the only SMC device is loopback-ism, so the kernel can only choose SMC-D v2.",
	"n-smcd-and-smcr":               "kernel 6.12-lo only: as m-smcd-lo plus soft-RoCE on both veths with UEID and PNET IDs (as d): the client can offer SMC-D v2 (loopback-ism) and SMC-R v2; the server chooses.",
	"o-lo-hidden-smcr-client":       "kernel 6.12-lo only: single VM, two netns + veth, UEID; soft-RoCE on the client's veth only; loopback-ism given a user PNET ID (SMC_PNETID ADD ibname loopback-ism) that no netdev has, which hides it from client proposals (af_smc.c smc_find_ism_v2_device_clnt) but not from the listener: the client can offer only SMC-R, the server has only SMC-D (loopback-ism).",
	"p-lo-hidden-no-device":         "kernel 6.12-lo only: single VM, two netns + veth, UEID, no RDMA device; loopback-ism, the only SMC device, hidden from client proposals by a user PNET ID: loopback-ism unavailable on the client side.",
	"q-2vm-smcd-smcr":               "kernel 6.12-lo only: two VMs (each its own kernel and its own loopback-ism, CHID 0xFFFF, random GID) joined by qemu -netdev socket; rxe0 on eth0, UEID and PNET on both (as c-smcr-link): the client offers SMC-D v2 (its loopback-ism GID) and SMC-R v2; loopback-ism only reaches its own kernel (smc_lo_query_rgid), so the server chooses.",
	"r-2vm-smcd-client-smcr-server": "kernel 6.12-lo only: two VMs; the client VM has only loopback-ism (no RDMA device), the server VM rxe0 + UEID + PNET (and its own loopback-ism): the client can offer only SMC-D v2 with a GID of another kernel.",
	"s-2vm-smcr-client-smcd-server": "kernel 6.12-lo only: two VMs; the client VM has rxe0 + UEID + PNET (and its own loopback-ism), the server VM only loopback-ism (no RDMA device): the client offers SMC-D v2 and SMC-R v2, the server can serve only SMC-D and only for its own kernel.",
	"t-lo-pnet-table-match":         "kernel 6.12-lo only: single VM, two netns + veth, UEID, no RDMA device; loopback-ism given a user PNET ID and both veths given the same PNET ID through the pnet table (SMC_PNETID ADD ethname in each netns): pnet-table entries do not make loopback-ism available for the SMC-D v2 list (smc_pnet_is_ndev_pnetid), but the SMC-D v1 device search (smc_pnet_find_ism_by_pnetid) uses them.",
	"l-ipproto-smc":                 "single VM as d, both peers open socket(AF_INET, SOCK_STREAM, IPPROTO_SMC=256) (Linux 6.11+, net/smc/smc_inet.c) instead of AF_SMC.",
}

func main() {
	dir := flag.String("dir", "", "output directory of one kernel (testdata/lab/out/<kernel>)")
	label := flag.String("kernel-label", "", "6.1 or 6.12")
	pkg := flag.String("kernel-package", "", "Debian kernel package")
	gCount := flag.Int("g-count", 200, "connections in scenario g")
	flag.Parse()
	if err := run(*dir, *label, *pkg, *gCount); err != nil {
		fmt.Fprintln(os.Stderr, "labmanifest:", err)
		os.Exit(1)
	}
}

var kernelLabel string

func run(dir, label, pkg string, gCount int) error {
	kernelLabel = label
	m := manifest{
		Schema:        1,
		GeneratedBy:   "testdata/lab/run.sh (testdata/lab/labmanifest)",
		KernelLabel:   label,
		KernelPackage: pkg,
		Vocabulary: map[string]string{
			"outcome":     "smc: SMC connection established; fallback: TCP fallback after the SMC TCP option or a CLC Decline; handshake-error: connect/accept failed or hung, no fallback; not-smc: no SMC attempt",
			"late":        "true when the Decline came after the CLC Confirm (LLC link set-up failed: codes 0x02xxxxxx, 0x03050000)",
			"link":        "confirmed: the kernel reported the SMC-R link (dmesg 'link added' / smc_diag LGRINFO); stalled: the handshake hung after Confirm; not-visible: Confirm was exchanged but the kernel never completed LLC CONFIRM_LINK",
			"declined_by": "the side whose kernel reported the reason as its own (smc_diag fallback_rsn); the other side reports 0x05000000 PEERDECL with the code as peer_diagnosis",
		},
	}
	logs, err := os.ReadDir(filepath.Join(dir, "logs"))
	if err != nil {
		return err
	}
	for _, e := range logs {
		if !e.IsDir() {
			continue
		}
		s := scenario(dir, e.Name(), gCount)
		m.Scenarios = append(m.Scenarios, s)
	}
	sort.Slice(m.Scenarios, func(i, j int) bool { return m.Scenarios[i].Name < m.Scenarios[j].Name })
	// the run's kernel (the package run.sh fetched) names the manifest;
	// older scenarios keep their own kernel_release
	rel := strings.TrimPrefix(pkg, "linux-image-")
	for _, s := range m.Scenarios {
		if s.KernelRelease == rel {
			m.KernelRelease = rel
		}
	}
	for _, s := range m.Scenarios {
		if m.KernelRelease == "" {
			m.KernelRelease = s.KernelRelease
		}
		if s.KernelRelease != "" && s.KernelRelease != m.KernelRelease {
			m.Notes = append(m.Notes, "scenario "+s.Name+" was recorded on "+s.KernelRelease)
		}
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o644)
}

func readLines(p string) []string {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

var kernelLogRE = regexp.MustCompile(`(?i)smc|rxe|infiniband|hung|blocked for more|call trace|rdma`)

func scenario(dir, name string, gCount int) scenarioOut {
	ld := filepath.Join(dir, "logs", name)
	s := scenarioOut{Name: name, Description: descriptions[name], QemuCommands: map[string]string{},
		GuestSetup: map[string][]string{}, KernelLog: map[string][]string{}}
	if name == "g-many" {
		s.Description += fmt.Sprintf(" N=%d in this recording.", gCount)
		if gCount < 200 {
			n := fmt.Sprintf("N reduced from the issue's 200 to %d", gCount)
			if kernelLabel == "6.1" {
				n += ": on Linux 6.1 every SMC-R v2 connection stalls after Confirm (see c-smcr-stall) and each is bounded at 30 s"
			}
			s.Notes = append(s.Notes, n)
		}
	}
	sides := []string{"vm", "server", "client"}
	for _, side := range sides {
		if b, err := os.ReadFile(filepath.Join(ld, side+"-uname-r.txt")); err == nil && s.KernelRelease == "" {
			s.KernelRelease = strings.TrimSpace(string(b))
		}
	}
	var clients, servers []connLog
	var raw []json.RawMessage
	for _, side := range sides {
		if b, err := os.ReadFile(filepath.Join(ld, side+"-qemu-cmd.txt")); err == nil {
			s.QemuCommands[side] = relPaths(strings.TrimSpace(string(b)))
		}
		if l := readLines(filepath.Join(ld, side+"-commands.txt")); l != nil {
			s.GuestSetup[side] = l
		}
		if l := readLines(filepath.Join(ld, side+"-topology.txt")); l != nil {
			s.Topology = append(s.Topology, l...)
		}
		if l := readLines(filepath.Join(ld, side+"-capture.txt")); l != nil {
			s.CapturePoint = strings.Join(l, "; ")
		}
		if l := readLines(filepath.Join(ld, side+"-notes.txt")); l != nil {
			s.Notes = append(s.Notes, l...)
		}
		if b, err := os.ReadFile(filepath.Join(ld, side+"-killed.txt")); err == nil {
			s.Notes = append(s.Notes, side+" VM "+strings.TrimSpace(string(b)))
		}
		for _, lf := range []string{"client.log", "server.log"} {
			for _, line := range readLines(filepath.Join(ld, side+"-"+lf)) {
				var c connLog
				if json.Unmarshal([]byte(line), &c) != nil {
					continue
				}
				raw = append(raw, json.RawMessage(line))
				if c.Event != "conn" && c.Event != "" {
					continue
				}
				if c.Role == "client" {
					clients = append(clients, c)
				} else {
					servers = append(servers, c)
				}
			}
		}
		var kl []string
		for _, l := range readLines(filepath.Join(ld, side+"-dmesg.txt")) {
			if kernelLogRE.MatchString(l) && !strings.Contains(l, "command line") && !strings.Contains(l, "Command line") {
				kl = append(kl, l)
			}
		}
		if len(kl) > 0 {
			if len(kl) > 80 {
				kl = append(kl[:40], append([]string{fmt.Sprintf("... %d lines omitted ...", len(kl)-80)}, kl[len(kl)-40:]...)...)
			}
			s.KernelLog[side] = kl
		}
	}
	if len(raw) <= 60 {
		s.PeerLog = raw
	} else {
		s.Notes = append(s.Notes, fmt.Sprintf("peer log has %d lines; see logs/%s/*-client.log and *-server.log", len(raw), name))
	}
	if snaps, err := os.ReadDir(filepath.Join(dir, "snap", name)); err == nil {
		for _, sn := range snaps {
			s.Snapshots = append(s.Snapshots, filepath.Join("snap", name, sn.Name()))
		}
	}
	// smcdump's capture writes <name>.pcapng, tcpdump (run.sh --capture
	// tcpdump) <name>.pcap.
	for _, ext := range []string{".pcapng", ".pcap"} {
		b, err := os.ReadFile(filepath.Join(dir, name+ext))
		if err != nil {
			continue
		}
		s.Trace = name + ext
		s.TraceBytes = int64(len(b))
		h := sha256.Sum256(b)
		s.TraceSHA256 = hex.EncodeToString(h[:])
		break
	}
	if extra, err := filepath.Glob(filepath.Join(dir, name+"-*.pcap*")); err == nil {
		sort.Strings(extra)
		for _, p := range extra {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			base := filepath.Base(p)
			tag := strings.TrimPrefix(strings.TrimSuffix(strings.TrimSuffix(base, ".pcapng"), ".pcap"), name+"-")
			h := sha256.Sum256(b)
			pt := pointTrace{Trace: base, Point: tag, TraceBytes: int64(len(b)), TraceSHA256: hex.EncodeToString(h[:])}
			for _, l := range readLines(filepath.Join(ld, "vm-capture.txt")) {
				if strings.HasPrefix(l, "point="+tag+" ") {
					pt.Point = l
				}
			}
			s.OtherTraces = append(s.OtherTraces, pt)
		}
	}
	for _, side := range sides {
		for _, f := range []string{"nft-before.txt", "nft-after.txt"} {
			for _, l := range readLines(filepath.Join(ld, side+"-"+f)) {
				if strings.Contains(l, "counter") {
					s.Notes = append(s.Notes, "router nftables rule ("+strings.TrimSuffix(f, ".txt")+"): "+strings.TrimSpace(l))
				}
			}
		}
		for _, l := range readLines(filepath.Join(ld, side+"-commands.txt")) {
			if strings.Contains(l, "sysctl -w") {
				s.Notes = append(s.Notes, "sysctl ("+side+"): "+strings.TrimSpace(strings.TrimPrefix(l, "NS ")))
			}
		}
	}
	// socket(2) failures (e.g. IPPROTO_SMC on a kernel without it): no
	// connection exists, the peer's error is the kernel's answer.
	for _, side := range sides {
		for _, lf := range []string{"client.log", "server.log"} {
			for _, line := range readLines(filepath.Join(ld, side+"-"+lf)) {
				var c connLog
				if json.Unmarshal([]byte(line), &c) == nil && strings.HasPrefix(c.Err, "socket") {
					s.Notes = append(s.Notes, fmt.Sprintf("%s: socket(%s) failed: %s", c.Role, c.Socket, c.Err))
				}
			}
		}
	}
	// SMC version from the kernel's success counters (GET_STATS deltas).
	cv1, cv2 := statsDelta(dir, name, "client", smcrTech, 7, 8)
	sv1, sv2 := statsDelta(dir, name, "server", smcrTech, 9, 10)
	if cv1 >= 0 {
		s.Stats = map[string]any{"smcr_client_v1_succ": cv1, "smcr_client_v2_succ": cv2, "smcr_server_v1_succ": sv1, "smcr_server_v2_succ": sv2}
	}
	// SMC-D (loopback-ism, kernel 6.12-lo): the SMCD_TECH nest
	dv1, dv2 := statsDelta(dir, name, "client", smcdTech, 7, 8)
	dsv1, dsv2 := statsDelta(dir, name, "server", smcdTech, 9, 10)
	if dv1 > 0 || dv2 > 0 || dsv1 > 0 || dsv2 > 0 {
		s.Stats["smcd_client_v1_succ"], s.Stats["smcd_client_v2_succ"] = dv1, dv2
		s.Stats["smcd_server_v1_succ"], s.Stats["smcd_server_v2_succ"] = dsv1, dsv2
	}
	// handshake errors (GET_STATS) and SYN cookies (TcpExt) per side
	srvHSErr := jsonDelta(dir, name, "server", "smc.info.stats.server_handshake_errors")
	for _, side := range []string{"client", "server"} {
		for _, f := range []struct{ key, path string }{
			{side + "_client_handshake_errors", "smc.info.stats.client_handshake_errors"},
			{side + "_server_handshake_errors", "smc.info.stats.server_handshake_errors"},
			{side + "_TcpExt_SyncookiesSent", "proc.netstat.TcpExt.SyncookiesSent"},
			{side + "_TcpExt_SyncookiesRecv", "proc.netstat.TcpExt.SyncookiesRecv"},
		} {
			if d := jsonDelta(dir, name, side, f.path); d > 0 {
				if s.Stats == nil {
					s.Stats = map[string]any{}
				}
				s.Stats[f.key] = d
			}
		}
	}
	linkAdded := false
	stalled := false
	for _, kl := range s.KernelLog {
		for _, l := range kl {
			if strings.Contains(l, "link added") {
				linkAdded = true
			}
			if strings.Contains(l, "blocked for more than") {
				stalled = true
			}
		}
	}
	for _, side := range sides {
		if st := hungStack(readLines(filepath.Join(ld, side+"-dmesg.txt"))); st != "" {
			s.Notes = append(s.Notes, "kernel hung-task report ("+side+" VM): "+st)
		}
	}
	srvByPeer := map[string]connLog{}
	for _, c := range servers {
		srvByPeer[c.Remote] = c
	}
	sort.SliceStable(clients, func(i, j int) bool { return clients[i].Seq < clients[j].Seq })
	for _, c := range clients {
		if strings.HasPrefix(c.Err, "socket") {
			continue // no connection (see the note)
		}
		sv, ok := srvByPeer[c.Local]
		var sp *connLog
		if ok && c.Local != "" {
			sp = &sv
		}
		v1, v2 := cv1, cv2
		if c.Diag != nil && c.Diag.Mode == "SMCD" {
			v1, v2 = dv1, dv2
		}
		s.Connections = append(s.Connections, derive(c, sp, v1, v2, linkAdded, stalled))
	}
	if s.Connections == nil {
		s.Connections = []verdict{} // e.g. socket(2) failed: no connection
	}
	// the other capture points: srvside shows what the server's kernel saw
	for i := range s.OtherTraces {
		pt := &s.OtherTraces[i]
		if !strings.HasPrefix(filepath.Base(pt.Trace), name+"-srvside.") {
			continue
		}
		for _, v := range s.Connections {
			sv, ok := srvByPeer[v.Client]
			e := verdict{Client: v.Client, Server: v.Server, ServerKernel: v.ServerKernel}
			switch {
			case ok && sv.Diag != nil && sv.Diag.Fallback == "0x03010000":
				e.Outcome = "not-smc"
				e.Note = "server smc_diag fallback_rsn 0x03010000 (PEERNOSMC on the server): the SYN reached the server without the SMC option, so no SMC attempt is visible at this point"
			case !ok && srvHSErr > 0:
				e.Outcome = "handshake-error"
				e.Note = fmt.Sprintf("the server never accepted the connection; its kernel counted %d server handshake error(s) (GET_STATS) while the client fell back", srvHSErr)
			default:
				e = v
			}
			pt.Connections = append(pt.Connections, e)
		}
	}
	switch {
	case s.Trace == "" && len(clients) == 0:
		s.Status = "not-produced"
		s.Why = "no trace and no peer log were recorded; see kernel_log and logs/" + name + "/*-console.txt"
	case s.Trace == "":
		s.Status = "not-produced"
		s.Why = "no trace was recorded; see logs/" + name
	default:
		s.Status = "recorded"
	}
	return s
}

// relPaths strips the host's absolute lab path from a qemu command line.
func relPaths(cmd string) string {
	if i := strings.Index(cmd, "/testdata/lab/"); i >= 0 {
		j := strings.LastIndex(cmd[:i], " ")
		prefix := cmd[j+1 : i]
		prefix = strings.TrimPrefix(prefix, "file=")
		if prefix != "" {
			cmd = strings.ReplaceAll(cmd, prefix+"/testdata/lab/", "testdata/lab/")
		}
	}
	return cmd
}

func view(c *connLog) *sideView {
	if c == nil {
		return nil
	}
	v := &sideView{Proto: c.Proto, Socket: c.Socket, BytesSent: c.BytesSent, BytesRecv: c.BytesRecv, ConnectMS: c.ConnectMS, Err: c.Err}
	if c.Diag != nil {
		v.Mode, v.Fallback, v.PeerDiag = c.Diag.Mode, c.Diag.Fallback, c.Diag.PeerDiag
	}
	return v
}

func lateCode(code string) bool {
	return strings.HasPrefix(code, "0x02") || code == "0x03050000"
}

func derive(c connLog, s *connLog, cv1, cv2 int64, linkAdded, stalled bool) verdict {
	v := verdict{Client: c.Local, Server: c.Remote, ClientKernel: view(&c), ServerKernel: view(s)}
	f := false
	switch {
	case c.Proto == "tcp" && (s == nil || s.Proto == "tcp"):
		v.Outcome = "not-smc"
	case strings.Contains(c.Err, "still blocked"):
		v.Outcome = "handshake-error"
		v.Reason = "stalled-after-confirm"
		v.Link = "stalled"
		v.Note = "client connect() did not return within the bound; smc_diag mode " + modeOf(c) + "; the server never accepted the connection"
		if stalled {
			v.Note += "; kernel reported hung tasks"
		}
	case c.Err != "" && strings.HasPrefix(c.Err, "connect"):
		v.Outcome = "handshake-error"
		v.Reason = "connect-error"
		v.Note = c.Err
	case c.Diag == nil:
		v.Outcome = "handshake-error"
		v.Note = "no smc_diag entry for the client socket: " + c.DiagErr
	case c.Diag.Mode == "SMCR" || c.Diag.Mode == "SMCD":
		v.Outcome = "smc"
		v.SMC = map[string]string{"SMCR": "SMC-R", "SMCD": "SMC-D"}[c.Diag.Mode]
		switch {
		case cv2 > 0 && cv1 <= 0:
			v.Version = 2
		case cv1 > 0 && cv2 <= 0:
			v.Version = 1
		}
		if v.SMC == "SMC-R" {
			if linkAdded || c.Diag.LinkID != nil {
				v.Link = "confirmed"
			}
		}
	default:
		v.Outcome = "fallback"
		rsn, pd := c.Diag.Fallback, c.Diag.PeerDiag
		switch rsn {
		case "0x03010000":
			v.Reason, v.Code = "peer-no-smc", rsn
		case "0x05000000":
			v.Reason, v.Code, v.DeclinedBy = "decline", pd, "server"
		case "0x03060000":
			v.Reason, v.Code = "local-option-unsupported", rsn
		default:
			v.Reason, v.Code, v.DeclinedBy = "decline", rsn, "client"
		}
		if v.DeclinedBy != "" {
			l := lateCode(v.Code)
			v.Late = &l
			if l {
				v.Link = "not-visible"
			}
		} else {
			v.Late = &f
		}
		if v.Reason == "peer-no-smc" && s != nil && s.Proto == "smc" {
			v.Note = "the server is an AF_SMC listener but its SYN-ACK did not confirm SMC"
			if s.Diag != nil {
				v.Note += " (server smc_diag fallback_rsn " + s.Diag.Fallback + ")"
			}
		}
		if s != nil && s.Diag != nil {
			// cross-check with the server's own view
			if v.DeclinedBy == "server" && s.Diag.Fallback != v.Code {
				v.Note = fmt.Sprintf("server smc_diag fallback_rsn %s differs from client peer_diagnosis %s", s.Diag.Fallback, v.Code)
			}
			if v.DeclinedBy == "client" && s.Diag.PeerDiag != v.Code {
				v.Note = fmt.Sprintf("server smc_diag peer_diagnosis %s differs from client fallback_rsn %s", s.Diag.PeerDiag, v.Code)
			}
		}
	}
	if c.Err != "" && v.Outcome != "handshake-error" {
		if v.Note != "" {
			v.Note += "; "
		}
		v.Note += "client error after connect: " + c.Err
	}
	return v
}

func modeOf(c connLog) string {
	if c.Diag == nil {
		return "unknown (" + c.DiagErr + ")"
	}
	return c.Diag.Mode + " fallback_rsn " + c.Diag.Fallback
}

// jsonDelta returns after-minus-before of a numeric field (dotted path) in
// the side's `smcdump stats --json` snapshots, or -1 when either is missing.
func jsonDelta(dir, name, side, path string) int64 {
	get := func(phase string) (float64, bool) {
		b, err := os.ReadFile(filepath.Join(dir, "snap", name, side+"-"+phase+".json"))
		if err != nil {
			return 0, false
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return 0, false
		}
		for _, k := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return 0, false
			}
			v = m[k]
		}
		f, ok := v.(float64)
		return f, ok
	}
	a, ok1 := get("before")
	b, ok2 := get("after")
	if !ok1 || !ok2 {
		return -1
	}
	return int64(b - a)
}

// statsDelta returns the after-minus-before value of two SMCR_TECH counters
// in the side's GET_STATS snapshot (docs/smc-protocol.md 12.9), or -1, -1.
// SMC_NLA_STATS_SMCD_TECH / SMC_NLA_STATS_SMCR_TECH (docs/smc-protocol.md 12.9).
const (
	smcdTech = 1
	smcrTech = 2
)

func statsDelta(dir, name, side string, nest, a1, a2 uint16) (int64, int64) {
	get := func(phase string) (map[uint16]uint64, bool) {
		for _, s := range []string{side} {
			b, err := os.ReadFile(filepath.Join(dir, "snap", name, s+"-"+phase, "genl-stats.bin"))
			if err == nil {
				return parseStats(b, nest), true
			}
		}
		return nil, false
	}
	before, ok1 := get("before")
	after, ok2 := get("after")
	if !ok1 || !ok2 {
		return -1, -1
	}
	return int64(after[a1] - before[a1]), int64(after[a2] - before[a2])
}

// parseStats extracts the u64 counters of one tech nest (SMCR_TECH or
// SMCD_TECH).
func parseStats(b []byte, nest uint16) map[uint16]uint64 {
	out := map[uint16]uint64{}
	for len(b) >= 16 {
		l := int(binary.NativeEndian.Uint32(b))
		t := binary.NativeEndian.Uint16(b[4:])
		if l < 16 || l > len(b) {
			break
		}
		if t >= 16 && l >= 20 {
			walk(b[20:l], func(typ uint16, p []byte) {
				if typ == 7 {
					walk(p, func(typ uint16, p []byte) {
						if typ == nest {
							walk(p, func(typ uint16, p []byte) {
								if len(p) == 8 {
									out[typ] = binary.NativeEndian.Uint64(p)
								}
							})
						}
					})
				}
			})
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	return out
}

func walk(b []byte, fn func(uint16, []byte)) {
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b))
		t := binary.NativeEndian.Uint16(b[2:]) & 0x3fff
		if l < 4 || l > len(b) {
			return
		}
		fn(t, b[4:l])
		b = b[min((l+3)&^3, len(b)):]
	}
}

var frameRE = regexp.MustCompile(`^\[[ 0-9.]+\]\s+([A-Za-z0-9_.]+)\+0x[0-9a-f]+/0x[0-9a-f]+ \[(smc|ib_core|rdma_rxe)\]`)

// hungStack returns the SMC/RDMA frames of the first hung-task report in a
// kernel log, innermost first, or "".
func hungStack(lines []string) string {
	var frames []string
	in := false
	for _, l := range lines {
		if strings.Contains(l, "blocked for more than") {
			if in && len(frames) > 0 {
				break
			}
			in = true
			frames = append(frames[:0], strings.TrimSpace(l[strings.Index(l, "]")+1:])+":")
			continue
		}
		if !in {
			continue
		}
		if m := frameRE.FindStringSubmatch(l); m != nil {
			frames = append(frames, m[1])
		}
		if strings.Contains(l, "</TASK>") {
			if len(frames) > 1 {
				break
			}
			in = false
		}
	}
	if len(frames) <= 1 {
		return ""
	}
	return frames[0] + " " + strings.Join(frames[1:], " <- ")
}
