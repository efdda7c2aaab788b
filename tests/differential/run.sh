#!/usr/bin/env bash
# The differential suite's driver: the Linux kernel's answers against `tapstack replay`'s.
#
#   run.sh --golden [options]   compare tapstack with the committed kernel answers (golden/);
#                               needs no privileges
#   run.sh --live [options]     run the kernel now, each case in a fresh network namespace
#                               (unshare -n, or unshare -r -n), and compare tapstack with that;
#                               exits 77 (SKIP) when namespaces or /dev/net/tun are unavailable
#   run.sh --record [options]   run the kernel (twice per case, to catch unstable answers) and
#                               store its answers in golden/ (record.sh calls this)
# Options:
#   --build DIR        find every tool in a CMake build tree (default: the build dir of ctest's
#                      arguments, else ../../build)
#   --tapstack BIN --make-cases BIN --oracle BIN --compare BIN
#                      the tools one by one (ctest passes these)
#   --work DIR         scratch directory (default: a temporary one, removed on exit)
#   --cases GLOB       only cases whose name matches GLOB (e.g. 'frag_*')
#   --long             also run cases longer than 10 s live (the 30 s reassembly timeouts);
#                      same as TAPSTACK_DIFF_LONG=1. Golden mode always includes them.
#   --short            --record only: skip the long cases
#   --jobs N           kernel cases run in parallel (default 4)
#   --report           print every result and exit 0 whatever the differences
#   --allow-eth-padding  accept tapstack frames zero-padded to 60 bytes (see pcap_compare.cpp)
# The cases are make_cases' (golden/cases.tsv) and the fuzzer's (golden/fuzzed.tsv, fuzz.sh), whose
# committed input pcap is their definition: every mode plays it as it is, and --record keeps it.
# Output: `PASS name` or `DIFF name: frame i field X kernel=... tapstack=...` per case, then a
# summary. A DIFF for a case listed in known_differences.txt is reported as KNOWN and does not
# fail the run. The kernel runs the IPv6 cases (v6_*) with IPv6 on (kernel_oracle --ipv6), and
# replay gets `--ip fd00::2/64` for them.
# Exit: 0 no unexpected difference, 1 otherwise, 77 skipped, 2 usage/set-up error.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
golden=$here/golden
known_file=$here/known_differences.txt
fuzzed_file=$golden/fuzzed.tsv  # cases the fuzzer wrote: their committed input is their source

mode="" report=0 long=${TAPSTACK_DIFF_LONG:-0} short=0 jobs=4 filter='*' padding=()
TAPSTACK="" MAKE_CASES="" ORACLE="" COMPARE="" WORK="" BUILD=""

usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 2; }
die() { echo "run.sh: $*" >&2; exit 2; }

while (($#)); do
  case $1 in
    --golden) mode=golden ;;
    --live) mode=live ;;
    --record) mode=record ;;
    --build) BUILD=$2; shift ;;
    --tapstack) TAPSTACK=$2; shift ;;
    --make-cases) MAKE_CASES=$2; shift ;;
    --oracle) ORACLE=$2; shift ;;
    --compare) COMPARE=$2; shift ;;
    --work) WORK=$2; shift ;;
    --cases) filter=$2; shift ;;
    --long) long=1 ;;
    --short) short=1 ;;
    --jobs) jobs=$2; shift ;;
    --report) report=1 ;;
    --allow-eth-padding) padding=(--allow-eth-padding) ;;
    -h | --help) usage ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[[ -n $mode ]] || usage
[[ $jobs =~ ^[1-9][0-9]?$ ]] || die "--jobs wants 1..99"

if [[ -z $BUILD ]]; then BUILD=$here/../../build; fi
: "${TAPSTACK:=$BUILD/apps/tapstack}"
: "${MAKE_CASES:=$BUILD/tests/differential/make_cases}"
: "${ORACLE:=$BUILD/tests/differential/kernel_oracle}"
: "${COMPARE:=$BUILD/tests/differential/pcap_compare}"

