#!/usr/bin/env bash
# (h) SIGTERM in the middle of traffic: exit status 0, counters printed, and a pcap complete to
# its last record (24-byte header plus, per record, 16 bytes and the captured length).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_need tshark tshark
live_setup "$@"

cap=$WORK/run.pcap
live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --pcap "$cap"
live_wait_host_ip 10.0.0.1 >/dev/null

# Traffic that is still flowing when the signal lands: 100 pings 10 ms apart, bounded by -w.
timeout -k 2 20 ping -n -q -i 0.01 -c 100 -w 15 10.0.0.2 >"$WORK/ping.out" 2>&1 &
ping_pid=$!
LIVE_PIDS+=("$ping_pid")
for ((i = 0; i < 100; i++)); do
  (($(stat -c %s "$cap" 2>/dev/null || echo 0) > 2000)) && break
  sleep 0.05
done

live_stop "$RUN_PID" TERM
((LIVE_RC == 0)) || live_fail "tapstack run exited $LIVE_RC after SIGTERM, expected 0"
kill -TERM "$ping_pid" 2>/dev/null || true
wait "$ping_pid" 2>/dev/null || true
grep -q icmp_echo_replies_sent "$WORK/run.log" || live_fail "no counters printed on exit"

err=$(timeout 20 tshark -n -r "$cap" -T fields -e frame.cap_len 2>&1 >"$WORK/caplens") ||
  live_fail "tshark cannot read the capture: $err"
[[ -z $err || $err != *"cut short"* ]] || live_fail "tshark: $err"
records=$(wc -l <"$WORK/caplens")
expected_size=$(awk '{s += 16 + $1} END {print 24 + s}' "$WORK/caplens")
size=$(stat -c %s "$cap")
((records > 4)) || live_fail "only $records records captured"
((size == expected_size)) || live_fail "capture is $size bytes but its $records records account for $expected_size"
live_pass "exit 0; $records records, $size bytes, complete to the last record"
