#!/usr/bin/env bash
# How close does `tapstack run` come to the physical floor of a user-space responder over a TAP?
#
#   scripts/build.sh                       # release build: build/apps/tapstack, build/tests/perf/tap_reflector
#   sudo tests/perf/live_bench.sh [COUNT]  # COUNT echo requests per flood, default 20000
#
# or, configured with -DTAPSTACK_PERF_TESTS=ON, `ctest -L perf -V` (DISABLED otherwise; never part
# of the default run or CI). Needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN), /dev/net/tun, unshare,
# ip and iputils ping; without them it SKIPs (exit 77) with the reason.
#
# Two responders answer the system's flood ping in turn: tap_reflector (tests/perf, the least any
# responder must do: epoll, read until EAGAIN, rewrite the echo request into the reply in place,
# write) and `tapstack run`. Each flood is
#
#   ping -f -l 32 -c COUNT -s SIZE -q 10.0.0.2      (SIZE 56, then 1400)
#
# and its rate is packets/s from ping's summary (transmitted / time). The responders alternate,
# ROUNDS (3) times each, the order flipped every round (A B, B A, A B) so that drift in the
# machine's load falls on both alike; the table shows the median rate of each, the loss over all
# rounds, the responder's CPU time per echo and the ratio tapstack / reflector. CPU time comes
# from `perf stat -e task-clock -p` when perf works (else /proc's 10 ms ticks), with context
# switches per echo and, where the CPU counts them, instructions per echo. Nothing is asserted:
# a noisy 2-core machine only gives ratios measured in one run.
#
# Safety: everything runs in a network and PID namespace made here (unshare --net --pid --fork
# --kill-child --mount-proc, as tests/live/lib.sh), so the traffic never leaves it and whatever we
# started dies with it. Every wait is bounded by timeout, the whole run by BENCH_TIMEOUT seconds.
# Processes are stopped by the PIDs we recorded, never by name.
#
# Environment: TAPSTACK, TAP_REFLECTOR (the programs; default: under build/), ROUNDS (3),
# PAYLOADS ("56 1400"), BENCH_TIMEOUT (seconds for the whole run; default from COUNT).
set -euo pipefail

readonly SKIP=77
readonly OUR_IP=10.0.0.2 HOST_IP=10.0.0.1
NAME=live_bench
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAPSTACK=${TAPSTACK:-$ROOT/build/apps/tapstack}
TAP_REFLECTOR=${TAP_REFLECTOR:-$ROOT/build/tests/perf/tap_reflector}
COUNT=${1:-20000}
ROUNDS=${ROUNDS:-3}
PAYLOADS=${PAYLOADS:-56 1400}

