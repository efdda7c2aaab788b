#!/usr/bin/env bash
# Memory of `tapstack run` under a ping flood (issue 11: peak RSS ≤ 8 MiB, flat after warm-up).
# For each I/O mode, in network and PID namespaces made here: VmHWM and VmRSS after start-up,
# after a warm-up flood (WARMUP pings) and after the long flood (COUNT pings or 60 s, whichever
# comes first), then where the resident memory is (/proc/PID/smaps, Rss summed by mapping):
# our program, the shared libraries, the heap (the stack's fixed tables and buffers), the rest;
# beside each its Pss (shared pages divided among the processes that map them).
#
#   sudo tests/bench/peak_rss.sh [COUNT]      COUNT pings in the long flood (1000000)
#
# Environment: TAPSTACK (default build/apps/tapstack), MODES ("readwrite uring"), WARMUP (10000).
# Safety: traffic only inside the namespaces (unshare --net --pid --fork --kill-child), every
# wait bounded by timeout, our processes stopped by PID. Nothing is asserted.
set -euo pipefail

readonly SKIP=77
NAME=peak_rss
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAPSTACK=${TAPSTACK:-$ROOT/build/apps/tapstack}
COUNT=${1:-1000000}
MODES=${MODES:-readwrite uring}
WARMUP=${WARMUP:-10000}

skip() { printf 'SKIP %s: %s\n' "$NAME" "$*"; exit "$SKIP"; }
fail() { printf 'FAIL %s: %s\n' "$NAME" "$*" >&2; exit 1; }
[[ $COUNT =~ ^[0-9]+$ ]] && ((COUNT >= 1000 && COUNT <= 10000000)) || fail "COUNT must be 1000..10000000, not '$COUNT'"
[[ $WARMUP =~ ^[0-9]+$ ]] && ((WARMUP >= 100 && WARMUP <= 1000000)) || fail "WARMUP must be 100..1000000"
for m in $MODES; do [[ $m =~ ^(readwrite|uring)$ ]] || fail "unknown mode '$m' (readwrite, uring)"; done

if [[ -z ${TAPSTACK_RSS_INNER:-} ]]; then
  h=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  (( (16#$h >> 12) & 1 && (16#$h >> 21) & 1 )) || skip "needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run: sudo $0)"
  [[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing (modprobe tun)"
  command -v ping >/dev/null 2>&1 || skip "ping is not installed (apt-get install iputils-ping)"
  [[ -x $TAPSTACK ]] || fail "no tapstack at $TAPSTACK: build first (scripts/build.sh) or set TAPSTACK"
  unshare --net --pid --fork --kill-child --mount-proc true 2>/dev/null || skip "cannot create network and PID namespaces"
  export TAPSTACK_RSS_INNER=1 TAPSTACK MODES WARMUP TAPSTACK_RSS_OUTER_NS
  TAPSTACK_RSS_OUTER_NS=$(readlink /proc/self/ns/net)
  n=$(wc -w <<<"$MODES")
  exec timeout -k 5 $((n * 120 + 30)) unshare --net --pid --fork --kill-child --mount-proc -- bash "$0" "$COUNT"
fi

[[ $(readlink /proc/self/ns/net) != "${TAPSTACK_RSS_OUTER_NS:-}" ]] || fail "not in a private network namespace; refusing to run"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapstack-rss.XXXXXX")
RUN_PID=
cleanup() {
  if [[ -n $RUN_PID ]]; then kill -TERM "$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
ip link set lo up

kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
mem_line() { printf '  %-26s VmHWM %6s kB  VmRSS %6s kB\n' "$2" "$(kib "$1" VmHWM)" "$(kib "$1" VmRSS)"; }

printf 'tapstack run under ping -f -l 8, load %s on %s CPUs\n' \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
for mode in $MODES; do
  "$TAPSTACK" run -q --io "$mode" --ip 10.0.0.2/24 --host-ip 10.0.0.1/24 >"$WORK/run.log" 2>&1 &
  RUN_PID=$!
  for ((i = 0; i < 300; i++)); do
    ip -o -4 addr show | grep -q ' 10\.0\.0\.1/' && break
    kill -0 "$RUN_PID" 2>/dev/null || fail "tapstack run --io $mode exited: $(tail -n 3 "$WORK/run.log")"
    sleep 0.05
  done
  printf -- '--io %s\n' "$mode"
  timeout -k 2 10 ping -n -q -c 3 -i 0.05 -w 5 10.0.0.2 >/dev/null || fail "--io $mode does not answer ping"
  mem_line "$RUN_PID" "after start-up"
  timeout -s INT -k 2 30 ping -n -q -f -l 8 -c "$WARMUP" 10.0.0.2 >/dev/null 2>&1 || true
  mem_line "$RUN_PID" "after $WARMUP pings"
  out=$(timeout -s INT -k 5 60 ping -n -q -f -l 8 -c "$COUNT" 10.0.0.2 2>&1) || true
  mem_line "$RUN_PID" "after the flood"
  printf '  flood: %s\n' "$(sed -En 's/^([0-9]+ packets transmitted, [0-9]+ received).*time ([0-9]+)ms.*/\1 in \2 ms/p' <<<"$out")"
  # Where the resident pages are: Rss per mapping, grouped.
  awk -v prog="$(readlink -f "$TAPSTACK")" '
    /^[0-9a-f]+-[0-9a-f]+ / { name = $6; group = (name == "") ? "anonymous (other mmaps)" : \
        (name == prog) ? "tapstack (text, data)" : (name == "[heap]") ? "heap (the stack'"'"'s tables and buffers)" : \
        (name ~ /\.so/) ? "shared libraries" : name; next }
    /^Rss:/ { rss[group] += $2 }
    /^Pss:/ { pss[group] += $2 }
    END { for (g in rss) if (rss[g] > 0) printf "    %6d kB  (Pss %6d kB)  %s\n", rss[g], pss[g], g }' "/proc/$RUN_PID/smaps" | sort -rn
  # The libraries only libpcap brings (Debian builds it with D-Bus capture support).
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6; next } /^Rss:/ && name ~ /lib(systemd|gcrypt|gpg-error|dbus-1|zstd|lzma|lz4)\.so/ { r += $2 }
    END { printf "    of the libraries, %d kB are libdbus-1 and what it loads (libsystemd, libgcrypt, lz4, zstd, lzma), for libpcap\n", r }' \
    "/proc/$RUN_PID/smaps"
  kill -TERM "$RUN_PID"
  wait "$RUN_PID" || fail "tapstack run --io $mode exited $? on SIGTERM"
  RUN_PID=
done
