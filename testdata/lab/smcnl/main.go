// Command smcnl is the smcdump lab's SMC netlink helper. It runs inside the
// qemu guests built by testdata/lab/run.sh (statically linked, CGO_ENABLED=0).
//
//	smcnl snap -dir DIR [-side NAME] [-netns NAME]
//	    writes raw netlink RESPONSE bytes (every recvfrom buffer of the dump,
//	    concatenated, NLMSG_DONE / NLMSG_ERROR included) of each
//	    SMC_GEN_NETLINK dump command, of SMC_PNETID GET and of an smc_diag
//	    (sock_diag, family AF_SMC) dump, copies /proc/net files verbatim, and
//	    writes DIR/index.json naming each file's request. References:
//	    docs/smc-protocol.md sections 11 (smc_diag) and 12
//	    (SMC_GEN_NETLINK, SMC_PNETID).
//	smcnl ueid-add EID         SMC_GEN_NETLINK ADD_UEID (attr 1, 32 chars blank padded + NUL)
//	smcnl pnet-add -name P [-eth DEV] [-ib DEV -port N]   SMC_PNETID ADD
//	smcnl hs-limit on|off      SMC_GEN_NETLINK ENABLE/DISABLE_HS_LIMITATION
//
// Family IDs are resolved and the set-up commands are sent with
// github.com/mdlayher/genetlink; dumps use a raw netlink socket so that the
// exact bytes the kernel sent can be stored.
package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: smcnl snap|ueid-add|pnet-add|hs-limit ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "snap":
		err = snap(os.Args[2:])
	case "ueid-add":
		err = ueidAdd(os.Args[2:])
	case "pnet-add":
		err = pnetAdd(os.Args[2:])
	case "hs-limit":
		err = hsLimit(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "smcnl:", err)
		os.Exit(1)
	}
}

func family(name string) (genetlink.Family, error) {
	c, err := genetlink.Dial(nil)
	if err != nil {
		return genetlink.Family{}, err
	}
	defer c.Close()
	return c.GetFamily(name)
}

func execute(fam string, cmd uint8, data []byte) error {
	c, err := genetlink.Dial(nil)
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := c.GetFamily(fam)
	if err != nil {
		return fmt.Errorf("family %s: %w", fam, err)
	}
	_, err = c.Execute(genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: f.Version},
		Data:   data,
	}, f.ID, netlink.Request|netlink.Acknowledge)
	return err
}

func ueidAdd(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: ueid-add EID")
	}
	eid := strings.ToUpper(args[0])
	if len(eid) > 32 {
		return errors.New("EID longer than 32 characters")
	}
	eid += strings.Repeat(" ", 32-len(eid))
	ae := netlink.NewAttributeEncoder()
	ae.String(1, eid) // SMC_NLA_EID_TABLE_ENTRY, NUL added by the encoder: 33 bytes
	b, err := ae.Encode()
	if err != nil {
		return err
	}
	return execute("SMC_GEN_NETLINK", 10, b)
}

func hsLimit(args []string) error {
	if len(args) != 1 || (args[0] != "on" && args[0] != "off") {
		return errors.New("usage: hs-limit on|off")
	}
	cmd := uint8(17)
	if args[0] == "off" {
		cmd = 18
	}
	return execute("SMC_GEN_NETLINK", cmd, nil)
}

func pnetAdd(args []string) error {
	fs := flag.NewFlagSet("pnet-add", flag.ContinueOnError)
	name := fs.String("name", "", "PNET ID")
	eth := fs.String("eth", "", "ethernet device name")
	ib := fs.String("ib", "", "RDMA device name")
	port := fs.Int("port", 1, "RDMA port")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || (*eth == "" && *ib == "") {
		return errors.New("usage: pnet-add -name P [-eth DEV] [-ib DEV -port N]")
	}
	ae := netlink.NewAttributeEncoder()
	ae.String(1, strings.ToUpper(*name))
	if *eth != "" {
		ae.String(2, *eth)
	}
	if *ib != "" {
		ae.String(3, *ib)
		ae.Uint8(4, uint8(*port))
	}
	b, err := ae.Encode()
	if err != nil {
		return err
	}
	return execute("SMC_PNETID", 2, b)
}

