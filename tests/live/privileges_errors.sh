#!/usr/bin/env bash
# (u) --user mistakes fail before anything is set up, in one line: an unknown user or group is a
# usage error (exit 2); --user without CAP_SETUID and CAP_SETGID exits 1, naming them and what to
# do. No interface is created by any of them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/privileges_lib.sh"
live_need setpriv util-linux
live_setup "$@"
priv_need_nobody

# expect_failure RC WORDS ARGS...: runs tapstack ARGS, fails unless it exits RC with one line of
# output containing WORDS and leaves no interface behind.
expect_failure() {
  local want=$1 words=$2 rc=0 out lines
  shift 2
  out=$(timeout -k 2 15 "$@" 2>&1) || rc=$?
  printf '%s\n' "$out"
  ((rc == want)) || live_fail "$*: exit $rc, expected $want"
  lines=$(grep -c . <<<"$out" || true)
  ((lines == 1)) || live_fail "$*: $lines lines of output, expected 1"
  [[ $out == *"$words"* ]] || live_fail "$*: the line does not say '$words'"
  [[ -z $(ip -o link show type tun 2>/dev/null) ]] || live_fail "$*: left an interface behind"
}

expect_failure 2 "no-such-user-tapstack" "$TAPSTACK" run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --user no-such-user-tapstack
expect_failure 2 "no-such-group-tapstack" "$TAPSTACK" run --host-ip 10.0.0.1/24 --ip 10.0.0.2/24 --user nobody --group no-such-group-tapstack
expect_failure 2 "no-such-user-tapstack" "$TAPSTACK" dump --user no-such-user-tapstack

drop=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --)
"${drop[@]}" test -x "$TAPSTACK" || live_skip "nobody cannot execute $TAPSTACK (a parent directory is not world-searchable)"
expect_failure 1 "CAP_SETUID and CAP_SETGID" "${drop[@]}" "$TAPSTACK" run --ip 10.0.0.2/24 --user daemon
line=$(timeout -k 2 15 "${drop[@]}" "$TAPSTACK" run --ip 10.0.0.2/24 --user daemon 2>&1 || true)
[[ $line == *sudo* && $line == *"leave out --user"* ]] || live_fail "the advice does not say what to do: $line"
live_pass "unknown user/group: exit 2; not permitted: exit 1 with: $line"
