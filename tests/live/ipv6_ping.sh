#!/usr/bin/env bash
# Issue 14: `ping -6` to the stack's global address and to its link-local address (with the
# interface as zone) gets every reply, and the host's neighbour table (`ip -6 neigh`) has learned
# our MAC through NDP. The stack runs DAD first; the test waits for it through `tapstack status`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ipv6_lib.sh"
live_need ping iputils-ping
live_need python3 python3
live_setup "$@"

live_ipv6_start
dev=$DEV
live_ping 5 -6 -c 5 -i 0.2 "$OUR_IP6"
live_ping 5 -6 -c 5 -i 0.2 "$OUR_LINK_LOCAL%$dev"

neigh=$(ip -6 neigh show dev "$dev")
live_log "ip -6 neigh show dev $dev: $neigh"
grep -Eq "^$OUR_IP6 lladdr $OUR_MAC " <<<"$neigh" || live_fail "ip -6 neigh has no $OUR_IP6 lladdr $OUR_MAC"
grep -Eq "^$OUR_LINK_LOCAL lladdr $OUR_MAC " <<<"$neigh" || live_fail "ip -6 neigh has no $OUR_LINK_LOCAL lladdr $OUR_MAC"

live_stop_run
log=$WORK/run.log
grep -q "IPv6 $OUR_IP6/64, $OUR_LINK_LOCAL (link-local)" "$log" || live_fail "the start line does not name our IPv6 addresses"
live_pass "5/5 replies from $OUR_IP6 and from $OUR_LINK_LOCAL%$dev; ip -6 neigh: $OUR_MAC for both"
