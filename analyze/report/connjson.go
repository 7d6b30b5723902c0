package report

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smcdump/smcdump/analyze/smcflow"
)

// The connection list is most of a large JSON report: AppendConnJSON
// encodes one connection by hand, byte for byte what
// json.MarshalIndent(c, prefix, "  ") writes (TestConnJSONSameAsEncodingJSON
// compares them on every trace and FuzzConnJSON on random connections),
// without reflection and the second (indenting) pass.

// jsonEnc appends indented JSON to b.
type jsonEnc struct {
	b      []byte
	prefix string
	depth  int
	first  bool // no field written yet in the current object/array
	err    error
	// blank: prefix is blanks only (as the report's are), so a line
	// start is a slice of nlBlanks.
	blank bool
	// date is "YYYY-MM-DDT" of the Unix day day (appendUTC), when dayOK.
	date  [11]byte
	day   int64
	dayOK bool
}

// nlBlanks is a newline and the indentation of any line that is blanks only
// up to its depth (newline writes a prefix of it in one append);
// commaNlBlanks the same after the comma that ends the previous field (key
// writes a slice of it from 0 or, for the first field, from 1).
const commaNlBlanks = "," + nlBlanks

const nlBlanks = "\n                                                                                                                                "

func newJSONEnc(b []byte, prefix string) jsonEnc {
	return jsonEnc{b: b, prefix: prefix, blank: strings.Trim(prefix, " ") == ""}
}

func (e *jsonEnc) newline() {
	if n := 1 + len(e.prefix) + 2*e.depth; e.blank && n <= len(nlBlanks) {
		e.b = append(e.b, nlBlanks[:n]...)
		return
	}
	e.b = append(e.b, '\n')
	e.b = append(e.b, e.prefix...)
	for i := 0; i < e.depth; i++ {
		e.b = append(e.b, "  "...)
	}
}

// key starts a field of the current object. It runs for every field of
// every connection of the JSON report: the comma, newline and indentation
// are one slice of commaNlBlanks, and the appends go to a local slice (one
// load and store of e.b, not one per append).
func (e *jsonEnc) key(k string) {
	if n := 1 + len(e.prefix) + 2*e.depth; e.blank && n <= len(nlBlanks) {
		from := 0
		if e.first {
			from = 1
		}
		e.first = false
		b := append(e.b, commaNlBlanks[from:n+1]...)
		b = append(b, '"')
		b = append(b, k...)
		e.b = append(b, '"', ':', ' ')
		return
	}
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.newline()
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, `": `...)
}

func (e *jsonEnc) open(c byte) {
	e.b = append(e.b, c)
	e.depth++
	e.first = true
}

// close ends an object or array; an empty one is written as {} or [].
func (e *jsonEnc) close(c byte) {
	e.depth--
	if !e.first {
		e.newline()
	}
	e.first = false
	e.b = append(e.b, c)
}

// elem starts an array element.
func (e *jsonEnc) elem() {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.newline()
}

// safeJSON reports which ASCII bytes encoding/json writes as they are
// (it escapes ", \, control characters and, for HTML, <, > and &).
var safeJSON = func() (t [utf8.RuneSelf]bool) {
	for i := 0x20; i < utf8.RuneSelf; i++ {
		t[i] = i != '"' && i != '\\' && i != '<' && i != '>' && i != '&'
	}
	return t
}()

// str writes s as encoding/json does (AppendJSONString).
func (e *jsonEnc) str(s string) { e.b = AppendJSONString(e.b, s) }

// AppendJSONString appends s as a JSON string, byte for byte as
// encoding/json writes it: ", \, control characters and (HTML safety) <, >
// and & escaped, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD, the
// rest as is.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safeJSON[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func (e *jsonEnc) int(n int64) { e.b = strconv.AppendInt(e.b, n, 10) }

func (e *jsonEnc) bool(v bool) { e.b = strconv.AppendBool(e.b, v) }

