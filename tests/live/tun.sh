#!/usr/bin/env bash
# (e) TUN mode: bare IPv4, no Ethernet or ARP; ping is still answered.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

live_start_run run --mode tun --tap tun7 --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
dev=$(live_wait_host_ip 10.0.0.1)
[[ $dev == tun7 ]] || live_fail "the address landed on $dev, not tun7"
info=$(ip -d link show dev tun7)
[[ $info == *"link/none"* ]] || live_fail "tun7 is not a TUN (no link/none): $info"
live_ping 3 -c 3 -i 0.2 10.0.0.2
live_stop_run
live_pass "3/3 echo replies over TUN"
