# Shared by the live.ipv6_* tests after lib.sh: sourced, never run. The stack at 10.0.0.2 and
# fd00::2 (and its link-local address, fe80::aff:fe00:2 from its default MAC), the host side at
# 10.0.0.1 and fd00::1; the host's own DAD is off in this private namespace, so its link-local
# address is usable at once.

readonly OUR_IP6=fd00::2 HOST_IP6=fd00::1 OUR_LINK_LOCAL=fe80::aff:fe00:2

# live_ipv6_start [RUN_ARGS...]: turns off the host's DAD for interfaces made from now on (a
# sysctl of this namespace only), starts `tapstack run` with both families and waits for the
# interface and for the stack's DAD; sets DEV to the interface's name (not in $(...): RUN_PID
# must be set in the test's own shell).
live_ipv6_start() {
  [[ -e /proc/sys/net/ipv6 ]] || live_skip "this kernel has no IPv6 (/proc/sys/net/ipv6 is missing)"
  echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
  live_start_run run --ip 10.0.0.2/24 --ip "$OUR_IP6/64" --host-ip 10.0.0.1/24 --host-ip "$HOST_IP6/64" "$@"
  DEV=$(live_wait_host_ip 10.0.0.1)
  live_wait_ipv6_preferred "$DEV"
}

# live_wait_ipv6_preferred DEV [SECONDS]: waits (bounded, default 10 s) until `tapstack status`
# says every IPv6 address of the stack has passed DAD (state preferred).
live_wait_ipv6_preferred() {
  local dev=$1 bound=${2:-10} deadline json
  deadline=$(($(date +%s%N) + bound * 1000000000))
  while (($(date +%s%N) < deadline)); do
    kill -0 "$RUN_PID" 2>/dev/null || live_fail "tapstack run exited while its IPv6 addresses were tentative"
    json=$(timeout -k 1 5 "$TAPSTACK" status --tap "$dev" --json 2>/dev/null) || json=
    if [[ -n $json ]] && python3 -c '
import json, sys
addrs = json.loads(sys.argv[1])["interface"].get("ipv6", [])
sys.exit(0 if addrs and all(a["state"] == "preferred" for a in addrs) else 1)' "$json" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  live_fail "the stack's IPv6 addresses did not become preferred within ${bound}s; status said: ${json:-nothing}"
}