log() { printf '%s: %s\n' "$NAME" "$*" >&2; }
skip() { printf 'SKIP %s: %s\n' "$NAME" "$*"; exit "$SKIP"; }
fail() {
  printf 'FAIL %s: %s\n' "$NAME" "$*" >&2
  local f
  for f in "${WORK:-/nonexistent}"/*.log; do
    [[ -e $f ]] || continue
    printf -- '--- %s\n' "$(basename "$f")" >&2
    tail -n 20 "$f" >&2
  done
  exit 1
}

[[ $COUNT =~ ^[0-9]+$ ]] && ((COUNT >= 100 && COUNT <= 1000000)) || fail "COUNT must be 100..1000000, not '$COUNT'"
[[ $ROUNDS =~ ^[0-9]+$ ]] && ((ROUNDS >= 1 && ROUNDS <= 9)) || fail "ROUNDS must be 1..9, not '$ROUNDS'"
for s in $PAYLOADS; do [[ $s =~ ^[0-9]+$ ]] && ((s <= 1472)) || fail "payload sizes must be 0..1472, not '$s'"; done
# One flood must finish at ~1000 packets/s even on a bad day; the whole run at that pace too.
FLOOD_TIMEOUT=$((COUNT / 1000 + 20))
NPAY=$(wc -w <<<"$PAYLOADS")

# --- Outside: check what we need, then run this script again in fresh namespaces. -------------
if [[ -z ${TAPSTACK_BENCH_INNER:-} ]]; then
  has_cap() { local h; h=$(awk '/^CapEff:/ {print $2}' /proc/self/status); (( (16#$h >> $1) & 1 )); }
  has_cap 12 && has_cap 21 || skip "needs CAP_NET_ADMIN and CAP_SYS_ADMIN for a network namespace with a TAP (run: sudo $0)"
  [[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing (modprobe tun)"
  for tool in unshare:util-linux ip:iproute2 ping:iputils-ping timeout:coreutils; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || skip "${tool%%:*} is not installed (apt-get install ${tool#*:})"
  done
  ping -V 2>&1 | grep -q iputils || skip "ping is not iputils ping (its flood summary is what we read)"
  [[ -x $TAPSTACK ]] || fail "no tapstack at $TAPSTACK: build first (scripts/build.sh) or set TAPSTACK"
  [[ -x $TAP_REFLECTOR ]] || fail "no tap_reflector at $TAP_REFLECTOR: build first (scripts/build.sh) or set TAP_REFLECTOR"
  ns=(--net --pid --fork --kill-child --mount-proc)
  err=$(unshare "${ns[@]}" true 2>&1) || skip "cannot create network and PID namespaces: ${err:-unshare failed}"
  export TAPSTACK_BENCH_INNER=1 TAPSTACK_BENCH_OUTER_NS TAPSTACK TAP_REFLECTOR ROUNDS PAYLOADS
  TAPSTACK_BENCH_OUTER_NS=$(readlink /proc/self/ns/net)
  total=${BENCH_TIMEOUT:-$((ROUNDS * NPAY * 2 * (FLOOD_TIMEOUT + 25) + 60))}
  exec timeout -k 5 "$total" unshare "${ns[@]}" -- bash "$0" "$COUNT"
fi

# --- Inside our own namespaces. ---------------------------------------------------------------
[[ $(readlink /proc/self/ns/net) != "${TAPSTACK_BENCH_OUTER_NS:-}" ]] || fail "not in a private network namespace; refusing to run"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapstack-bench.XXXXXX")
PIDS=()
cleanup() {
  local pid i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
# forget PID: it has been waited for; cleanup must not signal the number again.
forget() {
  local p keep=()
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
ip link set lo up

# perf stat, when present, counts the responder's CPU time (task-clock: precise, unlike /proc's
# 10 ms ticks), its context switches (about one per sleep in epoll_wait) and, where the CPU
# exposes them (not in most VMs), its instructions.
CLK_TCK=$(getconf CLK_TCK)
PERF_EVENTS=
if command -v perf >/dev/null 2>&1 && perf stat -x, -e task-clock true 2>&1 | grep -q '^[0-9.]*,msec,task-clock'; then
  PERF_EVENTS=task-clock,context-switches
  perf stat -x, -e instructions true 2>&1 | grep -q '^[0-9]*,,instructions' && PERF_EVENTS+=,instructions
fi

# utime + stime of PID, in clock ticks (proc(5) fields 14 and 15, counted after the comm field).
cpu_ticks() {
  local s
  s=$(<"/proc/$1/stat") || return 1
  s=${s##*) }
  awk '{print $12 + $13}' <<<"$s"
}

# perf_value FILE EVENT: the count perf stat -x, wrote for EVENT, or - when it has none.
perf_value() {
  awk -F, -v e="$2" '$3 == e && $1 ~ /^[0-9.]+$/ {v = $1} END {print v == "" ? "-" : v}' "$1" 2>/dev/null || echo -
}

# start RESPONDER: starts it in the background (PID in RESP_PID), waits until the host side has
# its address and the responder answers a first ping (which also resolves ARP).
start() {
  local log=$WORK/$1.log i dev=
  case $1 in
    reflector) "$TAP_REFLECTOR" "$OUR_IP" "$HOST_IP/24" >"$log" 2>&1 & ;;
    tapstack) "$TAPSTACK" run -q --ip "$OUR_IP/24" --host-ip "$HOST_IP/24" >"$log" 2>&1 & ;;
  esac
  RESP_PID=$!
  PIDS+=("$RESP_PID")
  for ((i = 0; i < 300; i++)); do
    kill -0 "$RESP_PID" 2>/dev/null || fail "$1 exited at start"
    dev=$(ip -o -4 addr show | awk -v a="$HOST_IP" '{split($4, p, "/"); if (p[1] == a) print $2}')
    [[ -n $dev && $(ip -o link show dev "$dev") =~ [\<,]UP[,\>] ]] && break
    dev=
    sleep 0.05
  done
  [[ -n $dev ]] || fail "$1: no interface with $HOST_IP came up within 15 s"
  timeout -k 2 10 ping -n -q -c 3 -i 0.05 -w 5 "$OUR_IP" >"$WORK/warmup.out" 2>&1 ||
    fail "$1 does not answer ping: $(tail -n 3 "$WORK/warmup.out")"
}

# stop: SIGTERM to the responder, bounded wait.
stop() {
  local i
  kill -TERM "$RESP_PID" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$RESP_PID" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$RESP_PID" 2>/dev/null || true
  wait "$RESP_PID" 2>/dev/null || true
  forget "$RESP_PID"
}

# flood RESPONDER SIZE: one bounded flood; appends "responder size tx rx time_ms cpu_us
# context_switches instructions" (- for what was not counted) to $WORK/results. SIGINT on
# timeout makes ping print its summary all the same.
flood() {
  local who=$1 size=$2 out tx rx ms c0 c1 cpu cs=- ins=- perf_pid=''
  start "$who"
  if [[ -n $PERF_EVENTS ]]; then
    perf stat -x, -e "$PERF_EVENTS" -p "$RESP_PID" -o "$WORK/perf.out" 2>/dev/null &
    perf_pid=$!
    PIDS+=("$perf_pid")
    sleep 0.2  # let it attach
  fi
  c0=$(cpu_ticks "$RESP_PID")
  out=$(timeout -s INT -k 5 "$FLOOD_TIMEOUT" ping -n -f -l 32 -c "$COUNT" -s "$size" -q "$OUR_IP" 2>&1) || true
  c1=$(cpu_ticks "$RESP_PID")
  cpu=$(((c1 - c0) * 1000000 / CLK_TCK))
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    forget "$perf_pid"
    local ms_cpu
    ms_cpu=$(perf_value "$WORK/perf.out" task-clock)
    [[ $ms_cpu == - ]] || cpu=$(awk -v m="$ms_cpu" 'BEGIN {printf "%.0f", m * 1000}')
    cs=$(perf_value "$WORK/perf.out" context-switches)
    ins=$(perf_value "$WORK/perf.out" instructions)
  fi
  stop
  tx=$(sed -En 's/^([0-9]+) packets transmitted.*/\1/p' <<<"$out")
  rx=$(sed -En 's/.* ([0-9]+) received.*/\1/p' <<<"$out")
  ms=$(sed -En 's/.* time ([0-9]+)ms.*/\1/p' <<<"$out")
  [[ -n $tx && -n $rx && -n $ms ]] || fail "no summary from ping against $who: $out"
  ((ms > 0)) || ms=1
  printf '%s %s %s %s %s %s %s %s\n' "$who" "$size" "$tx" "$rx" "$ms" "$cpu" "$cs" "$ins" >>"$WORK/results"
  log "$(printf '%-9s -s %-4s %7s tx %7s rx %6s ms %8.0f/s  cpu %s us' "$who" "$size" "$tx" "$rx" "$ms" \
    "$(awk -v t="$tx" -v m="$ms" 'BEGIN {print t * 1000 / m}')" "$cpu")"
}

