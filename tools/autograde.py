#!/usr/bin/env python3
"""autograde.py: grade one submission inside the autograder bundle.

    python3 tools/autograde.py --root /autograder

Gradescope's layout: the bundle (this repository without solutions, with
the private tests) in ROOT/source, the student's files in ROOT/submission,
and the verdict goes to ROOT/results/results.json.  For each exercise the
course counts (course.conf), the submitted NAME.c is copied over
exercises/NN-slug/NAME.c; it is found as exercises/NN-slug/NAME.c or
NN-slug/NAME.c anywhere in the submission (a repository), or as a bare
NAME.c when only one exercise has that name (an upload; every exercise of
the book has a name of its own).  A bare NAME.c that could be two
exercises, or that was sent twice, is refused with a sentence in the
output.  Contracts (.h), tests and everything else stay the course's.  An
exercise not submitted keeps its stub and scores zero as "not started".

The grader (grade.py, private tests included) writes the results to a
file of its own, and only then is ROOT/results/results.json written, so
whatever the submitted code wrote there is overwritten.  If the grader
itself fails, results.json still says so, with a score of 0.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402


def submitted_files(submission):
    found = []
    for dirpath, dirnames, filenames in os.walk(submission):
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", "build"))
        found += [os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".c")]
    return found


def find(ex, files, submission, chosen):
    """The file to grade as ex and "", or None and the sentence that says
    why a bare NAME.c was refused ("" when none was sent).  A bare name is
    taken only when it names one exercise of the course and was sent once:
    guessing would grade one exercise's code against another's tests."""
    chapter, name = ex.split("/")
    rel = {f: os.path.relpath(f, submission) for f in files}
    for f in files:
        if rel[f] == f"exercises/{ex}.c":
            return f, ""
    for f in files:
        if rel[f].endswith(f"{chapter}/{name}.c") and "/solutions/" not in "/" + rel[f]:
            return f, ""
    bare = [f for f in files if os.path.basename(f) == f"{name}.c"]
    same = [e for e in chosen if e.split("/")[1] == name]
    if bare and len(same) > 1:
        return None, (f"{rel[bare[0]]} was not graded: {len(same)} exercises of this course "
                      f"are named {name} ({', '.join(same)}), so upload it as {ex}.c "
                      f"(in a folder {chapter}/), and exercises/{ex}.c is graded as the stub")
    if len(bare) > 1:
        return None, (f"{name}.c was not graded: it was uploaded {len(bare)} times "
                      f"({', '.join(rel[f] for f in bare)}), so upload only one, and "
                      f"exercises/{ex}.c is graded as the stub")
    return (bare[0], "") if bare else (None, "")


def choose(submission, chosen):
    """{exercise: (file or None, why)} for every chosen exercise."""
    files = submitted_files(submission) if os.path.isdir(submission) else []
    return {ex: find(ex, files, submission, chosen) for ex in chosen}


def collect(submission, chosen):
    """Copy each submitted exercise into exercises/; say what was taken."""
    log = []
    for ex, (f, why) in choose(submission, chosen).items():
        if f:
            dest = os.path.join(ROOT, "exercises", ex + ".c")
            with open(f, "rb") as a, open(dest, "rb") as b:
                same = a.read() == b.read()
            if not same:  # an identical file keeps its date, and its build
                shutil.copyfile(f, dest)
            log.append(f"graded {os.path.relpath(f, submission)} as exercises/{ex}.c"
                       + (" (identical to the file there: kept as is)" if same else ""))
        else:
            log.append(why or f"no {ex.split('/')[1]}.c submitted: exercises/{ex}.c is graded as the stub")
    return log


def failure(message, elapsed):
    return {"score": 0.0, "execution_time": int(round(elapsed)), "visibility": "visible",
            "output": "The autograder could not grade this submission: " + message, "tests": []}


def student_id(root):
    """The submitter's id from Gradescope's submission_metadata.json, for a
    seed of their own (grade.py --student); "" when there is none."""
    try:
        with open(os.path.join(root, "submission_metadata.json")) as f:
            users = json.load(f).get("users") or [{}]
        return str(users[0].get("id") or users[0].get("email") or "")
    except (OSError, ValueError, AttributeError):
        return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    args = ap.parse_args()
    start = time.time()
    os.chdir(ROOT)
    points, settings = grade.read_config(os.path.join(ROOT, "course.conf"))
    chosen = grade.chosen_exercises(points)
    log = collect(os.path.join(args.root, "submission"), chosen)
    print("\n".join(log), flush=True)
    fd, private = tempfile.mkstemp(prefix="results-", suffix=".json")
    os.close(fd)
    os.remove(private)
    p = subprocess.run([sys.executable, "grader/grade.py", "check", "--gradescope", private,
                        "--student", student_id(args.root)], cwd=ROOT, stdin=subprocess.DEVNULL)
    try:
        with open(private) as f:
            results = json.load(f)
        os.remove(private)
        results["output"] = results.get("output", "") + "\n\n" + "\n".join(log)
        results["execution_time"] = int(round(time.time() - start))
    except (OSError, ValueError):
        results = failure(f"the grader stopped with status {p.returncode} before writing "
                          "its report (see the autograder's output)", time.time() - start)
    out = os.path.join(args.root, "results", "results.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".tmp", "w") as f:
        json.dump(results, f, indent=2)
    os.replace(out + ".tmp", out)
    print(f"autograde: {results['score']:g} points -> {out}")


if __name__ == "__main__":
    main()
