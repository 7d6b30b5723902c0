#!/usr/bin/env bash
# Issue 14 (performance at scale): every figure BENCHMARKS.md needs, in one
# run, page cache warm, smcdump and tcpdump runs alternating.
#
# Usage: bench/perf.sh [full|quick]      (default full; quick = 1/20 sizes)
#        bench/perf.sh profile [full|quick]   CPU profiles instead: top 20 of
#        `smcdump analyze` on corpora A and C (3 runs each, merged)
#        bench/perf.sh compressed [full|quick]   compressed captures instead:
#        `smcdump analyze` on corpora A and hs-closed compressed with gzip -1,
#        zstd -3, lz4 and (A only) bzip2 -1 and -9, against the plain file and
#        against `DECOMPRESSOR -dc FILE | tcpdump -r - -w /dev/null`
#        (median of RUNS; needs gzip, zstd, lz4, bzip2)
#        bench/perf.sh print [full|quick]   the per-packet printer instead:
#        `smcdump FLAGS -r FILE` against `tcpdump FLAGS -r FILE` (-n, -e, -v,
#        -tttt, -X) on corpus A, -n on A as a capture on "any" writes it
#        (Linux cooked v2) and on the plain-connections input (median of
#        RUNS, output to /dev/null)
#        bench/perf.sh instructions [full|quick]   goal 3 counted instead of
#        timed: instructions and simulated cache misses (valgrind's callgrind
#        with its cache model, GOGC=off, --threads 1) of 1M closed handshakes
#        and of bulk with the same frames; deterministic where times on a
#        shared VM move by 30 % (full: about 12 minutes; installs valgrind)
# Env:   BENCH_DIR (default /tmp/smcdump-bench), RUNS_AB (5), RUNS (3),
#        STRESS_JSON=0 to skip the --json runs of the stress inputs.
# Needs: go, tcpdump (installed with apt-get when missing); root
# is not needed (except for that installation).
#
# Measures, for the corpora A (600k frames, 3,000 SMC-Rv2 handshakes), B (3M
# frames, 15,000) and C (1.2M frames, 30,000: one every 40 frames), built by
# bench/gen with CLC payloads read from the lab traces:
#   CPU (user+sys) of `smcdump analyze FILE` (text, and --json) over that of
#   `tcpdump -r FILE -w /dev/null` (median of RUNS_AB for A and B, best of
#   RUNS for C), the wall-time ratio, peak RSS (ru_maxrss, as GNU time %M),
#   and the same with --threads 1 (one goroutine) in the same rounds;
# for the stress inputs (unanswered SYNs, UDP flows, 1M closed/open
# handshakes, 500k plain SYNs, 1M short plain TCP connections, a scan of
# 1M ports, 1M DNS queries and answers, 8,640 snapshots): CPU, wall and peak RSS of one run (text and --json), next to
# tcpdump's CPU on the same file (best of two runs); and the CPU of 1M closed handshakes over that of bulk TCP with the
# same frame count and bytes (best of RUNS each, alternating, and the median
# of the RUNS ratios of adjacent runs).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
mode=${1:-full}
profile=0
compressed=0
instructions=0
print=0
if [ "$mode" = profile ]; then
  profile=1
  mode=${2:-full}
elif [ "$mode" = compressed ]; then
  compressed=1
  mode=${2:-full}
elif [ "$mode" = instructions ]; then
  instructions=1
  mode=${2:-full}
elif [ "$mode" = print ]; then
  print=1
  mode=${2:-full}
fi
case $mode in
full) scale=1 ;;
quick) scale=0.05 ;;
*) echo "usage: $0 [full|quick] | $0 profile|compressed|instructions|print [full|quick]" >&2; exit 2 ;;
esac
runs_ab=${RUNS_AB:-5}
runs=${RUNS:-3}
stress_json=${STRESS_JSON:-1}
dir=${BENCH_DIR:-/tmp/smcdump-bench}/$mode
mkdir -p "$dir"

