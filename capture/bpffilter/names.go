package bpffilter

// Built-in name tables. Host names are never resolved (see doc.go); port
// and protocol names come from these small tables, which mirror Debian's
// netbase /etc/services and /etc/protocols so that verdicts equal tcpdump's
// on Debian. Aliases are included where netbase has them.

const (
	protoTCP   = 6
	protoUDP   = 17
	protoSCTP  = 132
	protoUndef = -1 // both TCP and UDP (libpcap PROTO_UNDEF)
)

type service struct {
	port     uint16
	tcp, udp bool
}

var services = map[string]service{
	"ftp-data": {20, true, false}, "ftp": {21, true, false}, "ssh": {22, true, false},
	"telnet": {23, true, false}, "smtp": {25, true, false}, "mail": {25, true, false},
	"domain": {53, true, true}, "bootps": {67, false, true}, "bootpc": {68, false, true},
	"tftp": {69, false, true}, "http": {80, true, false}, "www": {80, true, false},
	"kerberos": {88, true, true}, "pop3": {110, true, false}, "sunrpc": {111, true, true},
	"portmapper": {111, true, true}, "ntp": {123, false, true},
	"netbios-ns": {137, false, true}, "netbios-dgm": {138, false, true},
	"netbios-ssn": {139, true, false}, "imap2": {143, true, false}, "imap": {143, true, false},
	"snmp": {161, true, true}, "snmp-trap": {162, true, true}, "bgp": {179, true, false},
	"ldap": {389, true, true}, "https": {443, true, true}, "microsoft-ds": {445, true, false},
	"isakmp": {500, false, true}, "syslog": {514, false, true}, "rtsp": {554, true, true},
	"submission": {587, true, false}, "ldaps": {636, true, true}, "domain-s": {853, true, true},
	"rsync": {873, true, false}, "telnets": {992, true, false}, "imaps": {993, true, false},
	"pop3s": {995, true, false}, "openvpn": {1194, true, true}, "ms-sql-s": {1433, true, false},
	"radius": {1812, true, true}, "radius-acct": {1813, true, true}, "nfs": {2049, true, true},
	"iscsi-target": {3260, true, false}, "mysql": {3306, true, false}, "distcc": {3632, true, false},
	"sip": {5060, true, true}, "sip-tls": {5061, true, true}, "xmpp-client": {5222, true, false},
	"mdns": {5353, false, true}, "postgresql": {5432, true, false}, "postgres": {5432, true, false},
	"amqp": {5672, true, false}, "nrpe": {5666, true, false}, "x11": {6000, true, false},
	"redis": {6379, true, false}, "http-alt": {8080, true, false}, "git": {9418, true, false},
}

// ipProtocols maps /etc/protocols names to IP protocol numbers (for
// `ip proto \name`; "tcp", "udp", "icmp" … must be escaped since they are
// keywords).
var ipProtocols = map[string]uint32{
	"ip": 0, "hopopt": 0, "icmp": 1, "igmp": 2, "ggp": 3, "ipencap": 4, "st": 5,
	"tcp": 6, "egp": 8, "igp": 9, "pup": 12, "udp": 17, "hmp": 20, "xns-idp": 22,
	"rdp": 27, "iso-tp4": 29, "dccp": 33, "xtp": 36, "ddp": 37, "idpr-cmtp": 38,
	"ipv6": 41, "ipv6-route": 43, "ipv6-frag": 44, "idrp": 45, "rsvp": 46, "gre": 47,
	"esp": 50, "ah": 51, "skip": 57, "ipv6-icmp": 58, "icmp6": 58, "ipv6-nonxt": 59,
	"ipv6-opts": 60, "rspf": 73, "vmtp": 81, "eigrp": 88, "ospf": 89, "ax.25": 93,
	"ipip": 94, "etherip": 97, "encap": 98, "pim": 103, "ipcomp": 108, "vrrp": 112,
	"l2tp": 115, "isis": 124, "sctp": 132, "fc": 133, "mobility-header": 135,
	"udplite": 136, "mpls-in-ip": 137, "manet": 138, "hip": 139, "shim6": 140,
	"wesp": 141, "rohc": 142, "ethernet": 143,
}

// etherProtocols are libpcap's built-in names for `ether proto \name`.
var etherProtocols = map[string]uint32{
	"ip": 0x0800, "ip6": 0x86dd, "arp": 0x0806, "rarp": 0x8035, "aarp": 0x80f3, "atalk": 0x809b,
	"loopback": 0x9000, "mopdl": 0x6001, "moprc": 0x6002, "decnet": 0x6003,
	"lat": 0x6004, "sca": 0x6007,
}

// llcSAPs are libpcap's LLC SAP names, tried after etherProtocols.
var llcSAPs = map[string]uint32{"iso": 0xfe, "stp": 0x42, "ipx": 0xe0, "netbeui": 0xf0}
