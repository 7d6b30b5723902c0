package toolfmt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/smcdump/smcdump/capture/kstat/procnet"
	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/internal/lazyre"
)

// Format names a text format.
type Format string

// Formats Detect recognizes. Raw /proc copies are "proc:" + the file name
// relative to /proc.
const (
	SMCRStats Format = "smcr stats"
	SMCDStats Format = "smcd stats"
	SMCSS     Format = "smcss"
	NetstatS  Format = "netstat -s"
	Nstat     Format = "nstat"
	NstatJSON Format = "nstat -j"
	SSMem     Format = "ss -u -a -m"
	EthtoolS  Format = "ethtool -S"
)

// SSSocket is one socket of `ss -u -a -m` (docs/multicast-udp.md 4.6).
type SSSocket struct {
	State  string            `json:"state"`
	RecvQ  uint64            `json:"recv_q"`
	SendQ  uint64            `json:"send_q"`
	Local  string            `json:"local"`
	Peer   string            `json:"peer"`
	Skmem  map[string]uint64 `json:"skmem,omitempty"` // r, rb, t, tb, f, w, o, bl, d
	Extras string            `json:"extras,omitempty"`
}

// Data is what a tool's text held. Proc and SMCSockets are folded into a
// snapshot's /proc and SMC members and are not marshalled here.
type Data struct {
	Formats    []Format       `json:"formats,omitempty"`
	Proc       *procnet.Tree  `json:"-"`
	SMCSockets []smcnl.Socket `json:"-"`
	SMCStats   *SMCStatsText  `json:"smc_stats,omitempty"`
	// smc-tools tables read from saved text.
	DevicesR    []DeviceRow     `json:"smcr_devices,omitempty"`
	DevicesD    []DeviceRow     `json:"smcd_devices,omitempty"`
	LinkGroupsR []LinkGroupRow  `json:"smcr_linkgroups,omitempty"`
	LinkGroupsD []LinkGroupRow  `json:"smcd_linkgroups,omitempty"`
	Links       []LinkRow       `json:"smcr_links,omitempty"`
	Info        *InfoTable      `json:"smc_info,omitempty"`
	PNET        []PNETRow       `json:"pnet,omitempty"`
	UEIDs       []string        `json:"ueids,omitempty"`
	SEID        *smcnl.SEIDInfo `json:"seid,omitempty"`
	// DeviceDetail is set when `smcr -d device` columns were read.
	DeviceDetail bool              `json:"device_detail,omitempty"`
	SS           []SSSocket        `json:"ss,omitempty"`
	Ethtool      map[string]uint64 `json:"ethtool,omitempty"`
	// ZeroesOmitted is set when the tool leaves out zero counters (nstat
	// without -z, netstat -s for raw-name fields): absent then means 0.
	ZeroesOmitted bool `json:"zeroes_omitted,omitempty"`
	// Notes explain what the text could not say (e.g. nstat deltas).
	Notes []string `json:"notes,omitempty"`
}

// HasSMC reports whether d holds any smc-tools table.
func (d *Data) HasSMC() bool {
	return d.SMCStats != nil || len(d.SMCSockets) > 0 || len(d.DevicesR)+len(d.DevicesD)+len(d.LinkGroupsR)+len(d.LinkGroupsD)+len(d.Links)+len(d.PNET)+len(d.UEIDs) > 0 ||
		d.Info != nil || d.SEID != nil
}

// Merge copies the tool-only members of o into d.
func (d *Data) Merge(o *Data) {
	d.Formats = append(d.Formats, o.Formats...)
	if o.SMCStats != nil {
		d.SMCStats = o.SMCStats
	}
	d.SS = append(d.SS, o.SS...)
	d.DevicesR = append(d.DevicesR, o.DevicesR...)
	d.DevicesD = append(d.DevicesD, o.DevicesD...)
	d.LinkGroupsR = append(d.LinkGroupsR, o.LinkGroupsR...)
	d.LinkGroupsD = append(d.LinkGroupsD, o.LinkGroupsD...)
	d.Links = append(d.Links, o.Links...)
	d.PNET = append(d.PNET, o.PNET...)
	d.UEIDs = append(d.UEIDs, o.UEIDs...)
	d.DeviceDetail = d.DeviceDetail || o.DeviceDetail
	if o.Info != nil {
		d.Info = o.Info
	}
	if o.SEID != nil {
		d.SEID = o.SEID
	}
	if o.Ethtool != nil {
		if d.Ethtool == nil {
			d.Ethtool = map[string]uint64{}
		}
		for k, v := range o.Ethtool {
			d.Ethtool[k] = v
		}
	}
	d.ZeroesOmitted = d.ZeroesOmitted || o.ZeroesOmitted
	d.Notes = append(d.Notes, o.Notes...)
}

