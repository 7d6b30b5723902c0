#!/usr/bin/env bash
# Records diag.pcap: real kernel ICMP, ICMPv6, ARP and neighbour discovery
# traffic, captured by tcpdump on h1's side of a path h1 -- r -- h2 built
# from three network namespaces (names carry the PID; all deleted at exit).
# r forwards IPv4 and IPv6; its link towards h2 has an MTU of 1400.
# The trace is the input of the tcpdump differential test and the printer
# goldens (ping, ping6, fragmented pings, "need to frag"/"packet too big",
# TTL exceeded, UDP port unreachable, protocol unreachable, ARP, NDP, MLD).
# Needs root, iproute2, tcpdump, iputils-ping and python3.
set -euo pipefail
out=${1:-$(dirname "$0")/diag.pcap}
p=$$
h1=icmph1$p r=icmpr$p h2=icmph2$p
cleanup() { ip netns del $h1 2>/dev/null || true; ip netns del $r 2>/dev/null || true; ip netns del $h2 2>/dev/null || true; }
trap cleanup EXIT
for n in $h1 $r $h2; do ip netns add $n; ip -n $n link set lo up; done
ip link add a$p netns $h1 type veth peer name ra$p netns $r
ip link add b$p netns $h2 type veth peer name rb$p netns $r
ip -n $h1 link set a$p address 02:00:00:00:01:01
ip -n $r link set ra$p address 02:00:00:00:01:fe
ip -n $r link set rb$p address 02:00:00:00:02:fe
ip -n $h2 link set b$p address 02:00:00:00:02:01
ip -n $r link set rb$p mtu 1400
ip -n $h2 link set b$p mtu 1400
ip netns exec $r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
for n in $h1 $r $h2; do ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0; done
for l in "$h1 a$p" "$r ra$p" "$r rb$p" "$h2 b$p"; do set -- $l; ip -n $1 link set $2 up; done
sleep 1
ip netns exec $h1 tcpdump -i a$p -s 0 -U -w "$out" 2>/dev/null &
td=$!
sleep 1
ip -n $h1 addr add 10.1.0.1/24 dev a$p
ip -n $h1 addr add fd01::1/64 dev a$p nodad
ip -n $r addr add 10.1.0.254/24 dev ra$p
ip -n $r addr add fd01::fe/64 dev ra$p nodad
ip -n $r addr add 10.2.0.254/24 dev rb$p
ip -n $r addr add fd02::fe/64 dev rb$p nodad
ip -n $h2 addr add 10.2.0.1/24 dev b$p
ip -n $h2 addr add fd02::1/64 dev b$p nodad
ip -n $h1 route add default via 10.1.0.254
ip -n $h1 -6 route add default via fd01::fe
ip -n $h2 route add default via 10.2.0.254
ip -n $h2 -6 route add default via fd02::fe
sleep 2
x() { ip netns exec $h1 "$@" >/dev/null 2>&1 || true; }
x ping -c 2 -i 0.2 10.2.0.1
x ping -6 -c 2 -i 0.2 fd02::1
x ping -c 1 -s 3000 10.2.0.1
x ping -6 -c 1 -s 3000 fd02::1
x ping -c 1 -s 1450 -M do 10.2.0.1
x ping -6 -c 1 -s 1450 -M do fd02::1
x ping -c 1 -t 1 10.2.0.1
x ping -6 -c 1 -t 1 fd02::1
x ping -c 1 -W 1 10.3.0.1
x ping -6 -c 1 -W 1 fd03::1
x python3 - <<'PY'
import socket
for fam, dst in ((socket.AF_INET, "10.2.0.1"), (socket.AF_INET6, "fd02::1")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(b"probe", (dst, 5555))
    s.close()
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, 253)
r.sendto(b"experimental", ("10.2.0.1", 0))
r6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 253)
r6.sendto(b"experimental", ("fd02::1", 0))
t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
t.sendto(b"traceroute", ("10.2.0.1", 33434))
t6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
t6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
t6.sendto(b"traceroute", ("fd02::1", 33434))
PY
sleep 1
kill -INT $td
wait $td || true
