#!/usr/bin/env python3
"""maintainer_test.py: `make test`, the suite CI runs.

It proves, from the sources as committed:
  (0) every exercise has its contract, stub, solution, tests and points;
  (a) every solution passes every test (the same tests as the learner's);
  (b) every stub compiles and fails its tests cleanly, as "not started"
      (where (k) runs, its tarball's `make check` grades the stubs it ships);
  (m) every mutant (tests/NN-slug/mutants/X--why.c or .patch) fails the tests it
      names: a test that cannot catch its bug is not a test;
  (g) the grader's own tests pass (sandbox, speedup judge, race checker);
  (c) every demo compiles with -Wall -Wextra -Werror and runs (QUICK=1);
  (d) every listing in the book resolves, and a bad one stops the build;
  (e) the HTML book builds, as one page and as chapter pages, and the
      chapter pages work in headless Chromium at 1280 and 390 px
      (tools/book_check.py: links, errors, overflow, sidebar, search);
  (k) the course kit: `make dist` ships no solution, and its tarball builds
      and scores zero in a fresh folder; the Gradescope bundle, run here
      on one core, gives full marks to the solutions and zero to the stubs
      under both skipped-speedup settings; `make hint` and `make watch`
      work; the students' CI workflow and the instructors' guide are there.
Private tests (tests/NN-slug/hidden/) count in (a) and (b) like the others.
It ends with one line: "N passed, N failed".  While writing a chapter,
`make test CH=NN` (`--chapter NN`) runs that chapter's share;
`make test STAGE=k` (`--stage k`, or `a,b`) runs only the stages named.
"""

