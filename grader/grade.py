#!/usr/bin/env python3
"""grade.py: build and run each exercise's Criterion tests; print the scoreboard.

    python3 grader/grade.py check [--ex NN-slug/name] [--ch NN] [--tree exercises]
                                  [--no-hidden] [--gradescope results.json]

For every exercise it builds build/<tree>/NN-slug/name (the chapter's tests
linked with your code), runs it twice -- ordinary tests in parallel, then
the timing-sensitive suites `speedup` and `timing` one test at a time, so
no measurement shares the machine with another test -- and reads
Criterion's JSON report.  An exercise with private tests
(tests/NN-slug/hidden/name.c, kept out of the student distribution) gets a
second binary, build/hidden/<tree>/NN-slug/name, graded the same way.
It writes JUnit XML per exercise and a Gradescope-format results.json,
ends with progress by chapter and the next exercise to do, and exits
non-zero while anything fails.
"""

import argparse
import concurrent.futures
import contextlib
import ctypes
import fcntl
import hashlib
import itertools
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMED = "speedup|timing"          # suites that must run alone
BINARY_TIMEOUT = 600              # per phase; every test has its own, lower
TODO_MARK = "not started: "
ONE_CORE = "1 usable core"        # what a speedup test says when it cannot measure
BUILD_DIRS = {"exercises": "check", "solutions": "sol"}
PROGRESS = os.path.join("build", "results", "progress.json")


# ---- the course configuration ------------------------------------------

# `set key value` lines: the default, and the values allowed (None: any word).
SETTINGS = {
    # what a skipped speedup (or timing) test scores: see score()
    "skipped-speedup": ("none", {"none", "full"}),
    # Gradescope visibility of the private tests' results
    "hidden-visibility": ("after_published", {"visible", "hidden", "after_due_date", "after_published"}),
    # the student distribution's folder and tarball name
    "name": ("concurrency-in-c", None),
    # the speedup judge's pass mark and rounds (GRADER_SPEEDUP_PASS and
    # GRADER_ROUNDS in grader/speedup.c); unset: each test's own, or 0.75 and 5
    "speedup-pass": (None, "number"),
    "speedup-rounds": (None, "number"),
}
JUDGE_ENV = {"speedup-pass": "GRADER_SPEEDUP_PASS", "speedup-rounds": "GRADER_ROUNDS"}


def read_config(path):
    """course.conf: `NN-slug/name points` lines and `set key value` lines.
    Returns (points, settings); points keeps the file's order, which is the
    order the course takes the exercises in."""
    points = {}
    settings = {k: default for k, (default, _) in SETTINGS.items()}
    if not os.path.exists(path):
        return points, settings
    with open(path) as f:
        for n, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] == "set" and len(words) == 3:
                key, value = words[1], words[2]
                if key not in SETTINGS:
                    sys.exit(f"{path}:{n}: unknown setting '{key}'; known: {', '.join(SETTINGS)}")
                allowed = SETTINGS[key][1]
                if allowed == "number":
                    if not re.fullmatch(r"\d+(\.\d+)?", value):
                        sys.exit(f"{path}:{n}: '{key}' must be a number, not '{value}'")
                elif allowed and value not in allowed:
                    sys.exit(f"{path}:{n}: '{key}' must be one of {', '.join(sorted(allowed))}, not '{value}'")
                settings[key] = value
            elif words[0] == "weight" and len(words) == 4 and re.fullmatch(r"0?\.\d+|1(\.0*)?", words[3]):
                settings.setdefault("weights", {}).setdefault(words[1], {})[words[2]] = float(words[3])
            elif len(words) == 2 and words[1].isdigit() and "/" in words[0]:
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


def course_order(exercises, points):
    """Chapter by chapter; inside a chapter, in course.conf's order (the
    book's), then any exercise the file does not list."""
    rank = {e: i for i, e in enumerate(points)}
    return sorted(exercises, key=lambda e: (e.split("/")[0], rank.get(e, len(rank)), e))


def chosen_exercises(points, tree="exercises"):
    """The exercises a course counts: those course.conf lists (0 points
    makes one ungraded practice), in course order."""
    return course_order([e for e in all_exercises(tree) if e in points], points)


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


def hidden_source(ex):
    """Private tests for NN-slug/name live in tests/NN-slug/hidden/name.c."""
    chapter, name = ex.split("/")
    return os.path.join("tests", chapter, "hidden", name + ".c")


def has_hidden(ex):
    return os.path.exists(os.path.join(ROOT, hidden_source(ex)))


def speedup_tests(ex):
    """The names of an exercise's speedup tests, in file order, read from
    its test file: `Test(speedup, name)` or `Test(speedup, name, .timeout = 180)`."""
    with open(os.path.join(ROOT, "tests", ex + ".c")) as f:
        return re.findall(r"Test\(\s*speedup\s*,\s*(\w+)", f.read())


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
    refusal = re.search(r"^(\S+?):(\d+): refused: (.*)$", output, re.M)
    if refusal:  # grader/vet.py's verdict on the learner's object
        path, line, why = refusal.groups()
        return f"refused before linking ({path} line {line}): {why}"
    if "criterion/criterion.h" in output:
        return "Criterion is not installed: run `make deps` first"
    if "uv.h" in output and "No such file" in output:
        return "libuv is not installed: run `make deps` first"
    return "does not compile: " + first_error(output)


def build_one(target):
    """Make one target: None when built, else the sentence on why not."""
    r = make([target])
    return None if r.returncode == 0 else explain_build_failure(r.stdout + r.stderr)


