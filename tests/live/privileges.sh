#!/usr/bin/env bash
# (q) run --user nobody: after set-up the stack runs as nobody with no capability, no_new_privs
# and the seccomp filter, as /proc/PID/status shows (Uid 65534, CapEff 0, NoNewPrivs 1,
# Seccomp 2), and still answers ping -c 3; SIGUSR1 still reports; SIGTERM still exits 0 with the
# counters and a complete pcap (opened as root before the switch); the transient TAP goes with it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/privileges_lib.sh"
live_need ping iputils-ping
live_need tshark tshark
live_setup "$@"
priv_need_nobody

cap=$WORK/run.pcap
log=$WORK/run.log
live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --pcap "$cap" --user nobody
dev=$(live_wait_host_ip 10.0.0.1)
priv_wait_log "$log" "privileges dropped: running as nobody"
status=$(priv_check_dropped "$RUN_PID")
live_log "$status"

live_ping 3 -c 3 -i 0.2 10.0.0.2
kill -USR1 "$RUN_PID"
priv_wait_log "$log" "icmp_echo_replies_sent +3 "
live_stop_run
reports=$(grep -c "icmp_echo_replies_sent" "$log" || true)
((reports == 2)) || live_fail "expected the counters twice (SIGUSR1, exit), got $reports"
records=$(priv_check_pcap "$cap")
((records >= 6)) || live_fail "only $records records captured, expected the 3 requests and 3 replies at least"
! ip link show dev "$dev" >/dev/null 2>&1 || live_fail "$dev is still there after the run exited"
live_pass "3/3 replies as $status; SIGUSR1 report; SIGTERM exit 0; $records records; $dev gone"
