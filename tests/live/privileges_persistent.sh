#!/usr/bin/env bash
# (w) A persistent TAP (tapstack tap add) with run --user nobody --host-ip: the stack answers,
# exits 0 on SIGTERM without any privilege left, and the interface is still there afterwards
# (persistent: closing our descriptor detaches, nothing to undo), for tap del to remove as root.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/privileges_lib.sh"
live_need ping iputils-ping
live_setup "$@"
priv_need_nobody

"$TAPSTACK" tap add tapp >"$WORK/tap_add.log" 2>&1 || live_fail "tap add failed: $(cat "$WORK/tap_add.log")"
live_start_run run --tap tapp --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --user nobody
live_wait_host_ip 10.0.0.1 >/dev/null
priv_wait_log "$WORK/run.log" "privileges dropped: running as nobody"
priv_check_dropped "$RUN_PID" >/dev/null
live_ping 2 -c 2 -i 0.2 10.0.0.2
live_stop_run
ip link show dev tapp >/dev/null 2>&1 || live_fail "the persistent tapp disappeared with the run"
"$TAPSTACK" tap del tapp >"$WORK/tap_del.log" 2>&1 || live_fail "tap del failed: $(cat "$WORK/tap_del.log")"
! ip link show dev tapp >/dev/null 2>&1 || live_fail "tapp is still there after tap del"
live_pass "2/2 replies as nobody on a persistent TAP; exit 0; tapp kept, then deleted by tap del"