def build_all(targets, jobs):
    """Build each target on its own, so one broken exercise cannot hide the
    others; the shared libraries are built once first.  A build holds the
    timing lock, shared: compiling beside a timed suite would skew it."""
    with timing_lock(exclusive=False, what=f"build of {len(targets)} programs"):
        libs = make(["build/san/lib.a", "build/tsan/lib.a", "build/rel/lib.a"])
        if libs.returncode != 0:
            msg = explain_build_failure(libs.stdout + libs.stderr)
            return {t: msg for t in targets}
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            return dict(zip(targets, pool.map(build_one, targets)))


# ---- running -------------------------------------------------------------

def expected_tests(binary):
    """[(suite, test)] that the binary must report.  For an exercise they
    come from the list the Makefile made from the test object alone, before
    any learner code was linked (so no learner code can hide a test);
    the grader's own tests are listed by their binary."""
    rel = os.path.relpath(binary, os.path.join(ROOT, "build"))
    kind, _, ex = rel.partition(os.sep)
    if kind == "hidden":
        listing = os.path.join(ROOT, "build", "hidden", "testobj", ex.partition(os.sep)[2] + ".tests")
    elif kind == "mut":
        chapter, _, name = ex.split(os.sep)
        listing = os.path.join(ROOT, "build", "testobj", chapter, name.split("--")[0] + ".tests")
    elif kind in ("check", "sol"):
        listing = os.path.join(ROOT, "build", "testobj", ex + ".tests")
    else:
        listing = None
    if listing:
        with open(listing) as f:
            text = f.read()
    else:
        text = subprocess.run([binary, "--list"], capture_output=True, text=True, timeout=30).stdout
    tests, suite = [], None
    for line in text.splitlines():
        m = re.match(r"^(\S+): \d+ tests?$", line)
        if m:
            suite = m.group(1)
        elif suite and re.match(r"^[├└]── \S", line):
            tests.append((suite, line[4:].strip()))
    return tests


_user = []


def target_user():
    """As root (Gradescope, CI containers), the test programs run as an
    unprivileged user (GRADER_USER, default nobody): learner code then
    cannot read what its user may not (the bundle's private tests and
    solutions are made unreadable to it), cannot write the results, and
    RLIMIT_NPROC binds it again.  GRADER_USER=root keeps root, and so does
    a checkout that user cannot enter (a folder under /root): run_as()
    says which.  Returns that user's passwd entry, or None."""
    if not _user:
        _user.append(find_user())
    return _user[0]


def find_user():
    user = os.environ.get("GRADER_USER", "nobody")
    if os.geteuid() != 0 or user == "root":
        return None
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return None

    def drop():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    probe = subprocess.run(["test", "-x", os.path.join(ROOT, "grader")], preexec_fn=drop)
    return pw if probe.returncode == 0 else None


_phases = itertools.count()


PHASE_TASKS = 4096  # tasks a phase may have alive: its tests' caps (about 1,100 each) and room


def delegated_cgroup(pw):
    """A pids cgroup (v1) that the unprivileged user owns, so that the
    sandbox, running as that user, can still make one per call under it
    and cap every task, threads and raw forks included.  One per phase:
    everything a phase started stays in it, so phases of several exercises
    can run at once and each one's leftovers are told apart.  None where
    there is no v1 pids hierarchy (the sandbox then falls back, and says
    so)."""
    try:
        own = pids_cgroups("self")
        if not own:
            return None
        d = CGROUP_ROOT + own[0].rstrip("/") + f"/grader-run-{os.getpid()}-{next(_phases)}"
        os.makedirs(d, exist_ok=True)
        # The user may make its calls' cgroups here, and nothing more: the
        # phase's own cap and cgroup.procs stay root's, so code under test
        # that raises its call's cap is still held by this one, and it
        # cannot move itself up out of its call's cgroup.
        with open(os.path.join(d, "pids.max"), "w") as f:
            f.write(str(PHASE_TASKS))
        os.chown(d, pw.pw_uid, pw.pw_gid)
        return d
    except OSError:
        return None


def release_cgroup(d):
    """Kill what is left in the delegated cgroup and remove it."""
    for sub, _, _ in sorted(os.walk(d), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):
            for pid in open(os.path.join(sub, "cgroup.procs")).read().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.rmdir(sub)


def unprivileged(cgroup=None):
    """The preexec function that becomes target_user() (in `cgroup`, when
    given), or None."""
    pw = target_user()
    if not pw:
        return None

    def drop():
        if cgroup:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return drop


def run_as():
    """Who the test programs run as, for the scoreboard's last lines."""
    pw = target_user()
    if pw:
        return pw.pw_name
    if os.geteuid() == 0 and os.environ.get("GRADER_USER", "nobody") != "root":
        return "root (the user nobody cannot enter this checkout)"
    return pwd.getpwuid(os.geteuid()).pw_name


_subreaper = []
_active = {}  # the test programs running now (pid -> their phase's cgroup)
_active_lock = threading.Lock()
_spawn_lock = threading.Lock()


def reap_leftovers(cgroup=None):
    """Orphans of the test program come back to grade.py, a child
    subreaper (prctl PR_SET_CHILD_SUBREAPER): a daemon that left the process
    group escapes the group kill, not this.  Kill and reap every one, and
    say so.  With the phase's own cgroup, what is still in it is all there
    is to find (nothing leaves one); without, it is every child outside
    grade.py's session that no running phase owns.  Returns a note for the
    log ("" when none)."""
    set_subreaper()
    if cgroup:
        found = [process_name(pid) for pid in cgroup_pids(cgroup)]
        release_cgroup(cgroup)
        children_of(os.getpid(), running_pids())  # reap the zombies, list nothing
    else:
        found = kill_orphans()
    if not found:
        return ""
    return f"\n[{LEFTOVER}: {len(found)} stopped: {', '.join(sorted(set(found)))}]"


