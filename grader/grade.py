#!/usr/bin/env python3
"""grade.py: build and run each exercise's Criterion tests; print the scoreboard.

    python3 grader/grade.py check [--ex NN-slug/name] [--ch NN] [--tree exercises]

For every exercise it builds build/<tree>/NN-slug/name (the chapter's tests
linked with your code), runs it twice -- ordinary tests in parallel, then
the timing-sensitive suites `speedup` and `timing` one test at a time, so
no measurement shares the machine with another test -- and reads
Criterion's JSON report.  It writes JUnit XML per exercise and a
Gradescope-style results.json, and exits non-zero while anything fails.
"""

import argparse
import concurrent.futures
import contextlib
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMED = "speedup|timing"          # suites that must run alone
BINARY_TIMEOUT = 600              # per phase; every test has its own, lower
TODO_MARK = "not started: "
BUILD_DIRS = {"exercises": "check", "solutions": "sol"}


# ---- the course configuration ------------------------------------------

def read_config(path):
    """course.conf: `NN-slug/name points` lines and `set key value` lines."""
    points, settings = {}, {"skipped-speedup": "none"}
    if not os.path.exists(path):
        return points, settings
    with open(path) as f:
        for n, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] == "set" and len(words) == 3:
                settings[words[1]] = words[2]
            elif len(words) == 2 and words[1].isdigit():
                points[words[0]] = int(words[1])
            else:
                sys.exit(f"{path}:{n}: cannot read this line: {line.strip()}")
    return points, settings


def all_exercises(tree="exercises"):
    found = []
    for chapter in sorted(os.listdir(os.path.join(ROOT, tree))):
        d = os.path.join(ROOT, tree, chapter)
        if os.path.isdir(d) and re.match(r"\d\d-", chapter):
            found += [f"{chapter}/{f[:-2]}" for f in sorted(os.listdir(d)) if f.endswith(".c")]
    return found


def select(exercises, ex, ch):
    if ex:
        ex = ex.strip("/").removeprefix("exercises/").removesuffix(".c")
        chosen = [e for e in exercises if e == ex or e.endswith("/" + ex)]
        if not chosen:
            sys.exit(f"No exercise called '{ex}'. Exercises: {', '.join(exercises)}")
        return chosen
    if ch:
        chosen = [e for e in exercises if e.startswith(ch.zfill(2) + "-") or e.split("/")[0] == ch]
        if not chosen:
            sys.exit(f"No chapter '{ch}' has exercises.")
        return chosen
    return exercises


# ---- building ------------------------------------------------------------

def make(targets, quiet=True):
    cmd = ["make", "-s", "--no-print-directory"] + targets
    return subprocess.run(cmd, cwd=ROOT, capture_output=quiet, text=True)


def first_error(output):
    for line in output.splitlines():
        if re.search(r"\berror\b", line) and not line.startswith("make"):
            return line.strip()
    lines = [l for l in output.splitlines() if l.strip() and not l.startswith("make")]
    return lines[0].strip() if lines else "the build failed"


def explain_build_failure(output):
    if "criterion/criterion.h" in output:
        return "Criterion is not installed: run `make deps` first"
    if "uv.h" in output and "No such file" in output:
        return "libuv is not installed: run `make deps` first"
    return "does not compile: " + first_error(output)


def build_all(targets, jobs):
    """Build each target on its own, so one broken exercise cannot hide the
    others; the shared libraries are built once first."""
    libs = make(["build/san/lib.a", "build/tsan/lib.a", "build/rel/lib.a"])
    if libs.returncode != 0:
        msg = explain_build_failure(libs.stdout + libs.stderr)
        return {t: msg for t in targets}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = dict(zip(targets, pool.map(make, [[t] for t in targets])))
    return {t: None if r.returncode == 0 else explain_build_failure(r.stdout + r.stderr)
            for t, r in results.items()}


# ---- running -------------------------------------------------------------

def list_suites(binary):
    out = subprocess.run([binary, "--list"], capture_output=True, text=True, timeout=30)
    return re.findall(r"^(\S+): \d+ tests?$", out.stdout, re.M)


def run_phase(binary, pattern, jobs, report, env):
    """One Criterion run in its own process group, killed as a whole if it
    overruns (learner code may have left anything behind)."""
    json_path, xml_path = report + ".json", report + ".xml"
    for p in (json_path, xml_path):
        if os.path.exists(p):
            os.remove(p)
    cmd = [binary, f"--filter={pattern}", f"--jobs={jobs}", "--timeout=120",
           f"--json={json_path}", f"--xml={xml_path}", "--color=never", "-S"]
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=BINARY_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return None, out + "\n[the test program ran past its time limit and was stopped]"
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return read_report(json_path, xml_path), out


