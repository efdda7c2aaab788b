#!/usr/bin/env bash
# (p) tapstack dump: attaches to an existing TAP, prints one decoded line per frame the host
# sends, answers nothing, and stops cleanly on SIGINT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

ip tuntap add dev tapd mode tap
ip addr add 10.0.0.1/24 dev tapd
ip link set tapd up
# A static neighbour, so ping sends echo requests at once instead of asking ARP first.
ip neigh add 10.0.0.2 lladdr 02:00:0a:00:00:02 dev tapd

log=$WORK/dump.log
"$TAPSTACK" dump --tap tapd >"$log" 2>&1 &
DUMP_PID=$!
LIVE_PIDS+=("$DUMP_PID")
# Wait (bounded) until dump says it holds the interface.
for ((i = 0; i < 150; i++)); do
  grep -q "listening on tapd" "$log" && break
  kill -0 "$DUMP_PID" 2>/dev/null || live_fail "tapstack dump exited early: $(cat "$log")"
  sleep 0.1
done
grep -q "listening on tapd" "$log" || live_fail "tapstack dump did not attach within 15 s: $(cat "$log")"
# Without -w, ping stops after sending 3 (live_ping's -w would wait for 3 replies).
out=$(timeout -k 2 20 ping -n -c 3 -i 0.2 -W 1 10.0.0.2 2>&1) || true
printf '%s\n' "$out"
[[ $out == *"3 packets transmitted, 0 received"* ]] || live_fail "expected 3 requests sent and none answered: $out"
live_stop "$DUMP_PID" INT
cat "$log"
((LIVE_RC == 0)) || live_fail "tapstack dump exited $LIVE_RC after SIGINT"
requests=$(grep -c "10.0.0.1 > 10.0.0.2 ICMP echo request" "$log" || true)
((requests == 3)) || live_fail "expected 3 decoded echo requests in dump's output, saw $requests"
live_pass "3 echo requests decoded, none answered, clean exit on SIGINT"
