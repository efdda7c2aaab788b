#!/usr/bin/env bash
# How close does `tapstack run` come to the floor of a user-space responder over a TAP, and to
# the kernel itself? Responders, alternated within one run:
#   reflector  tests/bench/tap_reflector: epoll, read until EAGAIN, rewrite the echo request
#              into the reply in place, write: the least any responder over a TAP does
#   tapstack-rw     `tapstack run --io readwrite`: epoll, read(2) until EAGAIN, write(2)
#   tapstack-uring  `tapstack run --io uring`: the replies' writes and the next read in one io_uring_enter
#   tapstack-busy   `tapstack run --io uring --busy-poll BUSY_POLL_US`: spins that long before sleeping
#   lwip       tests/bench/lwip_responder: lwIP 2.1.3 from Debian's liblwip-dev as a peer stack,
#              its own ARP, reassembly, ICMP and fragmentation behind the reflector's TAP loop
#   kernel     Linux answering over a veth pair (its peer in a child network namespace)
# tapstack-busy's CPU per reply counts its spinning: that is the price of its round trip.
#
#   sudo tests/bench/live_bench.sh [--rounds N] [--sizes 'LIST'] [--responders 'LIST'] [COUNT]
#   or, configured with -DTAPSTACK_BENCH=ON:   ctest -L bench -R bench_live -V
# COUNT: echo requests per 56/1472-byte flood (20000); --rounds, --sizes and --responders set
# ROUNDS, PAYLOADS and RESPONDERS (below).
#
# Measured per responder and payload SIZE from PAYLOADS (56 1472 4000 65000), as the median of
# ROUNDS rounds (the order rotated every round so that drift in the machine's load falls on all
# alike):
#   flood  ping -f -l 32 -c COUNT -s SIZE -q: replies/s (received / ping's time), loss, and the
#          responder's CPU µs per reply (utime + stime from /proc/PID/stat, or perf stat's
#          task-clock when perf works)
#   rtt    ping -f -c RTT_COUNT -s SIZE -q: one request in flight, ping's average round trip
# Above 1472 bytes the host fragments (a 65000-byte ping is 45 fragments each way) and both
# counts shrink in proportion to the size (at least 100). The reflector, which does not
# reassemble, sits out there; a responder that answers none of three probe pings of a size is
# shown as "no reply" for it and not flooded (lwIP at 65000: Debian's build reassembles at most
# IP_REASS_MAX_PBUFS = 10 fragments, see lwip_responder.cpp). The kernel's CPU is spent in
# softirq, charged to no process: "-". Nothing is asserted. The run prints how long it took.
#
# Safety: everything runs in network and PID namespaces made here (unshare --net --pid --fork
# --kill-child --mount-proc, as tests/live/lib.sh), so traffic never leaves them and whatever we
# started dies with them. Every wait is bounded by timeout, the whole run by BENCH_TIMEOUT
# seconds. Processes are stopped by the PIDs we recorded, never by name.
#
# Environment: TAPSTACK, TAP_REFLECTOR, LWIP_RESPONDER (default: under build/), ROUNDS (3),
# PAYLOADS, RTT_COUNT (5000), RESPONDERS ("reflector tapstack-rw tapstack-uring tapstack-busy lwip
# kernel"), BUSY_POLL_US (50), BENCH_TIMEOUT. The load average is printed beside every figure:
# the machine is shared, and a figure means little without it.
set -euo pipefail

readonly SKIP=77
readonly OUR_IP=10.0.0.2 HOST_IP=10.0.0.1
NAME=live_bench
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAPSTACK=${TAPSTACK:-$ROOT/build/apps/tapstack}
TAP_REFLECTOR=${TAP_REFLECTOR:-$ROOT/build/tests/bench/tap_reflector}
LWIP_RESPONDER=${LWIP_RESPONDER:-$ROOT/build/tests/bench/lwip_responder}
ROUNDS=${ROUNDS:-3}
PAYLOADS=${PAYLOADS:-56 1472 4000 65000}
RTT_COUNT=${RTT_COUNT:-5000}
RESPONDERS=${RESPONDERS:-reflector tapstack-rw tapstack-uring tapstack-busy lwip kernel}
BUSY_POLL_US=${BUSY_POLL_US:-50}