def read_report(json_path, xml_path):
    """[(suite, test, status, message)] from Criterion's JSON (or its XML)."""
    try:
        with open(json_path, errors="replace") as f:
            data = json.load(f)
        return [(s["name"], t["name"], t["status"], clean(" ".join(t.get("messages", []))))
                for s in data["test_suites"] for t in s["tests"]]
    except (OSError, ValueError, KeyError):
        pass
    try:
        tests = []
        for case in ET.parse(xml_path).getroot().iter("testcase"):
            status, msg = "PASSED", ""
            for tag, st in (("failure", "FAILED"), ("error", "ERRORED"), ("skipped", "SKIPPED")):
                node = case.find(tag)
                if node is not None:
                    status, msg = st, clean(node.get("message") or node.text or "")
            tests.append((case.get("classname", "?"), case.get("name", "?"), status, msg))
        return tests
    except (OSError, ET.ParseError):
        return None


def clean(msg):
    # "test.c:42: message" -> "message"
    return re.sub(r"^\S+\.c:\d+: ", "", msg.strip()).replace("\n", " ")


def explain(status, message):
    if status == "ERRORED" and "timed out" in message.lower():
        return "the test itself timed out (the grader's backstop): the code hangs"
    if status == "ERRORED":
        return "the test itself crashed: " + (message or "no message")
    if status == "FAILED" and not message:
        return "the test process ended early (exit() or a crash in a test helper)"
    return message


def run_exercise(ex, binary, tree, settings):
    env = dict(os.environ)
    env["GRADER_RERUN"] = rerun_command(ex, tree)
    os.makedirs(os.path.join(ROOT, "build", "results", tree, os.path.dirname(ex)), exist_ok=True)
    report = os.path.join(ROOT, "build", "results", tree, ex)
    try:
        suites = list_suites(binary)
    except (OSError, subprocess.SubprocessError) as e:
        return {"error": f"the test program would not start: {e}", "tests": []}
    timed = [s for s in suites if s in TIMED.split("|")]
    plain = [s for s in suites if s not in timed]
    tests, log, broken = [], "", None
    phases = []
    if plain:
        phases.append((f"!({TIMED})/*", os.cpu_count() or 2, report, plain))
    if timed:
        phases.append((f"@({TIMED})/*", 1, report + ".timed", timed))
    for pattern, jobs, rep, suites_here in phases:
        with timing_lock(jobs == 1):
            got, out = run_phase(binary, pattern, jobs, rep, env)
        log += out
        if got is None:
            broken = "the test program crashed or hung before it could report"
        else:  # Criterion also lists the filtered-out tests, as skipped
            tests += [t for t in got if t[0] in suites_here]
    return {"tests": tests, "log": log, "error": broken}


