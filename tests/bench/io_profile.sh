#!/usr/bin/env bash
# Where a TAP responder's CPU goes under a flood (ping -f -l 32), per responder, alternated in
# one run: CPU µs per reply (perf's task-clock), system calls, context switches and replies per
# system call, and with PROFILE=1 the top symbols of `perf record` (user and kernel) for each.
# Beside `tapstack run --io readwrite` and `--io uring` and the TAP reflector (the floor), a
# second tapstack binary (BASE_TAPSTACK, e.g. main's build) as base-rw and base-uring, so a change
# to the I/O loop is measured against what it replaces on the same load.
#
#   sudo tests/bench/io_profile.sh [COUNT]      COUNT echo requests per flood (20000)
#
# Environment: TAPSTACK, TAP_REFLECTOR, BASE_TAPSTACK (none), RESPONDERS ("reflector rw uring",
# plus base-rw and base-uring when BASE_TAPSTACK is set), ROUNDS (3), PROFILE (0), SIZE (56),
# PRELOAD (32: ping -l; 1 is ping -f alone, one request in flight, where the round trip counts).
# In network and PID namespaces made here; every wait bounded; stopped by PID. Nothing asserted:
# the figures are ratios of one run, with the load average beside them.
set -euo pipefail

readonly SKIP=77 OUR_IP=10.0.0.2 HOST_IP=10.0.0.1
NAME=io_profile
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAPSTACK=${TAPSTACK:-$ROOT/build/apps/tapstack}
TAP_REFLECTOR=${TAP_REFLECTOR:-$ROOT/build/tests/bench/tap_reflector}
BASE_TAPSTACK=${BASE_TAPSTACK:-}
COUNT=${1:-20000}
ROUNDS=${ROUNDS:-3}
PROFILE=${PROFILE:-0}
SIZE=${SIZE:-56}
PRELOAD=${PRELOAD:-32}
RESPONDERS=${RESPONDERS:-reflector rw uring${BASE_TAPSTACK:+ base-rw base-uring}}

skip() { printf 'SKIP %s: %s\n' "$NAME" "$*"; exit "$SKIP"; }
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
[[ $COUNT =~ ^[0-9]+$ ]] && ((COUNT >= 100 && COUNT <= 1000000)) || fail "COUNT must be 100..1000000, not '$COUNT'"
[[ $ROUNDS =~ ^[0-9]+$ ]] && ((ROUNDS >= 1 && ROUNDS <= 9)) || fail "ROUNDS must be 1..9, not '$ROUNDS'"
[[ $SIZE =~ ^[0-9]+$ ]] && ((SIZE <= 1472)) || fail "SIZE must be 0..1472, not '$SIZE'"
[[ $PRELOAD =~ ^[0-9]+$ ]] && ((PRELOAD >= 1 && PRELOAD <= 64)) || fail "PRELOAD must be 1..64, not '$PRELOAD'"
for r in $RESPONDERS; do [[ $r =~ ^(reflector|rw|uring|base-rw|base-uring)$ ]] || fail "unknown responder '$r'"; done
[[ $RESPONDERS != *base-* || -x $BASE_TAPSTACK ]] || fail "base-rw and base-uring need BASE_TAPSTACK, an executable"
FLOOD_TIMEOUT=$((COUNT / 1000 + 20))