# tcpdump is in /usr/sbin, which is not on a normal user's PATH.
find_tcpdump() { command -v tcpdump || ls /usr/sbin/tcpdump /usr/bin/tcpdump 2>/dev/null | head -1; }
if [ $instructions = 1 ] && ! command -v valgrind >/dev/null; then
  apt-get install -y -qq valgrind >/dev/null || { echo "perf.sh: valgrind is missing and cannot be installed (apt-get install valgrind as root)" >&2; exit 1; }
fi
if [ $profile = 0 ] && [ $instructions = 0 ] && [ -z "$(find_tcpdump)" ]; then
  apt-get install -y -qq tcpdump >/dev/null || { echo "perf.sh: tcpdump is missing and cannot be installed (apt-get install tcpdump as root)" >&2; exit 1; }
fi
tcpdump=$(find_tcpdump)

go build -o "$dir/smcdump" ./cmd/smcdump
go build -o "$dir/gen" ./bench/gen
go build -o "$dir/rusage" ./bench/rusage
smc=$dir/smcdump

# Corpora are generated once per generator version (the stamp is the last
# commit that touched the generator, plus uncommitted changes).
stamp=$( (git log -1 --format=%H -- bench/gen analyze/synth 2>/dev/null; git diff HEAD -- bench/gen analyze/synth 2>/dev/null) | sha1sum | cut -c1-12)
kinds=(A B C syn synplain udp dns hs-closed hs-open bulk-hs plain scan kstat)
[ $profile = 1 ] && kinds=(A C)
[ $compressed = 1 ] && kinds=(A hs-closed)
[ $instructions = 1 ] && kinds=(hs-closed bulk-hs)
[ $print = 1 ] && kinds=(A plain)
for k in "${kinds[@]}"; do
  ext=pcap
  [ "$k" = kstat ] && ext=pcapng
  f="$dir/$k.$ext"
  if [ ! -s "$f" ] || [ "$(head -1 "$f.stamp" 2>/dev/null)" != "$stamp" ]; then
    msg=$("$dir/gen" -kind "$k" -scale "$scale" -o "$f" 2>&1) || { echo "$msg" >&2; exit 1; }
    printf '%s\n%s\n' "$stamp" "$msg" >"$f.stamp"
  fi
done
file() { if [ "$1" = kstat ]; then echo "$dir/kstat.pcapng"; else echo "$dir/$1.pcap"; fi; }

