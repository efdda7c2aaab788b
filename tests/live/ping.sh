#!/usr/bin/env bash
# (a) The headline: the system's ping gets 5 replies from tapstack run behind a TAP.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
dev=$(live_wait_host_ip 10.0.0.1)
live_log "host side is $dev"
live_ping 5 -c 5 -i 0.2 10.0.0.2
live_stop_run
live_pass "5/5 echo replies on $dev"
