#!/usr/bin/env bash
# Builds the libFuzzer targets with clang 14 (ASan + UBSan) and fuzzes each for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...] [libFuzzer flags...]   default 60 s, every target
#   tests/fuzz/run.sh --build-only                                 configure and build, no fuzzing
#
# TARGETs are names from targets.txt (stack, ipv4, pcap, ...); SECONDS is per target, and the
# targets run one after another, one process each. Flags (anything starting with '-') go to
# every libFuzzer run.
#
# Build dir: $FUZZ_BUILD_DIR, default build-fuzz/ at the top of the repository (kept between
# runs, so only the first build is slow); FUZZ_NO_BUILD=1 skips configuring and building (the
# ctest smoke tests: fuzz_build did it). Each target fuzzes <build>/corpus/<target>, a working
# copy of corpus/<target>/ that keeps what it learns from run to run, and always replays
# regressions/<target>/ first (read only). Crashing inputs are left in <build>/artifacts/<target>/,
# libFuzzer's output in <build>/logs/<target>.log.
# Exit: 0 clean, 1 a finding or a build failure, 2 usage, 77 clang-14/libFuzzer missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

usage() {
  echo "usage: $0 [SECONDS] [TARGET...] [libFuzzer flags...] | --build-only" >&2
  echo "targets: $(all_targets | tr '\n' ' ')" >&2
  exit 2
}
all_targets() { awk '!/^#/ && NF {print $1}' "$here/targets.txt"; }
max_len_of() { awk -v t="$1" '!/^#/ && $1 == t {print $3}' "$here/targets.txt"; }

build_only=0
seconds=60
if [[ ${1:-} == --build-only ]]; then
  build_only=1
  shift
elif [[ $# -gt 0 && ${1:-} != -* ]] && ! all_targets | grep -qx -- "$1"; then
  seconds=$1
  shift
  [[ $seconds =~ ^[0-9]+$ ]] || usage
fi
targets=()
flags=()
for arg in "$@"; do
  if [[ $arg == -* ]]; then
    flags+=("$arg")
  elif all_targets | grep -qx -- "$arg"; then
    targets+=("$arg")
  else
    echo "$0: unknown target '$arg'" >&2
    usage
  fi
done
((${#targets[@]} > 0)) || mapfile -t targets < <(all_targets)

skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# ---- the toolchain --------------------------------------------------------------------------
if [[ ${FUZZ_NO_BUILD:-0} == 1 ]]; then
  command -v clang++-14 >/dev/null || skip "clang++-14 not found (scripts/setup.sh --with-fuzz installs clang-14 and libclang-rt-14-dev)"
else
  source "$here/toolchain.sh"

  # ---- build: the libraries the targets need, and the targets ---------------------------------
  echo "run.sh: building in $build"
  mkdir -p "$build"
  if ! cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" -DTAPSTACK_FUZZ_MODE=fuzz \
         -DCMAKE_CXX_FLAGS="$concepts_flags" -DTAPSTACK_WERROR="${TAPSTACK_WERROR:-OFF}" >"$build/configure.log" 2>&1; then
    cat "$build/configure.log" >&2
    echo "run.sh: FAILED: configuring the fuzz build" >&2
    exit 1
  fi
  build_targets=()
  for t in "${targets[@]}"; do build_targets+=("${t}_fuzz"); done
  if ! cmake --build "$build" --target "${build_targets[@]}"; then
    echo "run.sh: FAILED: building the fuzz targets with $CXX" >&2
    exit 1
  fi
fi
((build_only)) && exit 0

# ---- fuzz, one target at a time ---------------------------------------------------------------
# libFuzzer's own failure exit code is 77, which ctest would read as SKIP: crashes exit 1 and
# timeouts 2 here. With -fork=N libFuzzer goes on past a timeout (and past a crash with
# -ignore_crashes=1), so a new file in artifacts/ fails the run too.
failed=()
mkdir -p "$build/logs"
for t in "${targets[@]}"; do
  bin="$build/${t}_fuzz"
  if [[ ! -x $bin ]]; then
    echo "run.sh: FAILED: $bin was not built" >&2
    failed+=("$t")
    continue
  fi
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  if [[ -d $here/corpus/$t ]]; then cp "$here/corpus/$t"/* "$corpus/"; fi
  dirs=("$corpus")
  if [[ -d $here/regressions/$t ]] && [[ -n $(ls -A "$here/regressions/$t") ]]; then dirs+=("$here/regressions/$t"); fi
  extra=()
  if [[ -f $here/dict/$t.dict ]]; then extra+=("-dict=$here/dict/$t.dict"); fi
  log="$build/logs/$t.log"
  marker="$artifacts/.started"
  touch "$marker"
  echo "run.sh: $t: ${seconds}s over $(ls "$corpus" | wc -l) inputs$( ((${#dirs[@]} > 1)) && echo " + $(ls "${dirs[1]}" | wc -l) regressions") (log: $log)"
  rc=0
  "$bin" -max_total_time="$seconds" -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2048 \
    -error_exitcode=1 -timeout_exitcode=2 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "${extra[@]}" "${flags[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  found=$(find "$artifacts" -type f ! -name .started -newer "$marker")
  stat_of() { awk -v k="stat::$1:" '$1 == k {print $2}' "$log" | tail -1; }
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 || true)
  summary="$(stat_of number_of_executed_units) execs, $(stat_of average_exec_per_sec)/s, $(stat_of new_units_added) new units, ${cov:-no coverage line}, peak RSS $(stat_of peak_rss_mb) MB"
  if ((rc != 0)) || [[ -n $found ]]; then
    echo "run.sh: $t: FAILED (libFuzzer exit $rc): $summary" >&2
    tail -n 80 "$log" | sed 's/^/  | /' >&2
    echo "run.sh: $t: inputs left in $artifacts/:" >&2
    echo "${found:-(none written)}" | sed 's/^/  /' >&2
    echo "run.sh: $t: reproduce with: $bin <input>; minimise with -minimize_crash=1 -runs=100000 <input>" >&2
    failed+=("$t")
  else
    echo "run.sh: $t: no finding in ${seconds}s: $summary"
  fi
done

if ((${#failed[@]} > 0)); then
  echo "run.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "run.sh: no finding (${targets[*]})"
