#!/usr/bin/env bash
# Capture speed: smcdump vs Debian's tcpdump on a veth pair in a private
# network namespace (created and deleted by capbench). Needs root, iproute2
# and tcpdump. Each run offers N frames; keep runs short on shared machines.
#
#   bash bench/capture/run.sh                 # fixed rates, defaults below
#   N=3000000 RATES=0,800000 BUFFERS=2048,65536 bash bench/capture/run.sh
#   MODE=search BUFFERS=2048,8192 bash bench/capture/run.sh
#       # highest lossless rate per tool and ring size (capbench search;
#       # REPS=3: each rate decided by most of 3 runs)
#   MODE=ladder BUFFERS=2048 RATES=300000,500000,700000 bash bench/capture/run.sh
#       # every tool at every rate, alternating run by run (capbench ladder)
#
# FLOWS (default 256) is the number of UDP flows offered, so that smcdump's
# default fanout (one ring per CPU, PACKET_FANOUT_HASH) spreads them; FLOWS=1
# offers the non-IP frames of the earlier runs. TOOLS picks the tools:
# tcpdump, smcdump (default fanout), smcdump-1ring (--fanout 1),
# smcdump-pcap (--format pcap). CPU_QUOTA (a fraction of one CPU, e.g. 0.2)
# limits each tool, all its threads together, with CFS bandwidth control
# (a cgroup per run; CPU_PERIOD, default 10ms): the lossless rate then
# measures the CPU each tool needs per packet, as on a host whose cores are
# busy, instead of this machine's spare core.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
MODE=${MODE:-run}
BUFFERS=${BUFFERS:-2048,65536}
DIR=${DIR:-/dev/shm}
FLOWS=${FLOWS:-256}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/smcdump" ./cmd/smcdump
CGO_ENABLED=0 go build -o "$tmp/capbench" ./bench/capture/capbench
echo "# $(date -u +%FT%TZ) $(uname -sr), $(nproc) CPUs, $(tcpdump --version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)${CPU_QUOTA:+, each tool limited to $CPU_QUOTA of one CPU per ${CPU_PERIOD:-10ms}}"
case "$MODE" in
run)
	"$tmp/capbench" run -smcdump "$tmp/smcdump" -n "${N:-2000000}" -rates "${RATES:-0}" -buffers "$BUFFERS" \
		-dir "$DIR" -reps "${REPS:-1}" -flows "$FLOWS" -tools "${TOOLS:-tcpdump,smcdump,smcdump-pcap}" \
		-cpu-quota "${CPU_QUOTA:-0}" -cpu-period "${CPU_PERIOD:-10ms}"
	;;
ladder)
	"$tmp/capbench" ladder -smcdump "$tmp/smcdump" -n "${N:-1000000}" -buffers "$BUFFERS" -dir "$DIR" \
		-flows "$FLOWS" -tools "${TOOLS:-tcpdump,smcdump}" -reps "${REPS:-3}" \
		${RATES:+-rates "$RATES"} -cpu-quota "${CPU_QUOTA:-0}" -cpu-period "${CPU_PERIOD:-10ms}"
	;;
search)
	"$tmp/capbench" search -smcdump "$tmp/smcdump" -n "${N:-1000000}" -buffers "$BUFFERS" -dir "$DIR" \
		-flows "$FLOWS" -tools "${TOOLS:-tcpdump,smcdump,smcdump-1ring}" -start "${START:-200000}" \
		-steps "${STEPS:-6}" -reps "${REPS:-1}" -budget "${BUDGET:-15m}" -cpu-quota "${CPU_QUOTA:-0}" -cpu-period "${CPU_PERIOD:-10ms}"
	;;
*)
	echo "MODE must be run, search or ladder" >&2
	exit 2
	;;
esac
echo "# done $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
