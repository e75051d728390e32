#!/usr/bin/env python3
"""hours.py: the data behind the guide's time estimates and grading times.

    python3 tools/hours.py [--autograder] [--conf FILE --out FILE]

Writes docs/data/hours.dat: per exercise (course.conf's order), the size
of its reference solution (lines that hold code: not blank, not only a
comment or a brace), how many tests hold it to its contract (public and
private), and an estimate of the hours a student spends on it, by the
rule the guide states:

    hours = 1 (reading the contract and the chapter's demos)
          + code lines / 15 (writing and debugging, at 15 lines an hour)
          + 0.5 per timed or race test (a speedup, timing or race test is
            the kind a first working version fails)

rounded to the half hour.  The rule is an argument, not a measurement
of students; the guide says so.

With --autograder it also times the Gradescope bundle on this machine
(tools/gradescope_sim.py, the reference solutions as the submission, on
all cores and on one) and writes docs/data/autograder.dat: the grading
time the bundle reports in results.json (execution_time), per run.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import grade  # noqa: E402

CONF = "course.conf"
LINES_PER_HOUR = 15
READING_HOURS = 1.0
PER_HARD_TEST = 0.5


def code_lines(path):
    """Lines holding code: comments (// and /* */) and lone braces dropped."""
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return sum(1 for l in text.splitlines() if l.strip() not in ("", "{", "}", "};"))


def tests_of(ex):
    """(all tests, timed or race tests) in the public and private test files."""
    total = hard = 0
    for path in (f"tests/{ex}.c", grade.hidden_source(ex)):
        if path and os.path.exists(os.path.join(ROOT, path)):
            for suite in re.findall(r"(?m)^\s*(?:Parameterized)?Test\(\s*(\w+)\s*,",
                                    open(os.path.join(ROOT, path)).read()):
                total += 1
                hard += suite in ("speedup", "timing", "race")
    return total, hard


def estimate(lines, hard):
    return round(2 * (READING_HOURS + lines / LINES_PER_HOUR + PER_HARD_TEST * hard)) / 2


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Linux {os.uname().release}"


def write_hours(points, path):
    rows, total = [], 0.0
    for ex in points:
        sol = os.path.join(ROOT, "solutions", ex + ".c")
        if not os.path.exists(sol):
            continue
        lines = code_lines(sol)
        tests, hard = tests_of(ex)
        h = estimate(lines, hard)
        total += h
        rows.append((ex, lines, tests, hard, h))
    with open(path, "w") as f:
        f.write(f"# hours = {READING_HOURS:g} + code lines / {LINES_PER_HOUR} + {PER_HARD_TEST:g} per "
                "timed or race test, to the half hour (an argued estimate, not a measurement)\n"
                f"# written by: python3 tools/hours.py (the exercises of {CONF})\n"
                "# columns: exercise solution_lines tests timed_or_race hours\n")
        for r in rows:
            f.write(" ".join(str(x) for x in r) + "\n")
        f.write(f"total {sum(r[1] for r in rows)} {sum(r[2] for r in rows)} "
                f"{sum(r[3] for r in rows)} {total:g}\n")
    print(f"hours: {len(rows)} exercises, {total:g} hours in all; written to {path}")


def time_autograder():
    import gradescope_sim as sim
    r = subprocess.run(["make", "-s", "gradescope"], cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        sys.exit("hours: make gradescope failed:\n" + r.stdout[-400:] + r.stderr[-400:])
    root = tempfile.mkdtemp(prefix="autograder-")
    load = os.getloadavg()[0]
    rows = []
    for one_core in (False, True, False):  # the first run also builds the libraries
        start = time.time()
        results, _ = sim.run(root, "solutions", one_core, "none")
        rows.append((("warm-" if rows else "cold-") + ("one-core" if one_core else "all-cores"),
                     results.get("execution_time", 0), round(time.time() - start)))
    path = os.path.join(ROOT, "docs", "data", "autograder.dat")
    with open(path, "w") as f:
        f.write(f"# machine: {machine()}; load average {load:.1f} when it started\n"
                "# the Gradescope bundle (tools/gradescope_sim.py) grading every reference "
                "solution as one submission; written by: python3 tools/hours.py --autograder\n"
                "# columns: run graded_s whole_run_s\n")
        for name, graded, whole in rows:
            f.write(f"{name} {graded} {whole}\n")
    print(f"autograder: {rows}; written to {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--autograder", action="store_true")
    ap.add_argument("--conf", default=os.environ.get("COURSE_CONF") or "course.conf")
    ap.add_argument("--out", default=os.path.join("docs", "data", "hours.dat"))
    args = ap.parse_args()
    global CONF
    CONF = args.conf
    points, _ = grade.read_config(os.path.join(ROOT, args.conf))
    write_hours(points, os.path.join(ROOT, args.out))
    if args.autograder:
        time_autograder()


if __name__ == "__main__":
    main()
