# Shared by the tunnel's live tests: sourced after lib.sh's live_setup, never run. Two hosts
# joined by a veth pair (the "network", 192.168.77.0/24): host A is the test's own namespace,
# host B a network namespace held by a `sleep` started here (inside the test's PID namespace, so
# it dies with the test). Each runs `tapstack tunnel` with a TAP whose host side has
# 10.9.0.1/24 (A) and 10.9.0.2/24 (B); a ping from A's kernel to 10.9.0.2 crosses both tunnels.
#
# Variables: B_PID (the holder of B's namespace), A_TUNNEL and B_TUNNEL (the tunnels' PIDs).

readonly NET_A=192.168.77.1 NET_B=192.168.77.2 TUN_A=10.9.0.1 TUN_B=10.9.0.2 TUNNEL_PORT=5555
B_PID=
A_TUNNEL=
B_TUNNEL=

# in_b COMMAND...: runs COMMAND in B's network namespace.
in_b() { nsenter -t "$B_PID" -n -- "$@"; }

tunnel_network() {
  live_need nsenter util-linux
  # unshare execs sleep: the same PID holds the namespace, for nsenter.
  unshare --net sleep 55 &
  B_PID=$!
  LIVE_PIDS+=("$B_PID")
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(readlink "/proc/$B_PID/ns/net" 2>/dev/null) != "$(readlink /proc/self/ns/net)" ]] && break
    sleep 0.02
  done
  [[ $(readlink "/proc/$B_PID/ns/net") != "$(readlink /proc/self/ns/net)" ]] || live_fail "no namespace for host B"
  ip link add vnet-a type veth peer name vnet-b netns "$B_PID" || live_fail "cannot create the veth pair"
  ip addr add "$NET_A/24" dev vnet-a
  ip link set vnet-a up
  in_b ip link set lo up
  in_b ip addr add "$NET_B/24" dev vnet-b
  in_b ip link set vnet-b up
}

# start_tunnel_a ARGS... / start_tunnel_b ARGS...: `tapstack tunnel ARGS` on host A or B, output
# in $WORK/tunnel-a.log (tunnel-b.log), appended so a restarted tunnel keeps its history.
start_tunnel_a() {
  "$TAPSTACK" tunnel --tap tun-a --host-ip "$TUN_A/24" --local "$NET_A:$TUNNEL_PORT" --remote "$NET_B:$TUNNEL_PORT" \
    "$@" >>"$WORK/tunnel-a.log" 2>&1 &
  A_TUNNEL=$!
  LIVE_PIDS+=("$A_TUNNEL")
  live_log "host A: tapstack tunnel $* (pid $A_TUNNEL)"
}
start_tunnel_b() {
  # nsenter itself, not in_b: a function in the background is a subshell, whose PID is not the
  # tunnel's (nsenter execs the program, so $! is tapstack's).
  nsenter -t "$B_PID" -n -- "$TAPSTACK" tunnel --tap tun-b --host-ip "$TUN_B/24" --local "$NET_B:$TUNNEL_PORT" --remote "$NET_A:$TUNNEL_PORT" \
    "$@" >>"$WORK/tunnel-b.log" 2>&1 &
  B_TUNNEL=$!
  LIVE_PIDS+=("$B_TUNNEL")
  live_log "host B: tapstack tunnel $* (pid $B_TUNNEL)"
}

# wait_tunnel_up: both TAPs have their address and are up (bounded).
wait_tunnel_up() {
  local i
  for ((i = 0; i < 200; i++)); do
    if ip -o -4 addr show dev tun-a 2>/dev/null | grep -q "$TUN_A/" &&
      in_b ip -o -4 addr show dev tun-b 2>/dev/null | grep -q "$TUN_B/"; then
      # A restarted tunnel's TAP has a new MAC, which the other kernel's ARP cache does not know.
      ip neigh flush dev tun-a
      in_b ip neigh flush dev tun-b
      return 0
    fi
    kill -0 "$A_TUNNEL" 2>/dev/null || live_fail "host A's tunnel exited"
    kill -0 "$B_TUNNEL" 2>/dev/null || live_fail "host B's tunnel exited"
    sleep 0.05
  done
  live_fail "the tunnels' interfaces did not come up within 10 s"
}

# stop_tunnel PID NAME: SIGTERM; it must exit 0 and have printed its counters.
stop_tunnel() {
  live_stop "$1" TERM
  ((LIVE_RC == 0)) || live_fail "$2's tunnel exited $LIVE_RC after SIGTERM, expected 0"
}

# tunnel_ping N: pings B's TAP address from A until N replies came (bounded by -w); fails with
# fewer. More may come: while a tunnel reconnects or ARP resolves, ping keeps sending.
tunnel_ping() {
  local want=$1 out received
  live_log "ping -c $want $TUN_B"
  out=$(timeout -k 2 30 ping -n -c "$want" -i 0.2 -w 20 "$TUN_B" 2>&1) || true
  printf '%s\n' "$out"
  received=$(sed -En 's/.* ([0-9]+) received.*/\1/p' <<<"$out")
  ((${received:-0} >= want)) || live_fail "expected $want replies from $TUN_B, got ${received:-none}"
}
