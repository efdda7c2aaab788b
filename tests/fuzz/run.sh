#!/usr/bin/env bash
# Builds the libFuzzer harness with clang 14 (ASan + UBSan) and fuzzes the core for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS] [libFuzzer flags...]     default 60 s
#
# Build dir: $FUZZ_BUILD_DIR, default build-fuzz/ at the top of the repository (kept between
# runs, so only the first build is slow). The fuzzer works on a copy of tests/fuzz/corpus/ in
# <build>/corpus, which keeps what it learns from run to run; crashing inputs are left in
# <build>/artifacts/. Exit: 0 clean, 1 crash or build failure, 77 clang-14/libFuzzer missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${1:-60}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS] [libFuzzer flags...]" >&2
  exit 2
fi

skip() {
  echo "SKIP: $*" >&2
  exit 77
}

# ---- the toolchain --------------------------------------------------------------------------
export CC=clang-14 CXX=clang++-14
command -v "$CXX" >/dev/null || skip "$CXX not found (scripts/setup.sh installs clang-14 and libclang-rt-14-dev)"
command -v cmake >/dev/null || skip "cmake not found (scripts/setup.sh)"
command -v ninja >/dev/null || skip "ninja not found (scripts/setup.sh)"

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }' >"$probe/t.cpp"
if ! "$CXX" -fsanitize=fuzzer,address,undefined "$probe/t.cpp" -o "$probe/t" 2>"$probe/log"; then
  sed 's/^/  /' "$probe/log" >&2
  skip "$CXX cannot link a libFuzzer target (libclang-rt-14-dev missing?)"
fi

# libstdc++ 12 declares std::expected only when __cpp_concepts >= 202002L (P0848, conditionally
# trivial special members), which clang 14 does not claim (it says 201907L). Claiming it works for
# the core because every std::expected<T, E> there has trivially destructible T and E; a
# non-trivial one would fail to compile below ("attempt to use a deleted function"), never
# miscompile. Only this build gets the flag.
printf '%s\n' '#include <expected>' 'std::expected<int, int> f(int x) { if (x) return x; return std::unexpected(x); }' \
  'int main() { return f(1).value() - 1; }' >"$probe/e.cpp"
concepts_flags=""
if ! "$CXX" -std=c++2b -fsyntax-only "$probe/e.cpp" 2>/dev/null; then
  concepts_flags="-U__cpp_concepts -D__cpp_concepts=202002L"
  if ! "$CXX" -std=c++2b $concepts_flags -fsyntax-only "$probe/e.cpp" 2>"$probe/log"; then
    sed 's/^/  /' "$probe/log" >&2
    skip "$CXX -std=c++2b cannot compile libstdc++'s <expected>, even claiming __cpp_concepts 202002L"
  fi
  echo "run.sh: $CXX lacks P0848, so libstdc++'s <expected> is enabled with: $concepts_flags"
fi

# ---- build: the stack library and the harness only ------------------------------------------
echo "run.sh: building in $build"
mkdir -p "$build"
if ! cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" \
       -DCMAKE_CXX_FLAGS="$concepts_flags" -DTAPSTACK_WERROR="${TAPSTACK_WERROR:-OFF}" >"$build/configure.log" 2>&1; then
  cat "$build/configure.log" >&2
  echo "run.sh: FAILED: configuring the fuzz build" >&2
  exit 1
fi
if ! cmake --build "$build" --target stack_fuzz; then
  echo "run.sh: FAILED: building the fuzz target with $CXX" >&2
  exit 1
fi

# ---- fuzz -----------------------------------------------------------------------------------
mkdir -p "$build/corpus" "$build/artifacts"
cp "$here"/corpus/* "$build/corpus/"
echo "run.sh: fuzzing for ${seconds}s over $build/corpus ($(ls "$build/corpus" | wc -l) inputs)"
# libFuzzer's own failure exit code is 77, which ctest would read as SKIP: crashes exit 1 and
# timeouts 2 here. With -fork=N libFuzzer goes on past a timeout (and past a crash with
# -ignore_crashes=1), so a new file in artifacts/ fails the run too.
marker="$build/artifacts/.started"
touch "$marker"
rc=0
"$build/stack_fuzz" \
  -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -timeout_exitcode=2 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" "$@" "$build/corpus" || rc=$?
found=$(find "$build/artifacts" -type f ! -name .started -newer "$marker")
if ((rc != 0)) || [[ -n $found ]]; then
  echo "run.sh: FAILED (libFuzzer exit $rc). Inputs left in $build/artifacts/:" >&2
  echo "${found:-(none written)}" | sed 's/^/  /' >&2
  echo "run.sh: reproduce with: $build/stack_fuzz <input>; minimise with -minimize_crash=1 -runs=100000 <input>" >&2
  exit 1
fi
echo "run.sh: no crash in ${seconds}s"