# run CMD...: one run, output discarded; sets E (wall s), C (user+sys s),
# M (peak RSS KiB, as GNU time's %M: getrusage ru_maxrss), from bench/rusage
# (microsecond CPU times; GNU time rounds to 10 ms).
run() {
  local t
  t=$(mktemp)
  "$dir/rusage" -o "$t" "$@"
  read -r E u s M _ <"$t"
  E=$(awk -v e="$E" 'BEGIN{printf "%.2f", e}')
  C=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.3f", u+s}')
  rm -f "$t"
}
# stat_of AGG VALUES...: median or min (best).
stat_of() {
  local agg=$1; shift
  printf '%s\n' "$@" | sort -g | awk -v a="$agg" '{v[NR]=$1} END{ if (a=="min") print v[1]; else if (NR%2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "—" }'; }
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
# frames FILE: the frame count bench/gen reported (0 for the snapshot file).
frames() { sed -n 2p "$1.stamp" | grep -o '[0-9]* frames' | cut -d' ' -f1 | grep . || echo 0; }
# warm FILE...: read the files (into the page cache). Before every timed run,
# not only once: the December 2026 VM drops files from its page cache
# within minutes even with most of its memory free, and a run that reads
# its input from the disk is an outlier (BENCHMARKS.md, sixth session).
warm() { cat "$@" >/dev/null; }
# n COUNT: COUNT scaled to this mode, with thousands separators.
n() { awk -v n="$1" -v s="$scale" 'BEGIN{printf "%d", n*s+0.5}' | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

if [ $profile = 1 ]; then
  echo "## bench/perf.sh profile $mode — $(date -u '+%Y-%m-%d %H:%M UTC'), smcdump $(git describe --always --dirty 2>/dev/null || echo unknown), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for k in A C; do
    f=$(file $k)
    cat "$f" >/dev/null
    for i in 1 2 3; do
      SMCDUMP_CPUPROFILE="$dir/cpu-$k-$i.prof" "$smc" analyze "$f" >/dev/null 2>&1 || true
    done
    echo
    echo "Corpus $k, top 20 (flat), \`go tool pprof -top -nodecount=20 smcdump cpu-$k-{1,2,3}.prof\`:"
    echo
    echo '```'
    go tool pprof -top -nodecount=20 "$smc" "$dir/cpu-$k-1.prof" "$dir/cpu-$k-2.prof" "$dir/cpu-$k-3.prof" 2>/dev/null | sed -n '5,$p'
    echo '```'
  done
  echo
  echo "profiles: $dir/cpu-{A,C}-{1,2,3}.prof (binary $smc)"
  exit 0
fi

if [ $instructions = 1 ]; then
  echo "## bench/perf.sh instructions $mode — $(date -u '+%Y-%m-%d %H:%M UTC'), smcdump $(git describe --always --dirty 2>/dev/null || echo unknown)"
  echo
  echo "callgrind (\`GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --cache-sim=yes\`, its cache model with this machine's geometry), \`smcdump analyze --threads 1\`:"
  echo
  echo "| capture | frames | instructions | L1 instruction misses | L1 data misses | last-level misses |"
  echo "|---|---|---|---|---|---|"
  declare -A ir
  for k in hs-closed bulk-hs; do
    f=$(file $k)
    log="$dir/callgrind-$k.log"
    GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$dir/callgrind-$k.out" \
      "$smc" analyze --threads 1 "$f" >/dev/null 2>"$log"
    # The summary lines: "I   refs: N", "I1  misses: N", "D1  misses: N (...)", "LL misses: N (...)".
    get() { grep -E "== $1" "$log" | head -1 | sed 's/.*: *//; s/ .*//; s/,//g'; }
    ir[$k]=$(get 'I   refs:')
    echo "| $k | $(frames "$f") | $(get 'I   refs:') | $(get 'I1  misses:') | $(get 'D1  misses:') | $(get 'LL misses:') |"
  done
  echo
  echo "handshakes / bulk instructions: **$(ratio "${ir[hs-closed]}" "${ir[bulk-hs]}")×** (goal 3: ≤ 2× the CPU; callgrind files: $dir/callgrind-*.out, \`callgrind_annotate --sort=I1mr\`)"
  exit 0
fi

if [ $print = 1 ]; then
  echo "## bench/perf.sh print $mode — $(date -u '+%Y-%m-%d %H:%M UTC'), smcdump $(git describe --always --dirty 2>/dev/null || echo unknown), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| input | flags | smcdump FLAGS -r FILE CPU s | wall s | tcpdump FLAGS -r FILE CPU s | wall s | smcdump / tcpdump CPU | wall |"
  echo "|---|---|---|---|---|---|---|---|"
  # corpus A as a capture on "any" writes it (Linux cooked v2)
  if [ ! -s "$dir/A-sll2.pcap" ] || [ "$dir/A-sll2.pcap" -ot "$dir/A.pcap" ]; then
    "$dir/gen" -kind A -link sll2 -scale "$scale" -o "$dir/A-sll2.pcap" 2>/dev/null
  fi
  for k in A A-sll2 plain; do
    f=$(file $k)
    for fl in "-n" "-nn -e" "-nn -v" "-nn -tttt" "-nn -X -c 200000"; do
      [ $k != A ] && [ "$fl" != "-n" ] && continue
      sc=(); sw=(); tc=(); tw=()
      for ((i = 0; i < runs; i++)); do
        warm "$f"
        # shellcheck disable=SC2086 # the flags are words
        run "$smc" $fl -r "$f"; sc+=("$C"); sw+=("$E")
        # shellcheck disable=SC2086
        run "$tcpdump" $fl -r "$f"; tc+=("$C"); tw+=("$E")
      done
      SC=$(stat_of median "${sc[@]}"); SW=$(stat_of median "${sw[@]}"); TC=$(stat_of median "${tc[@]}"); TW=$(stat_of median "${tw[@]}")
      echo "| $k | \`$fl\` | $SC | $SW | $TC | $TW | $(ratio "$SC" "$TC")× | $(ratio "$SW" "$TW")× |"
    done
  done
  echo
  echo "(median of $runs runs each, alternating, output to /dev/null)"
  exit 0
fi

if [ $compressed = 1 ]; then
  echo "## bench/perf.sh compressed $mode — $(date -u '+%Y-%m-%d %H:%M UTC'), smcdump $(git describe --always --dirty 2>/dev/null || echo unknown), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| corpus | file | MB | smcdump analyze CPU s | wall s | peak RSS MiB | DECOMPRESSOR -dc \| tcpdump -r - CPU s | wall s | smcdump / pipe CPU | wall |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for k in A hs-closed; do
    f=$(file $k)
    zs=("$f")
    for z in "gzip -1:gz" "zstd -3:zst" "lz4 -1:lz4" "bzip2 -1:bz2" "bzip2 -9:9.bz2"; do
      c=${z%%:*}; ext=${z##*:}
      case $ext in *bz2) [ $k != A ] && continue ;; esac
      if [ ! -s "$f.$ext" ] || [ "$f.$ext" -ot "$f" ]; then
        ${c% *} ${c#* } -c "$f" >"$f.$ext.tmp" && mv "$f.$ext.tmp" "$f.$ext"
      fi
      zs+=("$f.$ext")
    done
    for z in "${zs[@]}"; do
      warm "$z"
      sc=(); sw=(); pc=(); pw=(); m=0
      dec=cat
      case $z in *.gz) dec="gzip -dc" ;; *.zst) dec="zstd -dc" ;; *.lz4) dec="lz4 -dc" ;; *.bz2) dec="bzip2 -dc" ;; esac
      for ((i = 0; i < runs; i++)); do
        run "$smc" analyze "$z"; sc+=("$C"); sw+=("$E"); [ "$M" -gt "$m" ] && m=$M
        run sh -c "$dec '$z' | '$tcpdump' -r - -w /dev/null"; pc+=("$C"); pw+=("$E")
      done
      SC=$(stat_of median "${sc[@]}"); SW=$(stat_of median "${sw[@]}"); PC=$(stat_of median "${pc[@]}"); PW=$(stat_of median "${pw[@]}")
      echo "| $k | $(basename "$z") | $(awk -v b="$(stat -c %s "$z")" 'BEGIN{printf "%.0f", b/1e6}') | $SC | $SW | $(mib $m) | $PC | $PW | $(ratio "$SC" "$PC")× | $(ratio "$SW" "$PW")× |"
    done
  done
  echo
  echo "(median of $runs runs each, alternating; for the plain file the pipe is 'cat FILE | tcpdump -r -')"
  exit 0