func perr(f Format, line int, text, format string, a ...any) error {
	if len(text) > 80 {
		text = text[:80] + "..."
	}
	return &procnet.ParseError{File: string(f), Line: line, Text: text, Msg: fmt.Sprintf(format, a...)}
}

var hexLine = lazyre.New(`^([0-9a-f]{8} )+[0-9a-f]{8}$`)

// Detect names the format of text b from its first lines.
func Detect(b []byte) (Format, error) {
	lines := firstLines(b, 3)
	if len(lines) == 0 {
		return "", perr("input", 1, "", "empty input")
	}
	l0 := lines[0]
	l1 := ""
	if len(lines) > 1 {
		l1 = lines[1]
	}
	t0 := strings.TrimSpace(l0)
	switch {
	case strings.HasPrefix(t0, "{") && strings.Contains(string(b), `"kernel"`):
		return NstatJSON, nil
	case t0 == "#kernel":
		return Nstat, nil
	case strings.HasPrefix(t0, "NIC statistics:"):
		return EthtoolS, nil
	case strings.HasPrefix(t0, "State") && strings.Contains(l0, "Recv-Q"):
		return SSMem, nil
	case strings.HasPrefix(t0, "State") && strings.Contains(l0, "Inode"):
		return SMCSS, nil
	case strings.Contains(t0, "SMC-R Connections Summary"):
		return SMCRStats, nil
	case strings.Contains(t0, "SMC-D Connections Summary"):
		return SMCDStats, nil
	case strings.HasPrefix(t0, "State") && (strings.Contains(l0, "Local Address") || strings.Contains(l0, "Intf")):
		return SMCSS, nil
	case strings.HasPrefix(t0, "Inter-|"):
		return "proc:net/dev", nil
	case strings.HasPrefix(t0, "sl ") && strings.Contains(l0, "local_address"):
		name := "tcp"
		if strings.Contains(l0, "drops") {
			name = "udp"
		}
		if f := strings.Fields(l1); len(f) > 1 && len(f[1]) > 20 {
			name += "6"
		}
		return Format("proc:net/" + name), nil
	case hexLine().MatchString(t0):
		return "proc:net/softnet_stat", nil
	case strings.HasSuffix(t0, ":") && !strings.Contains(t0, " "):
		return NetstatS, nil
	case strings.HasPrefix(t0, "Ip6") || strings.HasPrefix(t0, "Icmp6") || strings.HasPrefix(t0, "Udp6"):
		return "proc:net/snmp6", nil
	case strings.HasPrefix(t0, "TcpExt:") || strings.HasPrefix(t0, "IpExt:") || strings.HasPrefix(t0, "MPTcpExt:"):
		return "proc:net/netstat", nil
	case strings.HasPrefix(t0, "Ip:") || strings.HasPrefix(t0, "Udp:") || strings.HasPrefix(t0, "Tcp:") || strings.HasPrefix(t0, "Icmp:"):
		return "proc:net/snmp", nil
	}
	if f, ok := detectTable(l0, lines); ok {
		return f, nil
	}
	return "", perr("input", 1, l0, "unrecognized format (not a smcdump snapshot, smc-tools (smcss, smcr/smcd stats, device, linkgroup, info, seid), smc_pnet -s, netstat -s, nstat, ss -u -a -m, ethtool -S or /proc/net text)")
}

// detectLine bounds how much of each line format detection looks at.
const detectLine = 64 << 10

// firstLines returns the first n non-blank lines of b, each cut to
// detectLine bytes. It splits b in place, so a line of any length is seen
// (a long first line is not mistaken for empty input).
func firstLines(b []byte, n int) []string {
	var out []string
	for len(b) > 0 && len(out) < n {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) > detectLine {
			line = line[:detectLine]
		}
		if len(bytes.TrimSpace(line)) > 0 {
			out = append(out, string(line))
		}
	}
	return out
}

