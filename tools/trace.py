#!/usr/bin/env python3
"""trace.py: `make trace EX=NN-slug/name` shows what your workers did.

It builds the exercise's tests with your code, runs one speedup test
(the last in the test file, or TRACE_TEST=name) with GRADER_TRACE set
(the judge then samples one run of your version,
every task about every 2 ms, and writes the record instead of judging:
grader/sampler.h), prints one line per worker with its share of the run,
and draws build/trace/NN-slug/name.svg with tools/trace.gp: one lane
per task, coloured by what it was doing, time across.

For an MPI exercise the record is one round of one job, sampled while
every rank runs your version (rank 0 marks that window), one lane per
rank; mpirun and Open MPI's helper threads (asleep) are left out.  Open
MPI spins in a blocking call, so the sampler sees a waiting rank running;
the test harness notes each rank's blocking calls, and those columns are
drawn as "in a blocking MPI call".
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402  (speedup_tests: the tests this can trace)
STATES = {"R": "running", "W": "waiting for a CPU", "S": "asleep", "D": "in I/O",
          "M": "in a blocking MPI call"}
COLOUR = {"R": 1, "W": 2, "S": 3, "D": 4, "M": 5}  # the colours of trace.gp's key


def read_record(path):
    """(tasks, columns, comments, ranks): tasks as dicts, columns as
    (t, states), ranks as {pid: rank} for an MPI job ("# rank R pid P")."""
    tasks, cols, notes, ranks = [], [], [], {}
    spans = {}  # MPI: rank -> [(t0, t1)] of its blocking calls
    for line in open(path):
        w = line.split()
        if line.startswith("# run:") or line.startswith("# cause:") or line.startswith("# verdict:") or line.startswith("# record:"):
            notes.append(line[2:].strip())
        elif line.startswith("# rank ") and len(w) == 5:
            ranks[int(w[4])] = int(w[2])
        elif line.startswith("# mpi ") and len(w) == 5:
            spans.setdefault(int(w[2]), []).append((float(w[3]), float(w[4])))
        elif w and w[0] == "task":
            i, pid, tid = int(w[1]), int(w[2]), int(w[3])
            tasks.append(dict(i=i, pid=pid, tid=tid, born=float(w[4]), died=float(w[5]),
                              cpu=float(w[6]), slices=int(w[7]), worker=w[8] == "1", caller=w[9] == "1"))
        elif w and w[0] == "col":
            cols.append((float(w[1]), w[2] if len(w) > 2 else ""))
    if ranks:
        cols = in_mpi(tasks, cols, ranks, spans)
    return tasks, cols, notes, ranks


def in_mpi(tasks, cols, ranks, spans):
    """A rank's column spent mostly inside its blocking MPI calls becomes
    M: Open MPI spins there, so the sampler saw it running."""
    step = cols[1][0] - cols[0][0] if len(cols) > 1 else 0.002
    lane = {t["i"]: ranks[t["tid"]] for t in tasks if t["tid"] in ranks}
    out = []
    for time, states in cols:
        row = list(states)
        for i, rank in lane.items():
            inside = sum(max(0.0, min(b, time + step) - max(a, time)) for a, b in spans.get(rank, []))
            if i < len(row) and row[i] in "RW" and inside > step / 2:
                row[i] = "M"
        out.append((time, "".join(row)))
    return out


def name_ranks(tasks, ranks):
    """An MPI job: one lane per rank (its main thread), in rank order; the
    rest (mpirun, Open MPI's helper threads) are left out and counted."""
    mains = sorted((t for t in tasks if ranks.get(t["tid"]) is not None),
                   key=lambda t: ranks[t["tid"]])
    for t in mains:
        t["name"] = f"rank {ranks[t['tid']]} (process {t['pid']})"
    return mains, len(tasks) - len(mains)


def name_tasks(tasks):
    """'caller', 'worker 1' ... in birth order, 'helper' for the rest."""
    n = 0
    for t in tasks:
        if t["caller"]:
            t["name"] = "caller"
        elif t["worker"]:
            n += 1
            t["name"] = f"worker {n}"
        else:
            t["name"] = "helper"
        if t["pid"] != t["tid"] or t["caller"]:
            t["name"] += f" (thread {t['tid']})"
        else:
            t["name"] += f" (process {t['pid']})"


def summary(tasks, cols, length):
    """One line per task: its life as a share of the run, and its states."""
    lines = []
    for t in tasks:
        states = [c[1][t["i"]] for c in cols if t["i"] < len(c[1]) and c[1][t["i"]] != "."]
        counts = {s: states.count(s) for s in STATES}
        alive = len(states) or 1
        picks = (c[1][t["i"]] if t["i"] < len(c[1]) else "." for c in cols[:: max(1, len(cols) // 50)])
        bar = "".join({"R": "#", "W": "-", "S": ".", "D": "d", "M": "m"}.get(s, " ") for s in picks)
        what = ", ".join(f"{100 * counts[s] / alive:.0f}% {STATES[s]}" for s in STATES if counts[s])
        lines.append(f"  {t['name']:<26} {bar:<50}  from {100 * t['born'] / length:3.0f}% "
                     f"to {100 * t['died'] / length:3.0f}% of the run, {t['cpu']:.3f} s CPU; {what}")
    return lines


def lanes(tasks, cols, out):
    """Segments for tools/trace.gp: its lane names, then one line per run
    of a state: key, lane, start, end, colour."""
    with open(out, "w") as f:
        f.write("# columns: key lane t0_s t1_s state (1 running, 2 waiting for a CPU, 3 asleep, 4 in I/O, "
                "5 in a blocking MPI call)\n")
        f.write("".join(f"# lane {i} {t['name']}\n" for i, t in enumerate(tasks)))
        step = cols[1][0] - cols[0][0] if len(cols) > 1 else 0.002
        for lane, t in enumerate(tasks):
            start, cur = None, None
            for time, states in cols + [(cols[-1][0] + step if cols else 0, "")]:
                s = states[t["i"]] if t["i"] < len(states) else "."
                if s != cur:
                    if cur in COLOUR:
                        f.write(f"lane{lane} {lane} {start:.4f} {time:.4f} {COLOUR[cur]}\n")
                    start, cur = time, s


def main():
    ex = sys.argv[1] if len(sys.argv) > 1 else ""
    if "/" not in ex or not os.path.exists(os.path.join(ROOT, "tests", ex + ".c")):
        sys.exit("usage: make trace EX=NN-slug/name (an exercise with a speedup test)")
    tests = grade.speedup_tests(ex)
    if not tests:
        sys.exit(f"{ex} has no speedup test to trace")
    # One test, or each would overwrite the record: TRACE_TEST=name, or the
    # file's last (exercise 3.1: the one against a static split).
    test = os.environ.get("TRACE_TEST") or tests[-1]
    tree = os.environ.get("TRACE_TREE", "check")  # sol: the reference solution
    binary = os.environ.get("TRACE_BINARY") or os.path.join("build", tree, ex)  # a mutant's
    if subprocess.call(["make", "-s", binary] + ([binary + ".mpi"] if os.path.exists(os.path.join(ROOT, "tests", ex + ".mpi.c")) else []),
                       cwd=ROOT) != 0:
        sys.exit(f"the tests of {ex} do not build: run make check EX={ex}")
    out = os.path.join(ROOT, "build", "trace", ex if "--" not in binary else binary.split("build/", 1)[-1])
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if os.path.exists(out + ".dat"):
        os.remove(out + ".dat")
    env = dict(os.environ, GRADER_TRACE=out + ".dat", GRADER_RERUN=f"make trace EX={ex}")
    run = subprocess.run([os.path.join(ROOT, binary), "--filter", f"speedup/{test}", "-j1"], cwd=ROOT,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not os.path.exists(out + ".dat"):
        said = [l[6:].strip() for l in run.stdout.splitlines()
                if l.startswith("[----]   ") and l[9:].strip()]
        sys.exit(f"no record was written: the run of {ex} failed first: "
                 f"{' '.join(said) or run.stdout[-1500:]}")
    tasks, cols, notes, ranks = read_record(out + ".dat")
    length = max([t["died"] for t in tasks] + [1e-9])
    left_out = 0
    if ranks:
        tasks, left_out = name_ranks(tasks, ranks)
    else:
        name_tasks(tasks)
    for n in notes:
        print(n)
    what = "rank" if ranks else "task"
    print(f"one lane per {what}, time across ({length * 1e3:.0f} ms; # running, - waiting for a CPU, . asleep"
          f"{', m in a blocking MPI call' if ranks else ''}):")
    print("\n".join(summary(tasks, cols, length)))
    if left_out:
        print(f"  ({left_out} threads of mpirun and Open MPI's helpers left out)")
    lanes(tasks, cols, out + ".lanes")
    gp = (f"datafile='{out}.lanes'; ntasks={len(tasks)}; "
          f"set terminal svg size 900,{160 + 40 * len(tasks)} dynamic font 'DejaVu Sans,12' "
          f"background rgb 'white'; set output '{out}.svg'")
    if subprocess.call(["gnuplot", "-e", gp, os.path.join(ROOT, "tools", "trace.gp")]) == 0:
        print(f"drawn: {os.path.relpath(out, ROOT)}.svg")


if __name__ == "__main__":
    main()
