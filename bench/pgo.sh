#!/usr/bin/env bash
# Regenerates cmd/smcdump/default.pgo, the CPU profile the Go toolchain
# uses for profile-guided optimization of smcdump: `go build`, `go install`
# and `go test` of cmd/smcdump read a default.pgo beside the main package
# (-pgo=auto, the default since Go 1.21), and inline and lay out the hot
# call sites it names. No flag is needed; `-pgo=off` builds without it.
#
# The profile is the merge of `smcdump analyze` runs over the issue-14
# inputs (bench/gen, the same as bench/perf.sh; generated when missing):
# corpora A, B and C (bulk TCP, msend-style multicast, SMC-Rv2 handshakes
# with real-kernel CLC payloads), 1,000,000 closed handshakes and 200,000
# UDP flows, each in the default mode, with --json and with --threads 1,
# ROUNDS times (default 3). The binary profiled is built with -pgo=off, so
# the profile describes the code, not an earlier profile's inlining.
#
# Usage: bash bench/pgo.sh        (about 2 minutes once the inputs exist)
# Env:   BENCH_DIR (default /tmp/smcdump-bench), ROUNDS (3)
# Effect measured: BENCHMARKS.md, "An eighth session on the new host".
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
rounds=${ROUNDS:-3}
dir=${BENCH_DIR:-/tmp/smcdump-bench}/full
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -pgo=off -o "$tmp/smcdump" ./cmd/smcdump
go build -o "$tmp/gen" ./bench/gen
# The inputs, as bench/perf.sh makes them (the same stamp: perf.sh reuses
# them).
stamp=$( (git log -1 --format=%H -- bench/gen analyze/synth 2>/dev/null; git diff HEAD -- bench/gen analyze/synth 2>/dev/null) | sha1sum | cut -c1-12)
kinds=(A B C hs-closed udp)
for k in "${kinds[@]}"; do
  f="$dir/$k.pcap"
  if [ ! -s "$f" ] || [ "$(head -1 "$f.stamp" 2>/dev/null)" != "$stamp" ]; then
    msg=$("$tmp/gen" -kind "$k" -scale 1 -o "$f" 2>&1) || { echo "$msg" >&2; exit 1; }
    printf '%s\n%s\n' "$stamp" "$msg" >"$f.stamp"
  fi
done

n=0
for ((r = 0; r < rounds; r++)); do
  for k in "${kinds[@]}"; do
    cat "$dir/$k.pcap" >/dev/null
    for mode in "" "--json" "--threads 1"; do
      n=$((n + 1))
      # shellcheck disable=SC2086 # mode is zero, one or two words
      SMCDUMP_CPUPROFILE="$tmp/cpu-$n.prof" "$tmp/smcdump" analyze $mode "$dir/$k.pcap" >/dev/null
    done
  done
done
go tool pprof -proto "$tmp"/cpu-*.prof >"$tmp/default.pgo"
mv "$tmp/default.pgo" cmd/smcdump/default.pgo
echo "cmd/smcdump/default.pgo: $(stat -c %s cmd/smcdump/default.pgo) bytes from $n profiles"
go tool pprof -top -nodecount=10 cmd/smcdump/default.pgo 2>/dev/null | sed -n '1,16p'
