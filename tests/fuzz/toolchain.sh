# Sourced by run.sh and coverage.sh: checks for clang 14 (and libFuzzer when asked) and sets
#   CC, CXX          clang-14, clang++-14 (exported)
#   concepts_flags   what clang 14 needs to compile libstdc++ 12's <expected> (maybe empty)
# or exits 77 (SKIP for ctest) with the reason. Needs `skip` defined by the caller.

export CC=clang-14 CXX=clang++-14
command -v "$CXX" >/dev/null || skip "$CXX not found (scripts/setup.sh --with-fuzz installs clang-14 and libclang-rt-14-dev)"
command -v cmake >/dev/null || skip "cmake not found (scripts/setup.sh)"
command -v ninja >/dev/null || skip "ninja not found (scripts/setup.sh)"

toolchain_probe=$(mktemp -d)
trap 'rm -rf "$toolchain_probe"' EXIT
if [[ ${need_libfuzzer:-1} == 1 ]]; then
  printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
    'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }' >"$toolchain_probe/t.cpp"
  if ! "$CXX" -fsanitize=fuzzer,address,undefined "$toolchain_probe/t.cpp" -o "$toolchain_probe/t" 2>"$toolchain_probe/log"; then
    sed 's/^/  /' "$toolchain_probe/log" >&2
    skip "$CXX cannot link a libFuzzer target (libclang-rt-14-dev missing?)"
  fi
fi

# libstdc++ 12 declares std::expected only when __cpp_concepts >= 202002L (P0848, conditionally
# trivial special members), which clang 14 does not claim (it says 201907L). Claiming it works for
# the core because every std::expected<T, E> there has trivially destructible T and E; a
# non-trivial one would fail to compile ("attempt to use a deleted function"), never miscompile
# (capture_input.hpp is how the fuzz code keeps clear of PcapReader's). Only these builds get it.
printf '%s\n' '#include <expected>' 'std::expected<int, int> f(int x) { if (x) return x; return std::unexpected(x); }' \
  'int main() { return f(1).value() - 1; }' >"$toolchain_probe/e.cpp"
concepts_flags=""
if ! "$CXX" -std=c++2b -fsyntax-only "$toolchain_probe/e.cpp" 2>/dev/null; then
  concepts_flags="-U__cpp_concepts -D__cpp_concepts=202002L"
  if ! "$CXX" -std=c++2b $concepts_flags -fsyntax-only "$toolchain_probe/e.cpp" 2>"$toolchain_probe/log"; then
    sed 's/^/  /' "$toolchain_probe/log" >&2
    skip "$CXX -std=c++2b cannot compile libstdc++'s <expected>, even claiming __cpp_concepts 202002L"
  fi
  echo "$(basename "$0"): $CXX lacks P0848, so libstdc++'s <expected> is enabled with: $concepts_flags"
fi
