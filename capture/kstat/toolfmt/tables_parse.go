package toolfmt

import (
	"io"
	"strconv"
	"strings"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/internal/lazyre"
)

// Formats of the smc-tools tables other than stats and smcss.
const (
	SMCRDevice    Format = "smcr device"
	SMCDDevice    Format = "smcd device"
	SMCRLinkGroup Format = "smcr linkgroup"
	SMCRLinks     Format = "smcr linkgroup link-show"
	SMCDLinkGroup Format = "smcd linkgroup"
	SMCInfo       Format = "smcr info"
	SMCPNET       Format = "smc_pnet -s"
	SMCSEID       Format = "smcd seid show"
	SMCUEID       Format = "smcd ueid show"
)

var (
	unknownHex = lazyre.New(`^0x[0-9a-f]+\?$`)
	pnetLine   = lazyre.New(`^\S+ \S+ \S+ \d{1,3}$`)
	seidLine   = lazyre.New(`^\S+ \[(enabled|disabled)\]$`)
	// An EID is up to 32 characters of A-Z, 0-9, "-" and "." (the kernel
	// checks UEIDs so), starting with a letter or digit.
	eidLine = lazyre.New(`^[A-Z0-9][A-Z0-9.\-]{0,31}$`)
)

// detectTable recognizes the header line of a table format.
func detectTable(l0 string, lines []string) (Format, bool) {
	t := strings.TrimSpace(l0)
	has := func(s ...string) bool {
		for _, x := range s {
			if !strings.Contains(l0, x) {
				return false
			}
		}
		return true
	}
	switch {
	case strings.HasPrefix(t, "Net-Dev") && has("IB-Dev", "IB-State"):
		return SMCRDevice, true
	case strings.HasPrefix(t, "FID") && has("PCHID", "InUse"):
		return SMCDDevice, true
	case strings.HasPrefix(t, "LG-ID") && has("Link-State"):
		return SMCRLinks, true
	case strings.HasPrefix(t, "LG-ID") && has("LG-Role"):
		return SMCRLinkGroup, true
	case strings.HasPrefix(t, "LG-ID") && has("VLAN"):
		return SMCDLinkGroup, true
	case t == "Kernel Capabilities":
		return SMCInfo, true
	case seidLine().MatchString(t):
		return SMCSEID, true
	}
	if len(lines) > 0 {
		all := true
		for _, l := range lines {
			if !pnetLine().MatchString(strings.TrimSpace(l)) {
				all = false
			}
		}
		if all {
			return SMCPNET, true
		}
		all = true
		for _, l := range lines {
			if !eidLine().MatchString(strings.TrimSpace(l)) {
				all = false
			}
		}
		if all {
			return SMCUEID, true
		}
	}
	return "", false
}

