#!/usr/bin/env python3
"""dist.py: the student distribution and the Gradescope autograder bundle.

    python3 tools/dist.py dist         # make dist: build/dist/<name>/ and <name>.tar.gz
    python3 tools/dist.py gradescope   # make gradescope: build/gradescope.zip

Both read course.conf (or the file $COURSE_CONF names): only the exercises
it lists are shipped and graded, with its points and settings.

The distribution holds what a student needs -- the book's sources and
figures' data, the exercises' contracts, stubs and hints, the public tests,
the grader, the shared library, the tools, the Makefile and README -- and
none of what would give answers away:
  * solutions/                     the reference solutions;
  * tests/NN-slug/mutants/         deliberately broken solutions: most are a
                                   solution with one bug, so they ship nothing;
  * tests/NN-slug/hidden/          the private tests, for the autograder only.
Inside it, `make check` and `make book` work as in the full repository, and
`make test` says plainly which maintainers' checks it skips and why.

The bundle is the distribution plus the private tests, with Gradescope's
setup.sh and run_autograder at the top of the zip.
"""

import io
import os
import re
import shutil
import stat
import sys
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "grader"))
import grade  # noqa: E402

TOP_FILES = ["Makefile", "README.md", "book.md", ".gitignore", "Dockerfile", ".dockerignore"]
TOP_DIRS = ["chapters", "exercises", "tests", "grader", "lib", "plots", "tools", "docs", ".ci",
            ".devcontainer"]  # the container: macOS, Windows, Codespaces
JUNK = re.compile(r"(^|/)(__pycache__|\.git)(/|$)|\.(pyc|tmp|o)$|~$|(^|/)\.hints-seen$")
STUDENT_WORKFLOW = ".github/student/check.yml"  # becomes .github/workflows/ in the copy
# What the grader needs on a bare Debian/Ubuntu image (setup.sh installs them);
# the book's tools (pandoc, gnuplot, weasyprint) are not needed to grade.
GRADER_PACKAGES = ["build-essential", "make", "python3", "libcriterion-dev", "libuv1-dev"]
MPI_PACKAGES = ["openmpi-bin", "libopenmpi-dev"]
URING_PACKAGES = ["liburing-dev"]  # a chapter whose rules.mk links -luring (io_uring)


def config_path():
    return os.environ.get("COURSE_CONF") or "course.conf"


def course():
    points, settings = grade.read_config(os.path.join(ROOT, config_path()))
    return points, settings, grade.chosen_exercises(points)


def exercise_files(ex):
    """The files that belong to one exercise (its contract .h stays even
    when the exercise is left out: a chapter's listings may show it)."""
    chapter, name = ex.split("/")
    return {f"exercises/{chapter}/{name}.c", f"exercises/{chapter}/{name}.hints",
            f"tests/{chapter}/{name}.c", f"tests/{chapter}/{name}.tsan.c"}


def private(path):
    """Never in a student's hands."""
    parts = path.split("/")
    return (parts[0] == "solutions"
            or (parts[0] == "tests" and len(parts) > 2 and parts[2] in ("mutants", "hidden")))


def student_files(chosen, with_hidden=False):
    """Relative paths of the files to ship."""
    left_out = set()
    for ex in grade.all_exercises("exercises"):
        if ex not in chosen:
            left_out |= exercise_files(ex)
    files = [f for f in TOP_FILES if os.path.isfile(os.path.join(ROOT, f))]
    for top in TOP_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames.sort()
            for f in sorted(filenames):
                rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
                if JUNK.search(rel) or rel in left_out:
                    continue
                if private(rel):
                    hidden_ok = with_hidden and rel.split("/")[2] == "hidden" and hidden_of(rel, chosen)
                    if not hidden_ok:
                        continue
                files.append(rel)
    return files


def hidden_of(rel, chosen):
    """A private test file ships in the bundle when its exercise is chosen
    (helpers, anything not named after an exercise, ship with the chapter)."""
    chapter, name = rel.split("/")[1], os.path.basename(rel).split(".")[0]
    mine = f"{chapter}/{name}"
    return mine in chosen or mine not in grade.all_exercises("exercises")


def course_conf_text(chosen):
    """The course's configuration, minus lines for exercises not shipped."""
    out = []
    with open(os.path.join(ROOT, config_path())) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if len(words) == 2 and words[1].isdigit() and "/" in words[0] and words[0] not in chosen:
                continue
            out.append(line)
    return "".join(out)


def copy_tree(files, dest, chosen):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    for rel in files:
        os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), os.path.join(dest, rel))
    with open(os.path.join(dest, "course.conf"), "w") as f:
        f.write(course_conf_text(chosen))


