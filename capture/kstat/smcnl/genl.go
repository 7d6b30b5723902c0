package smcnl

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/smcdump/smcdump/smcproto"
)

// FamilyName and FamilyVersion identify the SMC generic netlink family
// (docs/smc-protocol.md 12).
const (
	FamilyName    = "SMC_GEN_NETLINK"
	FamilyVersion = 1
)

// Commands of SMC_GEN_NETLINK (docs/smc-protocol.md 12.1). Only the dump commands
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

// SysInfo is the SYS_INFO nest (docs/smc-protocol.md 12.2).
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
			return decodeErr(what, m.Offset+nlmsgHdrLen, smcproto.ErrTruncated, "generic netlink header needs 4 bytes")
		}
		if err := in.decodeMessage(cmd, m.Payload[genlHdrLen:], order); err != nil {
			return decodeErr(what, m.Offset+nlmsgHdrLen+genlHdrLen, smcproto.ErrMalformed, "%v", err)
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

func (in *Info) decodeMessage(cmd uint8, b []byte, order binary.ByteOrder) error {
	ad, err := newAttrDecoder(b, order)
	if err != nil {
		return err
	}
	for ad.next() {
		switch cmd {
		case CmdGetSysInfo:
			if ad.attrType() == smcGenSysInfo {
				si := &SysInfo{}
				ad.nested(si.decode)
				in.SysInfo = si
			}
		case CmdGetLgrSMCR, CmdGetLinkSMCR:
			switch ad.attrType() {
			case smcGenLgrSMCR:
				var g LinkGroupR
				ad.nested(g.decode)
				in.addLgrR(g)
			case smcGenLinkSMCR:
				var l LinkR
				ad.nested(l.decode)
				if n := len(in.LinkGroupsR); n > 0 {
					// Links follow their link group's message.
					in.LinkGroupsR[n-1].Links = append(in.LinkGroupsR[n-1].Links, l)
				}
			}
		case CmdGetLgrSMCD:
			if ad.attrType() == smcGenLgrSMCD {
				var g LinkGroupD
				ad.nested(g.decode)
				in.LinkGroupsD = append(in.LinkGroupsD, g)
			}
		case CmdGetDevSMCD, CmdGetDevSMCR:
			switch ad.attrType() {
			case smcGenDevSMCD:
				d := Device{Kind: "smcd"}
				ad.nested(d.decode)
				in.DevicesD = append(in.DevicesD, d)
			case smcGenDevSMCR:
				d := Device{Kind: "smcr"}
				ad.nested(d.decode)
				in.DevicesR = append(in.DevicesR, d)
			}
		case CmdGetStats:
			if ad.attrType() == smcGenStats {
				st := &Stats{}
				ad.nested(st.decode)
				in.Stats = st
			}
		case CmdGetFbackStats:
			if ad.attrType() == smcGenFbackStats {
				if in.Fallback == nil {
					in.Fallback = &FallbackStats{}
				}
				ad.nested(in.Fallback.decodeEntry)
			}
		case CmdDumpUEID:
			if ad.attrType() == smcNLAEIDTableEntry {
				in.UEIDs = append(in.UEIDs, trimPad(ad.str()))
			}
		case CmdDumpSEID:
			if in.SEID == nil {
				in.SEID = &SEIDInfo{}
			}
			switch ad.attrType() {
			case smcNLASEIDEntry:
				in.SEID.SEID = trimPad(ad.str())
			case smcNLASEIDEnabled:
				in.SEID.Enabled = ad.flag8()
			}
		case CmdDumpHSLimitation:
			if ad.attrType() == smcNLAHSLimitationEnabled {
				v := ad.flag8()
				in.HSLimitation = &v
			}
		}
	}
	return ad.err
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

func p64(v uint64) *uint64 { return &v }
func p8(v uint8) *uint8    { return &v }
func pb(v bool) *bool      { return &v }

// trimPad drops the blank padding and NULs of a fixed-width kernel string.
func trimPad(s string) string { return strings.TrimRight(s, " \x00") }

func (s *SysInfo) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLASysVer:
			s.Version = ad.u8()
		case smcNLASysRel:
			s.Release = ad.u8()
		case smcNLASysIsISMV2:
			s.ISMv2 = ad.flag8()
		case smcNLASysLocalHost:
			s.LocalHost = trimPad(ad.str())
		case smcNLASysSEID:
			s.SEID = trimPad(ad.str())
		case smcNLASysIsSMCRV2:
			s.SMCRv2 = pb(ad.flag8())
		}
	}
}

