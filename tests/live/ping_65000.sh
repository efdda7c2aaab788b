#!/usr/bin/env bash
# (k) Issue 5: `ping -s 65000` and `ping -s 4000` are answered in full, fragmented both ways: the
# kernel fragments the requests and reassembles our replies (its own /proc/net/snmp, private to
# this namespace, says so), and tapstack reassembles and fragments (its counters say so).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

# One field of the Ip: lines of /proc/net/snmp (this network namespace's kernel counters).
kernel_ip() {
  awk -v f="$1" '/^Ip:/ {if (!h) {for (i = 1; i <= NF; i++) c[$i] = i; h = 1} else print $c[f]}' /proc/net/snmp
}

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
live_wait_host_ip 10.0.0.1 >/dev/null
creates0=$(kernel_ip FragCreates) reasm0=$(kernel_ip ReasmOKs)
live_ping 2 -c 2 -i 0.2 -s 65000 10.0.0.2
live_ping 2 -c 2 -i 0.2 -s 4000 10.0.0.2
creates=$(($(kernel_ip FragCreates) - creates0)) reasm=$(($(kernel_ip ReasmOKs) - reasm0))
live_log "kernel: $creates fragments created, $reasm datagrams reassembled"
((reasm == 4)) || live_fail "the kernel reassembled $reasm replies, expected 4 (2 of 65028 bytes, 2 of 4028)"
((creates >= 4 * 3)) || live_fail "the kernel created only $creates fragments for 4 oversized requests"

live_stop_run
log=$WORK/run.log
reassembled=$(live_counter "$log" ip_frag_reassembled) frags_out=$(live_counter "$log" ip_frags_out)
replies=$(live_counter "$log" icmp_echo_replies_sent)
live_log "tapstack: $reassembled reassembled, $frags_out fragments sent, $replies echo replies"
((reassembled == 4)) || live_fail "tapstack reassembled $reassembled requests, expected 4"
# At MTU 1500 each fragment carries 1480 bytes: 65008 bytes of ICMP make 44, 4008 make 3.
((frags_out == 2 * 44 + 2 * 3)) || live_fail "tapstack sent $frags_out fragments, expected $((2 * 44 + 2 * 3))"
((replies == 4)) || live_fail "tapstack counted $replies echo replies, expected 4"
live_pass "2/2 replies of 65008 and 2/2 of 4008 bytes; $frags_out fragments out, $reassembled reassembled"
