#!/usr/bin/env python3
"""similarity.py: get a class's submissions ready for a plagiarism check.

    python3 tools/similarity.py SUBMISSION... [--ex NN-slug/name] [--out DIR]
                                [--threshold 40] [--baseline FILE]

Each SUBMISSION is one student's folder (the name of the folder names the
student): a Gradescope export's submission folder, a clone of the
student's repository, or a folder of bare files.  The student's file for
exercise NN-slug/name is found as exercises/NN-slug/name.c, NN-slug/name.c
or name.c (a bare name only when no other exercise shares it).

For every exercise (those course.conf counts, or --ex), DIR (default
build/similarity) gets:

  NN-slug/name/submissions/STUDENT.c   the students' files;
  NN-slug/name/base/                   what every student was given or
                                       shown: the stub, the contract,
                                       lib/ and the chapter's demos;
  NN-slug/name/base-files.txt          the same, one path a line;
  NN-slug/name/moss.sh, jplag.sh       the MOSS and JPlag command lines,
                                       with the base files passed as base
                                       code (MOSS -b, JPlag -bc).

Then, when Debian's similarity-tester is installed (make deps), it runs
sim_c locally: the runs of 24 tokens or more that a submission shares
with a base file are blanked out first (the base subtracted), and then
every pair of submissions is compared.  It prints, per exercise, each
submission's share of base material and the pairs above --threshold
percent ("A consists for x % of B material", which is not symmetric).

--baseline FILE measures what a high score means: the share of each
reference solution (solutions/) that is material from its base files,
written as a data file for docs/instructors.md.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402  (course.conf, and the course's exercise order)

RUN = 24  # sim_c's default minimum run, in tokens
PERCENT = re.compile(r"^(\S+) consists for (\d+) % of (\S+) material$")
SPAN = re.compile(r"^(\S+): line (\d+)-(\d+)\|")


def base_files(ex):
    """Everything a student of ex was given or shown, as repository paths."""
    chapter, name = ex.split("/")
    files = [f"exercises/{ex}.c"]
    files += sorted(f"exercises/{chapter}/{f}" for f in os.listdir(os.path.join(ROOT, "exercises", chapter))
                    if f.endswith(".h"))
    files += sorted(f"lib/{f}" for f in os.listdir(os.path.join(ROOT, "lib")) if f.endswith((".c", ".h")))
    demos = os.path.join(ROOT, "chapters", chapter)
    if os.path.isdir(demos):
        files += sorted(f"chapters/{chapter}/{f}" for f in os.listdir(demos) if f.endswith((".c", ".h")))
    return [f for f in files if os.path.isfile(os.path.join(ROOT, f))]


def find_file(folder, ex, bare_ok):
    """The student's file for ex in folder, or None."""
    chapter, name = ex.split("/")
    for rel in (f"exercises/{ex}.c", f"{ex}.c", f"{name}.c" if bare_ok else None):
        if rel and os.path.isfile(os.path.join(folder, rel)):
            return os.path.join(folder, rel)
    for top, _, files in os.walk(folder):  # a repository unpacked one level down
        if top.endswith(os.path.join("exercises", chapter)) and f"{name}.c" in files:
            return os.path.join(top, f"{name}.c")
    return None


def student_name(folder):
    return re.sub(r"[^\w.-]", "_", os.path.basename(os.path.normpath(folder))) or "student"


def export(ex, students, out):
    """Write one exercise's submissions, base files and command lines."""
    d = os.path.join(out, ex)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "submissions"))
    os.makedirs(os.path.join(d, "base"))
    bases = []
    for f in base_files(ex):
        dst = os.path.join(d, "base", f.replace("/", "__"))
        shutil.copyfile(os.path.join(ROOT, f), dst)
        bases.append(dst)
    with open(os.path.join(d, "base-files.txt"), "w") as fh:
        fh.write("".join(f + "\n" for f in base_files(ex)))
    subs = []
    for who, path in students:
        dst = os.path.join(d, "submissions", who + ".c")
        shutil.copyfile(path, dst)
        subs.append(dst)
    with open(os.path.join(d, "moss.sh"), "w") as fh:
        fh.write("#!/bin/sh\n# MOSS (https://theory.stanford.edu/~aiken/moss/): its moss script, your user id inside.\n"
                 "cd \"$(dirname \"$0\")\" && moss -l c " +
                 " ".join(f"-b base/{os.path.basename(b)}" for b in bases) + " submissions/*.c\n")
    with open(os.path.join(d, "jplag.sh"), "w") as fh:
        fh.write("#!/bin/sh\n# JPlag (https://github.com/jplag/JPlag): -l c is its C front end, -bc the base code.\n"
                 "cd \"$(dirname \"$0\")\" && java -jar \"${JPLAG_JAR:-jplag.jar}\" -l c -bc base submissions\n")
    return bases, subs


def sim(args):
    r = subprocess.run(["sim_c"] + args, capture_output=True, text=True)
    return r.stdout.splitlines()


