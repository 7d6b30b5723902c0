package toolfmt

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// SMCSSOptions are smcss's selectors: (none) connected, closing and
// fallback sockets; -a all (adds LISTEN and INIT); -l only LISTEN; -R SMC-R
// sockets only, with the link columns; -D SMC-D sockets only, with the DMB
// columns; -d the shutdown state, buffer sizes and cursors.
type SMCSSOptions struct {
	All, Listening, SMCR, SMCD, Debug bool
}

const (
	stateInit   = 2
	stateListen = 10
	modeSMCR    = 0
	modeTCP     = 1
	modeSMCD    = 2
)

// SelectSockets returns the sockets smcss would list with o.
func SelectSockets(socks []smcnl.Socket, o SMCSSOptions) []smcnl.Socket {
	var out []smcnl.Socket
	for _, s := range socks {
		if o.Listening {
			if s.State != stateListen {
				continue
			}
		} else if !o.All && (s.State == stateListen || s.State == stateInit) {
			continue
		}
		if o.SMCR && s.Mode != modeSMCR || o.SMCD && s.Mode != modeSMCD {
			continue
		}
		out = append(out, s)
	}
	return out
}

// smcssAddr formats ip:port as smcss does (IPv6 without brackets). smcdump
// never shortens addresses (smcss -W).
func smcssAddr(a netip.AddrPort) string {
	ip := a.Addr()
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	return ip.String() + ":" + strconv.Itoa(int(a.Port()))
}

func padAddr(s string) string {
	return fmt.Sprintf("%-*s ", max(23, len(s)), s)
}

// ModeName is the Mode column of smcss: "SMCR", "SMCD" or "TCP".
func ModeName(m uint8) string {
	switch m {
	case modeTCP:
		return "TCP"
	case modeSMCD:
		return "SMCD"
	}
	return "SMCR"
}

// WriteSMCSS prints the sockets as smcss does with options o (the
// selection is applied here). Deliberate difference: addresses are never
// shortened with ".." (as with smcss -W).
func WriteSMCSS(w io.Writer, socks []smcnl.Socket, o SMCSSOptions) error {
	ew := &errW{w: w}
	ew.printf("State          UID   Inode   Local Address           Peer Address            Intf Mode ")
	if o.Debug {
		ew.printf("Shutd Token    Sndbuf   Rcvbuf   Peerbuf  rxprod-Cursor rxcons-Cursor rxFlags txprod-Cursor txcons-Cursor txFlags txprep-Cursor txsent-Cursor txfin-Cursor  ")
	}
	if o.SMCR {
		ew.printf("Role IB-device       Port Linkid GID                                      Peer-GID")
	}
	if o.SMCD {
		ew.printf("GID              Token            Peer-GID         Peer-Token       Linkid")
	}
	ew.printf("\n")
	for _, s := range SelectSockets(socks, o) {
		ew.printf("%-14s %05d %07d ", smcnl.StateName(s.State), s.UID, s.Inode)
		if s.State == stateInit {
			ew.printf("\n")
			continue
		}
		ew.printf("%s", padAddr(smcssAddr(s.Local)))
		if s.State == stateListen {
			ew.printf("\n")
			continue
		}
		ew.printf("%s%04x ", padAddr(smcssAddr(s.Peer)), s.IfIndex)
		if s.Mode == modeTCP {
			if s.FallbackReason == nil {
				ew.printf("TCP  \n")
				continue
			}
			ew.printf("TCP 0x%08x", *s.FallbackReason)
			if s.PeerDiagnosis != nil && *s.PeerDiagnosis != 0 {
				ew.printf("/0x%08x", *s.PeerDiagnosis)
			}
			ew.printf("\n")
			continue
		}
		ew.printf("%4s ", ModeName(s.Mode))
		if o.Debug {
			sh := []byte(" <->  ")
			if s.Shutdown&1 != 0 {
				sh[1] = 'R'
			}
			if s.Shutdown&2 != 0 {
				sh[3] = 'W'
			}
			ew.printf("%s", sh)
			if c := s.Conn; c != nil {
				cur := func(x smcnl.Cursor) string { return fmt.Sprintf("%04x:%08x ", x.Wrap, x.Count) }
				ew.printf("%08x %08x %08x %08x ", c.Token, c.SndbufSize, c.RMBESize, c.PeerRMBESize)
				ew.printf("%s%s%02x:%02x   ", cur(c.RxProd), cur(c.RxCons), c.RxProdFlags, c.RxConnStateFlag)
				ew.printf("%s%s%02x:%02x   ", cur(c.TxProd), cur(c.TxCons), c.TxProdFlags, c.TxConnStateFlag)
				ew.printf("%s%s%s", cur(c.TxPrep), cur(c.TxSent), cur(c.TxFin))
			}
		}
		if o.SMCR && s.Link != nil {
			l := s.Link
			ew.printf("%4s %-15s %02x   %02x     %-40s %s", role(l.Role), l.IBName, l.IBPort, l.LinkID, l.GID, l.PeerGID)
		}
		if o.SMCD && s.DMB != nil {
			d := s.DMB
			ew.printf("%016x %016x %016x %016x %08x ", d.MyGID, d.Token, d.PeerGID, d.PeerToken, d.LinkID)
		}
		ew.printf("\n")
	}
	return ew.err
}