import concurrent.futures
import contextlib
import fcntl
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402  (the grader's own runner)

JOBS = os.cpu_count() or 2
CHAPTER = ""  # --chapter NN limits the run to one chapter
STAGES = ""   # --stage a,b: only these stages
counts = {"passed": 0, "failed": 0, "skipped": 0}
failures = []


_last = [time.time()]
_lane = threading.local()    # .buf: the lines of a stage run in the background
_count_lock = threading.Lock()


def emit(text):
    """Print a line now, or keep it for later in a background lane's buffer."""
    buf = getattr(_lane, "buf", None)
    if buf is None:
        print(text, flush=True)
    else:
        buf.append(text)


def record(ok, name, detail=""):
    stamp = ""
    if os.environ.get("MT_TIMES"):  # where make test's time goes
        last = getattr(_lane, "last", _last[0])
        stamp = f"  [{time.time() - last:5.1f} s]"
        _lane.last = time.time()
    with _count_lock:
        counts["passed" if ok else "failed" if ok is not None else "skipped"] += 1
        if not ok and ok is not None:
            failures.append(f"{name}: {detail}")
    if ok is None:
        emit(f"{stamp}  skip  {name}: {detail}")
    else:
        emit(f"{stamp}  {'ok  ' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail and not ok else ""))


stage_log = []  # [title, start, end]: how long each stage took, for the summary


def stage(title):
    """Open a stage (closing the lane's previous one)."""
    close_stage()
    _lane.last = time.time()  # MT_TIMES counts the stage's first check from here
    _lane.current = [title, time.time(), None]
    stage_log.append(_lane.current)
    emit(f"\n== {title}")


def close_stage():
    current = getattr(_lane, "current", None)
    if current and current[2] is None:
        current[2] = time.time()


def stage_times(end):
    return ", ".join(f"{title.split(')')[0]}) {(e or end) - t:.0f} s" for title, t, e in stage_log)


def has_solutions():
    return os.path.isdir(os.path.join(ROOT, "solutions"))


STUDENT_COPY = "skipped: this copy has no solutions/ (a student distribution, made by `make dist`)"


def wanted(letter):
    return not STAGES or letter in STAGES.split(",")


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
    """Public and private tests alike: the private ones come back named
    `private suite`."""
    results = {}
    for ex, r in grade.grade_all(exercises, tree, settings, hidden=True, jobs=JOBS):
        r["tests"] = r["tests"] + [("private " + s, t, st, m) for s, t, st, m in r.get("hidden", [])]
        results[ex] = r
    return results


def check_solutions(exercises, settings):
    stage("(a) every solution passes every test")
    if not has_solutions():
        record(None, "solutions", STUDENT_COPY)
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
            if failed_by_the_machine(suite, status, msg):
                status, msg = judged_once_more(ex, f"{suite}/{test}", "solutions", settings,
                                               "PASSED", msg)
            if status == "SKIPPED":
                record(None, name, msg)
            else:
                record(status == "PASSED", name, grade.explain(status, msg))


def check_traces(exercises):
    """make trace SOL=1 for every speedup test: a record, a line per lane,
    a drawing.  Nothing is judged, so it holds the timing lock shared."""
    for ex in exercises:
        for test in grade.speedup_tests(ex):
            with grade.timing_lock(exclusive=False, what=f"make trace EX={ex}"):
                p = sh(["make", "-s", "trace", f"EX={ex}", "SOL=1", f"TRACE_TEST={test}"], ROOT)
            lanes = re.findall(r"(?m)^  (?:rank|worker|caller|helper) .*% of the run", p.stdout)
            drawn = "drawn: build/trace/" in p.stdout or not shutil.which("gnuplot")
            record(p.returncode == 0 and len(lanes) >= 2 and drawn,
                   f"make trace EX={ex} SOL=1 TRACE_TEST={test}: {len(lanes)} lanes"
                   f"{', drawn' if drawn else ''}", tail(p))


def kit_grades(exercises, points):
    """The exercises whose stubs stage k grades anyway, in the tarball's
    `make check` (check_dist), which fails unless each says not started
    and none scores: those the course counts, where stage k runs, without
    private tests (the tarball has none)."""
    if not ((not CHAPTER or STAGES) and wanted("k") and has_solutions()):
        return []
    chosen = grade.chosen_exercises(points)
    return [e for e in exercises if e in chosen and not grade.has_hidden(e)]


def check_stubs(exercises, settings, points):
    stage("(b) every stub compiles and fails cleanly, as not started")
    # Graded once: stage k's tarball grades the same stubs from the same
    # files, as a student would (about 16 CPU-s saved).
    in_kit = kit_grades(exercises, points)
    if in_kit:
        emit(f"          ({len(in_kit)} of the {len(exercises)} stubs are graded in stage k, "
             "in the tarball's `make check`, as a student grades them)")
    for ex, r in run_tree([e for e in exercises if e not in in_kit], "exercises", settings).items():
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
    check_unstarted_rule(settings)
    check_once_more(settings)
    check_timed_pass()


def check_unstarted_rule(settings):
    """A stub's timed tests run beside the untimed ones (grade.grade_all):
    kept only if they stopped at TODO() too; one that measured something
    is run again, alone.  Checked on made-up parts, as its mutant: an
    exercise whose untimed tests are all not started but whose timed test
    ran (begun with the timed function)."""
    from unittest import mock
    todo = ("x", "a", "FAILED", grade.TODO_MARK + "f() in x.c still calls TODO()")
    cases = {"unlocked": [todo], "timed": [todo]}
    calls = []

    def fake_part(ex, binary, tree, settings, part, tag="", only=None):
        calls.append((ex, part))
        return {"tests": cases[part] if part != "plain" else [todo], "log": "", "error": None}

    def fake_joined(ex, tree, tag, plain, timed):
        return {"tests": plain["tests"] + timed["tests"], "log": "", "error": None}
    ex = "00-check/not-started"
    with mock.patch.object(grade, "run_part", fake_part), \
            mock.patch.object(grade, "build_all", lambda targets, jobs: dict.fromkeys(targets)), \
            mock.patch.object(grade, "joined", fake_joined):
        stub = dict(grade.grade_all([ex], "exercises", settings, hidden=False))
        stub_calls, calls[:] = calls[:], []
        cases["unlocked"] = [("speedup", "b", "PASSED", "")]
        cases["timed"] = [("speedup", "b", "FAILED", "measured alone")]
        begun = dict(grade.grade_all([ex], "exercises", settings, hidden=False))
    record(stub_calls == [(ex, "plain"), (ex, "unlocked")] and stub[ex]["tests"][-1] == todo
           and begun[ex]["tests"][-1][3] == "measured alone" and (ex, "timed") in calls,
           "a stub's timed tests run beside the others, and are run again alone "
           "when they measured something", f"stub: {stub_calls}; begun: {calls}, {begun[ex]['tests']}")


def check_once_more(settings):
    """judged_once_more, on made-up runs: a wrong first verdict is judged
    again and the second decides; a second wrong one still fails."""
    from unittest import mock
    seen = []

    def second(verdict):
        def fake(ex, binary, tree, settings, tag="", only=None):
            seen.append((ex, tree, only))
            return {"tests": [("speedup", "t", verdict, "again")]}
        return fake
    with mock.patch.object(grade, "run_exercise", second("FAILED")):
        caught = judged_once_more("x/m--bug", "speedup/t", "mutants", settings, "FAILED", "it passed")
    with mock.patch.object(grade, "run_exercise", second("FAILED")):
        still = judged_once_more("x/s", "speedup/t", "solutions", settings, "PASSED", "slow")
    record(caught == ("FAILED", "again") and still == ("FAILED", "again")
           and seen == [("x/m--bug", "mutants", ["speedup/t"]), ("x/s", "solutions", ["speedup/t"])],
           "a wrong speedup verdict is judged once more, and the second decides",
           f"mutant: {caught}, solution: {still}, runs: {seen}")
    cases = [(("timing", "FAILED", "took 1.55 s"), True), (("speedup", "FAILED", JUDGED), True),
             (("speedup", "FAILED", "crashed"), False), (("mixed", "FAILED", "wrong"), False),
             (("timing", "PASSED", ""), False)]
    wrong = [c for c, want in cases if failed_by_the_machine(*c) != want]
    record(not wrong, "a solution's failed timing test, or speedup verdict, is judged once more; "
           "an untimed failure, or the judge's refusal of a crash, is not", f"wrong for {wrong}")
    seen[:] = []

    def says(msg):
        def fake(ex, binary, tree, settings, tag="", only=None):
            seen.append(only)
            return {"tests": [("speedup", "t", "FAILED", msg)]}
        return fake
    first = f"slow ({JUDGED})"
    with mock.patch.object(grade, "run_exercise", says(f"{first}; the record shows serialised")):
        named = named_once_more("x/m--lock", "speedup/t", settings, "serialised", first)
    with mock.patch.object(grade, "run_exercise", says(first)):
        unnamed = named_once_more("x/m--lock", "speedup/t", settings, "serialised", first)
    with mock.patch.object(grade, "run_exercise", says("never run")):
        kept = named_once_more("x/m--lock", "speedup/t", settings, "serialised", "crashed")
    record(named[1].endswith("serialised") and unnamed == ("FAILED", first)
           and kept == ("FAILED", "crashed") and seen == [["speedup/t"]] * 2,
           "a mutant's speedup failure that does not name its cause is judged once more, "
           "and the second decides; any other failure is not",
           f"named: {named}, unnamed: {unnamed}, kept: {kept}, runs: {seen}")


def check_timed_pass():
    """grade.in_two_passes keeps the timing lock from its first timed turn
    to the end of the pass, between turns too, and lets it go then; a
    pass whose turns time nothing never takes it.  Probed on a lock file
    of its own, from a second open file, as another run would."""
    from unittest import mock
    base = tempfile.mkdtemp(prefix="cc-lock-")

    def probe():
        with open(os.path.join(base, "t.lock"), "a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return "free"
            except BlockingIOError:
                return "held"
    during = []

    def part(k, which):
        if which == "timed" and k != "untimed":
            with grade.timing_lock(exclusive=True, what=k):
                during.append(probe())
        return k
    with mock.patch.object(grade, "LOCK_BASE", os.path.join(base, "t")):
        between = [probe() for _ in grade.in_two_passes(["untimed", "a", "b"], part)]
    after = probe()
    shutil.rmtree(base, ignore_errors=True)
    record(during == ["held", "held"] and between == ["free", "held", "held"] and after == "free",
           "a timed pass keeps the timing lock between its turns, and lets it go at its end",
           f"lock during the turns: {during}; after each: {between}; after the pass: {after}")


# ---- (m) mutants ---------------------------------------------------------

def mutants():
    found = []
    for chapter in sorted(os.listdir(os.path.join(ROOT, "tests"))):
        d = os.path.join(ROOT, "tests", chapter, "mutants")
        if os.path.isdir(d):
            found += [f"{chapter}/mutants/{os.path.splitext(f)[0]}" for f in sorted(os.listdir(d))
                      if f.endswith((".c", ".patch")) and chapter.startswith(CHAPTER)]
    return found


def exercise_of(mutant):
    """02-processes/mutants/procpool--one-at-a-time -> 02-processes/procpool"""
    chapter, _, name = mutant.split("/")
    return f"{chapter}/{name.split('--')[0]}"


def race_checks(ex):
    """The tests of tests/<ex>.c that call gr_assert_no_race(), which runs
    the race-check driver built next to the test program."""
    found, current = set(), None
    with open(os.path.join(ROOT, "tests", ex + ".c")) as f:
        for line in f:
            t = re.match(r"\s*Test\((\w+),\s*(\w+)", line)
            current = f"{t.group(1)}/{t.group(2)}" if t else current
            if current and "gr_assert_no_race(" in line:
                found.add(current)
    return found


def runs_race_driver(m):
    names = must_fail(mutant_file(m))
    return bool(set(names) & race_checks(exercise_of(m))) and not must_be_refused(mutant_file(m))


def mutant_file(m):
    """tests/<m>.c, or tests/<m>.patch for a mutant kept as a patch."""
    c = os.path.join(ROOT, "tests", m + ".c")
    return c if os.path.exists(c) else os.path.join(ROOT, "tests", m + ".patch")


def tests_after(path, clause):
    """The tests a mutant's header lists after `clause:` ("suite/test, ...")."""
    with open(path) as f:
        head = f.read(2000)
    m = re.search(clause + r":\s*([^\n*]+)", head)
    return [t.strip() for t in m.group(1).split(",")] if m else []


def must_fail(path):
    return tests_after(path, "must fail")


def must_pass(path):
    """`must pass: suite/test`: a right answer that a naive judge would
    fail (measured at a bad moment, say), which the test must let pass."""
    return tests_after(path, "must pass")


def must_be_refused(path):
    """`must be refused: words`: the vetting's sentence must hold the words."""
    with open(path) as f:
        m = re.search(r"must be refused:\s*([^\n*]+)", f.read(2000))
    return m.group(1).strip() if m else ""


def must_name(path):
    """`must name: words`: the caught failure's sentence must hold the words
    (the cause the speedup judge reads from the sampler's record)."""
    with open(path) as f:
        m = re.search(r"must name:\s*([^\n*]+)", f.read(2000))
    return m.group(1).strip() if m else ""


# A speedup verdict is a measurement: on a noisy VM (the Intel one of
# docs/data/contention-intel.dat) a solution's fails, or a mutant's passes,
# now and then (docs/data/fairness-work-moments.dat: 1 in 60 and 0 in 60
# there, but fresh-clone runs saw each once).  make fairness measures how
# often; here such a verdict is judged once more, the check holds only if
# that one is right, and the first is printed either way.
JUDGED = "calibration kernel"


def failed_by_the_machine(suite, status, msg):
    """A solution's failure that a moment of the machine can cause: the
    speedup judge's (its message names the calibration kernel), or any
    timed test's (mixed's solution once took 1.55 s in both of its runs
    where the CPU jobs alone took 0.83 s, in a fresh-clone make test)."""
    return status == "FAILED" and (suite == "timing" or (suite == "speedup" and JUDGED in msg))


def run_again(ex, test, tree, settings):
    """(status, message) of `test` of `ex` run once more, or None where
    the run holds no result for it."""
    binary = os.path.join(ROOT, "build", {"mutants": "mut"}.get(tree) or grade.BUILD_DIRS[tree], ex)
    again = grade.run_exercise(ex, binary, tree, settings, only=[test])
    return next(((st, m) for s, t, st, m in again["tests"] if f"{s}/{t}" == test), None)


def judged_once_more(ex, test, tree, settings, right, msg):
    """The status and message of `test` judged again, where the first
    verdict (msg) was the wrong one; prints the first."""
    again = run_again(ex, test, tree, settings)
    if not again:
        return "FAILED" if right == "PASSED" else "PASSED", msg
    emit(f"          judged once more ({'right' if again[0] == right else 'wrong again'}); "
         f"the first verdict: {msg[:300]}")
    return again


def named_once_more(m, test, settings, cause, msg):
    """A mutant's speedup failure whose message does not name the cause
    it must: the cause is read from the sampler's record of a few rounds
    (a failure names one shown in half of them), so that failure is
    judged once more, and the second decides (reduction--lock-around-work's
    rounds overlap 0 % to 24 % here, against a bar of 25 %, and two
    fresh-clone make tests named no cause where one of its two rounds
    went over it)."""
    if cause in msg or JUDGED not in msg:
        return "FAILED", msg
    again = run_again(m, test, "mutants", settings)
    if not again or again[0] != "FAILED":
        return "FAILED", msg
    emit(f"          named once more ({'right' if cause in again[1] else 'unnamed again'}); "
         f"the first message: {msg[:300]}")
    return again


def once_more_if_inconclusive(m, test, st, msg, settings):
    """A timed test that skipped as inconclusive (the machine was busy for
    a moment) proves nothing about the mutant: it runs once more."""
    if st != "SKIPPED" or "inconclusive" not in msg:
        return st, msg
    again = run_again(m, test, "mutants", settings)
    if not again:
        return st, msg
    st2, msg2 = again
    return st2, msg2 if st2 != "SKIPPED" else f"{msg2} (twice; the first time: {msg})"


def build_each(muts):
    """{mutant: future of its build's error, None when built}: what
    grade.build_all does, one mutant at a time in this order, so that its
    tests can start while the others build.  A mutant's race-check driver
    is built with it only where a test it names runs one; without it, that
    test fails, which is not a catch."""
    def one(m):
        targets = [f"build/mut/{m}"] + ([f"build/mut/{m}.tsan"] if runs_race_driver(m) else [])
        with grade.timing_lock(exclusive=False, what=f"build of {m}"):
            for t in targets:
                why = grade.build_one(t)
                if why:
                    return why
        return None
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=JOBS)
    built = {m: pool.submit(one, m) for m in muts}
    pool.shutdown(wait=False)
    return built


def check_mutants(settings):
    stage("(m) every mutant is caught by the tests it names")
    muts = mutants()
    if not muts and not has_solutions():
        record(None, "mutants", "skipped: this copy has no tests/NN-slug/mutants/ "
               "(a student distribution, made by `make dist`)")
    if not muts:
        return
    # Their tests first, one object per exercise, shared by its mutants.
    objs = sorted({f"build/testobj/{exercise_of(m)}.o" for m in muts})
    grade.make([f"-j{JOBS}", "build/san/lib.a"] + objs)
    built = build_each(list(reversed(muts)))
    # Every mutant's untimed tests first, several at once, each as soon as
    # it is built, then their timed ones alone, in order
    # (grade.in_two_passes, which starts the later chapters first, as
    # build_each builds them).
    names = {m: must_fail(mutant_file(m)) for m in muts}
    passes = {m: must_pass(mutant_file(m)) for m in muts}
    runnable = [m for m in muts if (names[m] or passes[m]) and not must_be_refused(mutant_file(m))]

    def part(m, which):
        if which == "timed":  # the timed pass keeps the lock that builds share
            concurrent.futures.wait(built.values())
        if built[m].result():  # not built: nothing to run
            return None
        return grade.run_part(m, os.path.join(ROOT, "build", "mut", m), "mutants", settings,
                              which, only=names[m] + passes[m])
    runs = grade.in_two_passes(runnable, part)  # read in the loop, in this order
    for m in muts:
        wanted = names[m]
        name = f"mutant {m}"
        refusal = must_be_refused(mutant_file(m))
        done, plain, timed = next(runs) if m in runnable else (m, None, None)
        assert done == m, (done, m)
        if refusal:  # grader/vet.py must turn it away before it is linked
            why = built[m].result() or ""
            record("refused" in why and refusal in why, f"{name} is refused ({refusal})",
                   why or "it was built and linked: nothing refused it")
            if why:
                emit(f"          caught: {why[:160]}")
            continue
        if not wanted and not passes[m]:
            record(False, name, "names no test (add a `must fail: suite/test` or "
                   "`must pass: suite/test` comment)")
            continue
        if built[m].result():
            record(False, name, built[m].result())
            continue
        # Only the tests it names: the rest of its suite proves nothing here.
        r = grade.joined(m, "mutants", "", plain, timed)
        status = {f"{s}/{t}": (st, msg) for s, t, st, msg in r["tests"]}
        for w in passes[m]:
            st, msg = status.get(w, (None, ""))
            record(None if st == "SKIPPED" else st == "PASSED", f"{name} passes {w}",
                   msg if st == "SKIPPED" else "no such test" if st is None
                   else f"the test failed it: {msg[:400]}")
        for w in wanted:
            st, msg = once_more_if_inconclusive(m, w, *status.get(w, (None, "")), settings)
            if st == "PASSED" and w.startswith("speedup/"):
                st, msg = judged_once_more(m, w, "mutants", settings, "FAILED", "it passed")
            if st is None:
                record(False, f"{name} fails {w}", "no such test")
            elif st == "SKIPPED":
                record(None, f"{name} fails {w}", msg)
            elif st == "PASSED":
                record(False, f"{name} fails {w}", "the test passed: it does not catch this bug")
            elif "race-check driver" in msg and "is missing" in msg:  # not a catch
                record(False, f"{name} fails {w}", msg)
            else:
                cause = must_name(mutant_file(m))
                st, msg = named_once_more(m, w, settings, cause, msg)
                record(cause in msg, f"{name} fails {w}" + (f" naming '{cause}'" if cause else ""),
                       f"its message does not name '{cause}': {msg[:400]}")
                at = msg.find(cause) if cause else -1
                emit(f"          caught: {msg[:160]}" + (f" ... {msg[at:at + 160]}" if at > 160 else ""))


# ---- (g) the grader's own tests --------------------------------------------

def check_grader(settings):
    stage("(g) the grader's own tests")
    names = sorted(f[:-2] for f in os.listdir(os.path.join(ROOT, "grader", "tests"))
                   if f.endswith(".c") and not f.endswith(".tsan.c"))
    built = grade.build_all([f"build/grader/{n}" for n in names], JOBS)
    def part(n, which):
        return grade.run_part(f"grader/{n}", os.path.join(ROOT, "build", "grader", n), "grader",
                              settings, which)
    runs = {n: grade.joined(f"grader/{n}", "grader", "", plain, timed) for n, plain, timed
            in grade.in_two_passes([n for n in names if not built[f"build/grader/{n}"]], part)}
    for n in names:
        if built[f"build/grader/{n}"]:
            record(False, f"grader/{n}", built[f"build/grader/{n}"])
            continue
        r = runs[n]
        if r.get("error"):
            record(False, f"grader/{n}", r["error"])
        for suite, test, status, msg in r["tests"]:
            if status == "SKIPPED":
                record(None, f"grader/{n} {suite}/{test}", msg)
            else:
                record(status == "PASSED", f"grader/{n} {suite}/{test}", grade.explain(status, msg))
    if not built.get("build/grader/sandbox"):
        check_no_certificates("build/grader/sandbox")


def check_no_certificates(binary):
    """A test program's libgit2 finds the certificate parsers in the
    program itself (grader/nocerts.c), not in mbed TLS: the dynamic
    linker's own record of what it bound says so."""
    env = dict(os.environ, LD_DEBUG="bindings")
    p = subprocess.run([os.path.join(ROOT, binary), "--list"], env=env, capture_output=True, text=True)
    bound = re.findall(r"binding file \S*libgit2\S* \[0\] to (\S+) \[0\]: normal symbol "
                       r"`mbedtls_x509_crt_parse_(?:file|path)'", p.stderr)
    if not bound:
        record(None, "test programs start libgit2 without the system's CA certificates",
               "skipped: Criterion here does not start libgit2 on mbed TLS, which has none to skip")
        return
    record(all(b.endswith(binary) for b in bound),
           "test programs start libgit2 without the system's CA certificates",
           f"libgit2's certificate parsers bound to {sorted(set(bound))}, not to {binary}: "
           "TEST_LDLIBS must export grader/nocerts.c's (re-run: make test STAGE=g)")


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
    # Two at a time: a demo's only check is that it runs and exits 0, and
    # many of them mostly wait (servers, sleeps, child processes).
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
        runs = [pool.submit(run_demo, d, env) for d in demos if not built[f"build/demo/{d}"]]
    for d in demos:
        if built[f"build/demo/{d}"]:
            record(False, f"demo {d}", built[f"build/demo/{d}"])
    for r in runs:
        for ok, name, detail in r.result():
            record(ok, name, detail)


def run_demo(d, env):
    """[(ok, name, detail)] for one demo: it runs (QUICK=1), and the
    showdown's memory pass, and the io_uring skip path where it applies.
    Never beside a timed suite: it holds the timing lock, shared."""
    with grade.timing_lock(exclusive=False, what=f"demo {d}"):
        return demo_runs(d, env)


def demo_runs(d, env):
    out = []
    binary = os.path.join(ROOT, "build", "demo", d)
    start = time.time()
    status, stdout, stderr = run_alone([binary], env, 120)
    if status is None:
        out.append((False, f"demo {d} runs", "did not finish within 120 s with QUICK=1"))
    else:
        tail = (stderr or stdout).strip().splitlines()[-1:] or [""]
        out.append((status == 0, f"demo {d} runs ({time.time() - start:.1f} s)",
                    f"exit status {status}: {tail[0]}"))
    if d == "07-showdown/showdown":  # its memory pass too: every cell sampled for PSS
        status, stdout, stderr = run_alone([binary, "--pss"], env, 120)
        tail = (stdout or stderr).strip().splitlines()[-1:] or [""]
        out.append((status == 0, f"demo {d} --pss runs", f"exit status {status}: {tail[0]}"))
    # Where io_uring is not allowed, a demo that uses it must say why
    # and exit 0; GRADER_NO_IO_URING=1 forces that path here.
    with open(os.path.join(ROOT, "chapters", d + ".c")) as f:
        uses_uring = "uring_probe.h" in f.read()
    if uses_uring:
        status, stdout, stderr = run_alone([binary], dict(env, GRADER_NO_IO_URING="1"), 60)
        text = (stdout + stderr).strip()
        out.append((status == 0 and "io_uring is not available here" in text,
                    f"demo {d} skips, saying why, without io_uring",
                    f"exit status {status}: {text[-200:]}"))
    return out


def run_alone(cmd, env, timeout):
    """(exit status or None on a timeout, stdout, stderr) of a program run
    in a session of its own, which the grader's phases running meanwhile
    know is not theirs (grade.own_session)."""
    with grade.own_session(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) as p:
        try:
            stdout, stderr = p.communicate(timeout=timeout)
            return p.returncode, stdout, stderr
        except subprocess.TimeoutExpired:
            return None, "", ""


# ---- (d) and (e): the book ---------------------------------------------------

def make(*targets, force=True, jobs=1):
    for target in targets if force else ():
        if os.path.exists(os.path.join(ROOT, target)):
            os.remove(os.path.join(ROOT, target))
    p = subprocess.run(["make", "-s", f"-j{jobs}", *targets], cwd=ROOT, capture_output=True,
                       text=True)
    return p.returncode == 0, (p.stderr + p.stdout).strip()


def up_to_date(target):
    """Built, and nothing it depends on newer (make -q)."""
    return subprocess.run(["make", "-q", target], cwd=ROOT, capture_output=True).returncode == 0


def book_lock():
    """The book's steps hold the timing lock, shared, one at a time: a
    timed pass that asks for the machine waits for one step, not for the
    whole book (its last 7 s once kept a core idle)."""
    return grade.timing_lock(exclusive=False, what="the book")


def filter_rejects(markdown, expect):
    """Run the snippet filter on a broken listing: it must fail, naming it."""
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write(markdown)
    p = subprocess.run(["pandoc", "--lua-filter", "tools/snippets.lua", "-t", "native",
                        "-o", "/dev/null", f.name], cwd=ROOT, capture_output=True, text=True)
    os.unlink(f.name)
    return p.returncode != 0 and all(e in p.stderr for e in expect), p.stderr.strip()[-200:]


def paragraphs(text):
    """The paragraphs of Markdown text, each a list of (line number,
    line), without its code blocks (fenced, or indented by four)."""
    para, fence = [], None
    for n, line in enumerate(text.splitlines() + [""], 1):
        mark = re.match(r" {0,3}(`{3,}|~{3,})", line)
        if fence:
            fence = None if mark and mark.group(1)[0] == fence else fence
            continue
        if mark:
            fence = mark.group(1)[0]
        elif line.strip() and (para or not line.startswith("    ")):
            para.append((n, line))
            continue
        if para:
            yield para
        para = []


def open_brackets(text):
    """[(line, text)]: the first "[" of each paragraph of Markdown text
    that the paragraph never closes, outside inline code.  pandoc 2.17
    scans ahead for its "]" at a cost that grows with all the text after
    it (one made the book's read eight times as long), so the book writes
    a half-open range as "\\[0, 100)"."""
    found = []
    for para in paragraphs(text):
        depth = []
        for n, line in para:
            bare = re.sub(r"(`+).*?\1", "", re.sub(r"\\.", "", line))
            for c in bare:
                if c == "[":
                    depth.append((n, line))
                elif c == "]" and depth:
                    depth.pop()
        found += depth[:1]
    return found


def book_markdown():
    """The book's Markdown files, in order: the Makefile's BOOK_MD, the
    one list of them."""
    p = sh(["make", "-s", "--no-print-directory", "--eval",
            "print-book-md: ; @echo $(BOOK_MD)", "print-book-md"], ROOT)
    return p.stdout.split()


def check_open_brackets():
    files = book_markdown()
    bad = [f"{f}:{n}: {l.strip()[:80]}" for f in files for n, l in open_brackets(open(f).read())]
    record(bool(files) and not bad,
           f"the book's Markdown ({len(files)} files) opens no [ that it never closes",
           ("; ".join(bad[:4]) + ": pandoc reads on for each one's ]; write \\[ for a half-open "
            "range" if files else "make printed no BOOK_MD") + ", then re-run make test STAGE=d")
    sample = ("Fixed cases ([2, 3), [0, 100)) stay.\n\nA link [x](y), a span []{.data a=b},\n"
              "`[a, b)`, \\[0, 1) and\n\n```\n[0, 1)\n```\n\n    [indented, 1)\n")
    caught = [n for n, _ in open_brackets(sample)]
    record(caught == [1], "that check names an open [ and passes escaped ones, links, spans and code",
           f"it named lines {caught} of a sample whose line 1 alone opens one")


def check_book():
    stage("(d) every listing in the book resolves")
    check_open_brackets()
    # The book's one read through the snippet filter, which stops on a
    # listing that does not resolve; (e) writes the HTML from it, so the
    # book is read once here, not twice (build/listings.ok, its own read,
    # is left to the student copy, which builds no book).
    with book_lock():
        ok, out = make("build/book.json")
    record(ok, "listings resolve (build/book.json)", out[-400:])
    for md, expect, what in [
        ("```{include=lib/primes.c snippet=no_such_snippet}\n```\n",
         ["lib/primes.c", "no_such_snippet"], "a misspelled snippet name"),
        ("```{include=lib/no_such_file.c snippet=x}\n```\n", ["lib/no_such_file.c"], "a missing file"),
        ("```{.table include=lib/primes.c}\n```\n", ["lib/primes.c", "columns"], "data without columns"),
    ]:
        with book_lock():
            ok, err = filter_rejects(md, expect)
        record(ok, f"the filter stops the build on {what}", err)
    stage("(e) the HTML book builds, and works in a browser")
    # Both are written from build/book.json, one pandoc each: built at
    # once, on two cores (one after the other, 7.7 s on one core while a
    # timed pass waited for this lane's lock to be let go).
    pages = {"build/book.html": "build/book.html",
             "build/html/index.html": "build/html/, the chapter pages"}
    with book_lock():
        _, out = make(*pages, jobs=2)
    for target, what in pages.items():
        ok = up_to_date(target)
        record(ok, what, out[-400:])
    if ok:
        import book_check  # tools/book_check.py: links, then headless Chromium
        with book_lock():
            book_check.check_all(record)


# ---- (k) the course kit ---------------------------------------------------

def sh(cmd, cwd, timeout=900):
    """Run a command with a clean make environment (no -j or -s from ours)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL)


def calm_sh(cmd, cwd):
    """sh() for a step that grades nothing (a build, a package): it holds
    the timing lock, shared, so no timed suite runs beside it.  Never for
    a grader, whose own timed phases need the lock alone."""
    with grade.timing_lock(exclusive=False, what=" ".join(cmd)):
        return sh(cmd, cwd)


def tail(p, n=400):
    return (p.stdout + p.stderr).strip()[-n:]


def check_scoring_rule():
    """What a skipped speedup test is worth, on made-up results."""
    skip = ("speedup", "b", "SKIPPED", "skipped: only 1 usable core, so a speedup cannot be measured here")
    solved = {"tests": [("x", "a", "PASSED", ""), skip]}
    stub = {"tests": [("x", "a", "FAILED", grade.TODO_MARK + "f() still calls TODO()"), skip]}
    full, none = {"skipped-speedup": "full"}, {"skipped-speedup": "none"}
    record(grade.score(solved, 10, full) == 10,
           "scoring: a skipped speedup test earns its share with `set skipped-speedup full`")
    record(grade.score(solved, 10, none) == 5,
           "scoring: a skipped speedup test earns nothing with `set skipped-speedup none`")
    record(grade.score(stub, 10, full) == 0,
           "scoring: a stub earns nothing for a skipped speedup test, even with `full`",
           f"it scored {grade.score(stub, 10, full)}")
    # class 12: a sequential impostor passes every test but the speedup one
    impostor = {"tests": [("x", a, "PASSED", "") for a in "abcdef"] +
                [("speedup", "s", "FAILED", "speedup 0.5 of what this machine delivers")]}
    record(grade.score(impostor, 10, none) == 5,
           "scoring: the speedup suite carries half the points (a sequential impostor earns 5 of 10)",
           f"it scored {grade.score(impostor, 10, none)}")
    racy = {"tests": [("x", a, "PASSED", "") for a in "abcdef"] + [("speedup", "s", "PASSED", ""),
            ("race", "no_data_race", "FAILED", "ThreadSanitizer found a data race")]}
    record(grade.score(racy, 10, none) == 5,
           "scoring: a detected race caps the exercise at half its points",
           f"it scored {grade.score(racy, 10, none)}")
    weighted = dict(none, weights={"ch/ex": {"speedup": 0.8}})
    record(grade.score(impostor, 10, weighted, "ch/ex") == 2,
           "scoring: a course.conf `weight` line sets the speedup suite's share",
           f"it scored {grade.score(impostor, 10, weighted, 'ch/ex')}")
    # classes 1 and 3: a test that the report lacks, or holds twice, fails
    got = grade.one_result_each([("s", "a"), ("s", "b"), ("s", "c")],
                                [("s", "a", "PASSED", ""), ("s", "c", "PASSED", ""),
                                 ("s", "c", "PASSED", "")], "")
    record([st for _, _, st, _ in got] == ["PASSED", "FAILED", "FAILED"]
           and grade.MISSING in got[1][3],
           "reports: a test missing from the report, or in it twice, fails", str(got))
    record(grade.verdict({"tests": [], "error": None})[0] != "✓",
           "reports: a run with no results at all is never a pass")
    a, b = grade.student_seed("s1234567"), grade.student_seed("s1234568")
    record(a == grade.student_seed("s1234567") and a != b,
           "seeds: a student's seed is the same on every run and differs from a classmate's", f"{a} {b}")


def check_workflow():
    """The students' CI workflow: make deps && make check, results kept."""
    path = next((p for p in (".github/student/check.yml", ".github/workflows/check.yml")
                 if os.path.exists(os.path.join(ROOT, p))), None)
    if not path:
        record(False, "students' CI workflow", "no .github/student/check.yml")
        return
    text = open(os.path.join(ROOT, path)).read()
    try:
        import yaml
        flow = yaml.safe_load(text)
        steps = [st for job in flow["jobs"].values() for st in job["steps"]]
        runs = " ".join(st.get("run", "") for st in steps)
        kept = [st for st in steps if "upload-artifact" in st.get("uses", "")
                and st.get("with", {}).get("path", "").rstrip("/") == "build/results"
                and st.get("if") == "always()"]
    except ImportError:  # python3-yaml is not among make deps' packages
        runs, kept = text, re.findall(r"upload-artifact[\s\S]*path: build/results", text)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        record(False, f"students' CI workflow {path}", f"cannot read it: {e}")
        return
    ok = "make deps" in runs and "make check" in runs and kept
    record(bool(ok), f"students' CI workflow ({path}) runs make deps && make check and keeps build/results",
           "missing make deps, make check, or an upload of build/results with if: always()")


DIAGNOSTICS = ["timeout", "crash", "zombie", "fd leak", "memory leak", "data race", "no speedup", "not started"]


def check_guide():
    path = os.path.join(ROOT, "docs", "instructors.md")
    if not os.path.exists(path):
        record(False, "the instructors' guide", "docs/instructors.md is missing")
        return
    text = open(path).read()
    first = next((l for l in text.splitlines() if l.startswith("# ")), "")
    record("{#appendix-instructors" in first, "the instructors' guide is an appendix (# ... {#appendix-instructors})",
           f"its first heading is: {first}")
    missing = [d for d in DIAGNOSTICS if not re.search(rf"(?im)^#+ .*{re.escape(d)}", text)]
    record(not missing, "the guide explains every diagnostic", "no heading for: " + ", ".join(missing))
    book = os.path.join(ROOT, "build", "book.html")
    if os.path.exists(book):
        html = open(book, errors="replace").read()
        record('id="appendix-instructors"' in html, "the guide is in the book (build/book.html)")


def solution_bodies():
    bodies = {}
    for dirpath, _, filenames in os.walk(os.path.join(ROOT, "solutions")):
        for f in filenames:
            with open(os.path.join(dirpath, f), "rb") as fh:
                body = fh.read()
            if body.strip():
                bodies[body] = os.path.relpath(os.path.join(dirpath, f), ROOT)
    return bodies


def files_under(d):
    out = []
    for dirpath, _, filenames in os.walk(d):
        out += [os.path.relpath(os.path.join(dirpath, f), d) for f in filenames]
    return sorted(out)


def distinctive(path, stub_lines=()):
    """A file's code lines worth matching: long enough to mean something,
    and not already in the stub (signatures, includes)."""
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        return set()
    keep = {re.sub(r"\s+", " ", l).strip() for l in lines}
    return {l for l in keep if len(l) >= 24 and not l.startswith(("//", "/*", "*", "#include"))} - set(stub_lines)


def largest_share(dest, chosen):
    """The most of any solution's own lines (those not in its stub) that one
    shipped file repeats: a demo that re-implements an exercise shows here."""
    shipped = {f: distinctive(os.path.join(dest, f)) for f in files_under(dest) if f.endswith((".c", ".h", ".md"))}
    worst = (0.0, "", "")
    for ex in chosen:
        stub = distinctive(os.path.join(ROOT, "exercises", ex + ".c"))
        mine = distinctive(os.path.join(ROOT, "solutions", ex + ".c"), stub)
        if len(mine) < 5:
            continue
        for f, lines in shipped.items():
            share = len(mine & lines) / len(mine)
            if share > worst[0]:
                worst = (share, ex, f)
    return worst


HEAP_NAME = re.compile(r"sift|heapify|percolate|bubble_?(up|down)", re.I)
C_WORDS = {"if", "else", "while", "for", "return", "break", "struct", "size_t", "int", "void",
           "static", "const", "unsigned", "long", "double"}


def c_functions(text):
    """(name, body) of each function defined in C source (or a C listing in
    Markdown): found by its header, ended by matching braces."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    out = []
    for m in re.finditer(r"^[A-Za-z_][^;{}()=#]*?\b(\w+)\s*\(([^;{}]*?)\)\s*\{", text, re.M):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out.append((m.group(1), text[m.end():i]))
    return out


def shape(body):
    """A body's tokens with every name made the same: a renamed copy keeps its shape."""
    toks = re.findall(r"[A-Za-z_]\w*|\d+|->|[<>=!]=|&&|\|\||\S", body)
    return [t if t in C_WORDS or not re.match(r"[A-Za-z_]", t) else "x" for t in toks]


def likeness(a, b):
    """difflib's ratio of two token lists, or False as soon as its cheap
    upper bounds are under 0.8: most pairs of functions stop there."""
    import difflib
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= 0.8 and m.quick_ratio() >= 0.8 and m.ratio()


def heap_code(dest):
    """Shipped files outside exercises/ that define a heap's sift-up or
    sift-down: by name, or by the shape of a solution's own (exercise 4.1's
    answer; lib/evloop.c once held it, and scans a list instead)."""
    theirs = []
    for f in files_under(os.path.join(ROOT, "solutions")):
        with open(os.path.join(ROOT, "solutions", f), errors="replace") as fh:
            theirs += [(f, n, shape(b)) for n, b in c_functions(fh.read()) if HEAP_NAME.search(n)]
    found = []
    for f in files_under(dest):
        if f.startswith("exercises/") or not f.endswith((".c", ".h", ".md")):
            continue
        with open(os.path.join(dest, f), errors="replace") as fh:
            for name, body in c_functions(fh.read()):
                ratio, sf, sn = max(((likeness(shape(body), s), sf, sn) for sf, sn, s in theirs),
                                    default=(0, "", ""))
                if HEAP_NAME.search(name) or ratio >= 0.8:
                    found.append(f"{f} defines {name}()" +
                                 (f", {ratio:.0%} the shape of solutions/{sf}'s {sn}()" if ratio >= 0.8 else ""))
    return found


def check_dist(points, settings):
    """make dist, then the proofs that it ships no solution; the path of a
    fresh copy unpacked from the tarball, built and graded, or None."""
    chosen = grade.chosen_exercises(points)
    p = calm_sh(["make", "-s", "dist"], ROOT)
    record(p.returncode == 0, "make dist", tail(p))
    if p.returncode:
        return None
    name = settings["name"]
    dest = os.path.join(ROOT, "build", "dist", name)
    files = files_under(dest)
    private = [f for f in files if f.startswith("solutions/") or "/mutants/" in f or "/hidden/" in f]
    record(not private, f"the distribution ({len(files)} files) has nothing from solutions/, mutants/ or hidden/",
           ", ".join(private[:5]))
    answers = solution_bodies()
    copies = []
    for f in files:
        with open(os.path.join(dest, f), "rb") as fh:
            body = fh.read()
        if body in answers:
            copies.append(f"{f} = {answers[body]}")
    record(not copies, "no file in the distribution is identical to a solution", "; ".join(copies[:5]))
    same, absent = [], []
    for ex in chosen:
        stub = os.path.join(dest, "exercises", ex + ".c")
        if not os.path.exists(stub):
            absent.append(ex)
        elif open(stub, "rb").read() == open(os.path.join(ROOT, "solutions", ex + ".c"), "rb").read():
            same.append(ex)
    record(not same and not absent,
           f"every exercise ({len(chosen)}) ships as its stub, which differs from its solution",
           ("identical to the solution: " + ", ".join(same) if same else "") +
           (" missing from the distribution: " + ", ".join(absent) if absent else ""))
    share, ex, f = largest_share(dest, chosen)
    emit(f"          (the most of one solution's own lines found in one shipped file: "
          f"{share:.0%}{f', {ex} in {f}' if ex else ''})")
    record(share < 0.8, "no shipped file re-implements a solution (under 80% of its own lines)",
           f"{f} repeats {share:.0%} of solutions/{ex}.c")
    heaps = heap_code(dest)
    record(not heaps, "no shipped file outside exercises/ defines a heap's sift-up or sift-down (4.1's answer)",
           f"{len(heaps)} shipped functions are a heap's sift: " + "; ".join(heaps[:4]) +
           "; re-run with make test STAGE=k")

    tmp = tempfile.mkdtemp(prefix="cc-dist-")
    p = sh(["tar", "-xzf", dest + ".tar.gz", "-C", tmp], tmp)
    copy = os.path.join(tmp, name)
    if p.returncode or not os.path.isdir(copy):
        record(False, "the tarball unpacks", tail(p))
        return None
    start = time.time()
    p = sh(["make", "check"], copy)
    try:
        with open(os.path.join(copy, "build", "results", "results.json")) as fh:
            results = json.load(fh)
    except (OSError, ValueError):
        record(False, "make check in a fresh copy of the tarball", tail(p))
        return copy
    unstarted = [t["name"] for t in results["tests"] if not t["output"].startswith("not started")]
    in_copy = grade.read_config(os.path.join(copy, "course.conf"))[0]
    shipped = grade.course_order([e for e in in_copy if os.path.exists(os.path.join(copy, "exercises", e + ".c"))],
                                 in_copy)
    graded = [t["name"] for t in results["tests"]]
    record(p.returncode != 0 and results["score"] == 0 and not unstarted and graded == shipped,
           f"the tarball, unpacked in a fresh folder, builds and `make check` scores 0 of "
           f"{results['max_score']} ({len(graded)} exercises, all not started; {time.time() - start:.0f} s)",
           (f"these do not say not started: {', '.join(unstarted)}; " if unstarted else "") +
           (f"graded {len(graded)} exercises, shipped {len(shipped)}; " if graded != shipped else "") +
           f"score {results['score']}, exit status {p.returncode}; " + tail(p, 200))
    read = book_read_here()
    if read and all_as_here(copy, read):
        record(True, f"every listing of the book resolves inside the distribution (the {len(read)} "
               "files its read of the book used are there, as they were here)")
        away = os.path.join(copy, read[0])
        os.rename(away, away + ".away")  # the rule's own mutant: one file missing
        try:
            again = all_as_here(copy, read)
        finally:
            os.rename(away + ".away", away)
        record(not again, "a copy that lacks one of those files is not taken as resolving",
               f"{read[0]} removed, and the copy still matched")
    else:
        p = calm_sh(["make", "-s", "build/listings.ok"], copy)
        record(p.returncode == 0, "every listing of the book resolves inside the distribution", tail(p))
    p = sh([sys.executable, "tools/maintainer_test.py", "--stage", "a,m"], copy)
    out = p.stdout
    record(p.returncode == 0 and "skip  solutions: skipped" in out and "skip  mutants: skipped" in out,
           "inside the distribution, make test says plainly it skips what needs solutions/", out[-400:])
    return copy


def book_read_here():
    """The files the book's read here used (build/book.reads, which
    tools/snippets.lua writes while making build/book.json), with the
    Makefile and the metadata file, when that book is up to date; []
    otherwise.  A copy that holds every one of them byte for byte reads
    the same (all_as_here), and its own read (build/listings.ok, pandoc
    over every chapter, 6 s of CPU) would find nothing more."""
    log = os.path.join(ROOT, "build", "book.reads")
    if not os.path.exists(log) or calm_sh(["make", "-s", "-q", "build/book.json"], ROOT).returncode:
        return []
    with open(log) as f:
        return f.read().split() + ["Makefile", "tools/book.yaml"]


def all_as_here(copy, files):
    def contents(path):
        with open(path, "rb") as f:
            return f.read()
    return all(os.path.isfile(os.path.join(copy, f)) and
               contents(os.path.join(copy, f)) == contents(os.path.join(ROOT, f)) for f in files)


@contextlib.contextmanager
def course_choice(chosen):
    """A course.conf of its own (for COURSE_CONF) that picks two of the
    exercises, in the other order, for 7 and 3 points: (pick, points, path)."""
    pick = [chosen[-1], chosen[0]]
    fd, conf = tempfile.mkstemp(suffix=".conf")
    with os.fdopen(fd, "w") as f:
        f.write(f"{pick[0]} 7\n{pick[1]} 3\nset name kit-choice\n")
    try:
        yield pick, {pick[0]: 7, pick[1]: 3}, conf
    finally:
        os.remove(conf)


def check_course_choice(copy, chosen):
    """One small file chooses the exercises and their points, and make dist
    and make check follow it (COURSE_CONF names it; make gradescope is
    check_bundle_choice's)."""
    if len(chosen) < 2:
        record(None, "choosing exercises in course.conf", "fewer than 2 exercises")
        return
    with course_choice(chosen) as (pick, want, conf):
        try:
            p = calm_sh(["make", "-s", "dist", f"COURSE_CONF={conf}"], ROOT)
            d = os.path.join(ROOT, "build", "dist", "kit-choice")
            stubs = sorted(f[:-2] for f in files_under(os.path.join(d, "exercises")) if f.endswith(".c"))
            shipped, _ = grade.read_config(os.path.join(d, "course.conf")) if p.returncode == 0 else ({}, {})
            record(stubs == sorted(pick) and shipped == want,
                   f"make dist COURSE_CONF=... ships only the {len(pick)} exercises it lists, with their points",
                   f"shipped {stubs}, course.conf {shipped}; " + tail(p, 200))
            p = sh(["make", "check", f"COURSE_CONF={conf}"], copy)
            try:
                results = json.load(open(os.path.join(copy, "build", "results", "results.json")))
                got = [(t["name"], t["max_score"]) for t in results["tests"]]
            except (OSError, ValueError, KeyError):
                got = []
            record(got == [(e, want[e]) for e in grade.course_order(pick, want)],
                   "make check COURSE_CONF=... grades only those exercises, for their points",
                   f"{got}; " + tail(p, 200))
        finally:
            shutil.rmtree(os.path.join(ROOT, "build", "dist", "kit-choice"), ignore_errors=True)
            if os.path.exists(os.path.join(ROOT, "build", "dist", "kit-choice.tar.gz")):
                os.remove(os.path.join(ROOT, "build", "dist", "kit-choice.tar.gz"))


def check_bundle_choice(chosen):
    """make gradescope follows COURSE_CONF too (check_gradescope, next,
    makes the course's own bundle again)."""
    if len(chosen) < 2:
        return
    import zipfile
    with course_choice(chosen) as (pick, want, conf):
        calm_sh(["make", "-s", "gradescope", f"COURSE_CONF={conf}"], ROOT)
        try:
            z = zipfile.ZipFile(os.path.join(ROOT, "build", "gradescope.zip"))
            with open(conf, "wb") as f:  # the bundle's own course.conf, read back
                f.write(z.read("course.conf"))
            inside, _ = grade.read_config(conf)
            zstubs = sorted(n[len("exercises/"):-2] for n in z.namelist()
                            if n.startswith("exercises/") and n.endswith(".c"))
        except (OSError, KeyError, zipfile.BadZipFile) as e:
            inside, zstubs = {}, [str(e)]
        record(inside == want and zstubs == sorted(pick),
               "make gradescope COURSE_CONF=... bundles only those exercises, for their points",
               f"bundled {zstubs}, course.conf {inside}")


def check_hint(copy, chosen):
    ex = next((e for e in chosen if os.path.exists(os.path.join(copy, "exercises", e + ".hints"))), None)
    if not ex:
        record(None, "make hint", "no exercise has a .hints file")
        return
    outs = [sh(["make", "-s", "hint", f"EX={ex}"], copy).stdout for _ in range(2)]
    seen = open(os.path.join(copy, ".hints-seen")).read() if os.path.exists(os.path.join(copy, ".hints-seen")) else ""
    record(outs[0].startswith("Hint 1 of") and outs[1].startswith("Hint 2 of") and f"{ex} 2" in seen,
           f"make hint EX={ex} shows the hints one at a time and counts them in .hints-seen",
           f"{outs[0][:80]!r} {outs[1][:80]!r} seen={seen!r}")
    sh(["make", "-s", "hint", f"EX={ex}", "RESET=1"], copy)
    again = sh(["make", "-s", "hint", f"EX={ex}"], copy).stdout
    record(again.startswith("Hint 1 of"), "make hint RESET=1 starts the hints over", again[:80])


def check_watch(copy, chosen):
    """Drive `make watch` as a learner would: save a solution, then save the
    stub back by renaming a new file over it (as many editors do)."""
    ex = "01-cpu-or-io/amdahl" if "01-cpu-or-io/amdahl" in chosen else chosen[0]
    target = os.path.join(copy, "exercises", ex + ".c")
    stub = open(target).read()
    solution = open(os.path.join(ROOT, "solutions", ex + ".c")).read()
    log_path = os.path.join(os.path.dirname(copy), "watch.log")
    log = open(log_path, "w")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    with grade.own_session(["make", "-s", "watch", f"EX={ex}"], cwd=copy, stdout=log,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env) as p:
        watch_steps(p, log, log_path, ex, target, stub, solution)


def watch_steps(p, log, log_path, ex, target, stub, solution):
    def runs(n, timeout):
        """The text of the watch's n-th check, once it has finished."""
        deadline = time.time() + timeout
        while time.time() < deadline and p.poll() is None:
            parts = open(log_path).read().split("[watch] waiting")
            if len(parts) > n:
                return parts[n - 1]
            time.sleep(0.2)
        return None

    try:
        first = runs(1, 300)
        record(first is not None and "not started" in first, f"make watch EX={ex} checks the exercise at once",
               open(log_path).read()[-300:])
        if first is None:
            return
        with open(target, "w") as f:         # saved in place
            f.write(solution)
        second = runs(2, 180)
        record(second is not None and " ✓ " in second,
               "make watch re-checks when the file is saved in place (the solution passes)",
               (second or open(log_path).read())[-300:])
        tmp = target + ".swp-new"
        with open(tmp, "w") as f:            # saved by renaming a new file over it
            f.write(stub)
        os.replace(tmp, target)
        third = runs(3, 180)
        record(third is not None and "not started" in third,
               "make watch re-checks when the file is replaced by a rename (the stub again)",
               (third or open(log_path).read())[-300:])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=10)
        log.close()
        with open(target, "w") as f:
            f.write(stub)


def check_gradescope(points, settings):
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import gradescope_sim as sim
    import zipfile
    chosen = grade.chosen_exercises(points)
    p = calm_sh(["make", "-s", "gradescope"], ROOT)
    record(p.returncode == 0, "make gradescope", tail(p))
    if p.returncode:
        return
    names = zipfile.ZipFile(os.path.join(ROOT, "build", "gradescope.zip")).namelist()
    hidden = [f"tests/{e.split('/')[0]}/hidden/{e.split('/')[1]}.c" for e in chosen if grade.has_hidden(e)]
    leaks = [n for n in names if n.startswith("solutions/") or "/mutants/" in n]
    record("setup.sh" in names and "run_autograder" in names and not leaks and all(h in names for h in hidden),
           f"build/gradescope.zip has setup.sh, run_autograder, the private tests ({len(hidden)}) and no solution",
           f"leaks: {leaks[:3]}; private tests missing: {[h for h in hidden if h not in names]}")
    bad = sim.upload_problems(chosen)
    record(not bad, "Gradescope uploads: each exercise's bare NAME.c is graded as that exercise; "
           "a name two exercises share, or a file sent twice, is refused with a sentence", "; ".join(bad)[:600])
    root = tempfile.mkdtemp(prefix="autograder-")
    # The solutions on one core, as on Gradescope's default autograder, under
    # both settings; the stubs on one core under `full`, the setting where
    # a skipped speedup test earns its points: a stub must still score
    # zero.  `full` changes nothing for an exercise without a speedup test,
    # so that run grades only some with one (the stubs on all cores are
    # the student copy's `make check`, through the same grade.py, and the
    # solutions' run builds every exercise in the bundle).  Where only
    # some exercises matter, the run grades only those (as an instructor
    # may choose).
    timed = [e for e in chosen if grade.speedup_tests(e)]
    # What `none` does to a skipped speedup test is grade.py's rule, the
    # same for every exercise: two exercises show it (one judged by
    # speedup.c, one by the MPI judge) at a quarter of the cost.  So is
    # what `full` gives a stub (earned_flags: a skip earns its share only
    # where every judged test passed), so the stubs' run grades the same two.
    policy = [e for e in timed if not e.startswith("09-")][:1] + [e for e in timed if e.startswith("09-")][:1]
    runs = [("exercises", True, "full", "zero", policy),
            ("solutions", True, "full", "full", None), ("solutions", True, "none", "full", policy)]
    for tree, one_core, skipped, expect, only in runs:
        only = only or None
        what = (f"Gradescope bundle on the {'solutions' if tree == 'solutions' else 'stubs'}"
                f"{', one core' if one_core else ''}, skipped-speedup {skipped}"
                f"{f' ({len(only)} exercises with speedup tests)' if only else ''}")
        start = time.time()
        try:
            results, log = sim.run(root, tree, one_core, skipped, only=only)
            CLASS_RESULTS.append((tree, results))  # sample submissions for the class view
        except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as e:
            record(False, what, str(e)[-400:])
            continue
        bad = sim.expectations(results, expect, one_core, skipped) + sim.lockdown(root)
        skips = sim.skipped_lines(results)
        vis = [t["visibility"] for t in results["tests"] if t["name"].endswith("(private tests)")]
        n_hidden = sum(1 for e in (only or chosen) if grade.has_hidden(e))
        if vis != [settings["hidden-visibility"]] * n_hidden:
            bad.append(f"private tests' visibility {vis}, expected {settings['hidden-visibility']}")
        record(not bad, f"{what}: {results['score']:g} of {sim.max_score(results):g} "
               f"({len(skips)} tests skipped; {time.time() - start:.0f} s)", "; ".join(bad)[:600])
        if tree == "solutions" and one_core and skipped == "none" and not skips:
            record(None, "a skipped speedup test scores nothing under `none`",
                   "no exercise has a speedup test yet")
    shutil.rmtree(root, ignore_errors=True)


CLASS_RESULTS = []  # (tree, results.json) of each Gradescope run above


def check_teaching_tools(points, trees_built):
    """make classview, regrade and similarity, on the Gradescope runs of
    the solutions and the stubs as a class of sample submissions."""
    d = tempfile.mkdtemp(prefix="class-")
    for i, (tree, results) in enumerate(CLASS_RESULTS):
        os.makedirs(os.path.join(d, f"{i}-{tree}"))
        with open(os.path.join(d, f"{i}-{tree}", "results.json"), "w") as f:
            json.dump(results, f)
    p = sh([sys.executable, "tools/classview.py", d, "--out", os.path.join(d, "plot")], ROOT)
    stubs = sum(t == "exercises" for t, _ in CLASS_RESULTS)
    want = [f"class view: {len(CLASS_RESULTS)} submissions", "most common first failure:",
            "not started"] if stubs else [f"class view: {len(CLASS_RESULTS)} submissions"]
    svg = os.path.exists(os.path.join(d, "plot", "scores.svg")) or not shutil.which("gnuplot")
    record(p.returncode == 0 and all(w in p.stdout for w in want) and svg,
           f"make classview over {len(CLASS_RESULTS)} sample results.json (solutions and stubs): "
           "table, first failures, histogram", tail(p))
    # regrade: a stub's timed test fails as not started, every time; the
    # solution's is never failed for being slow when the judge skips.
    trees_built.wait()  # it builds in this tree
    ex = "02-processes/procpool"
    p = sh([sys.executable, "tools/regrade.py", ex, "--tree", "exercises", "-n", "2"], ROOT)
    record(p.returncode == 0 and "0 passed, 2 failed" in p.stdout and "not started" in p.stdout,
           f"make regrade EX={ex} on the stub: its timed test, twice, failed as not started", tail(p))
    p = sh([sys.executable, "tools/regrade.py", ex, "--tree", "solutions", "-n", "2"], ROOT)
    record(p.returncode == 0 and re.search(r": \d passed, 0 failed, \d skipped of 2", p.stdout) is not None,
           f"make regrade EX={ex} on the solution: two verdicts, none failed, and their spread", tail(p))
    # similarity: the solutions, the stubs and a copy of the solutions as
    # three students; the copy must be flagged, the stubs never.
    subs = os.path.join(d, "subs")
    shutil.copytree(os.path.join(ROOT, "solutions"), os.path.join(subs, "alice"))
    shutil.copytree(os.path.join(ROOT, "solutions"), os.path.join(subs, "alice-copy"))
    shutil.copytree(os.path.join(ROOT, "exercises"), os.path.join(subs, "bob"))
    p = sh([sys.executable, "tools/similarity.py", "--ex", ex, "--out", os.path.join(d, "sim"),
            os.path.join(subs, "alice"), os.path.join(subs, "alice-copy"), os.path.join(subs, "bob")], ROOT)
    out = os.path.join(d, "sim", ex)
    exported = all(os.path.exists(os.path.join(out, f)) for f in
                   ("moss.sh", "jplag.sh", "base-files.txt", "submissions/alice.c", "submissions/bob.c"))
    flagged = not shutil.which("sim_c") or re.search(r"alice(-copy)? consists for 100 % of alice", p.stdout)
    record(p.returncode == 0 and exported and bool(flagged) and "bob consists" not in p.stdout,
           "make similarity: export for MOSS/JPlag; sim_c flags a copied solution, not the stub", tail(p))
    shutil.rmtree(d, ignore_errors=True)


def check_container():
    """The Dockerfile and the devcontainer, statically: no engine here."""
    docker = os.path.join(ROOT, "Dockerfile")
    dev = os.path.join(ROOT, ".devcontainer", "devcontainer.json")
    if not os.path.exists(docker):
        record(False, "Dockerfile", "missing")
        return
    lines = [l.strip() for l in re.sub(r"\\\n", " ", open(docker).read()).splitlines()
             if l.strip() and not l.lstrip().startswith("#")]
    steps = [l.split(None, 1) for l in lines]
    bad = []
    if not steps or steps[0] != ["FROM", "debian:12"]:
        bad.append(f"the first step is {lines[:1]}, not FROM debian:12")
    runs = " ".join(a for k, a in steps if k == "RUN")
    ci = open(os.path.join(ROOT, ".ci", "run")).read()
    for cmd in ("make deps",):
        if cmd not in runs or cmd not in ci:
            bad.append(f"'{cmd}' is not in both the Dockerfile and .ci/run")
    if not re.search(r"apt-get install[^&]*\bmake\b", runs):
        bad.append("it does not install make first, as CI does")
    for k, a in steps:
        if k == "COPY":
            srcs = a.split()[:-1]
            bad += [f"COPY {s}: no such file" for s in srcs if not os.path.exists(os.path.join(ROOT, s))]
        elif k not in ("FROM", "RUN", "COPY", "WORKDIR", "CMD", "ENV", "ARG", "LABEL"):
            bad.append(f"unknown instruction {k}")
    record(not bad, "Dockerfile: Debian 12, CI's steps (make, then make deps), its COPY sources exist",
           "; ".join(bad))
    try:
        conf = json.load(open(dev))
        here = os.path.dirname(dev)
        ok = (os.path.realpath(os.path.join(here, conf["build"]["dockerfile"])) == os.path.realpath(docker)
              and os.path.realpath(os.path.join(here, conf["build"]["context"])) == os.path.realpath(ROOT)
              and "make deps" in conf.get("postCreateCommand", ""))
        why = "build.dockerfile, build.context or postCreateCommand (make deps) is wrong"
    except (OSError, ValueError, KeyError, TypeError) as e:
        ok, why = False, f"cannot read it: {e}"
    record(ok, ".devcontainer/devcontainer.json builds the Dockerfile from the repository", why)
    readme = open(os.path.join(ROOT, "README.md")).read()
    record("untested on a\nreal container engine" in readme or "untested on a real container engine" in readme,
           "README says the container files are untested on a real engine")


def check_kit(points, settings, trees_built):
    stage("(k) the course kit: distribution, autograder, hints, watch, guide")
    check_scoring_rule()
    check_workflow()
    check_guide()
    if not has_solutions():
        record(None, "the distribution and the Gradescope bundle", STUDENT_COPY)
        return
    chosen = grade.chosen_exercises(points)

    def student_side():  # the tarball, unpacked and used as a student would
        copy = check_dist(points, settings)
        if copy:
            check_course_choice(copy, chosen)
            check_hint(copy, chosen)
            check_watch(copy, chosen)
            shutil.rmtree(os.path.dirname(copy), ignore_errors=True)

    def bundle_side():   # the Gradescope bundle, and the tools that read its results
        # The bundle builds and grades in folders of its own, as the
        # student side does, so both start at once; only make regrade
        # (in check_teaching_tools) builds in this tree, as the other lane
        # does, and it waits until stages a and b have built it.
        check_bundle_choice(chosen)
        check_gradescope(points, settings)
        check_teaching_tools(points, trees_built)
    # The two share no file, and most of their time is spent waiting for
    # the timing lock: side by side, one grades while the other waits.
    # (Without a cgroup per phase they take turns, as the lanes do.)
    both_at_once([student_side, bundle_side], grade.parallel_phases() > 1)
    check_container()


def both_at_once(steps, together):
    """Run the steps in threads of their own, each with its own buffer of
    lines, printed in the steps' order once all are done."""
    if not together:
        for step in steps:
            step()
        return
    bufs = [[] for _ in steps]
    threads = [threading.Thread(target=in_lane, args=(buf, f"step {step.__name__}", step))
               for step, buf in zip(steps, bufs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for buf in bufs:
        for line in buf:
            emit(line)


def in_lane(buf, what, step):
    """Run step in this thread with its lines kept in buf, to be printed
    later; a crash fails as make test's `what`."""
    _lane.buf = buf
    _lane.last = time.time()  # MT_TIMES counts this lane's first check from here
    try:
        step()
    except Exception:  # a crash here must not pass for a quiet lane
        record(False, f"make test's {what}", traceback.format_exc()[-800:])
    finally:
        close_stage()
        _lane.buf = None


def second_lane(trees_built, points, settings):
    if wanted("c"):
        check_demos()
    if wanted("d") or wanted("e"):
        check_book()
    if (not CHAPTER or STAGES) and wanted("k"):
        check_kit(points, settings, trees_built)


def check_no_leftover_folders(start):
    """The tests' temporary folders (readfiles's, the only test that makes
    one) are gone once every test has ended, failed ones included: the
    unsolved exercise's run stops at a failed assertion every time."""
    left = [p for p in glob.glob("/tmp/readfiles-*")
            if os.path.isdir(p) and os.stat(p).st_mtime >= start]
    # A folder may belong to a test that is still running beside this one:
    # the distribution's own make test runs inside this one, beside the
    # course kit's gradings, and once found two such folders that were gone
    # a moment later.  A folder a test left stays; one in use goes within
    # its test's few seconds.
    deadline = time.time() + 10
    while left and time.time() < deadline:
        time.sleep(0.5)
        left = [p for p in left if os.path.isdir(p)]
    record(not left, "the tests left no temporary folder in /tmp",
           f"{len(left)} left, e.g. {left[:2]}: a test stopped before removing its "
           "folder (tests/06-io-uring/readfiles.c's .fini = clean_dir); re-run: make test STAGE=k")


def alone_time(path, ours):
    """One line: how long the timed suites held the machine alone."""
    holds = []
    with contextlib.suppress(OSError):
        holds = [float(w[2]) for w in (l.split() for l in open(path)) if len(w) >= 3 and w[0] == "exclusive"]
        if ours:
            os.remove(path)
    return (f"Timed suites held the machine alone for {sum(holds):.0f} s in {len(holds)} turns "
            "(GRADER_LOCKLOG=file keeps each turn).")


def main():
    os.chdir(ROOT)
    start = time.time()
    global CHAPTER, STAGES
    args = sys.argv[1:]
    while len(args) >= 2 and args[0] in ("--chapter", "--stage"):
        if args[0] == "--chapter":
            CHAPTER = args[1].zfill(2) + "-"  # a chapter's share only, while writing it
        else:
            STAGES = args[1]
        args = args[2:]
    points, settings = grade.read_config(os.path.join(ROOT, "course.conf"))
    exercises = [e for e in grade.all_exercises("exercises") if e.startswith(CHAPTER)]
    # Every hold of the timing lock, by this run and the gradings it starts
    # (the student copy's make check, the Gradescope runs): the time the
    # timed suites held the machine alone is the least make test can take.
    fd, locklog = tempfile.mkstemp(prefix="mt-locklog-")
    os.close(fd)
    if os.environ.setdefault("GRADER_LOCKLOG", locklog) != locklog:
        os.remove(locklog)  # the caller's file keeps the turns
    if wanted("0"):
        check_structure(exercises, points)
    # Two lanes at once.  This one grades (g, a, b, m); the other runs the
    # demos and the book (c, d, e), then the course kit (k), whose steps
    # that build in this tree wait until a and b have built it.  Every step of either holds
    # the grader's timing lock, shared, as grade.py's own phases do, so a
    # timed suite still runs alone.  The other lane's lines come after.
    # Both lanes link these; built on every core, as nothing else runs yet
    # (one at a time, 8.7 s of a fresh clone's start with one core idle).
    grade.make([f"-j{JOBS}", "build/san/lib.a", "build/tsan/lib.a", "build/rel/lib.a"])
    # Without a cgroup per test program (not root), a process one lane left
    # behind could be taken for another's leftover: the lanes then take turns.
    together = grade.parallel_phases() > 1
    trees_built, lines = threading.Event(), []
    lane = threading.Thread(target=in_lane, args=(lines, "second lane (demos, book, kit)",
                                                 lambda: second_lane(trees_built, points, settings)))
    if together:
        lane.start()
    try:
        if not CHAPTER and wanted("g"):
            check_grader(settings)
        if wanted("a"):
            check_solutions(exercises, settings)
            if has_solutions():
                check_traces(exercises)
        if wanted("b"):
            check_stubs(exercises, settings, points)
    finally:
        trees_built.set()
    if wanted("m"):
        check_mutants(settings)
    close_stage()
    if together:
        lane.join()
    else:
        lane.run()
    for line in lines:
        print(line)
    check_no_leftover_folders(start)
    end = time.time()
    print(f"\nmake test took {end - start:.0f} s: {stage_times(end)}.")
    print(alone_time(os.environ["GRADER_LOCKLOG"], os.environ["GRADER_LOCKLOG"] == locklog))
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
