#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test twice —
# an optimised build with warnings as errors (plus 20 s of libFuzzer on the core), then the same
# suite under ASan + UBSan (less what gains nothing from the sanitizers and costs minutes there:
# the labs, which test the docs' commands; the usage-error walk, which starts the program once
# per option; and differential_live, whose tapstack half differential_golden already runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-fuzz
for preset in ci ci-asan; do
  echo "== $preset: build"
  scripts/build.sh "$preset"
  echo "== $preset: test"
  ctest --preset "$preset" -j2 --output-on-failure
done
