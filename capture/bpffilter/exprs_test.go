package bpffilter

import "fmt"

// diffExprs are compared with libpcap (tcpdump -ddd) on the frame corpus:
// pcap-filter(7) examples, docs/capture.md §2.2 and §2.5 ("project need"),
// SMC-relevant filters and VLAN combinations.
var diffExprs = []string{
	// docs/capture.md §2.2
	"host 10.1.1.10", "src host 10.1.1.10", "dst host 10.1.1.10", "net 10.1.1.0/24",
	"port 80", "tcp port 443", "udp port 53", "src port 22", "tcp", "udp", "not port 22",
	"host 10.1.1.10 and port 80", "host 10.1.1.10 and (port 80 or port 443)", "tcp or udp",
	"ether host 02:00:00:00:00:01", "host 10.1.1.10 or host 10.1.2.3", "tcp dst port 80 or 8080",
	"portrange 1-100", "icmp", "port 80 or port 443 and host 10.1.1.10", "not tcp and not udp",
	"tcp and not port 22", "tcp[13] & 2 != 0", "ip", "ip6", "arp", "ip multicast",
	"host 10.1.1.10 and not port 22 and not arp", "ip6 and tcp port 80", "ether broadcast",
	"ether multicast", "broadcast", "vlan", "vlan 100", "vlan and host 10.1.1.10",
	"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "ip proto 47", "greater 60", "less 60",
	// §2.5 project needs
	"tcp[tcpflags] & tcp-syn != 0", "udp port 4791", "ether proto 0x8915", "dst net 224.0.0.0/4",
	"udp and dst net 224.0.0.0/4 and dst port 5353",
	// qualifiers, inheritance, precedence
	"host 10.1.1.10 or 10.1.2.3", "port 80 or 8080", "port 80 and 8080", "tcp port 80 or 8080 or 443",
	"src or dst host 1.2.3.4", "src and dst host 1.2.3.4", "dst or src port 53",
	"src host 10.1.1.10 and dst 192.168.1.1", "host 1.2.3.4 and not 10.1.1.10",
	"port 80 and not 8080", "host (10.1.1.10 or 10.1.2.3)", "port (80 or 443) and tcp",
	"not (port 80 or port 443)", "! tcp && ! udp", "tcp || udp && port 53", "(tcp || udp) && port 53",
	"tcp or udp and not port 53 or icmp", "not not ip", "ip and not ip6 or arp",
	// net forms
	"net 10", "net 10.1", "net 192.168", "net 10.0.0.0 mask 255.0.0.0", "src net 192.168.0.0/16",
	"dst net 10.1.2.0/24", "net 0.0.0.0/0", "host 10.1", "net 224.0.0.0/3",
	"ip net 10.0.0.0/8", "arp net 10.0.0.0/8", "rarp host 1.2.3.4", "ip host 10.1.1.10",
	"ip src 192.168.1.1", "arp dst 10.1.2.3",
	// IPv6
	"host ::1", "ip6 host 2001:db8::1", "src host 2001:db8::2", "net 2001:db8::/32",
	"dst net ff00::/8", "ip6 net fe80::/10", "net 2001:db8:1::/48", "host fe80::1 or host ::1",
	"ip6 multicast", "icmp6", "ip6 proto 58", "ip6 proto 6", "ip6 and udp", "ip6[6] = 17",
	"icmp6[0] = 128", "icmp6[icmp6type] = icmp6-echo", "ip6[40] = 6",
	// ports
	"port http", "tcp port domain", "udp port domain", "port ssh or port https", "sctp port 80",
	"src port 1000", "dst port 6000", "tcp src port 80 and tcp dst port 1000", "portrange 20-80",
	"tcp portrange 1000-9000", "udp dst portrange 53-53", "src portrange 5000-5400", "portrange 6000",
	"udp port 53 or 5353", "port 65535", "port 1",
	// protocols
	"sctp", "igmp", "pim", "vrrp", "esp", "ah", "icmp or icmp6", "rarp", "arp or rarp",
	"proto 17", "ip proto 6", "ip proto 132", "ip proto \\tcp", "ip proto \\TCP", "ip proto \\udp", "ip6 proto \\ipv6-icmp",
	"ether proto 0x0800", "ether proto \\ip", "ether proto \\arp", "ether proto 0x88cc",
	"ether proto 6", "ether proto 100", "ether proto 0xfe", "proto 58",
	// link layer
	"ether src 02:00:00:00:00:02", "ether dst ff:ff:ff:ff:ff:ff", "ether host 01:00:5e:00:00:fb",
	"ether src 00:11:22:33:44:55 or ether dst 02:00:00:00:00:01", "ether src and dst 02:00:00:00:00:01",
	"ether[0] & 1 != 0", "ether[12:2] = 0x86dd", "multicast and not broadcast",
	"ip broadcast", "ip multicast or ip6 multicast", "ether host 2-0-0-0-0-1",
	"ether host 0200.0000.0001",
	// lengths
	"len > 100", "len <= 64", "len = 60", "greater 100 and less 200", "len - 14 >= 40", "len >= 0",
	// byte expressions
	"ip[6:2] & 0x1fff = 0", "ip[0] & 0xf > 5", "ip[2:2] > 60", "tcp[0:2] > 1023",
	"udp[8:4] = 0xdeadbeef", "tcp[tcpflags] & (tcp-syn|tcp-ack) != 0",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn", "tcp[tcpflags] = tcp-rst",
	"tcp[tcpflags] & tcp-push != 0", "tcp[13] & 0xc0 != 0", "tcp[12] >> 4 > 5",
	"icmp[icmptype] = icmp-echo", "icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply",
	"icmp[0] = 3 and icmp[1] = 1", "ip[9] = 17 and udp[2:2] = 53", "ip[1] + ip[8] > 100",
	"ip[2:2] - ((ip[0] & 0xf) << 2) > 20", "ip[0] * 2 = 138", "ip[8] / 2 = 32", "ip[8] % 3 = 1",
	"ip[0] ^ ip[1] & 3 = 0", "ip[0] | ip[1] ^ 3 = 69", "ip[8] - 1 % 7 = 63", "ip[0] % 5 + 1 = 1",
	"ip[12:4] = 0x0a01010a", "ip[16] >= 224", "tcp[(tcp[12] >> 4) * 4] = 0x16",
	"udp[4:2] > 20", "arp[7] = 2", "rarp[6:2] = 3", "ip[ip[0] & 0xf] = 1", "sctp[0:2] = 80",
	"ip[0] & 0xf != 5", "tcp[13] = 2 or udp[0:2] = 53", "5 < ip[8]", "ip[8] >= ip[9]",
	"len > ip[2:2] + 14", "igmp[0] = 0x11", "ip[6] & 0x20 != 0", "ip[6:2] & 0x1fff != 0",
	"010 = ip[8] & 010", "(tcp[13] & 2) != 0", "((ip[8])) = 64",
	// vlan
	"vlan 100 and tcp port 80", "vlan and vlan", "vlan and vlan 200", "vlan 5 and vlan 100",
	"vlan and ip", "not vlan and ip", "vlan 100 or udp", "vlan and (tcp or udp)",
	"vlan 200 and host 10.1.1.10", "vlan and arp", "vlan and ip6 and icmp6", "ip or vlan and ip",
	"vlan and tcp[tcpflags] & tcp-syn != 0", "vlan and ether proto 0x8915", "vlan 4095",
	"vlan and vlan and udp", "vlan 0", "(vlan)", "vlan ((100))", "vlan and ip[9] = 6",
	"vlan and multicast", "vlan and len > 60",
	// qualifier inheritance corner cases
	"host 1.2.3.4 and (tcp) or 10.1.1.10", "port 80 and (tcp or udp) or 443", "(host 1.2.3.4) or 10.1.2.3",
	"not host 1.2.3.4 or 10.1.2.3", "host 1.2.3.4 or not 10.1.2.3", "tcp port 80 or not 443",
	"ip host 1.2.3.4 or 10.1.1.10", "ether src 02:00:00:00:00:01 or 02:00:00:00:00:02",
	"dst port 80 or (443 or 8080)", "src host 10.1.1.10 or dst 10.1.2.3 or 1.2.3.4", "net 10 or 192.168",
	"portrange 1-10 or 20-30", "ip proto 6 or 17", "ether proto 0x800 or 0x86dd", "(port 80) or 443",
	"host 1.2.3.4 and vlan or 10.1.1.10", "tcp and (port 80 or 443)", "udp dst port 53 and not (src 10.1.1.10 or 1.2.3.4)",
	"port 80 or (not 443 and 22)", "host 10.1.1.10 and ((1.2.3.4))", "port 80 or ((443))", "host 1.2.3.4 or (10.1.1.10 or (10.1.2.3 and 1.2.3.4))", "host 1.2.3.4 or ((10.1.1.10) or 10.1.2.3)",
	// misc
	"udp and udp[8:4] = 0xdeadbeef", "tcp and (tcp[13] & 0x12) = 0x12", "tcp[13] & 4 = 4 or tcp[13] & 1 = 1",
	"ip and ip[9] != 6 and ip[9] != 17", "not ip and not ip6 and not arp",
}

