#!/usr/bin/env bash
# `tapstack tap list` in a namespace of its own (tests/live/lib.sh): a persistent TAP made with
# `tapstack tap add` shows with its mode, owner, group and persistence, not attached; while
# `tapstack run` holds it, the list names that process; after `tap del` it is gone.
source "$(dirname "${BASH_SOURCE[0]}")/../live/lib.sh"
live_setup "$@"

# row NAME: the list's line for NAME, as words.
row() { "$TAPSTACK" tap list | awk -v n="$1" '$1 == n'; }

header=$("$TAPSTACK" tap list | head -1)
[[ $header == "NAME  MODE  STATE  ATTACHED  OWNER  GROUP  PERSIST  FLAGS" ]] ||
  live_fail "unexpected header on an empty list: $header"

out=$(timeout 10 "$TAPSTACK" tap add tstkl0 --user nobody --group nogroup 2>&1) || live_fail "tap add failed: $out"
out=$(timeout 10 "$TAPSTACK" tap add tstkl1 --mode tun 2>&1) || live_fail "tap add --mode tun failed: $out"
"$TAPSTACK" tap list >&2
read -r name mode state attached owner group persist flags <<<"$(row tstkl0)"
[[ $name == tstkl0 ]] || live_fail "tstkl0 is not listed"
[[ $mode == tap && $attached == no && $owner == nobody && $group == nogroup && $persist == yes && $flags == - ]] ||
  live_fail "tstkl0: want tap, not attached, nobody, nogroup, persistent, no flags: $(row tstkl0)"
read -r name mode _ attached owner group persist _ <<<"$(row tstkl1)"
[[ $mode == tun && $attached == no && $owner == - && $group == - && $persist == yes ]] ||
  live_fail "tstkl1: want tun, not attached, no owner or group, persistent: $(row tstkl1)"
! "$TAPSTACK" tap list | awk '{print $1}' | grep -qx lo || live_fail "lo is listed: it is not a TUN/TAP"

live_start_run run --tap tstkl0 --ip 10.0.0.2/24 --host-ip 10.0.0.1/24
live_wait_host_ip 10.0.0.1 >/dev/null
read -r _ _ state attached _ <<<"$(row tstkl0)"
[[ $attached == "tapstack[$RUN_PID]" ]] || live_fail "while run holds tstkl0, ATTACHED is '$attached', want tapstack[$RUN_PID]"
[[ $state == UP ]] || live_fail "tstkl0 is up with a carrier, but STATE is $state"
live_stop_run
read -r _ _ _ attached _ <<<"$(row tstkl0)"
[[ $attached == no ]] || live_fail "after run stopped, ATTACHED is '$attached'"

timeout 10 "$TAPSTACK" tap del tstkl0 >/dev/null || live_fail "tap del tstkl0 failed"
timeout 10 "$TAPSTACK" tap del tstkl1 >/dev/null || live_fail "tap del tstkl1 failed"
[[ -z $(row tstkl0) ]] || live_fail "tstkl0 still listed after tap del"
live_pass "tap list shows mode, owner, group, persistence, and who is attached"