// fileEntry describes one file of a snapshot in index.json.
type fileEntry struct {
	File        string `json:"file"`
	Kind        string `json:"kind"` // genl, sock_diag, proc
	Protocol    string `json:"netlink_protocol,omitempty"`
	Family      string `json:"family,omitempty"`
	FamilyID    uint16 `json:"family_id,omitempty"`
	Version     uint8  `json:"genl_version,omitempty"`
	Command     uint8  `json:"command,omitempty"`
	CommandName string `json:"command_name,omitempty"`
	NlType      uint16 `json:"nlmsg_type,omitempty"`
	NlFlags     string `json:"nlmsg_flags,omitempty"`
	DiagExt     string `json:"diag_ext,omitempty"`
	RequestHex  string `json:"request_hex,omitempty"`
	Source      string `json:"source,omitempty"`
	Bytes       int    `json:"bytes"`
	Messages    int    `json:"messages,omitempty"`
	NlError     string `json:"netlink_error,omitempty"`
	Err         string `json:"error,omitempty"`
}

type index struct {
	Kernel     string      `json:"kernel"`
	KernelFull string      `json:"kernel_version"`
	Hostname   string      `json:"hostname"`
	Side       string      `json:"side,omitempty"`
	Netns      string      `json:"netns,omitempty"`
	Time       string      `json:"time"`
	ByteOrder  string      `json:"byte_order"`
	Files      []fileEntry `json:"files"`
}

var genlCmds = []struct {
	cmd  uint8
	name string
}{
	{1, "GET_SYS_INFO"}, {2, "GET_LGR_SMCR"}, {3, "GET_LINK_SMCR"}, {4, "GET_LGR_SMCD"},
	{5, "GET_DEV_SMCD"}, {6, "GET_DEV_SMCR"}, {7, "GET_STATS"}, {8, "GET_FBACK_STATS"},
	{9, "DUMP_UEID"}, {13, "DUMP_SEID"}, {16, "DUMP_HS_LIMITATION"},
}

var procFiles = []string{"snmp", "netstat", "udp", "udp6", "dev", "snmp6", "tcp", "tcp6"}

