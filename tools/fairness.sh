#!/usr/bin/env bash
# fairness.sh: `make fairness`.  Measures how often the speedup judge
# fails a parallel solution or passes a sequential impostor, idle and
# beside a CPU hog, and writes docs/data/fairness.dat (see tools/fairness.py).
# fairness.py holds the grader's timing lock alone while it measures, so no
# `make check` on this machine runs a speedup test at the same time: those
# wait, and the only load measured is the load this script adds.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/data
exec python3 tools/fairness.py "$@"
