package smcnl

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/smcdump/smcdump/smcproto"
)

// smc_diag constants (include/uapi/linux/smc_diag.h, inet_diag.h,
// sock_diag.h; docs/smc-protocol.md 11).
const (
	// AFSMC is the address family of SMC sockets.
	AFSMC = 43
	// SockDiagByFamily is the netlink message type of sock_diag requests.
	SockDiagByFamily = 20
	// NetlinkSockDiag is the netlink protocol number of sock_diag.
	NetlinkSockDiag = 4

	diagMsgLen    = 64
	diagReqLen    = 52
	connInfoLen   = 76
	linkInfoLen   = 1 + 64 + 1 + 40 + 40
	lgrInfoLen    = linkInfoLen + 1
	dmbInfoLen    = 40
	dmbInfoExtLen = 56
	afInet        = 2
	afInet6       = 10
)

// DiagRequest returns the smc_diag_req payload for a dump of all SMC sockets
// asking for the CONNINFO, LGRINFO and DMBINFO extensions (11.1).
func DiagRequest() []byte {
	b := make([]byte, diagReqLen)
	b[0] = AFSMC
	b[3] = 1<<(smcDiagConnInfo-1) | 1<<(smcDiagLgrInfo-1) | 1<<(smcDiagDMBInfo-1)
	return b
}

// Cursor is an smc_diag_cursor.
type Cursor struct {
	Wrap  uint16 `json:"wrap"`
	Count uint32 `json:"count"`
}

// ConnInfo is SMC_DIAG_CONNINFO. The kernel struct orders the cursors
// rx_prod, rx_cons, tx_prod, tx_cons, then the four flag bytes, then tx_prep,
// tx_sent, tx_fin (include/uapi/linux/smc_diag.h).
type ConnInfo struct {
	Token           uint32 `json:"token"`
	SndbufSize      uint32 `json:"sndbuf_size"`
	RMBESize        uint32 `json:"rmbe_size"`
	PeerRMBESize    uint32 `json:"peer_rmbe_size"`
	RxProd          Cursor `json:"rx_prod"`
	RxCons          Cursor `json:"rx_cons"`
	TxProd          Cursor `json:"tx_prod"`
	TxCons          Cursor `json:"tx_cons"`
	RxProdFlags     uint8  `json:"rx_prod_flags"`
	RxConnStateFlag uint8  `json:"rx_conn_state_flags"`
	TxProdFlags     uint8  `json:"tx_prod_flags"`
	TxConnStateFlag uint8  `json:"tx_conn_state_flags"`
	TxPrep          Cursor `json:"tx_prep"`
	TxSent          Cursor `json:"tx_sent"`
	TxFin           Cursor `json:"tx_fin"`
}

// LinkInfo is SMC_DIAG_LGRINFO (SMC-R only).
type LinkInfo struct {
	LinkID  uint8  `json:"link_id"`
	IBName  string `json:"ib_name"`
	IBPort  uint8  `json:"ib_port"`
	GID     string `json:"gid"`
	PeerGID string `json:"peer_gid"`
	Role    uint8  `json:"role"` // 0 CLNT, 1 SERV
}

// DMBInfo is SMC_DIAG_DMBINFO (SMC-D only).
type DMBInfo struct {
	LinkID     uint32  `json:"link_id"`
	PeerGID    uint64  `json:"peer_gid"`
	MyGID      uint64  `json:"my_gid"`
	Token      uint64  `json:"token"`
	PeerToken  uint64  `json:"peer_token"`
	PeerGIDExt *uint64 `json:"peer_gid_ext,omitempty"` // ~6.8
	MyGIDExt   *uint64 `json:"my_gid_ext,omitempty"`
}

// Socket is one smc_diag_msg with its attributes: what `smcss -a` prints.
type Socket struct {
	Family   uint8          `json:"family"`
	State    uint8          `json:"state"` // docs/smc-protocol.md 10.1
	Mode     uint8          `json:"mode"`  // 0 SMCR, 1 FALLBACK_TCP, 2 SMCD
	Shutdown uint8          `json:"shutdown"`
	Local    netip.AddrPort `json:"local"`
	Peer     netip.AddrPort `json:"peer"`
	IfIndex  uint32         `json:"ifindex"`
	UID      uint32         `json:"uid"`
	Inode    uint64         `json:"inode"`
	// FallbackReason and PeerDiagnosis come from SMC_DIAG_FALLBACK (4.19+).
	FallbackReason *uint32   `json:"fallback_reason,omitempty"`
	PeerDiagnosis  *uint32   `json:"peer_diagnosis,omitempty"`
	Conn           *ConnInfo `json:"conn,omitempty"`
	Link           *LinkInfo `json:"link,omitempty"`
	DMB            *DMBInfo  `json:"dmb,omitempty"`
}

// StateName returns the smcss name of an SMC socket state (10.1).
func StateName(s uint8) string {
	switch s {
	case 1:
		return "ACTIVE"
	case 2:
		return "INIT"
	case 7:
		return "CLOSED"
	case 10:
		return "LISTEN"
	case 20:
		return "PEERCLOSEWAIT1"
	case 21:
		return "PEERCLOSEWAIT2"
	case 22:
		return "APPCLOSEWAIT1"
	case 23:
		return "APPCLOSEWAIT2"
	case 24:
		return "APPFINCLOSEWAIT1"
	case 25:
		return "PEERFINCLOSEWAIT"
	case 26:
		return "PEERABORTWAIT"
	case 27:
		return "PROCESSABORT"
	}
	return fmt.Sprintf("0x%x?", s)
}

