#!/usr/bin/env bash
# Ctrl-C during `tapstack demo`: the terminal's SIGINT reaches the whole process group; the demo
# still stops tapstack cleanly (counters printed), reaps every child and exits promptly.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_need setsid util-linux
live_setup "$@"

# Its own session and process group (PGID = its PID), as a shell gives a foreground job.
setsid "$TAPSTACK" demo --count 30 >"$WORK/demo.log" 2>&1 &
demo_pid=$!
LIVE_PIDS+=("$demo_pid")
for ((i = 0; i < 200; i++)); do
  grep -q 'bytes from 10.0.0.2' "$WORK/demo.log" && break
  kill -0 "$demo_pid" 2>/dev/null || live_fail "demo exited before the first reply"
  sleep 0.05
done
grep -q 'bytes from 10.0.0.2' "$WORK/demo.log" || live_fail "no reply within 10s"

kill -INT -- "-$demo_pid"   # what Ctrl-C does: the demo's process group, which we started
for ((i = 0; i < 150; i++)); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$demo_pid" 2>/dev/null && live_fail "demo still running 15s after SIGINT"
rc=0
wait "$demo_pid" || rc=$?
cat "$WORK/demo.log"
((rc != 0)) || live_fail "an interrupted demo exited 0"
grep -q icmp_echo_replies_sent "$WORK/demo.log" || live_fail "tapstack did not print its counters on the way out"
if (($$ == 1)); then
  stray=$(ps -eo pid=,comm= | awk '$2 == "tapstack" || $2 == "ping"' || true)
  [[ -z $stray ]] || live_fail "processes left behind: $stray"
fi
live_pass "interrupted demo exited $rc, counters printed, nothing left running"
