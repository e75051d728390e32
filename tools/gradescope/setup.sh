#!/usr/bin/env bash
# setup.sh: Gradescope runs this once, as root, when it builds the
# autograder's image, in /autograder/source where the bundle was unzipped.
# It installs the Debian/Ubuntu packages the grader needs (only those
# missing) and builds the grader's libraries once, so that each
# submission only compiles its own exercises.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

packages=(@PACKAGES@)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: ${packages[*]} already installed"
fi

make -s build/san/lib.a build/tsan/lib.a build/rel/lib.a
echo "setup: grader libraries built"