fi

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')

echo "## bench/perf.sh $mode — $started"
echo
echo "machine: $(nproc) CPUs ($cpu_model), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(go version | cut -d' ' -f3); $("$tcpdump" --version 2>&1 | head -2 | tr '\n' ' ')"
echo "smcdump: $(git describe --always --dirty 2>/dev/null || echo unknown) ($(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo ?))"
echo "load average at start: $load_start"
echo

# --- corpora: CPU and wall vs tcpdump, alternating --------------------------
echo "### Corpora: smcdump analyze vs tcpdump -r FILE -w /dev/null"
echo
echo "| corpus | frames | MB | runs | CPU text / tcpdump | CPU --json / tcpdump | wall text / tcpdump | wall --json / tcpdump | smcdump CPU s (text, json) | tcpdump CPU s | peak RSS MiB text | peak RSS MiB --json | \`--threads 1\`: CPU text, --json / tcpdump | wall text, --json / tcpdump |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for k in A B C; do
  f=$(file $k)
  n=$runs; agg=min; what="best of $runs"
  if [ $k != C ]; then n=$runs_ab; agg=median; what="median of $runs_ab"; fi
  warm "$f"
  tc=(); tw=(); sc=(); sw=(); jc=(); jw=(); oc=(); ow=(); pc=(); pw=(); sm=0; jm=0
  for ((i = 0; i < n; i++)); do
    warm "$f"; run "$tcpdump" -r "$f" -w /dev/null; tc+=("$C"); tw+=("$E")
    warm "$f"; run "$smc" analyze "$f"; sc+=("$C"); sw+=("$E"); [ "$M" -gt "$sm" ] && sm=$M
    warm "$f"; run "$tcpdump" -r "$f" -w /dev/null; tc+=("$C"); tw+=("$E")
    warm "$f"; run "$smc" analyze --json "$f"; jc+=("$C"); jw+=("$E"); [ "$M" -gt "$jm" ] && jm=$M
    # The same analysis in one goroutine, in the same rounds: what the
    # second goroutine costs and buys on this machine.
    warm "$f"; run "$smc" analyze --threads 1 "$f"; oc+=("$C"); ow+=("$E")
    warm "$f"; run "$smc" analyze --threads 1 --json "$f"; pc+=("$C"); pw+=("$E")
  done
  TC=$(stat_of $agg "${tc[@]}"); TW=$(stat_of $agg "${tw[@]}")
  SC=$(stat_of $agg "${sc[@]}"); SW=$(stat_of $agg "${sw[@]}")
  JC=$(stat_of $agg "${jc[@]}"); JW=$(stat_of $agg "${jw[@]}")
  OC=$(stat_of $agg "${oc[@]}"); OW=$(stat_of $agg "${ow[@]}")
  PC=$(stat_of $agg "${pc[@]}"); PW=$(stat_of $agg "${pw[@]}")
  echo "| $k | $(frames "$f") | $(awk -v b="$(stat -c %s "$f")" 'BEGIN{printf "%.0f", b/1e6}') | $what | **$(ratio "$SC" "$TC")×** | **$(ratio "$JC" "$TC")×** | $(ratio "$SW" "$TW")× | $(ratio "$JW" "$TW")× | $SC, $JC | $TC | $(mib $sm) | $(mib $jm) | $(ratio "$OC" "$TC")×, $(ratio "$PC" "$TC")× | $(ratio "$OW" "$TW")×, $(ratio "$PW" "$TW")× |"
