#!/usr/bin/env python3
"""diagnose_data.py: re-measure docs/data/diagnose.dat, the figures behind
the speedup judge's diagnoses (grader/diagnose.c).

    python3 tools/diagnose_data.py [RUNS] > docs/data/diagnose.dat

It runs the grader's synthetic shapes (grader/tests/sampler.c, suite
`timing`, one test at a time) RUNS times (default 5) with GRADER_DIAG_DATA
set, and writes one row per shape: the median of each figure the
classifier reads, the range of the one that names its class, how many
runs were named as expected, and the sampler's cost.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIGURES = ["caller_share", "top_share", "overlap", "early_end", "early_cpu",
           "late_end", "first_start_s", "cpu_ratio", "sampler_pct"]
EXPECTED = {"balanced": "none", "imbalance": "imbalance", "serialised": "serialised",
            "one-worker": "one worker", "caller": "wrong place", "start-up": "start-up",
            "busy-wait": "busy-waiting"}
KEY = {"balanced": "top_share", "imbalance": "early_cpu", "serialised": "overlap",
       "one-worker": "top_share", "caller": "caller_share", "start-up": "first_start_s",
       "busy-wait": "cpu_ratio"}


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    subprocess.check_call(["make", "-s", "build/grader/sampler"], cwd=ROOT, stdout=sys.stderr)
    rows, extra = {}, []
    with tempfile.NamedTemporaryFile("r", suffix=".dat") as tmp:
        env = dict(os.environ, GRADER_DIAG_DATA=tmp.name)
        for _ in range(runs):
            subprocess.call([os.path.join(ROOT, "build", "grader", "sampler"), "-j1",
                             "--filter", "timing/*"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for line in open(tmp.name):
            w = line.split()
            if line.startswith("#"):
                extra.append(line.strip())
            elif len(w) == 11:
                rows.setdefault(w[0], []).append(([float(x) for x in w[1:10]], " ".join(w[10:])))
            elif len(w) == 12:  # a two-word cause
                rows.setdefault(w[0], []).append(([float(x) for x in w[1:10]], " ".join(w[10:])))
    load = open("/proc/loadavg").read().split()[:3]
    print(f"# measured: python3 tools/diagnose_data.py {runs} (grader/tests/sampler.c), "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, nproc {os.cpu_count()}, "
          f"load average {' '.join(load)} at the end")
    print("# each shape: two worker threads that burn set amounts of their own CPU time "
          "(see the tests); medians over the runs; key_lo/key_hi: the range of the figure "
          "that names its class; named: runs classified as expected; sampler_pct: the "
          "sampling thread's CPU time over the run's length, in % of one core")
    print("# columns: shape " + " ".join(FIGURES) + " key key_lo key_hi named runs")
    for shape in EXPECTED:
        got = rows.get(shape, [])
        if not got:
            continue
        med = [statistics.median(r[0][i] for r in got) for i in range(len(FIGURES))]
        k = FIGURES.index(KEY[shape])
        keys = [r[0][k] for r in got]
        named = sum(1 for r in got if r[1] == EXPECTED[shape])
        print(f"{shape} " + " ".join(f"{v:.3f}" for v in med)
              + f" {KEY[shape]} {min(keys):.3f} {max(keys):.3f} {named} {len(got)}")
    for e in extra:
        print(e)


if __name__ == "__main__":
    main()
