#!/usr/bin/env python3
"""falsefails.py: how often does a reference solution fail its own speedup test?

    FALSEFAILS_RUNS=100 python3 tools/falsefails.py [out.dat]

One *grading* here runs every speedup test of every exercise once, with
the reference solution, one test at a time, as `make check` would; the
script repeats the grading RUNS times in a row (so a burst of load meets
every test, not one) and counts each test's verdicts.  A solution that
fails its own speedup test is a false fail: a student with the same code
would lose the points.  The speedup judge prints its score on every
verdict (GRADER_VERBOSE), so the file also keeps each test's lowest and
median score, which says how far from the pass mark the closest call came.

It holds the grader's timing lock alone for the whole study, so no other
grader on the machine runs a test beside it, and it writes a data file
(default docs/data/falsefails.dat) that the instructors' guide quotes.
"""

import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import fairness  # noqa: E402  (machine(): the data files' first line)
import grade  # noqa: E402
import regrade  # noqa: E402  (run_one: one test, alone, with its score)

RUNS = int(os.environ.get("FALSEFAILS_RUNS", "100"))


def speedup_tests():
    """[(exercise, test)] of every speedup test the solutions must pass."""
    points, _ = grade.read_config(os.path.join(ROOT, "course.conf"))
    found = []
    for ex in grade.course_order(grade.all_exercises("solutions"), points):
        found += [(ex, t) for t in grade.speedup_tests(ex)]
    return found


def main():
    os.chdir(ROOT)
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join("docs", "data", "falsefails.dat")
    tests = speedup_tests()
    exercises = sorted({ex for ex, _ in tests})
    built = grade.build_all([f"build/sol/{ex}" for ex in exercises], os.cpu_count() or 2)
    broken = [f"{t}: {e}" for t, e in built.items() if e]
    if broken:
        sys.exit("falsefails: cannot build " + "; ".join(broken))
    verdicts = {t: [] for t in tests}
    scores = {t: [] for t in tests}
    load = os.getloadavg()[0]
    start = time.time()
    with grade.timing_lock(exclusive=True):
        for run in range(RUNS):
            for ex, test in tests:
                status, msg, measure = regrade.run_one(os.path.join(ROOT, "build", "sol", ex),
                                                       "speedup", test, ROOT)
                verdicts[(ex, test)].append(status)
                if measure is not None and status != "SKIPPED":
                    scores[(ex, test)].append(measure)
                if status == "FAILED":
                    print(f"  run {run + 1}: {ex} speedup/{test} FAILED: {msg[:300]}", file=sys.stderr)
            print(f"  grading {run + 1} of {RUNS} done ({time.time() - start:.0f} s)",
                  file=sys.stderr, flush=True)
    write(out_path, tests, verdicts, scores, load, time.time() - start)
    print(open(out_path).read())


def write(path, tests, verdicts, scores, load, seconds):
    rows = []
    for ex, test in tests:
        v, s = verdicts[(ex, test)], scores[(ex, test)]
        rows.append(f"{ex}/{test} {len(v)} {v.count('PASSED')} {v.count('FAILED')} "
                    f"{v.count('SKIPPED')} " +
                    (f"{min(s):.2f} {statistics.median(s):.2f}" if s else "- -"))
    v = [x for t in tests for x in verdicts[t]]
    rows.append(f"total {len(v)} {v.count('PASSED')} {v.count('FAILED')} {v.count('SKIPPED')} - -")
    with open(path + ".tmp", "w") as f:
        f.write(fairness.machine() + "\n")
        f.write(f"# {RUNS} gradings in a row, each running every speedup test once with the reference "
                f"solution, one test at a time, the timing lock held alone; load average before: "
                f"{load:.2f}; {time.strftime('%Y-%m-%d', time.gmtime())}; {seconds:.0f} s; "
                f"by tools/falsefails.py\n")
        f.write("# columns: test runs passed failed skipped lowest_score median_score\n")
        f.write("\n".join(rows) + "\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
