package smcnl

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/mdlayher/netlink"
)

// FamilyName and FamilyVersion identify the SMC generic netlink family
// (smc-protocol.md 12).
const (
	FamilyName    = "SMC_GEN_NETLINK"
	FamilyVersion = 1
)

// Commands of SMC_GEN_NETLINK (smc-protocol.md 12.1). Only the dump commands
// that read state are used.
const (
	CmdGetSysInfo       uint8 = 1
	CmdGetLgrSMCR       uint8 = 2
	CmdGetLinkSMCR      uint8 = 3
	CmdGetLgrSMCD       uint8 = 4
	CmdGetDevSMCD       uint8 = 5
	CmdGetDevSMCR       uint8 = 6
	CmdGetStats         uint8 = 7
	CmdGetFbackStats    uint8 = 8
	CmdDumpUEID         uint8 = 9
	CmdDumpSEID         uint8 = 13
	CmdDumpHSLimitation uint8 = 16
)

// Commands lists the dump commands a snapshot issues, in order.
var Commands = []uint8{CmdGetSysInfo, CmdGetLgrSMCR, CmdGetLinkSMCR, CmdGetLgrSMCD, CmdGetDevSMCD,
	CmdGetDevSMCR, CmdGetStats, CmdGetFbackStats, CmdDumpUEID, CmdDumpSEID, CmdDumpHSLimitation}

// CommandName returns the kernel name of an SMC_GEN_NETLINK command without
// the SMC_NETLINK_ prefix, e.g. "GET_STATS".
func CommandName(cmd uint8) string {
	switch cmd {
	case CmdGetSysInfo:
		return "GET_SYS_INFO"
	case CmdGetLgrSMCR:
		return "GET_LGR_SMCR"
	case CmdGetLinkSMCR:
		return "GET_LINK_SMCR"
	case CmdGetLgrSMCD:
		return "GET_LGR_SMCD"
	case CmdGetDevSMCD:
		return "GET_DEV_SMCD"
	case CmdGetDevSMCR:
		return "GET_DEV_SMCR"
	case CmdGetStats:
		return "GET_STATS"
	case CmdGetFbackStats:
		return "GET_FBACK_STATS"
	case CmdDumpUEID:
		return "DUMP_UEID"
	case CmdDumpSEID:
		return "DUMP_SEID"
	case CmdDumpHSLimitation:
		return "DUMP_HS_LIMITATION"
	}
	return fmt.Sprintf("CMD_%d", cmd)
}

// CommandByName is the inverse of CommandName.
func CommandByName(name string) (uint8, bool) {
	for c := uint8(1); c < 32; c++ {
		if CommandName(c) == name {
			return c, true
		}
	}
	return 0, false
}

// Top-level attributes (smc-protocol.md 12.1).
const (
	attrSysInfo    = 1
	attrLgrSMCR    = 2
	attrLinkSMCR   = 3
	attrLgrSMCD    = 4
	attrDevSMCD    = 5
	attrDevSMCR    = 6
	attrStats      = 7
	attrFbackStats = 8
)

// SysInfo is the SYS_INFO nest (smc-protocol.md 12.2).
type SysInfo struct {
	Version   uint8  `json:"version"`
	Release   uint8  `json:"release"`
	ISMv2     bool   `json:"ism_v2"`
	LocalHost string `json:"local_host,omitempty"`
	SEID      string `json:"seid,omitempty"`
	SMCRv2    *bool  `json:"smcr_v2,omitempty"` // since 5.16
}

// V2Common is the LGR_V2 common nest (12.5; attribute IDs start at 0).
type V2Common struct {
	Version     uint8  `json:"version"`
	PeerRelease uint8  `json:"peer_release"`
	PeerOS      uint8  `json:"peer_os"` // 1 ZOS, 2 LINUX, 3 AIX
	NegEID      string `json:"negotiated_eid,omitempty"`
	PeerHost    string `json:"peer_host,omitempty"`
}

