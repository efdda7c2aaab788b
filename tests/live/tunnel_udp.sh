#!/usr/bin/env bash
# `tapstack tunnel --transport udp` between two namespaces joined by a veth pair: A's kernel pings
# B's TAP address through both tunnels; SIGUSR1 prints the counters while it runs; SIGTERM stops
# both with exit 0 and the counters say what crossed. Then the same with TUNs (--mode tun): bare
# IP packets, no ARP. Last, frames too long for the MTU, from either side: A runs with --mtu 1400
# while its TAP and B take 1500-byte packets; each is counted and dropped, none crosses.
# (tests/live/tunnel_lib.sh: the network.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/tunnel_lib.sh"
live_need ping iputils-ping
live_setup "$@"
tunnel_network

start_tunnel_a --transport udp
start_tunnel_b --transport udp
wait_tunnel_up
tunnel_ping 5

kill -USR1 "$A_TUNNEL"
for ((i = 0; i < 50; i++)); do grep -q '^tunnel tun-a over udp:' "$WORK/tunnel-a.log" && break; sleep 0.05; done
grep -q '^tunnel tun-a over udp:' "$WORK/tunnel-a.log" || live_fail "no counters on SIGUSR1"

stop_tunnel "$A_TUNNEL" "host A"
stop_tunnel "$B_TUNNEL" "host B"
out=$(live_counter "$WORK/tunnel-a.log" peer_frames_out)
in=$(live_counter "$WORK/tunnel-a.log" peer_frames_in)
# Five requests and five replies at least (ARP and the hosts' own chatter cross too).
((out >= 5 && in >= 5)) || live_fail "host A counted $out frames to the peer and $in from it"

start_tunnel_a --transport udp --mode tun
start_tunnel_b --transport udp --mode tun
wait_tunnel_up
tunnel_ping 3
stop_tunnel "$A_TUNNEL" "host A"
stop_tunnel "$B_TUNNEL" "host B"
tun_in=$(live_counter "$WORK/tunnel-a.log" peer_frames_in)
((tun_in >= 3)) || live_fail "host A's TUN tunnel counted $tun_in packets from the peer"

start_tunnel_a --transport udp --mtu 1400
start_tunnel_b --transport udp
wait_tunnel_up
ip link set tun-a mtu 1500  # the host now sends what the tunnel will not carry
tunnel_ping 2  # small frames still cross (and ARP resolves both ways)
timeout -k 2 10 ping -n -q -c 2 -i 0.2 -W 1 -M do -s 1472 "$TUN_B" >/dev/null 2>&1 || true
in_b timeout -k 2 10 ping -n -q -c 2 -i 0.2 -W 1 -M do -s 1472 "$TUN_A" >/dev/null 2>&1 || true
stop_tunnel "$A_TUNNEL" "host A"
stop_tunnel "$B_TUNNEL" "host B"
host_long=$(live_counter "$WORK/tunnel-a.log" host_too_long)
peer_long=$(live_counter "$WORK/tunnel-a.log" peer_too_long)
((host_long >= 2)) || live_fail "host A counted $host_long frames from its host too long for --mtu 1400, expected 2"
((peer_long >= 2)) || live_fail "host A counted $peer_long frames from the peer too long for --mtu 1400, expected 2"
live_pass "5/5 replies through the UDP tunnel (host A: $out frames out, $in in); 3/3 between TUNs; too long: $host_long from the host, $peer_long from the peer, dropped"
