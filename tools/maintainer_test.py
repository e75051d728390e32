#!/usr/bin/env python3
"""maintainer_test.py: `make test`, the suite CI runs.

It proves, from the sources as committed:
  (0) every exercise has its contract, stub, solution, tests and points;
  (a) every solution passes every test (the same tests as the learner's);
  (b) every stub compiles and fails its tests cleanly, as "not started";
  (m) every mutant (tests/NN-slug/mutants/X--why.c) fails the tests it
      names: a test that cannot catch its bug is not a test;
  (g) the grader's own tests pass (sandbox, speedup judge, race checker);
  (c) every demo compiles with -Wall -Wextra -Werror and runs (QUICK=1);
  (d) every listing in the book resolves, and a bad one stops the build;
  (e) the HTML book builds.
It ends with one line: "N passed, N failed".  While writing a chapter,
`python3 tools/maintainer_test.py --chapter NN` runs that chapter's share.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402  (the grader's own runner)

JOBS = os.cpu_count() or 2
CHAPTER = ""  # --chapter NN limits the run to one chapter
counts = {"passed": 0, "failed": 0, "skipped": 0}
failures = []


def record(ok, name, detail=""):
    if ok is None:
        counts["skipped"] += 1
        print(f"  skip  {name}: {detail}")
        return
    counts["passed" if ok else "failed"] += 1
    if not ok:
        failures.append(f"{name}: {detail}")
    print(f"  {'ok  ' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail and not ok else ""), flush=True)


def stage(title):
    print(f"\n== {title}", flush=True)


def has_solutions():
    return os.path.isdir(os.path.join(ROOT, "solutions"))


# ---- (0) structure -------------------------------------------------------

def check_structure(exercises, points):
    stage("(0) every exercise is complete")
    for ex in exercises:
        chapter, name = ex.split("/")
        needed = [f"exercises/{ex}.h", f"tests/{ex}.c", f"chapters/{chapter}/chapter.md",
                  f"exercises/{chapter}/README.md"]
        needed += [f"solutions/{ex}.c"] if has_solutions() else []
        missing = [p for p in needed if not os.path.exists(os.path.join(ROOT, p))]
        if ex not in points:
            missing.append("a line in course.conf")
        record(not missing, f"{ex} has its files", "missing " + ", ".join(missing))


# ---- (a) and (b): solutions pass, stubs fail ------------------------------

def run_tree(exercises, tree, settings):
    d = grade.BUILD_DIRS[tree]
    targets = [f"build/{d}/{e}" for e in exercises]
    built = grade.build_all(targets, JOBS)
    results = {}
    for ex, t in zip(exercises, targets):
        if built[t]:
            results[ex] = {"build_error": built[t], "tests": []}
        else:
            results[ex] = grade.run_exercise(ex, os.path.join(ROOT, t), tree, settings)
    return results


def check_solutions(exercises, settings):
    stage("(a) every solution passes every test")
    if not has_solutions():
        record(None, "solutions", "skipped: this copy has no solutions/ (a student distribution)")
        return
    for ex, r in run_tree(exercises, "solutions", settings).items():
        if r.get("build_error"):
            record(False, f"solutions/{ex}", r["build_error"])
            continue
        if r.get("error"):
            record(False, f"solutions/{ex}", r["error"])
        if not r["tests"]:
            record(False, f"solutions/{ex}", "no tests ran")
        for suite, test, status, msg in r["tests"]:
            name = f"solutions/{ex} {suite}/{test}"
            if status == "SKIPPED":
                record(None, name, msg)
            else:
                record(status == "PASSED", name, grade.explain(status, msg))


def check_stubs(exercises, settings):
    stage("(b) every stub compiles and fails cleanly, as not started")
    for ex, r in run_tree(exercises, "exercises", settings).items():
        name = f"exercises/{ex}"
        if r.get("build_error"):
            record(False, name, r["build_error"])
            continue
        if r.get("error") or not r["tests"]:
            record(False, name, r.get("error") or "no tests ran")
            continue
        passed = [f"{s}/{t}" for s, t, st, _ in r["tests"] if st == "PASSED"]
        other = [f"{s}/{t}: {m}" for s, t, st, m in r["tests"]
                 if st != "PASSED" and grade.TODO_MARK not in m]
        if passed:
            record(False, name, "the unsolved stub passes " + ", ".join(passed))
        elif other:
            record(False, name, "fails for another reason than not started: " + other[0])
        else:
            record(True, name)


# ---- (m) mutants ---------------------------------------------------------

def mutants():
    found = []
    for chapter in sorted(os.listdir(os.path.join(ROOT, "tests"))):
        d = os.path.join(ROOT, "tests", chapter, "mutants")
        if os.path.isdir(d):
            found += [f"{chapter}/mutants/{f[:-2]}" for f in sorted(os.listdir(d))
                      if f.endswith(".c") and chapter.startswith(CHAPTER)]
    return found


def must_fail(path):
    with open(path) as f:
        head = f.read(2000)
    m = re.search(r"must fail:\s*([^\n*]+)", head)
    return [t.strip() for t in m.group(1).split(",")] if m else []


def check_mutants(settings):
    stage("(m) every mutant is caught by the tests it names")
    muts = mutants()
    if not muts:
        return
    built = grade.build_all([f"build/mut/{m}" for m in muts], JOBS)
    for m in muts:
        wanted = must_fail(os.path.join(ROOT, "tests", m + ".c"))
        name = f"mutant {m}"
        if not wanted:
            record(False, name, "names no test (add a `must fail: suite/test` comment)")
            continue
        if built[f"build/mut/{m}"]:
            record(False, name, built[f"build/mut/{m}"])
            continue
        r = grade.run_exercise(m, os.path.join(ROOT, "build", "mut", m), "mutants", settings)
        status = {f"{s}/{t}": (st, msg) for s, t, st, msg in r["tests"]}
        for w in wanted:
            st, msg = status.get(w, (None, ""))
            if st is None:
                record(False, f"{name} fails {w}", "no such test")
            elif st == "SKIPPED":
                record(None, f"{name} fails {w}", msg)
            elif st == "PASSED":
                record(False, f"{name} fails {w}", "the test passed: it does not catch this bug")
            else:
                record(True, f"{name} fails {w}")
                print(f"          caught: {msg[:160]}")


# ---- (g) the grader's own tests --------------------------------------------

def check_grader(settings):
    stage("(g) the grader's own tests")
    names = sorted(f[:-2] for f in os.listdir(os.path.join(ROOT, "grader", "tests"))
                   if f.endswith(".c") and not f.endswith(".tsan.c"))
    built = grade.build_all([f"build/grader/{n}" for n in names], JOBS)
    for n in names:
        if built[f"build/grader/{n}"]:
            record(False, f"grader/{n}", built[f"build/grader/{n}"])
            continue
        r = grade.run_exercise(f"grader/{n}", os.path.join(ROOT, "build", "grader", n), "grader", settings)
        if r.get("error"):
            record(False, f"grader/{n}", r["error"])
        for suite, test, status, msg in r["tests"]:
            if status == "SKIPPED":
                record(None, f"grader/{n} {suite}/{test}", msg)
            else:
                record(status == "PASSED", f"grader/{n} {suite}/{test}", grade.explain(status, msg))


# ---- (c) demos -------------------------------------------------------------

def check_demos():
    stage("(c) every demo compiles with -Werror and runs (QUICK=1)")
    demos = sorted(f"{c}/{f[:-2]}" for c in os.listdir(os.path.join(ROOT, "chapters"))
                   if os.path.isdir(os.path.join(ROOT, "chapters", c)) and c.startswith(CHAPTER)
                   for f in os.listdir(os.path.join(ROOT, "chapters", c)) if f.endswith(".c"))
    tools = sorted(f"build/bin/{f[:-2]}" for f in os.listdir(os.path.join(ROOT, "tools")) if f.endswith(".c"))
    built = grade.build_all([f"build/demo/{d}" for d in demos] + tools, JOBS)
    for t in tools:
        record(not built[t], f"{t} builds", built[t] or "")
    env = dict(os.environ, QUICK="1")
    for d in demos:
        if built[f"build/demo/{d}"]:
            record(False, f"demo {d}", built[f"build/demo/{d}"])
            continue
        start = time.time()
        try:
            p = subprocess.run([os.path.join(ROOT, "build", "demo", d)], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=120, start_new_session=True)
            tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or [""]
            record(p.returncode == 0, f"demo {d} runs ({time.time() - start:.1f} s)",
                   f"exit status {p.returncode}: {tail[0]}")
        except subprocess.TimeoutExpired:
            record(False, f"demo {d} runs", "did not finish within 120 s with QUICK=1")


# ---- (d) and (e): the book ---------------------------------------------------

def make(target, force=True):
    if force and os.path.exists(os.path.join(ROOT, target)):
        os.remove(os.path.join(ROOT, target))
    p = subprocess.run(["make", "-s", target], cwd=ROOT, capture_output=True, text=True)
    return p.returncode == 0, (p.stderr + p.stdout).strip()


def filter_rejects(markdown, expect):
    """Run the snippet filter on a broken listing: it must fail, naming it."""
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write(markdown)
    p = subprocess.run(["pandoc", "--lua-filter", "tools/snippets.lua", "-t", "native",
                        "-o", "/dev/null", f.name], cwd=ROOT, capture_output=True, text=True)
    os.unlink(f.name)
    return p.returncode != 0 and all(e in p.stderr for e in expect), p.stderr.strip()[-200:]


def check_book():
    stage("(d) every listing in the book resolves")
    ok, out = make("build/listings.ok")
    record(ok, "listings resolve", out[-400:])
    for md, expect, what in [
        ("```{include=lib/primes.c snippet=no_such_snippet}\n```\n",
         ["lib/primes.c", "no_such_snippet"], "a misspelled snippet name"),
        ("```{include=lib/no_such_file.c snippet=x}\n```\n", ["lib/no_such_file.c"], "a missing file"),
        ("```{.table include=lib/primes.c}\n```\n", ["lib/primes.c", "columns"], "data without columns"),
    ]:
        ok, err = filter_rejects(md, expect)
        record(ok, f"the filter stops the build on {what}", err)
    stage("(e) the HTML book builds")
    ok, out = make("build/book.html")
    record(ok, "build/book.html", out[-400:])


def main():
    os.chdir(ROOT)
    start = time.time()
    global CHAPTER
    if len(sys.argv) == 3 and sys.argv[1] == "--chapter":
        CHAPTER = sys.argv[2].zfill(2) + "-"  # a chapter's share only, while writing it
    points, settings = grade.read_config(os.path.join(ROOT, "course.conf"))
    exercises = [e for e in grade.all_exercises("exercises") if e.startswith(CHAPTER)]
    check_structure(exercises, points)
    if not CHAPTER:
        check_grader(settings)
    check_solutions(exercises, settings)
    check_stubs(exercises, settings)
    check_mutants(settings)
    check_demos()
    check_book()
    print(f"\nmake test took {time.time() - start:.0f} s.")
    if failures:
        print("Failures:")
        for f in failures:
            print("  - " + f)
    if counts["skipped"]:
        print(f"{counts['skipped']} checks were skipped (see 'skip' above); none counts as passed.")
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
