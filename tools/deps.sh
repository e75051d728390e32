#!/usr/bin/env bash
# deps.sh: install whatever is missing, from Debian packages only.
# Idempotent: installed packages are left alone.  Uses sudo when not root,
# and never asks a question (CI runs it with no stdin).
set -euo pipefail

packages=(
  build-essential         # gcc, make, and the sanitizer runtimes
  libcriterion-dev        # tests and the grader
  libuv1-dev              # the production event loop (chapter 5)
  gnuplot-nox             # figures from measured data
  pandoc                  # the book
  weasyprint              # the PDF engine: small, and it reads the HTML's CSS
  fonts-dejavu-core       # the book's fonts, for HTML and PDF alike
  python3-lunr            # the HTML book's search index, built by make book
  libjs-lunr              # ... and queried in the reader's browser (lunr.js)
  chromium-headless-shell # make test opens the HTML book in a real browser
  python3                 # the grader's runner and chapter 7's Python side
  openmpi-bin libopenmpi-dev   # chapter 9
  inotify-tools           # make watch
  zip                     # make gradescope
  patch                   # mutants kept as patches to the solutions (make test)
  similarity-tester       # make similarity: sim_c compares submissions locally
  liburing-dev            # the io_uring chapter (liburing 2.3 on Debian 12)
  linux-perf              # its benches count system calls (perf stat)
  ccache                  # rebuilds of unchanged sources (the student copy make test grades)
)

missing=()
for p in "${packages[@]}"; do
  [[ $p == \#* ]] && continue
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "deps: everything is installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "deps: apt-get not found; install these by hand: ${missing[*]}" >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Ubuntu packages Chromium only as a snap: where apt has no candidate for an
# optional package, go on without it (make test says what it skips).
optional=(chromium-headless-shell)
wanted=()
for p in "${missing[@]}"; do
  if [[ " ${optional[*]} " == *" $p "* ]] &&
     ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
    echo "deps: $p is not packaged here; make test will skip the checks that need it" >&2
  else
    wanted+=("$p")
  fi
done
missing=("${wanted[@]}")
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