done
echo

# --- handshakes vs bulk with the same frames --------------------------------
echo "### $(n 1000000) closed SMC handshakes vs bulk TCP with the same frame count (best of $runs each, alternating)"
echo
fh=$(file hs-closed); fb=$(file bulk-hs)
warm "$fh"; warm "$fb"
hc=(); bc=(); hw=(); bw=(); hm=0; bm=0
for ((i = 0; i < runs; i++)); do
  warm "$fb"; run "$smc" analyze "$fb"; bc+=("$C"); bw+=("$E"); [ "$M" -gt "$bm" ] && bm=$M
  warm "$fh"; run "$smc" analyze "$fh"; hc+=("$C"); hw+=("$E"); [ "$M" -gt "$hm" ] && hm=$M
done
HC=$(stat_of min "${hc[@]}"); BC=$(stat_of min "${bc[@]}")
echo "| capture | frames | MB | smcdump analyze CPU s | wall s |"
echo "|---|---|---|---|---|"
echo "| hs-closed | $(frames "$fh") | $(awk -v b="$(stat -c %s "$fh")" 'BEGIN{printf "%.0f", b/1e6}') | $HC | $(stat_of min "${hw[@]}") |"
echo "| bulk-hs | $(frames "$fb") | $(awk -v b="$(stat -c %s "$fb")" 'BEGIN{printf "%.0f", b/1e6}') | $BC | $(stat_of min "${bw[@]}") |"
echo
# Also the median of the ratios within each pair of adjacent runs: on a
# shared VM one unusually fast or slow run moves a best-of ratio by 30 %,
# the paired median far less (both runs of a pair see the same machine).
pr=()
for ((i = 0; i < runs; i++)); do pr+=("$(ratio "${hc[$i]}" "${bc[$i]}")"); done
echo "handshakes / bulk CPU: **$(ratio "$HC" "$BC")×** by best runs, **$(stat_of median "${pr[@]}")×** by the median of the $runs paired ratios ($(printf '%s ' "${pr[@]}" | sed 's/ $//')) (goal ≤ 2×)"
echo

