#!/usr/bin/env python3
"""Paired CPU ratio of two commands (issue 14, goal 3 in time).

    python3 bench/pairs.py N "labelA::command A" "labelB::command B"

Runs the two commands N times each, in adjacent pairs whose order
alternates (A B, B A, ...), and prints the median and quartiles of the
per-pair ratios B/A of CPU time (user + sys) and the median of the wall-time
ratios. On a shared VM, where one command's runs move by 30 % within
minutes, the ratio of two runs made a second apart moves far less than the
ratio of their separate best or median runs. Example (goal 3):

    WARM="bulk-hs.pcap hs-closed.pcap" python3 bench/pairs.py 21 \\
        "bulk::./smcdump analyze bulk-hs.pcap" "hs::./smcdump analyze hs-closed.pcap"

CPU and wall time come from bench/rusage (RUSAGE, default
$BENCH_DIR/full/rusage as bench/perf.sh builds it). WARM="FILE ..." names
input files to read before every run (into the page cache: a run that
reads its input from the disk is an outlier, and the VM these figures were
taken on drops files from its cache within minutes).
"""
import os
import shlex
import statistics
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 4 or "::" not in sys.argv[2] or "::" not in sys.argv[3]:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    (la, ca), (lb, cb) = [a.split("::", 1) for a in sys.argv[2:4]]
    rusage = os.environ.get("RUSAGE") or os.path.join(os.environ.get("BENCH_DIR", "/tmp/smcdump-bench"), "full", "rusage")
    if not os.access(rusage, os.X_OK):
        sys.exit("pairs.py: no %s (go build -o %s ./bench/rusage, or set RUSAGE)" % (rusage, rusage))
    out = tempfile.NamedTemporaryFile(delete=False).name

    warm = shlex.split(os.environ.get("WARM", ""))

    def run(cmd):
        for f in warm:
            with open(f, "rb") as fh:
                while fh.read(1 << 20):
                    pass
        if os.path.exists(out):
            os.remove(out)  # rusage -o appends
        subprocess.run([rusage, "-o", out] + shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        e, u, s = open(out).read().split()[:3]
        return float(u) + float(s), float(e)

    rc, rw, A, B = [], [], [], []
    try:
        for i in range(n):
            if i % 2 == 0:
                a = run(ca)
                b = run(cb)
            else:
                b = run(cb)
                a = run(ca)
            rc.append(b[0] / a[0])
            rw.append(b[1] / a[1])
            A.append(a[0])
            B.append(b[0])
    finally:
        if os.path.exists(out):
            os.remove(out)
    q = statistics.quantiles(rc, n=4) if n > 1 else [rc[0], rc[0], rc[0]]
    print("%s/%s CPU ratio: median %.3f (quartiles %.3f, %.3f) over %d pairs; wall ratio median %.3f; CPU s median %s %.3f, %s %.3f"
          % (lb, la, statistics.median(rc), q[0], q[2], n, statistics.median(rw), la, statistics.median(A), lb, statistics.median(B)))


if __name__ == "__main__":
    main()
