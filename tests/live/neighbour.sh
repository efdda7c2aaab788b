#!/usr/bin/env bash
# (c) After a ping, the kernel's neighbour table holds our MAC for 10.0.0.2.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
dev=$(live_wait_host_ip 10.0.0.1)
live_ping 1 -c 1 10.0.0.2
neigh=$(ip neigh show 10.0.0.2 dev "$dev")
printf 'ip neigh: %s\n' "$neigh"
[[ ${neigh,,} == *"lladdr $OUR_MAC"* ]] || live_fail "neighbour entry for 10.0.0.2 is '$neigh', not lladdr $OUR_MAC"
[[ $neigh != *FAILED* && $neigh != *INCOMPLETE* ]] || live_fail "neighbour entry is unresolved: $neigh"
live_pass "ip neigh: $neigh"
