#!/usr/bin/env bash
# (y) Advice that fits the cause (issue 12): a stale persistent tap0 that still routes the subnet
# is named before the stack starts on another interface; --mtu on a persistent TAP says that it
# outlives the run; the --host-ip hint appears only for an interface without an address.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_setup "$@"

# The stale interface: persistent, up, 10.0.0.1/24, nothing attached (no carrier): the kernel
# keeps its subnet route, marked linkdown, and sends 10.0.0.0/24 there.
out=$(timeout 10 "$TAPSTACK" tap add tap0 2>&1) || live_fail "tap add tap0 failed: $out"
ip addr add 10.0.0.1/24 dev tap0 || live_fail "ip addr add on tap0 failed"
ip link set tap0 up || live_fail "ip link set tap0 up failed"

live_start_run stale --tap tap1 --host-ip 10.0.0.5/24 --ip 10.0.0.2/24 --no-announce
live_wait_host_ip 10.0.0.5 >/dev/null
live_stop_run
grep -q '10.0.0.0/24 is already routed via tap0 (down)' "$WORK/stale.log" ||
  live_fail "no warning naming the stale tap0: $(cat "$WORK/stale.log")"

# --mtu on the persistent tap0 changes it for good, and the run says so; tap0 has an address,
# so no --host-ip hint.
live_start_run mtu --tap tap0 --ip 10.0.0.2/24 --mtu 1400 --no-announce
live_wait_dev tap0
for ((i = 0; i < 100; i++)); do grep -q 'running on' "$WORK/mtu.log" && break; sleep 0.05; done
live_stop_run
grep -q -- "--mtu 1400 changes tap0's MTU for good: it is persistent (it was 1500" "$WORK/mtu.log" ||
  live_fail "no warning that --mtu outlives the run: $(cat "$WORK/mtu.log")"
! grep -q 'no --host-ip' "$WORK/mtu.log" || live_fail "the --host-ip hint shown for tap0, which has an address"

# A fresh interface without an address gets the hint.
live_start_run bare --tap tap2 --ip 10.0.1.2/24 --no-announce
live_wait_dev tap2
for ((i = 0; i < 100; i++)); do grep -q 'no --host-ip' "$WORK/bare.log" && break; sleep 0.05; done
live_stop_run
grep -q 'no --host-ip, and tap2 has no IPv4 address' "$WORK/bare.log" ||
  live_fail "no --host-ip hint for tap2, which has no address: $(cat "$WORK/bare.log")"

timeout 10 "$TAPSTACK" tap del tap0 >/dev/null 2>&1 || live_fail "tap del tap0 failed"
live_pass "stale tap0 named, --mtu on a persistent TAP announced, the hint only without an address"