def kill_orphans():
    # What the group kill (or PDEATHSIG) already hit needs a moment to
    # die: only a process still alive after half a second escaped.
    deadline = time.time() + 0.5
    while leftovers() and time.time() < deadline:
        time.sleep(0.01)
    found = []
    for _ in range(50):
        kids = leftovers()
        if not kids:
            break
        for pid in kids:
            found.append(process_name(pid))
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return found


def cgroup_pids(d):
    pids = []
    for sub, _, _ in os.walk(d):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in open(os.path.join(sub, "cgroup.procs")).read().split()]
    return pids


@contextlib.contextmanager
def own_session(cmd, **kw):
    """Popen `cmd` in a session of its own (make test's demos, make
    watch), counted as running, so that no phase takes it for a leftover
    while it lives."""
    with _spawn_lock:
        p = subprocess.Popen(cmd, start_new_session=True, **kw)
        with _active_lock:
            _active[p.pid] = None
    try:
        yield p
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        with _active_lock:
            _active.pop(p.pid, None)


def running_pids():
    with _active_lock:
        return set(_active)


def process_name(pid):
    """'name (state)' from /proc, for the note on what was stopped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            head, tail = f.read().rsplit(")", 1)
        return f"{head.split('(', 1)[1]} ({tail.split()[0]})"
    except (OSError, IndexError):
        return f"pid {pid}"


def set_subreaper():
    if not _subreaper:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        _subreaper.append(True)


def leftovers():
    """grade.py's living children that no running phase owns."""
    with _spawn_lock:  # no phase half-started while we look
        with _active_lock:
            running = dict(_active)
        groups = [g[len(CGROUP_ROOT):] for g in running.values() if g]
        return [pid for pid in children_of(os.getpid(), running)
                if not any(in_cgroup(pid, g) for g in groups)]


CGROUP_ROOT = "/sys/fs/cgroup/pids"


def pids_cgroups(pid):
    """The v1 pids cgroup paths of a process ("self" for grade.py); raises
    OSError when it is gone."""
    with open(f"/proc/{pid}/cgroup") as f:
        return [l.rstrip("\n").split(":", 2)[2] for l in f if l.split(":")[1:2] == ["pids"]]


def in_cgroup(pid, group):
    try:
        paths = pids_cgroups(pid)
    except OSError:
        return False
    return any(p == group or p.startswith(group + "/") for p in paths)


def parallel_phases():
    """How many test programs may run at once: one per core where each
    phase gets its own cgroup (as root, tests run as nobody), so that a
    leftover process is always charged to the exercise that left it;
    otherwise one, as an orphan could not be told apart.  Timed suites
    still run alone (timing_lock)."""
    pw = target_user()
    probe = delegated_cgroup(pw) if pw else None
    if not probe:
        return 1
    release_cgroup(probe)
    return max(1, min(4, len(os.sched_getaffinity(0))))


def plain_phases():
    """How many untimed phases run at once in grade_all's first pass: two
    per core where parallel_phases allows several, as untimed tests mostly
    wait (on sockets, children, sleeps).  make test's two lanes already run
    as many beside each other."""
    n = parallel_phases()
    return 1 if n == 1 else min(8, 2 * n)


LEFTOVER = "a process outlived the test program (it left its process group: a daemon?)"


def children_of(ppid, skip=()):
    """Living children of ppid that left grade.py's session, from /proc (a
    zombie among them is reaped, not listed).  What grade.py runs itself
    (make, a test program's listing) stays in its session; every phase
    starts a new one, which nothing it runs can leave for ours.  `skip`:
    the test programs of phases still running, for their Popen to reap."""
    kids, ours = [], os.getsid(0)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) != ppid or int(fields[3]) == ours or int(d) in skip:
            continue
        if fields[0] == "Z":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(int(d), os.WNOHANG)
        else:
            kids.append(int(d))
    return kids


REPORT_FD, CONTROL_FD = 100, 101  # the same numbers in every phase


def open_channels(pw):
    """The report pipe (its write end at REPORT_FD, for the runner), the
    control pipe (its read end at CONTROL_FD) and the state folder, owned
    by `pw` when the tests run as that user.  Returns (control_w,
    report_r, state); the caller closes REPORT_FD and CONTROL_FD once the
    runner has them."""
    control_r, control_w = os.pipe()
    report_r, report_w = os.pipe()
    # The sandbox leaves call.<test pid>.<child pid> ("suite/test") in the
    # state folder while a call runs: one still there afterwards names a
    # test whose process the code under test killed.
    state = tempfile.mkdtemp(prefix="grader-state-")
    if pw:  # Criterion reopens /dev/fd/N, which checks the pipe's owner
        os.fchown(report_w, pw.pw_uid, pw.pw_gid)
        os.chown(state, pw.pw_uid, pw.pw_gid)
    os.dup2(control_r, CONTROL_FD)
    os.dup2(report_w, REPORT_FD)
    for fd in (control_r, report_w):
        os.close(fd)
    return control_w, report_r, state


