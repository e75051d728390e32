#!/usr/bin/env python3
"""regrade.py: re-run only the timed tests of one submission, N times.

    python3 tools/regrade.py NN-slug/name [-n 5] [--submission FILE]
                             [--tree exercises|solutions] [--json OUT]

A disputed grade is almost always a timed test (the `speedup` and
`timing` suites): a verdict measured once, on a machine that may have
been busy.  This builds the exercise's test program as `make check` does,
then runs just those suites, one test at a time, N times in a row, and
prints every verdict with its message and, per test, how often it
passed, failed and skipped, and the spread (min, median, max) of its
measure: the speedup judge's score (its speedup over the calibration
kernel's, which must reach the pass mark, 0.75 unless course.conf says
otherwise; GRADER_VERBOSE makes the judge print it on a pass too), or
else the first ratio its message quotes ("0.81x").

--submission FILE grades that file instead of the tree's own copy: it is
placed in a scratch tree under build/regrade/ whose other files are links
to this checkout, so nothing here is overwritten (the first build there
takes a minute: the test libraries are compiled once for it).

The tests' inputs use the seed in GRADER_SEED when it is set (grade.py
exports one per student), so a regrade sees the numbers the student saw;
this tool only reads it, and prints it.  Exits 0; the verdicts are the
output.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMED_SUITES = ("speedup", "timing")
BUILD_DIRS = {"exercises": "check", "solutions": "sol"}
RATIO = re.compile(r"(\d+(?:\.\d+)?)x\b")
SCORE = re.compile(r"score (\d+(?:\.\d+)?)")  # grader/speedup.c, GRADER_VERBOSE


def scratch_tree(ex, submission):
    """A tree whose exercises/<ex>.c is the submission and everything else
    links back here; its build/ is its own.  Returns its root."""
    top = os.path.join(ROOT, "build", "regrade", "tree")
    os.makedirs(top, exist_ok=True)
    for name in os.listdir(ROOT):
        if name in ("build", "exercises", ".git"):
            continue
        link = os.path.join(top, name)
        if not os.path.lexists(link):
            os.symlink(os.path.join(ROOT, name), link)
    chapter = ex.split("/")[0]
    ex_dir = os.path.join(top, "exercises", chapter)
    if os.path.isdir(ex_dir):
        shutil.rmtree(ex_dir)
    shutil.copytree(os.path.join(ROOT, "exercises", chapter), ex_dir, symlinks=False)
    shutil.copyfile(submission, os.path.join(top, "exercises", ex + ".c"))
    return top


def build(root, tree, ex):
    """make the test program; returns its path, or exits with the error."""
    target = os.path.join("build", BUILD_DIRS[tree], ex)
    # the libraries first: a fresh scratch tree has none, and the rule that
    # lists a test program's tests does not name them as prerequisites
    r = subprocess.run(["make", "--no-print-directory", "build/san/lib.a", target], cwd=root,
                       capture_output=True, text=True)
    if r.returncode != 0:
        tail = (r.stdout + r.stderr).strip().splitlines()[-5:]
        sys.exit(f"regrade: {ex} does not build:\n  " + "\n  ".join(tail) +
                 f"\nRe-run: make {target}")
    return os.path.join(root, target)


def timed_tests(binary):
    """[(suite, test)] of the timed suites, from the program's --list."""
    text = subprocess.run([binary, "--list"], capture_output=True, text=True,
                          timeout=60).stdout
    found, suite = [], None
    for line in text.splitlines():
        m = re.match(r"^(\S+): \d+ tests?$", line)
        if m:
            suite = m.group(1)
        elif suite in TIMED_SUITES and re.match(r"^[├└]── \S", line):
            found.append((suite, line[4:].strip()))
    return found


def run_one(binary, suite, test, root):
    """One run of one test, alone: (status, message, measure or None)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        report = f.name
    try:
        r = subprocess.run([binary, f"--filter={suite}/{test}", "-j1", "--timeout=300",
                            f"--json={report}", "--color=never"], cwd=root,
                           env=dict(os.environ, GRADER_VERBOSE="1"),
                           capture_output=True, text=True, timeout=900)
        with open(report, errors="replace") as f:
            text = f.read()
    except subprocess.TimeoutExpired:
        return "FAILED", "the test program ran past 900 s and was stopped", None
    finally:
        os.unlink(report)
    try:  # Criterion's JSON may hold raw control characters from messages
        data = json.loads(re.sub(r"[\x00-\x1f]", " ", text))
        for s in data["test_suites"]:
            for t in s["tests"]:
                if s["name"] == suite and t["name"] == test:
                    msg = " ".join(t.get("messages", []))
                    scores = SCORE.findall(r.stdout + r.stderr)
                    # a skip quotes the kernel's speedup, not the code's
                    ratio = RATIO.search(msg) if t["status"] == "FAILED" else None
                    measure = (float(scores[-1]) if scores else
                               float(ratio.group(1)) if ratio else None)
                    return t["status"], msg, measure
    except (ValueError, KeyError, TypeError):
        pass
    return "FAILED", "no report came back (the test program crashed?)", None


def spread(values):
    if not values:
        return "no measure quoted"
    return (f"measure min {min(values):.2f}, median {statistics.median(values):.2f}, "
            f"max {max(values):.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ex", help="NN-slug/name")
    ap.add_argument("-n", type=int, default=5, help="runs of each timed test (default 5)")
    ap.add_argument("--tree", default="exercises", choices=sorted(BUILD_DIRS))
    ap.add_argument("--submission", help="a learner's NAME.c to regrade instead of the tree's")
    ap.add_argument("--json", help="also write the verdicts here")
    args = ap.parse_args()
    ex = args.ex.strip("/")
    if not os.path.exists(os.path.join(ROOT, "tests", ex + ".c")):
        sys.exit(f"regrade: no tests/{ex}.c; name an exercise as NN-slug/name")
    root, tree = ROOT, args.tree
    if args.submission:
        root, tree = scratch_tree(ex, os.path.abspath(args.submission)), "exercises"
    binary = build(root, tree, ex)
    tests = timed_tests(binary)
    seed = os.environ.get("GRADER_SEED", "")
    print(f"regrade {ex} ({args.submission or tree}): {len(tests)} timed tests, "
          f"{args.n} runs each, GRADER_SEED={seed or '(unset: a fresh seed per run)'}")
    if not tests:
        print("  this exercise has no timed tests (suites speedup, timing): nothing to regrade")
    out = {"exercise": ex, "runs": args.n, "seed": seed, "tests": {}}
    for suite, test in tests:
        name = f"{suite}/{test}"
        verdicts = []
        for i in range(args.n):
            status, msg, measure = run_one(binary, suite, test, root)
            verdicts.append({"status": status, "message": msg, "measure": measure})
            shown = f"[{measure:.2f}] " if measure is not None else ""
            print(f"  {name} run {i + 1}: {status:7} {shown}{msg[:150]}")
        counts = {s: sum(v["status"] == s for v in verdicts) for s in ("PASSED", "FAILED", "SKIPPED")}
        ratios = [v["measure"] for v in verdicts if v["measure"] is not None]
        print(f"  {name}: {counts['PASSED']} passed, {counts['FAILED']} failed, "
              f"{counts['SKIPPED']} skipped of {args.n}; {spread(ratios)}")
        out["tests"][name] = {"counts": counts, "measures": ratios, "verdicts": verdicts}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
