#!/usr/bin/env bash
# How much of stack/ the fuzz corpora reach: line and function coverage, per file and in total.
#
#   tests/fuzz/coverage.sh [--committed] [TARGET...]      default: every target in targets.txt
#
# Builds every target with clang 14's source-based coverage (-fprofile-instr-generate
# -fcoverage-mapping; no sanitizers, no libFuzzer: replay_main.cpp runs each input once) in
# $FUZZ_COV_BUILD_DIR (default build-fuzz-cov/), replays every corpus of every target — the
# committed seeds (corpus/<t>/), the regressions (regressions/<t>/) and, unless --committed, the
# working corpus run.sh has grown (<FUZZ_BUILD_DIR or build-fuzz>/corpus/<t>/) — merges the
# profiles and prints llvm-cov's report for the files under stack/. Also writes an HTML report
# to <build>/html/index.html. Exit: 0, 1 on a failure, 77 when clang-14 or llvm-cov-14 is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_COV_BUILD_DIR:-$root/build-fuzz-cov}
fuzz_build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

skip() {
  echo "SKIP: $*" >&2
  exit 77
}
all_targets() { awk '!/^#/ && NF {print $1}' "$here/targets.txt"; }

committed_only=0
targets=()
for arg in "$@"; do
  case $arg in
    --committed) committed_only=1 ;;
    -*) echo "usage: $0 [--committed] [TARGET...]" >&2; exit 2 ;;
    *)
      all_targets | grep -qx -- "$arg" || { echo "$0: unknown target '$arg'" >&2; exit 2; }
      targets+=("$arg") ;;
  esac
done
((${#targets[@]} > 0)) || mapfile -t targets < <(all_targets)

need_libfuzzer=0
source "$here/toolchain.sh"
profdata=$(command -v llvm-profdata-14 || true)
llvm_cov=$(command -v llvm-cov-14 || true)
[[ -n $profdata && -n $llvm_cov ]] || skip "llvm-profdata-14 / llvm-cov-14 not found (package llvm-14; scripts/setup.sh --with-fuzz)"

echo "coverage.sh: building in $build"
mkdir -p "$build"
if ! cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" -DTAPSTACK_FUZZ_MODE=coverage \
       -DCMAKE_CXX_FLAGS="$concepts_flags" >"$build/configure.log" 2>&1; then
  cat "$build/configure.log" >&2
  echo "coverage.sh: FAILED: configuring the coverage build" >&2
  exit 1
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzz"); done
cmake --build "$build" --target "${build_targets[@]}" >"$build/build.log" 2>&1 || {
  cat "$build/build.log" >&2
  echo "coverage.sh: FAILED: building" >&2
  exit 1
}

profiles="$build/profiles"
rm -rf "$profiles"
mkdir -p "$profiles"
objects=()
for t in "${targets[@]}"; do
  dirs=()
  for d in "$here/corpus/$t" "$here/regressions/$t"; do [[ -d $d ]] && dirs+=("$d"); done
  if ((!committed_only)) && [[ -d $fuzz_build/corpus/$t ]]; then dirs+=("$fuzz_build/corpus/$t"); fi
  ((${#dirs[@]} > 0)) || continue
  # Each input is run once; an invariant failure aborts the replay, and that is a finding too.
  if ! LLVM_PROFILE_FILE="$profiles/$t-%p.profraw" "$build/${t}_fuzz" "${dirs[@]}" >"$profiles/$t.log" 2>&1; then
    tail -n 20 "$profiles/$t.log" >&2
    echo "coverage.sh: FAILED: $t aborted on one of its inputs (see above)" >&2
    exit 1
  fi
  echo "coverage.sh: $t: $(tail -n 1 "$profiles/$t.log" | sed 's/.*: //') from ${dirs[*]#$root/}"
  objects+=(-object "$build/${t}_fuzz")
done

"$profdata" merge -sparse "$profiles"/*.profraw -o "$build/merged.profdata"
# The first -object is the positional binary llvm-cov wants; the rest add their coverage maps.
# Only stack/: everything under tests/, apps/ and the system headers is left out. llvm-cov warns
# that "N functions have mismatched data": that is LLVMFuzzerTestOneInput, one per target under
# the same name (llvm-profdata show --all-functions lists no other name twice); stack/ is built
# once for all targets, so its figures are exact. The warning is filtered out.
report_args=("${objects[1]}" "${objects[@]:2}" -instr-profile="$build/merged.profdata"
             -ignore-filename-regex='/(tests|apps|usr)/')
quiet() { "$@" 2> >(grep -v "functions have mismatched data" >&2); }
quiet "$llvm_cov" show "${report_args[@]}" -format=html -output-dir="$build/html" >/dev/null
echo
echo "Coverage of stack/ by the fuzz corpora ($( ((committed_only)) && echo "committed seeds and regressions" || echo "committed seeds, regressions and the working corpus")):"
quiet "$llvm_cov" report "${report_args[@]}" | sed "s|$root/||" | tee "$build/report.txt"
awk '$1 == "TOTAL" {printf "coverage.sh: stack/: lines %s (%d of %d), functions %s (%d of %d)\n", $10, $8 - $9, $8, $7, $5 - $6, $5}' "$build/report.txt"
echo
echo "coverage.sh: HTML report: $build/html/index.html"
