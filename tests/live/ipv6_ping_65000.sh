#!/usr/bin/env bash
# Issue 14: `ping -6 -s 4000` and `-s 65000` are answered: the kernel fragments the requests with
# a Fragment header (IPv6 routers never fragment), the stack reassembles them and fragments its
# replies to the link MTU, and the kernel reassembles those (its /proc/net/snmp6, private to
# this namespace, says so).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ipv6_lib.sh"
live_need ping iputils-ping
live_need python3 python3
live_setup "$@"

snmp6() { awk -v f="$1" '$1 == f {print $2}' /proc/net/snmp6; }

live_ipv6_start
dev=$DEV
reasm0=$(snmp6 Ip6ReasmOKs)
live_ping 2 -6 -c 2 -i 0.2 -s 4000 "$OUR_IP6"
live_ping 2 -6 -c 2 -i 0.2 -s 65000 "$OUR_IP6"
reasm=$(($(snmp6 Ip6ReasmOKs) - reasm0))
live_log "kernel: $reasm IPv6 datagrams reassembled"
((reasm == 4)) || live_fail "the kernel reassembled $reasm replies, expected 4 (2 of 4008 bytes of ICMPv6, 2 of 65008)"
live_stop_run
live_pass "2/2 replies of 4008 and 2/2 of 65008 bytes over IPv6, all 4 reassembled by the kernel"
