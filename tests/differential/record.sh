#!/usr/bin/env bash
# Re-records the kernel's answers committed under golden/: builds the suite's tools, then runs
# every case against the Linux kernel in its own network namespace (`unshare -n`; needs root,
# or unprivileged user namespaces and a world-writable /dev/net/tun), twice, and stores the
# inputs and answers as golden/NAME.in.pcap and golden/NAME.kernel.pcap.
#
#   tests/differential/record.sh [--build DIR] [--cases GLOB] [--short] [--jobs N]
#
# --build defaults to build-differential/ (configured here if missing); --short leaves out the
# cases that wait for the 30 s reassembly timeout (recording everything takes about a minute).
# Review `git diff --stat tests/differential/golden` before committing: a changed answer is a
# change in what "correct" means.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-differential
args=()
while (($#)); do
  case $1 in
    --build) build=$2; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target make_cases kernel_oracle pcap_compare >/dev/null
exec bash "$here/run.sh" --record --build "$build" "${args[@]}"