func (v *V2Common) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLALgrV2Ver:
			v.Version = ad.u8()
		case smcNLALgrV2Rel:
			v.PeerRelease = ad.u8()
		case smcNLALgrV2OS:
			v.PeerOS = ad.u8()
		case smcNLALgrV2NegEID:
			v.NegEID = trimPad(ad.str())
		case smcNLALgrV2PeerHost:
			v.PeerHost = trimPad(ad.str())
		}
	}
}

func (g *LinkGroupR) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLALgrRID:
			g.ID = uint32(ad.uint())
		case smcNLALgrRRole:
			g.Role = ad.u8()
		case smcNLALgrRType:
			g.Type = ad.u8()
		case smcNLALgrRPNETID:
			g.PNETID = trimPad(ad.str())
		case smcNLALgrRVLANID:
			g.VLAN = ad.u8()
		case smcNLALgrRConnsNum:
			g.Conns = uint32(ad.uint())
		case smcNLALgrRV2Common:
			g.V2 = &V2Common{}
			ad.nested(g.V2.decode)
		case smcNLALgrRV2:
			ad.nested(func(nad *attrDecoder) {
				for nad.next() {
					switch nad.attrType() {
					case smcNLALgrRV2Direct:
						g.Direct = pb(nad.flag8())
					case smcNLALgrRV2MaxConns:
						g.MaxConns = p8(nad.u8())
					case smcNLALgrRV2MaxLinks:
						g.MaxLinks = p8(nad.u8())
					}
				}
			})
		case smcNLALgrRNetCookie:
			g.NetCookie = p64(ad.u64())
		case smcNLALgrRBufType:
			g.BufType = p8(ad.u8())
		case smcNLALgrRSndbufAlloc:
			g.SndbufAlloc = p64(ad.uint())
		case smcNLALgrRRMBAlloc:
			g.RMBAlloc = p64(ad.uint())
		}
	}
}

func (l *LinkR) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLALinkID:
			l.ID = ad.u8()
		case smcNLALinkIBDev:
			l.IBDev = ad.str()
		case smcNLALinkIBPort:
			l.IBPort = ad.u8()
		case smcNLALinkGID:
			l.GID = ad.str()
		case smcNLALinkPeerGID:
			l.PeerGID = ad.str()
		case smcNLALinkConnCnt:
			l.ConnCount = uint32(ad.uint())
		case smcNLALinkNetDev:
			l.NetDev = uint32(ad.uint())
		case smcNLALinkUID:
			l.UID = uint32(ad.uint())
		case smcNLALinkPeerUID:
			l.PeerUID = uint32(ad.uint())
		case smcNLALinkState:
			l.State = uint32(ad.uint())
		}
	}
}

func (g *LinkGroupD) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLALgrDID:
			g.ID = uint32(ad.uint())
		case smcNLALgrDGID:
			g.GID = ad.u64()
		case smcNLALgrDPeerGID:
			g.PeerGID = ad.u64()
		case smcNLALgrDVLANID:
			g.VLAN = ad.u8()
		case smcNLALgrDConnsNum:
			g.Conns = uint32(ad.uint())
		case smcNLALgrDPNETID:
			g.PNETID = trimPad(ad.str())
		case smcNLALgrDCHID:
			g.CHID = uint32(ad.uint()) // u32 on the wire, u16 in the header
		case smcNLALgrDV2Common:
			g.V2 = &V2Common{}
			ad.nested(g.V2.decode)
		case smcNLALgrDExtGID:
			g.ExtGID = p64(ad.u64())
		case smcNLALgrDPeerExtGID:
			g.PeerExtGID = p64(ad.u64())
		case smcNLALgrDSndbufAlloc:
			g.SndbufAlloc = p64(ad.uint())
		case smcNLALgrDDMBAlloc:
			g.DMBAlloc = p64(ad.uint())
		}
	}
}

func (d *Device) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLADevUseCnt:
			d.UseCount = uint32(ad.uint())
		case smcNLADevIsCrit:
			d.Critical = ad.flag8()
		case smcNLADevPCIFID:
			d.PCIFID = uint32(ad.uint())
		case smcNLADevPCIChid:
			d.PCIChid = uint16(ad.uint())
		case smcNLADevPCIVendor:
			d.PCIVendor = uint16(ad.uint())
		case smcNLADevPCIDevice:
			d.PCIDevice = uint16(ad.uint())
		case smcNLADevPCIID:
			d.PCIID = ad.str()
		case smcNLADevPort, smcNLADevPort2:
			p := DevPort{Port: int(ad.attrType()-smcNLADevPort) + 1}
			ad.nested(p.decode)
			d.Ports = append(d.Ports, p)
		case smcNLADevIBName:
			d.IBName = ad.str()
		}
	}
}

