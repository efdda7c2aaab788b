#!/usr/bin/env bash
# (v) tapstack dump --user nobody: decodes the host's echo requests as nobody, with no
# capability, no_new_privs and the seccomp filter, and stops cleanly on SIGINT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/privileges_lib.sh"
live_need ping iputils-ping
live_setup "$@"
priv_need_nobody

ip tuntap add dev tapd mode tap
ip addr add 10.0.0.1/24 dev tapd
ip link set tapd up
ip neigh add 10.0.0.2 lladdr 02:00:0a:00:00:02 dev tapd

log=$WORK/dump.log
"$TAPSTACK" dump --tap tapd --user nobody >"$log" 2>&1 &
RUN_PID=$!
LIVE_PIDS+=("$RUN_PID")
priv_wait_log "$log" "privileges dropped: running as nobody"
status=$(priv_check_dropped "$RUN_PID")
out=$(timeout -k 2 20 ping -n -c 3 -i 0.2 -W 1 10.0.0.2 2>&1) || true
[[ $out == *"3 packets transmitted, 0 received"* ]] || live_fail "expected 3 requests sent and none answered: $out"
live_stop "$RUN_PID" INT
((LIVE_RC == 0)) || live_fail "tapstack dump exited $LIVE_RC after SIGINT"
requests=$(grep -c "10.0.0.1 > 10.0.0.2 ICMP echo request" "$log" || true)
((requests == 3)) || live_fail "expected 3 decoded echo requests, saw $requests"
live_pass "3 echo requests decoded as $status; exit 0 on SIGINT"
