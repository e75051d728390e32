#!/usr/bin/env python3
"""gradescope_sim.py: run the Gradescope bundle here, without Gradescope.

    AUTOGRADER_ROOT=/tmp/ag python3 tools/gradescope_sim.py --submit solutions \
        [--one-core] [--skipped-speedup full|none] [--expect full|zero]

It lays out what Gradescope's image holds under AUTOGRADER_ROOT (a new
temporary folder when unset): source/ (build/gradescope.zip unzipped),
run_autograder beside it, submission/ and results/.  It runs setup.sh once
per root, fills submission/ with every exercise's solution (or stub) the
way a student would upload them, runs run_autograder -- under
`taskset -c 0` with --one-core, as on a one-CPU autograder -- and checks
that results/results.json has every field Gradescope documents, with the
right types, and the expected score.  Exit status 0 when all holds.
`make test` drives it (stage k); tools/maintainer_test.py imports it.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402

VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
STATUS = {"passed", "failed"}
NUMBER = (int, float)


def prepare(root, bundle=os.path.join(ROOT, "build", "gradescope.zip")):
    """The /autograder layout, with the bundle unzipped and set up once."""
    source = os.path.join(root, "source")
    if not os.path.exists(os.path.join(root, ".setup-done")):
        shutil.rmtree(source, ignore_errors=True)
        os.makedirs(source)
        with zipfile.ZipFile(bundle) as z:
            for info in z.infolist():
                z.extract(info, source)
                mode = info.external_attr >> 16
                if mode:
                    os.chmod(os.path.join(source, info.filename), mode & 0o777)
        shutil.copy2(os.path.join(source, "run_autograder"), os.path.join(root, "run_autograder"))
        p = subprocess.run(["bash", "setup.sh"], cwd=source, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("setup.sh failed: " + (p.stderr or p.stdout)[-800:])
        open(os.path.join(root, ".setup-done"), "w").close()
    return source


def submit(root, tree, exercises):
    """What a student uploads: bare NAME.c files when the name is unique in
    the course, chapter/NAME.c otherwise."""
    sub = os.path.join(root, "submission")
    shutil.rmtree(sub, ignore_errors=True)
    os.makedirs(sub)
    names = [e.split("/")[1] for e in exercises]
    for ex in exercises:
        chapter, name = ex.split("/")
        dest = os.path.join(sub, f"{name}.c" if names.count(name) == 1 else f"{chapter}/{name}.c")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(os.path.join(ROOT, tree, ex + ".c"), dest)


def upload_problems(chosen):
    """How bare uploads are matched (autograde.choose), without grading: []
    when every exercise of the book has a name no other has, each chosen
    exercise's bare NAME.c is graded as that exercise, and a bare NAME.c
    that could be two exercises, or that was sent twice, is refused with a
    sentence naming why."""
    import autograde
    bad = []
    book = grade.all_exercises("exercises")
    for name in sorted({e.split("/")[1] for e in book}):
        same = [e for e in book if e.split("/")[1] == name]
        if len(same) > 1:
            bad.append(f"{name}.c names {len(same)} exercises ({', '.join(same)}): "
                       "a bare upload of it cannot be graded")
    with tempfile.TemporaryDirectory(prefix="uploads-") as sub:
        for ex in chosen:
            open(os.path.join(sub, ex.split("/")[1] + ".c"), "w").close()
        for ex, (f, why) in autograde.choose(sub, chosen).items():
            if not f or os.path.basename(f) != ex.split("/")[1] + ".c":
                bad.append(f"a bare {ex.split('/')[1]}.c was not graded as {ex}: {why or 'not found'}")
        if chosen:  # a course where two exercises share a name, and a file sent twice
            twin = "99-twin/" + chosen[0].split("/")[1]
            picked = autograde.choose(sub, chosen + [twin])
            f, why = picked[chosen[0]]
            if f or "was not graded" not in why or twin not in why:
                bad.append(f"a bare {twin.split('/')[1]}.c, the name of both {chosen[0]} and "
                           f"{twin}, was not refused with a sentence naming both "
                           f"({'graded as ' + chosen[0] if f else 'said: ' + repr(why)})")
            os.makedirs(os.path.join(sub, "again"))
            open(os.path.join(sub, "again", chosen[0].split("/")[1] + ".c"), "w").close()
            f, why = autograde.choose(sub, chosen)[chosen[0]]
            if f or "uploaded 2 times" not in why:
                bad.append(f"{chosen[0].split('/')[1]}.c sent twice was not refused with a "
                           f"sentence ({'one was graded' if f else 'said: ' + repr(why)})")
    return bad


def configure(source, skipped, only=None):
    """The course.conf of this run: the bundle's own, with `skipped-speedup`
    set, and only the exercises in `only` when it is given (as an
    instructor would choose them)."""
    path = os.path.join(source, "course.conf")
    if not os.path.exists(path + ".bundled"):
        shutil.copyfile(path, path + ".bundled")
    lines = open(path + ".bundled").read().splitlines(keepends=True)
    if only is not None:
        def kept(line):
            words = line.split("#", 1)[0].split()
            return not (len(words) == 2 and words[1].isdigit() and words[0] not in only)
        lines = [l for l in lines if kept(l)]
    open(path, "w").write("".join(lines))
    set_skipped(source, skipped)


def set_skipped(source, value):
    path = os.path.join(source, "course.conf")
    text = open(path).read()
    text, n = re.subn(r"(?m)^set skipped-speedup \S+", f"set skipped-speedup {value}", text)
    if not n:
        text += f"\nset skipped-speedup {value}\n"
    open(path, "w").write(text)


def validate(results):
    """Every documented field, with its type; [] when all is well."""
    bad = []

    def need(obj, key, types, where, optional=False):
        if key not in obj:
            if not optional:
                bad.append(f"{where}: no '{key}'")
            return
        if not isinstance(obj[key], types) or isinstance(obj[key], bool):
            bad.append(f"{where}: '{key}' is {type(obj[key]).__name__}")

    need(results, "score", NUMBER, "results")
    need(results, "execution_time", NUMBER, "results")
    need(results, "output", str, "results", optional=True)
    need(results, "visibility", str, "results", optional=True)
    need(results, "tests", list, "results")
    if results.get("visibility", "visible") not in VISIBILITY:
        bad.append(f"results: visibility '{results['visibility']}'")
    for i, t in enumerate(results.get("tests", [])):
        where = f"tests[{i}] ({t.get('name', '?')})"
        for key, types in (("name", str), ("score", NUMBER), ("max_score", NUMBER),
                           ("status", str), ("output", str), ("visibility", str)):
            need(t, key, types, where)
        if t.get("status") not in STATUS:
            bad.append(f"{where}: status '{t.get('status')}'")
        if t.get("visibility") not in VISIBILITY:
            bad.append(f"{where}: visibility '{t.get('visibility')}'")
        if isinstance(t.get("score"), NUMBER) and isinstance(t.get("max_score"), NUMBER):
            if not 0 <= t["score"] <= t["max_score"] + 1e-6:
                bad.append(f"{where}: score {t['score']} outside 0..{t['max_score']}")
    if isinstance(results.get("score"), NUMBER):
        total = sum(t.get("score", 0) for t in results.get("tests", []))
        if abs(total - results["score"]) > 0.05 * max(1, len(results.get("tests", []))):
            bad.append(f"results: score {results['score']} is not the sum of the tests' ({total:g})")
    return bad


def max_score(results):
    return sum(t["max_score"] for t in results["tests"])


def skipped_lines(results):
    """(entry, line) for every test the run reported as skipped."""
    return [(t["name"], line) for t in results["tests"] for line in t["output"].splitlines()
            if line.startswith("~ ")]


def run(root, tree, one_core=False, skipped="none", only=None):
    """Grade every chosen exercise of `tree` (or those in `only`) through the
    bundle; the results and the autograder's output."""
    source = prepare(root)
    configure(source, skipped, only)
    points, _ = grade.read_config(os.path.join(source, "course.conf"))
    submit(root, tree, [e for e in points if os.path.exists(os.path.join(ROOT, tree, e + ".c"))])
    results_path = os.path.join(root, "results", "results.json")
    if os.path.exists(results_path):
        os.remove(results_path)
    os.makedirs(os.path.dirname(results_path), exist_ok=True)
    cmd = (["taskset", "-c", "0"] if one_core else []) + [os.path.join(root, "run_autograder")]
    env = dict(os.environ, AUTOGRADER_ROOT=root)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    if not os.path.exists(results_path):
        raise RuntimeError("run_autograder wrote no results.json: " + (p.stderr or p.stdout)[-800:])
    with open(results_path) as f:
        return json.load(f), p.stdout + p.stderr