// float writes f as encoding/json does (ES6 number formatting).
func (e *jsonEnc) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		_, err := json.Marshal(f)
		if e.err == nil {
			e.err = err
		}
		return
	}
	abs := math.Abs(f)
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	start := len(e.b)
	e.b = strconv.AppendFloat(e.b, f, fmt, -1, 64)
	if fmt == 'e' {
		// clean up e-09 to e-9
		n := len(e.b) - start
		if n >= 4 && e.b[len(e.b)-4] == 'e' && e.b[len(e.b)-3] == '-' && e.b[len(e.b)-2] == '0' {
			e.b[len(e.b)-2] = e.b[len(e.b)-1]
			e.b = e.b[:len(e.b)-1]
		}
	}
}

func (e *jsonEnc) time(t time.Time) {
	if t.Location() == time.UTC {
		if sec := t.Unix(); sec >= unixYear0 && sec < unixYear10000 {
			e.b = append(e.b, '"')
			e.b = e.appendUTC(e.b, t, sec)
			e.b = append(e.b, '"')
			return
		}
	}
	// Other zones (report times are in UTC) and years beyond 0 to 9999
	// (an error) as encoding/json has them.
	b, err := json.Marshal(t)
	if err != nil && e.err == nil {
		e.err = err
	}
	e.b = append(e.b, b...)
}

// The Unix seconds of 0000-01-01 and 10000-01-01 (UTC): the times in UTC
// that RFC 3339 can write.
const (
	unixYear0     = -62167219200
	unixYear10000 = 253402300800
)

