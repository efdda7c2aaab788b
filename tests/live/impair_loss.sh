#!/usr/bin/env bash
# Link emulation, loss: `run --loss 20 --seed 7` drops a fifth of the stack's replies, and ping's
# own summary of 300 pings 10 ms apart shows between 10 and 30 % loss. The neighbours are
# resolved first (bounded retries): an ARP reply the emulation loses would otherwise cost whole
# seconds of pings, which is ARP's story, not this test's.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_setup "$@"

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --loss 20 --seed 7
live_wait_host_ip 10.0.0.1 >/dev/null
for ((i = 0; i < 10; i++)); do
  timeout -k 2 5 ping -n -q -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 && break
done
((i < 10)) || live_fail "no reply to 10 warm-up pings"

out=$(timeout -k 2 30 ping -n -q -i 0.01 -c 300 -W 1 10.0.0.2 2>&1) || true
printf '%s\n' "$out"
loss=$(sed -En 's/.* ([0-9.]+)% packet loss.*/\1/p' <<<"$out")
[[ -n $loss ]] || live_fail "no loss figure in ping's summary"
awk -v l="$loss" 'BEGIN {exit !(l >= 10 && l <= 30)}' || live_fail "ping saw $loss% loss, expected 10 to 30%"

live_stop_run
grep -q '^link emulation out: .* dropped' "$WORK/run.log" || live_fail "no link emulation counters in the report"
live_pass "$loss% loss in ping's summary; $(grep '^link emulation out:' "$WORK/run.log")"
