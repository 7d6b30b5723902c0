#!/bin/bash
# Records the real-kernel multicast traces in this directory (issue 9 items 2
# and 7). Run as root from the repository root:  bash testdata/mcast/lab/record.sh
#
# Two network namespaces joined by a veth pair; the sender's egress drops
# every 100th msend data datagram (nftables numgen, as the loss lab, scenario
# b); three smcdump captures run at once on the receiver's veth:
#   nft-loss.pcapng          the whole capture (-s 0)
#   nft-loss-rot.pcapng*     the same traffic, rotated by smcdump -C (45 KiB files, three or so)
#   snaplen68.pcapng         the same traffic with -s 68 (every datagram cut, the
#                            msend counter still inside the captured bytes)
#   snaplen48.pcapng         the same traffic with -s 48 (6 payload bytes kept: no
#                            sequence number left to analyze)
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
id=$$
S=smcdmr-s$id R=smcdmr-r$id vS=mrs$id vR=mrr$id
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
printf 'table netdev smcdmr {\n chain egress {\n  type filter hook egress device "%s" priority 0;\n  udp dport 14400 udp length 108 numgen inc mod 100 0 counter drop\n }\n}\n' $vS > $tmp/rules.nft
ip netns exec $S nft -f $tmp/rules.nft
rm -f "$out"/nft-loss.pcapng "$out"/nft-loss-rot.pcapng* "$out"/snaplen68.pcapng "$out"/snaplen48.pcapng
ip netns exec $R $tmp/smcdump -i $vR -w "$out"/nft-loss.pcapng udp > $tmp/c1.log 2>&1 & c1=$!
ip netns exec $R $tmp/smcdump -i $vR -C 45k -w "$out"/nft-loss-rot.pcapng udp > $tmp/c2.log 2>&1 & c2=$!
ip netns exec $R $tmp/smcdump -i $vR -s 68 -w "$out"/snaplen68.pcapng udp > $tmp/c3.log 2>&1 & c3=$!
ip netns exec $R $tmp/smcdump -i $vR -s 48 -w "$out"/snaplen48.pcapng udp > $tmp/c4.log 2>&1 & c4=$!
for i in $(seq 100); do grep -q listening $tmp/c1.log && grep -q listening $tmp/c2.log && grep -q listening $tmp/c3.log && grep -q listening $tmp/c4.log && break; sleep 0.1; done
# 450 data datagrams of 100 bytes at 1000/s: seq 0, 100, ... are dropped
ip netns exec $S $tmp/msend -c 450 -r 1000 -m 100 -s 200 -E 200 -q 239.77.1.1 14400 1 10.77.0.1
sleep 0.5
kill -INT $c1 $c2 $c3 $c4; wait $c1 $c2 $c3 $c4 || true
cat $tmp/c1.log $tmp/c2.log $tmp/c3.log $tmp/c4.log
ls -l "$out"