@contextlib.contextmanager
def timing_lock(exclusive):
    """Timed suites take a lock shared by every grader of this user on this
    machine, so two `make check` runs never measure speedups at once."""
    if not exclusive:
        yield
        return
    with open(f"/tmp/concurrency-in-c-timing-{os.getuid()}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def rerun_command(ex, tree):
    if tree == "exercises":
        return f"make check EX={ex}"
    if tree in BUILD_DIRS:
        return f"python3 grader/grade.py check --tree {tree} --ex {ex}"
    return f"build/{'mut' if tree == 'mutants' else tree}/{ex.removeprefix('grader/')} --verbose"


# ---- scoring and the scoreboard ---------------------------------------

def score(result, points, settings):
    tests = result["tests"]
    if not tests:
        return 0.0
    full_skip = settings.get("skipped-speedup") == "full"
    earned = sum(1 for _, _, st, _ in tests
                 if st == "PASSED" or (st == "SKIPPED" and full_skip))
    return round(points * earned / len(tests), 1)


def verdict(result):
    """(mark, sentence) for the scoreboard row."""
    if result.get("build_error"):
        return "✗", result["build_error"]
    tests = result["tests"]
    failing = [(s, t, st, m) for s, t, st, m in tests if st not in ("PASSED", "SKIPPED")]
    if result.get("error") and not tests:
        return "✗", result["error"]
    if failing and all(TODO_MARK in m for *_, m in failing):
        return "✗", "not started: " + failing[0][3].split(TODO_MARK, 1)[1]
    if failing:
        s, t, st, m = failing[0]
        return "✗", f"{s}/{t}: {explain(st, m)}"
    if result.get("error"):
        return "✗", result["error"]
    skipped = [(s, t, m) for s, t, st, m in tests if st == "SKIPPED"]
    if skipped:
        s, t, m = skipped[0]
        return "~", f"{s}/{t} {m}"
    return "✓", ""


def print_row(ex, earned, points, mark, why, rerun, width):
    chapter, name = ex.split("/")
    pts = f"{earned:g} / {points}" if points else "  (not graded)"
    print(f" {chapter[:2]}  {name:<{width}} {pts:>9}  {mark}  {why}")
    if mark != "✓":
        print(f" {'':<{width + 17}}→ {rerun}")


def print_details(result):
    for suite, test, status, msg in result["tests"]:
        mark = {"PASSED": "✓", "SKIPPED": "~"}.get(status, "✗")
        print(f"    {mark} {suite}/{test}" + (f": {explain(status, msg)}" if msg or status != "PASSED" else ""))
    if result.get("error") or not result["tests"]:
        tail = "\n".join(result.get("log", "").splitlines()[-20:])
        if tail:
            print("    --- the end of the test program's output ---")
            print("\n".join("    " + l for l in tail.splitlines()))


def gradescope_json(rows, elapsed):
    tests = []
    for ex, result, earned, points, mark, why in rows:
        out = why or "all tests passed"
        tests.append({"name": ex, "score": earned, "max_score": points,
                      "status": "passed" if mark == "✓" else "failed",
                      "output": out + ("" if mark == "✓" else "\nRe-run: " + rerun_command(ex, "exercises")),
                      "visibility": "visible"})
    return {"score": round(sum(t["score"] for t in tests), 1),
            "max_score": sum(t["max_score"] for t in tests),
            "execution_time": round(elapsed, 1),
            "output": f"{sum(1 for t in tests if t['status'] == 'passed')} of {len(tests)} exercises pass",
            "tests": tests}


def progress(rows):
    chapters = {}
    for ex, _, _, points, mark, _ in rows:
        done, total = chapters.get(ex.split("/")[0], (0, 0))
        chapters[ex.split("/")[0]] = (done + (mark == "✓"), total + 1)
    return "  ".join(f"{c[:2]}: {d}/{t}" for c, (d, t) in chapters.items())


def check(args):
    start = time.time()
    points, settings = read_config(os.path.join(ROOT, args.config))
    exercises = select(all_exercises(args.tree), args.ex, args.ch)
    if not args.ex:
        exercises = [e for e in exercises if e in points] or exercises
    build_dir = BUILD_DIRS.get(args.tree, args.tree)
    targets = [f"build/{build_dir}/{e}" for e in exercises]
    print(f"Building {len(targets)} exercise{'s' if len(targets) != 1 else ''} from {args.tree}/ ...", flush=True)
    built = build_all(targets, os.cpu_count() or 2)
    width = max(len(e.split("/")[1]) for e in exercises)
    print(f"\n ch  {'exercise':<{width}}    points     result")
    rows = []
    for ex, target in zip(exercises, targets):
        if built[target]:
            result = {"tests": [], "build_error": built[target]}
        else:
            result = run_exercise(ex, os.path.join(ROOT, target), args.tree, settings)
        pts = points.get(ex, 0)
        earned = score(result, pts, settings)
        mark, why = verdict(result)
        rows.append((ex, result, earned, pts, mark, why))
        print_row(ex, earned, pts, mark, why, rerun_command(ex, args.tree), width)
        if args.ex or args.verbose:
            print_details(result)
        sys.stdout.flush()
    total = sum(r[2] for r in rows)
    max_total = sum(r[3] for r in rows)
    done = sum(1 for r in rows if r[4] == "✓")
    print(f"\n Total: {total:g} / {max_total} points ({done} of {len(rows)} exercises pass)")
    print(f" Progress by chapter: {progress(rows)}")
    todo = [r[0] for r in rows if r[4] != "✓"]
    if todo and args.tree == "exercises":
        print(f" Next: make check EX={todo[0]}    (stuck? make hint EX={todo[0]})")
    results = os.path.join(ROOT, "build", "results", "results.json")
    os.makedirs(os.path.dirname(results), exist_ok=True)
    with open(args.gradescope or results, "w") as f:
        json.dump(gradescope_json(rows, time.time() - start), f, indent=2)
    print(f" Reports: build/results/ (JUnit XML per exercise, results.json)")
    failed = any(r[4] == "✗" for r in rows)
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="grade exercises and print the scoreboard")
    c.add_argument("--ex", default="")
    c.add_argument("--ch", default="")
    c.add_argument("--tree", default="exercises", help="exercises (default) or solutions")
    c.add_argument("--config", default=os.environ.get("COURSE_CONF", "course.conf"))
    c.add_argument("--gradescope", default="", help="where to write results.json")
    c.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    os.chdir(ROOT)
    sys.exit(check(args))


if __name__ == "__main__":
    main()
