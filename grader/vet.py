#!/usr/bin/env python3
"""vet.py: look at the learner's object before it is linked into a test program.

    python3 grader/vet.py contract NN-slug OUT.keep -- CC FLAGS...
    python3 grader/vet.py check OUT.keep SOURCE.c -- CC FLAGS...

The learner's code is linked into the Criterion binary that grades it, so
anything it defines at file scope could reach past the functions it was
asked to write: a constructor runs before the tests, a destructor after
them in the process that writes the report, and a global `clock_gettime`
would replace libc's for the grader too.  This script compiles SOURCE.c
alone, without sanitizers (their objects carry constructors of their own),
and refuses it, with one sentence that names the line, if it has:

  * code that runs before or after the tests (.init_array, .fini_array,
    .preinit_array, .ctors, .dtors, .init, .fini), or a GNU IFUNC;
  * a section of its own (Criterion keeps its test registry in one);
  * a global definition that is not a function of the exercise's contract
    (every header in exercises/NN-slug/);
  * a call to dlopen/dlsym, ptrace or prctl, which reach around the linker
    or into other processes;
  * an #include from outside the exercise's folder, lib/ and the system.

The contract's function names, one a line, come from `contract`: the
Makefile hands them to `objcopy --keep-global-symbols`, so every other
global of the instrumented object becomes local and replaces nothing.
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECTION_OK = re.compile(r"^(|\.text(\..*)?|\.data(\..*)?|\.bss(\..*)?|\.rodata(\..*)?|\.tdata(\..*)?"
                        r"|\.tbss(\..*)?|\.comment|\.debug_.*|\.rela?\..*|\.eh_frame|\.note\.GNU-stack"
                        r"|\.note\.gnu\.property|\.symtab|\.strtab|\.shstrtab|\.group"
                        r"|\.gcc_except_table(\..*)?)$")
BEFORE = re.compile(r"^\.(init_array|preinit_array|ctors|init)(\..*)?$")
AFTER = re.compile(r"^\.(fini_array|dtors|fini)(\..*)?$")
FORBIDDEN_CALLS = {
    "dlopen": "loads code the grader never saw", "dlmopen": "loads code the grader never saw",
    "dlsym": "finds functions around the linker", "dlvsym": "finds functions around the linker",
    "ptrace": "reaches into other processes", "prctl": "changes how the grader sees the process",
}


def chapter_of(source):
    """exercises/NN-slug/x.c, solutions/..., tests/NN-slug/mutants/...,
    build/mutsrc/NN-slug/mutants/... -> NN-slug"""
    for part in source.split(os.sep):
        if re.match(r"\d\d-", part):
            return part
    sys.exit(f"vet.py: cannot tell the chapter of {source}")


def contract(chapter, cc):
    """Every function declared in the chapter's exercise headers: -aux-info
    prints each prototype with the file that declared it."""
    names = set()
    d = os.path.join("exercises", chapter)
    for h in sorted(f for f in os.listdir(os.path.join(ROOT, d)) if f.endswith(".h")):
        with tempfile.NamedTemporaryFile(suffix=".aux") as aux:
            subprocess.run(cc + ["-fsyntax-only", "-aux-info", aux.name, "-x", "c", os.path.join(d, h)],
                           cwd=ROOT, check=True, capture_output=True)
            for line in open(aux.name, errors="replace"):
                m = re.match(r"/\* (\S+):\d+:\S+ \*/ .*?(\w+) \(", line)
                if m and os.path.dirname(os.path.normpath(m.group(1))) == d:
                    names.add(m.group(2))
    return names


def line_of(source, pattern):
    """The first line of the source that matches, for the message."""
    try:
        with open(os.path.join(ROOT, source), errors="replace") as f:
            for n, text in enumerate(f, 1):
                if re.search(pattern, text) and not re.match(r"\s*(/\*|\*|//)", text):
                    return n
    except OSError:
        pass
    return 1


def readelf(flag, obj):
    return subprocess.run(["readelf", "-W", flag, obj], capture_output=True, text=True,
                          check=True).stdout


def problems(source, chapter, obj, dep, keep):
    """(line, sentence) for each reason to refuse the object."""
    found = []
    for name in re.findall(r"^\s*\[\s*[1-9]\d*\]\s+(\S*)", readelf("-S", obj), re.M):
        if BEFORE.match(name):
            found.append((line_of(source, r"constructor|section"),
                          f"it runs code before the tests start (a constructor: section {name})"))
        elif AFTER.match(name):
            found.append((line_of(source, r"destructor|section|atexit"),
                          f"it runs code after the tests end (a destructor: section {name})"))
        elif not SECTION_OK.match(name):
            found.append((line_of(source, r"section"), f"it puts code or data in a section of its own ({name})"))
    for row in readelf("-s", obj).splitlines():
        cols = row.split()
        if len(cols) < 8 or not cols[0].rstrip(":").isdigit():
            continue
        kind, bind, ndx, name = cols[3], cols[4], cols[6], cols[7].split("@")[0]
        if kind == "IFUNC" or kind == "GNU_IFUNC":
            found.append((line_of(source, r"ifunc"), f"`{name}` is a GNU IFUNC, resolved by code that runs at load time"))
        elif ndx == "UND" and name in FORBIDDEN_CALLS:
            found.append((line_of(source, rf"\b{name}\b"), f"it calls {name}(), which {FORBIDDEN_CALLS[name]}"))
        elif ndx != "UND" and bind in ("GLOBAL", "WEAK", "UNIQUE") and name not in keep:
            found.append((line_of(source, rf"^\S.*\b{re.escape(name)}\b"),
                          f"`{name}` is defined globally but is not in the contract: make it `static`"))
    for header in included(dep, chapter):
        found.append((line_of(source, rf"#\s*include\s*[<\"].*{re.escape(os.path.basename(header))}"),
                      f"it includes {header}: only its own folder, lib/ and system headers may be included"))
    return found


def included(dep, chapter):
    """Headers from inside the repository but outside the exercise's folder
    and lib/ (e.g. ../../solutions/...), from the compiler's -MD list."""
    with open(dep) as f:
        words = f.read().replace("\\\n", " ").split(":", 1)[-1].split()
    allowed = ("lib" + os.sep, os.path.join("exercises", chapter, ""))
    bad = []
    for w in words[1:]:  # words[0] is the source itself
        path = os.path.realpath(os.path.join(ROOT, w))
        rel = os.path.relpath(path, ROOT)
        if path.startswith(ROOT + os.sep) and not rel.startswith(allowed):
            bad.append(rel)
    return bad