def base_share(sub, bases):
    """Percent of sub that is material from the base files (sim_c -S)."""
    best = 0
    for line in sim(["-p", "-S", "-T", sub, "/"] + bases):
        m = PERCENT.match(line)
        if m and m.group(1) == sub:
            best += int(m.group(2))  # one entry per base file; runs do not overlap
    return min(best, 100)


def subtract_base(sub, bases, dst):
    """A copy of sub with every line in a run shared with a base file blanked."""
    blank = set()
    for line in sim(["-n", "-S", "-T", "-r", str(RUN), sub, "/"] + bases):
        m = SPAN.match(line)
        if m and m.group(1) == sub:
            blank.update(range(int(m.group(2)), int(m.group(3)) + 1))
    with open(sub, errors="replace") as fh:
        lines = fh.read().split("\n")
    with open(dst, "w") as fh:
        fh.write("\n".join("" if i + 1 in blank else l for i, l in enumerate(lines)))


def compare(ex, bases, subs, out, threshold):
    """Base shares, then pairs above the threshold, for one exercise."""
    stripped = os.path.join(out, ex, "stripped")
    os.makedirs(stripped, exist_ok=True)
    names = []
    for s in subs:
        dst = os.path.join(stripped, os.path.basename(s))
        subtract_base(s, bases, dst)
        names.append(dst)
    shares = {os.path.basename(s)[:-2]: base_share(s, bases) for s in subs}
    print(f"{ex}: {len(subs)} submissions; share of base material: " +
          ", ".join(f"{k} {v} %" for k, v in shares.items()))
    pairs = []
    if len(names) > 1:
        for line in sim(["-p", "-e", "-s", "-T", "-t", str(threshold)] + names):
            m = PERCENT.match(line)
            if m:
                pairs.append((int(m.group(2)), os.path.basename(m.group(1))[:-2],
                              os.path.basename(m.group(3))[:-2]))
    for pct, a, b in sorted(pairs, reverse=True):
        print(f"  {a} consists for {pct} % of {b}'s material (base subtracted)")
    if len(names) > 1 and not pairs:
        print(f"  no pair above {threshold} % once the base is subtracted")
    return shares, pairs


def baseline(path, exercises):
    """The share of base material in each reference solution."""
    rows = []
    for ex in exercises:
        sol = os.path.join("solutions", ex + ".c")
        if not os.path.exists(os.path.join(ROOT, sol)):
            continue
        bases = base_files(ex)
        demos = [b for b in bases if b.startswith("chapters/")]
        lib = [b for b in bases if b.startswith("lib/")]
        os.chdir(ROOT)
        rows.append((ex, base_share(sol, bases), base_share(sol, demos) if demos else 0,
                     base_share(sol, lib)))
    with open(path, "w") as fh:
        fh.write("# Share of each reference solution that sim_c (similarity-tester, runs of "
                 f"{RUN} tokens) finds in the files its students are given or shown\n"
                 "# measured by: python3 tools/similarity.py --baseline " + os.path.relpath(path, ROOT) + "\n"
                 "# columns: exercise all_base_% demos_% lib_%\n")
        for ex, a, d, l in rows:
            fh.write(f"{ex} {a} {d} {l}\n")
    worst = max(rows, key=lambda r: r[1]) if rows else None
    print(f"baseline: {len(rows)} reference solutions; median share of base material "
          f"{sorted(r[1] for r in rows)[len(rows) // 2] if rows else 0} %, highest "
          f"{worst[1] if worst else 0} % ({worst[0] if worst else '-'}); written to {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submissions", nargs="*")
    ap.add_argument("--ex", action="append", default=[], help="NN-slug/name (repeatable)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "similarity"))
    ap.add_argument("--threshold", type=int, default=40)
    ap.add_argument("--baseline", help="measure the reference solutions; write this data file")
    ap.add_argument("--config", default=os.environ.get("COURSE_CONF") or "course.conf")
    args = ap.parse_args()
    points, _ = grade.read_config(os.path.join(ROOT, args.config))
    exercises = args.ex or list(points)
    have_sim = shutil.which("sim_c") is not None
    if args.baseline:
        if not have_sim:
            sys.exit("similarity: sim_c is missing (Debian's similarity-tester): make deps")
        baseline(os.path.abspath(args.baseline), exercises)
    if not args.submissions:
        return
    names = [e.split("/")[1] for e in exercises]
    folders = [os.path.abspath(f) for f in args.submissions]
    out = os.path.abspath(args.out)
    for ex in exercises:
        bare_ok = names.count(ex.split("/")[1]) == 1
        students = [(student_name(f), p) for f in folders for p in [find_file(f, ex, bare_ok)] if p]
        if not students:
            continue
        bases, subs = export(ex, students, out)
        if have_sim:
            compare(ex, bases, subs, out, args.threshold)
    print(f"exported to {out}: per exercise, submissions/, base/, base-files.txt, moss.sh, jplag.sh" +
          ("" if have_sim else "; sim_c is not installed (make deps), so nothing was compared here"))


if __name__ == "__main__":
    main()
