#!/usr/bin/env bash
# (o) Issue 5: ICMP errors are rate-limited per host as Linux does (icmp_ratelimit 1000 ms with a
# burst of 6, inet_peer_xrlim_allow): 20 UDP datagrams to closed ports sent in a burst earn 6 port
# unreachables, the rest are suppressed. Asserted with tapstack's counters and the kernel's own
# count of destination unreachables received, not with timing: a slow machine that stretches the
# burst over T seconds may earn one more per second, which the bound allows.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_setup "$@"
readonly BURST=20 LINUX_BURST=6

# One field of the Icmp: lines of /proc/net/snmp (this network namespace's kernel counters).
kernel_icmp() {
  awk -v f="$1" '/^Icmp:/ {if (!h) {for (i = 1; i <= NF; i++) c[$i] = i; h = 1} else print $c[f]}' /proc/net/snmp
}

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
live_wait_host_ip 10.0.0.1 >/dev/null
# Resolve both ways first (one echo), so no datagram of the burst waits on ARP.
live_ping 1 -c 1 10.0.0.2 >/dev/null
in0=$(kernel_icmp InDestUnreachs)
start=$(date +%s%N)
# bash's /dev/udp: one small datagram per port, 33434 upwards, as fast as the shell goes.
for ((port = 33434; port < 33434 + BURST; port++)); do
  printf 'burst\n' >"/dev/udp/10.0.0.2/$port" || live_fail "cannot send to 10.0.0.2:$port"
done
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
live_log "sent $BURST datagrams in $elapsed_ms ms"

# Wait (bounded) for the kernel to have received as many port unreachables as will come: the count
# stops growing once the burst's answers are in; the rate limit admits the next only after 1 s.
deadline=$(($(date +%s) + 5))
seen=0 stable=0
while (($(date +%s) < deadline && stable < 5)); do
  now=$(($(kernel_icmp InDestUnreachs) - in0))
  if ((now == seen && now >= LINUX_BURST)); then stable=$((stable + 1)); else stable=0; fi
  seen=$now
  sleep 0.05
done

live_stop_run
log=$WORK/run.log
unreach=$(live_counter "$log" udp_port_unreachable) sent=$(live_counter "$log" icmp_errors_sent)
limited=$(live_counter "$log" icmp_errors_rate_limited)
received=$(($(kernel_icmp InDestUnreachs) - in0))
live_log "tapstack: udp_port_unreachable $unreach, icmp_errors_sent $sent, icmp_errors_rate_limited $limited; kernel received $received"
# One more error per whole second the burst took (the per-host bucket refills 1 per 1000 ms).
max=$((LINUX_BURST + elapsed_ms / 1000))
((unreach == BURST)) || live_fail "udp_port_unreachable is $unreach, expected $BURST"
((sent + limited == BURST)) || live_fail "$sent sent + $limited rate-limited != $BURST datagrams"
((sent >= LINUX_BURST && sent <= max)) ||
  live_fail "icmp_errors_sent is $sent, expected $LINUX_BURST (at most $max for a ${elapsed_ms} ms burst)"
((received == sent)) || live_fail "the kernel received $received destination unreachables, tapstack sent $sent"
live_pass "$BURST datagrams to closed ports: $sent port unreachables, $limited rate-limited"