def check(keep_file, source, cc):
    """Exit non-zero with one sentence if the source must be refused."""
    chapter = chapter_of(source)
    keep = set(open(keep_file).read().split())
    with tempfile.TemporaryDirectory() as tmp:
        obj, dep = os.path.join(tmp, "vet.o"), os.path.join(tmp, "vet.d")
        build = subprocess.run(cc + ["-c", source, "-o", obj, "-MD", "-MF", dep],
                               cwd=ROOT, capture_output=True, text=True)
        sys.stderr.write(build.stdout + build.stderr)  # errors and warnings, as any compile
        if build.returncode != 0:
            sys.exit(1)
        found = problems(source, chapter, obj, dep, keep)
    if found:
        n, why = min(found)
        sys.stderr.write(f"{source}:{n}: refused: {why}.\n")
        sys.exit(1)


def main():
    """contract NN-slug OUT -- CC...: the contract's function names;
    stubs KEEP OUT.c: a definition that traps for each (to list the tests
    of a test object with no learner code linked);
    check KEEP SOURCE -- CC...: vet the learner's source."""
    cmd, args = sys.argv[1], sys.argv[2:]
    cc = args[args.index("--") + 1:] if "--" in args else []
    if cc[:1] == ["ccache"]:  # vetting reads the compiler's own outputs, never a cache's
        cc = cc[1:]
    if cmd == "contract":
        names = contract(args[0], cc)
        # Renamed into place: two makes may write it at once while a third
        # reads it (objcopy keeps only the symbols it names).
        tmp = f"{args[1]}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write("".join(n + "\n" for n in sorted(names)))
        os.replace(tmp, args[1])
    elif cmd == "stubs":
        with open(args[1], "w") as f:
            f.write("".join(f"void {n}(void) {{ __builtin_trap(); }}\n"
                            for n in open(args[0]).read().split()))
    elif cmd == "check":
        check(args[0], args[1], cc)
    else:
        sys.exit(f"vet.py: unknown command {cmd}")


if __name__ == "__main__":
    main()
