#!/usr/bin/env bash
# Link emulation, delay: `run --delay 50` holds every frame the stack sends for 50 ms, so ping's
# round-trip times are all 50 ms or more (min and avg in its summary).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --delay 50
live_wait_host_ip 10.0.0.1 >/dev/null
out=$(timeout -k 2 30 ping -n -q -c 5 -i 0.2 -w 20 10.0.0.2 2>&1) || true
printf '%s\n' "$out"
read -r min avg < <(sed -En 's|^rtt min/avg/max/mdev = ([0-9.]+)/([0-9.]+)/.*|\1 \2|p' <<<"$out")
[[ -n ${avg:-} ]] || live_fail "no rtt summary from ping"
awk -v m="$min" -v a="$avg" 'BEGIN {exit !(m >= 50 && a >= 50)}' || live_fail "rtt min $min ms, avg $avg ms: expected 50 ms or more"
live_stop_run
delayed=$(sed -En 's/^link emulation out: .* ([0-9]+) delayed.*/\1/p' "$WORK/run.log")
((${delayed:-0} >= 5)) || live_fail "the report does not count the delayed replies: $(grep '^link emulation' "$WORK/run.log")"
live_pass "rtt min $min ms, avg $avg ms"
