package toolfmt

import (
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/smcdump/smcdump/capture/kstat/smcnl"
	"github.com/smcdump/smcdump/internal/lazyre"
	"github.com/smcdump/smcdump/smcproto"
)

// ReasonCodes maps the fallback reason names smc-tools prints to kernel
// codes. It is derived from smcproto's code table (CodeInfo.ToolsName, the
// one source of these names); prefer smcproto.ToolsNameCode.
var ReasonCodes = func() map[string]uint32 {
	m := map[string]uint32{}
	for n, c := range smcproto.ToolsNames() {
		m[n] = uint32(c)
	}
	return m
}()

// SMCStatsText is what `smcr stats` / `smcd stats` printed (13.2). Counter
// maps use the keys named in the field comments; keys absent from the text
// are absent from the maps.
type SMCStatsText struct {
	Tech   string `json:"tech"` // "SMC-R" or "SMC-D"
	Detail bool   `json:"detail"`
	// Summary keys: total, smc, smc_client, smc_server, v1, v2, hs_errors,
	// hs_errors_client, hs_errors_server, fallback, fallback_client,
	// fallback_server.
	Summary map[string]uint64 `json:"summary"`
	// RX and TX keys: bytes, requests, usage, full, full_remote, too_small,
	// too_small_remote, downgrades, reuses.
	RX map[string]uint64 `json:"rx"`
	TX map[string]uint64 `json:"tx"`
	// Histogram rows: 8KB..512KB and >512KB (the kernel's 1024K and >1024K
	// buckets summed). Cells printed abbreviated (1.500K) are approximate.
	RXBufs, RXReqs, TXBufs, TXReqs []uint64            `json:"-"`
	Histograms                     map[string][]uint64 `json:"histograms,omitempty"`
	// Extras keys: special, cork, nodelay, sendpage, splice, urgent.
	Extras map[string]uint64 `json:"extras,omitempty"`
	// Top fallback reasons per side (at most 3 each, -d only).
	FallbackServer []smcnl.ReasonCount `json:"fallback_server,omitempty"`
	FallbackClient []smcnl.ReasonCount `json:"fallback_client,omitempty"`
	// AvgRequests is "Avg requests per SMC conn" ((RX + TX requests) / SMC
	// connections), printed with one decimal.
	AvgRequests float64 `json:"avg_requests_per_conn"`
	Approximate bool    `json:"approximate,omitempty"`
}

var statsLine = lazyre.New(`^\s+(\S.*?)\s+(\d+(?:\.\d+)?)(?:\s+\((.*)\))?\s*$`)
var sideCounts = lazyre.New(`client (\d+), server (\d+)`)

var statLabels = map[string]string{
	"Total connections handled": "total", "SMC connections": "smc", "v1": "v1", "v2": "v2",
	"Handshake errors": "hs_errors", "TCP fallback": "fallback", "Avg requests per SMC conn": "",
	"Data transmitted (Bytes)": "bytes", "Total requests": "requests", "Buffer usage (Bytes)": "usage",
	"Buffer full": "full", "Buffer full (remote)": "full_remote", "Buffer too small": "too_small",
	"Buffer too small (remote)": "too_small_remote", "Buffer downgrades": "downgrades", "Buffer reuses": "reuses",
	"Special socket calls": "special", "cork": "cork", "nodelay": "nodelay", "sendpage": "sendpage",
	"splice": "splice", "urgent data": "urgent",
}

// parseAbbrev parses a 6-character smc-tools abbreviation (1.500K, 262.1K,
// 5.243M) or a plain number; exact reports whether no rounding happened.
func parseAbbrev(s string) (v uint64, exact bool, ok bool) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "K"):
		mult = 1e3
	case strings.HasSuffix(s, "M"):
		mult = 1e6
	case strings.HasSuffix(s, "G"):
		mult = 1e9
	case strings.HasSuffix(s, "T"):
		mult = 1e12
	case strings.HasSuffix(s, "P"):
		mult = 1e15
	}
	if mult == 1 {
		u, err := strconv.ParseUint(s, 10, 64)
		return u, true, err == nil
	}
	f, err := strconv.ParseFloat(s[:len(s)-1], 64)
	if err != nil || f < 0 || f > 1e6 {
		return 0, false, false
	}
	return uint64(f*mult + 0.5), false, true
}