// Parse parses text in format f. Raw /proc copies are parsed as produced by a
// little-endian host (x86, arm64), which matters only for socket addresses.
func Parse(f Format, r io.Reader) (*Data, error) {
	d := &Data{Formats: []Format{f}}
	var err error
	switch {
	case strings.HasPrefix(string(f), "proc:"):
		b, rerr := io.ReadAll(r)
		if rerr != nil {
			return nil, rerr
		}
		d.Proc = &procnet.Tree{}
		err = d.Proc.Parse(strings.TrimPrefix(string(f), "proc:"), b, binary.LittleEndian)
	case f == NetstatS:
		err = parseNetstatS(d, r)
	case f == Nstat:
		err = parseNstat(d, r)
	case f == NstatJSON:
		err = parseNstatJSON(d, r)
	case f == SSMem:
		err = parseSS(d, r)
	case f == EthtoolS:
		err = parseEthtool(d, r)
	case f == SMCSS:
		err = parseSMCSS(d, r)
	case f == SMCRStats || f == SMCDStats:
		d.SMCStats, err = parseSMCStats(f, r)
	case f == SMCRDevice:
		err = parseDevicesR(d, r, &d.DeviceDetail)
	case f == SMCDDevice:
		err = parseDevicesD(d, r)
	case f == SMCRLinkGroup:
		err = parseLinkGroups(d, r, false)
	case f == SMCDLinkGroup:
		err = parseLinkGroups(d, r, true)
	case f == SMCRLinks:
		err = parseLinks(d, r)
	case f == SMCInfo || f == "smcd info":
		err = parseInfo(d, r)
	case f == SMCPNET:
		err = parsePNET(d, r)
	case f == SMCSEID:
		err = parseSEID(d, r)
	case f == SMCUEID:
		err = parseUEID(d, r)
	default:
		return nil, fmt.Errorf("toolfmt: unknown format %q", f)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

type lineScanner struct {
	sc *bufio.Scanner
	f  Format
	n  int
}

func newLines(f Format, r io.Reader) *lineScanner {
	return &lineScanner{sc: procnet.NewScanner(r), f: f}
}

func (l *lineScanner) next() (string, bool) {
	if !l.sc.Scan() {
		return "", false
	}
	l.n++
	return l.sc.Text(), true
}

// err is the scanner's error, naming the format and the line (a line longer
// than procnet.MaxLine says so instead of ending the input early).
func (l *lineScanner) err() error {
	if err := l.sc.Err(); err != nil {
		return procnet.ScanError(string(l.f), l.n+1, err)
	}
	return nil
}

// --- nstat ---

// nstatSections are the /proc section names nstat puts in front of the
// field name, longest first so that "IpExt" wins over "Ip".
var nstatSections = []struct {
	prefix string
	file   string // "snmp", "netstat"
}{
	{"MPTcpExt", "netstat"}, {"TcpExt", "netstat"}, {"IpExt", "netstat"},
	{"IcmpMsg", "snmp"}, {"UdpLite", "snmp"}, {"Icmp", "snmp"}, {"Udp", "snmp"}, {"Tcp", "snmp"}, {"Ip", "snmp"},
}

func isSNMP6Name(n string) bool {
	for _, p := range []string{"Ip6", "Icmp6", "Udp6", "UdpLite6"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

func (d *Data) setCounter(name string, v uint64) bool {
	if d.Proc == nil {
		d.Proc = &procnet.Tree{}
	}
	put := func(c *procnet.Counters, sec, field string) {
		if *c == nil {
			*c = procnet.Counters{}
		}
		if (*c)[sec] == nil {
			(*c)[sec] = map[string]uint64{}
		}
		(*c)[sec][field] = v
	}
	if isSNMP6Name(name) {
		put(&d.Proc.SNMP6, "", name)
		return true
	}
	for _, s := range nstatSections {
		if strings.HasPrefix(name, s.prefix) && len(name) > len(s.prefix) {
			if s.file == "snmp" {
				put(&d.Proc.SNMP, s.prefix, name[len(s.prefix):])
			} else {
				put(&d.Proc.Netstat, s.prefix, name[len(s.prefix):])
			}
			return true
		}
	}
	return false
}

const nstatNote = "nstat prints deltas since its previous run unless -a was given; the text does not say which"

func parseNstat(d *Data, r io.Reader) error {
	l := newLines(Nstat, r)
	d.ZeroesOmitted = true
	d.Notes = append(d.Notes, nstatNote)
	for {
		line, ok := l.next()
		if !ok {
			break
		}
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := strings.Fields(t)
		if len(f) < 2 || len(f) > 3 {
			return perr(Nstat, l.n, line, "expected \"Name value rate\"")
		}
		v, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return perr(Nstat, l.n, line, "%q is not a number", f[1])
		}
		d.setCounter(f[0], v) // unknown prefixes are skipped
	}
	return l.err()
}

func parseNstatJSON(d *Data, r io.Reader) error {
	var m map[string]map[string]uint64
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return perr(NstatJSON, 1, "", "JSON: %v", err)
	}
	d.ZeroesOmitted = true
	d.Notes = append(d.Notes, nstatNote)
	names := make([]string, 0, len(m["kernel"]))
	for k := range m["kernel"] {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		d.setCounter(k, m["kernel"][k])
	}
	return nil
}

// --- netstat -s ---

// netstatText maps net-tools' texts to /proc field names
// (docs/multicast-udp.md 4.3; net-tools statistics.c).
var netstatText = map[string]map[string]string{
	"Ip": {
		"total packets received": "InReceives", "forwarded": "ForwDatagrams", "incoming packets discarded": "InDiscards",
		"incoming packets delivered": "InDelivers", "requests sent out": "OutRequests", "with invalid headers": "InHdrErrors",
		"with invalid addresses": "InAddrErrors", "with unknown protocol": "InUnknownProtos", "outgoing packets dropped": "OutDiscards",
		"dropped because of missing route": "OutNoRoutes", "fragments dropped after timeout": "ReasmTimeout",
		"reassemblies required": "ReasmReqds", "packets reassembled ok": "ReasmOKs", "packet reassembles failed": "ReasmFails",
		"fragments received ok": "FragOKs", "fragments failed": "FragFails", "fragments created": "FragCreates",
	},
	"Icmp": {
		"ICMP messages received": "InMsgs", "input ICMP message failed": "InErrors", "ICMP messages sent": "OutMsgs",
		"ICMP messages failed": "OutErrors",
	},
	"Tcp": {
		"active connection openings": "ActiveOpens", "passive connection openings": "PassiveOpens",
		"failed connection attempts": "AttemptFails", "connection resets received": "EstabResets",
		"connections established": "CurrEstab", "segments received": "InSegs", "segments sent out": "OutSegs",
		"segments retransmitted": "RetransSegs", "segments retransmited": "RetransSegs", "bad segments received": "InErrs",
		"resets sent": "OutRsts",
	},
	"Udp": {
		"packets received": "InDatagrams", "packets to unknown port received": "NoPorts", "packet receive errors": "InErrors",
		"packets sent": "OutDatagrams", "receive buffer errors": "RcvbufErrors", "send buffer errors": "SndbufErrors",
	},
}

var netstatNumText = lazyre.New(`^(\d+) (.+?)\.?$`)
var netstatNameNum = lazyre.New(`^([A-Za-z][A-Za-z0-9_]*): (\d+)$`)

func parseNetstatS(d *Data, r io.Reader) error {
	l := newLines(NetstatS, r)
	d.ZeroesOmitted = true
	d.Proc = &procnet.Tree{}
	sec := ""
	for {
		line, ok := l.next()
		if !ok {
			break
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			if !strings.HasSuffix(line, ":") || strings.Contains(line, " ") {
				return perr(NetstatS, l.n, line, "expected a section line \"Name:\" at column 0")
			}
			sec = strings.TrimSuffix(line, ":")
			continue
		}
		if sec == "" {
			return perr(NetstatS, l.n, line, "entry before the first section")
		}
		t := strings.TrimSpace(line)
		if m := netstatNameNum().FindStringSubmatch(t); m != nil {
			v, err := strconv.ParseUint(m[2], 10, 64)
			if err != nil {
				return perr(NetstatS, l.n, line, "%q is not a number", m[2])
			}
			base := sec
			if base == "UdpLite" {
				base = "UdpLite"
			}
			d.setCounter(base+m[1], v)
			continue
		}
		if m := netstatNumText().FindStringSubmatch(t); m != nil {
			v, err := strconv.ParseUint(m[1], 10, 64)
			if err != nil {
				return perr(NetstatS, l.n, line, "%q is not a number", m[1])
			}
			tsec := sec
			if tsec == "UdpLite" {
				tsec = "Udp"
			}
			if field, ok := netstatText[tsec][m[2]]; ok {
				d.setCounter(sec+field, v)
			}
			// Other texts (TcpExt prose) have no stable mapping: skipped.
			continue
		}
		// Indented sub-headings such as "ICMP input histogram:" carry no value.
		if strings.HasSuffix(t, ":") {
			continue
		}
		// Histogram rows "destination unreachable: 1" already matched above
		// when the name is one word; other prose lines are skipped too.
		if strings.Contains(t, ": ") {
			continue
		}
		return perr(NetstatS, l.n, line, "expected \"<number> <text>\" or \"Name: <number>\"")
	}
	return l.err()
}

// --- ss -u -a -m ---

func parseSS(d *Data, r io.Reader) error {
	l := newLines(SSMem, r)
	header := false
	for {
		line, ok := l.next()
		if !ok {
			break
		}
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if !header {
			if !strings.HasPrefix(t, "State") {
				return perr(SSMem, l.n, line, "expected the ss header line")
			}
			header = true
			continue
		}
		if strings.HasPrefix(t, "skmem:(") {
			if len(d.SS) == 0 {
				return perr(SSMem, l.n, line, "skmem line before any socket line")
			}
			m, err := parseSkmem(t)
			if err != nil {
				return perr(SSMem, l.n, line, "%v", err)
			}
			d.SS[len(d.SS)-1].Skmem = m
			continue
		}
		f := strings.Fields(t)
		if len(f) < 5 {
			return perr(SSMem, l.n, line, "%d columns, want State Recv-Q Send-Q Local Peer", len(f))
		}
		var s SSSocket
		s.State = f[0]
		var err error
		if s.RecvQ, err = strconv.ParseUint(f[1], 10, 64); err != nil {
			return perr(SSMem, l.n, line, "Recv-Q %q is not a number", f[1])
		}
		if s.SendQ, err = strconv.ParseUint(f[2], 10, 64); err != nil {
			return perr(SSMem, l.n, line, "Send-Q %q is not a number", f[2])
		}
		s.Local, s.Peer = f[3], f[4]
		if len(f) > 5 {
			s.Extras = strings.Join(f[5:], " ")
		}
		if i := strings.Index(t, "skmem:("); i >= 0 {
			m, err := parseSkmem(t[i:])
			if err != nil {
				return perr(SSMem, l.n, line, "%v", err)
			}
			s.Skmem = m
			s.Extras = ""
		}
		d.SS = append(d.SS, s)
	}
	if err := l.err(); err != nil {
		return err
	}
	if !header {
		return perr(SSMem, 1, "", "no header line")
	}
	return l.err()
}

var skmemItem = lazyre.New(`^([a-z_]+?)(\d+)$`)

func parseSkmem(t string) (map[string]uint64, error) {
	t = strings.TrimPrefix(t, "skmem:(")
	end := strings.IndexByte(t, ')')
	if end < 0 {
		return nil, fmt.Errorf("skmem without closing parenthesis")
	}
	m := map[string]uint64{}
	for _, it := range strings.Split(t[:end], ",") {
		p := skmemItem().FindStringSubmatch(it)
		if p == nil {
			return nil, fmt.Errorf("skmem item %q", it)
		}
		v, err := strconv.ParseUint(p[2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("skmem item %q", it)
		}
		m[p[1]] = v
	}
	return m, nil
}

// --- ethtool -S ---

func parseEthtool(d *Data, r io.Reader) error {
	l := newLines(EthtoolS, r)
	d.Ethtool = map[string]uint64{}
	for {
		line, ok := l.next()
		if !ok {
			break
		}
		t := strings.TrimSpace(line)
		if t == "" || strings.HasSuffix(t, "statistics:") {
			continue
		}
		name, val, ok := strings.Cut(t, ":")
		if !ok {
			return perr(EthtoolS, l.n, line, "expected \"name: value\"")
		}
		v, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
		if err != nil {
			return perr(EthtoolS, l.n, line, "%q is not a number", strings.TrimSpace(val))
		}
		d.Ethtool[strings.TrimSpace(name)] = v
	}
	return l.err()
}
