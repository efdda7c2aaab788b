# Shared by the live tests: sourced, never run. Each test calls `live_setup "$@"` first; that
# checks what the test needs (SKIP, exit 77, with a reason when something is missing) and then
# re-runs the test inside its own network namespace, so live traffic never leaves it:
#
#   unshare --net --pid --fork --kill-child --mount-proc
#
# The new PID namespace is the clean-up guarantee: the test is its init, so when the test ends
# (normally, on a failure, or killed by ctest's timeout through --kill-child) the kernel kills
# every process it started, and the network namespace (with any TAP in it) disappears with the
# last of them. Nothing has a name, so parallel tests cannot collide and nothing is left behind.
# The EXIT trap still stops our own processes politely first, by PID.
#
# Variables for the tests: TAPSTACK (the program), WORK (a private temporary directory),
# RUN_PID (the last `tapstack run` started), OUR_MAC (the default MAC for 10.0.0.2).

set -euo pipefail

readonly LIVE_SKIP=77
readonly OUR_MAC=02:00:0a:00:00:02
LIVE_NAME=$(basename "$0" .sh)
LIVE_PIDS=()
RUN_PID=
WORK=

live_log() { printf '%s: %s\n' "$LIVE_NAME" "$*" >&2; }
live_skip() { printf 'SKIP %s: %s\n' "$LIVE_NAME" "$*"; exit "$LIVE_SKIP"; }
live_pass() { printf 'PASS %s: %s\n' "$LIVE_NAME" "$*"; exit 0; }

