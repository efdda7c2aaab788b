#!/usr/bin/env bash
# Issue 14: TUN mode carries IPv6 too. The driver (IFF_NO_PI) tells the family by the version
# nibble; there is no link layer, so no NDP and no link-local address of the stack's: ping -6
# to its global address is answered at once.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ipv6_lib.sh"
live_need ping iputils-ping
live_need python3 python3
live_setup "$@"

live_ipv6_start --mode tun --tap tun7
[[ $DEV == tun7 ]] || live_fail "the address landed on $DEV, not tun7"
live_ping 3 -6 -c 3 -i 0.2 "$OUR_IP6"
live_ping 3 -c 3 -i 0.2 10.0.0.2
live_stop_run
grep -q "(link-local)" "$WORK/run.log" && live_fail "the start line names a link-local address in TUN mode"
live_pass "3/3 replies over TUN from $OUR_IP6, and 3/3 from 10.0.0.2 beside them"