func parseSMCStats(f Format, r io.Reader) (*SMCStatsText, error) {
	f0 := f // f is shadowed by the float parsed below
	l := newLines(f, r)
	st := &SMCStatsText{Summary: map[string]uint64{}, RX: map[string]uint64{}, TX: map[string]uint64{}, Extras: map[string]uint64{}}
	sec := ""
	fbSide := ""
	for {
		line, ok := l.next()
		if !ok {
			break
		}
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			continue
		case strings.HasSuffix(t, "Connections Summary"):
			st.Tech = strings.TrimSuffix(t, " Connections Summary")
			sec = "summary"
			continue
		case t == "RX Stats":
			sec, fbSide = "rx", ""
			continue
		case t == "TX Stats":
			sec, fbSide = "tx", ""
			continue
		case t == "Extras":
			sec, fbSide = "extras", ""
			continue
		case sec == "summary" && (t == "Server" || t == "Client"):
			fbSide = t
			st.Detail = true
			continue
		case strings.HasPrefix(t, "8KB"):
			continue
		}
		if sec == "" {
			return nil, perr(f, l.n, line, "expected \"SMC-R Connections Summary\" or \"SMC-D Connections Summary\"")
		}
		fs := strings.Fields(t)
		if (sec == "rx" || sec == "tx") && len(fs) == 9 && (fs[0] == "Bufs" || fs[0] == "Reqs") {
			row := make([]uint64, 8)
			for i, c := range fs[1:] {
				v, exact, ok := parseAbbrev(c)
				if !ok {
					return nil, perr(f, l.n, line, "histogram cell %d: %q is not a number", i+1, c)
				}
				st.Approximate = st.Approximate || !exact
				row[i] = v
			}
			if st.Histograms == nil {
				st.Histograms = map[string][]uint64{}
			}
			st.Histograms[sec+"_"+strings.ToLower(fs[0])] = row
			continue
		}
		if fbSide != "" && len(fs) == 2 {
			if code, known := smcproto.ToolsNameCode(fs[0]); known || fs[0] == "[unknown]" {
				n, err := strconv.ParseUint(fs[1], 10, 64)
				if err != nil {
					return nil, perr(f, l.n, line, "%q is not a number", fs[1])
				}
				rc := smcnl.ReasonCount{Code: uint32(code), Count: n}
				if fbSide == "Server" {
					st.FallbackServer = append(st.FallbackServer, rc)
				} else {
					st.FallbackClient = append(st.FallbackClient, rc)
				}
				continue
			}
		}
		m := statsLine().FindStringSubmatch(line)
		if m == nil {
			return nil, perr(f, l.n, line, "expected \"<label> <number>\"")
		}
		key, known := statLabels[m[1]]
		if !known {
			key = strings.ToLower(strings.ReplaceAll(m[1], " ", "_"))
		}
		if m[1] == "Avg requests per SMC conn" {
			f, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				return nil, perr(f0, l.n, line, "%q is not a number", m[2])
			}
			st.AvgRequests = f
			continue
		}
		if key == "" || strings.Contains(m[2], ".") {
			return nil, perr(f0, l.n, line, "%q is not a counter", m[2])
		}
		v, err := strconv.ParseUint(m[2], 10, 64)
		if err != nil {
			return nil, perr(f, l.n, line, "%q is not a number", m[2])
		}
		dst := st.Summary
		switch sec {
		case "rx":
			dst = st.RX
		case "tx":
			dst = st.TX
		case "extras":
			dst = st.Extras
		}
		dst[key] = v
		if sc := sideCounts().FindStringSubmatch(m[3]); sc != nil {
			c, _ := strconv.ParseUint(sc[1], 10, 64)
			s, _ := strconv.ParseUint(sc[2], 10, 64)
			dst[key+"_client"], dst[key+"_server"] = c, s
			st.Detail = true
		}
	}
	if err := l.err(); err != nil {
		return nil, err
	}
	if st.Tech == "" {
		return nil, perr(f, 1, "", "no \"Connections Summary\" line")
	}
	return st, nil
}

