#!/usr/bin/env bash
# (j) `tapstack demo` as root: its own namespace, 5/5 replies to the system's ping, the ARP cache
# and counters shown, exit 0, and nothing left running afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

rc=0
out=$(timeout -k 5 40 "$TAPSTACK" demo 2>&1) || rc=$?
printf '%s\n' "$out"
((rc == 0)) || live_fail "tapstack demo exited $rc"
[[ $out == *"5 packets transmitted, 5 received"* ]] || live_fail "ping did not get 5/5 replies"
[[ $out == *icmp_echo_replies_sent* ]] || live_fail "no counters in the demo's output"
grep -Eiq '^ *10\.0\.0\.1 +([0-9a-f]{2}:){5}[0-9a-f]{2} ' <<<"$out" || live_fail "the ARP cache (10.0.0.1 and the host's MAC) is not shown"
# The demo's own namespace left nothing running (visible when we are a PID namespace's init).
if (($$ == 1)); then
  stray=$(ps -eo pid=,comm= | awk '$2 == "tapstack" || $2 == "ping"' || true)
  [[ -z $stray ]] || live_fail "processes left behind: $stray"
fi
live_pass "demo: 5/5 replies, ARP cache and counters shown, exit 0"
