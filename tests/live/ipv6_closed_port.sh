#!/usr/bin/env bash
# Issue 14: a connected UDP socket over IPv6 to a port the stack has not open gets ECONNREFUSED:
# the stack's ICMPv6 destination unreachable (port unreachable, RFC 4443 §3.1) reaches the
# host's socket.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/ipv6_lib.sh"
live_need python3 python3
live_setup "$@"

live_ipv6_start
result=$(timeout -k 2 15 python3 - "$OUR_IP6" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 9))
try:
    s.send(b"anyone there?")
    s.recv(100)
    print("an answer")
except ConnectionRefusedError:
    print("ECONNREFUSED")
except socket.timeout:
    print("nothing within 3 s")
PY
) || live_fail "python3 failed: $result"
[[ $result == ECONNREFUSED ]] || live_fail "UDP to [$OUR_IP6]:9 got $result, expected ECONNREFUSED"
live_stop_run
live_pass "UDP to [$OUR_IP6]:9: ECONNREFUSED"