// MergeInto fills the SMC netlink view in from the text: statistics of the
// technology, handshake errors and fallbacks. Values the text does not show
// stay unset; fallback reason tables hold only the top entries smc-tools
// printed.
func (st *SMCStatsText) MergeInto(in *smcnl.Info) {
	if in.Stats == nil {
		in.Stats = &smcnl.Stats{}
	}
	t := &smcnl.TechStats{
		RxBytes: st.RX["bytes"], TxBytes: st.TX["bytes"], RxCount: st.RX["requests"], TxCount: st.TX["requests"],
		RxRMB: smcnl.RMBStats{Full: st.RX["full"], Downgrade: st.RX["downgrades"], Reuse: st.RX["reuses"]},
		TxRMB: smcnl.RMBStats{Full: st.TX["full"], FullPeer: st.TX["full_remote"], SizeSmall: st.TX["too_small"],
			SizeSmallPeer: st.TX["too_small_remote"], Downgrade: st.TX["downgrades"], Reuse: st.TX["reuses"]},
		Cork: st.Extras["cork"], Nodelay: st.Extras["nodelay"], Sendpage: st.Extras["sendpage"], Splice: st.Extras["splice"],
		Urgent: st.Extras["urgent"],
	}
	copyHist := func(dst *smcnl.Histogram, row []uint64) {
		copy(dst[:], row) // the >512KB column lands in the 1024K bucket
	}
	copyHist(&t.RxRMBSize, st.Histograms["rx_bufs"])
	copyHist(&t.RxPayload, st.Histograms["rx_reqs"])
	copyHist(&t.TxRMBSize, st.Histograms["tx_bufs"])
	copyHist(&t.TxPayload, st.Histograms["tx_reqs"])
	if st.Tech == "SMC-D" {
		in.Stats.SMCD = t
	} else {
		in.Stats.SMCR = t
	}
	in.Stats.ClientHSErrors = st.Summary["hs_errors_client"]
	in.Stats.ServerHSErrors = st.Summary["hs_errors_server"]
	fb := &smcnl.FallbackStats{ServerTotal: st.Summary["fallback_server"], ClientTotal: st.Summary["fallback_client"]}
	if !st.Detail {
		fb.ClientTotal = st.Summary["fallback"] // sides unknown without -d
	}
	fb.Server = append(fb.Server, st.FallbackServer...)
	fb.Client = append(fb.Client, st.FallbackClient...)
	sort.Slice(fb.Server, func(i, j int) bool { return fb.Server[i].Code < fb.Server[j].Code })
	sort.Slice(fb.Client, func(i, j int) bool { return fb.Client[i].Code < fb.Client[j].Code })
	in.Fallback = fb
}

// --- smcss ---

var stateCodes = map[string]uint8{
	"ACTIVE": 1, "INIT": 2, "CLOSED": 7, "LISTEN": 10, "PEERCLOSEWAIT1": 20, "PEERCLOSEWAIT2": 21,
	"APPCLOSEWAIT1": 22, "APPCLOSEWAIT2": 23, "APPFINCLOSEWAIT1": 24, "PEERFINCLOSEWAIT": 25,
	"PEERABORTWAIT": 26, "PROCESSABORT": 27,
}

// parseAddr parses smcss's ip:port (IPv6 without brackets). Addresses cut
// with ".." (no -W) cannot be parsed and yield the zero value.
func parseAddr(s string) netip.AddrPort {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.Contains(s, "..") {
		return netip.AddrPort{}
	}
	a, err := netip.ParseAddr(s[:i])
	p, err2 := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil || err2 != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, uint16(p))
}

