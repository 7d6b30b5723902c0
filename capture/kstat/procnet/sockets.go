package procnet

import (
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// Socket is one line of /proc/net/udp, udp6, tcp or tcp6 (docs/multicast-udp.md 4.5).
type Socket struct {
	Proto   string         `json:"proto"` // "udp", "udp6", "tcp", "tcp6"
	Local   netip.AddrPort `json:"local"`
	Remote  netip.AddrPort `json:"remote"`
	State   uint8          `json:"state"`    // st column (TCP state; 07 = unconnected UDP)
	TxQueue uint64         `json:"tx_queue"` // bytes (TCP: unacknowledged data, Send-Q)
	RxQueue uint64         `json:"rx_queue"` // bytes (UDP: receive memory charge; TCP: Recv-Q)
	UID     uint32         `json:"uid"`
	Inode   uint64         `json:"inode"`
	// Drops is the per-socket drop counter (sk_drops); nil when the file has
	// no drops column (TCP files, very old kernels).
	Drops *uint64 `json:"drops,omitempty"`
}

// Key identifies a socket across snapshots: protocol, addresses and inode.
func (s Socket) Key() string {
	return s.Proto + " " + s.Local.String() + " " + s.Remote.String() + " " + strconv.FormatUint(s.Inode, 10)
}

// ParseSockets parses /proc/net/{udp,udp6,tcp,tcp6}. proto is "udp", "udp6",
// "tcp" or "tcp6" and selects the address width. order is the byte order of
// the host that produced the file: the kernel prints each 32-bit address word
// as the host stores it (%08X), so x86 and arm64 files need
// binary.LittleEndian and s390x files binary.BigEndian. The columns are
// located by the header line; the drops column is used when the header names
// it.
func ParseSockets(file, proto string, order binary.ByteOrder, r io.Reader) ([]Socket, error) {
	v6 := strings.HasSuffix(proto, "6")
	sc := newScanner(r)
	n := 0
	var idxUID, idxInode, idxDrops = -1, -1, -1
	var out []Socket
	for sc.Scan() {
		n++
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if idxUID < 0 {
			// Header. Two header words share one data column each
			// ("tx_queue rx_queue" and "tr tm->when"), so data index =
			// header index - 2 for columns after them.
			if f[0] != "sl" {
				return nil, perr(file, n, line, "expected header line starting with \"sl\"")
			}
			for i, h := range f {
				switch h {
				case "uid":
					idxUID = i - 2
				case "inode":
					idxInode = i - 2
				case "drops":
					idxDrops = i - 2
				}
			}
			if idxUID < 5 || idxInode < 5 {
				return nil, perr(file, n, line, "header lacks uid or inode column")
			}
			continue
		}
		if need := max(idxInode, idxUID) + 1; len(f) < need || !strings.HasSuffix(f[0], ":") {
			return nil, perr(file, n, line, "%d columns, want at least %d", len(f), need)
		}
		var s Socket
		s.Proto = proto
		var err error
		if s.Local, err = parseHexAddrPort(f[1], v6, order); err != nil {
			return nil, perr(file, n, line, "local address: %v", err)
		}
		if s.Remote, err = parseHexAddrPort(f[2], v6, order); err != nil {
			return nil, perr(file, n, line, "remote address: %v", err)
		}
		st, err := strconv.ParseUint(f[3], 16, 8)
		if err != nil {
			return nil, perr(file, n, line, "state %q is not hex", f[3])
		}
		s.State = uint8(st)
		tx, rx, ok := strings.Cut(f[4], ":")
		if !ok {
			return nil, perr(file, n, line, "queues %q: want tx:rx", f[4])
		}
		if s.TxQueue, err = strconv.ParseUint(tx, 16, 64); err != nil {
			return nil, perr(file, n, line, "tx_queue %q is not hex", tx)
		}
		if s.RxQueue, err = strconv.ParseUint(rx, 16, 64); err != nil {
			return nil, perr(file, n, line, "rx_queue %q is not hex", rx)
		}
		uid, err := strconv.ParseUint(f[idxUID], 10, 32)
		if err != nil {
			return nil, perr(file, n, line, "uid %q is not a number", f[idxUID])
		}
		s.UID = uint32(uid)
		if s.Inode, err = strconv.ParseUint(f[idxInode], 10, 64); err != nil {
			return nil, perr(file, n, line, "inode %q is not a number", f[idxInode])
		}
		if idxDrops >= 0 && idxDrops < len(f) {
			d, err := strconv.ParseUint(f[idxDrops], 10, 64)
			if err != nil {
				return nil, perr(file, n, line, "drops %q is not a number", f[idxDrops])
			}
			s.Drops = &d
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, ScanError(file, n+1, err)
	}
	if idxUID < 0 && n > 0 {
		return nil, perr(file, 1, "", "no header line")
	}
	return out, nil
}

// parseHexAddrPort decodes "0100007F:0035" (IPv4) or 32 hex digits + ":PORT"
// (IPv6); every 32-bit word is in the producing host's byte order.
func parseHexAddrPort(s string, v6 bool, order binary.ByteOrder) (netip.AddrPort, error) {
	a, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, errf("%q: want ADDR:PORT", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, errf("port %q is not hex", p)
	}
	want := 8
	if v6 {
		want = 32
	}
	if len(a) != want {
		return netip.AddrPort{}, errf("address %q: want %d hex digits", a, want)
	}
	raw, err := hex.DecodeString(a)
	if err != nil {
		return netip.AddrPort{}, errf("address %q is not hex", a)
	}
	var b [16]byte
	for i := 0; i+4 <= len(raw); i += 4 {
		// raw holds the word as printed (big-endian digits); the host
		// stored it in order.
		w := binary.BigEndian.Uint32(raw[i:])
		order.PutUint32(b[i:], w)
	}
	if v6 {
		return netip.AddrPortFrom(netip.AddrFrom16(b), uint16(port)), nil
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), uint16(port)), nil
}