if [[ -z ${TAPSTACK_PROFILE_INNER:-} ]]; then
  h=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  (( (16#$h >> 12) & 1 && (16#$h >> 21) & 1 )) || skip "needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run: sudo $0)"
  [[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing (modprobe tun)"
  command -v perf >/dev/null 2>&1 || skip "perf is not installed (scripts/setup.sh --with-bench)"
  perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1 || skip "perf cannot read the syscall tracepoints here"
  command -v ping >/dev/null 2>&1 || skip "ping is not installed (apt-get install iputils-ping)"
  [[ -x $TAPSTACK && -x $TAP_REFLECTOR ]] || fail "no $TAPSTACK or $TAP_REFLECTOR: configure with -DTAPSTACK_BENCH=ON and build"
  unshare --net --pid --fork --kill-child --mount-proc true 2>/dev/null || skip "cannot create network and PID namespaces"
  export TAPSTACK_PROFILE_INNER=1 TAPSTACK TAP_REFLECTOR BASE_TAPSTACK RESPONDERS ROUNDS PROFILE SIZE PRELOAD TAPSTACK_PROFILE_OUTER_NS
  TAPSTACK_PROFILE_OUTER_NS=$(readlink /proc/self/ns/net)
  n=$(wc -w <<<"$RESPONDERS")
  exec timeout -k 5 $((ROUNDS * n * (FLOOD_TIMEOUT + 40) + 60)) unshare --net --pid --fork --kill-child --mount-proc -- bash "$0" "$COUNT"
fi

[[ $(readlink /proc/self/ns/net) != "${TAPSTACK_PROFILE_OUTER_NS:-}" ]] || fail "not in a private network namespace; refusing to run"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapstack-io-profile.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
ip link set lo up

start() {
  local log=$WORK/$1.log i
  case $1 in
    reflector) "$TAP_REFLECTOR" "$OUR_IP" "$HOST_IP/24" >"$log" 2>&1 & ;;
    rw) "$TAPSTACK" run -q --io readwrite --ip "$OUR_IP/24" --host-ip "$HOST_IP/24" >"$log" 2>&1 & ;;
    uring) "$TAPSTACK" run -q --io uring --ip "$OUR_IP/24" --host-ip "$HOST_IP/24" >"$log" 2>&1 & ;;
    base-rw) "$BASE_TAPSTACK" run -q --io readwrite --ip "$OUR_IP/24" --host-ip "$HOST_IP/24" >"$log" 2>&1 & ;;
    base-uring) "$BASE_TAPSTACK" run -q --io uring --ip "$OUR_IP/24" --host-ip "$HOST_IP/24" >"$log" 2>&1 & ;;
  esac
  RESP_PID=$!
  PIDS=("$RESP_PID")
  for ((i = 0; i < 300; i++)); do
    ip -o -4 addr show | grep -q " $HOST_IP/" && ip -o link show | grep -q 'UP' && break
    kill -0 "$RESP_PID" 2>/dev/null || fail "$1 exited at start: $(tail -n 3 "$log")"
    sleep 0.05
  done
  timeout -k 2 10 ping -n -q -c 3 -i 0.05 -w 5 "$OUR_IP" >/dev/null || fail "$1 does not answer ping"
}

stop() {
  local i
  kill -TERM "$RESP_PID" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$RESP_PID" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$RESP_PID" 2>/dev/null || true
  wait "$RESP_PID" 2>/dev/null || true
  PIDS=()
}

events=task-clock,context-switches,raw_syscalls:sys_enter
read -ra responders <<<"$RESPONDERS"
printf '%s: COUNT=%s SIZE=%s ROUNDS=%s on %s CPUs, load %s\n' "$NAME" "$COUNT" "$SIZE" "$ROUNDS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 0; r < ROUNDS; r++)); do
  n=${#responders[@]}
  for ((k = 0; k < n; k++)); do
    who=${responders[$(((k + r) % n))]}
    start "$who"
    if ((PROFILE)) && ((r == 0)); then
      perf record -q -g -o "$WORK/$who.data" -p "$RESP_PID" 2>/dev/null &
    else
      perf stat -x, -e "$events" -o "$WORK/perf.out" -p "$RESP_PID" 2>/dev/null &
    fi
    perf_pid=$!
    PIDS+=("$perf_pid")
    sleep 0.3
    out=$(timeout -s INT -k 5 "$FLOOD_TIMEOUT" ping -n -f -l "$PRELOAD" -c "$COUNT" -s "$SIZE" -q "$OUR_IP" 2>&1) || true
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    stop
    rx=$(sed -En 's/.* ([0-9]+) received.*/\1/p' <<<"$out")
    ms=$(sed -En 's/.* time ([0-9]+)ms.*/\1/p' <<<"$out")
    rtt=$(sed -En 's|^rtt min/avg/max/mdev = [0-9.]+/([0-9.]+)/.*|\1|p' <<<"$out")
    [[ -n $rx && -n $ms && -n $rtt ]] || fail "no summary from ping against $who: $out"
    load=$(cut -d' ' -f1 /proc/loadavg)
    if ((PROFILE)) && ((r == 0)); then
      printf '%s %s %s - - - %s %s\n' "$who" "$rx" "$ms" "$load" "$rtt" >>"$WORK/profiled"
    else
      awk -F, -v who="$who" -v rx="$rx" -v ms="$ms" -v load="$load" -v rtt="$rtt" '
        $3 == "task-clock" {cpu = $1} $3 == "context-switches" {cs = $1} $3 == "raw_syscalls:sys_enter" {sc = $1}
        END {printf "%s %s %s %s %s %s %s %s\n", who, rx, ms, cpu, cs, sc, load, rtt}' "$WORK/perf.out" >>"$WORK/results"
    fi
  done
done

if [[ -s $WORK/results ]]; then
  printf '\nping -f -l %s -s %s, median of rounds; x: ratio to the reflector\n' "$PRELOAD" "$SIZE"
  printf '%-11s %9s %6s %10s %6s %9s %8s %7s %6s %6s\n' responder replies/s x "cpu us/rep" x "calls/rep" "cs/rep" "rtt us" x load
  for who in "${responders[@]}"; do
    awk -v who="$who" '$1 == who {
        n++; rate[n] = $2 * 1000 / $3; cpu[n] = $4 * 1000 / $2; sc[n] = $6 / $2; cs[n] = $5 / $2; load = $7; rtt[n] = $8 * 1000 }
      function median(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
      END { if (n) printf "%s %.0f %.2f %.3f %.3f %s %.1f\n", who, median(rate, n), median(cpu, n), median(sc, n), median(cs, n), load, median(rtt, n) }' "$WORK/results"
  done >"$WORK/medians"
  awk '$1 == "reflector" {rr = $2; rc = $3; rt = $7} {row[NR] = $0} END {
      for (i = 1; i <= NR; i++) { split(row[i], f, " ")
        printf "%-11s %9d %6s %10.2f %6s %9.3f %8.3f %7.1f %6s %6s\n", f[1], f[2], rr ? sprintf("%.2f", f[2] / rr) : "-", f[3],
          rc ? sprintf("%.2f", f[3] / rc) : "-", f[4], f[5], f[7], rt ? sprintf("%.2f", f[7] / rt) : "-", f[6] } }' "$WORK/medians"
