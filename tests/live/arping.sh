#!/usr/bin/env bash
# (b) iputils arping gets ARP replies, and they carry our MAC (02:00 + the IP's octets).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need arping iputils-arping
live_setup "$@"

live_start_run run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24
dev=$(live_wait_host_ip 10.0.0.1)
out=$(timeout -k 2 20 arping -c 3 -w 10 -I "$dev" 10.0.0.2 2>&1) || live_fail "arping failed: $out"
printf '%s\n' "$out"
replies=$(grep -ci "reply from 10.0.0.2 \[$OUR_MAC\]" <<<"$out" || true)
((replies >= 3)) || live_fail "expected 3 replies from 10.0.0.2 [$OUR_MAC], got $replies"
others=$(grep -i 'reply from' <<<"$out" | grep -vci "\[$OUR_MAC\]" || true)
((others == 0)) || live_fail "a reply carried another MAC"
live_pass "$replies ARP replies with $OUR_MAC"
