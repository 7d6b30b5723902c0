package toolfmt

import (
	"fmt"
	"io"
	"math/bits"
	"strings"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
)

// This file holds the tables of smc-tools other than stats: `smcr device`,
// `smcd device`, `smcr linkgroup` (show, link-show), `smcd linkgroup`,
// `smcr info` / `smcd info`, `smcd ueid show`, `smcd seid show` and
// `smc_pnet -s`. Each table has a row type (its JSON form, one field per
// column, named after the column), a builder from the kernel's netlink view,
// a writer printing the rows with smc-tools' printf formats (dev.c,
// linkgroup.c, info.c, smc_pnet.c; docs/smc-protocol.md 13.3-13.5) and a reader
// for saved text in that layout.

// IfName resolves an interface index to a name. smc-tools uses
// if_indextoname on the host; a saved snapshot may not know the names, then
// "#<index>" stands for the interface (and "" for index 0, as smc-tools).
type IfName func(ifindex uint32) string

func (f IfName) name(i uint32) string {
	if i == 0 {
		return ""
	}
	if f != nil {
		if n := f(i); n != "" {
			return n
		}
	}
	return fmt.Sprintf("#%d", i)
}

// --- smcr device / smcd device ---

// DeviceRow is one line of `smcr device` (one valid port of an RDMA device)
// or `smcd device` (one ISM device).
type DeviceRow struct {
	NetDev  string `json:"net_dev,omitempty"`  // smcr
	IBDev   string `json:"ib_dev,omitempty"`   // smcr
	IBPort  int    `json:"ib_p,omitempty"`     // smcr
	IBState string `json:"ib_state,omitempty"` // smcr: ACTIVE, INACTIVE
	Type    string `json:"type"`               // RoCE_Express, RoCE_Express2, ISM, or the PCI device id
	Crit    string `json:"crit,omitempty"`     // smcr: Yes/No
	FID     uint32 `json:"fid"`
	PCIID   string `json:"pci_id"`
	PCHID   uint16 `json:"pchid"`
	InUse   string `json:"in_use,omitempty"` // smcd: Yes/No (the device is critical)
	LGs     uint32 `json:"lgs,omitempty"`    // smcd: #LGs
	Links   uint32 `json:"links,omitempty"`  // smcr: #Links of the port
	PNETID  string `json:"pnet_id"`          // "*NAME" when set by the user
}

func devType(pciDevice uint16) string {
	switch pciDevice {
	case 0x1004:
		return "RoCE_Express"
	case 0x1016:
		return "RoCE_Express2"
	case 0x04ed:
		return "ISM"
	}
	if pciDevice == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", pciDevice)
}