log "COUNT=$COUNT ROUNDS=$ROUNDS PAYLOADS='$PAYLOADS' on $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), perf: ${PERF_EVENTS:-none}"
for ((r = 1; r <= ROUNDS; r++)); do
  for size in $PAYLOADS; do
    if ((r % 2)); then order=(reflector tapstack); else order=(tapstack reflector); fi
    for who in "${order[@]}"; do flood "$who" "$size"; done
  done
done

# The table: per responder and payload, the median rate over the rounds, the loss over all of
# them, CPU time, context switches and (when counted) instructions per echo; the tapstack row
# carries the ratios to the reflector.
awk -v ins_counted="$([[ $PERF_EVENTS == *instructions* ]] && echo 1)" '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function per(sum, n) { return n ? sprintf("%.2f", sum / n) : "-" }
  {
    k = $1 SUBSEP $2
    rates[k] = rates[k] " " sprintf("%.0f", $3 * 1000 / $5)
    tx[k] += $3; rx[k] += $4; cpu[k] += $6
    if ($7 != "-") { cs[k] += $7; csn[k] += $4 }
    if ($8 != "-") { ins[k] += $8; insn[k] += $4 }
    if (!($2 in seen)) { seen[$2] = 1; sizes[++ns] = $2 }
  }
  END {
    printf "\n%-10s %7s %11s %7s %11s %8s", "responder", "payload", "median pps", "loss", "cpu us/echo", "cs/echo"
    if (ins_counted) printf " %10s", "instr/echo"
    printf " %7s %7s  %s\n", "ratio", "cpu x", "rounds (pps)"
    for (i = 1; i <= ns; i++) {
      s = sizes[i]
      for (w = 0; w < 2; w++) {
        who = w ? "tapstack" : "reflector"; k = who SUBSEP s
        if (!(k in tx)) continue
        med[who] = median(rates[k])
        us[who] = rx[k] ? cpu[k] / rx[k] : 0
        ratio = "-"; cratio = "-"
        if (w && med["reflector"] > 0) ratio = sprintf("%.2f", med["tapstack"] / med["reflector"])
        if (w && us["reflector"] > 0) cratio = sprintf("%.2f", us["tapstack"] / us["reflector"])
        printf "%-10s %7s %11.0f %6.2f%% %11.2f %8s", who, s, med[who], 100 * (tx[k] - rx[k]) / tx[k], us[who], per(cs[k], csn[k])
        if (ins_counted) printf " %10.0f", per(ins[k], insn[k])
        printf " %7s %7s %s\n", ratio, cratio, rates[k]
      }
    }
    print "ratio: median rate tapstack / reflector (1.00 = the floor). cpu x: tapstack CPU time per echo /"
    print "reflector (both include the kernel work done in their syscalls). cs: context switches."
  }' "$WORK/results"
