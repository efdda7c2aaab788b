#!/usr/bin/env bash
# (n) Issue 5: a closed port behaves as on a Linux host. UDP to 10.0.0.2:33434 from a connected
# socket meets a port unreachable that surfaces as ECONNREFUSED; a TCP connect to 10.0.0.2:80 is
# refused at once (an RST, well under the 1 s SYN retransmission). tapstack's counters, printed on
# SIGTERM, show the port unreachable and the reset it sent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_setup "$@"
PROBE=${2:?usage: $0 PATH_TO_TAPSTACK PATH_TO_LIVE_PROBE}
[[ -x $PROBE ]] || live_fail "no probe at $PROBE"

# probe PROTO PORT: runs the probe (it bounds its own wait at 2 s; timeout is the backstop).
probe() {
  local out rc=0
  live_log "live_probe $1 10.0.0.2 $2"
  out=$(timeout -k 2 10 "$PROBE" "$1" 10.0.0.2 "$2" 2>&1) || rc=$?
  printf '%s %s: %s\n' "$1" "$2" "$out"
  ((rc == 0)) || live_fail "$1 to closed port $2: ${out:-no output} (exit $rc)"
}

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
live_wait_host_ip 10.0.0.1 >/dev/null
probe udp 33434
probe tcp 80

live_stop_run
log=$WORK/run.log
unreach=$(live_counter "$log" udp_port_unreachable) errors=$(live_counter "$log" icmp_errors_sent)
resets=$(live_counter "$log" tcp_resets_sent)
live_log "tapstack: udp_port_unreachable $unreach, icmp_errors_sent $errors, tcp_resets_sent $resets"
((unreach == 1)) || live_fail "udp_port_unreachable is $unreach, expected 1"
((errors == 1)) || live_fail "icmp_errors_sent is $errors, expected 1 (the port unreachable)"
((resets == 1)) || live_fail "tcp_resets_sent is $resets, expected 1"
live_pass "UDP: ECONNREFUSED from the port unreachable; TCP: refused at once; counters agree"