// appendUTC appends t, in UTC and sec its Unix seconds (years 0 to 9999),
// as t.AppendFormat(b, time.RFC3339Nano) does: the date as t.Date gives it,
// computed once for the connection's times of one day (e.day); the time
// of day from sec; the fraction of a second without its trailing zeros
// (none when zero); "Z". (AppendFormat took 500 instructions a time, 15
// times per connection.)
func (e *jsonEnc) appendUTC(b []byte, t time.Time, sec int64) []byte {
	day, tod := sec/86400, sec%86400
	if tod < 0 {
		day, tod = day-1, tod+86400
	}
	if !e.dayOK || day != e.day {
		y, mo, d := t.Date()
		e.date = [11]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
			byte('0' + mo/10), byte('0' + mo%10), '-', byte('0' + d/10), byte('0' + d%10), 'T'}
		e.day, e.dayOK = day, true
	}
	h, m, s := tod/3600, tod/60%60, tod%60
	b = append(b, e.date[:]...)
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	if ns := t.Nanosecond(); ns != 0 {
		var f [10]byte
		f[0] = '.'
		for i := 9; i >= 1; i-- {
			f[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for f[n-1] == '0' {
			n--
		}
		b = append(b, f[:n]...)
	}
	return append(b, 'Z')
}

func (e *jsonEnc) addrPort(p netip.AddrPort) {
	if p.Addr().Zone() != "" {
		b, _ := p.MarshalText()
		e.str(string(b))
		return
	}
	e.b = append(e.b, '"')
	e.b, _ = p.AppendText(e.b)
	e.b = append(e.b, '"')
}

// optStr writes field k with string v unless v is empty (omitempty).
func (e *jsonEnc) optStr(k, v string) {
	if v != "" {
		e.key(k)
		e.str(v)
	}
}

// optStrs writes field k with the strings vs unless there are none
// (omitempty).
func (e *jsonEnc) optStrs(k string, vs []string) {
	if len(vs) > 0 {
		e.key(k)
		e.strs(vs)
	}
}

// optInt writes field k with v unless v is 0 (omitempty).
func (e *jsonEnc) optInt(k string, v int) {
	if v != 0 {
		e.key(k)
		e.int(int64(v))
	}
}

// endpoint writes p's CLC fields as encoding/json does (every field
// omitempty). Through encoding/json they were nearly half of the
// connection's encoding.
func (e *jsonEnc) endpoint(p *smcflow.Endpoint) {
	e.open('{')
	e.optStr("peer_id", p.PeerID)
	e.optStr("gid", p.GID)
	e.optStr("mac", p.MAC)
	e.optStr("qpn", p.QPN)
	e.optStr("rkey", p.RKey)
	e.optStr("token", p.Token)
	e.optInt("buffer_bytes", p.BufferBytes)
	e.optInt("mtu", p.MTU)
	e.optStr("psn", p.PSN)
	e.optStr("ism_gid", p.ISMGID)
	e.optStr("dmb_token", p.DMBToken)
	e.optStr("chid", p.CHID)
	e.optStr("link_id", p.LinkID)
	e.optStr("hostname", p.Hostname)
	e.optStr("os", p.OS)
	if p.Release != nil {
		e.key("release")
		e.int(int64(*p.Release))
	}
	e.optStrs("gid_list", p.GIDList)
	e.optStr("offered", p.Offered)
	e.optStrs("eids", p.EIDs)
	e.optStr("seid", p.SEID)
	e.optStr("rocev2_gid", p.RoCEv2GID)
	e.optStr("ipv4_prefix", p.IPv4Prefix)
	e.optStrs("ipv6_prefixes", p.IPv6Prefixes)
	e.optStrs("ism_gids", p.ISMGIDs)
	e.close('}')
}

func (e *jsonEnc) strs(ss []string) {
	e.open('[')
	for _, s := range ss {
		e.elem()
		e.str(s)
	}
	e.close(']')
}

// AppendConnJSON appends c as json.MarshalIndent(c, prefix, "  ") does,
// without reflection (the report's connection list).
func AppendConnJSON(b []byte, c *smcflow.Conn, prefix string) ([]byte, error) {
	if c == nil {
		return append(b, "null"...), nil
	}
	enc := newJSONEnc(b, prefix)
	e := &enc
	e.open('{')
	e.key("id")
	e.int(int64(c.ID))
	e.key("client")
	e.addrPort(c.Client)
	e.key("server")
	e.addrPort(c.Server)
	if c.RolesGuessed {
		e.key("roles_guessed")
		e.bool(true)
	}
	if c.VLAN != 0 {
		e.key("vlan")
		e.int(int64(c.VLAN))
	}
	if c.Tunnel != "" {
		e.key("tunnel")
		e.str(c.Tunnel)
	}
	e.key("outcome")
	e.str(string(c.Outcome))
	if c.Reason != "" {
		e.key("reason")
		e.str(c.Reason)
	}
	e.key("summary")
	e.str(c.Summary)
	if c.SYNOption != nil {
		e.key("syn_option")
		e.bool(*c.SYNOption)
	}
	if c.SYNACKOption != nil {
		e.key("synack_option")
		e.bool(*c.SYNACKOption)
	}
	if s := c.SMC; s != nil {
		e.key("smc")
		e.open('{')
		e.key("type")
		e.str(s.Type)
		e.key("version")
		e.int(int64(s.Version))
		e.key("variant")
		e.str(s.Variant)
		if s.Release != nil {
			e.key("release")
			e.int(int64(*s.Release))
		}
		e.key("first_contact")
		e.bool(s.FirstContact)
		if s.EID != "" {
			e.key("eid")
			e.str(s.EID)
		}
		if s.Direct != nil {
			e.key("direct")
			e.bool(*s.Direct)
		}
		if s.MaxConns != 0 {
			e.key("max_conns")
			e.int(int64(s.MaxConns))
		}
		if s.MaxLinks != 0 {
			e.key("max_links")
			e.int(int64(s.MaxLinks))
		}
		e.close('}')
	}
	if d := c.Decline; d != nil {
		e.key("decline")
		e.open('{')
		e.key("by")
		e.str(d.By)
		e.key("code")
		e.str(d.Code)
		for _, f := range [...]struct{ k, v string }{{"name", d.Name}, {"meaning", d.Meaning}, {"remedy", d.Remedy}} {
			if f.v != "" {
				e.key(f.k)
				e.str(f.v)
			}
		}
		e.key("stage")
		e.str(d.Stage)
		if d.Late {
			e.key("late")
			e.bool(true)
		}
		if d.DelayMS != nil {
			e.key("delay_after_confirm_ms")
			e.float(*d.DelayMS)
		}
		if d.OutOfSync {
			e.key("out_of_sync")
			e.bool(true)
		}
		e.key("version")
		e.int(int64(d.Version))
		e.key("frame")
		e.int(int64(d.Frame))
		e.key("time")
		e.time(d.Time)
		if len(d.Extra) > 0 {
			e.key("extra_codes")
			e.strs(d.Extra)
		}
		e.close('}')
	}
	if l := c.Link; l != nil {
		e.key("link")
		e.open('{')
		e.key("state")
		e.str(l.State)
		if l.ConfirmedAt != nil {
			e.key("confirmed_at")
			e.time(*l.ConfirmedAt)
		}
		if l.ConfirmFrame != 0 {
			e.key("confirm_frame")
			e.int(int64(l.ConfirmFrame))
		}
		if len(l.LLC) > 0 {
			e.key("llc")
			e.open('[')
			for _, x := range l.LLC {
				e.elem()
				e.open('{')
				e.key("type")
				e.str(x.Type)
				e.key("count")
				e.int(int64(x.Count))
				e.close('}')
			}
			e.close(']')
		}
		e.key("cdc_messages")
		e.int(int64(l.CDCMessages))
		e.key("rdma_writes")
		e.int(int64(l.RDMAWrites))
		e.key("rdma_bytes")
		e.int(l.RDMABytes)
		if l.FirstRoCE != nil {
			e.key("first_roce")
			e.time(*l.FirstRoCE)
		}
		e.key("roce_packets")
		e.int(int64(l.RoCEPackets))
		e.optStr("client_qpn", l.ClientQPN)
		e.optStr("server_qpn", l.ServerQPN)
		e.optStrs("delete_link_reasons", l.DeleteReasons)
		e.close('}')
	}
	if c.ClientInfo != nil {
		e.key("client_info")
		e.endpoint(c.ClientInfo)
	}
	if c.ServerInfo != nil {
		e.key("server_info")
		e.endpoint(c.ServerInfo)
	}
	e.key("times")
	e.open('{')
	t := &c.Times
	for _, f := range [...]struct {
		k string
		v *time.Time
	}{{"syn", t.SYN}, {"synack", t.SYNACK}, {"proposal", t.Proposal}, {"accept", t.Accept}, {"confirm", t.Confirm}, {"decline", t.Decline}, {"first_data", t.FirstData}, {"end", t.End}} {
		if f.v != nil {
			e.key(f.k)
			e.time(*f.v)
		}
	}
	e.key("first")
	e.time(t.First)
	e.key("last")
	e.time(t.Last)
	e.close('}')
	e.key("latency")
	e.open('{')
	if c.Latency.HandshakeMS != nil {
		e.key("handshake_ms")
		e.float(*c.Latency.HandshakeMS)
	}
	if c.Latency.CLCMS != nil {
		e.key("clc_ms")
		e.float(*c.Latency.CLCMS)
	}
	e.close('}')
	e.key("packets")
	e.int(int64(c.Packets))
	e.key("bytes")
	e.int(c.Bytes)
	e.key("evidence")
	if c.Evidence == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.open('[')
		for i := range c.Evidence {
			ev := &c.Evidence[i]
			e.elem()
			e.open('{')
			if ev.File != "" {
				e.key("file")
				e.str(ev.File)
			}
			e.key("frame")
			e.int(int64(ev.Frame))
			e.key("time")
			e.time(ev.Time)
			e.key("dir")
			e.str(ev.Dir)
			e.key("what")
			e.str(ev.What)
			e.close('}')
		}
		e.close(']')
	}
	if len(c.Notes) > 0 {
		e.key("notes")
		e.strs(c.Notes)
	}
	if c.DetailOmitted {
		e.key("detail_omitted")
		e.bool(true)
	}
	e.close('}')
	return e.b, e.err
}
