#!/usr/bin/env bash
# `tapstack tunnel --transport udp` between two namespaces joined by a veth pair: A's kernel pings
# B's TAP address through both tunnels; SIGUSR1 prints the counters while it runs; SIGTERM stops
# both with exit 0 and the counters say what crossed. Then the same with TUNs (--mode tun): bare
# IP packets, no ARP. (tests/live/tunnel_lib.sh: the network.)
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
live_pass "5/5 replies through the UDP tunnel (host A: $out frames out, $in in); 3/3 between TUNs"