fi
if ((PROFILE)); then
  for who in "${responders[@]}"; do
    [[ -s $WORK/$who.data ]] || continue
    printf '\n%s: top symbols (perf record -g, self time; replies/s %s)\n' "$who" "$(awk -v w="$who" '$1 == w {printf "%.0f", $2 * 1000 / $3}' "$WORK/profiled")"
    { perf report -q -i "$WORK/$who.data" --no-children --sort sym --stdio -g none 2>/dev/null || true; } >"$WORK/$who.syms"
    grep -v '^$' "$WORK/$who.syms" | head -n 25 || true
    # The same samples by area, from the symbol names: what the responder's own code costs, and
    # what the kernel does on its behalf (the host's receive of the reply runs in our write).
    printf '%s by area:' "$who"
    awk '$1 ~ /%$/ { p = $1 + 0; s = $3; for (i = 4; i <= NF; i++) s = s " " $i
        if ($2 == "[.]") a = (s ~ /tapstack::|native_sum|run$|main/ ? "user:program" : "user:libc+other")
        else if (s ~ /^(__)?io_|^io_uring|^__do_sys_io_uring|^tctx_|^ctx_/) a = "kernel:io_uring"
        else if (s ~ /^tun_|^__tun/) a = "kernel:tun"
        else if (s ~ /ep_|epoll/) a = "kernel:epoll"
        else if (s ~ /^(ip|icmp|raw|ping|fib|__netif|netif|__skb|skb|sock|__sock|sk_|dev_|__dev|kfree_skb|consume_skb|napi|eth_|inet|__inet|__ip|nf_|xfrm|rt_|ipv4|l3mdev|__napi|process_backlog|net_rx|__local_bh|gro)/) a = "kernel:net"
        else if (s ~ /syscall|entry_SYSCALL|^__x64_sys|^ksys_|^vfs_|^fget|^fput|^__fget|rw_verify|fdget|__fdget/) a = "kernel:syscall+vfs"
        else if (s ~ /schedul|switch|wake|^try_to|^dequeue|^enqueue|^update_|^pick_|^select_task|^ttwu|hrtimer|^psi_/) a = "kernel:scheduler"
        else if (s ~ /kmem_cache|slab|kmalloc|^__alloc|page|kfree/) a = "kernel:memory"
        else if (s ~ /copy|memcpy|memset|iov_iter|check_object|virt_addr|vmalloc/) a = "kernel:copy"
        else a = "kernel:other"
        by[a] += p } END { for (a in by) printf "  %s %.0f%%", a, by[a]; printf "\n" }' "$WORK/$who.syms" || true
  done
fi