func isUint(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func isPCIID(s string) bool { return strings.Count(s, ":") >= 1 && strings.Contains(s, ".") }

// tableLines iterates over the data lines after the header.
func tableLines(f Format, r io.Reader, header bool, fn func(n int, line string, fs []string) error) error {
	l := newLines(f, r)
	seen := !header
	for {
		line, ok := l.next()
		if !ok {
			break
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !seen {
			seen = true
			continue
		}
		if err := fn(l.n, line, strings.Fields(line)); err != nil {
			return err
		}
	}
	if err := l.err(); err != nil {
		return err
	}
	if !seen {
		return perr(f, 1, "", "no header line")
	}
	return nil
}

func u32(s string, base int) (uint32, bool) {
	v, err := strconv.ParseUint(s, base, 32)
	return uint32(v), err == nil
}

func parseDevicesR(d *Data, r io.Reader, detail *bool) error {
	first := true
	return tableLines(SMCRDevice, r, false, func(n int, line string, f []string) error {
		if first {
			first = false
			*detail = strings.Contains(line, " FID ")
			return nil
		}
		k := -1
		for i := 2; i < len(f) && i <= 3; i++ {
			if (f[i] == "ACTIVE" || f[i] == "INACTIVE" || unknownHex().MatchString(f[i])) && isUint(f[i-1]) {
				k = i
				break
			}
		}
		if k < 0 || len(f) < k+4 {
			return perr(SMCRDevice, n, line, "expected Net-Dev IB-Dev IB-P IB-State Type Crit #Links PNET-ID")
		}
		var row DeviceRow
		if k == 3 {
			row.NetDev = f[0]
		}
		row.IBDev = f[k-2]
		p, _ := strconv.Atoi(f[k-1])
		row.IBPort, row.IBState, row.Type, row.Crit = p, f[k], f[k+1], f[k+2]
		rest := f[k+3:]
		if *detail {
			if len(rest) < 3 {
				return perr(SMCRDevice, n, line, "expected FID PCI-ID PCHID")
			}
			fid, ok := u32(rest[0], 16)
			if !ok {
				return perr(SMCRDevice, n, line, "FID %q is not hex", rest[0])
			}
			row.FID = fid
			rest = rest[1:]
			if isPCIID(rest[0]) {
				row.PCIID, rest = rest[0], rest[1:]
			}
			ch, ok := u32(rest[0], 16)
			if !ok {
				return perr(SMCRDevice, n, line, "PCHID %q is not hex", rest[0])
			}
			row.PCHID, rest = uint16(ch), rest[1:]
		}
		if len(rest) < 1 {
			return perr(SMCRDevice, n, line, "no #Links column")
		}
		lc, ok := u32(rest[0], 10)
		if !ok {
			return perr(SMCRDevice, n, line, "#Links %q is not a number", rest[0])
		}
		row.Links = lc
		if len(rest) > 1 {
			row.PNETID = rest[1]
		}
		d.DevicesR = append(d.DevicesR, row)
		return nil
	})
}

func parseDevicesD(d *Data, r io.Reader) error {
	return tableLines(SMCDDevice, r, true, func(n int, line string, f []string) error {
		if len(f) < 5 {
			return perr(SMCDDevice, n, line, "expected FID Type PCI-ID PCHID InUse #LGs PNET-ID")
		}
		var row DeviceRow
		fid, ok := u32(f[0], 16)
		if !ok {
			return perr(SMCDDevice, n, line, "FID %q is not hex", f[0])
		}
		row.FID, row.Type = fid, f[1]
		rest := f[2:]
		if isPCIID(rest[0]) {
			row.PCIID, rest = rest[0], rest[1:]
		}
		if len(rest) < 3 {
			return perr(SMCDDevice, n, line, "expected PCHID InUse #LGs")
		}
		ch, ok := u32(rest[0], 16)
		if !ok {
			return perr(SMCDDevice, n, line, "PCHID %q is not hex", rest[0])
		}
		row.PCHID, row.InUse = uint16(ch), rest[1]
		lg, ok := u32(rest[2], 10)
		if !ok {
			return perr(SMCDDevice, n, line, "#LGs %q is not a number", rest[2])
		}
		row.LGs = lg
		if len(rest) > 3 {
			row.PNETID = rest[3]
		}
		d.DevicesD = append(d.DevicesD, row)
		return nil
	})
}

func parseVLAN(s string) (uint8, bool) {
	v, err := strconv.ParseUint(s, 0, 8)
	return uint8(v), err == nil
}

func parseLinkGroups(d *Data, r io.Reader, smcd bool) error {
	f0 := SMCRLinkGroup
	if smcd {
		f0 = SMCDLinkGroup
	}
	return tableLines(f0, r, true, func(n int, line string, f []string) error {
		var row LinkGroupRow
		id, ok := u32(f[0], 16)
		if !ok {
			return perr(f0, n, line, "LG-ID %q is not hex", f[0])
		}
		row.ID = id
		rest := f[1:]
		if !smcd {
			if len(rest) < 2 {
				return perr(f0, n, line, "expected LG-Role LG-Type")
			}
			row.Role, row.Type, rest = rest[0], rest[1], rest[2:]
		}
		if len(rest) < 2 {
			return perr(f0, n, line, "expected VLAN #Conns")
		}
		v, ok := parseVLAN(rest[0])
		if !ok {
			return perr(f0, n, line, "VLAN %q is not a number", rest[0])
		}
		c, ok := u32(rest[1], 10)
		if !ok {
			return perr(f0, n, line, "#Conns %q is not a number", rest[1])
		}
		row.VLAN, row.Conns = v, c
		if len(rest) > 2 {
			row.PNETID = rest[2]
		}
		if smcd {
			d.LinkGroupsD = append(d.LinkGroupsD, row)
		} else {
			d.LinkGroupsR = append(d.LinkGroupsR, row)
		}
		return nil
	})
}

func parseLinks(d *Data, r io.Reader) error {
	level := 0
	first := true
	return tableLines(SMCRLinks, r, false, func(n int, line string, f []string) error {
		if first {
			first = false
			if strings.Contains(line, "Link-UID") {
				level = 1
			}
			if strings.Contains(line, "Local-GID") {
				level = 2
			}
			return nil
		}
		if len(f) < 5 {
			return perr(SMCRLinks, n, line, "expected LG-ID LG-Role LG-Type Net-Dev Link-State #Conns")
		}
		var row LinkRow
		id, ok := u32(f[0], 16)
		if !ok {
			return perr(SMCRLinks, n, line, "LG-ID %q is not hex", f[0])
		}
		row.LGID, row.Role, row.LGType = id, f[1], f[2]
		rest := f[3:]
		if !strings.HasPrefix(rest[0], "LINK_") && !unknownHex().MatchString(rest[0]) {
			row.NetDev, rest = rest[0], rest[1:]
		}
		if len(rest) < 2 {
			return perr(SMCRLinks, n, line, "expected Link-State #Conns")
		}
		c, ok := u32(rest[1], 10)
		if !ok {
			return perr(SMCRLinks, n, line, "#Conns %q is not a number", rest[1])
		}
		row.State, row.Conns, rest = rest[0], c, rest[2:]
		if level >= 1 {
			if len(rest) < 3 {
				return perr(SMCRLinks, n, line, "expected Link-UID Peer-UID IB-Dev IB-P")
			}
			row.LinkUID, row.PeerUID, rest = rest[0], rest[1], rest[2:]
			want := 2 // IB-Dev IB-P
			if level >= 2 {
				want = 4 // ... Local-GID Peer-GID
			}
			if len(rest) >= want {
				row.IBDev, rest = rest[0], rest[1:]
			}
			if len(rest) < 1 {
				return perr(SMCRLinks, n, line, "no IB-P column")
			}
			p, err := strconv.ParseUint(rest[0], 10, 8)
			if err != nil {
				return perr(SMCRLinks, n, line, "IB-P %q is not a number", rest[0])
			}
			row.IBPort, rest = uint8(p), rest[1:]
			if level >= 2 && len(rest) >= 2 {
				row.GID, row.PeerGID = rest[0], rest[1]
			}
		}
		d.Links = append(d.Links, row)
		return nil
	})
}

func parseInfo(d *Data, r io.Reader) error {
	t := &InfoTable{}
	fields := map[string]*string{"SMC Version": &t.Version, "SMC Hostname": &t.Hostname, "SMC-D Features": &t.SMCDFeatures,
		"SMC-R Features": &t.SMCRFeatures, "SEID": &t.SEID, "ISM": &t.ISM, "RoCE": &t.RoCE}
	err := tableLines(SMCInfo, r, false, func(n int, line string, f []string) error {
		tl := strings.TrimSpace(line)
		if tl == "Kernel Capabilities" || tl == "Hardware Capabilities" {
			return nil
		}
		k, v, ok := strings.Cut(line, ":")
		dst, known := fields[strings.TrimSpace(k)]
		if !ok || !known {
			return perr(SMCInfo, n, line, "expected \"<label>: <value>\"")
		}
		v = strings.TrimLeft(v, " ")
		if strings.TrimSpace(v) == "v1" {
			v = strings.TrimSpace(v) + strings.TrimPrefix(v, strings.TrimSpace(v)) // keep "v1 " as printed
		}
		*dst = v
		return nil
	})
	if err != nil {
		return err
	}
	d.Info = t
	return nil
}

func parsePNET(d *Data, r io.Reader) error {
	return tableLines(SMCPNET, r, false, func(n int, line string, f []string) error {
		if len(f) != 4 {
			return perr(SMCPNET, n, line, "expected \"PNETID eth-name ib-name ib-port\"")
		}
		p, err := strconv.ParseUint(f[3], 10, 8)
		if err != nil {
			return perr(SMCPNET, n, line, "port %q is not a number 0..255", f[3])
		}
		d.PNET = append(d.PNET, PNETRow{PNETID: f[0], EthDev: f[1], IBDev: f[2], IBPort: uint8(p)})
		return nil
	})
}

func parseSEID(d *Data, r io.Reader) error {
	return tableLines(SMCSEID, r, false, func(n int, line string, f []string) error {
		t := strings.TrimSpace(line)
		if t == "n/a" {
			return nil
		}
		m := seidLine().FindStringSubmatch(t)
		if m == nil {
			return perr(SMCSEID, n, line, "expected \"<SEID> [enabled]\" or \"<SEID> [disabled]\"")
		}
		d.SEID = &smcnl.SEIDInfo{SEID: f[0], Enabled: m[1] == "enabled"}
		return nil
	})
}

func parseUEID(d *Data, r io.Reader) error {
	return tableLines(SMCUEID, r, false, func(n int, line string, f []string) error {
		if len(f) != 1 {
			return perr(SMCUEID, n, line, "expected one EID per line")
		}
		d.UEIDs = append(d.UEIDs, f[0])
		return nil
	})
}
