#!/usr/bin/env bash
# System calls `tapstack run` makes per echo reply, counted by perf stat on the kernel's syscall
# tracepoints (no slow-down, unlike strace, which would keep the queue from ever running dry),
# for each I/O mode: with one request in flight (ping -f, what bounds the round trip) and under a
# flood (ping -f -l 32, what bounds replies/s). In network and PID namespaces made here; every
# wait bounded; stopped by PID.
#
#   sudo tests/bench/syscalls_per_reply.sh [COUNT]     COUNT pings per measurement (5000)
#
# Environment: TAPSTACK (default build/apps/tapstack), MODES ("readwrite uring").
set -euo pipefail

readonly SKIP=77
NAME=syscalls_per_reply
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAPSTACK=${TAPSTACK:-$ROOT/build/apps/tapstack}
COUNT=${1:-5000}
MODES=${MODES:-readwrite uring}

skip() { printf 'SKIP %s: %s\n' "$NAME" "$*"; exit "$SKIP"; }
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
[[ $COUNT =~ ^[0-9]+$ ]] && ((COUNT >= 100 && COUNT <= 1000000)) || fail "COUNT must be 100..1000000, not '$COUNT'"
for m in $MODES; do [[ $m =~ ^(readwrite|uring)$ ]] || fail "unknown mode '$m' (readwrite, uring)"; done

if [[ -z ${TAPSTACK_SYSCALLS_INNER:-} ]]; then
  h=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  (( (16#$h >> 12) & 1 && (16#$h >> 21) & 1 )) || skip "needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run: sudo $0)"
  [[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing (modprobe tun)"
  command -v perf >/dev/null 2>&1 || skip "perf is not installed (apt-get install linux-perf)"
  perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1 || skip "perf cannot read the syscall tracepoints here"
  command -v ping >/dev/null 2>&1 || skip "ping is not installed (apt-get install iputils-ping)"
  [[ -x $TAPSTACK ]] || fail "no tapstack at $TAPSTACK: build first (scripts/build.sh) or set TAPSTACK"
  unshare --net --pid --fork --kill-child --mount-proc true 2>/dev/null || skip "cannot create network and PID namespaces"
  export TAPSTACK_SYSCALLS_INNER=1 TAPSTACK MODES TAPSTACK_SYSCALLS_OUTER_NS
  TAPSTACK_SYSCALLS_OUTER_NS=$(readlink /proc/self/ns/net)
  exec timeout -k 5 300 unshare --net --pid --fork --kill-child --mount-proc -- bash "$0" "$COUNT"
fi

[[ $(readlink /proc/self/ns/net) != "${TAPSTACK_SYSCALLS_OUTER_NS:-}" ]] || fail "not in a private network namespace; refusing to run"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapstack-syscalls.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
ip link set lo up

calls=(read write epoll_wait io_uring_enter timerfd_settime)
events=raw_syscalls:sys_enter
for c in "${calls[@]}"; do events+=,syscalls:sys_enter_$c; done
printf 'system calls per echo reply (perf stat, syscall tracepoints), %s pings each, load %s\n' "$COUNT" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-16s %8s %9s  %s\n' "io" "ping" "replies" "calls/rep" "per reply, by call (all calls counted in calls/rep)"
for mode in $MODES; do
  for flags in "-f" "-f -l 32"; do
    "$TAPSTACK" run -q --io "$mode" --ip 10.0.0.2/24 --host-ip 10.0.0.1/24 >"$WORK/run.log" 2>&1 &
    run_pid=$!
    PIDS=("$run_pid")
    for ((i = 0; i < 300; i++)); do
      ip -o -4 addr show | grep -q ' 10\.0\.0\.1/' && break
      kill -0 "$run_pid" 2>/dev/null || fail "tapstack run --io $mode exited: $(tail -n 3 "$WORK/run.log")"
      sleep 0.05
    done
    timeout -k 2 10 ping -n -q -c 3 -i 0.05 -w 5 10.0.0.2 >/dev/null || fail "--io $mode does not answer ping"
    perf stat -x, -e "$events" -o "$WORK/perf.out" -p "$run_pid" 2>/dev/null &
    perf_pid=$!
    PIDS+=("$perf_pid")
    sleep 0.5  # let it attach
    # shellcheck disable=SC2086 # $flags is one or three words
    out=$(timeout -s INT -k 5 60 ping -n -q $flags -c "$COUNT" 10.0.0.2 2>&1) || true
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    kill -TERM "$run_pid"
    wait "$run_pid" 2>/dev/null || true
    PIDS=()
    rx=$(sed -En 's/.* ([0-9]+) received.*/\1/p' <<<"$out")
    ((${rx:-0} > 0)) || fail "--io $mode: no replies: $out"
    awk -v rx="$rx" -v mode="$mode" -v ping="ping $flags" '
      BEGIN { FS = "," }
      $1 ~ /^[0-9]+$/ && $3 == "raw_syscalls:sys_enter" { total = $1; next }
      $1 ~ /^[0-9]+$/ { name = $3; sub(/^syscalls:sys_enter_/, "", name); if ($1 / rx >= 0.01) by = by sprintf(" %s %.2f", name, $1 / rx) }
      END { printf "%-10s %-16s %8d %9.2f %s\n", mode, ping, rx, total / rx, by }' "$WORK/perf.out"
  done
done