func parseSMCSS(d *Data, r io.Reader) error {
	l := newLines(SMCSS, r)
	var withR, withD, withDebug bool
	header := false
	for {
		line, ok := l.next()
		if !ok {
			break
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		if !header {
			if f[0] != "State" {
				return perr(SMCSS, l.n, line, "expected the smcss header line")
			}
			header = true
			withR = strings.Contains(line, "IB-device")
			withD = strings.Contains(line, "Peer-Token")
			withDebug = strings.Contains(line, "Shutd")
			continue
		}
		var s smcnl.Socket
		s.Family = smcnl.AFSMC
		st, ok := stateCodes[f[0]]
		if !ok {
			h := strings.TrimSuffix(strings.TrimPrefix(f[0], "0x"), "?")
			v, err := strconv.ParseUint(h, 16, 8)
			if err != nil || !strings.HasSuffix(f[0], "?") {
				return perr(SMCSS, l.n, line, "unknown state %q", f[0])
			}
			st = uint8(v)
		}
		s.State = st
		if len(f) < 3 {
			return perr(SMCSS, l.n, line, "want at least State UID Inode")
		}
		uid, err := strconv.ParseUint(f[1], 10, 32)
		if err != nil {
			return perr(SMCSS, l.n, line, "UID %q is not a number", f[1])
		}
		s.UID = uint32(uid)
		if s.Inode, err = strconv.ParseUint(f[2], 10, 64); err != nil {
			return perr(SMCSS, l.n, line, "Inode %q is not a number", f[2])
		}
		if len(f) > 3 {
			s.Local = parseAddr(f[3])
		}
		if len(f) > 4 {
			s.Peer = parseAddr(f[4])
		}
		if len(f) > 5 {
			v, err := strconv.ParseUint(f[5], 16, 32)
			if err != nil {
				return perr(SMCSS, l.n, line, "Intf %q is not hex", f[5])
			}
			s.IfIndex = uint32(v)
		}
		rest := []string{}
		if len(f) > 6 {
			switch f[6] {
			case "SMCR":
				s.Mode = 0
				rest = f[7:]
			case "SMCD":
				s.Mode = 2
				rest = f[7:]
			case "TCP":
				s.Mode = 1
				if len(f) < 8 {
					break // smc-tools before 1.3 print no fallback code
				}
				a, b, two := strings.Cut(f[7], "/")
				rc, err := strconv.ParseUint(strings.TrimPrefix(a, "0x"), 16, 32)
				if err != nil {
					return perr(SMCSS, l.n, line, "fallback code %q is not hex", a)
				}
				r32, p32 := uint32(rc), uint32(0)
				if two {
					pc, err := strconv.ParseUint(strings.TrimPrefix(b, "0x"), 16, 32)
					if err != nil {
						return perr(SMCSS, l.n, line, "peer code %q is not hex", b)
					}
					p32 = uint32(pc)
				}
				s.FallbackReason, s.PeerDiagnosis = &r32, &p32
				rest = f[8:]
			default:
				return perr(SMCSS, l.n, line, "unknown mode %q", f[6])
			}
		}
		if withDebug && s.Mode != 1 {
			n, err := parseConnColumns(&s, rest)
			if err != nil {
				return perr(SMCSS, l.n, line, "%v", err)
			}
			rest = rest[n:]
		}
		if withR && len(rest) >= 6 && (rest[0] == "CLNT" || rest[0] == "SERV") {
			port, _ := strconv.ParseUint(rest[2], 16, 8)
			id, _ := strconv.ParseUint(rest[3], 16, 8)
			li := &smcnl.LinkInfo{IBName: rest[1], IBPort: uint8(port), LinkID: uint8(id), GID: rest[4], PeerGID: rest[5]}
			if rest[0] == "SERV" {
				li.Role = 1
			}
			s.Link = li
		}
		if withD && len(rest) >= 5 {
			gid, _ := strconv.ParseUint(rest[0], 16, 64)
			tok, _ := strconv.ParseUint(rest[1], 16, 64)
			pgid, _ := strconv.ParseUint(rest[2], 16, 64)
			ptok, _ := strconv.ParseUint(rest[3], 16, 64)
			lid, _ := strconv.ParseUint(rest[4], 16, 32)
			s.DMB = &smcnl.DMBInfo{MyGID: gid, Token: tok, PeerGID: pgid, PeerToken: ptok, LinkID: uint32(lid)}
		}
		d.SMCSockets = append(d.SMCSockets, s)
	}
	if err := l.err(); err != nil {
		return err
	}
	if !header {
		return perr(SMCSS, 1, "", "no header line")
	}
	return l.err()
}
