#!/usr/bin/env python3
"""fairness.py: how often does the speedup judge get it wrong?  (make fairness)

It runs speedup tests many times, on an idle machine and beside CPU hogs
(busy loops, one per hog), and counts the verdicts that are wrong:

  * a *false fail*: a parallel solution failed for "not enough speedup";
  * a *false pass*: a sequential impostor passed;
  * a *skip*: the judge found the machine too busy to tell (never a pass).

The cases are the grader's own speedup self-tests (a parallel prime count
and a sequential impostor, grader/tests/speedup.c) and, when solutions/ is
here, one exercise's speedup tests against its solution and against its
sequential mutant (the first exercise with both, or FAIRNESS_EX).

    FAIRNESS_RUNS=15 FAIRNESS_HOGS="0 1" python3 tools/fairness.py [out.dat]

FAIRNESS_EX=09-mpi/master_worker measures the MPI judge (grader/mpijob.c)
instead; FAIRNESS_SELFTESTS=0 leaves the grader's self-tests out.
FAIRNESS_TESTS="offload-pings=05-libuv/offload:timing/pings_stay_fast ..."
measures those tests instead, timing tests too: each against its
solution and against the first mutant that must fail it, or the one
named after a second colon (a "false pass" is then that mutant passing),
or against none where that name is "-" (a test no mutant fails yet);
the rows are keyed LABEL-solution and LABEL-impostor (without a
`LABEL=`, NAME.TEST).  GRADER_EARLY=0 also turns off the timing tests'
early stop (grader/server.c, tests/07-showdown/mixed.c).

It writes a data file (default docs/data/fairness.dat) that the
instructors' guide quotes with []{.data} spans.  Run it through
tools/fairness.sh, which holds the grader's timing lock so that no other
speedup test on this machine adds load of its own.
"""

import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402

RUNS = int(os.environ.get("FAIRNESS_RUNS", "15"))
HOGS = [float(h) for h in os.environ.get("FAIRNESS_HOGS", "0 0.5 1").split()]
# GRADER_EARLY (grader/speedup.c): 1 stops the rounds once the verdict is
# clear by a wide margin, 0 always runs them all; "0 1" measures both.
EARLY = os.environ.get("FAIRNESS_EARLY", "1").split()


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"# machine: {len(os.sched_getaffinity(0))} usable cores, {model}, Linux {platform.release()}"


def source(cases):
    """The data's provenance: the commit measured, and the tests."""
    git = subprocess.run(["git", "describe", "--always", "--dirty=, with uncommitted changes"],
                         cwd=ROOT, capture_output=True, text=True).stdout.strip() or "unknown"
    tests = sorted({f"{c[2].removeprefix('build/')} {c[3]}" for c in cases})
    return f"# source: commit {git}; tests: " + ", ".join(tests)


def must_fail(path):
    m = re.search(r"must fail:\s*([^\n*]+)", open(path).read(2000))
    return [t.strip() for t in m.group(1).split(",")] if m else []


def exercise_cases():
    """(key, what, binary, test, should) for one exercise and its impostor
    (the first with a speedup test and a mutant that must fail one, or
    FAIRNESS_EX), or for each FAIRNESS_TESTS pair."""
    if not os.path.isdir(os.path.join(ROOT, "solutions")):
        return []
    picks = [(p.rpartition("=")[0], (p.rpartition("=")[2].split(":") + [""])[:3])
             for p in os.environ.get("FAIRNESS_TESTS", "").split()]
    if picks:
        return [c for label, (ex, test, mut) in picks
                for c in test_cases(ex, test, f"{label or ex.split('/')[1] + '.' + test.split('/')[1]}-", mutant=mut)]
    points, _ = grade.read_config(os.path.join(ROOT, "course.conf"))
    wanted = os.environ.get("FAIRNESS_EX", "")
    for ex in grade.course_order(grade.all_exercises("solutions"), points):
        tests = grade.speedup_tests(ex)
        if (not wanted or ex == wanted) and tests:
            cases = test_cases(ex, f"speedup/{tests[0]}", "", any_speedup=True)
            if cases:
                return cases
    return []


