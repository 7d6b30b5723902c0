package kstat

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/capture/kstat/toolfmt"
	"github.com/smcdump/smcdump/internal/textio"
)

// TableSet selects the smc-tools tables to print (see Snapshot.WriteTables).
type TableSet struct {
	Sockets    bool                 // smcss
	SS         toolfmt.SMCSSOptions // smcss -a, -l, -R, -D, -d
	Devices    bool                 // smcr device and smcd device
	LinkGroups bool                 // smcr linkgroup and smcd linkgroup
	Links      bool                 // smcr linkgroup link-show
	SMCRStats  bool                 // smcr stats
	SMCDStats  bool                 // smcd stats
	Info       bool                 // smcr info
	EID        bool                 // smcd ueid show, smcd seid show
	PNET       bool                 // smc_pnet -s
	// Detail is smc-tools' -d level: stats -d, device -d, link-show -d (1)
	// and -dd (2).
	Detail int
}

// Any reports whether a table is selected.
func (t TableSet) Any() bool {
	return t.Sockets || t.Devices || t.LinkGroups || t.Links || t.SMCRStats || t.SMCDStats || t.Info || t.EID || t.PNET
}

// AllTables is every table, with the detail smcdump shows by default.
func AllTables() TableSet {
	return TableSet{Sockets: true, SS: toolfmt.SMCSSOptions{All: true}, Devices: true, LinkGroups: true, Links: true,
		SMCRStats: true, SMCDStats: true, Info: true, EID: true, PNET: true, Detail: 1}
}

func (s *Snapshot) ifName() toolfmt.IfName {
	return func(i uint32) string { return s.Interfaces[i] }
}

// fromKernel reports whether the SMC state was decoded from netlink (rather
// than read from saved tool text).
func (s *Snapshot) fromKernel(kind string) bool {
	for _, r := range s.Raw {
		if r.Kind == kind && r.Errno == 0 && r.Error == "" && r.CutFrom == 0 {
			return true
		}
	}
	return false
}

// Tables is every selected table in JSON: the rows carry the same fields as
// the text columns.
type Tables struct {
	TakenAt string `json:"taken_at"` // RFC 3339, or "time unknown" for saved text
	// SMCUnavailable says why the kernel's SMC state could not be read
	// (the SMC module not loaded), when it could not: the tables are then
	// empty because there is nothing to read, not because nothing is
	// there.
	SMCUnavailable string              `json:"smc_unavailable,omitempty"`
	Sockets        []toolfmt.SocketRow `json:"sockets,omitempty"`
	// SocketsOmitted counts by mode the SMC sockets a bounded snapshot
	// left out of Sockets (SMCState.SocketsOmitted).
	SocketsOmitted map[string]int         `json:"sockets_omitted,omitempty"`
	DevicesR       []toolfmt.DeviceRow    `json:"smcr_devices,omitempty"`
	DevicesD       []toolfmt.DeviceRow    `json:"smcd_devices,omitempty"`
	LinkGroupsR    []toolfmt.LinkGroupRow `json:"smcr_linkgroups,omitempty"`
	LinkGroupsD    []toolfmt.LinkGroupRow `json:"smcd_linkgroups,omitempty"`
	Links          []toolfmt.LinkRow      `json:"smcr_links,omitempty"`
	SMCRStats      *toolfmt.SMCStatsText  `json:"smcr_stats,omitempty"`
	SMCDStats      *toolfmt.SMCStatsText  `json:"smcd_stats,omitempty"`
	Info           *toolfmt.InfoTable     `json:"smc_info,omitempty"`
	UEIDs          []string               `json:"ueids,omitempty"`
	SEID           *smcnl.SEIDInfo        `json:"seid,omitempty"`
	PNET           []toolfmt.PNETRow      `json:"pnet,omitempty"`
	// SourceErrors are the snapshot's sources that could not be used: a
	// table they feed may be missing or empty because of them.
	SourceErrors []SourceError `json:"source_errors,omitempty"`
}

// TimeText is the snapshot time for people: RFC 3339 in UTC, or "time
// unknown" when the source (saved tool text) carries none.
func (s *Snapshot) TimeText() string {
	if s.TakenAt.IsZero() {
		return "time unknown"
	}
	return s.TakenAt.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
}