log() { printf '%s: %s\n' "$NAME" "$*" >&2; }
skip() { printf 'SKIP %s: %s\n' "$NAME" "$*"; exit "$SKIP"; }
usage() {
  printf '%s: %s (usage: %s [--rounds N] [--sizes LIST] [--responders LIST] [COUNT])\n' "$NAME" "$*" "$0" >&2
  exit 2
}
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

COUNT=20000
while (($#)); do
  case $1 in
    --rounds) (($# >= 2)) || usage "--rounds needs a number"; ROUNDS=$2; shift 2 ;;
    --sizes) (($# >= 2)) || usage "--sizes needs a list of payload sizes"; PAYLOADS=$2; shift 2 ;;
    --responders) (($# >= 2)) || usage "--responders needs a list of responders"; RESPONDERS=$2; shift 2 ;;
    -*) usage "unknown option '$1'" ;;
    *) (($# == 1)) || usage "one COUNT only, not '$*'"; COUNT=$1; shift ;;
  esac
done
[[ $COUNT =~ ^[0-9]+$ ]] && ((COUNT >= 100 && COUNT <= 1000000)) || usage "COUNT must be 100..1000000, not '$COUNT'"
[[ $RTT_COUNT =~ ^[0-9]+$ ]] && ((RTT_COUNT >= 10 && RTT_COUNT <= 1000000)) || usage "RTT_COUNT must be 10..1000000, not '$RTT_COUNT'"
[[ $BUSY_POLL_US =~ ^[0-9]+$ ]] && ((BUSY_POLL_US >= 1 && BUSY_POLL_US <= 100000)) || usage "BUSY_POLL_US must be 1..100000, not '$BUSY_POLL_US'"
[[ $ROUNDS =~ ^[0-9]+$ ]] && ((ROUNDS >= 1 && ROUNDS <= 9)) || usage "ROUNDS must be 1..9, not '$ROUNDS'"
[[ -n ${PAYLOADS// /} ]] || usage "no payload sizes given"
[[ -n ${RESPONDERS// /} ]] || usage "no responders given"
for s in $PAYLOADS; do [[ $s =~ ^[0-9]+$ ]] && ((s <= 65507)) || usage "payload sizes must be 0..65507, not '$s'"; done
for r in $RESPONDERS; do
  [[ $r =~ ^(reflector|tapstack-rw|tapstack-uring|tapstack-busy|lwip|kernel)$ ]] ||
    usage "unknown responder '$r' (reflector tapstack-rw tapstack-uring tapstack-busy lwip kernel)"
done

# scaled BASE SIZE: fewer requests for the large ones (a 65000-byte ping is 45 fragments each way).
scaled() {
  local c=$1
  (($2 > 1472)) && c=$(($1 * 1472 / $2))
  ((c < 100)) && c=100
  echo "$c"
}
# One flood must finish at ~1000 requests/s even on a bad day; the whole run at that pace too.
FLOOD_TIMEOUT=$((COUNT / 1000 + 20))
RTT_TIMEOUT=$((RTT_COUNT / 1000 + 20))
NPAY=$(wc -w <<<"$PAYLOADS")
NRESP=$(wc -w <<<"$RESPONDERS")

# --- Outside: check what we need, then run this script again in fresh namespaces. -------------
if [[ -z ${TAPSTACK_BENCH_INNER:-} ]]; then
  has_cap() { local h; h=$(awk '/^CapEff:/ {print $2}' /proc/self/status); (( (16#$h >> $1) & 1 )); }
  has_cap 12 && has_cap 21 || skip "needs CAP_NET_ADMIN and CAP_SYS_ADMIN for a network namespace with a TAP (run: sudo $0)"
  [[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing (modprobe tun)"
  for tool in unshare:util-linux nsenter:util-linux ip:iproute2 ping:iputils-ping timeout:coreutils; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || skip "${tool%%:*} is not installed (apt-get install ${tool#*:})"
  done
  ping -V 2>&1 | grep -q iputils || skip "ping is not iputils ping (its flood summary is what we read)"
  [[ -x $TAPSTACK ]] || fail "no tapstack at $TAPSTACK: build first (scripts/build.sh) or set TAPSTACK"
  [[ " $RESPONDERS " != *" reflector "* || -x $TAP_REFLECTOR ]] ||
    fail "no tap_reflector at $TAP_REFLECTOR: configure with -DTAPSTACK_BENCH=ON and build, or set TAP_REFLECTOR"
  [[ " $RESPONDERS " != *" lwip "* || -x $LWIP_RESPONDER ]] ||
    fail "no lwip_responder at $LWIP_RESPONDER: scripts/setup.sh --with-bench, configure with -DTAPSTACK_BENCH=ON and build, or set LWIP_RESPONDER"
  ns=(--net --pid --fork --kill-child --mount-proc)
  err=$(unshare "${ns[@]}" true 2>&1) || skip "cannot create network and PID namespaces: ${err:-unshare failed}"
  export TAPSTACK_BENCH_INNER=1 TAPSTACK_BENCH_OUTER_NS TAPSTACK TAP_REFLECTOR LWIP_RESPONDER ROUNDS PAYLOADS RTT_COUNT \
    RESPONDERS BUSY_POLL_US
  TAPSTACK_BENCH_OUTER_NS=$(readlink /proc/self/ns/net)
  total=${BENCH_TIMEOUT:-$((ROUNDS * NRESP * NPAY * (FLOOD_TIMEOUT + RTT_TIMEOUT + 2 * 25) + 60))}
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
# 10 ms ticks).
CLK_TCK=$(getconf CLK_TCK)
PERF=
if command -v perf >/dev/null 2>&1 && perf stat -x, -e task-clock true 2>&1 | grep -q '^[0-9.]*,msec,task-clock'; then
  PERF=1
fi

# utime + stime of PID, in clock ticks (proc(5) fields 14 and 15, counted after the comm field).
cpu_ticks() {
  local s
  s=$(<"/proc/$1/stat") || return 1
  s=${s##*) }
  awk '{print $12 + $13}' <<<"$s"
}

# start RESPONDER: starts it (PID in RESP_PID; empty for the kernel), waits until the host side
# has its address and the responder answers a first ping (which also resolves ARP).
RESP_PID=
start() {
  local log=$WORK/$1.log i dev=
  RESP_PID=
  case $1 in
    reflector) "$TAP_REFLECTOR" "$OUR_IP" "$HOST_IP/24" >"$log" 2>&1 & RESP_PID=$! ;;
    lwip) "$LWIP_RESPONDER" "$OUR_IP" "$HOST_IP/24" >"$log" 2>&1 & RESP_PID=$! ;;
    tapstack-rw) "$TAPSTACK" run -q --io readwrite --ip "$OUR_IP/24" --host-ip "$HOST_IP/24" >"$log" 2>&1 & RESP_PID=$! ;;
    tapstack-uring) "$TAPSTACK" run -q --io uring --ip "$OUR_IP/24" --host-ip "$HOST_IP/24" >"$log" 2>&1 & RESP_PID=$! ;;
    tapstack-busy)
      "$TAPSTACK" run -q --io uring --busy-poll "$BUSY_POLL_US" --ip "$OUR_IP/24" --host-ip "$HOST_IP/24" >"$log" 2>&1 &
      RESP_PID=$!
      ;;
    kernel)
      # The peer's namespace lives as long as this sleep; the veth end moves into it.
      unshare --net sleep 3600 &
      KERNEL_NS_PID=$!
      PIDS+=("$KERNEL_NS_PID")
      # A namespace of its own, read as a non-empty link: an unreadable one (the child between
      # fork and unshare) must not pass for it, or the veth end would stay here.
      local theirs ours
      ours=$(readlink /proc/self/ns/net)
      for ((i = 0; i < 500; i++)); do
        theirs=$(readlink "/proc/$KERNEL_NS_PID/ns/net" 2>/dev/null || true)
        [[ -n $theirs && $theirs != "$ours" ]] && break
        sleep 0.02
      done
      [[ -n $theirs && $theirs != "$ours" ]] || fail "kernel: the peer's network namespace did not appear within 10 s"
      ip link add bench0 type veth peer name bench1
      ip link set bench1 netns "$KERNEL_NS_PID"
      nsenter -t "$KERNEL_NS_PID" -n sh -c "ip link set lo up && ip addr add $OUR_IP/24 dev bench1 && ip link set bench1 up"
      ip addr add "$HOST_IP/24" dev bench0
      ip link set bench0 up
      ;;
  esac
  [[ -n $RESP_PID ]] && PIDS+=("$RESP_PID")
  for ((i = 0; i < 300; i++)); do
    [[ -z $RESP_PID ]] || kill -0 "$RESP_PID" 2>/dev/null || fail "$1 exited at start"
    dev=$(ip -o -4 addr show | awk -v a="$HOST_IP" '{split($4, p, "/"); if (p[1] == a) print $2}')
    [[ -n $dev && $(ip -o link show dev "$dev") =~ [\<,]UP[,\>] ]] && break
    dev=
    sleep 0.05
  done
  [[ -n $dev ]] || fail "$1: no interface with $HOST_IP came up within 15 s"
  timeout -k 2 10 ping -n -q -c 3 -i 0.05 -w 5 "$OUR_IP" >"$WORK/warmup.out" 2>&1 ||
    fail "$1 does not answer ping: $(tail -n 3 "$WORK/warmup.out")"
}

# stop: SIGTERM to the responder, bounded wait; the kernel's veth pair goes with its namespace.
stop() {
  local i pid
  for pid in $RESP_PID ${KERNEL_NS_PID:-}; do
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget "$pid"
  done
  KERNEL_NS_PID=
  ip link del bench0 2>/dev/null || true
}

# answers SIZE: does the responder answer any of three pings of SIZE bytes (a bounded probe)?
answers() {
  timeout -k 2 10 ping -n -q -c 3 -i 0.05 -W 1 -s "$1" "$OUR_IP" >"$WORK/probe.out" 2>&1
}

# measure RESPONDER KIND SIZE: one bounded ping run (KIND flood or rtt); appends "responder kind
# size tx rx time_ms cpu_us rtt_ms load" (- for what was not measured) to $WORK/results, or
# "responder - size noreply" once when it answered none of the probes of a fragmented SIZE: it is
# not asked that size again.
declare -A NO_REPLY=()
measure() {
  local who=$1 kind=$2 size=$3 out tx rx ms c0 c1 cpu=- rtt perf_pid=''
  [[ -z ${NO_REPLY["$who $size"]:-} ]] || return 0
  start "$who"
  if ((size > 1472)) && ! answers "$size"; then
    stop
    NO_REPLY["$who $size"]=1
    printf '%s - %s noreply\n' "$who" "$size" >>"$WORK/results"
    log "$(printf '%-14s answers none of 3 pings of -s %s: %s' "$who" "$size" "$(grep -m1 'packets transmitted' "$WORK/probe.out")")"
    return 0
  fi
  if [[ -n $PERF && -n $RESP_PID ]]; then
    perf stat -x, -e task-clock -p "$RESP_PID" -o "$WORK/perf.out" 2>/dev/null &
    perf_pid=$!
    PIDS+=("$perf_pid")
    sleep 0.2  # let it attach
  fi
  [[ -n $RESP_PID ]] && c0=$(cpu_ticks "$RESP_PID")
  if [[ $kind == flood ]]; then
    out=$(timeout -s INT -k 5 "$FLOOD_TIMEOUT" ping -n -f -l 32 -c "$(scaled "$COUNT" "$size")" -s "$size" -q "$OUR_IP" 2>&1) || true
  else
    out=$(timeout -s INT -k 5 "$RTT_TIMEOUT" ping -n -f -c "$(scaled "$RTT_COUNT" "$size")" -s "$size" -q "$OUR_IP" 2>&1) || true
  fi
  if [[ -n $RESP_PID ]]; then
    c1=$(cpu_ticks "$RESP_PID")
    cpu=$(((c1 - c0) * 1000000 / CLK_TCK))
  fi
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    forget "$perf_pid"
    local ms_cpu
    ms_cpu=$(awk -F, '$3 == "task-clock" && $1 ~ /^[0-9.]+$/ {v = $1} END {print v == "" ? "-" : v}' "$WORK/perf.out")
    [[ $ms_cpu == - ]] || cpu=$(awk -v m="$ms_cpu" 'BEGIN {printf "%.0f", m * 1000}')
  fi
  stop
  tx=$(sed -En 's/^([0-9]+) packets transmitted.*/\1/p' <<<"$out")
  rx=$(sed -En 's/.* ([0-9]+) received.*/\1/p' <<<"$out")
  ms=$(sed -En 's/.* time ([0-9]+)ms.*/\1/p' <<<"$out")
  rtt=$(sed -En 's|^rtt min/avg/max/mdev = [0-9.]+/([0-9.]+)/.*|\1|p' <<<"$out")
  [[ -n $tx && -n $rx && -n $ms ]] || fail "no summary from ping against $who: $out"
  ((ms > 0)) || ms=1
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  printf '%s %s %s %s %s %s %s %s %s\n' "$who" "$kind" "$size" "$tx" "$rx" "$ms" "$cpu" "${rtt:--}" "$load" >>"$WORK/results"
  log "$(printf '%-14s %-5s -s %-5s %7s tx %7s rx %6s ms  cpu %s us  rtt %s ms  load %s' "$who" "$kind" "$size" "$tx" "$rx" "$ms" "$cpu" "${rtt:--}" "$load")"
}

read -ra responders <<<"$RESPONDERS"
started=$SECONDS
log "COUNT=$COUNT RTT_COUNT=$RTT_COUNT ROUNDS=$ROUNDS PAYLOADS='$PAYLOADS' on $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), cpu from $([[ -n $PERF ]] && echo perf task-clock || echo /proc ticks)"
for ((r = 0; r < ROUNDS; r++)); do
  # Rotate the order every round: each responder takes each place.
  order=()
  for ((i = 0; i < NRESP; i++)); do order+=("${responders[(i + r) % NRESP]}"); done
  for size in $PAYLOADS; do
    for kind in rtt flood; do
      for who in "${order[@]}"; do
        [[ $who == reflector ]] && ((size > 1472)) && continue
        measure "$who" "$kind" "$size"
      done
    done
  done
  log "round $((r + 1)) of $ROUNDS done after $((SECONDS - started)) s"
done

# The tables: medians over the rounds; the ratios are to the reflector (the floor over a TAP).
awk '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    if (!($1 in whos)) { whos[$1] = 1; who[++nw] = $1 }
    if (!($3 in seen)) { seen[$3] = 1; sizes[++ns] = $3 }
    if ($4 == "noreply") { noreply[$1 SUBSEP $3] = 1; anynoreply = 1; next }
    k = $1 SUBSEP $3
    if ($2 == "rtt") { if ($8 != "-") { rtt[k] = rtt[k] " " $8; rttload[k] = rttload[k] " " $9 }; next }
    loads[k] = loads[k] " " $9
    rates[k] = rates[k] " " sprintf("%.0f", $5 * 1000 / $6)
    tx[k] += $4; rx[k] += $5
    if ($7 != "-") { cpu[k] += $7; cpun[k] += $5 }
  }
  END {
    # Sizes in ascending order, whatever order PAYLOADS gave them in.
    for (i = 1; i <= ns; i++) for (j = i + 1; j <= ns; j++) if (sizes[j] + 0 < sizes[i] + 0) { t = sizes[i]; sizes[i] = sizes[j]; sizes[j] = t }
    printf "\nflood (ping -f -l 32), median of rounds; x: ratio to the reflector\n"
    printf "%-14s %7s %11s %7s %8s %11s %7s %6s  %s\n", "responder", "payload", "replies/s", "x", "loss", "cpu us/rep", "x", "load", "rounds (replies/s)"
    for (i = 1; i <= ns; i++) {
      s = sizes[i]
      ref = "reflector" SUBSEP s
      refrate = 0; if (ref in tx) refrate = median(rates[ref])
      refcpu = 0; if ((ref in cpun) && cpun[ref] > 0) refcpu = cpu[ref] / cpun[ref]
      for (w = 1; w <= nw; w++) {
        k = who[w] SUBSEP s
        if (k in noreply) { printf "%-14s %7s %11s\n", who[w], s, "no reply"; continue }
        if (!(k in tx)) continue
        m = median(rates[k])
        us = -1; if ((k in cpun) && cpun[k] > 0) us = cpu[k] / cpun[k]
        # Computed apart: in a printf argument list, mawk reads ">" as an output redirection.
        xrate = "-"; if (refrate > 0) xrate = sprintf("%.2f", m / refrate)
        uscol = "-"; if (us >= 0) uscol = sprintf("%.2f", us)
        xcpu = "-"; if (us >= 0 && refcpu > 0) xcpu = sprintf("%.2f", us / refcpu)
        printf "%-14s %7s %11.0f %7s %7.2f%% %11s %7s %6.2f %s\n", who[w], s, m, xrate, 100 * (tx[k] - rx[k]) / tx[k], uscol, xcpu, median(loads[k]), rates[k]
      }
    }
    printf "\nround trip, one request in flight (ping -f), median of rounds; x: ratio to the reflector\n"
    printf "%-14s %7s %9s %7s %6s  %s\n", "responder", "payload", "rtt us", "x", "load", "rounds (ms)"
    for (i = 1; i <= ns; i++) {
      s = sizes[i]
      refrtt = 0; if (("reflector" SUBSEP s) in rtt) refrtt = median(rtt["reflector" SUBSEP s])
      for (w = 1; w <= nw; w++) {
        k = who[w] SUBSEP s
        if (k in noreply) { printf "%-14s %7s %9s\n", who[w], s, "no reply"; continue }
        if (!(k in rtt)) continue
        m = median(rtt[k])
        xrtt = "-"; if (refrtt > 0) xrtt = sprintf("%.2f", m / refrtt)
        printf "%-14s %7s %9.1f %7s %6.2f %s\n", who[w], s, m * 1000, xrtt, median(rttload[k]), rtt[k]
      }
    }
    print "cpu: the responder process (its syscalls included); the kernel answers in softirq, charged to no process."
    print "load: the 1-minute load average as each measurement ended, median of the rounds (2 CPUs, shared)."
    if (("reflector" in whos) && sizes[ns] + 0 > 1472) print "reflector: not asked above 1472 bytes, where the host fragments (it does not reassemble)."
    if (anynoreply) print "no reply: none of 3 probe pings of that size answered, so it was not measured (lwip: Debian'"'"'s liblwip reassembles at most IP_REASS_MAX_PBUFS = 10 fragments, 14 800 bytes at MTU 1500)."
  }' "$WORK/results"
log "took $((SECONDS - started)) s"
