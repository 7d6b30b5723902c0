#!/usr/bin/env bash
# Records nd.pcap: real kernel and radvd neighbour discovery, MLD and ICMP
# control traffic, captured by tcpdump on h1's side of a link h1 -- r, where
# r's side is a port of a Linux bridge acting as the multicast querier (two
# network namespaces; names carry the PID; all deleted at exit).
#   - router advertisements from radvd on r (managed/other flags, high
#     preference, prefix, MTU, RDNSS, DNSSL, route information, advertisement
#     interval, home agent information), and h1's router solicitations;
#   - MLDv1 general queries from the bridge (mcast_mld_version 1), then MLDv2
#     ones (version 2); h1's MLDv1 reports and dones (force_mld_version=1);
#   - ICMPv6 and ICMP redirects: r routes fd05::/64 and 10.5.0.0/24 back out
#     of the link h1 is on (via fe80::5 / 10.1.0.5, static neighbours; an ICMPv6
#     redirect's target must be link-local);
#   - ICMP time stamp request and r's kernel's reply.
# The trace is an input of the tcpdump differential test and the printer
# goldens. Needs root, iproute2, tcpdump, radvd, iputils-ping and python3.
set -euo pipefail
out=${1:-$(dirname "$0")/nd.pcap}
p=$$
h1=ndh1$p r=ndr$p
dir=$(mktemp -d)
cleanup() {
	[ -f "$dir/radvd.pid" ] && kill "$(cat "$dir/radvd.pid")" 2>/dev/null || true
	ip netns del $h1 2>/dev/null || true
	ip netns del $r 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
for n in $h1 $r; do ip netns add $n; ip -n $n link set lo up; done
ip link add a$p netns $h1 type veth peer name ra$p netns $r
ip -n $h1 link set a$p address 02:00:00:00:01:01
ip -n $r link set ra$p address 02:00:00:00:01:fe
ip -n $r link add br$p address 02:00:00:00:01:fd type bridge mcast_snooping 1 mcast_querier 0 \
	mcast_mld_version 1 mcast_startup_query_count 1 mcast_query_interval 30000
ip -n $r link set ra$p master br$p
ip netns exec $r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
for n in $h1 $r; do ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0; done
ip netns exec $h1 sysctl -qw net.ipv6.conf.a$p.force_mld_version=1
ip -n $r addr add 10.1.0.254/24 dev br$p
ip -n $r addr add fd01::fe/64 dev br$p nodad
for l in "$r ra$p" "$r br$p"; do set -- $l; ip -n $1 link set $2 up; done
ip -n $r neigh add fe80::5 lladdr 02:00:00:00:01:05 dev br$p
ip -n $r neigh add 10.1.0.5 lladdr 02:00:00:00:01:05 dev br$p
ip -n $r -6 route add fd05::/64 via fe80::5 dev br$p
ip -n $r route add 10.5.0.0/24 via 10.1.0.5 dev br$p
cat > "$dir/radvd.conf" <<CONF
interface br$p {
	AdvSendAdvert on;
	AdvManagedFlag on;
	AdvOtherConfigFlag on;
	AdvDefaultPreference high;
	AdvLinkMTU 1500;
	AdvIntervalOpt on;
	AdvHomeAgentFlag on;
	AdvHomeAgentInfo on;
	HomeAgentPreference 7;
	HomeAgentLifetime 1800;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 4;
	prefix fd01::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 86400; AdvPreferredLifetime 14400; };
	route fd09::/48 { AdvRoutePreference low; AdvRouteLifetime 600; };
	RDNSS fd01::53 fd01::54 { AdvRDNSSLifetime 600; };
	DNSSL example.com lab.example.net { AdvDNSSLLifetime 600; };
};
CONF
# h1's link comes up first (tcpdump refuses a link that is down): h1
# solicits a router every 4 s until one advertises; the capture takes a
# retransmission, then radvd starts and advertises.
ip -n $h1 addr add 10.1.0.1/24 dev a$p
ip -n $h1 addr add fd01::1/64 dev a$p nodad
ip -n $h1 link set a$p up
ip -n $h1 route add default via 10.1.0.254
ip netns exec $h1 tcpdump -i a$p -s 0 -U -w "$out" 2>/dev/null &
td=$!
sleep 6
ip netns exec $r radvd -C "$dir/radvd.conf" -p "$dir/radvd.pid" -u root -m logfile -l "$dir/radvd.log"
sleep 2
x() { ip netns exec $h1 "$@" >/dev/null 2>&1 || true; }
# MLDv1: h1 joins and leaves a group; the bridge queries (v1, then v2).
x python3 - a$p <<'PY'
import socket, struct, sys, time
idx = socket.if_nametoindex(sys.argv[1])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
mreq = socket.inet_pton(socket.AF_INET6, "ff15::1234") + struct.pack("@I", idx)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
time.sleep(1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_LEAVE_GROUP, mreq)
PY
ip -n $r link set br$p type bridge mcast_querier 1
sleep 2
ip -n $r link set br$p type bridge mcast_querier 0
ip -n $r link set br$p type bridge mcast_mld_version 2
ip -n $r link set br$p type bridge mcast_querier 1
sleep 2
# Redirects: r forwards these back out of the link they came in on.
x ping -6 -c 1 -W 1 fd05::1
x ping -c 1 -W 1 10.5.0.1
# ICMP time stamp request; r's kernel answers with a time stamp reply.
x python3 - <<'PY'
import socket, struct
def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
m = struct.pack("!BBHHHIII", 13, 0, 0, 0x4242, 1, 12345678, 0, 0)
m = m[:2] + struct.pack("!H", cksum(m)) + m[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(m, ("10.1.0.254", 0))
PY
sleep 1
kill -INT $td
wait $td || true
