#!/usr/bin/env bash
# (i) Started without privileges, run fails fast with one line advising CAP_NET_ADMIN, setcap
# and `tapstack tap add --user`. As root we drop to nobody (no capabilities, none gainable);
# as a normal user we are already unprivileged. no_new_privs stops file capabilities (a setcap'd
# binary) from granting CAP_NET_ADMIN, so nothing can ever be created here.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need setpriv util-linux

if (($(id -u) == 0)); then
  live_setup "$@"   # as root: inside a private namespace anyway
  drop=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --)
  "${drop[@]}" test -x "$TAPSTACK" || live_skip "nobody cannot execute $TAPSTACK (a parent directory is not world-searchable)"
else
  TAPSTACK=${1:?usage: $0 PATH_TO_TAPSTACK}
  live_has_cap "$CAP_NET_ADMIN" && live_skip "this user already has CAP_NET_ADMIN"
  drop=(setpriv --no-new-privs --)
fi

rc=0
out=$(timeout -k 2 15 "${drop[@]}" "$TAPSTACK" run --ip 10.0.0.2/24 2>&1) || rc=$?
printf '%s\n' "$out"
((rc != 0)) || live_fail "an unprivileged run exited 0"
((rc != 124 && rc != 137)) || live_fail "an unprivileged run hung until the timeout"
advice=$(grep -ci 'cap_net_admin' <<<"$out" || true)
((advice == 1)) || live_fail "expected one line mentioning CAP_NET_ADMIN, got $advice"
line=$(grep -i 'cap_net_admin' <<<"$out")
[[ $line == *setcap* ]] || live_fail "the advice does not mention setcap: $line"
[[ $line == *"tap add"* ]] || live_fail "the advice does not mention 'tapstack tap add --user': $line"
live_pass "exit $rc with: $line"
