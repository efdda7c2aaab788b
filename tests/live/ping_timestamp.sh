#!/usr/bin/env bash
# (m) Issue 5: `ping -T tsandaddr` gets its replies, and every reply's timestamp option carries an
# entry stamped by 10.0.0.2 (a Linux host shows 10.0.0.1, 10.0.0.2, 10.0.0.2, 10.0.0.1).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
live_wait_host_ip 10.0.0.1 >/dev/null
out=$(live_ping 2 -c 2 -i 0.2 -T tsandaddr 10.0.0.2)
printf '%s\n' "$out"
# ping prints "TS:" then one "ADDRESS<tab>TIME" line per entry, up to a blank line; one block per
# reply. Count the blocks, and those with an entry from 10.0.0.2 (with a time: a number).
read -r blocks ours < <(awk '
  /^TS:/ {ts = 1; n++; sub(/^TS:/, "")}
  ts && /^[[:space:]]*$/ {ts = 0}
  ts && $1 == "10.0.0.2" && $2 ~ /^-?[0-9]+$/ && !seen[n]++ {m++}
  END {print n + 0, m + 0}' <<<"$out")
live_log "$blocks TS blocks, $ours with an entry from 10.0.0.2"
((blocks == 2)) || live_fail "expected a TS: block for each of the 2 replies, got $blocks"
((ours == 2)) || live_fail "only $ours of the 2 TS: blocks carry a timestamp from 10.0.0.2"
live_stop_run
live_pass "2/2 replies, each with a timestamp from 10.0.0.2"
