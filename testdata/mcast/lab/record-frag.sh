#!/bin/bash
# Records frag.pcapng (issue 9 item 2: reassembly across rotated files): an
# msend feed of 2000-byte datagrams (two IPv4 fragments each)
# through a veth pair in two network namespaces, with the sender's egress
# dropping every 20th data datagram (nftables numgen on the first fragment,
# so the whole datagram is lost), captured whole by smcdump.
# Run as root from the repository root:  bash testdata/mcast/lab/record-frag.sh
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
id=$$
S=smcdmf-s$id R=smcdmf-r$id vS=mfs$id vR=mfr$id
cleanup() { ip netns del $S 2>/dev/null || true; ip netns del $R 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
export CGO_ENABLED=0
go build -o $tmp/smcdump ./cmd/smcdump
go build -o $tmp/msend ./testdata/mcastlab/msend
ip netns add $S; ip netns add $R
for ns in $S $R; do ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
ip link add $vS netns $S type veth peer name $vR netns $R
ip -n $S addr add 10.77.0.1/24 dev $vS; ip -n $R addr add 10.77.0.2/24 dev $vR
ip -n $S link set lo up; ip -n $R link set lo up
ip -n $S link set $vS up; ip -n $R link set $vR up
ip -n $S route add 224.0.0.0/4 dev $vS
for i in $(seq 50); do ip -n $S -o link show dev $vS | grep -q "state UP" && ip -n $R -o link show dev $vR | grep -q "state UP" && break; sleep 0.1; done
printf 'table netdev smcdmf {\n chain egress {\n  type filter hook egress device "%s" priority 0;\n  ip frag-off & 0x1fff == 0 udp dport 14401 udp length 2008 numgen inc mod 20 0 counter drop\n }\n}\n' $vS > $tmp/rules.nft
ip netns exec $S nft -f $tmp/rules.nft
rm -f "$out"/frag.pcapng
ip netns exec $R $tmp/smcdump -i $vR -w "$out"/frag.pcapng udp or '(ip[6:2] & 0x1fff != 0)' > $tmp/c1.log 2>&1 & c1=$!
for i in $(seq 100); do grep -q listening $tmp/c1.log && break; sleep 0.1; done
ip netns exec $S $tmp/msend -c 60 -r 500 -m 2000 -s 200 -E 200 -q 239.77.1.2 14401 1 10.77.0.1
sleep 0.5
kill -INT $c1; wait $c1 || true
cat $tmp/c1.log
ls -l "$out"/frag.pcapng