def test_cases(ex, test, prefix, any_speedup=False, mutant=""):
    """The solution's run of `test`, and the first mutant of `ex` that
    must fail it (any speedup test, with any_speedup), or `mutant`."""
    chapter, name = ex.split("/")
    solution = (prefix + "solution", f"{ex}_(solution)", f"build/sol/{ex}", test, "pass")
    if mutant == "-":
        return [solution]
    mdir = os.path.join(ROOT, "tests", chapter, "mutants")
    impostors = [(os.path.splitext(m)[0], t) for m in sorted(os.listdir(mdir))
                 if m.startswith(name + "--") and m.endswith((".c", ".patch"))
                 and (not mutant or os.path.splitext(m)[0] == mutant)
                 for t in must_fail(os.path.join(mdir, m))
                 if t == test or (any_speedup and t.startswith("speedup/"))] if os.path.isdir(mdir) else []
    if not impostors:
        return []
    mut, mtest = impostors[0]
    return [solution, (prefix + "impostor", f"{chapter}/mutants/{mut}", f"build/mut/{chapter}/mutants/{mut}", mtest, "fail")]


# The grader's self-tests assert the right verdict, so for the impostor a
# PASSED test means the judge failed it (right), FAILED means it passed;
# unless the self-test failed on the reason ("wrong reason: ..."): the
# judge failed the impostor then, for another reason than "not enough
# speedup" (beside the half-time load a kernel at 1.34x once let the
# impostor score 0.75, and its CPU time failed it as "fast, but not
# parallel"), which is still the right verdict.
CASES = [
    ("selftest-parallel", "grader_self-test:_parallel_primes", "build/grader/speedup",
     "speedup/passes_a_parallel_solution", "pass"),
    ("selftest-impostor", "grader_self-test:_sequential_impostor", "build/grader/speedup",
     "speedup/fails_a_sequential_impostor", "fail-selftest"),
    ("selftest-one-core", "grader_self-test:_fast_on_one_core", "build/grader/speedup",
     "speedup/fails_fast_but_not_parallel", "fail-selftest"),
    ("selftest-sieve", "grader_self-test:_a_sieve", "build/grader/speedup",
     "speedup/fails_a_different_algorithm", "fail-selftest"),
]


def verdict(status, should, msg=""):
    """The judge's verdict (pass, fail or skip) from the test's status."""
    if status == "SKIPPED":
        return "skip"
    if should == "fail-selftest":
        return "fail" if status == "PASSED" or "wrong reason: " in msg else "pass"
    return "pass" if status == "PASSED" else "fail"


def run_once(binary, test, early):
    env = dict(os.environ, GRADER_EARLY=early)
    got, out, _ = grade.run_phase(os.path.join(ROOT, binary), test, 1, env)
    # Criterion also reports the tests its filter left out, as skipped.
    mine = [g for g in got or [] if f"{g[0]}/{g[1]}" == test]
    if not mine:
        return "ERRORED", out[-300:]
    return mine[0][2], mine[0][3]


# A hog spins; a half hog spins 10 ms and sleeps 10 ms, as a machine
# that is busy half the time (an editor's indexer, a browser tab).
HALF = "import time\nwhile 1:\n    t = time.time() + 0.01\n    while time.time() < t: pass\n    time.sleep(0.01)"


def hogs(n):
    whole, half = int(n), n - int(n) >= 0.5
    return ([subprocess.Popen(["sh", "-c", "while :; do :; done"], start_new_session=True) for _ in range(whole)] +
            ([subprocess.Popen([sys.executable, "-c", HALF], start_new_session=True)] if half else []))