// LinkGroupR is an SMC-R link group (LGR_SMCR nest, 12.3) with its links.
type LinkGroupR struct {
	ID          uint32    `json:"id"`
	Role        uint8     `json:"role"` // 0 CLNT, 1 SERV
	Type        uint8     `json:"type"` // 0 NONE, 1 SINGLE, 2 SYM, 3 ASYMP, 4 ASYML
	PNETID      string    `json:"pnetid,omitempty"`
	VLAN        uint8     `json:"vlan"`
	Conns       uint32    `json:"conns"`
	V2          *V2Common `json:"v2,omitempty"`
	Direct      *bool     `json:"direct,omitempty"`
	MaxConns    *uint8    `json:"max_conns,omitempty"`
	MaxLinks    *uint8    `json:"max_links,omitempty"`
	NetCookie   *uint64   `json:"net_cookie,omitempty"`
	BufType     *uint8    `json:"buf_type,omitempty"`
	SndbufAlloc *uint64   `json:"sndbuf_alloc,omitempty"`
	RMBAlloc    *uint64   `json:"rmb_alloc,omitempty"`
	Links       []LinkR   `json:"links,omitempty"`
}

// LinkR is an SMC-R link (LINK_SMCR nest, 12.4).
type LinkR struct {
	ID        uint8  `json:"id"`
	IBDev     string `json:"ib_dev,omitempty"`
	IBPort    uint8  `json:"ib_port"`
	GID       string `json:"gid,omitempty"`
	PeerGID   string `json:"peer_gid,omitempty"`
	ConnCount uint32 `json:"conn_count"`
	NetDev    uint32 `json:"netdev_ifindex"`
	UID       uint32 `json:"uid"`
	PeerUID   uint32 `json:"peer_uid"`
	State     uint32 `json:"state"` // 0 UNUSED, 1 INACTIVE, 2 ACTIVATING, 3 ACTIVE
}

// LinkGroupD is an SMC-D link group (LGR_SMCD nest, 12.6).
type LinkGroupD struct {
	ID          uint32    `json:"id"`
	GID         uint64    `json:"gid"`
	PeerGID     uint64    `json:"peer_gid"`
	VLAN        uint8     `json:"vlan"`
	Conns       uint32    `json:"conns"`
	PNETID      string    `json:"pnetid,omitempty"`
	CHID        uint32    `json:"chid"`
	V2          *V2Common `json:"v2,omitempty"`
	ExtGID      *uint64   `json:"ext_gid,omitempty"`
	PeerExtGID  *uint64   `json:"peer_ext_gid,omitempty"`
	SndbufAlloc *uint64   `json:"sndbuf_alloc,omitempty"`
	DMBAlloc    *uint64   `json:"dmb_alloc,omitempty"`
}

// DevPort is a PORT nest of a device (12.7).
type DevPort struct {
	Port      int    `json:"port"` // 1 or 2
	PNETUser  bool   `json:"pnetid_by_user"`
	PNETID    string `json:"pnetid,omitempty"`
	NetDev    uint32 `json:"netdev_ifindex"`
	State     uint8  `json:"state"` // 0 INACTIVE, 1 ACTIVE
	Valid     bool   `json:"valid"`
	LinkCount uint32 `json:"link_count"`
}

// Device is a DEV_SMCD or DEV_SMCR nest (12.7).
type Device struct {
	Kind      string    `json:"kind"` // "smcd" or "smcr"
	UseCount  uint32    `json:"use_count"`
	Critical  bool      `json:"critical"`
	PCIFID    uint32    `json:"pci_fid"`
	PCIChid   uint16    `json:"pci_chid"`
	PCIVendor uint16    `json:"pci_vendor"`
	PCIDevice uint16    `json:"pci_device"`
	PCIID     string    `json:"pci_id,omitempty"`
	IBName    string    `json:"ib_name,omitempty"`
	Ports     []DevPort `json:"ports,omitempty"`
}

// Histogram holds the per-size buckets of a STATS histogram nest: index 0 =
// 8K, 1 = 16K, ... 7 = 1024K, 8 = >1024K (12.9).
type Histogram [9]uint64

// HistogramLabels names the buckets of a Histogram.
var HistogramLabels = [9]string{"8K", "16K", "32K", "64K", "128K", "256K", "512K", "1024K", ">1024K"}

// RMBStats is the RMB-stats nest (12.9).
type RMBStats struct {
	SizeSmallPeer uint64 `json:"size_small_peer"` // peer's buffer too small
	SizeSmall     uint64 `json:"size_small"`      // own buffer too small
	FullPeer      uint64 `json:"full_peer"`       // peer's buffer full
	Full          uint64 `json:"full"`            // own buffer full
	Reuse         uint64 `json:"reuse"`
	Alloc         uint64 `json:"alloc"`
	Downgrade     uint64 `json:"downgrade"`
}

