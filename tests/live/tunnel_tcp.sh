#!/usr/bin/env bash
# `tapstack tunnel --transport tcp` between two namespaces joined by a veth pair (tunnel_lib.sh):
#   1. A listens, B connects: A's kernel pings B's TAP address through both tunnels.
#   2. A (the listener) is restarted: B reconnects by itself and pings get through again.
#   3. B (the connector) is restarted: A takes its new connection; pings again.
#   4. A bogus length (0xffff, longer than any frame) is sent to A from B's address: A counts it,
#      resets that connection, B's tunnel reconnects and pings get through again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/tunnel_lib.sh"
live_need ping iputils-ping
LIVE_TIMEOUT=55 live_setup "$@"
tunnel_network

start_tunnel_a --transport tcp --listen
start_tunnel_b --transport tcp
wait_tunnel_up
tunnel_ping 3

live_log "restarting host A's tunnel (the listener)"
stop_tunnel "$A_TUNNEL" "host A"
start_tunnel_a --transport tcp --listen
wait_tunnel_up
tunnel_ping 3

live_log "restarting host B's tunnel (the connector)"
stop_tunnel "$B_TUNNEL" "host B"
start_tunnel_b --transport tcp
wait_tunnel_up
tunnel_ping 3

live_log "injecting a bogus length on a connection from B's address"
in_b timeout 5 bash -c "exec 3<>/dev/tcp/$NET_A/$TUNNEL_PORT && printf '\\xff\\xff\\x00\\x00' >&3 && sleep 0.5" ||
  live_fail "could not connect to host A's tunnel to inject"
tunnel_ping 3

stop_tunnel "$A_TUNNEL" "host A"
stop_tunnel "$B_TUNNEL" "host B"
bad=$(live_counter "$WORK/tunnel-a.log" peer_bad_length)
connections=$(live_counter "$WORK/tunnel-a.log" tcp_connections)
reconnects=$(live_counter "$WORK/tunnel-b.log" tcp_connections)
((bad == 1)) || live_fail "host A counted $bad bad lengths, expected 1"
# A's last run saw: B's connection, the injector's, and B's reconnection after the reset.
((connections >= 3)) || live_fail "host A's last run counted $connections connections, expected 3 or more"
live_pass "pings through the TCP tunnel after each restart and after a bogus length (counted $bad); B connected $reconnects times in its last run"
