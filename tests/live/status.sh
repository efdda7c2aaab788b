#!/usr/bin/env bash
# (x) tapstack status: a running instance answers on its control socket after the privilege drop
# and under the seccomp filter; --json parses and holds the echo counters and the kernel's link
# statistics; the text form too; --stats-interval prints its line; with no instance, one line
# and exit 1.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_need python3 python3
live_setup "$@"

live_start_run run --tap tap0 --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --stats-interval 0.5 --user nobody
dev=$(live_wait_host_ip 10.0.0.1)
live_log "host side is $dev"
live_ping 3 -c 3 -i 0.2 10.0.0.2

rc=0
"$TAPSTACK" status --tap tap0 --json >"$WORK/status.json" 2>"$WORK/status.err" || rc=$?
((rc == 0)) || live_fail "status --json: exit $rc: $(cat "$WORK/status.err")"
python3 -m json.tool "$WORK/status.json" >/dev/null || live_fail "status --json is not JSON: $(cat "$WORK/status.json")"
python3 - "$WORK/status.json" <<'PY' || live_fail "status --json lacks what it should hold: $(cat "$WORK/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
c = s["counters"]
assert c["icmp_echo_requests"] >= 3 and c["icmp_echo_replies_sent"] >= 3, c
assert s["interface"]["name"] == "tap0"
assert any(n["ip"] == "10.0.0.1" for n in s["neighbours"]), s["neighbours"]
assert s["kernel_link"]["tx_packets"] >= 3, s["kernel_link"]
PY
live_log "status --json: $(tr -d '\n' <"$WORK/status.json" | head -c 400)"

"$TAPSTACK" status --tap tap0 >"$WORK/status.txt" 2>&1 || live_fail "status: $(cat "$WORK/status.txt")"
grep -q '^ARP cache: ' "$WORK/status.txt" || live_fail "status text has no ARP cache: $(cat "$WORK/status.txt")"

# No instance on that interface: one line, exit 1.
rc=0
"$TAPSTACK" status --tap nosuch0 >"$WORK/none.out" 2>"$WORK/none.err" || rc=$?
((rc == 1)) || live_fail "status without an instance: exit $rc, want 1"
[[ $(wc -l <"$WORK/none.err") == 1 ]] || live_fail "status without an instance: not one line: $(cat "$WORK/none.err")"
live_log "no instance: $(cat "$WORK/none.err")"

sleep 0.6
live_stop_run
grep -q '^tap0: frames in ' "$WORK/run.log" || live_fail "--stats-interval printed no summary: $(cat "$WORK/run.log")"
live_pass "status --json parsed with the echo counters; no instance: exit 1, one line"