// TechStats is the per-technology TECH nest (SMC-D or SMC-R, 12.9).
type TechStats struct {
	TxRMBSize    Histogram `json:"tx_rmb_size"`
	RxRMBSize    Histogram `json:"rx_rmb_size"`
	TxPayload    Histogram `json:"tx_payload_size"`
	RxPayload    Histogram `json:"rx_payload_size"`
	TxRMB        RMBStats  `json:"tx_rmb"`
	RxRMB        RMBStats  `json:"rx_rmb"`
	ClientV1Succ uint64    `json:"client_v1_success"`
	ClientV2Succ uint64    `json:"client_v2_success"`
	ServerV1Succ uint64    `json:"server_v1_success"`
	ServerV2Succ uint64    `json:"server_v2_success"`
	Sendpage     uint64    `json:"sendpage"`
	Splice       uint64    `json:"splice"`
	Cork         uint64    `json:"cork"`
	Nodelay      uint64    `json:"nodelay"`
	Urgent       uint64    `json:"urgent_data"`
	RxBytes      uint64    `json:"rx_bytes"`
	TxBytes      uint64    `json:"tx_bytes"`
	RxCount      uint64    `json:"rx_count"`
	TxCount      uint64    `json:"tx_count"`
	RxRMBUsage   *uint64   `json:"rx_rmb_usage,omitempty"` // 6.12
	TxRMBUsage   *uint64   `json:"tx_rmb_usage,omitempty"` // 6.12
}

// Stats is the STATS nest (12.9).
type Stats struct {
	SMCD           *TechStats `json:"smcd,omitempty"`
	SMCR           *TechStats `json:"smcr,omitempty"`
	ClientHSErrors uint64     `json:"client_handshake_errors"`
	ServerHSErrors uint64     `json:"server_handshake_errors"`
}

// ReasonCount is one entry of a fallback reason table.
type ReasonCount struct {
	Code  uint32 `json:"code"`
	Count uint64 `json:"count"`
}

// FallbackStats is the GET_FBACK_STATS dump (12.10): totals and the server
// and client reason tables, each sorted by code.
type FallbackStats struct {
	ServerTotal uint64        `json:"server_total"`
	ClientTotal uint64        `json:"client_total"`
	Server      []ReasonCount `json:"server,omitempty"`
	Client      []ReasonCount `json:"client,omitempty"`
}

// SEIDInfo is the DUMP_SEID reply (12.8).
type SEIDInfo struct {
	SEID    string `json:"seid"`
	Enabled bool   `json:"enabled"`
}

// Info is the parsed SMC generic netlink state. Fields are nil when the
// kernel did not answer that command.
type Info struct {
	SysInfo      *SysInfo       `json:"sys_info,omitempty"`
	Stats        *Stats         `json:"stats,omitempty"`
	Fallback     *FallbackStats `json:"fallback,omitempty"`
	LinkGroupsR  []LinkGroupR   `json:"link_groups_smcr,omitempty"`
	LinkGroupsD  []LinkGroupD   `json:"link_groups_smcd,omitempty"`
	DevicesD     []Device       `json:"devices_smcd,omitempty"`
	DevicesR     []Device       `json:"devices_smcr,omitempty"`
	UEIDs        []string       `json:"ueids,omitempty"`
	SEID         *SEIDInfo      `json:"seid,omitempty"`
	HSLimitation *bool          `json:"hs_limitation,omitempty"`
}

// DecodeReply decodes the raw reply to dump command cmd (netlink messages
// with nlmsghdr, as read from the socket, possibly ending in NLMSG_DONE) and
// merges it into in. order is the producing host's byte order (nil: native).
// A reply that is a netlink error returns *KernelError and leaves in
// unchanged for that command.
func (in *Info) DecodeReply(cmd uint8, raw []byte, order binary.ByteOrder) error {
	if order == nil {
		order = binary.NativeEndian
	}
	what := CommandName(cmd) + " reply"
	msgs, err := SplitMessages(what, raw, order)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if len(m.Payload) < genlHdrLen {
			return &DecodeError{what, m.Offset + nlmsgHdrLen, "generic netlink header needs 4 bytes", ErrTruncated}
		}
		if err := in.decodeMessage(cmd, m.Payload[genlHdrLen:], order); err != nil {
			return &DecodeError{what, m.Offset + nlmsgHdrLen + genlHdrLen, err.Error(), ErrMalformed}
		}
	}
	switch cmd {
	case CmdGetFbackStats:
		if in.Fallback == nil {
			in.Fallback = &FallbackStats{}
		}
		sortReasons(in.Fallback.Server)
		sortReasons(in.Fallback.Client)
	case CmdGetStats:
		if in.Stats == nil && len(msgs) > 0 {
			in.Stats = &Stats{}
		}
	}
	return nil
}