// diffExprsCooked are also compared for Linux SLL, SLL2 and Raw IP.
var diffExprsCooked = []string{
	"host 10.1.1.10", "src host 10.1.1.10", "net 10.1.1.0/24", "port 80", "tcp port 443",
	"udp port 53", "tcp", "udp", "icmp", "ip", "ip6", "arp", "ip multicast", "ip6 multicast",
	"tcp[tcpflags] & tcp-syn != 0", "udp port 4791", "dst net 224.0.0.0/4", "portrange 1-100",
	"host ::1", "net 2001:db8::/32", "icmp6", "ip proto 47", "less 60", "greater 100",
	"ip[6:2] & 0x1fff = 0", "udp[8:4] = 0xdeadbeef", "not tcp and not udp", "port 80 or 8080",
	"sctp", "ip and len > 60", "ether proto 0x8915", "rarp", "ether[0] = 0", "ip6 proto 6",
	"tcp dst port 80 or 8080", "ip broadcast", "inbound", "outbound and udp",
}

func init() {
	// Long programs: conditional jumps beyond 255 instructions need `ja`
	// trampolines.
	long := "port 1"
	for i := 2; i <= 60; i++ {
		long += fmt.Sprintf(" or port %d", i*7)
	}
	long2 := "host 10.0.0.1"
	for i := 2; i <= 40; i++ {
		long2 += fmt.Sprintf(" or host 10.1.%d.%d", i%3, i)
	}
	diffExprs = append(diffExprs, long, "not ("+long+")", long2+" and tcp", "vlan and ("+long+")")
	diffExprs = append(diffExprs, shimExprs...)
	diffExprs = append(diffExprs, llcExprs...)
	diffExprs = append(diffExprs, geneveExprs...)
	diffExprsCooked = append(diffExprsCooked, "stp", "ipx", "netbeui", "iso", "esis", "isis", "clnp", "l1", "l2",
		"iih", "lsp", "snp", "csnp", "psnp", "atalk", "aarp", "decnet", "lat", "sca", "moprc", "mopdl",
		"iso proto 0x82", "isis proto 18", "ether proto 0xe0", "ether proto 0x42", "llc", "byte 0 = 0",
		"byte 2 > 3", "byte 5 < 7", "stp or ipx or ip",
		"geneve", "geneve 100", "geneve and ip", "geneve and tcp port 80", "geneve 4242 and host 10.1.1.10",
		"geneve and ether host 02:00:00:00:00:01", "geneve and vlan and ip", "not geneve and udp",
		"ifindex 2", "ifindex 3 and tcp", "not ifindex 4", "ifindex 0x3")
	diffExprsCooked = append(diffExprsCooked, "mpls", "pppoes", "pppoed", "pppoes and ip", "pppoes 0x1234 and udp", "pppoes and mpls and ip")
}