def lockdown(root):
    """What learner code, run as nobody, must not reach after a run: []
    when all holds (or when this is not root, and nothing was dropped)."""
    user = grade.target_user()
    if not user:
        return []
    bad = []
    hidden = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(root, "source", "tests"))
              for f in fs if "/hidden" in d]

    def as_user(*cmd):
        return subprocess.run(cmd, preexec_fn=grade.unprivileged(), capture_output=True).returncode == 0
    bad += [f"{user.pw_name} can read {h}" for h in hidden[:3] if as_user("cat", h)]
    if as_user("touch", os.path.join(root, "results", "forged.json")):
        bad.append(f"{user.pw_name} can write {root}/results")
    return bad


def expectations(results, expect, one_core, skipped):
    """What must hold of a run; [] when it does."""
    bad = validate(results)
    top = max_score(results)
    skips = skipped_lines(results)
    if one_core:
        speed = [(n, l) for t in results["tests"] for l in t["output"].splitlines()
                 for n in [t["name"]] if re.match(r"[~✓✗] (private )?speedup/", l)]
        wrong = [f"{n}: {l}" for n, l in speed if grade.ONE_CORE not in l]
        if expect != "zero":
            bad += [f"on one core a speedup test should say 'skipped: {grade.ONE_CORE}': {w}" for w in wrong]
    if expect == "zero" and results["score"] != 0:
        bad.append(f"the stubs scored {results['score']} (expected 0)")
    if expect == "zero":
        bad += [f"{t['name']}: stub output does not say 'not started'" for t in results["tests"]
                if "not started" not in t["output"]]
    if expect == "full":
        if one_core and skipped == "none" and skips:
            lost = sum(t["max_score"] - t["score"] for t in results["tests"])
            if not lost > 0:
                bad.append(f"{len(skips)} tests skipped but scored with skipped-speedup none")
            wrong = [t["name"] for t in results["tests"]
                     if t["status"] == "failed" and not any(l.startswith("~ ") for l in t["output"].splitlines())]
            bad += [f"{n}: failed, not only skipped" for n in wrong]
        elif abs(results["score"] - top) > 0.05:
            failed = [f"{t['name']}: {t['output'].splitlines()[0]}" for t in results["tests"]
                      if t["score"] < t["max_score"]]
            bad.append(f"the solutions scored {results['score']} of {top}; " + "; ".join(failed[:3]))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--submit", choices=["solutions", "exercises"], default="solutions")
    ap.add_argument("--one-core", action="store_true")
    ap.add_argument("--skipped-speedup", choices=["none", "full"], default="none")
    ap.add_argument("--expect", choices=["full", "zero"], default=None)
    ap.add_argument("--rebuild", action="store_true", help="make gradescope first")
    args = ap.parse_args()
    if args.rebuild or not os.path.exists(os.path.join(ROOT, "build", "gradescope.zip")):
        subprocess.run(["make", "-s", "gradescope"], cwd=ROOT, check=True)
    root = os.environ.get("AUTOGRADER_ROOT") or tempfile.mkdtemp(prefix="autograder-")
    results, log = run(root, args.submit, args.one_core, args.skipped_speedup)
    expect = args.expect or ("full" if args.submit == "solutions" else "zero")
    bad = expectations(results, expect, args.one_core, args.skipped_speedup)
    bad += upload_problems(grade.chosen_exercises(grade.read_config(os.path.join(ROOT, "course.conf"))[0]))
    print(f"{root}/results/results.json: score {results['score']} of {max_score(results)}, "
          f"{len(results['tests'])} tests[] entries, {len(skipped_lines(results))} skipped tests")
    for b in bad:
        print("  problem: " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
