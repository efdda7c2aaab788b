#!/usr/bin/env bash
# Installs every Debian package that tapstack's build, tests and demo use, skipping what is there.
# Nothing else is downloaded: the build uses only these packages.
#   scripts/setup.sh              build, demo and tests (options combine)
#   scripts/setup.sh --with-diagrams  also graphviz, for scripts/make-diagrams.sh
#   scripts/setup.sh --with-fuzz  also clang for the libFuzzer smoke tests (scripts/test.sh) and
#                                 llvm-cov for their coverage report (tests/fuzz/coverage.sh)
#   scripts/setup.sh --with-bench also Google Benchmark, valgrind, gnuplot, perf and lwIP for the benchmarks
#                                 (tests/bench/README.md, -DTAPSTACK_BENCH=ON)
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config help2man
  libboost-dev catch2 libspdlog-dev libfmt-dev libpcap-dev libcli11-dev libmnl-dev libseccomp-dev nlohmann-json3-dev liburing-dev
  # tests and demo: namespaces, real peers, capture decoding; GNU time for the flood replay's peak RSS
  iproute2 util-linux procps iputils-ping iputils-arping tcpdump tshark libcap2-bin time
  # the IPv6 tests (tests/live/ipv6_*, tests/cli/ipv6_replay.py): a UDP socket, a pcap written and checked
  python3
  # the labs (docs/labs/, ctest -L labs): strace in lab 1
  strace
)
for option in "$@"; do
  case "$option" in
    # fuzzing (tests/fuzz/run.sh): clang builds libFuzzer targets; its runtime has libFuzzer;
    # llvm-14 has llvm-profdata and llvm-cov (tests/fuzz/coverage.sh)
    --with-fuzz) packages+=(clang-14 libclang-rt-14-dev llvm-14) ;;
    # benchmarks (tests/bench): stack_bench links Google Benchmark; callgrind.sh counts instructions;
    # plot_live.sh draws with gnuplot; syscalls_per_reply.sh and live_bench.sh's CPU use perf;
    # lwip_responder, live_bench.sh's peer stack, links lwIP
    --with-bench) packages+=(libbenchmark-dev valgrind gnuplot-nox linux-perf liblwip-dev) ;;
    # scripts/make-diagrams.sh: dot turns docs/diagrams/*.dot into the committed SVGs
    --with-diagrams) packages+=(graphviz) ;;
    *) echo "usage: $0 [--with-fuzz] [--with-bench] [--with-diagrams]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (sudo $0) so apt-get can install them" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it so the install never waits.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
