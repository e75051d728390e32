#!/usr/bin/env python3
"""hint.py: `make hint EX=NN-slug/name` prints the next hint, one at a time.

Hints live beside each exercise in exercises/NN-slug/NAME.hints, from
gentle to specific, separated by lines holding only `---`.  How many of an
exercise's hints you have seen is kept in .hints-seen at the top of the
repository (one line per exercise, `NN-slug/name count`); delete a line, or
run `make hint EX=... RESET=1`, to start over.  Without EX it takes the
next unfinished exercise, as `make check` last named it.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402

SEEN = os.path.join(ROOT, ".hints-seen")


def read_hints(ex):
    path = os.path.join(ROOT, "exercises", ex + ".hints")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        parts = re.split(r"(?m)^---[ \t]*\n?", f.read())
    return [p.strip("\n") for p in parts if p.strip()]


def read_seen():
    seen = {}
    if os.path.exists(SEEN):
        with open(SEEN) as f:
            for line in f:
                words = line.split()
                if len(words) == 2 and words[1].isdigit():
                    seen[words[0]] = int(words[1])
    return seen


def write_seen(seen):
    with open(SEEN + ".tmp", "w") as f:
        f.write("# hints seen per exercise (make hint); delete a line to start over\n")
        for ex in sorted(seen):
            f.write(f"{ex} {seen[ex]}\n")
    os.replace(SEEN + ".tmp", SEEN)


def pick(arg):
    points, _ = grade.read_config(os.path.join(ROOT, os.environ.get("COURSE_CONF") or "course.conf"))
    everything = grade.course_order(grade.all_exercises("exercises"), points)
    if arg:
        return grade.select(everything, arg, "")[0]
    course = [e for e in everything if e in points] or everything
    done = grade.done_map(course, [])
    todo = [e for e in course if not done[e]]
    if not todo:
        sys.exit("Every exercise passed at the last `make check`. Name one: make hint EX=NN-slug/name")
    print(f"(no EX given: the next unfinished exercise is {todo[0]})")
    return todo[0]


def speedup_failed(ex):
    """Did the last `make check` fail this exercise's speedup test?"""
    path = os.path.join(ROOT, "build", "results", "check", ex + ".xml")
    try:
        text = open(path).read()
    except OSError:
        return False
    return bool(re.search(r'<testcase [^>]*classname="speedup"[^>]*>\s*<failure', text))


def trace_note(ex):
    if speedup_failed(ex):
        print(f"\nYour speedup test failed at the last check: `make trace EX={ex}` "
              f"shows what each of your workers did in one run, and draws it.")


def main():
    args = [a for a in sys.argv[1:] if a]
    reset = "--reset" in args
    args = [a for a in args if a != "--reset"]
    ex = pick(args[0] if args else "")
    seen = read_seen()
    if reset:
        seen.pop(ex, None)
        write_seen(seen)
        print(f"Hints for {ex} start over: `make hint EX={ex}` shows the first.")
        return
    hints = read_hints(ex)
    if not hints:
        print(f"{ex} has no hints yet. Read its contract, exercises/{ex}.h, and run "
              f"`make check EX={ex}`: every failing test says what it expected.")
        return
    n = min(seen.get(ex, 0), len(hints))
    if n == len(hints):
        print(f"You have seen all {len(hints)} hints for {ex}. The last one again:\n")
        print(indent(hints[-1]))
        print(f"\nThe contract, exercises/{ex}.h, and `make check EX={ex}` say the rest. "
              f"`make hint EX={ex} RESET=1` starts the hints over.")
        trace_note(ex)
        return
    seen[ex] = n + 1
    write_seen(seen)
    print(f"Hint {n + 1} of {len(hints)} for {ex}:\n")
    print(indent(hints[n]))
    trace_note(ex)
    left = len(hints) - n - 1
    print()
    if left:
        print(f"({left} more: run `make hint EX={ex}` again when you need the next one.)")
    else:
        print("(That was the last hint.)")


def indent(text):
    return "\n".join("    " + l if l.strip() else "" for l in text.splitlines())


if __name__ == "__main__":
    main()
