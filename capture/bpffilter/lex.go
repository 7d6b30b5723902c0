package bpffilter

import (
	"net/netip"
	"strconv"
	"strings"
)

// Token kinds produced by the lexer. The classification follows libpcap's
// scanner.l (docs/capture.md §2.5): numbers, dotted IPv4 host ids (1–4 parts),
// IPv6 addresses, MAC addresses, keywords, plain identifiers and operators.
type tokKind int

const (
	tEOF  tokKind = iota
	tNum          // number (also named constants such as tcpflags, tcp-syn)
	tHID          // dotted-decimal IPv4 id with 2–4 parts
	tHID6         // IPv6 address
	tMAC          // 48-bit MAC address
	tID           // identifier (host name, service name, range "1-100", \escaped)
	tKw           // keyword; text holds the canonical spelling
	tOp           // operator or punctuation
)

type token struct {
	kind tokKind
	text string // canonical text (keywords, operators) or raw text
	raw  string // text as written
	pos  int    // 1-based column of the first byte
	num  uint32 // value for tNum
}

// keywords maps pcap-filter keywords to a canonical name. Keywords that
// smcdump does not implement are still recognised so that the user gets a
// "not supported" error instead of a confusing host-name error.
var keywords = map[string]string{
	"and": "and", "or": "or", "not": "not",
	"src": "src", "dst": "dst",
	"host": "host", "net": "net", "mask": "mask", "port": "port",
	"portrange": "portrange", "proto": "proto", "protochain": "protochain",
	"gateway": "gateway",
	"less":    "less", "greater": "greater", "len": "len", "length": "len",
	"broadcast": "broadcast", "multicast": "multicast",
	"vlan": "vlan", "mpls": "mpls", "pppoed": "pppoed", "pppoes": "pppoes",
	"geneve": "geneve", "inbound": "inbound", "outbound": "outbound",
	"ifindex": "ifindex", "byte": "byte",
	// protocol names (pname in libpcap's grammar)
	"ether": "link", "link": "link", "ppp": "link", "slip": "link",
	"fddi": "link", "tr": "link", "wlan": "link",
	"ip": "ip", "ip6": "ip6", "arp": "arp", "rarp": "rarp",
	"tcp": "tcp", "udp": "udp", "sctp": "sctp", "icmp": "icmp", "icmp6": "icmp6",
	"igmp": "igmp", "igrp": "igrp", "pim": "pim", "vrrp": "vrrp", "carp": "carp",
	"ah": "ah", "esp": "esp",
	// link-level and OSI protocol names ("radio" is not supported)
	"radio": "radio", "atalk": "atalk", "aarp": "aarp", "decnet": "decnet",
	"lat": "lat", "sca": "sca", "moprc": "moprc", "mopdl": "mopdl", "iso": "iso",
	"esis": "esis", "es-is": "esis", "isis": "isis", "is-is": "isis", "clnp": "clnp",
	"stp": "stp", "ipx": "ipx", "netbeui": "netbeui", "l1": "l1", "l2": "l2",
	"iih": "iih", "lsp": "lsp", "snp": "snp", "csnp": "csnp", "psnp": "psnp",
	"llc": "llc", "lane": "lane", "type": "type", "subtype": "subtype",
	"dir": "dir", "direction": "dir", "ra": "ra", "ta": "ta",
	"addr1": "addr1", "addr2": "addr2", "addr3": "addr3", "addr4": "addr4",
	"address1": "addr1", "address2": "addr2", "address3": "addr3", "address4": "addr4",
	"metac": "metac", "bcc": "bcc", "sc": "sc", "ilmic": "ilmic", "oamf4ec": "oamf4ec",
	"oamf4sc": "oamf4sc", "oam": "oam", "oamf4": "oamf4", "connectmsg": "connectmsg",
	"metaconnect": "metaconnect", "vpi": "vpi", "vci": "vci",
	"on": "on", "ifname": "ifname", "rnr": "rnr", "rulenum": "rulenum",
	"reason": "reason", "rset": "rset", "ruleset": "ruleset", "srnr": "srnr",
	"subrulenum": "subrulenum", "action": "action",
	"fisu": "fisu", "lssu": "lssu", "msu": "msu", "sio": "sio", "opc": "opc",
	"dpc": "dpc", "sls": "sls", "hfisu": "hfisu", "hlssu": "hlssu", "hmsu": "hmsu",
	"hsio": "hsio", "hopc": "hopc", "hdpc": "hdpc", "hsls": "hsls",
}