func sortReasons(r []ReasonCount) {
	sort.Slice(r, func(i, j int) bool { return r[i].Code < r[j].Code })
}

func newAD(b []byte, order binary.ByteOrder) (*netlink.AttributeDecoder, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return nil, err
	}
	ad.ByteOrder = order
	return ad, nil
}

func (in *Info) decodeMessage(cmd uint8, b []byte, order binary.ByteOrder) error {
	ad, err := newAD(b, order)
	if err != nil {
		return err
	}
	for ad.Next() {
		switch cmd {
		case CmdGetSysInfo:
			if ad.Type() == attrSysInfo {
				si := &SysInfo{}
				ad.Nested(si.decode)
				in.SysInfo = si
			}
		case CmdGetLgrSMCR, CmdGetLinkSMCR:
			switch ad.Type() {
			case attrLgrSMCR:
				var g LinkGroupR
				ad.Nested(g.decode)
				in.addLgrR(g)
			case attrLinkSMCR:
				var l LinkR
				ad.Nested(l.decode)
				if n := len(in.LinkGroupsR); n > 0 {
					// Links follow their link group's message.
					in.LinkGroupsR[n-1].Links = append(in.LinkGroupsR[n-1].Links, l)
				}
			}
		case CmdGetLgrSMCD:
			if ad.Type() == attrLgrSMCD {
				var g LinkGroupD
				ad.Nested(g.decode)
				in.LinkGroupsD = append(in.LinkGroupsD, g)
			}
		case CmdGetDevSMCD, CmdGetDevSMCR:
			if ad.Type() == attrDevSMCD || ad.Type() == attrDevSMCR {
				d := Device{Kind: "smcd"}
				if ad.Type() == attrDevSMCR {
					d.Kind = "smcr"
				}
				ad.Nested(d.decode)
				if d.Kind == "smcd" {
					in.DevicesD = append(in.DevicesD, d)
				} else {
					in.DevicesR = append(in.DevicesR, d)
				}
			}
		case CmdGetStats:
			if ad.Type() == attrStats {
				st := &Stats{}
				ad.Nested(st.decode)
				in.Stats = st
			}
		case CmdGetFbackStats:
			if ad.Type() == attrFbackStats {
				if in.Fallback == nil {
					in.Fallback = &FallbackStats{}
				}
				ad.Nested(in.Fallback.decodeEntry)
			}
		case CmdDumpUEID:
			if ad.Type() == 1 {
				in.UEIDs = append(in.UEIDs, strings.TrimRight(ad.String(), " \x00"))
			}
		case CmdDumpSEID:
			if in.SEID == nil {
				in.SEID = &SEIDInfo{}
			}
			switch ad.Type() {
			case 1:
				in.SEID.SEID = strings.TrimRight(ad.String(), " \x00")
			case 2:
				in.SEID.Enabled = ad.Uint8() != 0
			}
		case CmdDumpHSLimitation:
			if ad.Type() == 1 {
				v := ad.Uint8() != 0
				in.HSLimitation = &v
			}
		}
	}
	return ad.Err()
}

func (in *Info) addLgrR(g LinkGroupR) {
	for i := range in.LinkGroupsR {
		if in.LinkGroupsR[i].ID == g.ID {
			// GET_LINK_SMCR repeats the link group; keep links together.
			g.Links = in.LinkGroupsR[i].Links
			in.LinkGroupsR = append(in.LinkGroupsR[:i], in.LinkGroupsR[i+1:]...)
			break
		}
	}
	in.LinkGroupsR = append(in.LinkGroupsR, g)
}

