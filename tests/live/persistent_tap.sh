#!/usr/bin/env bash
# (f) `tapstack tap add` makes a persistent TAP; `run --tap` attaches to it; after run exits the
# interface stays; `tap del` removes it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

out=$(timeout 10 "$TAPSTACK" tap add tstk9 2>&1) || live_fail "tap add failed: $out"
info=$(ip -d link show dev tstk9 2>&1) || live_fail "tap add did not create tstk9: $out"
[[ $info == *"tun type tap"* && $info == *"persist on"* ]] || live_fail "tstk9 is not a persistent TAP: $info"

live_start_run run --tap tstk9 --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
dev=$(live_wait_host_ip 10.0.0.1)
[[ $dev == tstk9 ]] || live_fail "the address landed on $dev, not tstk9"
live_ping 3 -c 3 -i 0.2 10.0.0.2
live_stop_run
ip link show dev tstk9 >/dev/null 2>&1 || live_fail "tstk9 vanished when run exited; it should persist"

out=$(timeout 10 "$TAPSTACK" tap del tstk9 2>&1) || live_fail "tap del failed: $out"
! ip link show dev tstk9 >/dev/null 2>&1 || live_fail "tstk9 still exists after tap del"
live_pass "tap add, run --tap, 3/3 replies, interface kept, tap del removed it"
