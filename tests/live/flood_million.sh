#!/usr/bin/env bash
# A million frames of the flood (tests/flood/flood_frames.hpp: ARP from random senders, echo
# requests from random sources, fragments with random identifications and overlaps) sent live
# through a TAP to `tapstack run`, as root and again under --user nobody with the seccomp filter.
# For each run:
#  - inject_flood writes the frames to the host side of the TAP (an AF_PACKET socket, paced by
#    the TAP's drops) and samples tapstack's VmRSS/VmHWM from /proc/PID/status every 10 000;
#  - `tapstack status --json`, asked every second meanwhile, must never show more neighbours,
#    held frames or incomplete datagrams than their bounds (256, 128, and 64 datagrams, which is
#    ipfrag_high_thresh's 4 MiB in 64 KiB slots);
#  - peak RSS: VmHWM at the end may exceed VmHWM after the warm-up (the first 100 000 frames,
#    by when every bounded structure has been at its limit) by at most MAX_GROWTH_KB (1024).
#    Everything the stack holds is allocated at start and its pages are touched within the
#    warm-up; a leak of 2 bytes per frame over the other 900 000 frames would exceed the margin;
#  - ping from the host is answered right after (once the flood's unresolved neighbours have
#    failed, within ping's deadline).
#
#   flood_million.sh TAPSTACK INJECT_FLOOD      FLOOD_FRAMES (1000000), FLOOD_SECONDS (200)
#
# Opt-in (ctest label flood, -DTAPSTACK_FLOOD_LIVE=ON): it takes minutes, see tests/flood/README.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/privileges_lib.sh"
live_need ping iputils-ping
live_need python3 python3
INJECT=${2:?usage: $0 TAPSTACK INJECT_FLOOD}
[[ -x $INJECT ]] || live_fail "no injector at $INJECT"
FRAMES=${FLOOD_FRAMES:-1000000}
SECONDS_BOUND=${FLOOD_SECONDS:-200}
MAX_GROWTH_KB=${MAX_GROWTH_KB:-1024}
WARMUP=100000
LIVE_TIMEOUT=$((2 * SECONDS_BOUND + 120)) live_setup "$@"
priv_need_nobody

# status_sampler DEV N: asks `tapstack status --json` every second, at most N times, into
# $WORK/status.DEV.K.json; stops when the run has gone.
status_sampler() {
  local k
  for ((k = 0; k < $2; k++)); do
    "$TAPSTACK" status --tap "$1" --json >"$WORK/status.$1.$k.json" 2>/dev/null || rm -f "$WORK/status.$1.$k.json"
    sleep 1
  done
}

# check_accounting DEV: every status sample of DEV within the bounds; prints the highest of each
# and what the stack received, from the final sample. Fails (1) over a bound or with < 2 samples.
check_accounting() {
  python3 - "$WORK" "$1" <<'PY'
import glob, json, sys
work, dev = sys.argv[1], sys.argv[2]
bounds = {"neighbours": 256, "held_frames": 128, "incomplete_datagrams": 64}
peak = dict.fromkeys(bounds, 0)
files = glob.glob(f"{work}/status.{dev}.*.json")
for f in files:
    s = json.load(open(f))
    seen = {"neighbours": len(s["neighbours"]), **s["pending"]}
    for k in bounds:
        peak[k] = max(peak[k], seen[k])
over = {k: peak[k] for k in bounds if peak[k] > bounds[k]}
final = json.load(open(f"{work}/status.{dev}.final.json"))
c = final["counters"]
line = (f"{c['frames_in']} frames in, {len(files)} status samples, highest: {peak['neighbours']} neighbours, "
        f"{peak['held_frames']} held frames, {peak['incomplete_datagrams']} incomplete datagrams; "
        f"arp_cache_evicted {c['arp_cache_evicted']}, arp_drop_unresolved {c['arp_drop_unresolved']}, "
        f"arp_drop_table_full {c.get('arp_drop_table_full', 0)}, ip_frag_drop_memory {c['ip_frag_drop_memory']}")
print(line)
sys.exit(1 if over or len(files) < 2 else 0)
PY
}

# flood NAME [RUN ARGS...]: one run, one million frames; appends a summary line to RESULTS.
RESULTS=()
flood() {
  local name=$1 dev sampler out=$WORK/$1.inject warm end frames_in
  shift
  live_start_run "$name" --tap "fl$name" --host-ip 10.0.0.1/16 --ip 10.0.0.2/16 "$@"
  dev=$(live_wait_host_ip 10.0.0.1)
  if [[ " $* " == *" --user "* ]]; then
    priv_wait_log "$WORK/$name.log" "privileges dropped: running as nobody"
    live_log "$name: $(priv_check_dropped "$RUN_PID")"
  fi
  # The TAP's queue: 500 frames by default; a longer one absorbs the injector's bursts.
  ip link set dev "$dev" txqueuelen 10000
  status_sampler "$dev" "$((SECONDS_BOUND + 10))" &
  sampler=$!
  LIVE_PIDS+=("$sampler")
  live_log "$name: injecting $FRAMES frames into $dev (at most ${SECONDS_BOUND}s)"
  "$INJECT" "$dev" "$FRAMES" "$SECONDS_BOUND" "$RUN_PID" >"$out" 2>"$out.err" ||
    live_fail "$name: inject_flood failed: $(cat "$out.err")"
  kill -TERM "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  kill -0 "$RUN_PID" 2>/dev/null || live_fail "$name: tapstack run died during the flood"
  live_log "$name: $(tail -n 1 "$out")"

  warm=$(awk -v w="$WARMUP" '$1 == "sample" && $2 >= w {print $4; exit}' "$out")
  end=$(awk '$1 == "sample" {v = $4} END {print v}' "$out")
  [[ -n $warm && -n $end ]] || live_fail "$name: fewer than $WARMUP frames were injected: $(tail -n 1 "$out")"
  live_log "$name: peak RSS (VmHWM) $warm kB after $WARMUP frames, $end kB at the end (limit +$MAX_GROWTH_KB kB)"
  ((end <= warm + MAX_GROWTH_KB)) || live_fail "$name: peak RSS grew from $warm kB to $end kB after the warm-up"

  "$TAPSTACK" status --tap "$dev" --json >"$WORK/status.$dev.final.json" 2>"$WORK/status.err" ||
    live_fail "$name: status --json: $(cat "$WORK/status.err")"
  # Every sample within the bounds; the highest of each printed, with what the stack received.
  frames_in=$(check_accounting "$dev") || live_fail "$name: the stack's accounting went over a bound: $frames_in"
  live_log "$name: $frames_in"

  live_ping 3 -c 3 -i 0.2 10.0.0.2
  live_stop_run
  RESULTS+=("$name: VmHWM $warm -> $end kB; $frames_in")
}

flood root
flood nobody --user nobody
printf '%s\n' "${RESULTS[@]}"
live_pass "$FRAMES frames twice (root, --user nobody under seccomp): memory flat, bounds kept, ping answered after"
