package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// diagInfo is what smc_diag reports about one socket (docs/smc-protocol.md
// section 11.2 / 11.3).
type diagInfo struct {
	State    uint8   `json:"state"`
	Mode     string  `json:"mode"` // SMCR, FALLBACK_TCP, SMCD
	Fallback string  `json:"fallback_rsn"`
	PeerDiag string  `json:"peer_diagnosis"`
	Inode    uint64  `json:"inode"`
	LinkID   *uint8  `json:"link_id,omitempty"`
	IBName   string  `json:"ibname,omitempty"`
	GID      string  `json:"gid,omitempty"`
	PeerGID  string  `json:"peer_gid,omitempty"`
	Role     *uint8  `json:"lgr_role,omitempty"`
	Token    *uint32 `json:"token,omitempty"`
}

var modeNames = map[uint8]string{0: "SMCR", 1: "FALLBACK_TCP", 2: "SMCD"}

// smcDiagDump returns the raw bytes of the kernel's smc_diag dump response
// (all recvfrom buffers concatenated).
func smcDiagDump(ext uint8) ([]byte, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	req := make([]byte, 16+52)
	binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:], 20) // SOCK_DIAG_BY_FAMILY
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(req[8:], 1)
	req[16] = afSMC
	req[19] = ext
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	var out []byte
	buf := make([]byte, 65536)
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
			b = b[(l+3)&^3:]
		}
	}
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// diagByInode finds the socket with the given inode in a fresh smc_diag dump.
func diagByInode(ino uint64) (*diagInfo, error) {
	raw, err := smcDiagDump(1<<0 | 1<<1 | 1<<3)
	if err != nil {
		return nil, err
	}
	for b := raw; len(b) >= 16; {
		l := int(binary.NativeEndian.Uint32(b))
		t := binary.NativeEndian.Uint16(b[4:])
		if l < 16 || l > len(b) {
			break
		}
		msg := b[16:l]
		b = b[min((l+3)&^3, len(b)):]
		if t == unix.NLMSG_ERROR {
			return nil, fmt.Errorf("smc_diag: netlink error %d", int32(binary.NativeEndian.Uint32(msg)))
		}
		if t != 20 || len(msg) < 64 {
			continue
		}
		if binary.NativeEndian.Uint64(msg[56:]) != ino {
			continue
		}
		d := &diagInfo{State: msg[1], Mode: modeNames[msg[2]], Inode: ino}
		if d.Mode == "" {
			d.Mode = fmt.Sprintf("mode%d", msg[2])
		}
		for a := msg[64:]; len(a) >= 4; {
			al := int(binary.NativeEndian.Uint16(a))
			at := binary.NativeEndian.Uint16(a[2:])
			if al < 4 || al > len(a) {
				break
			}
			p := a[4:al]
			a = a[min((al+3)&^3, len(a)):]
			switch at {
			case 5: // SMC_DIAG_FALLBACK
				if len(p) >= 8 {
					d.Fallback = fmt.Sprintf("0x%08x", binary.NativeEndian.Uint32(p))
					d.PeerDiag = fmt.Sprintf("0x%08x", binary.NativeEndian.Uint32(p[4:]))
				}
			case 1: // CONNINFO
				if len(p) >= 4 {
					t := binary.NativeEndian.Uint32(p)
					d.Token = &t
				}
			case 2: // LGRINFO: link_id u8, ibname[64], ibport u8, gid[40], peer_gid[40], role u8
				if len(p) >= 1+64+1+40+40+1 {
					id := p[0]
					d.LinkID = &id
					d.IBName = cstr(p[1:65])
					d.GID = cstr(p[66:106])
					d.PeerGID = cstr(p[106:146])
					r := p[146]
					d.Role = &r
				}
			}
		}
		return d, nil
	}
	return nil, fmt.Errorf("socket inode %d not in smc_diag dump", ino)
}

// saveRawDiag writes the raw smc_diag dump response (as smcnl snap does) to
// dir/smc_diag.bin with an index.json, taken while a connection is open.
func saveRawDiag(dir, role string, seq int) {
	const ext = 1<<0 | 1<<1 | 1<<3
	raw, err := smcDiagDump(ext)
	if mkErr := os.MkdirAll(dir, 0o755); mkErr != nil {
		return
	}
	os.WriteFile(filepath.Join(dir, "smc_diag.bin"), raw, 0o644)
	var u unix.Utsname
	unix.Uname(&u)
	req := make([]byte, 52)
	req[0], req[3] = afSMC, ext
	e := map[string]any{
		"file": "smc_diag.bin", "kind": "sock_diag", "netlink_protocol": "NETLINK_SOCK_DIAG",
		"family": "AF_SMC(43)", "nlmsg_type": 20, "nlmsg_flags": "0x0301 (NLM_F_REQUEST|NLM_F_DUMP)",
		"diag_ext": "0x0b (CONNINFO|LGRINFO|DMBINFO)", "request_body_hex": hex.EncodeToString(req), "bytes": len(raw),
	}
	if err != nil {
		e["error"] = err.Error()
	}
	idx := map[string]any{
		"kernel": cstr(u.Release[:]), "kernel_version": cstr(u.Version[:]), "hostname": cstr(u.Nodename[:]),
		"side": role, "phase": fmt.Sprintf("during: taken by the peer while connection %d was open", seq),
		"time":       time.Now().UTC().Format(time.RFC3339Nano),
		"byte_order": "little-endian (x86_64); netlink headers and attributes are host order",
		"files":      []any{e},
	}
	j, _ := json.MarshalIndent(idx, "", "  ")
	os.WriteFile(filepath.Join(dir, "index.json"), append(j, '\n'), 0o644)
}