// shimExprs are the MPLS and PPPoE primitives (genShimFrames gives them
// frames to tell apart).
var shimExprs = []string{
	"mpls", "mpls 100", "mpls and ip", "mpls and ip6", "mpls and host 10.1.1.10", "mpls and tcp port 80",
	"mpls 16000 and mpls 17", "mpls and mpls and udp", "mpls 100 and mpls", "not mpls", "mpls or ip",
	"vlan and mpls and ip", "vlan 100 and mpls 17 and udp port 53", "mpls and arp", "mpls and vlan",
	"mpls 1048576", "mpls and (tcp or udp)", "mpls and ip multicast", "mpls and tcp[13] & 2 != 0",
	"pppoes", "pppoes 0x1234", "pppoes and ip", "pppoes and ip6", "pppoes and host 10.1.1.10",
	"pppoes 0x1234 and tcp port 443", "pppoes and mpls", "pppoes and mpls and ip6", "pppoes and arp",
	"pppoes and pppoes and ip", "pppoes and vlan", "pppoes and ether host 02:00:00:00:00:01",
	"pppoes 65536", "pppoed", "pppoed or pppoes", "not pppoes", "vlan and pppoes and tcp",
	"pppoes and ether broadcast", "mpls and pppoes", "pppoes and mpls 100 and udp",
	"pppoes and (tcp or icmp)", "pppoes and net 10.1.0.0/16", "pppoes and link[0:2] = 0x21",
	"pppoes and ether[6:4] = 1", "pppoes and link[1] & 1 != 0", "mpls and link[12:2] = 0x8847",
	"vlan and pppoes and ether[0:2] = 0x57",
}