def audit(dest):
    """Refuse to ship anything that is, or comes from, a solution."""
    answers = {}
    for dirpath, _, filenames in os.walk(os.path.join(ROOT, "solutions")):
        for f in filenames:
            with open(os.path.join(dirpath, f), "rb") as fh:
                answers[fh.read()] = os.path.relpath(os.path.join(dirpath, f), ROOT)
    problems = []
    for dirpath, _, filenames in os.walk(dest):
        for f in filenames:
            rel = os.path.relpath(os.path.join(dirpath, f), dest)
            if rel.split("/")[0] == "solutions" or "/mutants/" in rel:
                problems.append(f"{rel} is a solution or a mutant")
                continue
            with open(os.path.join(dirpath, f), "rb") as fh:
                body = fh.read()
            if body.strip() and body in answers:
                problems.append(f"{rel} is a copy of {answers[body]}")
    return problems


def write_tarball(src, tarball, name):
    def reset(ti):
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        return ti
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(src, arcname=name, filter=reset)


def dist():
    points, settings, chosen = course()
    name = settings["name"]
    dest = os.path.join(ROOT, "build", "dist", name)
    files = student_files(chosen)
    copy_tree(files, dest, chosen)
    workflow = os.path.join(ROOT, STUDENT_WORKFLOW)
    if os.path.exists(workflow):
        os.makedirs(os.path.join(dest, ".github", "workflows"), exist_ok=True)
        shutil.copy2(workflow, os.path.join(dest, ".github", "workflows", "check.yml"))
    problems = audit(dest)
    if problems:
        sys.exit("dist: refusing to ship solution code:\n  " + "\n  ".join(problems))
    tarball = dest + ".tar.gz"
    write_tarball(dest, tarball, name)
    size = os.path.getsize(tarball) / 1e6
    print(f"dist: {len(chosen)} exercises, {len(files) + 1} files -> build/dist/{name}/ "
          f"and build/dist/{name}.tar.gz ({size:.1f} MB); no solutions, mutants or private tests")


def mpi_needed(chosen):
    for chapter in {e.split("/")[0] for e in chosen}:
        for d in ("tests", "chapters"):
            rules = os.path.join(ROOT, d, chapter, "rules.mk")
            if os.path.exists(rules) and re.search(r"mpi", open(rules).read(), re.I):
                return True
    return False


def uring_needed(chosen):
    """A chosen chapter links liburing (its tests' rules.mk says -luring)."""
    for chapter in {e.split("/")[0] for e in chosen}:
        rules = os.path.join(ROOT, "tests", chapter, "rules.mk")
        if os.path.exists(rules) and "-luring" in open(rules).read():
            return True
    return False


def gradescope():
    points, settings, chosen = course()
    files = student_files(chosen, with_hidden=True)
    stage = os.path.join(ROOT, "build", "gradescope")
    copy_tree(files, stage, chosen)
    problems = audit(stage)
    if problems:
        sys.exit("gradescope: refusing to ship solution code:\n  " + "\n  ".join(problems))
    packages = GRADER_PACKAGES + (MPI_PACKAGES if mpi_needed(chosen) else []) \
        + (URING_PACKAGES if uring_needed(chosen) else [])
    with open(os.path.join(ROOT, "tools", "gradescope", "setup.sh")) as f:
        setup = f.read().replace("@PACKAGES@", " ".join(packages))
    with open(os.path.join(ROOT, "tools", "gradescope", "run_autograder")) as f:
        run = f.read()
    zpath = os.path.join(ROOT, "build", "gradescope.zip")
    with zipfile.ZipFile(zpath + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        for script, text in (("setup.sh", setup), ("run_autograder", run)):
            info = zipfile.ZipInfo(script)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            z.writestr(info, text)
        for dirpath, _, filenames in sorted(os.walk(stage)):
            for f in sorted(filenames):
                full = os.path.join(dirpath, f)
                z.write(full, os.path.relpath(full, stage))
    os.replace(zpath + ".tmp", zpath)
    n_hidden = sum(1 for e in chosen if grade.has_hidden(e))
    print(f"gradescope: {len(chosen)} exercises ({sum(points[e] for e in chosen)} points; "
          f"{n_hidden} with private tests) -> build/gradescope.zip ({os.path.getsize(zpath) / 1e6:.1f} MB)")
    print(f"  setup.sh installs: {' '.join(packages)}")


def main():
    os.chdir(ROOT)
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "dist":
        dist()
    elif cmd == "gradescope":
        gradescope()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
