#!/usr/bin/env python3
"""trace_cost.py: what the sampler costs in `make trace`, per exercise.

    python3 tools/trace_cost.py [RUNS] > docs/data/trace_cost.dat

It traces every speedup test's reference solution RUNS times (default 3)
with tools/trace.py (SOL=1), reads the sampler's own line in each record
("# record: ... sampler CPU S s (P% of one core) ...") and writes one row
per test: the median share of one core the sampling thread used, and the
lowest and highest.  An MPI trace finds its ranks by walking /proc (no
cgroup holds them), so it costs more than a trace of threads or child
processes; this file says how much.
"""

import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from falsefails import speedup_tests  # noqa: E402  (every speedup test of the course)
RECORD = re.compile(r"# record: (\d+) tasks, .* ([\d.]+) s, sampler CPU [\d.]+ s \(([\d.]+)% of one core\)")


def one_trace(ex, test):
    """(tasks, length_s, sampler_pct) of one traced run, or None."""
    env = dict(os.environ, TRACE_TREE="sol", TRACE_TEST=test)
    path = os.path.join(ROOT, "build", "trace", ex + ".dat")
    if os.path.exists(path):  # an older trace must not stand in for this one
        os.remove(path)
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "trace.py"), ex], cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    m = RECORD.search(open(path).read()) if p.returncode == 0 and os.path.exists(path) else None
    return (int(m.group(1)), float(m.group(2)), float(m.group(3))) if m else None


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = []
    for ex, test in speedup_tests():
        got = [r for r in (one_trace(ex, test) for _ in range(runs)) if r]
        if not got:
            rows.append(f"{ex}/{test} - - - - - 0 {runs}")
            continue
        pct = [r[2] for r in got]
        rows.append(f"{ex}/{test} {statistics.median(r[0] for r in got):.0f} "
                    f"{statistics.median(r[1] for r in got):.3f} {statistics.median(pct):.2f} "
                    f"{min(pct):.2f} {max(pct):.2f} {len(got)} {runs}")
    load = open("/proc/loadavg").read().split()[:3]
    print(f"# measured: python3 tools/trace_cost.py {runs}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, nproc {os.cpu_count()}, "
          f"load average {' '.join(load)} at the end")
    print("# each test: make trace SOL=1 TRACE_TEST=test, RUNS times; tasks and length_s: the "
          "record's (medians); sampler_pct: the sampling thread's CPU time over the record's "
          "length, in % of one core (median, lowest, highest); traced: runs that wrote a record")
    print("# columns: test tasks length_s sampler_pct sampler_lo sampler_hi traced runs")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
