#!/usr/bin/env bash
# watch.sh: `make watch EX=NN-slug/name` checks that exercise now, then again
# each time you save it, until Ctrl-C.  In the spirit of rustlings' watch
# mode.  It needs inotifywait (Debian's inotify-tools; `make deps`).
#
# It watches the exercise's folder, not the file: editors often save by
# writing a new file and renaming it over the old one (a `moved_to` event),
# and a watch on the old file would be lost with it.
set -u
cd "$(dirname "$0")/.."

arg=${1:-}
if [[ -z $arg ]]; then
  echo "usage: make watch EX=NN-slug/name   (for example EX=01-cpu-or-io/stopwatch)" >&2
  exit 2
fi
# Accept the same names as make check: NN-slug/name, name, exercises/NN-slug/name.c
ex=$(python3 -c 'import sys; sys.path.insert(0, "grader"); import grade
print(grade.select(grade.all_exercises("exercises"), sys.argv[1], "")[0])' "$arg") || exit 2
if ! command -v inotifywait >/dev/null; then
  echo "watch: inotifywait is missing: run \`make deps\` (it installs inotify-tools)" >&2
  exit 1
fi

dir=exercises/$(dirname "$ex")
name=$(basename "$ex")

check() {
  [[ -t 1 ]] && clear
  echo "[watch] $(date +%T) make check EX=$ex"
  make -s --no-print-directory check EX="$ex" </dev/null
  echo "[watch] waiting for you to save $dir/$name.c (Ctrl-C to stop)"
}

# inotifywait says "Watches established." once it is listening: only then
# run the first check, so that a save made right after it is never missed.
inotifywait -m -e close_write,moved_to,create --format '%f' "$dir" 2>&1 | {
  while read -r line; do
    [[ $line == "Watches established." ]] && break
  done
  check
  while read -r file; do
    [[ $file == "$name.c" || $file == "$name.h" ]] || continue
    while read -r -t 0.3 _; do :; done   # one save can make several events
    check
  done
}
