#!/usr/bin/env bash
# (d) A ping that fills the 1500-byte MTU exactly (1472 + 8 ICMP + 20 IP) is answered in full.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
live_wait_host_ip 10.0.0.1 >/dev/null
live_ping 2 -c 2 -i 0.2 -s 1472 -M do 10.0.0.2
live_pass "2/2 replies of 1480 bytes"