// SocketRow is one smcss line in JSON: the columns of the default view plus
// the -d, -R and -D groups when the socket has them.
type SocketRow struct {
	State          string  `json:"state"`
	UID            uint32  `json:"uid"`
	Inode          uint64  `json:"inode"`
	Local          string  `json:"local_address,omitempty"`
	Peer           string  `json:"peer_address,omitempty"`
	Intf           uint32  `json:"intf"`
	Mode           string  `json:"mode"`
	FallbackReason *uint32 `json:"fallback_reason,omitempty"`
	PeerDiagnosis  *uint32 `json:"peer_diagnosis,omitempty"`
	// -d
	Shutd string          `json:"shutd,omitempty"`
	Conn  *smcnl.ConnInfo `json:"conn,omitempty"`
	Link  *smcnl.LinkInfo `json:"link,omitempty"` // -R
	DMB   *smcnl.DMBInfo  `json:"dmb,omitempty"`  // -D
}

// SocketRows returns the JSON rows of the sockets smcss would list with o.
func SocketRows(socks []smcnl.Socket, o SMCSSOptions) []SocketRow {
	sel := SelectSockets(socks, o)
	out := make([]SocketRow, 0, len(sel))
	for _, s := range sel {
		r := SocketRow{State: smcnl.StateName(s.State), UID: s.UID, Inode: s.Inode, Intf: s.IfIndex, Mode: ModeName(s.Mode)}
		if s.State != stateInit {
			r.Local = smcssAddr(s.Local)
		}
		if s.State != stateInit && s.State != stateListen {
			r.Peer = smcssAddr(s.Peer)
		}
		if s.Mode == modeTCP {
			r.FallbackReason, r.PeerDiagnosis = s.FallbackReason, s.PeerDiagnosis
		} else {
			if o.Debug {
				sh := []byte("<->")
				if s.Shutdown&1 != 0 {
					sh[0] = 'R'
				}
				if s.Shutdown&2 != 0 {
					sh[2] = 'W'
				}
				r.Shutd, r.Conn = string(sh), s.Conn
			}
			if o.SMCR {
				r.Link = s.Link
			}
			if o.SMCD {
				r.DMB = s.DMB
			}
		}
		out = append(out, r)
	}
	return out
}

var shutdCodes = map[string]uint8{"<->": 0, "R->": 1, "<-W": 2, "R-W": 3}

// parseCursor parses smcss's "wrap:count" (%04x:%08x).
func parseCursor(s string) (smcnl.Cursor, bool) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return smcnl.Cursor{}, false
	}
	w, err1 := strconv.ParseUint(a, 16, 16)
	c, err2 := strconv.ParseUint(b, 16, 32)
	return smcnl.Cursor{Wrap: uint16(w), Count: uint32(c)}, err1 == nil && err2 == nil
}

func parseFlags(s string) (uint8, uint8, bool) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, false
	}
	x, err1 := strconv.ParseUint(a, 16, 8)
	y, err2 := strconv.ParseUint(b, 16, 8)
	return uint8(x), uint8(y), err1 == nil && err2 == nil
}

// parseConnColumns parses the -d columns after Mode: Shutd, Token, Sndbuf,
// Rcvbuf, Peerbuf, then the cursors and flags. It returns the columns used.
func parseConnColumns(s *smcnl.Socket, f []string) (int, error) {
	if len(f) == 0 {
		return 0, nil
	}
	sh, ok := shutdCodes[f[0]]
	if !ok {
		return 0, fmt.Errorf("column Shutd: %q is not one of <->, R->, <-W, R-W", f[0])
	}
	s.Shutdown = sh
	if len(f) < 14 {
		return 1, nil
	}
	var c smcnl.ConnInfo
	hex := func(x string) (uint32, error) {
		v, err := strconv.ParseUint(x, 16, 32)
		if err != nil {
			return 0, fmt.Errorf("%q is not hex", x)
		}
		return uint32(v), nil
	}
	var err error
	for i, dst := range []*uint32{&c.Token, &c.SndbufSize, &c.RMBESize, &c.PeerRMBESize} {
		if *dst, err = hex(f[1+i]); err != nil {
			return 0, err
		}
	}
	curs := []struct {
		dst *smcnl.Cursor
		i   int
	}{{&c.RxProd, 5}, {&c.RxCons, 6}, {&c.TxProd, 8}, {&c.TxCons, 9}, {&c.TxPrep, 11}, {&c.TxSent, 12}, {&c.TxFin, 13}}
	for _, x := range curs {
		v, ok := parseCursor(f[x.i])
		if !ok {
			return 0, fmt.Errorf("cursor %q is not wrap:count", f[x.i])
		}
		*x.dst = v
	}
	var ok1, ok2 bool
	c.RxProdFlags, c.RxConnStateFlag, ok1 = parseFlags(f[7])
	c.TxProdFlags, c.TxConnStateFlag, ok2 = parseFlags(f[10])
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("flags %q / %q are not xx:xx", f[7], f[10])
	}
	s.Conn = &c
	return 14, nil
}