func (p *DevPort) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLADevPortPNETUsr:
			p.PNETUser = ad.flag8()
		case smcNLADevPortPNETID:
			p.PNETID = trimPad(ad.str())
		case smcNLADevPortNetdev:
			p.NetDev = uint32(ad.uint())
		case smcNLADevPortState:
			p.State = ad.u8()
		case smcNLADevPortValid:
			p.Valid = ad.flag8()
		case smcNLADevPortLnkCnt:
			p.LinkCount = uint32(ad.uint())
		}
	}
}

func (s *Stats) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLAStatsSMCDTech:
			s.SMCD = &TechStats{}
			ad.nested(s.SMCD.decode)
		case smcNLAStatsSMCRTech:
			s.SMCR = &TechStats{}
			ad.nested(s.SMCR.decode)
		case smcNLAStatsClntHSErrCnt:
			s.ClientHSErrors = ad.u64()
		case smcNLAStatsSrvHSErrCnt:
			s.ServerHSErrors = ad.u64()
		}
	}
}

func (h *Histogram) decode(ad *attrDecoder) {
	for ad.next() {
		if t := ad.attrType(); t >= smcNLAStatsPload8K && t <= smcNLAStatsPloadG1024K {
			h[t-smcNLAStatsPload8K] = ad.u64()
		}
	}
}

func (r *RMBStats) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLAStatsRMBSizeSmPeerCnt:
			r.SizeSmallPeer = ad.u64()
		case smcNLAStatsRMBSizeSmCnt:
			r.SizeSmall = ad.u64()
		case smcNLAStatsRMBFullPeerCnt:
			r.FullPeer = ad.u64()
		case smcNLAStatsRMBFullCnt:
			r.Full = ad.u64()
		case smcNLAStatsRMBReuseCnt:
			r.Reuse = ad.u64()
		case smcNLAStatsRMBAllocCnt:
			r.Alloc = ad.u64()
		case smcNLAStatsRMBDgradeCnt:
			r.Downgrade = ad.u64()
		}
	}
}

func (t *TechStats) decode(ad *attrDecoder) {
	for ad.next() {
		switch ad.attrType() {
		case smcNLAStatsTTxRMBSize:
			ad.nested(t.TxRMBSize.decode)
		case smcNLAStatsTRxRMBSize:
			ad.nested(t.RxRMBSize.decode)
		case smcNLAStatsTTxPloadSize:
			ad.nested(t.TxPayload.decode)
		case smcNLAStatsTRxPloadSize:
			ad.nested(t.RxPayload.decode)
		case smcNLAStatsTTxRMBStats:
			ad.nested(t.TxRMB.decode)
		case smcNLAStatsTRxRMBStats:
			ad.nested(t.RxRMB.decode)
		case smcNLAStatsTClntV1Succ:
			t.ClientV1Succ = ad.u64()
		case smcNLAStatsTClntV2Succ:
			t.ClientV2Succ = ad.u64()
		case smcNLAStatsTSrvV1Succ:
			t.ServerV1Succ = ad.u64()
		case smcNLAStatsTSrvV2Succ:
			t.ServerV2Succ = ad.u64()
		case smcNLAStatsTSendpageCnt:
			t.Sendpage = ad.u64()
		case smcNLAStatsTSpliceCnt:
			t.Splice = ad.u64()
		case smcNLAStatsTCorkCnt:
			t.Cork = ad.u64()
		case smcNLAStatsTNdlyCnt:
			t.Nodelay = ad.u64()
		case smcNLAStatsTUrgDataCnt:
			t.Urgent = ad.u64()
		case smcNLAStatsTRxBytes:
			t.RxBytes = ad.u64()
		case smcNLAStatsTTxBytes:
			t.TxBytes = ad.u64()
		case smcNLAStatsTRxCnt:
			t.RxCount = ad.u64()
		case smcNLAStatsTTxCnt:
			t.TxCount = ad.u64()
		case smcNLAStatsTRxRMBUsage:
			t.RxRMBUsage = p64(ad.uint())
		case smcNLAStatsTTxRMBUsage:
			t.TxRMBUsage = p64(ad.uint())
		}
	}
}

func (f *FallbackStats) decodeEntry(ad *attrDecoder) {
	var server, haveCode, haveCount bool
	var rc ReasonCount
	for ad.next() {
		switch ad.attrType() {
		case smcNLAFbackStatsType:
			server = ad.u8() == 1
		case smcNLAFbackStatsSrvCnt:
			f.ServerTotal = ad.u64()
		case smcNLAFbackStatsClntCnt:
			f.ClientTotal = ad.u64()
		case smcNLAFbackStatsRsnCode:
			rc.Code = uint32(ad.uint())
			haveCode = true
		case smcNLAFbackStatsRsnCnt:
			rc.Count = ad.uint() // u16 in the kernel
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
}