# Prints the reason and the logs of every tapstack we started, then fails the test.
# On stderr, so that a failure inside $(...) is still seen.
live_fail() {
  {
    printf 'FAIL %s: %s\n' "$LIVE_NAME" "$*"
    if [[ -n $WORK && -d $WORK ]]; then
      local f
      for f in "$WORK"/*.log; do
        [[ -e $f ]] || continue
        printf -- '--- %s\n' "$(basename "$f")"
        tail -n 40 "$f"
      done
    fi
  } >&2
  exit 1
}

# True when bit N of this process's effective capability set is set (capability(7) numbers).
live_has_cap() {
  local hex
  hex=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  (( (16#$hex >> $1) & 1 ))
}
readonly CAP_NET_ADMIN=12 CAP_SYS_ADMIN=21

# live_need TOOL PACKAGE: SKIP unless TOOL is on PATH.
live_need() {
  command -v "$1" >/dev/null 2>&1 || live_skip "$1 is not installed (scripts/setup.sh installs $2)"
}

# live_setup PROGRAM [ARGS...]: the first call checks and re-executes the test inside fresh
# namespaces; the second (inside) sets up WORK and the EXIT trap. The whole test is bounded by
# LIVE_TIMEOUT seconds (default 45), below ctest's own TIMEOUT.
live_setup() {
  TAPSTACK=${1:?usage: $0 PATH_TO_TAPSTACK}
  [[ -x $TAPSTACK ]] || live_fail "no program at $TAPSTACK"
  if [[ -z ${TAPSTACK_LIVE_INNER:-} ]]; then
    live_has_cap "$CAP_NET_ADMIN" && live_has_cap "$CAP_SYS_ADMIN" ||
      live_skip "needs CAP_NET_ADMIN and CAP_SYS_ADMIN to make a network namespace with a TAP in it (run ctest as root)"
    [[ -c /dev/net/tun ]] || live_skip "/dev/net/tun is missing (load the driver: modprobe tun)"
    command -v unshare >/dev/null || live_skip "unshare is not installed (scripts/setup.sh installs util-linux)"
    command -v ip >/dev/null || live_skip "ip is not installed (scripts/setup.sh installs iproute2)"
    local -a ns=(--net --pid --fork --kill-child --mount-proc) err
    if ! unshare "${ns[@]}" true 2>/dev/null; then
      # Some containers refuse PID or mount namespaces; the network namespace is what matters.
      ns=(--net)
      err=$(unshare "${ns[@]}" true 2>&1) || live_skip "cannot create a network namespace: ${err:-unshare failed}"
    fi
    export TAPSTACK_LIVE_INNER=1 TAPSTACK_LIVE_OUTER_NS
    TAPSTACK_LIVE_OUTER_NS=$(readlink /proc/self/ns/net)
    exec timeout -k 5 "${LIVE_TIMEOUT:-45}" unshare "${ns[@]}" -- bash "$0" "$@"
  fi
  # Refuse, rather than risk traffic in the namespace we were started in.
  [[ $(readlink /proc/self/ns/net) != "${TAPSTACK_LIVE_OUTER_NS:-}" ]] ||
    live_fail "not in a private network namespace; refusing to run"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapstack-live.XXXXXX")
  trap live_cleanup EXIT
  ip link set lo up
}

# Stops every process we started (SIGTERM, then SIGKILL after a bound) and removes WORK.
live_cleanup() {
  local pid i
  for pid in "${LIVE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${LIVE_PIDS[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n $WORK ]]; then
    # A test may mount things under WORK (in its private mount namespace): detach them first.
    local m
    for m in $(awk -v w="$WORK" 'index($2, w "/") == 1 {print $2}' /proc/self/mounts | sort -r); do
      umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$WORK" || true
  fi
}

# live_start_run LOGNAME ARGS...: starts `tapstack run ARGS...` in the background with its
# output in $WORK/LOGNAME.log; sets RUN_PID.
live_start_run() {
  local log=$WORK/$1.log
  shift
  "$TAPSTACK" run "$@" >"$log" 2>&1 &
  RUN_PID=$!
  LIVE_PIDS+=("$RUN_PID")
  live_log "started tapstack run $* (pid $RUN_PID)"
}

# live_wait_host_ip ADDR [SECONDS]: waits (polling, bounded, default 15 s) until an interface
# holds ADDR and is up, failing early if tapstack run has already exited; prints the interface.
live_wait_host_ip() {
  local addr=$1 bound=${2:-15} dev deadline
  deadline=$(($(date +%s%N) + bound * 1000000000))
  while (($(date +%s%N) < deadline)); do
    if [[ -n $RUN_PID ]] && ! kill -0 "$RUN_PID" 2>/dev/null; then
      live_fail "tapstack run exited before $addr appeared"
    fi
    dev=$(ip -o -4 addr show | awk -v a="$addr" '{split($4, p, "/"); if (p[1] == a && !n++) print $2}')
    if [[ -n $dev ]] && [[ $(ip -o link show dev "$dev" 2>/dev/null) =~ \<([^\>]*,)?UP[,\>] ]]; then
      printf '%s\n' "$dev"
      return 0
    fi
    sleep 0.05
  done
  live_fail "no interface with $addr came up within ${bound}s"
}

# live_wait_dev NAME [SECONDS]: waits (polling, bounded) until interface NAME exists.
live_wait_dev() {
  local dev=$1 bound=${2:-15} deadline
  deadline=$(($(date +%s%N) + bound * 1000000000))
  while (($(date +%s%N) < deadline)); do
    ip link show dev "$dev" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  live_fail "interface $dev did not appear within ${bound}s"
}

# live_ping EXPECTED PING_ARGS...: runs the system's ping (bounded by its own -w deadline and by
# timeout), shows its output, and fails unless exactly EXPECTED replies came back.
live_ping() {
  local expected=$1 out received
  shift
  live_log "ping $*"
  out=$(timeout -k 2 30 ping -n -w 20 "$@" 2>&1) || true
  printf '%s\n' "$out"
  received=$(sed -En 's/.* ([0-9]+) received.*/\1/p' <<<"$out")
  [[ ${received:-0} == "$expected" ]] || live_fail "expected $expected replies to ping $*, got ${received:-none}"
}

# live_stop PID [SIGNAL]: signals PID (default TERM), waits for it within a bound and sets
# LIVE_RC to its exit status.
live_stop() {
  local pid=$1 sig=${2:-TERM} i
  kill -"$sig" "$pid"
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && live_fail "pid $pid still running 10s after SIG$sig"
  LIVE_RC=0
  wait "$pid" || LIVE_RC=$?
}

# live_stop_run: stops `tapstack run` ($RUN_PID) with SIGTERM and fails unless it exits 0 — a
# clean shutdown (and, in a sanitizer build, no report) is part of every test that runs it.
live_stop_run() {
  live_stop "$RUN_PID"
  ((LIVE_RC == 0)) || live_fail "tapstack run exited $LIVE_RC after SIGTERM"
}

# live_counter LOG NAME: prints counter NAME from the counters `tapstack run` printed on exit to
# LOG (apps/report.cpp: "  name  value  description"; a counter that stayed zero is not listed),
# or 0 when it is absent.
live_counter() {
  awk -v n="$2" '$1 == n {v = $2} END {print v + 0}' "$1"
}
