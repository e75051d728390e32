#!/usr/bin/env python3
"""classview.py: one report over a whole class's results.json files.

    python3 tools/classview.py PATH... [--out DIR] [--top 10]

Each PATH is a results.json (Gradescope's format, as `make check` and the
autograder write it) or a folder searched for them: a Gradescope export,
or a folder of CI artifacts.  The report, in the terminal:

  - the score distribution (percent of the maximum, in tenths);
  - per exercise: submissions, mean score, share passing;
  - per test: how many submissions ran it, and the share that failed or
    skipped it, worst first;
  - the most common first failure: per submission, the first failing test
    of the first failing exercise, its message with the numbers taken out,
    so that "took 812 ms" and "took 790 ms" count as one.

With --out DIR it also writes DIR/scores.dat, DIR/scores.gp and, when
gnuplot is installed, DIR/scores.svg: a histogram of the scores.
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys

MARKS = {"✓": "PASSED", "✗": "FAILED", "~": "SKIPPED"}
LINE = re.compile(r"^([✓✗~]) (\S+?)(?:: (.*))?$")


def find_results(paths):
    """Every *.json under the paths that looks like a Gradescope result."""
    found = []
    for p in paths:
        if os.path.isfile(p):
            found.append(p)
            continue
        for top, _, files in os.walk(p):
            found += [os.path.join(top, f) for f in sorted(files) if f.endswith(".json")]
    out = []
    for f in sorted(found):
        try:
            with open(f) as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("tests"), list) and "score" in data:
            out.append((f, data))
    return out


def tests_of(entry):
    """[(suite/test, status, message)] from one exercise's output lines."""
    got = []
    for line in entry.get("output", "").splitlines():
        m = LINE.match(line)
        if m:
            got.append((m.group(2), MARKS[m.group(1)], m.group(3) or ""))
    return got


def pattern(msg):
    """A message with its figures replaced, so that runs group together."""
    msg = re.sub(r"tests/\S+?:\d+: ", "", msg)
    msg = re.sub(r"(?<![\w/.-])\d+(?:\.\d+)?(?=x\b|[^\w/-]|$)", "N", msg)
    return msg[:110]


def summarise(results):
    scores, per_ex, per_test, first = [], {}, {}, collections.Counter()
    for _, data in results:
        maximum = data.get("max_score") or sum(t.get("max_score", 0) for t in data["tests"])
        scores.append(100.0 * data["score"] / maximum if maximum else 0.0)
        first_failure = None
        for entry in data["tests"]:
            ex = entry.get("name", "?")
            e = per_ex.setdefault(ex, {"n": 0, "score": 0.0, "max": 0.0, "passed": 0})
            e["n"] += 1
            e["score"] += entry.get("score", 0)
            e["max"] += entry.get("max_score", 0)
            e["passed"] += entry.get("status") == "passed"
            for name, status, msg in tests_of(entry):
                t = per_test.setdefault(f"{ex.split(' ')[0]} {name}", collections.Counter())
                t[status] += 1
                if status == "FAILED" and first_failure is None:
                    first_failure = f"{ex}: {name}: {pattern(msg)}"
        if first_failure:
            first[first_failure] += 1
    return scores, per_ex, per_test, first


def histogram(scores):
    """Counts per tenth of the maximum: [0,10), ..., [90,100), and 100."""
    bins = [0] * 11
    for s in scores:
        bins[min(int(s // 10), 10)] += 1
    return bins


def print_report(results, scores, per_ex, per_test, first, top):
    n = len(results)
    print(f"class view: {n} submissions")
    if not n:
        return
    scores_sorted = sorted(scores)
    print(f"score (% of the maximum): mean {sum(scores) / n:.1f}, median "
          f"{scores_sorted[n // 2]:.1f}, min {scores_sorted[0]:.1f}, max {scores_sorted[-1]:.1f}")
    bins = histogram(scores)
    width = max(bins) or 1
    for i, c in enumerate(bins):
        label = "100" if i == 10 else f"{10 * i:2d}-{10 * i + 9:2d}"
        print(f"  {label:>6} % | {'#' * round(40 * c / width):40} {c}")
    print("\nper exercise:            submissions  mean score   passing")
    for ex, e in per_ex.items():
        mean = 100 * e["score"] / e["max"] if e["max"] else 0
        print(f"  {ex:34} {e['n']:5}  {mean:8.1f} %  {100 * e['passed'] / e['n']:6.1f} %")
    print(f"\n{'per test, worst first:':66} ran   failed  skipped")
    rows = sorted(per_test.items(), key=lambda kv: -(kv[1]["FAILED"] / sum(kv[1].values())))
    for name, c in rows[:max(top, 1) * 3]:
        total = sum(c.values())
        print(f"  {name:64} {total:5}  {100 * c['FAILED'] / total:5.1f} %  "
              f"{100 * c['SKIPPED'] / total:5.1f} %")
    print("\nmost common first failure:")
    for what, c in first.most_common(top):
        print(f"  {c:4} x {what}")
    if not first:
        print("  (none: every submission passed everything it ran)")


def write_plot(out, scores):
    os.makedirs(out, exist_ok=True)
    bins = histogram(scores)
    with open(os.path.join(out, "scores.dat"), "w") as f:
        f.write("# bin_start_percent submissions\n")
        for i, c in enumerate(bins):
            f.write(f"{10 * i} {c}\n")
    gp = os.path.join(out, "scores.gp")
    with open(gp, "w") as f:
        f.write('set terminal svg size 640,360 font "sans,11"\n'
                f'set output "{os.path.join(out, "scores.svg")}"\n'
                'set title "Scores of the class (% of the maximum)"\n'
                'set xlabel "score, % (each bar a tenth; 100 on its own)"\n'
                'set ylabel "submissions"\nset style fill solid 0.6\nset boxwidth 8\n'
                'set xrange [-5:105]\nset yrange [0:*]\nset xtics 0,10,100\n'
                f'plot "{os.path.join(out, "scores.dat")}" using ($1+5*($1<100)):2 '
                'with boxes notitle\n')
    if shutil.which("gnuplot"):
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("classview: gnuplot failed: " + r.stderr.strip())
        print(f"\nhistogram: {os.path.join(out, 'scores.svg')}")
    else:
        print(f"\nhistogram data: {gp} (gnuplot is not installed: make deps)")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--out", help="write scores.dat, scores.gp and scores.svg here")
    ap.add_argument("--top", type=int, default=10, help="first failures to list")
    args = ap.parse_args()
    results = find_results(args.paths)
    if not results:
        sys.exit("classview: no results.json found under " + " ".join(args.paths))
    scores, per_ex, per_test, first = summarise(results)
    print_report(results, scores, per_ex, per_test, first, args.top)
    if args.out:
        write_plot(args.out, scores)


if __name__ == "__main__":
    main()