def run_phase(binary, pattern, jobs, env):
    """One Criterion run in its own process group, killed as a whole if it
    overruns (learner code may have left anything behind).  The command
    line and environment are the same for every phase: the pattern and job
    count go down a pipe, and the JSON report comes back on another that
    only the runner holds (grader/channel.c)."""
    set_subreaper()
    pw = target_user()
    cgroup = delegated_cgroup(pw) if pw else None
    env = dict(env, GRADER_CONTROL_FD=str(CONTROL_FD), GRADER_REPORT_FD=str(REPORT_FD))
    if pw:  # root's PATH and HOME may hold folders that user cannot enter
        env.update(PATH="/usr/local/bin:/usr/bin:/bin", HOME="/tmp")
    cmd = [binary, "--timeout=120", f"--json=/dev/fd/{REPORT_FD}", "--color=never", "-S"]
    # One spawn at a time: the pipes sit at the same fd numbers in every
    # phase, and a phase is registered before anyone looks for leftovers.
    with _spawn_lock:
        control_w, report_r, state = open_channels(pw)
        env["GRADER_STATE_DIR"] = state
        try:
            p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, start_new_session=True, pass_fds=(REPORT_FD, CONTROL_FD),
                                 preexec_fn=unprivileged(cgroup))
        finally:
            os.close(REPORT_FD)
            os.close(CONTROL_FD)
        with _active_lock:
            _active[p.pid] = cgroup
    with contextlib.suppress(BrokenPipeError):  # a runner that died at once
        os.write(control_w, f"{pattern}\n{jobs}\n".encode())
    os.close(control_w)
    report = []
    reader = threading.Thread(target=lambda: report.append(read_all(report_r)))
    reader.start()
    try:
        out, _ = p.communicate(timeout=BINARY_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        out += "\n[the test program ran past its time limit and was stopped]"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
    if cgroup:  # what it holds is killed; give it time to die before looking
        deadline = time.time() + 5
        release_cgroup(cgroup)
        while os.path.exists(cgroup) and time.time() < deadline:
            time.sleep(0.05)
            release_cgroup(cgroup)
    with _active_lock:
        del _active[p.pid]
    out += reap_leftovers(cgroup)
    reader.join()
    os.close(report_r)
    return read_report(report[0] if report else ""), out, killed_tests(state)


KILLED = "the code under test killed the test process"


def died(status, message):
    """A test process that died rather than failed an assertion (which
    may also end it during a call, leaving the call's marker behind)."""
    return status == "ERRORED" or not message or message.startswith(MISSING)


def killed_tests(state):
    """The tests whose call markers outlived their test process."""
    names = set()
    for f in os.listdir(state):
        with contextlib.suppress(OSError):
            names.add(open(os.path.join(state, f)).read().strip())
    shutil.rmtree(state, ignore_errors=True)
    return names


def read_all(fd):
    chunks = []
    while True:
        b = os.read(fd, 1 << 16)
        if not b:
            return b"".join(chunks).decode(errors="replace")
        chunks.append(b)


def repair_json(text):
    """Criterion 2.4 writes assertion messages into its JSON unescaped, so a
    message holding a quote or a backslash breaks the report.  Each message
    sits on a line of its own inside "messages": [...]; re-escape those."""
    out, inside = [], False
    for line in text.splitlines():
        if re.match(r'\s*"messages": \[', line):
            inside = not line.rstrip().endswith("]")
        elif inside and re.match(r"\s*\]", line):
            inside = False
        else:
            m = re.match(r'(\s*)"(.*)"(,?)\s*$', line) if inside else None
            if m:
                line = m.group(1) + json.dumps(m.group(2)) + m.group(3)
        out.append(line)
    return "\n".join(out)


def read_report(text):
    """[(suite, test, status, message)] from Criterion's JSON, or None."""
    try:
        data = json.loads(repair_json(text))
        return [(s["name"], t["name"], t["status"], clean(" ".join(t.get("messages", []))))
                for s in data["test_suites"] for t in s["tests"]]
    except (ValueError, KeyError, TypeError):
        return None


def write_junit(path, tests):
    """JUnit XML for CI dashboards, written here from the checked results."""
    root = ET.Element("testsuites")
    for suite in dict.fromkeys(s for s, *_ in tests):
        node = ET.SubElement(root, "testsuite", name=suite)
        for s, t, st, msg in tests:
            if s != suite:
                continue
            case = ET.SubElement(node, "testcase", name=t, classname=s, status=st)
            if st == "SKIPPED":
                ET.SubElement(case, "skipped", message=msg)
            elif st != "PASSED":
                ET.SubElement(case, "failure", message=msg).text = msg
    ET.ElementTree(root).write(path, encoding="unicode")


def clean(msg):
    # "test.c:42: message" (or a test header's "procs.h:36: ") -> "message"
    return re.sub(r"^\S+\.[ch]:\d+: ", "", msg.strip()).replace("\n", " ")


def explain(status, message):
    if status == "ERRORED" and "timed out" in message.lower():
        return "the test itself timed out (the grader's backstop): the code hangs"
    if status == "ERRORED":
        return "the test itself crashed: " + (message or "no message")
    if status == "FAILED" and not message:
        return "the test process ended early (exit() or a crash in a test helper)"
    if status == "SKIPPED" and ONE_CORE in message:
        return "skipped: " + ONE_CORE + ", so no speedup can be measured here"
    return message


MISSING = "the test program ended before this test ran"


def run_exercise(ex, binary, tree, settings, tag="", only=None):
    """Run one test binary; `tag` (".hidden") keeps its reports apart;
    `only` (["suite/test", ...]) runs just those tests.  Every test the
    binary must have (expected_tests) gets exactly one result: one that the
    report lacks, or holds twice, fails."""
    return joined(ex, tree, tag, run_part(ex, binary, tree, settings, "plain", tag, only),
                  run_part(ex, binary, tree, settings, "timed", tag, only))


def joined(ex, tree, tag, plain, timed):
    """One exercise's result from its two parts, and its JUnit report."""
    result = {"tests": plain["tests"] + timed["tests"],
              "log": plain["log"] + timed["log"],
              "error": plain["error"] or timed["error"]}
    os.makedirs(os.path.join(ROOT, "build", "results", tree, os.path.dirname(ex)), exist_ok=True)
    write_junit(os.path.join(ROOT, "build", "results", tree, ex + tag + ".xml"), result["tests"])
    return result


def run_part(ex, binary, tree, settings, part, tag="", only=None):
    """The untimed tests of one binary (part "plain"), on as many cores as
    it likes, or its timed ones (part "timed"), alone on the machine; part
    "unlocked" runs the timed ones beside other phases, for a stub, whose
    timed tests stop at its TODO() before measuring anything (not_started
    tells whether they did)."""
    env = dict(os.environ)
    env["GRADER_RERUN"] = rerun_command(ex, tree)
    for key, var in JUDGE_ENV.items():  # course.conf's, unless the environment says
        if settings.get(key) and not env.get(var):
            env[var] = settings[key]
    try:
        expected = expected_tests(binary)
    except (OSError, subprocess.SubprocessError) as e:
        return {"error": f"the test program would not start: {e}", "tests": [], "log": ""}
    if only:
        expected = [t for t in expected if f"{t[0]}/{t[1]}" in only]
    timed = [t for t in expected if t[0] in TIMED.split("|")]
    plain = [t for t in expected if t not in timed]
    phases = []  # (pattern, jobs, tests): the timed ones alone, as always
    if plain and part == "plain":
        phases.append((f"!({TIMED})/*" if not only else
                       "@(" + "|".join(f"{s}/{t}" for s, t in plain) + ")", os.cpu_count() or 2, plain))
    if timed and part in ("timed", "unlocked"):
        phases.append((f"@({TIMED})/*" if not only else
                       "@(" + "|".join(f"{s}/{t}" for s, t in timed) + ")", 1, timed))
    tests, log, broken = [], "", None
    for pattern, jobs, wanted in phases:
        with timing_lock(exclusive=part == "timed", what=os.path.relpath(binary, ROOT)):
            got, out, killed = run_phase(binary, pattern, jobs, env)
        log += out
        if got is None:
            broken = "the test program crashed or hung before it could report"
        elif LEFTOVER in out:  # with what was stopped
            broken = out[out.index(LEFTOVER):].split("]")[0]
        tests += [(s, t, "FAILED", KILLED) if f"{s}/{t}" in killed and died(st, m) else (s, t, st, m)
                  for s, t, st, m in one_result_each(wanted, got or [], log)]
    return {"tests": tests, "log": log, "error": broken}


def one_result_each(wanted, got, log):
    """The report's result for each wanted test (Criterion also lists the
    tests a pattern left out, as skipped: those are not taken)."""
    found = {}
    for s, t, st, msg in got:
        found.setdefault((s, t), []).append((s, t, st, msg))
    results = []
    for s, t in wanted:
        rows = found.get((s, t), [])
        if len(rows) == 1:
            results.append(rows[0])
        elif not rows:
            results.append((s, t, "FAILED", MISSING))
        else:
            results.append((s, t, "FAILED", f"the report holds this test {len(rows)} times"))
    return results


def grade_all(exercises, tree, settings, hidden=True, jobs=None):
    """Build, then grade, every exercise of `tree` (exercises or solutions),
    yielding (exercise, result) in course order once every untimed test has
    run, each as its timed tests end.  A result holds `tests`
    (the public tests), `hidden` (the private ones, when the exercise has
    them and `hidden` is true), and `build_error` or `error`."""
    d = BUILD_DIRS[tree]
    public = {e: f"build/{d}/{e}" for e in exercises}
    private = {e: f"build/hidden/{d}/{e}" for e in exercises if hidden and has_hidden(e)}
    built = build_all(list(public.values()) + list(private.values()), jobs or os.cpu_count() or 2)

    unstarted = {}  # exercise: its timed part, run at once beside the others

    def part(ex, which):
        """One part ("plain", "timed" or "unlocked") of the public and
        private tests.  An exercise whose untimed tests all stop at its
        TODO() has its timed part run at once, beside the others: kept if
        it stopped there too (it timed nothing), and run alone otherwise."""
        if which == "timed" and ex in unstarted:
            return unstarted.pop(ex)
        pub = run_part(ex, os.path.join(ROOT, public[ex]), tree, settings, which)
        priv = None
        if ex in private and not built[private[ex]]:
            priv = run_part(ex, os.path.join(ROOT, private[ex]), tree, settings, which, ".hidden")
        if which == "plain" and not_started(pub, priv):
            timed = part(ex, "unlocked")
            if not_started(*timed, empty=True):
                unstarted[ex] = timed
        return pub, priv
    passes = in_two_passes([ex for ex in exercises if not built[public[ex]]], part)
    for ex in exercises:
        if built[public[ex]]:
            yield ex, {"tests": [], "hidden": [], "build_error": built[public[ex]]}
        else:
            _, plain, timed = next(passes)
            yield ex, assembled(ex, tree, plain, timed, ex in private and built[private[ex]])


def not_started(pub, priv, empty=False):
    """Whether every test of a part (public, and private if run) stopped at
    a TODO(), or skipped on one core before calling anything; a part
    with no test counts only when `empty`."""
    tests = pub["tests"] + (priv["tests"] if priv else [])
    if pub["error"] or (priv and priv["error"]) or not (tests or empty):
        return False
    return all((st != "PASSED" and TODO_MARK in m) or (st == "SKIPPED" and ONE_CORE in m)
               for _, _, st, m in tests)


def in_two_passes(keys, part):
    """part(key, "plain") for every key first, several at once where their
    leftovers can be told apart (plain_phases), then part(key, "timed")
    for each in turn, alone; yields (key, plain, timed) in the keys' order
    as each timed part ends.  A timed suite must wait for the untimed
    phases beside it to end (timing_lock): taking turns key by key left a
    core idle before each of them.  The later chapters' untimed phases
    (servers, MPI jobs) take longest, so they start first, and the short
    ones fill in around them."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=plain_phases()) as pool:
        plain = {k: pool.submit(part, k, "plain") for k in reversed(keys)}
    with timed_pass():  # the reader's loop runs inside it: it must not wait for a lock's holder
        for k in keys:
            yield k, plain[k].result(), part(k, "timed")


def assembled(ex, tree, plain, timed, private_unbuilt):
    """One exercise's result from its parts: `tests` (public), `hidden`
    (private), `log`, `error`."""
    result = joined(ex, tree, "", plain[0], timed[0])
    result["hidden"] = []
    if private_unbuilt:
        result["error"] = result["error"] or "the private tests " + private_unbuilt
    elif plain[1]:
        h = joined(ex, tree, ".hidden", plain[1], timed[1])
        result["hidden"] = h["tests"]
        result["log"] += h["log"]
        if h["error"]:
            result["error"] = result["error"] or "private tests: " + h["error"]
    return result


LOCK_BASE = f"/tmp/concurrency-in-c-timing-{os.getuid()}"  # .gate and .lock
_held = threading.local()  # .batch: in a timed pass; .lock: the lock it keeps


@contextlib.contextmanager
def timing_lock(exclusive, what=""):
    """Timed suites run alone: they hold this machine-wide lock (one per
    user) exclusively, and every other test phase holds it shared, so
    untimed tests of many exercises, or of two `make check` runs, may
    overlap each other but never a measurement.  A gate taken first gives
    a waiting timed suite its turn: readers queue behind it, so a stream
    of untimed phases cannot starve it.  Inside timed_pass(), a thread
    keeps the lock from its first timed turn to the pass's end."""
    if getattr(_held, "lock", None) is not None:  # this thread has the machine already
        got = time.time()
        try:
            yield
        finally:
            log_lock(exclusive, got, got, what)
        return
    asked = time.time()
    with open(LOCK_BASE + ".gate", "a") as gate, open(LOCK_BASE + ".lock", "a") as lock:
        fcntl.flock(gate, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        finally:
            fcntl.flock(gate, fcntl.LOCK_UN)
        got = time.time()
        kept = exclusive and getattr(_held, "batch", False)
        try:
            yield
        finally:
            if kept:  # a duplicate keeps the lock after `lock` is closed
                _held.lock = os.dup(lock.fileno())
            else:
                fcntl.flock(lock, fcntl.LOCK_UN)
            log_lock(exclusive, asked, got, what)


@contextlib.contextmanager
def timed_pass():
    """Timed turns taken one after another by this thread keep the machine
    between them.  Let go between turns, the lock went to whatever untimed
    phase of another run was waiting, and the next turn waited for that
    phase to end, a core often idle meanwhile: in make test, whose two
    lanes take turns so, such waits added up to about 100 s.  Untimed
    phases wait for the whole pass instead."""
    _held.batch = True
    try:
        yield
    finally:
        _held.batch = False
        fd, _held.lock = getattr(_held, "lock", None), None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def log_lock(exclusive, asked, got, what):
    """GRADER_LOCKLOG=file: one line per hold of the timing lock (kind,
    seconds waited, seconds held, the clock when it ended, what held it),
    to see what a run spends alone, and when."""
    path = os.environ.get("GRADER_LOCKLOG")
    if path:
        end = time.time()
        with open(path, "a") as f:
            f.write(f"{'exclusive' if exclusive else 'shared'} {got - asked:.3f} {end - got:.3f} "
                    f"{end:.1f} {what}\n")


def rerun_command(ex, tree):
    seed = os.environ.get("GRADER_SEED")
    if tree == "exercises":
        return f"make check EX={ex}" + (f" SEED={seed}" if seed else "")
    if tree in BUILD_DIRS:
        return f"python3 grader/grade.py check --tree {tree} --ex {ex}"
    return f"build/{'mut' if tree == 'mutants' else tree}/{ex.removeprefix('grader/')} --verbose"


# ---- scoring and the scoreboard ---------------------------------------

LESSON_SUITE = "speedup"   # an exercise whose point is parallelism has one
LESSON_SHARE = 0.5         # ... and it carries at least this share of the points
FLAW = re.compile(r"data race|deadlock|lock-order|lock order", re.I)


def test_shares(tests, settings, ex=None):
    """Each test's share (summing to 1) of the exercise's points.  Tests
    share equally, except that an exercise's `speedup` suite carries half
    of the points (its lesson: a sequential impostor that passes the rest
    earns half), or what a course.conf `weight EX SUITE SHARE` line says."""
    weights = dict(settings.get("weights", {}).get(ex, {}))
    suites = {s for s, *_ in tests}
    if LESSON_SUITE in suites and len(suites) > 1:
        weights.setdefault(LESSON_SUITE, LESSON_SHARE)
    weights = {k: v for k, v in weights.items() if k in suites}
    rest = [t for t in tests if t[0] not in weights]
    left = max(0.0, 1.0 - sum(weights.values()))
    if not rest:  # the weighted suites are all there is: scale them to 1
        total = sum(weights.values()) or 1.0
        weights, left = {k: v / total for k, v in weights.items()}, 0.0
    count = {k: sum(1 for t in tests if t[0] == k) for k in weights}
    return [weights[t[0]] / count[t[0]] if t[0] in weights else left / len(rest) for t in tests]


def capped(tests):
    """A race or a deadlock found by any test caps the exercise at half."""
    return any(st not in ("PASSED", "SKIPPED") and (s == "race" or FLAW.search(m))
               for s, _, st, m in tests)


def earned_shares(tests, settings, ex=None):
    """[(share, earned share)] per test, the cap applied."""
    shares = test_shares(tests, settings, ex)
    ok = earned_flags(tests, settings)
    pairs = [(sh, sh if e else 0.0) for sh, e in zip(shares, ok)]
    got = sum(e for _, e in pairs)
    if capped(tests) and got > 0.5:
        pairs = [(sh, e * 0.5 / got) for sh, e in pairs]
    return pairs


def earned_flags(tests, settings):
    judged = [st for _, _, st, _ in tests if st != "SKIPPED"]
    credit_skips = (settings.get("skipped-speedup") == "full"
                    and bool(judged) and all(st == "PASSED" for st in judged))
    return [st == "PASSED" or (st == "SKIPPED" and credit_skips) for _, _, st, _ in tests]


def score(result, points, settings, ex=None):
    """Points for an exercise: see test_shares() and capped()."""
    tests = result["tests"] + result.get("hidden", [])
    if not tests or result.get("build_error"):
        return 0.0
    return round(points * sum(e for _, e in earned_shares(tests, settings, ex)), 2)


def verdict(result, tests=None):
    """(mark, sentence) for the scoreboard row."""
    if result.get("build_error"):
        return "✗", result["build_error"]
    if tests is None:
        tests = result["tests"] + [(s, t, st, m) for s, t, st, m in result.get("hidden", [])]
    failing = [(s, t, st, m) for s, t, st, m in tests if st not in ("PASSED", "SKIPPED")]
    if result.get("error") and not tests:
        return "✗", result["error"]
    if not tests:
        return "✗", "the test program reported no results"
    if failing and all(TODO_MARK in m for *_, m in failing):
        return "✗", "not started: " + failing[0][3].split(TODO_MARK, 1)[1]
    if failing:
        s, t, st, m = failing[0]
        return "✗", f"{s}/{t}: {explain(st, m)}"
    if result.get("error"):
        return "✗", result["error"]
    skipped = [(s, t, st, m) for s, t, st, m in tests if st == "SKIPPED"]
    if skipped:
        s, t, st, m = skipped[0]
        return "~", f"{s}/{t} {explain(st, m)}"
    return "✓", ""


def print_row(ex, earned, points, mark, why, rerun, width):
    chapter, name = ex.split("/")
    pts = f"{earned:g} / {points}" if points else "  (not graded)"
    print(f" {chapter[:2]}  {name:<{width}} {pts:>9}  {mark}  {why}")
    if mark != "✓":
        print(f" {'':<{width + 17}}→ {rerun}")


def test_lines(tests, prefix=""):
    for suite, test, status, msg in tests:
        mark = {"PASSED": "✓", "SKIPPED": "~"}.get(status, "✗")
        yield f"{mark} {prefix}{suite}/{test}" + (f": {explain(status, msg)}" if msg or status != "PASSED" else "")


def print_details(result):
    for line in test_lines(result["tests"]):
        print("    " + line)
    for line in test_lines(result.get("hidden", []), "private "):
        print("    " + line)
    for line in dict.fromkeys(l for l in result.get("log", "").splitlines()
                              if l.startswith("grader advice: ")):  # speedup.c
        print("      advice: " + line[len("grader advice: "):])
    if result.get("error") or not result["tests"]:
        tail = "\n".join(result.get("log", "").splitlines()[-20:])
        if tail:
            print("    --- the end of the test program's output ---")
            print("\n".join("    " + l for l in tail.splitlines()))


def skip_policy(settings):
    if settings.get("skipped-speedup") == "full":
        return ("A skipped test scores full points when every other test of the "
                "exercise passed (course.conf: set skipped-speedup full).")
    return "A skipped test scores no points (course.conf: set skipped-speedup none)."


def gradescope_entry(name, tests, result, points, settings, visibility, rerun, ex=None):
    """One tests[] entry of results.json: an exercise's public tests, or its
    private tests (with the visibility course.conf gives them), worth their
    shares of the exercise's points (test_shares)."""
    every = result["tests"] + result.get("hidden", [])
    pairs = earned_shares(every, settings, ex) if every else []
    mine = [p for t, p in zip(every, pairs) if t in tests]
    share = points * sum(sh for sh, _ in mine) if every else points
    earned = 0.0 if result.get("build_error") else points * sum(e for _, e in mine)
    mark, why = verdict(result, tests)
    lines = [why or "all tests passed"] + list(test_lines(tests))
    if any(st == "SKIPPED" for _, _, st, _ in tests):
        lines.append(skip_policy(settings))
    if mark != "✓" and rerun:
        lines.append("Re-run on your machine: " + rerun)
    return {"name": name, "score": round(earned, 2), "max_score": round(share, 2),
            "status": "passed" if mark == "✓" else "failed",
            "output": "\n".join(lines), "visibility": visibility}


def gradescope_json(rows, elapsed, settings, note=""):
    tests = []
    for ex, result, earned, points, mark, why in rows:
        public = result["tests"] if result["tests"] or not result.get("hidden") else []
        tests.append(gradescope_entry(ex, public, result, points, settings, "visible",
                                      rerun_command(ex, "exercises"), ex))
        if result.get("hidden"):
            tests.append(gradescope_entry(ex + " (private tests)", result["hidden"], result,
                                          points, settings, settings["hidden-visibility"], "", ex))
    passed = sum(1 for r in rows if r[4] == "✓")
    output = f"{passed} of {len(rows)} exercises pass."
    return {"score": round(sum(r[2] for r in rows), 2),
            "max_score": sum(r[3] for r in rows),
            "execution_time": int(round(elapsed)),
            "output": output + ("\n" + note if note else ""),
            "visibility": "visible",
            "tests": tests}


# ---- progress: what is done, and what comes next -------------------------

def exercise_sum(ex):
    """A checksum of the learner's file and its tests: a remembered result
    counts only while neither has changed."""
    h = hashlib.md5()
    for p in (f"exercises/{ex}.c", f"exercises/{ex}.h", f"tests/{ex}.c"):
        try:
            with open(os.path.join(ROOT, p), "rb") as f:
                h.update(f.read())
        except OSError:
            pass
    return h.hexdigest()


def remember(rows):
    path = os.path.join(ROOT, PROGRESS)
    known = load_progress()
    for ex, _, _, _, mark, _ in rows:
        known[ex] = {"done": mark == "✓", "sum": exercise_sum(ex)}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(known, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def load_progress():
    try:
        with open(os.path.join(ROOT, PROGRESS)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def done_map(course, rows):
    """{exercise: done?} for the whole course: this run's verdicts, and the
    last verdict of any exercise not run now whose files did not change."""
    known = load_progress()
    done = {e: bool(known.get(e, {}).get("done")) and known[e].get("sum") == exercise_sum(e)
            for e in course}
    done.update({ex: mark == "✓" for ex, _, _, _, mark, _ in rows})
    return done


def progress_lines(course, done):
    chapters = {}
    for ex in course:
        d, t = chapters.get(ex.split("/")[0], (0, 0))
        chapters[ex.split("/")[0]] = (d + done[ex], t + 1)
    lines = [" Progress by chapter: " + "  ".join(f"{c[:2]} {d}/{t}" for c, (d, t) in chapters.items())]
    todo = [e for e in course if not done[e]]
    if not todo:
        lines.append(f" All {len(course)} exercises pass.")
    else:
        nxt = todo[0]
        lines.append(f" Next: {nxt}    make check EX={nxt}")
        lines.append(f"       stuck? make hint EX={nxt}    re-check on every save: make watch EX={nxt}")
    return lines


def student_seed(student):
    """A student's own seed: the same for every run of theirs (a regrade
    sees the same inputs), different from every classmate's."""
    return str(int(hashlib.sha256(student.encode()).hexdigest()[:8], 16))


def choose_seed(given, student=""):
    """The seed that draws this run's inputs (a range's start, ...): given
    (`make check SEED=`), a student's (`STUDENT=id`, or the autograder's
    submission metadata), or new.  Exported as GRADER_SEED for the tests."""
    seed = (given or os.environ.get("GRADER_SEED") or (student and student_seed(student))
            or str(int.from_bytes(os.urandom(4), "little")))
    os.environ["GRADER_SEED"] = seed
    return seed


def check(args):
    start = time.time()
    seed = choose_seed(args.seed, args.student)
    points, settings = read_config(os.path.join(ROOT, args.config))
    everything = course_order(all_exercises(args.tree), points)
    if not args.ex:
        missing = [e for e in points if e not in everything]
        for e in missing:
            print(f" note: {args.config} lists {e}, but there is no {args.tree}/{e}.c")
        everything = [e for e in everything if e in points] or everything
    exercises = select(everything, args.ex, args.ch)
    hidden = not args.no_hidden and any(has_hidden(e) for e in exercises)
    n = len(exercises)
    print(f"Building {n} exercise{'s' if n != 1 else ''} from {args.tree}/"
          f"{' (with private tests)' if hidden else ''}, then running the untimed tests of "
          f"{'all of them at once' if n > 1 else 'it'}; the timed tests follow, one exercise "
          "at a time ...", flush=True)
    width = max(len(e.split("/")[1]) for e in exercises)
    header = False
    rows = []
    for ex, result in grade_all(exercises, args.tree, settings, hidden=not args.no_hidden):
        if not header:
            print(f"\n ch  {'exercise':<{width}}    points     result")
            header = True
        pts = points.get(ex, 0)
        earned = score(result, pts, settings, ex)
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
    results = os.path.join(ROOT, "build", "results", "results.json")
    os.makedirs(os.path.dirname(results), exist_ok=True)
    with open(args.gradescope or results, "w") as f:
        json.dump(gradescope_json(rows, time.time() - start, settings), f, indent=2)
    print(" Reports: build/results/ (JUnit XML per exercise, results.json)")
    print(f" Seed {seed} drew this run's inputs (make check SEED={seed} draws the same);"
          f" tests ran as {run_as()}.")
    if args.tree == "exercises":  # the last word: where the learner stands
        remember(rows)
        course = [e for e in everything if e in points] or everything
        for line in progress_lines(course, done_map(course, rows)):
            print(line)
    failed = any(r[4] == "✗" for r in rows)
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="grade exercises and print the scoreboard")
    c.add_argument("--ex", default="")
    c.add_argument("--ch", default="")
    c.add_argument("--tree", default="exercises", help="exercises (default) or solutions")
    c.add_argument("--config", default=os.environ.get("COURSE_CONF") or "course.conf")
    c.add_argument("--gradescope", default="", help="where to write results.json")
    c.add_argument("--no-hidden", action="store_true", help="leave out the private tests")
    c.add_argument("--verbose", action="store_true")
    c.add_argument("--seed", default="", help="the inputs' seed (make check SEED=...)")
    c.add_argument("--student", default=os.environ.get("STUDENT", ""),
                   help="draw the inputs from this student's own seed (make check STUDENT=id)")
    args = ap.parse_args()
    os.chdir(ROOT)
    sys.exit(check(args))


if __name__ == "__main__":
    main()