func portState(s uint8) string {
	switch s {
	case 0:
		return "INACTIVE"
	case 1:
		return "ACTIVE"
	}
	return fmt.Sprintf("%#x?", s)
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func pnet(id string, user bool) string {
	id = strings.TrimSpace(id)
	if user {
		return "*" + id
	}
	return id
}

// DeviceRowsR returns the `smcr device` rows: one per valid port.
func DeviceRowsR(devs []smcnl.Device, ifn IfName) []DeviceRow {
	var out []DeviceRow
	for _, d := range devs {
		for _, p := range d.Ports {
			if !p.Valid {
				continue
			}
			out = append(out, DeviceRow{NetDev: ifn.name(p.NetDev), IBDev: d.IBName, IBPort: p.Port,
				IBState: portState(p.State), Type: devType(d.PCIDevice), Crit: yesNo(d.Critical),
				FID: d.PCIFID, PCIID: d.PCIID, PCHID: d.PCIChid, Links: p.LinkCount, PNETID: pnet(p.PNETID, p.PNETUser)})
		}
	}
	return out
}

// DeviceRowsD returns the `smcd device` rows.
func DeviceRowsD(devs []smcnl.Device) []DeviceRow {
	var out []DeviceRow
	for _, d := range devs {
		r := DeviceRow{Type: devType(d.PCIDevice), FID: d.PCIFID, PCIID: d.PCIID, PCHID: d.PCIChid,
			InUse: yesNo(d.Critical), LGs: d.UseCount}
		if len(d.Ports) > 0 {
			r.PNETID = pnet(d.Ports[0].PNETID, d.Ports[0].PNETUser)
		}
		out = append(out, r)
	}
	return out
}

// WriteDevicesR prints `smcr device` (detail: `smcr -d device`).
func WriteDevicesR(w io.Writer, rows []DeviceRow, detail bool) error {
	ew := &errW{w: w}
	ew.printf("Net-Dev         IB-Dev   IB-P  IB-State  Type          Crit  ")
	if detail {
		ew.printf(" FID   PCI-ID        PCHID  ")
	}
	ew.printf("#Links  PNET-ID  \n")
	for _, r := range rows {
		ew.printf("%-15s %-8s %4d  %8s  %-13s  %3s   ", r.NetDev, r.IBDev, r.IBPort, r.IBState, r.Type, r.Crit)
		if detail {
			ew.printf("%04x  %-12s  %04x    ", r.FID, r.PCIID, r.PCHID)
		}
		ew.printf("%5d  %-16s \n", r.Links, r.PNETID)
	}
	return ew.err
}

// WriteDevicesD prints `smcd device`.
func WriteDevicesD(w io.Writer, rows []DeviceRow) error {
	ew := &errW{w: w}
	ew.printf("FID  Type  PCI-ID        PCHID  InUse  #LGs  PNET-ID  \n")
	for _, r := range rows {
		ew.printf("%04x %-4s  %-12s  %04x   %-4s  %5d  %-16s \n", r.FID, r.Type, r.PCIID, r.PCHID, r.InUse, r.LGs, r.PNETID)
	}
	return ew.err
}

// --- smcr linkgroup / smcd linkgroup ---

// LinkGroupRow is one line of `smcr linkgroup` or `smcd linkgroup`.
type LinkGroupRow struct {
	ID     uint32 `json:"lg_id"`
	Role   string `json:"lg_role,omitempty"` // smcr: CLNT/SERV
	Type   string `json:"lg_type,omitempty"` // smcr: NONE, SINGLE, SYM, ASYMP, ASYML
	VLAN   uint8  `json:"vlan"`
	Conns  uint32 `json:"conns"`
	PNETID string `json:"pnet_id"`
}

// LinkRow is one line of `smcr linkgroup link-show` (-d and -dd add the
// UIDs, IB device and port, and the GIDs).
type LinkRow struct {
	LGID    uint32 `json:"lg_id"`
	Role    string `json:"lg_role"`
	LGType  string `json:"lg_type"`
	NetDev  string `json:"net_dev"`
	State   string `json:"link_state"`
	Conns   uint32 `json:"conns"`
	LinkUID string `json:"link_uid"` // 8 hex digits, the bytes of the UID in order
	PeerUID string `json:"peer_uid"`
	IBDev   string `json:"ib_dev"`
	IBPort  uint8  `json:"ib_p"`
	GID     string `json:"local_gid"`
	PeerGID string `json:"peer_gid"`
}

func role(r uint8) string {
	if r != 0 {
		return "SERV"
	}
	return "CLNT"
}

func lgrType(t uint8) string {
	switch t {
	case 0:
		return "NONE"
	case 1:
		return "SINGLE"
	case 2:
		return "SYM"
	case 3:
		return "ASYMP"
	case 4:
		return "ASYML"
	}
	return fmt.Sprintf("%#x?", t)
}

func linkState(s uint32) string {
	switch s {
	case 0:
		return "LINK_UNUSED"
	case 1:
		return "LINK_INACTIVE"
	case 2:
		return "LINK_ACTIVATING"
	case 3:
		return "LINK_ACTIVE"
	}
	return fmt.Sprintf("%#x?", s)
}

// LinkGroupRowsR returns the `smcr linkgroup` rows.
func LinkGroupRowsR(g []smcnl.LinkGroupR) []LinkGroupRow {
	out := make([]LinkGroupRow, 0, len(g))
	for _, x := range g {
		out = append(out, LinkGroupRow{ID: x.ID, Role: role(x.Role), Type: lgrType(x.Type), VLAN: x.VLAN, Conns: x.Conns, PNETID: strings.TrimSpace(x.PNETID)})
	}
	return out
}

// LinkGroupRowsD returns the `smcd linkgroup` rows.
func LinkGroupRowsD(g []smcnl.LinkGroupD) []LinkGroupRow {
	out := make([]LinkGroupRow, 0, len(g))
	for _, x := range g {
		out = append(out, LinkGroupRow{ID: x.ID, VLAN: x.VLAN, Conns: x.Conns, PNETID: strings.TrimSpace(x.PNETID)})
	}
	return out
}

// uidHex prints a link UID the way smc-tools does: the four bytes the kernel
// holds, in memory order (ntohl of the native u32). littleEndian is the byte
// order of the host that took the snapshot.
func uidHex(u uint32, littleEndian bool) string {
	if littleEndian {
		u = bits.ReverseBytes32(u)
	}
	return fmt.Sprintf("%08x", u)
}

// LinkRows returns the `smcr linkgroup link-show` rows.
func LinkRows(g []smcnl.LinkGroupR, ifn IfName, littleEndian bool) []LinkRow {
	var out []LinkRow
	for _, x := range g {
		for _, l := range x.Links {
			out = append(out, LinkRow{LGID: x.ID, Role: role(x.Role), LGType: lgrType(x.Type), NetDev: ifn.name(l.NetDev),
				State: linkState(l.State), Conns: l.ConnCount, LinkUID: uidHex(l.UID, littleEndian), PeerUID: uidHex(l.PeerUID, littleEndian),
				IBDev: l.IBDev, IBPort: l.IBPort, GID: l.GID, PeerGID: l.PeerGID})
		}
	}
	return out
}

// WriteLinkGroupsR prints `smcr linkgroup`.
func WriteLinkGroupsR(w io.Writer, rows []LinkGroupRow) error {
	ew := &errW{w: w}
	ew.printf("LG-ID    LG-Role  LG-Type  VLAN  #Conns  PNET-ID \n")
	for _, r := range rows {
		ew.printf("%08x %-8s %-8s %s  %6d  %-16s \n", r.ID, r.Role, r.Type, cHex4(r.VLAN), r.Conns, r.PNETID)
	}
	return ew.err
}

// WriteLinkGroupsD prints `smcd linkgroup`.
func WriteLinkGroupsD(w io.Writer, rows []LinkGroupRow) error {
	ew := &errW{w: w}
	ew.printf("LG-ID    VLAN  #Conns  PNET-ID \n")
	for _, r := range rows {
		ew.printf("%08x %s  %6d  %-16s \n", r.ID, cHex4(r.VLAN), r.Conns, r.PNETID)
	}
	return ew.err
}

// cHex4 is C's "%#4x": 0 prints as "   0", 5 as " 0x5".
func cHex4(v uint8) string {
	if v == 0 {
		return "   0"
	}
	return fmt.Sprintf("%4s", fmt.Sprintf("0x%x", v))
}

// WriteLinks prints `smcr linkgroup link-show`; level 1 is -d, 2 is -dd.
func WriteLinks(w io.Writer, rows []LinkRow, level int) error {
	ew := &errW{w: w}
	ew.printf("LG-ID    LG-Role  LG-Type  Net-Dev         Link-State      #Conns  ")
	if level >= 1 {
		ew.printf("Link-UID  Peer-UID  IB-Dev    IB-P  ")
		if level >= 2 {
			ew.printf("Local-GID                                 Peer-GID  ")
		}
	}
	ew.printf("\n")
	for _, r := range rows {
		ew.printf("%08x %-8s %-8s %-15s %-15s %6d  ", r.LGID, r.Role, r.LGType, r.NetDev, r.State, r.Conns)
		if level >= 1 {
			ew.printf("%s  %s  %-8s  %4d  ", r.LinkUID, r.PeerUID, r.IBDev, r.IBPort)
			if level >= 2 {
				ew.printf("%-40s  %s  ", r.GID, r.PeerGID)
			}
		}
		ew.printf("\n")
	}
	return ew.err
}

// --- smcr info / smcd info ---

// InfoTable is what `smcr info` / `smcd info` print.
type InfoTable struct {
	Version      string `json:"smc_version"`
	Hostname     string `json:"smc_hostname"`
	SMCDFeatures string `json:"smcd_features"`
	SMCRFeatures string `json:"smcr_features"`
	SEID         string `json:"seid"`
	ISM          string `json:"ism"`
	RoCE         string `json:"roce"`
}

// InfoFrom builds the info table from SYS_INFO and the device dumps (which
// smc-tools counts to fill the hardware lines). nil without SYS_INFO.
func InfoFrom(in *smcnl.Info) *InfoTable {
	if in == nil || in.SysInfo == nil {
		return nil
	}
	si := in.SysInfo
	t := &InfoTable{Version: fmt.Sprintf("%d.%d", si.Version, si.Release), Hostname: orNA(strings.TrimSpace(si.LocalHost)),
		SMCDFeatures: "v1", SMCRFeatures: "v1", SEID: orNA(strings.TrimSpace(si.SEID)), ISM: "n/a", RoCE: "n/a"}
	if si.Version >= 2 {
		t.SMCDFeatures = "v1 v2"
	}
	if si.SMCRv2 != nil && *si.SMCRv2 {
		t.SMCRFeatures = "v1 v2"
	}
	if len(in.DevicesD) > 0 {
		t.ISM = "v1"
		if si.ISMv2 {
			t.ISM = "v1 v2"
		}
	}
	if len(in.DevicesR) > 0 {
		t.RoCE = "v1 "
		if si.SMCRv2 != nil && *si.SMCRv2 {
			t.RoCE = "v1 v2"
		}
	}
	return t
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// WriteText prints the table as `smcr info` does.
func (t *InfoTable) WriteText(w io.Writer) error {
	ew := &errW{w: w}
	ew.printf("Kernel Capabilities\n")
	ew.printf("SMC Version:      %s\n", t.Version)
	ew.printf("SMC Hostname:     %s\n", t.Hostname)
	ew.printf("SMC-D Features:   %s\n", t.SMCDFeatures)
	ew.printf("SMC-R Features:   %s\n", t.SMCRFeatures)
	ew.printf("\n")
	ew.printf("Hardware Capabilities\n")
	ew.printf("SEID:             %s\n", t.SEID)
	ew.printf("ISM:              %s\n", t.ISM)
	ew.printf("RoCE:             %s\n", t.RoCE)
	return ew.err
}

// --- smc_pnet -s ---

// PNETRow is one line of `smc_pnet -s`: the PNET-ID, the Ethernet interface
// or "n/a", the RDMA/ISM device or "n/a", and the port (255 for "none").
type PNETRow struct {
	PNETID string `json:"pnetid"`
	EthDev string `json:"eth_name"`
	IBDev  string `json:"ib_name"`
	IBPort uint8  `json:"ib_port"`
}

// WritePNET prints `smc_pnet -s` ("%s %s %s %d" per entry).
func WritePNET(w io.Writer, rows []PNETRow) error {
	ew := &errW{w: w}
	for _, r := range rows {
		ew.printf("%s %s %s %d\n", r.PNETID, r.EthDev, r.IBDev, r.IBPort)
	}
	return ew.err
}

// --- UEID / SEID ---

// WriteUEIDs prints `smcd ueid show` (one EID per line).
func WriteUEIDs(w io.Writer, ueids []string) error {
	ew := &errW{w: w}
	for _, u := range ueids {
		ew.printf("%s\n", strings.TrimRight(u, " \x00"))
	}
	return ew.err
}

// WriteSEID prints `smcd seid show`: "<seid> [enabled]" or "[disabled]", or
// "n/a" without one.
func WriteSEID(w io.Writer, s *smcnl.SEIDInfo) error {
	ew := &errW{w: w}
	switch {
	case s == nil || strings.TrimSpace(s.SEID) == "":
		ew.printf("n/a\n")
	case s.Enabled:
		ew.printf("%s [enabled]\n", strings.TrimSpace(s.SEID))
	default:
		ew.printf("%s [disabled]\n", strings.TrimSpace(s.SEID))
	}
	return ew.err
}
