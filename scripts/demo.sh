#!/usr/bin/env bash
# The README's main-job command, from zero: installs what is missing, builds the program alone,
# then `tapstack demo` — a throwaway network namespace, tapstack on 10.0.0.2, the system's
# `ping -c 5` against it, the stack's ARP cache and counters, and clean-up.
# As root it uses a plain network namespace; as a normal user a user + network namespace (no
# sudo needed where the kernel allows it; the demo says why not otherwise).
# Extra arguments go to the demo, e.g. `scripts/demo.sh --count 3 -v`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release tapstack   # the program only, not the test suite
exec build/apps/tapstack demo "$@"
