#!/usr/bin/env bash
# (s) Under --user nobody and the seccomp filter, the interface going down and up is survived
# (ping answered again once it is up), and deleting it under the running stack (ip link del)
# ends the run with its one error line and exit 1, not a seccomp kill (that would be 159).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/privileges_lib.sh"
live_need ping iputils-ping
live_setup "$@"
priv_need_nobody

log=$WORK/link.log
live_start_run link --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --user nobody
dev=$(live_wait_host_ip 10.0.0.1)
priv_wait_log "$log" "privileges dropped: running as nobody"
priv_check_dropped "$RUN_PID" >/dev/null
live_ping 2 -c 2 -i 0.2 10.0.0.2

ip link set "$dev" down
sleep 0.3
ip link set "$dev" up
kill -0 "$RUN_PID" 2>/dev/null || live_fail "tapstack run died when $dev went down and up"
live_ping 2 -c 2 -i 0.2 10.0.0.2

ip link del "$dev"
for ((i = 0; i < 100; i++)); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$RUN_PID" 2>/dev/null && live_fail "tapstack run still running 10 s after ip link del $dev"
rc=0
wait "$RUN_PID" || rc=$?
((rc == 1)) || live_fail "after ip link del: exit status $rc, expected 1 (159 would be a seccomp kill)"
errors=$(grep -c "^tapstack run: " "$log" || true)
((errors == 1)) || live_fail "expected one error line, got $errors"
line=$(grep "^tapstack run: " "$log")
[[ $line == *"reading from $dev failed"* ]] || live_fail "unexpected error line: $line"
live_pass "down/up survived; ip link del: exit 1 with: $line"