// llcExprs are the LLC, OSI, IPX, AppleTalk, DEC and "byte" primitives
// (genLLCFrames gives them frames to tell apart). "byte N & V" and
// "byte N | V" are not here: libpcap 1.10 does not load the byte for them
// (TestByteBitOps).
var llcExprs = []string{
	"llc", "not llc", "llc i", "llc s", "llc u", "llc rr", "llc rnr", "llc rej", "llc ui", "llc ua",
	"llc disc", "llc dm", "llc sabme", "llc test", "llc xid", "llc frmr", "llc XID", "llc and stp",
	"stp", "ipx", "netbeui", "iso", "esis", "es-is", "isis", "is-is", "clnp", "l1", "l2", "iih", "lsp",
	"snp", "csnp", "psnp", "iso proto 0x81", "iso proto 6", "isis proto 18", "isis proto 27",
	"atalk", "aarp", "decnet", "lat", "sca", "moprc", "mopdl", "atalk or aarp", "not (stp or isis)",
	"ether proto 0xaa", "ether proto 0xe0", "ether proto 0x42", "ether proto 0x809b", "link proto 0x80f3",
	"vlan and stp", "vlan 100 and isis", "vlan and llc u", "mpls or llc", "mpls or stp and ip",
	"pppoes and iso", "pppoes and stp", "pppoes and ipx", "pppoes and isis", "pppoes or llc",
	"byte 12 = 8", "byte 0 < 2", "byte 14 > 0x40", "byte 14 = 0xfe and isis", "stp or ip or ipx",
	"llc esis", "llc foo", "esis proto 1", "stp proto 1", "iso host 1.2.3.4",
	"llc \\i", "llc \\rnr", "llc \\ui", "ether proto \\atalk", "ether proto \\aarp", "ether proto \\ipx",
	"ether proto \\stp", "link proto \\iso", "ether proto \\netbeui", "ether proto \\decnet",
	"iso proto \\isis", "iso proto \\esis", "iso proto \\clnp", "iso proto \\tcp", "isis proto \\tcp",
	"iso proto \\ISIS", "ether proto \\bogus",
}

// geneveExprs are the geneve primitive and what follows it
// (genGeneveFrames gives them frames).
var geneveExprs = []string{
	"geneve", "not geneve", "geneve 100", "geneve 0", "geneve 16777215", "geneve 4242 or geneve 100",
	"geneve and ip", "geneve and ip6", "geneve and arp", "geneve and tcp", "geneve and udp",
	"geneve and host 10.1.1.10", "geneve and src net 192.168.0.0/16", "geneve and udp port 53",
	"geneve and tcp port 80 or tcp port 443", "geneve 100 and ether host 02:00:00:00:00:01",
	"geneve and ether src 00:11:22:33:44:55", "geneve and ether broadcast", "geneve and multicast",
	"geneve and vlan", "geneve and vlan 100", "geneve and vlan and ip", "geneve and vlan and tcp port 80",
	"vlan and geneve", "vlan 100 and geneve and ip6", "geneve and ether proto 0x0800",
	"geneve and link[0] & 1 != 0", "geneve and ip[9] = 6", "geneve and tcp[13] & 2 != 0",
	"geneve and stp", "geneve and ip multicast", "geneve and icmp6", "udp port 6081 and geneve",
	"geneve or ip", "geneve and (ip or arp)", "geneve and geneve", "geneve and geneve and ip",
	"geneve and ip[0] + ip[1] > 70", "geneve and len > 100", "ip and geneve and ip6",
	"geneve and mpls", "geneve and pppoes", "geneve and ip and not tcp", "geneve and llc",
	"geneve 16777216", "geneve and 1 + ip[2] = 2", "ifindex 3",
}