func snap(args []string) error {
	fs := flag.NewFlagSet("snap", flag.ContinueOnError)
	dir := fs.String("dir", "", "output directory")
	side := fs.String("side", "", "label: client/server")
	netns := fs.String("netns", "", "label: network namespace name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("snap: -dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	var u unix.Utsname
	unix.Uname(&u)
	idx := index{
		Kernel:     cstr(u.Release[:]),
		KernelFull: cstr(u.Version[:]),
		Hostname:   cstr(u.Nodename[:]),
		Side:       *side,
		Netns:      *netns,
		Time:       time.Now().UTC().Format(time.RFC3339Nano),
		ByteOrder:  "little-endian (x86_64); netlink headers and attributes are host order",
	}
	write := func(e fileEntry, b []byte) {
		e.Bytes = len(b)
		if err := os.WriteFile(filepath.Join(*dir, e.File), b, 0o644); err != nil && e.Err == "" {
			e.Err = err.Error()
		}
		idx.Files = append(idx.Files, e)
	}

	if f, err := family("SMC_GEN_NETLINK"); err != nil {
		idx.Files = append(idx.Files, fileEntry{Kind: "genl", Family: "SMC_GEN_NETLINK", Err: err.Error()})
	} else {
		for _, c := range genlCmds {
			e := fileEntry{
				File: "genl-" + strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(c.name, "GET_"), "DUMP_")) + ".bin",
				Kind: "genl", Protocol: "NETLINK_GENERIC", Family: "SMC_GEN_NETLINK", FamilyID: f.ID,
				Version: f.Version, Command: c.cmd, CommandName: c.name, NlType: f.ID,
				NlFlags: "0x0301 (NLM_F_REQUEST|NLM_F_DUMP)",
			}
			req := nlmsg(f.ID, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, []byte{c.cmd, f.Version, 0, 0})
			e.RequestHex = hex.EncodeToString(req)
			b, err := dump(unix.NETLINK_GENERIC, req)
			fill(&e, b, err)
			write(e, b)
		}
	}
	if f, err := family("SMC_PNETID"); err != nil {
		idx.Files = append(idx.Files, fileEntry{Kind: "genl", Family: "SMC_PNETID", Err: err.Error()})
	} else {
		e := fileEntry{
			File: "genl-pnetid_get.bin", Kind: "genl", Protocol: "NETLINK_GENERIC", Family: "SMC_PNETID",
			FamilyID: f.ID, Version: f.Version, Command: 1, CommandName: "SMC_PNETID_GET", NlType: f.ID,
			NlFlags: "0x0301 (NLM_F_REQUEST|NLM_F_DUMP)",
		}
		req := nlmsg(f.ID, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, []byte{1, f.Version, 0, 0})
		e.RequestHex = hex.EncodeToString(req)
		b, err := dump(unix.NETLINK_GENERIC, req)
		fill(&e, b, err)
		write(e, b)
	}
	{
		// As smcss -a: SOCK_DIAG_BY_FAMILY, AF_SMC, extensions CONNINFO|LGRINFO|DMBINFO.
		body := make([]byte, 52)
		body[0] = 43
		body[3] = 1<<0 | 1<<1 | 1<<3
		req := nlmsg(20, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, body)
		e := fileEntry{
			File: "smc_diag.bin", Kind: "sock_diag", Protocol: "NETLINK_SOCK_DIAG", Family: "AF_SMC(43)",
			NlType: 20, NlFlags: "0x0301 (NLM_F_REQUEST|NLM_F_DUMP)", DiagExt: "0x0b (CONNINFO|LGRINFO|DMBINFO)",
			RequestHex: hex.EncodeToString(req),
		}
		b, err := dump(unix.NETLINK_SOCK_DIAG, req)
		fill(&e, b, err)
		write(e, b)
	}
	for _, p := range procFiles {
		src := "/proc/net/" + p
		e := fileEntry{File: "proc-net-" + p, Kind: "proc", Source: src}
		b, err := os.ReadFile(src)
		if err != nil {
			e.Err = err.Error()
		}
		write(e, b)
	}
	j, _ := json.MarshalIndent(idx, "", "  ")
	return os.WriteFile(filepath.Join(*dir, "index.json"), append(j, '\n'), 0o644)
}

func fill(e *fileEntry, b []byte, err error) {
	if err != nil {
		e.Err = err.Error()
	}
	n, nlerr := scan(b)
	e.Messages = n
	e.NlError = nlerr
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

var seq uint32 = 1

func nlmsg(typ, flags uint16, body []byte) []byte {
	b := make([]byte, 16+len(body))
	binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	seq++
	copy(b[16:], body)
	return b
}

// scan counts messages and reports an NLMSG_ERROR errno, if any.
func scan(b []byte) (int, string) {
	n := 0
	for len(b) >= 16 {
		l := int(binary.NativeEndian.Uint32(b))
		t := binary.NativeEndian.Uint16(b[4:])
		if l < 16 || l > len(b) {
			break
		}
		n++
		if t == unix.NLMSG_ERROR && l >= 20 {
			if e := int32(binary.NativeEndian.Uint32(b[16:])); e != 0 {
				return n, fmt.Sprintf("%d (%s)", e, unix.Errno(-e).Error())
			}
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	return n, ""
}

// dump sends req on a fresh netlink socket of the given protocol and returns
// every byte received until NLMSG_DONE or NLMSG_ERROR.
func dump(proto int, req []byte) ([]byte, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	tv := unix.Timeval{Sec: 5}
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	var out []byte
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return out, err
		}
		out = append(out, buf[:n]...)
		for b := buf[:n]; len(b) >= 16; {
			l := int(binary.NativeEndian.Uint32(b))
			t := binary.NativeEndian.Uint16(b[4:])
			if t == unix.NLMSG_DONE || t == unix.NLMSG_ERROR {
				return out, nil
			}
			if l < 16 || l > len(b) {
				return out, fmt.Errorf("bad netlink length %d", l)
			}
			b = b[min((l+3)&^3, len(b)):]
		}
	}
}
