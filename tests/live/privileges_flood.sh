#!/usr/bin/env bash
# (t) SIGTERM in the middle of a flood (ping -f -c 2000 -w 10) under --user nobody and the
# seccomp filter: exit 0, counters printed, and a pcap complete to its last record.
#
# A flood of 2000 can be over in 60 ms here, so the signal is sent once the host has sent 50
# frames (read from /proc/net/dev by shell builtins, no process started per poll). Should the
# machine be so busy that the flood still ends first, the attempt is repeated, at most 3 times.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/privileges_lib.sh"
live_need ping iputils-ping
live_need tshark tshark
live_setup "$@"
priv_need_nobody

# attempt N: one run, one flood, SIGTERM; fails the test on any broken promise; returns 1 when
# every request was answered before the signal landed (not mid-flood), 0 otherwise.
attempt() {
  local n=$1 cap=$WORK/flood$1.pcap log=$WORK/flood$1.log dev ping_pid i name rest tx=0 replies records
  live_start_run "flood$n" --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --pcap "$cap" --user nobody
  dev=$(live_wait_host_ip 10.0.0.1)
  priv_wait_log "$log" "privileges dropped: running as nobody"
  priv_check_dropped "$RUN_PID" >/dev/null

  timeout -k 2 20 ping -n -q -f -c 2000 -w 10 10.0.0.2 >"$WORK/ping$n.out" 2>&1 &
  ping_pid=$!
  LIVE_PIDS+=("$ping_pid")
  for ((i = 0; i < 20000 && tx < 50; i++)); do
    while read -r name rest; do
      [[ $name == "$dev:" ]] && read -r _ _ _ _ _ _ _ _ _ tx _ <<<"$rest"
    done </proc/net/dev
  done
  live_stop "$RUN_PID" TERM
  ((LIVE_RC == 0)) || live_fail "tapstack run exited $LIVE_RC after SIGTERM mid-flood, expected 0"
  kill -TERM "$ping_pid" 2>/dev/null || true
  wait "$ping_pid" 2>/dev/null || true
  grep -q "icmp_echo_replies_sent" "$log" || live_fail "no counters printed on exit"
  replies=$(live_counter "$log" icmp_echo_replies_sent)
  records=$(priv_check_pcap "$cap")
  ((records >= 2 * replies)) || live_fail "$records records for $replies replies: the capture lost some"
  RESULT="exit 0 after $replies of 2000 replies; $records records, complete"
  live_log "attempt $n: $RESULT"
  ((replies < 2000))
}

for n in 1 2 3; do
  attempt "$n" && live_pass "SIGTERM mid-flood: $RESULT"
done
live_fail "in 3 attempts, every flood was over before SIGTERM landed"