// Tables builds the selected tables from s: from the kernel's netlink
// replies when s has them, else from saved smc-tools text.
func (s *Snapshot) Tables(o TableSet) *Tables {
	t := &Tables{TakenAt: s.TimeText(), SourceErrors: s.SourceErrors}
	if !s.SMC.Available && s.SMC.Note != "" && len(s.SMC.Sockets) == 0 {
		t.SMCUnavailable = s.SMC.Note
	}
	in := s.SMC.Info
	if in == nil {
		in = &smcnl.Info{}
	}
	tools := s.Tools
	if tools == nil {
		tools = &toolfmt.Data{}
	}
	le := s.Order() == binary.LittleEndian
	if o.Sockets {
		t.Sockets = toolfmt.SocketRows(s.SMC.Sockets, o.SS)
		t.SocketsOmitted = s.SMC.SocketsOmitted
	}
	if o.Devices {
		t.DevicesR, t.DevicesD = toolfmt.DeviceRowsR(in.DevicesR, s.ifName()), toolfmt.DeviceRowsD(in.DevicesD)
		if len(t.DevicesR) == 0 {
			t.DevicesR = tools.DevicesR
		}
		if len(t.DevicesD) == 0 {
			t.DevicesD = tools.DevicesD
		}
	}
	if o.LinkGroups {
		t.LinkGroupsR, t.LinkGroupsD = toolfmt.LinkGroupRowsR(in.LinkGroupsR), toolfmt.LinkGroupRowsD(in.LinkGroupsD)
		if len(t.LinkGroupsR) == 0 {
			t.LinkGroupsR = tools.LinkGroupsR
		}
		if len(t.LinkGroupsD) == 0 {
			t.LinkGroupsD = tools.LinkGroupsD
		}
	}
	if o.Links {
		t.Links = toolfmt.LinkRows(in.LinkGroupsR, s.ifName(), le)
		if len(t.Links) == 0 {
			t.Links = tools.Links
		}
	}
	if o.SMCRStats {
		t.SMCRStats = s.StatsTable(false, o.Detail > 0)
	}
	if o.SMCDStats {
		t.SMCDStats = s.StatsTable(true, o.Detail > 0)
	}
	if o.Info {
		t.Info = toolfmt.InfoFrom(in)
		if t.Info == nil {
			t.Info = tools.Info
		}
	}
	if o.EID {
		t.UEIDs, t.SEID = in.UEIDs, in.SEID
		if len(t.UEIDs) == 0 {
			t.UEIDs = tools.UEIDs
		}
		if t.SEID == nil {
			t.SEID = tools.SEID
		}
	}
	if o.PNET {
		t.PNET = s.SMC.PNET
		if len(t.PNET) == 0 {
			t.PNET = tools.PNET
		}
	}
	return t
}

// StatsTable returns the `smcr stats` (smcd false) or `smcd stats` table:
// computed from the kernel's STATS and FBACK_STATS replies, or the table
// read from saved `smcr stats` / `smcd stats` text. nil when s has neither.
func (s *Snapshot) StatsTable(smcd, detail bool) *toolfmt.SMCStatsText {
	if s.fromKernel(KindGenl) {
		if st := toolfmt.StatsFromInfo(s.SMC.Info, smcd, detail); st != nil {
			return st
		}
	}
	if s.Tools != nil && s.Tools.SMCStats != nil && (s.Tools.SMCStats.Tech == "SMC-D") == smcd {
		return s.Tools.SMCStats
	}
	return nil
}

