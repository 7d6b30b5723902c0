#!/usr/bin/env bash
# Paired comparison of two smcdump builds against tcpdump on the issue-14
# corpora: for each corpus, RUNS rounds of `tcpdump -r FILE -w /dev/null`,
# `OLD analyze FILE` and `NEW analyze FILE` in turn, the order turning each
# round (so the three see the same machine state), then the median CPU (user+sys) and wall time of each
# and their ratios to tcpdump's, and the ratios of the minima. A build is a
# binary, or a script that runs one with other flags (e.g. `--threads 1`).
#
#   bash bench/ab.sh OLD NEW [RUNS] [CORPORA]     # default RUNS=5, CORPORA="A B C"
#
# The corpora come from `bash bench/perf.sh` (BENCH_DIR, default
# /tmp/smcdump-bench; full size). Needs tcpdump and python3.
set -euo pipefail
old=$(realpath "$1") new=$(realpath "$2") runs=${3:-5} corpora=${4:-A B C}
dir=${BENCH_DIR:-/tmp/smcdump-bench}/full
[ -x "$dir/rusage" ] || { echo "ab.sh: run bash bench/perf.sh first (no $dir/rusage)" >&2; exit 1; }
tcpdump=$(command -v tcpdump || echo /usr/sbin/tcpdump)
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
for f in $corpora; do
	cat "$dir/$f.pcap" >/dev/null
	for i in $(seq "$runs"); do
		# The order turns round by round (tcpdump old new, old new
		# tcpdump, new tcpdump old, ...): a tool is not always the one
		# that runs after the same other.
		tools=(tcpdump old new)
		k=$((i % 3))
		for t in "${tools[@]:k}" "${tools[@]:0:k}"; do
			case $t in
			tcpdump) cmd=("$tcpdump" -r "$dir/$f.pcap" -w /dev/null) ;;
			old) cmd=("$old" analyze "$dir/$f.pcap") ;;
			new) cmd=("$new" analyze "$dir/$f.pcap") ;;
			esac
			o=$(mktemp)
			# Read again before every run: the VM this was written on
			# drops files from its page cache within minutes.
			cat "$dir/$f.pcap" >/dev/null
			"$dir/rusage" -o "$o" "${cmd[@]}" >/dev/null 2>&1 || true
			read -r e u s _ <"$o"
			rm -f "$o"
			echo "$f $t $e $u $s" >>"$raw"
		done
	done
done
python3 - "$raw" <<'PY'
import collections, statistics, sys
d = collections.defaultdict(lambda: ([], []))
order = []
for line in open(sys.argv[1]):
    f, t, e, u, s = line.split()
    if f not in order:
        order.append(f)
    d[f, t][0].append(float(e))
    d[f, t][1].append(float(u) + float(s))
# Medians, and minima: on a shared VM a run is only ever slowed down, so
# the fastest run of each tool is the least disturbed measurement.
print("| corpus | tool | median CPU s | CPU / tcpdump | median wall s | wall / tcpdump | min CPU / tcpdump's min | min wall / tcpdump's min | CPU s of each run |")
print("|---|---|---|---|---|---|---|---|---|")
for f in order:
    tw, tc = statistics.median(d[f, "tcpdump"][0]), statistics.median(d[f, "tcpdump"][1])
    mw, mc = min(d[f, "tcpdump"][0]), min(d[f, "tcpdump"][1])
    for t in ("tcpdump", "old", "new"):
        w, c = statistics.median(d[f, t][0]), statistics.median(d[f, t][1])
        runs = " ".join("%.3f" % x for x in d[f, t][1])
        print(f"| {f} | {t} | {c:.3f} | {c / tc:.2f}× | {w:.3f} | {w / tw:.2f}× | {min(d[f, t][1]) / mc:.2f}× | {min(d[f, t][0]) / mw:.2f}× | {runs} |")
PY