// namedConsts are the numeric constants libpcap's scanner turns into NUM
// tokens (pcap-filter(7), "expr relop expr").
var namedConsts = map[string]uint32{
	"tcpflags": 13, "icmptype": 0, "icmpcode": 1, "icmp6type": 0, "icmp6code": 1,
	"icmp-echoreply": 0, "icmp-unreach": 3, "icmp-sourcequench": 4,
	"icmp-redirect": 5, "icmp-echo": 8, "icmp-routeradvert": 9,
	"icmp-routersolicit": 10, "icmp-timxceed": 11, "icmp-paramprob": 12,
	"icmp-tstamp": 13, "icmp-tstampreply": 14, "icmp-ireq": 15,
	"icmp-ireqreply": 16, "icmp-maskreq": 17, "icmp-maskreply": 18,
	"tcp-fin": 0x01, "tcp-syn": 0x02, "tcp-rst": 0x04, "tcp-push": 0x08,
	"tcp-ack": 0x10, "tcp-urg": 0x20, "tcp-ece": 0x40, "tcp-cwr": 0x80,
	"icmp6-destinationunreach": 1, "icmp6-packettoobig": 2,
	"icmp6-timeexceeded": 3, "icmp6-parameterproblem": 4,
	"icmp6-echo": 128, "icmp6-echoreply": 129, "icmp6-multicastlistenerquery": 130,
	"icmp6-multicastlistenerreportv1": 131, "icmp6-multicastlistenerdone": 132,
	"icmp6-routersolicit": 133, "icmp6-routeradvert": 134,
	"icmp6-neighborsolicit": 135, "icmp6-neighboradvert": 136, "icmp6-redirect": 137,
	"icmp6-routerrenum": 138, "icmp6-nodeinformationquery": 139,
	"icmp6-nodeinformationresponse": 140, "icmp6-ineighbordiscoverysolicit": 141,
	"icmp6-ineighbordiscoveryadvert": 142, "icmp6-multicastlistenerreportv2": 143,
	"icmp6-homeagentdiscoveryrequest": 144, "icmp6-homeagentdiscoveryreply": 145,
	"icmp6-mobileprefixsolicit": 146, "icmp6-mobileprefixadvert": 147,
	"icmp6-certpathsolicit": 148, "icmp6-certpathadvert": 149,
	"icmp6-multicastrouteradvert": 151, "icmp6-multicastroutersolicit": 152,
	"icmp6-multicastrouterterm": 153,
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isWordChar(c byte) bool {
	return isWordStart(c) || c == '-' || c == '_' || c == '.' || c == ':'
}

// lex splits expr into tokens. It never panics; a character that cannot
// start a token is reported with its column.
func lex(expr string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(expr) {
		c := expr[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		start := i
		pos := i + 1
		// Two-character operators first.
		if i+1 < len(expr) {
			two := expr[i : i+2]
			switch two {
			case "&&", "||", "==", "!=", ">=", "<=", "<<", ">>":
				t := token{kind: tOp, text: two, raw: two, pos: pos}
				switch two {
				case "&&":
					t = token{kind: tKw, text: "and", raw: two, pos: pos}
				case "||":
					t = token{kind: tKw, text: "or", raw: two, pos: pos}
				case "==":
					t.text = "="
				}
				toks = append(toks, t)
				i += 2
				continue
			}
		}
		switch c {
		case '!':
			toks = append(toks, token{kind: tKw, text: "not", raw: "!", pos: pos})
			i++
			continue
		case ':':
			if i+1 < len(expr) && expr[i+1] == ':' {
				break // IPv6 address starting with "::"
			}
			toks = append(toks, token{kind: tOp, text: ":", raw: ":", pos: pos})
			i++
			continue
		case '(', ')', '[', ']', '+', '-', '*', '/', '%', '&', '|', '^', '<', '>', '=':
			toks = append(toks, token{kind: tOp, text: string(c), raw: string(c), pos: pos})
			i++
			continue
		case '\\':
			j := i + 1
			for j < len(expr) && !strings.ContainsRune(" \t\r\n!()", rune(expr[j])) {
				j++
			}
			if j == i+1 {
				return nil, &SyntaxError{Expr: expr, Pos: pos, Token: "\\", Msg: "expected a name after backslash"}
			}
			toks = append(toks, token{kind: tID, text: expr[i+1 : j], raw: expr[i:j], pos: pos})
			i = j
			continue
		}
		if !isWordStart(c) && c != ':' {
			return nil, &SyntaxError{Expr: expr, Pos: pos, Token: string(c), Msg: "unexpected character"}
		}
		j := i
		for j < len(expr) && isWordChar(expr[j]) {
			j++
		}
		word := expr[start:j]
		// An identifier cannot end in '-' or '_' (scanner.l); give those back.
		for len(word) > 1 && (word[len(word)-1] == '-' || word[len(word)-1] == '_') {
			word = word[:len(word)-1]
		}
		if strings.Contains(word, ":") && !isMAC(word) && !isIPv6(word) {
			// Not an address: ':' separates tokens (as in "ip[6:2]").
			k := strings.IndexByte(word, ':')
			if k == 0 {
				return nil, &SyntaxError{Expr: expr, Pos: pos, Token: ":", Msg: "unexpected ':'"}
			}
			word = word[:k]
			for len(word) > 1 && (word[len(word)-1] == '-' || word[len(word)-1] == '_') {
				word = word[:len(word)-1]
			}
		}
		i = start + len(word)
		toks = append(toks, classify(word, pos))
	}
	toks = append(toks, token{kind: tEOF, text: "end of expression", pos: len(expr) + 1})
	return toks, nil
}

func classify(word string, pos int) token {
	t := token{kind: tID, text: word, raw: word, pos: pos}
	if kw, ok := keywords[word]; ok {
		t.kind, t.text = tKw, kw
		return t
	}
	if v, ok := namedConsts[word]; ok {
		t.kind, t.num = tNum, v
		return t
	}
	if v, ok := parseNum(word); ok {
		t.kind, t.num = tNum, v
		return t
	}
	if isMAC(word) {
		t.kind = tMAC
		return t
	}
	if strings.Contains(word, ":") {
		t.kind = tHID6
		return t
	}
	if isHID(word) {
		t.kind = tHID
	}
	return t
}

// parseNum parses a libpcap NUM: decimal, 0x hex, or leading-0 octal
// (libpcap's stoulen). ok is false if word is not a number or overflows.
func parseNum(word string) (uint32, bool) {
	if word == "" {
		return 0, false
	}
	base := 10
	s := word
	switch {
	case len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X"):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= '0' && c <= '9' || base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')
		if !ok || base == 8 && c > '7' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, false
	}
	return uint32(v), true
}

// isHID reports whether word is 2–4 dot-separated decimal parts.
func isHID(word string) bool {
	parts := strings.Split(word, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 10 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isMAC reports whether word is a MAC address in one of libpcap's forms:
// xx:xx:xx:xx:xx:xx, xx-xx-xx-xx-xx-xx, xx.xx.xx.xx.xx.xx (1–2 hex digits each)
// or xxxx.xxxx.xxxx.
func isMAC(word string) bool {
	_, ok := parseMAC(word)
	return ok
}

func parseMAC(word string) ([6]byte, bool) {
	var m [6]byte
	for _, sep := range []string{":", "-", "."} {
		parts := strings.Split(word, sep)
		if len(parts) == 6 {
			ok := true
			for i, p := range parts {
				if len(p) < 1 || len(p) > 2 || !isHex(p[0]) || len(p) == 2 && !isHex(p[1]) {
					ok = false
					break
				}
				v, _ := strconv.ParseUint(p, 16, 8)
				m[i] = byte(v)
			}
			if ok {
				return m, true
			}
		}
		if sep == "." && len(parts) == 3 {
			ok := true
			for i, p := range parts {
				if len(p) != 4 {
					ok = false
					break
				}
				v, err := strconv.ParseUint(p, 16, 16)
				if err != nil {
					ok = false
					break
				}
				m[2*i], m[2*i+1] = byte(v>>8), byte(v)
			}
			if ok {
				return m, true
			}
		}
	}
	return m, false
}

func isIPv6(word string) bool {
	a, err := netip.ParseAddr(word)
	return err == nil && a.Is6() && a.Zone() == ""
}