// WriteTables prints the selected tables in smc-tools' layouts, each under a
// "## <command>" title line naming the smc-tools command that prints it. A
// table with no rows prints its header only (as smc-tools does); a table
// whose source is missing from the snapshot says so.
func (s *Snapshot) WriteTables(w io.Writer, o TableSet) error {
	t := s.Tables(o)
	ew := textio.New(w)
	title := func(cmd string) { ew.Printf("## %s\n", cmd) }
	missing := func(what string) { ew.Printf("    (no %s in this snapshot)\n", what) }
	dflag := func(base string) string {
		switch {
		case o.Detail >= 2:
			return strings.Replace(base, " ", " -dd ", 1)
		case o.Detail == 1:
			return strings.Replace(base, " ", " -d ", 1)
		}
		return base
	}
	first := true
	sep := func() {
		if !first {
			ew.Printf("\n")
		}
		first = false
	}
	if o.Info {
		sep()
		title("smcr info")
		if t.Info == nil {
			missing("SYS_INFO reply")
		} else if ew.Err == nil {
			ew.Err = t.Info.WriteText(w)
		}
	}
	if o.EID {
		sep()
		title("smcd ueid show")
		if ew.Err == nil {
			ew.Err = toolfmt.WriteUEIDs(w, t.UEIDs)
		}
		title("smcd seid show")
		if ew.Err == nil {
			ew.Err = toolfmt.WriteSEID(w, t.SEID)
		}
	}
	if o.PNET {
		sep()
		title("smc_pnet -s")
		if len(t.PNET) == 0 {
			missing("PNET table")
		} else if ew.Err == nil {
			ew.Err = toolfmt.WritePNET(w, t.PNET)
		}
	}
	if o.Devices {
		sep()
		cmd := "smcr device"
		if o.Detail > 0 {
			cmd = "smcr -d device"
		}
		title(cmd)
		if ew.Err == nil {
			ew.Err = toolfmt.WriteDevicesR(w, t.DevicesR, o.Detail > 0)
		}
		sep()
		title("smcd device")
		if ew.Err == nil {
			ew.Err = toolfmt.WriteDevicesD(w, t.DevicesD)
		}
	}
	if o.LinkGroups {
		sep()
		title("smcr linkgroup")
		if ew.Err == nil {
			ew.Err = toolfmt.WriteLinkGroupsR(w, t.LinkGroupsR)
		}
		sep()
		title("smcd linkgroup")
		if ew.Err == nil {
			ew.Err = toolfmt.WriteLinkGroupsD(w, t.LinkGroupsD)
		}
	}
	if o.Links {
		sep()
		title(dflag("smcr linkgroup link-show"))
		if ew.Err == nil {
			ew.Err = toolfmt.WriteLinks(w, t.Links, o.Detail)
		}
	}
	for _, st := range []struct {
		on  bool
		cmd string
		t   *toolfmt.SMCStatsText
	}{{o.SMCRStats, "smcr stats", t.SMCRStats}, {o.SMCDStats, "smcd stats", t.SMCDStats}} {
		if !st.on {
			continue
		}
		sep()
		cmd := st.cmd
		if st.t != nil && st.t.Detail {
			cmd = strings.Replace(cmd, " ", " -d ", 1)
		}
		title(cmd)
		if st.t == nil {
			missing("statistics")
		} else if ew.Err == nil {
			ew.Err = st.t.WriteText(w)
		}
	}
	if o.Sockets {
		sep()
		title(smcssCommand(o.SS))
		if ew.Err == nil {
			ew.Err = toolfmt.WriteSMCSS(w, s.SMC.Sockets, o.SS)
		}
		if n := s.SMC.omitted(); n != "" {
			ew.Printf("(%s: the snapshot kept a bounded number of SMC sockets, those that fell back to TCP first)\n", n)
		}
	}
	return ew.Err
}

func smcssCommand(o toolfmt.SMCSSOptions) string {
	var f []string
	for _, x := range []struct {
		on bool
		f  string
	}{{o.All, "-a"}, {o.Listening, "-l"}, {o.SMCR, "-R"}, {o.SMCD, "-D"}, {o.Debug, "-d"}} {
		if x.on {
			f = append(f, x.f)
		}
	}
	if len(f) == 0 {
		return "smcss"
	}
	return "smcss " + strings.Join(f, " ")
}

// --- SMC_PNETID family (the PNET table smc_pnet shows) ---

// PNETCommand is the name raw PNET table dumps (generic netlink family
// SMC_PNETID, command SMC_PNETID_GET) are kept under in Snapshot.Raw.
const PNETCommand = "SMC_PNETID_GET"

// decodePNET decodes a SMC_PNETID_GET dump: attributes SMC_PNETID_NAME,
// _ETHNAME, _IBNAME and _IBPORT per message (include/uapi/linux/smc.h,
// net/smc/smc_pnet.c).
func decodePNET(raw []byte, order binary.ByteOrder) ([]toolfmt.PNETRow, error) {
	msgs, err := smcnl.SplitMessages("SMC_PNETID_GET reply", raw, order)
	if err != nil {
		return nil, err
	}
	var out []toolfmt.PNETRow
	for _, m := range msgs {
		b := m.Payload
		if len(b) < 4 {
			return nil, fmt.Errorf("SMC_PNETID_GET reply at offset %d: generic netlink header cut", m.Offset)
		}
		b = b[4:]
		var r toolfmt.PNETRow
		for len(b) >= 4 {
			l := int(order.Uint16(b[0:2]))
			typ := order.Uint16(b[2:4]) & 0x3fff
			if l < 4 || l > len(b) {
				return nil, fmt.Errorf("SMC_PNETID_GET reply at offset %d: attribute length %d", m.Offset, l)
			}
			v := b[4:l]
			str := strings.TrimRight(string(v), "\x00")
			switch typ {
			case smcnl.PNETIDAttrName:
				r.PNETID = strings.TrimSpace(str)
			case smcnl.PNETIDAttrEthName:
				r.EthDev = str
			case smcnl.PNETIDAttrIBName:
				r.IBDev = str
			case smcnl.PNETIDAttrIBPort:
				if len(v) > 0 {
					r.IBPort = v[0]
				}
			}
			adv := (l + 3) &^ 3
			if adv > len(b) {
				adv = len(b)
			}
			b = b[adv:]
		}
		out = append(out, r)
	}
	return out, nil
}
