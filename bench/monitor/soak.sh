#!/usr/bin/env bash
# Soak benchmark of `smcdump monitor` (issue 12): replays recorded traffic
# (the lab SMC traces and the multicast-loss trace) at a high packet rate
# into a veth pair for MINUTES minutes, with new IP addresses on every loop
# (tcpreplay --unique-ip: new connections and streams all the time, so the
# connection and stream limits and the idle expiry are exercised), while
# smcdump monitor captures the other end in a network namespace with
# --listen. Every 10 s it samples the monitor's RSS and its state sizes
# (open connections, streams) from /metrics.
#
#   sudo bash bench/monitor/soak.sh [MINUTES] [PPS]     # defaults 30, 20000
#
# Output: CSV lines "elapsed_s,rss_kib,open_connections,udp_streams,
# received_datagrams,capture_dropped" on stdout, a summary at the end.
# Needs root, ip (iproute2), tcpreplay, curl, Go. Cleans up on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
MIN=${1:-30}
PPS=${2:-20000}
DUR=${SOAK_SECONDS:-$((MIN * 60))} # SOAK_SECONDS overrides (short trial runs)
export PATH=$PATH:/usr/local/go/bin
for t in ip tcpreplay curl go; do command -v "$t" >/dev/null || { echo "soak: $t not found" >&2; exit 2; }; done
[ "$(id -u)" = 0 ] || { echo "soak: needs root (network namespace, veth, capture)" >&2; exit 2; }

W=$(mktemp -d /tmp/smcdump-soak.XXXXXX)
NS=smcsoak$$
VA=sk$$a
VB=sk$$b
PID=
RP=
cleanup() {
	if [ -n "$RP" ]; then kill "$RP" 2>/dev/null || true; fi
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	ip link del "$VA" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

CGO_ENABLED=0 go build -o "$W/smcdump" ./cmd/smcdump
ip netns add "$NS"
ip link add "$VA" type veth peer name "$VB"
ip link set "$VB" netns "$NS"
ip addr add 10.213.0.1/30 dev "$VA"
ip link set "$VA" up
ip -n "$NS" addr add 10.213.0.2/30 dev "$VB"
ip -n "$NS" link set "$VB" up
ip -n "$NS" link set lo up

ip netns exec "$NS" "$W/smcdump" monitor -i "$VB" --listen 10.213.0.2:9797 --stats-interval 10s \
	--stream-idle 10s > "$W/events.log" 2> "$W/monitor.err" &
PID=$!
for _ in $(seq 50); do curl -sf http://10.213.0.2:9797/metrics >/dev/null && break; sleep 0.2; done

TRACES=(testdata/lab/out/6.12/*.pcapng testdata/mcast/lab/nft-loss.pcapng)
nice -n 10 tcpreplay -q -i "$VA" --pps="$PPS" --loop=0 --unique-ip --duration="$DUR" -K \
	--no-flow-stats "${TRACES[@]}" > "$W/tcpreplay.log" 2>&1 &
RP=$!

metric() { awk -v m="$1" '$1 == m { print $2; f=1 } END { if (!f) print 0 }' "$W/metrics"; }
echo "elapsed_s,rss_kib,open_connections,udp_streams,received_datagrams,capture_dropped"
start=$(date +%s)
while kill -0 "$RP" 2>/dev/null; do
	sleep 10
	now=$(( $(date +%s) - start ))
	rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$PID/status)
	curl -sf http://10.213.0.2:9797/metrics > "$W/metrics" || : > "$W/metrics"
	drop=$(awk '$1 ~ /^smcdump_capture_dropped_packets_total/ { s += $2 } END { print s + 0 }' "$W/metrics")
	printf '%d,%s,%s,%s,%s,%s\n' "$now" "$rss" "$(metric smcdump_tcp_open_connections)" "$(metric smcdump_udp_streams)" \
		"$(metric smcdump_udp_received_datagrams_total)" "$drop"
done
wait "$RP" || true
echo "# tcpreplay: $(grep -E 'Actual|Rated' "$W/tcpreplay.log" | tr -s ' ' | tr '\n' ' ')"
echo "# monitor events: $(wc -l < "$W/events.log") lines; stderr: $(tr '\n' ' ' < "$W/monitor.err")"
