#!/usr/bin/env bash
# (r) The seccomp filter bites, not just exists. With the test hook armed
# (TAPSTACK_TEST_SECCOMP_VIOLATION=1, tap/privileges.hpp), SIGUSR2 makes the running loop call
# socket(2), which is not on the allow-list: the process must die of SIGSYS (wait status 159 =
# 128 + 31), not exit with an error. The control run with --no-seccomp survives the same SIGUSR2
# (socket allowed, and said so) and exits 0 on SIGTERM: the filter kills, not the hook.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/privileges_lib.sh"
live_need ping iputils-ping
live_setup "$@"
priv_need_nobody
export TAPSTACK_TEST_SECCOMP_VIOLATION=1

live_start_run violation --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --user nobody
dev=$(live_wait_host_ip 10.0.0.1)
priv_wait_log "$WORK/violation.log" "TEST HOOK ARMED"
priv_check_dropped "$RUN_PID" >/dev/null
live_ping 1 -c 1 10.0.0.2
live_stop "$RUN_PID" USR2
((LIVE_RC == 128 + $(kill -l SYS))) || live_fail "after the forbidden call: exit status $LIVE_RC, expected $((128 + $(kill -l SYS))) (SIGSYS)"
# With --io uring the kernel tears a dead process's ring down asynchronously, and its pending
# read holds the TAP open until then: give that a bounded moment (1 s, 20 looks).
for _ in {1..20}; do ip link show dev "$dev" >/dev/null 2>&1 || break; sleep 0.05; done
! ip link show dev "$dev" >/dev/null 2>&1 || live_fail "$dev outlived the killed process"

live_start_run control --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --user nobody --no-seccomp
live_wait_host_ip 10.0.0.1 >/dev/null
priv_wait_log "$WORK/control.log" "TEST HOOK ARMED"
[[ $(priv_status "$RUN_PID" Seccomp) == 0 ]] || live_fail "--no-seccomp still has a filter"
kill -USR2 "$RUN_PID"
priv_wait_log "$WORK/control.log" "socket\(2\) was allowed"
live_ping 1 -c 1 10.0.0.2
live_stop_run
live_pass "socket(2) under the filter: killed by SIGSYS (status 159); without it: allowed, exit 0"