// uintAttr decodes an NLA_UINT (4 or 8 bytes) or any fixed-size unsigned
// integer by payload length.
func uintAttr(ad *netlink.AttributeDecoder) uint64 {
	var v uint64
	ad.Do(func(b []byte) error {
		switch len(b) {
		case 1:
			v = uint64(b[0])
		case 2:
			v = uint64(ad.ByteOrder.Uint16(b))
		case 4:
			v = uint64(ad.ByteOrder.Uint32(b))
		case 8:
			v = ad.ByteOrder.Uint64(b)
		default:
			return fmt.Errorf("attribute %d: integer of %d bytes", ad.Type(), len(b))
		}
		return nil
	})
	return v
}

func p64(v uint64) *uint64 { return &v }
func p8(v uint8) *uint8    { return &v }
func pb(v bool) *bool      { return &v }

func (s *SysInfo) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			s.Version = ad.Uint8()
		case 2:
			s.Release = ad.Uint8()
		case 3:
			s.ISMv2 = ad.Uint8() != 0
		case 4:
			s.LocalHost = strings.TrimRight(ad.String(), " \x00")
		case 5:
			s.SEID = strings.TrimRight(ad.String(), " \x00")
		case 6:
			s.SMCRv2 = pb(ad.Uint8() != 0)
		}
	}
	return nil
}

func (v *V2Common) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 0:
			v.Version = ad.Uint8()
		case 1:
			v.PeerRelease = ad.Uint8()
		case 2:
			v.PeerOS = ad.Uint8()
		case 3:
			v.NegEID = strings.TrimRight(ad.String(), " \x00")
		case 4:
			v.PeerHost = strings.TrimRight(ad.String(), " \x00")
		}
	}
	return nil
}

func (g *LinkGroupR) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			g.ID = uint32(uintAttr(ad))
		case 2:
			g.Role = ad.Uint8()
		case 3:
			g.Type = ad.Uint8()
		case 4:
			g.PNETID = strings.TrimRight(ad.String(), " \x00")
		case 5:
			g.VLAN = ad.Uint8()
		case 6:
			g.Conns = uint32(uintAttr(ad))
		case 7:
			g.V2 = &V2Common{}
			ad.Nested(g.V2.decode)
		case 8:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					switch nad.Type() {
					case 1:
						g.Direct = pb(nad.Uint8() != 0)
					case 2:
						g.MaxConns = p8(nad.Uint8())
					case 3:
						g.MaxLinks = p8(nad.Uint8())
					}
				}
				return nil
			})
		case 9:
			g.NetCookie = p64(ad.Uint64())
		case 11:
			g.BufType = p8(ad.Uint8())
		case 12:
			g.SndbufAlloc = p64(uintAttr(ad))
		case 13:
			g.RMBAlloc = p64(uintAttr(ad))
		}
	}
	return nil
}

func (l *LinkR) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			l.ID = ad.Uint8()
		case 2:
			l.IBDev = strings.TrimRight(ad.String(), "\x00")
		case 3:
			l.IBPort = ad.Uint8()
		case 4:
			l.GID = strings.TrimRight(ad.String(), "\x00")
		case 5:
			l.PeerGID = strings.TrimRight(ad.String(), "\x00")
		case 6:
			l.ConnCount = uint32(uintAttr(ad))
		case 7:
			l.NetDev = uint32(uintAttr(ad))
		case 8:
			l.UID = uint32(uintAttr(ad))
		case 9:
			l.PeerUID = uint32(uintAttr(ad))
		case 10:
			l.State = uint32(uintAttr(ad))
		}
	}
	return nil
}

func (g *LinkGroupD) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			g.ID = uint32(uintAttr(ad))
		case 2:
			g.GID = ad.Uint64()
		case 3:
			g.PeerGID = ad.Uint64()
		case 4:
			g.VLAN = ad.Uint8()
		case 5:
			g.Conns = uint32(uintAttr(ad))
		case 6:
			g.PNETID = strings.TrimRight(ad.String(), " \x00")
		case 7:
			g.CHID = uint32(uintAttr(ad)) // u32 on the wire, u16 in the header
		case 9:
			g.V2 = &V2Common{}
			ad.Nested(g.V2.decode)
		case 10:
			g.ExtGID = p64(ad.Uint64())
		case 11:
			g.PeerExtGID = p64(ad.Uint64())
		case 12:
			g.SndbufAlloc = p64(uintAttr(ad))
		case 13:
			g.DMBAlloc = p64(uintAttr(ad))
		}
	}
	return nil
}

