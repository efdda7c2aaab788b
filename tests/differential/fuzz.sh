#!/usr/bin/env bash
# The differential fuzzer: mutants of the suite's inputs, played to the Linux kernel (each in a
# fresh network namespace) and to `tapstack replay`, compared by pcap_compare; disagreements and
# new boundaries are minimised and written as cases of the suite (README.md, "The fuzzer").
#
#   tests/differential/fuzz.sh SECONDS [--seed N] [options]
# Options:
#   --seed N           the mutant stream (default 1); with --jobs 1 a run is reproducible
#   --jobs N           trials at a time (default 2; each is one kernel namespace at a time)
#   --max-mutants N    stop after N mutants even if time is left
#   --max-agreeing N   at most N new agreeing cases per run (default 30)
#   --out DIR          where new cases go (default: the suite itself, golden/ + golden/fuzzed.tsv)
#   --build DIR        a CMake build tree with tapstack, kernel_oracle, pcap_compare, diff_fuzz
#                      (default ../../build)
#   --work DIR         scratch (default: a temporary directory, kept only with --keep)
#   --keep             keep the scratch directory (every finding's report is in found/)
# Exit: 0 after the run (findings are not failures: triage them), 1 the tools failed,
# 2 usage, 77 skipped (no network namespaces or /dev/net/tun here).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 2; }
die() { echo "fuzz.sh: $*" >&2; exit 2; }

seconds="" seed=1 jobs=2 max_mutants="" max_agreeing=30 out=$here/golden build=$here/../../build work="" keep=0
while (($#)); do
  case $1 in
    --seed) seed=${2:-}; shift ;;
    --jobs) jobs=${2:-}; shift ;;
    --max-mutants) max_mutants=${2:-}; shift ;;
    --max-agreeing) max_agreeing=${2:-}; shift ;;
    --out) out=${2:-}; shift ;;
    --build) build=${2:-}; shift ;;
    --work) work=${2:-}; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [[ -z $seconds ]] || die "one SECONDS only (see --help)"; seconds=$1 ;;
  esac
  shift
done
[[ $seconds =~ ^[1-9][0-9]*$ && $seconds -le 86400 ]] || die "SECONDS wants a whole number of seconds, 1..86400 (see --help)"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed wants a whole number"
[[ $jobs =~ ^[1-8]$ ]] || die "--jobs wants 1..8"
[[ -z $max_mutants || $max_mutants =~ ^[1-9][0-9]*$ ]] || die "--max-mutants wants a positive whole number"
[[ $max_agreeing =~ ^[0-9]+$ ]] || die "--max-agreeing wants a whole number"

for tool in apps/tapstack tests/differential/kernel_oracle tests/differential/pcap_compare tests/differential/diff_fuzz; do
  [[ -x $build/$tool ]] || die "$build/$tool not found (scripts/build.sh release tapstack kernel_oracle pcap_compare diff_fuzz, or pass --build)"
done

# Kernel traffic happens only inside a namespace made for one trial, which vanishes with it.
if unshare -n true 2>/dev/null; then unshare_cmd="unshare -n"
elif unshare -r -n true 2>/dev/null; then unshare_cmd="unshare -r -n"
else echo "SKIP: cannot create a network namespace here (needs root/CAP_SYS_ADMIN or unprivileged user namespaces)"; exit 77
fi
[[ -c /dev/net/tun ]] || { echo "SKIP: /dev/net/tun does not exist (no TUN/TAP support)"; exit 77; }
$unshare_cmd bash -c 'exec 3<>/dev/net/tun' 2>/dev/null ||
  { echo "SKIP: /dev/net/tun cannot be opened inside '$unshare_cmd'"; exit 77; }

own_work=0
if [[ -z $work ]]; then work=$(mktemp -d /tmp/tapstack-fuzz.XXXXXX) || die "mktemp failed"; own_work=1; fi
mkdir -p "$work" "$out" || die "cannot create $work or $out"
fuzz_pid=""
cleanup() {
  [[ -n $fuzz_pid ]] && kill "$fuzz_pid" 2>/dev/null
  ((own_work && !keep)) && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

args=(--seconds "$seconds" --seed "$seed" --jobs "$jobs" --max-agreeing "$max_agreeing"
  --oracle "$build/tests/differential/kernel_oracle" --tapstack "$build/apps/tapstack"
  --compare "$build/tests/differential/pcap_compare" --unshare "$unshare_cmd"
  --corpus "$here/golden" --corpus "$here/../../pcap-fixtures" --exclude "$here/known_differences.txt"
  --work "$work" --out "$out")
[[ -n $max_mutants ]] && args+=(--max-mutants "$max_mutants")
echo "fuzz.sh: kernel $(uname -r), '$unshare_cmd' per trial, scratch $work"
# The fuzzer stops itself at the deadline; `timeout` is the backstop (a minimisation in flight
# may run a minute over).
timeout -k 10 $((seconds + 180)) "$build/tests/differential/diff_fuzz" "${args[@]}" &
fuzz_pid=$!
wait "$fuzz_pid"
rc=$?
fuzz_pid=""
((keep || !own_work)) && echo "fuzz.sh: findings' reports are in $work/found/"
exit "$rc"
