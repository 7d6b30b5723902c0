#!/usr/bin/env bash
# Capture speed: smcdump vs Debian's tcpdump on a veth pair in a private
# network namespace (created and deleted by capbench). Needs root, iproute2
# and tcpdump. Each run offers N frames; keep runs short on shared machines.
#
#   bash bench/capture/run.sh                 # defaults below
#   N=3000000 RATES=0,800000 BUFFERS=2048,65536 bash bench/capture/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
N=${N:-2000000}
RATES=${RATES:-0}
BUFFERS=${BUFFERS:-2048,65536}
DIR=${DIR:-/dev/shm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/smcdump" ./cmd/smcdump
CGO_ENABLED=0 go build -o "$tmp/capbench" ./bench/capture/capbench
echo "# $(date -u +%FT%TZ) $(uname -sr), $(nproc) CPUs, $(tcpdump --version 2>&1 | head -1)"
"$tmp/capbench" run -smcdump "$tmp/smcdump" -n "$N" -rates "$RATES" -buffers "$BUFFERS" -dir "$DIR" -reps "${REPS:-1}"