func (d *Device) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			d.UseCount = uint32(uintAttr(ad))
		case 2:
			d.Critical = ad.Uint8() != 0
		case 3:
			d.PCIFID = uint32(uintAttr(ad))
		case 4:
			d.PCIChid = uint16(uintAttr(ad))
		case 5:
			d.PCIVendor = uint16(uintAttr(ad))
		case 6:
			d.PCIDevice = uint16(uintAttr(ad))
		case 7:
			d.PCIID = strings.TrimRight(ad.String(), "\x00")
		case 8, 9:
			p := DevPort{Port: int(ad.Type()) - 7}
			ad.Nested(p.decode)
			d.Ports = append(d.Ports, p)
		case 10:
			d.IBName = strings.TrimRight(ad.String(), "\x00")
		}
	}
	return nil
}

func (p *DevPort) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			p.PNETUser = ad.Uint8() != 0
		case 2:
			p.PNETID = strings.TrimRight(ad.String(), " \x00")
		case 3:
			p.NetDev = uint32(uintAttr(ad))
		case 4:
			p.State = ad.Uint8()
		case 5:
			p.Valid = ad.Uint8() != 0
		case 6:
			p.LinkCount = uint32(uintAttr(ad))
		}
	}
	return nil
}

func (s *Stats) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			s.SMCD = &TechStats{}
			ad.Nested(s.SMCD.decode)
		case 2:
			s.SMCR = &TechStats{}
			ad.Nested(s.SMCR.decode)
		case 3:
			s.ClientHSErrors = ad.Uint64()
		case 4:
			s.ServerHSErrors = ad.Uint64()
		}
	}
	return nil
}

func (h *Histogram) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		if t := ad.Type(); t >= 1 && t <= 9 {
			h[t-1] = ad.Uint64()
		}
	}
	return nil
}

func (r *RMBStats) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			r.SizeSmallPeer = ad.Uint64()
		case 2:
			r.SizeSmall = ad.Uint64()
		case 3:
			r.FullPeer = ad.Uint64()
		case 4:
			r.Full = ad.Uint64()
		case 5:
			r.Reuse = ad.Uint64()
		case 6:
			r.Alloc = ad.Uint64()
		case 7:
			r.Downgrade = ad.Uint64()
		}
	}
	return nil
}

func (t *TechStats) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case 1:
			ad.Nested(t.TxRMBSize.decode)
		case 2:
			ad.Nested(t.RxRMBSize.decode)
		case 3:
			ad.Nested(t.TxPayload.decode)
		case 4:
			ad.Nested(t.RxPayload.decode)
		case 5:
			ad.Nested(t.TxRMB.decode)
		case 6:
			ad.Nested(t.RxRMB.decode)
		case 7:
			t.ClientV1Succ = ad.Uint64()
		case 8:
			t.ClientV2Succ = ad.Uint64()
		case 9:
			t.ServerV1Succ = ad.Uint64()
		case 10:
			t.ServerV2Succ = ad.Uint64()
		case 11:
			t.Sendpage = ad.Uint64()
		case 12:
			t.Splice = ad.Uint64()
		case 13:
			t.Cork = ad.Uint64()
		case 14:
			t.Nodelay = ad.Uint64()
		case 15:
			t.Urgent = ad.Uint64()
		case 16:
			t.RxBytes = ad.Uint64()
		case 17:
			t.TxBytes = ad.Uint64()
		case 18:
			t.RxCount = ad.Uint64()
		case 19:
			t.TxCount = ad.Uint64()
		case 20:
			t.RxRMBUsage = p64(uintAttr(ad))
		case 21:
			t.TxRMBUsage = p64(uintAttr(ad))
		}
	}
	return nil
}

func (f *FallbackStats) decodeEntry(ad *netlink.AttributeDecoder) error {
	var server, haveCode, haveCount bool
	var rc ReasonCount
	for ad.Next() {
		switch ad.Type() {
		case 1:
			server = ad.Uint8() == 1
		case 2:
			f.ServerTotal = ad.Uint64()
		case 3:
			f.ClientTotal = ad.Uint64()
		case 4:
			rc.Code = uint32(uintAttr(ad))
			haveCode = true
		case 5:
			rc.Count = uintAttr(ad) // u16 in the kernel
			haveCount = true
		}
	}
	if haveCode && haveCount && rc.Code != 0 {
		if server {
			f.Server = append(f.Server, rc)
		} else {
			f.Client = append(f.Client, rc)
		}
	}
	return nil
}
