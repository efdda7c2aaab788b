#!/usr/bin/env bash
# `tapstack demo` as a normal user (nobody): rootless, in a user + network namespace. It needs
# unprivileged user namespaces and a world-accessible /dev/net/tun (as on stock Debian). Where
# the real node is root-only, we give this test's private mount namespace a 0666 node of the
# same device, so the host is untouched. Where the kernel refuses, the demo must say why in
# one line, and the test SKIPs with that line.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
live_need ping iputils-ping
live_need setpriv util-linux
(($(id -u) == 0)) || live_skip "needs root to switch to nobody"
live_setup "$@"
(($$ == 1)) || live_skip "no private mount namespace here to lend /dev/net/tun a 0666 node"

drop=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --)
"${drop[@]}" test -x "$TAPSTACK" || live_skip "nobody cannot execute $TAPSTACK (a parent directory is not world-searchable)"
if ! "${drop[@]}" test -r /dev/net/tun -a -w /dev/net/tun; then
  mkdir "$WORK/dev"
  mount -t tmpfs -o mode=0755 tapstack-live "$WORK/dev"
  mknod -m 0666 "$WORK/dev/tun" c 10 200
  mount --bind "$WORK/dev/tun" /dev/net/tun
fi

rc=0
out=$(cd / && timeout -k 5 40 "${drop[@]}" "$TAPSTACK" demo 2>&1) || rc=$?
printf '%s\n' "$out"
if ((rc != 0)); then
  reason=$(grep '^tapstack demo:' <<<"$out" || true)
  [[ -n $reason && $(wc -l <<<"$reason") == 1 ]] || live_fail "demo exited $rc without a one-line reason"
  [[ $reason == *"user namespace"* ]] && live_skip "$reason"
  live_fail "rootless demo exited $rc: $reason"
fi
[[ $out == *"5 packets transmitted, 5 received"* ]] || live_fail "ping did not get 5/5 replies"
live_pass "rootless demo as nobody: 5/5 replies"