// ParseDiag decodes a raw smc_diag dump reply (netlink messages with
// nlmsghdr). order is the producing host's byte order (nil: native); ports
// and addresses are big-endian regardless.
func ParseDiag(raw []byte, order binary.ByteOrder) ([]Socket, error) {
	if order == nil {
		order = binary.NativeEndian
	}
	const what = "smc_diag reply"
	msgs, err := SplitMessages(what, raw, order)
	if err != nil {
		return nil, err
	}
	out := make([]Socket, 0, len(msgs))
	for _, m := range msgs {
		s, err := parseDiagMsg(m.Payload, order)
		if err != nil {
			return nil, decodeErr(what, m.Offset+nlmsgHdrLen, errKind(err), "%s", err.Error())
		}
		out = append(out, s)
	}
	return out, nil
}

type kindErr struct {
	msg  string
	kind error
}

func (e kindErr) Error() string { return e.msg }

func errKind(err error) error {
	if k, ok := err.(kindErr); ok {
		return k.kind
	}
	return smcproto.ErrMalformed
}

func parseDiagMsg(b []byte, order binary.ByteOrder) (Socket, error) {
	var s Socket
	if len(b) < diagMsgLen {
		return s, kindErr{fmt.Sprintf("smc_diag_msg needs %d bytes, have %d", diagMsgLen, len(b)), smcproto.ErrTruncated}
	}
	s.Family, s.State, s.Mode, s.Shutdown = b[0], b[1], b[2], b[3]
	id := b[4:52]
	sport := binary.BigEndian.Uint16(id[0:])
	dport := binary.BigEndian.Uint16(id[2:])
	src, dst := id[4:20], id[20:36]
	s.IfIndex = order.Uint32(id[36:])
	v4 := s.Family == afInet || (s.Family != afInet6 && isV4Words(src) && isV4Words(dst))
	s.Local = netip.AddrPortFrom(diagAddr(src, v4), sport)
	s.Peer = netip.AddrPortFrom(diagAddr(dst, v4), dport)
	s.UID = order.Uint32(b[52:])
	s.Inode = order.Uint64(b[56:])
	ad, err := newAttrDecoder(b[diagMsgLen:], order)
	if err != nil {
		return s, kindErr{"attributes: " + err.Error(), smcproto.ErrMalformed}
	}
	for ad.next() {
		switch ad.attrType() {
		case smcDiagConnInfo:
			ad.do(func(p []byte) error {
				if len(p) < connInfoLen {
					return fmt.Errorf("CONNINFO: %d bytes, want %d", len(p), connInfoLen)
				}
				c := &ConnInfo{Token: order.Uint32(p), SndbufSize: order.Uint32(p[4:]), RMBESize: order.Uint32(p[8:]), PeerRMBESize: order.Uint32(p[12:])}
				cur := func(o int) Cursor { return Cursor{Wrap: order.Uint16(p[o+2:]), Count: order.Uint32(p[o+4:])} }
				c.RxProd, c.RxCons, c.TxProd, c.TxCons = cur(16), cur(24), cur(32), cur(40)
				c.RxProdFlags, c.RxConnStateFlag, c.TxProdFlags, c.TxConnStateFlag = p[48], p[49], p[50], p[51]
				c.TxPrep, c.TxSent, c.TxFin = cur(52), cur(60), cur(68)
				s.Conn = c
				return nil
			})
		case smcDiagLgrInfo:
			ad.do(func(p []byte) error {
				if len(p) < lgrInfoLen {
					return fmt.Errorf("LGRINFO: %d bytes, want %d", len(p), lgrInfoLen)
				}
				s.Link = &LinkInfo{LinkID: p[0], IBName: cstr(p[1:65]), IBPort: p[65], GID: cstr(p[66:106]), PeerGID: cstr(p[106:146]), Role: p[146]}
				return nil
			})
		case smcDiagShutdown:
			s.Shutdown = ad.u8()
		case smcDiagDMBInfo:
			ad.do(func(p []byte) error {
				if len(p) < dmbInfoLen {
					return fmt.Errorf("DMBINFO: %d bytes, want %d", len(p), dmbInfoLen)
				}
				d := &DMBInfo{LinkID: order.Uint32(p), PeerGID: order.Uint64(p[8:]), MyGID: order.Uint64(p[16:]), Token: order.Uint64(p[24:]), PeerToken: order.Uint64(p[32:])}
				if len(p) >= dmbInfoExtLen {
					d.PeerGIDExt, d.MyGIDExt = p64(order.Uint64(p[40:])), p64(order.Uint64(p[48:]))
				}
				s.DMB = d
				return nil
			})
		case smcDiagFallback:
			ad.do(func(p []byte) error {
				if len(p) < 8 {
					return fmt.Errorf("FALLBACK: %d bytes, want 8", len(p))
				}
				r, d := order.Uint32(p), order.Uint32(p[4:])
				s.FallbackReason, s.PeerDiagnosis = &r, &d
				return nil
			})
		}
	}
	if err := ad.err; err != nil {
		return s, kindErr{err.Error(), smcproto.ErrMalformed}
	}
	return s, nil
}

func isV4Words(a []byte) bool {
	var z [12]byte
	return bytes.Equal(a[4:16], z[:])
}

func diagAddr(a []byte, v4 bool) netip.Addr {
	if v4 {
		return netip.AddrFrom4([4]byte(a[:4]))
	}
	return netip.AddrFrom16([16]byte(a[:16]))
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