# --- stress inputs: peak RSS -------------------------------------------------
echo "### Peak RSS of every input (one run each; hs-closed and bulk-hs text: the runs above)"
echo
echo "| input | frames | MB | text: CPU s | wall s | peak RSS MiB | --json: CPU s | wall s | peak RSS MiB | tcpdump CPU s | text CPU / tcpdump |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
declare -A desc=(
  [syn]="$(n 500000) SYNs with the SMC option, never answered, in 5 s"
  [synplain]="$(n 500000) SYNs without the SMC option (a SYN flood), never answered, in 5 s"
  [udp]="$(n 200000) UDP flows of 3 datagrams"
  [dns]="$(n 1000000) DNS queries and answers (one-datagram UDP flows)"
  [hs-closed]="$(n 1000000) closed SMC-Rv2 handshakes"
  [hs-open]="$(n 1000000) open (never closed) SMC-Rv2 handshakes"
  [bulk-hs]="bulk TCP, same frames and bytes as hs-closed"
  [plain]="$(n 1000000) short plain TCP connections (8 frames, no SMC option)"
  [scan]="a scan of $(n 1000000) ports (SYN without the SMC option, RST)"
  [kstat]="$(n 8640) kernel-counter snapshots, no packets (pcapng)"
)
for k in syn synplain udp dns hs-closed hs-open bulk-hs plain scan kstat; do
  f=$(file $k)
  warm "$f"
  case $k in
  # text runs measured above: best CPU and wall, highest peak RSS
  hs-closed) c1=$HC; e1=$(stat_of min "${hw[@]}"); m1=$hm ;;
  bulk-hs) c1=$BC; e1=$(stat_of min "${bw[@]}"); m1=$bm ;;
  *) run "$smc" analyze "$f"; c1=$C; e1=$E; m1=$M ;;
  esac
  if [ "$stress_json" = 1 ]; then
    run "$smc" analyze --json "$f"; c2=$C; e2=$E; m2=$(mib "$M")
  else
    c2=—; e2=—; m2=—
  fi
  run "$tcpdump" -r "$f" -w /dev/null; t1=$C
  run "$tcpdump" -r "$f" -w /dev/null; t1=$(stat_of min "$t1" "$C")
  echo "| ${desc[$k]} ($k) | $(frames "$f") | $(awk -v b="$(stat -c %s "$f")" 'BEGIN{printf "%.0f", b/1e6}') | $c1 | $e1 | **$(mib "$m1")** | $c2 | $e2 | $m2 | $t1 | $(ratio "$c1" "$t1")× |"
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (start: $load_start); finished $(date -u '+%H:%M UTC')"
echo "inputs: $dir (synthetic, bench/gen -kind …, CLC payloads and the snapshot read from testdata/lab/out/6.12/*.pcapng)"
