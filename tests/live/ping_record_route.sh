#!/usr/bin/env bash
# (l) Issue 5: `ping -R` gets its replies, and the route they record includes 10.0.0.2. A Linux
# host on the same link shows "RR: 10.0.0.1 10.0.0.2 10.0.0.2 10.0.0.1"; we require 10.0.0.2 in
# the RR lines of every reply (ping prints "(same route)" instead of repeating an identical one).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
live_wait_host_ip 10.0.0.1 >/dev/null
out=$(live_ping 2 -c 2 -i 0.2 -R 10.0.0.2)
printf '%s\n' "$out"
# ping prints the recorded addresses after "RR:", one per line, up to the blank line that ends them.
route=$(awk '/^RR:/ {rr = 1; sub(/^RR:/, "")} rr && /^[[:space:]]*$/ {rr = 0} rr {for (i = 1; i <= NF; i++) r = r (r == "" ? "" : " ") $i} END {print r}' <<<"$out")
live_log "recorded route: ${route:-none}"
[[ -n $route ]] || live_fail "ping -R printed no RR: lines (the reply carried no record-route option)"
[[ " $route " == *" 10.0.0.2 "* ]] || live_fail "10.0.0.2 is not in the recorded route: $route"
replies=$(grep -c 'bytes from 10.0.0.2' <<<"$out" || true)
rr_or_same=$(grep -Ec '^RR:|\(same route\)' <<<"$out" || true)
((rr_or_same == replies)) || live_fail "$replies replies but only $rr_or_same carried a recorded route"
live_stop_run
live_pass "2/2 replies; RR: $route"