# Scratch space; background jobs we started are stopped by PID on exit. The namespaces need
# no cleanup: each is made by `unshare -n` for one oracle run and vanishes with it, TAP included.
own_work=0
if [[ -z $WORK ]]; then WORK=$(mktemp -d /tmp/tapstack-differential.XXXXXX) || die "mktemp failed"; own_work=1; fi
run_dir=$WORK/$mode
rm -rf "$run_dir"
mkdir -p "$run_dir" || die "cannot create $run_dir"
cleanup() {
  local pids
  mapfile -t pids < <(jobs -pr)
  ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
  ((own_work)) && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_tool() { [[ -x $2 ]] || die "$1 not found at $2 (build it, or pass --build / --$1)"; }

# --- the list of cases ------------------------------------------------------------------------

# Prints "name<TAB>duration_ms<TAB>short|long" for the cases of a manifest that match --cases.
cases_of() {
  local name dur kind
  while IFS=$'\t' read -r name dur kind _; do
    [[ -z $name || $name == \#* ]] && continue
    # shellcheck disable=SC2053
    [[ $name == $filter ]] || continue
    printf '%s\t%s\t%s\n' "$name" "$dur" "$kind"
  done <"$1"
}

# The fuzzer's cases (fuzz.sh) have no make_cases code: golden/NAME.in.pcap is their definition.
declare -A fuzzed=()
if [[ -f $fuzzed_file ]]; then
  while IFS=$'\t' read -r name _; do
    [[ -z $name || $name == \#* ]] && continue
    fuzzed[$name]=1
  done <"$fuzzed_file"
fi
# The input of case $1, whose generated inputs are in directory $2.
input_of() { if [[ -n ${fuzzed[$1]:-} ]]; then echo "$golden/$1.in.pcap"; else echo "$2/$1.in.pcap"; fi; }
# Every case of a manifest of generated cases, then the fuzzer's.
all_cases_of() {
  cases_of "$1"
  [[ -f $fuzzed_file ]] && cases_of "$fuzzed_file"
}

declare -A known=()
if [[ -f $known_file ]]; then
  while read -r name reason; do
    [[ -z $name || $name == \#* ]] && continue
    known[$name]=${reason:-no reason given}
  done <"$known_file"
fi

# The IPv6 cases: the kernel runs them with IPv6 on, and replay with an IPv6 address.
is_v6() { [[ $1 == v6_* ]]; }

# --- the kernel --------------------------------------------------------------------------------

unshare_cmd=()
need_namespaces() {
  # Live kernel traffic only ever happens inside a namespace made here, for one case.
  if unshare -n true 2>/dev/null; then unshare_cmd=(unshare -n)
  elif unshare -r -n true 2>/dev/null; then unshare_cmd=(unshare -r -n)
  else
    echo "SKIP: cannot create a network namespace here (needs root/CAP_SYS_ADMIN or unprivileged user namespaces)"
    exit 77
  fi
  if [[ ! -c /dev/net/tun ]]; then
    echo "SKIP: /dev/net/tun does not exist (no TUN/TAP support)"
    exit 77
  fi
  if ! "${unshare_cmd[@]}" bash -c 'exec 3<>/dev/net/tun' 2>/dev/null; then
    echo "SKIP: /dev/net/tun cannot be opened inside '${unshare_cmd[*]}' (not root, and the device is not world-writable)"
    exit 77
  fi
}

# Runs the oracle over every listed case, $jobs at a time. $1: manifest lines; $2: input dir;
# $3: output dir; $4: how many runs per case (2 for --record: the answers must be stable).
run_kernel_cases() {
  local lines=$1 in_dir=$2 out_dir=$3 runs=$4 name dur kind r
  local started=0 family=()
  while IFS=$'\t' read -r name dur kind; do
    [[ -z $name ]] && continue
    family=()
    is_v6 "$name" && family=(--ipv6)
    for ((r = 1; r <= runs; r++)); do
      while (($(jobs -pr | wc -l) >= jobs)); do wait -n; done
      # `timeout` itself is the job, so the EXIT trap's kill reaches it and it passes the
      # signal on to the oracle (unshare execs it). Each run is bounded by its case's length.
      timeout -k 5 $(((dur + 999) / 1000 + 30)) "${unshare_cmd[@]}" "$ORACLE" "${family[@]}" \
        "$(input_of "$name" "$in_dir")" "$out_dir/$name.kernel.$r.pcap" >"$out_dir/$name.oracle.$r.log" 2>&1 &
      started=$((started + 1))
    done
  done <<<"$lines"
  wait
  echo "kernel: $started oracle runs done" >&2
}

kernel_failed() { # $1 out dir, $2 name, $3 run: prints the oracle's complaint if it failed
  local out=$1/$2.kernel.$3.pcap log=$1/$2.oracle.$3.log
  if [[ ! -s $out ]] || ! grep -q 'recorded' "$log" 2>/dev/null; then
    echo "ERROR $2: the kernel oracle failed: $(grep -v '^kernel_oracle: background' "$log" 2>/dev/null | tail -n 2 | tr '\n' ' ')"
    return 0
  fi
  return 1
}

# --- comparing ----------------------------------------------------------------------------------

pass=0 diff=0 known_diff=0 errors=0
failed_names=()

# Replays $2 through tapstack and compares with the kernel's answers $3. $1: case name.
compare_case() {
  local name=$1 input=$2 kernel=$3 out=$run_dir/$1.tapstack.pcap err=$run_dir/$1.replay.log rc=0 result
  local ips=(--ip 10.0.0.2/24)
  is_v6 "$name" && ips+=(--ip fd00::2/64)
  timeout -k 5 30 "$TAPSTACK" replay --mode tap "${ips[@]}" --mac 02:00:0a:00:00:02 "$input" "$out" >"$err" 2>&1 || rc=$?
  if ((rc != 0)) || [[ ! -f $out ]]; then
    result="ERROR $name: tapstack replay exited $rc: $(tail -n 2 "$err" | tr '\n' ' ')"
    echo "$result"
    errors=$((errors + 1)) failed_names+=("$name")
    return
  fi
  rc=0
  result=$("$COMPARE" --name "$name" "${padding[@]}" "$kernel" "$out") || rc=$?
  printf '%s\n' "$result"
  case $rc in
    0) pass=$((pass + 1)) ;;
    1)
      if [[ -n ${known[$name]:-} ]]; then
        echo "KNOWN $name: ${known[$name]}"
        known_diff=$((known_diff + 1))
      else
        diff=$((diff + 1)) failed_names+=("$name")
      fi
      ;;
    *) errors=$((errors + 1)) failed_names+=("$name") ;;
  esac
}

summary_and_exit() {
  local what=$1 total=$((pass + diff + known_diff + errors))
  echo
  echo "differential ($what): $total cases: $pass pass, $diff diff, $known_diff known differences, $errors errors"
  if ((${#failed_names[@]})); then echo "not passing: ${failed_names[*]}"; fi
  if ((report)); then exit 0; fi
  ((diff + errors == 0)) && exit 0
  exit 1
}

# --- the modes ------------------------------------------------------------------------------------

case $mode in
  golden)
    need_tool tapstack "$TAPSTACK"
    need_tool compare "$COMPARE"
    [[ -f $golden/cases.tsv ]] || die "no $golden/cases.tsv: record the kernel's answers first (record.sh)"
    lines=$(all_cases_of "$golden/cases.tsv")
    [[ -n $lines ]] || die "no recorded case matches '$filter'"
    # The committed inputs must be what make_cases writes today, or the answers are stale.
    if [[ -x $MAKE_CASES ]]; then
      "$MAKE_CASES" "$run_dir/generated" >/dev/null || die "make_cases failed"
      while IFS=$'\t' read -r name _ _; do
        if [[ ! -f $golden/$name.in.pcap ]]; then
          echo "ERROR $name: generated by make_cases but not recorded in golden/ (run record.sh)"
          errors=$((errors + 1)) failed_names+=("$name")
        fi
      done < <(cases_of "$run_dir/generated/cases.tsv")
    fi
    recorded_on=$(sed -n 's/^kernel: //p' "$golden/RECORDED" 2>/dev/null)
    while IFS=$'\t' read -r name _ _; do
      if [[ ! -f $golden/$name.kernel.pcap || ! -f $golden/$name.in.pcap ]]; then
        echo "ERROR $name: golden/$name.in.pcap or .kernel.pcap is missing (run record.sh)"
        errors=$((errors + 1)) failed_names+=("$name")
        continue
      fi
      if [[ -f $run_dir/generated/cases.tsv && -z ${fuzzed[$name]:-} ]]; then
        if [[ ! -f $run_dir/generated/$name.in.pcap ]]; then
          echo "ERROR $name: recorded in golden/ but make_cases no longer has it (run record.sh)"
          errors=$((errors + 1)) failed_names+=("$name")
          continue
        fi
        if ! cmp -s "$run_dir/generated/$name.in.pcap" "$golden/$name.in.pcap"; then
          echo "ERROR $name: make_cases now writes a different input than golden/$name.in.pcap (re-record it: record.sh --cases $name)"
          errors=$((errors + 1)) failed_names+=("$name")
          continue
        fi
      fi
      compare_case "$name" "$golden/$name.in.pcap" "$golden/$name.kernel.pcap"
    done <<<"$lines"
    summary_and_exit "golden, kernel ${recorded_on:-unknown}"
    ;;

  live)
    need_tool tapstack "$TAPSTACK"
    need_tool compare "$COMPARE"
    need_tool make-cases "$MAKE_CASES"
    need_tool oracle "$ORACLE"
    need_namespaces
    "$MAKE_CASES" "$run_dir/cases" >/dev/null || die "make_cases failed"
    lines=$(all_cases_of "$run_dir/cases/cases.tsv")
    if ((!long)); then
      skipped=$(awk -F'\t' '$3 == "long" {print $1}' <<<"$lines" | xargs)
      lines=$(awk -F'\t' '$3 != "long"' <<<"$lines")
      [[ -n $skipped ]] && echo "long cases not run (use --long or TAPSTACK_DIFF_LONG=1): $skipped"
    fi
    [[ -n $lines ]] || die "no case matches '$filter'"
    echo "kernel: $(uname -r), in '${unshare_cmd[*]}', $jobs at a time"
    run_kernel_cases "$lines" "$run_dir/cases" "$run_dir" 1
    while IFS=$'\t' read -r name _ _; do
      if kernel_failed "$run_dir" "$name" 1; then errors=$((errors + 1)) failed_names+=("$name"); continue; fi
      # Does today's kernel still answer as the recorded one did? Informational only.
      if [[ -f $golden/$name.kernel.pcap ]] && ! "$COMPARE" --name "$name" "$golden/$name.kernel.pcap" "$run_dir/$name.kernel.1.pcap" >/dev/null; then
        echo "NOTE $name: the live kernel answers differently from golden/$name.kernel.pcap"
      fi
      compare_case "$name" "$(input_of "$name" "$run_dir/cases")" "$run_dir/$name.kernel.1.pcap"
    done <<<"$lines"
    summary_and_exit "live, kernel $(uname -r)"
    ;;

  record)
    need_tool make-cases "$MAKE_CASES"
    need_tool oracle "$ORACLE"
    need_tool compare "$COMPARE"
    need_namespaces
    "$MAKE_CASES" "$run_dir/cases" >/dev/null || die "make_cases failed"
    lines=$(all_cases_of "$run_dir/cases/cases.tsv")
    ((short)) && lines=$(awk -F'\t' '$3 != "long"' <<<"$lines")
    [[ -n $lines ]] || die "no case matches '$filter'"
    echo "recording $(wc -l <<<"$lines") cases on kernel $(uname -r), each twice, $jobs at a time"
    run_kernel_cases "$lines" "$run_dir/cases" "$run_dir" 2
    bad=0
    mkdir -p "$golden"
    while IFS=$'\t' read -r name _ _; do
      if kernel_failed "$run_dir" "$name" 1 || kernel_failed "$run_dir" "$name" 2; then bad=$((bad + 1)); continue; fi
      if ! out=$("$COMPARE" --name "$name" "$run_dir/$name.kernel.1.pcap" "$run_dir/$name.kernel.2.pcap"); then
        echo "UNSTABLE $name: two kernel runs answered differently; not recorded"
        sed 's/^/    /; s/kernel  /run 1   /; s/tapstack/run 2   /' <<<"$out"
        bad=$((bad + 1))
        continue
      fi
      [[ -n ${fuzzed[$name]:-} ]] || cp "$run_dir/cases/$name.in.pcap" "$golden/$name.in.pcap"
      cp "$run_dir/$name.kernel.1.pcap" "$golden/$name.kernel.pcap"
      echo "recorded $name ($(grep -o '[0-9]* recorded' "$run_dir/$name.oracle.1.log"))"
    done <<<"$lines"
    cp "$run_dir/cases/cases.tsv" "$golden/cases.tsv"
    # Drop answers of cases make_cases no longer has.
    for f in "$golden"/*.in.pcap; do
      [[ -e $f ]] || continue
      name=$(basename "$f" .in.pcap)
      if [[ -z ${fuzzed[$name]:-} ]] && ! grep -q "^$name"$'\t' "$golden/cases.tsv"; then
        rm -f "$golden/$name.in.pcap" "$golden/$name.kernel.pcap"
        echo "removed $name (no longer generated)"
      fi
    done
    if [[ $filter == '*' ]]; then
      {
        echo "kernel: $(uname -r)"
        echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ) with '${unshare_cmd[*]}' by tests/differential/record.sh"
      } >"$golden/RECORDED"
    else
      # Only some cases were re-recorded: the rest still come from the kernel named above.
      echo "$filter: recorded $(date -u +%Y-%m-%dT%H:%M:%SZ) on kernel $(uname -r) with '${unshare_cmd[*]}' by tests/differential/record.sh --cases" >>"$golden/RECORDED"
    fi
    echo "golden: $(find "$golden" -name '*.kernel.pcap' | wc -l) cases, $(du -sb "$golden" | cut -f1) bytes"
    ((bad == 0)) || { echo "record: $bad cases failed or were unstable (see above)"; exit 1; }
    ;;
esac
