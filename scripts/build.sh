#!/usr/bin/env bash
# Configures and builds one CMake preset (default: release → build/apps/tapstack), and within it
# only the given targets when any are named:
#   scripts/build.sh                    everything of the release preset (program and tests)
#   scripts/build.sh release tapstack   only the program
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
shift $(($# > 0 ? 1 : 0))
cmake --preset "$preset" >/dev/null
targets=()
(($# > 0)) && targets=(--target "$@")
cmake --build --preset "$preset" "${targets[@]}"