def load_name(n):
    if n == 0:
        return "idle", "idle"
    if n == 0.5:
        return "half_hog", "half"
    return f"{n:g}_hog" + ("s" if n > 1 else ""), f"hog{n:g}"


def measure_case(load, tag, early, key, what, binary, test, should):
    """RUNS verdicts of one test under one load: the data file's row."""
    load_avg = os.getloadavg()[0]  # the machine's own load, before this case
    count = {"pass": 0, "fail": 0, "skip": 0}
    notes, seconds = [], 0.0
    for i in range(RUNS):
        t = time.time()
        status, msg = run_once(binary, test, early)
        seconds += time.time() - t
        v = verdict(status, should, msg)
        count[v] += 1
        wrong = (v == "fail") if should == "pass" else (v == "pass")
        if wrong or (v == "skip" and not any(n.startswith("skip") for n in notes)):
            notes.append(("skip: " if v == "skip" else "") + msg[:300])
        print(f"  {load:>8} early={early} {what:<45} run {i + 1:>2}: {v}", file=sys.stderr, flush=True)
    for note in notes[:3]:
        print(f"    {'why' if note.startswith('skip') else 'wrong verdict'}: {note}", file=sys.stderr)
    expect = "pass" if should == "pass" else "fail"
    wrong = count["fail"] if expect == "pass" else count["pass"]
    judged = RUNS - count["skip"]
    return (f"{tag}-{key}" + ("" if early == "1" else "-allrounds"), load, what.replace(" ", "_"),
            expect, RUNS, count["pass"], count["fail"], count["skip"], wrong,
            f"{100 * wrong / judged:.0f}" if judged else "-", f"{load_avg:.2f}", early,
            f"{seconds / RUNS:.2f}")


def measure_load(n, cases):
    """The rows of every case, every early mode, under one load."""
    rows = []
    load, tag = load_name(n)
    running = hogs(n)
    time.sleep(0.5 if n else 0)
    try:
        for early in EARLY:
            for key, what, binary, test, should in cases:
                rows.append(measure_case(load, tag, early, key, what, binary, test, should))
    finally:
        for h in running:
            h.kill()
            h.wait()
    return rows


def main():
    os.chdir(ROOT)
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join("docs", "data", "fairness.dat")
    selftests = os.environ.get("FAIRNESS_SELFTESTS", "1") != "0"
    theirs = exercise_cases()
    cases = (CASES if selftests or not theirs else []) + theirs
    if not theirs:
        print("fairness: no exercise with both a speedup test and a sequential mutant here "
              "(a student copy has neither solutions/ nor mutants/): measuring the grader's "
              "self-tests only", file=sys.stderr)
    built = grade.build_all(sorted({c[2] for c in cases}), os.cpu_count() or 2)
    broken = {b: e for b, e in built.items() if e}
    if broken:
        sys.exit("fairness: cannot build " + "; ".join(f"{b}: {e}" for b, e in broken.items()))
    rows, provenance = [], source(cases)  # before anything changes
    start = time.time()
    with grade.timing_lock(exclusive=True):  # no other grader's test beside these
        for n in HOGS:
            rows += measure_load(n, cases)
    with open(out_path + ".tmp", "w") as f:
        f.write(machine() + "\n")
        f.write(provenance + "\n")
        f.write(f"# {RUNS} runs per case, one test at a time; load: busy-loop processes beside the grader "
                f"(half_hog: one busy 10 ms in every 20 ms); early: 1 = rounds stop once the verdict is "
                f"clear, 0 = all rounds; measured in {time.time() - start:.0f} s by tools/fairness.sh\n")
        f.write("# columns: case load tested should_be runs passed failed skipped wrong wrong_% "
                "load_average_before early seconds_per_run\n")
        for r in rows:
            f.write(" ".join(str(x) for x in r) + "\n")
    os.replace(out_path + ".tmp", out_path)
    print(open(out_path).read())


if __name__ == "__main__":
    main()
